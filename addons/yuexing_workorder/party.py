"""Customers as seen from work orders: the contract price list of enterprise
customers, and orders blocking the deletion of a customer."""
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    service_price_list = fields.Many2One(
        'product.price_list', "Contract Price List",
        states={'invisible': Eval('customer_type') != 'enterprise'},
        help="Prices agreed with an enterprise customer; its estimates and "
        "quotes use them.")
    work_orders = fields.One2Many(
        'yuexing.work_order', 'customer', "Work Orders", readonly=True)

    @classmethod
    def delete_blockers(cls):
        return super().delete_blockers() + [
            ('yuexing.work_order', 'customer')]

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('work_orders', None)
        return super().copy(parties, default=default)
