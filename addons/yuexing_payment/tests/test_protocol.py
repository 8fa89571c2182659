"""The WeChat Pay v3 and Alipay clients against the local fakes (real
signatures and encryption with keys generated here), and the statement
parsers on the providers' real file formats. No database."""
import datetime as dt
import json
import time
import unittest
from decimal import Decimal

from trytond.modules.yuexing_payment.alipay import (
    AlipayClient,
    AlipayError,
    AlipaySignatureError,
)
from trytond.modules.yuexing_payment.statement_file import (
    StatementFormatError,
    parse_alipay,
    parse_wechat,
    write_alipay,
)
from trytond.modules.yuexing_payment.tests.fakes import (
    FakeAlipay,
    FakeWeChatPay,
)
from trytond.modules.yuexing_payment.tests.fakes.base import generate_key
from trytond.modules.yuexing_payment.wechatpay import (
    SignatureError,
    WeChatPayClient,
    WeChatPayError,
    load_public_key,
    rsa_verify,
)


def wechat_client(fake, **changes):
    values = fake.settings()
    values.update(changes)
    return WeChatPayClient(values['wechatpay_mch_id'],
        values['wechatpay_app_id'], values['wechatpay_serial_no'],
        values['wechatpay_private_key'], values['wechatpay_api_v3_key'],
        values['wechatpay_platform_key'],
        values['wechatpay_platform_serial'],
        base_url=values['wechatpay_api_base'],
        notify_url='https://erp.example.com/db/api/v1/payments/notify/wechat')


class WeChatPayProtocolTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeWeChatPay().start()
        cls.addClassCleanup(cls.fake.stop)
        cls.client = wechat_client(cls.fake)

    def test_jsapi_prepay_and_signed_request_payment(self):
        prepay = self.client.jsapi_prepay('YXT0001', '维修费',
            Decimal('128.50'), 'o-openid-1',
            expire=dt.datetime.utcnow() + dt.timedelta(minutes=30))
        self.assertTrue(prepay.startswith('wx'))
        self.assertEqual(self.fake.orders['YXT0001']['total'], 12850)
        params = self.client.request_payment_params(prepay)
        self.assertEqual(params['package'], f'prepay_id={prepay}')
        self.assertEqual(params['signType'], 'RSA')
        # the paySign verifies with the merchant's public key
        message = (f"{params['appId']}\n{params['timeStamp']}\n"
            f"{params['nonceStr']}\n{params['package']}\n")
        self.assertTrue(rsa_verify(self.fake.merchant_key, message,
                params['paySign']))

    def test_native_query_close(self):
        url = self.client.native_prepay('YXT0002', '维修费', Decimal('10'))
        self.assertTrue(url.startswith('weixin://wxpay/bizpayurl'))
        self.assertEqual(self.client.query('YXT0002')['trade_state'],
            'NOTPAY')
        self.client.close('YXT0002')
        self.assertEqual(self.client.query('YXT0002')['trade_state'],
            'CLOSED')
        with self.assertRaises(WeChatPayError) as cm:
            self.client.query('YXT-unknown')
        self.assertEqual(cm.exception.code, 'ORDER_NOT_EXIST')
        self.assertEqual(cm.exception.status, 404)

    def test_request_with_wrong_key_refused(self):
        other, _ = generate_key()
        client = wechat_client(self.fake, wechatpay_private_key=other)
        with self.assertRaises(WeChatPayError) as cm:
            client.native_prepay('YXT0003', '维修费', Decimal('10'))
        self.assertEqual(cm.exception.code, 'SIGN_ERROR')

    def test_answer_signed_by_another_platform_refused(self):
        _, other_public = generate_key()
        client = wechat_client(self.fake,
            wechatpay_platform_key=other_public)
        with self.assertRaises(SignatureError):
            client.native_prepay('YXT0004', '维修费', Decimal('10'))

    def test_notification_verified_and_decrypted(self):
        self.client.jsapi_prepay('YXT0005', '维修费', Decimal('99.90'),
            'o-openid-5')
        headers, body = self.fake.pay('YXT0005')
        event, resource = self.client.parse_notification(headers, body)
        self.assertEqual(event, 'TRANSACTION.SUCCESS')
        self.assertEqual(resource['out_trade_no'], 'YXT0005')
        self.assertEqual(resource['amount']['total'], 9990)
        self.assertEqual(resource['trade_state'], 'SUCCESS')

    def test_forged_notifications_refused(self):
        self.client.jsapi_prepay('YXT0006', '维修费', Decimal('5'), 'o-6')
        headers, body = self.fake.pay('YXT0006')
        # body changed after signing
        tampered = body.replace(b'"event_type"', b'"event_type" ')
        with self.assertRaises(SignatureError):
            self.client.parse_notification(headers, tampered)
        # signed by another key
        other, _ = generate_key()
        from trytond.modules.yuexing_payment.wechatpay import (
            load_private_key,
        )
        headers2, body2 = self.fake.notification('TRANSACTION.SUCCESS',
            {'out_trade_no': 'YXT0006'}, 'transaction',
            key=load_private_key(other))
        with self.assertRaises(SignatureError):
            self.client.parse_notification(headers2, body2)
        # unknown serial
        headers3 = dict(headers, **{'Wechatpay-Serial': 'PUB_KEY_ID_x'})
        with self.assertRaises(SignatureError):
            self.client.parse_notification(headers3, body)
        # replayed long after
        old = dict(headers, **{'Wechatpay-Timestamp': str(
                    int(time.time()) - 3600)})
        with self.assertRaises(SignatureError):
            self.client.parse_notification(old, body)
        # encrypted with another API v3 key: signature fine, GCM fails
        headers4, body4 = self.fake.notification('TRANSACTION.SUCCESS',
            {'out_trade_no': 'YXT0006'}, 'transaction',
            api_v3_key='0' * 32)
        with self.assertRaises(SignatureError):
            self.client.parse_notification(headers4, body4)

    def test_refunds_never_exceed(self):
        self.client.jsapi_prepay('YXT0007', '维修费', Decimal('100'), 'o-7')
        self.fake.pay('YXT0007')
        answer = self.client.refund('YXT0007', 'RYXT0007A', Decimal('30'),
            Decimal('100'), reason='部分退款')
        self.assertEqual(answer['status'], 'PROCESSING')
        self.assertEqual(answer['amount']['refund'], 3000)
        with self.assertRaises(WeChatPayError) as cm:
            self.client.refund('YXT0007', 'RYXT0007B', Decimal('70.01'),
                Decimal('100'))
        self.assertEqual(cm.exception.code, 'NOT_ENOUGH')
        headers, body = self.fake.refund_notification('RYXT0007A')
        event, resource = self.client.parse_notification(headers, body)
        self.assertEqual(event, 'REFUND.SUCCESS')
        self.assertEqual(resource['refund_status'], 'SUCCESS')
        self.assertEqual(self.client.query_refund('RYXT0007A')['status'],
            'SUCCESS')

    def test_trade_bill_downloaded_and_parsed(self):
        self.client.jsapi_prepay('YXT0008', '维修费', Decimal('88'), 'o-8')
        self.fake.pay('YXT0008')
        text = self.client.trade_bill(dt.date.today())
        self.assertTrue(text.startswith('交易时间,公众账号ID'))
        self.assertIn('`YXT0008', text)
        rows = parse_wechat(text)
        row, = [r for r in rows if r['out_trade_no'] == 'YXT0008']
        self.assertEqual(row['amount'], Decimal('88.00'))
        self.assertEqual(row['kind'], 'payment')
        self.assertTrue(row['transaction_id'].startswith('42000'))


class AlipayProtocolTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeAlipay().start()
        cls.addClassCleanup(cls.fake.stop)
        values = cls.fake.settings()
        cls.client = AlipayClient(values['alipay_app_id'],
            values['alipay_private_key'], values['alipay_public_key'],
            gateway=values['alipay_gateway'],
            notify_url='https://erp.example.com/db/api/v1/payments/notify/'
            'alipay')

    def test_precreate_query_refund(self):
        qr = self.client.precreate('YXA0001', '维修费', Decimal('200'))
        self.assertTrue(qr.startswith('https://qr.alipay.com/'))
        self.assertEqual(self.client.query('YXA0001')['trade_status'],
            'WAIT_BUYER_PAY')
        params = self.fake.pay('YXA0001')
        self.client.verify_notification(params)
        self.assertEqual(params['total_amount'], '200.00')
        answer = self.client.refund('YXA0001', 'RYXA0001', Decimal('50'),
            reason='部分退款')
        self.assertEqual(answer['refund_fee'], '50.00')
        with self.assertRaises(AlipayError) as cm:
            self.client.refund('YXA0001', 'RYXA0002', Decimal('150.01'))
        self.assertEqual(cm.exception.sub_code,
            'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL')

    def test_mini_program_create(self):
        trade_no = self.client.create('YXA0002', '维修费', Decimal('1'),
            '2088000000000001')
        self.assertTrue(trade_no)

    def test_forged_notification_refused(self):
        self.client.precreate('YXA0003', '维修费', Decimal('20'))
        params = self.fake.pay('YXA0003')
        tampered = dict(params, total_amount='0.01')
        with self.assertRaises(AlipaySignatureError):
            self.client.verify_notification(tampered)
        other, _ = generate_key()
        from trytond.modules.yuexing_payment.wechatpay import (
            load_private_key,
        )
        forged = self.fake.pay('YXA0003', key=load_private_key(other))
        with self.assertRaises(AlipaySignatureError):
            self.client.verify_notification(forged)

    def test_request_signed_with_wrong_key_refused(self):
        other, _ = generate_key()
        client = AlipayClient(self.fake.app_id, other,
            self.fake.alipay_public_pem, gateway=self.fake.gateway)
        with self.assertRaises(AlipayError) as cm:
            client.precreate('YXA0004', '维修费', Decimal('1'))
        self.assertEqual(cm.exception.sub_code, 'isv.invalid-signature')

    def test_statement_gbk(self):
        self.client.precreate('YXA0005', '维修费', Decimal('66.60'))
        self.fake.pay('YXA0005')
        import requests
        data = requests.get(self.client.bill_url(dt.date.today())).content
        data.decode('gbk')
        rows = parse_alipay(data)
        row, = [r for r in rows if r['out_trade_no'] == 'YXA0005']
        self.assertEqual(row['amount'], Decimal('66.60'))


class StatementFileTestCase(unittest.TestCase):

    def test_wechat_real_sample(self):
        "A bill as WeChat documents it, summary lines at the end."
        text = (
            '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,'
            '用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,'
            '微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,'
            '商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n'
            '`2026-11-24 10:11:12,`wx2421b1c4370ec43b,`10000100,`0,`1000,'
            '`4200000001202611240000000001,`YX1,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,'
            '`JSAPI,`SUCCESS,`OTHERS,`CNY,`100.00,`0.00,`0,`0,`0.00,`0.00,`,'
            '`,`维修费,`,`0.60000,`0.60%,`100.00,`0.00,`\r\n'
            '`2026-11-24 11:00:00,`wx2421b1c4370ec43b,`10000100,`0,`1000,'
            '`4200000001202611240000000001,`YX1,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,'
            '`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,'
            '`50300000012026112400000001,`RYX1,`30.00,`0.00,`ORIGINAL,'
            '`SUCCESS,`维修费,`,`-0.18000,`0.60%,`0.00,`30.00,`\r\n'
            '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,'
            '订单总金额,申请退款总金额\r\n'
            '`2,`100.00,`30.00,`0.00,`0.42000,`100.00,`30.00\r\n')
        rows = parse_wechat(text.encode('utf-8'))
        self.assertEqual(len(rows), 2)
        payment, refund = rows
        self.assertEqual(payment['out_trade_no'], 'YX1')
        self.assertEqual(payment['amount'], Decimal('100.00'))
        self.assertEqual(refund['kind'], 'refund')
        self.assertEqual(refund['out_refund_no'], 'RYX1')
        self.assertEqual(refund['amount'], Decimal('30.00'))

    def test_alipay_written_and_parsed(self):
        now = dt.datetime(2026, 11, 24, 9, 30)
        data = write_alipay([
                {'kind': 'payment', 'date': now, 'transaction_id': 'T1',
                    'out_trade_no': 'YX9', 'amount': Decimal('10.50')},
                {'kind': 'refund', 'date': now, 'transaction_id': 'T1',
                    'out_trade_no': 'YX9', 'out_refund_no': 'RYX9',
                    'amount': Decimal('3.00')}])
        self.assertTrue(data.startswith('#支付宝业务明细查询'.encode('gbk')))
        rows = parse_alipay(data)
        self.assertEqual([r['kind'] for r in rows], ['payment', 'refund'])
        self.assertEqual(rows[1]['amount'], Decimal('3.00'))
        self.assertEqual(rows[1]['out_refund_no'], 'RYX9')

    def test_not_a_statement(self):
        with self.assertRaises(StatementFormatError):
            parse_wechat('a,b,c\n1,2,3\n')
        with self.assertRaises(StatementFormatError):
            parse_alipay('#x\na,b\n'.encode('gbk'))


del json, load_public_key
