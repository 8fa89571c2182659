"""库存报表: stock value by location at a date, ageing and turnover (积压),
stock-outs in a period (缺货) — SQL views over the done stock moves, read
with a context (date, period, location) like Tryton's products by
locations, shown as lists and graphs and exported to xlsx.

All figures are in the material's stock unit and come from one query per
report: the moves are split into an incoming and an outgoing side per
storage location (``_sides``), summed or run through a window."""
import datetime as dt

from sql import Literal, Null, Union, Window
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import RowNumber

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.yuexing_base.xlsx import XlsxReport
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .location import company_today

# A balance within this of zero is zero (float sums of rounded moves).
EPSILON = 1e-6


def _context_date(name, default=None):
    value = Transaction().context.get(name)
    if isinstance(value, dt.datetime):
        value = value.date()
    return value or default


def _location_filter(location):
    "Rows of storage locations, below the context's location when given."
    context = Transaction().context
    where = location.type == 'storage'
    if context.get('location'):
        parent = Pool().get('stock.location')(context['location'])
        where &= (location.left >= parent.left) & (
            location.right <= parent.right)
    return where


def _sides(date_end, columns=()):
    """Each done move of the company up to date_end twice: into its
    destination (+ quantity) and out of its source (− quantity), with a
    key unique per side (2 × id, + 1 out), the other location and the
    direction (1 in, −1 out); only storage locations (of the context's
    location) are kept."""
    pool = Pool()
    Move = pool.get('stock.move')
    Location = pool.get('stock.location')
    company = Transaction().context.get('company', -1)
    queries = []
    for direction, here, other in [(1, 'to_location', 'from_location'),
            (-1, 'from_location', 'to_location')]:
        move = Move.__table__()
        quantity = (move.internal_quantity if direction > 0
            else -move.internal_quantity)
        queries.append(move.select(
                getattr(move, here).as_('location'),
                getattr(move, other).as_('other'),
                move.product.as_('product'),
                move.effective_date.as_('date'),
                (move.id * 2 + (0 if direction > 0 else 1)).as_('key'),
                quantity.as_('quantity'),
                Literal(direction).as_('direction'),
                *[getattr(move, c).as_(c) for c in columns],
                where=(move.state == 'done')
                & (move.company == company)
                & (move.effective_date <= date_end)))
    sides = Union(*queries, all_=True)
    location = Location.__table__()
    other = Location.__table__()
    query = sides.join(location, condition=sides.location == location.id
        ).join(other, condition=sides.other == other.id)
    return sides, location, other, query


def _last_costs(date_end):
    """Per product, the average cost at date_end: the cost price of its
    last done move (Tryton stores the moving average on each costed
    move), else the current cost price."""
    pool = Pool()
    Move = pool.get('stock.move')
    CostPrice = pool.get('product.cost_price')
    Product = pool.get('product.product')
    company = Transaction().context.get('company', -1)
    move = Move.__table__()
    product = Product.__table__()
    cost_price = CostPrice.__table__()
    ranked = move.select(
        move.product.as_('product'),
        move.cost_price.as_('cost_price'),
        RowNumber(window=Window([move.product], order_by=[
                    move.effective_date.desc, move.id.desc])).as_('rank'),
        where=(move.state == 'done') & (move.company == company)
        & (move.effective_date <= date_end) & (move.cost_price != Null))
    last = ranked.select(ranked.product, ranked.cost_price,
        where=ranked.rank == 1)
    current = cost_price.select(
        cost_price.product.as_('product'),
        Max(cost_price.cost_price).as_('cost_price'),
        where=cost_price.company == company,
        group_by=[cost_price.product])
    return (product
        .join(last, 'LEFT', condition=last.product == product.id)
        .join(current, 'LEFT', condition=current.product == product.id)
        .select(product.id.as_('product'),
            Coalesce(last.cost_price, current.cost_price, 0
                ).as_('cost_price')))


class StockValueContext(ModelView):
    "Stock Value Context"
    __name__ = 'yuexing.material.stock_value.context'
    date = fields.Date("At Date", required=True)
    location = fields.Many2One(
        'stock.location', "Location",
        domain=[('type', 'in', ['warehouse', 'storage', 'view'])],
        help="Only the storage locations below this one (empty: all).")
    company = fields.Many2One('company.company', "Company", required=True)

    @classmethod
    def default_date(cls):
        return company_today()

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


class StockValue(ModelSQL, ModelView):
    "Stock Value by Location"
    __name__ = 'yuexing.material.stock_value'
    location = fields.Many2One('stock.location', "Location")
    product = fields.Many2One('product.product', "Material")
    quantity = fields.Float("Quantity", digits=(16, 4))
    unit = fields.Many2One('product.uom', "Unit")
    cost_price = fields.Numeric("Average Cost", digits=(16, 4))
    value = fields.Numeric("Value", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('location', 'ASC'), ('product', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        date_end = _context_date('date', company_today())
        sides, location, _, query = _sides(date_end)
        stock = query.select(
            Min(sides.key).as_('id'),
            sides.location.as_('location'),
            sides.product.as_('product'),
            Sum(sides.quantity).as_('quantity'),
            where=_location_filter(location),
            group_by=[sides.location, sides.product],
            having=(Sum(sides.quantity) > EPSILON)
            | (Sum(sides.quantity) < -EPSILON))
        costs = _last_costs(date_end)
        product = Product.__table__()
        template = Template.__table__()
        return (stock
            .join(product, condition=stock.product == product.id)
            .join(template, condition=product.template == template.id)
            .join(costs, condition=costs.product == stock.product)
            .select(
                stock.id, stock.location, stock.product, stock.quantity,
                template.default_uom.as_('unit'),
                cls.cost_price.sql_cast(costs.cost_price).as_('cost_price'),
                cls.value.sql_cast(stock.quantity * costs.cost_price
                    ).as_('value'),
                Literal(0).as_('create_uid'),
                Literal(Null).as_('create_date'),
                Literal(Null).as_('write_uid'),
                Literal(Null).as_('write_date')))


class PeriodContext(ModelView):
    "Stock Report Period"
    __name__ = 'yuexing.material.report.context'
    from_date = fields.Date(
        "From", required=True,
        domain=[If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')), ())])
    to_date = fields.Date("To", required=True)
    location = fields.Many2One(
        'stock.location', "Location",
        domain=[('type', 'in', ['warehouse', 'storage', 'view'])],
        help="Only the storage locations below this one (empty: all).")
    company = fields.Many2One('company.company', "Company", required=True)

    @classmethod
    def default_from_date(cls):
        return company_today() - dt.timedelta(days=90)

    @classmethod
    def default_to_date(cls):
        return company_today()

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


def _period():
    today = company_today()
    date_end = _context_date('to_date', today)
    date_start = _context_date(
        'from_date', date_end - dt.timedelta(days=90))
    return date_start, date_end


class Ageing(ModelSQL, ModelView):
    "Stock Ageing and Turnover"
    __name__ = 'yuexing.material.ageing'
    location = fields.Many2One('stock.location', "Location")
    product = fields.Many2One('product.product', "Material")
    unit = fields.Many2One('product.uom', "Unit")
    quantity = fields.Float(
        "Quantity", digits=(16, 4), help="On hand at the end of the period.")
    value = fields.Numeric("Value", digits=(16, 2))
    start_quantity = fields.Float(
        "Opening Quantity", digits=(16, 4),
        help="On hand at the start of the period.")
    received = fields.Float(
        "Received", digits=(16, 4), help="Received in the period.")
    issued = fields.Float(
        "Issued", digits=(16, 4),
        help="Issued in the period (to vans, orders, back to the "
        "warehouse; stocktaking differences excluded).")
    first_receipt = fields.Date("First Receipt")
    last_receipt = fields.Date("Last Receipt")
    last_issue = fields.Date("Last Issue")
    days_without_issue = fields.Function(
        fields.Integer("Days without Issue",
            help="From the last issue (the first receipt when never issued) "
            "to the end of the period."),
        'get_days_without_issue')
    turnover = fields.Float(
        "Turnover", digits=(16, 2),
        help="Issued in the period ÷ average stock "
        "((opening + closing) ÷ 2).")
    slow_moving = fields.Boolean(
        "Slow Moving",
        help="积压: stock on hand and no issue for more than the "
        "configuration's slow mover days.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('slow_moving', 'DESC'), ('last_issue', 'ASC'),
            ('location', 'ASC'), ('id', 'ASC')]

    @classmethod
    def slow_mover_days(cls):
        Configuration = Pool().get('yuexing.configuration')
        with without_check_access():
            days = Configuration(1).slow_mover_days
        return days if days is not None else 90

    @classmethod
    def table_query(cls):
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        date_start, date_end = _period()
        cutoff = date_end - dt.timedelta(days=cls.slow_mover_days())
        sides, location, other, query = _sides(date_end)
        counted = other.type != 'lost_found'
        incoming = counted & (sides.direction > 0)
        outgoing = counted & (sides.direction < 0)
        in_period = sides.date >= date_start

        def total(condition, value=sides.quantity):
            return Sum(Case((condition, value), else_=0.0))
        rows = query.select(
            Min(sides.key).as_('id'),
            sides.location.as_('location'),
            sides.product.as_('product'),
            Sum(sides.quantity).as_('quantity'),
            total(sides.date < date_start).as_('start_quantity'),
            total(incoming & in_period).as_('received'),
            total(outgoing & in_period, -sides.quantity).as_('issued'),
            Min(Case((incoming, sides.date), else_=Null)
                ).as_('first_receipt'),
            Max(Case((incoming, sides.date), else_=Null)
                ).as_('last_receipt'),
            Max(Case((outgoing, sides.date), else_=Null)).as_('last_issue'),
            where=_location_filter(location),
            group_by=[sides.location, sides.product])
        rows = rows.select(
            *[getattr(rows, c) for c in ['id', 'location', 'product',
                    'quantity', 'start_quantity', 'received', 'issued',
                    'first_receipt', 'last_receipt', 'last_issue']],
            where=(rows.quantity > EPSILON) | (rows.quantity < -EPSILON)
            | (rows.issued > EPSILON) | (rows.received > EPSILON))
        average = (rows.start_quantity + rows.quantity) / 2.0
        costs = _last_costs(date_end)
        product = Product.__table__()
        template = Template.__table__()
        return (rows
            .join(product, condition=rows.product == product.id)
            .join(template, condition=product.template == template.id)
            .join(costs, condition=costs.product == rows.product)
            .select(
                rows.id, rows.location, rows.product,
                template.default_uom.as_('unit'),
                rows.quantity, rows.start_quantity, rows.received,
                rows.issued, rows.first_receipt, rows.last_receipt,
                rows.last_issue,
                cls.value.sql_cast(rows.quantity * costs.cost_price
                    ).as_('value'),
                Case((average > EPSILON, rows.issued / average),
                    else_=Null).as_('turnover'),
                Case(((rows.quantity > EPSILON)
                        & (Coalesce(rows.last_issue, rows.first_receipt)
                            < cutoff), True),
                    else_=False).as_('slow_moving'),
                Literal(0).as_('create_uid'),
                Literal(Null).as_('create_date'),
                Literal(Null).as_('write_uid'),
                Literal(Null).as_('write_date')))

    @classmethod
    def get_days_without_issue(cls, records, name):
        _, date_end = _period()
        result = {}
        for record in records:
            since = record.last_issue or record.first_receipt
            result[record.id] = (date_end - since).days if since else None
        return result


class StockOut(ModelSQL, ModelView):
    "Stock-outs"
    __name__ = 'yuexing.material.stockout'
    location = fields.Many2One('stock.location', "Location")
    product = fields.Many2One('product.product', "Material")
    unit = fields.Many2One('product.uom', "Unit")
    quantity = fields.Float(
        "Quantity", digits=(16, 4), help="On hand at the end of the period.")
    minimum = fields.Float(
        "Safety Stock", digits=(16, 4),
        help="The minimal quantity of the location's order point.")
    stockouts = fields.Integer(
        "Stock-outs",
        help="Moves of the period that left the location with nothing "
        "(≤ 0) of the material.")
    below_minimum = fields.Integer(
        "Below Safety Stock",
        help="Moves of the period that took the stock under the order "
        "point's minimal quantity.")
    last_stockout = fields.Date("Last Stock-out")
    waiting = fields.Float(
        "Waiting Requisitions", digits=(16, 4),
        help="Quantity of the requisitions waiting for approval or issue "
        "from this location (today).")
    unserved_lines = fields.Integer(
        "Unserved Lines",
        help="Lines of waiting requisitions the location cannot serve: "
        "together they ask for more than it holds.")
    shortage = fields.Float(
        "Shortage", digits=(16, 4),
        help="What the waiting requisitions ask for beyond the stock.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('stockouts', 'DESC'), ('unserved_lines', 'DESC'),
            ('below_minimum', 'DESC'), ('location', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Location = pool.get('stock.location')
        OrderPoint = pool.get('stock.order_point')
        Configuration = pool.get('yuexing.configuration')
        company = Transaction().context.get('company', -1)
        date_start, date_end = _period()
        sides, location, _, query = _sides(date_end)
        # the balance after each move, per location and material
        running = query.select(
            sides.location, sides.product, sides.date, sides.key,
            sides.quantity,
            Sum(sides.quantity, window=Window(
                    [sides.location, sides.product],
                    order_by=[sides.date.asc, sides.key.asc],
                    frame='ROWS', start=None, end=0)).as_('balance'),
            where=_location_filter(location))
        # the safety stock: an internal order point on the location, or a
        # purchase one on the warehouse of which it is the storage zone
        point = OrderPoint.__table__()
        warehouse = Location.__table__()
        point_location = Coalesce(warehouse.storage_location, point.location)
        minimums = point.join(warehouse, 'LEFT',
            condition=(warehouse.id == point.location)
            & (warehouse.type == 'warehouse')
            ).select(
                point_location.as_('location'),
                point.product.as_('product'),
                Max(point.min_quantity).as_('minimum'),
                where=(point.company == company)
                & (point.min_quantity != Null),
                group_by=[point_location, point.product])
        before = running.balance - running.quantity
        in_period = running.date >= date_start
        emptied = in_period & (running.balance < EPSILON) & (
            before >= EPSILON)
        minimum = Coalesce(minimums.minimum, 0.0)
        under = (in_period & (minimums.minimum != Null)
            & (running.balance < minimum - EPSILON)
            & (before >= minimum - EPSILON))
        events = running.join(minimums, 'LEFT',
            condition=(minimums.location == running.location)
            & (minimums.product == running.product)
            ).select(
                Min(running.key).as_('id'),
                running.location.as_('location'),
                running.product.as_('product'),
                Sum(running.quantity).as_('quantity'),
                Max(minimums.minimum).as_('minimum'),
                Sum(Case((emptied, 1), else_=0)).as_('stockouts'),
                Sum(Case((under, 1), else_=0)).as_('below_minimum'),
                Max(Case((emptied, running.date), else_=Null)
                    ).as_('last_stockout'),
                group_by=[running.location, running.product])
        # waiting requisitions are served from the central warehouse
        with without_check_access():
            warehouse_storage, _, _ = Configuration.material_locations()
        waiting = cls._waiting_requisitions()
        shortage = Coalesce(waiting.quantity, 0.0) - events.quantity
        product = Product.__table__()
        template = Template.__table__()
        return (events
            .join(product, condition=events.product == product.id)
            .join(template, condition=product.template == template.id)
            .join(waiting, 'LEFT',
                condition=(waiting.product == events.product)
                & (events.location == warehouse_storage.id))
            .select(
                events.id, events.location, events.product,
                template.default_uom.as_('unit'),
                events.quantity, events.minimum, events.stockouts,
                events.below_minimum, events.last_stockout,
                waiting.quantity.as_('waiting'),
                Case((shortage > EPSILON, waiting.lines), else_=0
                    ).as_('unserved_lines'),
                Case((shortage > EPSILON, shortage), else_=0.0
                    ).as_('shortage'),
                Literal(0).as_('create_uid'),
                Literal(Null).as_('create_date'),
                Literal(Null).as_('write_uid'),
                Literal(Null).as_('write_date')))

    @classmethod
    def _waiting_requisitions(cls):
        """Per material, the lines and the quantity (stock unit) of the
        issue requisitions waiting for approval or issue."""
        pool = Pool()
        Requisition = pool.get('yuexing.material.requisition')
        Line = pool.get('yuexing.material.requisition.line')
        company = Transaction().context.get('company', -1)
        requisition = Requisition.__table__()
        line = Line.__table__()
        quantity, join = in_default_unit(line, line.product, line.unit)
        return join(line.join(requisition,
                condition=line.requisition == requisition.id)).select(
            line.product.as_('product'),
            Count(line.id).as_('lines'),
            Sum(quantity).as_('quantity'),
            where=(requisition.kind == 'issue')
            & requisition.state.in_(['pending', 'approved'])
            & (requisition.company == company),
            group_by=[line.product])


def in_default_unit(table, product_column, unit_column):
    """(expression, join) converting table's quantity in unit_column to
    the material's stock unit in SQL, as Template.quantity_in_default_unit
    does: the same unit, Tryton's factor in the same kind of unit, else
    the material's unit conversion (the quantity as is when none)."""
    pool = Pool()
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    Conversion = pool.get('yuexing.material.unit_conversion')
    product = Product.__table__()
    template = Template.__table__()
    unit = Uom.__table__()
    default = Uom.__table__()
    conversion = Conversion.__table__()
    quantity = Case(
        (unit.id == default.id, table.quantity),
        (unit.category == default.category,
            table.quantity * unit.factor / default.factor),
        else_=table.quantity * Coalesce(conversion.factor, 1.0))

    def join(from_):
        return (from_
            .join(product, condition=product_column == product.id)
            .join(template, condition=product.template == template.id)
            .join(unit, condition=unit_column == unit.id)
            .join(default, condition=template.default_uom == default.id)
            .join(conversion, 'LEFT',
                condition=(conversion.template == template.id)
                & (conversion.unit == unit.id)))
    return quantity, join


class StockValueXlsx(XlsxReport):
    "Stock Value by Location (xlsx)"
    __name__ = 'yuexing.material.stock_value.xlsx'
    columns = ('location', 'product', 'quantity', 'unit', 'cost_price',
        'value')


class AgeingXlsx(XlsxReport):
    "Stock Ageing (xlsx)"
    __name__ = 'yuexing.material.ageing.xlsx'
    columns = ('location', 'product', 'unit', 'quantity', 'value',
        'start_quantity', 'received', 'issued', 'first_receipt',
        'last_receipt', 'last_issue', 'days_without_issue', 'turnover',
        'slow_moving')


class StockOutXlsx(XlsxReport):
    "Stock-outs (xlsx)"
    __name__ = 'yuexing.material.stockout.xlsx'
    columns = ('location', 'product', 'unit', 'quantity', 'minimum',
        'stockouts', 'below_minimum', 'last_stockout', 'waiting',
        'unserved_lines', 'shortage')
