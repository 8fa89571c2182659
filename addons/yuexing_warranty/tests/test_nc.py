"""With the NC connector: a repair under warranty is carried over as a
warranty cost (6601 销售费用), a paid order as the cost of sales (6401)."""
from decimal import Decimal

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.tools import FunctionalTestCase
from trytond.modules.yuexing_nc_connector.tests.tools import (
    books_and_customer,
)
from trytond.modules.yuexing_workorder.tests.tools import create_technician
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .tools import finished_order


class WarrantyCostTestCase(FunctionalTestCase):
    "After-sales: warranty cost in the books"
    module = 'yuexing_warranty'
    extras = ['yuexing_nc_connector']

    @with_transaction()
    def test_repair_under_warranty_is_warranty_cost(self):
        "Carry-over: 6401 for the order, 6601 for its free repair"
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        CostLine = pool.get('yuexing.work_order.cost')
        Move = pool.get('account.move')
        company, customer = books_and_customer()
        with set_company(company):
            technician = create_technician(company, '吴师傅')

            def with_labour(order, hours):
                CostLine.create([{
                            'work_order': order.id, 'kind': 'labour',
                            'description': '防水工', 'quantity': hours,
                            'unit_cost': Decimal('45'),
                            'employee': technician.id}])

            original = finished_order(customer, technician)
            warranty, = original.warranties
            repair = warranty.open_claim('屋面又漏了')
            with_labour(repair, 4)
            WorkOrder.write([repair], {
                    'state': 'to_accept', 'technician': technician.id})
            WorkOrder.mark_done([WorkOrder(repair.id)])

            def carried(order):
                move, = Move.search([('origin', '=', str(order)),
                        ('nc_event', '=', 'carryover')])
                return {l.account.code: (l.debit, l.credit)
                    for l in move.lines}
            self.assertIn('6601', carried(repair))
            self.assertEqual(carried(repair)['6601'][0],
                sum(c.amount for c in WorkOrder(repair.id).costs))
            self.assertNotIn('6401', carried(repair))

            paid = warranty.open_claim('装修破坏防水层', in_scope=False)
            with_labour(paid, 2)
            WorkOrder.write([paid], {
                    'state': 'to_accept', 'technician': technician.id})
            WorkOrder.mark_done([WorkOrder(paid.id)])
            self.assertIn('6401', carried(paid))
            self.assertNotIn('6601', carried(paid))
