import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import CompanyTestMixin, set_company
from trytond.modules.yuexing_account.tests.tools import (
    account,
    setup_books,
    tax,
)
from trytond.modules.yuexing_base.demo import DemoContext, DemoOptions
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_customer,
    create_user,
    setup_company,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

REQUIRED_CODES = [
    '1001', '1002', '1012', '101201', '101202', '1122', '1123', '1221',
    '122101', '1403', '1405', '1601', '2202', '2203', '2204', '2211',
    '2221', '222101', '22210101', '22210102', '222102', '2241', '224101',
    '224102', '4001', '4103', '5401', '540101', '540102', '540103',
    '540104', '6001', '6051', '6401', '6601', '6602', '6603', '660301',
    '6702', '6711']


class YuexingAccountTestCase(CompanyTestMixin, ModuleTestCase):
    "Test yuexing_account module"
    module = 'yuexing_account'
    language = 'zh_CN'


class BooksTestCase(FunctionalTestCase):
    "Books of a company from the 企业会计准则 chart"
    module = 'yuexing_account'

    @with_transaction()
    def test_setup_creates_chart_and_defaults(self):
        pool = Pool()
        Account = pool.get('account.account')
        Configuration = pool.get('account.configuration')
        FiscalYear = pool.get('account.fiscalyear')
        Period = pool.get('account.period')
        Journal = pool.get('account.journal')
        Method = pool.get('account.invoice.payment.method')
        Setup = pool.get('yuexing.account.setup')
        Date = pool.get('ir.date')
        company = setup_books()
        # Idempotent: a second run changes nothing.
        Setup.setup_company(company)
        with set_company(company):
            codes = {a.code for a in Account.search([
                        ('company', '=', company.id)])}
            self.assertLessEqual(set(REQUIRED_CODES), codes)
            self.assertTrue(account(company, '1122').type.receivable)
            self.assertTrue(account(company, '1122').party_required)
            self.assertTrue(account(company, '2202').type.payable)
            self.assertTrue(account(company, '6001').type.revenue)
            self.assertTrue(account(company, '6401').type.expense)
            self.assertEqual(account(company, '101201').name, '微信支付')
            self.assertEqual(
                account(company, '101201').parent.code, '1012')
            config = Configuration(1)
            self.assertEqual(config.default_account_receivable.code, '1122')
            self.assertEqual(config.default_account_payable.code, '2202')
            self.assertEqual(
                config.default_category_account_revenue.code, '6001')
            self.assertEqual(
                config.default_category_account_expense.code, '6401')
            year = Date.today().year
            years = FiscalYear.search([('company', '=', company.id)])
            self.assertEqual(
                sorted(f.name for f in years), [str(year), str(year + 1)])
            self.assertEqual(Period.search([
                        ('fiscalyear', 'in', [f.id for f in years]),
                        ('type', '=', 'standard'),
                        ], count=True), 24)
            self.assertTrue(all(
                    f.move_sequence and f.invoice_sequences for f in years))
            self.assertEqual(
                {j.code for j in Journal.search([])} >= {
                    'REV', 'EXP', 'CASH', 'BANK', 'WXPAY', 'ALIPAY', 'XFER',
                    'GEN'}, True)
            methods = {m.name: m.debit_account.code for m in Method.search(
                    [('company', '=', company.id)])}
            self.assertEqual(methods, {
                    '现金': '1001', '银行转账': '1002', '微信支付': '101201',
                    '支付宝': '101202'})
            category = Setup.service_category()
            self.assertEqual(category.account_revenue.code, '6001')
            self.assertEqual(
                [t.rate for t in category.customer_taxes],
                [Decimal('0.09')])

    @with_transaction()
    def test_taxes_compute_on_their_accounts(self):
        pool = Pool()
        Tax = pool.get('account.tax')
        Date = pool.get('ir.date')
        company = setup_books()
        with set_company(company):
            for xml_id, rate, code in [
                    ('tax_vat_sale_13', '0.13', '22210102'),
                    ('tax_vat_sale_9', '0.09', '22210102'),
                    ('tax_vat_sale_6', '0.06', '22210102'),
                    ('tax_vat_sale_3', '0.03', '22210102'),
                    ('tax_vat_purchase_13', '0.13', '22210101'),
                    ('tax_vat_purchase_9', '0.09', '22210101'),
                    ('tax_vat_purchase_6', '0.06', '22210101'),
                    ('tax_vat_purchase_3', '0.03', '22210101'),
                    ]:
                vat = tax(company, xml_id)
                self.assertEqual(vat.rate, Decimal(rate))
                self.assertEqual(vat.invoice_account.code, code)
                self.assertEqual(vat.credit_note_account.code, code)
                line, = Tax.compute(
                    [vat], Decimal('1000.00'), 1, Date.today())
                self.assertEqual(line['amount'], Decimal('1000') * Decimal(
                        rate))
            self.assertEqual(tax(company, 'tax_vat_sale_9').group.kind,
                'sale')

    @with_transaction()
    def test_posted_invoice_balanced_and_statements_add_up(self):
        "A 9 % construction invoice: Dr 1122 / Cr 6001 + 22210102"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Account = pool.get('account.account')
        AccountType = pool.get('account.account.type')
        Journal = pool.get('account.journal')
        Date = pool.get('ir.date')
        company = setup_books()
        with set_company(company):
            customer = create_customer(
                '王先生', '13800138001', address='上海市浦东新区张江路100号')
            invoice = Invoice(
                type='out', party=customer,
                invoice_address=customer.address_get(),
                journal=Journal.search([('code', '=', 'REV')])[0],
                account=account(company, '1122'),
                invoice_date=Date.today(), company=company,
                currency=company.currency)
            invoice.lines = [{
                    'type': 'line', 'description': '屋面防水维修',
                    'quantity': 1, 'unit_price': Decimal('1000.00'),
                    'account': account(company, '6001').id,
                    'taxes': [tax(company, 'tax_vat_sale_9').id],
                    }]
            invoice.save()
            Invoice.post([invoice])
            self.assertEqual(invoice.total_amount, Decimal('1090.00'))
            move = invoice.move
            self.assertEqual(move.state, 'posted')
            amounts = {l.account.code: l.debit - l.credit
                for l in move.lines}
            self.assertEqual(amounts, {
                    '1122': Decimal('1090.00'),
                    '6001': Decimal('-1000.00'),
                    '22210102': Decimal('-90.00'),
                    })
            # Trial balance: all accounts sum to zero.
            accounts = Account.search([
                    ('company', '=', company.id), ('type', '!=', None)])
            self.assertEqual(
                sum((a.balance for a in accounts), Decimal(0)), Decimal(0))
            # Balance sheet and income statement types see the amounts.
            root_types = AccountType.search([
                    ('company', '=', company.id), ('parent', '=', None)])
            self.assertEqual(len(root_types), 1)
            assets, = AccountType.search([
                    ('company', '=', company.id), ('name', '=', '资产')])
            income, = AccountType.search([
                    ('company', '=', company.id), ('name', '=', '营业收入')])
            self.assertEqual(assets.amount, Decimal('1090.00'))
            self.assertEqual(income.amount, Decimal('1000.00'))

    @with_transaction()
    def test_finance_role_reads_moves_customer_service_denied(self):
        pool = Pool()
        Move = pool.get('account.move')
        company = setup_books()
        finance = create_user('caiwu_t', ['group_finance'], company=company)
        service = create_user(
            'kefu_t', ['group_customer_service'], company=company)
        with acting_as(finance):
            self.assertEqual(Move.search([]), [])
        from trytond.model.exceptions import AccessError
        with acting_as(service):
            with self.assertRaises(AccessError):
                Move.search([])

    @with_transaction()
    def test_demo_step_builds_books(self):
        pool = Pool()
        Demo = pool.get('yuexing.demo')
        Account = pool.get('account.account')
        steps = [m for m, _ in Demo.steps()]
        self.assertLess(steps.index('demo_setup'), steps.index('demo_books'))
        self.assertIn('demo_books', steps)
        company = setup_company()
        ctx = DemoContext(DemoOptions())
        ctx.records['company'] = company
        Demo.demo_books(ctx)
        self.assertTrue(Account.search([('company', '=', company.id)]))
        # Dates of periods are continuous for the current year.
        Period = pool.get('account.period')
        today = pool.get('ir.date').today()
        with set_company(company):
            period = Period.find(company, date=today)
            self.assertLessEqual(period.start_date, today)
            self.assertEqual(period.start_date.day, 1)
            self.assertIsInstance(period.end_date, dt.date)


del ModuleTestCase
