"""SLA: response, arrival and completion targets counted in working time
(working hours, weekdays, Chinese public holidays and 调休 make-up days),
stored on each order as deadlines, watched by a cron."""
import datetime as dt
from zoneinfo import ZoneInfo

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    Unique,
    fields,
    sequence_ordered,
)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import WorkOrderError
from .work_order import OPEN_STATES, PRIORITIES, TYPES

WEEKDAYS = [
    ('0', "Monday"), ('1', "Tuesday"), ('2', "Wednesday"), ('3', "Thursday"),
    ('4', "Friday"), ('5', "Saturday"), ('6', "Sunday"),
    ]
SLA_STATES = [
    ('ok', "On Time"),
    ('warning', "Due Soon"),
    ('breached', "Breached"),
    ]
MILESTONES = [
    # deadline field, reached-at field, breach flag
    ('response_deadline', 'responded_at', 'response_breached'),
    ('arrival_deadline', 'arrived_at', 'arrival_breached'),
    ('completion_deadline', 'completed_at', 'completion_breached'),
    ]


def _public_holiday(day):
    """(statutory holiday, make-up working day) from chinese_calendar, which
    names only those: ordinary weekends are left to the calendar."""
    import chinese_calendar
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # years the package does not know yet
        return False, False
    return bool(off and name), bool(not off and name)


class Calendar(ModelSQL, ModelView):
    "SLA Working Calendar"
    __name__ = 'yuexing.sla.calendar'
    name = fields.Char("Name", required=True)
    round_the_clock = fields.Boolean(
        "24/7", help="Every hour counts (urgent leaks).")
    work_start = fields.Time(
        "Work Starts", states={'invisible': Eval('round_the_clock', False)})
    work_end = fields.Time(
        "Work Ends", states={'invisible': Eval('round_the_clock', False)})
    weekdays = fields.MultiSelection(
        WEEKDAYS, "Working Weekdays", sort=False,
        states={'invisible': Eval('round_the_clock', False)})
    public_holidays = fields.Boolean(
        "Chinese Public Holidays",
        states={'invisible': Eval('round_the_clock', False)},
        help="Statutory holidays are off and their make-up days (调休) are "
        "worked, as published by the State Council.")
    exceptions = fields.One2Many(
        'yuexing.sla.calendar.day', 'calendar', "Exceptions",
        states={'invisible': Eval('round_the_clock', False)})

    @classmethod
    def default_work_start(cls):
        return dt.time(8, 30)

    @classmethod
    def default_work_end(cls):
        return dt.time(18, 0)

    @classmethod
    def default_weekdays(cls):
        return ['0', '1', '2', '3', '4', '5']

    @classmethod
    def default_public_holidays(cls):
        return True

    @classmethod
    def validate_fields(cls, calendars, field_names):
        super().validate_fields(calendars, field_names)
        for calendar in calendars:
            if (not calendar.round_the_clock
                    and not (calendar.work_start and calendar.work_end
                        and calendar.work_start < calendar.work_end)):
                raise WorkOrderError(gettext(
                        'yuexing_workorder.msg_calendar_hours',
                        calendar=calendar.rec_name))

    def is_working_day(self, day):
        if self.round_the_clock:
            return True
        for exception in self.exceptions:
            if exception.date == day:
                return exception.working
        if self.public_holidays:
            off, makeup = _public_holiday(day)
            if makeup:
                return True
            if off:
                return False
        return str(day.weekday()) in (self.weekdays or ())

    @staticmethod
    def _timezone():
        Company = Pool().get('company.company')
        company_id = Transaction().context.get('company')
        name = (Company(company_id).timezone
            if company_id else None) or 'Asia/Shanghai'
        return ZoneInfo(name)

    def add_working_time(self, start, hours):
        """The moment (naive UTC, as stored) when `hours` of working time have
        passed since `start` (naive UTC)."""
        if self.round_the_clock:
            return start + dt.timedelta(hours=hours)
        zone = self._timezone()
        local = start.replace(tzinfo=dt.UTC).astimezone(zone)
        remaining = dt.timedelta(hours=hours)
        day = local.date()
        cursor = local
        for _ in range(3660):  # ten years of days at most
            if self.is_working_day(day):
                opens = dt.datetime.combine(day, self.work_start, zone)
                closes = dt.datetime.combine(day, self.work_end, zone)
                begin = max(cursor, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        result = begin + remaining
                        return result.astimezone(dt.UTC).replace(
                            tzinfo=None)
                    remaining -= available
            day += dt.timedelta(days=1)
            cursor = dt.datetime.combine(day, dt.time(0), zone)
        raise WorkOrderError(gettext(
                'yuexing_workorder.msg_calendar_hours',
                calendar=self.rec_name))


class CalendarDay(ModelSQL, ModelView):
    "SLA Calendar Exception"
    __name__ = 'yuexing.sla.calendar.day'
    calendar = fields.Many2One(
        'yuexing.sla.calendar', "Calendar", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    name = fields.Char("Name")
    working = fields.Boolean(
        "Working Day", help="Ticked: worked although usually off.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('calendar')
        t = cls.__table__()
        cls._sql_constraints += [
            ('date_unique', Unique(t, t.calendar, t.date),
                'yuexing_workorder.msg_calendar_day_unique'),
            ]


class Policy(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "SLA Policy"
    __name__ = 'yuexing.sla.policy'
    name = fields.Char("Name", required=True)
    calendar = fields.Many2One(
        'yuexing.sla.calendar', "Calendar", required=True)
    customer = fields.Many2One(
        'party.party', "Customer",
        domain=[('customer_type', '=', 'enterprise')],
        help="Contract terms of one customer; empty for everybody.")
    customer_type = fields.Selection([
            (None, "Any"),
            ('individual', "Individual (C)"),
            ('enterprise', "Enterprise (B)"),
            ], "Customer Type")
    order_type = fields.Selection(
        [(None, "Any")] + TYPES, "Order Type")
    priority = fields.Selection(
        [(None, "Any")] + PRIORITIES, "Priority", sort=False)
    response_hours = fields.Float(
        "Response (h)", digits=(6, 1), required=True,
        domain=[('response_hours', '>', 0)])
    arrival_hours = fields.Float(
        "Arrival (h)", digits=(6, 1), required=True,
        domain=[('arrival_hours', '>=', Eval('response_hours', 0))])
    completion_hours = fields.Float(
        "Completion (h)", digits=(6, 1), required=True,
        domain=[('completion_hours', '>=', Eval('arrival_hours', 0))])
    warning_minutes = fields.Integer(
        "Warn Before (min)", required=True,
        domain=[('warning_minutes', '>=', 0)])

    @classmethod
    def default_warning_minutes(cls):
        return 60

    def specificity(self):
        return (4 * bool(self.customer) + 2 * bool(self.priority)
            + bool(self.customer_type) + bool(self.order_type))

    def matches(self, order):
        customer = order.customer
        return ((not self.customer or self.customer == customer)
            and (not self.customer_type
                or self.customer_type == customer.customer_type)
            and (not self.order_type or self.order_type == order.type)
            and (not self.priority or self.priority == order.priority))

    @classmethod
    def match(cls, order, policies=None):
        pool = Pool()
        Configuration = pool.get('yuexing.configuration')
        if policies is None:
            policies = cls.search([])
        policies = [p for p in policies if p.matches(order)]
        if policies:
            return max(policies, key=lambda p: (
                    p.specificity(), -(p.sequence or 0)))
        return Configuration(1).default_sla_policy

    @classmethod
    def deadlines(cls, order, start, policies=None):
        "The SLA values an order gets when it is submitted at start."
        policy = cls.match(order, policies)
        if not policy:
            return {'sla_policy': None}
        calendar = policy.calendar
        return {
            'sla_policy': policy.id,
            'response_deadline': calendar.add_working_time(
                start, policy.response_hours),
            'arrival_deadline': calendar.add_working_time(
                start, policy.arrival_hours),
            'completion_deadline': calendar.add_working_time(
                start, policy.completion_hours),
            }


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    sla_policy = fields.Many2One(
        'yuexing.sla.policy', "SLA Policy", readonly=True)
    response_deadline = fields.DateTime("Respond By", readonly=True)
    arrival_deadline = fields.DateTime("Arrive By", readonly=True)
    completion_deadline = fields.DateTime("Complete By", readonly=True)
    response_breached = fields.Boolean("Response Late", readonly=True)
    arrival_breached = fields.Boolean("Arrival Late", readonly=True)
    completion_breached = fields.Boolean("Completion Late", readonly=True)
    sla_state = fields.Selection(SLA_STATES, "SLA", readonly=True)
    response_minutes = fields.Integer("Response Time (min)", readonly=True)
    completion_duration = fields.Float(
        "Completion Time (h)", digits=(10, 1), readonly=True)
    sla_alerts = fields.Char(
        "SLA Alerts Sent", readonly=True,
        help="Alerts already sent, so each is sent once.")

    @classmethod
    def default_sla_state(cls):
        return 'ok'

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name in ['sla_policy', 'response_deadline', 'arrival_deadline',
                'completion_deadline', 'sla_alerts', 'response_minutes',
                'completion_duration']:
            default.setdefault(name, None)
        for name in ['response_breached', 'arrival_breached',
                'completion_breached']:
            default.setdefault(name, False)
        default.setdefault('sla_state', 'ok')
        return super().copy(orders, default=default)

    @classmethod
    def reach_milestone(cls, orders, reached_name, when):
        """Record that orders reached a milestone (responded_at, arrived_at,
        completed_at) at `when`, once, flagging it late past its deadline."""
        flags = {r: (d, f) for d, r, f in MILESTONES}
        deadline_name, flag = flags[reached_name]
        to_write = []
        for order in orders:
            if getattr(order, reached_name):
                continue
            values = {reached_name: when}
            deadline = getattr(order, deadline_name)
            if deadline and when > deadline:
                values[flag] = True
            # Durations are stored for the statistics (SQL averages and
            # distributions over millions of orders).
            if order.submitted_at:
                elapsed = (when - order.submitted_at).total_seconds()
                if reached_name == 'responded_at':
                    values['response_minutes'] = int(elapsed // 60)
                elif reached_name == 'completed_at':
                    values['completion_duration'] = round(elapsed / 3600, 1)
            to_write.extend(([order], values))
        if to_write:
            cls.write(*to_write)

    @classmethod
    def check_sla(cls, now=None):
        """Cron: flag breached milestones, warn before they are due. Each
        alert goes once to the dispatchers."""
        now = now or dt.datetime.now()
        orders = cls.search([
                ('state', 'in', OPEN_STATES),
                ('sla_policy', '!=', None),
                ])
        to_write, warnings, breaches = [], [], []
        for order in orders:
            values, alerts = {}, set(filter(None,
                    (order.sla_alerts or '').split(',')))
            state = 'ok'
            margin = dt.timedelta(minutes=order.sla_policy.warning_minutes)
            for deadline_name, reached_name, flag in MILESTONES:
                deadline = getattr(order, deadline_name)
                if not deadline or getattr(order, reached_name):
                    continue
                if now > deadline:
                    state = 'breached'
                    if not getattr(order, flag):
                        values[flag] = True
                    if flag not in alerts:
                        alerts.add(flag)
                        breaches.append(order)
                elif now > deadline - margin:
                    if state == 'ok':
                        state = 'warning'
                    key = deadline_name + '_warning'
                    if key not in alerts:
                        alerts.add(key)
                        warnings.append(order)
            if state != order.sla_state:
                values['sla_state'] = state
            joined = ','.join(sorted(alerts))
            if joined != (order.sla_alerts or ''):
                values['sla_alerts'] = joined
            if values:
                to_write.extend(([order], values))
        if to_write:
            cls.write(*to_write)
        dispatchers = cls.dispatchers()
        if warnings:
            cls.notify('sla_breach_soon', list(set(warnings)), dispatchers)
        if breaches:
            cls.notify('sla_breached', list(set(breaches)), dispatchers)
        return warnings, breaches
