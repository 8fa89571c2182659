"""The sandbox of `make run` (scripts/sandbox.py): a resident logs in with a
sandbox code, pays with WeChat Pay and Alipay through the stand-ins, a
technician logs in with the SMS code the console shows; the guard refuses
production, non-demo databases and real credentials; a channel without its
merchant settings answers 503 without naming them."""
import importlib.util
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from unittest import mock

from werkzeug.test import Client
from werkzeug.wrappers import Response

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.exceptions import SandboxRefused
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_payment.tests.tools import (
    bill_of,
    confirmed_order,
    make_user,
    payment_world,
)
from trytond.modules.yuexing_workorder.tests.tools import create_technician
from trytond.pool import Pool
from trytond.wsgi import app

from .generated_client import GeneratedClientFlow

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    'yuexing_sandbox', ROOT / 'scripts' / 'sandbox.py')
sandbox_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sandbox_script)

SERVER = 'http://127.0.0.1:8000'
TECHNICIAN_PHONE = '13912345601'
OTHER_TECHNICIAN_PHONE = '13912345602'


def deliver(url, body, headers):
    "Post a stand-in's notification to the WSGI app (what HTTP would do)."
    path = urllib.parse.urlsplit(url).path
    response = Client(app, Response).post(path, data=body,
        headers=headers, environ_base={'REMOTE_ADDR': '127.0.0.1'})
    return response.status_code


class SandboxTestCase(GeneratedClientFlow, ApiTestCase):
    "The sandbox of make run"
    module = 'yuexing_payment'
    resident_login = 'sb-resident'

    @classmethod
    def setUpApiData(cls):
        company, resident, park, membrane, labour = payment_world()
        cls.company_id = company.id
        cls.membrane_id = membrane.id
        # no WeChat identity yet: the sandbox gives it one
        cls.resident_user_id = make_user('sb-resident',
            ['group_c2c_customer'], company=company,
            customer=resident.id).id
        with set_company(company):
            cls.order_ids = [confirmed_order(resident, [(membrane, 1)]).id
                for _ in range(3)]
            for login, name, phone in [
                    ('sb-tech', '钱师傅', TECHNICIAN_PHONE),
                    ('sb-tech2', '孙师傅', OTHER_TECHNICIAN_PHONE)]:
                create_technician(company, name, [('membrane', 'senior')],
                    user_login=login)
                User = Pool().get('res.user')
                technician, = User.search([('login', '=', login)])
                User.write([technician], {'mobile': phone})

    def setUp(self):
        super().setUp()
        self.sandbox = sandbox_script.Sandbox(SERVER, post=deliver)
        self.addCleanup(self.sandbox.stop)

    def switch_on(self):
        with self.db() as pool:
            pool.get('yuexing.configuration').mark_demo_database()
            return sandbox_script.apply(self.sandbox.values(),
                'http://127.0.0.1:8001/')

    def bill_id(self, index):
        with self.db() as pool:
            order = pool.get('yuexing.work_order')(self.order_ids[index])
            return bill_of(order).id

    def test_guard(self):
        "Refused on production, on a non-demo database, with real keys"
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            Configuration.write([Configuration(1)], {'demo_database': False})
        with self.db():
            with self.assertRaises(SandboxRefused) as refused:
                sandbox_script.apply(self.sandbox.values(), 'http://x/')
        self.assertIn('演示数据库', refused.exception.message)
        self.switch_on()
        with mock.patch.dict(os.environ, {'YUEXING_PRODUCTION': '1'}):
            with self.db():
                with self.assertRaises(SandboxRefused) as refused:
                    sandbox_script.apply(self.sandbox.values(), 'http://x/')
        self.assertIn('生产', refused.exception.message)
        # an administrator put the real merchant's keys in
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            Configuration.write([Configuration(1)], {
                    'wechatpay_api_base': 'https://api.mch.weixin.qq.com',
                    })
        with self.db() as pool:
            with self.assertRaises(SandboxRefused) as refused:
                sandbox_script.apply(self.sandbox.values(), 'http://x/')
            self.assertIn('微信支付', refused.exception.message)
            # nothing was switched
            config = pool.get('yuexing.configuration')(1)
            self.assertEqual(config.wechatpay_api_base,
                'https://api.mch.weixin.qq.com')
        # a stand-in must be local
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            Configuration.write([Configuration(1)], {
                    'wechatpay_api_base': self.sandbox.wechatpay.url})
        values = dict(self.sandbox.values(),
            alipay_gateway='https://openapi.alipay.com/gateway.do')
        with self.db():
            with self.assertRaises(SandboxRefused):
                sandbox_script.apply(values, 'http://x/')

    def test_resident_logs_in_and_pays_with_both_channels(self):
        codes = self.switch_on()
        self.assertIn('demo-sb-resident', codes)
        login = self.api('POST', '/auth/wechat',
            json={'code': 'demo-sb-resident'})
        self.assertEqual(login.status, 200, login)
        token = login.json['access_token']
        # a sandbox code is reusable (a real one is not)
        again = self.api('POST', '/auth/wechat',
            json={'code': 'demo-sb-resident'})
        self.assertEqual(again.status, 200, again)
        me = self.api('GET', '/me', token=token)
        self.assertEqual(me.json['id'], self.resident_user_id)
        self.assertEqual(login.json['user']['id'], self.resident_user_id)
        # an unknown code is refused as WeChat does
        self.assertEqual(self.api('POST', '/auth/wechat',
                json={'code': 'not-a-sandbox-code'}).status, 422)

        wechat = self.api('POST', f'/bills/{self.bill_id(0)}/payments',
            token=token, json={'channel': 'wechat_jsapi'})
        self.assertEqual(wechat.status, 201, wechat)
        alipay = self.api('POST', f'/bills/{self.bill_id(1)}/payments',
            token=token, json={'channel': 'alipay_mini',
                'alipay_buyer_id': '2088102177846880'})
        self.assertEqual(alipay.status, 201, alipay)
        pending = {p['out_trade_no']: p for p in self.sandbox.payments()}
        for answer, channel in [(wechat, 'wechat'), (alipay, 'alipay')]:
            payment = answer.json['payment']
            self.assertEqual(pending[payment['number']]['channel'], channel)
            status, paid_with = self.sandbox.pay(payment['number'])
            self.assertEqual(paid_with, channel)
            self.assertIn(status, {200, 204})
            state = self.api('GET', f"/payments/{payment['id']}",
                token=token)
            self.assertEqual(state.json['state'], 'paid', channel)
        self.assertEqual(self.sandbox.pay('YX-NOT-THERE'), (None, None))

        # a restarted sandbox never repeats a platform transaction number
        # (the database refuses to book one twice)
        restarted = sandbox_script.Sandbox(SERVER, post=deliver)
        self.addCleanup(restarted.stop)
        with self.db() as pool:
            Payment = pool.get('yuexing.payment')
            used = {p.transaction_id for p in Payment.search([
                        ('number', 'in', [wechat.json['payment']['number'],
                                alipay.json['payment']['number']])])}
        fresh = {'42000' + f'{next(restarted.wechatpay._ids):023d}',
            f'{next(restarted.alipay._ids):015d}'}
        self.assertFalse(any(t.endswith(f) for t in used for f in fresh))

    def test_restarted_sandbox_pays_what_the_previous_one_was_asked(self):
        self.switch_on()
        token = self.login_as(self.resident_user_id, 'customer')
        asked = self.api('POST', f'/bills/{self.bill_id(2)}/payments',
            token=token, json={'channel': 'wechat_jsapi'})
        self.assertEqual(asked.status, 201, asked)
        payment = asked.json['payment']
        restarted = sandbox_script.Sandbox(SERVER, post=deliver)
        self.addCleanup(restarted.stop)
        self.assertEqual(restarted.pay(payment['number']), (None, None))
        with self.db():
            sandbox_script.apply(restarted.values(), 'http://x/',
                adopt=restarted.adopt)
        status, channel = restarted.pay(payment['number'])
        self.assertEqual((status in {200, 204}, channel), (True, 'wechat'))
        state = self.api('GET', f"/payments/{payment['id']}", token=token)
        self.assertEqual(state.json['state'], 'paid')

    def test_technician_logs_in_with_the_sms_code_of_the_console(self):
        self.switch_on()
        sent = self.api('POST', '/auth/sms/send',
            json={'phone': TECHNICIAN_PHONE})
        self.assertEqual(sent.status, 200, sent)
        codes = self.sandbox.sms_codes('+86' + TECHNICIAN_PHONE)
        self.assertEqual(len(codes), 1)
        login = self.api('POST', '/auth/sms/login',
            json={'phone': TECHNICIAN_PHONE, 'code': codes[0]['code']})
        self.assertEqual(login.status, 200, login)
        self.assertEqual(login.json['role'], 'technician')

    def test_console_page_and_json(self):
        self.switch_on()
        self.api('POST', '/auth/sms/send',
            json={'phone': OTHER_TECHNICIAN_PHONE})
        server = sandbox_script.console(self.sandbox, 0)
        self.addCleanup(server.server_close)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        base = f'http://127.0.0.1:{server.server_address[1]}'
        with urllib.request.urlopen(base + '/') as response:
            page = response.read().decode('utf-8')
        self.assertIn('短信验证码', page)
        self.assertIn(OTHER_TECHNICIAN_PHONE, page)
        self.assertIn('demo-cduan', page)
        with urllib.request.urlopen(base + '/api/sms?phone='
                + OTHER_TECHNICIAN_PHONE) as response:
            self.assertIn(b'"code"', response.read())
        request = urllib.request.Request(base + '/api/pay',
            data=b'{"out_trade_no": "YX-NONE"}', method='POST',
            headers={'Content-Type': 'application/json'})
        with self.assertRaises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request)
        self.assertEqual(error.exception.code, 404)

    def test_payment_channel_not_configured_503(self):
        self.switch_on()
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            Configuration.write([Configuration(1)], {
                    'alipay_private_key': None})
        token = self.login_as(self.resident_user_id, 'customer')
        with self.db() as pool:
            Payment = pool.get('yuexing.payment')
            before = Payment.search_count([])
        with self.assertLogs('trytond.modules.yuexing_payment.routes',
                'ERROR') as logged:
            answer = self.api('POST', f'/bills/{self.bill_id(1)}/payments',
                token=token, json={'channel': 'alipay_mini',
                    'alipay_buyer_id': '2088102177846880'})
        self.assertError(answer, 503, 'payment_unavailable')
        self.assertNotIn('alipay', answer.text.lower().replace(
                'alipay_mini', ''))
        self.assertIn('alipay_private_key', logged.output[0])
        with self.db() as pool:
            Payment = pool.get('yuexing.payment')
            self.assertEqual(Payment.search_count([]), before)
