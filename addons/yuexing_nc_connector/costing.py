"""成本核算: cost per work order (material, labour, subcontract, indirect)
with customer and region, revenue and gross margin; exported to xlsx.
Indirect costs are the work-order rate on direct cost, or a period's pool
allocated by labour hours (configuration ``indirect_basis``)."""
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sql import Literal, Null
from sql.aggregate import Max, Sum
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.yuexing_base.xlsx import XlsxReport
from trytond.pool import Pool
from trytond.pyson import Eval

CENT = Decimal('0.01')


class Costing(ModelSQL, ModelView):
    "Work Order Costing"
    __name__ = 'yuexing.nc.costing'
    work_order = fields.Many2One('yuexing.work_order', "Work Order")
    customer = fields.Many2One('party.party', "Customer",
        context={'company': Eval('company', -1)}, depends=['company'])
    district = fields.Many2One('country.subdivision', "Region")
    company = fields.Many2One('company.company', "Company")
    date = fields.Date("Last Cost Date")
    material = fields.Numeric("Material", digits=(16, 2))
    labour = fields.Numeric("Labour", digits=(16, 2))
    subcontract = fields.Numeric("Subcontract", digits=(16, 2))
    indirect = fields.Numeric("Indirect", digits=(16, 2))
    cost = fields.Numeric("Total Cost", digits=(16, 2))
    revenue = fields.Function(
        fields.Numeric("Revenue", digits=(16, 2)), 'get_margin')
    gross_margin = fields.Function(
        fields.Numeric("Gross Margin", digits=(16, 2)), 'get_margin')
    margin_rate = fields.Function(
        fields.Float("Margin Rate", digits=(4, 4)), 'get_margin')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('work_order', 'DESC'), ('id', 'DESC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        cost = pool.get('yuexing.work_order.cost').__table__()
        order = pool.get('yuexing.work_order').__table__()

        def kind(name):
            return Sum(Case((cost.kind == name, cost.amount),
                    else_=Literal(0)))
        return cost.join(order, condition=cost.work_order == order.id
            ).select(
            order.id.as_('id'),
            order.id.as_('work_order'),
            order.customer.as_('customer'),
            order.district.as_('district'),
            order.company.as_('company'),
            Max(cost.date).as_('date'),
            kind('material').as_('material'),
            kind('labour').as_('labour'),
            kind('subcontract').as_('subcontract'),
            kind('indirect').as_('indirect'),
            Sum(Coalesce(cost.amount, 0)).as_('cost'),
            Literal(0).as_('create_uid'),
            Max(cost.create_date).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'),
            group_by=[order.id, order.customer, order.district,
                order.company])

    @classmethod
    def get_margin(cls, records, names):
        """Revenue: posted customer invoices of the order (lines whose
        origin is the order), else the confirmed quote's untaxed amount."""
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        orders = [r.work_order for r in records]
        invoiced = defaultdict(Decimal)
        for line in InvoiceLine.search([
                    ('origin', 'in', [str(o) for o in orders]),
                    ('invoice.state', 'in', ['posted', 'paid']),
                    ('invoice.type', '=', 'out')]):
            invoiced[line.origin.id] += line.amount
        result = {n: {} for n in names}
        for record in records:
            order = record.work_order
            revenue = invoiced.get(order.id)
            if revenue is None and order.quote and (
                    order.quote.state == 'confirmed'):
                revenue = order.quote.untaxed_amount
            margin = (revenue - record.cost) if revenue is not None else None
            if 'revenue' in names:
                result['revenue'][record.id] = revenue
            if 'gross_margin' in names:
                result['gross_margin'][record.id] = margin
            if 'margin_rate' in names:
                result['margin_rate'][record.id] = (
                    float(margin / revenue) if revenue else None)
        return result

    @classmethod
    def allocate_indirect(cls, company, start, end, pool_amount):
        """Spread an indirect cost pool over the orders by their labour
        hours (cost lines of kind labour between the dates); the new
        indirect cost lines are booked Dr 540104 / Cr 6602."""
        pool = Pool()
        CostLine = pool.get('yuexing.work_order.cost')
        Booking = pool.get('yuexing.nc.booking')
        hours = defaultdict(float)
        for line in CostLine.search([
                    ('kind', '=', 'labour'),
                    ('date', '>=', start), ('date', '<=', end),
                    ('work_order.company', '=', company.id)]):
            hours[line.work_order] += line.quantity or 0
        total = sum(hours.values())
        if not total:
            return []
        pool_amount = Decimal(pool_amount)
        values, left = [], pool_amount
        orders = sorted(hours, key=lambda o: o.id)
        for index, order in enumerate(orders):
            share = (left if index == len(orders) - 1 else
                (pool_amount * Decimal(hours[order] / total)).quantize(
                    CENT, ROUND_HALF_UP))
            left -= share
            values.append({
                    'work_order': order.id, 'kind': 'indirect',
                    'description': '间接费用分摊 %s～%s（%.1f 工时）' % (
                        start, end, hours[order]),
                    'quantity': 1, 'unit_cost': share, 'date': end,
                    })
        lines = CostLine.create(values)
        Booking.book_costs(orders)
        return lines


class CostingXlsx(XlsxReport):
    "Work Order Costing (xlsx)"
    __name__ = 'yuexing.nc.costing.xlsx'
    columns = ('work_order', 'customer', 'district', 'date', 'material',
        'labour', 'subcontract', 'indirect', 'cost', 'revenue',
        'gross_margin', 'margin_rate')
