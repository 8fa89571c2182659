"""变更记录: a change of a project (scope, design, schedule, budget) with
its budget impact per category and its schedule impact (days added to a
task). Approved through the approval engine, it makes a new budget
version (the current one plus the impact) and reschedules the project."""
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.yuexing_approval.mixin import ApprovalMixin
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .budget import CATEGORIES
from .exceptions import ProjectError
from .project import cents

KINDS = [
    ('scope', "Scope"),
    ('design', "Design"),
    ('schedule', "Schedule"),
    ('budget', "Budget"),
    ]
STATES = [
    ('draft', "Draft"),
    ('pending', "Waiting Approval"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('cancelled', "Cancelled"),
    ]


class Change(ServerStates, ApprovalMixin, Workflow, ModelSQL, ModelView):
    "Project Change"
    __name__ = 'yuexing.project.change'
    _rec_name = 'number'
    _approval_fields = ['budget_impact', 'schedule_days', 'kind']
    _draft = {'readonly': Eval('state') != 'draft'}

    number = fields.Char("Number", readonly=True)
    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='CASCADE',
        domain=[('type', '=', 'project')], states=_draft)
    title = fields.Char("Title", required=True, states=_draft)
    kind = fields.Selection(KINDS, "Kind", required=True, states=_draft)
    kind_string = kind.translated('kind')
    reason = fields.Text("Reason", states=_draft)
    lines = fields.One2Many(
        'yuexing.project.change.line', 'change', "Budget Impact",
        states=_draft)
    budget_impact = fields.Function(fields.Numeric(
            "Budget Impact", digits=(16, 2)), 'get_budget_impact')
    task = fields.Many2One(
        'project.work', "Task", ondelete='SET NULL',
        domain=[('type', '=', 'task'),
            ('project', '=', Eval('project', -1))],
        states=_draft, help="The task whose duration changes.")
    schedule_days = fields.Integer(
        "Schedule Impact (Days)", states=_draft,
        help="Days added to the task's duration (negative: shortened).")
    budget = fields.Many2One(
        'yuexing.project.budget', "New Budget Version", readonly=True)
    requested_by = fields.Many2One('res.user', "Requested By", readonly=True)
    requested_at = fields.DateTime("Requested At", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    state_string = state.translated('state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('project')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.project, Index.Equality())))
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'pending'), ('draft', 'approved'),
            ('pending', 'approved'), ('pending', 'rejected'),
            ('draft', 'cancelled'), ('pending', 'cancelled'),
            ('rejected', 'draft'), ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'submit': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'approve': {'invisible': Eval('state') != 'pending',
                    'depends': ['state']},
                'reject': {'invisible': Eval('state') != 'pending',
                    'depends': ['state']},
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'pending']),
                    'depends': ['state']},
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['rejected', 'cancelled']),
                    'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'scope'

    def get_budget_impact(self, name):
        return cents(sum((l.amount or 0 for l in self.lines), Decimal(0)))

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        ModelData = pool.get('ir.model.data')
        sequence = Sequence(ModelData.get_id(
                'yuexing_project', 'sequence_change'))
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if not values.get('number'):
                values['number'] = sequence.get()
        return super().create(vlist)

    @classmethod
    def copy(cls, changes, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'budget', 'requested_by', 'requested_at',
                'approval_request']:
            default.setdefault(name, None)
        return super().copy(changes, default=default)

    def approval_requester(self):
        return self.requested_by.id if self.requested_by else None

    def approval_users(self, kind, requester):
        if kind == 'project_manager' and self.project.manager:
            return [self.project.manager]
        return super().approval_users(kind, requester)

    def approval_customer(self):
        return self.project.party

    @classmethod
    @ModelView.button
    @strict_transition('pending')
    def submit(cls, changes):
        for change in changes:
            if not change.project.current_budget and change.lines:
                raise ProjectError(gettext(
                        'yuexing_project.msg_project_no_budget',
                        project=change.project.rec_name))
        cls.write(changes, {
                'requested_by': Transaction().user or None,
                'requested_at': dt.datetime.now()})
        free = cls.submit_for_approval(changes)
        if free:
            cls.approval_approved(free)

    @classmethod
    @ModelView.button
    def approve(cls, changes):
        cls.decide_approval(changes, 'approved')

    @classmethod
    @ModelView.button
    def reject(cls, changes):
        cls.decide_approval(changes, 'rejected')

    @classmethod
    @strict_transition('approved')
    def approval_approved(cls, changes):
        "Apply the impact: a new budget version, a longer task, a new plan."
        pool = Pool()
        Budget = pool.get('yuexing.project.budget')
        Work = pool.get('project.work')
        for change in cls.browse(changes):
            if change.lines:
                amounts = change.project.current_budget.by_category()
                for line in change.lines:
                    amounts[line.category] += line.amount
                budget, = Budget.create([{
                            'project': change.project.id,
                            'reason': '%s %s' % (change.number, change.title),
                            'change': change.id,
                            'lines': [('create', [
                                        {'category': c, 'amount': a}
                                        for c, a in amounts.items() if a])],
                            }])
                cls.write([change], {'budget': budget.id})
                Budget.confirm([budget])
            if change.task and change.schedule_days:
                days = max((change.task.duration_days or 0)
                    + change.schedule_days, 0)
                Work.write([change.task], {'duration_days': days})
                if change.project.project_state in {'approved', 'running',
                        'accepting'}:
                    Work.schedule([change.project])

    @classmethod
    @strict_transition('rejected')
    def approval_rejected(cls, changes):
        pass

    @classmethod
    @ModelView.button
    @strict_transition('cancelled')
    def cancel(cls, changes):
        cls.cancel_approval(changes)

    @classmethod
    @ModelView.button
    @strict_transition('draft')
    def draft(cls, changes):
        pass


class ChangeLine(ModelSQL, ModelView):
    "Project Change Budget Line"
    __name__ = 'yuexing.project.change.line'
    change = fields.Many2One(
        'yuexing.project.change', "Change", required=True,
        ondelete='CASCADE')
    category = fields.Selection(CATEGORIES, "Category", required=True)
    category_string = category.translated('category')
    amount = fields.Numeric(
        "Amount", digits=(16, 2), required=True,
        help="Added to the category's budget (negative: saved).")
    note = fields.Char("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('change')
