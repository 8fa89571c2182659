"""Helpers of the staff tests (and of the modules extending staff)."""
import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool


def create_employee(company, name, technician=True, **values):
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    party, = Party.create([{'name': name}])
    employee, = Employee.create([{
                'party': party.id, 'company': company.id,
                'is_technician': technician,
                'start_date': dt.date(2020, 1, 1), **values}])
    return employee


def create_city(**values):
    "上海 (2025 bases) with the usual employee rates."
    City = Pool().get('yuexing.payroll.city')
    city, = City.create([{
                'name': "上海", 'valid_from': dt.date(2025, 7, 1),
                'si_base_min': Decimal('7460'),
                'si_base_max': Decimal('37302'),
                'hf_base_min': Decimal('2690'),
                'hf_base_max': Decimal('37302'),
                'pension_rate': Decimal('0.08'),
                'medical_rate': Decimal('0.02'),
                'unemployment_rate': Decimal('0.005'),
                'housing_fund_rate': Decimal('0.07'),
                'employer_si_rate': Decimal('0.2626'),
                'employer_hf_rate': Decimal('0.07'),
                **values}])
    return city


def staff_world():
    """A company with an HR user, a team (leader 王组长 + 李师傅, 赵师傅),
    and an employee outside the team (陈会计); users for each."""
    from trytond.modules.yuexing_base.tests.tools import create_user
    pool = Pool()
    Team = pool.get('yuexing.team')
    company = create_company()
    world = {'company': company}
    with set_company(company):
        for key, name, technician in [
                ('leader', '王组长', True), ('member', '李师傅', True),
                ('other', '赵师傅', True), ('office', '陈会计', False)]:
            world[key] = create_employee(company, name, technician)
        world['team'], = Team.create([{
                    'name': '浦东一组', 'code': 'PD1', 'company': company.id,
                    'leader': world['leader'].id,
                    'members': [('add', [world['leader'].id,
                                world['member'].id])]}])
        for key, login, groups in [
                ('leader', 'leader', ['group_technician']),
                ('member', 'member', ['group_technician']),
                ('other', 'other', ['group_technician']),
                ('office', 'hr', ['yuexing_staff.group_hr'])]:
            employee = world[key]
            world[login + '_user'] = create_user(login, groups,
                company=company,
                employees=[('add', [employee.id])], employee=employee.id)
    return world
