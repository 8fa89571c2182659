"""Test helpers for the JSON API, reusable by every module's tests.

    from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase

    class WorkOrderApiTestCase(ApiTestCase):
        module = 'yuexing_workorder'

        @classmethod
        def setUpApiData(cls):       # committed once for the class
            ...

        def test_create_order(self):
            token = self.login_as(self.customer_id, 'customer')
            response = self.api('POST', '/orders', token=token, json={...})
            self.assertEqual(response.status, 201)

Every answer of ``self.api`` is checked against the OpenAPI document the
server publishes (status documented, body valid against the documented
schema); ``OpenApiContract.assert_complete`` checks that every endpoint is
in the document. The fakes of WeChat, Aliyun SMS and SMTP run for the whole
class and the configuration points at them.
"""
import datetime as dt
import itertools
import json
import re
from contextlib import contextmanager
from functools import partial

from werkzeug.test import Client

from trytond.config import config
from trytond.pool import Pool
from trytond.protocols.wrappers import Response
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction
from trytond.wsgi import app

from ..api import REGISTRY, schema
from ..locks import run_committed
from .fakes import FakeAliyunSms, FakeSmtp, FakeWeChat

_ips = itertools.count(1)


# RFC 3339 (what OpenAPI's date-time means): the offset is not optional
_DATE_TIME = re.compile(
    r'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})')


def format_checker():
    "jsonschema's format checker, with date-time checked (RFC 3339)."
    import jsonschema
    checker = jsonschema.FormatChecker()

    @checker.checks('date-time', raises=ValueError)
    def date_time(value):
        if not isinstance(value, str):
            return True
        return bool(_DATE_TIME.fullmatch(value)) and bool(
            dt.datetime.fromisoformat(value))
    return checker


def api_datetime(text):
    "The naive UTC datetime of an API date-time (RFC 3339, e.g. …Z)."
    return schema.DateTime(None).convert(text, '', {})


class ApiResponse:
    def __init__(self, response):
        self.raw = response
        self.status = response.status_code
        self.headers = response.headers
        data = response.get_data(as_text=True)
        self.text = data
        try:
            self.json = json.loads(data) if data else None
        except ValueError:
            self.json = None

    @property
    def error(self):
        return (self.json or {}).get('error') or {}

    def __repr__(self):
        return f'<ApiResponse {self.status} {self.text[:300]}>'


class OpenApiContract:
    "The published OpenAPI document, to check answers and completeness."

    def __init__(self, document, modules=None):
        self.document = document
        # Modules activated on the tested database (None: all).
        self.modules = set(modules) if modules is not None else None
        self.base = document['servers'][0]['url']
        self._templates = []
        for path, item in document['paths'].items():
            pattern = '^' + re.sub(r'\\\{(\w+)\\\}', r'(?P<\1>[^/]+)',
                re.escape(path)) + '$'
            self._templates.append((re.compile(pattern), path, item))

    def available(self, ep):
        return self.modules is None or ep.module in self.modules

    def operation(self, method, path):
        "(template, operation) documenting METHOD path (relative path)."
        path = path.split('?', 1)[0]
        for pattern, template, item in self._templates:
            if pattern.match(path) and method.lower() in item:
                return template, item[method.lower()]
        return None, None

    def schema_of(self, operation, status):
        response = operation['responses'].get(str(status))
        if response is None:
            return None
        content = response.get('content', {}).get('application/json')
        return content['schema'] if content else {}

    def validate(self, method, path, status, body):
        "Raise AssertionError when the answer is not what is documented."
        import jsonschema
        template, operation = self.operation(method, path)
        if operation is None:
            raise AssertionError(f"{method} {path} is not documented")
        if str(status) not in operation['responses']:
            raise AssertionError(
                f"{method} {template} answered {status}, documented: "
                f"{sorted(operation['responses'])}")
        schema = self.schema_of(operation, status)
        if not schema:
            if body not in (None, ''):
                raise AssertionError(
                    f"{method} {template} {status}: body not documented")
            return
        root = {'$schema': 'https://json-schema.org/draft/2020-12/schema',
            'allOf': [schema], 'components': self.document['components']}
        try:
            jsonschema.validate(body, root,
                cls=jsonschema.Draft202012Validator,
                format_checker=format_checker())
        except jsonschema.ValidationError as exception:
            raise AssertionError(
                f"{method} {template} {status} does not match its "
                f"documented schema: {exception.message} at "
                f"{list(exception.absolute_path)}") from None

    def assert_complete(self, endpoints=None):
        """Every registered endpoint (default: all) and every werkzeug rule
        under /api/v1 is documented with its method."""
        missing = []
        documented = {ep.openapi_path for ep in REGISTRY.values()}
        for ep in (endpoints or REGISTRY.values()):
            if not self.available(ep):
                continue
            item = self.document['paths'].get(ep.openapi_path, {})
            if ep.method.lower() not in item:
                missing.append(f'{ep.method} {ep.path}')
        for rule in app.url_map.iter_rules():
            if '/api/v1/' not in rule.rule or getattr(
                    rule.endpoint, 'api_catch_all', False):
                continue
            path = re.sub(r'<(?:\w+:)?(\w+)>', r'{\1}',
                rule.rule.split('/api/v1', 1)[1])
            if path in documented and not any(
                    self.available(ep) for ep in REGISTRY.values()
                    if ep.openapi_path == path):
                continue  # a module not activated on this database
            for method in rule.methods - {'HEAD', 'OPTIONS'}:
                if method.lower() not in self.document['paths'].get(
                        path, {}):
                    missing.append(f'{method} {path} (werkzeug rule)')
        if missing:
            raise AssertionError(
                "not in the OpenAPI document: " + ', '.join(missing))


class ApiTestCase(RouteTestCase):
    "HTTP tests of the API through the WSGI app, with the fakes running."
    module = 'yuexing_base'
    language = 'zh_CN'
    check_contract = True

    @classmethod
    def setUpClass(cls):
        cls.wechat = FakeWeChat().start()
        cls.sms = FakeAliyunSms().start()
        cls.smtp = FakeSmtp().start()
        cls._email_uri = config.get('email', 'uri', default=None)
        config.set('email', 'uri', cls.smtp.uri)
        cls.addClassCleanup(cls.wechat.stop)
        cls.addClassCleanup(cls.sms.stop)
        cls.addClassCleanup(cls.smtp.stop)
        cls.addClassCleanup(config.set, 'email', 'uri',
            cls._email_uri or 'smtp://localhost:25')
        super().setUpClass()
        cls.in_transaction(cls.configure_channels)
        cls.in_transaction(cls.setUpApiData)
        cls.contract = OpenApiContract(
            cls._fetch_document(), cls.in_transaction(cls._activated))

    @classmethod
    def _activated(cls):
        return list(Pool()._modules)

    @classmethod
    def in_transaction(cls, func, *args, **kwargs):
        "Run func in a committed transaction as root (locks retried)."
        result = run_committed(DB_NAME, 0, partial(func, *args, **kwargs))
        Transaction().tasks.clear()
        return result

    @classmethod
    def setUpApiData(cls):
        "Create the data of the class (committed); override."

    @classmethod
    def configure_channels(cls):
        Configuration = Pool().get('yuexing.configuration')
        Configuration.write([Configuration(1)], {
                'wechat_app_id': cls.wechat.appid,
                'wechat_app_secret': cls.wechat.secret,
                'wechat_api_base': cls.wechat.url,
                'sms_provider': 'aliyun',
                'sms_access_key_id': next(iter(cls.sms.keys)),
                'sms_access_key_secret': next(iter(cls.sms.keys.values())),
                'sms_sign_name': next(iter(cls.sms.sign_names)),
                'sms_endpoint': cls.sms.url,
                'sms_code_template': 'SMS_CODE',
                'email_from': 'noreply@yuexing.example',
                'message_retry_minutes': 1,
                })

    @classmethod
    def _fetch_document(cls):
        client = Client(app, Response)
        response = client.get(f'/{DB_NAME}/api/v1/openapi.json',
            environ_base={'REMOTE_ADDR': '10.255.255.254'})
        assert response.status_code == 200, response.get_data(as_text=True)
        return json.loads(response.get_data(as_text=True))

    def setUp(self):
        super().setUp()
        # a fresh client address per test: the per-IP limits do not leak
        n = next(_ips)
        self.ip = f'10.{n // 250 % 250}.{n % 250}.{(n // 62500) % 250 + 1}'

    # ---- calling the API ----------------------------------------------------
    def url(self, path):
        return f'/{DB_NAME}/api/v1{path}'

    def api(self, method, path, json=None, token=None, headers=None,
            data=None, ip=None, check=None, content_type=None):
        """Call METHOD /<db>/api/v1<path>; the answer is checked against the
        OpenAPI document unless check=False."""
        headers = dict(headers or {})
        if token:
            headers['Authorization'] = f'Bearer {token}'
        kwargs = {'headers': headers,
            'environ_base': {'REMOTE_ADDR': ip or self.ip}}
        if json is not None:
            kwargs['json'] = json
        if data is not None:
            kwargs['data'] = data
        if content_type:
            kwargs['content_type'] = content_type
        client = Client(app, Response)
        response = ApiResponse(
            client.open(self.url(path), method=method, **kwargs))
        if check if check is not None else self.check_contract:
            self.contract.validate(method, path, response.status,
                response.json if response.text else None)
        return response

    def assertError(self, response, status, code=None, field=None,
            text=None):
        "The answer is the error status/code, naming field, in Chinese."
        self.assertEqual(response.status, status, response)
        error = response.error
        if code:
            self.assertEqual(error.get('code'), code, response)
        if field:
            self.assertIn(field, error.get('fields', {}), response)
        if text:
            self.assertIn(text, error['message'], response)
        self.assertRegex(error.get('message', ''), r'[\u4e00-\u9fff]',
            "the message is not in Chinese")

    # ---- the database -------------------------------------------------------
    @contextmanager
    def db(self, user=0, context=None):
        "A committed transaction (the API sees what it wrote)."
        with Transaction().start(DB_NAME, user, context=context) as tr:
            yield Pool()
            tr.commit()
        # the tasks it queued are run by run_queue, not by the next request
        Transaction().tasks.clear()

    def clear_queue(self):
        "Forget the tasks left by earlier tests."
        with self.db() as pool:
            Queue = pool.get('ir.queue')
            Queue.delete(Queue.search([('finished_at', '=', None)]))

    def login_as(self, user_id, role, client='test'):
        "Issue a token for the user (committed) and return the secret."
        with self.db() as pool:
            Token = pool.get('yuexing.api.token')
            User = pool.get('res.user')
            _, answer = Token.issue(User(user_id), role, client)
        return answer['access_token']

    def run_queue(self, due_only=True):
        """Run the queued tasks the way trytond's worker does (run_task);
        due_only leaves the tasks scheduled in the future. Returns how many
        ran."""
        from trytond.worker import run_task
        count = 0
        while True:
            with self.db() as pool:
                Queue = pool.get('ir.queue')
                domain = [('finished_at', '=', None)]
                if due_only:
                    domain.append(['OR', ('scheduled_at', '=', None),
                            ('scheduled_at', '<=', dt.datetime.now())])
                tasks = Queue.search(domain, order=[('id', 'ASC')])
                ids = [t.id for t in tasks]
            if not ids:
                return count
            for task_id in ids:
                run_task(Pool(DB_NAME), task_id)
                count += 1
            Transaction().tasks.clear()
