"""A fake of Aliyun SMS (dysmsapi.aliyuncs.com, API version 2017-05-25,
action SendSms) that checks the RPC signature the way Aliyun does: it
recomputes HMAC-SHA1 over the canonicalised parameters with the secret of
the AccessKeyId (written here independently of the client) and answers
Aliyun's JSON: {"Code": "OK", "Message": "OK", "BizId", "RequestId"} or an
error Code (SignatureDoesNotMatch with HTTP 400, InvalidAccessKeyId.NotFound
404, isv.MOBILE_NUMBER_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL, ...).
"""
import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import uuid
from urllib.parse import parse_qsl, quote

from .base import FakeHTTPServer


def _encode(value):
    # RFC 3986: unreserved characters kept, everything else %XX (UTF-8)
    return quote(value, safe='~').replace('%7E', '~').replace('/', '%2F')


def expected_signature(params, secret, method='POST'):
    pairs = sorted((k, v) for k, v in params.items() if k != 'Signature')
    canonical = '&'.join(_encode(k) + '=' + _encode(v) for k, v in pairs)
    to_sign = method + '&%2F&' + _encode(canonical)
    mac = hmac.new((secret + '&').encode(), to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class FakeAliyunSms(FakeHTTPServer):

    def __init__(self, access_key_id='LTAI-test', access_key_secret='secret',
            sign_names=('月星防水',), templates=('SMS_CODE', 'SMS_NOTIFY')):
        super().__init__()
        self.keys = {access_key_id: access_key_secret}
        self.sign_names = set(sign_names)
        self.templates = set(templates)
        self.nonces = set()
        self.sent = []  # {'phone', 'sign_name', 'template', 'params'}

    def last_code(self, phone):
        "The code parameter of the last SMS sent to phone (11 digits)."
        for sms in reversed(self.sent):
            if sms['phone'] == phone:
                return sms['params'].get('code')

    def _answer(self, status, code, message, **extra):
        payload = {'RequestId': str(uuid.uuid4()).upper(), 'Code': code,
            'Message': message}
        payload.update(extra)
        return status, payload

    def handle(self, method, path, query, body, headers):
        params = dict(query)
        if method == 'POST':
            params.update(parse_qsl(body.decode('utf-8'),
                    keep_blank_values=True))
        injected = self._injected(path)
        if injected:
            return injected
        secret = self.keys.get(params.get('AccessKeyId'))
        if secret is None:
            return self._answer(404, 'InvalidAccessKeyId.NotFound',
                'Specified access key is not found.')
        if params.get('SignatureMethod') != 'HMAC-SHA1' or params.get(
                'SignatureVersion') != '1.0':
            return self._answer(400, 'InvalidParameter',
                'Signature method or version not supported.')
        if params.get('Signature') != expected_signature(
                params, secret, method):
            return self._answer(400, 'SignatureDoesNotMatch',
                'Specified signature is not matched with our calculation.')
        try:
            stamp = dt.datetime.strptime(
                params.get('Timestamp', ''), '%Y-%m-%dT%H:%M:%SZ').replace(
                tzinfo=dt.UTC)
        except ValueError:
            return self._answer(400, 'InvalidTimeStamp.Format',
                'Specified time stamp or date value is not well formatted.')
        if abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()
                ) > 900:
            return self._answer(400, 'InvalidTimeStamp.Expired',
                'Specified time stamp or date value is expired.')
        nonce = params.get('SignatureNonce')
        if not nonce or nonce in self.nonces:
            return self._answer(400, 'SignatureNonceUsed',
                'Specified signature nonce was used already.')
        self.nonces.add(nonce)
        if params.get('Action') != 'SendSms' or params.get(
                'Version') != '2017-05-25':
            return self._answer(400, 'InvalidAction.NotFound',
                'Specified api is not found, please check your url and '
                'method.')
        phone = params.get('PhoneNumbers', '')
        if not re.fullmatch(r'1[3-9]\d{9}', phone):
            return self._answer(200, 'isv.MOBILE_NUMBER_ILLEGAL',
                '非法手机号')
        if params.get('SignName') not in self.sign_names:
            return self._answer(200, 'isv.SMS_SIGNATURE_ILLEGAL',
                '该账号下找不到对应签名')
        if params.get('TemplateCode') not in self.templates:
            return self._answer(200, 'isv.SMS_TEMPLATE_ILLEGAL',
                '该账号下找不到对应模板')
        try:
            template_params = json.loads(params.get('TemplateParam') or '{}')
        except ValueError:
            return self._answer(200, 'isv.INVALID_JSON_PARAM',
                'JSON参数不合法，只接受字符串值')
        self.sent.append({
                'phone': phone,
                'sign_name': params['SignName'],
                'template': params['TemplateCode'],
                'params': template_params,
                })
        return self._answer(200, 'OK', 'OK',
            BizId=f'{len(self.sent)}^{uuid.uuid4().int % 10 ** 12}')
