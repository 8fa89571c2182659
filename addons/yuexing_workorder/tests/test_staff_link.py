"""The work-order side of the staff hooks: hand-over before leaving, KPI
sources, piece-rate pay on the payslip, team figures."""
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    rolled_back_on_error,
)
from trytond.modules.yuexing_workorder.tests.tools import (
    company_and_customer,
    create_order,
    create_technician,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal


class StaffLinkTestCase(FunctionalTestCase):
    "Work orders feed the staff module's hooks"
    module = 'yuexing_workorder'

    def setup_orders(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Rating = pool.get('yuexing.work_order.rating')
        Team = pool.get('yuexing.team')
        company, resident, _ = company_and_customer()
        with set_company(company):
            wang = create_technician(company, '王师傅')
            li = create_technician(company, '李师傅')
            team, = Team.create([{'name': '浦东一组', 'code': 'PD1',
                        'leader': wang.id,
                        'members': [('add', [wang.id, li.id])]}])
            orders = [create_order(resident, leak_site='roof')
                for _ in range(4)]
        may = dt.datetime(2025, 5, 10, 10)
        # 王: three done in May (one late, one reworked), 李: one open.
        WorkOrder.write(orders[:3], {
                'technician': wang.id, 'state': 'done', 'completed_at': may})
        WorkOrder.write(orders[2:3], {'completion_breached': True})
        WorkOrder.write(orders[3:], {
                'technician': li.id, 'state': 'on_site'})
        with set_company(company):
            rework = create_order(resident, leak_site='roof')
        WorkOrder.write([rework], {'rework_of': orders[0].id})
        Rating.create([{'work_order': o.id, 'punctuality': p,
                    'quality': p, 'attitude': p, 'cleanliness': p}
                for o, p in [(orders[0], 5), (orders[1], 4)]])
        return company, wang, li, orders, team

    @with_transaction()
    def test_hooks(self):
        pool = Pool()
        Employee = pool.get('company.employee')
        Evaluation = pool.get('yuexing.performance.evaluation')
        Payslip = pool.get('yuexing.payslip')
        CostLine = pool.get('yuexing.work_order.cost')
        Team = pool.get('yuexing.team')
        company, wang, li, orders, team = self.setup_orders()

        # 离职: 李 still holds an order in construction.
        blockers = Employee.handover_blockers([wang, li])
        self.assertEqual(len(blockers), 1)
        self.assertIn('李师傅', blockers[0])
        self.assertIn('改派', blockers[0])
        with self.assertRaises(UserError), rolled_back_on_error():
            Employee.leave([li], dt.date(2025, 6, 1), '个人原因')
        self.assertIsNone(Employee(li.id).end_date)

        # KPI sources over May
        sources = Evaluation.kpi_sources()
        start, end = dt.date(2025, 5, 1), dt.date(2025, 5, 31)
        values = {code: sources[code][1]([wang, li], start, end)
            for code in ['order_count', 'on_time_rate', 'rating',
                'rework_rate']}
        self.assertEqual(values['order_count'], {wang.id: 3, li.id: 0})
        self.assertEqual(values['on_time_rate'], {wang.id: D('66.67')})
        self.assertEqual(values['rating'], {wang.id: D('4.50')})
        self.assertEqual(values['rework_rate'], {wang.id: D('33.33')})

        # Piece-rate pay from the cost lines reaches the payslip.
        CostLine.create([{
                    'work_order': orders[0].id, 'kind': 'labour',
                    'description': '屋面卷材计件', 'employee': wang.id,
                    'date': dt.date(2025, 5, 10), 'quantity': 1,
                    'unit_cost': D('380'), 'piece_rate': True}])
        Employee.write([wang], {'base_salary': D(6000)})
        with set_company(company):
            payslip, = Payslip.generate(company, 2025, 5, [wang])
        self.assertEqual(payslip.piece_rate, D('380.00'))
        self.assertEqual(payslip.gross, D('6380.00'))
        line, = payslip.lines
        self.assertIn(orders[0].number, line.description)

        team = Team(team.id)
        self.assertEqual(team.open_orders, 1)
