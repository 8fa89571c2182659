"""Payment, WeChat and SMS secrets never leave the server: they are stored
encrypted and no user reads them over JSON-RPC (administrators included),
while the clients built server-side still get them."""
import json

from trytond.exceptions import UserError
from trytond.model import ModelSQL
from trytond.model.exceptions import AccessError
from trytond.modules.yuexing_base import crypto
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.rpc_tools import RpcClient, RpcError
from trytond.modules.yuexing_base.tests.tools import acting_as
from trytond.modules.yuexing_payment import clients
from trytond.modules.yuexing_payment.tests.tools import (
    PaymentFakes,
    make_user,
    payment_world,
)
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

SECRETS = ['wechat_app_secret', 'sms_access_key_secret',
    'wechatpay_private_key', 'wechatpay_api_v3_key', 'alipay_private_key']
ROLES = ['group_customer_service', 'group_dispatcher', 'group_technician',
    'group_project_manager', 'group_warehouse', 'group_finance',
    'group_management', 'group_b2b_customer', 'group_c2c_customer',
    'yuexing_staff.group_hr']
ADMIN_ROLES = ['group_system_admin', 'res.group_admin']
PASSWORD = 'Yx-Secret-Test-2026!'


def sentinel(name):
    return f'SENTINEL-{name}-7f3a9c'


class SecretsTestCase(PaymentFakes, ApiTestCase):
    "Secrets are write-only and encrypted at rest"
    module = 'yuexing_payment'
    check_contract = False

    @classmethod
    def setUpApiData(cls):
        company, resident, *_ = payment_world(cls.wechatpay, cls.alipay_fake)
        cls.company_id = company.id
        cls.users = {}
        for role in ROLES + ADMIN_ROLES:
            login = 'sec-' + role.rpartition('.')[2].replace('_', '-')
            values = {'password': PASSWORD}
            if role == 'group_c2c_customer':
                values['customer'] = resident.id
            groups = [role] + (['group_system_admin']
                if role == 'res.group_admin' else [])
            cls.users[role] = (login, make_user(login, groups,
                    company=company, **values).id)

    def plant_sentinels(self):
        "Every secret set to a sentinel (committed), restored at the end."
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            saved = Configuration.get_secrets(*SECRETS)
            Configuration.write([Configuration(1)],
                {n: sentinel(n) for n in SECRETS})

        def restore():
            with self.db() as pool:
                Configuration = pool.get('yuexing.configuration')
                Configuration.write([Configuration(1)], saved)
        self.addCleanup(restore)

    # ---- at rest -----------------------------------------------------------
    def test_columns_hold_no_clear_text(self):
        self.plant_sentinels()
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            table = Configuration.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    *[getattr(table, n) for n in SECRETS]))
            row = cursor.fetchone()
            for name, value in zip(SECRETS, row, strict=True):
                self.assertTrue(crypto.is_token(value), name)
                self.assertNotIn('SENTINEL', value)
                self.assertEqual(crypto.decrypt(value), sentinel(name))
                self.assertEqual(Configuration.get_secret(name),
                    sentinel(name))

    # ---- over JSON-RPC -----------------------------------------------------
    def test_rpc_read_search_read_export_give_no_secret(self):
        self.plant_sentinels()
        seen = 0
        for role, (login, _) in self.users.items():
            try:
                rpc = RpcClient(DB_NAME, login, PASSWORD)
            except RpcError:
                continue  # external roles may not log in at all
            seen += 1
            model = 'model.yuexing.configuration.'
            answers = [
                rpc.answer(model + 'read', [1], SECRETS),
                rpc.answer(model + 'search_read', [], 0, None, None,
                    SECRETS),
                rpc.answer(model + 'export_data', [1], SECRETS),
                rpc.answer(model + 'fields_view_get', None, 'form'),
                ]
            for name in SECRETS:
                with self.assertRaises(RpcError):
                    rpc(model + 'read', [1], [name])
            try:
                readable = [f for f in rpc(model + 'fields_get', None)
                    if f not in SECRETS]
            except RpcError:
                readable = []
            if readable:
                answers.append(rpc.answer(model + 'read', [1], readable))
                answers.append(rpc.answer(model + 'export_data', [1],
                        [f for f in readable if f not in {'id'}]))
            for answer in answers:
                self.assertNotIn('SENTINEL', answer, role)
            if role in ADMIN_ROLES:
                # the administrator sees the status, not the value
                status, = rpc(model + 'read', [1],
                    [n + '_status' for n in SECRETS])
                self.assertEqual({status[n + '_status'] for n in SECRETS},
                    {'set'})
                with self.assertRaises(RpcError):
                    rpc(model + 'read', [1], ['wechatpay_api_v3_key'])
        self.assertGreaterEqual(seen, 2)

    def test_admin_replaces_and_clears_over_rpc(self):
        self.plant_sentinels()
        login, _ = self.users['group_system_admin']
        rpc = RpcClient(DB_NAME, login, PASSWORD)
        model = 'model.yuexing.configuration.'
        rpc(model + 'write', [1], {'wechatpay_api_v3_key_input': 'N' * 32,
                'alipay_private_key_status': 'unset'})
        values, = rpc(model + 'read', [1], ['wechatpay_api_v3_key_input',
                'wechatpay_api_v3_key_status', 'alipay_private_key_status'])
        self.assertEqual(values['wechatpay_api_v3_key_input'], None)
        self.assertEqual(values['wechatpay_api_v3_key_status'], 'set')
        self.assertEqual(values['alipay_private_key_status'], 'unset')
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            self.assertEqual(Configuration.get_secret('wechatpay_api_v3_key'),
                'N' * 32)
            self.assertIsNone(Configuration.get_secret('alipay_private_key'))
        # a role without write access on the configuration cannot
        login, _ = self.users['group_finance']
        rpc = RpcClient(DB_NAME, login, PASSWORD)
        with self.assertRaises(RpcError):
            rpc(model + 'write', [1], {'wechatpay_api_v3_key_input': 'x'})

    def test_planted_sentinels_visible_in_no_model(self):
        """Each non-admin role reads every readable field of every model:
        no secret and no full ID/bank number appears anywhere."""
        self.plant_sentinels()
        with self.db() as pool:
            Employee = pool.get('company.employee')
            employee = Employee.search([], limit=1)
            if not employee:
                employee = Employee.create([{
                            'party': pool.get('party.party').create(
                                [{'name': '哨兵'}])[0].id,
                            'company': self.company_id}])
            Employee.write(employee, {'id_card': 'SENTINEL-ID-110105',
                    'bank_card': 'SENTINEL-BANK-6222'})
        with self.db() as pool:
            User = pool.get('res.user')
            ModelAccess = pool.get('ir.model.access')
            for role in ROLES:
                user = User(self.users[role][1])
                with acting_as(user):
                    dump = self.read_everything(pool, ModelAccess)
                self.assertNotIn('SENTINEL-wechat', dump, role)
                self.assertNotIn('SENTINEL-sms', dump, role)
                self.assertNotIn('SENTINEL-alipay', dump, role)
                # the sweep did read the configuration
                self.assertIn('wechatpay_api_v3_key_status', dump, role)
                if role != 'yuexing_staff.group_hr':
                    self.assertNotIn('SENTINEL-ID-110105', dump, role)
                    self.assertNotIn('SENTINEL-BANK-6222', dump, role)
                else:
                    # HR reads ID numbers: the sweep reaches employees
                    self.assertIn('SENTINEL-ID-110105', dump, role)
            Transaction().rollback()

    @staticmethod
    def read_everything(pool, ModelAccess):
        FieldAccess = pool.get('ir.model.field.access')
        chunks = []
        for name, Model in pool.iterobject():
            if not issubclass(Model, ModelSQL):
                continue
            if not ModelAccess.check(name, 'read', raise_exception=False):
                continue
            access = FieldAccess.get_access([name])[name]
            names = [f for f in Model._fields
                if access.get(f, {}).get('read', True)]
            try:
                rows = Model.search_read([], limit=5, fields_names=names)
            except (AccessError, UserError):
                continue
            chunks.append(json.dumps(rows, default=str))
        return '\n'.join(chunks)

    # ---- the server still gets them ---------------------------------------
    def test_clients_get_the_secrets_server_side(self):
        with self.db() as pool:
            client = clients.wechatpay(with_notify=False)
            self.assertEqual(client.api_v3_key, self.wechatpay.api_v3_key)
            alipay = clients.alipay(with_notify=False)
            self.assertTrue(alipay)
            Configuration = pool.get('yuexing.configuration')
            self.assertEqual(Configuration.get_secret('wechatpay_private_key'),
                self.wechatpay.merchant_private_pem)


del ApiTestCase
