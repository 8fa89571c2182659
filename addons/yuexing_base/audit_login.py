"""Log-ins and failed log-ins in the audit log, with the IP address: the
generic JSON-RPC log-in (``res.user.get_login``) here, the API's SMS and
WeChat log-ins through ``record_login`` from routes.py.

Kept apart from the log-in throttling (login_throttle.py) so both extend
``res.user.get_login`` through the pool and compose."""
from trytond.exceptions import LoginException, RateLimitException
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access


def record_login(login, user_id, method, success):
    "Add a log-in (or failed log-in) entry for login to the audit log."
    Log = Pool().get('yuexing.audit.log')
    with without_check_access():
        Log.add([{
                    'model': 'res.user',
                    'record_id': user_id or None,
                    'record_name': login,
                    'action': 'login' if success else 'login_failed',
                    'user': user_id or None,
                    'login': (login or '')[:128],
                    'method': method,
                    }])


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def get_login(cls, login, parameters):
        method = Transaction().context.get('yuexing_login_method', 'rpc')
        try:
            user_id = super().get_login(login, parameters)
        except RateLimitException:
            # trytond commits before re-raising: the refusal is kept.
            record_login(login, None, f'{method}:throttled', False)
            raise
        except LoginException:
            # A further factor is asked for (not a failure yet).
            raise
        record_login(login, user_id, method, bool(user_id))
        return user_id
