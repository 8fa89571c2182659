"""The work orders behind the staff module's hooks: hand-over before an
employee leaves, the KPI sources of the performance evaluations, the
piece-rate pay of the payslips and the teams' order figures."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .work_order import ASSIGNED_STATES

DONE_STATES = ['done', 'closed']


def _done_orders(employees, start, end):
    "Orders completed between the dates (inclusive) by the employees."
    WorkOrder = Pool().get('yuexing.work_order')
    with without_check_access():
        return WorkOrder.search([
                ('technician', 'in', [e.id for e in employees]),
                ('state', 'in', DONE_STATES),
                ('completed_at', '>=', dt.datetime.combine(
                        start, dt.time.min)),
                ('completed_at', '<', dt.datetime.combine(
                        end + dt.timedelta(days=1), dt.time.min)),
                ])


def _ratio(part, whole):
    return (Decimal(part) * 100 / Decimal(whole)).quantize(
        Decimal('0.01')) if whole else None


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    @classmethod
    def handover_blockers(cls, employees):
        WorkOrder = Pool().get('yuexing.work_order')
        blockers = super().handover_blockers(employees)
        with without_check_access():
            orders = WorkOrder.search([
                    ('technician', 'in', [e.id for e in employees]),
                    ('state', 'in', ASSIGNED_STATES),
                    ], order=[('id', 'ASC')])
        by_employee = defaultdict(list)
        for order in orders:
            by_employee[order.technician].append(order.number or str(order.id))
        for employee, numbers in by_employee.items():
            blockers.append(gettext(
                    'yuexing_staff.msg_handover_open_orders',
                    employee=employee.rec_name, count=len(numbers),
                    orders='、'.join(numbers[:10])))
        return blockers


class Evaluation(metaclass=PoolMeta):
    __name__ = 'yuexing.performance.evaluation'

    @classmethod
    def kpi_sources(cls):
        sources = super().kpi_sources()
        sources.update({
                'order_count': (gettext('yuexing_staff.msg_kpi_order_count'),
                    cls._kpi_order_count),
                'on_time_rate': (
                    gettext('yuexing_staff.msg_kpi_on_time_rate'),
                    cls._kpi_on_time_rate),
                'rating': (gettext('yuexing_staff.msg_kpi_rating'),
                    cls._kpi_rating),
                'rework_rate': (gettext('yuexing_staff.msg_kpi_rework_rate'),
                    cls._kpi_rework_rate),
                })
        return sources

    @classmethod
    def _kpi_order_count(cls, employees, start, end):
        counts = defaultdict(int)
        for order in _done_orders(employees, start, end):
            counts[order.technician.id] += 1
        return {e.id: counts[e.id] for e in employees}

    @classmethod
    def _kpi_on_time_rate(cls, employees, start, end):
        done, late = defaultdict(int), defaultdict(int)
        for order in _done_orders(employees, start, end):
            done[order.technician.id] += 1
            if order.completion_breached:
                late[order.technician.id] += 1
        return {i: _ratio(done[i] - late[i], done[i]) for i in done}

    @classmethod
    def _kpi_rating(cls, employees, start, end):
        Rating = Pool().get('yuexing.work_order.rating')
        orders = _done_orders(employees, start, end)
        scores = defaultdict(list)
        with without_check_access():
            for rating in Rating.search([
                        ('work_order', 'in', [o.id for o in orders])]):
                if rating.score is not None:
                    scores[rating.work_order.technician.id].append(
                        rating.score)
        return {i: (sum(s) / len(s)).quantize(Decimal('0.01'))
            for i, s in scores.items()}

    @classmethod
    def _kpi_rework_rate(cls, employees, start, end):
        WorkOrder = Pool().get('yuexing.work_order')
        orders = _done_orders(employees, start, end)
        with without_check_access():
            reworked = {o.rework_of.id for o in WorkOrder.search([
                        ('rework_of', 'in', [o.id for o in orders])])}
        done, bad = defaultdict(int), defaultdict(int)
        for order in orders:
            done[order.technician.id] += 1
            if order.id in reworked:
                bad[order.technician.id] += 1
        return {i: _ratio(bad[i], done[i]) for i in done}


class Payslip(metaclass=PoolMeta):
    __name__ = 'yuexing.payslip'

    @classmethod
    def piece_rate_lines(cls, employees, start, end):
        CostLine = Pool().get('yuexing.work_order.cost')
        result = super().piece_rate_lines(employees, start, end)
        with without_check_access():
            totals = CostLine.piece_rate_totals(employees, start, end)
        for employee_id, lines in totals.items():
            result.setdefault(employee_id, []).extend(
                (f'{order.number} {description}', amount)
                for description, amount, order in lines)
        return result


class Team(metaclass=PoolMeta):
    __name__ = 'yuexing.team'

    @classmethod
    def work_order_figures(cls, teams):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Rating = pool.get('yuexing.work_order.rating')
        figures = super().work_order_figures(teams)
        members = {t.id: {m.id for m in t.members} for t in teams}
        everyone = set().union(*members.values()) if members else set()
        today = pool.get('ir.date').today()
        employees = pool.get('company.employee').browse(list(everyone))
        with without_check_access():
            open_counts = WorkOrder.open_counts(employees)
            done = _done_orders(employees, today.replace(day=1), today)
            ratings = {r.work_order.id: r.score for r in Rating.search([
                        ('work_order', 'in', [o.id for o in done])])}
        done_by = defaultdict(list)
        for order in done:
            done_by[order.technician.id].append(order)
        for team in teams:
            ids = members[team.id]
            orders = [o for i in ids for o in done_by[i]]
            scores = [ratings[o.id] for o in orders
                if ratings.get(o.id) is not None]
            figures.setdefault(team.id, {}).update({
                    'open_orders': sum(open_counts.get(i, 0) for i in ids),
                    'month_done_orders': len(orders),
                    'month_rating': (sum(scores) / len(scores)).quantize(
                        Decimal('0.01')) if scores else None,
                    })
        return figures


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        "Payroll last: the piece-rate pay needs the orders."
        steps = super().steps()
        payroll = [s for s in steps if s[0] == 'demo_payroll']
        return [s for s in steps if s[0] != 'demo_payroll'] + payroll
