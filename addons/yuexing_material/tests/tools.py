"""Fixtures of the material tests: the company, a technician with a van,
waterproofing materials and stock received in the central warehouse."""
from contextlib import contextmanager
from decimal import Decimal

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_workorder.tests.tools import (
    company_and_customer,
    create_technician,
)
from trytond.pool import Pool
from trytond.transaction import Transaction


def ref(xml_id):
    module, _, name = xml_id.partition('.')
    return Pool().get('ir.model.data').get_id(module, name)


def locations():
    "(warehouse storage, van zone, consumption) of the configuration."
    return Pool().get('yuexing.configuration').material_locations()


def create_material(name, uom, cost, category=None, spec=None,
        conversions=()):
    "A goods material (average cost) with unit conversions (unit, factor)."
    pool = Pool()
    Template = pool.get('product.template')
    values = {
        'name': name, 'type': 'goods',
        'default_uom': ref(uom), 'list_price': Decimal(cost) * 2,
        'cost_price_method': 'average',
        'specification': spec,
        'products': [('create', [{'cost_price': Decimal(cost)}])],
        'unit_conversions': [('create', [
                    {'unit': ref(u), 'factor': f} for u, f in conversions])],
        }
    if category:
        values['categories'] = [('add', [category.id])]
    template, = Template.create([values])
    return template.products[0]


def receive(product, quantity, unit_price, date=None):
    "Receive from the supplier into the warehouse storage (average cost)."
    pool = Pool()
    Move = pool.get('stock.move')
    Company = pool.get('company.company')
    Date = pool.get('ir.date')
    warehouse, _, _ = locations()
    company, = Company.search([], limit=1)
    move, = Move.create([{
                'product': product.id, 'quantity': quantity,
                'unit': product.default_uom.id,
                'from_location': ref('stock.location_supplier'),
                'to_location': warehouse.id,
                'unit_price': Decimal(unit_price),
                'currency': company.currency.id,
                'company': company.id,
                'effective_date': date or Date.today(),
                }])
    # a receipt without a purchase: Tryton warns of the missing origin
    with Transaction().set_context(_skip_warnings=True):
        Move.do([move])
    return move


def stock_of(location, product):
    Location = Pool().get('stock.location')
    return Location.stock([location], [product]).get(
        (location.id, product.id), 0)


@contextmanager
def material_world():
    """In the company's context: the company, a resident, a technician
    with a van and a log-in, a roll of membrane (10 ㎡ a roll) with 20
    rolls received at 100 then 130 (average 115)."""
    company, resident, park = company_and_customer()
    with set_company(company):
        technician = create_technician(company, '李师傅', user_login='li')
        membrane = create_material(
            'SBS改性沥青防水卷材', 'yuexing_base.uom_roll', '100',
            spec='3mm PY Ⅱ型 10㎡/卷',
            conversions=[('product.uom_square_meter', 0.1)])
        receive(membrane, 10, '100')
        receive(membrane, 10, '130')
        yield company, resident, technician, membrane
