"""报价: the formal quote after survey — lines with cost and price, margin,
versions, multi-level approval and the customer's confirmation."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from trytond.i18n import gettext
from trytond.model import (
    Index,
    ModelSQL,
    ModelView,
    Unique,
    Workflow,
    fields,
    sequence_ordered,
)
from trytond.modules.yuexing_approval.mixin import ApprovalMixin
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool
from trytond.pyson import Eval, If

from .exceptions import QuoteError

CENT = Decimal('0.01')
STATES = [
    ('draft', "Draft"),
    ('pending', "Waiting Approval"),
    ('approved', "Approved"),
    ('sent', "Waiting Customer"),
    ('confirmed', "Confirmed"),
    ('rejected', "Rejected by Customer"),
    ('superseded', "Superseded"),
    ('cancelled', "Cancelled"),
    ]
LINE_KINDS = [
    ('service', "Service Item"),
    ('material', "Material"),
    ('labour', "Labour"),
    ('other', "Other"),
    ]
CONFIRM_CHANNELS = [
    (None, ''),
    ('back_office', "Back Office"),
    ('phone', "Phone"),
    ('mini_program', "Mini-program"),
    ('portal', "Portal"),
    ]


class Quote(AuditMixin, ServerStates, ApprovalMixin, Workflow, ModelSQL,
        ModelView):
    "Quote"
    __name__ = 'yuexing.quote'
    _rec_name = 'number'
    # What the approval flow's step conditions may test (流程配置).
    _approval_fields = ['total_amount', 'untaxed_amount', 'cost_amount',
        'margin', 'margin_rate', 'customer_type']
    _draft = {'readonly': Eval('state') != 'draft'}

    number = fields.Char("Number", readonly=True)
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE', states={'readonly': Eval('id', -1) > 0})
    customer = fields.Function(
        fields.Many2One('party.party', "Customer"), 'get_customer',
        searcher='search_customer')
    version = fields.Integer("Version", readonly=True)
    template = fields.Many2One(
        'yuexing.quote.template', "Template", states=_draft,
        domain=[If(Eval('state') == 'draft', ('active', '=', True), ())])
    lines = fields.One2Many(
        'yuexing.quote.line', 'quote', "Lines", states=_draft)
    vat_rate = fields.Numeric(
        "VAT Rate", digits=(4, 4), required=True, states=_draft,
        domain=[('vat_rate', '>=', 0), ('vat_rate', '<', 1)])
    valid_until = fields.Date("Valid Until", states=_draft)
    terms = fields.Text("Terms", states=_draft)
    untaxed_amount = fields.Function(
        fields.Numeric("Untaxed", digits=(16, 2)), 'get_amounts')
    tax_amount = fields.Function(
        fields.Numeric("VAT", digits=(16, 2)), 'get_amounts')
    total_amount = fields.Function(
        fields.Numeric("Total", digits=(16, 2)), 'get_amounts')
    cost_amount = fields.Function(
        fields.Numeric("Cost", digits=(16, 2)), 'get_amounts')
    margin = fields.Function(
        fields.Numeric("Margin", digits=(16, 2)), 'get_amounts')
    margin_rate = fields.Function(
        fields.Numeric("Margin Rate", digits=(5, 4)), 'get_amounts')
    customer_type = fields.Function(
        fields.Char("Customer Type"), 'get_customer_type')
    sent_at = fields.DateTime("Sent At", readonly=True)
    confirmed_at = fields.DateTime("Confirmed At", readonly=True)
    confirmed_by = fields.Char("Confirmed By", readonly=True)
    confirm_channel = fields.Selection(
        CONFIRM_CHANNELS, "Confirmed Through", readonly=True)
    rejection_reason = fields.Text("Rejection Reason", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    state_string = state.translated('state')

    del _draft

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('order_version_unique', Unique(t, t.work_order, t.version),
                'yuexing_workorder.msg_quote_version_unique'),
            ]
        cls._sql_indexes.add(Index(
                t, (t.work_order, Index.Equality()),
                (t.version, Index.Range())))
        cls._order = [
            ('work_order', 'DESC'), ('version', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'pending'),
            ('draft', 'approved'),
            ('pending', 'approved'),
            ('pending', 'draft'),
            ('approved', 'draft'),
            ('approved', 'sent'),
            ('sent', 'confirmed'),
            ('sent', 'rejected'),
            ('draft', 'superseded'),
            ('pending', 'superseded'),
            ('approved', 'superseded'),
            ('sent', 'superseded'),
            ('rejected', 'superseded'),
            ('confirmed', 'superseded'),
            ('draft', 'cancelled'),
            ('pending', 'cancelled'),
            ('approved', 'cancelled'),
            ('sent', 'cancelled'),
            }
        cls._buttons.update({
                'submit_approval': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                'reject_approval': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                'to_draft': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state'],
                    },
                'send': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state'],
                    },
                'confirm': {
                    'invisible': Eval('state') != 'sent',
                    'depends': ['state'],
                    },
                'customer_reject': {
                    'invisible': Eval('state') != 'sent',
                    'depends': ['state'],
                    },
                'apply_template': {
                    'invisible': (Eval('state') != 'draft')
                    | ~Eval('template'),
                    'depends': ['state', 'template'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_version(cls):
        return 1

    @classmethod
    def default_vat_rate(cls):
        Configuration = Pool().get('yuexing.configuration')
        return Configuration(1).vat_rate

    @classmethod
    def default_valid_until(cls):
        return Pool().get('ir.date').today() + dt.timedelta(days=30)

    def get_customer(self, name):
        return self.work_order.customer.id

    @classmethod
    def search_customer(cls, name, clause):
        return [('work_order.customer',) + tuple(clause[1:])]

    def get_customer_type(self, name):
        "individual (C端) or enterprise (B端), for approval conditions."
        return getattr(self.work_order.customer, 'customer_type', None)

    @classmethod
    def get_amounts(cls, quotes, names):
        result = {n: {} for n in names}
        for quote in quotes:
            untaxed = sum((l.amount for l in quote.lines), Decimal(0))
            cost = sum((l.cost for l in quote.lines), Decimal(0))
            tax = (untaxed * (quote.vat_rate or 0)).quantize(
                CENT, ROUND_HALF_UP)
            values = {
                'untaxed_amount': untaxed,
                'tax_amount': tax,
                'total_amount': untaxed + tax,
                'cost_amount': cost,
                'margin': untaxed - cost,
                'margin_rate': (
                    ((untaxed - cost) / untaxed).quantize(Decimal('0.0001'))
                    if untaxed else Decimal(0)),
                }
            for name in names:
                result[name][quote.id] = values[name]
        return result

    def get_rec_name(self, name):
        return f'{self.number} v{self.version}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('number',) + tuple(clause[1:])]

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Configuration = pool.get('yuexing.configuration')
        sequence = Configuration(1).get_sequence('quote')
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if not values.get('number'):
                values['number'] = sequence.get()
        quotes = super().create(vlist)
        cls._link_current(quotes)
        return quotes

    @classmethod
    def _link_current(cls, quotes):
        "The order points at its newest quote version."
        WorkOrder = Pool().get('yuexing.work_order')
        to_write = []
        for quote in quotes:
            current = quote.work_order.quote
            if not current or current.version <= quote.version:
                to_write.extend(([quote.work_order], {'quote': quote.id}))
        if to_write:
            WorkOrder.write(*to_write)

    @classmethod
    def copy(cls, quotes, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'sent_at', 'confirmed_at',
                'confirmed_by', 'confirm_channel', 'rejection_reason']:
            default.setdefault(name, None)
        return super().copy(quotes, default=default)

    # ---- versions ----------------------------------------------------------

    @classmethod
    def new_version(cls, order):
        """Start a new draft version of the order's quote (re-quote), copying
        the lines of the current version, which is superseded."""
        current = order.quote
        if current and current.state == 'draft':
            return current
        if current:
            new, = cls.copy([current], {
                    'version': current.version + 1,
                    'state': 'draft',
                    'valid_until': cls.default_valid_until(),
                    })
            cls.supersede([current])
        else:
            new, = cls.create([{
                        'work_order': order.id,
                        'vat_rate': cls.default_vat_rate(),
                        }])
        return new

    @classmethod
    @Workflow.transition('superseded')
    def supersede(cls, quotes):
        cls.cancel_approval(quotes)

    # ---- template ----------------------------------------------------------

    @classmethod
    @ModelView.button
    def apply_template(cls, quotes):
        pool = Pool()
        Line = pool.get('yuexing.quote.line')
        to_create = []
        for quote in quotes:
            if quote.state != 'draft' or not quote.template:
                continue
            Line.delete([l for l in quote.lines if l.template_line])
            to_create.extend(quote.template.line_values(quote))
        Line.create(to_create)

    # ---- approval ----------------------------------------------------------

    def check_lines(self):
        if not self.lines:
            raise QuoteError(gettext(
                    'yuexing_workorder.msg_quote_no_line',
                    quote=self.rec_name))

    @classmethod
    @ModelView.button
    def submit_approval(cls, quotes):
        """Start the quote approval flow (流程配置); a quote no step applies
        to is approved at once."""
        for quote in quotes:
            quote.check_lines()
        free = cls.submit_for_approval(quotes)
        pending = [q for q in quotes if q not in free]
        if pending:
            cls.write(pending, {'state': 'pending'})
        if free:
            cls.write(free, {'state': 'approved'})

    @classmethod
    @ModelView.button
    def approve(cls, quotes):
        "The current user approves the step waiting for them."
        cls.decide_approval(quotes, 'approved')

    @classmethod
    @ModelView.button
    def reject_approval(cls, quotes):
        cls.decide_approval(quotes, 'rejected')

    @classmethod
    def approval_approved(cls, quotes):
        cls.write([q for q in quotes if q.state == 'pending'],
            {'state': 'approved'})

    @classmethod
    def approval_rejected(cls, quotes):
        # Back to the author, who may change the lines and submit again.
        cls.write([q for q in quotes if q.state == 'pending'],
            {'state': 'draft'})

    @classmethod
    @ModelView.button
    @strict_transition('draft')
    def to_draft(cls, quotes):
        cls.cancel_approval(quotes)

    # ---- customer ----------------------------------------------------------

    @classmethod
    @ModelView.button
    @strict_transition('sent')
    def send(cls, quotes):
        WorkOrder = Pool().get('yuexing.work_order')
        cls.write(quotes, {'sent_at': dt.datetime.now()})
        orders = [q.work_order for q in quotes
            if q.work_order.state in {'submitted', 'surveying'}]
        if orders:
            WorkOrder.mark_quoted(orders)

    @classmethod
    @ModelView.button
    def confirm(cls, quotes):
        cls.customer_confirm(quotes, channel='back_office')

    @classmethod
    @strict_transition('confirmed')
    def customer_confirm(cls, quotes, channel, by=None):
        """The customer accepts the quote: the order goes to dispatch (or,
        for a re-quote during construction, may resume)."""
        WorkOrder = Pool().get('yuexing.work_order')
        for quote in quotes:
            if quote.work_order.quote != quote:
                raise QuoteError(gettext(
                        'yuexing_workorder.msg_quote_not_current',
                        quote=quote.rec_name))
        if not quotes:
            return
        to_write = []
        for quote in quotes:
            to_write.extend(([quote], {
                        'confirmed_at': dt.datetime.now(),
                        'confirm_channel': channel,
                        'confirmed_by': by or quote.work_order.customer.name,
                        }))
        cls.write(*to_write)
        orders = [q.work_order for q in quotes
            if q.work_order.state == 'quoted']
        if orders:
            WorkOrder.mark_confirmed(orders)

    @classmethod
    @ModelView.button
    @strict_transition('rejected')
    def customer_reject(cls, quotes, reason=None):
        cls.write(quotes, {'rejection_reason': reason})

    @classmethod
    def check_modification(cls, mode, quotes, values=None, external=False):
        super().check_modification(
            mode, quotes, values=values, external=external)
        if mode == 'delete':
            for quote in quotes:
                if quote.state not in {'draft', 'cancelled'}:
                    raise QuoteError(gettext(
                            'yuexing_workorder.msg_quote_delete',
                            quote=quote.rec_name))


class QuoteLine(AuditMixin, sequence_ordered(), ModelSQL, ModelView):
    "Quote Line"
    __name__ = 'yuexing.quote.line'
    quote = fields.Many2One(
        'yuexing.quote', "Quote", required=True, ondelete='CASCADE')
    kind = fields.Selection(LINE_KINDS, "Kind", required=True)
    product = fields.Many2One(
        'product.product', "Product",
        context={'company': Eval('company', -1)}, depends={'company'})
    company = fields.Function(
        fields.Many2One('company.company', "Company"), 'get_company')
    description = fields.Char("Description", required=True)
    quantity = fields.Float(
        "Quantity", digits=(16, 2), required=True,
        domain=[('quantity', '>', 0)])
    unit = fields.Many2One('product.uom', "Unit", required=True)
    unit_cost = fields.Numeric(
        "Unit Cost", digits=(16, 2), required=True,
        domain=[('unit_cost', '>=', 0)])
    unit_price = fields.Numeric(
        "Unit Price", digits=(16, 2), required=True,
        domain=[('unit_price', '>=', 0)])
    amount = fields.Function(
        fields.Numeric("Amount", digits=(16, 2)), 'on_change_with_amount')
    cost = fields.Function(
        fields.Numeric("Cost", digits=(16, 2)), 'on_change_with_cost')
    template_line = fields.Many2One(
        'yuexing.quote.template.line', "Template Line", readonly=True,
        ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('quote')

    @classmethod
    def default_kind(cls):
        return 'material'

    @classmethod
    def default_unit_cost(cls):
        return Decimal(0)

    def get_company(self, name):
        return self.quote.work_order.company.id

    @fields.depends('product', 'description', 'unit', 'unit_price',
        'unit_cost', 'kind')
    def on_change_product(self):
        if not self.product:
            return
        self.description = self.product.rec_name
        self.unit = self.product.default_uom
        self.unit_price = self.product.list_price_used
        # average costs have 4 decimals, the quote's costs 2
        self.unit_cost = (self.product.cost_price or Decimal(0)).quantize(
            CENT, ROUND_HALF_UP)
        if self.product.type == 'service':
            labour = self.product.default_uom.category.id == Pool().get(
                'ir.model.data').get_id('product', 'uom_cat_time')
            self.kind = 'labour' if labour else 'service'
        else:
            self.kind = 'material'

    @fields.depends('quantity', 'unit_price')
    def on_change_with_amount(self, name=None):
        return (Decimal(str(self.quantity or 0)) * (self.unit_price or 0)
            ).quantize(CENT, ROUND_HALF_UP)

    @fields.depends('quantity', 'unit_cost')
    def on_change_with_cost(self, name=None):
        return (Decimal(str(self.quantity or 0)) * (self.unit_cost or 0)
            ).quantize(CENT, ROUND_HALF_UP)
