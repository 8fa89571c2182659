"""领用申请 and 退料: a technician (API) or a dispatcher asks for materials
for a work order, to their van or straight to the order; the quote's
material lines pre-fill it; the approval flow (流程配置) decides over an
amount; the warehouse keeper issues it, which books the stock moves.
A return brings materials back from the van to the warehouse."""
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.yuexing_approval.mixin import ApprovalMixin
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .exceptions import MaterialError
from .location import company_today

CENT = Decimal('0.01')
KINDS = [
    ('issue', "Issue"),
    ('return', "Return"),
    ]
DESTINATIONS = [
    ('van', "To the Van"),
    ('order', "Straight to the Order"),
    ]
STATES = [
    ('draft', "Draft"),
    ('pending', "Waiting Approval"),
    ('approved', "Waiting Issue"),
    ('done', "Done"),
    ('rejected', "Rejected"),
    ('cancelled', "Cancelled"),
    ]


class Requisition(
        ServerStates, ApprovalMixin, Workflow, ModelSQL, ModelView):
    "Material Requisition"
    __name__ = 'yuexing.material.requisition'
    _rec_name = 'number'
    # What the approval flow's step conditions may test (流程配置).
    _approval_fields = ['amount', 'kind']
    _draft = {'readonly': Eval('state') != 'draft'}

    number = fields.Char("Number", readonly=True)
    kind = fields.Selection(KINDS, "Kind", required=True, states=_draft)
    kind_string = kind.translated('kind')
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('destination') == 'order',
            },
        help="The order the materials are for (领用) or come back from.")
    technician = fields.Many2One(
        'company.employee', "Technician", required=True,
        ondelete='RESTRICT', states=_draft,
        domain=[('is_technician', '=', True)])
    destination = fields.Selection(
        DESTINATIONS, "Destination", required=True,
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('kind') != 'issue',
            })
    lines = fields.One2Many(
        'yuexing.material.requisition.line', 'requisition', "Lines",
        states=_draft)
    amount = fields.Function(
        fields.Numeric("Amount", digits=(16, 2)), 'get_amount')
    note = fields.Text("Note")
    requested_by = fields.Many2One('res.user', "Requested By", readonly=True)
    requested_at = fields.DateTime("Requested At", readonly=True)
    done_by = fields.Many2One('res.user', "Booked By", readonly=True)
    done_at = fields.DateTime("Booked At", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.work_order, Index.Equality())),
                Index(t, (t.technician, Index.Equality()),
                    (t.state, Index.Equality())),
                })
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'pending'),
            ('draft', 'approved'),
            ('pending', 'approved'),
            ('pending', 'rejected'),
            ('approved', 'done'),
            ('draft', 'cancelled'),
            ('pending', 'cancelled'),
            ('approved', 'cancelled'),
            ('rejected', 'draft'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'fill_from_quote': {
                    'invisible': ((Eval('state') != 'draft')
                        | ~Eval('work_order')
                        | (Eval('kind') != 'issue')),
                    'depends': ['state', 'work_order', 'kind']},
                'approve': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state']},
                'reject': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state']},
                'book': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state']},
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'pending', 'approved']),
                    'depends': ['state']},
                'draft': {
                    'invisible': ~Eval('state').in_(['rejected', 'cancelled']),
                    'icon': If(Eval('state') == 'cancelled',
                        'tryton-undo', 'tryton-back'),
                    'depends': ['state']},
                })

    @classmethod
    def default_kind(cls):
        return 'issue'

    @classmethod
    def default_destination(cls):
        return 'van'

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_requested_by(cls):
        return Transaction().user or None

    def get_rec_name(self, name):
        return self.number or str(self.id)

    @classmethod
    def get_amount(cls, requisitions, name):
        return {r.id: sum((l.amount or Decimal(0) for l in r.lines),
                Decimal(0)) for r in requisitions}

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        ModelData = pool.get('ir.model.data')
        WorkOrder = pool.get('yuexing.work_order')
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            if not values.get('number'):
                with without_check_access():
                    values['number'] = Sequence(ModelData.get_id(
                            'yuexing_material', 'sequence_requisition')).get()
            if values.get('work_order') and not values.get('technician'):
                order = WorkOrder(values['work_order'])
                if order.technician:
                    values['technician'] = order.technician.id
            if values.get('kind') == 'return':
                values['destination'] = 'van'
        return values

    def approval_requester(self):
        return self.requested_by.id if self.requested_by else None

    @classmethod
    def copy(cls, requisitions, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'requested_by', 'requested_at', 'done_by',
                'done_at', 'approval_request']:
            default.setdefault(name, None)
        return super().copy(requisitions, default=default)

    @classmethod
    @ModelView.button
    def fill_from_quote(cls, requisitions):
        "Pre-fill the lines with the material lines of the order's quote."
        Line = Pool().get('yuexing.material.requisition.line')
        to_create = []
        for requisition in requisitions:
            if requisition.lines or not requisition.work_order:
                continue
            for quote_line in requisition.quote_material_lines():
                to_create.append({
                        'requisition': requisition.id,
                        'product': quote_line.product.id,
                        'quantity': quote_line.quantity,
                        'unit': quote_line.unit.id,
                        })
        if to_create:
            Line.create(to_create)

    def quote_material_lines(self):
        "The material lines of the order's current quote (confirmed first)."
        quotes = [q for q in self.work_order.quotes
            if q.state not in {'superseded', 'cancelled', 'rejected'}]
        quotes.sort(key=lambda q: (q.state == 'confirmed', q.version or 0))
        if not quotes:
            return []
        return [l for l in quotes[-1].lines
            if l.kind == 'material' and l.product
            and l.product.type == 'goods']

    @classmethod
    @ModelView.button
    @Workflow.transition('pending')
    def submit(cls, requisitions):
        "Send to approval; a return or a small issue needs none."
        for requisition in requisitions:
            requisition.check_lines()
        cls.write(requisitions, {
                'requested_by': Transaction().user or None,
                'requested_at': dt.datetime.now()})
        issues = [r for r in requisitions if r.kind == 'issue']
        free = cls.submit_for_approval(issues) if issues else []
        free += [r for r in requisitions if r.kind == 'return']
        if free:
            cls.approval_approved(free)
        cls.notify_warehouse(requisitions)

    def check_lines(self):
        if not self.lines:
            raise MaterialError(gettext(
                    'yuexing_material.msg_requisition_no_lines',
                    requisition=self.rec_name))
        if self.kind == 'return':
            self.check_return()

    def check_return(self):
        """A return brings back at most what the van holds and, for an
        order, what was issued to it less what it used and returned."""
        pool = Pool()
        Location = pool.get('stock.location')
        van = self.technician.van_location
        quantities = defaultdict(float)
        for line in self.lines:
            quantities[line.product] += line.default_quantity
        held = Location.stock([van], list(quantities)) if van else {}
        open_ = (self.work_order.material_open_quantities()
            if self.work_order else None)
        for product, quantity in quantities.items():
            limit = held.get((van.id, product.id), 0) if van else 0
            if open_ is not None:
                limit = min(limit, open_.get(product.id, 0))
            if quantity > limit + 1e-9:
                raise MaterialError(gettext(
                        'yuexing_material.msg_return_too_much',
                        material=product.rec_name, quantity=quantity,
                        limit=round(max(limit, 0), 4)))

    @classmethod
    @ModelView.button
    def approve(cls, requisitions):
        "The current user approves the step waiting for them."
        cls.decide_approval(requisitions, 'approved')

    @classmethod
    @ModelView.button
    def reject(cls, requisitions):
        cls.decide_approval(requisitions, 'rejected')

    @classmethod
    @strict_transition('approved')
    def approval_approved(cls, requisitions):
        "Approved: the warehouse keeper may issue it."

    @classmethod
    @strict_transition('rejected')
    def approval_rejected(cls, requisitions):
        "Rejected by an approver."

    @classmethod
    def notify_warehouse(cls, requisitions):
        "Tell the warehouse keepers what waits for them (message centre)."
        pool = Pool()
        Message = pool.get('yuexing.message')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        waiting = [r for r in cls.browse(requisitions)
            if r.state == 'approved']
        if not waiting:
            return
        group = ModelData.get_id('yuexing_base', 'group_warehouse')
        keepers = User.search([('groups', '=', group)])
        Message.notify('requisition_waiting', waiting, users=keepers)

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def book(cls, requisitions):
        """Issue (warehouse → van or → the order) or take back (van →
        warehouse): the moves are made and done; an issue straight to the
        order records its consumption."""
        pool = Pool()
        Move = pool.get('stock.move')
        Configuration = pool.get('yuexing.configuration')
        MaterialLine = pool.get('yuexing.work_order.material')
        Location = pool.get('stock.location')
        Line = pool.get('yuexing.material.requisition.line')
        warehouse, _, consumption = Configuration.material_locations()
        for requisition in requisitions:
            if requisition.kind == 'return':
                requisition.check_return()
        pairs = []
        for requisition in requisitions:
            van = requisition.technician.van_location
            if requisition.kind == 'return':
                source, target = van, warehouse
            elif requisition.destination == 'van':
                source, target = warehouse, van
            else:
                source, target = warehouse, consumption
            for line in requisition.lines:
                pairs.append((line, line.get_move(source, target)))
        moves = [m for _, m in pairs]
        Move.value_at_cost(moves)
        Move.save(moves)
        Location.check_stock(moves)
        Move.do(moves)
        if pairs:
            Line.write(*sum((([l], {'move': m.id}) for l, m in pairs), ()))
        consumed = [(l, m) for l, m in pairs if m.to_location == consumption]
        if consumed:
            MaterialLine.create([{
                        'work_order': line.requisition.work_order.id,
                        'product': line.product.id,
                        'quantity': line.quantity,
                        'unit': line.unit.id,
                        'technician': line.requisition.technician.id,
                        'move': move.id,
                        } for line, move in consumed])
        cls.write(requisitions, {
                'done_by': Transaction().user or None,
                'done_at': dt.datetime.now()})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, requisitions):
        cls.cancel_approval(requisitions)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, requisitions):
        pass


class RequisitionLine(ModelSQL, ModelView):
    "Material Requisition Line"
    __name__ = 'yuexing.material.requisition.line'
    requisition = fields.Many2One(
        'yuexing.material.requisition', "Requisition", required=True,
        ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Material", required=True,
        domain=[('type', '=', 'goods')])
    quantity = fields.Float(
        "Quantity", digits=(16, 3), required=True,
        domain=[('quantity', '>', 0)])
    unit = fields.Many2One('product.uom', "Unit", required=True)
    default_quantity = fields.Function(
        fields.Float("Quantity in Stock Unit", digits=(16, 4)),
        'get_default_quantity')
    unit_cost = fields.Function(
        fields.Numeric("Unit Cost", digits=(16, 4)), 'get_unit_cost')
    amount = fields.Function(
        fields.Numeric("Amount", digits=(16, 2)), 'get_amount')
    move = fields.Many2One('stock.move', "Stock Move", readonly=True)
    requisition_state = fields.Function(
        fields.Selection(STATES, "State"), 'on_change_with_requisition_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('requisition')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.requisition, Index.Equality())))

    @fields.depends('product', 'unit')
    def on_change_product(self):
        if self.product and not self.unit:
            self.unit = self.product.default_uom

    @fields.depends('requisition', '_parent_requisition.state')
    def on_change_with_requisition_state(self, name=None):
        if self.requisition:
            return self.requisition.state

    @classmethod
    def preprocess_values(cls, mode, values):
        Product = Pool().get('product.product')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('product') \
                and not values.get('unit'):
            values['unit'] = Product(values['product']).default_uom.id
        return values

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if {'product', 'unit'} & set(field_names):
            for line in lines:
                # raises a Chinese error naming the unit when unknown
                line.get_default_quantity()

    def get_default_quantity(self, name=None):
        return self.product.template.quantity_in_default_unit(
            self.quantity, self.unit)

    def get_unit_cost(self, name=None):
        if self.move and self.move.cost_price is not None:
            return self.move.cost_price
        return self.product.cost_price or Decimal(0)

    def get_amount(self, name=None):
        return (Decimal(str(self.default_quantity or 0))
            * (self.unit_cost or 0)).quantize(CENT, ROUND_HALF_UP)

    def get_move(self, source, target):
        "The stock move of the line (in the material's stock unit)."
        Move = Pool().get('stock.move')
        requisition = self.requisition
        return Move(
            product=self.product,
            quantity=self.product.default_uom.round(self.default_quantity),
            unit=self.product.default_uom,
            from_location=source,
            to_location=target,
            company=requisition.company,
            effective_date=company_today(),
            origin=self,
            )


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    requisitions = fields.One2Many(
        'yuexing.material.requisition', 'work_order', "Requisitions",
        readonly=True)

    def material_open_quantities(self):
        """{product id: issued to the van for this order − consumed on it −
        returned from it}, in stock units."""
        result = defaultdict(float)
        for requisition in self.requisitions:
            if requisition.state != 'done':
                continue
            sign = 1 if requisition.kind == 'issue' else -1
            if requisition.kind == 'issue' \
                    and requisition.destination == 'order':
                continue
            for line in requisition.lines:
                result[line.product.id] += sign * line.default_quantity
        for material in self.materials:
            if material.move and material.move.from_location.van_of:
                result[material.product.id] -= material.move.quantity
        return result
