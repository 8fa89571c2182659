"""Property-based tests of the real API (work orders, content, payments) from
its OpenAPI document: schemathesis generates valid and invalid requests for
every operation of yuexing_workorder, yuexing_content and yuexing_payment, a
bounded number of examples each (derandomized: the same requests on every
run), and calls them on the WSGI app

- with a token of the operation's role (C端 customer, 师傅), the path ids
  drawn either by schemathesis or among the records of the test world, so
  that the handlers run on real orders, quotes, visits, steps, bills...;
- without a token: every protected operation answers 401.

No answer may be a 5xx; every answer must have a documented status, a
documented content type and a body valid against the documented schema;
every JSON error names its cause in Chinese.

    YUEXING_SCHEMATHESIS_EXAMPLES   examples per operation and mode (10)
"""
import datetime as dt
import os
import re

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.api import REGISTRY
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_payment.tests.tools import (
    PaymentFakes,
    bill_of,
    confirmed_order,
    finish,
    make_user,
    payment_world,
)
from trytond.modules.yuexing_workorder.tests.tools import (
    PNG,
    create_order,
    create_technician,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase, activate_module
from trytond.wsgi import app

MAX_EXAMPLES = int(os.environ.get('YUEXING_SCHEMATHESIS_EXAMPLES', 10))
UNAUTHENTICATED_EXAMPLES = 3
MODULES = {'yuexing_workorder', 'yuexing_content', 'yuexing_payment'}
CHECKS = [not_a_server_error, status_code_conformance,
    content_type_conformance, response_schema_conformance]
CHINESE = re.compile(r'[\u4e00-\u9fff]')


class ContentOnPayment(RouteTestCase):
    """The database of the payment tests (from their cache when they ran
    before), then yuexing_content activated on it: quicker than a
    database of both from scratch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module(['yuexing_payment', 'yuexing_content'],
            lang=cls.language)


class ApiSchemathesisTestCase(PaymentFakes, ApiTestCase,
        ContentOnPayment):
    "schemathesis against openapi.json: work orders, content and payments"
    module = 'yuexing_payment'

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        Configuration = pool.get('yuexing.configuration')
        WorkOrder = pool.get('yuexing.work_order')
        Visit = pool.get('yuexing.work_order.visit')
        Quote = pool.get('yuexing.quote')
        Line = pool.get('yuexing.quote.line')
        Payment = pool.get('yuexing.payment')
        Banner = pool.get('yuexing.content.banner')
        Article = pool.get('yuexing.content.article')
        Category = pool.get('yuexing.content.article.category')
        company, resident, park, membrane, labour = payment_world(
            cls.wechatpay, cls.alipay_fake)
        # no rate limit: every generated request reaches its handler
        Configuration.write([Configuration(1)], {
                'rate_default_ip': 0, 'rate_default_token': 0,
                'rate_auth_ip': 0, 'rate_sms_ip': 0,
                'rate_upload_token': 0})
        cls.user_ids = {
            'customer': make_user('sch-wang', ['group_c2c_customer'],
                company=company, customer=resident.id,
                wechat_openid='o-sch-wang').id,
            'portal': make_user('sch-park', ['group_b2b_customer'],
                company=company, customer=park.id).id,
            }
        ids = {}
        with set_company(company):
            technician = create_technician(company, '周师傅',
                [('membrane', 'senior'), ('coating', 'senior')],
                user_login='sch-zhou')
            cls.user_ids['technician'] = pool.get('res.user').search(
                [('login', '=', 'sch-zhou')])[0].id

            submitted = create_order(resident, leak_site='roof')
            WorkOrder.submit([submitted])
            # a quote sent to the customer, neither confirmed nor rejected
            quoted = create_order(resident, leak_site='bathroom')
            WorkOrder.submit([quoted])
            quote = Quote.new_version(quoted)
            line = Line(quote=quote, quantity=3)
            line.product = membrane
            line.on_change_product()
            line.save()
            Quote.submit_approval([quote])
            while quote.state == 'pending':
                Quote.approve([quote])
            Quote.send([quote])
            # confirmed and billed (a deposit to pay), one paid online
            billed = confirmed_order(resident, [(membrane, 2)])
            bill = bill_of(billed)
            payment, _ = Payment.start_online(bill, 'wechat_jsapi',
                openid='o-sch-wang')
            done = finish(confirmed_order(resident, [(membrane, 1)]))
            # assigned to 周师傅, accepted, on site with its steps
            site = confirmed_order(resident, [(membrane, 4)])
            WorkOrder.assign([site], technician)
            WorkOrder.accept([WorkOrder(site.id)])
            start = dt.datetime.now() + dt.timedelta(hours=1)
            visit, = Visit.create([{
                        'work_order': site.id, 'technician': technician.id,
                        'kind': 'construction', 'planned_start': start,
                        'planned_end': start + dt.timedelta(hours=4)}])
            Visit.check_in([visit])
            # dispatched to 周师傅, to accept or reject; one in the pool
            dispatched = confirmed_order(resident, [(membrane, 1)])
            WorkOrder.assign([dispatched], technician)
            pooled = confirmed_order(resident, [(membrane, 1)])
            WorkOrder.write([pooled], {'pool_open': True})
            planned = Visit.create([{
                        'work_order': dispatched.id,
                        'technician': technician.id, 'kind': 'survey',
                        'planned_start': start + dt.timedelta(days=1),
                        'planned_end': start + dt.timedelta(days=1,
                            hours=2)}])[0]

            orders = [submitted, quoted, billed, done, site, dispatched,
                pooled]
            ids['order_id'] = [o.id for o in orders]
            ids['quote_id'] = [q.id for o in orders
                for q in WorkOrder(o.id).quotes]
            ids['first'] = ids['second'] = ids['quote_id']
            ids['visit_id'] = [visit.id, planned.id]
            ids['step_id'] = [s.id for s in WorkOrder(site.id).steps]
            ids['bill_id'] = [b.id for o in orders
                for b in WorkOrder(o.id).bills]
            ids['payment_id'] = [payment.id]
            # ids in the bodies
            ids['work_order'] = ids['order_id']
            ids['product_id'] = [membrane.id, labour.id]
            ids['address_id'] = [a.id for a in resident.addresses]
            ids['technician_id'] = ids['preferred_technician'] = [
                technician.id]
        banner, = Banner.create([{'title': '雨季屋面检测', 'image': PNG}])
        ids['banner_id'] = [banner.id]
        category, = Category.search([], limit=1)
        article, = Article.create([{'title': '卫生间闭水试验',
                    'category': category.id, 'body': '堵住地漏蓄水。',
                    'tags': '卫生间,验收', 'published': True}])
        ids['article_id'] = [article.id]
        cls.known_ids = {k: v for k, v in ids.items() if v}

    def test_schemathesis_no_server_error(self):
        "Generated requests to every real operation: no 5xx, as documented"
        schema = schemathesis.openapi.from_wsgi(
            self.url('/openapi.json'), app)
        modules = {(ep.method, ep.openapi_path): ep.module
            for ep in REGISTRY.values()}
        operations = [o for o in (r.ok() for r in schema.get_all_operations())
            if modules.get((o.method.upper(), o.path)) in MODULES]
        self.assertGreaterEqual(len(operations), 50)
        failures = []
        for operation in operations:
            roles = operation.definition.raw.get('x-yuexing-roles')
            headers = {}
            if roles:
                role = 'technician' if 'technician' in roles else roles[0]
                headers['Authorization'] = 'Bearer ' + self.login_as(
                    self.user_ids[role], role)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures.extend(self.fuzz(operation, mode, headers))
            if roles:
                failures.extend(self.fuzz(operation, GenerationMode.POSITIVE,
                        {}, expected=401))
        self.assertEqual(failures, [], '\n'.join(
                [f'{len(failures)} failures'] + failures[:10]))

    def fuzz(self, operation, mode, headers, expected=None):
        """Run the generated cases of one operation; returns the failures
        (one per distinct failure)."""
        label = f'{operation.method.upper()} {operation.path} [{mode.value}]'
        if not headers and expected:
            label += ' (no token)'
        known = self.known_ids
        failures = {}

        @settings(
            max_examples=(UNAUTHENTICATED_EXAMPLES if expected
                else MAX_EXAMPLES),
            deadline=None, derandomize=True, database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode),
            data=st.data())
        def run(case, data):
            if mode == GenerationMode.POSITIVE:
                # half the time a record of the world instead of any id
                body = case.body if isinstance(case.body, dict) else None
                for params in [case.path_parameters, case.query, body]:
                    for name in list(params or {}):
                        if name in known and data.draw(st.booleans()):
                            params[name] = data.draw(
                                st.sampled_from(known[name]))
            response = case.call(headers=headers)
            problems = []
            try:
                case.validate_response(response, checks=CHECKS,
                    headers=headers)
            except FailureGroup as group:
                problems.extend(sorted({f'{f.title}: '
                            + (f.message.strip().splitlines() or [''])[0]
                            for f in group.exceptions}))
                if response.status_code >= 500:
                    problems.append(response.text[:300])
            if expected and response.status_code != expected:
                problems.append(
                    f'answered {response.status_code}, not {expected}')
            problems.extend(self.error_problems(response))
            if problems:
                key = (response.status_code, problems[0])
                failures.setdefault(key, f'{label}: {response.status_code} '
                    f'{" | ".join(problems)} <- {case.path_parameters} '
                    f'{case.query} {str(case.body)[:200]}')
        try:
            run()
        except Unsatisfiable:
            # nothing to make invalid (no parameter, no body)
            assert mode == GenerationMode.NEGATIVE, label
        return list(failures.values())

    @staticmethod
    def error_problems(response):
        "A JSON 4xx must explain itself in Chinese."
        if not 400 <= response.status_code < 500:
            return []
        content_type = response.headers.get('content-type') or ['']
        if 'json' not in content_type[0]:
            return [f'{response.status_code} is not JSON']
        error = (response.json() or {}).get('error')
        if not isinstance(error, dict):
            return []  # a provider's protocol answer (checked by schema)
        if not CHINESE.search(error.get('message') or ''):
            return [f'message not in Chinese: {error.get("message")!r}']
        return []


del ApiTestCase
