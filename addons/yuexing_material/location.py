"""The technicians' vans (车载库存): a storage location per technician,
made with the technician, under the van zone of the configuration; and
the stock of a location at any date."""
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.yuexing_base.company_date import company_id, company_today  # noqa: F401
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .exceptions import StockShortage


class Location(metaclass=PoolMeta):
    __name__ = 'stock.location'

    van_of = fields.One2Many(
        'company.employee', 'van_location', "Van Of", readonly=True,
        help="The technician whose van this location is.")
    van_technician = fields.Function(
        fields.Many2One('company.employee', "Technician"),
        'get_van_technician')

    @classmethod
    def get_van_technician(cls, locations, name):
        return {l.id: l.van_of[0].id if l.van_of else None
            for l in locations}

    @classmethod
    def stock(cls, locations, products=None, date=None):
        """{(location id, product id): quantity in the default unit} of the
        locations (children included) at the end of date (today when
        None), for the products given or all."""
        pool = Pool()
        Product = pool.get('product.product')
        today = company_today()
        context = {
            # Tryton's stock computation takes today from the company
            'company': company_id(),
            'stock_date_end': date or today,
            'with_childs': True,
            }
        grouping_filter = None
        if products is not None:
            grouping_filter = ([p.id for p in products],)
        with Transaction().set_context(context):
            quantities = Product.products_by_location(
                [l.id for l in locations], with_childs=True,
                grouping_filter=grouping_filter)
        return {k: v for k, v in quantities.items() if v}

    @classmethod
    def check_stock(cls, moves):
        """Refuse moves taking more than their storage location holds.
        The source locations are locked first, so that concurrent takings
        of the last units book only what exists (the second transaction
        restarts and sees the first's moves). A van may go negative when
        the configuration allows it; the warehouse is told."""
        pool = Pool()
        Configuration = pool.get('yuexing.configuration')
        Message = pool.get('yuexing.message')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        wanted = defaultdict(float)
        for move in moves:
            if move.from_location.type == 'storage':
                wanted[move.from_location, move.product] += move.quantity
        if not wanted:
            return
        sources = sorted({l for l, _ in wanted}, key=lambda l: l.id)
        cls.lock(sources)
        held = cls.stock(sources, list({p for _, p in wanted}))
        allow_van = Configuration(1).allow_negative_van_stock
        negative = []
        for (location, product), quantity in sorted(
                wanted.items(), key=lambda i: (i[0][0].id, i[0][1].id)):
            available = held.get((location.id, product.id), 0)
            if quantity <= available + product.default_uom.rounding / 2:
                continue
            if allow_van and location.van_of:
                negative.append(location)
                continue
            raise StockShortage(gettext(
                    'yuexing_material.msg_stock_shortage',
                    material=product.rec_name, location=location.rec_name,
                    available=round(max(available, 0), 4),
                    unit=product.default_uom.symbol,
                    quantity=round(quantity, 4)))
        if negative:
            group = ModelData.get_id('yuexing_base', 'group_warehouse')
            Message.notify('van_negative', negative,
                users=User.search([('groups', '=', group)]))


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    van_location = fields.Many2One(
        'stock.location', "Van Stock", readonly=True, ondelete='RESTRICT',
        domain=[('type', '=', 'storage')],
        help="车载库存: the storage location of the technician's van.")

    @classmethod
    def create(cls, vlist):
        employees = super().create(vlist)
        cls.make_vans(employees)
        return employees

    @classmethod
    def write(cls, *args):
        super().write(*args)
        employees = sum(args[::2], [])
        cls.make_vans(employees)

    @classmethod
    def make_vans(cls, employees):
        "Give each technician without one a van location."
        pool = Pool()
        Location = pool.get('stock.location')
        Configuration = pool.get('yuexing.configuration')
        missing = [e for e in cls.browse(employees)
            if e.is_technician and not e.van_location]
        if not missing:
            return
        with without_check_access():
            _, van_parent, _ = Configuration.material_locations()
            vans = Location.create([{
                        'name': f'{e.party.name} 车载库存',
                        'code': f'VAN-{e.id:04d}',
                        'type': 'storage',
                        'parent': van_parent.id,
                        } for e in missing])
            to_write = []
            for employee, van in zip(missing, vans, strict=True):
                to_write.extend(([employee], {'van_location': van.id}))
            super().write(*to_write)

