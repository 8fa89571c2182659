"""退款: full or partial refunds of a payment, with reason, approval above
the configured amount, the provider's refund and its notification, and the
accounting (a credit note reduces the revenue of a posted bill).

A refund never exceeds what was paid: requests lock the payment row and
count every refund not rejected/failed, so concurrent requests cannot
overdraw it."""
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from . import clients
from .alipay import AlipayError
from .payment import PaymentAlert
from .wechatpay import WeChatPayError, from_fen

CENT = Decimal('0.01')
STATES = [
    ('draft', "Draft"),
    ('to_approve', "To Approve"),
    ('approved', "Approved"),
    ('processing', "Processing"),
    ('done', "Refunded"),
    ('failed', "Failed"),
    ('rejected', "Rejected"),
    ('cancelled', "Cancelled"),
    ]


class RefundError(UserError):
    pass


class Refund(AuditMixin, Workflow, ModelSQL, ModelView):
    "Refund"
    __name__ = 'yuexing.payment.refund'
    _rec_name = 'number'
    _draft = {'readonly': Eval('state') != 'draft'}

    number = fields.Char("Number", readonly=True,
        help="out_refund_no sent to the provider.")
    payment = fields.Many2One('yuexing.payment', "Payment", required=True,
        domain=[('state', 'in', ['paid', 'partially_refunded'])],
        states=_draft, ondelete='RESTRICT')
    company = fields.Function(fields.Many2One('company.company',
            "Company"), 'get_payment_field', searcher='search_payment_field')
    party = fields.Function(fields.Many2One('party.party', "Customer",
            context={'company': Eval('company', -1)}, depends={'company'}),
        'get_payment_field', searcher='search_payment_field')
    amount = fields.Numeric("Amount", digits=(16, 2), required=True,
        domain=[('amount', '>', 0)], states=_draft)
    reason = fields.Char("Reason", required=True, states=_draft)
    requested_by = fields.Many2One('res.user', "Requested By",
        readonly=True)
    approved_by = fields.Many2One('res.user', "Approved By", readonly=True)
    refund_id = fields.Char("Provider Refund", readonly=True)
    done_at = fields.DateTime("Refunded At", readonly=True)
    failure = fields.Char("Failure", readonly=True)
    move = fields.Many2One('account.move', "Move", readonly=True)
    credit_note = fields.Many2One('account.invoice', "Credit Note",
        readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True,
        sort=False)
    state_string = state.translated('state')

    del _draft

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('number_unique', Unique(t, t.number),
                'yuexing_payment.msg_refund_number_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.payment, Index.Range())))
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'to_approve'),
            ('draft', 'approved'),
            ('to_approve', 'approved'),
            ('to_approve', 'rejected'),
            ('approved', 'processing'),
            ('approved', 'done'),
            ('approved', 'failed'),
            ('processing', 'done'),
            ('processing', 'failed'),
            ('draft', 'cancelled'),
            }
        cls._buttons.update({
                'request': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'to_approve',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'to_approve',
                    'depends': ['state'],
                    },
                'execute': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state'],
                    },
                'query': {
                    'invisible': Eval('state') != 'processing',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_payment_field(self, name):
        value = getattr(self.payment, name)
        return value.id if value else None

    @classmethod
    def search_payment_field(cls, name, clause):
        return [('payment.' + clause[0],) + tuple(clause[1:])]

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        Payment = Pool().get('yuexing.payment')
        for values in vlist:
            values.setdefault('number', 'R' + Payment.new_number())
            values.setdefault('requested_by', Transaction().user)
        return super().create(vlist)

    # ---- workflow -------------------------------------------------------
    @classmethod
    def check_refundable(cls, refunds):
        """Lock the payments and check that no refund overdraws them."""
        Payment = Pool().get('yuexing.payment')
        payments = list({r.payment for r in refunds})
        Payment.lock(payments)
        for payment in Payment.browse(payments):
            if payment.state not in {'paid', 'partially_refunded'}:
                raise RefundError(gettext(
                        'yuexing_payment.msg_refund_not_paid',
                        payment=payment.rec_name))
            engaged = sum((r.amount for r in cls.search([
                            ('payment', '=', payment.id),
                            ('state', 'not in', ['rejected', 'failed',
                                    'cancelled']),
                            ])), Decimal(0))
            if engaged > payment.amount:
                raise RefundError(gettext(
                        'yuexing_payment.msg_refund_exceeds',
                        payment=payment.rec_name,
                        paid=payment.amount,
                        refundable=payment.amount - engaged + sum(
                            (r.amount for r in refunds
                                if r.payment == payment), Decimal(0))))

    @classmethod
    @ModelView.button
    def request(cls, refunds):
        """Check the amount; above the threshold it waits for approval,
        otherwise it is executed at once."""
        config = clients.settings()
        cls.check_refundable(refunds)
        big = [r for r in refunds
            if r.amount > config['refund_approval_amount']]
        small = [r for r in refunds if r not in big]
        if big:
            cls.ask_approval(big)
            cls.notify_approvers(big)
        if small:
            cls.approve_auto(small)
            cls.execute(small)

    @classmethod
    @strict_transition('to_approve')
    def ask_approval(cls, refunds):
        pass

    @classmethod
    def notify_approvers(cls, refunds):
        from .payment import finance_users
        Message = Pool().get('yuexing.message')
        Message.notify('refund_requested', refunds, users=finance_users())

    @classmethod
    @strict_transition('approved')
    def approve_auto(cls, refunds):
        pass

    @classmethod
    @ModelView.button
    @strict_transition('approved')
    def approve(cls, refunds):
        cls.write(refunds, {'approved_by': Transaction().user})

    @classmethod
    @ModelView.button
    @strict_transition('rejected')
    def reject(cls, refunds):
        pass

    @classmethod
    @ModelView.button
    def execute(cls, refunds):
        """Ask the provider to refund (offline: finance paid back, done at
        once)."""
        cls.check_refundable(refunds)
        done, processing, failed = [], [], []
        for refund in refunds:
            if refund.state != 'approved':
                continue
            payment = refund.payment
            try:
                if payment.provider == 'wechat':
                    answer = clients.wechatpay().refund(payment.number,
                        refund.number, refund.amount, payment.amount,
                        reason=refund.reason)
                    refund.refund_id = answer.get('refund_id')
                    if answer.get('status') == 'SUCCESS':
                        done.append(refund)
                    elif answer.get('status') in {'CLOSED', 'ABNORMAL'}:
                        refund.failure = answer.get('status')
                        failed.append(refund)
                    else:
                        processing.append(refund)
                elif payment.provider == 'alipay':
                    answer = clients.alipay(with_notify=False).refund(
                        payment.number, refund.number, refund.amount,
                        reason=refund.reason)
                    refund.refund_id = answer.get('trade_no')
                    done.append(refund)  # Alipay refunds synchronously
                else:
                    done.append(refund)
            except (WeChatPayError, AlipayError) as exception:
                refund.failure = exception.message[:200]
                failed.append(refund)
        cls.save(refunds)
        if processing:
            cls.process(processing)
        if failed:
            cls.fail(failed)
        if done:
            cls.complete(done)

    @classmethod
    @strict_transition('processing')
    def process(cls, refunds):
        pass

    @classmethod
    @strict_transition('failed')
    def fail(cls, refunds):
        Payment = Pool().get('yuexing.payment')
        Payment.refresh_refund_state(list({r.payment for r in refunds}))

    @classmethod
    @strict_transition('done')
    def complete(cls, refunds):
        Payment = Pool().get('yuexing.payment')
        for refund in refunds:
            refund.done_at = refund.done_at or dt.datetime.now()
            refund.book()
            refund.state = 'done'  # counted by refresh_refund_state
        cls.save(refunds)
        Payment.refresh_refund_state(list({r.payment for r in refunds}))

    @classmethod
    @ModelView.button
    def query(cls, refunds):
        "Ask WeChat Pay for a refund whose notification is late."
        for refund in refunds:
            if refund.state != 'processing' or (
                    refund.payment.provider != 'wechat'):
                continue
            answer = clients.wechatpay(with_notify=False).query_refund(
                refund.number)
            cls.handle_wechat_refund(dict(answer,
                    refund_status=answer.get('status')))

    @classmethod
    def handle_wechat_refund(cls, resource):
        """A decrypted refund resource (notification or query): completes
        or fails the refund once."""
        refunds = cls.search([('number', '=', resource.get('out_refund_no'))],
            limit=1)
        if not refunds:
            raise PaymentAlert('unknown_order',
                detail=resource.get('out_refund_no'))
        cls.lock(refunds)
        refund = cls(refunds[0].id)
        amount = from_fen((resource.get('amount') or {}).get('refund', 0))
        if amount != refund.amount:
            raise PaymentAlert('refund_mismatch', payment=refund.payment,
                detail=f'{refund.amount} ≠ {amount}')
        status = resource.get('refund_status')
        if refund.state in {'done', 'failed'}:
            return False
        refund.refund_id = resource.get('refund_id') or refund.refund_id
        if status == 'SUCCESS':
            refund.save()
            if refund.state == 'approved':
                cls.process([refund])
            cls.complete([refund])
            return True
        if status in {'CLOSED', 'ABNORMAL'}:
            refund.failure = status
            refund.save()
            cls.fail([refund])
        return False

    @classmethod
    def query_processing(cls):
        "Cron: query the refunds still processing."
        refunds = cls.search([('state', '=', 'processing')], limit=200)
        for refund in refunds:
            try:
                cls.query([refund])
            except (WeChatPayError, PaymentAlert):
                continue

    # ---- accounting ---------------------------------------------------
    def book(self):
        """Dr 应收账款 (or 预收账款 before the bill is posted) / Cr the
        channel; a posted bill gets a credit note of the refund reducing
        the revenue, reconciled with the refund."""
        pool = Pool()
        Move = pool.get('account.move')
        pool.get('account.move.line')
        payment = self.payment
        bill = payment.bill
        config = clients.settings()
        debit_account, _ = payment._debit_account(config)
        if payment.channel == 'technician_cash':
            debit_account = config['cash_account']
        posted = bill.state in {'posted', 'paid'}
        counter = bill.account if posted else config['advance_account']
        with without_check_access():
            move = payment._move(payment._journal(config), [
                    (counter, self.amount, payment.party),
                    (debit_account, -self.amount, None),
                    ], description=f'退款 {self.number} {self.reason}')
            move.origin = self
            move.save()
            Move.post([move])
            self.move = move
            if posted:
                note = self.credit_note_for(bill)
                self.credit_note = note
                lines = [l for l in move.lines
                    if l.account == counter and l.debit]
                note.settle_with(lines)

    def credit_note_for(self, bill):
        "A posted credit note whose total is exactly the refund."
        pool = Pool()
        Invoice = pool.get('account.invoice')
        rate = Decimal(0)
        for line in bill.lines:
            for tax in line.taxes:
                rate = tax.rate or Decimal(0)
            break
        untaxed = (self.amount / (1 + rate)).quantize(CENT)
        for candidate in (untaxed, untaxed - CENT, untaxed + CENT):
            if candidate + (candidate * rate).quantize(CENT) == self.amount:
                untaxed = candidate
                break
        note = Invoice._new_bill(bill.company, bill.party, None, 0,
            description=f'退款 {self.number} {bill.rec_name}')
        line = Invoice._bill_line(bill.company, f'退款：{self.reason}'[:100],
            -1, untaxed, rate, origin=None)
        note.lines = [line]
        note.save()
        Invoice.update_taxes([note])
        note = Invoice(note.id)
        if note.total_amount != -self.amount:
            # rounding of the taxes: put the cent on the untaxed amount
            line, = note.lines
            line.unit_price += (-self.amount - note.total_amount) * -1
            line.save()
            Invoice.update_taxes([note])
        Invoice.post([note])
        return Invoice(note.id)
