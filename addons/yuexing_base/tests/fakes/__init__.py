"""Local fake servers of the external systems, speaking their real wire
formats, for the tests of every module:

    from trytond.modules.yuexing_base.tests.fakes import (
        FakeWeChat, FakeAliyunSms, FakeSmtp)

    with FakeWeChat(appid='wx123', secret='s') as wechat:
        wechat.add_login_code('code-1', openid='o-1')
        ... configure wechat.url as the WeChat API base URL ...
"""
from .aliyun_sms import FakeAliyunSms
from .smtp import FakeSmtp
from .wechat import FakeWeChat

__all__ = ['FakeAliyunSms', 'FakeSmtp', 'FakeWeChat']
