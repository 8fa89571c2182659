"""工具管理: tools coded and unique by serial number, lent to a technician
and returned, overdue loans and their daily reminder, maintenance, and
what each role may do."""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_user,
    rolled_back_on_error,
)
from trytond.modules.yuexing_workorder.tests.tools import create_technician
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from ..location import company_today
from .tools import material_world

# refused by the access rights (or rules) or by the button's groups
DENIED = (AccessError, AccessButtonError)


def create_tool(name='热风焊枪', serial='LD-TS-0001', kind='welding',
        value='3200'):
    Tool = Pool().get('yuexing.material.tool')
    tool, = Tool.create([{
                'name': name, 'serial_number': serial, 'kind': kind,
                'value': Decimal(value)}])
    return tool


def lend(tool, technician, due_date=None):
    Loan = Pool().get('yuexing.material.tool.loan')
    loan, = Loan.create([{'tool': tool.id, 'technician': technician.id,
                'due_date': due_date}])
    Loan.lend([loan])
    return Loan(loan.id)


class ToolTestCase(FunctionalTestCase):
    "Tools: register, lend and return, overdue, maintenance, roles"
    module = 'yuexing_material'

    @with_transaction()
    def test_tool_code_and_serial_number(self):
        "A tool is coded GJ-0001 on; a serial number is never used twice"
        Tool = Pool().get('yuexing.material.tool')
        with material_world():
            gun = create_tool()
            meter = create_tool('红外热像仪', 'FL-E8-0001', 'detection')
            # numbers of the tool sequence (never reset: on PostgreSQL the
            # tests before this one used some)
            self.assertRegex(gun.code, r'^GJ-\d{4}$')
            self.assertEqual(int(meter.code[3:]), int(gun.code[3:]) + 1)
            self.assertEqual(gun.state, 'available')
            self.assertEqual(gun.rec_name, f'热风焊枪 ({gun.code})')
            self.assertEqual(Tool.search([('rec_name', 'ilike', '%FL-E8%')]),
                [meter])
            # last: the refused INSERT leaves no savepoint to go back to
            with self.assertRaises(UserError) as cm:
                create_tool('热风焊枪', 'LD-TS-0001')
            self.assertIn('序列号', cm.exception.message)

    @with_transaction()
    def test_lend_and_return(self):
        """Lent: the technician holds it until the configured days; back
        in stock when returned, with its condition"""
        pool = Pool()
        Loan = pool.get('yuexing.material.tool.loan')
        Tool = pool.get('yuexing.material.tool')
        Configuration = pool.get('yuexing.configuration')
        with material_world() as (_, _, technician, _):
            Configuration.write([Configuration(1)], {'tool_loan_days': 10})
            tool = create_tool()
            loan = lend(tool, technician)
            tool = Tool(tool.id)
            self.assertEqual(tool.state, 'lent')
            self.assertEqual(tool.holder, technician)
            self.assertEqual(tool.current_loan, loan)
            self.assertEqual(loan.state, 'open')
            self.assertTrue(loan.lent_at)
            self.assertEqual(loan.due_date,
                company_today() + dt.timedelta(days=10))
            self.assertEqual(tool.due_date, loan.due_date)
            self.assertFalse(loan.overdue)
            self.assertEqual(Tool.search([('holder', '=', technician.id)]),
                [tool])
            self.assertEqual(Tool.search([('holder.party.name', '=',
                            '李师傅')]), [tool])
            other = create_tool('电锤', 'BOSCH-0001', 'power')
            self.assertEqual(Tool.search([('holder', '=', None)]), [other])
            self.assertEqual(Tool.search([('holder', '!=', None)]), [tool])

            Loan.write([loan], {'return_condition': 'worn',
                    'return_note': '枪嘴磨损'})
            Loan.return_tool([loan])
            loan, tool = Loan(loan.id), Tool(tool.id)
            self.assertEqual(loan.state, 'returned')
            self.assertTrue(loan.returned_at)
            self.assertEqual(tool.state, 'available')
            self.assertIsNone(tool.holder)
            self.assertEqual(Tool.search([('holder', '=', technician.id)]),
                [])

    @with_transaction()
    def test_lend_unavailable_refused(self):
        """A tool lent to someone else, under maintenance or retired is not
        lent: the message names the tool (and who holds it)"""
        pool = Pool()
        Loan = pool.get('yuexing.material.tool.loan')
        Tool = pool.get('yuexing.material.tool')
        Maintenance = pool.get('yuexing.material.tool.maintenance')
        with material_world() as (company, _, li, _):
            wang = create_technician(company, '王师傅')
            gun = create_tool()
            lend(gun, li)
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                lend(gun, wang)
            self.assertIn(gun.rec_name, cm.exception.message)
            self.assertIn('李师傅', cm.exception.message)
            self.assertEqual(Tool(gun.id).holder, li)
            self.assertEqual(Loan.search_count([('tool', '=', gun.id)]), 1)

            meter = create_tool('红外热像仪', 'FL-E8-0001', 'detection')
            repair, = Maintenance.create([{'tool': meter.id,
                        'description': '镜头进水'}])
            Maintenance.start([repair])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                lend(meter, wang)
            self.assertIn(meter.rec_name, cm.exception.message)
            self.assertIn('维修中', cm.exception.message)

            ladder = create_tool('人字梯', 'TZ-0001', 'access')
            Tool.retire([ladder])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                lend(ladder, wang)
            self.assertIn('报废', cm.exception.message)

            # the same tool twice in one batch is lent once
            drill = create_tool('电锤', 'BOSCH-0001', 'power')
            first, second = Loan.create([
                    {'tool': drill.id, 'technician': li.id},
                    {'tool': drill.id, 'technician': wang.id}])
            with self.assertRaises(UserError), rolled_back_on_error():
                Loan.lend([first, second])
            self.assertEqual(Tool(drill.id).state, 'available')

    @with_transaction()
    def test_return_twice_refused(self):
        "A loan is returned once, the second time is a clear error"
        Loan = Pool().get('yuexing.material.tool.loan')
        with material_world() as (_, _, technician, _):
            tool = create_tool()
            loan = lend(tool, technician)
            Loan.return_tool([loan])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Loan.return_tool([Loan(loan.id)])
            self.assertIn(tool.rec_name, cm.exception.message)
            self.assertIn('已归还', cm.exception.message)
            # only a draft loan is deleted
            with self.assertRaises(UserError), rolled_back_on_error():
                Loan.delete([Loan(loan.id)])

    @with_transaction()
    def test_overdue(self):
        "A loan past its due date is overdue (searchable) until returned"
        Loan = Pool().get('yuexing.material.tool.loan')
        with material_world() as (_, _, technician, _):
            today = company_today()
            late = lend(create_tool(), technician,
                due_date=today - dt.timedelta(days=3))
            on_time = lend(create_tool('电锤', 'BOSCH-0001', 'power'),
                technician, due_date=today)
            self.assertTrue(late.overdue)
            self.assertEqual(late.days_overdue, 3)
            self.assertFalse(on_time.overdue)
            self.assertIsNone(on_time.days_overdue)
            self.assertEqual(Loan.search([('overdue', '=', True)]), [late])
            self.assertEqual(Loan.search([('overdue', '=', False)]),
                [on_time])
            Loan.return_tool([late])
            self.assertFalse(Loan(late.id).overdue)
            self.assertEqual(Loan.search([('overdue', '=', True)]), [])

    @with_transaction()
    def test_maintenance(self):
        """Starting a maintenance puts the tool under maintenance, finishing
        puts it back in stock; a lent tool is not repaired"""
        pool = Pool()
        Tool = pool.get('yuexing.material.tool')
        Maintenance = pool.get('yuexing.material.tool.maintenance')
        with material_world() as (_, _, technician, _):
            machine = create_tool('高压灌浆机', 'GJ999-0386', 'grouting')
            repair, = Maintenance.create([{'tool': machine.id,
                        'kind': 'repair', 'description': '更换密封圈',
                        'cost': Decimal('85'), 'done_by': '仓管 陈工'}])
            Maintenance.start([repair])
            self.assertEqual(Tool(machine.id).state, 'maintenance')
            self.assertEqual(Maintenance(repair.id).state, 'in_progress')
            with self.assertRaises(UserError), rolled_back_on_error():
                Maintenance.start([Maintenance(repair.id)])
            with self.assertRaises(UserError), rolled_back_on_error():
                Maintenance.delete([Maintenance(repair.id)])
            Maintenance.finish([repair])
            self.assertEqual(Tool(machine.id).state, 'available')
            self.assertEqual(Maintenance(repair.id).state, 'done')
            self.assertEqual(Tool(machine.id).maintenances, (repair,))
            with self.assertRaises(UserError), rolled_back_on_error():
                Maintenance.finish([Maintenance(repair.id)])

            lend(machine, technician)
            again, = Maintenance.create([{'tool': machine.id}])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Maintenance.start([again])
            self.assertIn('李师傅', cm.exception.message)
            self.assertEqual(Tool(machine.id).state, 'lent')

    @with_transaction()
    def test_remind_overdue_once_a_day(self):
        """The cron tells the technician and the warehouse keepers of an
        overdue loan, once a day"""
        pool = Pool()
        Loan = pool.get('yuexing.material.tool.loan')
        Message = pool.get('yuexing.message')
        User = pool.get('res.user')
        with material_world() as (company, _, technician, _):
            keeper = create_user('cangguan', ['group_warehouse'],
                company=company)
            li, = User.search([('login', '=', 'li')])
            today = company_today()
            gun = create_tool()
            late = lend(gun, technician,
                due_date=today - dt.timedelta(days=2))
            lend(create_tool('电锤', 'BOSCH-0001', 'power'), technician)

            self.assertEqual(Loan.remind_overdue(), [late])
            messages = Message.search([('event', '=', 'loan_overdue')])
            self.assertEqual({m.user for m in messages}, {li, keeper})
            for message in messages:
                self.assertIn(gun.rec_name, message.body)
                self.assertIn('逾期 2 天', message.body)
            self.assertIn('李师傅', [m for m in messages
                    if m.user == keeper][0].body)
            self.assertEqual(Loan(late.id).reminded_on, today)

            # the same day again: nothing more
            self.assertEqual(Loan.remind_overdue(), [])
            self.assertEqual(Message.search_count(
                    [('event', '=', 'loan_overdue')]), 2)
            # the next day: reminded again
            tomorrow = today + dt.timedelta(days=1)
            self.assertEqual(Loan.remind_overdue(tomorrow), [late])
            self.assertEqual(Message.search_count(
                    [('event', '=', 'loan_overdue')]), 4)
            # returned: no more reminders
            Loan.return_tool([late])
            self.assertEqual(Loan.remind_overdue(
                    today + dt.timedelta(days=2)), [])

    @with_transaction()
    def test_roles(self):
        """仓管 lends and returns; 调度 and 财务 read who holds what; a
        technician sees only their own loans and lends nothing"""
        pool = Pool()
        Tool = pool.get('yuexing.material.tool')
        Loan = pool.get('yuexing.material.tool.loan')
        Maintenance = pool.get('yuexing.material.tool.maintenance')
        User = pool.get('res.user')
        with material_world() as (company, _, li, _):
            wang = create_technician(company, '王师傅', user_login='wang')
            keeper = create_user('cangguan', ['group_warehouse'],
                company=company)
            dispatcher = create_user('diaodu', ['group_dispatcher'],
                company=company)
            finance = create_user('caiwu', ['group_finance'],
                company=company)
            service = create_user('kefu', ['group_customer_service'],
                company=company)
            li_user, = User.search([('login', '=', 'li')])
            wang_user, = User.search([('login', '=', 'wang')])

            with acting_as(keeper):
                gun = create_tool()
                drill = create_tool('电锤', 'BOSCH-0001', 'power')
                li_loan = lend(gun, li)
                wang_loan = lend(drill, wang)
                repair, = Maintenance.create([{'tool': drill.id}])

            with acting_as(dispatcher):
                self.assertEqual(
                    [(t, t.holder) for t in Tool.search([])],
                    [(gun, li), (drill, wang)])
                self.assertEqual(len(Loan.search([('state', '=', 'open')])),
                    2)
                with self.assertRaises(DENIED), rolled_back_on_error():
                    Loan.return_tool([Loan(li_loan.id)])
                with self.assertRaises(DENIED), rolled_back_on_error():
                    create_tool('角磨机', 'BOSCH-0002', 'power')
            with acting_as(finance):
                self.assertEqual(sum(t.value for t in Tool.search([])),
                    Decimal('6400'))
                with self.assertRaises(DENIED), rolled_back_on_error():
                    Tool.write([Tool(gun.id)], {'value': Decimal(1)})
            with acting_as(service), self.assertRaises(DENIED):
                Tool.search([])

            with acting_as(li_user):
                # his loans only, and no lending or returning of his own
                self.assertEqual(Loan.search([]), [li_loan])
                with self.assertRaises(DENIED), rolled_back_on_error():
                    Loan.return_tool([Loan(wang_loan.id)])
                with self.assertRaises(DENIED), rolled_back_on_error():
                    Loan.return_tool([Loan(li_loan.id)])
                with self.assertRaises(DENIED), rolled_back_on_error():
                    Loan.create([{'tool': gun.id, 'technician': li.id}])
                with self.assertRaises(DENIED), rolled_back_on_error():
                    Maintenance.search([])
            with acting_as(wang_user):
                self.assertEqual(Loan.search([]), [wang_loan])

            with acting_as(keeper):
                Loan.return_tool([Loan(li_loan.id)])
                Maintenance.write([repair], {'description': '电机碳刷'})
            self.assertEqual(Tool(gun.id).state, 'available')

    @with_transaction()
    def test_demo_tools(self):
        """The demo's tool room: a dozen tools, some lent (one overdue), one
        under repair, a returned loan and a finished service"""
        pool = Pool()
        Demo = pool.get('yuexing.demo')
        Tool = pool.get('yuexing.material.tool')
        Loan = pool.get('yuexing.material.tool.loan')
        Maintenance = pool.get('yuexing.material.tool.maintenance')
        self.assertIn('demo_tools', [m for m, _ in Demo.steps()])
        with material_world() as (company, _, technician, _):
            create_technician(company, '王师傅')
            create_technician(company, '张师傅')
            Demo.demo_tools(SimpleNamespace(
                    records={'company': company},
                    report=lambda *args: None))
            self.assertEqual(Tool.search_count([]), 12)
            self.assertEqual(Tool.search_count([('state', '=', 'lent')]), 4)
            self.assertEqual(
                Tool.search_count([('state', '=', 'maintenance')]), 1)
            self.assertEqual(Loan.search_count([('overdue', '=', True)]), 1)
            self.assertEqual(
                Loan.search_count([('state', '=', 'returned')]), 1)
            self.assertEqual(Tool.search_count(
                    [('holder', '=', technician.id)]), 2)
            self.assertEqual(
                [m.state for m in Maintenance.search([])],
                ['in_progress', 'done'])
