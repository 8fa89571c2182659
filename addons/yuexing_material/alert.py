"""库存预警: the replenishment run (Tryton's order points → purchase
requests) tells the warehouse keepers what it newly asks to buy, and a daily
check warns them of the batches in stock that expire soon.

A batch's stock is attributed first-in first-out: the vans and the orders
take materials without naming the batch, so the quantity still in the
warehouse belongs to its latest receipts."""
import datetime as dt

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .location import company_id, company_today


def warehouse_keepers():
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    group = ModelData.get_id('yuexing_base', 'group_warehouse')
    return User.search([('groups', '=', group)])


class PurchaseRequest(metaclass=PoolMeta):
    __name__ = 'purchase.request'

    @classmethod
    def generate_requests(cls, products=None, warehouses=None):
        Message = Pool().get('yuexing.message')
        before = {(r.product.id, r.warehouse.id) for r in cls.search([
                    ('state', '=', 'draft'),
                    ('origin', 'like', 'stock.order_point,%')])}
        super().generate_requests(products=products, warehouses=warehouses)
        new = [r for r in cls.search([
                    ('state', '=', 'draft'),
                    ('origin', 'like', 'stock.order_point,%')],
                order=[('product', 'ASC')])
            if (r.product.id, r.warehouse.id) not in before]
        if new:
            # one digest per run, not one message per material
            Message.notify('replenish_needed', [],
                users=warehouse_keepers(), values={'requests': new})
        return new


class Lot(metaclass=PoolMeta):
    __name__ = 'stock.lot'

    @classmethod
    def expiring_in_stock(cls, days=None, date=None):
        """[(lot, quantity in the default unit)] of the batches of the
        central warehouse whose expiration date is within days of date,
        their stock attributed first-in first-out (two queries)."""
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Configuration = pool.get('yuexing.configuration')
        config = Configuration(1)
        if days is None:
            days = config.expiry_warning_days or 0
        date = date or company_today()
        horizon = date + dt.timedelta(days=days)
        warehouse, _, _ = Configuration.material_locations()
        receipts = Move.search([
                ('lot', '!=', None),
                ('lot.expiration_date', '!=', None),
                ('from_location.type', '=', 'supplier'),
                ('state', '=', 'done'),
                ], order=[('effective_date', 'DESC'), ('id', 'DESC')])
        products = list({m.product for m in receipts})
        if not products:
            return []
        on_hand = Location.stock([warehouse], products, date)
        left = {p.id: on_hand.get((warehouse.id, p.id), 0) for p in products}
        result = {}
        for move in receipts:  # newest first: they hold what is left
            product = move.product.id
            if left[product] <= 0:
                continue
            quantity = min(left[product], move.internal_quantity)
            left[product] -= quantity
            if move.lot.expiration_date <= horizon:
                result[move.lot] = result.get(move.lot, 0) + quantity
        return sorted(result.items(),
            key=lambda i: (i[0].expiration_date, i[0].id))

    @classmethod
    def warn_expiring(cls):
        "Cron: one message a day to the warehouse keepers if any batch."
        Message = Pool().get('yuexing.message')
        with Transaction().set_context(company=company_id()):
            lots = cls.expiring_in_stock()
        if lots:
            Message.notify('batch_expiring', [], users=warehouse_keepers(),
                values={'lots': [
                        {'lot': lot, 'quantity': round(quantity, 2)}
                        for lot, quantity in lots]})
        return lots


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('stock.lot|warn_expiring', "Warn of Expiring Batches"),
                ('yuexing.material.supplier.evaluation|evaluate_last_month',
                    "Evaluate Suppliers of Last Month"),
                ])

