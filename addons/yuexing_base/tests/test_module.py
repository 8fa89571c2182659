import datetime as dt
import json
import unittest

from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, RequiredValidationError
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.yuexing_base import phone
from trytond.modules.yuexing_base.tests.tools import (
    WebClientViewsMixin,
    acting_as,
    create_customer,
    create_user,
    load_regions,
    rolled_back_on_error,
    setup_company,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class PhoneTestCase(unittest.TestCase):
    "Chinese phone numbers, without a database"

    def test_mobile_formats_normalise_to_e164(self):
        for value in ['13812345678', '138 1234 5678', '+86 138-1234-5678',
                '0086 13812345678']:
            with self.subTest(value=value):
                self.assertEqual(
                    phone.parse(value), ('mobile', '+8613812345678'))

    def test_mobile_must_have_11_digits(self):
        with self.assertRaisesRegex(phone.PhoneError, '11位'):
            phone.parse('1381234567')
        with self.assertRaisesRegex(phone.PhoneError, '11位'):
            phone.parse('12812345678')

    def test_landline_needs_area_code(self):
        self.assertEqual(phone.parse('021-62345678'),
            ('landline', '+862162345678'))
        self.assertEqual(phone.parse('0571 8888 6666')[0], 'landline')
        with self.assertRaisesRegex(phone.PhoneError, '区号'):
            phone.parse('62345678')
        with self.assertRaisesRegex(phone.PhoneError, '区号'):
            phone.parse('0755-8888888')  # Shenzhen numbers have 8 digits

    def test_extension_is_kept(self):
        self.assertEqual(phone.parse('021-62345678转801')[1],
            '+862162345678;ext=801')

    def test_kind_restriction(self):
        with self.assertRaisesRegex(phone.PhoneError, '手机'):
            phone.parse('021-62345678', phone.MOBILE)

    def test_letters_refused(self):
        with self.assertRaisesRegex(phone.PhoneError, '数字'):
            phone.parse('138abc45678')

    def test_mask_keeps_prefix_and_suffix(self):
        self.assertEqual(phone.mask('13812345678'), '138****5678')
        self.assertEqual(phone.mask('+86 138 1234 5678'), '138****5678')
        self.assertEqual(phone.mask('021-62345678转801'), '021****5678')

    def test_national_format(self):
        self.assertEqual(phone.national('+8613812345678'), '138 1234 5678')


class YuexingBaseTestCase(
        WebClientViewsMixin, CompanyTestMixin, ModuleTestCase):
    "Test yuexing_base module"
    module = 'yuexing_base'
    language = 'zh_CN'

    # ---- company set-up -------------------------------------------------

    @with_transaction()
    def test_setup_creates_company_once(self):
        "Set-up creates 月星防水 in CNY on Asia/Shanghai and can run again"
        pool = Pool()
        Company = pool.get('company.company')
        User = pool.get('res.user')
        company = setup_company()
        self.assertEqual(company.party.name, '月星防水')
        self.assertEqual(company.currency.code, 'CNY')
        self.assertEqual(company.timezone, 'Asia/Shanghai')
        self.assertEqual(company.party.addresses[0].district.name, '浦东新区')
        admin, = User.search([('login', '=', 'admin')])
        self.assertEqual(admin.company, company)
        self.assertEqual(setup_company(), company)
        self.assertEqual(
            Company.search_count([('party.name', '=', '月星防水')]), 1)

    # ---- regions and address recognition -----------------------------------

    @with_transaction()
    def test_region_import_is_idempotent(self):
        "Regions import builds 省 > 市 > 区 once"
        Subdivision = Pool().get('country.subdivision')
        load_regions()
        count = Subdivision.search_count([])
        self.assertEqual(Subdivision.import_china(provinces=['31']), 0)
        self.assertEqual(Subdivision.search_count([]), count)
        pudong = Subdivision.from_adcode('310115')
        self.assertEqual(pudong.name, '浦东新区')
        self.assertEqual(pudong.region_level, 'district')
        self.assertEqual(pudong.parent.name, '上海市')
        self.assertEqual(pudong.parent.parent.adcode, '310000')
        self.assertAlmostEqual(pudong.latitude, 31.22, places=1)

    @with_transaction()
    def test_recognise_free_text_address(self):
        "智能识别 fills province, city, district, street and a geo-point"
        Address = Pool().get('party.address')
        load_regions()
        values = Address.values_from_text('上海市浦东新区张江路88号3号楼501')
        Subdivision = Pool().get('country.subdivision')
        self.assertEqual(
            Subdivision(values['district']).name, '浦东新区')
        self.assertEqual(Subdivision(values['subdivision']).name, '上海市')
        self.assertEqual(values['street_unstructured'], '张江路88号3号楼501')
        self.assertEqual(values['geo_source'], 'region')
        self.assertTrue(values['latitude'])

        values = Address.values_from_text('杭州西湖区文三路')
        self.assertEqual(Subdivision(values['city_region']).name, '杭州市')

    @with_transaction()
    def test_recognise_button_fills_saved_address(self):
        pool = Pool()
        Address = pool.get('party.address')
        load_regions()
        party = create_customer(phone=None)
        address, = Address.create([{
                    'party': party.id,
                    'recognize_text': '苏州市姑苏区干将路100号'}])
        Address.recognize([address])
        self.assertEqual(address.district.name, '姑苏区')
        self.assertEqual(address.city_region.name, '苏州市')
        self.assertIsNone(address.recognize_text)
        self.assertEqual(address.full_address, '江苏省苏州市姑苏区干将路100号')

    @with_transaction()
    def test_unrecognisable_address_refused_in_chinese(self):
        Address = Pool().get('party.address')
        load_regions()
        with self.assertRaisesRegex(UserError, '无法.*识别.*省、市、区'):
            Address.values_from_text('张江路88号')

    @with_transaction()
    def test_district_outside_city_refused(self):
        "A district of Hangzhou under Shanghai is refused, nothing saved"
        pool = Pool()
        Address = pool.get('party.address')
        Subdivision = pool.get('country.subdivision')
        load_regions()
        party = create_customer(phone=None)
        shanghai = Subdivision.from_adcode('310100')
        xihu = Subdivision.from_adcode('330106')
        with self.assertRaises(UserError) as cm, rolled_back_on_error():
            Address.create([{
                        'party': party.id,
                        'subdivision': shanghai.parent.id,
                        'city_region': shanghai.id,
                        'district': xihu.id}])
        self.assertIn('区/县', cm.exception.message)
        self.assertEqual(Address.search_count([('party', '=', party.id)]), 0)

    # ---- customers ---------------------------------------------------------

    @with_transaction()
    def test_invalid_mobile_refused_naming_the_field(self):
        "A 10-digit mobile is refused with a Chinese error, nothing saved"
        Party = Pool().get('party.party')
        with self.assertRaises(UserError) as cm, rolled_back_on_error():
            create_customer(name='李女士', phone='1381234567')
        self.assertIn('移动电话', cm.exception.message)
        self.assertIn('11位', cm.exception.message)
        self.assertEqual(Party.search_count([('name', '=', '李女士')]), 0)

    @with_transaction()
    def test_contact_person_phone_validated(self):
        pool = Pool()
        Contact = pool.get('yuexing.party.contact')
        party = create_customer(customer_type='enterprise', name='张江园区')
        with self.assertRaises(UserError) as cm, rolled_back_on_error():
            Contact.create([{
                        'party': party.id, 'name': '王经理',
                        'phone': '62345678'}])
        self.assertEqual(Contact.search_count([]), 0)
        self.assertIn('区号', cm.exception.message)
        contact, = Contact.create([{
                    'party': party.id, 'name': '王经理',
                    'phone': '021-62345678'}])
        self.assertEqual(contact.phone, '021 6234 5678')
        self.assertEqual(contact.phone_compact, '+862162345678')

    @with_transaction()
    def test_customer_name_required(self):
        with self.assertRaises(RequiredValidationError) as cm:
            create_customer(name='')
        self.assertIn('名称', cm.exception.message)

    @with_transaction()
    def test_phone_stored_national_and_searchable_in_any_format(self):
        "Customer service finds the caller whatever way the number is typed"
        Party = Pool().get('party.party')
        party = create_customer(phone='+86 139-0000-1111')
        mechanism, = party.contact_mechanisms
        self.assertEqual(mechanism.value, '139 0000 1111')
        self.assertEqual(mechanism.value_compact, '+8613900001111')
        for typed in ['13900001111', '139 0000 1111', '+8613900001111']:
            with self.subTest(typed=typed):
                self.assertEqual(Party.find_by_phone(typed), [party])
                self.assertEqual(
                    Party.search([('rec_name', 'ilike', typed)]), [party])

    @with_transaction()
    def test_duplicate_phone_warns_then_allows_and_merges(self):
        "Same phone on two customers: warning, duplicates listed, merge"
        pool = Pool()
        Party = pool.get('party.party')
        Contact = pool.get('yuexing.party.contact')
        Replace = pool.get('party.replace', type='wizard')
        first = create_customer(name='王先生', phone='13811112222')
        Contact.create([{'party': first.id, 'name': '王太太',
                    'phone': '13933334444'}])
        with self.assertRaises(UserWarning) as cm, rolled_back_on_error():
            create_customer(name='王先生（重复）', phone='138 1111 2222')
        self.assertIn('王先生', cm.exception.message)
        self.assertIn('合并', cm.exception.message)
        with Transaction().set_context(_skip_warnings=True):
            second = create_customer(
                name='王先生（重复）', phone='13811112222')
        self.assertEqual(second.duplicates, (first,))

        with Transaction().set_context(
                active_model='party.party', active_id=second.id,
                _skip_warnings=True):
            session_id, _, _ = Replace.create()
            replace = Replace(session_id)
            ask = replace.ask
            ask.source = Party(replace.ask.default_source())
            ask.destination = Party(replace.ask.default_destination())
            self.assertEqual(ask.destination, first)
            Contact.create([{'party': second.id, 'name': '王小弟',
                        'phone': '13755556666'}])
            replace.transition_replace()
        second = Party(second.id)
        self.assertFalse(second.active)
        self.assertEqual(second.replaced_by, first)
        self.assertEqual(
            sorted(c.name for c in Party(first.id).contacts),
            ['王太太', '王小弟'])

    @with_transaction()
    def test_delete_customer_with_records_refused(self):
        "A customer with business records cannot be deleted, only archived"
        pool = Pool()
        Party = pool.get('party.party')
        Record = pool.get('yuexing.test.service_record')
        party = create_customer()
        Record.create([{'name': 'WO-1', 'party': party.id}])
        with self.assertRaises(UserError) as cm, rolled_back_on_error():
            Party.delete([party])
        self.assertIn('归档', cm.exception.message)
        self.assertEqual(Party.search_count([('id', '=', party.id)]), 1)
        Party.write([party], {'active': False})
        self.assertFalse(Party(party.id).active)

        other = create_customer(name='赵女士', phone='13700001111')
        Party.delete([other])
        self.assertEqual(Party.search_count([('id', '=', other.id)]), 0)

    @with_transaction()
    def test_score_and_grade(self):
        "The score adds profile, loyalty and adjustment; grades search"
        pool = Pool()
        Party = pool.get('party.party')
        load_regions()
        today = dt.date.today()
        park = create_customer(
            name='张江高科园区', customer_type='enterprise',
            phone='021-50801234',
            address='上海市浦东新区张江路88号',
            cooperation_date=today.replace(year=today.year - 4),
            contacts=[('create', [{
                            'name': '刘经理', 'phone': '13911112222'}])],
            score_adjustment=10)
        resident = create_customer(name='孙先生', phone='13655556666')
        Party.compute_score([park, resident])
        factors = park.score_factors()
        self.assertEqual(factors['profile'], 15)
        self.assertEqual(factors['loyalty'], 20)
        self.assertEqual(park.score, 85)
        self.assertEqual(park.grade, 'A')
        self.assertEqual(resident.grade, 'D')
        self.assertEqual(Party.search([('grade', '=', 'A')]), [park])
        self.assertIn(resident, Party.search([('grade', '!=', 'A')]))
        self.assertNotIn(park, Party.search([('grade', '!=', 'A')]))

    # ---- customer care -----------------------------------------------------

    @with_transaction()
    def test_care_reminders_created_once(self):
        "The cron creates birthday, anniversary and revisit activities once"
        pool = Pool()
        Care = pool.get('yuexing.customer.care')
        Notification = pool.get('res.notification')
        today = dt.date(2026, 11, 24)
        manager = create_user('kefu', ['group_customer_service'])
        birthday = create_customer(
            name='周阿姨', phone='13800000001', account_manager=manager.id,
            birthday=dt.date(1960, 11, 27))
        park = create_customer(
            name='漕河泾园区', phone='021-64851234',
            customer_type='enterprise', account_manager=manager.id,
            cooperation_date=dt.date(2021, 11, 30))
        revisit = create_customer(
            name='吴先生', phone='13800000002', revisit_interval=90,
            last_visit_date=today - dt.timedelta(days=89))
        create_customer(
            name='远期客户', phone='13800000003',
            birthday=dt.date(1980, 3, 1), revisit_interval=90,
            last_visit_date=today)

        cares = Care.generate_reminders(today=today)
        found = {(c.party, c.kind, c.due_date) for c in cares}
        self.assertEqual(found, {
                (birthday, 'birthday', dt.date(2026, 11, 27)),
                (park, 'anniversary', dt.date(2026, 11, 30)),
                (revisit, 'revisit', dt.date(2026, 11, 25)),
                })
        by_kind = {c.kind: c for c in cares}
        self.assertEqual(by_kind['birthday'].user, manager)
        self.assertIn('周阿姨', by_kind['birthday'].subject)
        self.assertIn('生日', by_kind['birthday'].subject)
        notifications = Notification.search([('user', '=', manager.id)])
        self.assertEqual(len(notifications), 2)
        self.assertEqual(
            json.loads(notifications[0].records)[0] in
            {by_kind['birthday'].id, by_kind['anniversary'].id}, True)

        self.assertEqual(Care.generate_reminders(today=today), [])
        self.assertEqual(Care.search_count([]), 3)

    @with_transaction()
    def test_done_revisit_moves_next_revisit(self):
        pool = Pool()
        Care = pool.get('yuexing.customer.care')
        Date = pool.get('ir.date')
        today = Date.today()
        party = create_customer(
            revisit_interval=30,
            last_visit_date=today - dt.timedelta(days=40))
        care, = Care.generate_reminders()
        self.assertEqual(care.kind, 'revisit')
        Care.do([care])
        self.assertEqual(care.state, 'done')
        self.assertEqual(party.last_visit_date, today)
        self.assertEqual(
            party.next_revisit_date, today + dt.timedelta(days=30))

    # ---- access ------------------------------------------------------------

    @with_transaction()
    def test_roles_may_and_may_not_change_customers(self):
        "客服 creates and edits customers; 调度 and 师傅 only read"
        pool = Pool()
        Party = pool.get('party.party')
        party = create_customer()
        service = create_user('kefu', ['group_customer_service'])
        dispatcher = create_user('diaodu', ['group_dispatcher'])
        technician = create_user('shifu', ['group_technician'])
        with acting_as(service):
            Party.write([Party(party.id)], {'name': '王先生（已核实）'})
            Party.create([{'name': '新客户', 'customer_type': 'individual'}])
            with self.assertRaises(AccessError):
                Party.delete([Party(party.id)])
        for user in [dispatcher, technician]:
            with self.subTest(user=user.login), acting_as(user):
                self.assertEqual(Party(party.id).name, '王先生（已核实）')
                with self.assertRaises(AccessError):
                    Party.write([Party(party.id)], {'name': 'x'})
                with self.assertRaises(AccessError):
                    Party.create([{'name': 'x'}])

    @with_transaction()
    def test_customer_accounts_see_only_their_customer(self):
        "B端/C端 accounts read and edit only the customer they act for"
        pool = Pool()
        Party = pool.get('party.party')
        mine = create_customer(name='黄女士', phone='13800001234')
        other = create_customer(name='别人', phone='13800005678')
        for login, group in [('cduan', 'group_c2c_customer'),
                ('bduan', 'group_b2b_customer')]:
            user = create_user(login, [group], customer=mine.id)
            with self.subTest(login=login), acting_as(user):
                self.assertEqual(
                    Party.search([('customer_type', '!=', None)]), [mine])
                with self.assertRaises(AccessError):
                    Party.read([other.id], ['name'])
                with self.assertRaises(AccessError):
                    Party.write([Party(other.id)], {'name': 'x'})
                Party.write(
                    [Party(mine.id)], {'birthday': dt.date(1990, 1, 1)})

    @with_transaction()
    def test_care_hidden_from_technicians(self):
        pool = Pool()
        Care = pool.get('yuexing.customer.care')
        party = create_customer()
        care, = Care.create([{
                    'party': party.id, 'subject': '回访', 'kind': 'other'}])
        technician = create_user('shifu', ['group_technician'])
        service = create_user('kefu', ['group_customer_service'])
        with acting_as(technician):
            with self.assertRaises(AccessError):
                Care.search([])
        with acting_as(service):
            self.assertEqual(Care.search([]), [care])

    @with_transaction()
    def test_customer_menu_only_for_office_roles(self):
        pool = Pool()
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        menu_id = ModelData.get_id('yuexing_base', 'menu_customers')
        for login, group, visible in [
                ('kefu', 'group_customer_service', True),
                ('diaodu', 'group_dispatcher', True),
                ('guanli', 'group_management', True),
                ('shifu', 'group_technician', False),
                ('cangguan', 'group_warehouse', False),
                ('cduan', 'group_c2c_customer', False)]:
            user = create_user(login, [group])
            with self.subTest(login=login), acting_as(user):
                found = Menu.search([('id', '=', menu_id)])
                self.assertEqual(bool(found), visible)

    # ---- demo data ---------------------------------------------------------

    @with_transaction()
    def test_demo_data_is_deterministic(self):
        "The generator makes realistic data, the same from the same seed"
        pool = Pool()
        Demo = pool.get('yuexing.demo')
        User = pool.get('res.user')

        def generate(seed):
            ctx = Demo.generate(Demo.options_class()(
                    seed=seed, customers=20, enterprises=4, teams=2,
                    team_size=2))
            return ctx, [(p.name, p.phone_display, p.region_name)
                for p in ctx.records['customers']]

        ctx, first = generate(7)
        self.assertEqual(len(ctx.records['customers']), 20)
        self.assertEqual(len(ctx.records['enterprises']), 4)
        self.assertEqual(len(ctx.records['technicians']), 4)
        self.assertTrue(Demo.already_generated())
        for park in ctx.records['enterprises']:
            self.assertGreaterEqual(len(park.contacts), 2)
            self.assertIn(park.addresses[0].city_region.name,
                {'上海市', '杭州市', '苏州市'})
        self.assertIn('SBS', ctx.records['products']['JC-SBS-3'].name)
        kefu, = User.search([('login', '=', 'kefu')])
        bduan, = User.search([('login', '=', 'bduan')])
        self.assertIn(bduan.customer, ctx.records['enterprises'])
        self.assertEqual(kefu.employee.company, ctx.records['company'])

        _, again = generate(7)
        self.assertEqual(again, first)
        _, other = generate(8)
        self.assertNotEqual(other, first)


del ModuleTestCase
