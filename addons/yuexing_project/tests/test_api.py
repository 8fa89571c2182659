"""The B端 portal's project endpoints: a park's user sees its own
projects with the schedule (Gantt data, critical path) and changes, and
another company's project answers 404."""
from decimal import Decimal

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import (
    create_customer,
    create_user,
)
from trytond.modules.yuexing_workorder.tests.tools import company_and_customer
from trytond.pool import Pool

from .tools import confirm_budget, create_project


class ProjectApiTestCase(ApiTestCase):
    "B端 portal: projects"
    module = 'yuexing_project'

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        Work = pool.get('project.work')
        Change = pool.get('yuexing.project.change')
        company, _, park = company_and_customer()
        other = create_customer(name='金桥科技园', phone='021-50809999',
            customer_type='enterprise', address='上海市浦东新区金桥路100号')
        with set_company(company):
            cls.park_user = create_user('pj_park', ['group_b2b_customer'],
                company=company, customer=park.id).id
            project, cls.tasks = create_project(park)
            confirm_budget(project, {'material': 50000})
            Work.schedule([project])
            Work.write([cls.tasks['勘察设计']], {'progress': 1.0})
            Change.create([{'project': project.id, 'title': '增加天沟',
                        'lines': [('create', [{'category': 'material',
                                        'amount': Decimal(8000)}])]}])
            cls.project = project.id
            foreign, _ = create_project(other, name='金桥园区屋面')
            cls.foreign = foreign.id

    def setUp(self):
        super().setUp()
        self.token = self.login_as(self.park_user, 'portal')

    def test_every_endpoint_documented(self):
        self.contract.assert_complete()
        self.assertIn('/projects/{project_id}',
            self.contract.document['paths'])

    def test_own_projects_with_schedule(self):
        "Own projects only; tasks, critical path, changes; 404 otherwise"
        listed = self.api('GET', '/projects', token=self.token)
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual([p['id'] for p in listed.json['items']],
            [self.project])
        item = listed.json['items'][0]
        self.assertEqual((item['state'], item['start_date'],
                item['end_date']), ('draft', '2026-03-02', '2026-03-14'))
        # 3 of 15 weighted days done (a milestone weighs one)
        self.assertEqual(item['progress'], 20)
        detail = self.api('GET', f'/projects/{self.project}',
            token=self.token)
        self.assertEqual(detail.status, 200, detail)
        ids = {n: t.id for n, t in self.tasks.items()}
        self.assertEqual(detail.json['critical_path'], [ids['勘察设计'],
                ids['拆除旧防水层'], ids['卷材铺贴'], ids['竣工验收']])
        tasks = {t['name']: t for t in detail.json['tasks']}
        self.assertEqual(tasks['材料进场']['float'], 3)
        self.assertEqual(tasks['卷材铺贴']['dependencies'],
            sorted([ids['拆除旧防水层'], ids['材料进场']]))
        self.assertTrue(tasks['竣工验收']['milestone'])
        self.assertEqual(tasks['勘察设计']['progress'], 100)
        change, = detail.json['changes']
        self.assertEqual((change['title'], change['budget_impact'],
                change['state']), ('增加天沟', '8000.00', 'draft'))
        self.assertError(self.api('GET', f'/projects/{self.foreign}',
                token=self.token), 404, 'not_found')
        self.assertError(self.api('GET', f'/projects/{ids["勘察设计"]}',
                token=self.token), 404, 'not_found')
        self.assertError(self.api('GET', '/projects'), 401)
