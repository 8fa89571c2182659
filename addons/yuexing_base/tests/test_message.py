"""Message centre: templates, notify(), delivery through the task queue
with retries and a log, the inbox endpoints and who may see what."""
import datetime as dt
import os
import unittest

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import (
    acting_as,
    create_customer,
    create_user,
)
from trytond.transaction import Transaction

PG = os.environ.get('YUEXING_TEST_BACKEND') == 'postgresql'


class MessageCentreTestCase(ApiTestCase):
    "Message centre"

    @classmethod
    def setUpApiData(cls):
        cls.party_id = create_customer(name='孙先生', phone='13566667777').id
        cls.resident_id = create_user('msg_resident', ['group_c2c_customer'],
            customer=cls.party_id, wechat_openid='openid-msg-resident').id
        cls.neighbour_id = create_user('msg_neighbour',
            ['group_c2c_customer'], wechat_openid='openid-msg-neighbour').id
        cls.technician_id = create_user('msg_shifu', ['group_technician'],
            mobile='13588889999').id
        cls.staff_id = create_user('msg_kefu', ['group_customer_service'],
            email='kefu@yuexing.example').id

    def setUp(self):
        super().setUp()
        with self.db() as pool:
            for name in ['yuexing.message', 'yuexing.message.template']:
                Model = pool.get(name)
                Model.delete(Model.search([
                            ('active', 'in', [True, False])]
                        if name.endswith('template') else []))
        self.clear_queue()
        self.wechat.add_template('TPL-DISPATCH')
        self.wechat.refused.clear()

    def templates(self, pool, *channels):
        Template = pool.get('yuexing.message.template')
        values = {
            'inbox': {'audience': 'customer',
                'title': '工单 {{order.name}} 已派工',
                'body': '{{recipient.name}}，师傅将于今天上门。'},
            'wechat': {'audience': 'customer', 'title': '派工通知',
                'wechat_template_id': 'TPL-DISPATCH',
                'wechat_page': 'pages/order/detail?id={{order.id}}',
                'wechat_data': 'character_string1: {{order.name}}\n'
                'thing2: 师傅已接单，请保持电话畅通，'
                '我们将尽快上门处理您的漏水问题'},
            'sms': {'audience': 'technician', 'title': '新工单',
                'sms_template_code': 'SMS_NOTIFY',
                'sms_params': 'number: {{order.name}}'},
            'email': {'audience': 'staff',
                'title': '工单 {{order.name}} 已派工',
                'body': '客户：{{order.party.name}}'},
            }
        return Template.create([dict(values[c], name=f'派工-{c}',
                    event='order_dispatched', channel=c) for c in channels])

    def order(self, pool, name='WO-0001'):
        Record = pool.get('yuexing.test.service_record')
        record, = Record.create([{'name': name, 'party': self.party_id}])
        return record

    def notify(self, pool, record, **kwargs):
        Message = pool.get('yuexing.message')
        User = pool.get('res.user')
        Party = pool.get('party.party')
        users = kwargs.get('users', [self.technician_id, self.staff_id])
        return Message.notify('order_dispatched', [record],
            users=[User(u) for u in users],
            parties=[Party(self.party_id)])

    def message(self, channel):
        with self.db() as pool:
            Message = pool.get('yuexing.message')
            message, = Message.search([('channel', '=', channel)])
            return {'state': message.state, 'attempts': message.attempts,
                'error': message.last_error, 'title': message.title,
                'body': message.body, 'address': message.address,
                'provider_id': message.provider_id, 'id': message.id,
                'logs': [(a.success, a.error) for a in message.logs],
                'next': message.next_attempt_at}

    # ---- templates ----------------------------------------------------------
    def test_template_syntax_refused(self):
        with self.db() as pool:
            Template = pool.get('yuexing.message.template')
            with self.assertRaises(UserError) as cm:
                Template.create([{'name': '坏模板', 'event': 'order_done',
                            'channel': 'inbox', 'title': '{{order.name'}])
            self.assertIn('标题', cm.exception.message)
            Transaction().rollback()

    def test_template_cannot_call_methods(self):
        "A template sees field values only: no method, no private data"
        with self.db() as pool:
            Template = pool.get('yuexing.message.template')
            template, = Template.create([{'name': '越权', 'event':
                        'order_done', 'channel': 'inbox',
                        'title': '{{order.delete([order])}}'}])
            record = self.order(pool, 'WO-SAFE')
            messages = pool.get('yuexing.message').notify(
                'order_done', [record], users=[
                    pool.get('res.user')(self.staff_id)])
            self.assertEqual([m.state for m in messages], ['failed'])
            Record = pool.get('yuexing.test.service_record')
            self.assertEqual(Record.search_count([('name', '=', 'WO-SAFE')]),
                1)

    # ---- notify and delivery ------------------------------------------------
    def test_notify_renders_and_delivers_every_channel(self):
        with self.db() as pool:
            self.templates(pool, 'inbox', 'wechat', 'sms', 'email')
            record = self.order(pool)
            messages = self.notify(pool, record)
            self.assertEqual(sorted(m.channel for m in messages),
                ['email', 'inbox', 'sms', 'wechat'])
        inbox = self.message('inbox')
        self.assertEqual(inbox['state'], 'sent')
        self.assertEqual(inbox['title'], '工单 WO-0001 已派工')
        self.assertIn('msg_resident', inbox['body'])
        self.assertEqual(self.message('wechat')['state'], 'pending')

        self.assertEqual(self.run_queue(), 1)
        wechat = self.message('wechat')
        self.assertEqual(wechat['state'], 'sent', wechat)
        sent = self.wechat.sent[-1]
        self.assertEqual(sent['touser'], 'openid-msg-resident')
        self.assertEqual(sent['template_id'], 'TPL-DISPATCH')
        self.assertEqual(sent['data']['character_string1'],
            {'value': 'WO-0001'})
        self.assertEqual(len(sent['data']['thing2']['value']), 20)
        self.assertTrue(sent['page'].startswith('pages/order/detail?id='))
        self.assertEqual(wechat['provider_id'], str(sent['msgid']))

        sms = self.message('sms')
        self.assertEqual(sms['state'], 'sent', sms)
        self.assertEqual(self.sms.sent[-1]['phone'], '13588889999')
        self.assertEqual(self.sms.sent[-1]['params'], {'number': 'WO-0001'})
        self.assertEqual(self.sms.sent[-1]['template'], 'SMS_NOTIFY')

        email = self.message('email')
        self.assertEqual(email['state'], 'sent', email)
        sender, recipients, mail = self.smtp.messages[-1]
        self.assertEqual(recipients, ['kefu@yuexing.example'])
        self.assertEqual(self.smtp.subject(mail), '工单 WO-0001 已派工')
        self.assertIn('孙先生', mail.get_payload(decode=True).decode())
        self.assertEqual(email['logs'], [(True, None)])

    def test_failing_channel_retried_with_backoff_and_logged(self):
        with self.db() as pool:
            self.templates(pool, 'wechat')
            self.notify(pool, self.order(pool))
        self.wechat.fail_next('/cgi-bin/message/subscribe/send',
            {'errcode': -1, 'errmsg': 'system error'})
        self.run_queue()
        wechat = self.message('wechat')
        self.assertEqual(wechat['state'], 'pending')
        self.assertEqual(wechat['attempts'], 1)
        self.assertIn('-1', wechat['error'])
        self.assertGreater(wechat['next'], dt.datetime.now())
        self.assertEqual(wechat['logs'], [(False, wechat['error'])])
        # not due yet: the worker leaves it
        self.assertEqual(self.run_queue(), 0)
        # later (the worker runs scheduled tasks when due)
        self.run_queue(due_only=False)
        wechat = self.message('wechat')
        self.assertEqual(wechat['state'], 'sent')
        self.assertEqual(wechat['attempts'], 2)
        self.assertEqual(len(wechat['logs']), 2)

    def test_expired_access_token_fetched_again(self):
        with self.db() as pool:
            self.templates(pool, 'wechat')
            self.notify(pool, self.order(pool))
        self.wechat.expire_tokens()
        self.run_queue()
        self.assertEqual(self.message('wechat')['state'], 'sent')

    def test_refused_subscription_fails_without_retry(self):
        self.wechat.refused.add('openid-msg-resident')
        with self.db() as pool:
            self.templates(pool, 'wechat')
            self.notify(pool, self.order(pool))
        self.run_queue(due_only=False)
        wechat = self.message('wechat')
        self.assertEqual(wechat['state'], 'failed')
        self.assertEqual(wechat['attempts'], 1)
        self.assertIn('43101', wechat['error'])

    def test_gives_up_after_max_attempts_then_retry_button(self):
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            Configuration.write([Configuration(1)],
                {'message_max_attempts': 2})
            self.templates(pool, 'sms')
            self.notify(pool, self.order(pool))
        self.addCleanup(self._max_attempts, 5)
        self.sms.fail_next('/', {'Code': 'isp.SYSTEM_ERROR',
                'Message': 'busy', 'RequestId': 'r'}, times=2)
        self.run_queue(due_only=False)
        sms = self.message('sms')
        self.assertEqual((sms['state'], sms['attempts']), ('failed', 2))

        with self.db() as pool:
            Message = pool.get('yuexing.message')
            Message.retry([Message(sms['id'])])
        self.run_queue()
        self.assertEqual(self.message('sms')['state'], 'sent')

    def _max_attempts(self, value):
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            Configuration.write([Configuration(1)],
                {'message_max_attempts': value})

    def test_render_error_logged_not_raised(self):
        with self.db() as pool:
            Template = pool.get('yuexing.message.template')
            Template.create([{'name': '拼错变量', 'event': 'order_dispatched',
                        'channel': 'inbox', 'audience': 'all',
                        'title': '{{order.nmae}}'}])
            record = self.order(pool, 'WO-TYPO')
            messages = self.notify(pool, record)
            self.assertTrue(messages)
            self.assertTrue(all(m.state == 'failed' for m in messages))
            self.assertIn('nmae', messages[0].last_error)

    def test_notify_never_raises(self):
        "Even a broken call leaves the business transaction alone"
        with self.db() as pool:
            self.templates(pool, 'inbox')
            Message = pool.get('yuexing.message')
            record = self.order(pool, 'WO-KEEP')
            # the failure is logged with its traceback, not raised
            with self.assertLogs('trytond.modules.yuexing_base.message_centre',
                    'ERROR') as logged:
                self.assertEqual(Message.notify('order_dispatched', [record],
                        users=[object()]), [])
            self.assertIn('notify order_dispatched failed', logged.output[0])
        with self.db() as pool:
            Record = pool.get('yuexing.test.service_record')
            self.assertEqual(
                Record.search_count([('name', '=', 'WO-KEEP')]), 1)

    @unittest.skipUnless(PG, "the task queue is tested on PostgreSQL")
    def test_business_commits_while_channel_fails_on_queue(self):
        "The order commits; the failing channel is retried by the queue"
        with self.db() as pool:
            self.templates(pool, 'wechat', 'sms')
            self.notify(pool, self.order(pool, 'WO-QUEUE'))
        with self.db() as pool:
            Queue = pool.get('ir.queue')
            tasks = Queue.search([('finished_at', '=', None)])
            self.assertEqual(len(tasks), 1)
            self.assertEqual(tasks[0].data['method'], 'deliver')
        self.wechat.fail_next('/cgi-bin/message/subscribe/send',
            {'errcode': -1, 'errmsg': 'system error'})
        self.run_queue()
        with self.db() as pool:
            Record = pool.get('yuexing.test.service_record')
            self.assertEqual(
                Record.search_count([('name', '=', 'WO-QUEUE')]), 1)
            Queue = pool.get('ir.queue')
            retry, = Queue.search([('finished_at', '=', None)])
            self.assertGreater(retry.scheduled_at, dt.datetime.now())
        self.assertEqual(self.message('sms')['state'], 'sent')
        self.assertEqual(self.message('wechat')['state'], 'pending')

    # ---- inbox API ----------------------------------------------------------
    def inbox(self, count=3):
        with self.db() as pool:
            self.templates(pool, 'inbox')
            for i in range(count):
                self.notify(pool, self.order(pool, f'WO-IN-{i}'), users=[])
            Message = pool.get('yuexing.message')
            return [m.id for m in Message.search(
                    [('user', '=', self.resident_id)],
                    order=[('id', 'ASC')])]

    def test_inbox_endpoints(self):
        ids = self.inbox()
        token = self.login_as(self.resident_id, 'customer')
        response = self.api('GET', '/messages?limit=2', token=token)
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json['total'], 3)
        self.assertEqual([m['id'] for m in response.json['items']],
            [ids[2], ids[1]])
        self.assertEqual(response.json['items'][0]['record']['model'],
            'yuexing.test.service_record')
        self.assertEqual(self.api('GET', '/messages/unread-count',
                token=token).json, {'count': 3})
        response = self.api('POST', f'/messages/{ids[0]}/read', token=token)
        self.assertEqual(response.json, {'id': ids[0], 'read': True})
        self.assertEqual(self.api('GET', '/messages/unread-count',
                token=token).json, {'count': 2})
        unread = self.api('GET', '/messages?unread=true', token=token)
        self.assertEqual(unread.json['total'], 2)
        response = self.api('POST', '/messages/read-all', token=token)
        self.assertEqual(response.json, {'updated': 2})
        self.assertEqual(self.api('GET', '/messages/unread-count',
                token=token).json, {'count': 0})

    def test_messages_of_others_invisible(self):
        "Another customer cannot read or mark them, even guessing ids"
        ids = self.inbox(1)
        neighbour = self.login_as(self.neighbour_id, 'customer')
        self.assertEqual(self.api('GET', '/messages',
                token=neighbour).json['total'], 0)
        for message_id in ids + [ids[0] + 1000]:
            response = self.api('POST', f'/messages/{message_id}/read',
                token=neighbour)
            self.assertError(response, 404, 'not_found')
        staff = self.login_as(self.staff_id, 'staff')
        self.assertError(self.api('POST', f'/messages/{ids[0]}/read',
                token=staff), 404)
        with self.db() as pool:
            Message = pool.get('yuexing.message')
            self.assertFalse(Message(ids[0]).is_read)
            User = pool.get('res.user')
            with acting_as(User(self.neighbour_id)):
                self.assertEqual(Message.search([]), [])
                with self.assertRaises(AccessError):
                    Message.read(ids, ['title'])
                with self.assertRaises(AccessError):
                    Message.write(Message.browse(ids), {'is_read': True})
            with acting_as(User(self.resident_id)):
                self.assertEqual(len(Message.search([])), 1)
            with acting_as(User(self.staff_id)):
                self.assertEqual(len(Message.search([])), 1)

    def test_inbox_needs_token(self):
        self.assertError(self.api('GET', '/messages'), 401)
        self.assertError(self.api('GET', '/messages/unread-count'), 401)

    # ---- channel secrets ----------------------------------------------------
    def test_secrets_hidden_from_other_roles(self):
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            User = pool.get('res.user')
            with acting_as(User(self.staff_id)):
                with self.assertRaises(AccessError):
                    Configuration.read([1], ['wechat_app_secret'])
                view = Configuration.fields_view_get(view_type='form')
                self.assertNotIn('wechat_app_secret', view['fields'])
                self.assertNotIn('sms_access_key_secret', view['fields'])
            admin = create_user('msg_xitong', ['group_system_admin'])
            with acting_as(admin):
                # administrators replace secrets, they never read them
                with self.assertRaises(AccessError):
                    Configuration.read([1], ['wechat_app_secret'])
                view = Configuration.fields_view_get(view_type='form')
                self.assertNotIn('wechat_app_secret', view['fields'])
                self.assertIn('wechat_app_secret_input', view['fields'])
                self.assertIn('widget="password"', view['arch'])
                config, = Configuration.read([1], [
                        'wechat_app_secret_status',
                        'wechat_app_secret_input'])
                self.assertEqual(config['wechat_app_secret_status'], 'set')
                self.assertIsNone(config['wechat_app_secret_input'])
            self.assertEqual(Configuration.get_secret('wechat_app_secret'),
                self.wechat.secret)
            Transaction().rollback()

    def test_sms_code_hashes_never_read(self):
        "A salted hash of six digits is reversible: not even admins read it"
        with self.db() as pool:
            SmsCode = pool.get('yuexing.auth.sms_code')
            admin = create_user('msg_xitong_sms', ['group_system_admin'])
            with acting_as(admin):
                for name in ['salt', 'code_hash']:
                    with self.assertRaises(AccessError):
                        SmsCode.read([], [name])
                SmsCode.read([], ['phone', 'expires_at'])
            Transaction().rollback()

    def test_secret_from_server_configuration_wins(self):
        from trytond.config import config
        config.add_section('yuexing_wechat')
        config.set('yuexing_wechat', 'app_secret', 'from-env')
        # config.get is cached: clear it after removing the section
        self.addCleanup(config._cache_clear)
        self.addCleanup(config.remove_section, 'yuexing_wechat')
        with self.db() as pool:
            Configuration = pool.get('yuexing.configuration')
            self.assertEqual(
                Configuration.settings()['wechat_app_secret'], 'from-env')


del ApiTestCase
