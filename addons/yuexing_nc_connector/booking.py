"""Cost events as account moves: material issue, labour, subcontract and
indirect cost of a work order (from its cost lines), the carry-over to
主营业务成本 on completion, payroll. Each move is posted, so its voucher is
created by the post hook."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Model, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

ZERO = Decimal(0)
# cost kind → (debit account, credit account)
COST_ACCOUNTS = {
    'material': ('540101', '1403'),
    'labour': ('540102', '2211'),
    'subcontract': ('540103', '224199'),
    'indirect': ('540104', '6602'),
    }
CARRYOVER_ACCOUNT = '6401'


class Booking(Model):
    "NC Booking"
    __name__ = 'yuexing.nc.booking'

    @classmethod
    def _accounts(cls, company):
        Setup = Pool().get('yuexing.account.setup')
        return Setup.accounts(company)

    @classmethod
    def _journal(cls, code='GEN'):
        return Pool().get('yuexing.account.setup').journal(code)

    @classmethod
    def booking_date(cls, company, date):
        """date when its period is open, else today (a closed or missing
        period cannot take the move)."""
        pool = Pool()
        Period = pool.get('account.period')
        Date = pool.get('ir.date')
        if date and Period.search([
                    ('company', '=', company.id),
                    ('start_date', '<=', date), ('end_date', '>=', date),
                    ('type', '=', 'standard'), ('state', '=', 'open')],
                limit=1):
            return date
        return Date.today()

    @classmethod
    def _move(cls, company, date, description, event, lines, origin=None,
            journal='GEN'):
        pool = Pool()
        Move = pool.get('account.move')
        Period = pool.get('account.period')
        date = cls.booking_date(company, date)
        period = Period.find(company, date=date)
        return Move(
            company=company, period=period, journal=cls._journal(journal),
            date=date, description=description, nc_event=event,
            origin=origin, lines=lines)

    @classmethod
    def book_costs(cls, orders):
        """Post the unbooked cost lines of the orders: one move per order
        and event (material / labour), Dr 5401xx / Cr 1403, 2211, …"""
        pool = Pool()
        CostLine = pool.get('yuexing.work_order.cost')
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        lines = CostLine.search([
                ('work_order', 'in', [o.id for o in orders]),
                ('booked', '=', False),
                ('amount', '>', 0),
                ], order=[('work_order', 'ASC'), ('id', 'ASC')])
        groups = defaultdict(list)
        for line in lines:
            event = 'labour' if line.kind == 'labour' else 'material'
            groups[(line.work_order, event)].append(line)
        moves = []
        for (order, event), cost_lines in groups.items():
            company = order.company
            accounts = cls._accounts(company)
            move_lines = []
            credits = defaultdict(lambda: ZERO)
            for cost in cost_lines:
                debit_code, credit_code = COST_ACCOUNTS[cost.kind]
                move_lines.append(Line(
                        account=accounts[debit_code], debit=cost.amount,
                        credit=ZERO, origin=cost,
                        description=cost.description[:100]))
                credits[credit_code] += cost.amount
            for code, amount in credits.items():
                move_lines.append(Line(
                        account=accounts[code], debit=ZERO, credit=amount,
                        description=order.number))
            date = max(c.date for c in cost_lines)
            label = gettext('yuexing_nc_connector.msg_move_%s' % event,
                order=order.number)
            moves.append(cls._move(company, date, label, event, move_lines,
                    origin=order))
        if moves:
            Move.save(moves)
            Move.post(moves)
            CostLine.write(lines, {'booked': True})
        return moves

    @classmethod
    def carryover_account(cls, order):
        "Code of the account the cost of a finished order is carried to."
        return CARRYOVER_ACCOUNT

    @classmethod
    def carry_over(cls, orders):
        """Cost carry-over of finished orders: Dr 6401 / Cr 5401xx for what
        their booked cost lines put on 5401 and is not carried yet."""
        pool = Pool()
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        Date = pool.get('ir.date')
        done = {m.origin.id for m in Move.search([
                    ('origin', 'in', [str(o) for o in orders]),
                    ('nc_event', '=', 'carryover')])}
        moves = []
        for order in orders:
            if order.id in done:
                continue
            totals = defaultdict(lambda: ZERO)
            for cost in order.costs:
                if cost.booked and cost.amount:
                    totals[COST_ACCOUNTS[cost.kind][0]] += cost.amount
            total = sum(totals.values(), ZERO)
            if not total:
                continue
            company = order.company
            accounts = cls._accounts(company)
            move_lines = [Line(account=accounts[cls.carryover_account(order)],
                    debit=total, credit=ZERO, description=order.number)]
            for code, amount in sorted(totals.items()):
                move_lines.append(Line(account=accounts[code], debit=ZERO,
                        credit=amount, description=order.number))
            date = (order.completed_at.date() if order.completed_at
                else Date.today())
            moves.append(cls._move(company, date, gettext(
                        'yuexing_nc_connector.msg_move_carryover',
                        order=order.number), 'carryover', move_lines,
                    origin=order))
        if moves:
            Move.save(moves)
            Move.post(moves)
        return moves

    @classmethod
    def book_payroll(cls, company, date, totals, description=None):
        """Payroll accrual. totals: {'labour': 5401 人工, 'admin': 6602,
        'selling': 6601, 'tax': 222102 个税, 'social': 224101,
        'housing': 224102} — gross = labour + admin + selling is credited
        to 2211 net of the withholdings. The staff module's
        payslip.payroll_totals(periods) feeds it when present."""
        pool = Pool()
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        accounts = cls._accounts(company)
        get = lambda k: Decimal(totals.get(k) or 0)  # noqa: E731
        gross = get('labour') + get('admin') + get('selling')
        withheld = get('tax') + get('social') + get('housing')
        lines = []
        for key, code in [('labour', '540102'), ('admin', '6602'),
                ('selling', '6601')]:
            if get(key):
                lines.append(Line(account=accounts[code], debit=get(key),
                        credit=ZERO))
        for key, code in [('tax', '222102'), ('social', '224101'),
                ('housing', '224102')]:
            if get(key):
                lines.append(Line(account=accounts[code], debit=ZERO,
                        credit=get(key)))
        lines.append(Line(account=accounts['2211'], debit=ZERO,
                credit=gross - withheld))
        move = cls._move(company, date, description or gettext(
                'yuexing_nc_connector.msg_move_payroll',
                month=date.strftime('%Y-%m')), 'payroll', lines)
        Move.save([move])
        Move.post([move])
        return move

    @classmethod
    def book_payroll_periods(cls, company, periods):
        """Book the confirmed payroll of the months [(year, month), ...]
        from the staff module's payslip.payroll_totals: one accrual per
        month, wages by the department's cost kind (field → 5401 人工,
        office → 6602, sales → 6601), withholdings to 个税, 社保, 公积金."""
        Payslip = Pool().get('yuexing.payslip')
        kinds = {'field': 'labour', 'office': 'admin', 'sales': 'selling'}
        moves = []
        for year, month in periods:
            totals = dict.fromkeys(
                ['labour', 'admin', 'selling', 'tax', 'social', 'housing'],
                ZERO)
            rows = Payslip.payroll_totals([(year, month)], company=company)
            for (_, cost_kind), amounts in rows.items():
                totals[kinds.get(cost_kind, 'admin')] += amounts['gross']
                totals['tax'] += amounts['income_tax']
                totals['social'] += amounts['employee_si']
                totals['housing'] += amounts['housing_fund']
            if not any(totals.values()):
                continue
            end = (dt.date(year, month, 28) + dt.timedelta(days=4)
                ).replace(day=1) - dt.timedelta(days=1)
            moves.append(cls.book_payroll(company, end, totals))
        return moves


class CostLine(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order.cost'
    move_line = fields.Function(fields.Many2One(
            'account.move.line', "Move Line"), 'get_move_line')
    move = fields.Function(fields.Many2One(
            'account.move', "Move"), 'get_move_line')

    @classmethod
    def get_move_line(cls, lines, names):
        Line = Pool().get('account.move.line')
        found = {}
        for line in Line.search([
                    ('origin', 'in', [str(l) for l in lines])]):
            found[line.origin.id] = line
        result = {n: {} for n in names}
        for line in lines:
            move_line = found.get(line.id)
            if 'move_line' in names:
                result['move_line'][line.id] = (
                    move_line.id if move_line else None)
            if 'move' in names:
                result['move'][line.id] = (
                    move_line.move.id if move_line else None)
        return result


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    @classmethod
    def mark_done(cls, orders):
        super().mark_done(orders)
        Booking = Pool().get('yuexing.nc.booking')
        if Transaction().context.get('nc_skip_booking'):
            return
        with Transaction().set_context(_check_access=False):
            booked = [o for o in orders if cls._books_open(o)]
            if booked:
                Booking.book_costs(booked)
                Booking.carry_over(booked)

    @classmethod
    def _books_open(cls, order):
        "The company has books for the completion date."
        pool = Pool()
        Period = pool.get('account.period')
        Date = pool.get('ir.date')
        date = (order.completed_at.date() if order.completed_at
            else Date.today())
        periods = Period.search([
                ('company', '=', order.company.id),
                ('start_date', '<=', date), ('end_date', '>=', date),
                ('type', '=', 'standard'), ('state', '=', 'open')], limit=1)
        return bool(periods)
