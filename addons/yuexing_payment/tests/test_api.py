"""The payment endpoints over HTTP (WSGI app), with the fakes of WeChat Pay
and Alipay; the end-to-end flow of a resident's order."""
import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_payment.tests.tools import (
    PaymentFakes,
    bill_of,
    confirmed_order,
    finish,
    make_user,
    payment_world,
)
from trytond.modules.yuexing_workorder.tests.tools import create_technician
from trytond.pool import Pool
from trytond.transaction import Transaction


def retrying(func, user=0, context=None):
    """Run func in a committed transaction, restarted as trytond does
    when it asks for locks at the start (Tryton 8)."""

    from trytond.modules.yuexing_base.locks import run_committed
    from trytond.tests.test_tryton import DB_NAME
    result = run_committed(DB_NAME, user, func, context=context)
    Transaction().tasks.clear()
    return result


class PaymentApiTestCase(PaymentFakes, ApiTestCase):
    "Payment endpoints of the mini-programs"
    module = 'yuexing_payment'

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        company, resident, park, membrane, labour = payment_world(
            cls.wechatpay, cls.alipay_fake)
        cls.company_id = company.id
        cls.resident_id = resident.id
        cls.membrane_id = membrane.id
        cls.user_id = make_user('pay-r1', ['group_c2c_customer'],
            company=company, customer=resident.id,
            wechat_openid='o-pay-r1').id
        other = pool.get('party.party').create([{'name': '赵女士',
                    'customer_type': 'individual'}])[0]
        cls.other_user_id = make_user('pay-r2', ['group_c2c_customer'],
            company=company, customer=other.id,
            wechat_openid='o-pay-r2').id
        cls.manager_id = make_user('pay-boss', ['group_management'],
            company=company).id
        with set_company(company):
            cls.order_id = confirmed_order(resident, [(membrane, 2)]).id
            cls.second_order_id = confirmed_order(resident,
                [(membrane, 1)]).id
            technician = create_technician(company, '孙师傅',
                [('membrane', 'senior')], user_login='pay-tech')
            cls.technician_user_id = pool.get('res.user').search(
                [('login', '=', 'pay-tech')])[0].id
            site = confirmed_order(resident, [(membrane, 1)])
            pool.get('yuexing.work_order').write([site], {
                    'technician': technician.id})
            cls.site_order_id = site.id

    def notify_wechat(self, headers_body, **kwargs):
        headers, body = headers_body
        return self.api('POST', '/payments/notify/wechat', data=body,
            headers=headers, content_type='application/json', **kwargs)

    def bill_id(self, order_id):
        with self.db() as pool:
            return bill_of(pool.get('yuexing.work_order')(order_id)).id

    def test_resident_pays_refunds_reconciles_end_to_end(self):
        token = self.login_as(self.user_id, 'customer')
        bill_id = self.bill_id(self.order_id)
        bills = self.api('GET', '/bills', token=token)
        self.assertEqual(bills.status, 200, bills)
        bill, = [b for b in bills.json['items'] if b['id'] == bill_id]
        self.assertEqual(bill['next_purpose'], 'deposit')
        deposit = Decimal(bill['next_amount'])

        # 1. the deposit through WeChat Pay (JSAPI)
        answer = self.api('POST', f'/bills/{bill_id}/payments',
            token=token, json={'channel': 'wechat_jsapi'},
            headers={'Idempotency-Key': 'pay-deposit-0001'})
        self.assertEqual(answer.status, 201, answer)
        self.assertTrue(answer.json['wechat']['package'].startswith(
                'prepay_id='))
        deposit_payment = answer.json['payment']
        self.assertEqual(Decimal(deposit_payment['amount']), deposit)
        replay = self.api('POST', f'/bills/{bill_id}/payments',
            token=token, json={'channel': 'wechat_jsapi'},
            headers={'Idempotency-Key': 'pay-deposit-0001'})
        self.assertEqual(replay.json['payment']['id'],
            deposit_payment['id'])
        notification = self.wechatpay.pay(deposit_payment['number'])
        first = self.notify_wechat(notification)
        self.assertEqual(first.status, 204, first)
        again = self.notify_wechat(notification)
        self.assertEqual(again.status, 204, again)
        status = self.api('GET', f"/payments/{deposit_payment['id']}",
            token=token)
        self.assertEqual(status.json['state'], 'paid')

        # 2. the work is done: the bill is posted, the balance is paid
        def done():
            pool = Pool()
            with set_company(pool.get('company.company')(self.company_id)):
                finish(pool.get('yuexing.work_order')(self.order_id))
        retrying(done)
        answer = self.api('POST', f'/bills/{bill_id}/payments',
            token=token, json={'channel': 'wechat_jsapi'})
        balance_payment = answer.json['payment']
        self.assertEqual(balance_payment['purpose'], 'balance')
        self.assertEqual(self.notify_wechat(self.wechatpay.pay(
                    balance_payment['number'])).status, 204)
        with self.db() as pool:
            Invoice = pool.get('account.invoice')
            Payment = pool.get('yuexing.payment')
            self.assertEqual(Invoice(bill_id).state, 'paid')
            self.assertEqual(len(Payment.search([('bill', '=', bill_id),
                        ('state', '=', 'paid')])), 2)

        # 3. a partial refund asked by the resident, approved, notified
        refund = self.api('POST',
            f"/payments/{balance_payment['id']}/refunds", token=token,
            json={'amount': '50.00', 'reason': '少用一卷材料'})
        self.assertEqual(refund.status, 201, refund)
        self.assertEqual(refund.json['state'], 'to_approve')
        def approve():
            Refund = Pool().get('yuexing.payment.refund')
            Refund.approve([Refund(refund.json['id'])])

        def execute():
            Refund = Pool().get('yuexing.payment.refund')
            Refund.execute([Refund(refund.json['id'])])
        retrying(approve, user=self.manager_id,
            context={'company': self.company_id})
        retrying(execute, context={'company': self.company_id})
        self.assertEqual(self.notify_wechat(
                self.wechatpay.refund_notification(
                    refund.json['number'])).status, 204)
        status = self.api('GET', f"/payments/{balance_payment['id']}",
            token=token)
        self.assertEqual(status.json['state'], 'partially_refunded')
        self.assertEqual(Decimal(status.json['refunded']), Decimal(50))

        # 4. reconciliation with the statement of the day; ageing
        with self.db(context={'company': self.company_id}) as pool:
            pool.get('account.invoice')  # the statement needs no lock
            Statement = pool.get('yuexing.payment.statement')
            statement = Statement(provider='wechat', date=dt.date.today())
            statement.save()
            Statement.fetch([statement])
            statement = Statement(statement.id)
            mine = [l for l in statement.lines if l.payment
                and l.payment.bill.id == bill_id]
            self.assertEqual(len(mine), 3)  # 2 payments, 1 refund
            self.assertTrue(all(l.matched for l in mine))
            self.assertFalse([d for d in statement.differences
                    if d.payment and d.payment.bill.id == bill_id])
            Ageing = pool.get('yuexing.receivable.ageing.bill')
            with Transaction().set_context(date=dt.date.today()):
                self.assertFalse(Ageing.search([('bill', '=', bill_id)]))
            Invoice = pool.get('account.invoice')
            bill = Invoice(bill_id)
            self.assertEqual(bill.received_amount, bill.total_amount)
            self.assertEqual(bill.refunded_total, Decimal(50))

    def test_forged_and_mismatching_notifications_answer_fail(self):
        token = self.login_as(self.user_id, 'customer')
        bill_id = self.bill_id(self.second_order_id)
        answer = self.api('POST', f'/bills/{bill_id}/payments',
            token=token, json={'channel': 'wechat_jsapi'})
        number = answer.json['payment']['number']
        headers, body = self.wechatpay.pay(number)
        # the answers WeChat Pay expects, as documented
        forged = self.notify_wechat((headers,
                body.replace(b'"id"', b'"id" ')))
        self.assertEqual(forged.status, 401)
        self.assertEqual(forged.json['code'], 'FAIL')
        wrong = self.notify_wechat(self.wechatpay.pay(number,
                amount_fen=1))
        self.assertEqual(wrong.status, 400)
        self.assertEqual(wrong.json['code'], 'FAIL')
        with self.db() as pool:
            Payment = pool.get('yuexing.payment')
            Alert = pool.get('yuexing.payment.alert')
            payment, = Payment.search([('number', '=', number)])
            self.assertEqual(payment.state, 'pending')
            kinds = {a.kind for a in Alert.search([])}
            self.assertTrue({'bad_signature', 'amount_mismatch'} <= kinds)

    def test_status_queries_a_late_notification(self):
        "GET of a pending payment asks WeChat Pay and books the success"
        token = self.login_as(self.user_id, 'customer')
        bill_id = self.bill_id(self.second_order_id)
        answer = self.api('POST', f'/bills/{bill_id}/payments',
            token=token, json={'channel': 'wechat_jsapi'})
        payment = answer.json['payment']
        self.wechatpay.pay(payment['number'])  # notification not sent
        status = self.api('GET', f"/payments/{payment['id']}", token=token)
        self.assertEqual(status.status, 200, status)
        self.assertEqual(status.json['state'], 'paid')

    def test_other_customer_sees_nothing(self):
        token = self.login_as(self.user_id, 'customer')
        bill_id = self.bill_id(self.second_order_id)
        answer = self.api('POST', f'/bills/{bill_id}/payments',
            token=token, json={'channel': 'wechat_jsapi'})
        payment_id = answer.json['payment']['id']
        other = self.login_as(self.other_user_id, 'customer')
        self.assertError(self.api('GET', f'/payments/{payment_id}',
                token=other), 404)
        self.assertError(self.api('POST', f'/bills/{bill_id}/payments',
                token=other, json={'channel': 'wechat_jsapi'}), 404)
        self.assertEqual(self.api('GET', '/bills', token=other
                ).json['items'], [])
        technician = self.login_as(self.technician_user_id, 'technician')
        self.assertError(self.api('GET', '/bills', token=technician), 403)

    def test_alipay_notification(self):
        token = self.login_as(self.user_id, 'customer')
        bill_id = self.bill_id(self.second_order_id)
        answer = self.api('POST', f'/bills/{bill_id}/payments',
            token=token, json={'channel': 'alipay_mini',
                'alipay_buyer_id': '2088102177846880'})
        self.assertEqual(answer.status, 201, answer)
        self.assertTrue(answer.json['alipay']['tradeNO'])
        params = self.alipay_fake.pay(answer.json['payment']['number'])
        forged = self.api('POST', '/payments/notify/alipay',
            data=dict(params, total_amount='0.01'), check=False)
        self.assertEqual(forged.text, 'failure')
        good = self.api('POST', '/payments/notify/alipay', data=params,
            check=False)
        self.assertEqual((good.status, good.text), (200, 'success'))
        status = self.api('GET', f"/payments/{answer.json['payment']['id']}",
            token=token)
        self.assertEqual(status.json['state'], 'paid')

    def test_technician_site_qr_and_cash(self):
        token = self.login_as(self.technician_user_id, 'technician')
        answer = self.api('POST',
            f'/technician/orders/{self.site_order_id}/payments',
            token=token, json={'channel': 'wechat_native',
                'amount': '10.00'})
        self.assertEqual(answer.status, 201, answer)
        self.assertTrue(answer.json['code_url'].startswith('weixin://'))
        cash = self.api('POST',
            f'/technician/orders/{self.site_order_id}/payments',
            token=token, json={'channel': 'technician_cash',
                'amount': '20.00'})
        self.assertEqual(cash.json['payment']['state'], 'collected')
        self.assertError(self.api('POST',
                f'/technician/orders/{self.order_id}/payments',
                token=token, json={'channel': 'technician_cash'}), 404)

    def test_openapi_complete(self):
        self.contract.assert_complete()
        paths = self.contract.document['paths']
        for path in ['/bills/{bill_id}/payments', '/payments/{payment_id}',
                '/payments/{payment_id}/refunds',
                '/payments/notify/wechat', '/payments/notify/alipay']:
            self.assertIn(path, paths)
