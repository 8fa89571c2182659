"""The WeChat mini-program server API through wechatpy, pointed at a
configurable base URL (the real https://api.weixin.qq.com/ or a local fake
in the tests): code2Session, the phone number, subscribe messages.

The access token is cached per process and per AppID; wechatpy fetches a
new one when WeChat answers 40001/40014/42001.
"""
import threading

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

__all__ = ['MiniProgramClient', 'WeChatError', 'WeChatClientException']

DEFAULT_BASE_URL = 'https://api.weixin.qq.com/'
_storages = {}
_lock = threading.Lock()

# errcodes that will not change by retrying the same call
PERMANENT_ERRCODES = {
    40003,  # touser is not a valid openid
    40029,  # invalid code
    40037,  # invalid template_id
    40163,  # code already used
    40226,  # high-risk user blocked
    41030,  # invalid page
    43101,  # the user refused (or cancelled) the subscription
    47003,  # template data not matching the template rules
    }


class WeChatError(Exception):
    "A refused or failed call; errcode None for network/HTTP failures."

    def __init__(self, errcode, errmsg):
        super().__init__(f'{errcode}: {errmsg}')
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def permanent(self):
        return self.errcode in PERMANENT_ERRCODES


class MiniProgramClient(WeChatClient):

    def __init__(self, appid, secret, base_url=None, timeout=5):
        base = (base_url or DEFAULT_BASE_URL).rstrip('/') + '/'
        with _lock:
            storage = _storages.setdefault((appid, base), MemoryStorage())
        super().__init__(appid, secret, session=storage, timeout=timeout)
        self.base_url = base
        self.API_BASE_URL = base + 'cgi-bin/'
        self.wxa.API_BASE_URL = base

    def fetch_access_token(self):
        response = self._http.get(
            self.base_url + 'cgi-bin/token', params={
                'grant_type': 'client_credential',
                'appid': self.appid,
                'secret': self.secret,
                }, timeout=self.timeout)
        response.raise_for_status()
        result = response.json()
        if result.get('errcode'):
            raise WeChatClientException(
                result['errcode'], result.get('errmsg'), client=self)
        expires_in = result.get('expires_in', 7200)
        self.session.set(
            self.access_token_key, result['access_token'], expires_in)
        return result

    def _call(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except WeChatClientException as exception:
            raise WeChatError(exception.errcode, exception.errmsg) \
                from exception
        except (requests.RequestException, ValueError) as exception:
            raise WeChatError(None, type(exception).__name__) \
                from exception

    def code_to_session(self, code):
        "{'openid', 'session_key', 'unionid'?} of a wx.login code."
        return self._call(self.wxa.code_to_session, code)

    def get_phone_number(self, code):
        "The phone_info of a getPhoneNumber code."
        result = self._call(
            self.post, 'wxa/business/getuserphonenumber',
            data={'code': code}, api_base_url=self.base_url)
        return result['phone_info']

    def send_subscribe_message(self, openid, template_id, data, page=None,
            state='formal'):
        "Send a subscribe message; returns WeChat's msgid."
        payload = {
            'touser': openid,
            'template_id': template_id,
            'data': {k: {'value': v} for k, v in data.items()},
            'miniprogram_state': state or 'formal',
            'lang': 'zh_CN',
            }
        if page:
            payload['page'] = page
        result = self._call(
            self.post, 'cgi-bin/message/subscribe/send', data=payload,
            api_base_url=self.base_url)
        return result.get('msgid')
