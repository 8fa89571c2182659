"""WeChat Pay API v3 (微信支付 APIv3), the official algorithms with
``cryptography``:

- every request is signed with the merchant's private key
  (``WECHATPAY2-SHA256-RSA2048``: RSA-SHA256 over
  ``method\\nurl\\ntimestamp\\nnonce\\nbody\\n``);
- every answer and notification is verified with the platform public key
  (``Wechatpay-Signature`` over ``timestamp\\nnonce\\nbody\\n``, the
  ``Wechatpay-Serial`` must be the configured key's id or certificate
  serial, the timestamp at most 5 minutes old);
- notification resources are decrypted with AES-256-GCM and the API v3 key.

The base URL is configurable (``https://api.mch.weixin.qq.com`` or a local
fake in the tests), which is why ``wechatpayv3`` (fixed gateway) is not
used. Amounts are in fen (分) on the wire and ``Decimal`` yuan here.
"""
import base64
import datetime as dt
import functools
import json
import secrets
import time
from decimal import Decimal
from urllib.parse import quote, urlencode, urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DEFAULT_BASE_URL = 'https://api.mch.weixin.qq.com'
SCHEMA = 'WECHATPAY2-SHA256-RSA2048'
MAX_CLOCK_SKEW = 300
CENT = Decimal('0.01')


class WeChatPayError(Exception):
    """A refused call (code/message from WeChat Pay) or a network failure
    (code None); ``status`` is the HTTP status when there was one."""

    def __init__(self, code, message, status=None):
        super().__init__(f'{code}: {message}')
        self.code = code
        self.message = message
        self.status = status


class SignatureError(WeChatPayError):
    "A signature that does not verify, or a resource that does not decrypt."

    def __init__(self, message):
        super().__init__('SIGN_ERROR', message)


def to_fen(amount):
    return int((Decimal(amount) * 100).quantize(Decimal(1)))


def from_fen(fen):
    return (Decimal(int(fen)) / 100).quantize(CENT)


# Parsing an RSA private key checks it (~0.1 s); keys are immutable and
# thread-safe, so each configured key is parsed once per process.
@functools.lru_cache(maxsize=16)
def load_private_key(pem):
    if isinstance(pem, str):
        pem = pem.encode()
    return serialization.load_pem_private_key(pem, password=None)


@functools.lru_cache(maxsize=16)
def load_public_key(pem):
    "A PEM public key, or the public key of a PEM certificate."
    if isinstance(pem, str):
        pem = pem.encode()
    if b'CERTIFICATE' in pem:
        return x509.load_pem_x509_certificate(pem).public_key()
    return serialization.load_pem_public_key(pem)


def rsa_sign(private_key, message):
    if isinstance(message, str):
        message = message.encode()
    return base64.b64encode(private_key.sign(
            message, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(public_key, message, signature):
    if isinstance(message, str):
        message = message.encode()
    try:
        public_key.verify(base64.b64decode(signature), message,
            padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def aes_gcm_decrypt(key, nonce, ciphertext, associated_data):
    try:
        return AESGCM(key.encode()).decrypt(
            nonce.encode(), base64.b64decode(ciphertext),
            (associated_data or '').encode() or None)
    except (InvalidTag, ValueError, TypeError) as exception:
        raise SignatureError('resource decryption failed') from exception


def aes_gcm_encrypt(key, nonce, plaintext, associated_data):
    "The platform side (used by the fake server)."
    return base64.b64encode(AESGCM(key.encode()).encrypt(
            nonce.encode(), plaintext, associated_data.encode())).decode()


class WeChatPayClient:

    def __init__(self, mch_id, app_id, serial_no, private_key, api_v3_key,
            platform_public_key, platform_serial, base_url=None,
            notify_url=None, timeout=10):
        self.mch_id = mch_id
        self.app_id = app_id
        self.serial_no = serial_no
        self.private_key = load_private_key(private_key)
        self.api_v3_key = api_v3_key
        self.platform_key = load_public_key(platform_public_key)
        self.platform_serial = platform_serial
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip('/')
        self.notify_url = notify_url
        self.timeout = timeout
        self.session = requests.Session()

    # ---- signatures -----------------------------------------------------
    def authorization(self, method, url, body=''):
        "The Authorization header of a request (url: path and query)."
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        message = f'{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n'
        signature = rsa_sign(self.private_key, message)
        return (f'{SCHEMA} mchid="{self.mch_id}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{timestamp}",'
            f'serial_no="{self.serial_no}"')

    def verify(self, headers, body):
        """Check the platform signature of an answer or a notification;
        raise SignatureError."""
        if isinstance(body, bytes):
            body = body.decode('utf-8')
        timestamp = headers.get('Wechatpay-Timestamp')
        nonce = headers.get('Wechatpay-Nonce')
        signature = headers.get('Wechatpay-Signature')
        serial = headers.get('Wechatpay-Serial')
        if not (timestamp and nonce and signature and serial):
            raise SignatureError('missing Wechatpay-* headers')
        if signature.startswith('WECHATPAY/SIGNTEST/'):
            raise SignatureError('signature probe')
        if serial != self.platform_serial:
            raise SignatureError(f'unknown platform serial {serial}')
        try:
            skew = abs(time.time() - int(timestamp))
        except ValueError:
            raise SignatureError('bad timestamp') from None
        if skew > MAX_CLOCK_SKEW:
            raise SignatureError('timestamp too old')
        if not rsa_verify(self.platform_key,
                f'{timestamp}\n{nonce}\n{body}\n', signature):
            raise SignatureError('platform signature does not verify')

    def request(self, method, path, params=None, data=None, verify=True):
        """Call the API; return the decoded JSON (None for 204). Raise
        WeChatPayError for refusals and network errors."""
        url = path
        if params:
            url += '?' + urlencode(params)
        body = json.dumps(data, ensure_ascii=False) if data is not None \
            else ''
        headers = {
            'Authorization': self.authorization(method, url, body),
            'Accept': 'application/json',
            'User-Agent': 'yuexing-payment/8.0',
            }
        if data is not None:
            headers['Content-Type'] = 'application/json'
        try:
            response = self.session.request(method, self.base_url + url,
                data=body.encode('utf-8') if body else None,
                headers=headers, timeout=self.timeout)
        except requests.RequestException as exception:
            raise WeChatPayError(None, str(exception)) from exception
        text = response.text
        if verify and (response.status_code < 500):
            self.verify(response.headers, text)
        if response.status_code >= 300:
            try:
                error = response.json()
            except ValueError:
                error = {}
            raise WeChatPayError(error.get('code', 'HTTP_ERROR'),
                error.get('message', text[:200]),
                status=response.status_code)
        if response.status_code == 204 or not text:
            return None
        return response.json()

    # ---- payments -------------------------------------------------------
    def _order(self, out_trade_no, description, amount, expire=None,
            attach=None):
        data = {
            'appid': self.app_id,
            'mchid': self.mch_id,
            'description': description[:127],
            'out_trade_no': out_trade_no,
            'notify_url': self.notify_url,
            'amount': {'total': to_fen(amount), 'currency': 'CNY'},
            }
        if expire:
            data['time_expire'] = rfc3339(expire)
        if attach:
            data['attach'] = attach
        return data

    def jsapi_prepay(self, out_trade_no, description, amount, openid,
            expire=None):
        "Mini-program payment: the prepay_id."
        data = self._order(out_trade_no, description, amount, expire)
        data['payer'] = {'openid': openid}
        return self.request('POST', '/v3/pay/transactions/jsapi',
            data=data)['prepay_id']

    def native_prepay(self, out_trade_no, description, amount, expire=None):
        "扫码支付: the code_url to show as a QR code."
        data = self._order(out_trade_no, description, amount, expire)
        return self.request('POST', '/v3/pay/transactions/native',
            data=data)['code_url']

    def request_payment_params(self, prepay_id):
        "The parameters of wx.requestPayment, signed (RSA)."
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        package = f'prepay_id={prepay_id}'
        message = f'{self.app_id}\n{timestamp}\n{nonce}\n{package}\n'
        return {
            'appId': self.app_id,
            'timeStamp': timestamp,
            'nonceStr': nonce,
            'package': package,
            'signType': 'RSA',
            'paySign': rsa_sign(self.private_key, message),
            }

    def query(self, out_trade_no):
        "The transaction (trade_state SUCCESS, NOTPAY, CLOSED, …)."
        return self.request('GET', '/v3/pay/transactions/out-trade-no/'
            + quote(out_trade_no, safe=''), params={'mchid': self.mch_id})

    def close(self, out_trade_no):
        self.request('POST', '/v3/pay/transactions/out-trade-no/'
            + quote(out_trade_no, safe='') + '/close',
            data={'mchid': self.mch_id})

    def refund(self, out_trade_no, out_refund_no, amount, total,
            reason=None, notify_url=None):
        data = {
            'out_trade_no': out_trade_no,
            'out_refund_no': out_refund_no,
            'notify_url': notify_url or self.notify_url,
            'amount': {'refund': to_fen(amount), 'total': to_fen(total),
                'currency': 'CNY'},
            }
        if reason:
            data['reason'] = reason[:80]
        return self.request('POST', '/v3/refund/domestic/refunds', data=data)

    def query_refund(self, out_refund_no):
        return self.request('GET', '/v3/refund/domestic/refunds/'
            + quote(out_refund_no, safe=''))

    # ---- statements -----------------------------------------------------
    def trade_bill(self, bill_date, bill_type='ALL'):
        """The text of the daily trade bill (对账单), its SHA1 checked."""
        import hashlib
        info = self.request('GET', '/v3/bill/tradebill', params={
                'bill_date': bill_date.isoformat(), 'bill_type': bill_type})
        url = urlsplit(info['download_url'])
        path = url.path + (f'?{url.query}' if url.query else '')
        try:
            response = self.session.get(self.base_url + path, headers={
                    'Authorization': self.authorization('GET', path)},
                timeout=self.timeout)
        except requests.RequestException as exception:
            raise WeChatPayError(None, str(exception)) from exception
        if response.status_code != 200:
            raise WeChatPayError('HTTP_ERROR', response.text[:200],
                status=response.status_code)
        if info.get('hash_type', 'SHA1').upper() == 'SHA1' and (
                hashlib.sha1(response.content).hexdigest()
                != info.get('hash_value')):
            raise SignatureError('bill hash mismatch')
        return response.content.decode('utf-8-sig')

    # ---- notifications --------------------------------------------------
    def parse_notification(self, headers, body):
        """Verify and decrypt a notification: (event_type, resource dict).
        Raise SignatureError when it is not genuine."""
        if isinstance(body, bytes):
            body = body.decode('utf-8')
        self.verify(headers, body)
        try:
            envelope = json.loads(body)
            resource = envelope['resource']
            if resource.get('algorithm') != 'AEAD_AES_256_GCM':
                raise SignatureError('unknown algorithm')
            plain = aes_gcm_decrypt(self.api_v3_key, resource['nonce'],
                resource['ciphertext'], resource.get('associated_data'))
            return envelope.get('event_type'), json.loads(plain)
        except (ValueError, KeyError, TypeError) as exception:
            raise SignatureError('malformed notification') from exception


def rfc3339(value):
    "WeChat's time format, China time: 2018-06-08T10:34:56+08:00."
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(
        timespec='seconds')


def parse_time(value):
    "A naive UTC datetime of an RFC 3339 time from WeChat."
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment
