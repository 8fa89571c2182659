"""Bills, payments, notifications, refunds, offline receipts, receivables
and reconciliation, with the fakes of WeChat Pay and Alipay."""
import datetime as dt
import os
import threading
import time
import unittest
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
from trytond.modules.yuexing_payment.tests.fakes import (
    FakeAlipay,
    FakeWeChatPay,
)
from trytond.modules.yuexing_payment.tests.tools import (
    bill_of,
    confirmed_order,
    finish,
    make_user,
    payment_world,
    today,
)
from trytond.modules.yuexing_payment.wechatpay import WeChatPayClient
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, USER, with_transaction
from trytond.transaction import Transaction, TransactionError

BACKEND = os.environ.get('YUEXING_TEST_BACKEND', 'sqlite')


def wechat_client():
    from trytond.modules.yuexing_payment import clients
    return clients.wechatpay(with_notify=False)


class FakesMixin:

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wechat = FakeWeChatPay().start()
        cls.alipay = FakeAlipay().start()
        cls.addClassCleanup(cls.wechat.stop)
        cls.addClassCleanup(cls.alipay.stop)
        # the company, its books and the customers, committed once per
        # class (each test rolls back what it does)
        extras = {}
        while True:  # the singletons' creation asks for table locks
            with Transaction().start(DB_NAME, USER, **extras) as transaction:
                try:
                    records = payment_world(cls.wechat, cls.alipay)
                except TransactionError as exception:
                    transaction.rollback()
                    exception.fix(extras)
                    continue
                cls._world = [r.id for r in records]
                transaction.commit()
            break

    def world(self):
        pool = Pool()
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        company, resident, park, membrane, labour = self._world
        self.company = Company(company)
        self.resident, self.park = Party(resident), Party(park)
        with Transaction().set_context(company=company):
            # prices are per company: read in its context
            self.membrane = Product(membrane)
            self.labour = Product(labour)
            self.resident, self.park = Party(resident), Party(park)
        return self.company

    def notify(self, headers_body):
        "Deliver a WeChat notification as the route does."
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        Refund = pool.get('yuexing.payment.refund')
        headers, body = headers_body
        event, resource = wechat_client().parse_notification(headers, body)
        if event.startswith('REFUND'):
            return Refund.handle_wechat_refund(resource)
        return Payment.handle_wechat_transaction(resource)


class BillTests:
    "Bills from quotes and work orders"

    @with_transaction()
    def test_resident_quote_billed_with_deposit_and_due_date(self):
        company = self.world()
        with set_company(company):
            order = confirmed_order(self.resident, [(self.membrane, 2)])
            bill = bill_of(order)
            self.assertEqual(bill.state, 'draft')
            self.assertEqual(bill.bill_kind, 'order')
            self.assertEqual(bill.quote, order.quote)
            self.assertEqual(bill.total_amount, order.quote.total_amount)
            self.assertEqual(bill.deposit_amount,
                (bill.total_amount * Decimal('0.3')).quantize(
                    Decimal('0.01')))
            self.assertEqual(bill.due_date - today(),
                dt.timedelta(days=7))
            self.assertEqual(bill.next_payment(),
                (bill.deposit_amount, 'deposit'))
            # done: the bill is posted, revenue recognised (6001)
            order = finish(order)
            bill = bill_of(order)
            self.assertEqual(bill.state, 'posted')
            revenue = [l for l in bill.move.lines
                if l.account.code == '6001']
            self.assertEqual(sum(l.credit for l in revenue),
                order.quote.untaxed_amount)

    @with_transaction()
    def test_enterprise_orders_accumulate_on_monthly_statement(self):
        company = self.world()
        with set_company(company):
            first = confirmed_order(self.park, [(self.membrane, 1)],
                type='b_repair')
            self.assertIsNone(bill_of(first))
            second = confirmed_order(self.park, [(self.labour, 4)],
                type='b_repair')
            finish(first)
            finish(second)
            Invoice = Pool().get('account.invoice')
            statement, = Invoice.search([('bill_kind', '=', 'statement')])
            self.assertEqual(statement.party, self.park)
            self.assertEqual(statement.statement_month,
                today().strftime('%Y-%m'))
            self.assertEqual(len(statement.lines), 2)
            self.assertEqual(statement.total_amount,
                first.quote.total_amount + second.quote.total_amount)
            self.assertEqual(statement.state, 'draft')


class WeChatPaymentTests:
    "WeChat Pay: prepay, notifications, queries, closing"

    def start(self, amount=None, channel='wechat_jsapi'):
        Payment = Pool().get('yuexing.payment')
        order = confirmed_order(self.resident, [(self.membrane, 1)])
        bill = bill_of(order)
        payment, params = Payment.start_online(bill, channel,
            amount=amount, openid='o-resident-1')
        return bill, payment, params

    @with_transaction()
    def test_duplicate_notification_books_once(self):
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        company = self.world()
        with set_company(company):
            bill, payment, params = self.start()
            self.assertEqual(payment.state, 'pending')
            self.assertEqual(payment.amount, bill.deposit_amount)
            self.assertIn('paySign', params['wechat'])
            notification = self.wechat.pay(payment.number)
            self.assertTrue(self.notify(notification))
            self.assertFalse(self.notify(notification))  # again
            payment = Payment(payment.id)
            self.assertEqual(payment.state, 'paid')
            self.assertTrue(payment.transaction_id.startswith('42000'))
            moves = pool.get('account.move').search(
                [('origin', '=', str(payment))])
            self.assertEqual(len(moves), 1)
            lines = {l.account.code: l.debit - l.credit
                for l in moves[0].lines}
            # before the bill is posted: Dr 微信 / Cr 预收账款
            self.assertEqual(lines, {'101201': payment.amount,
                    '2203': -payment.amount})
            self.assertEqual([(l.from_state, l.to_state)
                    for l in payment.logs],
                [(None, 'draft'), ('draft', 'pending'),
                    ('pending', 'paid')])
            self.assertEqual(bill_of(payment.work_order).bill_due_amount,
                bill.total_amount - payment.amount)
            # posting the bill moves the deposit to the receivable
            order = finish(payment.work_order)
            bill = bill_of(order)
            payment = Payment(payment.id)
            self.assertTrue(payment.transfer_move)
            self.assertEqual(bill.amount_to_pay,
                bill.total_amount - payment.amount)

    @with_transaction()
    def test_amount_mismatch_and_forgery_book_nothing_and_alert(self):
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        Alert = pool.get('yuexing.payment.alert')
        Message = pool.get('yuexing.message')
        company = self.world()
        finance = make_user('fin1', ['group_finance'], company=company)
        from trytond.modules.yuexing_payment.payment import PaymentAlert
        with set_company(company):
            bill, payment, _ = self.start()
            with self.assertRaises(PaymentAlert) as cm:
                self.notify(self.wechat.pay(payment.number, amount_fen=1))
            Alert.raise_alert(cm.exception, source='test')
            self.assertEqual(cm.exception.kind, 'amount_mismatch')
            with self.assertRaises(PaymentAlert) as cm:
                self.notify(self.wechat.pay(payment.number,
                        mchid='1900000999'))
            self.assertEqual(cm.exception.kind, 'merchant_mismatch')
            payment = Payment(payment.id)
            self.assertEqual(payment.state, 'pending')
            self.assertFalse(payment.move)
            alert, = Alert.search([])
            self.assertEqual(alert.payment, payment)
            messages = Message.search([('event', '=', 'payment_alert')])
            self.assertEqual([m.user for m in messages], [finance])
            self.assertIn('金额', messages[0].body or '',
                messages[0].last_error)

    @with_transaction()
    def test_late_notification_recovered_by_query_cron(self):
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        company = self.world()
        with set_company(company):
            _, payment, _ = self.start()
            notification = self.wechat.pay(payment.number)  # not delivered
            Payment.query_pending()  # too early: not queried
            self.assertEqual(Payment(payment.id).state, 'pending')
            table = Payment.__table__()
            Transaction().connection.cursor().execute(*table.update(
                    [table.create_date],
                    [dt.datetime.now() - dt.timedelta(minutes=6)],
                    where=table.id == payment.id))
            Payment.query_pending()
            payment = Payment(payment.id)
            self.assertEqual(payment.state, 'paid')
            self.assertEqual(payment.logs[-1].note, 'query')
            # the notification arriving afterwards changes nothing
            self.assertFalse(self.notify(notification))
            self.assertEqual(len(pool.get('account.move').search(
                        [('origin', '=', str(payment))])), 1)

    @with_transaction()
    def test_unpaid_order_closed(self):
        Payment = Pool().get('yuexing.payment')
        company = self.world()
        with set_company(company):
            _, payment, params = self.start(channel='wechat_native')
            self.assertTrue(params['code_url'].startswith('weixin://'))
            Payment.close([payment])
            self.assertEqual(Payment(payment.id).state, 'closed')
            self.assertIn(payment.number, self.wechat.closed_calls)

    @with_transaction()
    def test_payment_over_amount_due_refused(self):
        Payment = Pool().get('yuexing.payment')
        company = self.world()
        with set_company(company):
            order = confirmed_order(self.resident, [(self.membrane, 1)])
            bill = bill_of(order)
            with self.assertRaises(UserError) as cm:
                Payment.start_online(bill, 'wechat_jsapi',
                    amount=bill.total_amount + 1, openid='o-x')
            self.assertIn('应付', cm.exception.message)


class RefundTests:
    "Refunds: partial, approval, never more than paid"

    def paid(self, full=True):
        "A payment of the whole posted bill, or of the deposit."
        Payment = Pool().get('yuexing.payment')
        order = confirmed_order(self.resident, [(self.membrane, 2)])
        bill = bill_of(order)
        if full:
            order = finish(order)
            bill = bill_of(order)
        payment, _ = Payment.start_online(bill, 'wechat_jsapi',
            openid='o-r')
        self.notify(self.wechat.pay(payment.number))
        return Payment(payment.id)

    @with_transaction()
    def test_partial_refund_then_never_exceed(self):
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        Refund = pool.get('yuexing.payment.refund')
        company = self.world()
        with set_company(company):
            payment = self.paid()
            self.assertEqual(payment.bill.state, 'paid')
            refund, = Refund.create([{'payment': payment.id,
                        'amount': Decimal('100'), 'reason': '少用一卷'}])
            Refund.request([refund])
            self.assertEqual(refund.state, 'processing')
            self.notify(self.wechat.refund_notification(refund.number))
            refund = Refund(refund.id)
            self.assertEqual(refund.state, 'done')
            payment = Payment(payment.id)
            self.assertEqual(payment.state, 'partially_refunded')
            self.assertEqual(payment.refunded_amount, Decimal('100'))
            self.assertEqual(refund.credit_note.total_amount,
                Decimal('-100'))
            self.assertEqual(refund.credit_note.state, 'paid')
            over, = Refund.create([{'payment': payment.id,
                        'amount': payment.amount - Decimal('99.99'),
                        'reason': '再退'}])
            with rolled_back_on_error(), self.assertRaises(UserError) as cm:
                Refund.request([over])
            self.assertIn(str(payment.amount - 100), cm.exception.message)
            self.assertEqual(Refund(over.id).state, 'draft')

    @with_transaction()
    def test_big_refund_waits_for_approval(self):
        pool = Pool()
        Refund = pool.get('yuexing.payment.refund')
        company = self.world()
        manager = make_user('boss', ['group_management'],
            company=company)
        clerk = make_user('cs1', ['group_customer_service'],
            company=company)
        with set_company(company):
            payment = self.paid()
            refund, = Refund.create([{'payment': payment.id,
                        'amount': Decimal('501'), 'reason': '返工'}])
            Refund.request([refund])
            self.assertEqual(refund.state, 'to_approve')
            self.assertFalse(self.wechat.refunds.get(refund.number))
        with acting_as(clerk), self.assertRaises(AccessButtonError):
            Refund.approve([Refund(refund.id)])
        with acting_as(manager):
            Refund.approve([Refund(refund.id)])
        with set_company(company):
            Refund.execute([Refund(refund.id)])
            self.assertEqual(Refund(refund.id).state, 'processing')
            self.assertIn(refund.number, self.wechat.refunds)

    @with_transaction()
    def test_deposit_refund_before_bill_posted(self):
        pool = Pool()
        Refund = pool.get('yuexing.payment.refund')
        company = self.world()
        with set_company(company):
            payment = self.paid(full=False)
            refund, = Refund.create([{'payment': payment.id,
                        'amount': payment.amount, 'reason': '客户取消'}])
            Refund.request([refund])
            self.notify(self.wechat.refund_notification(refund.number))
            refund = Refund(refund.id)
            self.assertEqual(refund.payment.state, 'refunded')
            lines = {l.account.code: l.debit - l.credit
                for l in refund.move.lines}
            self.assertEqual(lines, {'2203': payment.amount,
                    '101201': -payment.amount})
            self.assertEqual(refund.payment.bill.bill_due_amount,
                refund.payment.bill.total_amount)


class OfflineTests:
    "Cash, transfers and technicians' cash collection"

    @with_transaction()
    def test_transfer_needs_voucher(self):
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        Attachment = pool.get('ir.attachment')
        company = self.world()
        with set_company(company):
            order = finish(confirmed_order(self.resident,
                    [(self.membrane, 1)]))
            bill = bill_of(order)
            payment, = Payment.create([{'bill': bill.id,
                        'party': bill.party.id, 'channel': 'transfer',
                        'amount': bill.amount_to_pay,
                        'reference': 'ICBC-0001'}])
            with self.assertRaises(UserError) as cm:
                Payment.confirm_offline([payment])
            self.assertIn('凭证', cm.exception.message)
            Attachment.create([{'name': 'slip.png',
                        'resource': str(payment), 'data': b'\x89PNG'}])
            Payment.confirm_offline([payment])
            self.assertEqual(Payment(payment.id).state, 'paid')
            self.assertEqual(bill_of(order).state, 'paid')

    @with_transaction()
    def test_technician_cash_stays_to_hand_in(self):
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        company = self.world()
        party, = Party.create([{'name': '李师傅'}])
        technician, = Employee.create([{'party': party.id,
                    'company': company.id}])
        with set_company(company):
            order = finish(confirmed_order(self.resident,
                    [(self.membrane, 1)]))
            bill = bill_of(order)
            payment, = Payment.create([{'bill': bill.id,
                        'party': bill.party.id,
                        'channel': 'technician_cash',
                        'collected_by': technician.id,
                        'amount': bill.amount_to_pay}])
            Payment.confirm_offline([payment])
            payment = Payment(payment.id)
            self.assertEqual(payment.state, 'collected')
            lines = {l.account.code: l.debit - l.credit
                for l in payment.move.lines}
            self.assertEqual(lines, {'122101': payment.amount,
                    '1122': -payment.amount})
            Payment.hand_in([payment])
            payment = Payment(payment.id)
            self.assertEqual(payment.state, 'paid')
            lines = {l.account.code: l.debit - l.credit
                for l in payment.hand_in_move.lines}
            self.assertEqual(lines, {'1001': payment.amount,
                    '122101': -payment.amount})


class ReceivableTests:
    "Ageing, reminders, write-offs"

    def posted_bill(self, customer, days_overdue):
        Invoice = Pool().get('account.invoice')
        order = confirmed_order(customer, [(self.membrane, 1)])
        bill = bill_of(order)
        due = today() - dt.timedelta(days=days_overdue)
        Invoice.write([bill], {'due_date': due, 'payment_term_date': due,
                'invoice_date': due - dt.timedelta(days=7)})
        with Transaction().set_context(_skip_warnings=True):
            Invoice.post([bill])
        return Invoice(bill.id)

    @with_transaction()
    def test_ageing_buckets_per_customer_and_bill(self):
        pool = Pool()
        Ageing = pool.get('yuexing.receivable.ageing')
        AgeingBill = pool.get('yuexing.receivable.ageing.bill')
        company = self.world()
        with set_company(company):
            # posted in date order (invoice numbers follow dates)
            bills = [self.posted_bill(self.resident, d)
                for d in (120, 75, 45, 5)]
            total = bills[0].total_amount
            with Transaction().set_context(date=today()):
                row, = Ageing.search([('party', '=', self.resident.id)])
                self.assertEqual(row.balance, 4 * total)
                self.assertEqual((row.bucket_30, row.bucket_60,
                        row.bucket_90, row.bucket_90_plus),
                    (total, total, total, total))
                by_bill = AgeingBill.search([])
                self.assertEqual({r.bill for r in by_bill}, set(bills))
            # a partial receipt lowers the oldest bill's line
            Payment = pool.get('yuexing.payment')
            Attachment = pool.get('ir.attachment')
            payment, = Payment.create([{'bill': bills[0].id,
                        'party': self.resident.id, 'channel': 'cash',
                        'amount': Decimal('100')}])
            Attachment.create([{'name': 'r.png', 'resource': str(payment),
                        'data': b'x'}])
            Payment.confirm_offline([payment])
            with Transaction().set_context(date=today()):
                row, = Ageing.search([('party', '=', self.resident.id)])
                self.assertEqual(row.bucket_90_plus, total - 100)
                line, = AgeingBill.search([('bill', '=', bills[0].id)])
                self.assertEqual(line.balance, total - 100)
                self.assertEqual(line.work_order, bills[0].work_order)

    @with_transaction()
    def test_overdue_reminder_sent_once_per_period(self):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Message = pool.get('yuexing.message')
        company = self.world()
        resident = make_user('r-overdue', ['group_c2c_customer'],
            company=company, customer=self.resident.id)
        with set_company(company):
            bill = self.posted_bill(self.resident, 10)
            self.posted_bill(self.resident, -5)  # not due yet
            self.assertEqual(Invoice.remind_overdue(), [bill])
            self.assertEqual(Invoice.remind_overdue(), [])
            message, = Message.search([('event', '=', 'bill_overdue')])
            self.assertEqual(message.user, resident)
            self.assertIn(bill.number, message.body)

    @with_transaction()
    def test_write_off_needs_another_approver(self):
        pool = Pool()
        WriteOff = pool.get('yuexing.receivable.write_off')
        company = self.world()
        clerk = make_user('fin2', ['group_finance'], company=company)
        manager = make_user('boss2', ['group_management'],
            company=company)
        with set_company(company):
            bill = self.posted_bill(self.resident, 200)
        with acting_as(clerk):
            write_off, = WriteOff.create([{'bill': bill.id,
                        'amount': bill.amount_to_pay,
                        'reason': '客户失联两年'}])
            WriteOff.submit([write_off])
            with self.assertRaises(AccessButtonError):
                WriteOff.approve([write_off])
        with acting_as(manager):
            WriteOff.approve([WriteOff(write_off.id)])
        write_off = WriteOff(write_off.id)
        self.assertEqual(write_off.state, 'done')
        self.assertEqual(write_off.bill.state, 'paid')
        self.assertEqual({l.account.code for l in write_off.move.lines},
            {'6702', '1122'})


class ReconciliationTests:
    "Statements of WeChat Pay and Alipay matched with our records"

    @with_transaction()
    def test_wechat_statement_planted_differences(self):
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        Statement = pool.get('yuexing.payment.statement')
        company = self.world()
        with set_company(company):
            payments = []
            for _ in range(4):
                order = finish(confirmed_order(self.resident,
                        [(self.membrane, 1)]))
                payment, _ = Payment.start_online(bill_of(order),
                    'wechat_jsapi', openid='o-s')
                self.notify(self.wechat.pay(payment.number))
                payments.append(Payment(payment.id))
            ok, dropped, changed, lost = payments
            # their side misses one, has a different amount for another,
            # and one notification never reached us (but paid there)
            self.wechat.bill_dropped.add(dropped.number)
            self.wechat.bill_amounts[changed.number] = Decimal('1.00')
            Payment.write([lost], {'state': 'pending',
                    'transaction_id': None})
            statement = Statement(provider='wechat', date=today())
            statement.save()
            Statement.fetch([statement])
            statement = Statement(statement.id)
            # (the fake also remembers the payments of the earlier,
            # rolled-back tests: missing on our side, rightly)
            mine = {p.number for p in payments}
            kinds = {d.reference: d.kind for d in statement.differences
                if d.reference in mine}
            self.assertEqual(kinds, {dropped.number: 'missing_theirs',
                    changed.number: 'amount',
                    lost.number: 'missing_ours'})
            self.assertTrue(all(l.matched for l in statement.lines
                    if l.out_trade_no == ok.number))
            with self.assertRaises(UserError):
                Statement.finish([statement])
            missing, = [d for d in statement.differences
                if d.kind == 'missing_ours' and d.reference == lost.number]
            pool.get('yuexing.payment.statement.difference').recover(
                [missing])
            self.assertEqual(Payment(lost.id).state, 'paid')

    @with_transaction()
    def test_alipay_statement_matched(self):
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        Statement = pool.get('yuexing.payment.statement')
        company = self.world()
        with set_company(company):
            order = finish(confirmed_order(self.resident,
                    [(self.membrane, 1)]))
            payment, params = Payment.start_online(bill_of(order),
                'alipay_qr')
            self.assertTrue(params['code_url'])
            Payment.handle_alipay_notification(
                self.alipay.pay(payment.number))
            self.assertEqual(Payment(payment.id).state, 'paid')
            statement = Statement(provider='alipay', date=today())
            statement.save()
            Statement.fetch([statement])
            statement = Statement(statement.id)
            self.assertEqual(statement.differences, ())
            Statement.finish([statement])


class AccessTests:
    "Who may do what with payments"

    @with_transaction()
    def test_roles(self):
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        company = self.world()
        clerk = make_user('cs9', ['group_customer_service'],
            company=company)
        with set_company(company):
            order = confirmed_order(self.resident, [(self.membrane, 1)])
            bill = bill_of(order)
            payment, _ = Payment.start_online(bill, 'wechat_jsapi',
                openid='o-a')
        with acting_as(clerk):
            self.assertEqual(Payment.search([]), [payment])
            with self.assertRaises(AccessError):
                Payment.create([{'bill': bill.id, 'party': bill.party.id,
                            'channel': 'cash', 'amount': Decimal(1)}])


class PaymentTestCase(BillTests, WeChatPaymentTests, RefundTests,
        OfflineTests, ReceivableTests, ReconciliationTests, AccessTests,
        FakesMixin, FunctionalTestCase):
    """Payments with the fakes of WeChat Pay and Alipay (one database and
    one committed company for all, each test rolled back)"""
    module = 'yuexing_payment'


@unittest.skipUnless(BACKEND == 'postgresql',
    "concurrent notifications are checked on PostgreSQL (row locks)")
class ConcurrentNotificationTestCase(FakesMixin, FunctionalTestCase):
    "The same notification delivered many times at once books one payment"
    module = 'yuexing_payment'

    def test_simultaneous_duplicates_book_once(self):
        from trytond import backend
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, USER) as transaction:
            company = self.world()
            Payment = pool.get('yuexing.payment')
            with set_company(company):
                order = confirmed_order(self.resident, [(self.membrane, 1)])
                payment, _ = Payment.start_online(bill_of(order),
                    'wechat_jsapi', openid='o-c')
            transaction.commit()
            payment_id, number = payment.id, payment.number
        notification = self.wechat.pay(number)
        barrier = threading.Barrier(8)
        results = []

        def deliver():
            # as trytond's with_transaction does for a request: restart
            # with the rows locked at start (TransactionError), retry when
            # the database is busy (lock taken, serialisation failure)
            barrier.wait()
            extras = {}
            for attempt in range(50):
                try:
                    with Transaction().start(DB_NAME, USER,
                            **extras) as transaction:
                        try:
                            booked = self.notify(notification)
                        except TransactionError as exception:
                            transaction.rollback()
                            exception.fix(extras)
                            continue
                        transaction.commit()
                    results.append(booked)
                    return
                except backend.DatabaseOperationalError:
                    time.sleep(0.02 * (attempt + 1))
                    continue
            results.append('error')

        threads = [threading.Thread(target=deliver) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(results.count(True), 1, results)
        self.assertEqual(results.count(False), 7, results)
        with Transaction().start(DB_NAME, USER):
            Payment = pool.get('yuexing.payment')
            Move = pool.get('account.move')
            self.assertEqual(Payment(payment_id).state, 'paid')
            self.assertEqual(len(Move.search(
                        [('origin', '=', f'yuexing.payment,{payment_id}')])),
                1)


del WeChatPayClient
