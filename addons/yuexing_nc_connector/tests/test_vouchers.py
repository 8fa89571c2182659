import datetime as dt
import os
import threading
import unittest
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_account.tests.tools import account
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_user,
)
from trytond.modules.yuexing_nc_connector.tests.fakes import FakeNC
from trytond.modules.yuexing_nc_connector.tests.tools import (
    committed_world,
    configure_nc,
    in_transaction,
    post_invoice,
    post_move,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction

SAMPLES = Path(__file__).parent / 'samples'


def save_sample(name, data):
    "YUEXING_NC_SAMPLES=1 refreshes tests/samples/ with what we send."
    if os.environ.get('YUEXING_NC_SAMPLES'):
        (SAMPLES / name).write_bytes(data)


class VoucherTestCase(FunctionalTestCase):
    "Vouchers from posted moves pushed to a fake NC XChange"
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
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        return Company(self.company_id), Party(self.customer_id)

    def vouchers(self, moves):
        Voucher = Pool().get('yuexing.nc.voucher')
        found = {v.move: v for v in Voucher.search([
                    ('move', 'in', [m.id for m in moves])])}
        return [found[m] for m in moves]

    @with_transaction()
    def test_invoice_voucher_accepted_with_number(self):
        "A posted customer invoice reaches NC once, its number recorded"
        Voucher = Pool().get('yuexing.nc.voucher')
        company, customer = self.world()
        with set_company(company):
            configure_nc(self.nc.url)
            invoice = post_invoice(company, customer)
            voucher, = self.vouchers([invoice.move])
            self.assertEqual(voucher.state, 'pending')
            self.assertEqual(voucher.event, 'revenue')
            self.assertEqual(voucher.amount, Decimal('1090.00'))
            data = voucher.render()
            save_sample('voucher_revenue.xml', data)
            root = ET.fromstring(data)
            self.assertEqual(root.tag, 'ufinterface')
            self.assertEqual(root.get('billtype'), 'vouchergl')
            self.assertEqual(root.get('replace'), 'Y')
            items = root.findall('voucher/voucher_head/details/item')
            subjects = {i.findtext('pk_accasoa'): (
                    i.findtext('localdebitamount'),
                    i.findtext('localcreditamount')) for i in items}
            self.assertEqual(subjects, {
                    '1122': ('1090.00', '0.00'),
                    '6001': ('0.00', '1000.00'),
                    '22210102': ('0.00', '90.00')})
            receivable, = [i for i in items
                if i.findtext('pk_accasoa') == '1122']
            self.assertEqual(
                receivable.findtext('ass/item/pk_Checktype'), '客商')
            self.assertEqual(
                receivable.findtext('ass/item/pk_Checkvalue'), customer.code)

            Voucher.push([voucher])
            self.assertEqual(voucher.state, 'accepted')
            self.assertEqual(voucher.nc_number,
                self.nc.vouchers[voucher.document_id]['number'])
            self.assertEqual(self.nc.creations, {voucher.document_id: 1})
            self.assertEqual(
                [(l.from_state, l.to_state) for l in reversed(
                        voucher.logs)],
                [(None, 'pending'), ('pending', 'accepted')])
            # Accepted is final: pushing again sends nothing.
            requests = self.nc.requests
            Voucher.push([voucher])
            self.assertEqual(self.nc.requests, requests)

    @with_transaction()
    def test_every_event_type_balanced(self):
        pool = Pool()
        Voucher = pool.get('yuexing.nc.voucher')
        Booking = pool.get('yuexing.nc.booking')
        company, customer = self.world()
        with set_company(company):
            configure_nc(self.nc.url)
            invoice = post_invoice(company, customer)
            receipt = post_move(company, 'WXPAY', [
                    ('101201', '1090', '0', None),
                    ('1122', '0', '1090', customer)])
            deposit = post_move(company, 'ALIPAY', [
                    ('101202', '500', '0', None),
                    ('2204', '0', '500', customer)])
            refund = post_move(company, 'WXPAY', [
                    ('2204', '200', '0', customer),
                    ('101201', '0', '200', None)])
            fee = post_move(company, 'BANK', [
                    ('660301', '6.54', '0', None),
                    ('1002', '0', '6.54', None)])
            payroll = Booking.book_payroll(company, dt.date.today(), {
                    'labour': '30000', 'admin': '12000', 'tax': '1500',
                    'social': '4200', 'housing': '2100'})
            moves = [invoice.move, receipt, deposit, refund, fee, payroll]
            vouchers = self.vouchers(moves)
            self.assertEqual([v.event for v in vouchers], [
                    'revenue', 'receipt', 'deposit', 'refund', 'other',
                    'payroll'])
            payroll_lines = {l.account.code: l.credit - l.debit
                for l in payroll.lines}
            self.assertEqual(payroll_lines['2211'], Decimal('34200'))
            docs = Voucher.documents(vouchers)
            for voucher in vouchers:
                doc = docs[voucher]
                self.assertEqual(doc.debit, doc.credit, voucher.event)
                save_sample('voucher_%s.xml' % voucher.event,
                    voucher.render())
            Voucher.push(vouchers)
            self.assertEqual({v.state for v in vouchers}, {'accepted'})
            self.assertEqual(len(self.nc.vouchers), len(vouchers))
            self.assertEqual(self.nc.duplicates, [])

    @with_transaction()
    def test_rejected_fix_mapping_and_resend(self):
        "NC refuses an unknown subject; finance maps it and sends again"
        pool = Pool()
        Voucher = pool.get('yuexing.nc.voucher')
        SubjectMap = pool.get('yuexing.nc.subject_map')
        company, customer = self.world()
        self.nc.subjects = {'100201', '1122', '1002', '6001', '22210102'}
        with set_company(company):
            configure_nc(self.nc.url)
            move = post_move(company, 'WXPAY', [
                    ('101201', '100', '0', None),
                    ('1122', '0', '100', customer)])
            voucher, = self.vouchers([move])
            Voucher.push([voucher])
            self.assertEqual(voucher.state, 'rejected')
            self.assertIn('101201', voucher.error)
            self.assertEqual(Voucher.search([('state', '=', 'rejected')]),
                [voucher])
            # 科目映射 without code: WeChat receipts on NC's 100201.
            SubjectMap.create([{
                        'company': company.id,
                        'account': account(company, '101201').id,
                        'event': 'receipt', 'nc_code': '100201'}])
            Voucher.send([voucher])
            self.assertEqual(voucher.state, 'pending')
            self.assertIsNone(voucher.error)
            Voucher.push([voucher])
            self.assertEqual(voucher.state, 'accepted')
            subjects = [l[0] for l in self.nc.vouchers[
                    voucher.document_id]['lines']]
            self.assertEqual(subjects, ['100201', '1122'])

    @with_transaction()
    def test_timeout_after_success_creates_no_duplicate(self):
        Voucher = Pool().get('yuexing.nc.voucher')
        company, customer = self.world()
        with set_company(company):
            configure_nc(self.nc.url, nc_timeout=1)
            self.nc.hang_seconds = 2
            invoice = post_invoice(company, customer)
            voucher, = self.vouchers([invoice.move])
            self.nc.timeout_after_commit(1)
            Voucher.push([voucher])
            # NC stored it but we never heard back.
            self.assertIn(voucher.document_id, self.nc.vouchers)
            self.assertEqual(voucher.state, 'sent')
            self.assertEqual(voucher.attempts, 1)
            self.assertTrue(voucher.next_attempt_at)
            Voucher.push([voucher])
            self.assertEqual(voucher.state, 'accepted')
            self.assertEqual(voucher.attempts, 2)
            self.assertEqual(self.nc.creations[voucher.document_id], 1)
            self.assertEqual(self.nc.duplicates, [])
            self.assertEqual(voucher.nc_number,
                self.nc.vouchers[voucher.document_id]['number'])

    @with_transaction()
    def test_transport_failures_back_off_then_give_up(self):
        Voucher = Pool().get('yuexing.nc.voucher')
        company, customer = self.world()
        with set_company(company):
            url = self.nc.url
            self.nc.stop()      # NC unreachable
            self.addCleanup(lambda: None)
            configure_nc(url, nc_max_attempts=3, nc_retry_delay=60)
            invoice = post_invoice(company, customer)
            voucher, = self.vouchers([invoice.move])
            delays = []
            for _ in range(2):
                before = dt.datetime.now()
                Voucher.push([voucher])
                self.assertEqual(voucher.state, 'sent')
                delays.append(
                    (voucher.next_attempt_at - before).total_seconds())
            self.assertAlmostEqual(delays[0], 60, delta=5)
            self.assertAlmostEqual(delays[1], 120, delta=5)
            # Not due yet: the cron leaves it alone.
            Voucher.push_due()
            self.assertEqual(voucher.attempts, 2)
            Voucher.push([voucher])
            self.assertEqual(voucher.state, 'rejected')
            self.assertIn('3', voucher.error)
        self.nc = FakeNC().start()

    @with_transaction()
    def test_no_url_leaves_vouchers_pending_and_cron_scans(self):
        pool = Pool()
        Voucher = pool.get('yuexing.nc.voucher')
        company, customer = self.world()
        with set_company(company):
            invoice = post_invoice(company, customer)
            voucher, = self.vouchers([invoice.move])
            Voucher.push_due()
            self.assertEqual(voucher.state, 'pending')
            # A move posted while the hook was off is found by the cron.
            Voucher.delete([voucher])
            self.assertEqual(Voucher.search([]), [])
            created = Voucher.scan()
            self.assertEqual([v.move for v in created], [invoice.move])
            self.assertEqual(Voucher.scan(), [])

    @with_transaction()
    def test_period_close_needs_all_vouchers_in_nc(self):
        pool = Pool()
        Voucher = pool.get('yuexing.nc.voucher')
        Period = pool.get('account.period')
        company, customer = self.world()
        with set_company(company):
            configure_nc(self.nc.url)
            invoice = post_invoice(company, customer)
            voucher, = self.vouchers([invoice.move])
            period = invoice.move.period
            with self.assertRaises(UserError) as cm:
                Period.close([period])
            self.assertIn('未进入NC', str(cm.exception))
            self.assertEqual(period.state, 'open')
            Voucher.push([voucher])
            Period.close([period])
            self.assertEqual(period.state, 'closed')

    @with_transaction()
    def test_finance_sends_others_denied(self):
        pool = Pool()
        Voucher = pool.get('yuexing.nc.voucher')
        company, customer = self.world()
        finance = create_user('caiwu_nc', ['group_finance'], company=company)
        technician = create_user(
            'shifu_nc', ['group_technician'], company=company)
        with set_company(company):
            configure_nc(self.nc.url)
            invoice = post_invoice(company, customer)
            voucher, = self.vouchers([invoice.move])
        with acting_as(finance):
            found, = Voucher.search([])
            Voucher.send([found])
        with acting_as(technician):
            with self.assertRaises(AccessError):
                Voucher.search([])
        Queue = pool.get('ir.queue')
        self.assertTrue(Queue.search([]))
        Transaction().tasks.clear()

    @unittest.skipUnless(
        os.environ.get('YUEXING_TEST_BACKEND') == 'postgresql',
        "the task queue and row locks are tested on PostgreSQL")
    def test_queue_double_send_concurrent_workers_one_nc_voucher(self):
        "Two queued pushes of one voucher run at once: one NC voucher"
        from trytond.worker import run_task
        self.nc.delay = 0.5     # NC is slow: both workers overlap

        def prepare():
            Voucher = Pool().get('yuexing.nc.voucher')
            Queue = Pool().get('ir.queue')
            company, customer = self.world()
            with set_company(company):
                configure_nc(self.nc.url)
                invoice = post_invoice(company, customer, amount='777.00')
                voucher, = self.vouchers([invoice.move])
                Voucher.send([voucher])
                Voucher.send([voucher])     # double click
                tasks = Queue.search([('dequeued_at', '=', None)])
                return voucher.id, [t.id for t in tasks
                    if t.data['model'] == 'yuexing.nc.voucher']
        voucher_id, task_ids = in_transaction(prepare)
        self.assertEqual(len(task_ids), 2)
        threads = [threading.Thread(target=run_task, args=(DB_NAME, t))
            for t in task_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        def check():
            voucher = Pool().get('yuexing.nc.voucher')(voucher_id)
            return voucher.state, voucher.nc_number, voucher.document_id
        state, number, document_id = in_transaction(check)
        self.assertEqual(state, 'accepted')
        self.assertEqual(self.nc.creations, {document_id: 1})
        self.assertEqual(number, self.nc.vouchers[document_id]['number'])


class PayrollBookingTestCase(FunctionalTestCase):
    "Payroll of confirmed payslips booked for NC"
    module = 'yuexing_nc_connector'

    @with_transaction()
    def test_payroll_of_confirmed_payslips(self):
        "Wages by cost kind, withholdings to 个税/社保/公积金, net to 2211"
        from trytond.modules.yuexing_staff.tests.tools import (
            create_city,
            create_employee,
        )
        pool = Pool()
        Department = pool.get('yuexing.department')
        Payslip = pool.get('yuexing.payslip')
        Booking = pool.get('yuexing.nc.booking')
        from trytond.modules.yuexing_nc_connector.tests.tools import (
            books_and_customer,
        )
        pool.get('yuexing.configuration')(1).save()
        company, _ = books_and_customer()
        with set_company(company):
            city = create_city()
            field, office = Department.create([
                    {'name': '施工部', 'cost_kind': 'field'},
                    {'name': '行政部', 'cost_kind': 'office'}])
            for name, department, salary in [
                    ('施工甲', field, '9000'), ('施工乙', field, '8000'),
                    ('行政丙', office, '7000')]:
                create_employee(company, name, department=department.id,
                    base_salary=Decimal(salary), si_city=city.id)
            today = dt.date.today()
            payslips = Payslip.generate(company, today.year, today.month)
            Payslip.confirm(payslips)
            move, = Booking.book_payroll_periods(
                company, [(today.year, today.month)])
            balance = {l.account.code: l.credit - l.debit
                for l in move.lines}
            self.assertEqual(-balance['540102'], sum(
                    p.gross for p in payslips
                    if p.department == field))
            self.assertEqual(-balance['6602'], sum(
                    p.gross for p in payslips if p.department == office))
            self.assertEqual(balance['222102'],
                sum(p.income_tax for p in payslips))
            self.assertEqual(balance['224102'],
                sum(p.housing_fund for p in payslips))
            self.assertEqual(sum(l.debit for l in move.lines),
                sum(l.credit for l in move.lines))
            self.assertEqual(move.state, 'posted')
            # nothing confirmed in another month: nothing booked
            self.assertEqual(Booking.book_payroll_periods(
                    company, [(today.year - 3, 1)]), [])
