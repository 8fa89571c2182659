"""A scripted mini-program session over HTTP, C端 and 师傅端 together: the
resident reports a leak, confirms the quote, a technician grabs the order,
travels, works step by step, completes; the resident watches the progress
and rates. Plus the grab race through the API (PostgreSQL)."""
import datetime as dt
import os
import threading
import unittest
from decimal import Decimal
from io import BytesIO

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import (
    ApiTestCase,
    api_datetime,
)
from trytond.modules.yuexing_base.tests.tools import create_user
from trytond.modules.yuexing_workorder.tests.tools import (
    PNG,
    company_and_customer,
    create_product,
    create_technician,
)
from trytond.pool import Pool

BACKEND = os.environ.get('YUEXING_TEST_BACKEND', 'sqlite')
RACERS = 8


class MiniProgramSessionTestCase(ApiTestCase):
    "Work orders: a mini-program session end to end"
    module = 'yuexing_workorder'

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        User = pool.get('res.user')
        Mechanism = pool.get('party.contact_mechanism')
        PieceRate = pool.get('yuexing.piece_rate')
        company, resident, _ = company_and_customer()
        cls.company_id = company.id
        with set_company(company):
            cls.resident_user = create_user('s_wang', ['group_c2c_customer'],
                company=company, customer=resident.id).id
            cls.quoter_user = create_user('s_kefu',
                ['group_customer_service', 'group_dispatcher'],
                company=company).id
            skills = [('membrane', 'senior'), ('coating', 'senior')]
            cls.technicians = []
            for i in range(RACERS):
                employee = create_technician(company, f'师傅{i}', skills,
                    offset=0.002 * i, user_login=f's_tech{i}')
                Mechanism.create([{'party': employee.party.id,
                            'type': 'mobile', 'value': f'1391234567{i}'}])
                user, = User.search([('login', '=', f's_tech{i}')])
                cls.technicians.append((employee.id, user.id))
            cls.membrane = create_product('SBS改性沥青防水卷材', '230', '165',
                'yuexing_base.uom_roll').id
            PieceRate.create([{'name': '屋面计件', 'leak_site': 'roof',
                        'base_amount': Decimal('150'),
                        'unit_amount': Decimal('8')}])

    def quote_as_back_office(self, order_id, rolls):
        "客服 prices the survey result and sends the quote (back office)."
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            Quote = pool.get('yuexing.quote')
            Line = pool.get('yuexing.quote.line')
            with set_company(pool.get('company.company')(self.company_id)):
                order = WorkOrder(order_id)
                quote = Quote.new_version(order)
                line = Line(quote=quote, quantity=rolls)
                line.product = pool.get('product.product')(self.membrane)
                line.on_change_product()
                line.save()
                Quote.submit_approval([quote])
                while quote.state == 'pending':
                    Quote.approve([quote])
                Quote.send([quote])
            return quote.id

    def publish(self, order_id):
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            WorkOrder.publish([WorkOrder(order_id)])

    def reported_and_confirmed(self, token, description):
        "The resident reports a leak and confirms the quote: 待派工."
        order = self.api('POST', '/orders', token=token, json={
                'leak_site': 'roof', 'description': description,
                'quantity': 10}).json
        quote_id = self.quote_as_back_office(order['id'], 4)
        confirmed = self.api('POST', f'/quotes/{quote_id}/confirm',
            token=token)
        self.assertEqual(confirmed.json['state'], 'confirmed', confirmed)
        return order['id']

    def upload(self, token):
        response = self.api('POST', '/uploads', token=token,
            data={'file': (BytesIO(PNG), 'photo.png')})
        self.assertEqual(response.status, 201, response)
        return response.json['id']

    def test_session_from_report_to_rating(self):
        resident = self.login_as(self.resident_user, 'customer')
        employee_id, user_id = self.technicians[0]
        technician = self.login_as(user_id, 'technician')

        # 首页 → 估价 → 报修 with a photo
        estimate = self.api('POST', '/estimate', token=resident,
            json={'leak_site': 'roof', 'quantity': 10})
        self.assertGreater(float(estimate.json['estimate_max']), 0)
        photo = self.upload(resident)
        order = self.api('POST', '/orders', token=resident, json={
                'leak_site': 'roof', 'description': '顶楼天花板雨后渗水',
                'quantity': 10, 'photos': [photo]},
            headers={'Idempotency-Key': 'session-order-1'})
        self.assertEqual(order.status, 201, order)
        order_id = order.json['id']

        # 人工报价 → 确认
        self.api('POST', f'/orders/{order_id}/quote-request', token=resident)
        quote_id = self.quote_as_back_office(order_id, 4)
        detail = self.api('GET', f'/orders/{order_id}', token=resident)
        self.assertEqual(detail.json['state'], 'quoted')
        self.assertEqual(detail.json['quote']['id'], quote_id)
        slot = next(s for s in self.api('GET',
                f'/orders/{order_id}/slots?days=3', token=resident).json
            if s['available'])
        self.api('POST', f'/orders/{order_id}/booking', token=resident,
            json={'start': slot['start'], 'end': slot['end']})
        self.api('POST', f'/quotes/{quote_id}/confirm', token=resident)

        # 抢单
        self.publish(order_id)
        pool_list = self.api('GET', '/technician/pool', token=technician)
        self.assertIn(order_id, [o['id'] for o in pool_list.json])
        grabbed = self.api('POST', f'/technician/pool/{order_id}/grab',
            token=technician)
        self.assertEqual(grabbed.json['state'], 'accepted', grabbed)
        progress = self.api('GET', f'/orders/{order_id}', token=resident)
        self.assertEqual(progress.json['technician']['name'], '师傅0')
        self.assertEqual(progress.json['technician']['phone'],
            '139****5670')

        # the visit at the booked time (the dispatcher's calendar)
        with self.db() as pool:
            Visit = pool.get('yuexing.work_order.visit')
            start = api_datetime(slot['start'])
            visit, = Visit.create([{'work_order': order_id,
                        'technician': employee_id, 'kind': 'construction',
                        'planned_start': start,
                        'planned_end': api_datetime(slot['end'])}])
            visit_id = visit.id
        schedule = self.api('GET', '/technician/schedule?days=4',
            token=technician)
        self.assertIn(visit_id, [v['id'] for v in schedule.json])

        # 出发 → 在途位置 → 到场
        self.api('POST', f'/technician/visits/{visit_id}/depart',
            token=technician)
        for latitude, longitude in [(31.17, 121.55), (31.19, 121.52)]:
            self.api('POST', f'/technician/visits/{visit_id}/position',
                token=technician, json={'latitude': latitude,
                    'longitude': longitude})
        watching = self.api('GET', f'/orders/{order_id}', token=resident)
        self.assertGreaterEqual(
            watching.json['visit']['position']['eta_minutes'], 1)
        # the customer follows the track (轨迹), not only the last point
        self.assertEqual([(p['latitude'], p['longitude'])
                for p in watching.json['visit']['track']],
            [(31.17, 121.55), (31.19, 121.52)])
        site = self.api('GET', f'/technician/orders/{order_id}',
            token=technician).json
        self.api('POST', f'/technician/visits/{visit_id}/check-in',
            token=technician, json={'latitude': site['latitude'],
                'longitude': site['longitude']})
        arrived = self.api('GET', f'/orders/{order_id}', token=resident)
        self.assertEqual(arrived.json['state'], 'on_site')
        self.assertIsNone(arrived.json['visit']['position'])
        self.assertEqual(len(arrived.json['visit']['track']), 2)

        # 施工步骤 with photos and checks
        steps = self.api('GET', f'/technician/orders/{order_id}',
            token=technician).json['steps']
        with self.db() as pool:
            Step = pool.get('yuexing.work_order.step')
            Step.write([Step(s['id']) for s in steps if s['min_hours']], {
                    'started_at': dt.datetime.now() - dt.timedelta(days=3),
                    'state': 'in_progress'})
        for step in steps:
            done = self.api('POST', f'/technician/steps/{step["id"]}/complete',
                token=technician, json={
                    'photos': [self.upload(technician)
                        for _ in range(step['required_photos'])],
                    'checks': [{'id': c['id'], 'result': 'pass'}
                        for c in step['checks']]})
            self.assertEqual(done.json['state'], 'done', done)
        self.api('POST', f'/technician/orders/{order_id}/materials',
            token=technician, json={'product_id': self.membrane,
                'quantity': 4})
        midway = self.api('GET', f'/orders/{order_id}', token=resident)
        self.assertEqual(midway.json['progress'], 1.0)

        # 完工 → 质检 → 客户签字 → 评价
        self.api('POST', f'/technician/orders/{order_id}/complete',
            token=technician)
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            WorkOrder.record_inspection(WorkOrder(order_id), 'pass', [
                    {'name': '闭水试验无渗漏', 'result': 'pass'}])
        signed = self.api('POST', f'/technician/orders/{order_id}/signature',
            token=technician, json={'signature': self.upload(technician),
                'signer': '王先生'})
        self.assertEqual(signed.json['state'], 'done', signed)
        rated = self.api('POST', f'/orders/{order_id}/rating', token=resident,
            json={'punctuality': 5, 'quality': 5, 'attitude': 5,
                'cleanliness': 5, 'comment': '很满意'})
        self.assertEqual(rated.status, 201, rated)
        final = self.api('GET', f'/orders/{order_id}', token=resident).json
        self.assertEqual([t['state'] for t in final['timeline']],
            ['draft', 'submitted', 'quoted', 'confirmed', 'accepted',
                'on_site', 'to_accept', 'done'])
        income = self.api('GET', '/technician/income', token=technician)
        self.assertEqual(income.json['total'], '230.00')  # 150 + 8 × 10 m²

    @unittest.skipUnless(BACKEND == 'postgresql',
        "concurrent transactions need PostgreSQL")
    def test_grab_race_over_http(self):
        "8 technicians grab the same order at once: one 200, seven 409"
        resident = self.login_as(self.resident_user, 'customer')
        order_id = self.reported_and_confirmed(resident, '地下室渗水')
        self.publish(order_id)
        tokens = [self.login_as(user, 'technician')
            for _, user in self.technicians]
        barrier = threading.Barrier(len(tokens))
        results = []

        def grab(token):
            barrier.wait()
            results.append(self.api('POST',
                    f'/technician/pool/{order_id}/grab', token=token,
                    check=False))
        threads = [threading.Thread(target=grab, args=(t,)) for t in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [200] + [409] * (len(tokens) - 1),
            [r.text for r in results if r.status not in (200, 409)])
        with self.db() as pool:
            Dispatch = pool.get('yuexing.work_order.dispatch')
            self.assertEqual(Dispatch.search_count([
                        ('work_order', '=', order_id),
                        ('method', '=', 'pool')]), 1)
