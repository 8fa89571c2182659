"""A client generated from the OpenAPI document (openapi-python-client, as a
mini-program team would) runs the main C端 flow on the WSGI app: log in with
a sandbox code, upload a photo and report a leak, book a slot, confirm the
quote, pay with WeChat Pay in the sandbox, rate.

Mixed into tests/test_sandbox.py's class (its world and sandbox, no second
database). The generation runs once per class, offline, into a temporary
folder; every model the flow needs (OrderDetail, Quote, Bill, Payment, …)
must have been generated."""
import importlib
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_payment.tests.tools import bill_of, finish
from trytond.modules.yuexing_workorder.tests.tools import PNG
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wsgi import app

PACKAGE = 'yuexing_generated_client'
# what the generator must not drop (it did: Chinese titles as class names)
REQUIRED_MODELS = ['OrderDetail', 'Order', 'Quote', 'Bill', 'Payment',
    'Visit', 'Step', 'Slot', 'Upload', 'Token', 'TechnicianOrder',
    'OrderState', 'Priority', 'LeakSite', 'Error']


def generate(document, folder):
    "Generate the client package from the document into folder; import it."
    path = Path(folder) / 'openapi.json'
    path.write_text(json.dumps(document, ensure_ascii=False))
    result = subprocess.run([sys.executable, '-m', 'openapi_python_client',
            'generate', '--path', str(path), '--meta', 'none',
            '--output-path', str(Path(folder) / PACKAGE)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    return importlib.import_module(PACKAGE), result.stdout + result.stderr


class GeneratedClientFlow:
    """The C端 flow through a generated client; for an ApiTestCase with
    the sandbox switched on by switch_on(), a resident user of login
    resident_login, the company company_id and an eligible technician."""
    resident_login = None
    generated = None

    def generated_client(self):
        "(package, generator output, document), generated once per class."
        cls = self.__class__
        if cls.generated is None:
            answer = self.api('GET', '/openapi.json')
            self.assertEqual(answer.status, 200)
            folder = tempfile.TemporaryDirectory(prefix='yx-client-')
            cls.addClassCleanup(folder.cleanup)
            cls.addClassCleanup(_forget_package, folder.name)
            package, log = generate(answer.json, folder.name)
            cls.generated = (package, log, answer.json)
        return cls.generated

    def http(self, package, document, token=None):
        "A client of the generated package on the WSGI app (no server)."
        transport = httpx.WSGITransport(app=app, remote_addr='10.13.0.1')
        base = 'http://testserver' + document['servers'][0]['url']
        if token:
            return package.AuthenticatedClient(base_url=base, token=token,
                httpx_args={'transport': transport})
        return package.Client(base_url=base,
            httpx_args={'transport': transport})

    def send_quote(self, order_id, product_id):
        "The office quotes the order and sends the quote to the customer."
        def quote():
            pool = Pool()
            Quote = pool.get('yuexing.quote')
            Line = pool.get('yuexing.quote.line')
            order = pool.get('yuexing.work_order')(order_id)
            with set_company(order.company):
                quote = Quote.new_version(order)
                line = Line(quote=quote, quantity=2)
                line.product = pool.get('product.product')(product_id)
                line.on_change_product()
                line.save()
                Quote.submit_approval([quote])
                while quote.state == 'pending':
                    with Transaction().set_user(0):
                        Quote.approve([quote])
                Quote.send([quote])
            return quote.id
        return self.in_transaction(quote)

    def finish_order(self, order_id):
        def done():
            pool = Pool()
            with set_company(pool.get('company.company')(self.company_id)):
                finish(pool.get('yuexing.work_order')(order_id))
        self.in_transaction(done)


    def test_generated_client_main_flow(self):
        "The main C端 flow through a client generated from the document"
        self.switch_on()
        package, log, document = self.generated_client()
        self.assertNotIn('Unable to process schema', log)
        models = importlib.import_module(PACKAGE + '.models')
        for name in REQUIRED_MODELS:
            self.assertTrue(hasattr(models, name), name)

        def operation(tag, name):
            return importlib.import_module(f'{PACKAGE}.api.{tag}.{name}')

        # log in with the sandbox code of the demo resident
        anonymous = self.http(package, document)
        login = operation('认证', 'login_wechat').sync_detailed(
            client=anonymous, body=models.LoginWechatBody(
                code='demo-' + self.resident_login))
        self.assertEqual(login.status_code, 200, login.content)
        token = login.parsed
        self.assertIsInstance(token, models.Token)
        client = self.http(package, document, token.access_token)

        # report a leak with a photo
        upload = operation('上传', 'upload').sync_detailed(client=client,
            body=models.UploadBody(file=package.types.File(
                    payload=io.BytesIO(PNG),
                    file_name='leak.png', mime_type='image/png')))
        self.assertEqual(upload.status_code, 201, upload.content)
        created = operation('工单', 'create_order').sync_detailed(
            client=client, idempotency_key='gc-order-0001',
            body=models.CreateOrderBody(
                leak_site=models.LeakSite.ROOF,
                description='顶楼卧室天花板雨后渗水',
                priority=models.Priority.HIGH,
                photos=[upload.parsed.id]))
        self.assertEqual(created.status_code, 201, created.content)
        order = created.parsed
        self.assertIsInstance(order, models.OrderDetail)
        self.assertEqual(order.state, models.OrderState.SUBMITTED)
        self.assertEqual(order.priority, models.Priority.HIGH)

        # book the first free slot
        slots = operation('工单', 'order_slots').sync_detailed(
            order.id, client=client)
        self.assertEqual(slots.status_code, 200, slots.content)
        free = [s for s in slots.parsed if s.available]
        self.assertTrue(free, "no free slot")
        booked = operation('工单', 'book').sync_detailed(order.id,
            client=client, body=models.BookBody(
                start=free[0].start, end=free[0].end))
        self.assertEqual(booked.status_code, 200, booked.content)
        self.assertEqual(booked.parsed.preferred_start, free[0].start)

        # a slot in the past is its own error, named on the field
        past = operation('工单', 'book').sync_detailed(order.id,
            client=client, body=models.BookBody(
                start=free[0].start.replace(year=2020),
                end=free[0].end.replace(year=2020)))
        self.assertEqual(past.status_code, 422)
        self.assertIsInstance(past.parsed, models.Error)
        self.assertEqual(past.parsed.error.code, 'slot_past')
        self.assertIn('start', past.parsed.error.fields.additional_keys)

        # confirm the quote the office sent
        quote_id = self.send_quote(order.id, self.membrane_id)
        detail = operation('工单', 'get_order').sync(order.id, client=client)
        self.assertIsInstance(detail.quote, models.Quote)
        self.assertEqual(detail.quote.id, quote_id)
        self.assertTrue(detail.quote.can_confirm)
        confirmed = operation('报价', 'confirm_quote').sync_detailed(
            quote_id, client=client, idempotency_key='gc-confirm-0001')
        self.assertEqual(confirmed.status_code, 200, confirmed.content)
        self.assertEqual(confirmed.parsed.state, models.QuoteState.CONFIRMED)

        # pay the bill with WeChat Pay in the sandbox
        bills = operation('支付', 'list_bills').sync(client=client)
        with self.db() as pool:
            bill_id = bill_of(pool.get('yuexing.work_order')(order.id)).id
        self.assertIn(bill_id, [b.id for b in bills.items])
        paying = operation('支付', 'pay_bill').sync_detailed(bill_id,
            client=client, idempotency_key='gc-pay-00001',
            body=models.PayBillBody(
                channel=models.PayBillBodyChannel.WECHAT_JSAPI))
        self.assertEqual(paying.status_code, 201, paying.content)
        payment = paying.parsed.payment
        status, channel = self.sandbox.pay(payment.number)
        self.assertEqual(channel, 'wechat')
        paid = operation('支付', 'payment_status').sync(payment.id,
            client=client)
        self.assertIsInstance(paid, models.Payment)
        self.assertEqual(str(paid.state), 'paid')

        # the work is done; the resident rates it
        self.finish_order(order.id)
        rated = operation('工单', 'rate').sync_detailed(order.id,
            client=client, idempotency_key='gc-rate-00001',
            body=models.RateBody(punctuality=5, quality=5, attitude=4,
                cleanliness=5, comment='师傅很专业'))
        self.assertEqual(rated.status_code, 201, rated.content)
        self.assertIsInstance(rated.parsed.rating, models.Rating)
        self.assertFalse(rated.parsed.can_rate)


def _forget_package(folder):
    for name in [n for n in sys.modules if n.split('.')[0] == PACKAGE]:
        del sys.modules[name]
    if folder in sys.path:
        sys.path.remove(folder)
