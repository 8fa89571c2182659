"""One configuration form for the whole suite; every module adds its page."""
from trytond.config import config
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pool import PoolMeta
from trytond.transaction import without_check_access

from . import crypto
from .audit import AuditMixin
from .encrypted import Encrypted, EncryptedMixin, secret_input, secret_status


class Configuration(AuditMixin, EncryptedMixin, ModelSingleton, ModelSQL,
        ModelView):
    "月星防水 Configuration"
    __name__ = 'yuexing.configuration'

    care_birthday_days = fields.Integer(
        "Birthday Reminder (days before)", required=True,
        domain=[('care_birthday_days', '>=', 0)])
    care_anniversary_days = fields.Integer(
        "Anniversary Reminder (days before)", required=True,
        domain=[('care_anniversary_days', '>=', 0)])
    care_revisit_days = fields.Integer(
        "Revisit Reminder (days before)", required=True,
        domain=[('care_revisit_days', '>=', 0)])
    default_revisit_interval = fields.Integer(
        "Default Revisit Interval (days)",
        domain=['OR',
            ('default_revisit_interval', '=', None),
            ('default_revisit_interval', '>', 0),
            ])

    @classmethod
    def default_care_birthday_days(cls):
        return 7

    @classmethod
    def default_care_anniversary_days(cls):
        return 7

    @classmethod
    def default_care_revisit_days(cls):
        return 3

    @classmethod
    def default_default_revisit_interval(cls):
        return 180


class ApiConfiguration(metaclass=PoolMeta):
    "API tokens, limits and the channels of the message centre."
    __name__ = 'yuexing.configuration'

    # ---- API tokens and limits --------------------------------------------
    api_token_minutes = fields.Integer(
        "Access Token Lifetime (minutes)", required=True,
        domain=[('api_token_minutes', '>=', 5)])
    api_refresh_days = fields.Integer(
        "Refresh Token Lifetime (days)", required=True,
        domain=[('api_refresh_days', '>=', 1)])
    api_idempotency_hours = fields.Integer(
        "Idempotency Key Retention (hours)", required=True,
        domain=[('api_idempotency_hours', '>=', 1)])
    rate_default_ip = fields.Integer(
        "Requests per Minute per IP", required=True,
        domain=[('rate_default_ip', '>=', 0)],
        help="0 means no limit.")
    rate_default_token = fields.Integer(
        "Requests per Minute per Token", required=True,
        domain=[('rate_default_token', '>=', 0)])
    rate_auth_ip = fields.Integer(
        "Log-ins per Minute per IP", required=True,
        domain=[('rate_auth_ip', '>=', 0)])
    rate_sms_ip = fields.Integer(
        "SMS Codes per Minute per IP", required=True,
        domain=[('rate_sms_ip', '>=', 0)])
    rate_upload_token = fields.Integer(
        "Uploads per Minute per Token", required=True,
        domain=[('rate_upload_token', '>=', 0)])
    upload_max_kb = fields.Integer(
        "Upload Size Limit (KiB)", required=True,
        domain=[('upload_max_kb', '>', 0)])
    sms_code_minutes = fields.Integer(
        "SMS Code Validity (minutes)", required=True,
        domain=[('sms_code_minutes', '>=', 1)])
    sms_code_attempts = fields.Integer(
        "SMS Code Attempts", required=True,
        domain=[('sms_code_attempts', '>=', 1)])
    sms_resend_seconds = fields.Integer(
        "SMS Code Resend Interval (seconds)", required=True,
        domain=[('sms_resend_seconds', '>=', 0)])
    sms_daily_limit = fields.Integer(
        "SMS Codes per Phone per Day", required=True,
        domain=[('sms_daily_limit', '>=', 1)])

    # ---- channels ----------------------------------------------------------
    wechat_app_id = fields.Char("Mini-Program AppID")
    # Secrets: an encrypted column nobody reads over RPC, its status and a
    # write-only input on the form (see encrypted.py); get_secret reads it.
    wechat_app_secret = Encrypted("Mini-Program AppSecret")
    wechat_app_secret_status = secret_status("Mini-Program AppSecret")
    wechat_app_secret_input = secret_input(fields.Char(
            "New Mini-Program AppSecret", strip=False,
            help="Better set in the server configuration: "
            "TRYTOND_YUEXING_WECHAT__APP_SECRET."))
    wechat_api_base = fields.Char(
        "WeChat API Base URL", required=True)
    wechat_state = fields.Selection([
            ('formal', "Formal"),
            ('trial', "Trial"),
            ('developer', "Developer"),
            ], "Mini-Program Version",
        help="Which version of the mini-program subscribe messages open.")
    sms_provider = fields.Selection([
            (None, "Disabled"),
            ('aliyun', "Aliyun SMS"),
            ], "SMS Provider")
    sms_access_key_id = fields.Char("SMS AccessKey ID")
    sms_access_key_secret = Encrypted("SMS AccessKey Secret")
    sms_access_key_secret_status = secret_status("SMS AccessKey Secret")
    sms_access_key_secret_input = secret_input(fields.Char(
            "New SMS AccessKey Secret", strip=False,
            help="Better set in the server configuration: "
            "TRYTOND_YUEXING_SMS__ACCESS_KEY_SECRET."))
    sms_sign_name = fields.Char("SMS Sign Name")
    sms_endpoint = fields.Char("SMS Endpoint", required=True)
    sms_region = fields.Char("SMS Region", required=True)
    sms_code_template = fields.Char(
        "Verification Code Template",
        help="The SMS template code of log-in codes; its variable is "
        "${code}.")
    email_from = fields.Char("E-mail Sender")
    message_max_attempts = fields.Integer(
        "Delivery Attempts", required=True,
        domain=[('message_max_attempts', '>=', 1)])
    message_retry_minutes = fields.Integer(
        "First Retry Delay (minutes)", required=True,
        domain=[('message_retry_minutes', '>=', 0)],
        help="Each further retry waits four times longer.")

    SECRETS = {
        'wechat_app_secret': ('yuexing_wechat', 'app_secret'),
        'sms_access_key_secret': ('yuexing_sms', 'access_key_secret'),
        'sms_access_key_id': ('yuexing_sms', 'access_key_id'),
        'wechat_app_id': ('yuexing_wechat', 'app_id'),
        }

    @classmethod
    def default_api_token_minutes(cls):
        return 120

    @classmethod
    def default_api_refresh_days(cls):
        return 30

    @classmethod
    def default_api_idempotency_hours(cls):
        return 24

    @classmethod
    def default_rate_default_ip(cls):
        return 600

    @classmethod
    def default_rate_default_token(cls):
        return 120

    @classmethod
    def default_rate_auth_ip(cls):
        return 30

    @classmethod
    def default_rate_sms_ip(cls):
        return 10

    @classmethod
    def default_rate_upload_token(cls):
        return 30

    @classmethod
    def default_upload_max_kb(cls):
        return 10 * 1024

    @classmethod
    def default_sms_code_minutes(cls):
        return 5

    @classmethod
    def default_sms_code_attempts(cls):
        return 5

    @classmethod
    def default_sms_resend_seconds(cls):
        return 60

    @classmethod
    def default_sms_daily_limit(cls):
        return 10

    @classmethod
    def default_wechat_api_base(cls):
        return 'https://api.weixin.qq.com/'

    @classmethod
    def default_wechat_state(cls):
        return 'formal'

    @classmethod
    def default_sms_endpoint(cls):
        return 'https://dysmsapi.aliyuncs.com/'

    @classmethod
    def default_sms_region(cls):
        return 'cn-hangzhou'

    @classmethod
    def default_message_max_attempts(cls):
        return 5

    @classmethod
    def default_message_retry_minutes(cls):
        return 1

    @classmethod
    def settings(cls, *names):
        """The configuration as a plain dict for server code, read without
        access checks (API callers may not read the configuration
        themselves): the given field names, or all of them (which costs a
        query per company-dependent field: name them on hot paths).
        Encrypted secrets come decrypted, as get_secret gives them."""
        if not names:
            names = [name for name, field in cls._fields.items()
                if not isinstance(field, (fields.Function, fields.One2Many,
                            fields.Many2Many))
                and name not in {'id', 'create_uid', 'create_date',
                    'write_uid', 'write_date', 'rec_name'}]
        secrets = [n for n in names if n in cls._encrypted_fields]
        plain = [n for n in names if n not in cls._encrypted_fields]
        with without_check_access():
            record = cls(1)
            values = {name: getattr(record, name) for name in plain}
        values.update(cls.get_secrets(*secrets))
        for name, (section, option) in cls.SECRETS.items():
            if name not in values:
                continue
            value = config.get(section, option, default=None)
            if value:
                values[name] = value
        return values

    @classmethod
    def get_secrets(cls, *names):
        """{name: clear value} of encrypted secrets: the server
        configuration (or its TRYTOND_<SECTION>__<OPTION> environment
        variable) wins over the database. Server code only: never return
        these values to a client."""
        assert set(names) <= set(cls._encrypted_fields), names
        if not names:
            return {}
        with without_check_access():
            stored, = cls.read([1], list(names))
        result = {}
        for name in names:
            section, option = cls.SECRETS.get(name, (None, None))
            value = section and config.get(section, option, default=None)
            result[name] = value or crypto.decrypt(stored[name])
        return result

    @classmethod
    def get_secret(cls, name):
        "The clear value of one secret (see get_secrets)."
        return cls.get_secrets(name)[name]

    @classmethod
    def get_rate_limits(cls, kind):
        "{'ip': n, 'token': n, 'period': seconds} of a rate-limit class."
        settings = cls.settings('rate_default_ip', 'rate_default_token',
            'rate_auth_ip', 'rate_sms_ip', 'rate_upload_token')
        limits = {'ip': settings['rate_default_ip'],
            'token': settings['rate_default_token'], 'period': 60}
        if kind == 'auth':
            limits['ip'] = settings['rate_auth_ip']
        elif kind == 'sms':
            limits['ip'] = settings['rate_sms_ip']
        elif kind == 'upload':
            limits['token'] = settings['rate_upload_token']
        return limits
