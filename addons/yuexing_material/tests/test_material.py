"""Materials: codes and units, vans, requisitions with approval, on-site
consumption as stock moves at average cost, returns and stocktaking, as
the roles meet them."""
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_user,
    rolled_back_on_error,
)
from trytond.modules.yuexing_workorder.tests.tools import (
    create_order,
    create_technician,
    quote_and_confirm,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import (
    create_material,
    locations,
    material_world,
    receive,
    ref,
    stock_of,
)


def accepted_order(customer, technician):
    "An order assigned to and accepted by the technician."
    WorkOrder = Pool().get('yuexing.work_order')
    order = create_order(customer, leak_site='roof')
    WorkOrder.submit([order])
    WorkOrder.write([order], {
            'state': 'accepted', 'technician': technician.id})
    return WorkOrder(order.id)


def requisition(order, technician, lines, kind='issue', destination='van'):
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


class MaterialTestCase(FunctionalTestCase):
    "Materials and stock: master, vans, requisitions, consumption, stocktaking"
    module = 'yuexing_material'

    @with_transaction()
    def test_material_code_from_category(self):
        "A material gets its category's next code; codes are never reused"
        pool = Pool()
        Category = pool.get('product.category')
        Template = pool.get('product.template')
        with material_world():
            category, = Category.create([
                    {'name': '卷材', 'code_prefix': 'JC'}])
            first = create_material('APP卷材', 'yuexing_base.uom_roll', '90',
                category=category)
            second = create_material('自粘卷材', 'yuexing_base.uom_roll', '80',
                category=category)
            self.assertEqual(
                [first.code, second.code], ['JC-0001', 'JC-0002'])
            Template.write([second.template], {'active': False})
            third = create_material(
                '高分子卷材', 'yuexing_base.uom_roll', '85',
                category=category)
            self.assertEqual(third.code, 'JC-0003')

            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Template.write([third.template], {'code': 'JC-0002'})
            self.assertIn('JC-0002', cm.exception.message)
            self.assertIn('已', cm.exception.message)

            with self.assertRaises(UserError) as cm:
                Category.create([{'name': '坏前缀', 'code_prefix': 'J C/'}])
            self.assertIn('J C/', cm.exception.message)

    @with_transaction()
    def test_units_conversion(self):
        "A roll counts in ㎡ through its conversion; a foreign unit is refused"
        with material_world() as (_, _, _, membrane):
            template = membrane.template
            square = Pool().get('product.uom')(ref('product.uom_square_meter'))
            kilo = Pool().get('product.uom')(ref('product.uom_kilogram'))
            self.assertAlmostEqual(
                template.quantity_in_default_unit(25, square), 2.5)
            with self.assertRaises(UserError) as cm:
                template.quantity_in_default_unit(5, kilo)
            self.assertIn('SBS改性沥青防水卷材', cm.exception.message)
            self.assertIn(kilo.rec_name, cm.exception.message)

    @with_transaction()
    def test_van_made_with_technician(self):
        "A technician gets a van location under the van zone"
        with material_world() as (_, _, technician, _):
            _, vans, _ = locations()
            van = technician.van_location
            self.assertTrue(van)
            self.assertEqual(van.parent, vans)
            self.assertEqual(van.type, 'storage')
            self.assertIn('李师傅', van.name)
            self.assertEqual(list(van.van_of), [technician])

    @with_transaction()
    def test_issue_to_van_and_consume(self):
        """Issued to the van, used on site at the average cost: the van
        holds what is left and the order's cost line carries the value"""
        pool = Pool()
        Requisition = pool.get('yuexing.material.requisition')
        Material = pool.get('yuexing.work_order.material')
        CostLine = pool.get('yuexing.work_order.cost')
        with material_world() as (_, resident, technician, membrane):
            warehouse, _, consumption = locations()
            van = technician.van_location
            self.assertEqual(membrane.cost_price, Decimal('115'))

            order = accepted_order(resident, technician)
            req = requisition(order, technician, [(membrane, 4)])
            self.assertEqual(req.amount, Decimal('460.00'))
            Requisition.submit([req])
            # under 1,000 元: no approval, straight to the warehouse keeper
            self.assertEqual(req.state, 'approved')
            Requisition.book([req])
            self.assertEqual(req.state, 'done')
            self.assertEqual(stock_of(warehouse, membrane), 16)
            self.assertEqual(stock_of(van, membrane), 4)

            square = pool.get('product.uom')(ref('product.uom_square_meter'))
            line, = Material.create([{
                        'work_order': order.id, 'product': membrane.id,
                        'quantity': 25, 'unit': square.id,
                        'technician': technician.id}])
            self.assertEqual(line.move.state, 'done')
            self.assertEqual(line.move.from_location, van)
            self.assertEqual(line.move.to_location, consumption)
            self.assertEqual(line.move.quantity, 2.5)
            self.assertEqual(line.move.cost_price, Decimal('115'))
            # 2.5 rolls at 115 = 287.50 for 25 ㎡
            self.assertEqual(line.cost, Decimal('287.50'))
            self.assertEqual(stock_of(van, membrane), 1.5)

            CostLine.compute_for([order])
            material_cost = sum(l.amount for l in CostLine.search([
                        ('work_order', '=', order.id),
                        ('kind', '=', 'material')]))
            self.assertEqual(material_cost, Decimal('287.50'))

            # deleting the line puts it back in the van
            Material.delete([line])
            self.assertEqual(stock_of(van, membrane), 4)

    @with_transaction()
    def test_consumption_over_van_stock(self):
        """Using more than the van holds is refused and nothing is booked,
        unless negative van stock is allowed (the warehouse is told)"""
        pool = Pool()
        Material = pool.get('yuexing.work_order.material')
        Move = pool.get('stock.move')
        Configuration = pool.get('yuexing.configuration')
        Message = pool.get('yuexing.message')
        with material_world() as (_, resident, technician, membrane):
            create_user('cangguan', ['group_warehouse'])
            order = accepted_order(resident, technician)
            moves_before = Move.search_count([])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Material.create([{
                            'work_order': order.id, 'product': membrane.id,
                            'quantity': 1, 'technician': technician.id}])
            self.assertIn('SBS改性沥青防水卷材', cm.exception.message)
            self.assertIn(
                technician.van_location.rec_name, cm.exception.message)
            self.assertEqual(Material.search_count(
                    [('work_order', '=', order.id)]), 0)
            self.assertEqual(Move.search_count([]), moves_before)

            Configuration.write([Configuration(1)],
                {'allow_negative_van_stock': True})
            line, = Material.create([{
                        'work_order': order.id, 'product': membrane.id,
                        'quantity': 1, 'technician': technician.id}])
            self.assertEqual(stock_of(technician.van_location, membrane), -1)
            self.assertTrue(Message.search([('event', '=', 'van_negative')]))

    @with_transaction()
    def test_issue_more_than_warehouse(self):
        "An issue of more than the warehouse holds is refused, nothing moved"
        pool = Pool()
        Requisition = pool.get('yuexing.material.requisition')
        with material_world() as (_, resident, technician, membrane):
            warehouse, _, _ = locations()
            create_user('cangguan', ['group_warehouse'])
            order = accepted_order(resident, technician)
            req = requisition(order, technician, [(membrane, 25)],
                destination='order')
            Requisition.submit([req])
            while req.state == 'pending':
                with Transaction().set_user(0):
                    Requisition.approve([req])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Requisition.book([req])
            self.assertIn('20', cm.exception.message)
            self.assertEqual(Requisition(req.id).state, 'approved')
            self.assertEqual(stock_of(warehouse, membrane), 20)

    @with_transaction()
    def test_approval_over_amount(self):
        """Over 1,000 元 the warehouse keeper approves, over 10,000 元
        management too; the requester never approves their own"""
        pool = Pool()
        Requisition = pool.get('yuexing.material.requisition')
        with material_world() as (company, resident, technician, membrane):
            receive(membrane, 100, '115')
            keeper = create_user(
                'cangguan', ['group_warehouse'], company=company)
            manager = create_user('jingli', ['group_management'],
                company=company)
            dispatcher = create_user('diaodu', ['group_dispatcher',
                    'group_warehouse'], company=company)
            order = accepted_order(resident, technician)

            with acting_as(dispatcher):
                req = requisition(order, technician, [(membrane, 90)])
                Requisition.submit([req])
            req = Requisition(req.id)
            self.assertEqual(req.state, 'pending')
            self.assertEqual(req.amount, Decimal('10350.00'))
            with acting_as(dispatcher), self.assertRaises(UserError), \
                    rolled_back_on_error():
                # a warehouse keeper too, but the requester
                Requisition.approve([req])
            with acting_as(keeper):
                Requisition.approve([req])
            self.assertEqual(Requisition(req.id).state, 'pending')
            with acting_as(manager):
                Requisition.approve([req])
            self.assertEqual(Requisition(req.id).state, 'approved')
            planner = create_user('diaodu2', ['group_dispatcher'],
                company=company)
            with acting_as(planner), self.assertRaises(UserError), \
                    rolled_back_on_error():
                # only the warehouse keeper's role issues
                Requisition.book([Requisition(req.id)])
            with acting_as(keeper):
                Requisition.book([Requisition(req.id)])
            self.assertEqual(Requisition(req.id).state, 'done')

    @with_transaction()
    def test_fill_from_quote(self):
        "The quote's material lines pre-fill the requisition"
        pool = Pool()
        Requisition = pool.get('yuexing.material.requisition')
        with material_world() as (_, resident, technician, membrane):
            order = create_order(resident, leak_site='roof')
            quote_and_confirm(order, [(membrane, 3)])
            req = requisition(order, technician, [])
            Requisition.fill_from_quote([req])
            req = Requisition(req.id)
            self.assertEqual([(l.product, l.quantity) for l in req.lines],
                [(membrane, 3)])
            Requisition.fill_from_quote([req])
            self.assertEqual(len(Requisition(req.id).lines), 1)

    @with_transaction()
    def test_return(self):
        """A return brings back at most what was issued for the order less
        what it used; the warehouse gets it back"""
        pool = Pool()
        Requisition = pool.get('yuexing.material.requisition')
        Material = pool.get('yuexing.work_order.material')
        with material_world() as (_, resident, technician, membrane):
            warehouse, _, _ = locations()
            van = technician.van_location
            order = accepted_order(resident, technician)
            issue = requisition(order, technician, [(membrane, 5)])
            Requisition.submit([issue])
            Requisition.book([issue])
            Material.create([{'work_order': order.id, 'product': membrane.id,
                        'quantity': 2, 'technician': technician.id}])

            too_much = requisition(order, technician, [(membrane, 4)],
                kind='return')
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Requisition.submit([too_much])
            self.assertIn('3', cm.exception.message)
            self.assertEqual(Requisition(too_much.id).state, 'draft')

            back = requisition(
                order, technician, [(membrane, 3)], kind='return')
            Requisition.submit([back])
            self.assertEqual(back.state, 'approved')
            Requisition.book([back])
            self.assertEqual(stock_of(van, membrane), 0)
            self.assertEqual(stock_of(warehouse, membrane), 18)
            again = requisition(order, technician, [(membrane, 1)],
                kind='return')
            with self.assertRaises(UserError), rolled_back_on_error():
                Requisition.submit([again])

    @with_transaction()
    def test_stocktaking_with_reason_and_approval(self):
        """A difference needs a reason and finance's approval; confirming
        before, or twice, is a clear error"""
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        Line = pool.get('stock.inventory.line')
        with material_world() as (company, _, _, membrane):
            warehouse, _, _ = locations()
            finance = create_user('caiwu', ['group_finance'], company=company)
            keeper = create_user('cangguan', ['group_warehouse'],
                company=company)
            with acting_as(keeper):
                inventory, = Inventory.create([{
                            'location': warehouse.id,
                            'empty_quantity': 'keep'}])
                Inventory.complete_lines([inventory])
                line, = Inventory(inventory.id).lines
                self.assertEqual(line.expected_quantity, 20)
                Line.write([line], {'quantity': 18})
                with self.assertRaises(UserError) as cm, \
                        rolled_back_on_error():
                    Inventory.submit_difference([inventory])
                self.assertIn('原因', cm.exception.message)
                Line.write([line], {'reason': 'damaged'})
                # the client hides 确认 until approved; a script is told
                with self.assertRaises(UserError), rolled_back_on_error():
                    Inventory.confirm([inventory])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Inventory.confirm([inventory])
            self.assertIn('审批', cm.exception.message)
            with acting_as(keeper):
                Inventory.submit_difference([inventory])
            inventory = Inventory(inventory.id)
            self.assertEqual(inventory.approval_state, 'pending')
            with acting_as(keeper), self.assertRaises(UserError), \
                    rolled_back_on_error():
                # the keeper is not the approver
                Inventory.approve_difference([inventory])
            with acting_as(finance):
                Inventory.approve_difference([inventory])
            inventory = Inventory(inventory.id)
            self.assertEqual(inventory.approval_state, 'approved')
            with acting_as(keeper):
                Inventory.confirm([inventory])
            self.assertEqual(stock_of(warehouse, membrane), 18)
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Inventory.confirm([Inventory(inventory.id)])
            self.assertIn('已过账', cm.exception.message)
            self.assertEqual(stock_of(warehouse, membrane), 18)

    @with_transaction()
    def test_stocktaking_without_difference(self):
        "A count equal to the book needs no approval"
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        Line = pool.get('stock.inventory.line')
        with material_world():
            warehouse, _, _ = locations()
            inventory, = Inventory.create([{'location': warehouse.id}])
            Inventory.complete_lines([inventory])
            line, = Inventory(inventory.id).lines
            Line.write([line], {'quantity': 20})
            Inventory.submit_difference([inventory])
            self.assertEqual(
                Inventory(inventory.id).approval_state, 'approved')
            Inventory.confirm([Inventory(inventory.id)])
            self.assertEqual(Inventory(inventory.id).state, 'done')

    @with_transaction()
    def test_other_technician_van(self):
        "Each technician has their own van; stock of one is not the other's"
        pool = Pool()
        Requisition = pool.get('yuexing.material.requisition')
        with material_world() as (company, resident, technician, membrane):
            other = create_technician(company, '王师傅', user_login='wang')
            self.assertNotEqual(other.van_location, technician.van_location)
            order = accepted_order(resident, technician)
            req = requisition(order, technician, [(membrane, 2)])
            Requisition.submit([req])
            Requisition.book([req])
            self.assertEqual(stock_of(other.van_location, membrane), 0)
            self.assertEqual(stock_of(technician.van_location, membrane), 2)

