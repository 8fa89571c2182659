"""收款 (yuexing.payment): one attempt to collect money for a bill, on one
channel, with its state history, its accounting move and its refunds.

Money safety: a payment is booked once (state under a row lock, unique
transaction id per provider); notifications and active queries go through
the same ``_confirm_paid``; what does not match (amount, merchant, app,
currency, signature) books nothing and raises an alert to finance.
"""
import datetime as dt
import logging
import secrets
from decimal import Decimal

from sql import Null
from sql.aggregate import Sum

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import (
    Index,
    ModelSQL,
    ModelView,
    Unique,
    Workflow,
    fields,
)
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction, without_check_access

from . import clients
from .alipay import AlipayError
from .wechatpay import WeChatPayError, from_fen, parse_time, to_fen

logger = logging.getLogger(__name__)
CENT = Decimal('0.01')

CHANNELS = [
    ('wechat_jsapi', "WeChat Pay (Mini-Program)"),
    ('wechat_native', "WeChat Pay (QR Code)"),
    ('alipay_mini', "Alipay (Mini-Program)"),
    ('alipay_qr', "Alipay (QR Code)"),
    ('alipay_app', "Alipay (App)"),
    ('cash', "Cash"),
    ('technician_cash', "Cash Collected by Technician"),
    ('transfer', "Bank Transfer"),
    ]
PROVIDERS = {
    'wechat_jsapi': 'wechat', 'wechat_native': 'wechat',
    'alipay_mini': 'alipay', 'alipay_qr': 'alipay', 'alipay_app': 'alipay',
    'cash': 'offline', 'technician_cash': 'offline', 'transfer': 'offline',
    }
ONLINE = [c for c, p in PROVIDERS.items() if p != 'offline']
STATES = [
    ('draft', "Draft"),
    ('pending', "Waiting for Payment"),
    ('collected', "To Hand In"),
    ('paid', "Paid"),
    ('partially_refunded', "Partially Refunded"),
    ('refunded', "Refunded"),
    ('closed', "Closed"),
    ('failed', "Failed"),
    ]
PAID_STATES = ['collected', 'paid', 'partially_refunded', 'refunded']
PURPOSES = [
    ('deposit', "Deposit"),
    ('balance', "Balance"),
    ('full', "Full Amount"),
    ]


class PaymentError(UserError):
    pass


class Payment(AuditMixin, ServerStates, Workflow, ModelSQL, ModelView):
    "Payment"
    __name__ = 'yuexing.payment'
    _rec_name = 'number'
    _draft = {'readonly': Eval('state') != 'draft'}

    number = fields.Char("Number", readonly=True,
        help="The merchant order number (out_trade_no) sent to the "
        "provider.")
    company = fields.Many2One('company.company', "Company", required=True,
        states=_draft)
    bill = fields.Many2One('account.invoice', "Bill", required=True,
        domain=[('type', '=', 'out'), ('company', '=', Eval('company', -1)),
            ('state', 'in', ['draft', 'validated', 'posted'])],
        states=_draft)
    party = fields.Many2One('party.party', "Customer", required=True,
        states=_draft, context={'company': Eval('company', -1)},
        depends={'company'})
    work_order = fields.Many2One('yuexing.work_order', "Work Order",
        states=_draft)
    channel = fields.Selection(CHANNELS, "Channel", required=True,
        states=_draft)
    channel_string = channel.translated('channel')
    provider = fields.Selection([
            ('wechat', "WeChat Pay"),
            ('alipay', "Alipay"),
            ('offline', "Offline"),
            ], "Provider", readonly=True)
    purpose = fields.Selection(PURPOSES, "Purpose", required=True,
        states=_draft)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True,
        domain=[('amount', '>', 0)], states=_draft)
    currency = fields.Function(fields.Many2One('currency.currency',
            "Currency"), 'on_change_with_currency')
    transaction_id = fields.Char("Provider Transaction", readonly=True)
    payer = fields.Char("Payer", readonly=True,
        help="openid (WeChat) or buyer id (Alipay).")
    prepay_id = fields.Char("Prepay ID", readonly=True)
    code_url = fields.Char("QR Code Content", readonly=True)
    expires_at = fields.DateTime("Expires At", readonly=True)
    paid_at = fields.DateTime("Paid At", readonly=True)
    last_query_at = fields.DateTime("Last Queried At", readonly=True)
    failure = fields.Char("Failure", readonly=True)
    collected_by = fields.Many2One('company.employee', "Collected By",
        states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('channel') == 'technician_cash',
            'invisible': Eval('channel') != 'technician_cash',
            })
    handed_in_at = fields.DateTime("Handed In At", readonly=True)
    reference = fields.Char("Voucher Reference", states=_draft,
        help="Bank reference of a transfer, receipt number of cash.")
    move = fields.Many2One('account.move', "Receipt Move", readonly=True)
    hand_in_move = fields.Many2One('account.move', "Hand-in Move",
        readonly=True)
    transfer_move = fields.Many2One('account.move', "Advance Transfer Move",
        readonly=True,
        help="Moves the deposit from advance receipts to the receivable "
        "when the bill is posted.")
    refunded_amount = fields.Numeric("Refunded", digits=(16, 2),
        readonly=True)
    refunds = fields.One2Many('yuexing.payment.refund', 'payment',
        "Refunds", readonly=True)
    logs = fields.One2Many('yuexing.payment.log', 'payment',
        "State History", readonly=True)
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
                'yuexing_payment.msg_payment_number_unique'),
            ('transaction_unique', Unique(t, t.provider, t.transaction_id),
                'yuexing_payment.msg_payment_transaction_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality()),
                    where=t.state.in_(['pending', 'collected'])),
                Index(t, (t.bill, Index.Range())),
                })
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'pending'),
            ('draft', 'paid'),
            ('draft', 'collected'),
            ('draft', 'closed'),
            ('pending', 'paid'),
            ('pending', 'closed'),
            ('pending', 'failed'),
            ('closed', 'paid'),  # a late success after a close: money came
            ('failed', 'paid'),
            ('collected', 'paid'),
            ('paid', 'partially_refunded'),
            ('paid', 'refunded'),
            ('partially_refunded', 'refunded'),
            }
        cls._buttons.update({
                'confirm_offline': {
                    'invisible': (Eval('state') != 'draft')
                    | ~Eval('channel').in_(['cash', 'transfer',
                            'technician_cash']),
                    'depends': ['state', 'channel'],
                    },
                'hand_in': {
                    'invisible': Eval('state') != 'collected',
                    'depends': ['state'],
                    },
                'query': {
                    'invisible': ~Eval('state').in_(['pending', 'closed',
                            'failed']),
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': ~Eval('state').in_(['draft', 'pending']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_purpose(cls):
        return 'full'

    @classmethod
    def default_refunded_amount(cls):
        return Decimal(0)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('bill', 'party', 'amount', 'work_order')
    def on_change_bill(self):
        if self.bill:
            self.party = self.bill.party
            self.work_order = getattr(self.bill, 'work_order', None)
            if not self.amount:
                self.amount = self.bill.bill_due_amount

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//page[@id="online"]', 'states', {
                    'invisible': Eval('provider') == 'offline'}),
            ]

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if not values.get('number'):
                values['number'] = cls.new_number()
            values['provider'] = PROVIDERS.get(values.get('channel'))
        payments = super().create(vlist)
        Log = Pool().get('yuexing.payment.log')
        Log.create([{'payment': p.id, 'from_state': None,
                    'to_state': p.state} for p in payments])
        return payments

    @classmethod
    def write(cls, *args):
        Log = Pool().get('yuexing.payment.log')
        logs = []
        actions = iter(args)
        for payments, values in zip(actions, actions, strict=False):
            if 'state' in values:
                note = Transaction().context.get('payment_log_note')
                logs.extend({'payment': p.id, 'from_state': p.state,
                        'to_state': values['state'], 'note': note}
                    for p in payments if p.state != values['state'])
            if 'channel' in values:
                values['provider'] = PROVIDERS.get(values['channel'])
        super().write(*args)
        if logs:
            Log.create(logs)

    @classmethod
    def delete(cls, payments):
        for payment in payments:
            if payment.state not in {'draft', 'closed', 'failed'} or (
                    payment.move):
                raise PaymentError(gettext(
                        'yuexing_payment.msg_payment_delete',
                        payment=payment.rec_name))
        super().delete(payments)

    @staticmethod
    def new_number():
        "out_trade_no: 6–32 letters/digits, unique per merchant."
        now = dt.datetime.now()
        return 'YX' + now.strftime('%Y%m%d%H%M%S') + secrets.token_hex(
            5).upper()

    def get_rec_name(self, name):
        return self.number or str(self.id)

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR', ('number',) + tuple(clause[1:]),
            ('transaction_id',) + tuple(clause[1:])]

    @property
    def refundable(self):
        "Paid minus refunded and refunds in progress."
        engaged = sum((r.amount for r in self.refunds
                if r.state not in {'rejected', 'failed', 'cancelled'}),
            Decimal(0))
        return self.amount - engaged

    @property
    def description(self):
        order = self.work_order
        return (f'月星防水维修费 {order.number}' if order
            else f'月星防水账单 {self.bill.rec_name}')

    # ---- creating online payments ----------------------------------------
    @classmethod
    def check_amount(cls, bill, amount):
        if amount <= 0 or amount > bill.bill_due_amount:
            raise PaymentError(gettext(
                    'yuexing_payment.msg_payment_amount_due',
                    amount=amount, due=bill.bill_due_amount,
                    bill=bill.rec_name))

    @classmethod
    def start_online(cls, bill, channel, amount=None, purpose=None,
            openid=None, buyer_id=None):
        """Create a payment for the bill and the provider's order;
        returns (payment, client parameters)."""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Invoice.lock([bill])
        if amount is None:
            amount, purpose = bill.next_payment()
        amount = Decimal(amount).quantize(CENT)
        cls.check_amount(bill, amount)
        # an earlier pending payment of the same amount is reused (a
        # double tap in the mini-program pays once)
        pending = cls.search([('bill', '=', bill.id),
                ('state', '=', 'pending'), ('channel', '=', channel),
                ('amount', '=', amount)], limit=1)
        if pending and pending[0].prepay_id and channel == 'wechat_jsapi':
            payment, = pending
            return payment, payment.client_params()
        config = clients.settings()
        payment, = cls.create([{
                    'company': bill.company.id, 'bill': bill.id,
                    'party': bill.party.id,
                    'work_order': (bill.work_order.id
                        if getattr(bill, 'work_order', None) else None),
                    'channel': channel, 'amount': amount,
                    'purpose': purpose or 'full', 'payer': openid or buyer_id,
                    'expires_at': dt.datetime.now() + dt.timedelta(
                        minutes=config['payment_close_minutes']),
                    }])
        values = {}
        try:
            if channel == 'wechat_jsapi':
                values['prepay_id'] = clients.wechatpay().jsapi_prepay(
                    payment.number, payment.description, amount, openid,
                    expire=payment.expires_at)
            elif channel == 'wechat_native':
                values['code_url'] = clients.wechatpay().native_prepay(
                    payment.number, payment.description, amount,
                    expire=payment.expires_at)
            elif channel == 'alipay_qr':
                values['code_url'] = clients.alipay().precreate(
                    payment.number, payment.description, amount)
            elif channel == 'alipay_mini':
                values['prepay_id'] = clients.alipay().create(
                    payment.number, payment.description, amount, buyer_id)
            elif channel == 'alipay_app':
                values['prepay_id'] = clients.alipay().app_order_string(
                    payment.number, payment.description, amount)
            else:
                raise ValueError(channel)
        except (WeChatPayError, AlipayError) as exception:
            raise PaymentError(gettext(
                    'yuexing_payment.msg_provider_refused',
                    message=exception.message)) from exception
        cls.write([payment], values)
        cls.pend([payment])
        return payment, payment.client_params()

    def client_params(self):
        "What the mini-program needs to open the cashier."
        if self.channel == 'wechat_jsapi':
            return {'wechat': clients.wechatpay(
                    with_notify=False).request_payment_params(
                    self.prepay_id)}
        if self.channel in {'wechat_native', 'alipay_qr'}:
            return {'code_url': self.code_url}
        if self.channel == 'alipay_mini':
            return {'alipay': {'tradeNO': self.prepay_id}}
        if self.channel == 'alipay_app':
            return {'alipay': {'orderStr': self.prepay_id}}
        return {}

    @classmethod
    @strict_transition('pending')
    def pend(cls, payments):
        pass

    # ---- confirming ---------------------------------------------------
    @classmethod
    def _confirm_paid(cls, payment, transaction_id, amount, paid_at=None,
            payer=None, source='notification'):
        """Book the payment as paid once; called with the row locked.
        Returns True when it was booked now, False when already booked
        with the same transaction. Raises PaymentAlert when it cannot be
        booked."""
        if payment.state in PAID_STATES:
            if payment.transaction_id == transaction_id:
                return False
            raise PaymentAlert('double_payment', payment=payment,
                detail=f'{payment.transaction_id} / {transaction_id}')
        if amount != payment.amount:
            raise PaymentAlert('amount_mismatch', payment=payment,
                detail=f'{payment.amount} ≠ {amount}')
        with Transaction().set_context(payment_log_note=source):
            cls.write([payment], {
                    'transaction_id': transaction_id,
                    'paid_at': paid_at or dt.datetime.now(),
                    'payer': payer or payment.payer,
                    'failure': None,
                    })
            cls.mark_paid([payment])
        return True

    @classmethod
    @strict_transition('paid')
    def mark_paid(cls, payments):
        for payment in payments:
            if payment.state == 'collected':
                continue  # booked at collection; hand_in books the cash
            payment.book()

    @classmethod
    def locked(cls, number):
        "The payment of out_trade_no, its row locked (None if unknown)."
        with without_check_access():
            payments = cls.search([('number', '=', number)], limit=1)
        if not payments:
            return None
        cls.lock(payments)
        payment = cls(payments[0].id)  # read after the lock
        return payment

    @classmethod
    def handle_wechat_transaction(cls, resource, source='notification'):
        """A decrypted transaction resource (notification or query); books
        at most once. Raises PaymentAlert when it does not match."""
        config = clients.settings()
        app_id = config.get('wechatpay_app_id') or config.get(
            'wechat_app_id')
        number = resource.get('out_trade_no')
        payment = cls.locked(number)
        if payment is None:
            raise PaymentAlert('unknown_order', detail=number)
        if resource.get('mchid') != config.get('wechatpay_mch_id') or (
                resource.get('appid') != app_id):
            raise PaymentAlert('merchant_mismatch', payment=payment,
                detail=f"{resource.get('mchid')} {resource.get('appid')}")
        amount = resource.get('amount') or {}
        if amount.get('currency', 'CNY') != 'CNY':
            raise PaymentAlert('currency_mismatch', payment=payment,
                detail=amount.get('currency'))
        state = resource.get('trade_state')
        if state == 'SUCCESS':
            return cls._confirm_paid(payment, resource['transaction_id'],
                from_fen(amount.get('total', 0)),
                paid_at=parse_time(resource.get('success_time')),
                payer=(resource.get('payer') or {}).get('openid'),
                source=source)
        if state in {'CLOSED', 'REVOKED'} and payment.state == 'pending':
            cls.close_local([payment])
        elif state == 'PAYERROR' and payment.state == 'pending':
            cls.write([payment], {'failure': resource.get(
                        'trade_state_desc')})
            cls.fail([payment])
        return False

    @classmethod
    def handle_alipay_notification(cls, params, source='notification'):
        config = clients.settings()
        payment = cls.locked(params.get('out_trade_no'))
        if payment is None:
            raise PaymentAlert('unknown_order',
                detail=params.get('out_trade_no'))
        if params.get('app_id', config.get('alipay_app_id')) != config.get(
                'alipay_app_id'):
            raise PaymentAlert('merchant_mismatch', payment=payment,
                detail=params.get('app_id'))
        status = params.get('trade_status')
        if status in {'TRADE_SUCCESS', 'TRADE_FINISHED'}:
            try:
                amount = Decimal(params.get('total_amount')).quantize(CENT)
            except Exception:
                amount = None
            return cls._confirm_paid(payment, params['trade_no'], amount,
                paid_at=_alipay_time(params.get('gmt_payment')
                    or params.get('send_pay_date')),
                payer=params.get('buyer_id'), source=source)
        if status == 'TRADE_CLOSED' and payment.state == 'pending':
            cls.close_local([payment])
        return False

    @classmethod
    @ModelView.button
    def query(cls, payments):
        """Ask the provider (a late notification): books a success, closes
        a closed order."""
        Alert = Pool().get('yuexing.payment.alert')
        for payment in payments:
            if payment.provider == 'offline' or payment.state not in {
                    'pending', 'closed', 'failed'}:
                continue
            try:
                if payment.provider == 'wechat':
                    resource = clients.wechatpay(with_notify=False).query(
                        payment.number)
                    cls.handle_wechat_transaction(resource, source='query')
                else:
                    node = clients.alipay(with_notify=False).query(
                        payment.number)
                    cls.handle_alipay_notification(
                        dict(node, app_id=clients.settings()[
                                'alipay_app_id']), source='query')
            except PaymentAlert as alert:
                Alert.raise_alert(alert)
            except (WeChatPayError, AlipayError) as exception:
                logger.info('query of %s failed: %s', payment.number,
                    exception)
            cls.write([cls(payment.id)], {
                    'last_query_at': dt.datetime.now()})

    @classmethod
    def query_pending(cls):
        """Cron: actively query the online payments still pending after
        the configured minutes; close those past their expiry."""
        config = clients.settings()
        now = dt.datetime.now()
        before = now - dt.timedelta(minutes=config['payment_query_minutes'])
        payments = cls.search([
                ('state', '=', 'pending'),
                ('provider', 'in', ['wechat', 'alipay']),
                ('create_date', '<=', before),
                ['OR', ('last_query_at', '=', None),
                    ('last_query_at', '<=', before)],
                ], limit=500)
        # lock them all at once: Tryton restarts the transaction with the
        # rows locked at its start, once rather than once per payment
        cls.lock(payments)
        for payment in payments:
            cls.query([payment])
        expired = cls.search([('state', '=', 'pending'),
                ('expires_at', '<', now)], limit=500)
        if expired:
            cls.close(expired)

    @classmethod
    @ModelView.button
    def close(cls, payments):
        "Close unpaid orders at the provider, then here."
        to_close = []
        for payment in payments:
            if payment.state == 'pending':
                try:
                    if payment.provider == 'wechat':
                        clients.wechatpay(with_notify=False).close(
                            payment.number)
                    elif payment.provider == 'alipay':
                        clients.alipay(with_notify=False).close(
                            payment.number)
                except (WeChatPayError, AlipayError) as exception:
                    if getattr(exception, 'code', None) in {
                            'ORDERPAID'} or getattr(exception, 'sub_code',
                            None) == 'ACQ.TRADE_STATUS_ERROR':
                        cls.query([payment])  # paid meanwhile: book it
                        continue
                    if getattr(exception, 'sub_code', None) != (
                            'ACQ.TRADE_NOT_EXIST'):
                        raise PaymentError(gettext(
                                'yuexing_payment.msg_provider_refused',
                                message=exception.message)) from exception
            to_close.append(payment)
        cls.close_local(to_close)

    @classmethod
    @strict_transition('closed')
    def close_local(cls, payments):
        pass

    @classmethod
    @strict_transition('failed')
    def fail(cls, payments):
        pass

    # ---- offline ------------------------------------------------------
    @classmethod
    @ModelView.button
    def confirm_offline(cls, payments):
        """Finance records cash or a transfer (a voucher image must be
        attached); a technician's collection stays to hand in."""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        paid, collected = [], []
        for payment in payments:
            if payment.channel not in {'cash', 'transfer',
                    'technician_cash'}:
                continue
            cls.check_amount(payment.bill, payment.amount)
            if payment.channel == 'technician_cash':
                collected.append(payment)
                continue
            if not Attachment.search([('resource', '=', str(payment))],
                    limit=1):
                raise PaymentError(gettext(
                        'yuexing_payment.msg_voucher_required',
                        payment=payment.rec_name))
            paid.append(payment)
        if collected:
            cls.collect(collected)
        if paid:
            cls.write(paid, {'paid_at': dt.datetime.now()})
            cls.mark_paid(paid)

    @classmethod
    @strict_transition('collected')
    def collect(cls, payments):
        cls.write(payments, {'paid_at': dt.datetime.now()})
        for payment in payments:
            payment.book()

    @classmethod
    @ModelView.button
    @strict_transition('paid')
    def hand_in(cls, payments):
        "Finance confirms the technician handed the cash in."
        pool = Pool()
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        config = clients.settings()
        moves = []
        for payment in payments:
            party = payment.collected_by.party
            move = payment._move(config['cash_journal'] or config[
                    'payment_journal'], [
                    (config['cash_account'], payment.amount, None),
                    (config['technician_cash_account'], -payment.amount,
                        party),
                    ], description=f'师傅交款 {payment.number}')
            moves.append(move)
            payment.hand_in_move = move
            payment.handed_in_at = dt.datetime.now()
        Move.save(moves)
        Move.post(moves)
        cls.save(payments)
        for payment in payments:
            lines = [l for m in (payment.move, payment.hand_in_move)
                for l in m.lines
                if l.account == config['technician_cash_account']]
            if sum(l.debit - l.credit for l in lines) == 0:
                Line.reconcile(lines)

    # ---- accounting ---------------------------------------------------
    def _debit_account(self, config):
        if self.channel == 'technician_cash':
            return config['technician_cash_account'], \
                self.collected_by.party
        return {
            'wechat': config['wechat_account'],
            'alipay': config['alipay_account'],
            }.get(self.provider) or (config['cash_account']
            if self.channel == 'cash' else config['bank_account']), None

    def _journal(self, config):
        name = {'wechat': 'wechat_journal', 'alipay': 'alipay_journal'
            }.get(self.provider) or (
            'transfer_journal' if self.channel == 'transfer'
            else 'cash_journal')
        return config[name] or config['payment_journal']

    def _move(self, journal, amounts, description=None, date=None):
        """An unsaved move: amounts are (account, signed amount (debit
        positive), party)."""
        pool = Pool()
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        Period = pool.get('account.period')
        Date = pool.get('ir.date')
        missing = [n for n, v in (('journal', journal),) if not v] + [
            'account' for a, _, _ in amounts if not a]
        if missing:
            raise PaymentError(gettext(
                    'yuexing_payment.msg_not_configured',
                    setting=', '.join(missing)))
        with Transaction().set_context(company=self.company.id):
            date = date or Date.today()
        lines = []
        for account, amount, party in amounts:
            line = Line(account=account,
                debit=amount if amount > 0 else Decimal(0),
                credit=-amount if amount < 0 else Decimal(0))
            if account.party_required:
                line.party = party or self.party
            lines.append(line)
        return Move(journal=journal, company=self.company,
            period=Period.find(self.company, date=date), date=date,
            origin=self, description=description or self.description,
            lines=lines)

    def book(self):
        """The receipt move (posted): Dr channel, Cr the bill's receivable
        (or advance receipts while the bill is not posted), added to the
        bill's payments and reconciled when it settles the bill."""
        pool = Pool()
        Move = pool.get('account.move')
        if self.move:
            return
        config = clients.settings()
        debit, debit_party = self._debit_account(config)
        posted = self.bill.state in {'posted', 'paid'}
        credit = self.bill.account if posted else config['advance_account']
        move = self._move(self._journal(config), [
                (debit, self.amount, debit_party),
                (credit, -self.amount, self.party),
                ], description=f'{self.channel_string} {self.number}')
        move.save()
        Move.post([move])
        self.move = move
        self.save()
        if posted:
            self.bill.settle_with([l for l in move.lines
                    if l.account == credit and l.credit])

    def advance_line(self):
        config = clients.settings()
        if not self.move or self.transfer_move:
            return None
        for line in self.move.lines:
            if line.account == config['advance_account'] and line.credit:
                return line
        return None

    @classmethod
    def refresh_refund_state(cls, payments):
        "After a refund completes: the refunded amount and the state."
        pool = Pool()
        Refund = pool.get('yuexing.payment.refund')
        refund = Refund.__table__()
        cursor = Transaction().connection.cursor()
        ids = [p.id for p in payments]
        cursor.execute(*refund.select(refund.payment, Sum(refund.amount),
                where=refund.payment.in_(ids) & (refund.state == 'done'),
                group_by=[refund.payment]))
        done = dict(cursor)
        for payment in payments:
            refunded = Decimal(done.get(payment.id) or 0).quantize(CENT)
            state = payment.state
            if refunded >= payment.amount:
                state = 'refunded'
            elif refunded > 0:
                state = 'partially_refunded'
            cls.write([payment], {'refunded_amount': refunded})
            if state != payment.state:
                cls.write([payment], {'state': state})


def _alipay_time(value):
    if not value:
        return None
    try:
        moment = dt.datetime.strptime(value, '%Y-%m-%d %H:%M:%S')
    except ValueError:
        return None
    return moment - dt.timedelta(hours=8)


class PaymentAlert(Exception):
    "A notification or answer that must not be booked."

    def __init__(self, kind, payment=None, detail=None):
        super().__init__(kind)
        self.kind = kind
        self.payment = payment
        self.detail = detail


class PaymentLog(ModelSQL, ModelView):
    "Payment State Change"
    __name__ = 'yuexing.payment.log'
    payment = fields.Many2One('yuexing.payment', "Payment", required=True,
        ondelete='CASCADE')
    from_state = fields.Selection([(None, '')] + STATES, "From")
    to_state = fields.Selection(STATES, "To", required=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    date = fields.DateTime("Date", readonly=True)
    note = fields.Char("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'ASC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.payment, Index.Range())))

    @classmethod
    def create(cls, vlist):
        now = dt.datetime.now()
        user = Transaction().user
        vlist = [dict(v, date=now, user=user) for v in vlist]
        return super().create(vlist)


class PaymentAlertRecord(ModelSQL, ModelView):
    "Payment Alert"
    __name__ = 'yuexing.payment.alert'
    _rec_name = 'detail'
    kind = fields.Selection([
            ('bad_signature', "Bad Signature"),
            ('amount_mismatch', "Amount Mismatch"),
            ('merchant_mismatch', "Merchant or App Mismatch"),
            ('currency_mismatch', "Currency Mismatch"),
            ('unknown_order', "Unknown Order"),
            ('double_payment', "Paid Twice"),
            ('refund_mismatch', "Refund Mismatch"),
            ], "Kind", readonly=True, required=True)
    kind_string = kind.translated('kind')
    payment = fields.Many2One('yuexing.payment', "Payment", readonly=True)
    source = fields.Char("Source", readonly=True)
    detail = fields.Char("Detail", readonly=True)
    resolved = fields.Boolean("Resolved")
    date = fields.Function(fields.DateTime("Date"), 'get_date')
    summary = fields.Function(fields.Char("Summary"), 'get_summary')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]

    def get_date(self, name):
        return self.create_date.replace(microsecond=0)

    def get_summary(self, name):
        "What the message centre tells finance."
        number = self.payment.number if self.payment else '-'
        return f'{self.kind_string}：{number} {self.detail or ""}'.strip()

    @classmethod
    def default_resolved(cls):
        return False

    @classmethod
    def raise_alert(cls, alert, source=None):
        "Store the alert and tell finance (message centre)."
        pool = Pool()
        Message = pool.get('yuexing.message')
        with without_check_access():
            record, = cls.create([{
                        'kind': alert.kind,
                        'payment': alert.payment.id if alert.payment
                        else None,
                        'source': source,
                        'detail': (alert.detail or '')[:200],
                        }])
            logger.warning('payment alert %s %s %s', alert.kind,
                alert.payment and alert.payment.number, alert.detail)
            Message.notify('payment_alert', [record],
                users=finance_users())
        return record


def finance_users():
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    group = ModelData.get_id('yuexing_base', 'group_finance')
    with without_check_access():
        return User.search([('groups', '=', group)])


__all__ = ['Payment', 'PaymentLog', 'PaymentAlertRecord', 'PaymentAlert',
    'Null', 'Bool', 'If', 'to_fen']
