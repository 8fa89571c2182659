"""Material settings on the company configuration (业务配置): where stock
lives and how strict the van stock is."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


def _ref(xml_id):
    ModelData = Pool().get('ir.model.data')
    module, _, name = xml_id.partition('.')
    try:
        return ModelData.get_id(module, name)
    except KeyError:
        return None


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    material_warehouse = fields.Many2One(
        'stock.location', "Central Warehouse",
        domain=[('type', '=', 'warehouse')],
        help="Requisitions are issued from and returns go back to its "
        "storage zone; its order points trigger the purchase requests.")
    van_parent = fields.Many2One(
        'stock.location', "Van Stock Zone",
        domain=[('type', 'in', ['storage', 'view'])],
        help="Parent location of the technicians' vans (车载库存).")
    consumption_location = fields.Many2One(
        'stock.location', "Consumption Location",
        domain=[('type', '=', 'customer')],
        help="Where materials used on site go (工单耗用).")
    allow_negative_van_stock = fields.Boolean(
        "Allow Negative Van Stock",
        help="Book a consumption larger than the van holds (a warning is "
        "sent to the warehouse) instead of refusing it.")
    expiry_warning_days = fields.Integer(
        "Batch Expiry Warning (days)",
        domain=['OR', ('expiry_warning_days', '=', None),
            ('expiry_warning_days', '>=', 0)],
        help="Batches expiring within this many days are warned.")
    tool_loan_days = fields.Integer(
        "Tool Loan (days)",
        domain=['OR', ('tool_loan_days', '=', None),
            ('tool_loan_days', '>', 0)],
        help="Default time a tool is lent for before it is overdue.")
    slow_mover_days = fields.Integer(
        "Slow Mover (days)",
        domain=['OR', ('slow_mover_days', '=', None),
            ('slow_mover_days', '>', 0)],
        help="积压: stock without any issue for more than this many days.")

    @classmethod
    def default_material_warehouse(cls):
        return _ref('stock.location_warehouse')

    @classmethod
    def default_van_parent(cls):
        return _ref('yuexing_material.location_vans')

    @classmethod
    def default_consumption_location(cls):
        return _ref('yuexing_material.location_consumption')

    @classmethod
    def default_allow_negative_van_stock(cls):
        return False

    @classmethod
    def default_expiry_warning_days(cls):
        return 30

    @classmethod
    def default_tool_loan_days(cls):
        return 7

    @classmethod
    def default_slow_mover_days(cls):
        return 90

    @classmethod
    def material_locations(cls):
        """(warehouse storage, van parent, consumption) of the configuration
        (the defaults when the singleton was made before this module)."""
        Location = Pool().get('stock.location')
        config = cls(1)
        warehouse = (config.material_warehouse
            or Location(cls.default_material_warehouse()))
        van_parent = config.van_parent or Location(cls.default_van_parent())
        consumption = (config.consumption_location
            or Location(cls.default_consumption_location()))
        return warehouse.storage_location, van_parent, consumption
