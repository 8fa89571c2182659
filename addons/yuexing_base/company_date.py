"""The company of the context and today's date in its time zone, for code
that runs without one in the context (crons, the queue, scripts)."""
from trytond.pool import Pool
from trytond.transaction import Transaction


def company_id():
    "The company of the context, else the (only) company."
    Company = Pool().get('company.company')
    company = Transaction().context.get('company')
    if not company:
        companies = Company.search([], limit=1, order=[('id', 'ASC')])
        company = companies[0].id if companies else None
    return company


def company_today():
    """Today in the company's time zone, also when the context names no
    company (a cron, a script): Shanghai's date is not UTC's after 16:00."""
    Date = Pool().get('ir.date')
    with Transaction().set_context(company=company_id()):
        return Date.today()
