"""账单: customer invoices (``account.invoice``) made from a confirmed quote
or a completed work order, with deposit (定金), balance and due date; the
B端 customers' completed orders accumulate on a monthly statement
(月结对账单) instead. Posting the bill recognises the revenue; receipts
booked on advance receipts before are moved to the receivable then."""
import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sql.aggregate import Sum

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from . import clients

CENT = Decimal('0.01')
PAID_STATES = ['collected', 'paid', 'partially_refunded', 'refunded']


class BillError(UserError):
    pass


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    bill_kind = fields.Selection([
            (None, ""),
            ('order', "Order Bill"),
            ('statement', "Monthly Statement"),
            ], "Bill Kind", readonly=True)
    work_order = fields.Many2One('yuexing.work_order', "Work Order",
        readonly=True)
    quote = fields.Many2One('yuexing.quote', "Quote", readonly=True)
    statement_month = fields.Char("Statement Month", readonly=True,
        help="YYYY-MM of a monthly statement.")
    deposit_amount = fields.Numeric("Deposit", digits=(16, 2),
        states={'readonly': Eval('state') != 'draft'},
        domain=[('deposit_amount', '>=', 0)])
    due_date = fields.Date("Due Date",
        states={'readonly': Eval('state') != 'draft'})
    received_amount = fields.Function(fields.Numeric("Received",
            digits=(16, 2)), 'get_received')
    refunded_total = fields.Function(fields.Numeric("Refunded",
            digits=(16, 2)), 'get_received')
    bill_due_amount = fields.Function(fields.Numeric("Amount Due",
            digits=(16, 2)), 'get_received')
    bill_payments = fields.One2Many('yuexing.payment', 'bill', "Receipts",
        readonly=True)
    last_reminder = fields.Date("Last Reminder", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._check_modify_exclude |= {'last_reminder', 'due_date'}

    @classmethod
    def default_deposit_amount(cls):
        return Decimal(0)

    @classmethod
    def get_received(cls, invoices, names):
        """Received (paid or collected receipts), refunded and due, with
        two aggregate queries."""
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        payment = Payment.__table__()
        cursor = Transaction().connection.cursor()
        ids = [i.id for i in invoices]
        received = {}
        refunded = {}
        from trytond.tools import grouped_slice
        for sub in grouped_slice(ids, 1000):
            cursor.execute(*payment.select(payment.bill,
                    Sum(payment.amount), Sum(payment.refunded_amount),
                    where=payment.bill.in_(list(sub))
                    & payment.state.in_(PAID_STATES),
                    group_by=[payment.bill]))
            for bill, amount, refund in cursor:
                received[bill] = Decimal(amount or 0).quantize(CENT)
                refunded[bill] = Decimal(refund or 0).quantize(CENT)
        result = {n: {} for n in names}
        for invoice in invoices:
            got = received.get(invoice.id, Decimal(0))
            back = refunded.get(invoice.id, Decimal(0))
            if 'received_amount' in names:
                result['received_amount'][invoice.id] = got
            if 'refunded_total' in names:
                result['refunded_total'][invoice.id] = back
            if 'bill_due_amount' in names:
                if invoice.state == 'posted':
                    due = invoice.amount_to_pay
                elif invoice.state in {'cancelled', 'paid'}:
                    due = Decimal(0)
                else:
                    due = (invoice.total_amount or Decimal(0)) - got + back
                result['bill_due_amount'][invoice.id] = max(due, Decimal(0))
        return result

    def next_payment(self):
        "(amount, purpose) the customer is asked to pay now."
        due = self.bill_due_amount
        if (self.deposit_amount and self.state == 'draft'
                and not self.received_amount
                and self.deposit_amount < due):
            return self.deposit_amount, 'deposit'
        return due, ('balance' if self.received_amount else 'full')

    # ---- creation ----------------------------------------------------------
    @classmethod
    def _bill_line(cls, company, description, quantity, unit_price,
            vat_rate, origin=None):
        pool = Pool()
        Line = pool.get('account.invoice.line')
        config = clients.settings()
        if not config.get('revenue_account'):
            raise BillError(gettext('yuexing_payment.msg_not_configured',
                    setting='Service Revenue'))
        line = Line(type='line', company=company, description=description,
            quantity=quantity, unit_price=Decimal(unit_price).quantize(
                Decimal('0.0001')),
            account=config['revenue_account'], origin=origin,
            currency=company.currency)
        line.taxes = cls._vat_taxes(company, vat_rate)
        return line

    @classmethod
    def _vat_taxes(cls, company, rate):
        Tax = Pool().get('account.tax')
        if not rate:
            return []
        taxes = Tax.search([
                ('company', '=', company.id),
                ('type', '=', 'percentage'),
                ('rate', '=', Decimal(rate)),
                ('parent', '=', None),
                ['OR', ('group', '=', None),
                    ('group.kind', 'in', ['sale', 'both'])],
                ], limit=1, order=[('id', 'ASC')])
        if not taxes:
            raise BillError(gettext('yuexing_payment.msg_no_vat_tax',
                    rate=f'{Decimal(rate) * 100:.0f}%'))
        return taxes

    @classmethod
    def _new_bill(cls, company, party, kind, due_days, **values):
        pool = Pool()
        Date = pool.get('ir.date')
        with Transaction().set_context(company=company.id):
            today = Date.today()
        invoice = cls(company=company, type='out', party=party,
            invoice_date=None, currency=company.currency, bill_kind=kind,
            **values)
        invoice.on_change_type()
        invoice.on_change_party()
        if not invoice.invoice_address:
            raise BillError(gettext('yuexing_payment.msg_party_no_address',
                    party=party.rec_name))
        invoice.due_date = today + dt.timedelta(days=due_days)
        invoice.payment_term_date = invoice.due_date
        return invoice

    @classmethod
    def bill_quotes(cls, quotes):
        """The bill of each confirmed quote (created once), with its deposit
        for residents."""
        pool = Pool()
        Line = pool.get('account.invoice.line')
        config = clients.settings()
        existing = {i.quote: i for i in cls.search([
                    ('quote', 'in', [q.id for q in quotes]),
                    ('state', '!=', 'cancelled')])}
        bills = []
        for quote in quotes:
            if quote in existing:
                bills.append(existing[quote])
                continue
            order = quote.work_order
            invoice = cls._new_bill(order.company, order.customer, 'order',
                config['bill_due_days'], work_order=order, quote=quote,
                description=f'工单 {order.number} 报价 {quote.rec_name}')
            invoice.lines = [cls._bill_line(order.company,
                    l.description, l.quantity, l.unit_price,
                    quote.vat_rate, origin=quote)
                for l in quote.lines]
            invoice.save()
            invoice = cls(invoice.id)
            cls.update_taxes([invoice])
            invoice = cls(invoice.id)
            if order.customer.customer_type != 'enterprise':
                invoice.deposit_amount = (invoice.total_amount
                    * config['deposit_rate']).quantize(CENT, ROUND_HALF_UP)
                invoice.save()
            bills.append(invoice)
        del Line
        return bills

    @classmethod
    def add_to_statements(cls, orders):
        """B端 completed orders go on the customer's draft statement of the
        month (created when missing)."""
        config = clients.settings()
        month = dt.date.today().strftime('%Y-%m')
        bills = []
        for order in orders:
            quote = order.quote
            if not quote or cls.search([('lines.origin', '=', str(quote))],
                    limit=1):
                continue
            statements = cls.search([('party', '=', order.customer.id),
                    ('bill_kind', '=', 'statement'),
                    ('statement_month', '=', month),
                    ('state', '=', 'draft'),
                    ('company', '=', order.company.id)], limit=1)
            if statements:
                statement, = statements
            else:
                statement = cls._new_bill(order.company, order.customer,
                    'statement', config['statement_due_days'],
                    statement_month=month,
                    description=f'{month} 月结对账单')
                statement.save()
            lines = [cls._bill_line(order.company,
                    f'{order.number} {l.description}', l.quantity,
                    l.unit_price, quote.vat_rate, origin=quote)
                for l in quote.lines]
            for line in lines:
                line.invoice = statement
            Pool().get('account.invoice.line').save(lines)
            cls.update_taxes([statement])
            bills.append(statement)
        return bills

    @classmethod
    def close_statements(cls):
        "Cron: post the draft monthly statements of the past months."
        month = dt.date.today().strftime('%Y-%m')
        statements = cls.search([('bill_kind', '=', 'statement'),
                ('state', '=', 'draft'), ('statement_month', '<', month)])
        if statements:
            cls.post(statements)

    # ---- settling -------------------------------------------------------
    def settle_with(self, lines):
        """Add receipt lines (credit on the receivable) to the bill and
        reconcile when it is settled."""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Invoice = self.__class__
        Invoice.add_payment_lines({self: lines})
        invoice = Invoice(self.id)
        if invoice.amount_to_pay == 0 and not invoice.reconciled:
            to_reconcile = list(invoice.lines_to_pay) + [
                l for l in invoice.payment_lines if not l.reconciliation]
            if sum(l.debit - l.credit for l in to_reconcile) == 0:
                MoveLine.reconcile(to_reconcile)
            Invoice.process([invoice])

    @classmethod
    def _post(cls, invoices):
        super()._post(invoices)
        with without_check_access():
            cls.transfer_advances(invoices)

    @classmethod
    def transfer_advances(cls, invoices):
        """Receipts booked on advance receipts before the bill was posted:
        Dr 预收账款 / Cr 应收账款, added to the bill."""
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        Move = pool.get('account.move')
        config = clients.settings()
        payments = Payment.search([
                ('bill', 'in', [i.id for i in invoices]),
                ('move', '!=', None), ('transfer_move', '=', None)])
        for payment in payments:
            line = payment.advance_line()
            if line is None:
                continue
            bill = payment.bill
            move = payment._move(config['payment_journal']
                or payment._journal(config), [
                    (config['advance_account'], line.credit, payment.party),
                    (bill.account, -line.credit, payment.party),
                    ], description=f'预收转应收 {payment.number}')
            move.save()
            Move.post([move])
            payment.transfer_move = move
            payment.save()
            # the advance lines net to zero per payment
            MoveLine = pool.get('account.move.line')
            advance = [line] + [l for l in move.lines
                if l.account == config['advance_account']]
            MoveLine.reconcile(advance)
            bill.settle_with([l for l in move.lines
                    if l.account == bill.account])

    @classmethod
    def remind_overdue(cls):
        """Cron: remind the customers of their overdue bills (message
        centre), at most every configured days per bill."""
        pool = Pool()
        Date = pool.get('ir.date')
        Message = pool.get('yuexing.message')
        config = clients.settings()
        today = Date.today()
        again = today - dt.timedelta(days=config['overdue_reminder_days'])
        bills = cls.search([('type', '=', 'out'), ('state', '=', 'posted'),
                ('due_date', '<', today),
                ['OR', ('last_reminder', '=', None),
                    ('last_reminder', '<=', again)]])
        bills = [b for b in bills if b.amount_to_pay > 0]
        for bill in bills:
            Message.notify('bill_overdue', [bill], parties=[bill.party])
        if bills:
            cls.write(bills, {'last_reminder': today})
        return bills

    @classmethod
    def copy(cls, invoices, default=None):
        default = default.copy() if default else {}
        for name in ('bill_kind', 'work_order', 'quote', 'statement_month',
                'last_reminder'):
            default.setdefault(name, None)
        return super().copy(invoices, default=default)


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['yuexing.quote', 'yuexing.work_order']


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['yuexing.payment',
            'yuexing.payment.refund', 'yuexing.receivable.write_off']


class Quote(metaclass=PoolMeta):
    __name__ = 'yuexing.quote'

    @classmethod
    def customer_confirm(cls, quotes, channel, by=None):
        "A resident's confirmed quote is billed at once (deposit, balance)."
        super().customer_confirm(quotes, channel, by=by)
        Invoice = Pool().get('account.invoice')
        residents = [q for q in quotes if q.state == 'confirmed'
            and q.work_order.customer.customer_type != 'enterprise']
        if residents and clients.settings().get('revenue_account'):
            with without_check_access():
                Invoice.bill_quotes(residents)


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    bills = fields.One2Many('account.invoice', 'work_order', "Bills",
        readonly=True)

    @classmethod
    def mark_done(cls, orders):
        """Done: a resident's bill is posted (revenue recognised); a B端
        order goes on the monthly statement."""
        super().mark_done(orders)
        Invoice = Pool().get('account.invoice')
        if not clients.settings().get('revenue_account'):
            return  # payments not set up yet: no bills
        with without_check_access():
            enterprise = [o for o in orders
                if o.customer.customer_type == 'enterprise']
            residents = [o for o in orders if o not in enterprise
                and o.quote and o.quote.state == 'confirmed']
            if enterprise:
                Invoice.add_to_statements(enterprise)
            if residents:
                bills = Invoice.bill_quotes([o.quote for o in residents])
                drafts = [b for b in bills if b.state == 'draft']
                if drafts:
                    # numbering takes the sequence lock: posted by the
                    # queue worker in its own (restartable) transaction
                    Invoice.__queue__.post(drafts)


def month_end(date):
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])
