"""投诉处理: complaints received from the API, the phone or the portal,
assigned to customer service with a handling deadline on the working
calendar, tracked in a log, answered and closed once the customer
confirms; statistics by category, technician and month."""
import datetime as dt

from sql import Literal, Null
from sql.aggregate import Avg, Count, Min, Sum
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_workorder.statistics import MonthOf
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import ComplaintError

CHANNELS = [
    ('api', "Mini-program"),
    ('phone', "Phone"),
    ('portal', "Portal"),
    ]
CATEGORIES = [
    ('quality', "Construction Quality"),
    ('attitude', "Service Attitude"),
    ('delay', "Delay"),
    ('price', "Price"),
    ('leak_again', "Leaking Again"),
    ('other', "Other"),
    ]
SEVERITIES = [
    ('minor', "Minor"),
    ('major', "Major"),
    ('critical', "Critical"),
    ]
STATES = [
    ('open', "To Handle"),
    ('processing', "Processing"),
    ('answered', "Awaiting Confirmation"),
    ('closed', "Closed"),
    ('cancelled', "Cancelled"),
    ]


class Complaint(AuditMixin, ServerStates, Workflow, ModelSQL, ModelView):
    "Complaint"
    __name__ = 'yuexing.complaint'
    _rec_name = 'number'
    _open = {'readonly': Eval('state').in_(['closed', 'cancelled'])}

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    customer = fields.Many2One(
        'party.party', "Customer", required=True,
        states={'readonly': Eval('state') != 'open'},
        context={'company': Eval('company', -1)}, depends=['company'])
    channel = fields.Selection(CHANNELS, "Channel", required=True,
        states={'readonly': Eval('state') != 'open'})
    category = fields.Selection(CATEGORIES, "Category", required=True,
        states=_open)
    category_string = category.translated('category')
    severity = fields.Selection(SEVERITIES, "Severity", required=True,
        states=_open)
    severity_string = severity.translated('severity')
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order",
        domain=[('customer', '=', Eval('customer', -1))], states=_open)
    technician = fields.Many2One(
        'company.employee', "Technician", states=_open)
    description = fields.Text("Content", required=True,
        states={'readonly': Eval('state') != 'open'})
    assignee = fields.Many2One('res.user', "Assigned To", states=_open)
    received_at = fields.DateTime("Received At", readonly=True)
    deadline = fields.DateTime("Handling Deadline", readonly=True)
    overdue = fields.Function(fields.Boolean("Overdue"), 'get_overdue')
    result = fields.Text("Result", states=_open,
        help="What was done, told to the customer.")
    answered_at = fields.DateTime("Answered At", readonly=True)
    confirmed_at = fields.DateTime("Confirmed by Customer", readonly=True)
    closed_at = fields.DateTime("Closed At", readonly=True)
    hours_to_close = fields.Float(
        "Hours to Close", digits=(8, 1), readonly=True)
    logs = fields.One2Many(
        'yuexing.complaint.log', 'complaint', "Tracking", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    state_string = state.translated('state')

    del _open

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.customer, Index.Equality())),
                Index(t, (t.state, Index.Equality()),
                    (t.deadline, Index.Range())),
                })
        cls._order = [('received_at', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('open', 'processing'),
            ('processing', 'answered'),
            ('answered', 'closed'),
            ('answered', 'processing'),
            ('open', 'cancelled'),
            ('processing', 'cancelled'),
            }
        cls._buttons.update({
                'process': {'invisible': Eval('state') != 'open',
                    'depends': ['state']},
                'answer': {'invisible': Eval('state') != 'processing',
                    'depends': ['state']},
                'confirm': {'invisible': Eval('state') != 'answered',
                    'depends': ['state']},
                'cancel': {'invisible': ~Eval('state').in_(
                        ['open', 'processing']),
                    'depends': ['state']},
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_channel(cls):
        return 'phone'

    @classmethod
    def default_category(cls):
        return 'other'

    @classmethod
    def default_severity(cls):
        return 'major'

    @fields.depends('work_order', 'technician')
    def on_change_work_order(self):
        if self.work_order and self.work_order.technician:
            self.technician = self.work_order.technician

    def get_overdue(self, name):
        if self.state in {'answered', 'closed', 'cancelled'}:
            return False
        return bool(self.deadline and self.deadline < dt.datetime.now())

    @classmethod
    def deadline_for(cls, severity, start):
        "When a complaint received at start must be answered."
        pool = Pool()
        Configuration = pool.get('yuexing.configuration')
        Calendar = pool.get('yuexing.sla.calendar')
        config = Configuration(1)
        hours = getattr(config, 'complaint_hours_%s' % severity)
        calendar = config.complaint_calendar
        if not calendar and config.default_sla_policy:
            calendar = config.default_sla_policy.calendar
        if not calendar:
            calendars = Calendar.search([], limit=1)
            calendar = calendars[0] if calendars else None
        if not calendar:
            return start + dt.timedelta(hours=hours)
        return calendar.add_working_time(start, hours)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            if not (values.get('description') or '').strip():
                raise ComplaintError(gettext(
                        'yuexing_warranty.msg_complaint_content_required'))
            now = dt.datetime.now()
            values.setdefault('received_at', now)
            values['deadline'] = cls.deadline_for(
                values.get('severity') or cls.default_severity(),
                values['received_at'])
            if values.get('work_order') and not values.get('technician'):
                WorkOrder = Pool().get('yuexing.work_order')
                with without_check_access():
                    order = WorkOrder(values['work_order'])
                    if order.technician:
                        values['technician'] = order.technician.id
        return values

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        ModelData = pool.get('ir.model.data')
        WorkOrder = pool.get('yuexing.work_order')
        Message = pool.get('yuexing.message')
        complaints = super().create(vlist)
        with without_check_access():
            sequence = Sequence(ModelData.get_id(
                    'yuexing_warranty', 'sequence_complaint'))
            to_write = []
            for complaint in complaints:
                to_write.extend(([complaint], {'number': sequence.get()}))
            cls.write(*to_write)
            cls.add_log(complaints, gettext(
                    'yuexing_warranty.msg_complaint_received'))
        Message.notify('complaint_received', complaints,
            users=WorkOrder.customer_service())
        return complaints

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'logs', 'answered_at', 'confirmed_at',
                'closed_at', 'hours_to_close', 'result', 'received_at']:
            default.setdefault(name, None)
        return super().copy(complaints, default=default)

    @classmethod
    def check_modification(cls, mode, complaints, values=None,
            external=False):
        super().check_modification(
            mode, complaints, values=values, external=external)
        if mode == 'delete':
            for complaint in complaints:
                if complaint.state != 'cancelled':
                    raise ComplaintError(gettext(
                            'yuexing_warranty.msg_complaint_delete',
                            complaint=complaint.rec_name))

    @classmethod
    def add_log(cls, complaints, note, public=True, author='staff'):
        "Append a line to the tracking log of each complaint."
        Log = Pool().get('yuexing.complaint.log')
        with without_check_access():
            Log.create([{
                        'complaint': c.id, 'note': note, 'public': public,
                        'author': author,
                        'user': Transaction().user or None,
                        } for c in complaints])

    @classmethod
    @ModelView.button
    @Workflow.transition('processing')
    def process(cls, complaints):
        user = Transaction().user
        for complaint in complaints:
            if not complaint.assignee and user:
                cls.write([complaint], {'assignee': user})
        cls.add_log(complaints, gettext(
                'yuexing_warranty.msg_complaint_processing'))

    @classmethod
    @ModelView.button
    @Workflow.transition('answered')
    def answer(cls, complaints):
        Message = Pool().get('yuexing.message')
        for complaint in complaints:
            if not (complaint.result or '').strip():
                raise ComplaintError(gettext(
                        'yuexing_warranty.msg_complaint_result_required',
                        complaint=complaint.rec_name))
        cls.write(complaints, {'answered_at': dt.datetime.now()})
        for complaint in complaints:
            cls.add_log([complaint], gettext(
                    'yuexing_warranty.msg_complaint_answered',
                    result=complaint.result))
            Message.notify('complaint_answered', [complaint],
                parties=[complaint.customer])

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def confirm(cls, complaints):
        "The customer accepts the result (or customer service records it)."
        now = dt.datetime.now()
        for complaint in complaints:
            hours = (now - complaint.received_at).total_seconds() / 3600
            cls.write([complaint], {
                    'confirmed_at': now, 'closed_at': now,
                    'hours_to_close': round(hours, 1)})
        cls.add_log(complaints, gettext(
                'yuexing_warranty.msg_complaint_closed'))

    @classmethod
    @Workflow.transition('processing')
    def reopen(cls, complaints, reason):
        "The customer is not satisfied with the result."
        cls.write(complaints, {'answered_at': None})
        cls.add_log(complaints, gettext(
                'yuexing_warranty.msg_complaint_reopened', reason=reason),
            author='customer')

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, complaints):
        cls.add_log(complaints, gettext(
                'yuexing_warranty.msg_complaint_cancelled'))


class Log(ModelSQL, ModelView):
    "Complaint Tracking"
    __name__ = 'yuexing.complaint.log'
    complaint = fields.Many2One(
        'yuexing.complaint', "Complaint", required=True, ondelete='CASCADE')
    date = fields.DateTime("Date", required=True)
    user = fields.Many2One('res.user', "User")
    author = fields.Selection([
            ('staff', "Customer Service"),
            ('customer', "Customer"),
            ], "Author", required=True)
    note = fields.Text("Note", required=True)
    public = fields.Boolean("Shown to Customer")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('complaint')
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_date(cls):
        return dt.datetime.now()

    @classmethod
    def check_modification(cls, mode, logs, values=None, external=False):
        super().check_modification(
            mode, logs, values=values, external=external)
        # The tracking log is append-only (its rights follow the complaint).
        if (logs and mode in {'write', 'delete'}
                and Transaction().check_access):
            raise AccessError(gettext(
                    'yuexing_warranty.msg_complaint_log_append_only'))

    @classmethod
    def default_author(cls):
        return 'staff'

    @classmethod
    def default_public(cls):
        return True


class Statistics(ModelSQL, ModelView):
    "Complaint Statistics"
    __name__ = 'yuexing.complaint.statistics'
    month = fields.Date("Month")
    category = fields.Selection(CATEGORIES, "Category")
    technician = fields.Many2One('company.employee', "Technician")
    company = fields.Many2One('company.company', "Company")
    count = fields.Integer("Complaints")
    closed = fields.Integer("Closed")
    overdue = fields.Integer("Answered Late")
    average_hours = fields.Float("Average Hours to Close", digits=(8, 1))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('count', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        Complaint = Pool().get('yuexing.complaint')
        table = Complaint.__table__()
        month = cls.month.sql_cast(MonthOf(table.received_at))
        late = Case((table.answered_at > table.deadline, 1),
            ((table.answered_at == Null)
                & (table.deadline < dt.datetime.now()), 1), else_=0)
        return table.select(
            Min(table.id).as_('id'),
            month.as_('month'),
            table.category.as_('category'),
            table.technician.as_('technician'),
            table.company.as_('company'),
            Count(table.id).as_('count'),
            Sum(Case((table.state == 'closed', 1), else_=0)).as_('closed'),
            Sum(late).as_('overdue'),
            Avg(table.hours_to_close).as_('average_hours'),
            Literal(0).as_('create_uid'),
            Min(table.create_date).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'),
            where=table.state != 'cancelled',
            group_by=[month, table.category, table.technician,
                table.company])
