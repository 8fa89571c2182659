import datetime as dt
import io
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    rolled_back_on_error,
)
from trytond.modules.yuexing_nc_connector.tests.fakes import FakeNC
from trytond.modules.yuexing_nc_connector.tests.test_vouchers import (
    save_sample,
)
from trytond.modules.yuexing_nc_connector.tests.tools import (
    committed_world,
    configure_nc,
    post_invoice,
)
from trytond.modules.yuexing_workorder.tests.tools import (
    create_order,
    create_product,
    create_technician,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


def sheet(rows):
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["类型", "往来单位", "物料编码", "金额", "摘要"])
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


class OperationsTestCase(FunctionalTestCase):
    "Cost bookings, master-data sync and opening balances"
    module = 'yuexing_nc_connector'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_id, cls.customer_id = committed_world()

    def setUp(self):
        super().setUp()
        self.nc = FakeNC().start()
        self.addCleanup(self.nc.stop)

    def world(self):
        pool = Pool()
        return (pool.get('company.company')(self.company_id),
            pool.get('party.party')(self.customer_id))

    @with_transaction()
    def test_completion_books_costs_and_carries_over(self):
        "Material, labour on completion; carry-over Dr 6401 / Cr 5401"
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        CostLine = pool.get('yuexing.work_order.cost')
        Voucher = pool.get('yuexing.nc.voucher')
        company, customer = self.world()
        with set_company(company):
            configure_nc(self.nc.url)
            membrane = create_product('SBS卷材', '230', '165')
            technician = create_technician(company, '吴师傅')
            order = create_order(customer, leak_site='roof')
            CostLine.create([{
                        'work_order': order.id, 'kind': 'material',
                        'description': 'SBS卷材', 'product': membrane.id,
                        'quantity': 4, 'unit_cost': Decimal('165'),
                        }, {
                        'work_order': order.id, 'kind': 'labour',
                        'description': '防水工 8小时',
                        'employee': technician.id,
                        'quantity': 8, 'unit_cost': Decimal('45'),
                        }])
            WorkOrder.write([order], {'state': 'to_accept'})
            WorkOrder.mark_done([order])
            costs = CostLine.search([('work_order', '=', order.id)])
            self.assertTrue(all(c.booked and c.move for c in costs))
            vouchers = Voucher.search([], order=[('id', 'ASC')])
            self.assertEqual(sorted(v.event for v in vouchers),
                ['carryover', 'labour', 'material'])
            by_event = {v.event: v for v in vouchers}
            material = {l.account.code: (l.debit, l.credit)
                for l in by_event['material'].move.lines}
            self.assertEqual(material, {
                    '540101': (Decimal('660'), 0),
                    '1403': (0, Decimal('660'))})
            labour = {l.account.code: (l.debit, l.credit)
                for l in by_event['labour'].move.lines}
            self.assertEqual(labour, {
                    '540102': (Decimal('360'), 0),
                    '2211': (0, Decimal('360'))})
            carry = {l.account.code: (l.debit, l.credit)
                for l in by_event['carryover'].move.lines}
            self.assertEqual(carry, {
                    '6401': (Decimal('1020'), 0),
                    '540101': (0, Decimal('660')),
                    '540102': (0, Decimal('360'))})
            # 人员 and 项目 auxiliary accounting on the labour entry.
            doc = Voucher.documents([by_event['labour']])[
                by_event['labour']]
            labour_entry, = [e for e in doc.entries if e.subject == '540102']
            self.assertIn(('项目', order.number), labour_entry.aux)
            self.assertEqual(
                [a for a in labour_entry.aux if a[0] == '人员'],
                [('人员', technician.party.code)])
            Voucher.push(vouchers)
            self.assertEqual({v.state for v in vouchers}, {'accepted'})
            self.assertEqual(self.nc.duplicates, [])
            # Completing again books nothing twice.
            moves = len(pool.get('account.move').search([]))
            pool.get('yuexing.nc.booking').carry_over([order])
            self.assertEqual(
                len(pool.get('account.move').search([])), moves)

    @with_transaction()
    def test_customer_sync_new_and_changed(self):
        pool = Pool()
        Sync = pool.get('yuexing.nc.sync')
        Code = pool.get('yuexing.nc.code')
        Party = pool.get('party.party')
        company, customer = self.world()
        with set_company(company):
            configure_nc(self.nc.url)
            todo = Sync.initial()
            self.assertIn(customer, [c.resource for c in todo])
            code, = Code.search([
                    ('kind', '=', 'customer'),
                    ('resource', '=', str(customer))])
            self.assertEqual(code.state, 'accepted')
            self.assertEqual(code.nc_code, customer.code)
            document = self.nc.documents[
                ('customer', 'YXMD-customer-%d' % customer.id)]
            self.assertEqual(document['name'], '王先生')
            envelope = pool.get('yuexing.configuration')(1).nc_envelope()
            for sample in Code.search([], order=[('id', 'ASC')]):
                save_sample('master_%s.xml' % sample.kind,
                    Sync.document(sample, envelope))
            requests = self.nc.requests
            # Unchanged: nothing sent again.
            Sync.push_due()
            Sync.initial()
            self.assertEqual(self.nc.requests, requests)
            # Changed: queued as pending, sent again, NC holds the new name.
            Party.write([customer], {'name': '王建国'})
            self.assertEqual(code.state, 'pending')
            Sync.push_due()
            self.assertEqual(code.state, 'accepted')
            self.assertEqual(self.nc.documents[
                    ('customer', 'YXMD-customer-%d' % customer.id)]['name'],
                '王建国')
            # A new customer gets its code at once.
            new, = Party.create([{'name': '李女士',
                        'customer_type': 'individual'}])
            self.assertEqual(Code.search([
                        ('resource', '=', str(new))], count=True), 1)

    @with_transaction()
    def test_opening_balance_errors_per_row_nothing_booked(self):
        pool = Pool()
        Opening = pool.get('yuexing.nc.opening')
        Move = pool.get('account.move')
        company, customer = self.world()
        with set_company(company):
            date = dt.date.today().replace(day=1)
            bad = sheet([
                    ['应收', '王先生', None, 1200, '期初应收'],
                    ['应收', '不存在的客户', None, 300, None],
                    ['预付', '王先生', None, 100, None],
                    ['应付', '王先生', None, 'abc', None],
                    ])
            before = Move.search([], count=True)
            with self.assertRaises(UserError) as cm:
                with rolled_back_on_error():
                    Opening.book(company, date, bad)
            message = str(cm.exception)
            self.assertIn('第 3 行', message)
            self.assertIn('不存在的客户', message)
            self.assertIn('第 4 行', message)
            self.assertIn('第 5 行', message)
            self.assertNotIn('第 2 行', message)
            self.assertEqual(Move.search([], count=True), before)

            good = sheet([
                    ['应收', '王先生', None, 1200, '期初应收'],
                    ['应付', '王先生', None, 500, '期初应付'],
                    ['存货', None, None, 3000, '原材料期初'],
                    ])
            move = Opening.book(company, date, good)
            self.assertEqual(move.state, 'posted')
            self.assertEqual(move.nc_event, 'opening')
            amounts = {l.account.code: l.debit - l.credit
                for l in move.lines}
            self.assertEqual(amounts, {
                    '1122': Decimal('1200'), '2202': Decimal('-500'),
                    '1403': Decimal('3000'), '4104': Decimal('-3700')})
            self.assertEqual(sum(amounts.values()), 0)

    @with_transaction()
    def test_costing_vat_fapiao_and_difference_with_nc(self):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        CostLine = pool.get('yuexing.work_order.cost')
        Costing = pool.get('yuexing.nc.costing')
        Vat = pool.get('yuexing.nc.vat')
        Fapiao = pool.get('yuexing.nc.fapiao')
        Voucher = pool.get('yuexing.nc.voucher')
        Difference = pool.get('yuexing.nc.difference')
        company, customer = self.world()
        today = dt.date.today()
        with set_company(company):
            configure_nc(self.nc.url)
            technician = create_technician(company, '郑师傅')
            orders = [create_order(customer, leak_site='roof')
                for _ in range(2)]
            CostLine.create([{
                        'work_order': o.id, 'kind': 'labour',
                        'description': '人工', 'employee': technician.id,
                        'quantity': hours, 'unit_cost': Decimal('45'),
                        'date': today,
                        } for o, hours in zip(orders, [6, 2], strict=True)])
            WorkOrder.write(orders, {'state': 'to_accept'})
            WorkOrder.mark_done(orders)
            # A 400 overhead pool spread by labour hours: 300 / 100.
            Costing.allocate_indirect(company, today, today, '400')
            rows = {r.work_order: r for r in Costing.search([
                        ('work_order', 'in', [o.id for o in orders])])}
            self.assertEqual(rows[orders[0]].labour, Decimal('270'))
            self.assertEqual(rows[orders[0]].indirect, Decimal('300'))
            self.assertEqual(rows[orders[1]].indirect, Decimal('100'))
            self.assertEqual(rows[orders[1]].cost, Decimal('190'))
            self.assertIsNone(rows[orders[1]].revenue)

            sale = post_invoice(company, customer, '1000.00')
            bill = post_invoice(company, customer, '200.00',
                vat='tax_vat_purchase_13', type_='in')
            period = sale.move.period
            vat, = Vat.search([('period', '=', period.id)])
            self.assertEqual(vat.output_tax, Decimal('90.00'))
            self.assertEqual(vat.input_tax, Decimal('26.00'))
            self.assertEqual(vat.payable, Decimal('64.00'))
            records = Fapiao.from_invoices(
                [sale, bill], 'digital', ['24312000000012345678', 'IN-1'])
            self.assertEqual(
                [(f.direction, f.tax, f.total) for f in records],
                [('output', Decimal('90.00'), Decimal('1090.00')),
                    ('input', Decimal('26.00'), Decimal('226.00'))])

            Voucher.push(Voucher.search([('state', '=', 'pending')]))
            figures = self.nc.balances(period.start_date.year,
                period.start_date.month)
            lines = Difference.compare(company, period, figures)
            self.assertTrue(lines)
            self.assertEqual({l.difference for l in lines}, {0})
            # NC lost one voucher: the difference shows on its subjects.
            del figures['22210101']
            lines = Difference.compare(company, period, figures)
            diff, = [l for l in lines if l.difference]
            self.assertEqual(
                (diff.subject, diff.difference), ('22210101',
                    Decimal('26.00')))

    @with_transaction()
    def test_demo_step_books_finished_orders_and_pushes(self):
        "Completing and paying a demo order: balanced vouchers, once in NC"
        from trytond.modules.yuexing_base.demo import DemoContext, DemoOptions
        pool = Pool()
        Demo = pool.get('yuexing.demo')
        WorkOrder = pool.get('yuexing.work_order')
        CostLine = pool.get('yuexing.work_order.cost')
        Voucher = pool.get('yuexing.nc.voucher')
        company, customer = self.world()
        steps = [m for m, _ in Demo.steps()]
        self.assertEqual(steps[-1], 'demo_nc')
        self.assertLess(steps.index('demo_books'), steps.index('demo_nc'))
        with set_company(company):
            order = create_order(customer, leak_site='roof')
            CostLine.create([{
                        'work_order': order.id, 'kind': 'material',
                        'description': '密封胶', 'quantity': 3,
                        'unit_cost': Decimal('16'),
                        # bought last year: booked in an open period
                        'date': dt.date(dt.date.today().year - 1, 12, 30),
                        }])
            WorkOrder.write([order], {'state': 'to_accept'})
            with Transaction().set_context(nc_skip_booking=True):
                WorkOrder.mark_done([order])
            self.assertEqual(Voucher.search([], count=True), 0)
            post_invoice(company, customer, '300.00')
            ctx = DemoContext(DemoOptions())
            ctx.records['company'] = company
            # Without an NC URL the vouchers stay pending, visible.
            Demo.demo_nc(ctx)
            self.assertTrue(ctx.records['nc_vouchers'] is not None)
            self.assertEqual(
                sorted(v.event for v in Voucher.search([])),
                ['carryover', 'material', 'revenue'])
            self.assertEqual({v.state for v in Voucher.search([])},
                {'pending'})
            configure_nc(self.nc.url)
            Demo.demo_nc(ctx)
            vouchers = Voucher.search([])
            self.assertEqual({v.state for v in vouchers}, {'accepted'})
            for voucher in vouchers:
                self.assertEqual(self.nc.vouchers[voucher.document_id][
                        'number'], voucher.nc_number)
                stored = self.nc.vouchers[voucher.document_id]
                self.assertEqual(stored['debit'], stored['credit'])
            self.assertEqual(self.nc.duplicates, [])
