"""Fixtures of the NC connector tests."""
import datetime as dt
from decimal import Decimal

from trytond.modules.yuexing_account.tests.tools import (
    account,
    setup_books,
    tax,
)
from trytond.modules.yuexing_base.tests.tools import create_customer
from trytond.pool import Pool


def configure_nc(url, **values):
    Configuration = Pool().get('yuexing.configuration')
    config = Configuration(1)
    config.nc_url = url
    for name, value in values.items():
        setattr(config, name, value)
    config.save()
    return config


def books_and_customer():
    company = setup_books()
    customer = create_customer(
        '王先生', '13800138000', address='上海市浦东新区张江路88号')
    return company, customer


def post_invoice(company, customer, amount='1000.00', vat='tax_vat_sale_9',
        date=None, type_='out'):
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Journal = pool.get('account.journal')
    Date = pool.get('ir.date')
    invoice = Invoice(
        type=type_, party=customer,
        invoice_address=customer.address_get(),
        journal=Journal.search([
                ('code', '=', 'REV' if type_ == 'out' else 'EXP')])[0],
        account=account(company, '1122' if type_ == 'out' else '2202'),
        invoice_date=date or Date.today(), company=company,
        currency=company.currency)
    invoice.lines = [{
            'type': 'line', 'description': '屋面防水维修',
            'quantity': 1, 'unit_price': Decimal(amount),
            'account': account(
                company, '6001' if type_ == 'out' else '6401').id,
            'taxes': [tax(company, vat).id],
            }]
    invoice.save()
    Invoice.post([invoice])
    return invoice


def post_move(company, journal_code, lines, date=None, description=None):
    """A posted move: lines = [(account code, debit, credit, party)]."""
    pool = Pool()
    Move = pool.get('account.move')
    Period = pool.get('account.period')
    Journal = pool.get('account.journal')
    Date = pool.get('ir.date')
    date = date or Date.today()
    move = Move(company=company, date=date,
        period=Period.find(company, date=date),
        journal=Journal.search([('code', '=', journal_code)])[0],
        description=description)
    move.lines = [{
            'account': account(company, code).id,
            'debit': Decimal(debit), 'credit': Decimal(credit),
            'party': party.id if party else None,
            } for code, debit, credit, party in lines]
    move.save()
    Move.post([move])
    return move


def today():
    return dt.date.today()


def in_transaction(func, *args, **kwargs):
    "Run func in a committed transaction as root (table locks retried)."
    from functools import partial

    from trytond.modules.yuexing_base.locks import run_committed
    from trytond.tests.test_tryton import DB_NAME
    from trytond.transaction import Transaction
    result = run_committed(DB_NAME, 0, partial(func, *args, **kwargs))
    Transaction().tasks.clear()
    return result


def committed_world():
    """Company with books, a customer and the configuration row, committed
    once per test class: (company id, customer id)."""
    def create():
        Configuration = Pool().get('yuexing.configuration')
        Configuration(1).save()
        company, customer = books_and_customer()
        return company.id, customer.id
    return in_transaction(create)
