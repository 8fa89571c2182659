"""The 师傅端 tool API through the WSGI app (answers checked against the
OpenAPI document): my tools and those to borrow, borrowing (again: the
same loan), returning, my loans, and the refusals."""
from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import create_user
from trytond.modules.yuexing_workorder.tests.tools import (
    company_and_customer,
    create_technician,
)
from trytond.pool import Pool


class ToolApiTestCase(ApiTestCase):
    "Tools: the technicians' API"
    module = 'yuexing_material'

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        User = pool.get('res.user')
        Tool = pool.get('yuexing.material.tool')
        Loan = pool.get('yuexing.material.tool.loan')
        Maintenance = pool.get('yuexing.material.tool.maintenance')
        company, _, _ = company_and_customer()
        with set_company(company):
            create_user('tl_keeper', ['group_warehouse'], company=company)
            create_technician(company, '李师傅', user_login='tl_li')
            wang = create_technician(company, '王师傅', user_login='tl_wang')
            create_technician(company, '张师傅', user_login='tl_zhang')
            cls.li = User.search([('login', '=', 'tl_li')])[0].id
            cls.wang = User.search([('login', '=', 'tl_wang')])[0].id
            cls.zhang = User.search([('login', '=', 'tl_zhang')])[0].id
            gun, meter, detector, ladder, grinder = Tool.create([
                    {'name': '热风焊枪', 'serial_number': 'LD-TS-2301187',
                        'kind': 'welding', 'specification': '莱丹 TRIAC ST'},
                    {'name': '红外热像仪', 'serial_number': 'FL-E8-63941027',
                        'kind': 'detection'},
                    {'name': '漏水检测仪', 'serial_number': 'SW-A200-118734',
                        'kind': 'detection'},
                    {'name': '人字梯', 'serial_number': 'TZ-32-2023-017',
                        'kind': 'access'},
                    {'name': '角磨机', 'serial_number': 'BOSCH-GWS-5520913',
                        'kind': 'power'},
                    ])
            loan, = Loan.create([{'tool': meter.id, 'technician': wang.id}])
            Loan.lend([loan])
            repair, = Maintenance.create([{'tool': detector.id,
                        'description': '探头接触不良'}])
            Maintenance.start([repair])
            Tool.retire([ladder])
            cls.gun, cls.meter, cls.detector = gun.id, meter.id, detector.id
            cls.ladder, cls.grinder = ladder.id, grinder.id

    def test_every_endpoint_documented(self):
        self.contract.assert_complete()
        paths = self.contract.document['paths']
        for path in ['/technician/tools', '/technician/tools/loans',
                '/technician/tools/{tool_id}/borrow',
                '/technician/tools/{tool_id}/return']:
            self.assertIn(path, paths)

    def test_borrow_and_return(self):
        """Borrowed from the tools in stock, borrowed again (the same
        loan), in my tools, returned with its condition, in my history"""
        token = self.login_as(self.li, 'technician')
        tools = self.api('GET', '/technician/tools?q=焊枪', token=token)
        self.assertEqual(tools.status, 200, tools)
        self.assertEqual(tools.json['held'], [])
        self.assertEqual([t['id'] for t in tools.json['available']],
            [self.gun])
        self.assertEqual(tools.json['available'][0]['specification'],
            '莱丹 TRIAC ST')

        borrowed = self.api('POST', f'/technician/tools/{self.gun}/borrow',
            token=token, json={'note': '屋面卷材搭接'})
        self.assertEqual(borrowed.status, 201, borrowed)
        self.assertEqual(borrowed.json['state'], 'open')
        self.assertEqual(borrowed.json['serial_number'], 'LD-TS-2301187')
        self.assertTrue(borrowed.json['due_date'])
        self.assertFalse(borrowed.json['overdue'])
        again = self.api('POST', f'/technician/tools/{self.gun}/borrow',
            token=token, json={})
        self.assertEqual(again.status, 201, again)
        self.assertEqual(again.json['id'], borrowed.json['id'])

        mine = self.api('GET', '/technician/tools', token=token)
        self.assertEqual([(t['id'], t['loan_id']) for t in mine.json['held']],
            [(self.gun, borrowed.json['id'])])
        self.assertNotIn(self.gun,
            [t['id'] for t in mine.json['available']])
        # neither the retired ladder nor the tools lent or under repair
        self.assertFalse({self.ladder, self.meter, self.detector}
            & {t['id'] for t in mine.json['available']})

        key = {'Idempotency-Key': 'tool-return-li-0001'}
        body = {'condition': 'worn', 'remark': '枪嘴磨损'}
        back = self.api('POST', f'/technician/tools/{self.gun}/return',
            token=token, json=body, headers=key)
        self.assertEqual(back.status, 200, back)
        self.assertEqual(back.json['state'], 'returned')
        self.assertEqual(back.json['condition'], 'worn')
        self.assertEqual(back.json['remark'], '枪嘴磨损')
        replay = self.api('POST', f'/technician/tools/{self.gun}/return',
            token=token, json=body, headers=key)
        self.assertEqual(replay.json, back.json)
        twice = self.api('POST', f'/technician/tools/{self.gun}/return',
            token=token, json=body)
        self.assertError(twice, 409, code='tool_not_lent', text='热风焊枪')

        loans = self.api('GET', '/technician/tools/loans', token=token)
        self.assertEqual(loans.status, 200, loans)
        self.assertEqual([(l['id'], l['state']) for l in loans.json['items']],
            [(borrowed.json['id'], 'returned')])
        self.assertEqual(self.api('GET',
                '/technician/tools/loans?state=open', token=token
                ).json['items'], [])
        with self.db() as pool:
            Tool = pool.get('yuexing.material.tool')
            self.assertEqual(Tool(self.gun).state, 'available')

    def test_refusals(self):
        """Another technician's tool is neither borrowed nor returned, a
        tool under repair is not lent, an unknown or retired tool is not
        found: nothing changes"""
        token = self.login_as(self.zhang, 'technician')
        taken = self.api('POST', f'/technician/tools/{self.meter}/borrow',
            token=token, json={})
        self.assertError(taken, 409, code='tool_not_available',
            text='王师傅')
        repaired = self.api('POST',
            f'/technician/tools/{self.detector}/borrow', token=token,
            json={})
        self.assertError(repaired, 409, code='tool_not_available',
            text='维修中')
        theirs = self.api('POST', f'/technician/tools/{self.meter}/return',
            token=token, json={'condition': 'good'})
        self.assertError(theirs, 409, code='tool_not_yours',
            text='红外热像仪')
        self.assertError(self.api('POST',
                '/technician/tools/999999/borrow', token=token, json={}),
            404, code='not_found')
        self.assertError(self.api('POST',
                f'/technician/tools/{self.ladder}/borrow', token=token,
                json={}), 404)
        self.assertError(self.api('POST',
                f'/technician/tools/{self.grinder}/return', token=token,
                json={'condition': 'broken'}), 422, field='condition')
        self.assertError(self.api('POST',
                f'/technician/tools/{self.grinder}/borrow', token=token,
                json={'note': '长' * 201}), 422, field='note')
        with self.db() as pool:
            Tool = pool.get('yuexing.material.tool')
            Loan = pool.get('yuexing.material.tool.loan')
            User = pool.get('res.user')
            meter = Tool(self.meter)
            self.assertEqual(meter.holder, User(self.wang).employee)
            self.assertEqual(Tool(self.grinder).state, 'available')
            self.assertFalse(Loan.search([
                        ('technician', '=', User(self.zhang).employee.id)]))
        # 王师傅's loans are not in 张师傅's history
        self.assertEqual(self.api('GET', '/technician/tools/loans',
                token=token).json['items'], [])
        wang = self.login_as(self.wang, 'technician')
        self.assertEqual([l['tool_id'] for l in self.api('GET',
                    '/technician/tools/loans', token=wang).json['items']],
            [self.meter])
        # a customer token is refused
        self.assertEqual(self.api('GET', '/technician/tools',
                token=None).status, 401)
