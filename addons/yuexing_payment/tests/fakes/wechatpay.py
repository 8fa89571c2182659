"""A fake of WeChat Pay API v3 (api.mch.weixin.qq.com), signing and
encrypting as the real one:

- checks every request's ``WECHATPAY2-SHA256-RSA2048`` Authorization with
  the merchant public key (401 SIGN_ERROR otherwise);
- signs every answer with a platform key generated here (Wechatpay-*
  headers, a ``PUB_KEY_ID_…`` serial as for 微信支付公钥);
- builds notifications (TRANSACTION.SUCCESS, REFUND.SUCCESS) with the
  resource encrypted by AES-256-GCM under the API v3 key;
- serves the daily trade bill (tradebill + download_url, SHA1 hash).

    fake = FakeWeChatPay().start()
    fake.settings()  -> the configuration values that point at it
    fake.pay('YX…')  -> (headers, body) of the notification to POST
"""
import datetime as dt
import hashlib
import itertools
import json
import re
import secrets
import time

from trytond.modules.yuexing_payment.statement_file import write_wechat
from trytond.modules.yuexing_payment.wechatpay import (
    aes_gcm_encrypt,
    from_fen,
    load_private_key,
    load_public_key,
    rsa_sign,
    rsa_verify,
)

from .base import RawHTTPServer, generate_key

AUTH = re.compile(r'(\w+)="([^"]*)"')


class FakeWeChatPay(RawHTTPServer):

    def __init__(self, mch_id='1900000109', app_id='wx-test-appid'):
        super().__init__()
        self.mch_id = mch_id
        self.app_id = app_id
        self.merchant_private_pem, merchant_public = generate_key()
        self.merchant_key = load_public_key(merchant_public)
        self.merchant_serial = secrets.token_hex(20).upper()
        platform_private, self.platform_public_pem = generate_key()
        self.platform_key = load_private_key(platform_private)
        self.platform_serial = 'PUB_KEY_ID_' + secrets.token_hex(16)
        self.api_v3_key = secrets.token_hex(16)  # 32 characters
        self.orders = {}      # out_trade_no -> dict
        self.refunds = {}     # out_refund_no -> dict
        self.closed_calls = []
        self.bill_extra = []  # trades only WeChat knows (planted)
        self.bill_amounts = {}  # out_trade_no -> amount in the bill
        self.bill_dropped = set()  # out_trade_no missing from the bill
        self._ids = itertools.count(1)
        self.fail = {}        # path prefix -> (status, code, message)
        self.bills = {}

    def settings(self):
        return {
            'wechatpay_mch_id': self.mch_id,
            'wechatpay_app_id': self.app_id,
            'wechatpay_serial_no': self.merchant_serial,
            'wechatpay_private_key': self.merchant_private_pem,
            'wechatpay_api_v3_key': self.api_v3_key,
            'wechatpay_platform_key': self.platform_public_pem,
            'wechatpay_platform_serial': self.platform_serial,
            'wechatpay_api_base': self.url,
            }

    # ---- signing ----------------------------------------------------------
    def signed_headers(self, body, key=None, serial=None):
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        if isinstance(body, bytes):
            body = body.decode('utf-8')
        return {
            'Wechatpay-Timestamp': timestamp,
            'Wechatpay-Nonce': nonce,
            'Wechatpay-Signature': rsa_sign(key or self.platform_key,
                f'{timestamp}\n{nonce}\n{body}\n'),
            'Wechatpay-Serial': serial or self.platform_serial,
            'Request-ID': secrets.token_hex(8),
            }

    def _answer(self, status, payload=None):
        body = b'' if payload is None else json.dumps(
            payload, ensure_ascii=False).encode('utf-8')
        headers = self.signed_headers(body)
        if payload is not None:
            headers['Content-Type'] = 'application/json; charset=utf-8'
        return status, headers, body

    def _error(self, status, code, message):
        return self._answer(status, {'code': code, 'message': message})

    def check_signature(self, method, raw_path, body, headers):
        value = headers.get('Authorization') or ''
        if not value.startswith('WECHATPAY2-SHA256-RSA2048 '):
            return False
        parts = dict(AUTH.findall(value))
        if parts.get('mchid') != self.mch_id or parts.get(
                'serial_no') != self.merchant_serial:
            return False
        try:
            if abs(time.time() - int(parts['timestamp'])) > 300:
                return False
        except (KeyError, ValueError):
            return False
        message = (f"{method}\n{raw_path}\n{parts['timestamp']}\n"
            f"{parts.get('nonce_str')}\n{body.decode('utf-8')}\n")
        return rsa_verify(self.merchant_key, message,
            parts.get('signature', ''))

    # ---- notifications ----------------------------------------------------
    def notification(self, event_type, resource, original_type, key=None,
            serial=None, api_v3_key=None):
        "(headers, body bytes) of a notification as WeChat POSTs it."
        nonce = secrets.token_hex(6)
        associated = original_type
        plain = json.dumps(resource, ensure_ascii=False).encode('utf-8')
        envelope = {
            'id': secrets.token_hex(18),
            'create_time': _now(),
            'resource_type': 'encrypt-resource',
            'event_type': event_type,
            'summary': '支付成功' if event_type.startswith('TRANSACTION')
            else '退款成功',
            'resource': {
                'original_type': original_type,
                'algorithm': 'AEAD_AES_256_GCM',
                'ciphertext': aes_gcm_encrypt(api_v3_key or self.api_v3_key,
                    nonce, plain, associated),
                'associated_data': associated,
                'nonce': nonce,
                },
            }
        body = json.dumps(envelope, ensure_ascii=False).encode('utf-8')
        headers = self.signed_headers(body, key=key, serial=serial)
        headers['Content-Type'] = 'application/json'
        return headers, body

    def transaction(self, order):
        result = {
            'appid': self.app_id, 'mchid': self.mch_id,
            'out_trade_no': order['out_trade_no'],
            'trade_type': order['trade_type'],
            'trade_state': order['state'],
            'trade_state_desc': {'SUCCESS': '支付成功',
                'NOTPAY': '未支付', 'CLOSED': '已关闭',
                'REFUND': '转入退款'}[order['state']],
            'attach': '',
            'amount': {'total': order['total'], 'currency': 'CNY'},
            }
        if order.get('openid'):
            result['payer'] = {'openid': order['openid']}
        if order['state'] in {'SUCCESS', 'REFUND'}:
            result.update(transaction_id=order['transaction_id'],
                bank_type='OTHERS', success_time=order['success_time'])
            result['amount'].update(payer_total=order['total'],
                payer_currency='CNY')
        return result

    def pay(self, out_trade_no, amount_fen=None, **changes):
        """The payer pays: the order becomes SUCCESS; returns the
        notification (headers, body). amount_fen/changes falsify the
        notified resource (not the order)."""
        with self.lock:
            order = self.orders[out_trade_no]
            if order['state'] == 'NOTPAY':
                order.update(state='SUCCESS',
                    transaction_id='42000' + f'{next(self._ids):023d}',
                    success_time=_now())
            resource = self.transaction(order)
        if amount_fen is not None:
            resource['amount']['total'] = amount_fen
            resource['amount']['payer_total'] = amount_fen
        resource.update(changes)
        return self.notification(
            'TRANSACTION.SUCCESS', resource, 'transaction')

    def refund_notification(self, out_refund_no, status='SUCCESS'):
        with self.lock:
            refund = self.refunds[out_refund_no]
            refund['status'] = status
            order = self.orders[refund['out_trade_no']]
            resource = {
                'mchid': self.mch_id,
                'out_trade_no': refund['out_trade_no'],
                'transaction_id': order['transaction_id'],
                'out_refund_no': out_refund_no,
                'refund_id': refund['refund_id'],
                'refund_status': status,
                'success_time': _now(),
                'user_received_account': '支付用户零钱',
                'amount': {'total': order['total'],
                    'refund': refund['refund'],
                    'payer_total': order['total'],
                    'payer_refund': refund['refund']},
                }
        return self.notification('REFUND.' + status, resource, 'refund')

    # ---- protocol -------------------------------------------------------
    def handle(self, method, path, raw_path, query, body, headers):
        for prefix, (status, code, message) in list(self.fail.items()):
            if path.startswith(prefix):
                del self.fail[prefix]
                return self._error(status, code, message)
        if path.startswith('/bills/'):
            return self._download(path, raw_path, headers)
        if not self.check_signature(method, raw_path, body, headers):
            return self._error(401, 'SIGN_ERROR', '签名错误')
        data = {}
        if body:
            try:
                data = json.loads(body.decode('utf-8'))
            except ValueError:
                return self._error(400, 'PARAM_ERROR', '请求体不是JSON')
        if method == 'POST' and path in {'/v3/pay/transactions/jsapi',
                '/v3/pay/transactions/native'}:
            return self._prepay(path.rsplit('/', 1)[1].upper(), data)
        match = re.fullmatch(
            r'/v3/pay/transactions/out-trade-no/([^/]+)(/close)?', path)
        if match:
            order = self.orders.get(match.group(1))
            if match.group(2) and method == 'POST':
                return self._close(order, data)
            if method == 'GET':
                if query.get('mchid') != self.mch_id:
                    return self._error(400, 'PARAM_ERROR', 'mchid错误')
                if order is None:
                    return self._error(404, 'ORDER_NOT_EXIST', '订单不存在')
                return self._answer(200, self.transaction(order))
        if path == '/v3/refund/domestic/refunds' and method == 'POST':
            return self._refund(data)
        match = re.fullmatch(r'/v3/refund/domestic/refunds/([^/]+)', path)
        if match and method == 'GET':
            refund = self.refunds.get(match.group(1))
            if refund is None:
                return self._error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在')
            return self._answer(200, self._refund_answer(refund))
        if path == '/v3/bill/tradebill' and method == 'GET':
            return self._tradebill(query)
        return self._error(404, 'NOT_FOUND', '接口不存在')

    def _prepay(self, trade_type, data):
        amount = data.get('amount') or {}
        if data.get('appid') != self.app_id or data.get(
                'mchid') != self.mch_id:
            return self._error(400, 'PARAM_ERROR', 'appid和mch_id不匹配')
        if not data.get('out_trade_no') or not isinstance(
                amount.get('total'), int) or amount['total'] <= 0:
            return self._error(400, 'PARAM_ERROR', '参数错误')
        if not data.get('notify_url', '').startswith(('https://',
                    'http://')):
            return self._error(400, 'PARAM_ERROR', 'notify_url格式错误')
        if trade_type == 'JSAPI' and not (data.get('payer') or {}).get(
                'openid'):
            return self._error(400, 'PARAM_ERROR', '缺少payer.openid')
        out_trade_no = data['out_trade_no']
        order = self.orders.get(out_trade_no)
        if order:
            if order['total'] != amount['total']:
                return self._error(400, 'INVALID_REQUEST',
                    '201 商户订单号重复')
            if order['state'] != 'NOTPAY':
                return self._error(400, 'ORDERPAID', '该订单已支付')
        else:
            order = self.orders[out_trade_no] = {
                'out_trade_no': out_trade_no, 'trade_type': trade_type,
                'total': amount['total'], 'state': 'NOTPAY',
                'openid': (data.get('payer') or {}).get('openid'),
                'description': data.get('description'),
                'notify_url': data['notify_url'], 'refunded': 0,
                }
        prepay = 'wx' + secrets.token_hex(14)
        order['prepay_id'] = prepay
        if trade_type == 'NATIVE':
            return self._answer(200, {
                    'code_url': f'weixin://wxpay/bizpayurl?pr={prepay[:10]}'})
        return self._answer(200, {'prepay_id': prepay})

    def _close(self, order, data):
        if data.get('mchid') != self.mch_id:
            return self._error(400, 'PARAM_ERROR', 'mchid错误')
        if order is None:
            return self._error(404, 'ORDER_NOT_EXIST', '订单不存在')
        if order['state'] in {'SUCCESS', 'REFUND'}:
            return self._error(400, 'ORDERPAID', '订单已支付，不能关闭')
        order['state'] = 'CLOSED'
        self.closed_calls.append(order['out_trade_no'])
        return self._answer(204)

    def _refund_answer(self, refund):
        order = self.orders[refund['out_trade_no']]
        return {
            'refund_id': refund['refund_id'],
            'out_refund_no': refund['out_refund_no'],
            'transaction_id': order['transaction_id'],
            'out_trade_no': order['out_trade_no'],
            'channel': 'ORIGINAL',
            'user_received_account': '支付用户零钱',
            'create_time': refund['create_time'],
            'status': refund['status'],
            'amount': {'total': order['total'], 'refund': refund['refund'],
                'payer_total': order['total'],
                'payer_refund': refund['refund'], 'currency': 'CNY'},
            }

    def _refund(self, data):
        amount = data.get('amount') or {}
        order = self.orders.get(data.get('out_trade_no'))
        if order is None:
            return self._error(404, 'RESOURCE_NOT_EXISTS', '订单不存在')
        if order['state'] not in {'SUCCESS', 'REFUND'}:
            return self._error(403, 'TRADE_ERROR', '订单未支付')
        if amount.get('total') != order['total']:
            return self._error(400, 'PARAM_ERROR', '订单金额与原订单不一致')
        existing = self.refunds.get(data.get('out_refund_no'))
        if existing:  # the same out_refund_no is idempotent
            return self._answer(200, self._refund_answer(existing))
        refund = amount.get('refund')
        if not isinstance(refund, int) or refund <= 0 or (
                order['refunded'] + refund > order['total']):
            return self._error(403, 'NOT_ENOUGH',
                '申请退款金额超过订单可退金额')
        order['refunded'] += refund
        order['state'] = 'REFUND'
        record = self.refunds[data['out_refund_no']] = {
            'out_refund_no': data['out_refund_no'],
            'out_trade_no': order['out_trade_no'],
            'refund_id': '50300' + f'{next(self._ids):025d}',
            'refund': refund, 'status': 'PROCESSING',
            'create_time': _now(), 'reason': data.get('reason'),
            }
        return self._answer(200, self._refund_answer(record))

    def trades(self):
        "The statement lines of what happened here (payments, refunds)."
        result = []
        for order in self.orders.values():
            if order['state'] not in {'SUCCESS', 'REFUND'}:
                continue
            if order['out_trade_no'] in self.bill_dropped:
                continue
            result.append({'kind': 'payment',
                    'date': dt.datetime.now().replace(microsecond=0),
                    'transaction_id': order['transaction_id'],
                    'out_trade_no': order['out_trade_no'],
                    'openid': order.get('openid') or '',
                    'amount': self.bill_amounts.get(order['out_trade_no'],
                        from_fen(order['total']))})
        for refund in self.refunds.values():
            if refund['status'] != 'SUCCESS':
                continue
            order = self.orders[refund['out_trade_no']]
            result.append({'kind': 'refund',
                    'date': dt.datetime.now().replace(microsecond=0),
                    'transaction_id': order['transaction_id'],
                    'out_trade_no': order['out_trade_no'],
                    'refund_id': refund['refund_id'],
                    'out_refund_no': refund['out_refund_no'],
                    'amount': from_fen(refund['refund'])})
        return result + list(self.bill_extra)

    def _tradebill(self, query):
        if query.get('bill_type', 'ALL') not in {'ALL', 'SUCCESS',
                'REFUND'}:
            return self._error(400, 'PARAM_ERROR', 'bill_type错误')
        text = write_wechat(self.trades(), self.app_id, self.mch_id)
        token = secrets.token_hex(8)
        data = text.encode('utf-8')
        self.bills[token] = data
        return self._answer(200, {'hash_type': 'SHA1',
                'hash_value': hashlib.sha1(data).hexdigest(),
                'download_url': f'{self.url}/bills/{token}?tartype=raw'})

    def _download(self, path, raw_path, headers):
        if not self.check_signature('GET', raw_path, b'', headers):
            return self._error(401, 'SIGN_ERROR', '签名错误')
        data = self.bills.get(path.rsplit('/', 1)[1])
        if data is None:
            return self._error(404, 'NO_STATEMENT_EXIST', '账单不存在')
        return 200, {'Content-Type': 'text/plain; charset=utf-8'}, data


def _now():
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).isoformat(
        timespec='seconds')

