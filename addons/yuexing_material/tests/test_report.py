"""库存报表 and 材料浪费分析: the figures of each report on a small known
world (stock value, ageing and 积压, stock-outs, waste per order,
technician and leak site), their xlsx exports, and who may read them."""
import datetime as dt
import io
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_user,
)
from trytond.modules.yuexing_workorder.tests.tools import create_order
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import create_material, locations, material_world, receive, ref


def rows_by(records, *names):
    return {tuple(getattr(r, n) for n in names): r for r in records}


def book(requisition):
    Requisition = Pool().get('yuexing.material.requisition')
    Requisition.submit([requisition])
    with Transaction().set_user(0):
        while Requisition(requisition.id).state == 'pending':
            Requisition.approve([requisition])
    Requisition.book([requisition])


def requisition(technician, lines, order=None, kind='issue',
        destination='van'):
    Requisition = Pool().get('yuexing.material.requisition')
    req, = Requisition.create([{
                'kind': kind, 'destination': destination,
                'work_order': order.id if order else None,
                'technician': technician.id,
                'lines': [('create', [
                            {'product': p.id, 'quantity': q}
                            for p, q in lines])],
                }])
    return req


def quoted_order(customer, technician, lines):
    """An order quoted with (product, quantity, unit) material lines,
    confirmed, then accepted by the technician."""
    pool = Pool()
    WorkOrder = pool.get('yuexing.work_order')
    Quote = pool.get('yuexing.quote')
    Line = pool.get('yuexing.quote.line')
    order = create_order(customer, leak_site='roof')
    WorkOrder.submit([order])
    quote = Quote.new_version(order)
    for product, quantity, unit in lines:
        line = Line(quote=quote)
        line.product = product
        line.on_change_product()
        line.quantity = quantity
        if unit:
            line.unit = unit
        line.save()
    Quote.submit_approval([quote])
    with Transaction().set_user(0):
        while quote.state == 'pending':
            Quote.approve([quote])
    Quote.send([quote])
    Quote.confirm([quote])
    WorkOrder.write([order], {
            'state': 'accepted', 'technician': technician.id})
    return WorkOrder(order.id)


def xlsx_rows(report_name, records):
    from openpyxl import load_workbook
    Report = Pool().get(report_name, type='report')
    report_format, data, _, _ = Report.execute([r.id for r in records], {})
    assert report_format == 'xlsx'
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


class ReportTestCase(FunctionalTestCase):
    "Stock reports and material waste"
    module = 'yuexing_material'

    def stock_world(self, resident, technician, membrane):
        """The membrane's 20 rolls (average 115) less 4 issued to the van,
        which used 2.5 of them on an order; 50 kg of plugging compound
        received 200 days ago and never issued."""
        pool = Pool()
        Material = pool.get('yuexing.work_order.material')
        WorkOrder = pool.get('yuexing.work_order')
        Date = pool.get('ir.date')
        today = Date.today()
        order = create_order(resident, leak_site='roof')
        WorkOrder.write([order], {
                'state': 'accepted', 'technician': technician.id})
        old = create_material('速凝堵漏王', 'product.uom_kilogram', '20')
        receive(old, 50, '20', date=today - dt.timedelta(days=200))
        book(requisition(technician, [(membrane, 4)]))
        Material.create([{
                    'work_order': order.id, 'product': membrane.id,
                    'quantity': 25,
                    'unit': ref('product.uom_square_meter'),
                    'technician': technician.id}])
        return old, today

    @with_transaction()
    def test_stock_value_by_location(self):
        "Quantity × moving average per location, at a date and below a place"
        pool = Pool()
        StockValue = pool.get('yuexing.material.stock_value')
        with material_world() as (company, resident, technician, membrane):
            warehouse, _, _ = locations()
            van = technician.van_location
            old, today = self.stock_world(resident, technician, membrane)

            with Transaction().set_context(date=today):
                rows = rows_by(StockValue.search([]), 'location', 'product')
            self.assertEqual(set(rows), {(warehouse, membrane),
                    (van, membrane), (warehouse, old)})
            value = rows[warehouse, membrane]
            self.assertEqual(value.quantity, 16)
            self.assertEqual(value.unit, membrane.default_uom)
            self.assertEqual(value.cost_price, Decimal('115'))
            self.assertEqual(value.value, Decimal('1840'))
            self.assertEqual(rows[van, membrane].quantity, 1.5)
            self.assertEqual(rows[van, membrane].value, Decimal('172.5'))
            self.assertEqual(rows[warehouse, old].value, Decimal('1000'))

            # 100 days back only the compound was there
            with Transaction().set_context(
                    date=today - dt.timedelta(days=100)):
                rows = StockValue.search([])
            self.assertEqual([(r.product, r.quantity) for r in rows],
                [(old, 50)])
            # below the van zone: the van only
            with Transaction().set_context(date=today, location=van.id):
                rows = StockValue.search([])
                self.assertEqual([(r.location, r.quantity) for r in rows],
                    [(van, 1.5)])
                sheet = xlsx_rows('yuexing.material.stock_value.xlsx', rows)
            self.assertEqual(len(sheet), 2)
            self.assertIn('库位', sheet[0])
            self.assertIn(172.5, sheet[1])

    @with_transaction()
    def test_ageing_turnover_and_slow_movers(self):
        "Days without issue, turnover and the 积压 flag over a period"
        pool = Pool()
        Ageing = pool.get('yuexing.material.ageing')
        Configuration = pool.get('yuexing.configuration')
        with material_world() as (company, resident, technician, membrane):
            warehouse, _, _ = locations()
            van = technician.van_location
            old, today = self.stock_world(resident, technician, membrane)
            period = {'from_date': today - dt.timedelta(days=90),
                'to_date': today}

            with Transaction().set_context(period):
                rows = rows_by(Ageing.search([]), 'location', 'product')
                self.assertEqual(set(rows), {(warehouse, membrane),
                        (van, membrane), (warehouse, old)})
                slow = rows[warehouse, old]
                self.assertEqual(slow.quantity, 50)
                self.assertEqual(slow.start_quantity, 50)
                self.assertEqual(slow.received, 0)
                self.assertEqual(slow.issued, 0)
                self.assertEqual(slow.first_receipt,
                    today - dt.timedelta(days=200))
                self.assertIsNone(slow.last_issue)
                self.assertEqual(slow.days_without_issue, 200)
                self.assertEqual(slow.turnover, 0)
                self.assertTrue(slow.slow_moving)
                self.assertEqual(slow.value, Decimal('1000'))

                stock = rows[warehouse, membrane]
                self.assertEqual(
                    (stock.start_quantity, stock.received, stock.issued,
                        stock.quantity), (0, 20, 4, 16))
                self.assertEqual(stock.last_receipt, today)
                self.assertEqual(stock.last_issue, today)
                self.assertEqual(stock.days_without_issue, 0)
                # 4 issued ÷ ((0 + 16) ÷ 2)
                self.assertAlmostEqual(stock.turnover, 0.5)
                self.assertFalse(stock.slow_moving)
                on_van = rows[van, membrane]
                self.assertEqual((on_van.received, on_van.issued), (4, 2.5))
                self.assertAlmostEqual(on_van.turnover, 2.5 / 0.75)

                self.assertEqual(
                    Ageing.search([('slow_moving', '=', True)]), [slow])
                sheet = xlsx_rows('yuexing.material.ageing.xlsx', [slow])
            self.assertEqual(len(sheet), 2)
            self.assertIn('积压', sheet[0])
            self.assertIn(200, sheet[1])

            # 积压 after 250 days only: not yet
            Configuration.write([Configuration(1)], {'slow_mover_days': 250})
            with Transaction().set_context(period):
                self.assertEqual(
                    Ageing.search([('slow_moving', '=', True)]), [])

    @with_transaction()
    def test_stockouts(self):
        """Moves that emptied a location or took it under its safety stock,
        and waiting requisitions the warehouse cannot serve"""
        pool = Pool()
        StockOut = pool.get('yuexing.material.stockout')
        OrderPoint = pool.get('stock.order_point')
        Date = pool.get('ir.date')
        with material_world() as (company, resident, technician, membrane):
            warehouse, _, _ = locations()
            today = Date.today()
            short = create_material(
                '非固化橡胶沥青涂料', 'product.uom_kilogram', '30')
            receive(short, 3, '30', date=today - dt.timedelta(days=10))
            Template = pool.get('product.template')
            Template.write([membrane.template], {'purchasable': True,
                    'purchase_uom': membrane.default_uom.id})
            OrderPoint.create([{
                        'product': membrane.id, 'type': 'purchase',
                        'location': ref('stock.location_warehouse'),
                        'min_quantity': 18, 'target_quantity': 30,
                        'company': company.id}])
            # the van takes the last 3 kg and 4 of the 20 rolls
            book(requisition(technician, [(short, 3), (membrane, 4)]))
            # 2 kg more asked for: waiting, the warehouse has none
            waiting = requisition(technician, [(short, 2)])
            Pool().get('yuexing.material.requisition').submit([waiting])

            with Transaction().set_context(
                    from_date=today - dt.timedelta(days=30), to_date=today):
                rows = rows_by(StockOut.search([]), 'location', 'product')
                out = rows[warehouse, short]
                self.assertEqual(out.quantity, 0)
                self.assertEqual(out.stockouts, 1)
                self.assertEqual(out.last_stockout, today)
                self.assertEqual(out.waiting, 2)
                self.assertEqual(out.unserved_lines, 1)
                self.assertEqual(out.shortage, 2)
                under = rows[warehouse, membrane]
                self.assertEqual(under.minimum, 18)
                self.assertEqual(under.stockouts, 0)
                self.assertEqual(under.below_minimum, 1)
                self.assertEqual(under.unserved_lines, 0)
                van = rows[technician.van_location, short]
                self.assertEqual((van.quantity, van.stockouts), (3, 0))
                sheet = xlsx_rows('yuexing.material.stockout.xlsx', [out])
            self.assertEqual(len(sheet), 2)
            self.assertIn('缺货次数', sheet[0])

            # a period after the stock-out: none in it
            with Transaction().set_context(
                    from_date=today + dt.timedelta(days=1),
                    to_date=today + dt.timedelta(days=5)):
                out, = [r for r in StockOut.search([])
                    if (r.location, r.product) == (warehouse, short)]
                self.assertEqual(out.stockouts, 0)

    @with_transaction()
    def test_waste_per_order_technician_and_leak_site(self):
        """Used against quoted per order and material, with the issues and
        returns, the rate and the cost of the difference; summed per
        technician and per leak site"""
        pool = Pool()
        Waste = pool.get('yuexing.material.waste')
        ByTechnician = pool.get('yuexing.material.waste.technician')
        BySite = pool.get('yuexing.material.waste.leak_site')
        Material = pool.get('yuexing.work_order.material')
        WorkOrder = pool.get('yuexing.work_order')
        Uom = pool.get('product.uom')
        Date = pool.get('ir.date')
        with material_world() as (company, resident, technician, membrane):
            today = Date.today()
            square = Uom(ref('product.uom_square_meter'))
            compound = create_material(
                '速凝堵漏王', 'product.uom_kilogram', '20')
            receive(compound, 50, '20')
            # 20 ㎡ = 2 rolls and 5 kg quoted
            order = quoted_order(resident, technician, [
                    (membrane, 20, square), (compound, 5, None)])
            book(requisition(technician, [(membrane, 3)], order=order))
            Material.create([{
                        'work_order': order.id, 'product': membrane.id,
                        'quantity': 25, 'unit': square.id,
                        'technician': technician.id}])
            book(requisition(technician, [(membrane, 0.5)], order=order,
                    kind='return'))
            book(requisition(technician, [(compound, 4)], order=order,
                    destination='order'))
            period = {'from_date': today - dt.timedelta(days=1),
                'to_date': today}
            with Transaction().set_context(period):
                self.assertEqual(Waste.search([]), [])
            WorkOrder.write([order], {
                    'state': 'done', 'completed_at': dt.datetime.now()})

            with Transaction().set_context(period):
                rows = rows_by(Waste.search([]), 'product')
                self.assertEqual(set(rows), {(membrane,), (compound,)})
                roll = rows[membrane,]
                self.assertEqual(roll.work_order, order)
                self.assertEqual(roll.technician, technician)
                self.assertEqual(roll.leak_site, 'roof')
                self.assertEqual(
                    (roll.quoted, roll.consumed, roll.issued, roll.returned,
                        roll.left_over, roll.difference),
                    (2, 2.5, 3, 0.5, 0, 0.5))
                self.assertAlmostEqual(roll.waste_rate, 0.25)
                self.assertEqual(roll.unit_cost, Decimal('115'))
                self.assertEqual(roll.quoted_cost, Decimal('230'))
                self.assertEqual(roll.consumed_cost, Decimal('287.5'))
                self.assertEqual(roll.difference_cost, Decimal('57.5'))
                kg = rows[compound,]
                self.assertEqual(
                    (kg.quoted, kg.consumed, kg.issued, kg.left_over,
                        kg.difference), (5, 4, 4, 0, -1))
                self.assertAlmostEqual(kg.waste_rate, -0.2)
                self.assertEqual(kg.difference_cost, Decimal('-20'))

                self.assertEqual(
                    Waste.search([('difference', '>', 0)]), [roll])
                person, = ByTechnician.search([])
                self.assertEqual(person.technician, technician)
                self.assertEqual(person.orders, 1)
                self.assertEqual(person.quoted_cost, Decimal('330'))
                self.assertEqual(person.consumed_cost, Decimal('367.5'))
                self.assertEqual(person.difference_cost, Decimal('37.5'))
                self.assertAlmostEqual(person.waste_rate, 37.5 / 330)
                site, = BySite.search([])
                self.assertEqual(site.leak_site, 'roof')
                self.assertEqual(site.difference_cost, Decimal('37.5'))

                sheet = xlsx_rows('yuexing.material.waste.xlsx',
                    Waste.search([]))
                self.assertEqual(len(sheet), 3)
                self.assertIn('屋面', [c for r in sheet for c in r])
                sheet = xlsx_rows(
                    'yuexing.material.waste.technician.xlsx', [person])
                self.assertEqual(sheet[1][0], technician.rec_name)
                sheet = xlsx_rows(
                    'yuexing.material.waste.leak_site.xlsx', [site])
                self.assertEqual(sheet[1][0], '屋面')

    @with_transaction()
    def test_reports_denied_to_technicians_and_customer_service(self):
        """仓管, 财务 and 管理层 read the reports; 师傅 and 客服 are refused,
        the xlsx export too"""
        pool = Pool()
        names = ['yuexing.material.stock_value', 'yuexing.material.ageing',
            'yuexing.material.stockout', 'yuexing.material.waste',
            'yuexing.material.waste.technician',
            'yuexing.material.waste.leak_site']
        with material_world() as (company, resident, technician, membrane):
            readers = [create_user(login, [role], company=company)
                for login, role in [('cangguan', 'group_warehouse'),
                    ('caiwu', 'group_finance'),
                    ('guanli', 'group_management')]]
            refused = [technician_user(technician), create_user(
                    'kefu', ['group_customer_service'], company=company)]
            for user in readers:
                with acting_as(user):
                    for name in names:
                        pool.get(name).search([])
                    rows = pool.get('yuexing.material.stock_value').search(
                        [])
                    self.assertTrue(rows)
                    xlsx_rows('yuexing.material.stock_value.xlsx', rows)
            ids = [r.id for r in pool.get(
                    'yuexing.material.stock_value').search([])]
            for user in refused:
                with acting_as(user):
                    for name in names:
                        Model = pool.get(name)
                        with self.assertRaises(AccessError):
                            Model.search([])
                        with self.assertRaises(AccessError):
                            Model.read(ids, ['id'])
                    with self.assertRaises(AccessError):
                        xlsx_rows('yuexing.material.stock_value.xlsx',
                            pool.get('yuexing.material.stock_value').browse(
                                ids))


def technician_user(technician):
    User = Pool().get('res.user')
    user, = User.search([('employee', '=', technician.id)])
    return user
