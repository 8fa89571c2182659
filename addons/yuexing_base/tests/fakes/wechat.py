"""A fake of the WeChat mini-program server API (api.weixin.qq.com):

- GET  /cgi-bin/token?grant_type=client_credential&appid=&secret=
- GET  /sns/jscode2session?appid=&secret=&js_code=
       &grant_type=authorization_code
- POST /wxa/business/getuserphonenumber?access_token=  {"code"}
- POST /cgi-bin/message/subscribe/send?access_token=   {"touser", ...}

with WeChat's JSON shapes and errcodes: 40013 invalid appid, 40125 invalid
appsecret, 40001 invalid credential (access_token), 40029 invalid code,
40163 code been used, 40003 invalid openid, 40037 invalid template_id,
43101 user refuse to accept the msg, 47003 argument invalid, -1 system
error. Codes are single-use, as in WeChat.
"""
import itertools
import json
import secrets
import time

from .base import FakeHTTPServer


def _error(errcode, errmsg):
    return 200, {'errcode': errcode,
        'errmsg': f'{errmsg} rid: {secrets.token_hex(4)}'}


class FakeWeChat(FakeHTTPServer):

    def __init__(self, appid='wx-test-appid', secret='wx-test-secret'):
        super().__init__()
        self.appid = appid
        self.secret = secret
        self.tokens = set()
        self.login_codes = {}  # js_code -> (openid, unionid)
        self.phone_codes = {}     # code -> pure phone number
        self.used_codes = set()
        self.templates = set()    # accepted template ids
        self.refused = set()      # openids that refused subscriptions
        self.sent = []            # subscribe messages accepted
        self._msgid = itertools.count(1000)

    # ---- test set-up -------------------------------------------------------
    def add_login_code(self, code, openid, unionid=None):
        self.login_codes[code] = (openid, unionid)

    def add_phone_code(self, code, phone):
        self.phone_codes[code] = phone

    def add_template(self, template_id):
        self.templates.add(template_id)

    def expire_tokens(self):
        "Make every issued access token invalid (as after a refresh)."
        self.tokens.clear()

    # ---- protocol ----------------------------------------------------
    def handle(self, method, path, query, body, headers):
        injected = self._injected(path)
        if injected:
            return injected
        if path == '/cgi-bin/token' and method == 'GET':
            return self._token(query)
        if path == '/sns/jscode2session' and method == 'GET':
            return self._code2session(query)
        if path == '/wxa/business/getuserphonenumber' and method == 'POST':
            return self._phone(query, body)
        if path == '/cgi-bin/message/subscribe/send' and method == 'POST':
            return self._subscribe_send(query, body)
        return 404, {'errcode': 404, 'errmsg': 'not found'}

    def _check_app(self, query):
        if query.get('appid') != self.appid:
            return _error(40013, 'invalid appid')
        if query.get('secret') != self.secret:
            return _error(40125, 'invalid appsecret')
        return None

    def _check_token(self, query):
        if query.get('access_token') not in self.tokens:
            return _error(40001, 'invalid credential, access_token is '
                'invalid or not latest')
        return None

    def _token(self, query):
        if query.get('grant_type') != 'client_credential':
            return _error(40002, 'invalid grant_type')
        error = self._check_app(query)
        if error:
            return error
        token = 'ACCESS_' + secrets.token_hex(16)
        self.tokens.add(token)
        return 200, {'access_token': token, 'expires_in': 7200}

    def _code2session(self, query):
        error = self._check_app(query)
        if error:
            return error
        if query.get('grant_type') != 'authorization_code':
            return _error(40002, 'invalid grant_type')
        code = query.get('js_code', '')
        if code in self.used_codes:
            return _error(40163, 'code been used')
        if code not in self.login_codes:
            return _error(40029, 'invalid code')
        self.used_codes.add(code)
        openid, unionid = self.login_codes[code]
        result = {'openid': openid,
            'session_key': secrets.token_urlsafe(16)}
        if unionid:
            result['unionid'] = unionid
        return 200, result

    def _json(self, body):
        try:
            return json.loads(body.decode('utf-8'))
        except ValueError:
            return None

    def _phone(self, query, body):
        error = self._check_token(query)
        if error:
            return error
        data = self._json(body)
        if not isinstance(data, dict) or 'code' not in data:
            return _error(47001, 'data format error')
        code = data['code']
        if code in self.used_codes or code not in self.phone_codes:
            return _error(40029, 'invalid code')
        self.used_codes.add(code)
        pure = self.phone_codes[code]
        return 200, {
            'errcode': 0, 'errmsg': 'ok',
            'phone_info': {
                'phoneNumber': pure,
                'purePhoneNumber': pure,
                'countryCode': '86',
                'watermark': {'timestamp': int(time.time()),
                    'appid': self.appid},
                },
            }

    def _subscribe_send(self, query, body):
        error = self._check_token(query)
        if error:
            return error
        data = self._json(body)
        if not isinstance(data, dict):
            return _error(47001, 'data format error')
        touser = data.get('touser')
        if not touser or not isinstance(touser, str):
            return _error(40003, 'invalid openid')
        if data.get('template_id') not in self.templates:
            return _error(40037, 'invalid template_id')
        if touser in self.refused:
            return _error(43101, 'user refuse to accept the msg')
        values = data.get('data')
        if not isinstance(values, dict) or not values:
            return _error(47003, 'argument invalid! data is empty')
        for key, value in values.items():
            if not isinstance(value, dict) or not isinstance(
                    value.get('value'), str) or not value['value']:
                return _error(47003, f'argument invalid! data.{key}.value '
                    'is empty')
            if key.startswith('thing') and len(value['value']) > 20:
                return _error(47003, f'argument invalid! data.{key}.value '
                    'exceeds 20')
        if data.get('miniprogram_state', 'formal') not in {
                'formal', 'trial', 'developer'}:
            return _error(40003, 'invalid miniprogram_state')
        msgid = next(self._msgid)
        self.sent.append(dict(data, msgid=msgid))
        return 200, {'errcode': 0, 'errmsg': 'ok', 'msgid': msgid}
