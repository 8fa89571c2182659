"""Database set-up that module data cannot express: the company 月星防水
(CNY, Asia/Shanghai), the administrator's company and language, the Chinese
regions and the customer numbering. Idempotent: the container entrypoint runs
it after every upgrade."""
from decimal import Decimal

from trytond.model import Model
from trytond.pool import Pool
from trytond.transaction import Transaction

from .exceptions import RegionError

COMPANY_NAME = "月星防水"
COMPANY_TIMEZONE = 'Asia/Shanghai'


class Setup(Model):
    "月星防水 Set-up"
    __name__ = 'yuexing.setup'

    @classmethod
    def run(cls, provinces=None, progress=None):
        "Run every set-up step; returns the company."
        pool = Pool()
        Subdivision = pool.get('country.subdivision')
        with Transaction().set_context(_check_access=False):
            Subdivision.import_china(
                provinces=provinces,
                progress=progress and (
                    lambda done, total: progress("行政区划", done, total)))
            cls.set_language('zh_CN')
            company = cls.ensure_company()
            cls.ensure_admin(company)
            cls.configure_numbering()
        return company

    @classmethod
    def set_language(cls, code):
        pool = Pool()
        Lang = pool.get('ir.lang')
        langs = Lang.search([('code', '=', code)])
        if langs and not langs[0].translatable:
            Lang.write(langs, {'translatable': True})

    @classmethod
    def ensure_currency(cls):
        pool = Pool()
        Currency = pool.get('currency.currency')
        currencies = Currency.search([('code', '=', 'CNY')], limit=1)
        if currencies:
            return currencies[0]
        currency, = Currency.create([{
                    'name': "人民币",
                    'code': 'CNY',
                    'numeric_code': '156',
                    'symbol': '¥',
                    'digits': 2,
                    'rounding': Decimal('0.01'),
                    }])
        return currency

    @classmethod
    def find_company(cls):
        pool = Pool()
        Company = pool.get('company.company')
        companies = Company.search(
            [('party.name', '=', COMPANY_NAME)], limit=1)
        return companies[0] if companies else None

    @classmethod
    def ensure_company(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        company = cls.find_company()
        if company:
            return company
        currency = cls.ensure_currency()
        try:
            address = Address.values_from_text('上海市浦东新区张江路88号')
        except RegionError:  # Shanghai not loaded (partial region import)
            address = {}
        party, = Party.create([{
                    'name': COMPANY_NAME,
                    'customer_type': None,
                    'addresses': [('create', [address])],
                    }])
        company, = Company.create([{
                    'party': party.id,
                    'currency': currency.id,
                    'timezone': COMPANY_TIMEZONE,
                    }])
        return company

    @classmethod
    def ensure_admin(cls, company):
        pool = Pool()
        User = pool.get('res.user')
        Lang = pool.get('ir.lang')
        langs = Lang.search([('code', '=', 'zh_CN')], limit=1)
        admins = User.search([('login', '=', 'admin')])
        values = {
            'companies': [('add', [company.id])],
            'company': company.id,
            }
        if langs:
            values['language'] = langs[0].id
        if admins:
            User.write(admins, values)

    @classmethod
    def configure_numbering(cls):
        "Customer numbers KH000001, … instead of 1, 2, …"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence')
        sequence = Sequence(ModelData.get_id('party', 'sequence_party'))
        if sequence.prefix != 'KH':
            Sequence.write([sequence], {'prefix': 'KH', 'padding': 6})
