"""The 师傅端 additions through HTTP: order push as WeChat subscribe
messages (against the fake WeChat), profile and bank card confirmed by SMS
code (against the fake Aliyun SMS), construction logs, skills."""
import datetime as dt
import itertools
import json
from io import BytesIO

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_workorder.tests.tools import (
    PNG,
    company_and_customer,
    create_order,
    create_product,
    create_technician,
    quote_and_confirm,
)
from trytond.pool import Pool
from trytond.transaction import Transaction

SKILLS = [('membrane', 'senior'), ('coating', 'senior')]


class TechnicianAppTestCase(ApiTestCase):
    "师傅端: push, profile, bank card, construction logs, skills"
    module = 'yuexing_technician'
    days = itertools.count(1)

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        User = pool.get('res.user')
        Certificate = pool.get('yuexing.employee.certificate')
        CertificateType = pool.get('yuexing.certificate.type')
        Date = pool.get('ir.date')
        company, resident, _ = company_and_customer()
        cls.company_id, cls.resident_id = company.id, resident.id
        with set_company(company):
            cls.li = create_technician(company, '李师傅', SKILLS,
                user_login='app_tech_li').id
            cls.zhang = create_technician(company, '张师傅', SKILLS,
                offset=0.01, user_login='app_tech_zhang').id
            cls.li_user, = [u.id for u in User.search(
                    [('login', '=', 'app_tech_li')])]
            cls.zhang_user, = [u.id for u in User.search(
                    [('login', '=', 'app_tech_zhang')])]
            cls.zhao = create_technician(company, '赵师傅', SKILLS,
                offset=0.02, user_login='app_tech_zhao').id
            cls.zhao_user, = [u.id for u in User.search(
                    [('login', '=', 'app_tech_zhao')])]
            User.write([User(cls.li_user)], {'mobile': '13912345678'})
            User.write([User(cls.zhao_user)], {'mobile': '13922223333'})
            cls.membrane = create_product('SBS改性沥青防水卷材', '230', '165',
                'yuexing_base.uom_roll').id
            kind, = CertificateType.search([], limit=1)
            # the company's today (set_company): not the machine's UTC date
            Certificate.create([{
                        'employee': cls.li, 'type': kind.id,
                        'number': 'GK-2020-001',
                        'issue_date': dt.date(2020, 1, 1),
                        'expiry_date': Date.today() + dt.timedelta(days=10),
                        }])

    def setUp(self):
        super().setUp()
        self.li_token = self.login_as(self.li_user, 'technician')

    def confirmed_order(self):
        with self.db() as pool:
            Company = pool.get('company.company')
            Product = pool.get('product.product')
            with set_company(Company(self.company_id)):
                order = create_order(pool.get('party.party')(
                        self.resident_id), leak_site='roof', quantity=10)
                quote_and_confirm(order, [(Product(self.membrane), 4)])
            return order.id

    def assign(self, order_id, technician):
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            Employee = pool.get('company.employee')
            Company = pool.get('company.company')
            with set_company(Company(self.company_id)):
                WorkOrder.assign([WorkOrder(order_id)], Employee(technician))

    def upload(self, token):
        response = self.api('POST', '/uploads', token=token,
            data={'file': (BytesIO(PNG), 'log.png')})
        self.assertEqual(response.status, 201, response)
        return response.json['id']

    def sms_code(self, token=None, phone='13912345678'):
        response = self.api('POST', '/technician/profile/sms-code',
            token=token or self.li_token)
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json['phone'],
            phone[:3] + '****' + phone[-4:])
        sent = self.sms.sent[-1]
        self.assertEqual(sent['phone'], phone)
        return sent['params']['code']

    def today(self):
        "The company's today (Asia/Shanghai), not the machine's."
        with self.db(context={'company': self.company_id}) as pool:
            return pool.get('ir.date').today()

    # ---- 工单推送 ----

    def test_assignment_and_pool_order_pushed_as_subscribe_messages(self):
        self.clear_queue()
        self.wechat.add_login_code('tech-code-li', 'openid-tech-li')
        self.wechat.add_login_code('tech-code-zhang', 'openid-tech-zhang')
        self.wechat.add_login_code('tech-code-again', 'openid-tech-li')
        self.wechat.add_template('TPL-TECH-DISPATCH')
        self.wechat.add_template('TPL-TECH-POOL')
        with self.db() as pool:
            Template = pool.get('yuexing.message.template')
            ModelData = pool.get('ir.model.data')
            for xml_id, template_id in [
                    ('template_order_dispatched_technician_wechat',
                        'TPL-TECH-DISPATCH'),
                    ('template_order_pool_published_technician_wechat',
                        'TPL-TECH-POOL')]:
                Template.write([Template(ModelData.get_id(
                                'yuexing_technician', xml_id))], {
                        'active': True, 'wechat_template_id': template_id})

        bound = self.api('POST', '/technician/wechat/bind',
            token=self.li_token, json={'code': 'tech-code-li'})
        self.assertEqual(bound.status, 200, bound)
        self.assertTrue(bound.json['wechat_bound'])
        zhang = self.login_as(self.zhang_user, 'technician')
        self.assertEqual(self.api('POST', '/technician/wechat/bind',
                token=zhang, json={'code': 'tech-code-zhang'}).status, 200)
        # the same WeChat cannot receive another account's orders
        self.assertError(self.api('POST', '/technician/wechat/bind',
                token=zhang, json={'code': 'tech-code-again'}),
            409, code='openid_taken', field='code')
        self.assertError(self.api('POST', '/technician/wechat/bind',
                token=zhang, json={'code': 'never-issued'}),
            422, code='wechat_code_invalid', field='code')

        assigned = self.confirmed_order()
        self.assign(assigned, self.li)
        self.run_queue()
        dispatched = [m for m in self.wechat.sent
            if m['template_id'] == 'TPL-TECH-DISPATCH']
        self.assertEqual([m['touser'] for m in dispatched],
            ['openid-tech-li'])
        with self.db() as pool:
            number = pool.get('yuexing.work_order')(assigned).number
        self.assertEqual(
            dispatched[0]['data']['character_string1']['value'], number)
        self.assertEqual(dispatched[0]['page'],
            f'pages/order/detail?id={assigned}')

        published = self.confirmed_order()
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            WorkOrder.publish([WorkOrder(published)])
        self.run_queue()
        pushed = [m for m in self.wechat.sent
            if m['template_id'] == 'TPL-TECH-POOL']
        self.assertEqual(sorted(m['touser'] for m in pushed),
            ['openid-tech-li', 'openid-tech-zhang'])
        # and in the app's inbox
        inbox = self.api('GET', '/messages', token=zhang)
        self.assertIn('抢单池有新工单',
            [m['title'] for m in inbox.json['items']])
        with self.db() as pool:
            Message = pool.get('yuexing.message')
            self.assertEqual(Message.search_count([
                        ('channel', '=', 'wechat'),
                        ('state', '!=', 'sent')]), 0)

    # ---- profile and bank card ----

    def test_bank_card_change_needs_sms_code_and_is_masked(self):
        profile = self.api('GET', '/technician/profile', token=self.li_token)
        self.assertEqual(profile.status, 200, profile)
        self.assertEqual(profile.json['phone'], '139****5678')
        self.assertIsNone(profile.json['bank_card'])
        body = {'bank_name': '中国工商银行上海张江支行',
            'card_number': '6222 0210 0112 3456 789', 'code': '000000'}
        # no code asked yet
        self.assertError(self.api('PUT', '/technician/bank-card',
                token=self.li_token, json=body),
            422, code='sms_code_expired', field='code')
        code = self.sms_code()
        wrong = '111111' if code != '111111' else '222222'
        self.assertError(self.api('PUT', '/technician/bank-card',
                token=self.li_token, json=dict(body, code=wrong)),
            422, code='sms_code_invalid', field='code')
        self.assertError(self.api('PUT', '/technician/bank-card',
                token=self.li_token, json=dict(body, code=code,
                    card_number='6222-abc')),
            422, code='bank_card_invalid', field='card_number')
        changed = self.api('PUT', '/technician/bank-card',
            token=self.li_token, json=dict(body, code=code))
        self.assertEqual(changed.status, 200, changed)
        self.assertEqual(changed.json['bank_card'], '***************6789')
        self.assertEqual(changed.json['bank_name'], '中国工商银行上海张江支行')
        self.assertNotIn('6222', changed.text)
        # a code confirms one change only
        self.assertError(self.api('PUT', '/technician/bank-card',
                token=self.li_token, json=dict(body, code=code)),
            422, code='sms_code_expired')

        with self.db() as pool:
            Employee = pool.get('company.employee')
            AuditLog = pool.get('yuexing.audit.log')
            table = Employee.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(table.bank_card,
                    where=table.id == self.li))
            stored, = cursor.fetchone()
            self.assertNotIn('6222', stored)
            self.assertEqual(Employee.decrypted(
                    [Employee(self.li)], 'bank_card')[self.li],
                '6222021001123456789')
            logs = AuditLog.search([
                    ('model', '=', 'company.employee'),
                    ('record_id', '=', self.li),
                    ('action', '=', 'write'),
                    ('user', '=', self.li_user)])
            self.assertTrue(logs)
            changes = json.dumps([json.loads(log.changes) for log in logs],
                ensure_ascii=False)
            self.assertIn('bank_name', changes)
            self.assertNotIn('6222021001123456789', changes)

    def test_profile_change_confirmed_and_denied_to_others(self):
        zhao = self.login_as(self.zhao_user, 'technician')
        code = self.sms_code(zhao, '13922223333')
        changed = self.api('PUT', '/technician/profile', token=zhao,
            json={'emergency_contact': '李大嫂', 'emergency_relation': '配偶',
                'emergency_phone': '13700001111', 'code': code})
        self.assertEqual(changed.status, 200, changed)
        self.assertEqual(changed.json['emergency_phone'], '137****1111')
        self.assertEqual(changed.json['emergency_contact'], '李大嫂')
        self.assertError(self.api('PUT', '/technician/profile',
                token=zhao, json={'code': '123456'}),
            422, code='nothing_to_change')
        # 张师傅 has no phone on his account: no code can confirm
        zhang = self.login_as(self.zhang_user, 'technician')
        self.assertError(self.api('POST', '/technician/profile/sms-code',
                token=zhang), 409, code='no_phone')
        with self.db() as pool:
            User = pool.get('res.user')
            resident, = User.search([('customer', '=', self.resident_id)],
                limit=1) or [None]
        if resident:
            customer = self.login_as(resident.id, 'customer')
            self.assertError(self.api('GET', '/technician/profile',
                    token=customer), 403)

    # ---- construction logs and skills ----

    def test_daily_log_one_per_day_with_photos(self):
        order_id = self.confirmed_order()
        self.assign(order_id, self.li)
        path = f'/technician/orders/{order_id}/logs'
        body = {'weather': 'sunny', 'hours': 6, 'content': '进场'}
        # a log is written once the order is accepted
        self.assertError(self.api('POST', path, token=self.li_token,
                json=body), 409, code='wrong_state')
        self.assertEqual(self.api('POST',
                f'/technician/orders/{order_id}/accept',
                token=self.li_token).status, 200)
        photo = self.upload(self.li_token)
        body = {'weather': 'sunny', 'hours': 6,
            'content': '基层清理，涂刷基层处理剂', 'photos': [photo]}
        first = self.api('POST', path, token=self.li_token, json=body)
        self.assertEqual(first.status, 200, first)
        self.assertEqual(first.json['photos'], 1)
        again = self.api('POST', path, token=self.li_token, json=dict(
                body, content='铺贴卷材两层', photos=[
                    self.upload(self.li_token)]))
        self.assertEqual(again.json['id'], first.json['id'])
        self.assertEqual(again.json['photos'], 2)
        self.assertEqual(again.json['content'], '铺贴卷材两层')
        today = self.today()
        self.assertError(self.api('POST', path, token=self.li_token,
                json=dict(body, date=str(today + dt.timedelta(days=1)),
                    photos=[])),
            422, code='log_date_future', field='date')
        listed = self.api('GET', path, token=self.li_token)
        self.assertEqual([log['id'] for log in listed.json],
            [first.json['id']])
        zhang = self.login_as(self.zhang_user, 'technician')
        self.assertError(self.api('GET', path, token=zhang), 404)
        self.assertError(self.api('POST', path, token=zhang, json=body), 404)

        skills = self.api('GET', '/technician/skills', token=self.li_token)
        self.assertEqual(skills.status, 200, skills)
        self.assertEqual(sorted(s['code'] for s in skills.json['skills']),
            ['coating', 'membrane'])
        certificate, = skills.json['certificates']
        self.assertEqual(certificate['state'], 'expiring')
        self.assertEqual(certificate['days_left'], 10)
        self.assertEqual(skills.json['expiring'], 1)

    def test_order_lists_filtered_by_type_date_amount_distance(self):
        # 赵师傅 is based about 3 km from the resident
        order_id = self.confirmed_order()
        self.assign(order_id, self.zhao)
        zhao = self.login_as(self.zhao_user, 'technician')

        def ids(path, token=zhao, **query):
            text = '&'.join(f'{k}={v}' for k, v in query.items())
            response = self.api('GET', f'{path}?{text}', token=token)
            self.assertEqual(response.status, 200, response)
            items = response.json
            if isinstance(items, dict):
                self.assertEqual(items['total'], len(items['items']))
                items = items['items']
            return [o['id'] for o in items]

        today = self.today()
        with self.db() as pool:
            amount = pool.get('yuexing.work_order')(order_id).amount
        orders = '/technician/orders'
        self.assertIn(order_id, ids(orders, type='c_repair',
                date_from=today, date_to=today))
        self.assertNotIn(order_id, ids(orders, type='project'))
        self.assertNotIn(order_id, ids(orders,
                date_from=today + dt.timedelta(days=1)))
        self.assertIn(order_id, ids(orders, min_amount=amount,
                max_amount=amount, max_distance_km=50))
        self.assertNotIn(order_id, ids(orders, min_amount=amount + 1))
        self.assertNotIn(order_id, ids(orders, max_distance_km=1))

        pooled = self.confirmed_order()
        with self.db() as pool:
            WorkOrder = pool.get('yuexing.work_order')
            WorkOrder.publish([WorkOrder(pooled)])
        self.assertIn(pooled, ids('/technician/pool', max_distance_km=50,
                max_amount=amount, token=self.li_token))
        self.assertNotIn(pooled, ids('/technician/pool', max_amount=1,
                token=self.li_token))
        self.assertNotIn(pooled, ids('/technician/pool', max_distance_km=1))
        self.assertError(self.api('GET', '/technician/orders?type=x',
                token=self.li_token), 422, field='type')

    # ---- training and exams ----

    def exam(self, max_attempts=2):
        "A course with an article and a three-question exam (60 % to pass)."
        with self.db(context={'company': self.company_id}) as pool:
            Category = pool.get('yuexing.content.article.category')
            Article = pool.get('yuexing.content.article')
            Course = pool.get('yuexing.training.course')
            Exam = pool.get('yuexing.training.exam')
            CertificateType = pool.get('yuexing.certificate.type')
            Skill = pool.get('yuexing.skill')
            category, = Category.create([{'name': '施工工艺',
                        'code': f'gy{next(self.days)}'}])
            article, = Article.create([{'title': 'SBS卷材热熔施工要点',
                        'category': category.id, 'summary': '基层、热熔、搭接',
                        'body': '搭接宽度不小于100毫米。'}])
            kind, = CertificateType.create([{'name': '卷材施工上岗证',
                        'code': f'JC{next(self.days)}',
                        'validity_months': 24}])
            course, = Course.create([{'name': '屋面卷材防水',
                        'skill': Skill.from_code('membrane').id,
                        'articles': [('add', [article.id])]}])
            exam, = Exam.create([{'name': '屋面卷材上岗考试',
                        'course': course.id, 'duration': 20,
                        'max_attempts': max_attempts,
                        'certificate_type': kind.id,
                        'skill': Skill.from_code('membrane').id,
                        'skill_level': 'expert',
                        'questions': [('create', [{
                                        'kind': 'single', 'sequence': 1,
                                        'text': '卷材搭接宽度至少多少？',
                                        'options': [('create', [
                                                    {'text': '50毫米'},
                                                    {'text': '100毫米',
                                                        'correct': True}])],
                                        }, {
                                        'kind': 'multiple', 'sequence': 2,
                                        'text': '热熔施工前要做哪些准备？',
                                        'options': [('create', [
                                                    {'text': '基层清理',
                                                        'correct': True},
                                                    {'text': '涂刷处理剂',
                                                        'correct': True},
                                                    {'text': '洒水湿润'}])],
                                        }, {
                                        'kind': 'true_false', 'sequence': 3,
                                        'text': '雨天可以热熔施工。',
                                        'options': [('create', [
                                                    {'text': '对'},
                                                    {'text': '错',
                                                        'correct': True}])],
                                        }])],
                        }])
            questions = [(q.id, sorted(o.id for o in q.options if o.correct),
                    [o.id for o in q.options]) for q in exam.questions]
            return course.id, exam.id, kind.id, questions

    def test_exam_timed_scored_on_server_and_grants_certificate(self):
        course_id, exam_id, kind_id, questions = self.exam()
        courses = self.api('GET', '/technician/courses', token=self.li_token)
        course, = [c for c in courses.json if c['id'] == course_id]
        brief, = course['exams']
        self.assertEqual((brief['attempts_left'], brief['passed'],
                brief['questions']), (2, False, 3))
        detail = self.api('GET', f'/technician/courses/{course_id}',
            token=self.li_token)
        self.assertEqual(detail.json['materials'][0]['body'],
            '搭接宽度不小于100毫米。')

        started = self.api('POST', f'/technician/exams/{exam_id}/attempts',
            token=self.li_token)
        self.assertEqual(started.status, 201, started)
        attempt = started.json
        self.assertEqual(attempt['state'], 'in_progress')
        # nothing tells the client the right answers before submission
        self.assertTrue(all(q['correct_options'] is None
                for q in attempt['questions']))
        self.assertNotIn('"correct": true', started.text)
        again = self.api('POST', f'/technician/exams/{exam_id}/attempts',
            token=self.li_token)
        self.assertEqual(again.json['id'], attempt['id'])

        submit = f'/technician/attempts/{attempt["id"]}/submit'
        (single, right, options), (multi, multi_right, _), (tf, tf_right,
            _) = questions
        wrong = [o for o in options if o not in right]
        self.assertError(self.api('POST', submit, token=self.li_token,
                json={'answers': [{'question_id': single,
                            'option_ids': options}]}),
            422, code='bad_options', field='answers')
        self.assertError(self.api('POST', submit, token=self.li_token,
                json={'answers': [{'question_id': 999999,
                            'option_ids': [1]}]}),
            422, code='unknown_question', field='answers')
        failed = self.api('POST', submit, token=self.li_token, json={
                'answers': [
                    {'question_id': single, 'option_ids': wrong},
                    {'question_id': multi, 'option_ids': multi_right[:1]},
                    {'question_id': tf, 'option_ids': tf_right}]})
        self.assertEqual(failed.status, 200, failed)
        self.assertEqual((failed.json['score'], failed.json['percent'],
                failed.json['passed']), ('10.0', '33.3', False))
        self.assertEqual(failed.json['questions'][0]['correct_options'],
            right)
        self.assertError(self.api('POST', submit, token=self.li_token,
                json={'answers': []}), 409, code='attempt_closed')
        zhang = self.login_as(self.zhang_user, 'technician')
        self.assertError(self.api('GET',
                f'/technician/attempts/{attempt["id"]}', token=zhang), 404)

        second = self.api('POST', f'/technician/exams/{exam_id}/attempts',
            token=self.li_token).json
        passed = self.api('POST',
            f'/technician/attempts/{second["id"]}/submit',
            token=self.li_token, json={'answers': [
                    {'question_id': single, 'option_ids': right},
                    {'question_id': multi, 'option_ids': multi_right},
                    {'question_id': tf, 'option_ids': tf_right}]})
        self.assertEqual((passed.json['percent'], passed.json['passed']),
            ('100.0', True))
        certificate = passed.json['certificate']
        self.assertIsNotNone(certificate['expiry_date'])
        self.assertError(self.api('POST',
                f'/technician/exams/{exam_id}/attempts',
                token=self.li_token), 409, code='exam_passed')
        skills = self.api('GET', '/technician/skills', token=self.li_token)
        self.assertIn(certificate['id'],
            [c['id'] for c in skills.json['certificates']])
        self.assertIn(('membrane', 'expert'),
            [(s['code'], s['level']) for s in skills.json['skills']])

        # the clock runs on the server: a late submission is refused
        late = self.api('POST', f'/technician/exams/{exam_id}/attempts',
            token=zhang).json
        with self.db() as pool:
            Attempt = pool.get('yuexing.training.exam.attempt')
            Attempt.write([Attempt(late['id'])], {
                    'deadline': dt.datetime.now() - dt.timedelta(minutes=5)})
        self.assertError(self.api('POST',
                f'/technician/attempts/{late["id"]}/submit', token=zhang,
                json={'answers': []}), 409, code='attempt_expired')
        result = self.api('GET', f'/technician/attempts/{late["id"]}',
            token=zhang)
        self.assertEqual(result.json['state'], 'expired')

    def test_exam_question_needs_consistent_options(self):
        with self.db() as pool:
            Exam = pool.get('yuexing.training.exam')
            Course = pool.get('yuexing.training.course')
            course, = Course.create([{'name': '涂料施工'}])
            with self.assertRaises(Exception) as cm:
                Exam.create([{'name': '涂料考试', 'course': course.id,
                            'questions': [('create', [{
                                            'kind': 'single',
                                            'text': '涂膜厚度？',
                                            'options': [('create', [
                                                        {'text': '1毫米',
                                                            'correct': True},
                                                        {'text': '2毫米',
                                                            'correct': True},
                                                        ])]}])]}])
            self.assertIn('单选题', cm.exception.message)
            Transaction().rollback()
