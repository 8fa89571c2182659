"""Log-in for the three clients through the WSGI app, against the fake
WeChat and Aliyun SMS servers: WeChat code, phone binding, SMS codes,
passwords."""
import datetime as dt

from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import (
    create_customer,
    create_user,
)


class AuthTestCase(ApiTestCase):
    "Log-in endpoints"

    @classmethod
    def setUpApiData(cls):
        technician = create_user('auth_shifu', ['group_technician'],
            password='Shifu-2026-pass', mobile='13911110001')
        cls.technician_id = technician.id
        portal = create_user('auth_bduan', ['group_b2b_customer'],
            password='Portal-2026-pass', mobile='13911110002')
        cls.portal_id = portal.id
        cls.both_id = create_user('auth_both',
            ['group_technician', 'group_dispatcher'],
            mobile='13911110003').id
        create_user('auth_sms_down', ['group_technician'],
            mobile='13911110004')
        cls.resident_party_id = create_customer(
            name='钱阿姨', phone='13622223333').id

    # ---- WeChat -------------------------------------------------------------
    def test_wechat_login_creates_resident_once(self):
        self.wechat.add_login_code('wx-code-1', openid='openid-resident-1',
            unionid='union-1')
        response = self.api('POST', '/auth/wechat',
            json={'code': 'wx-code-1', 'client': 'c-miniprogram'})
        self.assertEqual(response.status, 200, response)
        first = response.json
        self.assertEqual(first['role'], 'customer')
        self.assertEqual(first['token_type'], 'Bearer')
        self.assertFalse(first['user']['phone_bound'])
        self.assertIsNone(first['user']['customer'])
        self.assertEqual(first['user']['name'], '微信用户')

        self.wechat.add_login_code('wx-code-2', openid='openid-resident-1')
        again = self.api('POST', '/auth/wechat', json={'code': 'wx-code-2'})
        self.assertEqual(again.json['user']['id'], first['user']['id'])
        with self.db() as pool:
            User = pool.get('res.user')
            users = User.search([('wechat_openid', '=', 'openid-resident-1')])
            self.assertEqual(len(users), 1)
            self.assertEqual(users[0].wechat_unionid, 'union-1')

        me = self.api('GET', '/me', token=first['access_token'])
        self.assertEqual(me.json['role'], 'customer')

    def test_wechat_code_invalid_or_reused_422(self):
        response = self.api('POST', '/auth/wechat', json={'code': 'nope'})
        self.assertError(response, 422, 'wechat_code_invalid', field='code')
        self.wechat.add_login_code('wx-once', openid='openid-once')
        self.assertEqual(self.api('POST', '/auth/wechat',
                json={'code': 'wx-once'}).status, 200)
        response = self.api('POST', '/auth/wechat', json={'code': 'wx-once'})
        self.assertError(response, 422, 'wechat_code_invalid')

    def test_wechat_down_503(self):
        self.wechat.add_login_code('wx-busy', openid='openid-busy')
        self.wechat.fail_next('/sns/jscode2session',
            {'errcode': -1, 'errmsg': 'system error'})
        response = self.api('POST', '/auth/wechat', json={'code': 'wx-busy'})
        self.assertError(response, 503, 'wechat_unavailable', text='微信')
        self.wechat.fail_next('/sns/jscode2session',
            {'errcode': 40226, 'errmsg': 'code blocked'})
        response = self.api('POST', '/auth/wechat', json={'code': 'wx-busy'})
        self.assertError(response, 403, 'wechat_blocked')

    def test_wechat_code_required(self):
        response = self.api('POST', '/auth/wechat', json={'code': ''})
        self.assertError(response, 422, field='code', text='code')

    def resident_token(self, openid):
        self.wechat.add_login_code(f'code-{openid}', openid=openid)
        response = self.api('POST', '/auth/wechat',
            json={'code': f'code-{openid}'})
        return response.json['access_token']

    def test_bind_phone_with_wechat_matches_existing_customer(self):
        "The WeChat phone of a known customer binds the resident to it"
        token = self.resident_token('openid-bind-1')
        self.wechat.add_phone_code('phone-code-1', '13622223333')
        response = self.api('POST', '/auth/phone/bind', token=token,
            json={'code': 'phone-code-1'})
        self.assertEqual(response.status, 200, response)
        self.assertTrue(response.json['phone_bound'])
        self.assertEqual(response.json['phone'], '136****3333')
        self.assertEqual(response.json['customer']['id'],
            self.resident_party_id)

    def test_bind_phone_with_sms_creates_customer(self):
        token = self.resident_token('openid-bind-2')
        response = self.api('POST', '/auth/sms/send',
            json={'phone': '13755556666', 'purpose': 'bind'})
        self.assertEqual(response.status, 200, response)
        code = self.sms.last_code('13755556666')
        self.assertRegex(code, r'^\d{6}$')
        wrong = '000000' if code != '000000' else '111111'
        response = self.api('POST', '/auth/phone/bind', token=token,
            json={'phone': '13755556666', 'sms_code': wrong})
        self.assertError(response, 422, 'sms_code_invalid', field='sms_code')
        response = self.api('POST', '/auth/phone/bind', token=token,
            json={'phone': '137 5555 6666', 'sms_code': code})
        self.assertEqual(response.status, 200, response)
        with self.db() as pool:
            Party = pool.get('party.party')
            party, = Party.find_by_phone('13755556666')
            self.assertEqual(party.customer_type, 'individual')
            self.assertEqual(response.json['customer']['id'], party.id)
        # a code works once
        response = self.api('POST', '/auth/phone/bind', token=token,
            json={'phone': '13755556666', 'sms_code': code})
        self.assertError(response, 422, 'sms_code_expired')

    def test_bind_phone_needs_code_or_sms(self):
        token = self.resident_token('openid-bind-3')
        response = self.api('POST', '/auth/phone/bind', token=token,
            json={'phone': '13755557777'})
        self.assertError(response, 422, field='sms_code')
        technician = self.login_as(self.technician_id, 'technician')
        response = self.api('POST', '/auth/phone/bind', token=technician,
            json={'code': 'x'})
        self.assertError(response, 403, 'role_forbidden')

    # ---- SMS codes ----------------------------------------------------------
    def test_sms_login(self):
        response = self.api('POST', '/auth/sms/send',
            json={'phone': '13911110001'})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json['expires_in'], 300)
        code = self.sms.last_code('13911110001')
        response = self.api('POST', '/auth/sms/login',
            json={'phone': '13911110001', 'code': code})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json['role'], 'technician')
        self.assertEqual(response.json['user']['id'], self.technician_id)

    def test_sms_code_resend_throttled(self):
        self.assertEqual(self.api('POST', '/auth/sms/send',
                json={'phone': '13911110002'}).status, 200)
        response = self.api('POST', '/auth/sms/send',
            json={'phone': '13911110002'})
        self.assertError(response, 429, 'sms_resend_wait', text='秒')
        self.assertGreater(int(response.headers['Retry-After']), 50)

    def test_sms_code_attempts_limited_and_expiring(self):
        self.api('POST', '/auth/sms/send', json={'phone': '13911110003'})
        code = self.sms.last_code('13911110003')
        wrong = '000000' if code != '000000' else '111111'
        for left in [4, 3, 2, 1, 0]:
            response = self.api('POST', '/auth/sms/login',
                json={'phone': '13911110003', 'code': wrong})
            self.assertError(response, 422, 'sms_code_invalid',
                text=f'{left}次')
        response = self.api('POST', '/auth/sms/login',
            json={'phone': '13911110003', 'code': code})
        self.assertError(response, 429, 'sms_code_locked')

        with self.db() as pool:
            SmsCode = pool.get('yuexing.auth.sms_code')
            SmsCode.delete(SmsCode.search([('phone', '=', '+8613911110003')]))
        self.api('POST', '/auth/sms/send', json={'phone': '13911110003'})
        code = self.sms.last_code('13911110003')
        with self.db() as pool:
            SmsCode = pool.get('yuexing.auth.sms_code')
            SmsCode.write(SmsCode.search([('phone', '=', '+8613911110003')]),
                {'expires_at': dt.datetime.now() - dt.timedelta(seconds=1)})
        response = self.api('POST', '/auth/sms/login',
            json={'phone': '13911110003', 'code': code})
        self.assertError(response, 422, 'sms_code_expired', text='失效')

    def test_sms_codes_stored_hashed(self):
        self.api('POST', '/auth/sms/send', json={'phone': '13911110002'})
        code = self.sms.last_code('13911110002')
        with self.db() as pool:
            SmsCode = pool.get('yuexing.auth.sms_code')
            record, = SmsCode.search([('phone', '=', '+8613911110002')],
                limit=1)
            self.assertNotIn(code, record.code_hash)

    def test_unknown_phone_gets_same_answer_but_no_sms(self):
        sent = len(self.sms.sent)
        response = self.api('POST', '/auth/sms/send',
            json={'phone': '13000000009'})
        self.assertEqual(response.status, 200)
        self.assertEqual(len(self.sms.sent), sent)
        response = self.api('POST', '/auth/sms/login',
            json={'phone': '13000000009', 'code': '123456'})
        self.assertEqual(response.status, 422)

    def test_sms_phone_validated(self):
        response = self.api('POST', '/auth/sms/send',
            json={'phone': '12345'})
        self.assertError(response, 422, field='phone', text='手机号')

    def test_sms_provider_down_503(self):
        self.sms.fail_next('/', {'Code': 'isp.SYSTEM_ERROR',
                'Message': 'System error', 'RequestId': 'x'}, status=500)
        response = self.api('POST', '/auth/sms/send',
            json={'phone': '13911110004'})
        self.assertError(response, 503, 'sms_unavailable')
        # nothing kept: the user may ask again at once
        response = self.api('POST', '/auth/sms/send',
            json={'phone': '13911110004'})
        self.assertEqual(response.status, 200, response)

    # ---- passwords ----------------------------------------------------------
    def test_password_login(self):
        response = self.api('POST', '/auth/password',
            json={'login': 'auth_shifu', 'password': 'Shifu-2026-pass'})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json['role'], 'technician')
        response = self.api('POST', '/auth/password', json={
                'login': '139 1111 0002', 'password': 'Portal-2026-pass'})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json['role'], 'portal')

    def test_password_wrong_401_and_counted(self):
        response = self.api('POST', '/auth/password',
            json={'login': 'auth_bduan', 'password': 'wrong'})
        self.assertError(response, 401, 'login_failed', field='password')
        with self.db() as pool:
            Attempt = pool.get('res.user.login.attempt')
            self.assertTrue(Attempt.search([('login', '=', 'auth_bduan')]))

    def test_role_chosen_and_checked(self):
        with self.db() as pool:
            User = pool.get('res.user')
            User.write([User(self.both_id)], {'password': 'Both-2026-pass'})
        response = self.api('POST', '/auth/password', json={
                'login': 'auth_both', 'password': 'Both-2026-pass',
                'role': 'staff'})
        self.assertEqual(response.json['role'], 'staff')
        response = self.api('POST', '/auth/password', json={
                'login': 'auth_both', 'password': 'Both-2026-pass',
                'role': 'portal'})
        self.assertError(response, 403, 'role_forbidden')

    def test_resident_cannot_use_password(self):
        with self.db():
            create_user('auth_resident', ['group_c2c_customer'],
                password='Resident-2026')
        response = self.api('POST', '/auth/password',
            json={'login': 'auth_resident', 'password': 'Resident-2026'})
        self.assertError(response, 403, 'role_forbidden')


del ApiTestCase
