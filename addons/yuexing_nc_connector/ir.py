from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('yuexing.nc.voucher|scan', "Create NC Vouchers"),
                ('yuexing.nc.voucher|push_due', "Push NC Vouchers"),
                ('yuexing.nc.sync|push_due', "Sync NC Master Data"),
                ])
