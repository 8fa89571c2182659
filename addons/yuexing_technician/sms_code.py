"""The SMS code purpose of the 师傅端's confirmations (profile and bank
card changes): a code asked for one purpose never confirms another."""
from trytond.pool import PoolMeta


class SmsCode(metaclass=PoolMeta):
    __name__ = 'yuexing.auth.sms_code'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if 'profile' not in dict(cls.purpose.selection):
            cls.purpose.selection.append(
                ('profile', "Profile or Bank Card Change"))
