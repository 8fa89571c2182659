"""Demo: the technicians become 8 teams × 6 with skills, certificates,
service regions and a base location; every employee gets a personnel file,
a salary and a month of attendance, leave and overtime; last month's
payslips are confirmed (the payroll step runs last, after the orders)."""
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool, PoolMeta

from .attendance import month_bounds, work_days
from .employee import _ID_CHECK, _ID_WEIGHTS

DEPARTMENTS = [
    ('field', "施工部", 'SG', 'field'),
    ('service', "客服部", 'KF', 'office'),
    ('dispatch', "调度中心", 'DD', 'office'),
    ('finance', "财务部", 'CW', 'office'),
    ('hr', "人事行政部", 'RS', 'office'),
    ('project', "工程项目部", 'XM', 'field'),
    ('warehouse', "仓储部", 'CC', 'office'),
    ('management', "总经理室", 'ZJ', 'office'),
    ]
# demo login → department, job title, base salary
OFFICE = {
    'kefu': ('service', "客服专员", 6000),
    'diaodu': ('dispatch', "调度员", 7500),
    'xiangmu': ('project', "项目经理", 12000),
    'cangguan': ('warehouse', "仓库管理员", 6500),
    'caiwu': ('finance', "财务", 9000),
    'guanli': ('management', "总经理", 30000),
    'xitong': ('management', "系统管理员", 15000),
    }
RELATIONS = ["配偶", "父亲", "母亲", "兄弟", "姐妹"]

# name, code, home district adcode
TEAMS = [
    ("浦东一组", 'PD1', '310115'),
    ("徐汇闵行组", 'XH', '310104'),
    ("静安杨浦组", 'JA', '310106'),
    ("杭州西湖组", 'HZ1', '330106'),
    ("杭州滨江萧山组", 'HZ2', '330108'),
    ("苏州姑苏组", 'SZ1', '320508'),
    ("苏州吴中组", 'SZ2', '320506'),
    ("外墙高空突击队", 'GK', '310115'),
    ]
SKILL_SETS = [
    ['membrane', 'coating', 'inspection'],
    ['coating', 'grouting', 'basement'],
    ['membrane', 'facade', 'high_altitude'],
    ['grouting', 'inspection', 'coating'],
    ]


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        steps = super().steps()
        index = [m for m, _ in steps].index('demo_people') + 1
        return (steps[:index] + [
                ('demo_teams', "班组与师傅技能"),
                ('demo_staff', "人员档案、考勤、请假与加班"),
                ] + steps[index:] + [('demo_payroll', "绩效与上月工资")])

    @classmethod
    def demo_teams(cls, ctx):
        pool = Pool()
        Employee = pool.get('company.employee')
        Team = pool.get('yuexing.team')
        Skill = pool.get('yuexing.skill')
        Subdivision = pool.get('country.subdivision')
        CertificateType = pool.get('yuexing.certificate.type')
        rng = ctx.rng
        technicians = ctx.records.get('technicians', [])
        company = ctx.records['company']
        skills = {s.code: s for s in Skill.search([])}
        certificate_types = {c.code: c for c in CertificateType.search([])}
        size = ctx.options.team_size
        teams = []
        for index, (name, code, adcode) in enumerate(
                TEAMS[:ctx.options.teams]):
            members = technicians[index * size:(index + 1) * size]
            if not members:
                break
            district = Subdivision.from_adcode(adcode)
            regions = [district.id, district.parent.id]
            employee_values = []
            for position, member in enumerate(members):
                skill_codes = set(SKILL_SETS[(index + position) % 4])
                if code == 'GK':
                    skill_codes |= {'facade', 'high_altitude'}
                certificates = [{
                        'type': certificate_types['WP_WORKER'].id,
                        'number': 'FS%08d' % rng.randint(0, 99999999),
                        'issuer': "上海市职业技能鉴定中心",
                        'issue_date': ctx.today - dt.timedelta(
                            days=rng.randint(400, 3000)),
                        }]
                if 'high_altitude' in skill_codes:
                    # Some expire soon or have expired: dispatch shows why;
                    # the first two of the 高空 team for sure.
                    days = rng.choice([-20, 15, 200, 500, 900])
                    if code == 'GK' and position < 2:
                        days = [15, -20][position]
                    expiry = ctx.today + dt.timedelta(days=days)
                    certificates.append({
                            'type': certificate_types['HIGH_ALT'].id,
                            'number': 'T%015d' % rng.randint(0, 10 ** 15),
                            'issuer': "应急管理局",
                            'issue_date': expiry - dt.timedelta(days=6 * 365),
                            'expiry_date': expiry,
                            })
                employee_values.extend(([member], {
                            'is_technician': True,
                            'skills': [('create', [{
                                            'skill': skills[c].id,
                                            'level': rng.choice([
                                                    'junior', 'intermediate',
                                                    'senior', 'senior',
                                                    'expert']),
                                            'verified_date': ctx.today
                                            - dt.timedelta(
                                                days=rng.randint(10, 700)),
                                            } for c in sorted(skill_codes)])],
                            'certificates': [('create', certificates)],
                            'service_regions': [('add', regions)],
                            'base_latitude': round(district.latitude
                                + rng.uniform(-0.05, 0.05), 6),
                            'base_longitude': round(district.longitude
                                + rng.uniform(-0.05, 0.05), 6),
                            }))
            Employee.write(*employee_values)
            teams.append({
                    'name': name, 'code': code, 'company': company.id,
                    'leader': members[0].id, 'region': district.id,
                    'members': [('add', [m.id for m in members])],
                    })
        ctx.records['teams'] = Team.create(teams)

    @classmethod
    def _id_number(cls, rng, birth_date):
        body = '310115' + birth_date.strftime('%Y%m%d') + '%03d' % (
            rng.randint(0, 999))
        total = sum(int(d) * w
            for d, w in zip(body, _ID_WEIGHTS, strict=True))
        return body + _ID_CHECK[total % 11]

    @classmethod
    def demo_staff(cls, ctx):
        """Personnel files, salaries, the HR account, and last month's
        attendance, leave and overtime."""
        pool = Pool()
        Employee = pool.get('company.employee')
        Department = pool.get('yuexing.department')
        City = pool.get('yuexing.payroll.city')
        Subdivision = pool.get('country.subdivision')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        rng, faker = ctx.rng, ctx.faker
        company = ctx.records['company']
        departments = dict(zip(  # noqa: B905 same length
                [d[0] for d in DEPARTMENTS],
                Department.create([{
                            'name': name, 'code': code, 'cost_kind': kind}
                        for _, name, code, kind in DEPARTMENTS])))
        shanghai = Subdivision.from_adcode('310100')
        city, = City.create([{
                    'name': "上海",
                    'region': shanghai.id if shanghai else None,
                    'valid_from': dt.date(ctx.today.year - (
                            ctx.today.month < 7), 7, 1),
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
                    }])

        # The HR account 人事 (the base demo has none).
        hr_party, = Party.create([cls._person(ctx, name="郑晓梅")])
        hr_employee, = Employee.create([{
                    'party': hr_party.id, 'company': company.id,
                    'start_date': ctx.today - dt.timedelta(days=1500)}])
        ctx.records['employees']['renshi'] = hr_employee
        if not User.search([('login', '=', 'renshi')]):
            zh_cn, = pool.get('ir.lang').search(
                [('code', '=', 'zh_CN')], limit=1) or [None]
            ctx.records['users']['renshi'], = User.create([{
                        'login': 'renshi', 'name': "郑晓梅",
                        'password': ctx.options.password,
                        'groups': [('add', [ModelData.get_id(
                                        'yuexing_staff', 'group_hr')])],
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [hr_employee.id])],
                        'employee': hr_employee.id,
                        'language': zh_cn.id if zh_cn else None,
                        }])

        technicians = ctx.records.get('technicians', [])
        leaders = {t.leader.id for t in ctx.records.get('teams', [])
            if t.leader}
        office = {login: e for login, e in ctx.records['employees'].items()
            if login != 'shifu'}
        values = []
        everyone = list(technicians) + [
            e for e in office.values() if e not in technicians]
        for employee in everyone:
            login = next((k for k, e in office.items() if e == employee),
                None)
            birth = dt.date(rng.randint(1968, 2000), rng.randint(1, 12),
                rng.randint(1, 28))
            if login in OFFICE:
                department, title, salary = OFFICE[login]
            elif login == 'renshi':
                department, title, salary = 'hr', "人事专员", 8000
            else:
                department, title = 'field', (
                    "班组长" if employee.id in leaders else "防水师傅")
                salary = rng.choice([5500, 6000, 6500, 7000]) + (
                    1500 if employee.id in leaders else 0)
            gender = 'female' if login in {
                'kefu', 'caiwu', 'xiangmu', 'renshi'} else 'male'
            history_end = (employee.start_date
                or ctx.today) - dt.timedelta(days=30)
            history = [{
                    'start_date': min(birth.replace(year=birth.year + 20),
                        history_end - dt.timedelta(days=400)),
                    'end_date': history_end,
                    'employer': faker.company(),
                    'position': title,
                    }]
            values.extend(([employee], {
                        'department': departments[department].id,
                        'job_title': title,
                        'gender': gender,
                        'birth_date': birth,
                        'phone': employee.mobile or '138%08d' % rng.randint(
                            0, 10 ** 8 - 1),
                        'id_card': cls._id_number(rng, birth),
                        'bank_name': rng.choice(
                            ["中国工商银行", "中国建设银行", "招商银行",
                                "上海银行"]),
                        'bank_card': '6222%015d' % rng.randint(0, 10 ** 15),
                        'emergency_contact': faker.name(),
                        'emergency_relation': rng.choice(RELATIONS),
                        'emergency_phone': '139%08d' % rng.randint(
                            0, 10 ** 8 - 1),
                        'base_salary': Decimal(salary),
                        'fixed_allowance': Decimal(
                            rng.choice([300, 500, 800])),
                        'si_city': city.id,
                        'work_history': [('create', history)],
                        'health_records': [('create', [{
                                        'date': ctx.today - dt.timedelta(
                                            days=rng.randint(30, 300)),
                                        'kind': 'occupational'
                                        if department == 'field'
                                        else 'checkup',
                                        'result': rng.choice(
                                            ['fit'] * 9 + ['restricted']),
                                        }])],
                        'special_deductions': [('create', [{
                                        'category': category,
                                        'monthly_amount': Decimal(amount),
                                        'start_date': dt.date(
                                            ctx.today.year - 1, 1, 1),
                                        } for category, amount in rng.sample(
                                        [('children_education', 2000),
                                            ('elderly_support', 3000),
                                            ('housing_rent', 1500),
                                            ('housing_loan', 1000)],
                                        rng.choice([0, 0, 1, 2]))])],
                        }))
        Employee.write(*values)
        cls._demo_attendance(ctx, everyone)

    @classmethod
    def _demo_attendance(cls, ctx, employees):
        """Last month: clock-in around 8:00–8:40 (some late), out around
        17:30–19:00, a few absences, leave and overtime."""
        pool = Pool()
        Line = pool.get('attendance.line')
        LeaveRequest = pool.get('yuexing.leave.request')
        Overtime = pool.get('yuexing.overtime')
        company = ctx.records['company']
        rng = ctx.rng
        start, end = month_bounds(
            ctx.today.replace(day=1) - dt.timedelta(days=1))
        days = work_days(start, end)
        lines, leaves, overtime = [], [], []
        for employee in employees:
            off = set()
            if rng.random() < 0.25:
                first = rng.choice(days[:-2])
                length = rng.choice([1, 1, 2])
                leave_days = [d for d in days if first <= d][:length]
                off.update(leave_days)
                leaves.append({
                        'company': company.id, 'employee': employee.id,
                        'type': rng.choice(
                            ['annual', 'personal', 'sick', 'compensatory']),
                        'start_date': leave_days[0],
                        'end_date': leave_days[-1],
                        'reason': rng.choice(
                            ["家中有事", "身体不适", "孩子开家长会",
                                "回老家"]),
                        })
            for day in days:
                if day in off or rng.random() < 0.03:
                    continue
                local_in = dt.datetime.combine(day, dt.time(8)) + (
                    dt.timedelta(minutes=rng.choice(
                            [-15, -10, -5, 0, 5, 10, 20, 25, 30, 45])))
                local_out = dt.datetime.combine(day, dt.time(17, 30)) + (
                    dt.timedelta(minutes=rng.randint(0, 90)))
                for kind, local in [('in', local_in), ('out', local_out)]:
                    lines.append({
                            'company': company.id, 'employee': employee.id,
                            'at': local - dt.timedelta(hours=8),
                            'date': day, 'type': kind, 'source': 'office',
                            })
            if rng.random() < 0.4:
                day = rng.choice(days)
                if rng.random() < 0.5:
                    day += dt.timedelta(days=5 - day.weekday())
                overtime.append({
                        'company': company.id, 'employee': employee.id,
                        'date': day,
                        'kind': 'weekend' if day.weekday() >= 5
                        else 'workday',
                        'hours': Decimal(rng.choice([2, 3, 4, 8])),
                        'reason': rng.choice(
                            ["抢修渗漏", "赶工期", "闭水试验值守"]),
                        })
        Line.create(lines)
        leaves = LeaveRequest.create(leaves)
        overtime = Overtime.create(overtime)
        for records, Model in [(leaves, LeaveRequest), (overtime, Overtime)]:
            if not records:
                continue
            Model.request(records)
            # The last one waits for the team leader in the demo.
            Model.approve(records[:-1])
        # This week: one request to approve for the demo team leader.
        teams = ctx.records.get('teams', [])
        if teams and len(teams[0].members) > 1:
            member = [m for m in teams[0].members
                if m != teams[0].leader][0]
            monday = ctx.today + dt.timedelta(days=7 - ctx.today.weekday())
            pending, = LeaveRequest.create([{
                        'company': company.id, 'employee': member.id,
                        'type': 'personal', 'start_date': monday,
                        'start_half': 'pm', 'end_date': monday,
                        'reason': "办理房产证"}])
            LeaveRequest.request([pending])

    @classmethod
    def demo_payroll(cls, ctx):
        """Last month: attendance summary, an evaluation period with its
        KPIs, a training session, confirmed payslips."""
        pool = Pool()
        Summary = pool.get('yuexing.attendance.summary')
        Kpi = pool.get('yuexing.performance.kpi')
        Period = pool.get('yuexing.performance.period')
        Payslip = pool.get('yuexing.payslip')
        Plan = pool.get('yuexing.training.plan')
        Session = pool.get('yuexing.training.session')
        CertificateType = pool.get('yuexing.certificate.type')
        company = ctx.records['company']
        rng = ctx.rng
        last = ctx.today.replace(day=1) - dt.timedelta(days=1)
        with _company(company):
            Summary.compute(company, last)
            sources = dict(Kpi.get_sources())
            weights = [('attendance_rate', "出勤率", 20, 100, True),
                ('order_count', "完工单量", 20, 40, True),
                ('on_time_rate', "SLA准时率", 20, 95, True),
                ('rating', "客户评分", 15, 5, True),
                ('rework_rate', "返工率", 10, 5, False),
                ('manual', "组长评价", 15, None, True)]
            Kpi.create([{
                        'name': name, 'code': code.upper(), 'source': code,
                        'weight': Decimal(weight),
                        'target': Decimal(target) if target else None,
                        'higher_is_better': higher,
                        'technicians_only': code not in {
                            'attendance_rate', 'manual'},
                        } for code, name, weight, target, higher in weights
                    if code in sources])
            period, = Period.create([{'company': company.id, 'month': last}])
            Period.open_([period])
            safety, = CertificateType.search([('code', '=', 'SAFETY')])
            plan, = Plan.create([{
                        'company': company.id, 'name': "年度安全生产培训",
                        'year': last.year, 'certificate_type': safety.id,
                        'target_headcount': 48}])
            technicians = ctx.records.get('technicians', [])[:12]
            session, = Session.create([{
                        'plan': plan.id, 'name': "高处作业与吊篮安全",
                        'date': last.replace(day=15), 'hours': Decimal(4),
                        'trainer': "上海市安全生产培训中心 刘老师",
                        'location': "公司三楼会议室",
                        'pass_mark': Decimal(60),
                        'certificate_type': safety.id,
                        'attendees': [('create', [{
                                        'employee': t.id,
                                        'score': Decimal(rng.choice(
                                                [55, 68, 75, 82, 90, 96])),
                                        } for t in technicians])]}])
            Session.done([session])
            Session.issue_certificates([Session(session.id)])
            payslips = Payslip.generate(company, last.year, last.month)
            Payslip.confirm(payslips)


def _company(company):
    from trytond.transaction import Transaction
    return Transaction().set_context(company=company.id)
