"""Alipay open platform (支付宝开放平台) with RSA2 (SHA256withRSA), the
official algorithms with ``cryptography``:

- a request is the public parameters plus ``biz_content``, sorted, joined
  as ``k=v&…`` (empty values, ``sign`` left out), signed with the app's
  private key, POSTed form-encoded to the gateway;
- an answer ``{"<method>_response": {...}, "sign": "..."}`` is verified over
  the exact JSON text of the response node with Alipay's public key;
- an async notification (form fields) is verified over its sorted fields
  without ``sign`` and ``sign_type``; we answer ``success`` or ``failure``.

The gateway URL is configurable (https://openapi.alipay.com/gateway.do or a
local fake in the tests).
"""
import datetime as dt
import json
from decimal import Decimal

import requests

from .wechatpay import load_private_key, load_public_key, rsa_sign, rsa_verify

DEFAULT_GATEWAY = 'https://openapi.alipay.com/gateway.do'
CENT = Decimal('0.01')
SUCCESS = '10000'


class AlipayError(Exception):
    "A refused call (code/sub_code) or a network failure (code None)."

    def __init__(self, code, message, sub_code=None):
        super().__init__(f'{code} {sub_code or ""}: {message}')
        self.code = code
        self.sub_code = sub_code
        self.message = message


class AlipaySignatureError(AlipayError):

    def __init__(self, message):
        super().__init__('SIGN_ERROR', message)


def signing_string(params, exclude=('sign',)):
    return '&'.join(f'{k}={params[k]}' for k in sorted(params)
        if k not in exclude and params[k] not in (None, ''))


def money(amount):
    return str(Decimal(amount).quantize(CENT))


def response_node(text, method):
    """(node dict, exact JSON text of the node) of an answer."""
    key = '"' + method.replace('.', '_') + '_response"'
    start = text.find(key)
    if start < 0:
        key = '"error_response"'
        start = text.find(key)
        if start < 0:
            raise AlipaySignatureError('no response node')
    start = text.index(':', start + len(key)) + 1
    while text[start] in ' \t\r\n':
        start += 1
    node, end = json.JSONDecoder().raw_decode(text, start)
    return node, text[start:end]


class AlipayClient:

    def __init__(self, app_id, private_key, alipay_public_key, gateway=None,
            notify_url=None, timeout=10):
        self.app_id = app_id
        self.private_key = load_private_key(private_key)
        self.alipay_key = load_public_key(alipay_public_key)
        self.gateway = gateway or DEFAULT_GATEWAY
        self.notify_url = notify_url
        self.timeout = timeout
        self.session = requests.Session()

    def params(self, method, biz_content, notify=False):
        "The signed parameters of a call."
        params = {
            'app_id': self.app_id,
            'method': method,
            'format': 'JSON',
            'charset': 'utf-8',
            'sign_type': 'RSA2',
            'timestamp': (dt.datetime.utcnow() + dt.timedelta(hours=8)
                ).strftime('%Y-%m-%d %H:%M:%S'),
            'version': '1.0',
            'biz_content': json.dumps(biz_content, ensure_ascii=False,
                separators=(',', ':')),
            }
        if notify and self.notify_url:
            params['notify_url'] = self.notify_url
        params['sign'] = rsa_sign(self.private_key, signing_string(params))
        return params

    def execute(self, method, biz_content, notify=False):
        params = self.params(method, biz_content, notify=notify)
        try:
            response = self.session.post(self.gateway, data=params,
                timeout=self.timeout)
        except requests.RequestException as exception:
            raise AlipayError(None, str(exception)) from exception
        text = response.content.decode('utf-8')
        if response.status_code != 200:
            raise AlipayError('HTTP_ERROR', text[:200])
        node, raw = response_node(text, method)
        sign = json.loads(text).get('sign')
        if not sign or not rsa_verify(self.alipay_key, raw, sign):
            raise AlipaySignatureError('answer signature does not verify')
        if node.get('code') != SUCCESS:
            raise AlipayError(node.get('code'),
                node.get('sub_msg') or node.get('msg'),
                sub_code=node.get('sub_code'))
        return node

    # ---- payments -------------------------------------------------------
    def precreate(self, out_trade_no, subject, amount, timeout='30m'):
        "当面付扫码: the qr_code to show."
        return self.execute('alipay.trade.precreate', {
                'out_trade_no': out_trade_no,
                'total_amount': money(amount),
                'subject': subject[:256],
                'timeout_express': timeout,
                }, notify=True)['qr_code']

    def create(self, out_trade_no, subject, amount, buyer_id,
            timeout='30m'):
        "Mini-program payment (trade.create): the trade_no for my.tradePay."
        return self.execute('alipay.trade.create', {
                'out_trade_no': out_trade_no,
                'total_amount': money(amount),
                'subject': subject[:256],
                'buyer_id': buyer_id,
                'product_code': 'JSAPI_PAY',
                'timeout_express': timeout,
                }, notify=True)['trade_no']

    def app_order_string(self, out_trade_no, subject, amount):
        "App payment: the signed order string the app hands to the SDK."
        from urllib.parse import urlencode
        return urlencode(self.params('alipay.trade.app.pay', {
                    'out_trade_no': out_trade_no,
                    'total_amount': money(amount),
                    'subject': subject[:256],
                    'product_code': 'QUICK_MSECURITY_PAY',
                    }, notify=True))

    def query(self, out_trade_no):
        return self.execute('alipay.trade.query',
            {'out_trade_no': out_trade_no})

    def close(self, out_trade_no):
        return self.execute('alipay.trade.close',
            {'out_trade_no': out_trade_no})

    def refund(self, out_trade_no, out_request_no, amount, reason=None):
        biz = {'out_trade_no': out_trade_no,
            'refund_amount': money(amount),
            'out_request_no': out_request_no}
        if reason:
            biz['refund_reason'] = reason[:256]
        return self.execute('alipay.trade.refund', biz)

    def bill_url(self, bill_date, bill_type='trade'):
        return self.execute('alipay.data.dataservice.bill.downloadurl.query',
            {'bill_type': bill_type, 'bill_date': bill_date.isoformat()}
            )['bill_download_url']

    # ---- notifications --------------------------------------------------
    def verify_notification(self, params):
        """Check an async notification (dict of its form fields); raise
        AlipaySignatureError."""
        sign = params.get('sign')
        if not sign:
            raise AlipaySignatureError('unsigned notification')
        if params.get('app_id') != self.app_id:
            raise AlipaySignatureError('notification of another app')
        message = signing_string(params, exclude=('sign', 'sign_type'))
        if not rsa_verify(self.alipay_key, message, sign):
            raise AlipaySignatureError(
                'notification signature does not verify')
        return params
