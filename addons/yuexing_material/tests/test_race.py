"""Concurrent use of the last units of a van books only what exists
(PostgreSQL row locks on the van location)."""
import os
import threading
import unittest

from trytond.exceptions import UserError
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_approval.tests.test_race import run_as
from trytond.modules.yuexing_base.locks import run_committed
from trytond.modules.yuexing_base.tests.tools import FunctionalTestCase
from trytond.modules.yuexing_workorder.tests.tools import (
    company_and_customer,
    create_order,
    create_technician,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, USER
from trytond.transaction import Transaction

from .tools import create_material, receive, stock_of

BACKEND = os.environ.get('YUEXING_TEST_BACKEND', 'sqlite')


@unittest.skipUnless(BACKEND == 'postgresql',
    "concurrent stock use is checked on PostgreSQL (row-level locking)")
class ConsumptionRaceTestCase(FunctionalTestCase):
    "Technicians' phones booking the last rolls at the same moment"
    module = 'yuexing_material'

    def setup_van(self):
        "A van holding 3 rolls and three orders of its technician."
        def setup():
            pool = Pool()
            Requisition = pool.get('yuexing.material.requisition')
            WorkOrder = pool.get('yuexing.work_order')
            company, resident, _ = company_and_customer()
            with set_company(company):
                technician = create_technician(company, '李师傅')
                membrane = create_material('SBS改性沥青防水卷材',
                    'yuexing_base.uom_roll', '100')
                receive(membrane, 10, '100')
                issue, = Requisition.create([{
                            'kind': 'issue', 'technician': technician.id,
                            'lines': [('create', [{
                                            'product': membrane.id,
                                            'quantity': 3}])]}])
                Requisition.submit([issue])
                # locks the warehouse: restarted by run_committed
                Requisition.book([issue])
                orders = [create_order(resident, leak_site='roof')
                    for _ in range(3)]
                WorkOrder.write(orders, {
                        'state': 'accepted', 'technician': technician.id})
            return (company.id, technician.id, membrane.id,
                [o.id for o in orders])
        return run_committed(DB_NAME, USER, setup)

    def test_last_rolls_booked_once(self):
        "Three uses of 2 rolls on a van of 3: one booked, two refused"
        company, technician, membrane, orders = self.setup_van()

        def use(order_id):
            def book():
                Material = Pool().get('yuexing.work_order.material')
                with Transaction().set_context(company=company):
                    Material.create([{'work_order': order_id,
                                'product': membrane, 'quantity': 2,
                                'technician': technician}])
                return 'booked'
            return book

        barrier = threading.Barrier(len(orders))
        results = [None] * len(orders)

        def run(index, order_id):
            barrier.wait()
            results[index] = run_as(0, use(order_id))

        threads = [threading.Thread(target=run, args=(i, o))
            for i, o in enumerate(orders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(results.count('booked'), 1, results)
        refused = [r for r in results if isinstance(r, UserError)]
        self.assertEqual(len(refused), 2, results)
        self.assertIn('库存不足', refused[0].message)
        with Transaction().start(DB_NAME, USER, context={'company': company}):
            pool = Pool()
            Employee = pool.get('company.employee')
            Product = pool.get('product.product')
            Material = pool.get('yuexing.work_order.material')
            van = Employee(technician).van_location
            self.assertEqual(stock_of(van, Product(membrane)), 1)
            self.assertEqual(Material.search_count(
                    [('work_order', 'in', orders)]), 1)
