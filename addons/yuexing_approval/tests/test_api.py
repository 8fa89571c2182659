"""我的待办 through the JSON API (师傅端, B端 portal, staff)."""
from decimal import Decimal

from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import create_user

from .test_module import DOCUMENT, create_flow, group_id


class ApprovalApiTestCase(ApiTestCase):
    "Approvers decide their to-dos through the API"
    module = 'yuexing_approval'

    @classmethod
    def setUpApiData(cls):
        cls.service = create_user('api_ap_kefu',
            ['group_customer_service']).id
        cls.manager = create_user('api_ap_xiangmu',
            ['group_project_manager']).id
        cls.technician = create_user('api_ap_shifu',
            ['group_technician']).id
        create_flow([{'name': '项目经理审批', 'sequence': 10,
                    'approver_kind': 'group',
                    'group': group_id('group_project_manager')}])

    def submitted(self, count=1):
        "count documents submitted by customer service; their task ids"
        with self.db(user=self.service) as pool:
            Document = pool.get(DOCUMENT)
            documents = Document.create([{'name': f'API-{i}',
                        'amount': Decimal('8000'),
                        'margin_rate': Decimal('0.3')}
                    for i in range(count)])
            Document.submit(documents)
            return [d.id for d in documents], [d.approval_tasks[0].id
                for d in documents]

    def document_state(self, document_id):
        with self.db() as pool:
            return pool.get(DOCUMENT)(document_id).state

    def test_todo_then_approve_with_comment(self):
        (document_id,), (task_id,) = self.submitted()
        token = self.login_as(self.manager, 'staff')
        todo = self.api('GET', '/approvals/todo', token=token)
        self.assertEqual(todo.status, 200, todo)
        item, = [i for i in todo.json['items'] if i['id'] == task_id]
        self.assertEqual((item['step'], item['requester'], item['state']),
            ('项目经理审批', 'api_ap_kefu', 'pending'))
        approved = self.api('POST', f'/approvals/{task_id}/approve',
            token=token, json={'comment': '同意'})
        self.assertEqual(approved.status, 200, approved)
        self.assertEqual((approved.json['state'], approved.json['comment']),
            ('approved', '同意'))
        self.assertEqual(self.document_state(document_id), 'approved')
        # Decided: a second click is a conflict, and it left the list.
        self.assertError(self.api('POST', f'/approvals/{task_id}/reject',
                token=token, json={}), 409, 'task_decided', text='已处理')
        todo = self.api('GET', '/approvals/todo', token=token)
        self.assertNotIn(task_id, [i['id'] for i in todo.json['items']])

    def test_batch_all_or_nothing(self):
        document_ids, task_ids = self.submitted(2)
        token = self.login_as(self.manager, 'staff')
        rejected = self.api('POST', '/approvals/batch', token=token,
            json={'ids': task_ids, 'decision': 'reject',
                'comment': '请补充勘察照片'})
        self.assertEqual(rejected.status, 200, rejected)
        self.assertEqual([i['state'] for i in rejected.json['items']],
            ['rejected', 'rejected'])
        self.assertEqual([self.document_state(d) for d in document_ids],
            ['rejected', 'rejected'])
        # One decided task among them: nothing changes.
        _, (fresh,) = self.submitted()
        self.assertError(self.api('POST', '/approvals/batch', token=token,
                json={'ids': [fresh, task_ids[0]], 'decision': 'approve'}),
            409, 'task_decided')
        with self.db() as pool:
            Task = pool.get('yuexing.approval.task')
            self.assertEqual(Task(fresh).state, 'pending')

    def test_other_peoples_tasks_are_not_found(self):
        _, (task_id,) = self.submitted()
        token = self.login_as(self.technician, 'technician')
        self.assertEqual(self.api('GET', '/approvals/todo',
                token=token).json['items'], [])
        self.assertError(self.api('POST', f'/approvals/{task_id}/approve',
                token=token, json={}), 404, 'task_not_found')

    def test_openapi_complete(self):
        self.contract.assert_complete()
