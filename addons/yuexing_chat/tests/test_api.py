"""协作沟通 through HTTP: order conversations between the customer and the
technician, the technician and the office, team channels; masking of
phone numbers, unread counts and the WeChat push (against the fake)."""
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

SKILLS = [('membrane', 'senior'), ('coating', 'senior')]


class ChatApiTestCase(ApiTestCase):
    "协作沟通: conversations, messages, unread counts, push"
    module = 'yuexing_chat'

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        User = pool.get('res.user')
        Team = pool.get('yuexing.team')
        company, resident, park = company_and_customer()
        cls.company_id, cls.resident_id = company.id, resident.id
        with set_company(company):
            cls.li = create_technician(company, '李师傅', SKILLS,
                user_login='chat_tech_li').id
            cls.zhang = create_technician(company, '张师傅', SKILLS,
                offset=0.01, user_login='chat_tech_zhang').id
            cls.li_user, = [u.id for u in User.search(
                    [('login', '=', 'chat_tech_li')])]
            cls.zhang_user, = [u.id for u in User.search(
                    [('login', '=', 'chat_tech_zhang')])]
            cls.resident_user = create_user('chat_wang',
                ['group_c2c_customer'], company=company,
                customer=resident.id, wechat_openid='openid-chat-wang').id
            cls.park_user = create_user('chat_park', ['group_b2b_customer'],
                company=company, customer=park.id).id
            cls.dispatcher_user = create_user('chat_diaodu',
                ['group_dispatcher'], company=company).id
            cls.membrane = create_product('SBS改性沥青防水卷材', '230', '165',
                'yuexing_base.uom_roll').id
            team, = Team.create([{'name': '浦东一班', 'code': 'PD1',
                        'company': company.id,
                        'members': [('add', [cls.li, cls.zhang])]}])
            cls.team_id = team.id

    def order(self, assign=True):
        with self.db() as pool:
            Company = pool.get('company.company')
            Product = pool.get('product.product')
            WorkOrder = pool.get('yuexing.work_order')
            Employee = pool.get('company.employee')
            with set_company(Company(self.company_id)):
                order = create_order(pool.get('party.party')(
                        self.resident_id), leak_site='roof', quantity=10)
                quote_and_confirm(order, [(Product(self.membrane), 4)])
                if assign:
                    WorkOrder.assign([order], Employee(self.li))
            return order.id

    def send(self, token, conversation, status=201, **body):
        response = self.api('POST',
            f'/chat/conversations/{conversation}/messages', token=token,
            json=body)
        self.assertEqual(response.status, status, response)
        return response

    def test_order_chat_masks_phones_counts_unread_and_pushes_once(self):
        self.clear_queue()
        self.wechat.add_template('TPL-CHAT')
        with self.db() as pool:
            Template = pool.get('yuexing.message.template')
            ModelData = pool.get('ir.model.data')
            Template.write([Template(ModelData.get_id(
                            'yuexing_chat', 'template_chat_message_wechat'))],
                {'active': True, 'wechat_template_id': 'TPL-CHAT'})
        customer = self.login_as(self.resident_user, 'customer')
        li = self.login_as(self.li_user, 'technician')
        waiting = self.order(assign=False)
        self.assertError(self.api('POST',
                f'/chat/orders/{waiting}/conversation', token=customer),
            409, code='no_technician')

        order_id = self.order()
        opened = self.api('POST', f'/chat/orders/{order_id}/conversation',
            token=customer)
        self.assertEqual(opened.status, 200, opened)
        conversation = opened.json['id']
        self.assertEqual(self.api('POST',
                f'/chat/orders/{order_id}/conversation',
                token=li).json['id'], conversation)

        first = self.send(li, conversation,
            text='王先生您好，我的电话 13812345678，到了打给您')
        self.assertIn('138****5678', first.json['text'])
        self.assertNotIn('13812345678', first.text)
        self.assertEqual(first.json['side'], 'technician')
        self.send(li, conversation, text='预计下午两点到')
        self.run_queue()
        pushed = [m for m in self.wechat.sent
            if m['template_id'] == 'TPL-CHAT']
        self.assertEqual([m['touser'] for m in pushed], ['openid-chat-wang'])
        self.assertEqual(pushed[0]['page'],
            f'pages/chat/index?id={conversation}')

        self.assertEqual(self.api('GET', '/chat/unread-count',
                token=customer).json['count'], 2)
        listed = self.api('GET', '/chat/conversations', token=customer)
        item, = [c for c in listed.json['items'] if c['id'] == conversation]
        self.assertEqual((item['unread'], item['kind'], item['order_id']),
            (2, 'order', order_id))
        messages = self.api('GET',
            f'/chat/conversations/{conversation}/messages', token=customer)
        self.assertEqual([m['mine'] for m in messages.json], [False, False])
        self.assertEqual(self.api('GET', '/chat/unread-count',
                token=customer).json['count'], 0)

        photo = self.api('POST', '/uploads', token=customer,
            data={'file': (BytesIO(PNG), 'leak.png')}).json['id']
        image = self.send(customer, conversation, kind='image',
            upload_id=photo)
        self.assertEqual(image.json['attachment_name'], 'leak.png')
        self.assertError(self.send(customer, conversation, status=422,
                kind='voice', upload_id=photo, duration=5),
            422, code='upload_invalid', field='upload_id')
        self.assertError(self.send(customer, conversation, status=422,
                text='  '), 422, code='text_required', field='text')

        # another customer: nothing to see, nothing to open
        park = self.login_as(self.park_user, 'portal')
        self.assertError(self.api('GET',
                f'/chat/conversations/{conversation}/messages', token=park),
            404)
        self.assertError(self.api('POST',
                f'/chat/orders/{order_id}/conversation', token=park), 404)
        zhang = self.login_as(self.zhang_user, 'technician')
        self.assertError(self.api('POST',
                f'/chat/orders/{order_id}/conversation', token=zhang), 404)

        with self.db() as pool:
            Conversation = pool.get('yuexing.chat.conversation')
            Message = pool.get('yuexing.chat.message')
            WorkOrder = pool.get('yuexing.work_order')
            # the history is kept on the order
            self.assertEqual([c.id for c in WorkOrder(order_id)
                    .conversations], [conversation])
            with self.assertRaises(Exception) as cm:
                Message.write(list(Conversation(conversation).messages),
                    {'text': '改写'})
            self.assertIn('不能修改', cm.exception.message)
            Conversation.write([Conversation(conversation)],
                {'phones_allowed': True})
        allowed = self.send(customer, conversation, text='我电话13900001111')
        self.assertIn('13900001111', allowed.json['text'])

    def test_office_line_and_team_channel(self):
        li = self.login_as(self.li_user, 'technician')
        office = self.api('POST', '/chat/office', token=li)
        self.assertEqual(office.status, 200, office)
        self.assertEqual(office.json['kind'], 'office')
        self.send(li, office.json['id'], text='材料不够，请补两卷卷材')
        staff = self.login_as(self.dispatcher_user, 'staff')
        listed = self.api('GET', '/chat/conversations', token=staff)
        item, = [c for c in listed.json['items']
            if c['id'] == office.json['id']]
        self.assertEqual(item['unread'], 1)
        reply = self.send(staff, office.json['id'], text='下午送到')
        self.assertEqual(reply.json['side'], 'office')
        self.assertEqual(self.api('GET', '/chat/unread-count',
                token=li).json['count'], 1)

        team = self.api('POST', f'/chat/teams/{self.team_id}', token=li)
        self.assertEqual(team.status, 200, team)
        self.send(li, team.json['id'], text='明天早上七点集合')
        zhang = self.login_as(self.zhang_user, 'technician')
        mine = self.api('GET', '/chat/conversations', token=zhang)
        self.assertIn(team.json['id'], [c['id'] for c in mine.json['items']])
        self.assertError(self.api('POST', '/chat/teams/999999',
                token=zhang), 404)
        customer = self.login_as(self.resident_user, 'customer')
        self.assertError(self.api('POST', '/chat/office', token=customer),
            403)
