"""Property-based tests of the whole API from its OpenAPI document
(schemathesis, called on the WSGI app): valid and invalid requests for every
operation, a bounded number of examples each; no answer may be a 5xx and
every answer must be what the document says."""
import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from trytond.modules.yuexing_base.tests import api_routes  # noqa: F401
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import (
    create_customer,
    create_user,
)
from trytond.wsgi import app

MAX_EXAMPLES = int(os.environ.get('YUEXING_SCHEMATHESIS_EXAMPLES', 12))
ROLE_USERS = {
    'customer': 'st_cduan',
    'technician': 'st_shifu',
    'portal': 'st_bduan',
    'staff': 'st_kefu',
    }


class SchemathesisTestCase(ApiTestCase):
    "schemathesis against openapi.json"

    @classmethod
    def setUpApiData(cls):
        Configuration = __import__('trytond.pool', fromlist=['Pool']).Pool(
            ).get('yuexing.configuration')
        # no rate limit: every generated request reaches its handler
        Configuration.write([Configuration(1)], {
                'rate_default_ip': 0, 'rate_default_token': 0,
                'rate_auth_ip': 0, 'rate_sms_ip': 0,
                'rate_upload_token': 0, 'sms_resend_seconds': 0,
                'sms_daily_limit': 1000})
        party = create_customer(name='测试居民', phone='13512345678')
        cls.user_ids = {
            'customer': create_user(ROLE_USERS['customer'],
                ['group_c2c_customer'], customer=party.id).id,
            'technician': create_user(ROLE_USERS['technician'],
                ['group_technician'], mobile='13512340001').id,
            'portal': create_user(ROLE_USERS['portal'],
                ['group_b2b_customer']).id,
            'staff': create_user(ROLE_USERS['staff'],
                ['group_customer_service', 'group_dispatcher']).id,
            }

    def test_no_server_error(self):
        "Generated valid and invalid requests never get a 5xx"
        schema = schemathesis.openapi.from_wsgi(
            self.url('/openapi.json'), app)
        operations = [r.ok() for r in schema.get_all_operations()]
        self.assertGreaterEqual(len(operations), 15)
        failures = []
        for operation in operations:
            roles = operation.definition.raw.get('x-yuexing-roles')
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                headers = {}
                if roles:
                    headers['Authorization'] = 'Bearer ' + self.login_as(
                        self.user_ids[roles[0]], roles[0])
                failures.extend(self.fuzz(operation, mode, headers))
        kinds = sorted({f.split(':', 1)[0] for f in failures})
        self.assertEqual(failures, [], '\n'.join(
                [f'{len(failures)} failures in {kinds}'] + failures[:5]))

    def fuzz(self, operation, mode, headers):
        "Run the generated cases of one operation; returns the failures."
        method, path = operation.method.upper(), operation.path
        failures = []

        @settings(max_examples=MAX_EXAMPLES, deadline=None,
            derandomize=True, database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(headers=headers)
            status = response.status_code
            prefix = f'{method} {path} [{mode.value}]'
            if status >= 500:
                failures.append(f'{prefix}: {status} {response.text[:300]}')
                return
            # schemathesis: lowercase keys, list values
            content_type = (response.headers.get('content-type')
                or [''])[0]
            body = response.json() if response.content and (
                'json' in content_type) else None
            try:
                self.contract.validate(method, case.formatted_path, status,
                    body)
            except AssertionError as exception:
                failures.append(f'{prefix}: {exception}')
        run()
        return failures

del ApiTestCase
