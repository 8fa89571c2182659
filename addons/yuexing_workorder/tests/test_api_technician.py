"""The 师傅端 JSON API through the WSGI app, from the grab pool to the
customer's signature, with the denials."""
import datetime as dt
import itertools
from decimal import Decimal
from io import BytesIO

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import create_user
from trytond.modules.yuexing_workorder.tests.tools import (
    PNG,
    company_and_customer,
    create_order,
    create_product,
    create_technician,
    quote_and_confirm,
)
from trytond.pool import Pool


class TechnicianApiTestCase(ApiTestCase):
    "Work orders: the technicians' API"
    module = 'yuexing_workorder'
    # the data is committed for the class: one visit day per order, so
    # that the visits of 李师傅 never overlap
    days = itertools.count(1)

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        User = pool.get('res.user')
        PieceRate = pool.get('yuexing.piece_rate')
        company, resident, park = company_and_customer()
        cls.company_id, cls.resident_id = company.id, resident.id
        with set_company(company):
            skills = [('membrane', 'senior'), ('coating', 'senior')]
            cls.li = create_technician(company, '李师傅', skills,
                user_login='api_tech_li').id
            cls.zhang = create_technician(company, '张师傅', skills,
                offset=0.01, user_login='api_tech_zhang').id
            cls.li_user, = [u.id for u in User.search(
                    [('login', '=', 'api_tech_li')])]
            cls.zhang_user, = [u.id for u in User.search(
                    [('login', '=', 'api_tech_zhang')])]
            cls.no_employee_user = create_user('api_tech_none',
                ['group_technician'], company=company).id
            cls.dispatcher_user = create_user('api_tech_diaodu',
                ['group_dispatcher'], company=company).id
            cls.resident_user = create_user('api_tech_wang',
                ['group_c2c_customer'], company=company,
                customer=resident.id).id
            cls.membrane = create_product('SBS改性沥青防水卷材', '230', '165',
                'yuexing_base.uom_roll').id
            PieceRate.create([{'name': '屋面防水计件', 'leak_site': 'roof',
                        'base_amount': Decimal('200'),
                        'unit_amount': Decimal('10')}])

    def setUp(self):
        super().setUp()
        self.li_token = self.login_as(self.li_user, 'technician')

    def confirmed_order(self, quantity=10):
        "A roof order of the resident, quoted and confirmed (待派工)."
        with self.db() as pool:
            Company = pool.get('company.company')
            Product = pool.get('product.product')
            with set_company(Company(self.company_id)):
                order = create_order(pool.get('party.party')(
                        self.resident_id), leak_site='roof',
                    quantity=quantity)
                quote_and_confirm(order, [(Product(self.membrane), 4)])
            return order.id

    def assigned_order(self):
        "A confirmed order dispatched to 李师傅 with a construction visit."
        order_id = self.confirmed_order()
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            Employee = pool.get('company.employee')
            Visit = pool.get('yuexing.work_order.visit')
            Company = pool.get('company.company')
            with set_company(Company(self.company_id)):
                order = WorkOrder(order_id)
                WorkOrder.assign([order], Employee(self.li))
                start = dt.datetime.now() + dt.timedelta(
                    days=next(self.days), hours=1)
                visit, = Visit.create([{
                            'work_order': order_id, 'technician': self.li,
                            'kind': 'construction',
                            'planned_start': start,
                            'planned_end': start + dt.timedelta(hours=4)}])
            return order_id, visit.id

    def upload(self, token, name='step.png'):
        response = self.api('POST', '/uploads', token=token,
            data={'file': (BytesIO(PNG), name)})
        self.assertEqual(response.status, 201, response)
        return response.json['id']

    # ---- access ----

    def test_only_technicians_with_a_profile(self):
        self.assertIn('/technician/pool/{order_id}/grab',
            self.contract.document['paths'])
        customer = self.login_as(self.resident_user, 'customer')
        self.assertError(self.api('GET', '/technician/orders',
                token=customer), 403)
        nobody = self.login_as(self.no_employee_user, 'technician')
        self.assertError(self.api('GET', '/technician/orders',
                token=nobody), 403, code='not_technician')

    def test_orders_of_others_are_not_found(self):
        order_id, visit_id = self.assigned_order()
        zhang = self.login_as(self.zhang_user, 'technician')
        self.assertError(self.api('GET', f'/technician/orders/{order_id}',
                token=zhang), 404)
        self.assertError(self.api('POST',
                f'/technician/visits/{visit_id}/depart', token=zhang), 404)
        self.assertError(self.api('POST',
                f'/technician/orders/{order_id}/accept', token=zhang), 404)
        mine = self.api('GET', '/technician/orders?status=open',
            token=self.li_token)
        self.assertIn(order_id, [o['id'] for o in mine.json['items']])
        detail = self.api('GET', f'/technician/orders/{order_id}',
            token=self.li_token)
        # the technician sees the customer's full number to call them
        self.assertEqual(
            detail.json['contact_phone'].replace(' ', ''), '13800138000')

    # ---- grab pool ----

    def test_grab_first_wins_and_retry_is_safe(self):
        order_id = self.confirmed_order()
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            WorkOrder.publish([WorkOrder(order_id)])
        listed = self.api('GET', '/technician/pool', token=self.li_token)
        entry, = [o for o in listed.json if o['id'] == order_id]
        self.assertTrue(entry['eligible'])

        zhang = self.login_as(self.zhang_user, 'technician')
        headers = {'Idempotency-Key': f'grab-order-{order_id}'}
        won = self.api('POST', f'/technician/pool/{order_id}/grab',
            token=zhang, headers=headers)
        self.assertEqual(won.status, 200, won)
        self.assertEqual(won.json['state'], 'accepted')
        self.assertEqual(won.json['technician']['name'], '张师傅')
        again = self.api('POST', f'/technician/pool/{order_id}/grab',
            token=zhang)
        self.assertEqual(again.status, 200, again)
        # the loser is told the order was taken (409), not that it
        # does not exist
        lost = self.api('POST', f'/technician/pool/{order_id}/grab',
            token=self.li_token)
        self.assertError(lost, 409, code='grab_taken')
        # an order never offered in the pool stays unknown
        unknown = self.api('POST',
            f'/technician/pool/{self.confirmed_order()}/grab',
            token=self.li_token)
        self.assertEqual(unknown.status, 404, unknown)
        listed = self.api('GET', '/technician/pool', token=self.li_token)
        self.assertNotIn(order_id, [o['id'] for o in listed.json])

    # ---- dispatch answers ----

    def test_accept_and_reject(self):
        order_id, _ = self.assigned_order()
        self.assertError(self.api('POST',
                f'/technician/orders/{order_id}/reject',
                token=self.li_token, json={}), 422, field='reason')
        accepted = self.api('POST', f'/technician/orders/{order_id}/accept',
            token=self.li_token)
        self.assertEqual(accepted.json['state'], 'accepted')
        twice = self.api('POST', f'/technician/orders/{order_id}/accept',
            token=self.li_token)
        self.assertEqual(twice.json['state'], 'accepted')
        self.assertError(self.api('POST',
                f'/technician/orders/{order_id}/reject',
                token=self.li_token, json={'reason': '太远'}), 409,
            code='wrong_state')

        other_id, _ = self.assigned_order()
        rejected = self.api('POST', f'/technician/orders/{other_id}/reject',
            token=self.li_token, json={'reason': '当天已满'})
        self.assertEqual(rejected.json['state'], 'confirmed')
        self.assertError(self.api('GET', f'/technician/orders/{other_id}',
                token=self.li_token), 404)

    # ---- the site, end to end ----

    def test_site_flow_to_signature_and_income(self):
        order_id, visit_id = self.assigned_order()
        token = self.li_token
        self.api('POST', f'/technician/orders/{order_id}/accept', token=token)
        gone = self.api('POST', f'/technician/visits/{visit_id}/depart',
            token=token)
        self.assertEqual(gone.json['state'], 'on_the_way')
        self.assertError(self.api('POST',
                f'/technician/visits/{visit_id}/position', token=token,
                json={'latitude': 123, 'longitude': 121.5}), 422,
            field='latitude')
        self.api('POST', f'/technician/visits/{visit_id}/position',
            token=token, json={'latitude': 31.2, 'longitude': 121.5})
        customer = self.login_as(self.resident_user, 'customer')
        seen = self.api('GET', f'/orders/{order_id}', token=customer)
        self.assertEqual(seen.json['visit']['position']['latitude'], 31.2)

        detail = self.api('GET', f'/technician/orders/{order_id}',
            token=token)
        arrived = self.api('POST', f'/technician/visits/{visit_id}/check-in',
            token=token, json={'latitude': detail.json['latitude'],
                'longitude': detail.json['longitude']})
        self.assertEqual(arrived.json['state'], 'on_site')
        self.assertFalse(arrived.json['check_in_flagged'])

        detail = self.api('GET', f'/technician/orders/{order_id}',
            token=token)
        self.assertEqual(detail.json['state'], 'on_site')
        steps = detail.json['steps']
        self.assertTrue(steps)
        self.assertError(self.api('POST',
                f'/technician/orders/{order_id}/complete', token=token),
            409)

        first = steps[0]
        self.api('POST', f'/technician/steps/{first["id"]}/start',
            token=token)
        refused = self.api('POST', f'/technician/steps/{first["id"]}/complete',
            token=token, json={})
        self.assertError(refused, 409, text='照片')
        self.assertError(self.api('POST',
                f'/technician/steps/{first["id"]}/complete', token=token,
                json={'checks': [{'id': 999999, 'result': 'pass'}]}),
            422, code='unknown_check')

        with self.db() as pool:
            Step = pool.get('yuexing.work_order.step')
            # the closed-water test must have lasted 48 hours
            Step.write([Step(s['id']) for s in steps if s['min_hours']], {
                    'started_at': dt.datetime.now() - dt.timedelta(days=3),
                    'state': 'in_progress'})
        for step in steps:
            photos = [self.upload(token) for _ in range(
                    step['required_photos'])]
            done = self.api('POST', f'/technician/steps/{step["id"]}/complete',
                token=token, json={'photos': photos, 'checks': [
                        {'id': c['id'], 'result': 'pass'}
                        for c in step['checks']]})
            self.assertEqual(done.json['state'], 'done', done)
            self.assertEqual(done.json['photos'], step['required_photos'])

        added = self.api('POST', f'/technician/orders/{order_id}/materials',
            token=token, json={'product_id': self.membrane, 'quantity': 3,
                'step_id': steps[0]['id']})
        self.assertEqual(added.status, 201, added)
        self.assertEqual(added.json['materials'][0]['quantity'], 3)
        self.assertError(self.api('POST',
                f'/technician/orders/{order_id}/materials', token=token,
                json={'product_id': 999999, 'quantity': 1}), 422,
            field='product_id')

        delay = self.api('POST', f'/technician/orders/{order_id}/delays',
            token=token, json={'requested_deadline': (dt.datetime.now()
                    + dt.timedelta(days=30)).replace(microsecond=0)
                .isoformat(), 'reason': '连续降雨，保护层需晾干'})
        self.assertEqual(delay.status, 201, delay)
        self.assertEqual(delay.json['state'], 'pending')
        # The dispatcher finds it in 我的待办 and approves it there.
        staff = self.login_as(self.dispatcher_user, 'staff')
        todo = self.api('GET', '/approvals/todo', token=staff)
        task, = [t for t in todo.json['items']
            if t['document_model'] == 'yuexing.work_order.delay'
            and t['document_id'] == delay.json['id']]
        self.assertEqual(task['step'], '调度审批')
        approved = self.api('POST', f'/approvals/{task["id"]}/approve',
            token=staff, json={'comment': '同意顺延'})
        self.assertEqual(approved.json['state'], 'approved', approved)
        with self.db() as pool:
            Delay = pool.get('yuexing.work_order.delay')
            self.assertEqual(Delay(delay.json['id']).state, 'approved')

        finished = self.api('POST', f'/technician/orders/{order_id}/complete',
            token=token)
        self.assertEqual(finished.json['state'], 'to_accept')
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            WorkOrder.record_inspection(WorkOrder(order_id), 'pass', [
                    {'name': '闭水试验无渗漏', 'result': 'pass'}])
        self.assertError(self.api('POST',
                f'/technician/orders/{order_id}/signature', token=token,
                json={'signature': 999999, 'signer': '王先生'}), 422,
            code='unknown_upload')
        signed = self.api('POST', f'/technician/orders/{order_id}/signature',
            token=token, json={'signature': self.upload(token, 'sign.png'),
                'signer': '王先生'})
        self.assertEqual(signed.status, 200, signed)
        self.assertTrue(signed.json['signed'])
        self.assertEqual(signed.json['state'], 'done')

        income = self.api('GET', '/technician/income', token=token)
        self.assertEqual(income.status, 200, income)
        # 屋面防水计件: 200 per order + 10 per m² × 10 m²
        self.assertEqual(income.json['total'], '300.00')
        self.assertEqual(income.json['orders'], 1)
        self.assertError(self.api('GET', '/technician/income?month=2026-13',
                token=token), 422, field='month')

        rated = self.api('POST', f'/orders/{order_id}/rating',
            token=customer, json={'punctuality': 5, 'quality': 5,
                'attitude': 4, 'cleanliness': 4})
        self.assertEqual(rated.status, 201, rated)
        ratings = self.api('GET', '/technician/ratings', token=token)
        self.assertEqual(ratings.json['count'], 1)
        self.assertEqual(ratings.json['items'][0]['score'], '4.50')

    def test_exception_holds_the_order(self):
        order_id, visit_id = self.assigned_order()
        token = self.li_token
        self.api('POST', f'/technician/orders/{order_id}/accept', token=token)
        self.assertError(self.api('POST',
                f'/technician/orders/{order_id}/exceptions', token=token,
                json={'kind': 'flood'}), 422, field='kind')
        reported = self.api('POST',
            f'/technician/orders/{order_id}/exceptions', token=token,
            json={'kind': 'material_shortage', 'description': '卷材不够',
                'visit_id': visit_id, 'photos': [self.upload(token)]})
        self.assertEqual(reported.status, 201, reported)
        self.assertEqual(reported.json['state'], 'on_hold')

    def test_gps_clock_in_and_out(self):
        token = self.li_token
        self.assertError(self.api('POST', '/technician/clock', token=token,
                json={'type': 'in', 'latitude': 31.2}), 422,
            field='longitude')
        came = self.api('POST', '/technician/clock', token=token,
            json={'type': 'in', 'latitude': 31.2, 'longitude': 121.5})
        self.assertEqual(came.status, 201, came)
        self.assertError(self.api('POST', '/technician/clock', token=token,
                json={'type': 'in', 'latitude': 31.2,
                    'longitude': 121.5}), 409, code='clock_refused')
        left = self.api('POST', '/technician/clock', token=token,
            json={'type': 'out', 'latitude': 31.21, 'longitude': 121.51})
        self.assertEqual(left.status, 201, left)
        with self.db() as pool:
            line = pool.get('attendance.line')(came.json['id'])
            self.assertEqual((line.source, line.employee.id),
                ('app', self.li))
            self.assertAlmostEqual(line.latitude, 31.2)
