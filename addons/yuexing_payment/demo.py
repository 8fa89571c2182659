"""Demo data: the payment books, then bills of the demo orders, some paid by
WeChat Pay or in cash, one partially refunded, some overdue."""
import datetime as dt
import secrets
from decimal import Decimal

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, TransactionError


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        steps = super().steps()
        # the payment accounts before any quote is confirmed (bills)
        index = next((i + 1 for i, (m, _) in enumerate(steps)
                if m == 'demo_books'), len(steps))
        steps = steps[:index] + [('demo_payment_books', "收款账户")] + \
            steps[index:]
        return steps + [('demo_payments', "账单与收款")]

    @classmethod
    def demo_payment_books(cls, ctx):
        Configuration = Pool().get('yuexing.configuration')
        Configuration.setup_payment_books(ctx.records['company'])

    @classmethod
    def demo_payments(cls, ctx):
        """Posting bills and moves takes sequence locks, which Tryton 8
        grants at the start of a transaction: the step runs in its own
        transaction, restarted with the locks it asks for."""
        transaction = Transaction()
        extras = {}
        while True:
            with transaction.new_transaction(**extras) as new:
                try:
                    with new.set_context(transaction.context):
                        cls._demo_payments(ctx)
                except TransactionError as exception:
                    new.rollback()
                    exception.fix(extras)
                    continue
                new.commit()
            break

    @classmethod
    def _demo_payments(cls, ctx):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Payment = pool.get('yuexing.payment')
        Refund = pool.get('yuexing.payment.refund')
        Attachment = pool.get('ir.attachment')
        MoveLine = pool.get('account.move.line')
        rng = ctx.rng
        company = pool.get('company.company')(ctx.records['company'].id)
        with Transaction().set_context(company=company.id):
            done = Invoice.search([('bill_kind', '=', 'order'),
                    ('state', '=', 'draft'),
                    ('work_order.state', 'in', ['done', 'closed'])])
            if done:
                Invoice.post(done)
            bills = Invoice.search([('bill_kind', '=', 'order'),
                    ('state', 'in', ['draft', 'posted'])],
                order=[('id', 'ASC')])
            total = len(bills)
            refunded = False
            for index, bill in enumerate(bills):
                ctx.report("账单与收款", index + 1, total)
                due = bill.bill_due_amount
                if not due:
                    continue
                luck = rng.random()
                if luck < 0.45:
                    amount, purpose = bill.next_payment()
                    payment, = Payment.create([{
                                'company': company.id, 'bill': bill.id,
                                'party': bill.party.id,
                                'work_order': (bill.work_order.id
                                    if bill.work_order else None),
                                'channel': 'wechat_jsapi',
                                'amount': amount, 'purpose': purpose,
                                'payer': 'o-demo-' + secrets.token_hex(6),
                                }])
                    Payment.pend([payment])
                    Payment._confirm_paid(payment,
                        '42000' + ''.join(rng.choice('0123456789')
                            for _ in range(23)), amount, source='demo')
                    payment = Payment(payment.id)
                    if not refunded and bill.state == 'posted':
                        refund, = Refund.create([{'payment': payment.id,
                                    'amount': (amount / 4).quantize(
                                        Decimal('0.01')),
                                    'reason': '少用材料，部分退款'}])
                        Refund.approve_auto([refund])
                        Refund.process([refund])
                        Refund.complete([refund])
                        refunded = True
                elif luck < 0.65 and bill.state == 'posted':
                    payment, = Payment.create([{
                                'company': company.id, 'bill': bill.id,
                                'party': bill.party.id, 'channel': 'cash',
                                'amount': due, 'purpose': 'full',
                                'reference': f'XJ{index:05d}'}])
                    Attachment.create([{'name': '收据.png',
                                'resource': str(payment),
                                'data': _PNG}])
                    Payment.confirm_offline([payment])
                elif bill.state == 'posted' and luck < 0.85:
                    # overdue: the due date long past
                    days = rng.choice([20, 45, 75, 120])
                    past = ctx.today - dt.timedelta(days=days)
                    line = MoveLine.__table__()
                    Transaction().connection.cursor().execute(*line.update(
                            [line.maturity_date], [past],
                            where=line.id.in_([l.id
                                    for l in bill.lines_to_pay])))
                    Invoice.write([bill], {'due_date': past})


_PNG = (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00'
    b'\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8'
    b'\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND'
    b'\xaeB`\x82')
