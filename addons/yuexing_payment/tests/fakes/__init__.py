"""Local fakes of WeChat Pay API v3 and the Alipay gateway, signing (and
encrypting) as the real ones with keys generated in the test."""
from .alipay import FakeAlipay
from .wechatpay import FakeWeChatPay

__all__ = ['FakeAlipay', 'FakeWeChatPay']
