import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.modules.company.tests import (
    CompanyTestMixin,
    create_company,
    create_employee,
    set_company,
)
from trytond.modules.yuexing_base.tests.tools import (
    WebClientViewsMixin,
    acting_as,
    create_user,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

DOCUMENT = 'yuexing.test.approval_document'


def group_id(name):
    return Pool().get('ir.model.data').get_id('yuexing_base', name)


def open_document():
    """Every user may use the test document: the tests check the engine's
    rights, not the document's (deny by default refuses a model without
    access rows, and a test folder's XML is not loaded)."""
    pool = Pool()
    Access = pool.get('ir.model.access')
    if not Access.search([('model', '=', DOCUMENT)]):
        Access.create([{'model': DOCUMENT, 'perm_read': True,
                    'perm_write': True, 'perm_create': True,
                    'perm_delete': True}])


def create_flow(steps, name='报价审批', allow_self_approval=False):
    """A flow for the test document; steps are dicts of step values with
    'conditions' as (field, operator, value) tuples."""
    open_document()
    Flow = Pool().get('yuexing.approval.flow')
    to_create = []
    for values in steps:
        values = values.copy()
        conditions = values.pop('conditions', [])
        values['conditions'] = [('create', [
                        {'field': f, 'operator': o, 'value': v}
                        for f, o, v in conditions])]
        to_create.append(values)
    flow, = Flow.create([{
                'name': name, 'model': DOCUMENT,
                'allow_self_approval': allow_self_approval,
                'steps': [('create', to_create)]}])
    return flow


def create_document(amount, margin='0.30', **values):
    open_document()
    Document = Pool().get(DOCUMENT)
    document, = Document.create([{
                'name': f'Q-{amount}', 'amount': Decimal(amount),
                'margin_rate': Decimal(margin), **values}])
    return document


def pending_users(document):
    document = Pool().get(DOCUMENT)(document.id)
    return sorted(t.user.login for t in document.approval_tasks
        if t.state == 'pending')


class YuexingApprovalTestCase(
        WebClientViewsMixin, CompanyTestMixin, ModuleTestCase):
    "Test yuexing_approval module"
    module = 'yuexing_approval'
    language = 'zh_CN'

    def quote_flow(self):
        """The flow of the issue: above 5,000 or margin below 20 % needs
        the project manager, above 20,000 also the management."""
        return create_flow([
                {'name': '项目经理审批', 'sequence': 10,
                    'approver_kind': 'group',
                    'group': group_id('group_project_manager'),
                    'match': 'any',
                    'conditions': [('amount', '>', '5000'),
                        ('margin_rate', '<', '20%')]},
                {'name': '管理层审批', 'sequence': 20,
                    'approver_kind': 'group',
                    'group': group_id('group_management'),
                    'conditions': [('amount', '>', '20000')]},
                ])

    def users(self):
        self.service = create_user('kefu', ['group_customer_service'])
        self.manager = create_user('xiangmu', ['group_project_manager'])
        self.boss = create_user('guanli', ['group_management'])

    @with_transaction()
    def test_conditions_choose_the_steps(self):
        "Amount and margin conditions decide which steps a document needs"
        pool = Pool()
        Document = pool.get(DOCUMENT)
        self.users()
        flow = self.quote_flow()
        self.assertEqual(flow.steps[0].domain,
            '["OR", ["amount", ">", "5000"], ["margin_rate", "<", "0.2"]]')
        small = create_document('3000')
        medium = create_document('6000')
        thin = create_document('3000', margin='0.15')
        big = create_document('25000')
        with acting_as(self.service):
            Document.submit([small, medium, thin, big])
        self.assertEqual(Document(small.id).state, 'approved')
        self.assertFalse(Document(small.id).approval_request)
        for document in [medium, thin, big]:
            self.assertEqual(Document(document.id).state, 'pending')
            self.assertEqual(pending_users(document), ['xiangmu'])
        self.assertEqual(
            [t.name for t in Document(medium.id).approval_tasks],
            ['项目经理审批'])
        self.assertEqual(
            [t.name for t in Document(big.id).approval_tasks],
            ['项目经理审批', '管理层审批'])

    @with_transaction()
    def test_steps_in_order_and_history(self):
        "Management decides only after the manager; the history tells all"
        pool = Pool()
        Document = pool.get(DOCUMENT)
        self.users()
        self.quote_flow()
        big = create_document('25000')
        with acting_as(self.service):
            Document.submit([big])
        with acting_as(self.boss):
            with self.assertRaises(UserError) as cm:
                Document.decide_approval([Document(big.id)], 'approved')
            self.assertIn('没有待您处理的审批', cm.exception.message)
        with acting_as(self.manager):
            Document.decide_approval([Document(big.id)], 'approved',
                comment='价格合理')
        self.assertEqual(pending_users(big), ['guanli'])
        self.assertEqual(Document(big.id).state, 'pending')
        with acting_as(self.boss):
            Document.decide_approval([Document(big.id)], 'approved')
        big = Document(big.id)
        self.assertEqual(big.state, 'approved')
        self.assertEqual(big.approval_request.state, 'approved')
        self.assertEqual(
            [(l.action, l.user.login if l.user else None, l.step, l.comment)
                for l in big.approval_history],
            [('submitted', 'kefu', None, None),
                ('approved', 'xiangmu', '项目经理审批', '价格合理'),
                ('approved', 'guanli', '管理层审批', None),
                ('done', None, None, '已通过')])
        # and the decisions are in the audit trail (审计日志)
        Log = pool.get('yuexing.audit.log')
        deciders = {l.user.login for l in Log.search([
                    ('model', '=', 'yuexing.approval.task'),
                    ('action', '=', 'write')]) if l.user}
        self.assertLessEqual({'xiangmu', 'guanli'}, deciders)

    @with_transaction()
    def test_reject_sends_the_document_back(self):
        pool = Pool()
        Document = pool.get(DOCUMENT)
        self.users()
        self.quote_flow()
        big = create_document('25000')
        with acting_as(self.service):
            Document.submit([big])
        with acting_as(self.manager):
            Document.decide_approval([Document(big.id)], 'rejected',
                comment='毛利太低')
        big = Document(big.id)
        self.assertEqual(big.state, 'rejected')
        self.assertEqual(
            sorted((t.name, t.state) for t in big.approval_tasks),
            [('管理层审批', 'skipped'), ('项目经理审批', 'rejected')])
        # Submitted again, it starts a new request from the first step.
        with acting_as(self.service):
            Document.submit([big])
        self.assertEqual(pending_users(big), ['xiangmu'])

    @with_transaction()
    def test_parallel_steps_all_and_any(self):
        "Steps of one sequence run together; all/any of their approvers"
        pool = Pool()
        Document = pool.get(DOCUMENT)
        self.users()
        finance1 = create_user('caiwu1', ['group_finance'])
        create_user('caiwu2', ['group_finance'])
        create_user('guanli2', ['group_management'])
        create_flow([
                {'name': '财务会签', 'sequence': 10,
                    'approver_kind': 'group', 'mode': 'all',
                    'group': group_id('group_finance')},
                {'name': '管理层任一', 'sequence': 10,
                    'approver_kind': 'group', 'mode': 'any',
                    'group': group_id('group_management')},
                {'name': '项目经理', 'sequence': 20,
                    'approver_kind': 'user', 'user': self.manager.id},
                ])
        document = create_document('1000')
        with acting_as(self.service):
            Document.submit([document])
        self.assertEqual(pending_users(document),
            ['caiwu1', 'caiwu2', 'guanli', 'guanli2'])
        with acting_as(self.boss):
            Document.decide_approval([document], 'approved')
        # The other manager's task is not needed any more.
        self.assertEqual(pending_users(document), ['caiwu1', 'caiwu2'])
        with acting_as(finance1):
            Document.decide_approval([document], 'approved')
        self.assertEqual(pending_users(document), ['caiwu2'])
        with acting_as(pool.get('res.user').search(
                    [('login', '=', 'caiwu2')])[0]):
            Document.decide_approval([document], 'approved')
        self.assertEqual(pending_users(document), ['xiangmu'])
        with acting_as(self.manager):
            Document.decide_approval([document], 'approved')
        self.assertEqual(Document(document.id).state, 'approved')

    @with_transaction()
    def test_document_resolved_approver(self):
        "The project manager of the document approves it"
        pool = Pool()
        Document = pool.get(DOCUMENT)
        self.users()
        other = create_user('xiangmu2', ['group_project_manager'])
        create_flow([{'name': '本项目经理', 'sequence': 10,
                    'approver_kind': 'project_manager'}])
        document = create_document('1000', project_manager=other.id)
        with acting_as(self.service):
            Document.submit([document])
        self.assertEqual(pending_users(document), ['xiangmu2'])
        orphan = create_document('1000')
        with self.assertRaises(UserError) as cm:
            with acting_as(self.service):
                Document.submit([orphan])
        self.assertIn('本项目经理', cm.exception.message)

    @with_transaction()
    def test_b2b_approver_is_a_user_of_the_customer(self):
        "The B端 approver: a B端 user acting for the document's enterprise"
        pool = Pool()
        Document = pool.get(DOCUMENT)
        Party = pool.get('party.party')
        self.users()
        park, other_park = Party.create([
                {'name': '张江高科园区', 'customer_type': 'enterprise'},
                {'name': '漕河泾园区', 'customer_type': 'enterprise'}])
        resident, = Party.create([
                {'name': '王先生', 'customer_type': 'individual'}])
        create_user('bduan_zj', ['group_b2b_customer'], customer=park.id)
        create_user('bduan_chj', ['group_b2b_customer'],
            customer=other_park.id)
        create_flow([{'name': '园区审批', 'sequence': 10,
                    'approver_kind': 'b2b_approver'}])
        document = create_document('8000', customer=park.id)
        with acting_as(self.service):
            Document.submit([document])
        self.assertEqual(pending_users(document), ['bduan_zj'])
        # a resident has no B端 approver: nobody could approve the step
        orphan = create_document('8000', customer=resident.id)
        with self.assertRaises(UserError):
            with acting_as(self.service):
                Document.submit([orphan])

    @with_transaction()
    def test_department_head_is_the_supervisor(self):
        "The requester's department head: their employee's supervisor"
        pool = Pool()
        Document = pool.get(DOCUMENT)
        company = create_company()
        with set_company(company):
            head = create_employee(company, '部门经理')
            clerk = create_employee(company, '客服专员')
            clerk.supervisor = head
            clerk.save()
        service = create_user('kefu_dept', ['group_customer_service'],
            company=company, employees=[('add', [clerk.id])])
        create_user('bumen', ['group_management'], company=company,
            employees=[('add', [head.id])])
        create_flow([{'name': '部门审批', 'sequence': 10,
                    'approver_kind': 'department_head'}])
        document = create_document('1000')
        with acting_as(service):
            Document.submit([document])
        self.assertEqual(pending_users(document), ['bumen'])

    @with_transaction()
    def test_delegation_while_away(self):
        pool = Pool()
        Document = pool.get(DOCUMENT)
        Delegation = pool.get('yuexing.approval.delegation')
        self.users()
        deputy = create_user('daili', ['group_customer_service'])
        self.quote_flow()
        now = dt.datetime.now()
        with acting_as(self.manager):
            Delegation.create([{'delegate': deputy.id,
                        'start': now - dt.timedelta(days=1),
                        'end': now + dt.timedelta(days=3),
                        'reason': '年假'}])
        document = create_document('6000')
        with acting_as(self.service):
            Document.submit([document])
        task, = Document(document.id).approval_tasks
        self.assertEqual(
            (task.user.login, task.delegated_from.login),
            ('daili', 'xiangmu'))
        with acting_as(self.manager):
            with self.assertRaises(UserError):
                Document.decide_approval([document], 'approved')
        with acting_as(deputy):
            Document.decide_approval([document], 'approved')
        document = Document(document.id)
        self.assertEqual(document.state, 'approved')
        self.assertIn(('delegated', 'xiangmu'),
            [(l.action, l.user.login if l.user else None)
                for l in document.approval_history])

    @with_transaction()
    def test_overdue_step_escalates_once(self):
        pool = Pool()
        Document = pool.get(DOCUMENT)
        Task = pool.get('yuexing.approval.task')
        Message = pool.get('yuexing.message')
        self.users()
        create_flow([{'name': '项目经理审批', 'sequence': 10,
                    'approver_kind': 'group',
                    'group': group_id('group_project_manager'),
                    'deadline_hours': 24,
                    'escalate_group': group_id('group_management')}])
        document = create_document('6000')
        with acting_as(self.service):
            Document.submit([document])
        task, = Document(document.id).approval_tasks
        self.assertEqual(task.deadline - task.activated_at,
            dt.timedelta(hours=24))
        self.assertEqual(Task.escalate(now=task.deadline
                - dt.timedelta(minutes=1)), [])
        later = task.deadline + dt.timedelta(minutes=1)
        new, = Task.escalate(now=later)
        self.assertEqual((new.user.login, new.escalation, new.state),
            ('guanli', True, 'pending'))
        self.assertTrue(Task(task.id).escalated)
        self.assertEqual(Task.escalate(now=later), [])
        self.assertEqual(len(Message.search([
                        ('user', '=', self.boss.id),
                        ('event', '=', 'approval_needed')])), 1)
        # The escalation approver alone may decide the step.
        with acting_as(self.boss):
            Document.decide_approval([document], 'approved')
        self.assertEqual(Document(document.id).state, 'approved')
        self.assertEqual(Task(task.id).state, 'skipped')

    @with_transaction()
    def test_running_documents_keep_their_flow_version(self):
        pool = Pool()
        Document = pool.get(DOCUMENT)
        Step = pool.get('yuexing.approval.step')
        self.users()
        flow = self.quote_flow()
        version = flow.version
        before = create_document('25000')
        with acting_as(self.service):
            Document.submit([before])
        # The administrator drops the management step and raises the
        # threshold of the manager's.
        Step.delete([flow.steps[1]])
        pool.get('yuexing.approval.step.condition').write(
            [flow.steps[0].conditions[0]], {'value': '30000'})
        flow = pool.get('yuexing.approval.flow')(flow.id)
        self.assertGreater(flow.version, version)
        after = create_document('25000')
        with acting_as(self.service):
            Document.submit([after])
        self.assertEqual(Document(after.id).state, 'approved')
        self.assertEqual(Document(before.id).approval_request.flow_version,
            version)
        with acting_as(self.manager):
            Document.decide_approval([Document(before.id)], 'approved')
        self.assertEqual(pending_users(before), ['guanli'])
        with acting_as(self.boss):
            Document.decide_approval([Document(before.id)], 'approved')
        self.assertEqual(Document(before.id).state, 'approved')

    @with_transaction()
    def test_nobody_approves_own_document(self):
        pool = Pool()
        Document = pool.get(DOCUMENT)
        Flow = pool.get('yuexing.approval.flow')
        self.users()
        other = create_user('xiangmu2', ['group_project_manager'])
        flow = self.quote_flow()
        document = create_document('6000')
        with acting_as(self.manager):
            Document.submit([document])
        # The requester is left out of the approvers of their own document.
        self.assertEqual(pending_users(document), ['xiangmu2'])
        del other
        # Alone in the role, the requester cannot submit at all...
        pool.get('res.user').write(
            pool.get('res.user').search([('login', '=', 'xiangmu2')]),
            {'active': False})
        lone = create_document('6000')
        with acting_as(self.manager):
            with self.assertRaises(UserError) as cm:
                Document.submit([lone])
        self.assertIn('除申请人外', cm.exception.message)
        # ...unless the flow allows it for a small team: then it is marked.
        Flow.write([flow], {'allow_self_approval': True})
        with acting_as(self.manager):
            Document.submit([lone])
            Document.decide_approval([Document(lone.id)], 'approved')
        lone = Document(lone.id)
        self.assertEqual(lone.state, 'approved')
        self.assertEqual(
            [l.self_approval for l in lone.approval_history
                if l.action == 'approved'], [True])

    @with_transaction()
    def test_decided_task_cannot_be_decided_again(self):
        pool = Pool()
        Document = pool.get(DOCUMENT)
        Request = pool.get('yuexing.approval.request')
        self.users()
        self.quote_flow()
        document = create_document('6000')
        with acting_as(self.service):
            Document.submit([document])
        task, = Document(document.id).approval_tasks
        with acting_as(self.manager):
            Request.decide([task], 'approved')
            with self.assertRaises(UserError) as cm:
                Request.decide([task], 'rejected')
        self.assertIn('已处理', cm.exception.message)
        self.assertEqual(Document(document.id).state, 'approved')

    @with_transaction()
    def test_approvers_notified_once_per_step(self):
        pool = Pool()
        Document = pool.get(DOCUMENT)
        Message = pool.get('yuexing.message')
        self.users()
        self.quote_flow()
        document = create_document('25000')
        with acting_as(self.service):
            Document.submit([document])

        def inbox(user, event='approval_needed'):
            return [m.body for m in Message.search([
                        ('user', '=', user.id), ('event', '=', event)])]
        self.assertEqual(len(inbox(self.manager)), 1)
        self.assertIn('项目经理审批', inbox(self.manager)[0])
        self.assertEqual(inbox(self.boss), [])
        with acting_as(self.manager):
            Document.decide_approval([document], 'approved')
        self.assertEqual(len(inbox(self.manager)), 1)
        self.assertEqual(len(inbox(self.boss)), 1)
        with acting_as(self.boss):
            Document.decide_approval([document], 'approved')
        self.assertEqual(len(inbox(self.service, 'approval_done')), 1)

    @with_transaction()
    def test_todo_list_shows_only_own_tasks(self):
        pool = Pool()
        Document = pool.get(DOCUMENT)
        Task = pool.get('yuexing.approval.task')
        self.users()
        self.quote_flow()
        document = create_document('25000')
        with acting_as(self.service):
            Document.submit([document])
        with acting_as(self.manager):
            mine = Task.search([('mine', '=', True),
                    ('state', '=', 'pending')])
            self.assertEqual([t.name for t in mine], ['项目经理审批'])
            self.assertEqual(len(Task.search([])), 1)
        technician = create_user('shifu', ['group_technician'])
        with acting_as(technician):
            self.assertEqual(Task.search([]), [])

    @with_transaction()
    def test_named_user_or_role_cannot_be_deleted(self):
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        self.users()
        group, = Group.create([{'name': '区域经理'}])
        create_flow([{'name': '区域经理审批', 'sequence': 10,
                    'approver_kind': 'group', 'group': group.id},
                {'name': '指定人', 'sequence': 20,
                    'approver_kind': 'user', 'user': self.boss.id}],
            name='采购审批')
        with self.assertRaises(UserError) as cm:
            Group.delete([group])
        self.assertIn('采购审批', cm.exception.message)
        # Users are deactivated (Tryton keeps them for the logs).
        with self.assertRaises(UserError) as cm:
            User.write([self.boss], {'active': False})
        self.assertIn('采购审批', cm.exception.message)
        User.write([self.service], {'active': False})  # in no flow

    @with_transaction()
    def test_condition_values_are_checked(self):
        self.users()
        with self.assertRaises(UserError) as cm:
            create_flow([{'name': '项目经理审批', 'sequence': 10,
                        'approver_kind': 'user', 'user': self.boss.id,
                        'conditions': [('amount', '>', '五千')]}])
        self.assertIn('五千', cm.exception.message)

    @with_transaction()
    def test_one_active_flow_per_document_type(self):
        self.quote_flow()
        with self.assertRaises(UserError):
            create_flow([], name='第二个')

    @with_transaction()
    def test_decide_wizard_batch_with_comment(self):
        pool = Pool()
        Document = pool.get(DOCUMENT)
        Task = pool.get('yuexing.approval.task')
        Decide = pool.get('yuexing.approval.decide', type='wizard')
        self.users()
        self.quote_flow()
        documents = [create_document('6000'), create_document('7000')]
        with acting_as(self.service):
            Document.submit(documents)
        with acting_as(self.manager):
            tasks = Task.search([('mine', '=', True)])
            session_id, _, _ = Decide.create()
            with Transaction().set_context(active_model=Task.__name__,
                    active_ids=[t.id for t in tasks],
                    active_id=tasks[0].id):
                Decide.execute(session_id, {
                        'start': {'comment': '同意', 'count': 2}},
                    'approve')
        for document in documents:
            document = Document(document.id)
            self.assertEqual(document.state, 'approved')
            self.assertEqual(document.approval_tasks[0].comment, '同意')


del ModuleTestCase
