"""期初数据导入: opening receivables/payables per customer/supplier and
stock values from an xlsx sheet, validated row by row; nothing is booked
when any row is wrong. Booked as one posted move (event 'opening') against
4104 利润分配."""
import io
from decimal import Decimal, InvalidOperation

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Model, ModelView, fields
from trytond.pool import Pool
from trytond.wizard import Button, StateTransition, StateView, Wizard

HEADERS = ["类型", "往来单位", "物料编码", "金额", "摘要"]
KINDS = {'应收': ('1122', True), '应付': ('2202', True),
    '存货': ('1403', False), '库存商品': ('1405', False)}
EQUITY = '4104'


class Opening(Model):
    "NC Opening Balances"
    __name__ = 'yuexing.nc.opening'

    @classmethod
    def read_rows(cls, data):
        from openpyxl import load_workbook
        sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        return [r for r in rows[1:] if any(v not in (None, '') for v in r)]

    @classmethod
    def template(cls):
        from openpyxl import Workbook
        book = Workbook()
        sheet = book.active
        sheet.append(HEADERS)
        sheet.append(['应收', '王先生', None, 1200, '期初应收'])
        data = io.BytesIO()
        book.save(data)
        return data.getvalue()

    @classmethod
    def validate_rows(cls, rows):
        """([(row number, kind, party, product, amount, text)], errors)"""
        pool = Pool()
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        names = {str(r[1]).strip() for r in rows if len(r) > 1 and r[1]}
        parties = {}
        for party in Party.search(['OR',
                    ('name', 'in', list(names)),
                    ('code', 'in', list(names))]):
            parties.setdefault(party.name, party)
            parties.setdefault(party.code, party)
        codes = {str(r[2]).strip() for r in rows if len(r) > 2 and r[2]}
        products = {p.code: p for p in Product.search(
                [('code', 'in', list(codes))])}
        good, errors = [], []
        for index, row in enumerate(rows, 2):
            row = list(row) + [None] * (5 - len(row))
            kind, name, code, amount, text = row[:5]
            kind = str(kind or '').strip()

            def error(message, row=index):
                errors.append(gettext('yuexing_nc_connector.msg_opening_row',
                        row=row, error=message))
            if kind not in KINDS:
                error(gettext('yuexing_nc_connector.msg_opening_bad_kind',
                        kind=kind))
                continue
            try:
                value = Decimal(str(amount)).quantize(Decimal('0.01'))
                if value <= 0:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                error(gettext('yuexing_nc_connector.msg_opening_bad_amount',
                        amount=amount))
                continue
            party = product = None
            if KINDS[kind][1]:
                party = parties.get(str(name or '').strip())
                if not party:
                    error(gettext(
                            'yuexing_nc_connector.msg_opening_unknown_party',
                            name=name or ''))
                    continue
            elif code:
                product = products.get(str(code).strip())
                if not product:
                    error(gettext(
                            'yuexing_nc_connector.msg_opening_unknown_product',
                            code=code))
                    continue
            good.append((index, kind, party, product, value, text))
        if not rows:
            errors.append(gettext('yuexing_nc_connector.msg_opening_empty'))
        return good, errors

    @classmethod
    def book(cls, company, date, data):
        "Import the sheet; returns the posted move or raises UserError."
        pool = Pool()
        Booking = pool.get('yuexing.nc.booking')
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        good, errors = cls.validate_rows(cls.read_rows(data))
        if errors:
            raise UserError(gettext(
                    'yuexing_nc_connector.msg_opening_errors',
                    errors='\n'.join(errors)))
        accounts = Booking._accounts(company)
        lines, equity = [], Decimal(0)
        for _, kind, party, product, amount, text in good:
            code = KINDS[kind][0]
            description = (text or (product.rec_name if product else ''))
            if code == '2202':
                lines.append(Line(account=accounts[code], debit=0,
                        credit=amount, party=party,
                        description=description))
                equity -= amount
            else:
                lines.append(Line(account=accounts[code], debit=amount,
                        credit=0, party=party, description=description))
                equity += amount
        if equity:
            lines.append(Line(account=accounts[EQUITY],
                    debit=max(-equity, 0), credit=max(equity, 0)))
        move = Booking._move(company, date, gettext(
                'yuexing_nc_connector.msg_move_opening'), 'opening', lines)
        Move.save([move])
        Move.post([move])
        return move


class OpeningStart(ModelView):
    "Import Opening Balances"
    __name__ = 'yuexing.nc.opening.start'
    company = fields.Many2One('company.company', "Company", required=True)
    date = fields.Date("Date", required=True)
    file = fields.Binary("File (xlsx)", required=True)
    template = fields.Binary("Template", readonly=True,
        filename='template_name')
    template_name = fields.Char("Template Name", readonly=True)

    @classmethod
    def default_company(cls):
        from trytond.transaction import Transaction
        return Transaction().context.get('company')

    @classmethod
    def default_template(cls):
        return Pool().get('yuexing.nc.opening').template()

    @classmethod
    def default_template_name(cls):
        return '期初数据模板.xlsx'


class OpeningImport(Wizard):
    "Import Opening Balances"
    __name__ = 'yuexing.nc.opening.import'
    start = StateView('yuexing.nc.opening.start',
        'yuexing_nc_connector.opening_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'book', 'tryton-ok', default=True),
            ])
    book = StateTransition()

    def transition_book(self):
        Opening = Pool().get('yuexing.nc.opening')
        Opening.book(self.start.company, self.start.date, self.start.file)
        return 'end'
