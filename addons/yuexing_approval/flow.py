"""流程配置: the approval flow of a document type — ordered steps, who
approves each, when a step applies (conditions on the document's declared
fields), parallel all/any, deadline and escalation. Set up by the system
administrator in the back office; a document model opts in with
mixin.ApprovalMixin."""
import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    fields,
    sequence_ordered,
)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools.domain_inversion import eval_domain

APPROVER_KINDS = [
    ('group', "Role"),
    ('user', "User"),
    ('department_head', "Requester's Department Head"),
    ('team_leader', "Requester's Team Leader"),
    ('project_manager', "Project Manager of the Document"),
    ('b2b_approver', "Approver of the B2B Company"),
    ]
# Kinds the document resolves itself (ApprovalMixin.approval_users).
DOCUMENT_KINDS = {'department_head', 'team_leader', 'project_manager',
    'b2b_approver'}
MODES = [
    ('any', "Any One of Them"),
    ('all', "All of Them"),
    ]
MATCHES = [
    ('all', "All Conditions"),
    ('any', "Any Condition"),
    ]
OPERATORS = [
    ('>', ">"),
    ('>=', "≥"),
    ('<', "<"),
    ('<=', "≤"),
    ('=', "="),
    ('!=', "≠"),
    ('in', "One Of"),
    ]


class FlowError(ValidationError):
    pass


def approval_models():
    "The document models that use the approval engine, as selection."
    pool = Pool()
    from .mixin import ApprovalMixin
    result = []
    for name, klass in pool.iterobject():
        if (isinstance(klass, type) and issubclass(klass, ApprovalMixin)
                and not klass.__name__.startswith('yuexing.approval.')):
            result.append((name, klass.__names__()['model']))
    return sorted(result)


class Flow(DeactivableMixin, ModelSQL, ModelView):
    "Approval Flow"
    __name__ = 'yuexing.approval.flow'

    name = fields.Char("Name", required=True, translate=True)
    model = fields.Selection('get_models', "Document Type", required=True)
    steps = fields.One2Many(
        'yuexing.approval.step', 'flow', "Steps",
        help="Steps of the same sequence run in parallel; each must be "
        "approved before the next sequence starts.")
    allow_self_approval = fields.Boolean(
        "Allow Self-Approval",
        help="For small teams: the requester may approve their own "
        "document. Each such decision is marked in the history.")
    version = fields.Integer("Version", readonly=True,
        help="Raised at each change. Documents keep the steps of the "
        "version they were submitted under.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('model', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_allow_self_approval(cls):
        return False

    @classmethod
    def default_version(cls):
        return 1

    @classmethod
    def get_models(cls):
        return approval_models()

    @classmethod
    def validate_fields(cls, flows, field_names):
        super().validate_fields(flows, field_names)
        if field_names and not ({'active', 'model'} & set(field_names)):
            return
        for flow in flows:
            if not flow.active:
                continue
            others = cls.search([
                    ('model', '=', flow.model),
                    ('id', '!=', flow.id),
                    ])
            if others:
                raise FlowError(gettext(
                        'yuexing_approval.msg_flow_one_per_model',
                        flow=flow.rec_name, other=others[0].rec_name))

    @classmethod
    def write(cls, *args):
        # Every change makes a new version; running requests keep the
        # snapshot of steps they took at submission.
        actions = iter(args)
        args = []
        for flows, values in zip(actions, actions, strict=False):
            values = values.copy()
            values.pop('version', None)
            args.extend((flows, values))
        super().write(*args)
        cls.bump(sum(args[::2], []))

    @classmethod
    def bump(cls, flows):
        to_write = []
        for flow in cls.browse([f.id for f in flows]):
            to_write.extend(([flow], {'version': (flow.version or 0) + 1}))
        if to_write:
            # Past the write above, which drops the version users send.
            super().write(*to_write)

    @classmethod
    def flow_for(cls, model):
        flows = cls.search([('model', '=', model)], limit=1)
        return flows[0] if flows else None

    def plan(self, record):
        """The snapshot of the steps that apply to record now: a list of
        dicts, one per step, in order."""
        values = record.approval_values()
        plan = []
        for step in sorted(self.steps, key=lambda s: (s.sequence or 0, s.id)):
            if step.applies(values):
                plan.append(step)
        return plan


class Step(sequence_ordered(), ModelSQL, ModelView):
    "Approval Step"
    __name__ = 'yuexing.approval.step'

    flow = fields.Many2One(
        'yuexing.approval.flow', "Flow", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    approver_kind = fields.Selection(
        APPROVER_KINDS, "Approver", required=True)
    group = fields.Many2One(
        'res.group', "Role", ondelete='RESTRICT',
        states={
            'invisible': Eval('approver_kind') != 'group',
            'required': Eval('approver_kind') == 'group',
            })
    user = fields.Many2One(
        'res.user', "User", ondelete='RESTRICT',
        states={
            'invisible': Eval('approver_kind') != 'user',
            'required': Eval('approver_kind') == 'user',
            })
    mode = fields.Selection(MODES, "Approval Mode", required=True,
        help="When several people may approve: one of them is enough, or "
        "all of them must approve.")
    match = fields.Selection(MATCHES, "Applies When", required=True)
    conditions = fields.One2Many(
        'yuexing.approval.step.condition', 'step', "Conditions",
        help="Without conditions the step always applies.")
    domain = fields.Function(fields.Char("Condition (Domain)"),
        'get_domain')
    model = fields.Function(fields.Char("Document Type"),
        'on_change_with_model')
    deadline_hours = fields.Integer(
        "Deadline (Hours)", domain=['OR',
            ('deadline_hours', '=', None), ('deadline_hours', '>', 0)],
        help="Hours the approvers have before the step is escalated.")
    escalate_group = fields.Many2One(
        'res.group', "Escalate to Role", ondelete='RESTRICT',
        states={'invisible': ~Eval('deadline_hours')})
    escalate_user = fields.Many2One(
        'res.user', "Escalate to User", ondelete='RESTRICT',
        states={'invisible': ~Eval('deadline_hours')})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('flow')

    @classmethod
    def default_approver_kind(cls):
        return 'group'

    @classmethod
    def default_mode(cls):
        return 'any'

    @classmethod
    def default_match(cls):
        return 'all'

    @fields.depends('flow', '_parent_flow.model')
    def on_change_with_model(self, name=None):
        return self.flow.model if self.flow else None

    def condition_domain(self):
        "The step's conditions as a Tryton domain on the declared fields."
        leaves = [c.leaf() for c in self.conditions]
        if self.match == 'any' and leaves:
            return ['OR'] + leaves
        return leaves

    def get_domain(self, name):
        return json.dumps(self.condition_domain(), ensure_ascii=False,
            default=str)

    def applies(self, values):
        return bool(eval_domain(self.condition_domain(), values))

    @classmethod
    def create(cls, vlist):
        steps = super().create(vlist)
        Pool().get('yuexing.approval.flow').bump({s.flow for s in steps})
        return steps

    @classmethod
    def write(cls, *args):
        super().write(*args)
        Pool().get('yuexing.approval.flow').bump(
            {s.flow for s in sum(args[::2], [])})

    @classmethod
    def delete(cls, steps):
        flows = {s.flow for s in steps}
        super().delete(steps)
        Pool().get('yuexing.approval.flow').bump(flows)


class Condition(ModelSQL, ModelView):
    "Approval Step Condition"
    __name__ = 'yuexing.approval.step.condition'

    step = fields.Many2One(
        'yuexing.approval.step', "Step", required=True, ondelete='CASCADE')
    field = fields.Selection('get_fields', "Field", required=True)
    operator = fields.Selection(OPERATORS, "Operator", required=True)
    value = fields.Char("Value", required=True,
        help="A number, a text or, for \"One Of\", values separated by "
        "commas.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('step')

    @classmethod
    def default_operator(cls):
        return '>'

    @fields.depends('step', '_parent_step.flow')
    def get_fields(self):
        """The fields the document type declares usable in conditions
        (ApprovalMixin._approval_fields) — of every type when the step is
        not known yet, so that stored values always display."""
        pool = Pool()
        models = [self.step.flow.model] if (
            self.step and self.step.flow and self.step.flow.model) else [
            m for m, _ in approval_models()]
        result = {}
        for model in models:
            Model = pool.get(model)
            # fields_get: the labels in the user's language
            for name, definition in Model.fields_get(
                    Model._approval_fields).items():
                result.setdefault(name, definition['string'])
        return sorted(result.items(), key=lambda i: i[1])

    def typed_value(self):
        "The value converted to the type of the document's field."
        Model = Pool().get(self.step.flow.model)
        field = Model._fields[self.field]

        def convert(text):
            text = text.strip()
            if field._type in {'numeric', 'float', 'integer'}:
                try:
                    number = Decimal(text.rstrip('%'))
                except InvalidOperation:
                    raise FlowError(gettext(
                            'yuexing_approval.msg_condition_number',
                            field=field.string, value=text)) from None
                if text.endswith('%'):
                    number /= 100
                if field._type == 'float':
                    return float(number)
                if field._type == 'integer':
                    return int(number)
                return number
            if field._type == 'boolean':
                return text.lower() in {'1', 'true', 'yes', '是'}
            if field._type == 'date':
                return dt.date.fromisoformat(text)
            if field._type == 'many2one':
                return int(text)
            return text

        if self.operator == 'in':
            return [convert(v) for v in self.value.split(',') if v.strip()]
        return convert(self.value)

    def leaf(self):
        return (self.field, self.operator, self.typed_value())

    @classmethod
    def validate_fields(cls, conditions, field_names):
        super().validate_fields(conditions, field_names)
        for condition in conditions:
            if condition.field not in Pool().get(
                    condition.step.flow.model)._approval_fields:
                raise FlowError(gettext(
                        'yuexing_approval.msg_condition_field',
                        field=condition.field,
                        flow=condition.step.flow.rec_name))
            condition.typed_value()

    @classmethod
    def create(cls, vlist):
        conditions = super().create(vlist)
        Pool().get('yuexing.approval.flow').bump(
            {c.step.flow for c in conditions})
        return conditions

    @classmethod
    def write(cls, *args):
        super().write(*args)
        Pool().get('yuexing.approval.flow').bump(
            {c.step.flow for c in sum(args[::2], [])})
