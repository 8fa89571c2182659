"""The 师傅端 material API through the WSGI app (answers checked against the
OpenAPI document): van and warehouse stock, requisitions from the quote,
consumption from the van, returns and the van count, with the refusals."""
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.locks import run_committed
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import create_user
from trytond.modules.yuexing_workorder.tests.tools import (
    company_and_customer,
    create_order,
    create_technician,
    quote_and_confirm,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME

from .tools import create_material, receive, ref


class MaterialApiTestCase(ApiTestCase):
    "Materials: the technicians' API"
    module = 'yuexing_material'

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        User = pool.get('res.user')
        WorkOrder = pool.get('yuexing.work_order')
        Requisition = pool.get('yuexing.material.requisition')
        company, resident, _ = company_and_customer()
        with set_company(company):
            create_user('mt_keeper', ['group_warehouse'], company=company)
            create_user('mt_finance', ['group_finance'], company=company)
            li = create_technician(company, '李师傅', user_login='mt_li')
            wang = create_technician(company, '王师傅', user_login='mt_wang')
            cls.li = User.search([('login', '=', 'mt_li')])[0].id
            cls.wang = User.search([('login', '=', 'mt_wang')])[0].id
            membrane = create_material(
                'SBS改性沥青防水卷材', 'yuexing_base.uom_roll', '100',
                spec='3mm PY Ⅱ型 10㎡/卷',
                conversions=[('product.uom_square_meter', 0.1)])
            coating = create_material(
                '聚氨酯防水涂料', 'yuexing_base.uom_bucket', '180',
                spec='单组分 20kg/桶')
            receive(membrane, 50, '100')
            receive(coating, 20, '180')
            cls.membrane, cls.coating = membrane.id, coating.id
            cls.square = ref('product.uom_square_meter')
            order = create_order(resident, leak_site='roof')
            quote_and_confirm(order, [(membrane, 3)])
            WorkOrder.write([WorkOrder(order.id)], {
                    'state': 'accepted', 'technician': li.id})
            cls.order = order.id
            cls.foreign_order = create_order(resident, leak_site='roof',
                technician=wang.id).id
            # 王师傅 has 5 buckets of coating on his van
            issue, = Requisition.create([{
                        'kind': 'issue', 'technician': wang.id,
                        'lines': [('create', [{
                                        'product': coating.id,
                                        'quantity': 5}])]}])
            Requisition.submit([issue])
            Requisition.book([issue])

    def book(self, requisition_id):
        "The warehouse keeper issues or takes back a requisition."
        def book():
            Requisition = Pool().get('yuexing.material.requisition')
            Requisition.book([Requisition(requisition_id)])
        run_committed(DB_NAME, 0, book)

    def test_every_endpoint_documented(self):
        self.contract.assert_complete()
        paths = self.contract.document['paths']
        for path in ['/technician/stock/van', '/technician/stock/warehouse',
                '/technician/requisitions', '/technician/returns',
                '/technician/stock/count']:
            self.assertIn(path, paths)

    def test_requisition_consumption_and_return(self):
        """From the quote to the van, used on site in ㎡, the rest
        returned; over-use and over-return refused"""
        token = self.login_as(self.li, 'technician')
        headers = {'Idempotency-Key': 'req-li-0001'}
        body = {'order_id': self.order, 'from_quote': True}
        created = self.api('POST', '/technician/requisitions', token=token,
            json=body, headers=headers)
        self.assertEqual(created.status, 201, created)
        self.assertEqual(created.json['state'], 'approved')
        self.assertEqual(
            [(l['product_id'], l['quantity'])
                for l in created.json['lines']], [(self.membrane, 3)])
        replay = self.api('POST', '/technician/requisitions', token=token,
            json=body, headers=headers)
        self.assertEqual(replay.json['id'], created.json['id'])
        self.book(created.json['id'])
        detail = self.api('GET',
            f'/technician/requisitions/{created.json["id"]}', token=token)
        self.assertEqual(detail.json['state'], 'done')

        van = self.api('GET', '/technician/stock/van', token=token)
        self.assertEqual(van.status, 200, van)
        self.assertEqual([(r['product_id'], r['quantity']) for r in van.json],
            [(self.membrane, 3)])
        self.assertIn(self.square, [u['id'] for u in van.json[0]['units']])

        used = self.api('POST', f'/technician/orders/{self.order}/materials',
            token=token, json={'product_id': self.membrane, 'quantity': 1.5})
        self.assertEqual(used.status, 201, used)
        van = self.api('GET', '/technician/stock/van', token=token)
        self.assertEqual(van.json[0]['quantity'], 1.5)
        over = self.api('POST', f'/technician/orders/{self.order}/materials',
            token=token, json={'product_id': self.membrane, 'quantity': 2})
        self.assertError(over, 409, text='库存不足')
        self.assertEqual(self.api('GET', '/technician/stock/van',
                token=token).json[0]['quantity'], 1.5)

        too_much = self.api('POST', '/technician/returns', token=token,
            json={'order_id': self.order, 'lines': [
                    {'product_id': self.membrane, 'quantity': 2}]})
        self.assertError(too_much, 409, text='退料数量')
        back = self.api('POST', '/technician/returns', token=token,
            json={'order_id': self.order, 'lines': [
                    {'product_id': self.membrane, 'quantity': 1.5}]})
        self.assertEqual(back.status, 201, back)
        self.assertEqual(back.json['kind'], 'return')
        self.book(back.json['id'])
        self.assertEqual(self.api('GET', '/technician/stock/van',
                token=token).json, [])
        listed = self.api('GET', '/technician/requisitions', token=token)
        self.assertEqual({r['id'] for r in listed.json['items']},
            {created.json['id'], back.json['id']})
        with self.db() as pool:
            Order = pool.get('yuexing.work_order')
            material, = Order(self.order).materials
            self.assertEqual(material.move.quantity, 1.5)
            self.assertEqual(str(material.cost), '150.00')

    def test_bad_input(self):
        "Unknown material or unit, missing order, someone else's records"
        token = self.login_as(self.li, 'technician')
        self.assertError(self.api('POST', '/technician/requisitions',
                token=token, json={'lines': [
                        {'product_id': 999999, 'quantity': 1}]}),
            422, field='lines[0].product_id', text='物料')
        self.assertError(self.api('POST', '/technician/requisitions',
                token=token, json={'lines': [
                        {'product_id': self.coating, 'quantity': 1,
                            'unit_id': self.square}]}),
            422, field='lines[0].unit_id', text='聚氨酯防水涂料')
        self.assertError(self.api('POST', '/technician/requisitions',
                token=token, json={'destination': 'order', 'lines': [
                        {'product_id': self.coating, 'quantity': 1}]}),
            422, field='order_id')
        self.assertError(self.api('POST', '/technician/requisitions',
                token=token, json={'lines': []}), 422, field='lines')
        self.assertError(self.api('POST', '/technician/requisitions',
                token=token, json={'order_id': self.foreign_order,
                    'lines': [{'product_id': self.coating, 'quantity': 1}]}),
            404)
        # 王师傅's requisition is not 李师傅's
        with self.db() as pool:
            Requisition = pool.get('yuexing.material.requisition')
            User = pool.get('res.user')
            wang = User(self.wang).employee
            theirs, = Requisition.search([('technician', '=', wang.id)],
                limit=1)
            theirs = theirs.id
        self.assertError(self.api('GET',
                f'/technician/requisitions/{theirs}', token=token), 404)
        # nothing was created by the refused calls
        with self.db() as pool:
            Requisition = pool.get('yuexing.material.requisition')
            li = pool.get('res.user')(self.li).employee
            self.assertFalse(Requisition.search([
                        ('technician', '=', li.id),
                        ('lines.product', '=', self.coating)]))
        # a customer token is refused
        customer = self.api('GET', '/technician/stock/van', token=None)
        self.assertEqual(customer.status, 401, customer)

    def test_warehouse_stock(self):
        "The warehouse stock, searched by name"
        token = self.login_as(self.li, 'technician')
        found = self.api('GET', '/technician/stock/warehouse?q=涂料',
            token=token)
        self.assertEqual(found.status, 200, found)
        self.assertEqual([r['product_id'] for r in found.json],
            [self.coating])
        self.assertEqual(found.json[0]['quantity'], 15)
        self.assertEqual(found.json[0]['specification'], '单组分 20kg/桶')

    def test_van_count(self):
        """The technician counts the van: a difference needs a reason, then
        waits for finance; a second count is refused meanwhile"""
        token = self.login_as(self.wang, 'technician')
        count = self.api('GET', '/technician/stock/count', token=token)
        self.assertEqual(count.status, 200, count)
        self.assertIsNone(count.json['id'])
        self.assertEqual(
            [(l['product_id'], l['expected']) for l in count.json['lines']],
            [(self.coating, 5)])
        no_reason = self.api('POST', '/technician/stock/count', token=token,
            json={'lines': [{'product_id': self.coating, 'counted': 4}]})
        self.assertError(no_reason, 422, field='lines[0].reason',
            text='原因')
        counted = self.api('POST', '/technician/stock/count', token=token,
            json={'lines': [{'product_id': self.coating, 'counted': 4,
                        'reason': 'damaged'}]})
        self.assertEqual(counted.status, 200, counted)
        self.assertEqual(counted.json['approval'], 'pending')
        self.assertEqual(counted.json['lines'][0]['difference'], -1)
        again = self.api('POST', '/technician/stock/count', token=token,
            json={'lines': [{'product_id': self.coating, 'counted': 5}]})
        self.assertError(again, 409, code='count_pending')
