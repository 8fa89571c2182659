"""凭证: one NC voucher per posted account move, whatever module posted it;
rendered as XChange XML, pushed on the task queue with exponential backoff,
idempotent (our document id is NC's business key with replace semantics,
and an accepted voucher is never sent again)."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond import config as trytond_config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from . import xchange
from .mapping import EVENTS

STATES = [
    ('pending', "Pending"),
    ('sent', "Sent"),
    ('accepted', "Accepted"),
    ('rejected', "Rejected"),
    ]
CHANNEL_JOURNALS = {'CASH', 'BANK', 'WXPAY', 'ALIPAY'}
ZERO = Decimal(0)


class Voucher(AuditMixin, Workflow, ModelSQL, ModelView):
    "NC Voucher"
    __name__ = 'yuexing.nc.voucher'
    _rec_name = 'document_id'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    move = fields.Many2One(
        'account.move', "Move", required=True, readonly=True,
        ondelete='RESTRICT')
    document_id = fields.Char("Document ID", required=True, readonly=True,
        help="Our business key in NC (replace semantics).")
    date = fields.Date("Date", required=True, readonly=True)
    period = fields.Many2One(
        'account.period', "Period", required=True, readonly=True)
    # Static: the labels of a static selection are translated, a method's not.
    event = fields.Selection(EVENTS, "Event", readonly=True)
    event_string = event.translated('event')
    description = fields.Char("Description", readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True)
    state_string = state.translated('state')
    nc_number = fields.Char("NC Voucher Number", readonly=True)
    error = fields.Text("Error", readonly=True,
        states={'invisible': ~Eval('error')})
    attempts = fields.Integer("Attempts", readonly=True)
    next_attempt_at = fields.DateTime("Next Attempt", readonly=True)
    sent_at = fields.DateTime("Sent At", readonly=True)
    accepted_at = fields.DateTime("Accepted At", readonly=True)
    xml = fields.Text("Document", readonly=True)
    answer = fields.Text("NC Answer", readonly=True)
    logs = fields.One2Many(
        'yuexing.nc.voucher.log', 'voucher', "History", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('move_uniq', Unique(t, t.move),
                'yuexing_nc_connector.msg_voucher_move_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality()),
                    (t.next_attempt_at, Index.Range())),
                Index(t, (t.period, Index.Equality())),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('pending', 'sent'), ('pending', 'accepted'),
            ('pending', 'rejected'), ('sent', 'accepted'),
            ('sent', 'rejected'), ('sent', 'sent'),
            ('rejected', 'pending'),
            }
        cls._buttons.update({
                'send': {
                    'invisible': ~Eval('state').in_(
                        ['pending', 'sent', 'rejected']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_attempts(cls):
        return 0

    # ---- creation ----

    @classmethod
    def event_of(cls, move):
        "The business event a posted move records."
        if move.nc_event:
            return move.nc_event
        origin = move.origin
        if origin and origin.__name__ == 'account.invoice':
            return 'revenue' if origin.type == 'out' else 'purchase'
        code = move.journal.code if move.journal else None
        if code in CHANNEL_JOURNALS:
            accounts = {l.account.code: l.debit - l.credit
                for l in move.lines}
            cash = sum(v for k, v in accounts.items()
                if k[:4] in {'1001', '1002', '1012'})
            customer = {k for k in accounts
                if k[:4] in {'1122', '2203', '2204'}}
            if customer and cash < 0:
                return 'refund'
            if customer and cash > 0:
                if customer & {'2203', '2204'}:
                    return 'deposit'
                return 'receipt'
            if cash < 0 and any(k[:4] == '2202' for k in accounts):
                return 'payment'
        return 'other'

    @classmethod
    def create_for_moves(cls, moves):
        "Vouchers for the posted moves that have none yet."
        moves = [m for m in moves if m.state == 'posted']
        if not moves:
            return []
        existing = set()
        for sub in grouped_slice([m.id for m in moves], 500):
            existing.update(v.move.id for v in cls.search(
                    [('move', 'in', list(sub))]))
        to_create = []
        for move in moves:
            if move.id in existing:
                continue
            amount = sum((l.debit for l in move.lines), ZERO)
            to_create.append({
                    'company': move.company.id,
                    'move': move.id,
                    'document_id': 'YX%s-%s' % (move.company.id, move.id),
                    'date': move.date,
                    'period': move.period.id,
                    'event': cls.event_of(move),
                    'description': (move.description or move.number
                        or '')[:200],
                    'amount': amount,
                    })
        vouchers = cls.create(to_create)
        cls.log_state(vouchers, None, 'pending')
        return vouchers

    @classmethod
    def scan(cls):
        "Cron: vouchers for posted moves not yet vouchered."
        pool = Pool()
        Move = pool.get('account.move')
        move = Move.__table__()
        voucher = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*move.join(voucher, 'LEFT',
                condition=voucher.move == move.id).select(
                move.id,
                where=(move.state == 'posted') & (voucher.id == None)))  # noqa
        ids = [r[0] for r in cursor]
        vouchers = []
        for sub in grouped_slice(ids, 500):
            vouchers += cls.create_for_moves(Move.browse(list(sub)))
        return vouchers

    # ---- rendering ----

    @classmethod
    def documents(cls, vouchers):
        "{voucher: xchange.VoucherDoc} built in bulk."
        pool = Pool()
        Configuration = pool.get('yuexing.configuration')
        SubjectMap = pool.get('yuexing.nc.subject_map')
        Code = pool.get('yuexing.nc.code')
        config = Configuration(1)
        resolvers = {}
        lines = [l for v in vouchers for l in v.move.lines]
        parties = {l.party for l in lines if l.party}
        customers = Code.lookup('customer', parties)
        suppliers = Code.lookup('supplier', parties)
        employees = {l.origin.employee for l in lines
            if l.origin and l.origin.__name__ == 'yuexing.work_order.cost'
            and l.origin.employee}
        staff = Code.lookup('staff', employees)
        result = {}
        for voucher in vouchers:
            move = voucher.move
            company = voucher.company
            resolve = resolvers.get(company.id)
            if resolve is None:
                resolve = resolvers[company.id] = SubjectMap.resolver(
                    company)
            order = cls._order_of(move)
            entries = []
            for line in sorted(move.lines,
                    key=lambda l: (not l.debit, l.id)):
                account = line.account
                tax = (line.tax_lines[0].tax if line.tax_lines else None)
                aux = []
                if line.party:
                    code = (suppliers.get(line.party.id)
                        if account.type and account.type.payable
                        else customers.get(line.party.id))
                    aux.append((config.nc_check_customer,
                            code or line.party.code or str(line.party.id)))
                cost_line = (line.origin
                    if line.origin and line.origin.__name__
                    == 'yuexing.work_order.cost' else None)
                code_prefix = account.code or ''
                if config.nc_department and code_prefix[:2] in {
                        '54', '64', '66'}:
                    aux.append((config.nc_check_department,
                            config.nc_department))
                line_order = cost_line.work_order if cost_line else order
                if line_order and code_prefix[:2] in {'54', '60', '64'}:
                    aux.append((config.nc_check_project, line_order.number))
                if cost_line and cost_line.employee:
                    aux.append((config.nc_check_person,
                            staff.get(cost_line.employee.id)
                            or cost_line.employee.party.code
                            or str(cost_line.employee.id)))
                entries.append(xchange.Entry(
                        explanation=(line.description or move.description
                            or voucher.event_string or '')[:200],
                        subject=resolve(account, voucher.event,
                            move.journal, tax),
                        debit=line.debit, credit=line.credit,
                        currency=company.currency.code, aux=aux))
            result[voucher] = xchange.VoucherDoc(
                document_id=voucher.document_id, book=config.nc_book,
                org=config.nc_org, voucher_type=config.nc_voucher_type,
                date=voucher.date, preparer=config.nc_preparer,
                entries=entries, explanation=voucher.description or '')
        return result

    @classmethod
    def _order_of(cls, move):
        origin = move.origin
        if origin is None:
            return None
        if origin.__name__ == 'yuexing.work_order':
            return origin
        if origin.__name__ == 'account.invoice':
            for line in origin.lines:
                if (line.origin and line.origin.__name__
                        == 'yuexing.work_order'):
                    return line.origin
        return None

    def render(self):
        config = Pool().get('yuexing.configuration')(1)
        doc = self.documents([self])[self]
        return xchange.render_voucher(config.nc_envelope(), doc)

    # ---- pushing ----

    @classmethod
    @ModelView.button
    def send(cls, vouchers):
        "Send now (a rejected voucher is sent again after correction)."
        rejected = [v for v in vouchers if v.state == 'rejected']
        if rejected:
            cls.write(rejected, {'error': None, 'attempts': 0})
            cls.reset(rejected)
        cls.write(vouchers, {'next_attempt_at': None})
        cls.__queue__.push(vouchers)

    @classmethod
    @Workflow.transition('pending')
    def reset(cls, vouchers):
        cls.log_state(vouchers, 'rejected', 'pending')

    @classmethod
    def log_state(cls, vouchers, from_state, to_state, message=None):
        Log = Pool().get('yuexing.nc.voucher.log')
        with without_check_access():
            Log.create([{
                        'voucher': v.id, 'from_state': from_state,
                        'to_state': to_state, 'message': message,
                        } for v in vouchers])

    @classmethod
    def push(cls, vouchers, session=None):
        """One attempt per voucher (queue task): accepted with NC's number,
        rejected with NC's error, or kept 'sent' and retried with backoff
        after a transport failure (timeout, connection)."""
        pool = Pool()
        Configuration = pool.get('yuexing.configuration')
        config = Configuration(1)
        url = config.get_nc_url()
        if not url:
            return
        cls.lock(vouchers)
        # Re-read under the lock: another task may have pushed them.
        vouchers = [v for v in cls.browse([v.id for v in vouchers])
            if v.state in {'pending', 'sent'}]
        if not vouchers:
            return
        envelope = config.nc_envelope()
        docs = cls.documents(vouchers)
        now = dt.datetime.now()
        retry = []
        for voucher in vouchers:
            data = xchange.render_voucher(envelope, docs[voucher])
            attempts = (voucher.attempts or 0) + 1
            values = {'attempts': attempts, 'sent_at': now,
                'xml': data.decode('utf-8')}
            from_state = voucher.state
            try:
                result = xchange.post(url, data, timeout=config.nc_timeout,
                    session=session)
            except xchange.XChangeError as error:
                if attempts >= config.nc_max_attempts:
                    values.update(state='rejected', error=gettext(
                            'yuexing_nc_connector.msg_voucher_gave_up',
                            attempts=attempts, error=str(error)))
                else:
                    delay = config.nc_retry_delay * 2 ** (attempts - 1)
                    values.update(state='sent', error=str(error),
                        next_attempt_at=now + dt.timedelta(seconds=delay))
                    retry.append((voucher, delay))
            else:
                values['answer'] = result.description
                if result.ok:
                    values.update(state='accepted', nc_number=result.content,
                        accepted_at=now, error=None, next_attempt_at=None)
                else:
                    values.update(state='rejected', error='[%s] %s' % (
                            result.code, result.description),
                        next_attempt_at=None)
            cls.write([voucher], values)
            cls.log_state([voucher], from_state, values['state'],
                values.get('error'))
        if retry and trytond_config.getboolean(
                'queue', 'worker', default=False):
            for voucher, delay in retry:
                with Transaction().set_context(
                        queue_scheduled_at=dt.timedelta(seconds=delay)):
                    cls.__queue__.push([voucher])

    @classmethod
    def push_due(cls):
        "Cron: push pending vouchers and retries whose time has come."
        config = Pool().get('yuexing.configuration')(1)
        if not config.get_nc_url():
            return
        now = dt.datetime.now()
        vouchers = cls.search(['OR',
                ('state', '=', 'pending'),
                [('state', '=', 'sent'),
                    ['OR', ('next_attempt_at', '=', None),
                        ('next_attempt_at', '<=', now)]],
                ], order=[('id', 'ASC')])
        for sub in grouped_slice(vouchers, 50):
            cls.push(list(sub))

    @classmethod
    def check_period_in_nc(cls, periods):
        "Refuse closing a period whose vouchers are not all in NC."
        pool = Pool()
        Move = pool.get('account.move')
        for period in periods:
            missing = cls.search([
                    ('period', '=', period.id),
                    ('state', '!=', 'accepted'),
                    ], limit=1)
            unvouchered = Move.search([
                    ('period', '=', period.id),
                    ('state', '=', 'posted'),
                    ('id', 'not in', [v.move.id for v in cls.search([
                                ('period', '=', period.id)])]),
                    ], limit=1)
            if missing or unvouchered:
                count = cls.search([
                        ('period', '=', period.id),
                        ('state', '!=', 'accepted')], count=True)
                raise UserError(gettext(
                        'yuexing_nc_connector.msg_period_not_in_nc',
                        period=period.rec_name,
                        count=count + len(unvouchered)))

    @classmethod
    def state_counts(cls, period):
        counts = defaultdict(int)
        for voucher in cls.search([('period', '=', period.id)]):
            counts[voucher.state] += 1
        return dict(counts)


class VoucherLog(ModelSQL, ModelView):
    "NC Voucher History"
    __name__ = 'yuexing.nc.voucher.log'
    voucher = fields.Many2One(
        'yuexing.nc.voucher', "Voucher", required=True, ondelete='CASCADE')
    from_state = fields.Selection(
        [(None, '')] + STATES, "From", readonly=True)
    to_state = fields.Selection(STATES, "To", readonly=True)
    message = fields.Text("Message", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('voucher')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.voucher, Index.Equality())))
        cls._order = [('id', 'DESC')]


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'
    nc_event = fields.Selection(EVENTS, "NC Event", readonly=True)

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['yuexing.work_order']

    @classmethod
    def post(cls, moves):
        super().post(moves)
        Voucher = Pool().get('yuexing.nc.voucher')
        Voucher.create_for_moves(moves)


class MoveLine(metaclass=PoolMeta):
    __name__ = 'account.move.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['yuexing.work_order.cost']


class Period(metaclass=PoolMeta):
    __name__ = 'account.period'

    @classmethod
    def close(cls, periods):
        Voucher = Pool().get('yuexing.nc.voucher')
        Voucher.check_period_in_nc(periods)
        super().close(periods)
