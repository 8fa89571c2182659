"""The provider clients built from the configuration (URLs, keys), so that
production and tests run the same code against the real gateways or the
local fakes."""
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction

from .alipay import AlipayClient
from .wechatpay import WeChatPayClient


class NotConfigured(UserError):
    """A channel lacks its merchant settings: the back office sees which,
    the API answers 503 without naming them."""


def settings():
    return Pool().get('yuexing.configuration').settings()


def notify_url(kind):
    values = settings()
    base = (values.get('payment_notify_base') or '').rstrip('/')
    if not base:
        raise NotConfigured(gettext(
                'yuexing_payment.msg_not_configured',
                setting='Public Server URL'))
    database = Transaction().database.name
    return f'{base}/{database}/api/v1/payments/notify/{kind}'


def wechatpay(with_notify=True):
    values = settings()
    required = ['wechatpay_mch_id', 'wechatpay_serial_no',
        'wechatpay_private_key', 'wechatpay_api_v3_key',
        'wechatpay_platform_key', 'wechatpay_platform_serial']
    missing = [n for n in required if not values.get(n)]
    app_id = values.get('wechatpay_app_id') or values.get('wechat_app_id')
    if missing or not app_id:
        raise NotConfigured(gettext('yuexing_payment.msg_not_configured',
                setting=', '.join(missing) or 'AppID'))
    return WeChatPayClient(
        values['wechatpay_mch_id'], app_id, values['wechatpay_serial_no'],
        values['wechatpay_private_key'], values['wechatpay_api_v3_key'],
        values['wechatpay_platform_key'],
        values['wechatpay_platform_serial'],
        base_url=values.get('wechatpay_api_base'),
        notify_url=notify_url('wechat') if with_notify else None)


def alipay(with_notify=True):
    values = settings()
    required = ['alipay_app_id', 'alipay_private_key', 'alipay_public_key']
    missing = [n for n in required if not values.get(n)]
    if missing:
        raise NotConfigured(gettext('yuexing_payment.msg_not_configured',
                setting=', '.join(missing)))
    return AlipayClient(values['alipay_app_id'],
        values['alipay_private_key'], values['alipay_public_key'],
        gateway=values.get('alipay_gateway'),
        notify_url=notify_url('alipay') if with_notify else None)
