"""Concurrent decisions on one step count once (PostgreSQL row locks)."""
import os
import threading
import time
import unittest
from decimal import Decimal

from trytond import backend
from trytond.exceptions import UserError
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    create_user,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, USER
from trytond.transaction import Transaction, TransactionError

from .test_module import DOCUMENT, create_flow

BACKEND = os.environ.get('YUEXING_TEST_BACKEND', 'sqlite')


def run_as(user_id, func):
    """func() in its own committed transaction as user, the way trytond's
    RPC layer runs a request: restarted with the rows locked at start when
    a lock is asked (TransactionError), retried while the database reports
    a lock or a serialisation failure. Returns func's result or the
    UserError it raised."""
    extras = {}
    for attempt in range(50):
        try:
            with Transaction().start(DB_NAME, user_id, context={
                        '_check_access': True}, **extras) as transaction:
                try:
                    result = func()
                except TransactionError as exception:
                    transaction.rollback()
                    exception.fix(extras)
                    continue
                except UserError as exception:
                    transaction.rollback()
                    return exception
                transaction.commit()
                return result
        except backend.DatabaseOperationalError:
            time.sleep(0.01 * (attempt + 1))
    return 'gave up'


@unittest.skipUnless(BACKEND == 'postgresql',
    "concurrent decisions are checked on PostgreSQL (row-level locking)")
class DecisionRaceTestCase(FunctionalTestCase):
    "Approvers clicking at the same moment"
    module = 'yuexing_approval'

    def setup_document(self, suffix, mode):
        "A submitted document whose one step has two finance approvers."
        with Transaction().start(DB_NAME, USER) as transaction:
            pool = Pool()
            Document = pool.get(DOCUMENT)
            Flow = pool.get('yuexing.approval.flow')
            Flow.write(Flow.search([('model', '=', DOCUMENT)]),
                {'active': False})
            service = create_user(f'kefu_{suffix}',
                ['group_customer_service'])
            finance = [create_user(f'caiwu_{suffix}_{i}', ['group_finance'])
                for i in range(2)]
            # Only these two hold the role in this flow's eyes: a role of
            # their own.
            Group = pool.get('res.group')
            group, = Group.create([{'name': f'财务会签 {suffix}',
                        'users': [('add', [u.id for u in finance])]}])
            create_flow([{'name': '财务会签', 'sequence': 10,
                        'approver_kind': 'group', 'group': group.id,
                        'mode': mode}], name=f'会签 {suffix}')
            document, = Document.create([{'name': f'R-{suffix}',
                        'amount': Decimal('9000'),
                        'margin_rate': Decimal('0.3')}])
            with Transaction().set_user(service.id):
                Document.submit([document])
            tasks = {t.user.id: t.id for t in document.approval_tasks}
            transaction.commit()
        return document.id, [u.id for u in finance], tasks

    def race(self, calls):
        barrier = threading.Barrier(len(calls))
        results = [None] * len(calls)

        def run(index, user_id, func):
            barrier.wait()
            results[index] = run_as(user_id, func)

        threads = [threading.Thread(target=run, args=(i, u, f))
            for i, (u, f) in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    def history(self, document_id):
        with Transaction().start(DB_NAME, USER):
            Document = Pool().get(DOCUMENT)
            document = Document(document_id)
            return document.state, [l.action
                for l in document.approval_history]

    def test_double_click_counts_once(self):
        "The same approver's two simultaneous clicks: one decision"
        document_id, finance, tasks = self.setup_document('dbl', 'any')
        user = finance[0]

        def approve():
            pool = Pool()
            Task = pool.get('yuexing.approval.task')
            pool.get('yuexing.approval.request').decide(
                [Task(tasks[user])], 'approved')
            return 'ok'
        results = self.race([(user, approve), (user, approve)])
        self.assertEqual(results.count('ok'), 1, results)
        loser, = [r for r in results if r != 'ok']
        self.assertIn('已处理', loser.message)
        state, actions = self.history(document_id)
        self.assertEqual(state, 'approved')
        self.assertEqual(actions, ['submitted', 'approved', 'done'])

    def test_any_step_two_approvers_at_once(self):
        "Either approver of an any-step: one decides, the other is told"
        document_id, finance, tasks = self.setup_document('any', 'any')

        def approve(user):
            def func():
                pool = Pool()
                Document = pool.get(DOCUMENT)
                Document.decide_approval([Document(document_id)],
                    'approved')
                return 'ok'
            return func
        results = self.race([(u, approve(u)) for u in finance])
        self.assertEqual(results.count('ok'), 1, results)
        state, actions = self.history(document_id)
        self.assertEqual(state, 'approved')
        self.assertEqual(actions, ['submitted', 'approved', 'done'])

    def test_all_step_both_approve_at_once(self):
        "Both approvers of an all-step at once: approved once, by both"
        document_id, finance, tasks = self.setup_document('all', 'all')

        def approve(user):
            def func():
                pool = Pool()
                Task = pool.get('yuexing.approval.task')
                pool.get('yuexing.approval.request').decide(
                    [Task(tasks[user])], 'approved')
                return 'ok'
            return func
        results = self.race([(u, approve(u)) for u in finance])
        self.assertEqual(results, ['ok', 'ok'])
        state, actions = self.history(document_id)
        self.assertEqual(state, 'approved')
        self.assertEqual(actions,
            ['submitted', 'approved', 'approved', 'done'])
