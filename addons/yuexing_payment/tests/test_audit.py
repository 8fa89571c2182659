"""The demo data leaves an audit trail: a demo order's life (created,
quoted, dispatched, done) is in the 审计日志."""
import json

from trytond.modules.yuexing_base.tests.tools import FunctionalTestCase
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
        Demo.generate(Demo.options_class()(
                customers=20, enterprises=4, teams=2, team_size=2,
                orders=40))
        # (the payment step runs in its own transaction, for the sequence
        # locks, and cannot see this test's uncommitted orders: the
        # payments' trail is checked on a generated demo database)
        WorkOrder = pool.get('yuexing.work_order')
        orders = WorkOrder.search([])
        self.assertTrue(orders)

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
        # the most advanced order of the demo
        order = max(orders, key=lambda o: len(states(o)))
        order_states = states(order)
        self.assertEqual(order_states[0], ('create', 'draft'))
        # one unbroken chain: each change starts where the last one ended
        previous = 'draft'
        for old, new in order_states[1:]:
            self.assertEqual(old, previous, order_states)
            previous = new
        self.assertEqual(previous, order.state)
        self.assertTrue({'submitted', 'quoted', 'confirmed'}
            <= {new for _, new in order_states[1:]}, order_states)
        self.assertIn('confirmed', {new for _, new in states(order.quote)})
