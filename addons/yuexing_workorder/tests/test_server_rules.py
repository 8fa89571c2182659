"""Server-side rules on construction steps hold whatever the client:
Tryton JSON-RPC as sao would call it, and the technicians' API."""
import base64
import datetime as dt

from werkzeug.test import Client

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import (
    create_user,
    rolled_back_on_error,
)
from trytond.modules.yuexing_workorder.exceptions import ConstructionError
from trytond.modules.yuexing_workorder.tests import (  # the module, not
    test_api_technician,  # the class, whose tests would run here again
)
from trytond.modules.yuexing_workorder.tests.tools import attach_photos
from trytond.pool import Pool
from trytond.protocols.wrappers import Response
from trytond.tests.test_tryton import DB_NAME
from trytond.wsgi import app

PM_LOGIN, PM_PASSWORD = 'rules_pm', 'Rules-PM-2026'


def rpc_datetime(value):
    return {'__class__': 'datetime', 'year': value.year,
        'month': value.month, 'day': value.day, 'hour': value.hour,
        'minute': value.minute, 'second': value.second, 'microsecond': 0}


class ServerRulesTestCase(ApiTestCase):
    "Construction steps: read-only fields and process order on every path"
    module = 'yuexing_workorder'
    days = test_api_technician.TechnicianApiTestCase.days

    @classmethod
    def setUpApiData(cls):
        test_api_technician.TechnicianApiTestCase.setUpApiData.__func__(cls)
        cls.pm_user = create_user(PM_LOGIN, ['group_project_manager'],
            company=Pool().get('company.company')(cls.company_id),
            password=PM_PASSWORD).id

    confirmed_order = test_api_technician.TechnicianApiTestCase.confirmed_order
    assigned_order = test_api_technician.TechnicianApiTestCase.assigned_order

    def setUp(self):
        super().setUp()
        self.li_token = self.login_as(self.li_user, 'technician')

    def on_site_order(self):
        "An order of 李师傅 checked in on site: its steps laid out."
        order_id, visit_id = self.assigned_order()
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            Visit = pool.get('yuexing.work_order.visit')
            Company = pool.get('company.company')
            with set_company(Company(self.company_id)):
                WorkOrder.accept([WorkOrder(order_id)])
                Visit.check_in([Visit(visit_id)])
                return order_id, [s.id for s in WorkOrder(order_id).steps]

    # ---- JSON-RPC as a client -------------------------------------------
    def rpc(self, method, *params):
        "Call method as the project manager, as sao does; the JSON answer."
        client = Client(app, Response)
        if not getattr(self, '_session', None):
            answer = client.post(f'/{DB_NAME}/rpc/', json={
                    'id': 1, 'method': 'common.db.login',
                    'params': [PM_LOGIN, {'password': PM_PASSWORD},
                        'zh_CN']},
                environ_base={'REMOTE_ADDR': self.ip})
            self.assertEqual(answer.status_code, 200, answer.text)
            user_id, session = answer.json['result'][:2]
            self._session = base64.b64encode(
                f'{PM_LOGIN}:{user_id}:{session}'.encode()).decode()
        answer = client.post(f'/{DB_NAME}/rpc/', json={
                'id': 2, 'method': method,
                'params': [*params, {'company': self.company_id}]},
            headers={'Authorization': f'Session {self._session}'},
            environ_base={'REMOTE_ADDR': self.ip})
        self.assertEqual(answer.status_code, 200, answer.text)
        return answer.json

    def assertRefused(self, answer, *texts):
        self.assertIn('error', answer, answer)
        self.assertNotIn('result', answer)
        message = str(answer['error'])
        for text in texts:
            self.assertIn(text, message)

    def step(self, step_id):
        with self.db() as pool:
            Step = pool.get('yuexing.work_order.step')
            step = Step(step_id)
            return {'state': step.state, 'started_at': step.started_at,
                'done_at': step.done_at, 'note': step.note,
                'name': step.name, 'min_hours': step.min_hours}

    def complete_server_side(self, step_id):
        "Photos and checks, then the complete button (server code)."
        with self.db() as pool:
            Step = pool.get('yuexing.work_order.step')
            step = Step(step_id)
            attach_photos(step, step.required_photos)
            for check in step.checks:
                check.result = 'pass'
                check.save()
            Step.complete([Step(step_id)])

    def test_rpc_backdating_started_at_refused(self):
        _, steps = self.on_site_order()
        first = steps[0]
        answer = self.rpc('model.yuexing.work_order.step.start', [first])
        self.assertNotIn('error', answer, answer)
        started = self.step(first)['started_at']
        self.assertTrue(started)

        back = rpc_datetime(dt.datetime.now() - dt.timedelta(days=3))
        answer = self.rpc('model.yuexing.work_order.step.write', [first],
            {'started_at': back})
        self.assertRefused(answer, '开始时间', '不能修改')
        self.assertEqual(self.step(first)['started_at'], started)
        self.assertRefused(self.rpc('model.yuexing.work_order.step.write',
                [first], {'state': 'done'}), '不能修改')
        # an editable field is still written
        self.assertNotIn('error', self.rpc(
                'model.yuexing.work_order.step.write', [first],
                {'note': '基层已清理'}))
        self.assertEqual(self.step(first)['note'], '基层已清理')

        # read-only once done (states): the note of a done step
        self.complete_server_side(first)
        self.assertRefused(self.rpc('model.yuexing.work_order.step.write',
                [first], {'note': '改写'}), '当前状态')
        self.assertEqual(self.step(first)['note'], '基层已清理')

    def test_rpc_step_before_previous_done_refused(self):
        _, steps = self.on_site_order()
        first, second = self.step(steps[0]), steps[1]
        answer = self.rpc('model.yuexing.work_order.step.start', [second])
        self.assertRefused(answer, first['name'])
        self.assertEqual(self.step(second)['state'], 'todo')
        self.complete_server_side_started(steps[0])
        answer = self.rpc('model.yuexing.work_order.step.start', [second])
        self.assertNotIn('error', answer, answer)
        self.assertEqual(self.step(second)['state'], 'in_progress')

    def complete_server_side_started(self, step_id):
        with self.db() as pool:
            pool.get('yuexing.work_order.step').start(
                [pool.get('yuexing.work_order.step')(step_id)])
        self.complete_server_side(step_id)

    # ---- the technicians' API -------------------------------------------
    def test_api_step_order_and_closed_water_test(self):
        _, steps = self.on_site_order()
        first = self.step(steps[0])
        refused = self.api('POST', f'/technician/steps/{steps[1]}/start',
            token=self.li_token)
        self.assertError(refused, 409, 'business_error', text=first['name'])
        refused = self.api('POST', f'/technician/steps/{steps[1]}/complete',
            token=self.li_token, json={})
        self.assertError(refused, 409, text=first['name'])
        self.assertEqual(self.step(steps[1])['state'], 'todo')

        water = [s for s in steps if self.step(s)['min_hours']][0]
        for step_id in steps:
            if step_id == water:
                break
            self.complete_server_side_started(step_id)
        started = self.api('POST', f'/technician/steps/{water}/start',
            token=self.li_token)
        self.assertEqual(started.json['state'], 'in_progress', started)
        refused = self.api('POST', f'/technician/steps/{water}/complete',
            token=self.li_token, json={})
        self.assertError(refused, 409, text='48')
        self.assertEqual(self.step(water)['state'], 'in_progress')

    # ---- the model, whoever writes ----------------------------------------
    def test_closed_water_test_lasts_48_hours_in_the_model(self):
        _, steps = self.on_site_order()
        for step_id in steps:
            step = self.step(step_id)
            if step['min_hours']:
                break
            self.complete_server_side_started(step_id)
        with self.db() as pool:
            Step = pool.get('yuexing.work_order.step')
            Step.start([Step(step_id)])
            now = dt.datetime.now()
            with self.assertRaises(ConstructionError) as cm, \
                    rolled_back_on_error():
                Step.write([Step(step_id)], {
                        'started_at': now - dt.timedelta(hours=47),
                        'done_at': now, 'state': 'done'})
            self.assertIn('48', cm.exception.message)
        self.assertEqual(self.step(step_id)['state'], 'in_progress')
