"""The NC push backlog for the platform's metrics (yuexing_ops reads every
model's ``ops_gauges`` when Prometheus scrapes): vouchers by state, the
age of the oldest one waiting, and the last 24 hours' outcomes from which
the alert rules compute the failure rate."""
import datetime as dt

from sql.aggregate import Count, Min

from trytond.pool import PoolMeta
from trytond.transaction import Transaction


class Voucher(metaclass=PoolMeta):
    __name__ = 'yuexing.nc.voucher'

    @classmethod
    def ops_gauges(cls):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        now = dt.datetime.now()
        cursor.execute(*table.select(table.state, Count(table.id),
                Min(table.create_date), group_by=[table.state]))
        by_state, oldest = [], 0.0
        for state, count, first in cursor:
            by_state.append(((state,), count))
            if state in ('pending', 'sent') and first is not None:
                if isinstance(first, str):
                    first = dt.datetime.fromisoformat(first)
                oldest = max(oldest, (now - first).total_seconds())
        since = now - dt.timedelta(hours=24)
        cursor.execute(*table.select(table.state, Count(table.id),
                where=(table.write_date >= since)
                & table.state.in_(['accepted', 'rejected']),
                group_by=[table.state]))
        outcomes = [((state,), count) for state, count in cursor]
        return [
            ('yuexing_nc_vouchers', "NC vouchers by state",
                ['state'], by_state),
            ('yuexing_nc_backlog_oldest_seconds',
                "Age of the oldest voucher not yet accepted or rejected",
                [], [((), oldest)]),
            ('yuexing_nc_outcomes_24h',
                "Vouchers accepted or rejected in the last 24 hours",
                ['state'], outcomes),
            ]
