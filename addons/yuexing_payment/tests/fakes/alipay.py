"""A fake of the Alipay open platform gateway (openapi.alipay.com), RSA2 both
ways: checks the app's request signature with the app public key, signs its
answers and async notifications with an Alipay key generated here, serves
the 业务明细 statement (GBK CSV).

    fake = FakeAlipay().start()
    fake.settings()          -> configuration values pointing at it
    fake.pay('YX…')          -> the notification's form fields
"""
import datetime as dt
import itertools
import json
import secrets
from decimal import Decimal
from urllib.parse import parse_qs

from trytond.modules.yuexing_payment.alipay import signing_string
from trytond.modules.yuexing_payment.statement_file import write_alipay
from trytond.modules.yuexing_payment.wechatpay import (
    load_private_key,
    load_public_key,
    rsa_sign,
    rsa_verify,
)

from .base import RawHTTPServer, generate_key


class FakeAlipay(RawHTTPServer):

    def __init__(self, app_id='2021000000000001'):
        super().__init__()
        self.app_id = app_id
        self.app_private_pem, app_public = generate_key()
        self.app_key = load_public_key(app_public)
        alipay_private, self.alipay_public_pem = generate_key()
        self.alipay_key = load_private_key(alipay_private)
        self.orders = {}
        self.refunds = {}
        self._ids = itertools.count(1)
        self.bill_extra = []

    @property
    def gateway(self):
        return self.url + '/gateway.do'

    def settings(self):
        return {
            'alipay_app_id': self.app_id,
            'alipay_private_key': self.app_private_pem,
            'alipay_public_key': self.alipay_public_pem,
            'alipay_gateway': self.gateway,
            }

    def _answer(self, method, node):
        key = method.replace('.', '_') + '_response'
        raw = json.dumps(node, ensure_ascii=False, separators=(',', ':'))
        sign = rsa_sign(self.alipay_key, raw)
        body = '{"%s":%s,"sign":"%s"}' % (key, raw, sign)
        return 200, {'Content-Type': 'text/html;charset=utf-8'}, \
            body.encode('utf-8')

    def _fail(self, method, code, msg, sub_code, sub_msg):
        return self._answer(method, {'code': code, 'msg': msg,
                'sub_code': sub_code, 'sub_msg': sub_msg})

    def handle(self, method, path, raw_path, query, body, headers):
        if path.startswith('/bills/'):
            data = write_alipay(self.trades())
            return 200, {'Content-Type': 'text/csv;charset=GBK'}, data
        if path != '/gateway.do' or method != 'POST':
            return 404, {}, b'not found'
        params = {k: v[0] for k, v in parse_qs(body.decode('utf-8'),
                keep_blank_values=True).items()}
        api = params.get('method', '')
        if params.get('app_id') != self.app_id:
            return self._fail(api, '40002', 'Invalid Arguments',
                'isv.invalid-app-id', '无效的AppID参数')
        if params.get('sign_type') != 'RSA2' or not rsa_verify(
                self.app_key, signing_string(params),
                params.get('sign', '')):
            return self._fail(api, '40002', 'Invalid Arguments',
                'isv.invalid-signature', '验签出错')
        biz = json.loads(params.get('biz_content') or '{}')
        handler = getattr(self, '_' + api.replace('.', '_'), None)
        if handler is None:
            return self._fail(api, '40004', 'Business Failed',
                'isv.invalid-method', '不存在的方法名')
        return handler(api, biz, params)

    def _new(self, api, biz, params):
        out_trade_no = biz.get('out_trade_no')
        try:
            amount = Decimal(biz.get('total_amount'))
        except Exception:
            return self._fail(api, '40002', 'Invalid Arguments',
                'isv.invalid-parameter', '金额格式错误')
        order = self.orders.get(out_trade_no)
        if order and order['amount'] != amount:
            return self._fail(api, '40004', 'Business Failed',
                'ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改')
        if order and order['status'] != 'WAIT_BUYER_PAY':
            return self._fail(api, '40004', 'Business Failed',
                'ACQ.TRADE_HAS_SUCCESS', '交易已被支付')
        if not order:
            order = self.orders[out_trade_no] = {
                'out_trade_no': out_trade_no, 'amount': amount,
                'trade_no': (dt.date.today().strftime('%Y%m%d')
                    + f'22001{next(self._ids):015d}'),
                'status': 'WAIT_BUYER_PAY', 'refunded': Decimal(0),
                'buyer_id': biz.get('buyer_id', '2088102177846880'),
                'notify_url': params.get('notify_url')}
        return order

    def _alipay_trade_precreate(self, api, biz, params):
        order = self._new(api, biz, params)
        if not isinstance(order, dict):
            return order
        return self._answer(api, {'code': '10000', 'msg': 'Success',
                'out_trade_no': order['out_trade_no'],
                'qr_code': 'https://qr.alipay.com/' + secrets.token_hex(8)})

    def _alipay_trade_create(self, api, biz, params):
        if not biz.get('buyer_id'):
            return self._fail(api, '40002', 'Invalid Arguments',
                'isv.missing-buyer-id', '缺少买家ID')
        order = self._new(api, biz, params)
        if not isinstance(order, dict):
            return order
        return self._answer(api, {'code': '10000', 'msg': 'Success',
                'out_trade_no': order['out_trade_no'],
                'trade_no': order['trade_no']})

    def _alipay_trade_query(self, api, biz, params):
        order = self.orders.get(biz.get('out_trade_no'))
        if order is None:
            return self._fail(api, '40004', 'Business Failed',
                'ACQ.TRADE_NOT_EXIST', '交易不存在')
        return self._answer(api, {'code': '10000', 'msg': 'Success',
                'trade_no': order['trade_no'],
                'out_trade_no': order['out_trade_no'],
                'buyer_logon_id': 'buy***@example.com',
                'trade_status': order['status'],
                'total_amount': f"{order['amount']:.2f}",
                'send_pay_date': order.get('paid_at', '')})

    def _alipay_trade_close(self, api, biz, params):
        order = self.orders.get(biz.get('out_trade_no'))
        if order is None:
            return self._fail(api, '40004', 'Business Failed',
                'ACQ.TRADE_NOT_EXIST', '交易不存在')
        if order['status'] != 'WAIT_BUYER_PAY':
            return self._fail(api, '40004', 'Business Failed',
                'ACQ.TRADE_STATUS_ERROR', '交易状态不合法')
        order['status'] = 'TRADE_CLOSED'
        return self._answer(api, {'code': '10000', 'msg': 'Success',
                'trade_no': order['trade_no'],
                'out_trade_no': order['out_trade_no']})

    def _alipay_trade_refund(self, api, biz, params):
        order = self.orders.get(biz.get('out_trade_no'))
        if order is None:
            return self._fail(api, '40004', 'Business Failed',
                'ACQ.TRADE_NOT_EXIST', '交易不存在')
        if order['status'] not in {'TRADE_SUCCESS'}:
            return self._fail(api, '40004', 'Business Failed',
                'ACQ.TRADE_STATUS_ERROR', '交易状态不合法')
        request_no = biz.get('out_request_no') or order['out_trade_no']
        refund = self.refunds.get(request_no)
        if refund is None:
            amount = Decimal(biz.get('refund_amount'))
            if amount <= 0 or order['refunded'] + amount > order['amount']:
                return self._fail(api, '40004', 'Business Failed',
                    'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限')
            order['refunded'] += amount
            refund = self.refunds[request_no] = {
                'out_request_no': request_no, 'amount': amount,
                'out_trade_no': order['out_trade_no']}
        return self._answer(api, {'code': '10000', 'msg': 'Success',
                'trade_no': order['trade_no'],
                'out_trade_no': order['out_trade_no'],
                'buyer_logon_id': 'buy***@example.com', 'fund_change': 'Y',
                'refund_fee': f"{order['refunded']:.2f}",
                'send_back_fee': f"{refund['amount']:.2f}"})

    def _alipay_data_dataservice_bill_downloadurl_query(self, api, biz,
            params):
        return self._answer(api, {'code': '10000', 'msg': 'Success',
                'bill_download_url': f'{self.url}/bills/'
                f"{biz.get('bill_date')}.csv"})

    def trades(self):
        result = []
        now = dt.datetime.now().replace(microsecond=0)
        for order in self.orders.values():
            if order['status'] not in {'TRADE_SUCCESS', 'TRADE_FINISHED'}:
                continue
            result.append({'kind': 'payment', 'date': now,
                    'transaction_id': order['trade_no'],
                    'out_trade_no': order['out_trade_no'],
                    'amount': order['amount']})
        for refund in self.refunds.values():
            order = self.orders[refund['out_trade_no']]
            result.append({'kind': 'refund', 'date': now,
                    'transaction_id': order['trade_no'],
                    'out_trade_no': order['out_trade_no'],
                    'out_refund_no': refund['out_request_no'],
                    'amount': refund['amount']})
        return result + list(self.bill_extra)

    # ---- notifications ----------------------------------------------------
    def pay(self, out_trade_no, key=None, **changes):
        """The buyer pays: TRADE_SUCCESS; returns the async notification's
        form fields (signed; changes applied before signing)."""
        with self.lock:
            order = self.orders[out_trade_no]
            if order['status'] == 'WAIT_BUYER_PAY':
                order['status'] = 'TRADE_SUCCESS'
                order['paid_at'] = dt.datetime.now().strftime(
                    '%Y-%m-%d %H:%M:%S')
            params = {
                'notify_time': dt.datetime.now().strftime(
                    '%Y-%m-%d %H:%M:%S'),
                'notify_type': 'trade_status_sync',
                'notify_id': secrets.token_hex(16),
                'app_id': self.app_id, 'charset': 'utf-8',
                'version': '1.0', 'sign_type': 'RSA2',
                'trade_no': order['trade_no'],
                'out_trade_no': out_trade_no,
                'trade_status': order['status'],
                'total_amount': f"{order['amount']:.2f}",
                'receipt_amount': f"{order['amount']:.2f}",
                'buyer_id': order['buyer_id'],
                'gmt_payment': order['paid_at'],
                'subject': '维修费',
                }
        params.update(changes)
        params['sign'] = rsa_sign(key or self.alipay_key,
            signing_string(params, exclude=('sign', 'sign_type')))
        return params
