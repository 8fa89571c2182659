"""The API toolkit through the WSGI app: tokens, roles, validation, error
mapping, idempotency, rate limits, CORS, logging, uploads, OpenAPI."""
import datetime as dt
import logging
import os
import threading
import time
import unittest
from io import BytesIO

from werkzeug.exceptions import Forbidden

from trytond.config import config
from trytond.modules.yuexing_base.tests import api_routes  # noqa: F401
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import create_user

PG = os.environ.get('YUEXING_TEST_BACKEND') == 'postgresql'
PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 200


class ApiToolkitTestCase(ApiTestCase):
    "API toolkit"

    @classmethod
    def setUpApiData(cls):
        cls.staff_id = create_user('api_kefu', ['group_customer_service']).id
        cls.dispatcher_id = create_user('api_diaodu',
            ['group_dispatcher']).id
        cls.customer_id = create_user('api_cduan', ['group_c2c_customer']).id
        cls.other_customer_id = create_user('api_cduan2',
            ['group_c2c_customer']).id

    def records(self, name=None):
        with self.db() as pool:
            Record = pool.get('yuexing.test.service_record')
            domain = [('name', '=', name)] if name else []
            return Record.search_count(domain)

    # ---- the document -------------------------------------------------------
    def test_openapi_lists_every_route(self):
        "Every registered route is in openapi.json, with its error shape"
        self.contract.assert_complete()
        document = self.contract.document
        self.assertEqual(document['openapi'], '3.1.0')
        self.assertIn('bearerAuth', document['components']['securitySchemes'])
        self.assertEqual(document['servers'][0]['url'],
            self.url('').rstrip('/'))
        wechat = document['paths']['/auth/wechat']['post']
        self.assertEqual(wechat['security'], [])
        me = document['paths']['/me']['get']
        self.assertEqual(me['security'], [{'bearerAuth': []}])
        self.assertIn('401', me['responses'])
        create = document['paths']['/test/records']['post']
        self.assertIn('Idempotency-Key',
            [p['name'] for p in create['parameters']])

    def test_contract_check_catches_undocumented_shape(self):
        "The test helper fails on an answer that differs from the document"
        with self.assertRaises(AssertionError):
            self.contract.validate('GET', '/me', 200, {'id': 'x'})
        with self.assertRaises(AssertionError):
            self.contract.validate('GET', '/me', 418, None)
        with self.assertRaises(AssertionError):
            self.contract.validate('GET', '/nowhere', 200, None)

    # ---- authentication -----------------------------------------------------
    def test_no_token_401(self):
        response = self.api('GET', '/me')
        self.assertError(response, 401, 'token_missing', text='登录')
        self.assertEqual(response.headers['WWW-Authenticate'], 'Bearer')
        response = self.api('GET', '/me', token='yxa_not-a-token')
        self.assertError(response, 401, 'token_invalid')

    def test_expired_and_revoked_tokens_401(self):
        token = self.login_as(self.staff_id, 'staff')
        self.assertEqual(self.api('GET', '/me', token=token).status, 200)
        with self.db() as pool:
            Token = pool.get('yuexing.api.token')
            record, = Token.search([('user', '=', self.staff_id)],
                order=[('id', 'DESC')], limit=1)
            Token.write([record], {
                    'expires_at': dt.datetime.now() - dt.timedelta(
                        seconds=1)})
        self.assertError(self.api('GET', '/me', token=token), 401,
            'token_expired', text='过期')

        token = self.login_as(self.staff_id, 'staff')
        self.assertEqual(
            self.api('POST', '/auth/logout', token=token).status, 204)
        self.assertError(self.api('GET', '/me', token=token), 401,
            'token_revoked')

    def test_deactivated_user_loses_tokens(self):
        with self.db():
            user = create_user('api_leaver', ['group_technician'])
        token = self.login_as(user.id, 'technician')
        with self.db() as pool:
            User = pool.get('res.user')
            User.write([User(user.id)], {'active': False})
        self.assertEqual(self.api('GET', '/me', token=token).status, 401)

    def test_role_taken_away_ends_token(self):
        with self.db():
            user = create_user('api_former_shifu', ['group_technician'])
        token = self.login_as(user.id, 'technician')
        self.assertEqual(self.api('GET', '/me', token=token).status, 200)
        with self.db() as pool:
            User = pool.get('res.user')
            ModelData = pool.get('ir.model.data')
            User.write([User(user.id)], {'groups': [('remove', [
                                ModelData.get_id('yuexing_base',
                                    'group_technician')])]})
        self.assertError(self.api('GET', '/me', token=token), 401,
            'token_revoked')

    def test_wrong_role_403(self):
        token = self.login_as(self.customer_id, 'customer')
        response = self.api('POST', '/test/fail/none', token=token)
        self.assertError(response, 403, 'role_forbidden', text='无权')

    def test_group_required_403(self):
        staff = self.login_as(self.staff_id, 'staff')
        self.assertError(self.api('GET', '/test/dispatch', token=staff),
            403, 'group_forbidden')
        dispatcher = self.login_as(self.dispatcher_id, 'staff')
        response = self.api('GET', '/test/dispatch', token=dispatcher)
        self.assertEqual(response.json, {'ok': True})

    def test_refresh_rotates_tokens(self):
        with self.db() as pool:
            Token = pool.get('yuexing.api.token')
            _, first = Token.issue(
                pool.get('res.user')(self.staff_id), 'staff')
        response = self.api('POST', '/auth/refresh',
            json={'refresh_token': first['refresh_token']})
        self.assertEqual(response.status, 200, response)
        second = response.json
        self.assertNotEqual(second['access_token'], first['access_token'])
        self.assertEqual(second['user']['id'], self.staff_id)
        self.assertEqual(self.api('GET', '/me',
                token=first['access_token']).status, 401)
        self.assertEqual(self.api('GET', '/me',
                token=second['access_token']).status, 200)
        # a refresh token works once
        self.assertError(self.api('POST', '/auth/refresh',
                json={'refresh_token': first['refresh_token']}), 401,
            'refresh_invalid')

    def test_tokens_stored_hashed(self):
        token = self.login_as(self.staff_id, 'staff')
        with self.db() as pool:
            Token = pool.get('yuexing.api.token')
            record, = Token.search([('hint', '=', token[:10])])
            self.assertNotIn(token, [record.token_hash, record.refresh_hash])

    def test_tokens_of_others_invisible(self):
        "A user sees only his own tokens (record rule), admins all"
        from trytond.modules.yuexing_base.tests.tools import acting_as
        self.login_as(self.staff_id, 'staff')
        self.login_as(self.customer_id, 'customer')
        with self.db() as pool:
            Token = pool.get('yuexing.api.token')
            User = pool.get('res.user')
            with acting_as(User(self.customer_id)):
                tokens = Token.search([])
                self.assertTrue(tokens)
                self.assertEqual({t.user.id for t in tokens},
                    {self.customer_id})

    # ---- input validation and errors --------------------------------------
    def test_validation_errors_name_each_field(self):
        "Bad fields: 422, one Chinese message per field, nothing created"
        token = self.login_as(self.staff_id, 'staff')
        before = self.records()
        response = self.api('POST', '/test/records', token=token, json={
                'name': 'x' * 21, 'amount': '12.345', 'phone': '1381234567',
                'date': '2026-13-01', 'count': 11, 'kind': 'c',
                'tags': ['a', 'b', 'c', 'd'], 'urgent': 'yes',
                'extra': 1})
        self.assertError(response, 422, 'validation_error')
        fields = response.error['fields']
        self.assertEqual(set(fields), {'name', 'amount', 'phone', 'date',
                'count', 'kind', 'tags', 'urgent', 'extra'})
        self.assertIn('名称', fields['name'])
        self.assertIn('20', fields['name'])
        self.assertIn('金额', fields['amount'])
        self.assertIn('联系电话', fields['phone'])
        self.assertIn('11位', fields['phone'])
        self.assertIn('日期', fields['date'])
        self.assertIn('10', fields['count'])
        self.assertIn('extra', fields['extra'])
        self.assertEqual(self.records(), before)

        response = self.api('POST', '/test/records', token=token, json={})
        self.assertError(response, 422, field='name', text='请填写名称')
        response = self.api('POST', '/test/records', token=token,
            json={'name': 'ok', 'tags': ['toolong']})
        self.assertError(response, 422, field='tags[0]')

    def test_bad_json_400(self):
        token = self.login_as(self.staff_id, 'staff')
        response = self.api('POST', '/test/records', token=token,
            data='{"name": ', content_type='application/json')
        self.assertError(response, 400, 'bad_json', text='JSON')
        response = self.api('POST', '/test/records', token=token,
            json=['not', 'an', 'object'])
        self.assertError(response, 422, 'validation_error')

    def test_valid_input_converted(self):
        token = self.login_as(self.staff_id, 'staff')
        response = self.api('POST', '/test/records', token=token, json={
                'name': ' 屋面渗漏 ', 'amount': 12.5,
                'phone': '138 1234 5678', 'count': 2, 'kind': 'a'})
        self.assertEqual(response.status, 201, response)
        self.assertEqual(response.json['name'], '屋面渗漏')
        self.assertEqual(response.json['amount'], '12.50')
        self.assertEqual(response.json['phone'], '+8613812345678')

    def test_tryton_errors_mapped_and_rolled_back(self):
        "UserError 409, ValidationError 422, AccessError 403, warning 409"
        token = self.login_as(self.staff_id, 'staff')
        for kind, status, code in [
                ('user', 409, 'business_error'),
                ('validation', 422, 'validation_error'),
                ('access', 403, 'forbidden'),
                ('warning', 409, 'warning'),
                ('missing', 404, 'not_found')]:
            with self.subTest(kind=kind):
                response = self.api('POST', f'/test/fail/{kind}',
                    token=token)
                self.assertError(response, status, code)
                self.assertEqual(self.records(f'fail-{kind}'), 0)
        response = self.api('POST', '/test/fail/none', token=token)
        self.assertEqual(response.status, 200)
        self.assertEqual(self.records('fail-none'), 1)

    def test_crash_is_500_logged_without_secrets(self):
        token = self.login_as(self.staff_id, 'staff')
        with self.assertLogs('yuexing.api', level='INFO') as logs:
            response = self.api('POST', '/test/fail/crash', token=token)
        self.assertError(response, 500, 'internal_error')
        self.assertNotIn('hunter2', response.text)
        self.assertEqual(self.records('fail-crash'), 0)
        output = '\n'.join(logs.output)
        self.assertIn(response.headers['X-Request-Id'], output)
        self.assertNotIn(token, output)

    def test_unknown_database_404(self):
        from werkzeug.test import Client

        from trytond.protocols.wrappers import Response
        from trytond.wsgi import app
        response = Client(app, Response).get('/no_such_db/api/v1/me')
        self.assertEqual(response.status_code, 404)

    # ---- idempotency --------------------------------------------------------
    def test_idempotent_replay(self):
        "Same key and body: same answer, one record; other body: 422"
        token = self.login_as(self.staff_id, 'staff')
        headers = {'Idempotency-Key': 'order-2026-0001'}
        body = {'name': 'idem-1', 'amount': '100'}
        first = self.api('POST', '/test/records', token=token, json=body,
            headers=headers)
        self.assertEqual(first.status, 201, first)
        again = self.api('POST', '/test/records', token=token,
            json={'amount': '100', 'name': 'idem-1'}, headers=headers)
        self.assertEqual(again.status, 201)
        self.assertEqual(again.json, first.json)
        self.assertEqual(again.headers.get('Idempotent-Replayed'), 'true')
        self.assertEqual(self.records('idem-1'), 1)

        other = self.api('POST', '/test/records', token=token,
            json={'name': 'idem-2'}, headers=headers)
        self.assertError(other, 422, 'idempotency_mismatch')
        self.assertEqual(self.records('idem-2'), 0)

        # the key belongs to the user: another user may use it
        customer = self.login_as(self.customer_id, 'customer')
        response = self.api('POST', '/test/records', token=customer,
            json=body, headers=headers)
        self.assertEqual(response.status, 201)
        self.assertNotEqual(response.json['id'], first.json['id'])

    def test_idempotency_key_refused_when_malformed(self):
        token = self.login_as(self.staff_id, 'staff')
        response = self.api('POST', '/test/records', token=token,
            json={'name': 'idem-bad'}, headers={'Idempotency-Key': 'short'})
        self.assertError(response, 400, 'idempotency_key_invalid',
            field='Idempotency-Key')

    def test_failed_request_not_replayed(self):
        "A refused request is not stored: the same key may be retried"
        token = self.login_as(self.staff_id, 'staff')
        headers = {'Idempotency-Key': 'retry-after-fix-1'}
        response = self.api('POST', '/test/records', token=token,
            json={'name': ''}, headers=headers)
        self.assertEqual(response.status, 422)
        response = self.api('POST', '/test/records', token=token,
            json={'name': ''}, headers=headers)
        self.assertEqual(response.status, 422)
        self.assertIsNone(response.headers.get('Idempotent-Replayed'))

    @unittest.skipUnless(PG, "concurrent requests need PostgreSQL")
    def test_concurrent_duplicates_create_one_record(self):
        "Ten simultaneous requests with one key: one record, same answer"
        token = self.login_as(self.staff_id, 'staff')
        headers = {'Idempotency-Key': 'concurrent-key-0001'}
        results, barrier = [], threading.Barrier(10)

        def post():
            barrier.wait()
            results.append(self.api('POST', '/test/records', token=token,
                    json={'name': 'idem-race'}, headers=headers,
                    check=False))
        threads = [threading.Thread(target=post) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual([r.status for r in results], [201] * 10, results)
        self.assertEqual(len({r.json['id'] for r in results}), 1)
        self.assertEqual(self.records('idem-race'), 1)

    # ---- rate limits --------------------------------------------------------
    def set_limits(self, **values):
        # The counters are fixed 60-second windows: a test that straddles a
        # boundary legitimately gets a fresh allowance, so start early in one.
        left = 60 - time.time() % 60
        if left < 20:
            time.sleep(left + 0.05)
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            old = {k: getattr(Configuration(1), k) for k in values}
            Configuration.write([Configuration(1)], values)
        self.addCleanup(self._restore_limits, old)

    def _restore_limits(self, values):
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            Configuration.write([Configuration(1)], values)

    def test_rate_limit_per_ip(self):
        self.set_limits(rate_default_ip=3)
        statuses = [self.api('GET', '/openapi.json').status
            for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])
        response = self.api('GET', '/openapi.json')
        self.assertError(response, 429, 'rate_limited', text='频繁')
        self.assertGreater(int(response.headers['Retry-After']), 0)
        # another address is not limited
        self.assertEqual(
            self.api('GET', '/openapi.json', ip='192.0.2.77').status, 200)

    def test_rate_limit_per_token(self):
        self.set_limits(rate_default_token=2)
        token = self.login_as(self.staff_id, 'staff')
        statuses = [self.api('GET', '/me', token=token,
                ip=f'192.0.2.{i}').status for i in range(3)]
        self.assertEqual(statuses, [200, 200, 429])
        other = self.login_as(self.staff_id, 'staff')
        self.assertEqual(self.api('GET', '/me', token=other).status, 200)

    def test_rate_limit_counted_in_database(self):
        "The counters live in the database, shared by all processes"
        self.set_limits(rate_default_ip=5)
        self.api('GET', '/openapi.json')
        with self.db() as pool:
            Counter = pool.get('yuexing.api.rate_counter')
            counters = Counter.search([('key', 'like', f'%{self.ip}')])
            self.assertEqual(sum(c.hits for c in counters), 1)

    @unittest.skipUnless(PG, "concurrent requests need PostgreSQL")
    def test_rate_limit_exact_under_concurrency(self):
        self.set_limits(rate_default_ip=5)
        results, barrier = [], threading.Barrier(8)

        def get():
            barrier.wait()
            results.append(self.api('GET', '/openapi.json', check=False))
        threads = [threading.Thread(target=get) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [200] * 5 + [429] * 3)

    # ---- pagination ---------------------------------------------------------
    def test_pagination(self):
        token = self.login_as(self.staff_id, 'staff')
        for _ in range(5):
            self.api('POST', '/test/records', token=token,
                json={'name': 'page-me'})
        response = self.api('GET', '/test/records?name=page-me&limit=2'
            '&page=2', token=token)
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json['total'], 5)
        self.assertEqual(response.json['page'], 2)
        self.assertEqual(len(response.json['items']), 2)
        response = self.api('GET', '/test/records?limit=51', token=token)
        self.assertError(response, 422, field='limit', text='50')
        response = self.api('GET', '/test/records?page=x', token=token)
        self.assertError(response, 422, field='page', text='整数')

    # ---- CORS ---------------------------------------------------------------
    def test_cors_off_by_default(self):
        "A foreign Origin is refused unless configured in [web] cors"
        from werkzeug.test import Client

        from trytond.protocols.wrappers import Response
        from trytond.wsgi import app
        client = Client(app, Response)
        headers = {'Origin': 'https://evil.example'}
        with self.assertRaises(Forbidden):
            client.get(self.url('/openapi.json'), headers=headers)
        # with the middleware of config/trytond.conf: a JSON 403
        from trytond.modules.yuexing_base.wsgi_errors import HTTPErrors
        response = Client(HTTPErrors(app), Response).get(
            self.url('/openapi.json'), headers=headers)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.get_json()['error']['code'], 'forbidden')

        config.set('web', 'cors', 'https://portal.example')
        self.addCleanup(config.set, 'web', 'cors', '')
        response = client.open(self.url('/me'), method='OPTIONS', headers={
                'Origin': 'https://portal.example',
                'Access-Control-Request-Method': 'GET',
                'Access-Control-Request-Headers': 'authorization'})
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.headers['Access-Control-Allow-Origin'],
            'https://portal.example')
        self.assertIn('GET', response.headers['Access-Control-Allow-Methods'])

    # ---- logging ------------------------------------------------------------
    def test_request_log_has_no_secrets(self):
        "One line per request; no token, password or code in any log"
        with self.db() as pool:
            User = pool.get('res.user')
            user = create_user('api_shifu_log', ['group_technician'],
                password='Secret-Pass-2026')
            User.write([user], {'mobile': '13900001234'})
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.DEBUG)
        self.addCleanup(root.setLevel, level)
        with self.assertLogs(level='DEBUG') as logs:
            response = self.api('POST', '/auth/password', json={
                    'login': 'api_shifu_log',
                    'password': 'Secret-Pass-2026'})
            self.assertEqual(response.status, 200, response)
            token = response.json['access_token']
            self.api('GET', '/me', token=token)
            self.api('POST', '/auth/sms/send',
                json={'phone': '13900001234'})
            code = self.sms.last_code('13900001234')
            self.api('POST', '/auth/sms/login',
                json={'phone': '13900001234', 'code': code})
        output = '\n'.join(logs.output)
        for secret in ['Secret-Pass-2026', token, code,
                response.json['refresh_token']]:
            self.assertNotIn(secret, output)
        lines = [r for r in logs.records if r.name == 'yuexing.api']
        self.assertEqual(len(lines), 4)
        self.assertIn('POST', lines[0].getMessage())
        self.assertIn(str(user.id), lines[1].getMessage())

    # ---- uploads ------------------------------------------------------------
    def test_upload_limits(self):
        token = self.login_as(self.customer_id, 'customer')
        response = self.api('POST', '/uploads', token=token,
            data={'file': (BytesIO(PNG), 'leak.png')})
        self.assertEqual(response.status, 201, response)
        self.assertEqual(response.json['media_type'], 'image/png')
        self.assertEqual(response.json['size'], len(PNG))

        response = self.api('POST', '/uploads', token=token,
            data={'file': (BytesIO(b'MZ\x90\x00' * 10),
                    'photo.png')})
        self.assertError(response, 422, field='file', text='类型')

        # above trytond's default request size (2 MiB), below ours (10 MiB)
        response = self.api('POST', '/uploads', token=token, data={
                'file': (BytesIO(PNG + b'\x00' * 3 * 1024 * 1024),
                    'roof.png')})
        self.assertEqual(response.status, 201, response)

        self.set_limits(upload_max_kb=1)
        response = self.api('POST', '/uploads', token=token, data={
                'file': (BytesIO(PNG + b'\x00' * 2048),
                    'big.png')})
        self.assertError(response, 413, 'file_too_large', field='file')

        response = self.api('POST', '/uploads', token=token,
            json={'file': 'x'})
        self.assertError(response, 415, 'multipart_required')

        response = self.api('POST', '/uploads', token=token,
            data={'other': (BytesIO(PNG), 'x.png')})
        self.assertError(response, 422, field='file')
        self.assertIn('other', response.error['fields'])

    def test_uploads_of_others_invisible(self):
        from trytond.modules.yuexing_base.tests.tools import acting_as
        token = self.login_as(self.customer_id, 'customer')
        response = self.api('POST', '/uploads', token=token,
            data={'file': (BytesIO(PNG), 'mine.png')})
        upload_id = response.json['id']
        with self.db() as pool:
            Upload = pool.get('yuexing.api.upload')
            User = pool.get('res.user')
            with acting_as(User(self.other_customer_id)):
                self.assertEqual(
                    Upload.search([('id', '=', upload_id)]), [])

    # ---- me -----------------------------------------------------------------
    def test_me(self):
        token = self.login_as(self.staff_id, 'staff')
        response = self.api('GET', '/me', token=token)
        self.assertEqual(response.json['id'], self.staff_id)
        self.assertEqual(response.json['role'], 'staff')
        self.assertEqual(response.json['roles'], ['staff'])
        self.assertIsNone(response.json['customer'])


class ApiUnknownRouteTestCase(ApiTestCase):
    "JSON answers outside the declared routes"

    def test_unknown_path_and_method(self):
        response = self.api('GET', '/no/such/thing', check=False)
        self.assertEqual(response.status, 404)
        self.assertEqual(response.error['code'], 'not_found')
        response = self.api('DELETE', '/me', check=False)
        self.assertEqual(response.status, 405)
        self.assertEqual(response.headers['Allow'], 'GET')
        response = self.api('POST', '/messages/abc/read', check=False)
        self.assertEqual(response.status, 404)
        # a newline in the path (werkzeug's path converter stops at it)
        for path in ['/messages/a%0Ab/read', '/no%0A/such']:
            with self.subTest(path=path):
                self.assertError(self.api('POST', path, check=False), 404,
                    code='not_found')


del ApiTestCase
