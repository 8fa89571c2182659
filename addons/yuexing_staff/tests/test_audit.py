"""Employees: masked phones, ID numbers and bank accounts per role, the
audit trail without the private numbers."""
import json

from trytond.model.exceptions import AccessError
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_user,
)
from trytond.modules.yuexing_staff.tests.tools import staff_world
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

ID_NUMBER = '11010519491231002X'
BANK = '6222021234567890123'


class EmployeeMaskingTestCase(FunctionalTestCase):
    "Private data of employees masked for finance, warehouse and management"
    module = 'yuexing_staff'

    def setup_world(self):
        Employee = Pool().get('company.employee')
        world = staff_world()
        self.member = world['member']
        with acting_as(world['hr_user']):
            Employee.write([Employee(self.member.id)], {
                    'id_number': ID_NUMBER, 'bank_account': BANK,
                    'phone': '138 0013 8000',
                    'emergency_phone': '139 0013 9000'})
        for role in ['group_finance', 'group_warehouse', 'group_management',
                'group_dispatcher']:
            world[role] = create_user(f'emp_{role}', [role],
                company=world['company'])
        return world

    @with_transaction()
    def test_finance_and_warehouse_see_masked_private_data(self):
        Employee = Pool().get('company.employee')
        world = self.setup_world()
        names = ['phone', 'id_number', 'bank_account']
        for role in ['group_finance', 'group_warehouse', 'group_management']:
            with self.subTest(role=role), acting_as(world[role]):
                row, = Employee.read([self.member.id], names)
                self.assertEqual(row['phone'], '138****8000')
                self.assertEqual(row['id_number'], '1101**********002X')
                self.assertEqual(row['bank_account'], '***************0123')
                rows = Employee.export_data([Employee(self.member.id)],
                    ['phone', 'id_number'])
                self.assertEqual(rows, [['138****8000',
                            '1101**********002X']])

    @with_transaction()
    def test_emergency_phone_masked_or_not_readable(self):
        "管理层 reads it masked; finance and warehouse not at all (access)"
        Employee = Pool().get('company.employee')
        world = self.setup_world()
        with acting_as(world['group_management']):
            row, = Employee.read([self.member.id], ['emergency_phone'])
            self.assertEqual(row['emergency_phone'], '139****9000')
        for role in ['group_finance', 'group_warehouse']:
            with self.subTest(role=role), acting_as(world[role]):
                with self.assertRaises(AccessError):
                    Employee.read([self.member.id], ['emergency_phone'])

    @with_transaction()
    def test_dispatch_sees_phones_hr_sees_everything(self):
        Employee = Pool().get('company.employee')
        world = self.setup_world()
        with acting_as(world['group_dispatcher']):
            row, = Employee.read([self.member.id], ['phone', 'id_number'])
            self.assertEqual(row['phone'], '+8613800138000')
            self.assertEqual(row['id_number'], '1101**********002X')
        with acting_as(world['hr_user']):
            row, = Employee.read([self.member.id],
                ['phone', 'id_number', 'bank_account'])
            self.assertEqual(row['id_number'], ID_NUMBER)
            self.assertEqual(row['bank_account'], BANK)

    @with_transaction()
    def test_audit_keeps_that_private_numbers_changed_not_them(self):
        Log = Pool().get('yuexing.audit.log')
        self.setup_world()
        entries = Log.search([('model', '=', 'company.employee'),
                ('record_id', '=', self.member.id), ('action', '=', 'write')])
        logged = ''.join(e.changes for e in entries)
        self.assertNotIn(ID_NUMBER, logged)
        self.assertNotIn(BANK, logged)
        changes = {}
        for entry in entries:
            changes.update(json.loads(entry.changes))
        self.assertEqual(changes['id_card'], ['***', '***'])
        self.assertEqual(changes['phone'][1], '+8613800138000')

    @with_transaction()
    def test_finance_may_reveal_bank_account_logged(self):
        pool = Pool()
        Reveal = pool.get('yuexing.masking.reveal', type='wizard')
        Log = pool.get('yuexing.audit.log')
        from trytond.transaction import Transaction
        world = self.setup_world()
        with acting_as(world['group_finance']):
            session_id, _, _ = Reveal.create()
            with Transaction().set_context(active_model='company.employee',
                    active_id=self.member.id, active_ids=[self.member.id]):
                values = Reveal(session_id).default_start(['values'])
        self.assertIn(BANK, values['values'])
        entry, = Log.search([('model', '=', 'company.employee'),
                ('action', '=', 'view_full')])
        self.assertEqual(entry.user, world['group_finance'])
