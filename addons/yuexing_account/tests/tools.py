"""Test helpers for the modules that book: a company with its books in one
call.

    from trytond.modules.yuexing_account.tests.tools import (
        setup_books, account, tax)

    company = setup_books()
    with set_company(company):
        ...
"""
from trytond.modules.yuexing_base.tests.tools import setup_company
from trytond.pool import Pool


def setup_books(company=None, years=None):
    """The company 月星防水 (created when not given) with the 企业会计准则
    chart, default accounts, fiscal years (this and next), monthly periods,
    sequences, payment methods and the accounting product categories."""
    Setup = Pool().get('yuexing.account.setup')
    if company is None:
        company = setup_company()
    return Setup.setup_company(company, years=years)


def account(company, code):
    "The company's account with this code, e.g. account(company, '1122')."
    return Pool().get('yuexing.account.setup').account(company, code)


def tax(company, xml_id):
    "The company's tax from a template, e.g. tax(company, 'tax_vat_sale_9')."
    return Pool().get('yuexing.account.setup').tax(company, xml_id)
