"""材料浪费分析: per finished work order and material, the quote's estimate
against what was used on site, issued for the order and returned; the
difference, its rate and its cost, and the same grouped per technician
and per leak site. SQL views read with a period (the orders' completion
date), shown as lists and graphs and exported to xlsx."""
import datetime as dt

from sql import Literal, Null, Union
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.yuexing_base.xlsx import XlsxReport
from trytond.modules.yuexing_workorder.work_order import LEAK_SITES
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .location import company_today
from .report_stock import EPSILON, in_default_unit

# Construction is over: what was used is final.
FINISHED_STATES = ['to_accept', 'done', 'closed']


class WasteContext(ModelView):
    "Material Waste Context"
    __name__ = 'yuexing.material.waste.context'
    from_date = fields.Date(
        "From", required=True,
        domain=[If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')), ())],
        help="Orders whose construction was completed from this day.")
    to_date = fields.Date("To", required=True)
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


class Waste(ModelSQL, ModelView):
    "Material Waste per Order"
    __name__ = 'yuexing.material.waste'
    work_order = fields.Many2One('yuexing.work_order', "Work Order")
    completed = fields.Date("Completed")
    technician = fields.Many2One('company.employee', "Technician")
    leak_site = fields.Selection(LEAK_SITES, "Leak Site")
    product = fields.Many2One('product.product', "Material")
    unit = fields.Many2One('product.uom', "Unit")
    quoted = fields.Float(
        "Quoted", digits=(16, 4),
        help="The material lines of the order's current quote.")
    consumed = fields.Float(
        "Used", digits=(16, 4), help="Recorded as used on the order (消耗).")
    issued = fields.Float(
        "Issued", digits=(16, 4),
        help="Issued by requisitions for the order (to the van or "
        "straight to the order).")
    returned = fields.Float(
        "Returned", digits=(16, 4),
        help="Returned to the warehouse by requisitions of the order.")
    left_over = fields.Float(
        "Not Returned", digits=(16, 4),
        help="Issued − used − returned: still on the van or lost.")
    difference = fields.Float(
        "Difference", digits=(16, 4), help="Used − quoted.")
    waste_rate = fields.Float(
        "Waste Rate", digits=(16, 4), help="Difference ÷ quoted.")
    unit_cost = fields.Numeric(
        "Unit Cost", digits=(16, 4),
        help="Average cost of what was used (the quote's unit cost when "
        "nothing was).")
    quoted_cost = fields.Numeric(
        "Quoted Cost", digits=(16, 2), help="Quoted × unit cost.")
    consumed_cost = fields.Numeric(
        "Used Cost", digits=(16, 2), help="The stock value of what was used.")
    difference_cost = fields.Numeric(
        "Difference Cost", digits=(16, 2), help="Used cost − quoted cost.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('completed', 'DESC'), ('work_order', 'DESC'),
            ('id', 'ASC')]

    @classmethod
    def _sources(cls):
        """One row per quote line, consumption, issue and return of the
        orders, with the quantity in the material's stock unit in its own
        column."""
        pool = Pool()
        Order = pool.get('yuexing.work_order')
        QuoteLine = pool.get('yuexing.quote.line')
        Material = pool.get('yuexing.work_order.material')
        Requisition = pool.get('yuexing.material.requisition')
        RequisitionLine = pool.get('yuexing.material.requisition.line')
        Move = pool.get('stock.move')
        names = ['quoted', 'quote_cost', 'consumed', 'consumed_cost',
            'issued', 'returned']

        def row(key, order, product, **values):
            return [key.as_('key'), order.as_('work_order'),
                product.as_('product')] + [
                (values[n] if n in values else Literal(0.0)).as_(n)
                for n in names]

        order = Order.__table__()
        quote_line = QuoteLine.__table__()
        quoted, join = in_default_unit(
            quote_line, quote_line.product, quote_line.unit)
        quotes = join(quote_line.join(order,
                condition=quote_line.quote == order.quote)).select(
            *row(quote_line.id * 4, order.id, quote_line.product,
                quoted=quoted,
                quote_cost=quote_line.quantity * Coalesce(
                    quote_line.unit_cost, 0)),
            where=(quote_line.kind == 'material')
            & (quote_line.product != Null))

        material = Material.__table__()
        move = Move.__table__()
        used = material.join(move, condition=material.move == move.id
            ).select(
                *row(material.id * 4 + 1, material.work_order,
                    material.product,
                    consumed=move.internal_quantity,
                    consumed_cost=move.internal_quantity * Coalesce(
                        move.cost_price, 0)),
                where=move.state == 'done')

        requisition = Requisition.__table__()
        line = RequisitionLine.__table__()
        move = Move.__table__()
        quantity = move.internal_quantity
        moved = line.join(requisition,
            condition=line.requisition == requisition.id
            ).join(move, condition=line.move == move.id).select(
                *row(line.id * 4 + 2, requisition.work_order, line.product,
                    issued=Case((requisition.kind == 'issue', quantity),
                        else_=0.0),
                    returned=Case((requisition.kind == 'return', quantity),
                        else_=0.0)),
                where=(requisition.state == 'done')
                & (requisition.work_order != Null)
                & (move.state == 'done'))
        return Union(quotes, used, moved, all_=True)

    @classmethod
    def table_query(cls):
        pool = Pool()
        Order = pool.get('yuexing.work_order')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        context = Transaction().context
        today = company_today()
        date_end = context.get('to_date') or today
        date_start = context.get('from_date') or (
            date_end - dt.timedelta(days=90))
        sources = cls._sources()
        order = Order.__table__()
        product = Product.__table__()
        template = Template.__table__()
        totals = sources.join(order,
            condition=sources.work_order == order.id
            ).join(product, condition=sources.product == product.id
            ).join(template, condition=product.template == template.id
            ).select(
                Min(sources.key).as_('id'),
                sources.work_order.as_('work_order'),
                sources.product.as_('product'),
                Max(template.default_uom).as_('unit'),
                Max(order.completed_at).as_('completed_at'),
                Max(order.technician).as_('technician'),
                Max(order.leak_site).as_('leak_site'),
                *[Sum(getattr(sources, n)).as_(n) for n in [
                        'quoted', 'quote_cost', 'consumed', 'consumed_cost',
                        'issued', 'returned']],
                where=(template.type == 'goods')
                & (order.company == context.get('company', -1))
                & order.state.in_(FINISHED_STATES)
                & (order.completed_at >= dt.datetime.combine(
                        date_start, dt.time()))
                & (order.completed_at < dt.datetime.combine(
                        date_end + dt.timedelta(days=1), dt.time())),
                group_by=[sources.work_order, sources.product])
        unit_cost = Case(
            (totals.consumed > EPSILON,
                totals.consumed_cost / totals.consumed),
            (totals.quoted > EPSILON, totals.quote_cost / totals.quoted),
            else_=0.0)
        difference = totals.consumed - totals.quoted
        return totals.select(
            totals.id, totals.work_order, totals.product, totals.unit,
            cls.completed.sql_cast(totals.completed_at).as_('completed'),
            totals.technician, totals.leak_site,
            totals.quoted, totals.consumed, totals.issued, totals.returned,
            (totals.issued - totals.consumed - totals.returned
                ).as_('left_over'),
            difference.as_('difference'),
            Case((totals.quoted > EPSILON, difference / totals.quoted),
                else_=Null).as_('waste_rate'),
            cls.unit_cost.sql_cast(unit_cost).as_('unit_cost'),
            cls.quoted_cost.sql_cast(totals.quoted * unit_cost
                ).as_('quoted_cost'),
            cls.consumed_cost.sql_cast(totals.consumed_cost
                ).as_('consumed_cost'),
            cls.difference_cost.sql_cast(difference * unit_cost
                ).as_('difference_cost'),
            Literal(0).as_('create_uid'),
            Literal(Null).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'))


class _WasteGroup:
    "The waste of the orders summed by a column of the order."
    __slots__ = ()
    _group = None
    orders = fields.Integer("Orders")
    quoted_cost = fields.Numeric("Quoted Cost", digits=(16, 2))
    consumed_cost = fields.Numeric("Used Cost", digits=(16, 2))
    difference_cost = fields.Numeric(
        "Difference Cost", digits=(16, 2), help="Used cost − quoted cost.")
    waste_rate = fields.Float(
        "Waste Rate", digits=(16, 4),
        help="Difference cost ÷ quoted cost.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('difference_cost', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        waste = Pool().get('yuexing.material.waste').__table__()
        group = getattr(waste, cls._group)
        totals = waste.select(
            Min(waste.id).as_('id'),
            group.as_(cls._group),
            Count(waste.work_order, distinct=True).as_('orders'),
            Sum(waste.quoted_cost).as_('quoted_cost'),
            Sum(waste.consumed_cost).as_('consumed_cost'),
            Sum(waste.difference_cost).as_('difference_cost'),
            group_by=[group])
        return totals.select(
            totals.id, getattr(totals, cls._group), totals.orders,
            cls.quoted_cost.sql_cast(totals.quoted_cost).as_('quoted_cost'),
            cls.consumed_cost.sql_cast(totals.consumed_cost
                ).as_('consumed_cost'),
            cls.difference_cost.sql_cast(totals.difference_cost
                ).as_('difference_cost'),
            cls.waste_rate.sql_cast(Case((totals.quoted_cost > 0,
                        totals.difference_cost / totals.quoted_cost),
                    else_=Null)).as_('waste_rate'),
            Literal(0).as_('create_uid'),
            Literal(Null).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'))


class WasteTechnician(_WasteGroup, ModelSQL, ModelView):
    "Material Waste per Technician"
    __name__ = 'yuexing.material.waste.technician'
    _group = 'technician'
    technician = fields.Many2One('company.employee', "Technician")


class WasteLeakSite(_WasteGroup, ModelSQL, ModelView):
    "Material Waste per Leak Site"
    __name__ = 'yuexing.material.waste.leak_site'
    _group = 'leak_site'
    leak_site = fields.Selection(LEAK_SITES, "Leak Site")


class WasteXlsx(XlsxReport):
    "Material Waste (xlsx)"
    __name__ = 'yuexing.material.waste.xlsx'
    columns = ('work_order', 'completed', 'technician', 'leak_site',
        'product', 'unit', 'quoted', 'consumed', 'issued', 'returned',
        'left_over', 'difference', 'waste_rate', 'unit_cost', 'quoted_cost',
        'consumed_cost', 'difference_cost')


class WasteTechnicianXlsx(XlsxReport):
    "Material Waste per Technician (xlsx)"
    __name__ = 'yuexing.material.waste.technician.xlsx'
    columns = ('technician', 'orders', 'quoted_cost', 'consumed_cost',
        'difference_cost', 'waste_rate')


class WasteLeakSiteXlsx(XlsxReport):
    "Material Waste per Leak Site (xlsx)"
    __name__ = 'yuexing.material.waste.leak_site.xlsx'
    columns = ('leak_site', 'orders', 'quoted_cost', 'consumed_cost',
        'difference_cost', 'waste_rate')
