import datetime as dt
import io
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    rolled_back_on_error,
)
from trytond.modules.yuexing_staff.tests.tools import (
    create_city,
    staff_world,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal
# 2025-03: Monday 3 to Friday 7, working days 3–7, 10–14, …
MARCH = dt.date(2025, 3, 1)


def at(day, hour, minute=0):
    return dt.datetime(2025, 3, day, hour, minute)


class AttendanceTestCase(FunctionalTestCase):
    "Clocking, leave, overtime and the monthly summary"
    module = 'yuexing_staff'

    @with_transaction()
    def test_clock_rules(self):
        "Clock-out needs a clock-in; no double clock-in"
        Line = Pool().get('attendance.line')
        world = staff_world()
        member = world['member']
        with set_company(world['company']):
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Line.clock(member, 'out', at=at(3, 17))
            self.assertIn('签到', str(cm.exception))
            self.assertEqual(Line.search([]), [])
            Line.clock(member, 'in', at=at(3, 8), position=(31.2, 121.5))
            with self.assertRaises(UserError), rolled_back_on_error():
                Line.clock(member, 'in', at=at(3, 9))
            line = Line.clock(member, 'out', at=at(3, 17))
            # The next day starts afresh: clock-out alone is refused.
            with self.assertRaises(UserError), rolled_back_on_error():
                Line.clock(member, 'out', at=at(4, 17))
        self.assertEqual(line.date, dt.date(2025, 3, 3))
        self.assertEqual(len(Line.search([])), 2)

    @with_transaction()
    def test_leave_dates_overlap_and_half_days(self):
        LeaveRequest = Pool().get('yuexing.leave.request')
        world = staff_world()
        member = world['member']
        with set_company(world['company']):
            # Monday afternoon to Wednesday morning: 0.5 + 1 + 0.5 days
            leave, = LeaveRequest.create([{
                        'employee': member.id, 'type': 'annual',
                        'start_date': dt.date(2025, 3, 3), 'start_half': 'pm',
                        'end_date': dt.date(2025, 3, 5), 'end_half': 'am'}])
            self.assertEqual(leave.days, 2.0)
            # Wednesday afternoon does not overlap
            LeaveRequest.create([{
                        'employee': member.id, 'type': 'personal',
                        'start_date': dt.date(2025, 3, 5), 'start_half': 'pm',
                        'end_date': dt.date(2025, 3, 5), 'end_half': 'pm'}])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                LeaveRequest.create([{
                            'employee': member.id, 'type': 'sick',
                            'start_date': dt.date(2025, 3, 4),
                            'end_date': dt.date(2025, 3, 4)}])
            self.assertIn('重叠', str(cm.exception))
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                LeaveRequest.create([{
                            'employee': member.id, 'type': 'sick',
                            'start_date': dt.date(2025, 3, 20),
                            'end_date': dt.date(2025, 3, 19)}])
            self.assertIn('结束', str(cm.exception))
            self.assertEqual(len(LeaveRequest.search([])), 2)
            # Another employee may take the same days.
            LeaveRequest.create([{
                        'employee': world['other'].id, 'type': 'sick',
                        'start_date': dt.date(2025, 3, 4),
                        'end_date': dt.date(2025, 3, 4)}])

    @with_transaction()
    def test_leader_approves_team_member_only(self):
        "The team leader approves the member; others and oneself are refused"
        LeaveRequest = Pool().get('yuexing.leave.request')
        world = staff_world()
        with set_company(world['company']):
            member_leave, leader_leave = LeaveRequest.create([{
                        'employee': world[key].id, 'type': 'personal',
                        'start_date': dt.date(2025, 3, 10),
                        'end_date': dt.date(2025, 3, 10)}
                    for key in ['member', 'leader']])
        with acting_as(world['member_user']):
            LeaveRequest.request([LeaveRequest(member_leave.id)])
            with self.assertRaises(UserError), rolled_back_on_error():
                LeaveRequest.approve([LeaveRequest(member_leave.id)])
        with acting_as(world['leader_user']):
            LeaveRequest.request([LeaveRequest(leader_leave.id)])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                LeaveRequest.approve([LeaveRequest(leader_leave.id)])
            self.assertIn('组长', str(cm.exception))
            LeaveRequest.approve([LeaveRequest(member_leave.id)])
        self.assertEqual(LeaveRequest(member_leave.id).state, 'approved')
        self.assertEqual(LeaveRequest(leader_leave.id).state, 'requested')
        self.assertEqual(
            LeaveRequest(member_leave.id).approved_by, world['leader_user'])
        with acting_as(world['hr_user']):
            LeaveRequest.reject([LeaveRequest(leader_leave.id)])
        self.assertEqual(LeaveRequest(leader_leave.id).state, 'rejected')

    @with_transaction()
    def test_monthly_summary_and_xlsx(self):
        "Days present, late, absent, leave and overtime of a month"
        from openpyxl import load_workbook
        pool = Pool()
        Line = pool.get('attendance.line')
        LeaveRequest = pool.get('yuexing.leave.request')
        Overtime = pool.get('yuexing.overtime')
        Summary = pool.get('yuexing.attendance.summary')
        SummaryXlsx = pool.get('yuexing.attendance.summary.xlsx',
            type='report')
        world = staff_world()
        member = world['member']
        company = world['company']
        with set_company(company):
            # Week of 3–7 March: 4 days present, Tuesday 8:50 and Thursday
            # 8:40 late (after 8:30 + 5 min), Friday on leave; 10–14 March
            # absent.
            for day, hour, minute in [(3, 8, 20), (4, 8, 50), (5, 8, 0),
                    (6, 8, 40)]:
                Line.clock(member, 'in', at=at(day, hour, minute))
                Line.clock(member, 'out', at=at(day, 17, 30))
            leave, = LeaveRequest.create([{
                        'employee': member.id, 'type': 'annual',
                        'start_date': dt.date(2025, 3, 7),
                        'end_date': dt.date(2025, 3, 7)}])
            overtime = Overtime.create([{
                        'employee': member.id, 'date': dt.date(2025, 3, d),
                        'hours': D(h)} for d, h in [(8, 4), (9, '2.5')]])
            LeaveRequest.request([leave])
            Overtime.request(overtime)
            LeaveRequest.approve([leave])
            Overtime.approve(overtime[:1])
            summaries = Summary.compute(company, MARCH,
                employees=[member], today=dt.date(2025, 3, 14))
        summary, = summaries
        self.assertEqual(summary.work_days, 10)
        self.assertEqual(summary.days_present, 4)
        self.assertEqual(summary.days_late, 2)
        self.assertEqual(summary.leave_days, 1.0)
        self.assertEqual(summary.days_absent, 5.0)
        self.assertEqual(summary.overtime_hours, D(4))
        self.assertEqual(summary.hours_worked, 36.2)  # 9:10+8:40+9:30+8:50
        _, data, _, _ = SummaryXlsx.execute([summary.id], {
                'model': 'yuexing.attendance.summary',
                'ids': [summary.id], 'id': summary.id})
        sheet = load_workbook(io.BytesIO(data)).active
        self.assertEqual(sheet.cell(1, 3).value, '应出勤天数')
        self.assertEqual(
            [c.value for c in sheet[2]][:6],
            ['2025-03', '李师傅', 10, 4, 2, 5])


class RolesTestCase(FunctionalTestCase):
    "HR sees all, a leader their team, a technician themselves"
    module = 'yuexing_staff'

    @with_transaction()
    def test_profile_masking_and_denials(self):
        pool = Pool()
        Employee = pool.get('company.employee')
        world = staff_world()
        member = world['member']
        with acting_as(world['hr_user']):
            Employee.write([Employee(member.id)], {
                    'id_number': '11010519491231002X',
                    'bank_account': '6222021234567890123',
                    'phone': '138 0013 8000',
                    'gender': 'male', 'birth_date': dt.date(1985, 6, 1)})
            self.assertEqual(
                Employee(member.id).id_number, '11010519491231002X')
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Employee.write([Employee(member.id)],
                    {'id_number': '110105194912310021'})
            self.assertIn('身份证', str(cm.exception))
        self.assertEqual(Employee(member.id).phone, '+8613800138000')
        with acting_as(world['member_user']):
            me = Employee(member.id)
            self.assertEqual(me.id_number, '1101**********002X')
            self.assertEqual(me.bank_account, '***************0123')
            self.assertEqual(Employee.search([]), [me])
            with self.assertRaises(AccessError):
                Employee.read([member.id], ['id_card'])
            with self.assertRaises(AccessError):
                Employee.read([world['other'].id], ['rec_name'])
            with self.assertRaises(AccessError):
                Employee.write([me], {'id_number': '11010519491231002X'})
        with acting_as(world['leader_user']):
            self.assertEqual(set(Employee.search([])),
                {world['leader'], world['member']})
            self.assertEqual(
                Employee(member.id).id_number, '1101**********002X')

    @with_transaction()
    def test_attendance_leave_payslip_scoping(self):
        pool = Pool()
        Line = pool.get('attendance.line')
        LeaveRequest = pool.get('yuexing.leave.request')
        Payslip = pool.get('yuexing.payslip')
        Employee = pool.get('company.employee')
        world = staff_world()
        company = world['company']
        city = create_city()
        keys = ['leader', 'member', 'other']
        with set_company(company):
            Employee.write([world[k] for k in keys],
                {'base_salary': D(8000), 'si_city': city.id})
            for key in keys:
                Line.clock(world[key], 'in', at=at(3, 8))
            LeaveRequest.create([{
                        'employee': world[k].id, 'type': 'personal',
                        'start_date': dt.date(2025, 3, 10),
                        'end_date': dt.date(2025, 3, 10)} for k in keys])
            payslips = Payslip.generate(company, 2025, 3,
                [world[k] for k in keys])
        own = {p.employee: p for p in payslips}
        with acting_as(world['member_user']):
            self.assertEqual(
                {line.employee for line in Line.search([])},
                {world['member']})
            self.assertEqual(Payslip.search([]), [own[world['member']]])
            with self.assertRaises(AccessError):
                Payslip.read([own[world['other']].id], ['net_pay'])
            with self.assertRaises(AccessError):
                Payslip.write([Payslip(own[world['member']].id)],
                    {'base_salary': D(99999)})
            # Clocking for somebody else is refused.
            with self.assertRaises(AccessError), rolled_back_on_error():
                Line.create([{'company': company.id,
                            'employee': world['other'].id,
                            'at': at(3, 18), 'date': dt.date(2025, 3, 3),
                            'type': 'out'}])
        with acting_as(world['leader_user']):
            self.assertEqual(
                {line.employee for line in Line.search([])},
                {world['leader'], world['member']})
            self.assertEqual(
                {r.employee for r in LeaveRequest.search([])},
                {world['leader'], world['member']})
            # Pay is private: the leader sees only their own payslip.
            self.assertEqual(Payslip.search([]), [own[world['leader']]])
            with self.assertRaises(AccessButtonError):
                Payslip.confirm([Payslip(own[world['leader']].id)])
        with acting_as(world['hr_user']):
            self.assertEqual(len(Payslip.search([])), 3)
            self.assertEqual(len(Line.search([])), 3)
            Payslip.confirm([Payslip(own[world['member']].id)])


class ProfileTestCase(FunctionalTestCase):
    "Leaving, certificates reminders, team statistics, training"
    module = 'yuexing_staff'

    @with_transaction()
    def test_leave_company_hand_over(self):
        pool = Pool()
        Employee = pool.get('company.employee')
        world = staff_world()
        member = world['member']
        with self.assertRaises(UserError), rolled_back_on_error():
            Employee.leave([member], dt.date(2019, 1, 1), "个人原因")
        Employee.leave([member], dt.date(2025, 6, 30), "个人原因")
        member = Employee(member.id)
        self.assertEqual(member.end_date, dt.date(2025, 6, 30))
        self.assertEqual(member.employment_state, 'left')
        self.assertEqual(member.teams, ())
        leader = Employee(world['leader'].id)
        Employee.leave([leader], dt.date(2025, 6, 30), "调岗")
        self.assertIsNone(world['team'].__class__(world['team'].id).leader)

    @with_transaction()
    def test_certificate_reminder_once_and_expired_flag(self):
        pool = Pool()
        Certificate = pool.get('yuexing.employee.certificate')
        CertificateType = pool.get('yuexing.certificate.type')
        Message = pool.get('yuexing.message')
        Employee = pool.get('company.employee')
        world = staff_world()
        today = pool.get('ir.date').today()
        height, = CertificateType.search([('code', '=', 'HIGH_ALT')])
        soon, later, expired = Certificate.create([{
                    'employee': world['member'].id, 'type': height.id,
                    'number': str(n), 'issue_date': dt.date(2020, 1, 1),
                    'expiry_date': today + dt.timedelta(days=d)}
                for n, d in [(1, 10), (2, 90), (3, -3)]])
        self.assertEqual(Certificate.search([('expired', '=', True)]),
            [expired])
        reminded = Certificate.remind_expiring()
        self.assertEqual(reminded, [soon])
        recipients = {m.user for m in Message.search([
                    ('event', '=', 'certificate_expiring')])}
        self.assertLessEqual(
            {world['member_user'], world['hr_user']}, recipients)
        self.assertNotIn(world['other_user'], recipients)
        self.assertEqual(Certificate.remind_expiring(), [])
        valid = Employee.valid_certificate_type_ids([world['member']], today)
        self.assertEqual(valid, {world['member'].id: {height.id}})

    @with_transaction()
    def test_team_statistics(self):
        pool = Pool()
        Skill = pool.get('yuexing.skill')
        EmployeeSkill = pool.get('yuexing.employee.skill')
        Team = pool.get('yuexing.team')
        world = staff_world()
        membrane = Skill.from_code('membrane')
        coating = Skill.from_code('coating')
        EmployeeSkill.create([
                {'employee': world['leader'].id, 'skill': membrane.id},
                {'employee': world['member'].id, 'skill': membrane.id},
                {'employee': world['member'].id, 'skill': coating.id},
                {'employee': world['other'].id, 'skill': coating.id}])
        team = Team(world['team'].id)
        self.assertEqual(team.member_count, 2)
        self.assertEqual(team.skill_count, 2)
        self.assertEqual(team.skill_coverage,
            f'{membrane.name}×2、{coating.name}×1')

    @with_transaction()
    def test_training_exam_issues_certificates(self):
        pool = Pool()
        Plan = pool.get('yuexing.training.plan')
        Session = pool.get('yuexing.training.session')
        CertificateType = pool.get('yuexing.certificate.type')
        world = staff_world()
        safety, = CertificateType.search([('code', '=', 'SAFETY')])
        with set_company(world['company']):
            plan, = Plan.create([{'name': '2025 安全生产培训', 'year': 2025,
                        'certificate_type': safety.id}])
            session, = Session.create([{
                        'plan': plan.id, 'name': '高处作业安全',
                        'date': dt.date(2025, 4, 10), 'pass_mark': D(60),
                        'certificate_type': safety.id,
                        'attendees': [('create', [
                                    {'employee': world['member'].id,
                                        'score': D(82)},
                                    {'employee': world['other'].id,
                                        'score': D('59.5')}])]}])
            with self.assertRaises(UserError), rolled_back_on_error():
                Session.issue_certificates([session])
            Session.done([session])
            certificates = Session.issue_certificates([Session(session.id)])
            self.assertEqual(
                Session.issue_certificates([Session(session.id)]), [])
        certificate, = certificates
        self.assertEqual(certificate.employee, world['member'])
        self.assertEqual(certificate.expiry_date, dt.date(2028, 4, 10))
        self.assertEqual(Plan(plan.id).trained, 1)
        self.assertEqual(Session(session.id).passed_count, 1)


class PerformanceTestCase(FunctionalTestCase):
    "KPI lines, weighted score, improvement plan, reward on the payslip"
    module = 'yuexing_staff'

    @with_transaction()
    def test_evaluation_flow(self):
        pool = Pool()
        Kpi = pool.get('yuexing.performance.kpi')
        Period = pool.get('yuexing.performance.period')
        Evaluation = pool.get('yuexing.performance.evaluation')
        Line = pool.get('attendance.line')
        Summary = pool.get('yuexing.attendance.summary')
        EvalLine = pool.get('yuexing.performance.line')
        Payslip = pool.get('yuexing.payslip')
        Employee = pool.get('company.employee')
        world = staff_world()
        company = world['company']
        Kpi.create([
                {'name': '出勤率', 'code': 'ATT', 'source': 'attendance_rate',
                    'weight': D(60), 'target': D(100)},
                {'name': '组长评价', 'code': 'LEAD', 'source': 'manual',
                    'weight': D(40)}])
        member, other = world['member'], world['other']
        with set_company(company):
            # member present all 5 days of the week of 3 March, other 2.
            for employee, days in [(member, range(3, 8)), (other, [3, 4])]:
                for day in days:
                    Line.clock(employee, 'in', at=at(day, 8))
            Summary.compute(company, MARCH, today=dt.date(2025, 3, 7))
            period, = Period.create([{'month': dt.date(2025, 3, 15)}])
            Period.open_([period])
        evaluations = {e.employee: e for e in Period(period.id).evaluations}
        self.assertEqual(len(evaluations), 4)
        good, bad = evaluations[member], evaluations[other]
        self.assertEqual(good.evaluator, world['leader'])
        auto = [x for x in good.lines if x.source == 'attendance_rate'][0]
        self.assertEqual(auto.score, D(100))
        with acting_as(world['leader_user']):
            manual = [x for x in good.lines if x.source == 'manual'][0]
            EvalLine.write([EvalLine(manual.id)], {'score': D(50)})
            with self.assertRaises(UserError), rolled_back_on_error():
                own = evaluations[world['leader']]
                EvalLine.write([x for x in EvalLine.browse(
                                [x.id for x in own.lines])
                        if x.source == 'manual'], {'score': D(100)})
        # 100 × 60 % + 50 × 40 % = 80
        self.assertEqual(Evaluation(good.id).score, D('80.00'))
        self.assertEqual(Evaluation(good.id).grade, 'B')
        manual = [x for x in bad.lines if x.source == 'manual'][0]
        EvalLine.write([manual], {'score': D(20)})
        bad = Evaluation(bad.id)
        # 40 % attendance × 60 % + 20 × 40 % = 32: improvement plan needed
        self.assertEqual(bad.score, D('32.00'))
        self.assertTrue(bad.improvement_needed)
        with self.assertRaises(UserError) as cm, rolled_back_on_error():
            Evaluation.confirm([bad])
        self.assertIn('改进计划', str(cm.exception))
        Evaluation.write([bad], {'improvement_plan': '跟班学习两周',
                'penalty': D(200)})
        Evaluation.write([Evaluation(good.id)], {'reward': D(500)})
        Evaluation.confirm([bad, Evaluation(good.id)])
        Employee.write([member, other], {'base_salary': D(7000)})
        with set_company(company):
            slips = {p.employee: p for p in Payslip.generate(
                    company, 2025, 3, [member, other])}
        self.assertEqual(slips[member].reward, D(500))
        self.assertEqual(slips[member].gross, D('7500.00'))
        self.assertEqual(slips[other].other_deductions, D(200))
