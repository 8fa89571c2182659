"""工单统计/分析: SQL views over the orders — counts by month, type, leak
site and region, time distributions, satisfaction and SLA attainment —
shown as lists and graphs and exported to xlsx."""
import datetime as dt
from decimal import Decimal

from sql import Expression, Literal, Null
from sql.aggregate import Avg, Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.yuexing_base.xlsx import XlsxReport
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .work_order import LEAK_SITES, TYPES

DONE_STATES = ('done', 'closed')
RESPONSE_BUCKETS = [
    # upper bound in minutes, label
    (30, "≤ 30 min"), (60, "30–60 min"), (120, "1–2 h"), (240, "2–4 h"),
    (480, "4–8 h"), (1440, "8–24 h"), (None, "> 24 h")]
COMPLETION_BUCKETS = [
    # upper bound in hours, label
    (24, "≤ 1 day"), (48, "1–2 days"), (72, "2–3 days"), (168, "3–7 days"),
    (None, "> 7 days")]


def _rate(numerator, denominator):
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal('0.0001'))


class AnalysisContext(ModelView):
    "Work Order Analysis Context"
    __name__ = 'yuexing.work_order.analysis.context'
    from_date = fields.Date(
        "From",
        domain=[If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')), ())])
    to_date = fields.Date("To")
    company = fields.Many2One('company.company', "Company", required=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        Date = Pool().get('ir.date')
        today = Date.today()
        return today.replace(year=today.year - 1, day=1)


class MonthOf(Expression):
    """date_trunc('month', column) with the unit written in the SQL: as a
    parameter it would be $1 in SELECT and $2 in GROUP BY, which PostgreSQL
    does not recognise as the same expression (GroupingError)."""
    __slots__ = ('_column',)

    def __init__(self, column):
        super().__init__()
        self._column = column

    def __str__(self):
        return "DATE_TRUNC('month', %s)" % self._column

    @property
    def params(self):
        return self._column.params


def _date_where(table, column):
    "The analysis context's period as a WHERE clause on a timestamp."
    context = Transaction().context
    where = table.company == context.get('company', -1)
    if context.get('from_date'):
        where &= column >= context['from_date']
    if context.get('to_date'):
        where &= column < context['to_date'] + dt.timedelta(days=1)
    return where


class Analysis(ModelSQL, ModelView):
    "Work Order Analysis"
    __name__ = 'yuexing.work_order.analysis'
    month = fields.Date("Month")
    type = fields.Selection(TYPES, "Type")
    leak_site = fields.Selection(LEAK_SITES, "Leak Site")
    district = fields.Many2One('country.subdivision', "District")
    customer_type = fields.Selection([
            (None, ''),
            ('individual', "Individual (C)"),
            ('enterprise', "Enterprise (B)"),
            ], "Customer Type")
    orders = fields.Integer("Orders")
    done = fields.Integer("Done")
    cancelled = fields.Integer("Cancelled")
    breached = fields.Integer("SLA Breached")
    response_minutes = fields.Float("Avg Response (min)", digits=(10, 1))
    completion_hours = fields.Float("Avg Completion (h)", digits=(10, 1))
    rating = fields.Float("Avg Rating", digits=(3, 2))
    revenue = fields.Numeric("Quoted Revenue", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Order = pool.get('yuexing.work_order')
        Party = pool.get('party.party')
        Rating = pool.get('yuexing.work_order.rating')
        Quote = pool.get('yuexing.quote')
        QuoteLine = pool.get('yuexing.quote.line')
        order = Order.__table__()
        party = Party.__table__()
        rating = Rating.__table__()
        quote = Quote.__table__()
        untaxed = QuoteLine.__table__()
        # Untaxed amount of each confirmed quote, pre-aggregated.
        amounts = untaxed.join(quote, condition=untaxed.quote == quote.id
            ).select(
                quote.id.as_('quote'),
                Sum(untaxed.quantity * untaxed.unit_price).as_('amount'),
                where=quote.state == 'confirmed',
                group_by=[quote.id])
        month = cls.month.sql_cast(MonthOf(order.create_date))
        query = (order
            .join(party, condition=order.customer == party.id)
            .join(rating, 'LEFT', condition=rating.work_order == order.id)
            .join(amounts, 'LEFT', condition=amounts.quote == order.quote)
            .select(
                Min(order.id).as_('id'),
                month.as_('month'),
                order.type.as_('type'),
                order.leak_site.as_('leak_site'),
                order.district.as_('district'),
                party.customer_type.as_('customer_type'),
                Count(order.id).as_('orders'),
                Sum(Case((order.state.in_(DONE_STATES), 1), else_=0)
                    ).as_('done'),
                Sum(Case((order.state == 'cancelled', 1), else_=0)
                    ).as_('cancelled'),
                Sum(Case((order.response_breached
                            | order.arrival_breached
                            | order.completion_breached, 1), else_=0)
                    ).as_('breached'),
                Avg(order.response_minutes).as_('response_minutes'),
                Avg(order.completion_duration).as_('completion_hours'),
                Avg(rating.score).as_('rating'),
                Sum(Coalesce(amounts.amount, 0)).as_('revenue'),
                Max(order.create_uid).as_('create_uid'),
                Max(order.create_date).as_('create_date'),
                Literal(Null).as_('write_uid'),
                Literal(Null).as_('write_date'),
                where=_date_where(order, order.create_date),
                group_by=[month, order.type, order.leak_site,
                    order.district, party.customer_type]))
        return query


class Duration(ModelSQL, ModelView):
    "Work Order Time Distribution"
    __name__ = 'yuexing.work_order.duration'
    kind = fields.Selection([
            ('response', "Response"),
            ('completion', "Completion"),
            ], "Measure")
    bucket = fields.Selection(
        [('response_%d' % i, label)
            for i, (_, label) in enumerate(RESPONSE_BUCKETS)]
        + [('completion_%d' % i, label)
            for i, (_, label) in enumerate(COMPLETION_BUCKETS)],
        "Time", sort=False)
    orders = fields.Integer("Orders")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'ASC')]

    @classmethod
    def table_query(cls):
        Order = Pool().get('yuexing.work_order')
        order = Order.__table__()
        where = _date_where(order, order.create_date)
        queries = []
        for kind, column, buckets, offset in [
                ('response', order.response_minutes, RESPONSE_BUCKETS, 0),
                ('completion', order.completion_duration,
                    COMPLETION_BUCKETS, 100)]:
            # One row per time bucket: id orders the buckets.
            conditions = [column <= upper for upper, _ in buckets[:-1]]
            index = Case(*((c, i) for i, c in enumerate(conditions)),
                else_=len(buckets) - 1)
            code = Case(*((c, '%s_%d' % (kind, i))
                    for i, c in enumerate(conditions)),
                else_='%s_%d' % (kind, len(buckets) - 1))
            # Bucketed in a subquery, grouped outside: PostgreSQL does not
            # match the parameters of a CASE in SELECT and in GROUP BY.
            rows = order.select(
                index.as_('position'), code.as_('bucket'),
                where=where & (column != Null))
            queries.append(rows.select(
                    (rows.position + offset + 1).as_('id'),
                    Literal(kind).as_('kind'),
                    rows.bucket.as_('bucket'),
                    Count(rows.position).as_('orders'),
                    group_by=[rows.position, rows.bucket]))
        union = queries[0] | queries[1]
        union.all_ = True
        return union.select(
            union.id, union.kind, union.bucket, union.orders,
            Literal(0).as_('create_uid'),
            Literal(Null).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'))


class Attainment(ModelSQL, ModelView):
    "SLA Attainment"
    __name__ = 'yuexing.sla.attainment'
    month = fields.Date("Month")
    customer = fields.Many2One('party.party', "Customer")
    orders = fields.Integer("Orders with SLA")
    response_met = fields.Integer("Responses on Time")
    arrival_met = fields.Integer("Arrivals on Time")
    completion_met = fields.Integer("Completions on Time")
    response_rate = fields.Function(
        fields.Numeric("Response Attainment", digits=(5, 4)), 'get_rates')
    arrival_rate = fields.Function(
        fields.Numeric("Arrival Attainment", digits=(5, 4)), 'get_rates')
    completion_rate = fields.Function(
        fields.Numeric("Completion Attainment", digits=(5, 4)), 'get_rates')
    overall_rate = fields.Function(
        fields.Numeric("SLA Attainment", digits=(5, 4)), 'get_rates')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('customer', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        Order = Pool().get('yuexing.work_order')
        order = Order.__table__()
        month = cls.month.sql_cast(MonthOf(order.submitted_at))

        def met(flag, reached):
            return Sum(Case(((flag == False)  # noqa: E712
                        & (reached != Null), 1), else_=0))
        return order.select(
            Min(order.id).as_('id'),
            month.as_('month'),
            order.customer.as_('customer'),
            Count(order.id).as_('orders'),
            met(order.response_breached, order.responded_at
                ).as_('response_met'),
            met(order.arrival_breached, order.arrived_at
                ).as_('arrival_met'),
            met(order.completion_breached, order.completed_at
                ).as_('completion_met'),
            Max(order.create_uid).as_('create_uid'),
            Max(order.create_date).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'),
            where=_date_where(order, order.submitted_at)
            & (order.sla_policy != Null),
            group_by=[month, order.customer])

    @classmethod
    def get_rates(cls, records, names):
        result = {n: {} for n in names}
        for record in records:
            rates = {
                'response_rate': _rate(record.response_met, record.orders),
                'arrival_rate': _rate(record.arrival_met, record.orders),
                'completion_rate': _rate(
                    record.completion_met, record.orders),
                'overall_rate': _rate(
                    record.response_met + record.arrival_met
                    + record.completion_met, 3 * record.orders),
                }
            for name in names:
                result[name][record.id] = rates[name]
        return result


class AnalysisXlsx(XlsxReport):
    "Work Order Analysis (xlsx)"
    __name__ = 'yuexing.work_order.analysis.xlsx'
    columns = ('month', 'type', 'leak_site', 'district', 'customer_type',
        'orders', 'done', 'cancelled', 'breached', 'response_minutes',
        'completion_hours', 'rating', 'revenue')


class AttainmentXlsx(XlsxReport):
    "SLA Attainment (xlsx)"
    __name__ = 'yuexing.sla.attainment.xlsx'
    columns = ('month', 'customer', 'orders', 'response_met', 'arrival_met',
        'completion_met', 'response_rate', 'arrival_rate',
        'completion_rate', 'overall_rate')


class WorkOrderXlsx(XlsxReport):
    "Work Orders (xlsx)"
    __name__ = 'yuexing.work_order.xlsx'
    columns = ('number', 'type', 'customer', 'contact_name', 'contact_phone',
        'address', 'district', 'leak_site', 'priority', 'state',
        'technician', 'amount', 'submitted_at', 'completed_at',
        'sla_state', 'response_minutes', 'completion_duration')
