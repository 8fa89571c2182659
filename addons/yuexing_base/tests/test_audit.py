"""审计日志 and 数据脱敏: old → new values of audited objects, the log
append-only for everybody, masking per role in read/search_read/export_data,
full-value views logged, log-ins with the IP through the HTTP app."""
import json

from trytond.model.exceptions import AccessError
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_customer,
    create_user,
    setup_company,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction


def logs(model, record_id=None, action=None):
    Log = Pool().get('yuexing.audit.log')
    domain = [('model', '=', model)]
    if record_id is not None:
        domain.append(('record_id', '=', record_id))
    if action:
        domain.append(('action', '=', action))
    return Log.search(domain, order=[('id', 'ASC')])


class AuditTestCase(FunctionalTestCase):
    "The audit trail of the base objects"
    module = 'yuexing_base'

    @with_transaction()
    def test_party_create_write_delete_logged_with_old_and_new(self):
        Party = Pool().get('party.party')
        party = create_customer(name='李女士', phone='13800138000')
        created, = logs('party.party', party.id, 'create')
        self.assertEqual(json.loads(created.changes)['name'], '李女士')
        self.assertEqual(created.record_name, '李女士')
        self.assertEqual(created.user.id, Transaction().user)
        mechanism, = party.contact_mechanisms
        self.assertEqual(len(logs('party.contact_mechanism', mechanism.id,
                    'create')), 1)

        Party.write([party], {'name': '李红'})
        changed, = logs('party.party', party.id, 'write')
        self.assertEqual(json.loads(changed.changes),
            {'name': ['李女士', '李红']})
        self.assertIn('李女士 → 李红', changed.changes_text)

        Party.delete([party])
        deleted, = logs('party.party', party.id, 'delete')
        self.assertEqual(json.loads(deleted.changes)['name'], '李红')
        # the mechanisms went with the party (cascade in the database)
        self.assertEqual(deleted.action, 'delete')

    @with_transaction()
    def test_write_without_change_not_logged(self):
        Party = Pool().get('party.party')
        party = create_customer(name='周先生', phone=None)
        Party.write([party], {'name': '周先生'})
        self.assertEqual(logs('party.party', party.id, 'write'), [])

    @with_transaction()
    def test_one_call_many_records_one_entry_each(self):
        Party = Pool().get('party.party')
        parties = Party.create([{'name': f'客户{i}'} for i in range(5)])
        Party.write(parties, {'name': '批量'})
        entries = [e for e in logs('party.party', action='write')
            if e.record_id in {p.id for p in parties}]
        self.assertEqual(len(entries), 5)
        self.assertEqual(json.loads(entries[0].changes),
            {'name': ['客户0', '批量']})

    @with_transaction()
    def test_configuration_secret_logged_without_value(self):
        Configuration = Pool().get('yuexing.configuration')
        # the first write creates the singleton
        Configuration.write([Configuration(1)], {'email_from': 'a@b.cn'})
        Configuration.write([Configuration(1)], {
                'wechat_app_secret': 'top-secret-value',
                'email_from': 'noreply@yuexing.example',
                })
        entry = logs('yuexing.configuration', action='write')[-1]
        self.assertNotIn('top-secret-value', entry.changes)
        changes = json.loads(entry.changes)
        self.assertEqual(changes['wechat_app_secret'], ['***', '***'])
        self.assertEqual(changes['email_from'][1], 'noreply@yuexing.example')

    @with_transaction()
    def test_log_append_only_for_everybody(self):
        pool = Pool()
        Log = pool.get('yuexing.audit.log')
        User = pool.get('res.user')
        company = setup_company()
        create_customer(name='王先生')
        entry = logs('party.party')[-1]
        admin, = User.search([('login', '=', 'admin')])
        manager = create_user('audit_manager', ['group_management'],
            company=company)
        for user in [admin, manager]:
            with self.subTest(user=user.login), acting_as(user):
                self.assertTrue(Log.search([('id', '=', entry.id)]))
                with self.assertRaises(AccessError):
                    Log.write([Log(entry.id)], {'changes': '{}'})
                with self.assertRaises(AccessError):
                    Log.delete([Log(entry.id)])
                with self.assertRaises(AccessError):
                    Log.create([{'model': 'party.party', 'action': 'write'}])
        # the root user too
        with self.assertRaises(AccessError):
            Log.write([entry], {'changes': '{}'})
        with self.assertRaises(AccessError):
            Log.delete([entry])

    @with_transaction()
    def test_log_hidden_from_other_roles(self):
        Log = Pool().get('yuexing.audit.log')
        company = setup_company()
        create_customer(name='王先生')
        for role in ['group_finance', 'group_customer_service',
                'group_dispatcher', 'group_warehouse']:
            user = create_user(f'audit_{role}', [role], company=company)
            with self.subTest(role=role), acting_as(user):
                with self.assertRaises(AccessError):
                    Log.search_read([], fields_names=['changes'])

    @with_transaction()
    def test_screen_searches_by_model_user_action_date(self):
        pool = Pool()
        Log = pool.get('yuexing.audit.log')
        party = create_customer(name='赵先生')
        entry, = logs('party.party', party.id, 'create')
        found = Log.search([
                ('model', '=', 'party.party'),
                ('record_id', '=', party.id),
                ('user', '=', Transaction().user),
                ('action', '=', 'create'),
                ('date', '>=', entry.create_date),
                ('date', '<=', entry.create_date),
                ])
        self.assertEqual(found, [entry])
        # Chinese labels for the model and the action
        self.assertEqual(dict(Log.fields_get(['action'])['action'][
                    'selection'])['create'], '创建')
        self.assertEqual(
            dict(Log.get_models())['yuexing.audit.log'], '审计日志')


class MaskingTestCase(FunctionalTestCase):
    "Phone numbers masked per role, full values logged when revealed"
    module = 'yuexing_base'

    def setup_roles(self):
        company = setup_company()
        self.party = create_customer(name='钱先生', phone='13812345678')
        self.mechanism, = self.party.contact_mechanisms
        self.users = {role: create_user(f'mask_{role}', [role],
                company=company)
            for role in ['group_finance', 'group_warehouse',
                'group_customer_service', 'group_dispatcher',
                'group_management']}

    @with_transaction()
    def test_finance_and_warehouse_see_masked_phones(self):
        ContactMechanism = Pool().get('party.contact_mechanism')
        Party = Pool().get('party.party')
        self.setup_roles()
        # the warehouse does not read customers at all (access matrix)
        with acting_as(self.users['group_warehouse']):
            with self.assertRaises(AccessError):
                ContactMechanism.read([self.mechanism.id], ['value'])
        for role in ['group_finance', 'group_management']:
            with self.subTest(role=role), acting_as(self.users[role]):
                row, = ContactMechanism.read([self.mechanism.id],
                    ['value', 'value_compact', 'rec_name'])
                self.assertEqual(row['value'], '138****5678')
                self.assertNotIn('12345678', row['value_compact'])
                self.assertNotIn('12345678', row['rec_name'])
                row, = ContactMechanism.search_read(
                    [('id', '=', self.mechanism.id)], fields_names=['value'])
                self.assertEqual(row['value'], '138****5678')
                party, = Party.search_read([('id', '=', self.party.id)],
                    fields_names=['phone_display', 'mobile',
                        'contact_mechanisms.value'])
                self.assertEqual(party['phone_display'], '138****5678')
                self.assertEqual(party['mobile'], '138****5678')
                self.assertEqual(party['contact_mechanisms.'][0]['value'],
                    '138****5678')
                rows = Party.export_data([Party(self.party.id)],
                    ['name', 'contact_mechanisms/value'])
                self.assertEqual(rows, [['钱先生', '138****5678']])

    @with_transaction()
    def test_customer_service_and_dispatch_see_full_phones(self):
        ContactMechanism = Pool().get('party.contact_mechanism')
        Party = Pool().get('party.party')
        self.setup_roles()
        for role in ['group_customer_service', 'group_dispatcher']:
            with self.subTest(role=role), acting_as(self.users[role]):
                row, = ContactMechanism.read([self.mechanism.id], ['value'])
                self.assertEqual(row['value'], '138 1234 5678')
                rows = Party.export_data([Party(self.party.id)],
                    ['contact_mechanisms/value'])
                self.assertEqual(rows, [['138 1234 5678']])

    @with_transaction()
    def test_email_not_masked(self):
        ContactMechanism = Pool().get('party.contact_mechanism')
        self.setup_roles()
        email, = ContactMechanism.create([{'party': self.party.id,
                    'type': 'email', 'value': 'qian1381234@example.com'}])
        with acting_as(self.users['group_finance']):
            row, = ContactMechanism.read([email.id], ['value'])
        self.assertEqual(row['value'], 'qian1381234@example.com')

    @with_transaction()
    def test_user_mobile_masked_except_for_administrators(self):
        User = Pool().get('res.user')
        self.setup_roles()
        User.write([self.users['group_dispatcher']],
            {'mobile': '13900001111'})
        user_id = self.users['group_dispatcher'].id
        # users' mobiles are for system administrators only (access matrix)
        with acting_as(self.users['group_management']):
            with self.assertRaises(AccessError):
                User.read([user_id], ['mobile'])
        admin, = User.search([('login', '=', 'admin')])
        with acting_as(admin):
            row, = User.read([user_id], ['mobile'])
        self.assertEqual(row['mobile'], '139 0000 1111')

    def reveal(self, model, records):
        pool = Pool()
        Reveal = pool.get('yuexing.masking.reveal', type='wizard')
        session_id, _, _ = Reveal.create()
        with Transaction().set_context(active_model=model,
                active_id=records[0].id,
                active_ids=[r.id for r in records]):
            reveal = Reveal(session_id)
            return reveal.default_start(['values'])

    @with_transaction()
    def test_full_value_view_logged(self):
        self.setup_roles()
        manager = self.users['group_management']
        with acting_as(manager):
            values = self.reveal('party.contact_mechanism', [self.mechanism])
        self.assertIn('138 1234 5678', values['values'])
        entry, = logs('party.contact_mechanism', self.mechanism.id,
            'view_full')
        self.assertEqual(entry.user, manager)
        self.assertIn('value', entry.method)

    @with_transaction()
    def test_full_value_view_refused_to_finance(self):
        self.setup_roles()
        with acting_as(self.users['group_finance']):
            with self.assertRaises(AccessError):
                self.reveal('party.contact_mechanism', [self.mechanism])
        self.assertEqual(logs('party.contact_mechanism', self.mechanism.id,
                'view_full'), [])


class LoginAuditTestCase(ApiTestCase):
    "Log-ins and failed log-ins with the IP, through the HTTP app"
    module = 'yuexing_base'

    @classmethod
    def setUpApiData(cls):
        company = setup_company()
        cls.shifu_id = create_user('audit_shifu', ['group_technician'],
            company=company, password='Shifu-2026-pass',
            mobile='13911119901').id
        # the generic JSON-RPC is for back-office users only
        cls.office_id = create_user('audit_office', ['group_dispatcher'],
            company=company, password='Office-2026-pass').id

    def entries(self, login, action):
        with self.db() as pool:
            Log = pool.get('yuexing.audit.log')
            return [(e.action, e.method, e.ip_address, e.user and e.user.id)
                for e in Log.search([
                        ('login', '=', login), ('action', '=', action),
                        ('ip_address', '=', self.ip)])]

    def rpc_login(self, login, password):
        from werkzeug.test import Client

        from trytond.protocols.wrappers import Response
        from trytond.wsgi import app
        client = Client(app, Response)
        return client.post(f'/{DB_NAME}/rpc/', json={
                'id': 1, 'method': 'common.db.login',
                'params': [login, {'password': password}, 'zh_CN']},
            environ_base={'REMOTE_ADDR': self.ip})

    def test_rpc_login_and_failed_login_with_ip(self):
        response = self.rpc_login('audit_office', 'wrong-password')
        self.assertEqual(response.status_code, 401)
        self.assertEqual(self.entries('audit_office', 'login_failed'),
            [('login_failed', 'rpc', self.ip, None)])
        response = self.rpc_login('audit_office', 'Office-2026-pass')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.entries('audit_office', 'login'),
            [('login', 'rpc', self.ip, self.office_id)])

    def test_api_password_login_and_failure_logged(self):
        self.api('POST', '/auth/password',
            json={'login': 'audit_shifu', 'password': 'nope'})
        response = self.api('POST', '/auth/password',
            json={'login': 'audit_shifu', 'password': 'Shifu-2026-pass'})
        self.assertEqual(response.status, 200, response)
        failed = self.entries('audit_shifu', 'login_failed')
        self.assertIn(('login_failed', 'api_password', self.ip, None), failed)
        self.assertIn(('login', 'api_password', self.ip, self.shifu_id),
            self.entries('audit_shifu', 'login'))
        with self.db() as pool:
            Log = pool.get('yuexing.audit.log')
            entry = Log.search([('login', '=', 'audit_shifu'),
                    ('action', '=', 'login')])[-1]
            self.assertEqual(len(entry.request_id or ''), 16)

    def test_api_sms_login_failure_and_success_logged(self):
        self.api('POST', '/auth/sms/send',
            json={'phone': '13911119901', 'purpose': 'login'})
        response = self.api('POST', '/auth/sms/login',
            json={'phone': '13911119901', 'code': '000000'})
        self.assertEqual(response.status, 422, response)
        code = self.sms.last_code('13911119901')
        response = self.api('POST', '/auth/sms/login',
            json={'phone': '13911119901', 'code': code})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(self.entries('+8613911119901', 'login_failed'),
            [('login_failed', 'sms', self.ip, None)])
        self.assertEqual(self.entries('+8613911119901', 'login'),
            [('login', 'sms', self.ip, self.shifu_id)])
