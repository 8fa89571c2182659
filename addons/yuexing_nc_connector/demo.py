"""Demo step: cost vouchers of the latest finished demo orders; pushed to
NC only when an NC URL is configured, otherwise left pending and visible
under 财务 › NC对接 › NC凭证."""
from trytond.pool import Pool, PoolMeta

DEMO_ORDERS = 30


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        return super().steps() + [('demo_nc', "NC凭证")]

    @classmethod
    def demo_nc(cls, ctx):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Booking = pool.get('yuexing.nc.booking')
        Voucher = pool.get('yuexing.nc.voucher')
        orders = [o for o in WorkOrder.search([
                    ('state', 'in', ['done', 'closed']),
                    ('completed_at', '!=', None),
                    ], order=[('completed_at', 'DESC')], limit=DEMO_ORDERS)
            if WorkOrder._books_open(o)]
        if orders:
            Booking.book_costs(orders)
            Booking.carry_over(orders)
        vouchers = Voucher.scan()
        ctx.records['nc_vouchers'] = vouchers
        Voucher.push_due()
