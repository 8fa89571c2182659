"""Aliyun SMS (dysmsapi 2017-05-25) SendSms over the RPC-style API with the
HMAC-SHA1 signature (SignatureVersion 1.0):

    StringToSign = "POST" + "&" + percentEncode("/") + "&"
                   + percentEncode(canonicalized sorted query)
    Signature    = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))

percentEncode is RFC 3986 (A-Z a-z 0-9 - _ . ~ kept, space as %20). The
parameters are sent form-encoded in the POST body.
"""
import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import uuid

import requests

DEFAULT_ENDPOINT = 'https://dysmsapi.aliyuncs.com/'
API_VERSION = '2017-05-25'

# Codes that a retry will not fix.
PERMANENT_CODES = {
    'isv.MOBILE_NUMBER_ILLEGAL', 'isv.SMS_TEMPLATE_ILLEGAL',
    'isv.SMS_SIGNATURE_ILLEGAL', 'isv.INVALID_PARAMETERS',
    'isv.INVALID_JSON_PARAM', 'isv.TEMPLATE_MISSING_PARAMETERS',
    'isv.BLACK_KEY_CONTROL_LIMIT', 'isv.PARAM_LENGTH_LIMIT',
    'isv.AMOUNT_NOT_ENOUGH', 'isv.ACCOUNT_NOT_EXISTS',
    'isv.SMS_CONTENT_ILLEGAL', 'isv.SMS_SIGN_ILLEGAL',
    'InvalidAccessKeyId.NotFound', 'SignatureDoesNotMatch',
    'isp.RAM_PERMISSION_DENY',
    }


class SmsError(Exception):

    def __init__(self, code, message):
        super().__init__(f'{code}: {message}')
        self.code = code
        self.message = message

    @property
    def permanent(self):
        return self.code in PERMANENT_CODES


def percent_encode(value):
    return urllib.parse.quote(str(value), safe='-_.~')


def string_to_sign(method, params):
    canonical = '&'.join(
        f'{percent_encode(k)}={percent_encode(params[k])}'
        for k in sorted(params))
    return '&'.join(
        [method.upper(), percent_encode('/'), percent_encode(canonical)])


def sign(method, params, secret):
    digest = hmac.new(
        (secret + '&').encode('utf-8'),
        string_to_sign(method, params).encode('utf-8'),
        hashlib.sha1).digest()
    return base64.b64encode(digest).decode('ascii')


def national(e164):
    "Aliyun wants mainland numbers without +86."
    return e164[3:] if e164.startswith('+86') else e164


class AliyunSms:

    def __init__(self, access_key_id, access_key_secret, endpoint=None,
            region='cn-hangzhou', timeout=5):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.endpoint = endpoint or DEFAULT_ENDPOINT
        self.region = region or 'cn-hangzhou'
        self.timeout = timeout

    def signed_params(self, action, params):
        values = {
            'AccessKeyId': self.access_key_id,
            'Action': action,
            'Format': 'JSON',
            'RegionId': self.region,
            'SignatureMethod': 'HMAC-SHA1',
            'SignatureNonce': uuid.uuid4().hex,
            'SignatureVersion': '1.0',
            'Timestamp': dt.datetime.now(dt.UTC).strftime(
                '%Y-%m-%dT%H:%M:%SZ'),
            'Version': API_VERSION,
            }
        values.update(params)
        values['Signature'] = sign('POST', values, self.access_key_secret)
        return values

    def send(self, phone, sign_name, template_code, params=None,
            out_id=None):
        "Send one SMS; returns Aliyun's BizId or raises SmsError."
        values = {
            'PhoneNumbers': national(phone),
            'SignName': sign_name,
            'TemplateCode': template_code,
            }
        if params:
            values['TemplateParam'] = json.dumps(
                params, ensure_ascii=False, separators=(',', ':'))
        if out_id:
            values['OutId'] = out_id
        try:
            response = requests.post(
                self.endpoint, data=self.signed_params('SendSms', values),
                timeout=self.timeout)
            result = response.json()
        except (requests.RequestException, ValueError) as exception:
            raise SmsError('network', type(exception).__name__) \
                from exception
        code = result.get('Code')
        if code != 'OK':
            raise SmsError(code or str(response.status_code),
                result.get('Message', ''))
        return result.get('BizId')
