"""施工记录: the steps of the standard process on each order, with photos,
quality checks, materials used and the daily construction log. A step
cannot be completed without its photos and passed checks."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sql import Literal
from sql.aggregate import Count
from sql.conditionals import Case
from sql.functions import Lower

from trytond.i18n import gettext
from trytond.model import (
    Index,
    ModelSQL,
    ModelView,
    Unique,
    Workflow,
    fields,
    sequence_ordered,
)
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import ConstructionError

STEP_STATES = [
    ('todo', "To Do"),
    ('in_progress', "In Progress"),
    ('done', "Done"),
    ]
CHECK_RESULTS = [
    (None, ''),
    ('pass', "Pass"),
    ('fail', "Fail"),
    ('na', "Not Applicable"),
    ]
WEATHER = [
    ('sunny', "Sunny"),
    ('cloudy', "Cloudy"),
    ('rain', "Rain"),
    ('snow', "Snow"),
    ]
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.heic', '.webp', '.gif')
CENT = Decimal('0.01')


class Step(ServerStates, sequence_ordered(), Workflow, ModelSQL, ModelView):
    "Construction Step"
    __name__ = 'yuexing.work_order.step'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE', readonly=True)
    name = fields.Char("Step", required=True, readonly=True)
    template_step = fields.Many2One(
        'yuexing.process.step', "Process Step", readonly=True,
        ondelete='SET NULL')
    instructions = fields.Text("Instructions", readonly=True)
    required_photos = fields.Integer("Required Photos", readonly=True)
    photo_count = fields.Function(
        fields.Integer("Photos"), 'get_photo_count')
    min_hours = fields.Float("Minimum Duration (h)", readonly=True)
    checks = fields.One2Many(
        'yuexing.work_order.step.check', 'step', "Checklist",
        states={'readonly': Eval('state') == 'done'})
    materials = fields.One2Many(
        'yuexing.work_order.material', 'step', "Materials Used",
        domain=[('work_order', '=', Eval('work_order', -1))],
        states={'readonly': Eval('state') == 'done'})
    technician = fields.Many2One(
        'company.employee', "Technician", readonly=True)
    started_at = fields.DateTime("Started At", readonly=True)
    done_at = fields.DateTime("Done At", readonly=True)
    note = fields.Text(
        "Note", states={'readonly': Eval('state') == 'done'})
    state = fields.Selection(STEP_STATES, "State", readonly=True,
        required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.work_order, Index.Equality())))
        cls._transitions |= {
            ('todo', 'in_progress'),
            ('in_progress', 'done'),
            ('done', 'in_progress'),
            }
        cls._buttons.update({
                'start': {'invisible': Eval('state') != 'todo',
                    'depends': ['state']},
                'complete': {'invisible': Eval('state') != 'in_progress',
                    'depends': ['state']},
                'reopen': {'invisible': Eval('state') != 'done',
                    'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'todo'

    @classmethod
    def get_photo_count(cls, steps, name):
        "Image attachments of each step, counted in one query."
        Attachment = Pool().get('ir.attachment')
        table = Attachment.__table__()
        cursor = Transaction().connection.cursor()
        result = {s.id: 0 for s in steps}
        resources = [str(s) for s in steps]
        is_image = Literal(False)
        for suffix in IMAGE_SUFFIXES:
            is_image |= Lower(table.name).like('%' + suffix)
        for start in range(0, len(resources), 500):
            cursor.execute(*table.select(
                    table.resource, Count(Literal(1)),
                    where=table.resource.in_(resources[start:start + 500])
                    & is_image,
                    group_by=[table.resource]))
            for resource, count in cursor:
                result[int(resource.split(',')[1])] = count
        return result

    @classmethod
    def create_for_orders(cls, orders):
        "Lay out the process steps (once) when construction starts."
        pool = Pool()
        Template = pool.get('yuexing.process.template')
        existing = {s.work_order for s in cls.search([
                    ('work_order', 'in', [o.id for o in orders])])}
        to_create = []
        for order in orders:
            if order in existing:
                continue
            template = Template.for_leak_site(order.leak_site)
            steps = template.steps if template else []
            if not steps:
                to_create.append({
                        'work_order': order.id, 'sequence': 10,
                        'name': gettext('yuexing_workorder.msg_generic_step'),
                        'required_photos': 2,
                        'technician': (order.technician.id
                            if order.technician else None),
                        })
            for step in steps:
                to_create.append({
                        'work_order': order.id,
                        'sequence': step.sequence,
                        'name': step.name,
                        'template_step': step.id,
                        'instructions': step.instructions,
                        'required_photos': step.required_photos,
                        'min_hours': step.min_hours,
                        'technician': (order.technician.id
                            if order.technician else None),
                        'checks': [('create', [{
                                        'sequence': c.sequence,
                                        'name': c.name,
                                        'mandatory': c.mandatory,
                                        'standard': c.standard,
                                        } for c in step.checks])],
                        })
        # Laid out by the system when the technician checks in.
        with without_check_access():
            return cls.create(to_create)

    @classmethod
    @ModelView.button
    @strict_transition('in_progress')
    def start(cls, steps):
        cls.check_order(steps)
        to_start = [s for s in steps if not s.started_at]
        if to_start:
            cls.write(to_start, {'started_at': dt.datetime.now()})

    @classmethod
    @ModelView.button
    @strict_transition('done')
    def complete(cls, steps):
        now = dt.datetime.now()
        for step in steps:
            step.check_completable(now)
        cls.write(steps, {'done_at': now})

    @classmethod
    def check_order(cls, steps):
        """The process order: a step starts once every step before it (a
        lower sequence on the same order) is done; equal sequences may run
        side by side."""
        orders = {s.work_order.id for s in steps}
        siblings = cls.search([
                ('work_order', 'in', list(orders)),
                ('state', '!=', 'done'),
                ], order=[('sequence', 'ASC'), ('id', 'ASC')])
        for step in steps:
            for other in siblings:
                if (other.work_order == step.work_order
                        and (other.sequence or 0) < (step.sequence or 0)):
                    raise ConstructionError(gettext(
                            'yuexing_workorder.msg_step_previous_not_done',
                            step=step.name, order=step.work_order.rec_name,
                            previous=other.name))

    @classmethod
    def validate_fields(cls, steps, field_names):
        super().validate_fields(steps, field_names)
        cls.check_duration(steps, field_names)

    @classmethod
    def check_duration(cls, steps, field_names=None):
        """A done step lasted at least its minimum (the 48 h closed-water
        test), whoever wrote the dates."""
        if field_names and not (
                field_names & {'started_at', 'done_at', 'min_hours'}):
            return
        for step in steps:
            if not (step.min_hours and step.done_at):
                continue
            ready = (step.started_at or step.done_at) + dt.timedelta(
                hours=step.min_hours)
            if step.done_at < ready:
                raise ConstructionError(gettext(
                        'yuexing_workorder.msg_step_too_short',
                        step=step.name, order=step.work_order.rec_name,
                        hours=step.min_hours))

    def check_completable(self, now):
        "Refuse, naming what is missing, to complete an unfinished step."
        missing = []
        if self.photo_count < (self.required_photos or 0):
            missing.append(gettext(
                    'yuexing_workorder.msg_step_missing_photos',
                    required=self.required_photos, count=self.photo_count))
        unanswered = [c.name for c in self.checks if not c.result]
        if unanswered:
            missing.append(gettext(
                    'yuexing_workorder.msg_step_unanswered_checks',
                    checks='、'.join(unanswered)))
        failed = [c.name for c in self.checks
            if c.mandatory and c.result == 'fail']
        if failed:
            missing.append(gettext(
                    'yuexing_workorder.msg_step_failed_checks',
                    checks='、'.join(failed)))
        if self.min_hours and self.started_at:
            ready = self.started_at + dt.timedelta(hours=self.min_hours)
            if now < ready:
                missing.append(gettext(
                        'yuexing_workorder.msg_step_too_early',
                        hours=self.min_hours,
                        remaining='%.1f' % (
                            (ready - now).total_seconds() / 3600)))
        if missing:
            raise ConstructionError(gettext(
                    'yuexing_workorder.msg_step_not_completable',
                    step=self.name, order=self.work_order.rec_name,
                    missing='；'.join(missing)))

    @classmethod
    @ModelView.button
    @strict_transition('in_progress')
    def reopen(cls, steps):
        cls.write(steps, {'done_at': None})


class StepCheck(ServerStates, sequence_ordered(), ModelSQL, ModelView):
    "Construction Step Check"
    __name__ = 'yuexing.work_order.step.check'
    step = fields.Many2One(
        'yuexing.work_order.step', "Step", required=True, ondelete='CASCADE')
    name = fields.Char("Check", required=True)
    standard = fields.Char("Standard")
    mandatory = fields.Boolean("Must Pass", readonly=True)
    result = fields.Selection(CHECK_RESULTS, "Result")
    note = fields.Char("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('step')


class MaterialLine(ModelSQL, ModelView):
    "Material Used"
    __name__ = 'yuexing.work_order.material'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE')
    step = fields.Many2One(
        'yuexing.work_order.step', "Step", ondelete='SET NULL',
        domain=[('work_order', '=', Eval('work_order', -1))])
    product = fields.Many2One(
        'product.product', "Material", required=True,
        domain=[('type', '!=', 'service')],
        context={'company': Eval('company', -1)}, depends={'company'})
    company = fields.Function(
        fields.Many2One('company.company', "Company"), 'get_company')
    quantity = fields.Float(
        "Quantity", digits=(16, 2), required=True,
        domain=[('quantity', '>', 0)])
    unit = fields.Many2One('product.uom', "Unit", required=True)
    unit_cost = fields.Numeric(
        "Unit Cost", digits=(16, 2), required=True,
        domain=[('unit_cost', '>=', 0)])
    cost = fields.Function(
        fields.Numeric("Cost", digits=(16, 2)), 'on_change_with_cost')
    date = fields.Date("Date", required=True)
    technician = fields.Many2One('company.employee', "Technician")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.work_order, Index.Equality())))

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    def get_company(self, name):
        return self.work_order.company.id

    @fields.depends('product', 'unit', 'unit_cost')
    def on_change_product(self):
        if self.product:
            self.unit = self.product.default_uom
            self.unit_cost = (self.product.cost_price or Decimal(0)
                ).quantize(CENT, ROUND_HALF_UP)

    @fields.depends('quantity', 'unit_cost')
    def on_change_with_cost(self, name=None):
        return (Decimal(str(self.quantity or 0)) * (self.unit_cost or 0)
            ).quantize(CENT, ROUND_HALF_UP)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Product = pool.get('product.product')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('product'):
            product = Product(values['product'])
            values.setdefault('unit', product.default_uom.id)
            if values.get('unit_cost') is None:
                # average costs have 4 decimals, the line's cost 2
                values['unit_cost'] = (product.cost_price or Decimal(0)
                    ).quantize(CENT, ROUND_HALF_UP)
        return values


class DailyLog(ModelSQL, ModelView):
    "Construction Daily Log"
    __name__ = 'yuexing.work_order.daily_log'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    technician = fields.Many2One(
        'company.employee', "Technician", required=True)
    weather = fields.Selection(WEATHER, "Weather", required=True)
    hours = fields.Float(
        "Hours Worked", digits=(4, 1), required=True,
        domain=[('hours', '>=', 0), ('hours', '<=', 24)])
    content = fields.Text("Work Done", required=True)
    problems = fields.Text("Problems")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        t = cls.__table__()
        cls._sql_constraints += [
            ('order_date_technician_unique',
                Unique(t, t.work_order, t.date, t.technician),
                'yuexing_workorder.msg_daily_log_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_weather(cls):
        return 'sunny'


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    steps = fields.One2Many(
        'yuexing.work_order.step', 'work_order', "Construction Steps",
        readonly=True)
    materials = fields.One2Many(
        'yuexing.work_order.material', 'work_order', "Materials Used",
        states={'readonly': ~Eval('state').in_(['accepted', 'on_site'])})
    daily_logs = fields.One2Many(
        'yuexing.work_order.daily_log', 'work_order', "Daily Logs",
        states={'readonly': ~Eval('state').in_(['accepted', 'on_site'])})
    progress = fields.Function(
        fields.Float("Progress", digits=(3, 2)), 'get_progress')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'complete_construction': {
                    'invisible': Eval('state') != 'on_site',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def get_progress(cls, orders, name):
        Step = Pool().get('yuexing.work_order.step')
        table = Step.__table__()
        cursor = Transaction().connection.cursor()
        result = dict.fromkeys((o.id for o in orders), 0.0)
        cursor.execute(*table.select(
                table.work_order, Count(Literal(1)),
                Count(Case((table.state == 'done', Literal(1)))),
                where=table.work_order.in_(list(result)),
                group_by=[table.work_order]))
        for order_id, total, done in cursor:
            result[order_id] = round(done / total, 2) if total else 0.0
        return result

    @classmethod
    @ModelView.button
    @strict_transition('to_accept')
    def complete_construction(cls, orders):
        "Construction finished: every step done, the order goes to QC."
        for order in orders:
            pending = [s.name for s in order.steps if s.state != 'done']
            if pending or not order.steps:
                raise ConstructionError(gettext(
                        'yuexing_workorder.msg_steps_pending',
                        order=order.rec_name,
                        steps='、'.join(pending) or '-'))
        cls.notify('order_construction_done', orders,
            users=cls.supervisors())

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name in ['steps', 'materials', 'daily_logs']:
            default.setdefault(name, None)
        return super().copy(orders, default=default)
