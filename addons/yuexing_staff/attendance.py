"""考勤: clocking in and out on Tryton's attendance.line (back office now,
the 师傅端 with GPS later), leave requests and overtime approved by the team
leader, and the monthly summary per employee exported to Excel."""
import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.yuexing_base.xlsx import XlsxReport
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.tools import timezone as tz
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import StaffError

LEAVE_TYPES = [
    ('annual', "Annual Leave"),
    ('personal', "Personal Leave"),
    ('sick', "Sick Leave"),
    ('compensatory', "Time Off in Lieu"),
    ('marriage', "Marriage Leave"),
    ('maternity', "Maternity/Paternity Leave"),
    ('bereavement', "Bereavement Leave"),
    ]
HALVES = [
    ('am', "Morning"),
    ('pm', "Afternoon"),
    ]
APPROVAL_STATES = [
    ('draft', "Draft"),
    ('requested', "Requested"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('cancelled', "Cancelled"),
    ]
OVERTIME_KINDS = [
    ('workday', "Working Day (150 %)"),
    ('weekend', "Rest Day (200 %)"),
    ('holiday', "Public Holiday (300 %)"),
    ]
OVERTIME_FACTORS = {
    'workday': Decimal('1.5'), 'weekend': Decimal(2), 'holiday': Decimal(3)}


def month_bounds(date):
    last = calendar.monthrange(date.year, date.month)[1]
    return date.replace(day=1), date.replace(day=last)


def work_days(start, end):
    "Monday–Friday dates from start to end inclusive."
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def local_time(company, at):
    if company and company.timezone:
        return at.replace(tzinfo=tz.UTC).astimezone(
            tz.ZoneInfo(company.timezone)).replace(tzinfo=None)
    return at


def can_approve_for(employees):
    """HR and administrators approve anyone's requests; a team leader those
    of the members of their teams (not their own)."""
    from .employee import can_see_private
    if can_see_private():
        return True
    pool = Pool()
    User = pool.get('res.user')
    Team = pool.get('yuexing.team')
    user = User(Transaction().user)
    mine = {e.id for e in user.employees}
    if not mine:
        return False
    led = Team.search([('leader', 'in', list(mine))])
    members = {m.id for t in led for m in t.members}
    return all(e.id in members and e.id not in mine for e in employees)


class Line(metaclass=PoolMeta):
    __name__ = 'attendance.line'
    latitude = fields.Float("Latitude", digits=(9, 6), readonly=True)
    longitude = fields.Float("Longitude", digits=(9, 6), readonly=True)
    source = fields.Selection([
            (None, ""),
            ('office', "Back Office"),
            ('app', "Technician App"),
            ], "Source", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.employee, Index.Equality()), (t.at, Index.Range())))

    @classmethod
    def clock(cls, employee, type_, at=None, position=None, source='office'):
        """Clock employee in or out at (UTC, now by default) from position
        (latitude, longitude). Clocking out needs a clock-in before it the
        same day; clocking in twice in a row is refused."""
        if type_ not in {'in', 'out'}:
            raise ValueError(type_)
        if at is None:
            at = dt.datetime.now().replace(microsecond=0)
        if employee.end_date and employee.end_date < at.date():
            raise StaffError(gettext(
                    'yuexing_staff.msg_clock_left',
                    employee=employee.rec_name))
        company = employee.company
        latitude, longitude = position or (None, None)
        line, = cls.create([{
                    'company': company.id,
                    'employee': employee.id,
                    'at': at,
                    'date': local_time(company, at).date(),
                    'type': type_,
                    'latitude': latitude,
                    'longitude': longitude,
                    'source': source,
                    }])
        return line

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if field_names and not ({'at', 'type', 'employee'} & field_names):
            return
        cls.check_sequence(lines)

    @classmethod
    def check_sequence(cls, lines):
        """A clock-out needs a clock-in before it on the same day; two
        clock-ins in a row on the same day are refused. Reads the days
        concerned in one query per slice of employees."""
        by_employee = defaultdict(list)
        for line in lines:
            by_employee[line.employee.id].append(line)
        for sub in grouped_slice(list(by_employee), backend.MAX_QUERY_PARAMS):
            sub = list(sub)
            dates = [line.date for i in sub for line in by_employee[i]]
            existing = defaultdict(list)
            for line in cls.search([
                        ('employee', 'in', sub),
                        ('date', '>=', min(dates)),
                        ('date', '<=', max(dates)),
                        ], order=[('at', 'ASC'), ('id', 'ASC')]):
                existing[line.employee.id, line.date].append(line)
            for employee_id in sub:
                for line in by_employee[employee_id]:
                    day = existing[employee_id, line.date]
                    before = [x for x in day
                        if (x.at, x.id) < (line.at, line.id)]
                    previous = before[-1] if before else None
                    if line.type == 'out' and (
                            not previous or previous.type != 'in'):
                        raise StaffError(gettext(
                                'yuexing_staff.msg_clock_out_without_in',
                                employee=line.employee.rec_name))
                    if (line.type == 'in' and previous
                            and previous.type == 'in'):
                        raise StaffError(gettext(
                                'yuexing_staff.msg_clock_in_twice',
                                employee=line.employee.rec_name))


class EmployeeClock(metaclass=PoolMeta):
    __name__ = 'company.employee'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'clock_in': {
                    'invisible': Eval('end_date', None) != None,  # noqa: E711
                    'depends': ['end_date'],
                    },
                'clock_out': {
                    'invisible': Eval('end_date', None) != None,  # noqa: E711
                    'depends': ['end_date'],
                    },
                })

    @classmethod
    @ModelView.button
    def clock_in(cls, employees):
        Line = Pool().get('attendance.line')
        for employee in employees:
            Line.clock(employee, 'in')

    @classmethod
    @ModelView.button
    def clock_out(cls, employees):
        Line = Pool().get('attendance.line')
        for employee in employees:
            Line.clock(employee, 'out')


class _Approval(Workflow):
    "Shared workflow of leave requests and overtime records."

    @classmethod
    def _approval_setup(cls):
        cls._transitions |= {
            ('draft', 'requested'),
            ('requested', 'approved'),
            ('requested', 'rejected'),
            ('requested', 'draft'),
            ('draft', 'cancelled'),
            ('requested', 'cancelled'),
            ('approved', 'cancelled'),
            }
        cls._buttons.update({
                'request': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'requested',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'requested',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'requested',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'requested', 'approved']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')

    @classmethod
    def check_approver(cls, records):
        if not can_approve_for([r.employee for r in records]):
            raise StaffError(gettext('yuexing_staff.msg_not_team_leader'))

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'delete':
            for record in records:
                if record.state not in {'draft', 'cancelled'}:
                    raise StaffError(gettext(
                            'yuexing_staff.msg_delete_draft_only',
                            record=record.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('requested')
    def request(cls, records):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, records):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, records):
        cls.check_approver(records)
        cls.write(records, {
                'approved_by': Transaction().user,
                'approved_at': dt.datetime.now(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, records):
        cls.check_approver(records)
        cls.write(records, {
                'approved_by': Transaction().user,
                'approved_at': dt.datetime.now(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, records):
        pass


_RO = {'readonly': Eval('state') != 'draft'}


class LeaveRequest(_Approval, ModelSQL, ModelView):
    "Leave Request"
    __name__ = 'yuexing.leave.request'
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_RO)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, states=_RO,
        domain=[('company', '=', Eval('company', -1))])
    type = fields.Selection(LEAVE_TYPES, "Type", required=True, states=_RO)
    start_date = fields.Date("Start", required=True, states=_RO)
    start_half = fields.Selection(
        HALVES, "Start From", required=True, states=_RO,
        help="Afternoon: the leave starts at noon (half a day).")
    end_date = fields.Date("End", required=True, states=_RO)
    end_half = fields.Selection(
        HALVES, "End At", required=True, states=_RO,
        help="Morning: the leave ends at noon (half a day).")
    days = fields.Float("Days", digits=(6, 1), readonly=True)
    reason = fields.Text("Reason", states=_RO)
    state = fields.Selection(APPROVAL_STATES, "State", readonly=True,
        sort=False)
    approved_by = fields.Many2One('res.user', "Decided By", readonly=True)
    approved_at = fields.DateTime("Decided At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._approval_setup()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.employee, Index.Equality()),
                (t.start_date, Index.Range())))
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_start_half(cls):
        return 'am'

    @classmethod
    def default_end_half(cls):
        return 'pm'

    @classmethod
    def default_type(cls):
        return 'personal'

    def get_rec_name(self, name):
        return f'{self.employee.rec_name} {self.start_date}~{self.end_date}'

    def _key(self):
        return ((self.start_date, 0 if self.start_half == 'am' else 1),
            (self.end_date, 0 if self.end_half == 'am' else 1))

    def compute_days(self):
        if not self.start_date or not self.end_date:
            return None
        days = float(len(work_days(self.start_date, self.end_date)))
        if self.start_half == 'pm' and self.start_date.weekday() < 5:
            days -= 0.5
        if self.end_half == 'am' and self.end_date.weekday() < 5:
            days -= 0.5
        return max(days, 0)

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is None or {'start_date', 'end_date', 'start_half',
                'end_half'} & field_names:
            days = self.compute_days()
            if getattr(self, 'days', None) != days:
                values['days'] = days
        return values

    @classmethod
    def validate_fields(cls, requests, field_names):
        super().validate_fields(requests, field_names)
        cls.check_dates(requests)

    @classmethod
    def check_dates(cls, requests):
        for request in requests:
            start, end = request._key()
            if end < start:
                raise StaffError(gettext(
                        'yuexing_staff.msg_leave_end_before_start',
                        request=request.rec_name))
        active = [r for r in requests if r.state not in {
                'rejected', 'cancelled'}]
        for sub in grouped_slice(active, backend.MAX_QUERY_PARAMS):
            sub = list(sub)
            others = cls.search([
                    ('employee', 'in', [r.employee.id for r in sub]),
                    ('state', 'not in', ['rejected', 'cancelled']),
                    ('start_date', '<=', max(r.end_date for r in sub)),
                    ('end_date', '>=', min(r.start_date for r in sub)),
                    ])
            for request in sub:
                start, end = request._key()
                for other in others:
                    if (other.id == request.id
                            or other.employee != request.employee):
                        continue
                    other_start, other_end = other._key()
                    if start <= other_end and other_start <= end:
                        raise StaffError(gettext(
                                'yuexing_staff.msg_leave_overlap',
                                request=request.rec_name,
                                other=other.rec_name))

    @classmethod
    def days_in(cls, employees, start, end):
        """{employee id: approved leave days between start and end}."""
        result = defaultdict(float)
        for request in cls.search([
                    ('employee', 'in', [e.id for e in employees]),
                    ('state', '=', 'approved'),
                    ('start_date', '<=', end),
                    ('end_date', '>=', start),
                    ]):
            for day in work_days(
                    max(request.start_date, start),
                    min(request.end_date, end)):
                weight = 1.0
                if day == request.start_date and request.start_half == 'pm':
                    weight -= 0.5
                if day == request.end_date and request.end_half == 'am':
                    weight -= 0.5
                result[request.employee.id] += weight
        return result


class Overtime(_Approval, ModelSQL, ModelView):
    "Overtime"
    __name__ = 'yuexing.overtime'
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_RO)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, states=_RO,
        domain=[('company', '=', Eval('company', -1))])
    date = fields.Date("Date", required=True, states=_RO)
    kind = fields.Selection(OVERTIME_KINDS, "Kind", required=True, states=_RO)
    hours = fields.Numeric(
        "Hours", digits=(4, 1), required=True, states=_RO,
        domain=[('hours', '>', 0), ('hours', '<=', 16)])
    reason = fields.Char("Reason", states=_RO)
    state = fields.Selection(APPROVAL_STATES, "State", readonly=True,
        sort=False)
    approved_by = fields.Many2One('res.user', "Decided By", readonly=True)
    approved_at = fields.DateTime("Decided At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._approval_setup()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_kind(cls):
        return 'workday'

    @fields.depends('date')
    def on_change_date(self):
        if self.date:
            self.kind = 'weekend' if self.date.weekday() >= 5 else 'workday'

    def get_rec_name(self, name):
        return f'{self.employee.rec_name} {self.date} {self.hours}h'

    @classmethod
    def hours_in(cls, employees, start, end):
        """{employee id: {kind: approved hours}} between the dates."""
        result = defaultdict(lambda: defaultdict(Decimal))
        for record in cls.search([
                    ('employee', 'in', [e.id for e in employees]),
                    ('state', '=', 'approved'),
                    ('date', '>=', start),
                    ('date', '<=', end),
                    ]):
            result[record.employee.id][record.kind] += record.hours
        return result


class Summary(ModelSQL, ModelView):
    "Monthly Attendance Summary"
    __name__ = 'yuexing.attendance.summary'
    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    employee = fields.Many2One('company.employee', "Employee", required=True,
        readonly=True, ondelete='CASCADE')
    month = fields.Date("Month", required=True, readonly=True,
        help="First day of the month.")
    work_days = fields.Integer("Working Days", readonly=True)
    days_present = fields.Integer("Days Present", readonly=True)
    days_late = fields.Integer("Days Late", readonly=True)
    days_absent = fields.Float("Days Absent", digits=(6, 1), readonly=True)
    leave_days = fields.Float("Leave Days", digits=(6, 1), readonly=True)
    overtime_hours = fields.Numeric("Overtime Hours", digits=(6, 1),
        readonly=True)
    hours_worked = fields.Float("Hours Worked", digits=(8, 1), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('employee_month_unique', Unique(t, t.employee, t.month),
                'yuexing_staff.msg_summary_unique'),
            ]
        cls._order = [('month', 'DESC'), ('employee', 'ASC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        return f'{self.employee.rec_name} {self.month:%Y-%m}'

    @classmethod
    def compute(cls, company, month, employees=None, today=None):
        """(Re)build the summaries of month (any date in it) for the
        company's employees (or the given ones). Working days are Monday to
        Friday up to today; late means the first clock-in after the
        configured start of work plus the grace minutes."""
        pool = Pool()
        Employee = pool.get('company.employee')
        Line = pool.get('attendance.line')
        LeaveRequest = pool.get('yuexing.leave.request')
        Overtime = pool.get('yuexing.overtime')
        Configuration = pool.get('yuexing.configuration')
        if today is None:
            today = pool.get('ir.date').today()
        start, end = month_bounds(month)
        if employees is None:
            employees = Employee.search([
                    ('company', '=', company.id),
                    ['OR', ('start_date', '=', None),
                        ('start_date', '<=', end)],
                    ['OR', ('end_date', '=', None),
                        ('end_date', '>=', start)],
                    ])
        config = Configuration(1)
        work_start = config.get_work_start()
        grace = dt.timedelta(minutes=config.late_grace_minutes or 0)
        deadline = (dt.datetime.combine(start, work_start) + grace).time()
        days = work_days(start, min(end, today))
        first_in = defaultdict(dict)
        worked = defaultdict(float)
        pending = {}
        ids = [e.id for e in employees]
        for line in Line.search([
                    ('employee', 'in', ids),
                    ('date', '>=', start),
                    ('date', '<=', end),
                    ], order=[('at', 'ASC'), ('id', 'ASC')]):
            local = local_time(company, line.at)
            employee_id = line.employee.id
            if line.type == 'in':
                first_in[employee_id].setdefault(line.date, local.time())
                pending[employee_id] = line.at
            elif pending.get(employee_id):
                worked[employee_id] += (
                    line.at - pending.pop(employee_id)).total_seconds() / 3600
        leave = LeaveRequest.days_in(employees, start, min(end, today))
        overtime = Overtime.hours_in(employees, start, end)
        cls.delete(cls.search([
                    ('employee', 'in', ids), ('month', '=', start)]))
        to_create = []
        for employee in employees:
            employed = [d for d in days
                if (not employee.start_date or d >= employee.start_date)
                and (not employee.end_date or d <= employee.end_date)]
            present = {d for d in first_in[employee.id] if d in employed}
            late = sum(1 for d in present
                if first_in[employee.id][d] > deadline)
            leave_days = leave.get(employee.id, 0.0)
            to_create.append({
                    'company': company.id,
                    'employee': employee.id,
                    'month': start,
                    'work_days': len(employed),
                    'days_present': len(present),
                    'days_late': late,
                    'leave_days': leave_days,
                    'days_absent': max(
                        len(employed) - len(present) - leave_days, 0),
                    'overtime_hours': sum(
                        overtime[employee.id].values(), Decimal(0)),
                    'hours_worked': round(worked[employee.id], 1),
                    })
        return cls.create(to_create)


class SummaryXlsx(XlsxReport):
    "Monthly Attendance Summary (xlsx)"
    __name__ = 'yuexing.attendance.summary.xlsx'
    columns = ('month', 'employee', 'work_days', 'days_present', 'days_late',
        'days_absent', 'leave_days', 'overtime_hours', 'hours_worked')

    @staticmethod
    def value(record, name):
        if name == 'month':
            return record.month.strftime('%Y-%m')
        return XlsxReport.value(record, name)


class ComputeSummaryStart(ModelView):
    "Compute Attendance Summary"
    __name__ = 'yuexing.attendance.summary.compute.start'
    company = fields.Many2One('company.company', "Company", required=True)
    month = fields.Date("Month", required=True,
        help="Any day of the month to summarise.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_month(cls):
        today = Pool().get('ir.date').today()
        return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


class ComputeSummary(Wizard):
    "Compute Attendance Summary"
    __name__ = 'yuexing.attendance.summary.compute'
    start = StateView('yuexing.attendance.summary.compute.start',
        'yuexing_staff.attendance_summary_compute_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compute", 'compute', 'tryton-ok', default=True),
            ])
    compute = StateTransition()

    def transition_compute(self):
        Summary = Pool().get('yuexing.attendance.summary')
        Summary.compute(self.start.company, self.start.month)
        return 'end'

