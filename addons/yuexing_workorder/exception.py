"""异常处理 and 延期申请: what goes wrong on the job (customer absent, extra
damage found → re-quote, shortage, weather) and requests to move the
completion deadline, approved by the dispatcher or project manager."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.yuexing_approval.mixin import (
    ApprovalMixin,
    users_of_employees,
)
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ConstructionError

KINDS = [
    ('customer_absent', "Customer Absent"),
    ('extra_damage', "Extra Damage Found"),
    ('material_shortage', "Material Shortage"),
    ('weather', "Bad Weather"),
    ('access', "No Access to the Site"),
    ('other', "Other"),
    ]
# Kinds that stop the work until resolved.
HOLDING_KINDS = {'extra_damage', 'material_shortage', 'weather', 'access',
    'other'}
DELAY_STATES = [
    ('pending', "Waiting Approval"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ]


class OrderException(ModelSQL, ModelView):
    "Work Order Exception"
    __name__ = 'yuexing.work_order.exception'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE', readonly=True)
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    kind_string = kind.translated('kind')
    description = fields.Text("Description", required=True, readonly=True)
    visit = fields.Many2One(
        'yuexing.work_order.visit', "Visit", readonly=True,
        domain=[('work_order', '=', Eval('work_order', -1))])
    reported_by = fields.Many2One('res.user', "Reported By", readonly=True)
    reported_at = fields.DateTime("Reported At", readonly=True)
    resolution = fields.Text(
        "Resolution", states={'readonly': Eval('resolved', False)})
    resolved = fields.Boolean("Resolved", readonly=True)
    resolved_at = fields.DateTime("Resolved At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.work_order, Index.Equality()),
                where=t.resolved == False))  # noqa: E712
        cls._order = [('reported_at', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'resolve': {
                    'invisible': Eval('resolved', False),
                    'depends': ['resolved'],
                    },
                })

    @classmethod
    def default_resolved(cls):
        return False

    @classmethod
    @ModelView.button
    def resolve(cls, exceptions):
        "Close the exceptions; the order resumes when nothing holds it."
        WorkOrder = Pool().get('yuexing.work_order')
        for exception in exceptions:
            if not exception.resolution:
                raise ConstructionError(gettext(
                        'yuexing_workorder.msg_exception_resolution',
                        exception=exception.kind_string))
            order = exception.work_order
            if exception.kind == 'extra_damage' and not (
                    order.quote and order.quote.state == 'confirmed'):
                raise ConstructionError(gettext(
                        'yuexing_workorder.msg_resume_requote',
                        order=order.rec_name))
        cls.write(exceptions, {
                'resolved': True, 'resolved_at': dt.datetime.now()})
        # Resume the orders nothing holds any more.
        held = {e.work_order for e in exceptions
            if e.work_order.state == 'on_hold'}
        free = [o for o in held if all(e.resolved for e in o.exceptions)]
        if free:
            WorkOrder.resume(free)


class Delay(ApprovalMixin, Workflow, ModelSQL, ModelView):
    "Delay Request"
    __name__ = 'yuexing.work_order.delay'
    # What the approval flow's step conditions may test (流程配置).
    _approval_fields = ['extension_hours']
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE',
        states={'readonly': Eval('state') != 'pending'})
    current_deadline = fields.DateTime("Current Deadline", readonly=True)
    requested_deadline = fields.DateTime(
        "Requested Deadline", required=True,
        states={'readonly': Eval('state') != 'pending'})
    reason = fields.Text(
        "Reason", required=True,
        states={'readonly': Eval('state') != 'pending'})
    extension_hours = fields.Function(
        fields.Integer("Extension (Hours)"), 'get_extension_hours')
    requested_by = fields.Many2One('res.user', "Requested By", readonly=True)
    decided_by = fields.Many2One('res.user', "Decided By", readonly=True)
    decided_at = fields.DateTime("Decided At", readonly=True)
    state = fields.Selection(DELAY_STATES, "State", readonly=True,
        required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        cls._transitions |= {
            ('pending', 'approved'),
            ('pending', 'rejected'),
            }
        cls._buttons.update({
                'approve': {'invisible': Eval('state') != 'pending',
                    'depends': ['state']},
                'reject': {'invisible': Eval('state') != 'pending',
                    'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_requested_by(cls):
        return Transaction().user or None

    @classmethod
    def preprocess_values(cls, mode, values):
        WorkOrder = Pool().get('yuexing.work_order')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('work_order'):
            order = WorkOrder(values['work_order'])
            values['current_deadline'] = order.completion_deadline
            requested = values.get('requested_deadline')
            if requested and order.completion_deadline \
                    and requested <= order.completion_deadline:
                raise ConstructionError(gettext(
                        'yuexing_workorder.msg_delay_not_later',
                        order=order.rec_name))
            if order.state in {'done', 'closed', 'cancelled'}:
                raise ConstructionError(gettext(
                        'yuexing_workorder.msg_delay_closed',
                        order=order.rec_name))
        return values

    def get_extension_hours(self, name):
        if self.requested_deadline and self.current_deadline:
            return int((self.requested_deadline - self.current_deadline
                    ).total_seconds() // 3600)

    def approval_requester(self):
        return self.requested_by.id if self.requested_by else None

    def approval_users(self, kind, requester):
        "The team leader of the requesting technician (班组长)."
        if kind == 'team_leader' and requester:
            Team = Pool().get('yuexing.team')
            employees = [e.id for e in requester.employees]
            teams = Team.search([('members', 'in', employees)])
            leaders = [t.leader for t in teams
                if t.leader and t.leader.id not in employees]
            return users_of_employees(leaders)
        return super().approval_users(kind, requester)

    @classmethod
    def create(cls, vlist):
        "A request goes to its approval flow (流程配置) at once."
        delays = super().create(vlist)
        free = cls.submit_for_approval(delays)
        if free:
            cls.approval_approved(free)
        return delays

    @classmethod
    @ModelView.button
    def approve(cls, delays):
        "The current user approves the step waiting for them."
        cls.decide_approval(delays, 'approved')

    @classmethod
    @ModelView.button
    def reject(cls, delays):
        cls.decide_approval(delays, 'rejected')

    @classmethod
    @strict_transition('approved')
    def approval_approved(cls, delays):
        "Move the orders' completion deadline."
        WorkOrder = Pool().get('yuexing.work_order')
        cls.write(delays, {'decided_by': Transaction().user or None,
                'decided_at': dt.datetime.now()})
        to_write = []
        for delay in delays:
            order = delay.work_order
            values = {'completion_deadline': delay.requested_deadline}
            if (order.completion_breached and not order.completed_at
                    and delay.requested_deadline > dt.datetime.now()):
                values['completion_breached'] = False
            to_write.extend(([order], values))
        if to_write:
            WorkOrder.write(*to_write)

    @classmethod
    @strict_transition('rejected')
    def approval_rejected(cls, delays):
        cls.write(delays, {'decided_by': Transaction().user or None,
                'decided_at': dt.datetime.now()})


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    exceptions = fields.One2Many(
        'yuexing.work_order.exception', 'work_order', "Exceptions",
        readonly=True)
    delays = fields.One2Many(
        'yuexing.work_order.delay', 'work_order', "Delay Requests",
        readonly=True)

    @classmethod
    def report_exception(cls, order, kind, description, visit=None):
        """Record what went wrong. An absent customer ends the visit; the
        other kinds hold the order; extra damage also starts a re-quote."""
        pool = Pool()
        Exception_ = pool.get('yuexing.work_order.exception')
        Visit = pool.get('yuexing.work_order.visit')
        Quote = pool.get('yuexing.quote')
        if not description:
            raise ConstructionError(gettext(
                    'yuexing_workorder.msg_reason_required'))
        exception, = Exception_.create([{
                    'work_order': order.id,
                    'kind': kind,
                    'description': description,
                    'visit': visit.id if visit else None,
                    'reported_by': Transaction().user or None,
                    'reported_at': dt.datetime.now(),
                    'resolved': kind == 'customer_absent',
                    }])
        if kind == 'customer_absent':
            if visit and visit.state in {'planned', 'on_the_way'}:
                Visit.mark_missed([visit])
        elif order.state != 'on_hold':
            cls.do_hold([order], '%s：%s' % (
                    exception.kind_string, description))
        if kind == 'extra_damage':
            Quote.new_version(order)
        return exception

    def check_resumable(self):
        super().check_resumable()
        open_kinds = {e.kind for e in self.exceptions if not e.resolved}
        if 'extra_damage' in open_kinds and not (
                self.quote and self.quote.state == 'confirmed'):
            raise ConstructionError(gettext(
                    'yuexing_workorder.msg_resume_requote',
                    order=self.rec_name))

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('exceptions', None)
        default.setdefault('delays', None)
        return super().copy(orders, default=default)
