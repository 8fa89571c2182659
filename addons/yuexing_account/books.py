"""Books of a company from the 企业会计准则 chart: accounts, taxes, default
accounts, fiscal years with monthly periods and sequences, payment methods
per channel and the accounting product categories. Idempotent."""
import datetime as dt

from trytond.model import Model
from trytond.pool import Pool
from trytond.transaction import Transaction

CHART = 'account_template_cn_root'

# Default accounts (codes of the chart).
RECEIVABLE = '1122'
PAYABLE = '2202'
REVENUE = '6001'
EXPENSE = '6401'

# Journal code → (xml id, type); REV, EXP, CASH come from the account module.
JOURNALS = {
    'REV': ('account', 'journal_revenue', 'revenue'),
    'EXP': ('account', 'journal_expense', 'expense'),
    'CASH': ('account', 'journal_cash', 'cash'),
    'BANK': ('yuexing_account', 'journal_bank', 'cash'),
    'WXPAY': ('yuexing_account', 'journal_wxpay', 'cash'),
    'ALIPAY': ('yuexing_account', 'journal_alipay', 'cash'),
    'XFER': ('yuexing_account', 'journal_transfer', 'general'),
    'GEN': ('yuexing_account', 'journal_general', 'general'),
    }

# Payment method (收款方式) name, journal code, account code.
PAYMENT_METHODS = [
    ("现金", 'CASH', '1001'),
    ("银行转账", 'BANK', '1002'),
    ("微信支付", 'WXPAY', '101201'),
    ("支付宝", 'ALIPAY', '101202'),
    ]

# Accounting product categories: name, revenue, expense, customer tax xml
# id, supplier tax xml id.
CATEGORIES = [
    ("防水施工服务", '6001', '6401', 'tax_vat_sale_9', 'tax_vat_purchase_9'),
    ("防水材料销售", '6051', '6401', 'tax_vat_sale_13',
        'tax_vat_purchase_13'),
    ]
SERVICE_CATEGORY = CATEGORIES[0][0]
GOODS_CATEGORY = CATEGORIES[1][0]


class Setup(Model):
    "Books Set-up"
    __name__ = 'yuexing.account.setup'

    @classmethod
    def setup_company(cls, company, years=None):
        """Create (or complete) the books of the company; returns the
        company. years: the fiscal years to open (default this year and
        the next)."""
        Date = Pool().get('ir.date')
        if years is None:
            today = Date.today()
            years = [today.year, today.year + 1]
        transaction = Transaction()
        with transaction.set_context(
                company=company.id, _check_access=False,
                _skip_warnings=True):
            cls.create_chart(company)
            cls.configure_defaults(company)
            for year in years:
                cls.create_fiscalyear(company, year)
            cls.create_payment_methods(company)
            cls.create_categories(company)
            cls.grant_roles()
        return company

    @classmethod
    def grant_roles(cls):
        """财务 inherits the accesses of Tryton's Accounting group (menus,
        moves, invoices, reports); 管理层 reads them."""
        pool = Pool()
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        finance = Group(ModelData.get_id('yuexing_base', 'group_finance'))
        account = Group(ModelData.get_id('account', 'group_account'))
        if finance.parent != account:
            Group.write([finance], {'parent': account.id})

    @classmethod
    def accounts(cls, company):
        "{code: account} of the company."
        Account = Pool().get('account.account')
        return {a.code: a for a in Account.search([
                    ('company', '=', company.id),
                    ('code', '!=', None),
                    ])}

    @classmethod
    def account(cls, company, code):
        "The account of the company with this code (KeyError if missing)."
        Account = Pool().get('account.account')
        accounts = Account.search([
                ('company', '=', company.id),
                ('code', '=', code),
                ], limit=1)
        if not accounts:
            raise KeyError(code)
        return accounts[0]

    @classmethod
    def tax(cls, company, xml_id):
        "The company's tax created from the template yuexing_account.<id>."
        pool = Pool()
        Tax = pool.get('account.tax')
        ModelData = pool.get('ir.model.data')
        template = ModelData.get_id('yuexing_account', xml_id)
        taxes = Tax.search([
                ('company', '=', company.id),
                ('template', '=', template),
                ], limit=1)
        if not taxes:
            raise KeyError(xml_id)
        return taxes[0]

    @classmethod
    def journal(cls, code):
        Journal = Pool().get('account.journal')
        journal, = Journal.search([('code', '=', code)], limit=1)
        return journal

    @classmethod
    def create_chart(cls, company):
        pool = Pool()
        Account = pool.get('account.account')
        AccountTemplate = pool.get('account.account.template')
        ModelData = pool.get('ir.model.data')
        CreateChart = pool.get('account.create_chart', type='wizard')
        if Account.search([('company', '=', company.id)], limit=1):
            return
        template = AccountTemplate(
            ModelData.get_id('yuexing_account', CHART))
        session_id, _, _ = CreateChart.create()
        try:
            wizard = CreateChart(session_id)
            wizard.account.account_template = template
            wizard.account.company = company
            wizard.transition_create_account()
        finally:
            CreateChart.delete(session_id)

    @classmethod
    def configure_defaults(cls, company):
        pool = Pool()
        Configuration = pool.get('account.configuration')
        accounts = cls.accounts(company)
        config = Configuration(1)
        config.default_account_receivable = accounts[RECEIVABLE]
        config.default_account_payable = accounts[PAYABLE]
        config.default_category_account_revenue = accounts[REVENUE]
        config.default_category_account_expense = accounts[EXPENSE]
        config.save()

    @classmethod
    def create_fiscalyear(cls, company, year):
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        Sequence = pool.get('ir.sequence.strict')
        ModelData = pool.get('ir.model.data')
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        if FiscalYear.search([
                    ('company', '=', company.id),
                    ('start_date', '<=', end),
                    ('end_date', '>=', start),
                    ], limit=1):
            return
        move_type = ModelData.get_id('account', 'sequence_type_account_move')
        invoice_type = ModelData.get_id(
            'account_invoice', 'sequence_type_account_invoice')
        sequences = Sequence.create([{
                    'name': '%d %s' % (year, name),
                    'sequence_type': type_,
                    'company': company.id,
                    'prefix': prefix,
                    'padding': 6,
                    } for name, type_, prefix in [
                    ("凭证", move_type, 'JZ%d-' % year),
                    ("销售发票", invoice_type, 'XS%d-' % year),
                    ("销售红字发票", invoice_type, 'XH%d-' % year),
                    ("采购发票", invoice_type, 'CG%d-' % year),
                    ("采购红字发票", invoice_type, 'CH%d-' % year),
                    ]])
        move, out_invoice, out_credit, in_invoice, in_credit = sequences
        fiscalyear, = FiscalYear.create([{
                    'name': '%d' % year,
                    'company': company.id,
                    'start_date': start,
                    'end_date': end,
                    'move_sequence': move.id,
                    'invoice_sequences': [('create', [{
                                    'company': company.id,
                                    'out_invoice_sequence': out_invoice.id,
                                    'out_credit_note_sequence': out_credit.id,
                                    'in_invoice_sequence': in_invoice.id,
                                    'in_credit_note_sequence': in_credit.id,
                                    }])],
                    }])
        FiscalYear.create_period([fiscalyear])
        return fiscalyear

    @classmethod
    def create_payment_methods(cls, company):
        pool = Pool()
        Method = pool.get('account.invoice.payment.method')
        accounts = cls.accounts(company)
        existing = {m.name for m in Method.search([
                    ('company', '=', company.id)])}
        Method.create([{
                    'company': company.id,
                    'name': name,
                    'journal': cls.journal(journal).id,
                    'debit_account': accounts[code].id,
                    'credit_account': accounts[code].id,
                    } for name, journal, code in PAYMENT_METHODS
                if name not in existing])

    @classmethod
    def create_categories(cls, company):
        pool = Pool()
        Category = pool.get('product.category')
        accounts = cls.accounts(company)
        existing = {c.name: c for c in Category.search([
                    ('accounting', '=', True),
                    ('name', 'in', [c[0] for c in CATEGORIES]),
                    ])}
        for name, revenue, expense, customer_tax, supplier_tax in (
                CATEGORIES):
            category = existing.get(name) or Category(
                name=name, accounting=True)
            category.account_revenue = accounts[revenue]
            category.account_expense = accounts[expense]
            category.customer_taxes = [cls.tax(company, customer_tax)]
            category.supplier_taxes = [cls.tax(company, supplier_tax)]
            category.save()

    @classmethod
    def service_category(cls):
        Category = Pool().get('product.category')
        category, = Category.search([
                ('accounting', '=', True),
                ('name', '=', SERVICE_CATEGORY),
                ], limit=1)
        return category
