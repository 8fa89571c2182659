"""需求预测: the safety stock of the central warehouse from what went out of
it lately. An order point's minimum covers the demand during the supplier's
lead time plus safety days, its target a further cover period; the
replenishment run then asks for what the forecast needs (采购计划)."""
import datetime as dt
import math

from sql.aggregate import Sum

from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .location import company_id, company_today


class OrderPoint(metaclass=PoolMeta):
    __name__ = 'stock.order_point'

    daily_demand = fields.Float("Daily Demand", digits=(16, 2),
        readonly=True,
        help="Average quantity a day that left the warehouse over the "
        "forecast period (to the vans and to the orders).")
    forecast_date = fields.Date("Forecast Date", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'forecast': {
                    'invisible': Eval('type') != 'purchase',
                    'depends': ['type'],
                    },
                })

    @classmethod
    def demand(cls, products, warehouse, start, end):
        """{product id: quantity in the default unit} that left the
        warehouse's storage from start to end (one query)."""
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        move = Move.__table__()
        storage = Location.search([
                ('parent', 'child_of', [warehouse.storage_location.id])])
        cursor = Transaction().connection.cursor()
        cursor.execute(*move.select(
                move.product, Sum(move.internal_quantity),
                where=(move.state == 'done')
                & move.from_location.in_([l.id for l in storage])
                & ~move.to_location.in_([l.id for l in storage])
                & move.product.in_([p.id for p in products])
                & (move.company == company_id())
                & (move.effective_date >= start)
                & (move.effective_date <= end),
                group_by=[move.product]))
        return dict(cursor)

    @classmethod
    @ModelView.button
    def forecast(cls, points, days=90, safety_days=7, cover_days=30):
        """Minimum = demand × (lead time + safety days), target = minimum +
        demand × cover days, from the last days of demand. Points of
        materials nothing took keep their quantities."""
        pool = Pool()
        ProductSupplier = pool.get('purchase.product_supplier')
        today = company_today()
        start = today - dt.timedelta(days=days)
        by_warehouse = {}
        for point in points:
            if point.type == 'purchase':
                by_warehouse.setdefault(point.location, []
                    ).append(point)
        lead_times = {}
        for supplier in ProductSupplier.search([
                    ('template', 'in',
                        list({p.product.template.id for p in points})),
                    ], order=[('sequence', 'DESC'), ('id', 'DESC')]):
            # the first (preferred) supplier wins
            if supplier.lead_time is not None:
                lead_times[supplier.template.id] = supplier.lead_time.days
        to_write = []
        for warehouse, group in by_warehouse.items():
            demand = cls.demand(
                [p.product for p in group], warehouse, start, today)
            for point in group:
                daily = demand.get(point.product.id, 0) / days
                values = {'daily_demand': round(daily, 2),
                    'forecast_date': today}
                if daily:
                    lead = lead_times.get(point.product.template.id, 3)
                    # rounded first: 0.2 × 10 is 2.0000000000000004
                    minimum = math.ceil(round(daily * (lead + safety_days), 6))
                    values['min_quantity'] = minimum
                    values['target_quantity'] = minimum + math.ceil(
                        round(daily * cover_days, 6))
                to_write.extend(([point], values))
        if to_write:
            cls.write(*to_write)
