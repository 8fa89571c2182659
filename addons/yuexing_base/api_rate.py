"""Fixed-window request counters for the API rate limits, kept in the
database so that the limits hold across several WSGI processes."""
import random
import time

from sql import Literal
from sql.conditionals import Coalesce

from trytond import backend
from trytond.model import Index, ModelSQL, Unique, fields
from trytond.transaction import Transaction

from .api import errors


def execute_autonomous(query, fetch=False):
    """Execute a python-sql query at once in its own short transaction.

    On PostgreSQL it runs on a separate autocommit connection in READ
    COMMITTED, where an upsert on a hot row never fails with a serialisation
    error (the request transactions are REPEATABLE READ); its effect stays
    even if the request is rolled back. SQLite serialises writers anyway:
    there it runs in the current transaction.
    """
    transaction = Transaction()
    if backend.name != 'postgresql':
        cursor = transaction.connection.cursor()
        cursor.execute(*query)
        return cursor.fetchone() if fetch else None
    from psycopg import IsolationLevel
    database = transaction.database
    connection = database.get_connection(autocommit=True)
    try:
        connection.isolation_level = IsolationLevel.READ_COMMITTED
        with connection.cursor() as cursor:
            cursor.execute(*query)
            return cursor.fetchone() if fetch else None
    finally:
        database.put_connection(connection)


class RateCounter(ModelSQL):
    "API Rate Counter"
    __name__ = 'yuexing.api.rate_counter'

    key = fields.Char("Key", required=True)
    slot = fields.Integer("Time Slot", required=True)
    hits = fields.Integer("Hits", required=True)
    expires = fields.Integer("Expires", required=True,
        help="Unix time after which the counter is obsolete.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_constraints = [
            ('key_slot_unique', Unique(table, table.key, table.slot),
                'yuexing_base.msg_rate_counter_unique'),
            ]
        cls._sql_indexes.add(Index(table, (table.expires, Index.Range())))

    @classmethod
    def increment(cls, key, slot, expires):
        "Add a hit to (key, slot) atomically and return the new count."
        transaction = Transaction()
        database = transaction.database
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        key = key[:200]
        if database.has_insert_on_conflict() and database.has_returning():
            from sql import Conflict
            hits, = execute_autonomous(table.insert(
                    [table.key, table.slot, table.hits, table.expires],
                    [[key, slot, 1, expires]],
                    on_conflict=Conflict(
                        table, indexed_columns=[table.key, table.slot],
                        columns=[table.hits],
                        values=[Coalesce(table.hits, 0) + Literal(1)]),
                    returning=[table.hits]), fetch=True)
            return hits
        cursor.execute(*table.update(
                [table.hits], [table.hits + 1],
                where=(table.key == key) & (table.slot == slot)))
        if not cursor.rowcount:
            cursor.execute(*table.insert(
                    [table.key, table.slot, table.hits, table.expires],
                    [[key, slot, 1, expires]]))
        cursor.execute(*table.select(table.hits,
                where=(table.key == key) & (table.slot == slot)))
        hits, = cursor.fetchone()
        return hits

    @classmethod
    def hit(cls, key, limit, period, state=None):
        """Count a request on key; the ApiError 429 to answer when over the
        limit, else None. limit 0 means no limit."""
        if not limit:
            return None
        now = time.time()
        slot = int(now // period)
        expires = (slot + 1) * period
        hits = cls.increment(key, slot, expires)
        if random.random() < 0.01:
            cls.clean()
        if hits > limit:
            retry_after = max(1, int(expires - now) + 1)
            return errors.error(429, 'rate_limited',
                headers={'Retry-After': str(retry_after)},
                seconds=retry_after)
        return None

    @classmethod
    def clean(cls):
        "Forget the counters of past windows (also run by a cron)."
        table = cls.__table__()
        execute_autonomous(
            table.delete(where=table.expires < time.time() - 60))
