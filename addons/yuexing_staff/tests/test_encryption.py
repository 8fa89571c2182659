"""ID and bank numbers of employees are encrypted at rest, found by ID
number through a keyed hash, and survive a key rotation."""
import os
from unittest import mock

from cryptography.fernet import Fernet

from trytond.model.exceptions import AccessError
from trytond.modules.yuexing_base import crypto, encrypted
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
)
from trytond.modules.yuexing_staff.tests.tools import staff_world
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

ID = '11010519491231002X'
BANK = '6222021234567890123'


def raw_row(Model, record, *names):
    table = Model.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.select(*[getattr(table, n) for n in names],
            where=table.id == record.id))
    return cursor.fetchone()


class EncryptionTestCase(FunctionalTestCase):
    "Personal numbers encrypted at rest"
    module = 'yuexing_staff'

    def hr_writes(self, world):
        Employee = Pool().get('company.employee')
        with acting_as(world['hr_user']):
            Employee.write([Employee(world['member'].id)], {
                    'id_number': ID.lower(), 'bank_account': BANK})
        return Employee(world['member'].id)

    @with_transaction()
    def test_columns_hold_no_clear_text(self):
        Employee = Pool().get('company.employee')
        world = staff_world()
        member = self.hr_writes(world)
        id_card, bank_card, id_hash = raw_row(Employee, member,
            'id_card', 'bank_card', 'id_card_hash')
        for value in [id_card, bank_card]:
            self.assertTrue(crypto.is_token(value))
        self.assertNotIn('1101', id_card)
        self.assertNotIn('6222', bank_card)
        self.assertEqual(id_hash, crypto.blind_index(ID))
        self.assertEqual(Employee.decrypted([member], 'id_card'),
            {member.id: ID})
        with acting_as(world['hr_user']):
            self.assertEqual(Employee(member.id).id_number, ID)
            # not even HR reads the stored columns
            for name in ['id_card', 'bank_card', 'id_card_hash']:
                with self.assertRaises(AccessError):
                    Employee.read([member.id], [name])

    @with_transaction()
    def test_search_by_id_number_through_hash(self):
        Employee = Pool().get('company.employee')
        world = staff_world()
        member = self.hr_writes(world)
        with acting_as(world['hr_user']):
            self.assertEqual(
                Employee.search([('id_number', '=', ID.lower())]), [member])
            self.assertEqual(
                Employee.search([('id_number', 'ilike', f'%{ID}%')]),
                [member])
            self.assertEqual(
                Employee.search([('id_number', '=', '110105194912310021')]),
                [])
        with acting_as(world['member_user']):
            # only HR may look people up by ID number
            self.assertEqual(
                Employee.search([('id_number', '=', ID)]), [])

    @with_transaction()
    def test_rotation_from_key_a_to_key_b(self):
        pool = Pool()
        Employee = pool.get('company.employee')
        Configuration = pool.get('yuexing.configuration')
        world = staff_world()
        key_a = os.environ[crypto.ENV_KEYS].split(',')[0]
        key_b = Fernet.generate_key().decode()
        member = self.hr_writes(world)
        Configuration.write([Configuration(1)],
            {'wechat_app_secret': 'app-secret-a'})
        before = raw_row(Employee, member, 'id_card')[0]
        env = {crypto.ENV_KEYS: f'{key_b},{key_a}'}
        progress = []
        with mock.patch.dict(os.environ, env):
            self.assertEqual(Employee.decrypted([member], 'id_card'),
                {member.id: ID})
            changed = encrypted.rotate_all(
                progress=lambda *a: progress.append(a))
        self.assertGreaterEqual(changed['company.employee'], 1)
        self.assertEqual(changed['yuexing.configuration'], 1)
        model, done, total = [p for p in progress
            if p[0] == 'company.employee'][-1]
        self.assertEqual(done, total)
        with mock.patch.dict(os.environ, {crypto.ENV_KEYS: key_b}):
            self.assertNotEqual(raw_row(Employee, member, 'id_card')[0],
                before)
            self.assertEqual(Employee.decrypted([member], 'bank_card'),
                {member.id: BANK})
            self.assertEqual(Configuration.get_secret('wechat_app_secret'),
                'app-secret-a')
            self.assertEqual(
                Employee.search([('id_number', '=', ID)]), [member])
            with self.assertRaises(crypto.CryptoError):
                crypto.decrypt(before)

    @with_transaction()
    def test_clear_columns_of_an_old_database_get_encrypted(self):
        Employee = Pool().get('company.employee')
        world = staff_world()
        member = world['member']
        table = Employee.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.id_card, table.bank_card],
                [ID, BANK], where=table.id == member.id))
        Employee.encrypt_columns()
        id_card, bank_card, id_hash = raw_row(Employee, member,
            'id_card', 'bank_card', 'id_card_hash')
        self.assertEqual(crypto.decrypt(id_card), ID)
        self.assertEqual(crypto.decrypt(bank_card), BANK)
        self.assertEqual(id_hash, crypto.blind_index(ID))
