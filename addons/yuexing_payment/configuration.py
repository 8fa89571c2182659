"""The payment page of the configuration: merchant credentials of WeChat Pay
and Alipay (secrets better set on the server), timings, refund approval,
deposit, and the journals and accounts receipts are booked on."""
from decimal import Decimal

from trytond.model import fields
from trytond.modules.yuexing_base.encrypted import (
    Encrypted,
    secret_input,
    secret_status,
)
from trytond.pool import Pool, PoolMeta

PAYMENT_SECRETS = {
    'wechatpay_mch_id': ('yuexing_wechatpay', 'mch_id'),
    'wechatpay_serial_no': ('yuexing_wechatpay', 'serial_no'),
    'wechatpay_private_key': ('yuexing_wechatpay', 'private_key'),
    'wechatpay_api_v3_key': ('yuexing_wechatpay', 'api_v3_key'),
    'wechatpay_platform_key': ('yuexing_wechatpay', 'platform_key'),
    'wechatpay_platform_serial': ('yuexing_wechatpay', 'platform_serial'),
    'alipay_app_id': ('yuexing_alipay', 'app_id'),
    'alipay_private_key': ('yuexing_alipay', 'private_key'),
    'alipay_public_key': ('yuexing_alipay', 'alipay_public_key'),
    }
# Encrypted, never readable over RPC: server code calls
# Configuration.get_secret(name).
SECRET_FIELDS = ['wechatpay_private_key', 'wechatpay_api_v3_key',
    'alipay_private_key']


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    # ---- WeChat Pay v3 ------------------------------------------------------
    wechatpay_mch_id = fields.Char("WeChat Pay Merchant ID")
    wechatpay_app_id = fields.Char(
        "WeChat Pay AppID",
        help="Empty: the mini-program AppID.")
    wechatpay_serial_no = fields.Char("Merchant Certificate Serial")
    wechatpay_private_key = Encrypted("Merchant Private Key (PEM)")
    wechatpay_private_key_status = secret_status(
        "Merchant Private Key (PEM)")
    wechatpay_private_key_input = secret_input(fields.Text(
            "New Merchant Private Key (PEM)",
            help="Better set in the server configuration: "
            "TRYTOND_YUEXING_WECHATPAY__PRIVATE_KEY."))
    wechatpay_api_v3_key = Encrypted("API v3 Key")
    wechatpay_api_v3_key_status = secret_status("API v3 Key")
    wechatpay_api_v3_key_input = secret_input(fields.Char(
            "New API v3 Key", strip=False,
            help="Better set in the server configuration: "
            "TRYTOND_YUEXING_WECHATPAY__API_V3_KEY."))
    wechatpay_platform_key = fields.Text(
        "Platform Public Key or Certificate (PEM)")
    wechatpay_platform_serial = fields.Char(
        "Platform Key ID or Certificate Serial")
    wechatpay_api_base = fields.Char("WeChat Pay API Base URL",
        required=True)
    # ---- Alipay -------------------------------------------------------------
    alipay_app_id = fields.Char("Alipay AppID")
    alipay_private_key = Encrypted("Alipay App Private Key (PEM)")
    alipay_private_key_status = secret_status("Alipay App Private Key (PEM)")
    alipay_private_key_input = secret_input(fields.Text(
            "New Alipay App Private Key (PEM)",
            help="Better set in the server configuration: "
            "TRYTOND_YUEXING_ALIPAY__PRIVATE_KEY."))
    alipay_public_key = fields.Text("Alipay Public Key (PEM)")
    alipay_gateway = fields.Char("Alipay Gateway", required=True)
    # ---- behaviour ----------------------------------------------------------
    payment_notify_base = fields.Char(
        "Public Server URL",
        help="The https address WeChat Pay and Alipay call back, e.g. "
        "https://erp.example.com (the database and /api/v1/payments/notify/"
        "… are added).")
    payment_query_minutes = fields.Integer(
        "Query Pending Payments After (minutes)", required=True,
        domain=[('payment_query_minutes', '>=', 1)])
    payment_close_minutes = fields.Integer(
        "Close Unpaid Payments After (minutes)", required=True,
        domain=[('payment_close_minutes', '>=', 5)])
    refund_approval_amount = fields.Numeric(
        "Refunds Needing Approval Above", digits=(16, 2), required=True,
        domain=[('refund_approval_amount', '>=', 0)])
    deposit_rate = fields.Numeric(
        "Deposit Rate", digits=(4, 4), required=True,
        domain=[('deposit_rate', '>=', 0), ('deposit_rate', '<=', 1)],
        help="Share of a resident's bill asked as deposit (定金).")
    bill_due_days = fields.Integer(
        "Bill Due (days)", required=True,
        domain=[('bill_due_days', '>=', 0)])
    statement_due_days = fields.Integer(
        "Monthly Statement Due (days)", required=True,
        domain=[('statement_due_days', '>=', 0)])
    overdue_reminder_days = fields.Integer(
        "Remind Overdue Bills Every (days)", required=True,
        domain=[('overdue_reminder_days', '>=', 1)])
    # ---- accounting ---------------------------------------------------------
    payment_journal = fields.Many2One(
        'account.journal', "Receipt Journal (default)",
        domain=[('type', '=', 'cash')])
    wechat_journal = fields.Many2One(
        'account.journal', "WeChat Pay Journal")
    alipay_journal = fields.Many2One('account.journal', "Alipay Journal")
    cash_journal = fields.Many2One('account.journal', "Cash Journal")
    transfer_journal = fields.Many2One(
        'account.journal', "Bank Transfer Journal")
    wechat_account = fields.Many2One(
        'account.account', "WeChat Pay Account",
        domain=[('type', '!=', None), ('closed', '!=', True)])
    alipay_account = fields.Many2One(
        'account.account', "Alipay Account",
        domain=[('type', '!=', None), ('closed', '!=', True)])
    cash_account = fields.Many2One(
        'account.account', "Cash Account",
        domain=[('type', '!=', None), ('closed', '!=', True)])
    bank_account = fields.Many2One(
        'account.account', "Bank Account",
        domain=[('type', '!=', None), ('closed', '!=', True)])
    technician_cash_account = fields.Many2One(
        'account.account', "Cash Held by Technicians",
        domain=[('type', '!=', None), ('closed', '!=', True)],
        help="其他应收款-师傅代收现金: cash collected on site until "
        "handed in.")
    advance_account = fields.Many2One(
        'account.account', "Advance Receipts",
        domain=[('type', '!=', None), ('closed', '!=', True)],
        help="预收账款: deposits received before the bill is posted.")
    revenue_account = fields.Many2One(
        'account.account', "Service Revenue",
        domain=[('type.revenue', '=', True), ('closed', '!=', True)])
    bad_debt_account = fields.Many2One(
        'account.account', "Bad Debt Expense",
        domain=[('type', '!=', None), ('closed', '!=', True)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.SECRETS = dict(cls.SECRETS, **PAYMENT_SECRETS)

    @classmethod
    def default_wechatpay_api_base(cls):
        return 'https://api.mch.weixin.qq.com'

    @classmethod
    def default_alipay_gateway(cls):
        return 'https://openapi.alipay.com/gateway.do'

    @classmethod
    def default_payment_query_minutes(cls):
        return 5

    @classmethod
    def default_payment_close_minutes(cls):
        return 30

    @classmethod
    def default_refund_approval_amount(cls):
        return Decimal('500.00')

    @classmethod
    def default_deposit_rate(cls):
        return Decimal('0.3')

    @classmethod
    def default_bill_due_days(cls):
        return 7

    @classmethod
    def default_statement_due_days(cls):
        return 30

    @classmethod
    def default_overdue_reminder_days(cls):
        return 7

    @classmethod
    def setup_payment_books(cls, company):
        """Point the payment accounting at the 企业会计准则 chart set up by
        yuexing_account (accounts by code, journals by code); fields
        already set are kept."""
        pool = Pool()
        Account = pool.get('account.account')
        Journal = pool.get('account.journal')
        accounts = {a.code: a for a in Account.search([
                    ('company', '=', company.id),
                    ('code', 'in', list(BOOK_ACCOUNTS.values())),
                    ])}
        journals = {j.code: j for j in Journal.search([
                    ('code', 'in', list(BOOK_JOURNALS.values()))])}
        config = cls(1)
        for name, code in BOOK_ACCOUNTS.items():
            if not getattr(config, name, None) and code in accounts:
                setattr(config, name, accounts[code])
        for name, code in BOOK_JOURNALS.items():
            if not getattr(config, name, None) and code in journals:
                setattr(config, name, journals[code])
        config.save()
        return config


BOOK_ACCOUNTS = {
    'wechat_account': '101201',
    'alipay_account': '101202',
    'cash_account': '1001',
    'bank_account': '1002',
    'technician_cash_account': '122101',
    'advance_account': '2203',
    'revenue_account': '6001',
    'bad_debt_account': '6702',
    }
BOOK_JOURNALS = {
    'payment_journal': 'CASH',
    'wechat_journal': 'WXPAY',
    'alipay_journal': 'ALIPAY',
    'cash_journal': 'CASH',
    'transfer_journal': 'BANK',
    }
