"""The C端 content through the JSON API: home page, knowledge base and
feedback; the back office's reply and access rights."""
import datetime as dt
from decimal import Decimal

from werkzeug.test import Client
from werkzeug.wrappers import Response

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import acting_as, create_user
from trytond.modules.yuexing_workorder.tests.tools import (
    PNG,
    company_and_customer,
    create_order,
    create_technician,
)
from trytond.pool import Pool
from trytond.wsgi import app


class ContentApiTestCase(ApiTestCase):
    "Content: home, knowledge base and feedback"
    module = 'yuexing_content'

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        Banner = pool.get('yuexing.content.banner')
        Article = pool.get('yuexing.content.article')
        Category = pool.get('yuexing.content.article.category')
        Configuration = pool.get('yuexing.configuration')
        Employee = pool.get('company.employee')
        company, resident, park = company_and_customer()
        cls.company_id = company.id
        with set_company(company):
            cls.resident_user = create_user('c_wang', ['group_c2c_customer'],
                company=company, customer=resident.id).id
            cls.park_user = create_user('c_park', ['group_b2b_customer'],
                company=company, customer=park.id).id
            cls.kefu_user = create_user('c_kefu',
                ['group_customer_service'], company=company).id
            cls.boss_user = create_user('c_boss', ['group_management'],
                company=company).id
            # two technicians serve Shanghai (Pudong's city), one Hangzhou
            li = create_technician(company, '李师傅', user_login='c_li')
            zhao = create_technician(company, '赵师傅')
            qian = create_technician(company, '钱师傅', adcode='330106')
            Employee.write([li], {'rating': Decimal('4.50')},
                [zhao], {'rating': Decimal('4.80')},
                [qian], {'rating': Decimal('3.00')})
            cls.technician_user = pool.get('res.user').search(
                [('login', '=', 'c_li')])[0].id
            cls.resident_order = create_order(resident, leak_site='roof').id
            cls.park_order = create_order(park, leak_site='roof').id
        Configuration.write([Configuration(1)], {
                'service_intro': '月星防水，专业堵漏二十年'})
        now = dt.datetime.now()
        day = dt.timedelta(days=1)
        banners = Banner.create([
                {'title': '雨季屋面检测', 'image': PNG, 'sequence': 1,
                    'start': now - day, 'end': now + day},
                {'title': '长期横幅', 'sequence': 2},
                {'title': '已过期', 'start': now - 3 * day,
                    'end': now - day},
                {'title': '未开始', 'start': now + day},
                {'title': '已停用', 'active': False},
                {'title': '企业专享', 'audience': 'b2b'},
                {'title': '推荐有礼', 'kind': 'promotion',
                    'link': '/pages/promotion/referral'},
                ])
        cls.banner_with_image = banners[0].id
        cls.expired_banner = banners[2].id
        categories = {c.code: c.id for c in Category.search([])}
        articles = Article.create([
                {'title': '卫生间闭水试验', 'category': categories['repair'],
                    'summary': '蓄水48小时', 'body': '堵住地漏蓄水。',
                    'tags': '卫生间,验收', 'published': True},
                {'title': '屋面保养', 'category': categories['maintenance'],
                    'body': '清理排水口，卫生间无关。', 'published': True},
                {'title': '质保多久', 'category': categories['faq'],
                    'summary': '两年到十年', 'published': True},
                {'title': '草稿：外墙渗水', 'category': categories['repair'],
                    'body': '卫生间', 'published': False},
                ])
        cls.article_id = articles[0].id
        cls.draft_id = articles[3].id

    def setUp(self):
        super().setUp()
        self.token = self.login_as(self.resident_user, 'customer')

    def test_openapi_complete(self):
        self.contract.assert_complete()

    # ---- home ---------------------------------------------------------------

    def test_home_current_banners_and_technicians(self):
        response = self.api('GET', '/home?district=310115')
        self.assertEqual(response.status, 200, response)
        home = response.json
        self.assertEqual(home['service_intro'], '月星防水，专业堵漏二十年')
        self.assertEqual([b['title'] for b in home['banners']],
            ['雨季屋面检测', '长期横幅'])
        self.assertEqual([b['title'] for b in home['promotions']],
            ['推荐有礼'])
        self.assertTrue(home['banners'][0]['image_url'].endswith(
                f'/api/v1/content/banners/{self.banner_with_image}/image'))
        self.assertIsNone(home['banners'][1]['image_url'])
        self.assertEqual([e['title'] for e in home['quick_entries']],
            ['报修', '估价', '我的工单', '知识库'])
        technicians = home['technicians']
        self.assertEqual(technicians['count'], 2)
        self.assertEqual(technicians['average_rating'], '4.65')
        self.assertEqual(technicians['district_name'], '浦东新区')
        self.assertNotIn('李师傅', response.text)

        # Hangzhou's technician is counted there only
        hangzhou = self.api('GET', '/home?district=330106').json
        self.assertEqual(hangzhou['technicians']['count'], 1)

        # the resident's first address gives the district; B端 banners
        # go to the portal only
        mine = self.api('GET', '/home', token=self.token).json
        self.assertEqual(mine['technicians']['district'], '310115')
        self.assertEqual(mine['technicians']['count'], 2)
        portal = self.login_as(self.park_user, 'portal')
        titles = [b['title'] for b in self.api(
                'GET', '/home', token=portal).json['banners']]
        self.assertIn('企业专享', titles)
        anonymous = self.api('GET', '/home').json
        self.assertEqual(anonymous['technicians']['count'], 0)
        self.assertIsNone(anonymous['technicians']['average_rating'])

    def test_banner_image(self):
        client = Client(app, Response)
        response = client.get(self.url(
                f'/content/banners/{self.banner_with_image}/image'),
            environ_base={'REMOTE_ADDR': self.ip})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content_type, 'image/png')
        self.assertEqual(response.get_data(), PNG)
        self.assertError(self.api('GET',
                f'/content/banners/{self.expired_banner}/image'), 404)

    # ---- knowledge base -----------------------------------------------------

    def test_article_search_and_categories(self):
        categories = self.api('GET', '/article-categories').json
        self.assertEqual([c['code'] for c in categories],
            ['waterproofing', 'faq', 'repair', 'maintenance'])
        self.assertEqual([c['name'] for c in categories],
            ['防水知识', '常见问题', '维修指南', '保养建议'])
        self.assertEqual({c['code']: c['count'] for c in categories}[
                'repair'], 1)

        found = self.api('GET', '/articles?q=卫生间').json
        self.assertEqual({a['title'] for a in found['items']},
            {'卫生间闭水试验', '屋面保养'})
        self.assertEqual(found['total'], 2)
        repair = self.api('GET', '/articles?category=repair').json
        self.assertEqual([a['title'] for a in repair['items']],
            ['卫生间闭水试验'])
        self.assertEqual(repair['items'][0]['tags'], ['卫生间', '验收'])
        page = self.api('GET', '/articles?limit=2&page=2').json
        self.assertEqual((page['total'], len(page['items'])), (3, 1))

    def test_article_detail_counts_views_draft_hidden(self):
        first = self.api('GET', f'/articles/{self.article_id}')
        self.assertEqual(first.status, 200, first)
        self.assertEqual(first.json['body'], '堵住地漏蓄水。')
        again = self.api('GET', f'/articles/{self.article_id}').json
        self.assertEqual(again['views'], first.json['views'] + 1)
        with self.db() as pool:
            Article = pool.get('yuexing.content.article')
            self.assertEqual(
                Article(self.article_id).view_count, again['views'])
        self.assertError(self.api('GET', f'/articles/{self.draft_id}'), 404)
        self.assertError(self.api('GET', '/articles/999999'), 404)

    # ---- feedback -----------------------------------------------------------

    def count_feedback(self):
        with self.db() as pool:
            return pool.get('yuexing.content.feedback').search_count([])

    def test_feedback_idempotent_and_private(self):
        before = self.count_feedback()
        body = {'kind': 'complaint', 'text': '师傅迟到了两个小时',
            'contact_phone': '13900139000',
            'work_order': self.resident_order}
        key = {'Idempotency-Key': 'feedback-0001'}
        first = self.api('POST', '/feedback', token=self.token, json=body,
            headers=key)
        self.assertEqual(first.status, 201, first)
        again = self.api('POST', '/feedback', token=self.token, json=body,
            headers=key)
        self.assertEqual(again.json, first.json)
        self.assertEqual(again.headers.get('Idempotent-Replayed'), 'true')
        self.assertEqual(self.count_feedback(), before + 1)
        created = first.json
        self.assertEqual(created['state'], 'new')
        self.assertEqual(created['contact_phone'], '+8613900139000')
        self.assertEqual(created['work_order']['id'], self.resident_order)

        mine = self.api('GET', '/feedback', token=self.token).json
        self.assertIn(created['id'], [f['id'] for f in mine['items']])
        portal = self.login_as(self.park_user, 'portal')
        theirs = self.api('GET', '/feedback', token=portal).json
        self.assertNotIn(created['id'], [f['id'] for f in theirs['items']])

    def test_feedback_on_other_customers_order_refused(self):
        before = self.count_feedback()
        response = self.api('POST', '/feedback', token=self.token, json={
                'kind': 'other', 'text': '想问问这个工单',
                'work_order': self.park_order})
        self.assertError(response, 422, 'invalid_work_order',
            field='work_order', text='工单')
        self.assertError(self.api('POST', '/feedback', token=self.token,
                json={'kind': 'nonsense', 'text': '好'}), 422, field='kind')
        self.assertEqual(self.count_feedback(), before)
        technician = self.login_as(self.technician_user, 'technician')
        self.assertError(self.api('GET', '/feedback', token=technician), 403)

    def test_reply_notifies_customer(self):
        created = self.api('POST', '/feedback', token=self.token, json={
                'kind': 'suggestion', 'text': '希望能预约周末上门'}).json
        with self.db() as pool:
            Feedback = pool.get('yuexing.content.feedback')
            User = pool.get('res.user')
            with acting_as(User(self.kefu_user)):
                feedback = Feedback(created['id'])
                Feedback.process([feedback])
                with self.assertRaises(UserError):
                    Feedback.close([feedback])
        with self.db() as pool:
            Feedback = pool.get('yuexing.content.feedback')
            User = pool.get('res.user')
            with acting_as(User(self.kefu_user)):
                feedback = Feedback(created['id'])
                feedback.reply = '周末可以预约，请在下单时选择时段。'
                feedback.save()
                Feedback.close([feedback])
        listed = self.api('GET', '/feedback?state=closed',
            token=self.token).json
        mine, = [f for f in listed['items'] if f['id'] == created['id']]
        self.assertEqual(mine['reply'], '周末可以预约，请在下单时选择时段。')
        self.assertIsNotNone(mine['replied_at'])
        inbox = self.api('GET', '/messages', token=self.token).json
        self.assertTrue(any('周末可以预约' in (m.get('body') or '')
                for m in inbox['items']), inbox)

    # ---- back-office access -------------------------------------------------

    def test_access_rights(self):
        with self.db() as pool:
            Article = pool.get('yuexing.content.article')
            Feedback = pool.get('yuexing.content.feedback')
            Banner = pool.get('yuexing.content.banner')
            User = pool.get('res.user')
            article = Article(self.article_id)
            with acting_as(User(self.technician_user)):
                with self.assertRaises(AccessError):
                    Article.write([Article(self.article_id)],
                        {'title': '改标题'})
                with self.assertRaises(AccessError):
                    Feedback.search([])
            with acting_as(User(self.boss_user)):
                self.assertEqual(Article(self.article_id).title,
                    article.title)
                with self.assertRaises(AccessError):
                    Banner.create([{'title': '管理层不能建'}])
            with acting_as(User(self.kefu_user)):
                banner, = Banner.create([{'title': '客服新建',
                            'active': False}])
                Banner.delete([banner])
