"""Fixtures for work-order tests (and for the modules built on top)."""
import datetime as dt
from decimal import Decimal

from trytond.modules.yuexing_base.tests.tools import (
    create_customer,
    create_user,
    setup_company,
)
from trytond.pool import Pool
from trytond.transaction import Transaction

from ..demo import PNG  # noqa: F401 (tests attach it as a photo)


def create_technician(company, name, skills=(), adcode='310115',
        certificates=(), offset=0.0, user_login=None):
    """A technician based near a district, holding skills (code, level) and
    valid certificates (type codes)."""
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    Skill = pool.get('yuexing.skill')
    CertificateType = pool.get('yuexing.certificate.type')
    Subdivision = pool.get('country.subdivision')
    district = Subdivision.from_adcode(adcode)
    party, = Party.create([{'name': name}])
    employee, = Employee.create([{
                'party': party.id, 'company': company.id,
                'is_technician': True,
                'base_latitude': round(district.latitude + offset, 6),
                'base_longitude': round(district.longitude + offset, 6),
                'service_regions': [('add', [district.parent.id])],
                'skills': [('create', [{
                                'skill': Skill.from_code(code).id,
                                'level': level,
                                } for code, level in skills])],
                'certificates': [('create', [{
                                'type': CertificateType.search(
                                    [('code', '=', code)])[0].id,
                                'number': f'{name}-{code}',
                                'issue_date': dt.date(2020, 1, 1),
                                'expiry_date': dt.date(2099, 1, 1),
                                } for code in certificates])],
                }])
    if user_login:
        create_user(user_login, ['group_technician'], company=company,
            employees=[('add', [employee.id])], employee=employee.id)
    return employee


def create_product(name, price, cost, uom='product.uom_unit',
        type_='goods'):
    pool = Pool()
    Template = pool.get('product.template')
    ModelData = pool.get('ir.model.data')
    module, _, xml_id = uom.rpartition('.')
    template, = Template.create([{
                'name': name, 'type': type_,
                'default_uom': ModelData.get_id(module, xml_id),
                'list_price': Decimal(price),
                'products': [('create', [{'cost_price': Decimal(cost)}])],
                }])
    product, = template.products
    return product


def create_order(customer, **values):
    pool = Pool()
    WorkOrder = pool.get('yuexing.work_order')
    order = WorkOrder(
        customer=customer, company=Transaction().context.get('company'),
        **values)
    order.on_change_customer()
    if not getattr(order, 'description', None):
        order.description = '顶楼卧室天花板雨后渗水，面积约2平方米'
    if 'leak_site' in values:
        order.on_change_leak_site()
    order.save()
    return order


def quote_and_confirm(order, lines):
    """Quote the order with (product, quantity) lines, approve as root, send
    and have the customer confirm: the order becomes 待派工."""
    pool = Pool()
    Quote = pool.get('yuexing.quote')
    Line = pool.get('yuexing.quote.line')
    WorkOrder = pool.get('yuexing.work_order')
    if order.state == 'draft':
        WorkOrder.submit([order])
    quote = Quote.new_version(order)
    for product, quantity in lines:
        line = Line(quote=quote, quantity=quantity)
        line.product = product
        line.on_change_product()
        line.save()
    Quote.submit_approval([quote])
    while quote.state == 'pending':
        with Transaction().set_user(0):
            Quote.approve([quote])
    Quote.send([quote])
    Quote.confirm([quote])
    return quote


def attach_photos(record, count):
    Attachment = Pool().get('ir.attachment')
    Attachment.create([{
                'name': f'photo{i}.jpg', 'resource': str(record),
                'data': PNG} for i in range(count)])


def company_and_customer():
    "The company, a Pudong resident and a Pudong park, regions loaded."
    company = setup_company()
    resident = create_customer(
        name='王先生', phone='13800138000',
        address='上海市浦东新区张江路88号3号楼501')
    park = create_customer(
        name='张江高科园区', phone='021-50801234', customer_type='enterprise',
        address='上海市浦东新区碧波路690号')
    return company, resident, park
