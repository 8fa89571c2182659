"""The platform's Prometheus metrics (names documented in README.rst).

Process metrics (requests, latency, database time) are counted by the WSGI
middleware. Under gunicorn every worker is a process: with
``PROMETHEUS_MULTIPROC_DIR`` set (docker/entrypoint.sh does) the workers
write their values there and any of them answers the scrape with the sum.
Business gauges (queues, cron, NC backlog, sessions) are read from the
database at scrape time, a few aggregate queries, never per record."""
import datetime as dt
import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sql import Literal, Null
from sql.aggregate import Count, Min

LATENCY_BUCKETS = (
    .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30)
STATEMENT_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

REQUESTS = Counter(
    'yuexing_http_requests', "HTTP requests by kind (api, rpc, web), route "
    "or JSON-RPC method, and status", ['kind', 'route', 'method', 'status'])
LATENCY = Histogram(
    'yuexing_http_request_duration_seconds', "Request duration",
    ['kind', 'route'], buckets=LATENCY_BUCKETS)
DB_SECONDS = Histogram(
    'yuexing_db_duration_seconds', "Database time per request",
    ['kind', 'route'], buckets=LATENCY_BUCKETS)
DB_STATEMENTS = Histogram(
    'yuexing_db_statements', "SQL statements per request",
    ['kind', 'route'], buckets=STATEMENT_BUCKETS)
IN_FLIGHT = Gauge(
    'yuexing_http_in_flight', "Requests being served",
    multiprocess_mode='livesum')
ERRORS = Counter(
    'yuexing_errors', "Unexpected exceptions reported", ['kind'])


def process_registry():
    directory = os.environ.get('PROMETHEUS_MULTIPROC_DIR')
    if not directory:
        from prometheus_client import REGISTRY
        return REGISTRY
    from prometheus_client import multiprocess
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


class DatabaseCollector:
    "The business gauges of one database, read when scraped."

    def __init__(self, pool):
        self.pool = pool

    def collect(self):
        yield from self._queue()
        yield from self._cron()
        yield from self._sessions()
        for Model in self._providers():
            for name, documentation, labels, values in Model.ops_gauges():
                family = GaugeMetricFamily(
                    name, documentation, labels=list(labels))
                for key, value in values:
                    family.add_metric(list(key), value)
                yield family

    def _providers(self):
        "Models that publish gauges (a classmethod ops_gauges)."
        return [Model for _, Model in self.pool.iterobject()
            if callable(getattr(Model, 'ops_gauges', None))]

    def _cursor(self):
        from trytond.transaction import Transaction
        return Transaction().connection.cursor()

    def _queue(self):
        Queue = self.pool.get('ir.queue')
        queue = Queue.__table__()
        now = dt.datetime.now()
        cursor = self._cursor()
        cursor.execute(*queue.select(
                queue.name, Count(queue.id), Min(queue.enqueued_at),
                where=(queue.dequeued_at == Null)
                & ((queue.scheduled_at == Null)
                    | (queue.scheduled_at <= now)),
                group_by=[queue.name]))
        depth = GaugeMetricFamily('yuexing_queue_depth',
            "Tasks waiting to run, by queue", labels=['queue'])
        age = GaugeMetricFamily('yuexing_queue_oldest_task_age_seconds',
            "Age of the oldest task waiting, by queue", labels=['queue'])
        for name, count, oldest in cursor:
            depth.add_metric([name], count)
            age.add_metric([name], seconds_since(oldest, now))
        yield depth
        yield age

    def _cron(self):
        Cron = self.pool.get('ir.cron')
        cron = Cron.__table__()
        now = dt.datetime.now()
        cursor = self._cursor()
        cursor.execute(*cron.select(
                cron.method, Min(cron.next_call),
                where=(cron.active == Literal(True))
                & (cron.next_call != Null),
                group_by=[cron.method]))
        lag = GaugeMetricFamily('yuexing_cron_lag_seconds',
            "How late each scheduled action is (0 when on time)",
            labels=['cron'])
        for method, next_call in cursor:
            lag.add_metric([method], max(seconds_since(next_call, now), 0.0))
        yield lag

    def _sessions(self):
        Session = self.pool.get('ir.session')
        session = Session.__table__()
        from trytond.config import config
        since = dt.datetime.now() - dt.timedelta(
            seconds=config.getint('session', 'timeout'))
        cursor = self._cursor()
        cursor.execute(*session.select(Count(session.id),
                where=session.create_date >= since))
        active = GaugeMetricFamily('yuexing_sessions_active',
            "Back-office sessions used within the session timeout")
        active.add_metric([], cursor.fetchone()[0])
        yield active


def seconds_since(moment, now):
    if moment is None:
        return 0.0
    if isinstance(moment, str):  # SQLite without type detection
        moment = dt.datetime.fromisoformat(moment)
    return (now - moment).total_seconds()


def exposition(pool):
    "The text of one scrape: this process's (or all workers') + the db's."
    database = CollectorRegistry()
    database.register(DatabaseCollector(pool))
    return generate_latest(process_registry()) + generate_latest(database)

