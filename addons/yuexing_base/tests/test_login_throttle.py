"""Log-in throttling (login_throttle.py) through the WSGI app, on the API's
password and SMS log-ins and on Tryton's JSON-RPC ``common.db.login``.

The throttle's clock is injected (``login_throttle.now``) and ``time.sleep``
is replaced by a recorder: a log-in must never sleep in the worker."""
import datetime as dt
import os
import threading
import time
import unittest
from unittest import mock

from werkzeug.test import Client

from trytond.pool import Pool
from trytond.protocols.wrappers import Response
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction
from trytond.wsgi import app

from .. import login_throttle
from .api_tools import ApiTestCase
from .tools import create_user

PG = os.environ.get('YUEXING_TEST_BACKEND') == 'postgresql'
START = 1_900_000_000.0


class LoginThrottleTestCase(ApiTestCase):
    "Log-in throttling without sleeping and without locking the owner out"

    @classmethod
    def setUpApiData(cls):
        cls.owner_id = create_user('thr_owner', ['group_technician'],
            password='Owner-2026-pass', mobile='13911120001').id
        cls.office_id = create_user('thr_office', ['group_dispatcher'],
            password='Office-2026-pass').id
        # a back-office user: technicians have no generic JSON-RPC
        create_user('thr_other', ['group_dispatcher'],
            password='Other-2026-pass', mobile='13911120002')
        # the API's per-minute limits (real clock) are not under test here
        Configuration = Pool().get('yuexing.configuration')
        Configuration.write([Configuration(1)], {
                'rate_auth_ip': 10000, 'rate_sms_ip': 10000})

    def setUp(self):
        super().setUp()
        with self.db() as pool:
            Counter = pool.get('yuexing.login.counter')
            Counter.delete(Counter.search([]))
            SmsCode = pool.get('yuexing.auth.sms_code')
            SmsCode.delete(SmsCode.search([]))
        self.clock = START
        patcher = mock.patch.object(login_throttle, 'now',
            lambda: self.clock)
        patcher.start()
        self.addCleanup(patcher.stop)
        # Any sleep of a second or more is a worker stalled by a log-in:
        # record it instead of sleeping (retries' 20 ms pauses still run).
        # Only the threads calling the app count (other test classes may
        # leave background threads that poll with sleep).
        self.sleeps = []
        self.request_threads = {threading.get_ident()}
        real_sleep = time.sleep

        def sleep(seconds):
            if seconds >= 1 and threading.get_ident() in self.request_threads:
                self.sleeps.append(seconds)
            else:
                real_sleep(seconds)
        patcher = mock.patch('time.sleep', sleep)
        patcher.start()
        self.addCleanup(patcher.stop)

    # ---- helpers ------------------------------------------------------------
    def password(self, password, login='thr_owner', ip=None):
        return self.api('POST', '/auth/password', ip=ip,
            json={'login': login, 'password': password})

    def rpc_login(self, password, login='thr_office', ip=None,
            device_cookie=None, path='rpc/'):
        parameters = {'password': password}
        if device_cookie:
            parameters['device_cookie'] = device_cookie
        client = Client(app, Response)
        return client.post(f'/{DB_NAME}/{path}', json={
                'id': 1, 'method': 'common.db.login',
                'params': [login, parameters, 'zh_CN']},
            environ_base={'REMOTE_ADDR': ip or self.ip})

    def sms_login(self, ip=None, phone='13911120001', code=None):
        if code is None:
            self.assertEqual(self.api('POST', '/auth/sms/send', ip=ip,
                    json={'phone': phone}).status, 200)
            code = self.sms.last_code(phone)
        return self.api('POST', '/auth/sms/login', ip=ip,
            json={'phone': phone, 'code': code})

    def assertThrottled(self, response, seconds):
        "An API 429 whose Retry-After is the remaining wait."
        self.assertError(response, 429, 'rate_limited', text=str(seconds))
        self.assertEqual(response.headers['Retry-After'], str(seconds))

    # ---- the back-off -------------------------------------------------------
    def test_backoff_doubles_and_retry_after_is_the_remaining_wait(self):
        for _ in range(3):  # pair_free: no wait yet
            self.assertError(self.password('wrong'), 401, 'login_failed')
        self.assertEqual(self.password('wrong').status, 401)  # 4th: 2 s
        # refused at once, even with the right password, not counted
        self.assertThrottled(self.password('wrong'), 2)
        self.assertThrottled(self.password('Owner-2026-pass'), 2)
        self.clock += 1.5
        self.assertThrottled(self.password('wrong'), 1)
        self.clock += 0.5
        expected = []
        waits = []
        for failures in range(5, 16):
            self.assertEqual(self.password('wrong').status, 401)
            wait = min(2 ** (failures - 3), 900)
            expected.append(wait)
            response = self.password('wrong')
            self.assertEqual(response.status, 429, response)
            waits.append(int(response.headers['Retry-After']))
            self.clock += wait
        self.assertEqual(waits, expected)
        self.assertEqual(expected[-1], 900)  # capped
        self.assertEqual(self.password('Owner-2026-pass').status, 200)
        # a success clears the counters of this login and address
        self.assertEqual(self.password('wrong').status, 401)
        self.assertEqual(self.password('wrong').status, 401)
        self.assertEqual(self.sleeps, [])

    def test_counters_are_forgotten_after_a_quiet_day(self):
        for _ in range(4):
            self.password('wrong')
        self.assertThrottled(self.password('wrong'), 2)
        self.clock += 86400 + 1
        for _ in range(3):
            self.assertEqual(self.password('wrong').status, 401)
        self.assertEqual(self.password('Owner-2026-pass').status, 200)

    # ---- the owner is not locked out ----------------------------------------
    def test_owner_from_another_ip_or_by_sms_not_locked_out(self):
        attacker = '192.0.2.10'
        for _ in range(12):
            response = self.password('guess', ip=attacker)
            if response.status == 429:
                self.clock += int(response.headers['Retry-After'])
                response = self.password('guess', ip=attacker)
            self.assertEqual(response.status, 401, response)
        self.assertEqual(self.password('guess', ip=attacker).status, 429)
        # the owner elsewhere: one IP adds at most 3 to the login counter
        self.assertEqual(self.password('Owner-2026-pass').status, 200)
        # the owner behind the attacker's IP uses an SMS code
        self.assertEqual(self.sms_login(ip=attacker).status, 200)
        self.assertEqual(self.sleeps, [])

    def test_guess_spread_over_ips_slows_the_login_not_sms(self):
        for n in range(3):
            for _ in range(3):
                self.assertEqual(self.password('guess',
                        ip=f'198.51.100.{n + 1}').status, 401)
        # the 10th and 11th failures on the login counter (login_free 10)
        for _ in range(2):
            self.assertEqual(self.password('guess',
                    ip='198.51.100.4').status, 401)
        self.assertThrottled(self.password('Owner-2026-pass'), 2)
        self.assertEqual(self.password('Other-2026-pass',
                login='thr_other').status, 200)
        self.assertEqual(self.sms_login().status, 200)
        self.clock += 2
        self.assertEqual(self.password('Owner-2026-pass').status, 200)

    def test_sms_code_guesses_back_off_across_codes(self):
        for _ in range(11):  # sms_pair_free 10, 5 guesses per code
            with self.db() as pool:
                SmsCode = pool.get('yuexing.auth.sms_code')
                SmsCode.delete(SmsCode.search([]))
            self.assertEqual(self.api('POST', '/auth/sms/send',
                    json={'phone': '13911120001'}).status, 200)
            code = self.sms.last_code('13911120001')
            wrong = '000000' if code != '000000' else '111111'
            self.assertError(self.sms_login(code=wrong), 422,
                'sms_code_invalid')
        self.assertThrottled(self.sms_login(code=code), 2)
        # elsewhere the owner's SMS log-in is not slowed
        self.assertEqual(self.sms_login(code=code, ip='203.0.113.5').status,
            200)
        # and the password log-in has its own counters
        self.assertEqual(self.password('Owner-2026-pass').status, 200)

    def test_sms_daily_limit_per_ip_does_not_lock_the_owner_out(self):
        attacker = '192.0.2.30'
        with self.db() as pool:
            SmsCode = pool.get('yuexing.auth.sms_code')
            now = dt.datetime.now()
            codes = SmsCode.create([{
                        'phone': '+8613911120001', 'purpose': 'login',
                        'expires_at': now, 'ip_address': attacker,
                        } for _ in range(10)])
            table = SmsCode.__table__()
            cursor = Transaction().connection.cursor()
            for hours, code in enumerate(codes, 1):
                cursor.execute(*table.update([table.create_date],
                        [now - dt.timedelta(hours=hours)],
                        where=table.id == code.id))
        response = self.api('POST', '/auth/sms/send', ip=attacker,
            json={'phone': '13911120001'})
        self.assertError(response, 429, 'sms_daily_limit')
        # the oldest of the ten (10 h ago) leaves the day in 14 h
        self.assertLessEqual(int(response.headers['Retry-After']), 14 * 3600)
        self.assertGreater(int(response.headers['Retry-After']),
            13 * 3600)
        self.assertEqual(self.sms_login().status, 200)

    def test_clean_forgets_old_counters(self):
        self.password('wrong')
        with self.db() as pool:
            Counter = pool.get('yuexing.login.counter')
            self.assertEqual(len(Counter.search([])), 3)
        self.clock += 86400 + 1
        with self.db() as pool:
            pool.get('yuexing.login.counter').clean()
        # a new transaction: on PostgreSQL the cleaning is autonomous
        with self.db() as pool:
            self.assertEqual(pool.get('yuexing.login.counter').search([]), [])

    # ---- Tryton JSON-RPC ----------------------------------------------------
    def test_jsonrpc_login_429_at_once_with_retry_after(self):
        for _ in range(4):
            self.assertEqual(self.rpc_login('wrong').status_code, 401)
        response = self.rpc_login('Office-2026-pass')
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.headers['Retry-After'], '2')
        self.clock += 1
        response = self.rpc_login('wrong', path='session/login')
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.headers['Retry-After'], '1')
        self.clock += 1
        response = self.rpc_login('Office-2026-pass')
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json['result'][0], self.office_id)
        # trytond's own lock-out (max_attempt 5) and sleep are disabled
        for _ in range(8):
            self.clock += 900
            self.assertEqual(self.rpc_login('wrong').status_code, 401)
        self.clock += 900
        self.assertEqual(self.rpc_login('Office-2026-pass').status_code, 200)
        self.assertEqual(self.sleeps, [])

    def test_jsonrpc_known_device_not_slowed_by_others(self):
        with self.db() as pool:
            Device = pool.get('res.user.device')
            Device.create([{'login': 'thr_office', 'cookie': 'dev-cookie-1'}])
        attacker = '192.0.2.20'
        for _ in range(4):
            self.assertEqual(
                self.rpc_login('wrong', ip=attacker).status_code, 401)
        self.assertEqual(
            self.rpc_login('Office-2026-pass', ip=attacker).status_code, 429)
        response = self.rpc_login('Office-2026-pass', ip=attacker,
            device_cookie='dev-cookie-1')
        self.assertEqual(response.status_code, 200, response.text)
        # a forged cookie is no cookie
        self.assertEqual(self.rpc_login('Office-2026-pass', ip=attacker,
                device_cookie='forged').status_code, 429)

    # ---- concurrency --------------------------------------------------------
    @unittest.skipUnless(PG, "concurrent requests need PostgreSQL")
    def test_concurrent_wrong_passwords_do_not_stall_others(self):
        """Wrong passwords held inside the log-in (after the password
        check, where trytond slept) while a normal log-in and an API call
        run: those complete; the wrong ones are then all counted, none
        refused by a serialisation error."""
        User = Pool(DB_NAME).get('res.user')
        wrong = 4
        arrived = threading.Semaphore(0)
        release = threading.Event()
        original = User.check_password

        def check_password(cls, password, hash_):
            result = original(password, hash_)
            if password.startswith('wrong'):
                arrived.release()
                self.assertTrue(release.wait(60), "never released")
            return result

        results = {}

        def attempt(n):
            self.request_threads.add(threading.get_ident())
            if n % 2:
                results[n] = self.rpc_login(f'wrong{n}').status_code
            else:
                results[n] = self.password(f'wrong{n}',
                    login='thr_office').status

        with mock.patch.object(User, 'check_password',
                classmethod(check_password)):
            threads = [threading.Thread(target=attempt, args=(n,))
                for n in range(wrong)]
            for thread in threads:
                thread.start()
            try:
                for _ in range(wrong):
                    self.assertTrue(arrived.acquire(timeout=60))
                # every wrong attempt is in flight, held: others still go on
                response = self.rpc_login('Other-2026-pass',
                    login='thr_other')
                self.assertEqual(response.status_code, 200, response.text)
                token = self.password('Owner-2026-pass').json[
                    'access_token']
                self.assertEqual(
                    self.api('GET', '/me', token=token).status, 200)
                self.assertFalse(release.is_set())
                self.assertEqual(sorted(results), [])
            finally:
                # a failure must not leave threads holding connections
                release.set()
                for thread in threads:
                    thread.join(60)
        self.assertEqual(sorted(results.values()), [401, 401, 401, 401])
        self.assertEqual(self.sleeps, [])
        # all four counted on the (login, IP) counter: 2^(4-3) s
        response = self.password('Office-2026-pass', login='thr_office')
        self.assertThrottled(response, 2)
