"""Demo: the catalogue coded by category and costed at moving average,
stock received in the central warehouse a year and three months back,
each live order's materials requisitioned from its quote and issued to
the technician's van before they are used on site; a stock-out (自粘卷材,
非固化涂料: all on vans), slow movers nobody used (积压), requisitions
waiting for approval and for the warehouse (one the warehouse cannot
serve), a return and a van count waiting for finance; every other order
uses a little more than quoted."""
import datetime as dt
import math
from decimal import Decimal

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .inventory import inventory_of_van
from .location import company_today

PREFIXES = {'membrane': 'JC', 'coating': 'TL', 'plugging': 'DL',
    'sealant': 'MF', 'auxiliary': 'FZ'}
# A receipt's size by the material's unit (the ones the catalogue uses).
RECEIPT = {'roll': 400, 'bucket': 200, 'bag': 300, 'tube': 500, 'kg': 2000,
    'm²': 3000, 'm': 1000, 'u': 5000}
# Bought once in small numbers and all taken by the vans: 缺货 now.
SHORT = {'JC-ZN-15': 6, 'TL-FGH': 40}


class RequisitionFirst:
    """The demo's Material model as the technicians use it: before they
    record what they used, they requisition it from the quote and the
    warehouse keeper issues it to their van."""

    def __init__(self, Material):
        self.Material = Material

    def __getattr__(self, name):
        return getattr(self.Material, name)

    def create(self, vlist):
        pool = Pool()
        Requisition = pool.get('yuexing.material.requisition')
        Product = pool.get('product.product')
        WorkOrder = pool.get('yuexing.work_order')
        by_order = {}
        for values in vlist:
            if Product(values['product']).type != 'goods':
                continue
            key = (values['work_order'], values['technician'])
            by_order.setdefault(key, []).append(values)
        for (order_id, technician_id), lines in by_order.items():
            order = WorkOrder(order_id)
            requisition, = Requisition.create([{
                        'kind': 'issue', 'destination': 'van',
                        'work_order': order_id, 'technician': technician_id,
                        'note': f"{order.number} 按报价领料",
                        # a little more than the quote: some is left on
                        # the van (returned later, or used on the next job)
                        'lines': [('create', [{
                                        'product': v['product'],
                                        'quantity': math.ceil(
                                            v['quantity'] * 1.2),
                                        } for v in lines])],
                        }])
            with Transaction().set_user(0):
                Requisition.submit([requisition])
                while Requisition(requisition.id).state == 'pending':
                    Requisition.approve([requisition])
                Requisition.book([requisition])
        # every other order uses a tenth more than quoted (材料浪费分析),
        # never more than was issued (ceil of a fifth more)
        vlist = [{**v, 'quantity': math.ceil(v['quantity'] * 1.1)}
            if v['work_order'] % 2 and Product(v['product']).type == 'goods'
            else v for v in vlist]
        return self.Material.create(vlist)


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        steps = super().steps()
        names = [n for n, _ in steps]
        at = (names.index('demo_work_orders') if 'demo_work_orders' in names
            else len(steps))
        return (steps[:at] + [('demo_material_stock', "物料与库存")]
            + steps[at:] + [('demo_material_flows', "领用、退料与盘点"),
                ('demo_purchasing', "采购与供应商"),
                ('demo_tools', "工具管理")])

    @classmethod
    def demo_work_orders(cls, ctx):
        # the warehouse and every van at once: each lock taken on the way
        # would start the whole step again
        cls.lock_stock()
        super().demo_work_orders(ctx)

    @classmethod
    def lock_stock(cls):
        Location = Pool().get('stock.location')
        Location.lock(Location.search([('type', '=', 'storage')]))

    @classmethod
    def _advance(cls, ctx, order, stage, now, products, WorkOrder, Quote,
            Visit, Step, Material, *args):
        return super()._advance(ctx, order, stage, now, products, WorkOrder,
            Quote, Visit, Step, RequisitionFirst(Material), *args)

    @classmethod
    def demo_material_stock(cls, ctx):
        "Codes by category, average cost, two receipts of every material."
        pool = Pool()
        Category = pool.get('product.category')
        Template = pool.get('product.template')
        Move = pool.get('stock.move')
        Configuration = pool.get('yuexing.configuration')
        ModelData = pool.get('ir.model.data')
        company = ctx.records['company']
        for code, prefix in PREFIXES.items():
            category = Category(ModelData.get_id(
                    'yuexing_base', f'product_category_{code}'))
            Category.write([category], {'code_prefix': prefix})
        products = [p for p in ctx.records['products'].values()
            if p.type == 'goods']
        Template.write(list({p.template for p in products}),
            {'cost_price_method': 'average'})
        warehouse, _, _ = Configuration.material_locations()
        supplier = ModelData.get_id('stock', 'location_supplier')
        today = company_today()
        moves = []
        with Transaction().set_context(company=company.id):
            for product in sorted(products, key=lambda p: p.code):
                quantity = SHORT.get(product.code) or RECEIPT.get(
                    product.default_uom.symbol, 500)
                receipts = [(365, Decimal('0.95'))]
                if product.code not in SHORT:
                    receipts.append((90, Decimal('1.05')))
                for days, factor in receipts:
                    moves.append(Move(
                            product=product, quantity=quantity,
                            unit=product.default_uom,
                            from_location=supplier, to_location=warehouse,
                            unit_price=(product.cost_price * factor
                                ).quantize(Decimal('0.01')),
                            currency=company.currency, company=company,
                            effective_date=today - dt.timedelta(days=days)))
            Move.save(moves)
            # receipts without purchase orders: the opening stock
            with Transaction().set_context(_skip_warnings=True):
                Move.do(moves)
        ctx.report("物料与库存", len(moves), len(moves))

    @classmethod
    def demo_material_flows(cls, ctx):
        """Screens with work waiting: the short materials taken by two
        vans, requisitions waiting for approval and for the warehouse, a
        return and a van count waiting for finance."""
        pool = Pool()
        Requisition = pool.get('yuexing.material.requisition')
        Employee = pool.get('company.employee')
        Inventory = pool.get('stock.inventory')
        Line = pool.get('stock.inventory.line')
        company = ctx.records['company']
        products = ctx.records['products']
        users = ctx.records.get('users', {})
        technicians = Employee.search([('is_technician', '=', True),
                ('van_location', '!=', None)], order=[('id', 'ASC')])
        if len(technicians) < 4:
            return
        cls.lock_stock()
        transaction = Transaction()

        def requisition(technician, lines, kind='issue', note=None):
            req, = Requisition.create([{
                        'kind': kind, 'technician': technician.id,
                        'note': note,
                        'lines': [('create', [{
                                        'product': products[c].id,
                                        'quantity': q} for c, q in lines])],
                        }])
            return req

        with transaction.set_context(company=company.id):
            # the whole stock of the short materials goes on two vans
            for technician, share in zip(technicians[:2], [0.5, 0.5],
                    strict=False):
                req = requisition(technician, [
                        (c, q * share) for c, q in SHORT.items()],
                    note="大型屋面项目备料")
                with transaction.set_user(0):
                    Requisition.submit([req])
                    while Requisition(req.id).state == 'pending':
                        Requisition.approve([req])
                    Requisition.book([req])
            # waiting for the warehouse keeper's approval, then for issue
            big = requisition(technicians[2], [('JC-SBS-4', 12),
                    ('TL-PU-1', 4)], note="园区屋面翻新备料")
            small = requisition(technicians[3], [('MF-GT', 10),
                    ('DL-DLW-5', 4)], note="补充车载常用料")
            # asked for again when the warehouse has none left (缺货分析)
            again = requisition(technicians[3], [('JC-ZN-15', 1)],
                note="补领自粘卷材")
            requester = users.get('diaodu')
            with transaction.set_user(requester.id if requester else 0):
                Requisition.submit([big, small, again])
            # a return of what a finished order left on a van
            Location = pool.get('stock.location')
            vans = [t.van_location for t in technicians[4:]]
            held = sorted(Location.stock(vans).items())
            if held:
                (van_id, product_id), quantity = held[0]
                technician = Location(van_id).van_of[0]
                product = pool.get('product.product')(product_id)
                back = requisition(technician, [], kind='return',
                    note="工单完工剩余材料退库")
                pool.get('yuexing.material.requisition.line').create([{
                            'requisition': back.id, 'product': product.id,
                            'quantity': min(1, quantity)}])
                Requisition.submit([Requisition(back.id)])
            # a van counted with a difference, waiting for finance
            counted = technicians[0]
            inventory = inventory_of_van(counted)
            if inventory.lines:
                line = inventory.lines[0]
                Line.write([line], {
                        'quantity': max(line.expected_quantity - 1, 0),
                        'reason': 'damaged'})
                for other in inventory.lines[1:]:
                    Line.write([other],
                        {'quantity': other.expected_quantity})
                Inventory.submit_difference([Inventory(inventory.id)])
        ctx.report("领用、退料与盘点", 1, 1)

    @classmethod
    def demo_purchasing(cls, ctx):
        """Suppliers with their materials, safety stock, last month's
        purchases received with an inspection (a refused part with its
        photo), a delivery waiting for inspection, a return to a supplier,
        a batch expiring soon, the suppliers evaluated, and the
        replenishment run with its message to the warehouse."""
        pool = Pool()
        Party = pool.get('party.party')
        ProductSupplier = pool.get('purchase.product_supplier')
        OrderPoint = pool.get('stock.order_point')
        Purchase = pool.get('purchase.purchase')
        ShipmentIn = pool.get('stock.shipment.in')
        Return = pool.get('stock.shipment.in.return')
        Move = pool.get('stock.move')
        Lot = pool.get('stock.lot')
        Attachment = pool.get('ir.attachment')
        Record = pool.get('yuexing.material.supplier.record')
        Evaluation = pool.get('yuexing.material.supplier.evaluation')
        Request = pool.get('purchase.request')
        Template = pool.get('product.template')
        ModelData = pool.get('ir.model.data')
        company = ctx.records['company']
        products = ctx.records['products']
        goods = sorted((p for p in products.values() if p.type == 'goods'),
            key=lambda p: p.code)
        if not goods:
            return
        cls.lock_stock()
        warehouse = pool.get('stock.location')(
            ModelData.get_id('stock', 'location_warehouse'))
        today = company_today()
        day = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=10)
        with Transaction().set_context(company=company.id):
            suppliers = dict(zip(SUPPLIERS, Party.create([{
                                'name': name, 'supplier_category': category,
                                'addresses': [('create', [{
                                                'street': street}])],
                                } for name, category, street, _ in
                            SUPPLIERS.values()]), strict=True))
            by_category = {c: suppliers[key]
                for key, (_, _, _, categories) in SUPPLIERS.items()
                for c in categories}
            by_unit = {}
            for product in goods:
                by_unit.setdefault(product.default_uom, set()).add(
                    product.template)
            for unit, templates in by_unit.items():
                Template.write(list(templates),
                    {'purchasable': True, 'purchase_uom': unit.id})
            ProductSupplier.create([{
                        'template': p.template.id, 'product': p.id,
                        'party': by_category[p.code[:2]].id,
                        'lead_time': dt.timedelta(days=3),
                        } for p in goods if p.code[:2] in by_category])
            OrderPoint.create([{
                        'product': p.id, 'type': 'purchase',
                        'location': warehouse.id,
                        'min_quantity': RECEIPT.get(
                            p.default_uom.symbol, 500) * 0.1,
                        'target_quantity': RECEIPT.get(
                            p.default_uom.symbol, 500) * 0.4,
                        } for p in goods])

            def purchase(supplier, lines):
                order, = Purchase.create([{
                            'party': supplier.id,
                            'invoice_address': supplier.addresses[0].id,
                            'warehouse': warehouse.id,
                            'invoice_method': 'manual',
                            'purchase_date': day - dt.timedelta(days=5),
                            'lines': [('create', [{
                                            'product': products[c].id,
                                            'quantity': q,
                                            'unit': products[c].default_uom.id,
                                            'unit_price': products[
                                                c].cost_price,
                                            'delivery_date': day,
                                            } for c, q in lines])],
                            }])
                Purchase.quote([order])
                Purchase.confirm([order])
                Purchase.process([order])
                return Purchase(order.id)

            def shipment(order, lots=None, rejected=None):
                moves = [m for line in order.lines for m in line.moves]
                for move in moves:
                    code = move.product.code
                    if lots and code in lots:
                        move.lot, = Lot.create([{'number': lots[code][0],
                                    'product': move.product.id,
                                    'expiration_date': lots[code][1]}])
                    if rejected and code in rejected:
                        move.rejected_quantity = rejected[code]
                        move.reject_reason = 'quality'
                Move.save(moves)
                received, = ShipmentIn.create([{
                            'supplier': order.party.id,
                            'warehouse': warehouse.id,
                            'warehouse_input': warehouse.input_location.id,
                            'warehouse_storage':
                            warehouse.storage_location.id,
                            'planned_date': day,
                            'reference': f'送货单 {order.number}',
                            'incoming_moves': [
                                ('add', [m.id for m in moves])],
                            }])
                return received

            membrane = purchase(suppliers['membrane'], [('JC-SBS-4', 50),
                    ('JC-APP-3', 30)])
            coating = purchase(suppliers['coating'], [('TL-PU-1', 40),
                    ('TL-JS-2', 30)])
            pending = purchase(suppliers['auxiliary'], [('FZ-WFB', 200),
                    ('MF-GT', 100)])
            done = [shipment(membrane), shipment(coating,
                    lots={'TL-PU-1': ('TL-PU-1-2511',
                            today + dt.timedelta(days=20))},
                    rejected={'TL-JS-2': 3})]
            Attachment.create([{'name': '验收拒收照片.png',
                        'resource': str(done[1]), 'data': DEMO_PHOTO}])
            ShipmentIn.write(done[1:], {'inspection_note':
                    'JS涂料3桶结皮、桶身变形，拍照拒收，已通知供应商补货。'})
            # received on day: the moves carry the date before they are done
            Move.write([m for s in done for m in s.incoming_moves],
                {'effective_date': day})
            ShipmentIn.write(done, {'effective_date': day})
            ShipmentIn.receive(done)
            done = ShipmentIn.browse(done)
            Move.write([m for s in done for m in s.inventory_moves],
                {'effective_date': day})
            ShipmentIn.do(done)
            # what the queue does after commit: the refused coatings put
            # their purchase in delivery exception
            Purchase.process([membrane, coating])
            # the membrane supplier came on time, the coating one two days
            # after the promised date
            ShipmentIn.write(done[1:], {'planned_date':
                    day - dt.timedelta(days=2)})
            shipment(pending)
            # a return of coatings the site found spoiled
            returned = purchase(suppliers['coating'], [('TL-PU-1', -2)])
            Return.wait(list(returned.shipment_returns))

            Record.create([{'supplier': s.id, 'date': d, 'kind': k,
                        'description': text} for s, d, k, text in [
                        (suppliers['membrane'], day - dt.timedelta(days=40),
                            'contract', '签订2027年度卷材供货框架协议，'
                            '月结30天，到货48小时内。'),
                        (suppliers['coating'], day + dt.timedelta(days=1),
                            'quality', 'JS涂料一批结皮，拒收3桶，'
                            '供应商承诺一周内补货。'),
                        (suppliers['coating'], day + dt.timedelta(days=8),
                            'complaint', '聚氨酯涂料现场开桶变质，退货2桶。'),
                        (suppliers['auxiliary'], day - dt.timedelta(days=3),
                            'negotiation',
                            '无纺布单价由2.8元/㎡谈至2.6元/㎡。'),
                        ]])
            evaluations = Evaluation.evaluate_period(day.replace(day=1),
                today.replace(day=1) - dt.timedelta(days=1))
            Evaluation.confirm([e for e in evaluations
                    if e.score is not None])
            with Transaction().set_user(0):
                Request.generate_requests()
            Lot.warn_expiring()
        ctx.report("采购与供应商", len(suppliers), len(suppliers))

    @classmethod
    def demo_tools(cls, ctx):
        """The tool room: a dozen tools with their serial numbers, some lent
        to technicians (the demo 师傅 holds two, one of them overdue), one
        under repair, the history of a returned loan and a service."""
        pool = Pool()
        Tool = pool.get('yuexing.material.tool')
        Loan = pool.get('yuexing.material.tool.loan')
        Maintenance = pool.get('yuexing.material.tool.maintenance')
        Employee = pool.get('company.employee')
        company = ctx.records['company']
        technicians = Employee.search([('is_technician', '=', True)],
            order=[('id', 'ASC')], limit=4)
        if len(technicians) < 3:
            return
        today = company_today()
        rows = [
            ('热风焊枪', 'welding', '莱丹 TRIAC ST 1600W', 'LD-TS-2301187',
                '3200', 420),
            ('卷材焊接机', 'welding', '莱丹 VARIMAT V2', 'LD-VM-2209045',
                '38000', 800),
            ('红外热像仪', 'detection', 'FLIR E8-XT', 'FL-E8-63941027',
                '21500', 380),
            ('漏水检测仪', 'detection', '德国 Sewerin AQUAPHON A200',
                'SW-A200-118734', '16800', 650),
            ('湿度检测仪', 'detection', '德图 testo 606-2', 'TT-606-40221983',
                '1350', 300),
            ('高压灌浆机', 'grouting', '999型 高压灌浆机 1.2kW',
                'GJ999-2024-0386', '1680', 500),
            ('高压灌浆机', 'grouting', '999型 高压灌浆机 1.2kW',
                'GJ999-2024-0391', '1680', 500),
            ('电锤', 'power', '博世 GBH 2-26', 'BOSCH-GBH-7731520', '980',
                700),
            ('角磨机', 'power', '博世 GWS 700', 'BOSCH-GWS-5520913', '420',
                600),
            ('角磨机', 'power', '牧田 9553B', 'MKT-9553-881274', '460', 200),
            ('铝合金人字梯', 'access', '3.2米 加厚人字梯', 'TZ-32-2023-017',
                '650', 900),
            ('伸缩梯', 'access', '6米 单面伸缩梯', 'TZ-60-2022-004', '1200',
                1000),
            ]
        with Transaction().set_context(company=company.id):
            tools = Tool.create([{
                        'name': name, 'kind': kind, 'specification': spec,
                        'serial_number': serial, 'value': Decimal(value),
                        'purchase_date': today - dt.timedelta(days=days),
                        'location_note': '工具间 A 架' if kind in {
                            'welding', 'detection'} else '工具间 B 架',
                        'company': company.id,
                        } for name, kind, spec, serial, value, days in rows])
            # (tool, technician, lent days ago, returned): the demo 师傅
            # (first technician) holds the heat gun and an overdue meter
            loans = [(0, 0, 2, False), (4, 0, 12, False), (2, 1, 1, False),
                (5, 2, 3, False), (7, 1, 20, True)]
            made = Loan.create([{
                        'tool': tools[t].id,
                        'technician': technicians[e].id,
                        'company': company.id,
                        'note': '屋面渗漏排查' if t in {2, 4} else '施工用',
                        } for t, e, _, _ in loans])
            Loan.lend(made)
            days = Loan.loan_days()
            now = dt.datetime.now()
            to_write = []
            for loan, (_, _, ago, _) in zip(made, loans, strict=True):
                to_write.extend(([loan], {
                            'lent_at': now - dt.timedelta(days=ago),
                            'due_date': today - dt.timedelta(days=ago)
                            + dt.timedelta(days=days),
                            }))
            Loan.write(*to_write)
            returned = [l for l, row in zip(made, loans, strict=True)
                if row[3]]
            Loan.write(returned, {'return_condition': 'good',
                    'return_note': '已清理钻头'})
            Loan.return_tool(returned)
            # the leak detector's probe is being repaired; the welding
            # machine had its yearly service
            repair, service = Maintenance.create([{
                        'tool': tools[3].id, 'kind': 'repair',
                        'date': today - dt.timedelta(days=2),
                        'description': '听漏探头接触不良，返厂检修',
                        'cost': Decimal('580'),
                        'done_by': 'Sewerin 上海服务站',
                        }, {
                        'tool': tools[1].id, 'kind': 'service',
                        'date': today - dt.timedelta(days=40),
                        'description': '年度保养：更换加热芯、校准温控',
                        'cost': Decimal('1200'), 'done_by': '莱丹华东服务中心',
                        }])
            Maintenance.start([repair, service])
            Maintenance.finish([service])
        ctx.report("工具管理", len(tools), len(tools))


# key: (name, category, street, material code prefixes supplied)
SUPPLIERS = {
    'membrane': ("上海东雨防水材料有限公司", 'main',
        "上海市嘉定区安亭镇墨玉南路1018号", ['JC']),
    'coating': ("苏州科润建材贸易有限公司", 'main',
        "江苏省苏州市吴中区越溪街道吴中大道2588号", ['TL', 'DL']),
    'auxiliary': ("上海恒固建筑辅材商行", 'auxiliary',
        "上海市闵行区七宝镇漕宝路3366号", ['FZ', 'MF']),
    'tools': ("杭州匠工工具设备有限公司", 'tools',
        "浙江省杭州市余杭区仓前街道文一西路1500号", []),
    }
# a 1×1 PNG: the demo's photo of the refused goods
DEMO_PHOTO = bytes.fromhex(
    '89504e470d0a1a0a0000000d4948445200000001000000010806000000'
    '1f15c4890000000d49444154789c6360f8cfc0f01f0005000201'
    'a5f3b1d90000000049454e44ae426082')
