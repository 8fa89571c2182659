"""With the NC connector: the cost of a repair under warranty is not the
cost of a sale but a warranty cost (售后质保费用), carried over to 6601
销售费用 instead of 6401 主营业务成本, and so pushed to NC."""
from trytond.pool import PoolMeta

WARRANTY_COST_ACCOUNT = '6601'


class Booking(metaclass=PoolMeta):
    __name__ = 'yuexing.nc.booking'

    @classmethod
    def carryover_account(cls, order):
        if order.warranty_covered:
            return WARRANTY_COST_ACCOUNT
        return super().carryover_account(order)
