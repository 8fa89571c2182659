"""Work-order settings on the suite's configuration form."""
from decimal import Decimal

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Id
from trytond.transaction import Transaction


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    work_order_sequence = fields.Many2One(
        'ir.sequence', "Work Order Sequence",
        domain=[('sequence_type', '=',
                Id('yuexing_workorder', 'sequence_type_work_order'))])
    quote_sequence = fields.Many2One(
        'ir.sequence', "Quote Sequence",
        domain=[('sequence_type', '=',
                Id('yuexing_workorder', 'sequence_type_quote'))])
    acceptance_timeout = fields.Integer(
        "Acceptance Timeout (minutes)", required=True,
        domain=[('acceptance_timeout', '>', 0)],
        help="A technician who does not accept a dispatched order within "
        "this time loses it and the dispatcher is alerted.")
    pool_timeout = fields.Integer(
        "Grab Pool Timeout (minutes)", required=True,
        domain=[('pool_timeout', '>', 0)],
        help="An order nobody grabs within this time goes back to the "
        "dispatcher.")
    check_in_radius = fields.Integer(
        "Check-in Radius (metres)", required=True,
        domain=[('check_in_radius', '>', 0)],
        help="A check-in farther than this from the address is flagged.")
    vat_rate = fields.Numeric(
        "VAT Rate on Services", digits=(4, 4), required=True,
        domain=[('vat_rate', '>=', 0), ('vat_rate', '<', 1)],
        help="Construction services: 9 %.")
    max_open_orders = fields.Integer(
        "Technician Capacity", required=True,
        domain=[('max_open_orders', '>', 0)],
        help="Open orders at which a technician counts as fully loaded.")
    default_sla_policy = fields.Many2One(
        'yuexing.sla.policy', "Default SLA Policy")

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        # The configuration row may predate this module: give the new
        # required settings their defaults.
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for name in ['acceptance_timeout', 'pool_timeout', 'check_in_radius',
                'vat_rate', 'max_open_orders']:
            column = getattr(table, name)
            cursor.execute(*table.update(
                    [column], [getattr(cls, 'default_' + name)()],
                    where=column == None))  # noqa: E711

    def get_sequence(self, name):
        "The configured sequence, or the one the module installs."
        sequence = getattr(self, name + '_sequence')
        if not sequence:
            Sequence = Pool().get('ir.sequence')
            sequence = Sequence(self._default_sequence('sequence_' + name))
        return sequence

    @classmethod
    def default_work_order_sequence(cls):
        return cls._default_sequence('sequence_work_order')

    @classmethod
    def default_quote_sequence(cls):
        return cls._default_sequence('sequence_quote')

    @classmethod
    def _default_sequence(cls, xml_id):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('yuexing_workorder', xml_id)
        except KeyError:
            return None

    @classmethod
    def default_acceptance_timeout(cls):
        return 30

    @classmethod
    def default_pool_timeout(cls):
        return 60

    @classmethod
    def default_check_in_radius(cls):
        return 500

    @classmethod
    def default_vat_rate(cls):
        return Decimal('0.09')

    @classmethod
    def default_max_open_orders(cls):
        return 6
