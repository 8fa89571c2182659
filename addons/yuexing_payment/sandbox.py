"The payment systems the sandbox guard knows (see yuexing_base.sandbox)."
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    @classmethod
    def sandbox_systems(cls):
        return super().sandbox_systems() + [
            ("微信支付", 'wechatpay_api_base',
                ['wechatpay_private_key', 'wechatpay_api_v3_key']),
            ("支付宝", 'alipay_gateway', ['alipay_private_key']),
            ]
