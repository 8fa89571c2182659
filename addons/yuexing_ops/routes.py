"""Health and metrics endpoints (no user, no session):

- ``GET /healthz``: liveness — the process answers (no database touched);
- ``GET /<database>/readyz``: readiness — the database answers, no module
  waits for an upgrade and every module of the release is activated, the
  task queue is not stuck; 503 with the failed checks otherwise;
- ``GET /<database>/metrics``: Prometheus text format (token-protected
  when YUEXING_METRICS_TOKEN is set; nginx never forwards these from
  outside, see docker/nginx); ``GET /metrics``: the same for the
  container's database (YUEXING_DATABASE), what Prometheus scrapes.
"""
import datetime as dt
import hmac
import json
import os

from sql import Null
from sql.aggregate import Min
from werkzeug.wrappers import Response

from trytond.config import config
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wsgi import app

from . import metrics

PENDING_STATES = ('to activate', 'to upgrade', 'to remove')


def _json(data, status=200):
    return Response(json.dumps(data, ensure_ascii=False), status=status,
        content_type='application/json; charset=utf-8',
        headers={'Cache-Control': 'no-store'})


@app.route('/healthz', methods=['GET'])
def healthz(request):
    return _json({'status': 'alive', 'pid': os.getpid()})


def _pool(database_name):
    """The database's pool, initialised if needed; None when the database
    does not exist or cannot be reached."""
    try:
        if database_name not in Pool.database_list():
            with Transaction().start(None, 0, readonly=True) as transaction:
                if database_name not in transaction.database.list():
                    return None
            with Transaction().start(database_name, 0, readonly=True):
                Pool(database_name).init()
        return Pool(database_name)
    except Exception:
        return None


def required_modules():
    "The release's modules: every yuexing_* module on disk, or the list set."
    value = config.get('yuexing_ops', 'required_modules', default='')
    if value:
        return sorted(filter(None, (m.strip() for m in value.split(','))))
    from trytond.modules import get_modules
    return sorted(m for m in get_modules() if m.startswith('yuexing_'))


def readiness_checks(pool):
    "{check: (ok, detail)} of one database, in a read-only transaction."
    checks = {}
    cursor = Transaction().connection.cursor()
    cursor.execute('SELECT 1')
    checks['database'] = (cursor.fetchone()[0] == 1, '数据库可连接')

    module = pool.get('ir.module').__table__()
    cursor.execute(*module.select(module.name, module.state))
    states = dict(cursor)
    pending = sorted(n for n, s in states.items() if s in PENDING_STATES)
    missing = [m for m in required_modules()
        if states.get(m) != 'activated']
    checks['migrations'] = (not pending and not missing,
        '模块已全部升级' if not pending and not missing else
        '待升级：%s；未激活：%s' % (
            ', '.join(pending) or '无', ', '.join(missing) or '无'))

    stuck_after = config.getint(
        'yuexing_ops', 'queue_stuck_after', default=300)
    queue = pool.get('ir.queue').__table__()
    now = dt.datetime.now()
    cursor.execute(*queue.select(Min(queue.enqueued_at),
            where=(queue.dequeued_at == Null)
            & ((queue.scheduled_at == Null) | (queue.scheduled_at <= now))))
    oldest = metrics.seconds_since(cursor.fetchone()[0], now)
    checks['queue'] = (oldest <= stuck_after,
        '任务队列正常' if oldest <= stuck_after
        else '最早的待处理任务已等待 %d 秒' % oldest)
    return checks


@app.route('/<database_name>/readyz', methods=['GET'])
def readyz(request, database_name):
    pool = _pool(database_name)
    if pool is None:
        return _json({'status': 'unavailable',
                'checks': {'database': {'ok': False,
                        'detail': '数据库不可用'}}}, 503)
    try:
        with Transaction().start(database_name, 0, readonly=True):
            checks = readiness_checks(pool)
    except Exception as exception:
        return _json({'status': 'unavailable', 'checks': {'database': {
                        'ok': False, 'detail': type(exception).__name__}}},
            503)
    ready = all(ok for ok, _ in checks.values())
    return _json({'status': 'ready' if ready else 'not_ready',
            'checks': {name: {'ok': ok, 'detail': detail}
                for name, (ok, detail) in checks.items()}},
        200 if ready else 503)


def _authorised(request):
    token = os.environ.get('YUEXING_METRICS_TOKEN')
    if not token:
        return True
    given = request.headers.get('Authorization', '')
    return hmac.compare_digest(given.encode(), f'Bearer {token}'.encode())


@app.route('/<database_name>/metrics', methods=['GET'])
def metrics_endpoint(request, database_name):
    if not _authorised(request):
        return Response('unauthorized\n', 401,
            headers={'WWW-Authenticate': 'Bearer'})
    pool = _pool(database_name)
    if pool is None:
        return Response('database unavailable\n', 503)
    with Transaction().start(database_name, 0, readonly=True):
        body = metrics.exposition(pool)
    return Response(body, content_type='text/plain; version=0.0.4')


@app.route('/metrics', methods=['GET'])
def default_metrics(request):
    "The same for the database the container serves (YUEXING_DATABASE)."
    database_name = os.environ.get('YUEXING_DATABASE')
    if not database_name:
        return Response('YUEXING_DATABASE is not set\n', 404)
    return metrics_endpoint(request, database_name)
