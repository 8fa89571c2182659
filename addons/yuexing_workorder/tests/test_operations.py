import datetime as dt
import io
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_user,
)
from trytond.modules.yuexing_workorder.import_ import (
    COLUMNS,
    Importer,
    read_rows,
    template_file,
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
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


def xlsx(rows):
    "An import file: the template's headers and these rows."
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(template_file()))
    sheet = book.worksheets[0]
    sheet.delete_rows(2)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


class OperationsTestCase(FunctionalTestCase):
    "Exceptions, costs, statistics and imports of work orders"
    module = 'yuexing_workorder'

    def setup_world(self):
        company, resident, park = company_and_customer()
        self.company, self.resident, self.park = company, resident, park
        with set_company(company):
            self.membrane = create_product(
                'SBS改性沥青防水卷材', '230', '165', 'yuexing_base.uom_roll')
            self.technician = create_technician(
                company, '吴师傅', [('membrane', 'senior')])
        return company

    def started(self, **values):
        "An order in construction, with its process steps."
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Visit = pool.get('yuexing.work_order.visit')
        order = create_order(self.resident, leak_site='roof', **values)
        quote_and_confirm(order, [(self.membrane, 2)])
        WorkOrder.assign([order], self.technician)
        WorkOrder.accept([order])
        start = dt.datetime.now() + dt.timedelta(minutes=5)
        visit, = Visit.create([{
                    'work_order': order.id,
                    'technician': self.technician.id,
                    'planned_start': start,
                    'planned_end': start + dt.timedelta(hours=2)}])
        Visit.check_in([visit])
        return order

    def finish(self, order):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Step = pool.get('yuexing.work_order.step')
        for step in order.steps:
            if step.state == 'todo':
                Step.start([step])
            attach_photos(step, step.required_photos)
            for check in step.checks:
                check.result = 'pass'
                check.save()
            Step.write([step], {'started_at': dt.datetime.now()
                    - dt.timedelta(hours=50)})
            Step.complete([Step(step.id)])
        WorkOrder.complete_construction([order])
        WorkOrder.record_inspection(order, 'pass', [])
        WorkOrder.sign(order, PNG, '王先生')

    # ---- exceptions and delays ---------------------------------------------

    @with_transaction()
    def test_extra_damage_holds_until_requote_confirmed(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Quote = pool.get('yuexing.quote')
        Exception_ = pool.get('yuexing.work_order.exception')
        company = self.setup_world()
        with set_company(company):
            order = self.started()
            first_quote = order.quote
            exception = WorkOrder.report_exception(
                order, 'extra_damage', '拆开后发现找平层大面积空鼓')
            self.assertEqual(
                (order.state, order.hold_from_state), ('on_hold', 'on_site'))
            self.assertIn('空鼓', order.hold_reason)
            self.assertEqual(order.quote.version, 2)
            self.assertEqual(Quote(first_quote.id).state, 'superseded')
            Exception_.write([exception], {'resolution': '追加找平层修补'})
            with self.assertRaises(UserError) as cm:
                Exception_.resolve([exception])
            self.assertIn('确认新的报价', cm.exception.message)
            with self.assertRaises(UserError):
                WorkOrder.resume([order])
            requote = order.quote
            pool.get('yuexing.quote.line').write(
                [requote.lines[0]], {'quantity': 5})
            Quote.submit_approval([requote])
            with Transaction().set_user(0):  # approvers of every level
                while requote.state == 'pending':
                    Quote.approve([requote])
            Quote.send([requote])
            Quote.confirm([requote])
            Exception_.resolve([exception])
        self.assertEqual(order.state, 'on_site')
        self.assertTrue(exception.resolved)

    @with_transaction()
    def test_customer_absent_ends_visit_without_hold(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Visit = pool.get('yuexing.work_order.visit')
        company = self.setup_world()
        with set_company(company):
            order = create_order(self.resident, leak_site='roof')
            quote_and_confirm(order, [(self.membrane, 1)])
            WorkOrder.assign([order], self.technician)
            WorkOrder.accept([order])
            start = dt.datetime.now() + dt.timedelta(hours=2)
            visit, = Visit.create([{
                        'work_order': order.id,
                        'technician': self.technician.id,
                        'planned_start': start,
                        'planned_end': start + dt.timedelta(hours=1)}])
            WorkOrder.report_exception(
                order, 'customer_absent', '敲门无人，电话未接', visit=visit)
        self.assertEqual(visit.state, 'missed')
        self.assertEqual(order.state, 'accepted')
        self.assertTrue(order.exceptions[0].resolved)

    @with_transaction()
    def test_delay_request_moves_deadline_once_approved(self):
        pool = Pool()
        Delay = pool.get('yuexing.work_order.delay')
        company = self.setup_world()
        self.dispatcher = create_user('diaodu', ['group_dispatcher'],
            company=company)
        with set_company(company):
            order = self.started()
            deadline = order.completion_deadline
            with self.assertRaises(UserError) as cm:
                Delay.create([{
                            'work_order': order.id,
                            'requested_deadline': deadline
                            - dt.timedelta(hours=1),
                            'reason': '下雨'}])
            self.assertIn('必须晚于', cm.exception.message)
            later = deadline + dt.timedelta(days=2)
            delay, = Delay.create([{
                        'work_order': order.id,
                        'requested_deadline': later,
                        'reason': '连续降雨，闭水试验需顺延'}])
            self.assertEqual(delay.current_deadline, deadline)
            self.assertEqual(order.completion_deadline, deadline)
            self.assertEqual(delay.extension_hours, 48)
            # The delay flow (流程配置) asks the dispatchers.
            task, = delay.approval_tasks
            self.assertEqual((task.user, task.state),
                (self.dispatcher, 'pending'))
            with acting_as(self.dispatcher):
                Delay.approve([Delay(delay.id)])
            delay = Delay(delay.id)
            self.assertEqual(delay.state, 'approved')
            self.assertEqual(order.completion_deadline, later)
            with self.assertRaises(UserError):
                Delay.reject([delay])

    @with_transaction()
    def test_delay_flow_can_ask_the_team_leader(self):
        "流程配置: the delay step changed to the technician's team leader"
        pool = Pool()
        Delay = pool.get('yuexing.work_order.delay')
        Step = pool.get('yuexing.approval.step')
        Team = pool.get('yuexing.team')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company = self.setup_world()
        step = Step(ModelData.get_id(
                'yuexing_workorder', 'flow_delay_step_dispatcher'))
        Step.write([step], {'approver_kind': 'team_leader', 'group': None})
        with set_company(company):
            order = self.started()
            leader = create_technician(company, '王班长',
                [('membrane', 'senior')], user_login='wangbanzhang')
            Team.create([{'name': '浦东一班', 'code': 'PD1',
                        'company': company.id, 'leader': leader.id,
                        'members': [('add', [leader.id,
                                    self.technician.id])]}])
            technician_user = create_user('wushifu', ['group_technician'],
                company=company,
                employees=[('add', [self.technician.id])])
            with Transaction().set_user(technician_user.id):
                delay, = Delay.create([{
                            'work_order': order.id,
                            'requested_deadline': order.completion_deadline
                            + dt.timedelta(days=1),
                            'reason': '材料未到'}])
        task, = delay.approval_tasks
        self.assertEqual(task.user,
            User.search([('login', '=', 'wangbanzhang')])[0])
        self.assertEqual(task.request.requester, technician_user)

    # ---- costs -------------------------------------------------------------

    @with_transaction()
    def test_costs_computed_when_done(self):
        "Materials at cost, piece-rate labour, 8 % overheads"
        pool = Pool()
        Material = pool.get('yuexing.work_order.material')
        Cost = pool.get('yuexing.work_order.cost')
        company = self.setup_world()
        with set_company(company):
            order = self.started(quantity=20)
            Material.create([{
                        'work_order': order.id,
                        'product': self.membrane.id, 'quantity': 4,
                        'technician': self.technician.id}])
            self.finish(order)
        self.assertEqual(order.state, 'done')
        by_kind = {c.kind: c for c in order.costs}
        self.assertEqual(by_kind['material'].amount, Decimal('660.00'))
        # Standard piece rate: 120 + 8 × 20 m².
        self.assertEqual(by_kind['labour'].amount, Decimal('280.00'))
        self.assertTrue(by_kind['labour'].piece_rate)
        self.assertEqual(by_kind['indirect'].amount, Decimal('75.20'))
        self.assertEqual(order.cost_total, Decimal('1015.20'))
        self.assertEqual(order.gross_margin,
            order.quote.untaxed_amount - Decimal('1015.20'))
        totals = Cost.piece_rate_totals(
            [self.technician], dt.date.today() - dt.timedelta(days=1),
            dt.date.today() + dt.timedelta(days=1))
        (description, amount, source), = totals[self.technician.id]
        self.assertEqual((amount, source), (Decimal('280.00'), order))

        # Booked lines are kept: no second computation, no edit.
        Cost.write(list(order.costs), {'booked': True})
        Cost.compute_for([order])
        self.assertEqual(len(order.costs), 3)
        with self.assertRaises(UserError):
            Cost.write([by_kind['material']], {'quantity': 1})

    # ---- statistics --------------------------------------------------------

    @with_transaction()
    def test_statistics_and_attainment(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Analysis = pool.get('yuexing.work_order.analysis')
        Duration = pool.get('yuexing.work_order.duration')
        Attainment = pool.get('yuexing.sla.attainment')
        Report = pool.get('yuexing.work_order.analysis.xlsx', type='report')
        company = self.setup_world()
        with set_company(company):
            done = self.started(quantity=10)
            self.finish(done)
            open_order = create_order(self.park, leak_site='facade')
            WorkOrder.submit([open_order])
            WorkOrder.respond([open_order])
        with set_company(company), Transaction().set_context(
                company=company.id):
            rows = Analysis.search([])
            self.assertEqual(sum(r.orders for r in rows), 2)
            self.assertEqual(sum(r.done for r in rows), 1)
            sites = {r.leak_site: r.orders for r in rows}
            self.assertEqual(sites, {'roof': 1, 'facade': 1})
            response = [d for d in Duration.search([])
                if d.kind == 'response']
            self.assertEqual(sum(d.orders for d in response), 2)
            self.assertTrue(all(d.bucket.startswith('response_')
                    for d in response))
            attainment = Attainment.search([])
            self.assertEqual(sum(a.orders for a in attainment), 2)
            resident_row, = [a for a in attainment
                if a.customer == self.resident]
            self.assertEqual(resident_row.completion_rate, Decimal('1'))
            self.assertEqual(resident_row.overall_rate, Decimal('1'))
            report_format, data, _, name = Report.execute(
                [r.id for r in rows], {})
        self.assertEqual(report_format, 'xlsx')
        from openpyxl import load_workbook
        sheet = load_workbook(io.BytesIO(data)).worksheets[0]
        headers = [c.value for c in sheet[1]]
        self.assertIn('渗漏部位', headers)
        self.assertEqual(sheet.max_row, len(rows) + 1)

    # ---- batch import ------------------------------------------------------

    @with_transaction()
    def test_import_reports_each_bad_row(self):
        "Every bad row and field is named, in Chinese"
        company = self.setup_world()
        today = dt.date.today()
        rows = read_rows(xlsx([
                    [self.park.code, '刘经理', '13911112222',
                        '上海市浦东新区碧波路690号1号楼屋面', '屋面',
                        '屋面积水渗漏', 30, '严重', '高',
                        today + dt.timedelta(days=1)],
                    ['不存在的客户', '', '', '上海市浦东新区碧波路1号', '屋面',
                        '渗水', '', '', '', None],
                    [self.park.code, '', '1234', '3号楼地下车库', '车顶',
                        '', -2, '', '', '2020-01-01'],
                    ]))
        with set_company(company):
            results = Importer(company).validate(rows)
        (n1, ok, e1), (n2, bad1, e2), (n3, bad2, e3) = results
        self.assertEqual((n1, n2, n3), (2, 3, 4))
        self.assertFalse(e1)
        self.assertEqual(ok['leak_site'], 'roof')
        self.assertEqual(ok['severity'], 'severe')
        self.assertEqual(ok['priority'], 'high')
        self.assertIsNone(bad1)
        self.assertEqual(len(e2), 1)
        self.assertIn('第3行', e2[0])
        self.assertIn('客户“不存在的客户”不存在', e2[0])
        joined = '\n'.join(e3)
        for expected in ['联系电话', '渗漏部位', '“车顶”不是有效值',
                '症状描述', '面积/长度', '已经过去']:
            self.assertIn(expected, joined)
        # An address inside the park's site is accepted (no region given).
        self.assertNotIn('维修地址', joined)

    @with_transaction()
    def test_import_all_or_nothing_and_valid_only(self):
        pool = Pool()
        Job = pool.get('yuexing.work_order.import.job')
        WorkOrder = pool.get('yuexing.work_order')
        company = self.setup_world()
        good = [self.resident.code, '', '13800138000',
            '上海市浦东新区张江路88号3号楼501', '卫生间', '卫生间地漏渗水',
            6, '', '', None]
        park_row = ['021-50801234', '刘经理', '', '2号楼屋面', '屋面',
            '屋面渗水', 40, '', '紧急', None]
        bad = ['nobody', '', '', '上海市浦东新区张江路1号', '屋面', 'x', '',
            '', '', None]
        data = xlsx([good, park_row, bad])
        with set_company(company):
            jobs = Job.create([{
                        'company': company.id, 'filename': 'a.xlsx',
                        'data': data, 'mode': mode}
                    for mode in ['all', 'valid']])
            Job.run([jobs[0]])
            self.assertEqual((jobs[0].created, jobs[0].failed), (0, 1))
            self.assertEqual(WorkOrder.search_count([]), 0)
            self.assertIn('nobody', jobs[0].errors)
            Job.run([jobs[1]])
        job = jobs[1]
        self.assertEqual((job.rows, job.created, job.failed), (3, 2, 1))
        orders = sorted(job.orders, key=lambda o: o.id)
        self.assertEqual([o.state for o in orders], ['submitted'] * 2)
        self.assertEqual(orders[0].customer, self.resident)
        self.assertEqual(orders[0].address.district.name, '浦东新区')
        self.assertEqual(orders[1].customer, self.park)
        self.assertEqual(orders[1].type, 'b_repair')
        self.assertEqual(orders[1].priority, 'urgent')
        self.assertEqual(orders[1].address.street, '2号楼屋面')
        self.assertEqual(orders[1].district.name, '浦东新区')
        self.assertTrue(all(o.number and o.estimate_min for o in orders))

    @with_transaction()
    def test_import_wizard_template_and_bad_file(self):
        pool = Pool()
        Wizard = pool.get('yuexing.work_order.import', type='wizard')
        company = self.setup_world()
        with set_company(company):
            session_id, _, _ = Wizard.create()
            wizard = Wizard(session_id)
            defaults = wizard.default_start(None)
            self.assertTrue(defaults['template_name'].endswith('.xlsx'))
            template = read_rows(defaults['template'])
            self.assertEqual(len(template), 1)
            self.assertEqual(set(template[0]), set(COLUMNS))
            with self.assertRaises(UserError) as cm:
                read_rows(b'not an excel file')
            self.assertIn('xlsx', cm.exception.message)

