"""Warranties, claims, complaints, surveys and cases: the business rules,
with access rights and record rules as the roles meet them."""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
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

from .tools import finish, finished_order


class WarrantyTestCase(FunctionalTestCase):
    "After-sales: warranties, claims, complaints, surveys, cases"
    module = 'yuexing_warranty'

    def world(self):
        company, resident, park = company_and_customer()
        technician = create_technician(company, '吴师傅')
        # messages reach a customer through the accounts of the mini-program
        self.resident_user = create_user('wang_w', ['group_c2c_customer'],
            company=company, customer=resident.id)
        return company, resident, park, technician

    @with_transaction()
    def test_warranty_rules_states_reminders_and_lookup(self):
        "Period by rule (B端 by contract), states, reminders once, lookup"
        pool = Pool()
        Warranty = pool.get('yuexing.warranty')
        Rule = pool.get('yuexing.warranty.rule')
        Message = pool.get('yuexing.message')
        Care = pool.get('yuexing.customer.care')
        Date = pool.get('ir.date')
        today = Date.today()
        company, resident, park, technician = self.world()
        with set_company(company):
            kefu = create_user('kefu_w', ['group_customer_service'],
                company=company)
            Rule.create([{
                        'name': '园区合同 屋面 8 年', 'customer': park.id,
                        'leak_site': 'roof', 'months': 96,
                        'scope': '合同约定范围'}])
            roof = finished_order(resident, technician)
            bathroom = finished_order(resident, technician,
                leak_site='bathroom')
            contract = finished_order(park, technician)
            other = finished_order(resident, technician, leak_site='garage')

            warranty, = roof.warranties
            self.assertEqual(warranty.months, 60)
            self.assertEqual(warranty.start_date, today)
            self.assertEqual(warranty.end_date,
                today + relativedelta(months=60) - dt.timedelta(days=1))
            self.assertIn('屋面防水层', warranty.scope)
            self.assertIn('二次装修', warranty.exclusions)
            self.assertEqual(warranty.technician, technician)
            self.assertEqual(warranty.number, 'ZB' + roof.number)
            self.assertEqual(warranty.state, 'active')
            self.assertEqual(bathroom.warranties[0].months, 24)
            self.assertEqual(contract.warranties[0].months, 96)
            self.assertEqual(other.warranties[0].months, 12)

            # 30 days before the end: expiring soon; after it: expired
            soon, = bathroom.warranties
            Warranty.write([soon], {
                    'end_date': today + dt.timedelta(days=10)})
            gone, = other.warranties
            Warranty.write([gone], {
                    'end_date': today - dt.timedelta(days=1)})
            self.assertEqual(Warranty(soon.id).state, 'expiring')
            self.assertEqual(Warranty(gone.id).state, 'expired')
            self.assertEqual(
                Warranty.search([('state', '=', 'expiring')]), [soon])
            self.assertEqual(
                Warranty.search([('state', '=', 'expired')]), [gone])
            self.assertEqual(set(Warranty.search(
                        [('state', 'in', ['active', 'void'])])),
                {warranty, contract.warranties[0]})

            reminded = Warranty.send_reminders()
            self.assertEqual(reminded, [soon])
            messages = Message.search([
                    ('event', '=', 'warranty_expiring')])
            self.assertEqual({m.user.id for m in messages},
                {kefu.id, self.resident_user.id})
            staff_message, = [m for m in messages if m.user == kefu]
            self.assertIn(soon.number, staff_message.body)
            care, = Care.search([('kind', '=', 'revisit')])
            self.assertEqual(care.party, resident)
            self.assertEqual(care.due_date, today + dt.timedelta(days=3))
            self.assertIn(soon.number, care.subject)
            # the cron runs again: nothing twice
            self.assertEqual(Warranty.send_reminders(), [])
            self.assertEqual(len(Message.search([
                            ('event', '=', 'warranty_expiring')])),
                len(messages))

            # lookup by order number, phone and address
            self.assertEqual(Warranty.lookup(roof.number), [warranty])
            self.assertEqual(set(Warranty.lookup('13800138000')),
                {warranty, soon, gone})
            self.assertIn(contract.warranties[0],
                Warranty.lookup('碧波路'))

            # one warranty per order, even when done again
            self.assertEqual(Warranty.create_for([roof]), [])
            with self.assertRaises(UserError) as cm:
                Warranty.do_void([warranty], '')
            self.assertIn('作废', cm.exception.message)
            Warranty.do_void([warranty], '客户自行改造屋面')
            self.assertEqual(Warranty(warranty.id).state, 'void')

            # a resident sees only their own warranties and cannot write
            with acting_as(self.resident_user):
                self.assertEqual(set(Warranty.search([])),
                    {warranty, soon, gone})
                with self.assertRaises(UserError):
                    Warranty.write([Warranty(soon.id)], {
                            'end_date': today + dt.timedelta(days=999)})

    @with_transaction()
    def test_claim_free_in_period_paid_outside_and_rework_kpi(self):
        "In period: free rework, warranty cost; expired: refused"
        pool = Pool()
        Warranty = pool.get('yuexing.warranty')
        WorkOrder = pool.get('yuexing.work_order')
        Evaluation = pool.get('yuexing.performance.evaluation')
        Date = pool.get('ir.date')
        today = Date.today()
        company, resident, park, technician = self.world()
        with set_company(company):
            original = finished_order(resident, technician,
                leak_site='bathroom', quantity=6)
            warranty, = original.warranties
            with self.assertRaises(UserError) as cm:
                warranty.open_claim('  ')
            self.assertIn('问题描述', cm.exception.message)

            repair = warranty.open_claim('卫生间又渗水到楼下')
            self.assertEqual(repair.type, 'after_sales')
            self.assertEqual(repair.state, 'confirmed')
            self.assertTrue(repair.warranty_covered)
            self.assertEqual(repair.warranty, warranty)
            self.assertEqual(repair.rework_of, original)
            self.assertEqual(repair.origin, warranty)
            self.assertIn('卫生间又渗水到楼下', repair.description)
            self.assertEqual(repair.quotes, ())
            self.assertEqual(Warranty(warranty.id).repairs, (repair,))
            repair.check_dispatchable()  # free: no quote needed

            WorkOrder.write([repair], {'technician': technician.id})
            repair = finish(repair)
            # a repair under warranty continues the original warranty
            self.assertEqual(repair.warranties, ())
            self.assertEqual(repair.amount, None)

            # the original technician's rework rate counts it: of his two
            # finished orders (the original and the repair), one reworked
            rates = Evaluation._kpi_rework_rate(
                [technician], today, today)
            self.assertEqual(rates[technician.id], Decimal('50.00'))

            # an excluded cause: a paid after-sales order, quoted as usual
            paid = warranty.open_claim('装修打孔破坏防水层',
                in_scope=False)
            self.assertFalse(paid.warranty_covered)
            self.assertEqual(paid.rework_of, None)
            self.assertEqual(paid.state, 'submitted')

            # expired: refused under warranty, a paid order still possible
            Warranty.write([warranty], {
                    'end_date': today - dt.timedelta(days=1)})
            warranty = Warranty(warranty.id)
            count = WorkOrder.search_count([])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                warranty.open_claim('又漏了')
            self.assertIn('过期', cm.exception.message)
            self.assertIn('付费维修', cm.exception.message)
            self.assertEqual(WorkOrder.search_count([]), count)
            paid = warranty.open_claim('又漏了', in_scope=False)
            self.assertEqual(paid.type, 'after_sales')

    @with_transaction()
    def test_complaint_deadline_log_answer_and_closure(self):
        "Deadline on the working calendar; result required; confirmation"
        pool = Pool()
        Complaint = pool.get('yuexing.complaint')
        Calendar = pool.get('yuexing.sla.calendar')
        Configuration = pool.get('yuexing.configuration')
        Statistics = pool.get('yuexing.complaint.statistics')
        Message = pool.get('yuexing.message')
        company, resident, park, technician = self.world()
        with set_company(company):
            calendar, = Calendar.create([{'name': '全天候',
                        'round_the_clock': True}])
            Configuration.write([Configuration(1)], {
                    'complaint_calendar': calendar.id})
            kefu = create_user('kefu_c', ['group_customer_service'],
                company=company)
            order = finished_order(resident, technician)

            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Complaint.create([{'customer': resident.id,
                            'description': '   '}])
            self.assertIn('投诉内容', cm.exception.message)
            self.assertEqual(Complaint.search([]), [])

            with acting_as(kefu):
                complaint, = Complaint.create([{
                            'customer': resident.id, 'channel': 'phone',
                            'category': 'leak_again',
                            'severity': 'critical',
                            'work_order': order.id,
                            'description': '修完又漏了'}])
            complaint = Complaint(complaint.id)
            self.assertTrue(complaint.number.startswith('TS'))
            self.assertEqual(complaint.technician, technician)
            self.assertEqual(complaint.deadline - complaint.received_at,
                dt.timedelta(hours=4))
            self.assertEqual(len(complaint.logs), 1)
            self.assertTrue(Message.search([
                        ('event', '=', 'complaint_received'),
                        ('user', '=', kefu.id)]))

            with acting_as(kefu):
                Complaint.process([complaint])
                self.assertEqual(Complaint(complaint.id).assignee, kefu)
                with self.assertRaises(UserError) as cm:
                    Complaint.answer([complaint])
                self.assertIn('处理结果', cm.exception.message)
                Complaint.write([complaint], {
                        'result': '原师傅复查重做，费用全免'})
                Complaint.answer([complaint])
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.state, 'answered')
            self.assertTrue(Message.search([
                        ('event', '=', 'complaint_answered'),
                        ('party', '=', resident.id)]))
            # not satisfied: back to processing, the reason logged
            Complaint.reopen([complaint], '还是有水渍')
            self.assertEqual(Complaint(complaint.id).state, 'processing')
            Complaint.answer([complaint])
            Complaint.confirm([complaint])
            complaint = Complaint(complaint.id)
            self.assertEqual(complaint.state, 'closed')
            self.assertIsNotNone(complaint.hours_to_close)
            self.assertEqual(len(complaint.logs), 6)
            self.assertTrue(any('还是有水渍' in l.note
                    for l in complaint.logs))

            stats, = Statistics.search([])
            self.assertEqual((stats.category, stats.count, stats.closed,
                    stats.technician), ('leak_again', 1, 1, technician))

            with self.assertRaises(UserError):
                Complaint.delete([complaint])
            # a technician has no access to complaints
            tech_user = create_user('tech_c', ['group_technician'],
                company=company)
            with acting_as(tech_user), self.assertRaises(AccessError):
                Complaint.search([])

    @with_transaction()
    def test_survey_sent_answered_and_results(self):
        "A survey per finished order; answers checked; results by month"
        pool = Pool()
        Survey = pool.get('yuexing.survey')
        Result = pool.get('yuexing.survey.result')
        Message = pool.get('yuexing.message')
        company, resident, park, technician = self.world()
        with set_company(company):
            order = finished_order(resident, technician)
            survey, = Survey.search([('work_order', '=', order.id)])
            self.assertEqual(survey.technician, technician)
            self.assertTrue(Message.search([
                        ('event', '=', 'survey_sent'),
                        ('party', '=', resident.id)]))
            questions = survey.questions()
            # the after-sales question only after a repair
            self.assertEqual(len(questions), 4)
            scores = [q for q in questions if q.kind == 'score']
            text, = [q for q in questions if q.kind == 'text']
            with self.assertRaises(UserError) as cm:
                survey.submit_answers({scores[0].id: 5})
            self.assertIn(scores[1].text, cm.exception.message)
            with self.assertRaises(UserError) as cm:
                survey.submit_answers({q.id: 6 for q in scores})
            self.assertIn('1 到 5', cm.exception.message)
            survey.submit_answers({scores[0].id: 5, scores[1].id: 4,
                    scores[2].id: 3, text.id: '很好'})
            survey = Survey(survey.id)
            self.assertEqual(survey.state, 'answered')
            self.assertEqual(survey.score, Decimal('4.00'))
            with self.assertRaises(UserError):
                survey.submit_answers({q.id: 5 for q in scores})

            other = finished_order(resident, technician)
            # sent only once per order
            self.assertEqual(Survey.send_for([other]), [])
            result, = Result.search([('technician', '=', technician.id)])
            self.assertEqual((result.sent, result.answered), (2, 1))
            self.assertAlmostEqual(result.score, 4.0)

    @with_transaction()
    def test_case_library_suggests_same_site_and_symptoms(self):
        "Same leak site, shared symptoms first; search by keyword"
        pool = Pool()
        Case = pool.get('yuexing.case')
        company, resident, park, technician = self.world()
        with set_company(company):
            old = finished_order(resident, technician, leak_site='bathroom')
            pipe, shower, roof = Case.create([{
                        'title': '卫生间管根渗漏', 'leak_site': 'bathroom',
                        'work_order': old.id,
                        'symptoms': '楼下天花板管道周围滴水，管根渗水',
                        'cause': '管根未做附加层',
                        'solution': '安装止水节，附加层两遍'}, {
                        'title': '淋浴区墙面返潮', 'leak_site': 'bathroom',
                        'symptoms': '隔壁墙面返潮发霉',
                        'solution': '墙面防水刷至1.8米'}, {
                        'title': '屋面卷材起鼓', 'leak_site': 'roof',
                        'symptoms': '楼下天花板滴水',
                        'solution': '重新铺贴卷材'}])
            order = create_order(resident, leak_site='bathroom',
                description='卫生间管道周围渗水，楼下天花板滴水')
            self.assertEqual(Case.suggest(order), [pipe])
            self.assertEqual(order.suggested_cases, (pipe,))
            self.assertEqual(Case.search(
                    Case.search_domain_for('返潮', 'bathroom')), [shower])
            self.assertEqual(set(Case.search(
                        Case.search_domain_for('滴水'))), {pipe, roof})
