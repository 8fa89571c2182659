"""Two technicians borrowing the same tool at the same moment: it is lent
once (PostgreSQL row lock on the tool)."""
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
    create_technician,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, USER
from trytond.transaction import Transaction

BACKEND = os.environ.get('YUEXING_TEST_BACKEND', 'sqlite')


@unittest.skipUnless(BACKEND == 'postgresql',
    "concurrent lending is checked on PostgreSQL (row-level locking)")
class ToolRaceTestCase(FunctionalTestCase):
    "Phones borrowing the same tool at once"
    module = 'yuexing_material'

    def test_same_tool_lent_once(self):
        "Three technicians borrow one heat gun at once: one gets it"
        def setup():
            Tool = Pool().get('yuexing.material.tool')
            company, _, _ = company_and_customer()
            with set_company(company):
                technicians = [create_technician(company, name)
                    for name in ['李师傅', '王师傅', '张师傅']]
                tool, = Tool.create([{'name': '热风焊枪',
                            'serial_number': 'LD-TS-RACE-01',
                            'kind': 'welding'}])
            return company.id, tool.id, [t.id for t in technicians]
        company, tool_id, technicians = run_committed(DB_NAME, USER, setup)

        def borrow(technician_id):
            def run():
                pool = Pool()
                Tool = pool.get('yuexing.material.tool')
                Loan = pool.get('yuexing.material.tool.loan')
                Employee = pool.get('company.employee')
                with Transaction().set_context(company=company):
                    Loan.borrow(Tool(tool_id), Employee(technician_id))
                return 'lent'
            return run

        barrier = threading.Barrier(len(technicians))
        results = [None] * len(technicians)

        def run(index, technician_id):
            barrier.wait()
            results[index] = run_as(0, borrow(technician_id))

        threads = [threading.Thread(target=run, args=(i, t))
            for i, t in enumerate(technicians)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(results.count('lent'), 1, results)
        refused = [r for r in results if isinstance(r, UserError)]
        self.assertEqual(len(refused), 2, results)
        self.assertIn('已借给', refused[0].message)
        with Transaction().start(DB_NAME, USER, context={'company': company}):
            Loan = Pool().get('yuexing.material.tool.loan')
            self.assertEqual(Loan.search_count([('tool', '=', tool_id),
                        ('state', '=', 'open')]), 1)
