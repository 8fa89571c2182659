"""Fixtures of the payment tests: the company with its books (yuexing_account)
and the payment configuration pointing at the local fakes."""
from decimal import Decimal

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_account.tests.tools import setup_books
from trytond.modules.yuexing_base.tests.tools import create_customer
from trytond.modules.yuexing_workorder.tests.tools import (
    create_order,
    create_product,
    quote_and_confirm,
)
from trytond.pool import Pool
from trytond.transaction import Transaction

NOTIFY_BASE = 'https://erp.yuexing.example'


class PaymentFakes:
    "Mixin of test cases: the fakes of WeChat Pay and Alipay for the class."

    @classmethod
    def setUpClass(cls):
        from .fakes import FakeAlipay, FakeWeChatPay
        cls.wechatpay = FakeWeChatPay().start()
        cls.alipay_fake = FakeAlipay().start()
        cls.addClassCleanup(cls.wechatpay.stop)
        cls.addClassCleanup(cls.alipay_fake.stop)
        super().setUpClass()


def configure_fakes(wechatpay=None, alipay=None, **values):
    "The payment configuration pointing at the fakes (committed by caller)."
    Configuration = Pool().get('yuexing.configuration')
    config = Configuration(1)
    settings = {'payment_notify_base': NOTIFY_BASE}
    if wechatpay:
        settings.update(wechatpay.settings())
        settings['wechat_app_id'] = wechatpay.app_id
    if alipay:
        settings.update(alipay.settings())
    settings.update(values)
    Configuration.write([config], settings)


def payment_world(wechatpay=None, alipay=None):
    """(company, resident, park, membrane, labour): 月星防水 with its books,
    a resident and a business park, two products."""
    from trytond.modules.yuexing_base.tests.tools import load_regions
    del load_regions
    company = setup_books()
    Configuration = Pool().get('yuexing.configuration')
    Configuration.setup_payment_books(company)
    configure_fakes(wechatpay, alipay)
    resident = create_customer(name='王先生', phone='13800138000',
        address='上海市浦东新区张江路88号3号楼501')
    park = create_customer(name='张江高科园区', phone='021-50801234',
        customer_type='enterprise', address='上海市浦东新区碧波路690号')
    with set_company(company):
        membrane = create_product('SBS改性沥青防水卷材', '230', '165',
            'yuexing_base.uom_roll')
        labour = create_product('防水工人工', '80', '45', 'product.uom_hour',
            'service')
    return company, resident, park, membrane, labour


def confirmed_order(customer, lines, **values):
    "A work order whose quote the customer confirmed (billed if resident)."
    order = create_order(customer, leak_site='roof', **values)
    quote_and_confirm(order, lines)
    WorkOrder = Pool().get('yuexing.work_order')
    return WorkOrder(order.id)


def finish(order):
    """Bring a confirmed order to done (the visit and construction steps
    are the work-order module's business, tested there)."""
    pool = Pool()
    WorkOrder = pool.get('yuexing.work_order')
    Invoice = pool.get('account.invoice')
    WorkOrder.write([order], {'state': 'to_accept'})
    WorkOrder.mark_done([WorkOrder(order.id)])
    # what the queue worker does after the commit
    drafts = Invoice.search([('work_order', '=', order.id),
            ('state', '=', 'draft'), ('bill_kind', '=', 'order')])
    if drafts:
        Invoice.post(drafts)
    return WorkOrder(order.id)


def make_user(login, groups, company=None, **values):
    """create_user, forgetting the cached groups of its id (ids are
    reused by the rolled-back tests)."""
    from trytond.modules.yuexing_base.tests.tools import create_user
    user = create_user(login, groups, company=company, **values)
    cache = Pool().get('res.user')._get_groups_cache
    cache.clear()
    # the process-wide entry may be of a user of an earlier test database
    # with the same id
    getattr(cache, '_database_cache', {}).pop(
        Transaction().database.name, None)
    return user


def bill_of(order):
    Invoice = Pool().get('account.invoice')
    bills = Invoice.search([('work_order', '=', order.id)])
    return bills[0] if bills else None


def today():
    with Transaction().set_context(company=Transaction().context.get(
                'company')):
        return Pool().get('ir.date').today()


CENT = Decimal('0.01')
