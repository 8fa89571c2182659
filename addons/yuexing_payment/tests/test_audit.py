"""The demo data leaves an audit trail: a demo order's life (created,
quoted, dispatched, done, paid) is in the 审计日志."""
import json

from trytond.modules.yuexing_base.tests.tools import FunctionalTestCase
from trytond.modules.yuexing_payment.payment import PAID_STATES
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction


class DemoAuditTestCase(FunctionalTestCase):
    "Payments, refunds and the demo in the audit log"
    module = 'yuexing_payment'

    @with_transaction()
    def test_demo_order_life_in_audit_log(self):
        pool = Pool()
        Demo = pool.get('yuexing.demo')
        Log = pool.get('yuexing.audit.log')
        Payment = pool.get('yuexing.payment')
        Demo.generate(Demo.options_class()(
                customers=20, enterprises=4, teams=2, team_size=2,
                orders=40))
        paid = [p for p in Payment.search([('state', 'in', PAID_STATES)])
            if p.work_order]
        self.assertTrue(paid, Payment.search([]))
        payment = paid[0]
        order = payment.work_order

        def states(record):
            result = []
            for entry in Log.search([
                        ('model', '=', record.__name__),
                        ('record_id', '=', record.id)],
                    order=[('id', 'ASC')]):
                changes = json.loads(entry.changes or '{}')
                if entry.action == 'create':
                    result.append(('create', changes.get('state')))
                elif 'state' in changes:
                    result.append(tuple(changes['state']))
            return result
        order_states = states(order)
        self.assertEqual(order_states[0][0], 'create')
        reached = {new for _, new in order_states[1:]}
        self.assertTrue({'submitted', 'quoted', 'dispatched', 'done'}
            <= reached, order_states)
        self.assertIn('confirmed', {new for _, new in states(order.quote)})
        payment_states = states(payment)
        self.assertEqual(payment_states[0][0], 'create')
        self.assertTrue(set(PAID_STATES)
            & {new for _, new in payment_states[1:]}, payment_states)
