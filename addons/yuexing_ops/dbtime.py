"""Time spent in the database per request. trytond has no hook for it: the
cursor classes of both backends get a timed ``execute`` at import, which
adds to the request's DbCost when one is being measured (nothing else)."""
import functools
import time

from .context import DB_COST


def _timed(execute):
    @functools.wraps(execute)
    def wrapper(self, *args, **kwargs):
        cost = DB_COST.get()
        if cost is None:
            return execute(self, *args, **kwargs)
        started = time.perf_counter()
        try:
            return execute(self, *args, **kwargs)
        finally:
            cost.statements += 1
            cost.seconds += time.perf_counter() - started
    wrapper.yuexing_timed = True
    return wrapper


def install():
    from trytond.backend.postgresql import database as postgresql
    from trytond.backend.sqlite import database as sqlite
    for cursor in (postgresql.LoggingCursor, sqlite.SQLiteCursor):
        if not getattr(cursor.execute, 'yuexing_timed', False):
            cursor.execute = _timed(cursor.execute)
