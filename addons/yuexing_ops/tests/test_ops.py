"""The operations endpoints through the WSGI app wrapped in the production
middleware: liveness, readiness, the Prometheus scrape after real requests,
request ids, JSON logs, and one scrubbed error report per error."""
import datetime as dt
import http.client
import json
import logging
import os
import re
import threading
import unittest
from unittest.mock import patch

from werkzeug.serving import make_server
from werkzeug.test import Client
from werkzeug.wrappers import Response

import trytond
from trytond.config import config
from trytond.modules.yuexing_base.tests.rpc_tools import RpcClient, RpcError
from trytond.modules.yuexing_base.tests.tools import setup_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction
from trytond.wsgi import app

from .. import errors
from ..logjson import JsonFormatter
from ..middleware import Observability
from .sink import SentrySink

PASSWORD = 'Ops-test-2026'


def sample(text, name, **labels):
    "The value of one sample of the exposition text (None if absent)."
    for line in text.splitlines():
        if not line.startswith(name + '{') and not line.startswith(
                name + ' '):
            continue
        head, _, value = line.rpartition(' ')
        found = dict(re.findall(r'(\w+)="([^"]*)"', head))
        if head.split('{')[0] == name and all(
                found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


class OpsRouteTestCase(RouteTestCase):
    "Health, readiness and metrics over HTTP"
    module = 'yuexing_ops'
    language = 'zh_CN'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        User = pool.get('res.user')
        setup_company()
        admin, = User.search([('login', '=', 'admin')])
        admin.password = PASSWORD
        admin.save()

    def client(self):
        return Client(Observability(app), Response)

    def test_liveness_needs_no_database(self):
        response = self.client().get('/healthz')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json['status'], 'alive')
        self.assertTrue(response.headers['X-Request-Id'])

    def test_readiness(self):
        client = self.client()
        with patch.object(config, 'get', _config_get(
                    'required_modules', 'yuexing_base,yuexing_ops')):
            response = client.get(f'/{DB_NAME}/readyz')
        self.assertEqual(response.status_code, 200, response.json)
        self.assertEqual(response.json['status'], 'ready')
        self.assertEqual(set(response.json['checks']),
            {'database', 'migrations', 'queue'})

        # a module of the release left out of the upgrade: not ready
        with patch.object(config, 'get', _config_get(
                    'required_modules', 'yuexing_base,yuexing_workorder')):
            response = client.get(f'/{DB_NAME}/readyz')
        self.assertEqual(response.status_code, 503)
        self.assertFalse(response.json['checks']['migrations']['ok'])
        self.assertIn('yuexing_workorder',
            response.json['checks']['migrations']['detail'])
        self.assertTrue(response.json['checks']['database']['ok'])

        # a stuck queue: the oldest task waits for an hour
        with Transaction().start(DB_NAME, 0) as transaction:
            Queue = Pool().get('ir.queue')
            table = Queue.__table__()
            cursor = transaction.connection.cursor()
            cursor.execute(*table.insert(
                    [table.name, table.data, table.enqueued_at,
                        table.create_uid, table.create_date],
                    [['yuexing_test', json.dumps({}),
                            dt.datetime.now() - dt.timedelta(hours=1),
                            0, dt.datetime.now()]]))
            transaction.commit()
        try:
            with patch.object(config, 'get', _config_get(
                        'required_modules', 'yuexing_ops')):
                response = client.get(f'/{DB_NAME}/readyz')
            self.assertEqual(response.status_code, 503)
            self.assertEqual(response.json['status'], 'not_ready')
            self.assertFalse(response.json['checks']['queue']['ok'])
            scrape = client.get(f'/{DB_NAME}/metrics').get_data(
                as_text=True)
            self.assertEqual(sample(scrape, 'yuexing_queue_depth',
                    queue='yuexing_test'), 1)
            self.assertGreaterEqual(sample(scrape,
                    'yuexing_queue_oldest_task_age_seconds',
                    queue='yuexing_test'), 3500)
        finally:
            with Transaction().start(DB_NAME, 0) as transaction:
                cursor = transaction.connection.cursor()
                cursor.execute(*table.delete(
                        where=table.name == 'yuexing_test'))
                transaction.commit()

    def test_unknown_database(self):
        client = self.client()
        self.assertEqual(client.get('/no_such_db_x/readyz').status_code, 503)

    def test_metrics_after_requests(self):
        client = self.client()
        for _ in range(3):
            client.get(f'/{DB_NAME}/api/v1/me')  # 401: no token
        rpc = RpcClient(DB_NAME, 'admin', PASSWORD)
        rpc.client = client
        rpc('model.res.user.search', [], 0, 5, None)
        response = client.get(f'/{DB_NAME}/metrics')
        self.assertEqual(response.status_code, 200)
        text = response.get_data(as_text=True)
        self.assertGreaterEqual(sample(text, 'yuexing_http_requests_total',
                kind='api', route='/me', method='GET', status='401'), 3)
        self.assertGreaterEqual(sample(text, 'yuexing_http_requests_total',
                kind='rpc', route='model.res.user.search', status='200'), 1)
        self.assertGreaterEqual(sample(text,
                'yuexing_http_request_duration_seconds_count',
                kind='api', route='/me'), 3)
        # the search ran SQL: the database cost of the route is counted
        self.assertGreater(sample(text, 'yuexing_db_statements_sum',
                kind='rpc', route='model.res.user.search'), 0)
        self.assertGreater(sample(text, 'yuexing_db_duration_seconds_sum',
                kind='rpc', route='model.res.user.search'), 0)
        # business gauges of the database
        self.assertIsNotNone(sample(text, 'yuexing_sessions_active'))
        self.assertIn('yuexing_cron_lag_seconds', text)

    def test_metrics_token(self):
        client = self.client()
        with patch.dict(os.environ, {'YUEXING_METRICS_TOKEN': 's3cret-x'}):
            self.assertEqual(
                client.get(f'/{DB_NAME}/metrics').status_code, 401)
            self.assertEqual(client.get(f'/{DB_NAME}/metrics', headers={
                        'Authorization': 'Bearer wrong'}).status_code, 401)
            self.assertEqual(client.get(f'/{DB_NAME}/metrics', headers={
                        'Authorization': 'Bearer s3cret-x'}).status_code,
                200)

    def test_request_id(self):
        client = self.client()
        given = client.get(f'/{DB_NAME}/api/v1/me',
            headers={'X-Request-Id': 'nginx-0123456789abcdef'})
        self.assertEqual(given.headers['X-Request-Id'],
            'nginx-0123456789abcdef')
        # a malformed one is replaced, never echoed
        bad = client.get('/healthz', headers={'X-Request-Id': 'a b<script>'})
        self.assertNotIn('<', bad.headers['X-Request-Id'])
        self.assertRegex(bad.headers['X-Request-Id'], r'^[0-9a-f]{16}$')

    def test_json_log_carries_request_id(self):
        records = []

        class Keep(logging.Handler):
            def emit(self, record):
                records.append(JsonFormatter().format(record))
        handler = Keep()
        api_logger = logging.getLogger('yuexing.api')
        api_logger.addHandler(handler)
        level = api_logger.level
        api_logger.setLevel(logging.INFO)
        try:
            self.client().get(f'/{DB_NAME}/api/v1/me',
                headers={'X-Request-Id': 'req-log-000000001'})
        finally:
            api_logger.removeHandler(handler)
            api_logger.setLevel(level)
        lines = [json.loads(r) for r in records]
        self.assertTrue(lines)
        self.assertTrue(all(
                line['request_id'] == 'req-log-000000001' for line in lines))
        self.assertEqual(lines[-1]['route'], '/me')

    def test_error_report_scrubbed(self):
        "One report per unexpected error, without personal data."
        import sentry_sdk
        client = self.client()
        rpc = RpcClient(DB_NAME, 'admin', PASSWORD)
        rpc.client = client
        with SentrySink() as sink:
            self.assertTrue(errors.install(dsn=sink.dsn, force=True))
            try:
                with self.assertRaises(RpcError):
                    # an unexpected error (not a UserError): a bad domain
                    # naming a phone number
                    rpc('model.res.user.search',
                        [('name', 'bad-op', '13812345678')], 0, 5, None)
                # a refused request is not an error: no report
                client.get(f'/{DB_NAME}/api/v1/me')
                sentry_sdk.flush(timeout=5)
            finally:
                errors.uninstall()
        self.assertEqual(len(sink.events), 1, sink.events)
        event = sink.events[0]
        text = json.dumps(event, ensure_ascii=False)
        self.assertNotIn('13812345678', text)
        self.assertNotIn(PASSWORD, text)
        self.assertNotIn('Authorization', text)
        self.assertNotIn('Session ', text)
        self.assertEqual(event['tags']['route'], 'model.res.user.search')
        self.assertRegex(event['tags']['request_id'], r'^[0-9a-f]{16}$')
        for value in event['exception']['values']:
            for frame in value['stacktrace']['frames']:
                self.assertNotIn('vars', frame)


def _config_get(option, value):
    original = config.get

    def get(section, name, *args, **kwargs):
        if section == 'yuexing_ops' and name == option:
            return value
        return original(section, name, *args, **kwargs)
    return get


del RouteTestCase


class DevelopmentServerTestCase(unittest.TestCase):
    "The middleware under trytond's own (werkzeug) server, as in make run"

    def test_rpc_on_a_kept_alive_connection_answers(self):
        # wsgi.input is the socket there: reading past the body would wait
        # for bytes the client (the web client, curl) never sends
        server = make_server('127.0.0.1', 0, Observability(app),
            threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            connection = http.client.HTTPConnection(
                '127.0.0.1', server.server_port, timeout=10)
            body = json.dumps({'id': 1, 'method': 'common.server.version',
                    'params': []})
            connection.request('POST', '/rpc/', body=body,
                headers={'Content-Type': 'application/json'})
            response = connection.getresponse()
            self.assertEqual(response.status, 200)
            self.assertTrue(trytond.__version__.startswith(
                    json.loads(response.read())['result']))
            connection.close()
        finally:
            server.shutdown()
            thread.join()
            server.server_close()
