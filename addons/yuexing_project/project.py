"""项目 (立项 to 验收): a B端 project is a Tryton project work of type
project; its tasks are its children. The project adds the customer's
sites and scope, the project manager, a start approval through the
approval engine, budget versions, a risk register, the work orders under
it and their actual cost, and the earned-value figures (PV, EV, AC, SPI,
CPI) at today. The schedule itself is in schedule.py."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sql import Literal, Null
from sql.aggregate import Sum

from trytond.i18n import gettext
from trytond.model import Index, ModelView, Workflow, fields
from trytond.modules.yuexing_approval.mixin import ApprovalMixin
from trytond.modules.yuexing_base.company_date import company_today
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id
from trytond.transaction import Transaction

from .exceptions import ProjectError

CENT = Decimal('0.01')
STATES = [
    ('draft', "Draft"),
    ('pending', "Waiting Approval"),
    ('approved', "Approved"),
    ('running', "In Progress"),
    ('accepting', "Acceptance"),
    ('done', "Done"),
    ('cancelled', "Cancelled"),
    ]
# Work-order cost kinds → budget categories (机械 has no order cost kind).
COST_CATEGORY = {'material': 'material', 'labour': 'labour',
    'subcontract': 'subcontract', 'indirect': 'indirect'}


def cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Work(ApprovalMixin, Workflow, metaclass=PoolMeta):
    __name__ = 'project.work'
    _transition_state = 'project_state'
    # What the start approval's step conditions may test (流程配置).
    _approval_fields = ['budget_amount', 'contract_amount']
    _project = {'invisible': Eval('type') != 'project'}
    _draft = {
        'invisible': Eval('type') != 'project',
        'readonly': ~Eval('project_state').in_(['draft', None]),
        }

    project_state = fields.Selection(
        STATES, "Project State", readonly=True, states=_project)
    project_state_string = project_state.translated('project_state')
    manager = fields.Many2One(
        'res.user', "Project Manager", ondelete='RESTRICT',
        domain=[('groups', '=', Id('yuexing_base', 'group_project_manager'))],
        states=_draft)
    sites = fields.Text("Sites", states=_draft,
        help="The buildings and areas of the customer the project covers.")
    scope = fields.Text("Scope", states=_draft)
    start_date = fields.Date(
        "Planned Start", states=_draft,
        help="The first day of the schedule: tasks without predecessor "
        "start then.")
    contract_amount = fields.Numeric(
        "Contract Amount", digits=(16, 2),
        domain=['OR', ('contract_amount', '=', None),
            ('contract_amount', '>=', 0)],
        states=_draft,
        help="A budget above it needs an approved change.")
    budgets = fields.One2Many(
        'yuexing.project.budget', 'project', "Budget Versions",
        states=_project)
    budget_amount = fields.Function(fields.Numeric(
            "Budget", digits=(16, 2), states=_project), 'get_budget_amount')
    risks = fields.One2Many(
        'yuexing.project.risk', 'project', "Risks", states=_project)
    changes = fields.One2Many(
        'yuexing.project.change', 'project', "Changes", states=_project)
    work_orders = fields.One2Many(
        'yuexing.work_order', 'project', "Work Orders", readonly=True,
        states=_project)
    actual_cost = fields.Function(fields.Numeric(
            "Actual Cost", digits=(16, 2), states=_project), 'get_earned')
    planned_value = fields.Function(fields.Numeric(
            "Planned Value (PV)", digits=(16, 2), states=_project),
        'get_earned')
    earned_value = fields.Function(fields.Numeric(
            "Earned Value (EV)", digits=(16, 2), states=_project),
        'get_earned')
    spi = fields.Function(fields.Float(
            "SPI", digits=(16, 2), states=_project,
            help="Schedule performance: EV ÷ PV (below 1: behind)."),
        'get_earned')
    cpi = fields.Function(fields.Float(
            "CPI", digits=(16, 2), states=_project,
            help="Cost performance: EV ÷ AC (below 1: over cost)."),
        'get_earned')
    approved_by = fields.Many2One(
        'res.user', "Approved By", readonly=True, states=_project)
    approved_at = fields.DateTime(
        "Approved At", readonly=True, states=_project)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.manager, Index.Equality()),
                    where=t.type == 'project'),
                })
        cls.party.domain = [
            ('customer_type', '=', 'enterprise')]
        cls.party.states = {
            'invisible': Eval('type') != 'project',
            'required': Eval('type') == 'project',
            'readonly': ~Eval('project_state').in_(['draft', None]),
            }
        cls.party.depends = {'type', 'project_state'}
        cls._transitions |= {
            ('draft', 'pending'),
            ('draft', 'approved'),
            ('pending', 'approved'),
            ('pending', 'draft'),
            ('approved', 'running'),
            ('running', 'accepting'),
            ('accepting', 'running'),
            ('accepting', 'done'),
            ('draft', 'cancelled'),
            ('pending', 'cancelled'),
            ('approved', 'cancelled'),
            ('cancelled', 'draft'),
            }
        visible = Eval('type') == 'project'
        cls._buttons.update({
                'submit_project': {
                    'invisible': ~visible | (Eval('project_state') != 'draft'),
                    'depends': ['type', 'project_state']},
                'approve_project': {
                    'invisible': ~visible
                    | (Eval('project_state') != 'pending'),
                    'depends': ['type', 'project_state']},
                'reject_project': {
                    'invisible': ~visible
                    | (Eval('project_state') != 'pending'),
                    'depends': ['type', 'project_state']},
                'start_project': {
                    'invisible': ~visible
                    | (Eval('project_state') != 'approved'),
                    'depends': ['type', 'project_state']},
                'to_acceptance': {
                    'invisible': ~visible
                    | (Eval('project_state') != 'running'),
                    'depends': ['type', 'project_state']},
                'back_to_running': {
                    'invisible': ~visible
                    | (Eval('project_state') != 'accepting'),
                    'depends': ['type', 'project_state']},
                'finish_project': {
                    'invisible': ~visible
                    | (Eval('project_state') != 'accepting'),
                    'depends': ['type', 'project_state']},
                'cancel_project': {
                    'invisible': ~visible | ~Eval('project_state').in_(
                        ['draft', 'pending', 'approved']),
                    'depends': ['type', 'project_state']},
                'draft_project': {
                    'invisible': ~visible
                    | (Eval('project_state') != 'cancelled'),
                    'depends': ['type', 'project_state']},
                })

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        # Tryton's project module lets every user read every work (its row
        # without group); here projects are for the roles of the matrix.
        pool = Pool()
        Access = pool.get('ir.model.access')
        access = Access.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*access.update(
                [access.perm_read], [Literal(False)],
                where=(access.model == 'project.work')
                & (access.group == Null)))

    @classmethod
    def default_project_state(cls):
        return 'draft'

    @classmethod
    def copy(cls, works, default=None):
        default = default.copy() if default is not None else {}
        for name in ['budgets', 'changes', 'approved_by', 'approved_at',
                'approval_request']:
            default.setdefault(name, None)
        return super().copy(works, default=default)

    # ---- figures -----------------------------------------------------------

    @property
    def current_budget(self):
        for budget in self.budgets:
            if budget.state == 'current':
                return budget

    @classmethod
    def get_budget_amount(cls, works, name):
        pool = Pool()
        Budget = pool.get('yuexing.project.budget')
        Line = pool.get('yuexing.project.budget.line')
        budget, line = Budget.__table__(), Line.__table__()
        amounts = dict.fromkeys([w.id for w in works])
        if not amounts:
            return amounts
        cursor = Transaction().connection.cursor()
        cursor.execute(*budget.join(line, condition=line.budget == budget.id
                ).select(budget.project, Sum(line.amount),
                where=budget.project.in_(list(amounts))
                & (budget.state == 'current'),
                group_by=[budget.project]))
        for project_id, amount in cursor:
            amounts[project_id] = cents(amount or 0)
        return amounts

    @classmethod
    def actual_costs(cls, project_ids, by_category=False):
        """The cost lines of the projects' work orders, per project (and
        budget category): one query."""
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Cost = pool.get('yuexing.work_order.cost')
        order, cost = WorkOrder.__table__(), Cost.__table__()
        if not project_ids:
            return {}
        columns = [order.project] + ([cost.kind] if by_category else [])
        cursor = Transaction().connection.cursor()
        cursor.execute(*order.join(cost, condition=cost.work_order == order.id
                ).select(*columns, Sum(cost.amount),
                where=order.project.in_(list(project_ids))
                & (order.state != 'cancelled'),
                group_by=columns))
        result = {}
        for row in cursor:
            key = (row[0], COST_CATEGORY.get(row[1], 'indirect')
                ) if by_category else row[0]
            result[key] = result.get(key, Decimal(0)) + cents(row[-1] or 0)
        return result

    @classmethod
    def get_earned(cls, works, names):
        """Earned value at today: the budget is spread over the tasks by
        their planned cost (else by their duration); PV is what the plan
        had done by today, EV what the progress says is done."""
        today = company_today()
        result = {n: {} for n in names}
        projects = [w for w in works if w.type == 'project']
        costs = cls.actual_costs([p.id for p in projects])
        for work in works:
            for name in names:
                result[name][work.id] = None
        for project in projects:
            pv, ev = project.planned_and_earned(today)
            ac = costs.get(project.id, Decimal(0))
            values = {
                'actual_cost': ac, 'planned_value': pv, 'earned_value': ev,
                'spi': round(float(ev / pv), 2) if pv else None,
                'cpi': round(float(ev / ac), 2) if ac else None,
                }
            for name in names:
                result[name][project.id] = values[name]
        return result

    def planned_and_earned(self, date):
        tasks = self.schedule_tasks()
        budget = self.budget_amount or Decimal(0)
        if not tasks or not budget:
            return Decimal(0), Decimal(0)
        weights = [t.planned_cost or 0 for t in tasks]
        if not any(weights):
            weights = [Decimal(t.duration_days or 0) for t in tasks]
        total = sum(weights) or 1
        pv = ev = Decimal(0)
        for task, weight in zip(tasks, weights, strict=True):
            share = budget * Decimal(weight) / Decimal(total)
            ev += share * Decimal(str(task.progress or 0))
            if task.planned_start and task.planned_end:
                days = (task.planned_end - task.planned_start).days + 1
                done = (date - task.planned_start).days + 1
                pv += share * Decimal(min(max(done, 0), days)) / days
        return cents(pv), cents(ev)

    # ---- approval ----------------------------------------------------------

    def approval_users(self, kind, requester):
        if kind == 'project_manager' and self.manager:
            return [self.manager]
        return super().approval_users(kind, requester)

    def approval_customer(self):
        return self.party

    def check_ready(self):
        "A project is submitted with its customer, manager, start, budget."
        for name in ['party', 'manager', 'start_date']:
            if not getattr(self, name):
                raise ProjectError(gettext(
                        'yuexing_project.msg_project_missing',
                        project=self.rec_name,
                        field=self.__class__.fields_get([name])[name][
                            'string']))
        if not self.current_budget:
            raise ProjectError(gettext(
                    'yuexing_project.msg_project_no_budget',
                    project=self.rec_name))

    @classmethod
    @ModelView.button
    def submit_project(cls, works):
        "立项: to the start approval (no flow: approved at once)."
        for work in works:
            work.check_ready()
        cls.write(works, {'project_state': 'pending'})
        free = cls.submit_for_approval(works)
        if free:
            cls.approval_approved(free)

    @classmethod
    @ModelView.button
    def approve_project(cls, works):
        cls.decide_approval(works, 'approved')

    @classmethod
    @ModelView.button
    def reject_project(cls, works):
        cls.decide_approval(works, 'rejected')

    @classmethod
    @strict_transition('approved')
    def approval_approved(cls, works):
        cls.write(works, {
                'approved_by': Transaction().user or None,
                'approved_at': dt.datetime.now()})

    @classmethod
    @strict_transition('draft')
    def approval_rejected(cls, works):
        "Back to the project manager."

    @classmethod
    @ModelView.button
    @strict_transition('running')
    def start_project(cls, works):
        "开工: the tasks are scheduled from the planned start."
        cls.schedule(works)

    @classmethod
    @ModelView.button
    @strict_transition('accepting')
    def to_acceptance(cls, works):
        pass

    @classmethod
    @ModelView.button
    @strict_transition('running')
    def back_to_running(cls, works):
        pass

    @classmethod
    @ModelView.button
    @strict_transition('done')
    def finish_project(cls, works):
        pass

    @classmethod
    @ModelView.button
    @strict_transition('cancelled')
    def cancel_project(cls, works):
        cls.cancel_approval(works)

    @classmethod
    @ModelView.button
    @strict_transition('draft')
    def draft_project(cls, works):
        pass

