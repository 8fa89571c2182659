"""报价审批 end to end: customer service submits a big quote, the project
manager approves it in the back office, the management through the API."""
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import acting_as, create_user
from trytond.modules.yuexing_workorder.tests.tools import (
    company_and_customer,
    create_order,
    create_product,
)
from trytond.pool import Pool


class QuoteApprovalApiTestCase(ApiTestCase):
    "Quotes: the approval flow from the back office and the API"
    module = 'yuexing_workorder'

    @classmethod
    def setUpApiData(cls):
        company, _, park = company_and_customer()
        cls.company_id, cls.park_id = company.id, park.id
        cls.service = create_user('ap_kefu', ['group_customer_service'],
            company=company).id
        cls.manager = create_user('ap_xiangmu', ['group_project_manager'],
            company=company).id
        cls.boss = create_user('ap_guanli', ['group_management'],
            company=company).id
        with set_company(company):
            cls.membrane = create_product('SBS改性沥青防水卷材', '230',
                '165', 'yuexing_base.uom_roll').id

    def test_big_quote_manager_in_back_office_management_by_api(self):
        with self.db() as pool:
            Quote = pool.get('yuexing.quote')
            Line = pool.get('yuexing.quote.line')
            WorkOrder = pool.get('yuexing.work_order')
            User = pool.get('res.user')
            Party = pool.get('party.party')
            Company = pool.get('company.company')
            with set_company(Company(self.company_id)):
                order = create_order(Party(self.park_id),
                    leak_site='roof')
                WorkOrder.submit([order])
                quote = Quote.new_version(order)
                line = Line(quote=quote, quantity=100)  # > 20,000 元
                line.product = pool.get('product.product')(self.membrane)
                line.on_change_product()
                line.save()
            with acting_as(User(self.service)):
                Quote.submit_approval([Quote(quote.id)])
            with acting_as(User(self.manager)):
                Quote.approve([Quote(quote.id)])
            quote_id = quote.id
            self.assertEqual(Quote(quote_id).state, 'pending')
            Message = pool.get('yuexing.message')
            self.assertEqual(len(Message.search([
                            ('user', '=', self.boss),
                            ('event', '=', 'approval_needed')])), 1)

        token = self.login_as(self.boss, 'staff')
        todo = self.api('GET', '/approvals/todo', token=token)
        task, = [t for t in todo.json['items']
            if t['document_model'] == 'yuexing.quote'
            and t['document_id'] == quote_id]
        self.assertEqual((task['step'], task['requester']),
            ('管理层审批', 'ap_kefu'))
        approved = self.api('POST', f'/approvals/{task["id"]}/approve',
            token=token, json={'comment': '同意报价'})
        self.assertEqual(approved.json['state'], 'approved', approved)

        with self.db() as pool:
            quote = Pool().get('yuexing.quote')(quote_id)
            self.assertEqual(quote.state, 'approved')
            self.assertEqual(
                [(l.action, l.user.login if l.user else None, l.comment)
                    for l in quote.approval_history],
                [('submitted', 'ap_kefu', None),
                    ('approved', 'ap_xiangmu', None),
                    ('approved', 'ap_guanli', '同意报价'),
                    ('done', None, '已通过')])
            Message = pool.get('yuexing.message')
            self.assertEqual(len(Message.search([
                            ('user', '=', self.service),
                            ('event', '=', 'approval_done')])), 1)
