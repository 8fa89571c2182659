import datetime as dt

from trytond.modules.company.tests import (
    CompanyTestMixin,
    create_company,
    set_company,
)
from trytond.modules.yuexing_base.tests.tools import WebClientViewsMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


def create_employee(company, name, technician=True):
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    party, = Party.create([{'name': name}])
    employee, = Employee.create([{
                'party': party.id, 'company': company.id,
                'is_technician': technician}])
    return employee


class YuexingStaffTestCase(
        WebClientViewsMixin, CompanyTestMixin, ModuleTestCase):
    "Test yuexing_staff module"
    module = 'yuexing_staff'
    language = 'zh_CN'

    @with_transaction()
    def test_certificate_state_and_expiry(self):
        "A certificate is valid, expiring within 30 days, then expired"
        pool = Pool()
        Certificate = pool.get('yuexing.employee.certificate')
        CertificateType = pool.get('yuexing.certificate.type')
        Date = pool.get('ir.date')
        today = Date.today()
        company = create_company()
        with set_company(company):
            employee = create_employee(company, '李师傅')
            height, = CertificateType.search([('code', '=', 'HIGH_ALT')])
            valid, expiring, expired = Certificate.create([{
                        'employee': employee.id, 'type': height.id,
                        'number': str(n), 'issue_date': today.replace(
                            year=today.year - 2),
                        'expiry_date': today + dt.timedelta(days=days),
                        } for n, days in [(1, 200), (2, 10), (3, -1)]])
        self.assertEqual(
            [c.state for c in [valid, expiring, expired]],
            ['valid', 'expiring', 'expired'])
        self.assertEqual(
            Certificate.search([('state', '=', 'expired')]), [expired])
        self.assertEqual(
            set(Certificate.search([('state', '!=', 'expired')])),
            {valid, expiring})

    @with_transaction()
    def test_expiry_proposed_from_type_validity(self):
        pool = Pool()
        Certificate = pool.get('yuexing.employee.certificate')
        CertificateType = pool.get('yuexing.certificate.type')
        height, = CertificateType.search([('code', '=', 'HIGH_ALT')])
        certificate = Certificate(type=height, issue_date=dt.date(2024, 5, 31))
        certificate.on_change_issue_date()
        self.assertEqual(certificate.expiry_date, dt.date(2030, 5, 28))

    @with_transaction()
    def test_qualified_needs_skill_level_and_valid_certificate(self):
        "Dispatch excludes technicians lacking a skill or valid certificate"
        pool = Pool()
        Employee = pool.get('company.employee')
        Skill = pool.get('yuexing.skill')
        Certificate = pool.get('yuexing.employee.certificate')
        EmployeeSkill = pool.get('yuexing.employee.skill')
        today = dt.date(2026, 11, 24)
        company = create_company()
        with set_company(company):
            ok = create_employee(company, '合格师傅')
            no_cert = create_employee(company, '无证师傅')
            expired = create_employee(company, '证书过期师傅')
            junior = create_employee(company, '初级师傅')
        height = Skill.from_code('high_altitude')
        facade = Skill.from_code('facade')
        EmployeeSkill.create([
                {'employee': e.id, 'skill': s.id, 'level': level}
                for e, level in [(ok, 'senior'), (no_cert, 'senior'),
                    (expired, 'senior'), (junior, 'junior')]
                for s in [height, facade]])
        Certificate.create([{
                    'employee': e.id, 'type': height.required_certificate.id,
                    'number': e.party.name, 'issue_date': dt.date(2020, 1, 1),
                    'expiry_date': expiry,
                    } for e, expiry in [(ok, dt.date(2027, 1, 1)),
                    (expired, dt.date(2026, 11, 1)),
                    (junior, dt.date(2027, 1, 1))]])
        excluded = Employee.qualified(
            [ok, no_cert, expired, junior], [height, facade], today,
            min_level='intermediate')
        self.assertNotIn(ok, excluded)
        self.assertEqual(excluded[no_cert],
            [('certificate', height.required_certificate)])
        self.assertEqual(excluded[expired],
            [('certificate', height.required_certificate)])
        self.assertEqual(
            [kind for kind, _ in excluded[junior]], ['skill', 'skill'])

    @with_transaction()
    def test_team_members_many_to_many(self):
        pool = Pool()
        Team = pool.get('yuexing.team')
        company = create_company()
        with set_company(company):
            one = create_employee(company, '王师傅')
            two = create_employee(company, '赵师傅')
            a, b = Team.create([
                    {'name': '浦东一组', 'code': 'PD1', 'leader': one.id,
                        'members': [('add', [one.id, two.id])]},
                    {'name': '外墙突击队', 'code': 'WQ', 'leader': two.id,
                        'members': [('add', [two.id])]}])
        self.assertEqual(set(two.teams), {a, b})
        self.assertEqual(two.team_names.count('、'), 1)


del ModuleTestCase
