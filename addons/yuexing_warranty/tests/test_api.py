"""After-sales JSON API through the WSGI app (answers checked against the
OpenAPI document): warranties, claims, complaints, surveys, cases."""
import datetime as dt
from urllib.parse import quote

from werkzeug.test import Client
from werkzeug.wrappers import Response

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import (
    create_customer,
    create_user,
)
from trytond.modules.yuexing_workorder.tests.tools import (
    company_and_customer,
    create_order,
    create_technician,
)
from trytond.pool import Pool
from trytond.wsgi import app

from .tools import finished_order


class AfterSalesApiTestCase(ApiTestCase):
    "After-sales: the customers' and technicians' API"
    module = 'yuexing_warranty'

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        User = pool.get('res.user')
        Case = pool.get('yuexing.case')
        company, resident, park = company_and_customer()
        neighbour = create_customer(name='赵女士', phone='13900139000',
            address='上海市浦东新区张江路99号')
        with set_company(company):
            cls.resident_user = create_user('as_wang',
                ['group_c2c_customer'], company=company,
                customer=resident.id).id
            cls.neighbour_user = create_user('as_zhao',
                ['group_c2c_customer'], company=company,
                customer=neighbour.id).id
            technician = create_technician(company, '周师傅',
                user_login='as_zhou')
            cls.technician_user = User.search(
                [('login', '=', 'as_zhou')])[0].id
            orders = [finished_order(resident, technician,
                    leak_site='bathroom') for _ in range(3)]
            cls.orders = [o.id for o in orders]
            cls.warranties = [o.warranties[0].id for o in orders]
            Warranty = pool.get('yuexing.warranty')
            Warranty.write([Warranty(cls.warranties[2])], {
                    'end_date': dt.date(2020, 1, 1),
                    'start_date': dt.date(2018, 1, 2)})
            other = finished_order(neighbour, technician)
            cls.other_order = other.id
            cls.other_warranty = other.warranties[0].id
            cls.open_order = create_order(resident, leak_site='bathroom',
                description='卫生间管根渗水，楼下天花板滴水',
                technician=technician.id).id
            cls.foreign_open_order = create_order(neighbour,
                leak_site='bathroom').id
            cls.case = Case.create([{
                        'title': '卫生间管根渗漏', 'leak_site': 'bathroom',
                        'symptoms': '楼下天花板管道周围滴水，管根渗水',
                        'cause': '管根未做附加层',
                        'solution': '安装止水节，附加层两遍'}])[0].id

    def setUp(self):
        super().setUp()
        self.token = self.login_as(self.resident_user, 'customer')

    def test_every_endpoint_documented(self):
        self.contract.assert_complete()
        paths = self.contract.document['paths']
        self.assertIn('/warranty-claims', paths)
        self.assertIn('/technician/orders/{order_id}/cases', paths)

    def test_my_warranties_card_and_claims(self):
        "Own warranties only; PDF card; free claim; refused claims"
        listed = self.api('GET', '/warranties', token=self.token)
        self.assertEqual(listed.status, 200, listed)
        ids = [w['id'] for w in listed.json['items']]
        self.assertEqual(set(ids), set(self.warranties))
        self.assertNotIn(self.other_warranty, ids)
        detail = self.api('GET', f'/warranties/{self.warranties[0]}',
            token=self.token)
        self.assertEqual(detail.json['months'], 24)
        self.assertEqual(detail.json['state'], 'active')
        self.assertTrue(detail.json['can_claim'])
        self.assertError(self.api('GET',
                f'/warranties/{self.other_warranty}', token=self.token),
            404)
        card = Client(app, Response).get(
            self.url(f'/warranties/{self.warranties[0]}/card'),
            headers={'Authorization': f'Bearer {self.token}'},
            environ_base={'REMOTE_ADDR': self.ip})
        self.assertEqual(card.status_code, 200, card.get_data()[:300])
        self.assertEqual(card.content_type, 'application/pdf')
        self.assertTrue(card.get_data().startswith(b'%PDF'))

        headers = {'Idempotency-Key': 'claim-0001'}
        body = {'warranty_id': self.warranties[0],
            'description': '卫生间又渗水到楼下'}
        first = self.api('POST', '/warranty-claims', token=self.token,
            json=body, headers=headers)
        self.assertEqual(first.status, 201, first)
        self.assertTrue(first.json['free'])
        self.assertEqual(first.json['state'], 'confirmed')
        again = self.api('POST', '/warranty-claims', token=self.token,
            json=body, headers=headers)
        self.assertEqual(again.json['id'], first.json['id'])
        with self.db() as pool:
            order = pool.get('yuexing.work_order')(first.json['id'])
            self.assertEqual(order.type, 'after_sales')
            self.assertEqual(order.warranty.id, self.warranties[0])
        by_order = self.api('POST', '/warranty-claims', token=self.token,
            json={'order_id': self.orders[1], 'description': '又漏了'})
        self.assertEqual(by_order.status, 201, by_order)

        # someone else's warranty or order; after expiry; no description
        self.assertError(self.api('POST', '/warranty-claims',
                token=self.token, json={'warranty_id': self.other_warranty,
                    'description': '漏水'}), 404, field='warranty_id')
        self.assertError(self.api('POST', '/warranty-claims',
                token=self.token, json={'order_id': self.other_order,
                    'description': '漏水'}), 404, field='order_id')
        expired = self.api('POST', '/warranty-claims', token=self.token,
            json={'warranty_id': self.warranties[2], 'description': '漏水'})
        self.assertError(expired, 409, code='warranty_expired',
            field='warranty_id', text='付费维修')
        self.assertError(self.api('POST', '/warranty-claims',
                token=self.token, json={'warranty_id': self.warranties[1],
                    'description': '  '}), 422, field='description')
        self.assertError(self.api('POST', '/warranty-claims',
                token=self.token, json={'description': '漏水'}), 422,
            field='warranty_id')
        # a technician token is not a customer's
        technician = self.login_as(self.technician_user, 'technician')
        self.assertError(self.api('GET', '/warranties', token=technician),
            403)

    def test_complaint_filed_followed_answered_and_confirmed(self):
        "Content required; own orders only; the customer confirms"
        self.assertError(self.api('POST', '/complaints', token=self.token,
                json={'content': '   '}), 422, field='content')
        self.assertError(self.api('POST', '/complaints', token=self.token,
                json={'content': '师傅迟到', 'order_id': self.other_order}),
            404, field='order_id')
        filed = self.api('POST', '/complaints', token=self.token, json={
                'content': '修完又漏了', 'category': 'leak_again',
                'severity': 'critical', 'order_id': self.orders[0]})
        self.assertEqual(filed.status, 201, filed)
        complaint = filed.json
        self.assertEqual(complaint['state'], 'open')
        self.assertIsNotNone(complaint['deadline'])
        self.assertEqual(complaint['logs'][0]['author'], 'staff')
        path = f"/complaints/{complaint['id']}"
        neighbour = self.login_as(self.neighbour_user, 'customer')
        self.assertError(self.api('GET', path, token=neighbour), 404)

        followed = self.api('POST', path + '/messages', token=self.token,
            json={'note': '今天又下雨了，漏得更厉害'})
        self.assertEqual(followed.status, 201, followed)
        self.assertEqual(followed.json['logs'][-1]['author'], 'customer')
        self.assertError(self.api('POST', path + '/confirm',
                token=self.token, json={'satisfied': True}), 409,
            code='not_answered')

        def answer():
            with self.db() as pool:
                Complaint = pool.get('yuexing.complaint')
                record = Complaint(complaint['id'])
                if record.state == 'open':
                    Complaint.process([record])
                Complaint.write([record], {'result': '原师傅复查重做'})
                Complaint.answer([record])
        answer()
        answered = self.api('GET', path, token=self.token)
        self.assertEqual(answered.json['result'], '原师傅复查重做')
        self.assertTrue(answered.json['can_confirm'])
        self.assertError(self.api('POST', path + '/confirm',
                token=self.token, json={'satisfied': False}), 422,
            field='reason')
        reopened = self.api('POST', path + '/confirm', token=self.token,
            json={'satisfied': False, 'reason': '还有水渍'})
        self.assertEqual(reopened.json['state'], 'processing')
        answer()
        closed = self.api('POST', path + '/confirm', token=self.token,
            json={'satisfied': True})
        self.assertEqual(closed.json['state'], 'closed', closed)
        self.assertError(self.api('POST', path + '/messages',
                token=self.token, json={'note': '谢谢'}), 409)
        mine = self.api('GET', '/complaints', token=self.token)
        self.assertIn(complaint['id'], [c['id'] for c in mine.json['items']])
        theirs = self.api('GET', '/complaints', token=neighbour)
        self.assertNotIn(complaint['id'],
            [c['id'] for c in theirs.json['items']])

    def test_survey_answered_once(self):
        "Questions listed; answers checked; answered once"
        listed = self.api('GET', '/surveys?state=sent', token=self.token)
        self.assertEqual(listed.status, 200, listed)
        survey = listed.json['items'][-1]
        scores = [q for q in survey['questions'] if q['kind'] == 'score']
        path = f"/surveys/{survey['id']}/answers"
        self.assertError(self.api('POST', path, token=self.token, json={
                    'answers': [{'question_id': scores[0]['id'],
                            'score': 5}]}), 422, field='answers')
        answers = [{'question_id': q['id'], 'score': 4} for q in scores]
        answered = self.api('POST', path, token=self.token,
            json={'answers': answers})
        self.assertEqual(answered.status, 200, answered)
        self.assertEqual(answered.json['state'], 'answered')
        self.assertEqual(answered.json['score'], '4.00')
        self.assertError(self.api('POST', path, token=self.token,
                json={'answers': answers}), 409)
        neighbour = self.login_as(self.neighbour_user, 'customer')
        self.assertError(self.api('POST', path, token=neighbour,
                json={'answers': answers}), 404)

    def test_technician_searches_cases_and_gets_suggestions(self):
        "Search by keyword; suggestions for own orders only"
        token = self.login_as(self.technician_user, 'technician')
        found = self.api('GET', '/technician/cases?q=' + quote('管根'),
            token=token)
        self.assertEqual(found.status, 200, found)
        self.assertEqual([c['id'] for c in found.json['items']],
            [self.case])
        none = self.api('GET', '/technician/cases?q=' + quote('屋面'),
            token=token)
        self.assertEqual(none.json['items'], [])
        suggested = self.api('GET',
            f'/technician/orders/{self.open_order}/cases', token=token)
        self.assertEqual(suggested.status, 200, suggested)
        self.assertEqual([c['id'] for c in suggested.json], [self.case])
        self.assertError(self.api('GET',
                f'/technician/orders/{self.foreign_open_order}/cases',
                token=token), 404)
        self.assertError(self.api('GET', '/technician/cases',
                token=self.token), 403)
