"""The customers' JSON API (C端 mini-program, B端 portal) through the WSGI
app: every answer is checked against the published OpenAPI document."""
import datetime as dt

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import (
    ApiTestCase,
    api_datetime,
)
from trytond.modules.yuexing_base.tests.tools import create_user
from trytond.modules.yuexing_workorder.tests.tools import (
    company_and_customer,
    create_order,
    create_product,
    create_technician,
    quote_and_confirm,
)
from trytond.pool import Pool


class CustomerApiTestCase(ApiTestCase):
    "Work orders: the customers' API"
    module = 'yuexing_workorder'

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        company, resident, park = company_and_customer()
        cls.company_id = company.id
        cls.resident_id, cls.park_id = resident.id, park.id
        with set_company(company):
            cls.resident_user = create_user('api_wang',
                ['group_c2c_customer'], company=company,
                customer=resident.id).id
            cls.unbound_user = create_user('api_nobody',
                ['group_c2c_customer'], company=company).id
            cls.park_user = create_user('api_park',
                ['group_b2b_customer'], company=company,
                customer=park.id).id
            cls.kefu_user = create_user('api_kefu2',
                ['group_customer_service'], company=company).id
            cls.technician = create_technician(company, '李师傅',
                skills=[('membrane', 'senior'), ('coating', 'senior')],
                user_login='api_li').id
            cls.technician_user = pool.get('res.user').search(
                [('login', '=', 'api_li')])[0].id
            membrane = create_product('SBS改性沥青防水卷材', '230', '165',
                'yuexing_base.uom_roll')
            cls.membrane_id = membrane.id
            # an order of the park, never visible to the resident
            cls.park_order = create_order(park, leak_site='roof').id
            WorkOrder.submit([WorkOrder(cls.park_order)])
            # a finished order of the resident, to be rated
            done = create_order(resident, leak_site='bathroom')
            WorkOrder.submit([done])
            WorkOrder.write([done], {'state': 'done'})
            cls.done_order = done.id

    def setUp(self):
        super().setUp()
        self.token = self.login_as(self.resident_user, 'customer')

    def count_orders(self):
        with self.db() as pool:
            return pool.get('yuexing.work_order').search_count([])

    def new_order(self, **values):
        body = {'leak_site': 'roof', 'description': '顶楼雨后渗水',
            'quantity': 12, **values}
        response = self.api('POST', '/orders', token=self.token, json=body)
        self.assertEqual(response.status, 201, response)
        return response.json

    # ---- documentation ------------------------------------------------------

    def test_every_endpoint_documented(self):
        self.contract.assert_complete()
        paths = self.contract.document['paths']
        self.assertIn('/orders/{order_id}/quote-request', paths)
        self.assertIn('/addresses/recognize', paths)

    # ---- estimate and intake ------------------------------------------------

    def test_estimate_gives_a_range(self):
        response = self.api('POST', '/estimate', token=self.token, json={
                'leak_site': 'roof', 'quantity': 20, 'severity': 'severe'})
        self.assertEqual(response.status, 200, response)
        low = float(response.json['estimate_min'])
        high = float(response.json['estimate_max'])
        self.assertGreater(low, 0)
        self.assertGreater(high, low)

    def test_create_order_is_idempotent_and_private(self):
        before = self.count_orders()
        headers = {'Idempotency-Key': 'order-roof-0001'}
        body = {'leak_site': 'roof', 'description': '顶楼卧室天花板渗水',
            'quantity': 15, 'contact_phone': '13800138000'}
        first = self.api('POST', '/orders', token=self.token, json=body,
            headers=headers)
        self.assertEqual(first.status, 201, first)
        again = self.api('POST', '/orders', token=self.token, json=body,
            headers=headers)
        self.assertEqual(again.json['id'], first.json['id'])
        self.assertEqual(self.count_orders(), before + 1)

        order = first.json
        self.assertEqual(order['state'], 'submitted')
        self.assertEqual(order['type'], 'c_repair')
        self.assertIn('浦东新区', order['address'])
        self.assertGreater(float(order['estimate_max']), 0)
        self.assertEqual(order['timeline'][0]['label'], '提交报修')

        listed = self.api('GET', '/orders?status=open', token=self.token)
        self.assertIn(order['id'], [o['id'] for o in listed.json['items']])
        self.assertNotIn(self.park_order,
            [o['id'] for o in listed.json['items']])
        self.assertError(self.api('GET', f'/orders/{self.park_order}',
                token=self.token), 404)

    def test_bad_order_input_names_the_field_and_saves_nothing(self):
        before = self.count_orders()
        self.assertError(self.api('POST', '/orders', token=self.token,
                json={'leak_site': 'roof'}), 422, field='description')
        self.assertError(self.api('POST', '/orders', token=self.token,
                json={'leak_site': 'moon', 'description': '渗水'}), 422,
            field='leak_site')
        with self.db() as pool:
            park_address = pool.get('party.party')(self.park_id).addresses[0]
        self.assertError(self.api('POST', '/orders', token=self.token,
                json={'leak_site': 'roof', 'description': '渗水',
                    'address_id': park_address.id}),
            422, code='unknown_address', field='address_id')
        self.assertError(self.api('POST', '/orders', token=self.token,
                json={'leak_site': 'roof', 'description': '渗水',
                    'photos': [999999]}),
            422, code='unknown_upload', field='photos')
        self.assertEqual(self.count_orders(), before)

    def test_out_of_range_input_names_the_field(self):
        "Numbers the database or a price cannot hold: 422, nothing saved"
        before = self.count_orders()
        self.assertError(self.api('POST', '/estimate', token=self.token,
                json={'leak_site': 'roof', 'quantity': '792287362407.07'}),
            422, field='quantity', text='面积/长度')
        self.assertError(self.api('POST', '/orders', token=self.token,
                json={'leak_site': 'roof', 'description': '渗水',
                    'photos': [2 ** 70]}),
            422, field='photos[0]', text='上传ID')
        self.assertError(self.api('POST', '/orders', token=self.token,
                json={'leak_site': 'roof', 'description': '渗水',
                    'preferred_technician': 2 ** 31}),
            422, field='preferred_technician', text='指定师傅ID')
        self.assertEqual(self.count_orders(), before)

    def test_unbound_phone_and_wrong_roles_refused(self):
        unbound = self.login_as(self.unbound_user, 'customer')
        self.assertError(self.api('POST', '/orders', token=unbound,
                json={'leak_site': 'roof', 'description': '渗水'}),
            409, code='phone_not_bound')
        self.assertError(self.api('GET', '/orders'), 401)
        technician = self.login_as(self.technician_user, 'technician')
        self.assertError(self.api('GET', '/orders', token=technician), 403)

    def test_portal_user_sees_the_park_orders(self):
        token = self.login_as(self.park_user, 'portal')
        listed = self.api('GET', '/orders', token=token)
        self.assertEqual([o['id'] for o in listed.json['items']],
            [self.park_order])
        created = self.api('POST', '/orders', token=token, json={
                'leak_site': 'roof', 'description': '3号楼屋面渗漏'})
        self.assertEqual(created.json['type'], 'b_repair')

    # ---- quotes -------------------------------------------------------------

    def test_survey_request_notifies_customer_service_once(self):
        order = self.new_order()
        for _ in range(2):
            response = self.api('POST',
                f'/orders/{order["id"]}/quote-request', token=self.token)
            self.assertEqual(response.status, 200, response)
            self.assertTrue(response.json['quote_requested'])
        with self.db() as pool:
            Message = pool.get('yuexing.message')
            message, = Message.search([
                    ('event', '=', 'quote_requested'),
                    ('user', '=', self.kefu_user),
                    ('record', '=', f'yuexing.work_order,{order["id"]}')])
            self.assertEqual(message.title, '客户申请上门勘察报价')
            self.assertIn(order['number'], message.body)
        self.assertError(self.api('POST',
                f'/orders/{self.done_order}/quote-request',
                token=self.token), 409, code='wrong_state')

    def test_quote_versions_compare_and_confirm(self):
        order = self.new_order()
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            Quote = pool.get('yuexing.quote')
            with set_company(pool.get('company.company')(self.company_id)):
                # prices depend on the company: read the product inside
                membrane = pool.get('product.product')(self.membrane_id)
                first = quote_and_confirm(
                    WorkOrder(order['id']), [(membrane, 10)])
                # the customer asks for less: a second version is sent
                Quote.write([first], {'state': 'sent'})
                second = Quote.new_version(WorkOrder(order['id']))
                pool.get('yuexing.quote.line').write(
                    list(second.lines), {'quantity': 6})
                Quote.submit_approval([second])
                while second.state == 'pending':
                    Quote.approve([second])
                Quote.send([second])
            first_id, second_id = first.id, second.id

        versions = self.api('GET', f'/orders/{order["id"]}/quotes',
            token=self.token)
        self.assertEqual([q['id'] for q in versions.json],
            [second_id, first_id])
        compare = self.api('GET', f'/orders/{order["id"]}/quotes/compare'
            f'?first={first_id}&second={second_id}', token=self.token)
        self.assertEqual(compare.status, 200, compare)
        self.assertGreater(float(compare.json['difference']), 0)
        self.assertEqual(compare.json['lines'][0]['change'], 'changed')

        # the superseded version cannot be confirmed
        self.assertError(self.api('POST', f'/quotes/{first_id}/confirm',
                token=self.token), 409, code='quote_not_confirmable')
        confirmed = self.api('POST', f'/quotes/{second_id}/confirm',
            token=self.token)
        self.assertEqual(confirmed.json['state'], 'confirmed')
        detail = self.api('GET', f'/orders/{order["id"]}', token=self.token)
        self.assertEqual(detail.json['state'], 'confirmed')
        # a double tap answers 409 and changes nothing
        self.assertError(self.api('POST', f'/quotes/{second_id}/confirm',
                token=self.token), 409)

        # another customer's quote is not found
        park = self.login_as(self.park_user, 'portal')
        self.assertError(self.api('POST', f'/quotes/{second_id}/confirm',
                token=park), 404)

    def test_reject_quote_needs_a_reason(self):
        order = self.new_order()
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            Quote = pool.get('yuexing.quote')
            Product = pool.get('product.product')
            with set_company(pool.get('company.company')(self.company_id)):
                quote = quote_and_confirm(WorkOrder(order['id']),
                    [(Product(self.membrane_id), 8)])
                Quote.write([quote], {'state': 'sent'})
                WorkOrder.write([WorkOrder(order['id'])],
                    {'state': 'quoted'})
            quote_id = quote.id
        self.assertError(self.api('POST', f'/quotes/{quote_id}/reject',
                token=self.token, json={}), 422, field='reason')
        rejected = self.api('POST', f'/quotes/{quote_id}/reject',
            token=self.token, json={'reason': '价格太高'})
        self.assertEqual(rejected.json['state'], 'rejected')
        with self.db() as pool:
            self.assertEqual(
                pool.get('yuexing.quote')(quote_id).rejection_reason,
                '价格太高')
            self.assertTrue(pool.get('yuexing.message').search([
                        ('event', '=', 'quote_rejected'),
                        ('user', '=', self.kefu_user)]))

    # ---- booking and rating -------------------------------------------

    def test_slots_and_booking(self):
        order = self.new_order()
        slots = self.api('GET', f'/orders/{order["id"]}/slots?days=3',
            token=self.token)
        self.assertEqual(slots.status, 200, slots)
        free = [s for s in slots.json if s['available']]
        self.assertTrue(free)
        self.assertTrue(all(s['technicians'] >= 1 for s in free))
        slot = free[0]
        booked = self.api('POST', f'/orders/{order["id"]}/booking',
            token=self.token, json={'start': slot['start'],
                'end': slot['end'], 'technician_id': self.technician})
        self.assertEqual(booked.status, 200, booked)
        self.assertEqual(booked.json['preferred_start'][:16],
            slot['start'][:16])
        self.assertError(self.api('POST', f'/orders/{order["id"]}/booking',
                token=self.token, json={'start': slot['end'],
                    'end': slot['start']}), 422, code='bad_slot',
            field='end')
        # RFC 3339 date-times (UTC, Z) and accepted with any offset
        self.assertTrue(slot['start'].endswith('Z'), slot)
        start = api_datetime(slot['start']).replace(
            tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
        again = self.api('POST', f'/orders/{order["id"]}/booking',
            token=self.token, json={'start': start.isoformat(),
                'end': slot['end']})
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.json['preferred_start'], slot['start'])
        yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).replace(
            tzinfo=None, microsecond=0)
        self.assertError(self.api('POST', f'/orders/{order["id"]}/booking',
                token=self.token, json={'start': yesterday.isoformat(),
                    'end': (yesterday + dt.timedelta(hours=2)).isoformat()}),
            422, code='slot_past', field='start')

    def test_rating_once_after_completion(self):
        order = self.new_order()
        stars = {'punctuality': 5, 'quality': 4, 'attitude': 5,
            'cleanliness': 4, 'comment': '师傅很专业'}
        self.assertError(self.api('POST', f'/orders/{order["id"]}/rating',
                token=self.token, json=stars), 409, code='not_done')
        self.assertError(self.api('POST', f'/orders/{self.done_order}/rating',
                token=self.token, json={**stars, 'quality': 6}), 422,
            field='quality')
        rated = self.api('POST', f'/orders/{self.done_order}/rating',
            token=self.token, json=stars)
        self.assertEqual(rated.status, 201, rated)
        self.assertEqual(rated.json['rating']['score'], '4.50')
        self.assertFalse(rated.json['can_rate'])
        self.assertError(self.api('POST', f'/orders/{self.done_order}/rating',
                token=self.token, json=stars), 409, code='already_rated')

    # ---- addresses ----------------------------------------------------

    def test_addresses_recognised_and_saved(self):
        recognised = self.api('POST', '/addresses/recognize',
            token=self.token,
            json={'text': '上海市浦东新区张江路88号3号楼501'})
        self.assertEqual(recognised.status, 200, recognised)
        self.assertEqual(recognised.json['district'], '浦东新区')
        self.assertIn('张江路88号', recognised.json['street'])
        created = self.api('POST', '/addresses', token=self.token,
            json={'text': '上海市徐汇区漕溪北路100号'})
        self.assertEqual(created.status, 201, created)
        self.assertEqual(created.json['district'], '徐汇区')
        listed = self.api('GET', '/addresses', token=self.token)
        self.assertIn(created.json['id'], [a['id'] for a in listed.json])
        self.assertError(self.api('POST', '/addresses', token=self.token,
                json={'text': ''}), 422, field='text')

    def test_addresses_with_coordinates_edited_and_deleted(self):
        "GCJ-02 points stored as sent; edit; delete unless an open order"
        # the point wx.chooseLocation gave (GCJ-02), stored as such
        created = self.api('POST', '/addresses', token=self.token,
            json={'text': '上海市徐汇区漕溪北路200号', 'latitude': 31.19345,
                'longitude': 121.43712})
        self.assertEqual(created.status, 201, created)
        address = created.json
        self.assertEqual((address['latitude'], address['longitude']),
            (31.19345, 121.43712))
        self.assertEqual(address['geo_source'], 'gps')
        self.assertFalse(address['approximate'])
        # without a point: the district centre, flagged as approximate
        rough = self.api('POST', '/addresses', token=self.token,
            json={'text': '上海市徐汇区漕溪北路300号'}).json
        self.assertEqual(rough['geo_source'], 'region')
        self.assertTrue(rough['approximate'])
        # one coordinate alone is refused, naming the missing one
        self.assertError(self.api('POST', '/addresses', token=self.token,
                json={'text': '上海市徐汇区漕溪北路1号', 'latitude': 31.2}),
            422, code='validation_error', field='longitude', text='GCJ-02')
        self.assertError(self.api('POST', '/addresses', token=self.token,
                json={'text': '上海市徐汇区漕溪北路1号', 'latitude': 91,
                    'longitude': 121}), 422, field='latitude')

        # edit the point only, then the text (recognised again)
        moved = self.api('PUT', f"/addresses/{rough['id']}",
            token=self.token, json={'latitude': 31.1901,
                'longitude': 121.4402})
        self.assertEqual(moved.status, 200, moved)
        self.assertEqual(moved.json['geo_source'], 'gps')
        self.assertEqual(moved.json['text'], rough['text'])
        renamed = self.api('PUT', f"/addresses/{rough['id']}",
            token=self.token, json={'text': '上海市浦东新区张江路99号'})
        self.assertEqual(renamed.json['district'], '浦东新区')
        self.assertTrue(renamed.json['approximate'])

        # an open order keeps its address; a finished one only hides it
        order = self.new_order(address_id=address['id'])
        self.assertError(self.api('DELETE', f"/addresses/{address['id']}",
                token=self.token), 409, code='address_in_use',
            text=order['number'])
        cancelled = self.api('POST', f"/orders/{order['id']}/cancel",
            token=self.token, json={'reason': '已自行修好'})
        self.assertEqual(cancelled.status, 200, cancelled)
        deleted = self.api('DELETE', f"/addresses/{address['id']}",
            token=self.token)
        self.assertEqual(deleted.status, 204, deleted)
        listed = [a['id'] for a in self.api('GET', '/addresses',
                token=self.token).json]
        self.assertNotIn(address['id'], listed)
        with self.db() as pool:
            self.assertEqual(pool.get('yuexing.work_order')(
                    order['id']).address.id, address['id'])
        self.assertEqual(self.api('DELETE', f"/addresses/{rough['id']}",
                token=self.token).status, 204)
        # someone else's address is unknown
        with self.db() as pool:
            park_address = pool.get('party.party')(
                self.park_id).addresses[0].id
        for method in ['PUT', 'DELETE']:
            self.assertError(self.api(method, f'/addresses/{park_address}',
                    token=self.token, json={'latitude': 31.2,
                        'longitude': 121.4} if method == 'PUT' else None),
                404, code='not_found')

    def test_cancel_order_by_state(self):
        "Before a technician is on it the customer cancels; then 409"
        order = self.new_order()
        self.assertError(self.api('POST', f"/orders/{order['id']}/cancel",
                token=self.token, json={'reason': ' '}), 422, field='reason')
        with self.db() as pool:
            self.assertEqual(pool.get('yuexing.work_order')(
                    order['id']).state, 'submitted')
        answer = self.api('POST', f"/orders/{order['id']}/cancel",
            token=self.token, json={'reason': '不需要了'})
        self.assertEqual(answer.status, 200, answer)
        self.assertEqual(answer.json['state'], 'cancelled')
        # cancelling again answers the same
        again = self.api('POST', f"/orders/{order['id']}/cancel",
            token=self.token, json={'reason': '不需要了'})
        self.assertEqual(again.json['state'], 'cancelled')
        with self.db() as pool:
            Message = pool.get('yuexing.message')
            message, = Message.search([
                    ('event', '=', 'order_cancelled'),
                    ('user', '=', self.kefu_user),
                    ('record', '=', f'yuexing.work_order,{order["id"]}')])
            self.assertIn('不需要了', message.body)
        # a technician is on it: the customer calls customer service
        self.assertError(self.api('POST', f'/orders/{self.done_order}/cancel',
                token=self.token, json={'reason': '不需要了'}), 409,
            code='cancel_not_allowed', text='联系客服')
        # another customer's order is unknown
        self.assertError(self.api('POST', f'/orders/{self.park_order}/cancel',
                token=self.token, json={'reason': '不需要了'}), 404)
