import datetime as dt
import os
import threading
import unittest
from decimal import Decimal

from trytond.exceptions import UserError
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
    PNG,
    attach_photos,
    company_and_customer,
    create_order,
    create_product,
    create_technician,
    quote_and_confirm,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME,
    USER,
    with_transaction,
)
from trytond.transaction import Transaction

BACKEND = os.environ.get('YUEXING_TEST_BACKEND', 'sqlite')


class WorkOrderFlowTestCase(FunctionalTestCase):
    "Work orders from the call to the archive"
    module = 'yuexing_workorder'

    def setup_world(self):
        company, resident, park = company_and_customer()
        self.company = company
        self.resident, self.park = resident, park
        with set_company(company):
            self.membrane = create_product(
                'SBS改性沥青防水卷材', '230', '165', 'yuexing_base.uom_roll')
            self.labour = create_product(
                '防水工人工', '80', '45', 'product.uom_hour', 'service')
        return company

    # ---- intake and estimate -----------------------------------------------

    @with_transaction()
    def test_caller_phone_finds_customer_and_contact(self):
        "客服 types the caller's number: customer, address, contact filled"
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Contact = pool.get('yuexing.party.contact')
        company = self.setup_world()
        manager, = Contact.create([{
                    'party': self.park.id, 'name': '刘经理',
                    'phone': '13911112222', 'role': 'property'}])
        with set_company(company):
            order = WorkOrder()
            order.caller_phone = '139-1111-2222'
            order.on_change_caller_phone()
        self.assertEqual(order.customer, self.park)
        self.assertEqual(order.type, 'b_repair')
        self.assertEqual(order.contact, manager)
        self.assertEqual(order.contact_name, '刘经理')
        self.assertEqual(order.address, self.park.addresses[0])

    @with_transaction()
    def test_submit_numbers_estimates_and_sets_deadlines(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            order = create_order(self.resident, leak_site='roof',
                quantity=20)
            WorkOrder.submit([order])
        self.assertTrue(order.number.startswith('GD'))
        self.assertEqual(order.state, 'submitted')
        # Roof rule: 200 base + 80..160 per m² × 20 m².
        self.assertEqual(order.estimate_min, Decimal('1800.00'))
        self.assertEqual(order.estimate_max, Decimal('3400.00'))
        self.assertEqual(order.sla_policy.name, 'Standard')
        self.assertTrue(order.submitted_at < order.response_deadline
            < order.completion_deadline)
        self.assertEqual(order.district.name, '浦东新区')
        self.assertEqual(
            {s.code for s in order.required_skills}, {'membrane'})
        log, = order.logs
        self.assertEqual((log.from_state, log.to_state),
            ('draft', 'submitted'))

    @with_transaction()
    def test_small_job_charged_the_minimum_and_contract_price(self):
        "A tiny job costs the minimum; a B端 contract price list wins"
        pool = Pool()
        Estimate = pool.get('yuexing.estimate.rule')
        PriceList = pool.get('product.price_list')
        Party = pool.get('party.party')
        company = self.setup_world()
        with set_company(company):
            small = create_order(self.resident, leak_site='window',
                quantity=1)
            self.assertEqual(Estimate.estimate(small),
                (Decimal('300.00'), Decimal('300.00')))
            service = create_product(
                '外墙防水维修', '150', '90', 'product.uom_unit', 'service')
            rule, = Estimate.search([('leak_site', '=', 'facade')])
            rule.service_product = service
            rule.save()
            price_list, = PriceList.create([{
                        'name': '张江园区年度合同价',
                        'lines': [('create', [{
                                        'product': service.id,
                                        'formula': 'Decimal("95")'}])]}])
            Party.write([self.park], {'service_price_list': price_list.id})
            contract = create_order(self.park, leak_site='facade',
                quantity=30)
        # 300 base + 95 × 30 m², not the 120..220 public range.
        self.assertEqual(Estimate.estimate(contract),
            (Decimal('3150.00'), Decimal('3150.00')))

    @with_transaction()
    def test_pasted_address_becomes_customer_address(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            order, = WorkOrder.create([{
                        'company': company.id,
                        'customer': self.resident.id,
                        'address': self.resident.addresses[0].id,
                        'address_text': '上海市徐汇区漕溪北路201号',
                        'leak_site': 'bathroom',
                        'description': '卫生间地漏周边渗水到楼下',
                        }])
        self.assertEqual(order.address.district.name, '徐汇区')
        self.assertEqual(order.address.party, self.resident)
        self.assertEqual(order.district.name, '徐汇区')
        self.assertIsNone(order.address_text)

    @with_transaction()
    def test_bad_contact_phone_refused(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                create_order(self.resident, leak_site='roof',
                    contact_phone='12345')
        self.assertIn('联系电话', cm.exception.message)
        self.assertEqual(WorkOrder.search_count([]), 0)

    # ---- quotes ------------------------------------------------------------

    @with_transaction()
    def test_quote_amounts_margin_and_versions(self):
        pool = Pool()
        Quote = pool.get('yuexing.quote')
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            order = create_order(self.resident, leak_site='roof')
            WorkOrder.submit([order])
            WorkOrder.respond([order])
            WorkOrder.new_quote([order])
            first = order.quote
            Quote.write([first], {'lines': [('create', [
                                {'kind': 'material',
                                    'product': self.membrane.id,
                                    'description': '卷材', 'quantity': 4,
                                    'unit': self.membrane.default_uom.id,
                                    'unit_cost': Decimal('165'),
                                    'unit_price': Decimal('230')},
                                {'kind': 'labour',
                                    'product': self.labour.id,
                                    'description': '人工', 'quantity': 8,
                                    'unit': self.labour.default_uom.id,
                                    'unit_cost': Decimal('45'),
                                    'unit_price': Decimal('80')}])]})
        self.assertEqual(first.untaxed_amount, Decimal('1560.00'))
        self.assertEqual(first.cost_amount, Decimal('1020.00'))
        self.assertEqual(first.tax_amount, Decimal('140.40'))
        self.assertEqual(first.total_amount, Decimal('1700.40'))
        self.assertEqual(first.margin_rate, Decimal('0.3462'))
        # Small job, margin above 30 %: no approval needed.
        Quote.submit_approval([first])
        self.assertEqual(first.state, 'approved')
        Quote.send([first])
        self.assertEqual(order.state, 'quoted')

        with set_company(company):
            WorkOrder.new_quote([order])
        second = WorkOrder(order.id).quote
        self.assertEqual(second.version, 2)
        self.assertEqual(Quote(first.id).state, 'superseded')
        self.assertEqual(len(second.lines), 2)
        pool.get('yuexing.quote.line').write(
            [second.lines[0]], {'quantity': 6})
        Compare = pool.get('yuexing.quote.compare', type='wizard')
        rows = Compare.compare(second, Quote(first.id))
        changed = {r['description']: r for r in rows}
        self.assertEqual(changed['卷材']['change'], 'changed')
        self.assertEqual(changed['卷材']['difference'], Decimal('460.00'))
        self.assertEqual(changed['人工']['change'], 'same')
        with self.assertRaises(UserError) as cm:
            Quote.confirm([Quote(first.id)])
        self.assertIn('不能变为', cm.exception.message)

    @with_transaction()
    def test_quote_approval_levels(self):
        "A big, thin-margin quote needs the manager then the management"
        pool = Pool()
        Quote = pool.get('yuexing.quote')
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        manager = create_user('xiangmu', ['group_project_manager'],
            company=company)
        boss = create_user('guanli', ['group_management'], company=company)
        service = create_user('kefu', ['group_customer_service'],
            company=company)
        with set_company(company):
            order = create_order(self.park, leak_site='basement')
            WorkOrder.submit([order])
            quote = Quote.new_version(order)
        line = pool.get('yuexing.quote.line')(quote=quote, quantity=300)
        line.product = self.membrane
        line.on_change_product()
        line.unit_price = Decimal('190')  # margin 13 %, total 62,130
        line.save()
        with acting_as(service):
            Quote.submit_approval([Quote(quote.id)])
        quote = Quote(quote.id)
        self.assertEqual(quote.state, 'pending')
        self.assertEqual(
            [t.name for t in quote.approval_tasks],
            ['项目经理审批', '管理层审批'])
        with acting_as(service):
            with self.assertRaises(AccessButtonError):
                Quote.approve([Quote(quote.id)])
        with acting_as(boss):
            # Management decides only once the manager has approved.
            with self.assertRaises(UserError) as cm:
                Quote.approve([Quote(quote.id)])
            self.assertIn('无权', cm.exception.message)
        with acting_as(manager):
            Quote.approve([Quote(quote.id)])
        self.assertEqual(Quote(quote.id).state, 'pending')
        with acting_as(boss):
            Quote.reject_approval([Quote(quote.id)])
        quote = Quote(quote.id)
        self.assertEqual(quote.state, 'draft')
        self.assertEqual(
            [(t.name, t.state) for t in quote.approval_tasks],
            [('项目经理审批', 'approved'), ('管理层审批', 'rejected')])
        self.assertEqual(
            [(l.action, l.user.login if l.user else None)
                for l in quote.approval_history],
            [('submitted', 'kefu'), ('approved', 'xiangmu'),
                ('rejected', 'guanli'), ('done', None)])

    @with_transaction()
    def test_dispatch_needs_confirmed_quote(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            technician = create_technician(company, '李师傅',
                [('membrane', 'senior')])
            order = create_order(self.resident, leak_site='roof')
            WorkOrder.submit([order])
            with self.assertRaises(UserError) as cm:
                WorkOrder.assign([order], technician)
        self.assertIn('报价', cm.exception.message)
        self.assertIn('确认', cm.exception.message)

    # ---- dispatch ----------------------------------------------------------

    @with_transaction()
    def test_recommendation_ranks_and_explains(self):
        "Eligible technicians first, by distance, load and rating, with why"
        pool = Pool()
        Dispatch = pool.get('yuexing.work_order.dispatch')
        Employee = pool.get('company.employee')
        company = self.setup_world()
        with set_company(company):
            near = create_technician(company, '近处师傅',
                [('facade', 'senior'), ('high_altitude', 'senior')],
                certificates=['HIGH_ALT'])
            far = create_technician(company, '远处师傅',
                [('facade', 'senior'), ('high_altitude', 'senior')],
                certificates=['HIGH_ALT'], offset=0.15)
            uncertified = create_technician(company, '无证师傅',
                [('facade', 'expert'), ('high_altitude', 'expert')])
            hangzhou = create_technician(company, '杭州师傅',
                [('facade', 'senior'), ('high_altitude', 'senior')],
                certificates=['HIGH_ALT'], adcode='330106')
            Employee.write([far], {'rating': Decimal('4.9')})
            order = create_order(self.resident, leak_site='facade')
            quote_and_confirm(order, [(self.membrane, 1)])
        candidates = Dispatch.candidates(order)
        ranked = [c['technician'] for c in candidates]
        self.assertEqual(ranked[:2], [near, far])
        by_technician = {c['technician']: c for c in candidates}
        self.assertTrue(by_technician[near]['eligible'])
        self.assertLess(by_technician[near]['distance'], 5)
        self.assertIn('公里', by_technician[near]['reasons'])
        self.assertFalse(by_technician[uncertified]['eligible'])
        self.assertIn('无有效证书', by_technician[uncertified]['reasons'])
        self.assertFalse(by_technician[hangzhou]['eligible'])
        self.assertIn('不在服务区域', by_technician[hangzhou]['reasons'])

        with set_company(company):
            with self.assertRaises(UserError) as cm:
                pool.get('yuexing.work_order').assign([order], uncertified)
        self.assertIn('高处作业', cm.exception.message)

    @with_transaction()
    def test_assign_accept_reject_reassign_history(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            one = create_technician(company, '王师傅',
                [('membrane', 'senior')])
            two = create_technician(company, '赵师傅',
                [('membrane', 'senior')])
            order = create_order(self.resident, leak_site='roof')
            quote_and_confirm(order, [(self.membrane, 2)])
            WorkOrder.assign([order], one, note='就近派单')
            self.assertEqual((order.state, order.technician),
                ('dispatched', one))
            with self.assertRaises(UserError):
                WorkOrder.do_reject([order], '')
            WorkOrder.do_reject([order], '当天已排满')
            self.assertEqual(order.state, 'confirmed')
            self.assertTrue(order.escalated)
            self.assertIsNone(order.technician)
            WorkOrder.assign([order], two)
            WorkOrder.accept([order])
            WorkOrder.assign([order], one, note='客户要求换师傅')
        self.assertEqual(order.technician, one)
        history = [(d.technician, d.method, d.state)
            for d in reversed(order.dispatches)]
        self.assertEqual(history, [
                (one, 'manual', 'rejected'),
                (two, 'manual', 'reassigned'),
                (one, 'reassign', 'offered'),
                ])
        self.assertEqual(order.dispatches[-1].reason, '当天已排满')
        states = [(l.from_state, l.to_state) for l in order.logs]
        self.assertIn(('dispatched', 'confirmed'), states)
        reject_log, = [l for l in order.logs
            if (l.from_state, l.to_state) == ('dispatched', 'confirmed')]
        self.assertEqual(reject_log.reason, '当天已排满')

    @with_transaction()
    def test_grab_once_and_ineligible_refused(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            first = create_technician(company, '快手师傅',
                [('membrane', 'senior')])
            second = create_technician(company, '慢手师傅',
                [('membrane', 'senior')])
            unskilled = create_technician(company, '外墙师傅',
                [('facade', 'senior')])
            order = create_order(self.resident, leak_site='roof')
            quote_and_confirm(order, [(self.membrane, 2)])
            with self.assertRaises(UserError):
                WorkOrder.grab(order, first)  # not published yet
            WorkOrder.publish([order])
            with self.assertRaises(UserError) as cm:
                WorkOrder.grab(order, unskilled)
            self.assertIn('卷材铺贴', cm.exception.message)
            WorkOrder.grab(order, first)
            self.assertEqual((order.state, order.technician),
                ('accepted', first))
            self.assertFalse(order.pool_open)
            with self.assertRaises(UserError) as cm:
                WorkOrder.grab(WorkOrder(order.id), second)
        self.assertIn('已被其他师傅抢走', cm.exception.message)
        dispatch, = order.dispatches
        self.assertEqual((dispatch.method, dispatch.state),
            ('pool', 'accepted'))

    @with_transaction()
    def test_timeouts_escalate_to_dispatcher(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Notification = pool.get('res.notification')
        company = self.setup_world()
        dispatcher = create_user('diaodu', ['group_dispatcher'],
            company=company)
        with set_company(company):
            technician = create_technician(company, '孙师傅',
                [('membrane', 'senior')])
            late, unclaimed, fresh = [
                create_order(self.resident, leak_site='roof')
                for _ in range(3)]
            for order in [late, unclaimed, fresh]:
                quote_and_confirm(order, [(self.membrane, 1)])
            WorkOrder.assign([late], technician)
            WorkOrder.publish([unclaimed])
            now = dt.datetime.now() + dt.timedelta(minutes=61)
            escalated = WorkOrder.check_timeouts(now=now)
        self.assertEqual(set(escalated), {late, unclaimed})
        self.assertEqual((late.state, late.technician, late.escalated),
            ('confirmed', None, True))
        self.assertEqual(late.dispatches[0].state, 'timeout')
        self.assertFalse(unclaimed.pool_open)
        self.assertTrue(unclaimed.escalated)
        self.assertEqual(fresh.state, 'confirmed')
        self.assertFalse(fresh.escalated)
        self.assertEqual(Notification.search_count(
                [('user', '=', dispatcher.id)]), 2)
        with set_company(company):
            self.assertEqual(WorkOrder.check_timeouts(now=now), [])

    # ---- visits and construction -------------------------------------------

    @with_transaction()
    def test_no_double_booking_nor_past_appointment(self):
        pool = Pool()
        Visit = pool.get('yuexing.work_order.visit')
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            technician = create_technician(company, '周师傅',
                [('membrane', 'senior'), ('coating', 'senior')])
            one = create_order(self.resident, leak_site='roof')
            two = create_order(self.park, leak_site='roof')
            for order in [one, two]:
                quote_and_confirm(order, [(self.membrane, 1)])
                WorkOrder.assign([order], technician)
            start = dt.datetime.now().replace(microsecond=0) + dt.timedelta(
                days=1)
            Visit.create([{
                        'work_order': one.id, 'technician': technician.id,
                        'planned_start': start,
                        'planned_end': start + dt.timedelta(hours=3)}])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Visit.create([{
                            'work_order': two.id,
                            'technician': technician.id,
                            'planned_start': start + dt.timedelta(hours=2),
                            'planned_end': start + dt.timedelta(hours=4)}])
            self.assertIn('冲突', cm.exception.message)
            self.assertIn(one.number, cm.exception.message)
            Visit.create([{
                        'work_order': two.id, 'technician': technician.id,
                        'planned_start': start + dt.timedelta(hours=3),
                        'planned_end': start + dt.timedelta(hours=5)}])
            with self.assertRaises(UserError) as cm:
                Visit.create([{
                            'work_order': two.id,
                            'technician': technician.id,
                            'planned_start': start - dt.timedelta(days=2),
                            'planned_end': start - dt.timedelta(days=2,
                                hours=-1)}])
            self.assertIn('已经过去', cm.exception.message)

    @with_transaction()
    def test_call_to_archive(self):
        "The whole job: intake, quote, dispatch, site, steps, QC, sign, rate"
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Visit = pool.get('yuexing.work_order.visit')
        Step = pool.get('yuexing.work_order.step')
        Material = pool.get('yuexing.work_order.material')
        Rating = pool.get('yuexing.work_order.rating')
        Report = pool.get('yuexing.work_order.acceptance_report',
            type='report')
        company = self.setup_world()
        with set_company(company):
            technician = create_technician(company, '陈师傅',
                [('membrane', 'expert')])
            order = create_order(self.resident, leak_site='roof',
                quantity=12, priority='high')
            quote_and_confirm(order, [(self.membrane, 3), (self.labour, 6)])
            WorkOrder.assign([order], technician)
            WorkOrder.accept([order])
            start = dt.datetime.now() + dt.timedelta(minutes=5)
            visit, = Visit.create([{
                        'work_order': order.id,
                        'technician': technician.id,
                        'planned_start': start,
                        'planned_end': start + dt.timedelta(hours=4)}])
            Visit.depart([visit])
            Visit.update_position([visit], 31.20, 121.50)
            self.assertEqual(visit.last_latitude, 31.20)
            # 3 km from the address: accepted but flagged.
            Visit.check_in([visit], latitude=order.latitude + 0.027,
                longitude=order.longitude)
            self.assertTrue(visit.check_in_flagged)
            self.assertGreater(visit.check_in_distance, 2500)
            self.assertIsNone(visit.last_latitude)
            self.assertEqual(order.state, 'on_site')
            self.assertTrue(order.arrived_at)
            self.assertEqual(
                [s.name for s in order.steps],
                ['基层处理', '细部附加层', '卷材铺贴', '闭水试验（48小时）',
                    '保护层'])

            first = order.steps[0]
            Step.start([first])
            with self.assertRaises(UserError) as cm:
                Step.complete([first])
            self.assertIn('照片 0/2', cm.exception.message)
            self.assertIn('未填写检查项', cm.exception.message)
            attach_photos(first, 2)
            for check in first.checks:
                check.result = 'pass'
                check.save()
            Step.complete([Step(first.id)])
            self.assertEqual(Step(first.id).state, 'done')

            test = [s for s in order.steps if s.min_hours][0]
            # the process order: not before the steps before it are done
            with self.assertRaises(UserError) as cm:
                Step.start([test])
            self.assertIn('细部附加层', cm.exception.message)
            for step in order.steps:
                if step == test:
                    break
                if step.state == 'todo':
                    Step.start([step])
                attach_photos(step, step.required_photos)
                for check in step.checks:
                    check.result = 'pass'
                    check.save()
                Step.complete([Step(step.id)])
            Step.start([test])
            attach_photos(test, 2)
            for check in test.checks:
                check.result = 'pass'
                check.save()
            with self.assertRaises(UserError) as cm:
                Step.complete([Step(test.id)])
            self.assertIn('48', cm.exception.message)
            Step.write([test], {
                    'started_at': dt.datetime.now() - dt.timedelta(hours=49)})
            for step in order.steps:
                if step.state == 'done':
                    continue
                if step.state == 'todo':
                    Step.start([step])
                attach_photos(step, step.required_photos)
                for check in step.checks:
                    check.result = 'pass'
                    check.save()
                Step.complete([Step(step.id)])
            Material.create([{
                        'work_order': order.id, 'product': self.membrane.id,
                        'quantity': 3, 'step': order.steps[2].id,
                        'technician': technician.id}])
            self.assertEqual(order.materials[0].cost, Decimal('495.00'))
            WorkOrder.complete_construction([order])
            self.assertEqual(order.state, 'to_accept')

            # QC fails: a rework order for the same technician.
            inspection = WorkOrder.record_inspection(order, 'fail', [
                    {'name': '闭水试验无渗漏', 'result': 'fail',
                        'note': '落水口周边渗水'}])
            rework = inspection.rework_order
            self.assertEqual(rework.rework_of, order)
            self.assertEqual((rework.state, rework.technician),
                ('dispatched', technician))
            self.assertIn('闭水试验', rework.description)
            self.assertEqual(order.state, 'to_accept')

            WorkOrder.sign(order, PNG, '王先生')
            self.assertEqual(order.state, 'to_accept')  # QC not passed yet
            WorkOrder.record_inspection(order, 'pass', [
                    {'name': '闭水试验无渗漏', 'result': 'pass'}])
            self.assertEqual(order.state, 'done')
            self.assertTrue(order.completed_at)

            Rating.create([{
                        'work_order': order.id, 'punctuality': 5,
                        'quality': 4, 'attitude': 5, 'cleanliness': 4,
                        'comment': '师傅很专业'}])
            self.assertEqual(order.ratings[0].score, Decimal('4.50'))
            self.assertEqual(technician.rating, Decimal('4.50'))
            self.assertEqual(technician.rating_count, 1)
            with self.assertRaises(UserError):
                Rating.create([{
                            'work_order': rework.id, 'punctuality': 5,
                            'quality': 5, 'attitude': 5,
                            'cleanliness': 5}])

            report_format, data, _, _ = Report.execute([order.id], {})
            self.assertEqual(report_format, 'pdf')
            self.assertTrue(bytes(data).startswith(b'%PDF'))

            WorkOrder.archive([order])
        self.assertEqual(order.state, 'closed')
        self.assertEqual(
            [l.to_state for l in order.logs],
            ['submitted', 'quoted', 'confirmed', 'dispatched', 'accepted',
                'on_site', 'to_accept', 'done', 'closed'])

    @with_transaction()
    def test_hold_and_resume(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            order = create_order(self.resident, leak_site='roof')
            WorkOrder.submit([order])
            WorkOrder.respond([order])
            WorkOrder.do_hold([order], '客户出差，下周再约')
            self.assertEqual(
                (order.state, order.hold_from_state),
                ('on_hold', 'surveying'))
            WorkOrder.resume([order])
        self.assertEqual(order.state, 'surveying')
        self.assertEqual(order.logs[-2].reason, '客户出差，下周再约')

    @with_transaction()
    def test_illegal_transition_explained(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            order = create_order(self.resident, leak_site='roof')
            with self.assertRaises(UserError) as cm:
                WorkOrder.archive([order])
        self.assertIn('草稿', cm.exception.message)
        self.assertIn('已归档', cm.exception.message)
        self.assertEqual(order.state, 'draft')

    # ---- SLA ---------------------------------------------------------------

    @with_transaction()
    def test_working_time_skips_nights_and_public_holidays(self):
        "2 working hours from 30 Sep 17:00 end on 8 Oct 09:30 (国庆)"
        pool = Pool()
        Calendar = pool.get('yuexing.sla.calendar')
        ModelData = pool.get('ir.model.data')
        company = self.setup_world()
        calendar = Calendar(ModelData.get_id(
                'yuexing_workorder', 'sla_calendar_office'))
        with set_company(company):
            # Times are stored in UTC; Shanghai is UTC+8.
            start = dt.datetime(2026, 9, 30, 9, 0)  # 17:00 local
            self.assertEqual(calendar.add_working_time(start, 2),
                dt.datetime(2026, 10, 8, 1, 30))  # 09:30 local
            # Saturday is worked; Sunday is not.
            saturday = dt.datetime(2026, 11, 28, 9, 30)  # 17:30 local
            self.assertEqual(calendar.add_working_time(saturday, 1),
                dt.datetime(2026, 11, 30, 1, 0))  # Monday 09:00 local

    @with_transaction()
    def test_sla_warning_then_breach_alerted_once(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Notification = pool.get('res.notification')
        company = self.setup_world()
        dispatcher = create_user('diaodu', ['group_dispatcher'],
            company=company)
        with set_company(company):
            order = create_order(self.resident, leak_site='roof',
                priority='urgent')
            WorkOrder.submit([order])
            self.assertEqual(order.sla_policy.priority, 'urgent')
            deadline = order.response_deadline
            WorkOrder.check_sla(now=deadline - dt.timedelta(minutes=10))
            self.assertEqual(order.sla_state, 'warning')
            WorkOrder.check_sla(now=deadline + dt.timedelta(minutes=1))
            WorkOrder.check_sla(now=deadline + dt.timedelta(minutes=2))
            self.assertEqual(order.sla_state, 'breached')
            self.assertTrue(order.response_breached)
            self.assertEqual(Notification.search_count(
                    [('user', '=', dispatcher.id)]), 2)
            WorkOrder.respond([order])
            self.assertTrue(order.responded_at)
            self.assertTrue(order.response_breached)

    # ---- access ------------------------------------------------------------

    @with_transaction()
    def test_technicians_see_own_and_pool_orders_only(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            mine = create_technician(company, '我', [('membrane', 'senior')],
                user_login='shifu1')
            other = create_technician(company, '别人',
                [('membrane', 'senior')], user_login='shifu2')
            orders = [create_order(self.resident, leak_site='roof')
                for _ in range(3)]
            for order in orders:
                quote_and_confirm(order, [(self.membrane, 1)])
            own, others, pooled = orders
            WorkOrder.assign([own], mine)
            WorkOrder.assign([others], other)
            WorkOrder.publish([pooled])
        User = pool.get('res.user')
        user, = User.search([('login', '=', 'shifu1')])
        with acting_as(user):
            self.assertEqual(set(WorkOrder.search([])), {own, pooled})
            with self.assertRaises(AccessError):
                WorkOrder.read([others.id], ['description'])
            with self.assertRaises(AccessButtonError):
                WorkOrder.dispatch([WorkOrder(own.id)])
            WorkOrder.accept([WorkOrder(own.id)])
            WorkOrder.grab(WorkOrder(pooled.id), mine)
        self.assertEqual(WorkOrder(pooled.id).technician, mine)

    @with_transaction()
    def test_customer_service_cannot_dispatch_or_approve(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        service = create_user('kefu', ['group_customer_service'],
            company=company)
        dispatcher = create_user('diaodu', ['group_dispatcher'],
            company=company)
        with set_company(company):
            order = create_order(self.resident, leak_site='roof')
            quote_and_confirm(order, [(self.membrane, 1)])
        with acting_as(service):
            with self.assertRaises(AccessButtonError):
                WorkOrder.dispatch([WorkOrder(order.id)])
            quote = order.quote
            with self.assertRaises(UserError):
                pool.get('yuexing.quote').approve([quote])
        with acting_as(dispatcher):
            with self.assertRaises(AccessError):
                WorkOrder.create([{
                            'company': company.id,
                            'customer': self.resident.id,
                            'address': self.resident.addresses[0].id,
                            'leak_site': 'roof', 'description': 'x'}])

    @with_transaction()
    def test_customer_sees_only_own_orders(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        with set_company(company):
            mine = create_order(self.resident, leak_site='roof')
            theirs = create_order(self.park, leak_site='roof')
        user = create_user('cduan', ['group_c2c_customer'], company=company,
            customer=self.resident.id)
        with acting_as(user):
            self.assertEqual(WorkOrder.search([]), [mine])
            with self.assertRaises(AccessError):
                WorkOrder.read([theirs.id], ['description'])

    @with_transaction()
    def test_customer_with_orders_not_deleted(self):
        pool = Pool()
        Party = pool.get('party.party')
        company = self.setup_world()
        with set_company(company):
            create_order(self.resident, leak_site='roof')
        with self.assertRaises(UserError) as cm:
            Party.delete([self.resident])
        self.assertIn('工单', cm.exception.message)
        self.assertIn('归档', cm.exception.message)


@unittest.skipUnless(BACKEND == 'postgresql',
    "concurrent grabs are checked on PostgreSQL (row-level locking)")
class GrabConcurrencyTestCase(FunctionalTestCase):
    "Many technicians grab the same order at the same moment"
    module = 'yuexing_workorder'

    def test_simultaneous_grabs_have_one_winner(self):
        from trytond import backend
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, USER) as transaction:
            company, resident, _ = company_and_customer()
            WorkOrder = pool.get('yuexing.work_order')
            with set_company(company):
                membrane = create_product(
                    'SBS改性沥青防水卷材', '230', '165',
                    'yuexing_base.uom_roll')
                technicians = [create_technician(
                        company, f'师傅{i}', [('membrane', 'senior')])
                    for i in range(12)]
                order = create_order(resident, leak_site='roof')
                quote_and_confirm(order, [(membrane, 1)])
                WorkOrder.publish([order])
            transaction.commit()
            order_id, company_id = order.id, company.id
            technician_ids = [t.id for t in technicians]

        barrier = threading.Barrier(len(technician_ids))
        results = []

        def grab(technician_id):
            outcome = 'error'
            barrier.wait()
            for _ in range(5):  # as the RPC layer retries
                try:
                    with Transaction().start(DB_NAME, USER, context={
                                'company': company_id}) as transaction:
                        Order = pool.get('yuexing.work_order')
                        Employee = pool.get('company.employee')
                        Order.grab(Order(order_id), Employee(technician_id))
                        transaction.commit()
                    outcome = 'won'
                except backend.DatabaseOperationalError:
                    continue
                except UserError as error:
                    outcome = ('conflict' if '抢走' in error.message
                        or 'taken' in error.message else error.message)
                except Exception as error:
                    outcome = repr(error)
                break
            results.append(outcome)

        threads = [threading.Thread(target=grab, args=(t,))
            for t in technician_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(results.count('won'), 1, results)
        self.assertEqual(
            results.count('conflict'), len(technician_ids) - 1, results)
        with Transaction().start(DB_NAME, USER) as transaction:
            Order = pool.get('yuexing.work_order')
            order = Order(order_id)
            self.assertEqual(order.state, 'accepted')
            self.assertEqual(len(order.dispatches), 1)
            self.assertEqual(order.dispatches[0].technician, order.technician)

