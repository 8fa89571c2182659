"""Projects: the critical path, cycles and dates refused, the start
approval, budget versions against the contract, a change with its budget
and schedule impact, resource conflicts, actual cost and earned value,
and who may do what."""
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_user,
    rolled_back_on_error,
)
from trytond.modules.yuexing_workorder.tests.tools import (
    company_and_customer,
    create_order,
    create_technician,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import confirm_budget, create_project

D = dt.date


class ProjectTestCase(FunctionalTestCase):
    "Projects and their schedule"
    module = 'yuexing_project'

    def make(self, **values):
        company, _, park = company_and_customer()
        self.company = company
        self.park = park
        self.pm = create_user('pm_zhao', ['group_project_manager'],
            company=company)
        self.boss = create_user('boss_chen', ['group_management'],
            company=company)
        with set_company(company):
            return create_project(park, manager=self.pm, **values)

    @with_transaction()
    def test_critical_path(self):
        "排程: CPM dates, float, critical tasks and the path through them"
        Work = Pool().get('project.work')
        project, tasks = self.make()
        with set_company(self.company):
            result, path = project.compute_schedule()
            Work.schedule([project])
        names = {t.id: n for n, t in tasks.items()}
        self.assertEqual([names[i] for i in path],
            ['勘察设计', '拆除旧防水层', '卷材铺贴', '竣工验收'])
        got = {n: (t.planned_start, t.planned_end, t.total_float, t.critical)
            for n, t in ((n, Work(t.id)) for n, t in tasks.items())}
        self.assertEqual(got, {
                '勘察设计': (D(2026, 3, 2), D(2026, 3, 4), 0, True),
                '拆除旧防水层': (D(2026, 3, 5), D(2026, 3, 9), 0, True),
                '材料进场': (D(2026, 3, 5), D(2026, 3, 6), 3, False),
                '卷材铺贴': (D(2026, 3, 10), D(2026, 3, 13), 0, True),
                '竣工验收': (D(2026, 3, 14), D(2026, 3, 14), 0, True),
                })
        # materials cannot come before the 8th: no float left on them
        Work.write([tasks['材料进场']], {'earliest_start': D(2026, 3, 8)})
        with set_company(self.company):
            Work.schedule([project])
        materials = Work(tasks['材料进场'].id)
        self.assertEqual((materials.planned_start, materials.planned_end,
                materials.total_float, materials.critical),
            (D(2026, 3, 8), D(2026, 3, 9), 0, True))
        self.assertEqual(Work(tasks['竣工验收'].id).planned_start,
            D(2026, 3, 14))
        data = project.gantt_data()
        self.assertEqual(len(data['tasks']), 5)
        acceptance = data['tasks'][-1]
        self.assertEqual(acceptance['dependencies'], [tasks['卷材铺贴'].id])
        self.assertTrue(acceptance['milestone'])

    @with_transaction()
    def test_cycle_and_dates_refused(self):
        "A predecessor cycle and an end before the start: Chinese errors"
        Work = Pool().get('project.work')
        project, tasks = self.make()
        with self.assertRaises(UserError) as cm, rolled_back_on_error():
            Work.write([tasks['勘察设计']], {'predecessors': [
                        ('add', [tasks['竣工验收'].id])]})
        message = str(cm.exception.message)
        self.assertIn('前置任务形成了循环', message)
        self.assertIn('勘察设计', message)
        self.assertIn('竣工验收', message)
        self.assertEqual(Work(tasks['勘察设计'].id).predecessors, ())
        with self.assertRaises(UserError) as cm, rolled_back_on_error():
            Work.write([tasks['材料进场']], {
                    'planned_start': D(2026, 3, 9),
                    'planned_end': D(2026, 3, 5)})
        self.assertEqual(cm.exception.message,
            '“材料进场”：“计划完成”早于“计划开始”。')
        self.assertIsNone(Work(tasks['材料进场'].id).planned_start)

    @with_transaction()
    def test_start_approval(self):
        "立项: refused without budget; the management approves; 开工 plans"
        pool = Pool()
        Work = pool.get('project.work')
        project, tasks = self.make()
        with set_company(self.company):
            with acting_as(self.pm):
                with self.assertRaises(UserError) as cm:
                    Work.submit_project([Work(project.id)])
            self.assertIn('还没有已确认的预算', cm.exception.message)
            confirm_budget(project, {'material': 60000, 'labour': 30000})
            with acting_as(self.pm):
                Work.submit_project([Work(project.id)])
                self.assertEqual(Work(project.id).project_state, 'pending')
                # the requester is not among the approvers
                with self.assertRaises(UserError):
                    Work.approve_project([Work(project.id)])
                self.assertEqual(Work(project.id).project_state, 'pending')
            with acting_as(self.boss):
                Work.approve_project([Work(project.id)])
            project = Work(project.id)
            self.assertEqual(project.project_state, 'approved')
            self.assertEqual(project.approved_by, self.boss)
            with acting_as(self.pm):
                Work.start_project([project])
        project = Work(project.id)
        self.assertEqual(project.project_state, 'running')
        self.assertEqual(Work(tasks['竣工验收'].id).planned_start,
            D(2026, 3, 14))
        self.assertEqual(project.budget_amount, Decimal('90000.00'))

    @with_transaction()
    def test_budget_and_change(self):
        "Budget over the contract refused; an approved change raises it"
        pool = Pool()
        Work = pool.get('project.work')
        Budget = pool.get('yuexing.project.budget')
        Change = pool.get('yuexing.project.change')
        project, tasks = self.make(contract_amount=Decimal(100000))
        with set_company(self.company):
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                confirm_budget(project, {'material': 80000, 'labour': 40000})
            self.assertIn('超过合同金额', cm.exception.message)
            self.assertEqual(Budget.search_count([]), 0)
            first = confirm_budget(project,
                {'material': 60000, 'labour': 30000})
            Work.submit_project([project])
            with acting_as(self.boss):
                Work.approve_project([Work(project.id)])
            Work.start_project([Work(project.id)])
            with acting_as(self.pm):
                change, = Change.create([{
                            'project': project.id, 'title': '增加天沟改造',
                            'kind': 'scope',
                            'task': tasks['卷材铺贴'].id, 'schedule_days': 3,
                            'lines': [('create', [
                                        {'category': 'material',
                                            'amount': Decimal(20000)},
                                        {'category': 'subcontract',
                                            'amount': Decimal(10000)}])],
                            }])
                Change.submit([change])
            self.assertEqual(Change(change.id).state, 'pending')
            with acting_as(self.boss):
                Change.approve([Change(change.id)])
        change = Change(change.id)
        self.assertEqual(change.state, 'approved')
        self.assertTrue(change.number.startswith('BG'))
        self.assertEqual(change.budget_impact, Decimal('30000.00'))
        self.assertEqual(Budget(first.id).state, 'superseded')
        second = change.budget
        self.assertEqual((second.version, second.state, second.total),
            (2, 'current', Decimal('120000.00')))
        self.assertEqual(second.by_category()['subcontract'], Decimal(10000))
        roofing = Work(tasks['卷材铺贴'].id)
        self.assertEqual((roofing.duration_days, roofing.planned_end),
            (7, D(2026, 3, 16)))
        self.assertEqual(Work(tasks['竣工验收'].id).planned_start,
            D(2026, 3, 17))
        # a confirmed version is not edited
        with self.assertRaises(UserError):
            Budget.write([second], {'lines': [('create', [
                                {'category': 'indirect',
                                    'amount': Decimal(1)}])]})

    @with_transaction()
    def test_resource_conflicts(self):
        "A technician booked twice, and against a visit: shown and warned"
        pool = Pool()
        Assignment = pool.get('yuexing.project.assignment')
        Visit = pool.get('yuexing.work_order.visit')
        Date = pool.get('ir.date')
        today = Date.today()
        start = today + dt.timedelta(days=10)
        project, tasks = self.make(start=start)
        with set_company(self.company):
            pool.get('project.work').schedule([project])
            technician = create_technician(self.company, '李师傅')
            first, = Assignment.create([{
                        'task': tasks['拆除旧防水层'].id,
                        'employee': technician.id,
                        'start_date': start + dt.timedelta(days=3),
                        'end_date': start + dt.timedelta(days=7)}])
            order = create_order(self.park, technician=technician.id)
            at = dt.datetime.combine(start + dt.timedelta(days=9),
                dt.time(2, 0))
            Visit.create([{'work_order': order.id, 'kind': 'construction',
                        'technician': technician.id, 'planned_start': at,
                        'planned_end': at + dt.timedelta(hours=2)}])
            values = {'task': tasks['卷材铺贴'].id, 'kind': 'technician',
                'employee': technician.id,
                'start_date': start + dt.timedelta(days=7),
                'end_date': start + dt.timedelta(days=10)}
            second = Assignment(**values)
            self.assertEqual(second.on_change_with_conflicts().split('\n'), [
                    '任务“拆除旧防水层”（%s 至 %s）' % (
                        start + dt.timedelta(days=3),
                        start + dt.timedelta(days=7)),
                    '工单 %s 的上门预约（%s）' % (
                        order.number, at.strftime('%Y-%m-%d %H:%M')),
                    ])
            with self.assertRaises(UserWarning) as cm, \
                    rolled_back_on_error():
                Assignment.create([values])
            self.assertIn('在这段时间已有安排', cm.exception.message)
            self.assertEqual(Assignment.search_count([]), 1)
            with Transaction().set_context(_skip_warnings=True):
                Assignment.create([values])
            self.assertEqual(Assignment.search_count([]), 2)
            # a machine is one machine too
            machine = {'kind': 'equipment', 'equipment': '热熔机 RM-02',
                'start_date': start, 'end_date': start}
            Assignment.create([{'task': tasks['勘察设计'].id, **machine}])
            other = Assignment(task=tasks['材料进场'].id, **machine)
            self.assertEqual(len(other.find_conflicts()), 1)
            self.assertEqual(first.find_conflicts()[0],
                '任务“卷材铺贴”（%s 至 %s）' % (
                    start + dt.timedelta(days=7),
                    start + dt.timedelta(days=10)))

    @with_transaction()
    def test_cost_and_earned_value(self):
        "Work-order costs roll up; PV, EV, AC, SPI, CPI at today"
        pool = Pool()
        Work = pool.get('project.work')
        Cost = pool.get('yuexing.work_order.cost')
        Analysis = pool.get('yuexing.project.cost_analysis')
        today = pool.get('ir.date').today()
        plan = [('基层处理', 10, [], False),
            ('涂料施工', 10, ['基层处理'], False)]
        project, tasks = self.make(
            start=today - dt.timedelta(days=10), plan=plan)
        with set_company(self.company):
            confirm_budget(project, {'material': 60000, 'labour': 40000})
            Work.schedule([project])
            Work.write([tasks['基层处理']], {'progress': 1.0})
            Work.write([tasks['涂料施工']], {'progress': 0.5})
            order = create_order(self.park, project=project.id)
            Cost.create([{'work_order': order.id, 'kind': kind,
                        'description': kind, 'quantity': 1,
                        'unit_cost': Decimal(amount)}
                    for kind, amount in [('material', 30000),
                        ('labour', 10000)]])
            other = create_order(self.park)
            Cost.create([{'work_order': other.id, 'kind': 'material',
                        'description': '不属于项目', 'quantity': 1,
                        'unit_cost': Decimal(999)}])
            project = Work(project.id)
            self.assertEqual(
                (project.planned_value, project.earned_value,
                    project.actual_cost, project.spi, project.cpi),
                (Decimal('55000.00'), Decimal('75000.00'),
                    Decimal('40000.00'), 1.36, 1.88))
            rows = {(r.category, r.budget, r.actual, r.variance)
                for r in Analysis.search([('project', '=', project.id)])}
        self.assertEqual(rows, {
                ('material', Decimal(60000), Decimal(30000), Decimal(30000)),
                ('labour', Decimal(40000), Decimal(10000), Decimal(30000)),
                })

    @with_transaction()
    def test_access(self):
        "Finance reads and cannot write; customer service sees no project"
        pool = Pool()
        Work = pool.get('project.work')
        Budget = pool.get('yuexing.project.budget')
        project, _ = self.make()
        confirm_budget(project, {'material': 1000})
        finance = create_user('cw', ['group_finance'], company=self.company)
        service = create_user('kf', ['group_customer_service'],
            company=self.company)
        with set_company(self.company):
            with acting_as(finance):
                self.assertEqual(
                    len(Work.search([('type', '=', 'project')])), 1)
                self.assertEqual(len(Budget.search([])), 1)
                with self.assertRaises(AccessError):
                    Work.write([Work(project.id)], {'name': '改名'})
                with self.assertRaises(AccessButtonError):
                    Work.submit_project([Work(project.id)])
            with acting_as(service):
                with self.assertRaises(AccessError):
                    Work.search([('type', '=', 'project')])
                with self.assertRaises(AccessError):
                    Budget.search([])
            with acting_as(self.pm):
                Work.write([Work(project.id)], {'scope': '屋面与天沟'})
            self.assertEqual(Work(project.id).scope, '屋面与天沟')
