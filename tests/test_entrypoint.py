"""CI runs the containers' entrypoint for real against PostgreSQL: init
creates the database with every module, the server answers the web client
and a JSON-RPC login, a second init is a no-op."""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKEND = os.environ.get('YUEXING_TEST_BACKEND')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@unittest.skipUnless(BACKEND == 'postgresql',
    "the entrypoint runs against PostgreSQL (the production database)")
class EntrypointTestCase(unittest.TestCase):

    def setUp(self):
        self.database = f'yxtest_entry_{os.getpid()}'
        self.state = tempfile.TemporaryDirectory()
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items()
                if not k.startswith(('TRYTOND_', 'DB_'))},
            'TRYTOND_DATABASE__URI': os.environ['TRYTOND_DATABASE__URI'],
            'YUEXING_ROOT': str(ROOT),
            'YUEXING_PYTHON': sys.executable,
            'YUEXING_DATABASE': self.database,
            'YUEXING_STATE_DIR': self.state.name,
            'WEB_BIND': f'127.0.0.1:{self.port}',
            'WEB_WORKERS': '2',
            'TRYTOND_WEB__ROOT': str(ROOT / 'node_modules' / 'tryton-sao'),
            }

    def tearDown(self):
        import psycopg
        with psycopg.connect(
                self.env['TRYTOND_DATABASE__URI'] + 'postgres',
                autocommit=True) as connection:
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s", (self.database,))
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}"')
        self.state.cleanup()

    def entrypoint(self, *args, **kwargs):
        return subprocess.run(
            [str(ROOT / 'docker' / 'entrypoint.sh'), *args],
            env=self.env, capture_output=True, text=True, timeout=600,
            **kwargs)

    def test_init_then_serve(self):
        result = self.entrypoint('init')
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        again = self.entrypoint('init')
        self.assertEqual(again.returncode, 0, again.stderr[-2000:])
        self.assertIn('已是最新', again.stderr)

        log = open(Path(self.state.name) / 'server.log', 'w+')
        server = subprocess.Popen(
            [str(ROOT / 'docker' / 'entrypoint.sh'), 'server'],
            env=self.env, stdout=subprocess.DEVNULL, stderr=log, text=True)
        try:
            base = f'http://127.0.0.1:{self.port}'
            for _ in range(60):
                try:
                    with urllib.request.urlopen(base + '/', timeout=2) as r:
                        page = r.read().decode()
                    break
                except OSError:
                    time.sleep(0.5)
            else:
                self.fail("server did not answer")
            self.assertIn('tryton-sao.js', page)
            request = urllib.request.Request(
                f'{base}/{self.database}/rpc/',
                data=json.dumps({
                        'id': 1, 'method': 'common.db.login',
                        'params': ['admin', {'password': 'yuexing2026'},
                            'zh_CN']}).encode(),
                headers={'Content-Type': 'application/json'})
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.loads(response.read())
            user_id, session = answer['result'][:2]
            self.assertEqual(user_id, 1)
            self.assertTrue(session)
            self.check_operations(base)
        finally:
            server.terminate()
            server.wait(timeout=30)
        log.seek(0)
        lines = [json.loads(line) for line in log
            if line.startswith('{')]
        log.close()
        # trytond's logs are JSON with the id nginx would give
        self.assertTrue(any(line.get('request_id') == 'entry-check-0001'
                and line.get('route') == '/me' for line in lines), lines[-5:])

    def check_operations(self, base):
        "Health, readiness, and metrics summed over the gunicorn workers."
        with urllib.request.urlopen(base + '/healthz', timeout=10) as r:
            self.assertEqual(json.loads(r.read())['status'], 'alive')
        with urllib.request.urlopen(
                f'{base}/{self.database}/readyz', timeout=30) as r:
            ready = json.loads(r.read())
        self.assertEqual(ready['status'], 'ready', ready)
        for _ in range(6):
            request = urllib.request.Request(
                f'{base}/{self.database}/api/v1/me',
                headers={'X-Request-Id': 'entry-check-0001'})
            with self.assertRaises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            self.assertEqual(refused.exception.code, 401)
        pattern = re.compile(r'^yuexing_http_requests_total\{kind="api",'
            r'method="GET",route="/me",status="401"\} (\S+)$', re.M)
        # whichever worker answers, it reports all workers' requests
        for _ in range(4):
            with urllib.request.urlopen(
                    f'{base}/{self.database}/metrics', timeout=30) as r:
                text = r.read().decode()
            self.assertEqual(float(pattern.search(text).group(1)), 6, text)


class ProductionKeysTestCase(unittest.TestCase):
    "With YUEXING_PRODUCTION=1 the containers refuse to start without keys"

    def run_entrypoint(self, **env):
        env = {
            **{k: v for k, v in os.environ.items()
                if not k.startswith(('TRYTOND_', 'DB_', 'YUEXING_'))},
            'TRYTOND_DATABASE__URI': 'postgresql://nobody@127.0.0.1:1/',
            'YUEXING_ROOT': str(ROOT),
            'YUEXING_PYTHON': sys.executable,
            'YUEXING_PRODUCTION': '1',
            **env}
        # the last role runs any command: "true" once the checks passed
        return subprocess.run(
            [str(ROOT / 'docker' / 'entrypoint.sh'), 'true'],
            env=env, capture_output=True, text=True, timeout=60)

    def test_refuses_without_key(self):
        result = self.run_entrypoint()
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('YUEXING_ENCRYPTION_KEYS', result.stderr)

    def test_refuses_invalid_key(self):
        result = self.run_entrypoint(YUEXING_ENCRYPTION_KEYS='not-a-key')
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('invalid key', result.stderr)

    def test_starts_with_key(self):
        from cryptography.fernet import Fernet
        key = Fernet.generate_key().decode()
        result = self.run_entrypoint(YUEXING_ENCRYPTION_KEYS=key)
        self.assertEqual(result.returncode, 0, result.stderr)
