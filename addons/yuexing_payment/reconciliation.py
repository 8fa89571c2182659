"""对账: the providers' daily statement files imported (or downloaded) and
matched with the recorded payments and refunds on out_trade_no /
out_refund_no; the differences (missing on our side, missing on theirs,
amount differences) are listed for finance to resolve."""
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import clients
from .alipay import AlipayError
from .statement_file import StatementFormatError, parse_alipay, parse_wechat
from .wechatpay import WeChatPayError

PAID_STATES = ['collected', 'paid', 'partially_refunded', 'refunded']


class Statement(Workflow, ModelSQL, ModelView):
    "Provider Statement"
    __name__ = 'yuexing.payment.statement'
    _draft = {'readonly': Eval('state') != 'draft'}
    provider = fields.Selection([
            ('wechat', "WeChat Pay"),
            ('alipay', "Alipay"),
            ], "Provider", required=True, states=_draft)
    date = fields.Date("Date", required=True, states=_draft)
    file = fields.Binary("File", filename='filename', states=_draft)
    filename = fields.Char("File Name", states=_draft)
    lines = fields.One2Many('yuexing.payment.statement.line', 'statement',
        "Lines", readonly=True)
    differences = fields.One2Many('yuexing.payment.statement.difference',
        'statement', "Differences", readonly=True)
    line_count = fields.Function(fields.Integer("Lines"), 'get_counts')
    open_differences = fields.Function(fields.Integer("Open Differences"),
        'get_counts')
    state = fields.Selection([
            ('draft', "Draft"),
            ('matched', "Matched"),
            ('done', "Done"),
            ], "State", readonly=True, required=True)
    del _draft

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'matched'), ('matched', 'done'),
            ('matched', 'draft')}
        cls._buttons.update({
                'fetch': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'match': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'reset': {'invisible': Eval('state') != 'matched',
                    'depends': ['state']},
                'finish': {'invisible': Eval('state') != 'matched',
                    'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today() - dt.timedelta(days=1)

    def get_rec_name(self, name):
        return f'{self.provider_string} {self.date}'

    provider_string = provider.translated('provider')

    @classmethod
    def get_counts(cls, statements, names):
        result = {n: {} for n in names}
        for statement in statements:
            if 'line_count' in names:
                result['line_count'][statement.id] = len(statement.lines)
            if 'open_differences' in names:
                result['open_differences'][statement.id] = len([d
                        for d in statement.differences
                        if d.state == 'open'])
        return result

    @classmethod
    @ModelView.button
    def fetch(cls, statements):
        "Download the statement of the day from the provider."
        import requests
        for statement in statements:
            try:
                if statement.provider == 'wechat':
                    text = clients.wechatpay(with_notify=False).trade_bill(
                        statement.date)
                    statement.file = text.encode('utf-8')
                    statement.filename = f'wechat-{statement.date}.csv'
                else:
                    url = clients.alipay(with_notify=False).bill_url(
                        statement.date)
                    statement.file = requests.get(url, timeout=30).content
                    statement.filename = f'alipay-{statement.date}.csv'
            except (WeChatPayError, AlipayError,
                    requests.RequestException) as exception:
                raise UserError(gettext(
                        'yuexing_payment.msg_provider_refused',
                        message=str(exception))) from exception
        cls.save(statements)
        cls.match(statements)

    def parse(self):
        if not self.file:
            raise UserError(gettext('yuexing_payment.msg_statement_no_file',
                    statement=self.rec_name))
        try:
            if self.provider == 'wechat':
                return parse_wechat(bytes(self.file))
            return parse_alipay(bytes(self.file))
        except StatementFormatError as exception:
            raise UserError(gettext(
                    'yuexing_payment.msg_statement_format',
                    statement=self.rec_name, error=str(exception))
                ) from exception

    @classmethod
    @ModelView.button
    @Workflow.transition('matched')
    def match(cls, statements):
        """Parse the file, store its lines and compare with our payments
        and refunds of the day (by number), in bulk."""
        pool = Pool()
        Line = pool.get('yuexing.payment.statement.line')
        Difference = pool.get('yuexing.payment.statement.difference')
        Payment = pool.get('yuexing.payment')
        Refund = pool.get('yuexing.payment.refund')
        Line.delete([l for s in statements for l in s.lines])
        Difference.delete([d for s in statements for d in s.differences])
        for statement in statements:
            rows = statement.parse()
            numbers = {r['out_trade_no'] for r in rows}
            refund_numbers = {r['out_refund_no'] for r in rows
                if r['kind'] == 'refund' and r['out_refund_no']}
            start = dt.datetime.combine(statement.date, dt.time())
            end = start + dt.timedelta(days=1)
            ours = {p.number: p for p in Payment.search(['OR',
                        ('number', 'in', list(numbers)),
                        [('provider', '=', statement.provider),
                            ('state', 'in', PAID_STATES),
                            ('paid_at', '>=', start - dt.timedelta(hours=8)),
                            ('paid_at', '<', end - dt.timedelta(hours=8))],
                        ])}
            our_refunds = {r.number: r for r in Refund.search(['OR',
                        ('number', 'in', list(refund_numbers)),
                        [('payment.provider', '=', statement.provider),
                            ('state', '=', 'done'),
                            ('done_at', '>=', start - dt.timedelta(hours=8)),
                            ('done_at', '<', end - dt.timedelta(hours=8))],
                        ])}
            lines, differences = [], []
            seen_payments, seen_refunds = set(), set()
            for row in rows:
                line = Line(statement=statement, kind=row['kind'],
                    out_trade_no=row['out_trade_no'],
                    transaction_id=row['transaction_id'],
                    out_refund_no=row.get('out_refund_no'),
                    amount=row['amount'], fee=row.get('fee'),
                    trade_date=row['date'])
                if row['kind'] == 'payment':
                    record = ours.get(row['out_trade_no'])
                    if record:
                        line.payment = record
                        seen_payments.add(record.number)
                        ok = (record.state in PAID_STATES
                            and record.amount == row['amount'])
                    else:
                        ok = False
                else:
                    record = our_refunds.get(row.get('out_refund_no'))
                    if record:
                        line.refund = record
                        line.payment = record.payment
                        seen_refunds.add(record.number)
                        ok = (record.state == 'done'
                            and record.amount == row['amount'])
                    else:
                        ok = False
                line.matched = ok
                lines.append(line)
                if ok:
                    continue
                if record is None or (row['kind'] == 'payment'
                        and record.state not in PAID_STATES) or (
                        row['kind'] == 'refund' and record.state != 'done'):
                    kind = 'missing_ours'
                else:
                    kind = 'amount'
                differences.append(Difference(statement=statement,
                        kind=kind, line=line,
                        payment=getattr(line, 'payment', None),
                        refund=getattr(line, 'refund', None),
                        reference=row.get('out_refund_no')
                        or row['out_trade_no'],
                        their_amount=row['amount'],
                        our_amount=(record.amount if record else None)))
            for number, payment in ours.items():
                if number not in seen_payments and payment.state in \
                        PAID_STATES and payment.paid_at and (
                        start - dt.timedelta(hours=8) <= payment.paid_at
                        < end - dt.timedelta(hours=8)):
                    differences.append(Difference(statement=statement,
                            kind='missing_theirs', payment=payment,
                            reference=number, our_amount=payment.amount))
            for number, refund in our_refunds.items():
                if number not in seen_refunds and refund.state == 'done':
                    differences.append(Difference(statement=statement,
                            kind='missing_theirs', refund=refund,
                            payment=refund.payment, reference=number,
                            our_amount=refund.amount))
            Line.save(lines)
            Difference.save(differences)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def reset(cls, statements):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def finish(cls, statements):
        for statement in statements:
            if statement.open_differences:
                raise UserError(gettext(
                        'yuexing_payment.msg_statement_open_differences',
                        statement=statement.rec_name,
                        count=statement.open_differences))

    @classmethod
    def fetch_yesterday(cls):
        "Cron: download and match yesterday's statements."
        Date = Pool().get('ir.date')
        config = clients.settings()
        day = Date.today() - dt.timedelta(days=1)
        statements = []
        for provider, key in (('wechat', 'wechatpay_mch_id'),
                ('alipay', 'alipay_app_id')):
            if config.get(key) and not cls.search([
                        ('provider', '=', provider), ('date', '=', day)]):
                statements.append(cls(provider=provider, date=day))
        if statements:
            cls.save(statements)
            cls.fetch(statements)


class StatementLine(ModelSQL, ModelView):
    "Provider Statement Line"
    __name__ = 'yuexing.payment.statement.line'
    statement = fields.Many2One('yuexing.payment.statement', "Statement",
        required=True, ondelete='CASCADE')
    kind = fields.Selection([
            ('payment', "Payment"),
            ('refund', "Refund"),
            ], "Kind", readonly=True)
    trade_date = fields.DateTime("Time", readonly=True)
    out_trade_no = fields.Char("Merchant Order", readonly=True)
    transaction_id = fields.Char("Provider Transaction", readonly=True)
    out_refund_no = fields.Char("Merchant Refund", readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)
    fee = fields.Numeric("Fee", digits=(16, 5), readonly=True)
    payment = fields.Many2One('yuexing.payment', "Payment", readonly=True)
    refund = fields.Many2One('yuexing.payment.refund', "Refund",
        readonly=True)
    matched = fields.Boolean("Matched", readonly=True)


class Difference(ModelSQL, ModelView):
    "Statement Difference"
    __name__ = 'yuexing.payment.statement.difference'
    statement = fields.Many2One('yuexing.payment.statement', "Statement",
        required=True, ondelete='CASCADE')
    kind = fields.Selection([
            ('missing_ours', "Missing in Our Records"),
            ('missing_theirs', "Missing in the Statement"),
            ('amount', "Amount Difference"),
            ], "Kind", readonly=True, required=True)
    kind_string = kind.translated('kind')
    reference = fields.Char("Reference", readonly=True)
    line = fields.Many2One('yuexing.payment.statement.line', "Line",
        readonly=True, ondelete='CASCADE')
    payment = fields.Many2One('yuexing.payment', "Payment", readonly=True)
    refund = fields.Many2One('yuexing.payment.refund', "Refund",
        readonly=True)
    our_amount = fields.Numeric("Our Amount", digits=(16, 2), readonly=True)
    their_amount = fields.Numeric("Their Amount", digits=(16, 2),
        readonly=True)
    state = fields.Selection([
            ('open', "Open"),
            ('resolved', "Resolved"),
            ], "State", readonly=True, required=True)
    resolution = fields.Text("Resolution",
        states={'readonly': Eval('state') != 'open',
            'required': Eval('state') == 'resolved'})
    resolved_by = fields.Many2One('res.user', "Resolved By", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'resolve': {'invisible': Eval('state') != 'open',
                    'depends': ['state']},
                'recover': {'invisible': (Eval('state') != 'open')
                    | (Eval('kind') != 'missing_ours'),
                    'depends': ['state', 'kind']},
                })

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    @ModelView.button
    def resolve(cls, differences):
        for difference in differences:
            if not difference.resolution:
                raise UserError(gettext(
                        'yuexing_payment.msg_difference_resolution',
                        difference=difference.reference))
        cls.write(differences, {'state': 'resolved',
                'resolved_by': Transaction().user})

    @classmethod
    @ModelView.button
    def recover(cls, differences):
        """Missing on our side: query the provider, which books the payment
        when it was really paid (a lost notification)."""
        Payment = Pool().get('yuexing.payment')
        payments = [d.payment for d in differences
            if d.payment and d.payment.state in {'pending', 'closed',
                'failed'}]
        if payments:
            Payment.query(payments)
        recovered = [d for d in differences if d.payment
            and Payment(d.payment.id).state in PAID_STATES]
        if recovered:
            cls.write(recovered, {'state': 'resolved',
                    'resolution': '已主动查询并入账',
                    'resolved_by': Transaction().user})


__all__ = ['Decimal']
