"""应收: receivable balances per customer and per bill with ageing buckets
(days past due: 0–30, 31–60, 61–90, 90+), computed in one SQL query over
the unreconciled receivable lines; bad-debt write-off with approval; the
xlsx export."""
import datetime as dt
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Max, Min, Sum
from sql.conditionals import Case, Coalesce

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.modules.yuexing_base.xlsx import XlsxReport
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from . import clients

BUCKETS = [('bucket_30', 0, 30), ('bucket_60', 31, 60),
    ('bucket_90', 61, 90), ('bucket_90_plus', 91, None)]


class AgeingContext(ModelView):
    "Receivable Ageing Context"
    __name__ = 'yuexing.receivable.ageing.context'
    date = fields.Date("Date", required=True)
    company = fields.Many2One('company.company', "Company", required=True)

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


class _AgeingMixin:
    __slots__ = ()
    party = fields.Many2One('party.party', "Customer", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    company = fields.Many2One('company.company', "Company", readonly=True)
    balance = fields.Numeric("Balance", digits=(16, 2), readonly=True)
    bucket_30 = fields.Numeric("0–30 Days", digits=(16, 2), readonly=True)
    bucket_60 = fields.Numeric("31–60 Days", digits=(16, 2), readonly=True)
    bucket_90 = fields.Numeric("61–90 Days", digits=(16, 2), readonly=True)
    bucket_90_plus = fields.Numeric("Over 90 Days", digits=(16, 2),
        readonly=True)
    oldest_due = fields.Date("Oldest Due Date", readonly=True)

    @classmethod
    def bill_query(cls):
        """Open receivable per customer and bill: receipts, refunds and
        write-offs count with the bill they pay (its payment lines), so
        they age with it; other lines are grouped per move."""
        pool = Pool()
        context = Transaction().context
        MoveLine = pool.get('account.move.line')
        Move = pool.get('account.move')
        Account = pool.get('account.account')
        Type = pool.get('account.account.type')
        Invoice = pool.get('account.invoice')
        PaymentLine = pool.get('account.invoice-account.move.line')
        line = MoveLine.__table__()
        move = Move.__table__()
        account = Account.__table__()
        type_ = Type.__table__()
        invoice = Invoice.__table__()
        payment_line = PaymentLine.__table__()
        date = context.get('date') or Pool().get('ir.date').today()
        company = context.get('company') or -1
        own = invoice.select(Max(invoice.id), where=invoice.move == line.move)
        paying = payment_line.select(Max(payment_line.invoice),
            where=payment_line.line == line.id)
        bill = Coalesce(own, paying, -line.move)
        due = Coalesce(line.maturity_date, move.date)
        amount = line.debit - line.credit
        return line.join(move, condition=line.move == move.id
            ).join(account, condition=line.account == account.id
            ).join(type_, condition=account.type == type_.id
            ).select(Min(line.id).as_('id'), line.party.as_('party'),
                move.company.as_('company'), bill.as_('bill'),
                Sum(amount).as_('balance'), Min(due).as_('due'),
                where=(type_.receivable == Literal(True))
                & (line.party != Null)
                & (line.reconciliation == Null)
                & (move.state == 'posted')
                & (move.date <= date)
                & (move.company == company),
                group_by=[line.party, move.company, bill])

    @classmethod
    def buckets(cls, due, amount):
        "The bucket columns (Sum of amount by days past due)."
        date = Transaction().context.get('date') or Pool().get(
            'ir.date').today()
        columns = []
        for name, low, high in BUCKETS:
            conditions = []
            if high is not None:
                conditions.append(due >= date - dt.timedelta(days=high))
            if low:  # 0–30 also holds what is not due yet
                conditions.append(due <= date - dt.timedelta(days=low))
            condition = conditions[0]
            for other in conditions[1:]:
                condition &= other
            columns.append(Sum(Case((condition, amount), else_=0)).as_(name))
        return columns


class Ageing(_AgeingMixin, ModelSQL, ModelView):
    "Receivable Ageing by Customer"
    __name__ = 'yuexing.receivable.ageing'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('balance', 'DESC'), ('party', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        bills = cls.bill_query()
        return bills.select(Min(bills.id).as_('id'), bills.party.as_('party'),
            bills.company.as_('company'), Sum(bills.balance).as_('balance'),
            Min(bills.due).as_('oldest_due'),
            *cls.buckets(bills.due, bills.balance),
            group_by=[bills.party, bills.company],
            having=Sum(bills.balance) != 0)


class AgeingBill(_AgeingMixin, ModelSQL, ModelView):
    "Receivable by Bill"
    __name__ = 'yuexing.receivable.ageing.bill'
    bill = fields.Many2One('account.invoice', "Bill", readonly=True)
    work_order = fields.Function(fields.Many2One('yuexing.work_order',
            "Work Order"), 'get_work_order')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('oldest_due', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        bills = cls.bill_query()
        return bills.select(Min(bills.id).as_('id'), bills.party.as_('party'),
            bills.company.as_('company'),
            Max(Case((bills.bill > 0, bills.bill), else_=Null)).as_('bill'),
            Sum(bills.balance).as_('balance'),
            Min(bills.due).as_('oldest_due'),
            *cls.buckets(bills.due, bills.balance),
            group_by=[bills.party, bills.company, bills.bill],
            having=Sum(bills.balance) != 0)

    def get_work_order(self, name):
        return (self.bill.work_order.id
            if self.bill and self.bill.work_order else None)


class AgeingXlsx(XlsxReport):
    "The ageing of the selected customers as an xlsx file."
    __name__ = 'yuexing.receivable.ageing.xlsx'
    columns = ('party', 'balance', 'bucket_30', 'bucket_60', 'bucket_90',
        'bucket_90_plus', 'oldest_due')


class WriteOff(Workflow, ModelSQL, ModelView):
    "Bad Debt Write-off"
    __name__ = 'yuexing.receivable.write_off'
    _draft = {'readonly': Eval('state') != 'draft'}
    bill = fields.Many2One('account.invoice', "Bill", required=True,
        domain=[('type', '=', 'out'), ('state', '=', 'posted')],
        states=_draft)
    party = fields.Function(fields.Many2One('party.party', "Customer"),
        'on_change_with_party')
    amount = fields.Numeric("Amount", digits=(16, 2), required=True,
        domain=[('amount', '>', 0)], states=_draft)
    reason = fields.Text("Reason", required=True, states=_draft)
    requested_by = fields.Many2One('res.user', "Requested By",
        readonly=True)
    approved_by = fields.Many2One('res.user', "Approved By", readonly=True)
    move = fields.Many2One('account.move', "Move", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('to_approve', "To Approve"),
            ('done', "Written Off"),
            ('rejected', "Rejected"),
            ], "State", readonly=True, required=True)
    del _draft

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {('draft', 'to_approve'), ('to_approve', 'done'),
            ('to_approve', 'rejected'), ('rejected', 'draft')}
        cls._buttons.update({
                'submit': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'approve': {'invisible': Eval('state') != 'to_approve',
                    'depends': ['state']},
                'reject': {'invisible': Eval('state') != 'to_approve',
                    'depends': ['state']},
                'draft': {'invisible': Eval('state') != 'rejected',
                    'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('bill')
    def on_change_with_party(self, name=None):
        return self.bill.party if self.bill else None

    @fields.depends('bill', 'amount')
    def on_change_bill(self):
        if self.bill and not self.amount:
            self.amount = self.bill.amount_to_pay

    def _check_amount(self):
        if self.amount > self.bill.amount_to_pay:
            raise UserError(gettext('yuexing_payment.msg_write_off_exceeds',
                    amount=self.amount, due=self.bill.amount_to_pay,
                    bill=self.bill.rec_name))

    @classmethod
    @ModelView.button
    @strict_transition('to_approve')
    def submit(cls, write_offs):
        for write_off in write_offs:
            write_off._check_amount()
        cls.write(write_offs, {'requested_by': Transaction().user})

    @classmethod
    @ModelView.button
    @strict_transition('rejected')
    def reject(cls, write_offs):
        pass

    @classmethod
    @ModelView.button
    @strict_transition('draft')
    def draft(cls, write_offs):
        pass

    @classmethod
    @ModelView.button
    @strict_transition('done')
    def approve(cls, write_offs):
        """Dr 信用减值损失 / Cr 应收账款, added to the bill (which becomes
        paid when nothing remains)."""
        pool = Pool()
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        Period = pool.get('account.period')
        Date = pool.get('ir.date')
        config = clients.settings()
        for write_off in write_offs:
            if write_off.requested_by and (
                    write_off.requested_by.id == Transaction().user
                    and Transaction().user != 0):
                raise UserError(gettext(
                        'yuexing_payment.msg_write_off_own'))
            write_off._check_amount()
            bill = write_off.bill
            if not config.get('bad_debt_account'):
                raise UserError(gettext(
                        'yuexing_payment.msg_not_configured',
                        setting='Bad Debt Expense'))
            with Transaction().set_context(company=bill.company.id):
                today = Date.today()
            with without_check_access():
                move = Move(journal=config['payment_journal']
                    or bill.journal, company=bill.company, date=today,
                    period=Period.find(bill.company, date=today),
                    origin=write_off, description=f'坏账核销 {bill.rec_name}',
                    lines=[
                        Line(account=config['bad_debt_account'],
                            debit=write_off.amount, credit=Decimal(0)),
                        Line(account=bill.account, party=bill.party,
                            credit=write_off.amount, debit=Decimal(0)),
                        ])
                move.save()
                Move.post([move])
                bill.settle_with([l for l in move.lines
                        if l.account == bill.account])
            write_off.move = move
            write_off.approved_by = Transaction().user
        cls.save(write_offs)
