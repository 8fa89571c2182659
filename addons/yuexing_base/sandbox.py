"""The sandbox switch: a demo database may point its external systems
(WeChat, SMS, payments, NC) at the local stand-ins started by
``scripts/sandbox.py``; a production server, a database that is not a demo
or one configured with real credentials never."""
import os
from urllib.parse import urlsplit

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.transaction import without_check_access

from .exceptions import SandboxRefused

LOOPBACK = {'127.0.0.1', 'localhost', '::1'}


def is_loopback(url):
    return (urlsplit(url or '').hostname or '') in LOOPBACK


def config_value(option):
    "The value of a (section, option) of the server configuration."
    return option and config.get(*option, default=None)


def production():
    "True on a production server (set by the containers' environment)."
    return os.environ.get('YUEXING_PRODUCTION', '') not in {'', '0'}


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    demo_database = fields.Boolean("Demo Database", readonly=True,
        help="Set by the demo data generator: only a demo database may use "
        "the sandbox.")
    sandbox_url = fields.Char("Sandbox Console", readonly=True,
        help="The page of the local stand-ins of WeChat, WeChat Pay, "
        "Alipay, SMS and NC while the sandbox runs.")

    @classmethod
    def sandbox_systems(cls):
        """[(system label, endpoint field, credential fields)]: an endpoint
        that is not local with a credential set means a real system. Each
        module adds its systems."""
        return [
            ("微信小程序", 'wechat_api_base', ['wechat_app_secret']),
            ("短信", 'sms_endpoint', ['sms_access_key_secret']),
            ]

    @classmethod
    def sandbox_refusal(cls):
        "None if the sandbox may be switched on, else why not (Chinese)."
        if production():
            return gettext('yuexing_base.msg_sandbox_production')
        with without_check_access():
            config = cls(1)
            if not config.demo_database:
                return gettext('yuexing_base.msg_sandbox_not_demo')
        systems = cls.sandbox_systems()
        names = {n for _, endpoint, creds in systems
            for n in [endpoint, *creds]}
        values = cls.settings(*names)
        for label, endpoint, credentials in systems:
            # a secret in the server configuration is always a real one
            if any(config_value(cls.SECRETS.get(n)) for n in credentials):
                return gettext('yuexing_base.msg_sandbox_real_keys',
                    system=label)
            url = values.get(endpoint)
            real = any(values.get(n) for n in credentials) or (
                not credentials and url)
            if real and not is_loopback(url):
                return gettext('yuexing_base.msg_sandbox_real_keys',
                    system=label)
        return None

    @classmethod
    def enable_sandbox(cls, values, console_url):
        "Point the external systems at the stand-ins (values: field → value)."
        reason = cls.sandbox_refusal()
        if reason:
            raise SandboxRefused(reason)
        for url in [v for n, v in values.items()
                if n in {e for _, e, _ in cls.sandbox_systems()}]:
            if not is_loopback(url):
                raise SandboxRefused(gettext(
                        'yuexing_base.msg_sandbox_real_keys', system=url))
        with without_check_access():
            cls.write([cls(1)], dict(values, sandbox_url=console_url))

    @classmethod
    def mark_demo_database(cls):
        with without_check_access():
            cls.write([cls(1)], {'demo_database': True})
