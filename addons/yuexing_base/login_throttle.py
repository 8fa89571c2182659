"""Log-in throttling that cannot be turned against the account's owner.

trytond's own protection (``res.user.get_login`` with
``res.user.login.attempt``) sleeps up to 2^n seconds *inside the WSGI
worker* after each failure, so a few concurrent wrong passwords stall every
other request, and it refuses the login for ``[session] timeout`` after
``max_attempt`` failures, also for the owner typing the right password.

Here failures are counted per key and answered at once:

- ``pair``: (login, client IP), the ordinary case of one guesser;
- ``ip``: every login tried from one IP (a sweep over many accounts);
- ``login``: a looser per-login counter against a guess spread over many
  IPs; one IP adds at most ``pair_free`` failures to it, so a single
  attacker cannot make the owner wait when they log in from elsewhere;
- ``device``: with a valid trytond device cookie only this one applies:
  the owner's known browser is never slowed by someone else's failures.

After ``free`` failures on a key each further one doubles the wait
(2, 4, 8 … seconds, capped at ``max_wait``) counted from the last
failure. While a key waits, attempts are refused with 429 at once and a
``Retry-After`` equal to the real remaining wait, without checking the
password (so a guesser learns nothing) and without counting (so the wait
does not grow while nobody can try). A success clears the pair, login and
device counters. The SMS code log-in uses its own counters (kind ``sms``):
a password guesser never blocks it; it has no per-phone counter (each code
allows a few guesses, see sms_code.py) and counts across codes.

Counters are rows updated with one upsert on a separate autocommit READ
COMMITTED connection (``api_rate.execute_autonomous``): concurrent
failures never raise serialisation errors on PostgreSQL and stay counted
when the request is rolled back.

Configuration (``[yuexing_login]``): ``pair_free`` (3), ``login_free`` (10),
``ip_free`` (20), ``device_free`` (5), ``max_wait`` (900 seconds),
``forget_after`` (86400 seconds without failure resets a counter);
for SMS codes ``sms_pair_free`` (10) and ``sms_ip_free`` (30).
"""
import functools
import hashlib
import math
import time

from sql import Literal
from sql.conditionals import Case
from werkzeug.exceptions import TooManyRequests

from trytond.config import config
from trytond.exceptions import RateLimitException
from trytond.model import Index, ModelSQL, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .api_rate import execute_autonomous

SECTION = 'yuexing_login'
DEFAULTS = {
    'pair_free': 3,
    'login_free': 10,
    'ip_free': 20,
    'device_free': 5,
    'max_wait': 900,
    'forget_after': 86400,
    # each SMS code allows sms_code_attempts guesses (5): these count
    # across codes
    'sms_pair_free': 10,
    'sms_ip_free': 30,
    }
# Where the remaining wait travels from get_login to the HTTP answer: the
# request's context dict, shared by every transaction of the request.
RETRY_AFTER_KEY = 'yuexing_retry_after'


def now():
    "The clock of the throttle (tests replace it)."
    return time.time()


def setting(name):
    return config.getint(SECTION, name, default=DEFAULTS[name])


def backoff(failures, free):
    "Seconds to wait after the failures-th failure on a key."
    if failures <= free:
        return 0
    return min(2 ** (failures - free), setting('max_wait'))


class RetryLater(RateLimitException):
    "A throttled log-in: retry_after is the remaining wait in seconds."

    def __init__(self, retry_after):
        super().__init__()
        self.retry_after = retry_after


def _digest(value):
    # keys stay short and never hold a device cookie in clear
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class LoginCounter(ModelSQL):
    "Log-in Failure Counter"
    __name__ = 'yuexing.login.counter'

    key = fields.Char("Key", required=True)
    failures = fields.Integer("Failures", required=True)
    last_failure = fields.Float("Last Failure", required=True,
        help="Unix time of the last failure.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_constraints = [
            ('key_unique', Unique(table, table.key),
                'yuexing_base.msg_login_counter_unique'),
            ]
        cls._sql_indexes.add(
            Index(table, (table.last_failure, Index.Range())))

    @classmethod
    def read_counters(cls, keys):
        "{key: (failures, last_failure)} of the keys that have counters."
        table = cls.__table__()
        result = {}
        for key in keys:
            row = execute_autonomous(table.select(
                    table.failures, table.last_failure,
                    where=table.key == key), fetch=True)
            if row:
                result[key] = (row[0], row[1])
        return result

    @classmethod
    def fail(cls, key):
        "Count a failure on key at once and return the new count."
        transaction = Transaction()
        database = transaction.database
        table = cls.__table__()
        moment = now()
        stale = moment - setting('forget_after')
        if database.has_insert_on_conflict() and database.has_returning():
            from sql import Conflict
            failures, = execute_autonomous(table.insert(
                    [table.key, table.failures, table.last_failure],
                    [[key, 1, moment]],
                    on_conflict=Conflict(
                        table, indexed_columns=[table.key],
                        columns=[table.failures, table.last_failure],
                        values=[
                            Case((table.last_failure < stale, Literal(1)),
                                else_=table.failures + Literal(1)),
                            moment]),
                    returning=[table.failures]), fetch=True)
            return failures
        cursor = transaction.connection.cursor()
        cursor.execute(*table.update(
                [table.failures, table.last_failure],
                [Case((table.last_failure < stale, Literal(1)),
                        else_=table.failures + Literal(1)), moment],
                where=table.key == key))
        if not cursor.rowcount:
            cursor.execute(*table.insert(
                    [table.key, table.failures, table.last_failure],
                    [[key, 1, moment]]))
        cursor.execute(*table.select(table.failures,
                where=table.key == key))
        failures, = cursor.fetchone()
        return failures

    @classmethod
    def clear(cls, keys):
        table = cls.__table__()
        if keys:
            execute_autonomous(table.delete(where=table.key.in_(list(keys))))

    @classmethod
    def clean(cls):
        """Cron: forget the counters of failures older than forget_after
        and trytond's expired log-in attempts."""
        table = cls.__table__()
        execute_autonomous(table.delete(
                where=table.last_failure < now() - setting('forget_after')))
        Pool().get('res.user.login.attempt').purge()


class Throttle:
    """The counters of one log-in attempt: kind ('password', 'sms'), the
    login (or phone), the client IP and the valid device cookie if any."""

    def __init__(self, kind, login, ip, device=None):
        self.kind = kind
        prefix = f'{kind}:'
        login = _digest(login or '')
        if device:
            self.keys = {'device': (
                    prefix + f'device:{login}:{_digest(device)}',
                    setting('device_free'))}
        elif kind == 'sms':
            # no per-phone counter: from elsewhere the owner always gets in
            self.keys = {
                'pair': (prefix + f'pair:{login}:{ip}',
                    setting('sms_pair_free')),
                'ip': (prefix + f'ip:{ip}', setting('sms_ip_free')),
                }
        else:
            self.keys = {
                'pair': (prefix + f'pair:{login}:{ip}', setting('pair_free')),
                'login': (prefix + f'login:{login}', setting('login_free')),
                'ip': (prefix + f'ip:{ip}', setting('ip_free')),
                }

    @classmethod
    def current(cls, kind, login, device=None):
        "The throttle of login from the current transaction's client."
        ip_address, _ = Transaction().remote_address()
        return cls(kind, login, str(ip_address or '-'), device)

    def remaining(self):
        "Seconds (int, rounded up) before a new attempt is allowed; 0 now."
        Counter = Pool().get('yuexing.login.counter')
        counters = Counter.read_counters([k for k, _ in self.keys.values()])
        moment = now()
        wait = 0.
        for key, free in self.keys.values():
            if key in counters:
                failures, last = counters[key]
                wait = max(wait, last + backoff(failures, free) - moment)
        return math.ceil(wait) if wait > 0 else 0

    def check(self):
        "Raise RetryLater when the attempt must wait."
        wait = self.remaining()
        if wait:
            request = Transaction().context.get('_request')
            if isinstance(request, dict):
                request[RETRY_AFTER_KEY] = wait
            raise RetryLater(wait)

    def failed(self):
        Counter = Pool().get('yuexing.login.counter')
        if 'device' in self.keys:
            Counter.fail(self.keys['device'][0])
            return
        pair_key, pair_free = self.keys['pair']
        if (Counter.fail(pair_key) <= pair_free
                and 'login' in self.keys):
            # one IP adds at most pair_free failures to the login counter
            Counter.fail(self.keys['login'][0])
        Counter.fail(self.keys['ip'][0])

    def succeeded(self):
        Counter = Pool().get('yuexing.login.counter')
        Counter.clear([key for name, (key, _) in self.keys.items()
                if name != 'ip'])


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def get_login(cls, login, parameters):
        # Every log-in by password goes through here: JSON-RPC
        # (common.db.login), the session cookie log-in, basic auth and
        # the API's /auth/password.
        UserDevice = Pool().get('res.user.device')
        device = UserDevice.get_valid_cookie(
            login, parameters.get('device_cookie'))
        throttle = Throttle.current('password', login, device)
        throttle.check()
        user_id = super().get_login(login, parameters)
        if user_id:
            throttle.succeeded()
        else:
            throttle.failed()
        return user_id


class LoginAttempt(metaclass=PoolMeta):
    __name__ = 'res.user.login.attempt'

    # trytond sleeps 2^count seconds in the worker and locks the login out
    # after max_attempt failures; counting nothing disables both (the
    # attempts are still recorded). The throttle above replaces them.
    @classmethod
    def count(cls, login, device_cookie=None):
        return 0

    @classmethod
    def count_ip(cls):
        return 0

    @classmethod
    def add(cls, login, device_cookie=None):
        # trytond purges the expired rows here, in every failed log-in:
        # concurrent failures delete the same rows and, on PostgreSQL, all
        # but one fail to serialise (and are retried, counted twice). The
        # cron of the counters purges them instead.
        ip_address, ip_network = Transaction().remote_address()
        cls.create([{
                    'login': login[:cls.login.size],
                    'device_cookie': device_cookie,
                    'ip_address': str(ip_address) if ip_address else None,
                    'ip_network': str(ip_network) if ip_network else None,
                    }])

    @classmethod
    def purge(cls):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(where=table.create_date < cls.delay()))


def install_retry_after():
    """Give trytond's bare 429s (dispatcher.login, basic auth and the
    cookie log-in abort without headers) the remaining wait that
    get_login left in the request's context. Done once at module load, on
    the app instance: TrytondWSGI.dispatch_request returns (not raises)
    the HTTP exception of a refused request."""
    from trytond.wsgi import app
    if getattr(app.dispatch_request, 'yuexing_retry_after', False):
        return
    dispatch_request = app.dispatch_request

    @functools.wraps(dispatch_request)
    def wrapper(request):
        result = dispatch_request(request)
        if isinstance(result, TooManyRequests) and not result.retry_after:
            wait = request.context.get(RETRY_AFTER_KEY)
            if wait:
                result.retry_after = wait
        return result
    wrapper.yuexing_retry_after = True
    app.dispatch_request = wrapper
