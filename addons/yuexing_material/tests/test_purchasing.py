"""Purchasing, suppliers and alerts: the receipt inspection with rejected
quantities, purchase returns, the supplier evaluation, the replenishment
message and the expiring batches, as the warehouse keeper meets them."""
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_user,
    rolled_back_on_error,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import create_material, locations, material_world, ref, stock_of


def create_supplier(name, category='main'):
    Party = Pool().get('party.party')
    supplier, = Party.create([{'name': name, 'supplier_category': category,
                'addresses': [('create', [{'street': '嘉定区墨玉南路1号'}])],
                }])
    return supplier


def purchase_of(supplier, lines, delivery=None):
    "A confirmed, processed purchase (invoiced by hand: no accounts here)."
    pool = Pool()
    Purchase = pool.get('purchase.purchase')
    Template = pool.get('product.template')
    for product, _, _ in lines:
        Template.write([product.template], {'purchasable': True,
                'purchase_uom': product.default_uom.id})
    warehouse = Pool().get('stock.location')(ref('stock.location_warehouse'))
    purchase, = Purchase.create([{
                'party': supplier.id,
                'invoice_address': supplier.addresses[0].id
                if supplier.addresses else None,
                'warehouse': warehouse.id,
                'invoice_method': 'manual',
                'lines': [('create', [{
                                'product': p.id, 'quantity': q,
                                'unit': p.default_uom.id,
                                'unit_price': Decimal(price),
                                'delivery_date': delivery,
                                } for p, q, price in lines])],
                }])
    Purchase.quote([purchase])
    Purchase.confirm([purchase])
    Purchase.process([purchase])
    return Purchase(purchase.id)


def shipment_of(supplier, moves, planned=None):
    ShipmentIn = Pool().get('stock.shipment.in')
    warehouse = Pool().get('stock.location')(ref('stock.location_warehouse'))
    shipment, = ShipmentIn.create([{
                'supplier': supplier.id,
                'warehouse': warehouse.id,
                # what the client's on_change_warehouse fills in
                'warehouse_input': warehouse.input_location.id,
                'warehouse_storage': warehouse.storage_location.id,
                'planned_date': planned,
                'incoming_moves': [('add', [m.id for m in moves])],
                }])
    return shipment


def photo(record):
    Attachment = Pool().get('ir.attachment')
    Attachment.create([{'name': '破损照片.jpg', 'resource': str(record),
                'data': b'\xff\xd8\xff\xe0 photo'}])


def deliver(supplier, product, quantity, price, day, planned, rejected=0):
    """A purchase delivered, inspected on day and done; rejected units
    refused at the inspection (with a photo)."""
    pool = Pool()
    Move = pool.get('stock.move')
    ShipmentIn = pool.get('stock.shipment.in')
    purchase = purchase_of(supplier, [(product, quantity, price)],
        delivery=planned)
    moves = [m for line in purchase.lines for m in line.moves]
    if rejected:
        Move.write(moves, {'rejected_quantity': rejected,
                'reject_reason': 'quality'})
    Move.write(moves, {'effective_date': day})
    shipment = shipment_of(supplier, moves, planned=planned)
    ShipmentIn.write([shipment], {'effective_date': day})
    if rejected:
        photo(shipment)
    ShipmentIn.receive([shipment])
    ShipmentIn.do([ShipmentIn(shipment.id)])
    return ShipmentIn(shipment.id)


def take_out(product, quantity):
    "Quantity of product leaves the warehouse for an order (done)."
    pool = Pool()
    Move = pool.get('stock.move')
    company, = pool.get('company.company').search([], limit=1)
    warehouse, _, consumption = locations()
    move, = Move.create([{
                'product': product.id, 'quantity': quantity,
                'unit': product.default_uom.id,
                'from_location': warehouse.id,
                'to_location': consumption.id,
                'unit_price': Decimal('100'),
                'currency': company.currency.id, 'company': company.id}])
    Move.do([move])


class PurchasingTestCase(FunctionalTestCase):
    "Purchasing: inspection, returns, supplier evaluation, alerts"
    module = 'yuexing_material'

    @with_transaction()
    def test_inspection_rejects_part_of_a_delivery(self):
        "到货验收: only the accepted quantity enters the stock"
        pool = Pool()
        ShipmentIn = pool.get('stock.shipment.in')
        Move = pool.get('stock.move')
        with material_world() as (company, _, _, membrane):
            warehouse, _, _ = locations()
            before = stock_of(warehouse, membrane)
            supplier = create_supplier('东方雨虹建材经销部')
            purchase = purchase_of(supplier, [(membrane, 20, '98')])
            moves = [m for l in purchase.lines for m in l.moves]
            self.assertEqual([m.quantity for m in moves], [20])
            shipment = shipment_of(supplier, moves)
            move, = shipment.incoming_moves

            # more rejected than delivered: refused, nothing received
            Move.write([move], {'rejected_quantity': 25,
                    'reject_reason': 'damaged'})
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                ShipmentIn.receive([shipment])
            self.assertIn('SBS改性沥青防水卷材', cm.exception.message)
            self.assertIn('25', cm.exception.message)
            self.assertEqual(ShipmentIn(shipment.id).state, 'draft')

            # a rejection without a photo: refused
            Move.write([move], {'rejected_quantity': 2})
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                ShipmentIn.receive([shipment])
            self.assertIn('照片', cm.exception.message)

            photo(shipment)
            ShipmentIn.receive([shipment])
            shipment = ShipmentIn(shipment.id)
            self.assertEqual(
                [m.quantity for m in shipment.inventory_moves], [18])
            ShipmentIn.do([shipment])
            shipment = ShipmentIn(shipment.id)
            self.assertEqual(shipment.state, 'done')
            self.assertEqual(stock_of(warehouse, membrane), before + 18)
            refused, = shipment.rejected_moves
            self.assertEqual((refused.quantity, refused.state,
                    refused.reject_reason), (2, 'cancelled', 'damaged'))
            self.assertEqual(shipment.photo_count, 1)
            # the purchase knows 2 rolls never came: a delivery exception
            Purchase = pool.get('purchase.purchase')
            Purchase.process([Purchase(purchase.id)])  # queued after commit
            self.assertEqual(
                Purchase(purchase.id).shipment_state, 'exception')

    @with_transaction()
    def test_purchase_return(self):
        "采购退货: a return purchase takes the goods back to the supplier"
        pool = Pool()
        ShipmentIn = pool.get('stock.shipment.in')
        Return = pool.get('stock.shipment.in.return')
        with material_world() as (company, _, _, membrane):
            warehouse, _, _ = locations()
            supplier = create_supplier('科顺防水材料供应商')
            purchase = purchase_of(supplier, [(membrane, 10, '98')])
            moves = [m for l in purchase.lines for m in l.moves]
            shipment = shipment_of(supplier, moves)
            ShipmentIn.receive([shipment])
            ShipmentIn.do([ShipmentIn(shipment.id)])
            before = stock_of(warehouse, membrane)

            returned = purchase_of(supplier, [(membrane, -3, '98')])
            shipment, = returned.shipment_returns
            Return.wait([shipment])
            Return.assign_try([Return(shipment.id)])
            self.assertEqual(Return(shipment.id).state, 'assigned')
            Return.do([Return(shipment.id)])
            self.assertEqual(Return(shipment.id).state, 'done')
            self.assertEqual(stock_of(warehouse, membrane), before - 3)

    @with_transaction()
    def test_supplier_evaluation(self):
        "供应商评估: on time, pass rate and price give the score and grade"
        pool = Pool()
        Evaluation = pool.get('yuexing.material.supplier.evaluation')
        with material_world() as (company, _, _, membrane):
            good = create_supplier('上海优材建材')
            late = create_supplier('杭州慢达贸易')
            day = dt.date(2026, 11, 10)
            deliver(good, membrane, 10, '100', day, planned=day)
            deliver(late, membrane, 10, '120', day,
                planned=day - dt.timedelta(days=3), rejected=2)
            evaluations = Evaluation.evaluate_period(
                dt.date(2026, 11, 1), dt.date(2026, 11, 30))
            figures = {e.supplier.name: (e.deliveries, e.on_time_rate,
                    e.pass_rate, e.price_index, e.score, e.grade)
                for e in evaluations}
            # all suppliers' average: (1000 + 8 × 120) / 18 = 108.89
            self.assertEqual(figures['上海优材建材'], (
                    1, Decimal('100.0'), Decimal('100.0'), Decimal('0.92'),
                    Decimal('100.0'), 'A'))
            self.assertEqual(figures['杭州慢达贸易'], (
                    1, Decimal('0.0'), Decimal('80.0'), Decimal('1.10'),
                    Decimal('50.0'), 'D'))
            # evaluated once per period
            self.assertEqual(Evaluation.evaluate_period(
                    dt.date(2026, 11, 1), dt.date(2026, 11, 30)), [])
            Evaluation.confirm(evaluations)
            self.assertEqual(good.supplier_grade, 'A')
            self.assertEqual(late.supplier_score, Decimal('50.0'))

    @with_transaction()
    def test_replenishment_message(self):
        "库存预警: below safety stock, a purchase request and one message"
        pool = Pool()
        OrderPoint = pool.get('stock.order_point')
        Request = pool.get('purchase.request')
        Message = pool.get('yuexing.message')
        with material_world() as (company, _, technician, membrane):
            keeper = create_user('cangguan', ['group_warehouse'], company)
            warehouse, _, consumption = locations()
            membrane.template.purchasable = True
            membrane.template.purchase_uom = membrane.default_uom
            membrane.template.save()
            OrderPoint.create([{
                        'product': membrane.id, 'type': 'purchase',
                        'location': ref('stock.location_warehouse'),
                        'min_quantity': 5, 'target_quantity': 30,
                        }])
            take_out(membrane, 17)
            Request.generate_requests()
            request, = Request.search([('product', '=', membrane.id)])
            self.assertEqual(request.quantity, 27)
            message, = Message.search([('event', '=', 'replenish_needed'),
                    ('user', '=', keeper.id)])
            self.assertIn('SBS改性沥青防水卷材', message.body)
            self.assertIn('27', message.body)
            # the next run asks for nothing new: no second message
            Request.generate_requests()
            self.assertEqual(Message.search_count([
                        ('event', '=', 'replenish_needed')]), 1)

    @with_transaction()
    def test_expiring_batches_first_in_first_out(self):
        "临期批次: the stock left belongs to the latest receipts"
        pool = Pool()
        Lot = pool.get('stock.lot')
        Move = pool.get('stock.move')
        Message = pool.get('yuexing.message')
        Date = pool.get('ir.date')
        with material_world() as (company, _, _, _):
            keeper = create_user('cangguan', ['group_warehouse'], company)
            warehouse, _, consumption = locations()
            coating = create_material(
                '聚氨酯防水涂料', 'yuexing_base.uom_bucket', '200')
            today = Date.today()
            old, new = Lot.create([
                    {'number': 'PU-2501', 'product': coating.id,
                        'expiration_date': today + dt.timedelta(days=10)},
                    {'number': 'PU-2511', 'product': coating.id,
                        'expiration_date': today + dt.timedelta(days=200)},
                    ])
            for lot, days in [(old, 60), (new, 5)]:
                move, = Move.create([{
                            'product': coating.id, 'quantity': 10,
                            'unit': coating.default_uom.id, 'lot': lot.id,
                            'from_location': ref('stock.location_supplier'),
                            'to_location': warehouse.id,
                            'unit_price': Decimal('200'),
                            'currency': company.currency.id,
                            'company': company.id,
                            'effective_date': today - dt.timedelta(days=days),
                            }])
                with Transaction().set_context(_skip_warnings=True):
                    Move.do([move])
            take_out(coating, 5)
            # 15 left: 10 of the new batch, 5 of the old one (10 days)
            self.assertEqual(Lot.expiring_in_stock(days=30), [(old, 5)])
            self.assertEqual(Lot.expiring_in_stock(days=5), [])
            Lot.warn_expiring()
            message, = Message.search([('event', '=', 'batch_expiring'),
                    ('user', '=', keeper.id)])
            self.assertIn('PU-2501', message.body)
            self.assertNotIn('PU-2511', message.body)

            # 8 used more: all 7 left are the new batch's, nothing to warn
            take_out(coating, 8)
            self.assertEqual(Lot.expiring_in_stock(days=30), [])

    @with_transaction()
    def test_forecast_sets_safety_stock(self):
        "需求预测: the order point from the demand of the last 90 days"
        pool = Pool()
        OrderPoint = pool.get('stock.order_point')
        ProductSupplier = pool.get('purchase.product_supplier')
        Template = pool.get('product.template')
        with material_world() as (company, _, _, membrane):
            warehouse, _, consumption = locations()
            supplier = create_supplier('上海东雨防水材料')
            ProductSupplier.create([{'template': membrane.template.id,
                        'party': supplier.id,
                        'lead_time': dt.timedelta(days=5)}])
            cloth = create_material(
                '聚酯无纺布', 'product.uom_square_meter', '3')
            for material in [membrane, cloth]:
                Template.write([material.template], {'purchasable': True,
                        'purchase_uom': material.default_uom.id})
            point, idle = OrderPoint.create([{
                        'product': p.id, 'type': 'purchase',
                        'location': ref('stock.location_warehouse'),
                        'min_quantity': 1, 'target_quantity': 2,
                        } for p in [membrane, cloth]])
            take_out(membrane, 18)
            OrderPoint.forecast([point, idle])
            # 18 / 90 = 0.2 a day; (5 lead + 7 safety) × 0.2 = 2.4 → 3;
            # + 30 days × 0.2 = 6
            point, idle = OrderPoint.browse([point, idle])
            self.assertEqual((point.daily_demand, point.min_quantity,
                    point.target_quantity), (0.2, 3, 9))
            self.assertEqual((idle.daily_demand, idle.min_quantity,
                    idle.target_quantity), (0, 1, 2))

    @with_transaction()
    def test_roles_on_purchasing(self):
        "Only the warehouse writes suppliers and purchases; others are denied"
        pool = Pool()
        Party = pool.get('party.party')
        Purchase = pool.get('purchase.purchase')
        Evaluation = pool.get('yuexing.material.supplier.evaluation')
        with material_world() as (company, resident, _, _):
            supplier = create_supplier('北新建材')
            keeper = create_user('cangguan', ['group_warehouse'], company)
            service = create_user('kefu', ['group_customer_service'], company)
            finance = create_user('caiwu', ['group_finance'], company)
            with acting_as(keeper):
                Party.write([Party(supplier.id)], {'name': '北新建材（上海）'})
                made, = Party.create([{'name': '新供应商',
                            'supplier_category': 'auxiliary'}])
                with self.assertRaises(AccessError), rolled_back_on_error():
                    Party.write([Party(resident.id)], {'name': '改名'})
                with self.assertRaises(AccessError), rolled_back_on_error():
                    Party.create([{'name': '不是供应商'}])
                Purchase.search([])
            with acting_as(finance):
                Purchase.search([])
                Evaluation.search([])
            with acting_as(service):
                for Model in [Purchase, Evaluation]:
                    with self.assertRaises(AccessError), \
                            rolled_back_on_error():
                        Model.search([])
            self.assertEqual(Party(supplier.id).name, '北新建材（上海）')
