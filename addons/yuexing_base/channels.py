"""The delivery channels of the message centre. Each sender gets a
yuexing.message and the settings (yuexing.configuration.settings()) and
returns the provider's message id, or raises DeliveryError (permanent when a
retry cannot help)."""
import json
from email.mime.text import MIMEText
from email.utils import formataddr

from trytond.config import config
from trytond.i18n import gettext
from trytond.sendmail import send_message

from .aliyun_sms import AliyunSms, SmsError
from .wechat import MiniProgramClient, WeChatError


class DeliveryError(Exception):

    def __init__(self, text, permanent=False):
        super().__init__(text)
        self.text = text
        self.permanent = permanent


def _missing(setting):
    return DeliveryError(gettext(
            'yuexing_base.msg_channel_not_configured', setting=setting),
        permanent=True)


def wechat_client(settings):
    if not settings.get('wechat_app_id') or not settings.get(
            'wechat_app_secret'):
        raise _missing('AppID / AppSecret')
    return MiniProgramClient(
        settings['wechat_app_id'], settings['wechat_app_secret'],
        base_url=settings.get('wechat_api_base'))


def sms_client(settings):
    if settings.get('sms_provider') != 'aliyun':
        raise _missing(gettext('yuexing_base.msg_channel_sms_provider'))
    if not settings.get('sms_access_key_id') or not settings.get(
            'sms_access_key_secret') or not settings.get('sms_sign_name'):
        raise _missing('AccessKey / SignName')
    return AliyunSms(
        settings['sms_access_key_id'], settings['sms_access_key_secret'],
        endpoint=settings.get('sms_endpoint'),
        region=settings.get('sms_region'))


def send_wechat(message, settings):
    client = wechat_client(settings)
    payload = json.loads(message.payload or '{}')
    try:
        msgid = client.send_subscribe_message(
            message.address, payload['template_id'], payload['data'],
            page=payload.get('page'), state=settings.get('wechat_state'))
    except WeChatError as exception:
        raise DeliveryError(
            f'WeChat {exception.errcode}: {exception.errmsg}',
            permanent=exception.permanent) from exception
    return str(msgid) if msgid is not None else None


def send_sms(message, settings):
    client = sms_client(settings)
    payload = json.loads(message.payload or '{}')
    try:
        return client.send(
            message.address, settings['sms_sign_name'],
            payload['template_code'], payload.get('params'),
            out_id=str(message.id))
    except SmsError as exception:
        raise DeliveryError(
            f'Aliyun {exception.code}: {exception.message}',
            permanent=exception.permanent) from exception


def send_email(message, settings):
    sender = settings.get('email_from') or config.get(
        'email', 'from', default=None)
    if not sender:
        raise _missing(gettext('yuexing_base.msg_channel_email_from'))
    msg = MIMEText(message.body or '', 'plain', 'utf-8')
    msg['Subject'] = message.title or ''
    msg['From'] = sender
    msg['To'] = formataddr(
        (message.user.name if message.user else '', message.address))
    try:
        send_message(msg, sender, [message.address], strict=True)
    except Exception as exception:
        raise DeliveryError(
            f'SMTP {type(exception).__name__}: {exception}') from exception
    return msg['Message-ID']


SENDERS = {
    'wechat': send_wechat,
    'sms': send_sms,
    'email': send_email,
    }


def send_sms_code(settings, phone, code):
    "Send a verification code now; returns the provider id."
    if not settings.get('sms_code_template'):
        raise _missing(gettext('yuexing_base.msg_channel_code_template'))
    client = sms_client(settings)
    try:
        return client.send(phone, settings['sms_sign_name'],
            settings['sms_code_template'], {'code': code})
    except SmsError as exception:
        raise DeliveryError(
            f'Aliyun {exception.code}: {exception.message}',
            permanent=exception.permanent) from exception
