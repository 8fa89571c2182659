"""工单: the repair job from the customer's call to its archive."""
import datetime as dt
from collections import defaultdict

from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.yuexing_base import phone as phone_tools
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.modules.yuexing_base.masking import MaskedMixin
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_base.workflow import (
    field_label,
    strict_transition,
)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .exceptions import WorkOrderError

TYPES = [
    ('c_repair', "Resident Repair (C)"),
    ('b_repair', "Enterprise Repair (B)"),
    ('after_sales', "After-sales"),
    ('project', "Project Work"),
    ]
LEAK_SITES = [
    ('roof', "Roof"),
    ('facade', "Exterior Wall"),
    ('bathroom', "Bathroom"),
    ('kitchen', "Kitchen"),
    ('balcony', "Balcony"),
    ('basement', "Basement"),
    ('window', "Window Sill"),
    ('pipe_shaft', "Pipe Shaft"),
    ('pool', "Pool or Tank"),
    ('garage', "Garage"),
    ('other', "Other"),
    ]
PRIORITIES = [
    ('low', "Low"),
    ('normal', "Normal"),
    ('high', "High"),
    ('urgent', "Urgent"),
    ]
SEVERITIES = [
    ('light', "Light"),
    ('moderate', "Moderate"),
    ('severe', "Severe"),
    ]
GRADES = [
    ('standard', "Standard"),
    ('premium', "Premium"),
    ]
STATES = [
    ('draft', "Draft"),
    ('submitted', "Submitted"),
    ('surveying', "Surveying"),
    ('quoted', "Quoted"),
    ('confirmed', "To Dispatch"),
    ('dispatched', "Dispatched"),
    ('accepted', "Accepted"),
    ('on_site', "In Construction"),
    ('to_accept', "To Inspect"),
    ('done', "Done"),
    ('closed', "Archived"),
    ('cancelled', "Cancelled"),
    ('on_hold', "On Hold"),
    ]
# States in which the order still needs work (workload, SLA, pools).
OPEN_STATES = [
    'submitted', 'surveying', 'quoted', 'confirmed', 'dispatched',
    'accepted', 'on_site', 'to_accept', 'on_hold']
# States in which a technician is committed to the order.
ASSIGNED_STATES = ['dispatched', 'accepted', 'on_site', 'to_accept']
# Events the customer is told about (the others are internal).
CUSTOMER_EVENTS = {'order_created', 'order_quoted', 'order_dispatched',
    'order_on_the_way', 'order_arrived', 'order_done'}
HOLDABLE_STATES = [
    'submitted', 'surveying', 'quoted', 'confirmed', 'dispatched',
    'accepted', 'on_site']
CANCELLABLE_STATES = [
    'draft', 'submitted', 'surveying', 'quoted', 'confirmed', 'dispatched']


class WorkOrder(AuditMixin, MaskedMixin, ServerStates, Workflow, ModelSQL,
        ModelView):
    "Work Order"
    __name__ = 'yuexing.work_order'
    _rec_name = 'number'
    _masked_fields = {n: ('phone', 'customer_phone')
        for n in ['contact_phone', 'caller_phone']}
    _intake = {'readonly': ~Eval('state').in_(['draft', 'submitted'])}

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True,
        states={'readonly': Eval('state') != 'draft'})
    type = fields.Selection(TYPES, "Type", required=True, states=_intake)
    type_string = type.translated('type')
    channel = fields.Many2One('yuexing.channel', "Channel", states=_intake)
    caller_phone = fields.Char(
        "Caller Phone", states=_intake,
        help="Type the number the customer calls from to find them.")
    customer = fields.Many2One(
        'party.party', "Customer", required=True,
        domain=[('customer_type', '!=', None)],
        context={'company': Eval('company', -1)},
        states=_intake, depends={'company'})
    contact = fields.Many2One(
        'yuexing.party.contact', "Contact",
        domain=[('party', '=', Eval('customer', -1))], states=_intake)
    contact_name = fields.Char("Contact Name", states=_intake)
    contact_phone = fields.Char("Contact Phone", states=_intake)
    address = fields.Many2One(
        'party.address', "Address", required=True,
        domain=[('party', '=', Eval('customer', -1))], states=_intake)
    address_text = fields.Char(
        "New Address", states={'invisible': Eval('state') != 'draft'},
        help="Paste a new address of the customer; it is recognised and "
        "saved with the order.")
    latitude = fields.Function(
        fields.Float("Latitude", digits=(9, 6)), 'get_geo')
    longitude = fields.Function(
        fields.Float("Longitude", digits=(9, 6)), 'get_geo')
    district = fields.Many2One(
        'country.subdivision', "District", readonly=True,
        help="Copied from the address: dispatch and statistics by region.")
    leak_site = fields.Selection(
        LEAK_SITES, "Leak Site", required=True, sort=False, states=_intake)
    leak_site_string = leak_site.translated('leak_site')
    description = fields.Text("Symptoms", required=True, states=_intake)
    quantity = fields.Float(
        "Area or Length", digits=(16, 1), states=_intake,
        domain=['OR', ('quantity', '=', None), ('quantity', '>', 0)],
        help="m² for surfaces, m for joints and cracks; used by the "
        "instant estimate.")
    severity = fields.Selection(
        SEVERITIES, "Severity", required=True, states=_intake)
    material_grade = fields.Selection(
        GRADES, "Material Grade", required=True, states=_intake)
    priority = fields.Selection(
        PRIORITIES, "Priority", required=True, sort=False)
    priority_string = priority.translated('priority')
    preferred_start = fields.DateTime("Preferred From", states=_intake)
    preferred_end = fields.DateTime(
        "Preferred To", states=_intake,
        domain=[If(Eval('preferred_start') & Eval('preferred_end'),
                ('preferred_end', '>', Eval('preferred_start')), ())])
    preferred_technician = fields.Many2One(
        'company.employee', "Preferred Technician",
        domain=[('is_technician', '=', True)])
    required_skills = fields.Many2Many(
        'yuexing.work_order-yuexing.skill', 'work_order', 'skill',
        "Required Skills")
    estimate_min = fields.Numeric(
        "Estimate From", digits=(16, 2), readonly=True)
    estimate_max = fields.Numeric(
        "Estimate To", digits=(16, 2), readonly=True)
    quote_requested = fields.Boolean(
        "Survey Requested", readonly=True,
        help="The customer asked for an on-site survey and a manual quote "
        "instead of the instant estimate.")
    quotes = fields.One2Many(
        'yuexing.quote', 'work_order', "Quotes", readonly=True)
    quote = fields.Many2One(
        'yuexing.quote', "Current Quote", readonly=True,
        domain=[('work_order', '=', Eval('id', -1))])
    amount = fields.Function(
        fields.Numeric("Amount", digits=(16, 2)), 'get_amount')
    technician = fields.Many2One(
        'company.employee', "Technician", readonly=True)
    pool_open = fields.Boolean(
        "In Grab Pool", readonly=True,
        help="Published for eligible technicians to grab.")
    pool_opened_at = fields.DateTime("Published At", readonly=True)
    dispatches = fields.One2Many(
        'yuexing.work_order.dispatch', 'work_order', "Dispatch History",
        readonly=True)
    escalated = fields.Boolean(
        "Escalated", readonly=True,
        help="Nobody took the order in time; the dispatcher must act.")
    hold_reason = fields.Text("Hold Reason", readonly=True)
    hold_from_state = fields.Selection(
        [(None, '')] + STATES, "Held From", readonly=True)
    cancel_reason = fields.Text("Cancellation Reason", readonly=True)
    origin = fields.Reference(
        "Origin", selection='get_origins', readonly=True,
        help="The record that created this order (warranty claim, "
        "inspection...).")
    rework_of = fields.Many2One(
        'yuexing.work_order', "Rework Of", readonly=True)
    logs = fields.One2Many(
        'yuexing.work_order.log', 'work_order', "State History",
        readonly=True)
    submitted_at = fields.DateTime("Submitted At", readonly=True)
    responded_at = fields.DateTime("Responded At", readonly=True)
    arrived_at = fields.DateTime("Arrived At", readonly=True)
    completed_at = fields.DateTime("Completed At", readonly=True)
    closed_at = fields.DateTime("Archived At", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True,
        sort=False)
    state_string = state.translated('state')

    del _intake

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.number, Index.Similarity())),
                Index(t, (t.state, Index.Equality()),
                    (t.priority, Index.Equality()),
                    where=t.state.in_(OPEN_STATES)),
                Index(t, (t.technician, Index.Equality()),
                    (t.state, Index.Equality())),
                Index(t, (t.customer, Index.Equality())),
                Index(t, (t.pool_open, Index.Equality()),
                    where=t.pool_open == True),  # noqa: E712
                Index(t, (t.district, Index.Equality()),
                    (t.create_date, Index.Range())),
                })
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'surveying'),
            ('submitted', 'quoted'),
            ('surveying', 'quoted'),
            ('quoted', 'confirmed'),
            ('confirmed', 'dispatched'),
            ('confirmed', 'accepted'),
            ('dispatched', 'accepted'),
            ('dispatched', 'confirmed'),
            ('accepted', 'dispatched'),
            ('accepted', 'on_site'),
            ('on_site', 'to_accept'),
            ('to_accept', 'done'),
            ('done', 'closed'),
            }
        cls._transitions |= {(s, 'cancelled') for s in CANCELLABLE_STATES}
        cls._transitions |= {(s, 'on_hold') for s in HOLDABLE_STATES}
        cls._transitions |= {('on_hold', s) for s in HOLDABLE_STATES}
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'respond': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(CANCELLABLE_STATES),
                    'depends': ['state'],
                    },
                'hold': {
                    'invisible': ~Eval('state').in_(HOLDABLE_STATES),
                    'depends': ['state'],
                    },
                'resume': {
                    'invisible': Eval('state') != 'on_hold',
                    'depends': ['state'],
                    },
                'new_quote': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'surveying', 'quoted', 'on_hold']),
                    'depends': ['state'],
                    },
                'archive': {
                    'invisible': Eval('state') != 'done',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def order_number(cls, tables):
        table, _ = tables[None]
        return [table.number]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_quote_requested(cls):
        return False

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_type(cls):
        return Transaction().context.get('work_order_type', 'c_repair')

    @classmethod
    def default_priority(cls):
        return 'normal'

    @classmethod
    def default_severity(cls):
        return 'moderate'

    @classmethod
    def default_material_grade(cls):
        return 'standard'

    @classmethod
    def default_leak_site(cls):
        return 'roof'

    @classmethod
    def default_pool_open(cls):
        return False

    @classmethod
    def default_escalated(cls):
        return False

    @classmethod
    def get_origins(cls):
        "Models that may create work orders automatically."
        IrModel = Pool().get('ir.model')
        models = cls._get_origin_models()
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in models]

    @classmethod
    def _get_origin_models(cls):
        return ['yuexing.work_order']

    # ---- intake ------------------------------------------------------------

    @fields.depends('caller_phone', 'customer', 'contact', 'address',
        'contact_name', 'contact_phone', 'type')
    def on_change_caller_phone(self):
        pool = Pool()
        Party = pool.get('party.party')
        Contact = pool.get('yuexing.party.contact')
        if not self.caller_phone:
            return
        parties = Party.find_by_phone(self.caller_phone)
        if len(parties) == 1:
            self.customer, = parties
            self.on_change_customer()
            e164 = phone_tools.normalize(self.caller_phone)
            contacts = Contact.search([
                    ('party', '=', self.customer.id),
                    ('phone_compact', '=', e164)], limit=1)
            if contacts:
                self.contact, = contacts
                self.on_change_contact()
        if not self.contact_phone:
            self.contact_phone = phone_tools.national(self.caller_phone)

    @fields.depends('customer', 'address', 'type', 'contact',
        'contact_name', 'contact_phone')
    def on_change_customer(self):
        if not self.customer:
            return
        if not self.address or self.address.party != self.customer:
            self.address = self.customer.address_get()
        if self.customer.customer_type == 'enterprise':
            self.type = 'b_repair'
            primary = [c for c in self.customer.contacts if c.primary]
            if primary and not self.contact:
                self.contact = primary[0]
                self.on_change_contact()
        elif self.type == 'b_repair':
            self.type = 'c_repair'
        if not self.contact_name:
            self.contact_name = self.customer.name
        if not self.contact_phone:
            self.contact_phone = self.customer.phone_display

    @fields.depends('contact', 'contact_name', 'contact_phone')
    def on_change_contact(self):
        if self.contact:
            self.contact_name = self.contact.name
            self.contact_phone = self.contact.phone

    @fields.depends('address')
    def on_change_with_district(self):
        if self.address and self.address.district:
            return self.address.district.id

    @fields.depends('leak_site', 'required_skills')
    def on_change_leak_site(self):
        pool = Pool()
        Skill = pool.get('yuexing.skill')
        if not self.leak_site:
            return
        # Replace the skills suggested for the previous leak site (the
        # default one when the order is new), keep a choice of the user.
        current = {s.code for s in self.required_skills or []}
        suggested = [set(self.skill_codes_for(site)) for site, _ in LEAK_SITES]
        if not current or current in suggested:
            codes = self.skill_codes_for(self.leak_site)
            self.required_skills = Skill.search([('code', 'in', codes)])

    @classmethod
    def skill_codes_for(cls, leak_site):
        "The skills a leak site usually needs."
        return {
            'roof': ['membrane'],
            'facade': ['facade', 'high_altitude'],
            'bathroom': ['coating'],
            'kitchen': ['coating'],
            'balcony': ['coating'],
            'basement': ['basement', 'grouting'],
            'window': ['facade'],
            'pipe_shaft': ['grouting'],
            'pool': ['coating'],
            'garage': ['grouting'],
            }.get(leak_site, [])

    def get_geo(self, name):
        if self.address:
            return getattr(self.address, name)

    def get_amount(self, name):
        if self.quote:
            return self.quote.total_amount

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Address = pool.get('party.address')
        values = super().preprocess_values(mode, values)
        # A pasted address becomes an address of the customer.
        if values.get('address_text') and values.get('customer'):
            address_values = Address.values_from_text(values['address_text'])
            address, = Address.create([{
                        'party': values['customer'], **address_values}])
            values['address'] = address.id
            values['address_text'] = None
        if values.get('address'):
            district = Address(values['address']).district
            values['district'] = district.id if district else None
        for field in ['contact_phone', 'caller_phone']:
            if values.get(field) and phone_tools.is_valid(values[field]):
                values[field] = phone_tools.national(values[field])
        return values

    @classmethod
    def validate_fields(cls, orders, field_names):
        super().validate_fields(orders, field_names)
        if field_names is None or {'contact_phone'} & field_names:
            for order in orders:
                if order.contact_phone:
                    order.check_phone('contact_phone')
        if field_names is None or {'address', 'customer'} & field_names:
            for order in orders:
                if order.address.party != order.customer:
                    raise WorkOrderError(gettext(
                            'yuexing_workorder.msg_address_not_customer',
                            order=order.rec_name))

    def check_phone(self, name):
        try:
            phone_tools.parse(getattr(self, name))
        except phone_tools.PhoneError as reason:
            raise WorkOrderError(gettext(
                    'yuexing_base.msg_invalid_phone',
                    field=field_label(self.__class__, name),
                    value=getattr(self, name), reason=str(reason),
                    record=self.number or self.customer.rec_name)) from reason

    @classmethod
    def create_automatic(cls, origin, values):
        """Create and submit an order for another record (warranty claim,
        failed inspection...). values must give customer, address, leak_site
        and description; returns the submitted order."""
        values = values.copy()
        values['origin'] = str(origin)
        values.setdefault('company', Transaction().context.get('company'))
        order, = cls.create([values])
        cls.submit([order])
        return order

    # ---- numbering, copy, deletion -----------------------------------------

    @classmethod
    def set_number(cls, orders):
        pool = Pool()
        Configuration = pool.get('yuexing.configuration')
        # Customers create orders from the mini-program but may not write
        # them: numbering is the system's doing.
        with without_check_access():
            config = Configuration(1)
            sequence = config.get_sequence('work_order')
            missing = [o for o in orders if not o.number]
            if not missing:
                return
            to_write = []
            for order, number in zip(missing,
                    sequence.get_many(len(missing)), strict=True):
                to_write.extend(([order], {'number': number}))
            cls.write(*to_write)

    @classmethod
    def create(cls, vlist):
        orders = super().create(vlist)
        cls.set_number(orders)
        return orders

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'quote', 'quotes', 'technician', 'dispatches',
                'logs', 'hold_reason', 'hold_from_state', 'cancel_reason',
                'estimate_min', 'estimate_max', 'submitted_at',
                'responded_at', 'arrived_at', 'completed_at', 'closed_at',
                'origin', 'rework_of', 'pool_opened_at']:
            default.setdefault(name, None)
        default.setdefault('pool_open', False)
        default.setdefault('escalated', False)
        return super().copy(orders, default=default)

    @classmethod
    def check_modification(cls, mode, orders, values=None, external=False):
        super().check_modification(
            mode, orders, values=values, external=external)
        if mode == 'delete':
            for order in orders:
                if order.state not in {'draft', 'cancelled'}:
                    raise AccessError(gettext(
                            'yuexing_workorder.msg_delete_not_draft',
                            order=order.rec_name))

    # ---- state history -----------------------------------------------------

    @classmethod
    def write(cls, *args):
        pool = Pool()
        Log = pool.get('yuexing.work_order.log')
        context = Transaction().context
        changes = []
        actions = iter(args)
        for orders, values in zip(actions, actions, strict=False):
            if 'state' in values:
                changes.extend(
                    (o, o.state, values['state']) for o in orders
                    if o.state != values['state'])
        super().write(*args)
        if changes:
            Log.record(changes, context.get('state_reason'))

    @classmethod
    def _set_state_reason(cls, reason):
        return Transaction().set_context(state_reason=reason)

    # ---- transitions -------------------------------------------------------

    @classmethod
    @ModelView.button
    @strict_transition('submitted')
    def submit(cls, orders):
        pool = Pool()
        Estimate = pool.get('yuexing.estimate.rule')
        SLA = pool.get('yuexing.sla.policy')
        now = dt.datetime.now()
        # Rules and policies read once for all the orders (batch imports).
        rules, policies = Estimate.search([]), SLA.search([])
        to_write = []
        for order in orders:
            low, high = Estimate.estimate(order, rules)
            values = {
                'submitted_at': now,
                'estimate_min': low,
                'estimate_max': high,
                }
            values.update(SLA.deadlines(order, now, policies))
            to_write.extend(([order], values))
        if to_write:
            cls.write(*to_write)
            cls.notify('order_created', orders)

    @classmethod
    @ModelView.button
    @strict_transition('surveying')
    def respond(cls, orders):
        cls._set_responded(orders)

    @classmethod
    def _set_responded(cls, orders):
        cls.reach_milestone(orders, 'responded_at', dt.datetime.now())

    @classmethod
    @Workflow.transition('quoted')
    def mark_quoted(cls, orders):
        cls._set_responded(orders)
        cls.notify('order_quoted', orders)

    @classmethod
    @Workflow.transition('confirmed')
    def mark_confirmed(cls, orders):
        pass

    @classmethod
    @ModelView.button_action('yuexing_workorder.wizard_cancel')
    def cancel(cls, orders):
        pass

    @classmethod
    @strict_transition('cancelled')
    def do_cancel(cls, orders, reason):
        pool = Pool()
        Dispatch = pool.get('yuexing.work_order.dispatch')
        if not reason:
            raise WorkOrderError(gettext(
                    'yuexing_workorder.msg_reason_required'))
        Dispatch.close_open(orders, 'cancelled')
        with cls._set_state_reason(reason):
            cls.write(orders, {
                    'cancel_reason': reason, 'pool_open': False})

    @classmethod
    @ModelView.button_action('yuexing_workorder.wizard_hold')
    def hold(cls, orders):
        pass

    @classmethod
    def do_hold(cls, orders, reason):
        if not reason:
            raise WorkOrderError(gettext(
                    'yuexing_workorder.msg_reason_required'))
        for order in orders:
            if order.state not in HOLDABLE_STATES:
                raise WorkOrderError(gettext(
                        'yuexing_workorder.msg_cannot_hold',
                        order=order.rec_name, state=order.state_string))
        to_write = []
        for order in orders:
            to_write.extend(([order], {
                        'hold_from_state': order.state,
                        'hold_reason': reason,
                        'state': 'on_hold',
                        'pool_open': False,
                        }))
        if to_write:
            with cls._set_state_reason(reason):
                cls.write(*to_write)

    @classmethod
    @ModelView.button
    def resume(cls, orders):
        to_write = []
        for order in orders:
            if order.state != 'on_hold':
                continue
            order.check_resumable()
            to_write.extend(([order], {
                        'state': order.hold_from_state or 'submitted',
                        'hold_from_state': None,
                        }))
        if to_write:
            cls.write(*to_write)

    def check_resumable(self):
        "Other parts (a pending re-quote) may forbid resuming."
        pass

    @classmethod
    @ModelView.button
    def new_quote(cls, orders):
        """Start a new quote version; for one order, open it (the lines are
        filled in the quote, not on the order)."""
        pool = Pool()
        Quote = pool.get('yuexing.quote')
        Action = pool.get('ir.action')
        ModelData = pool.get('ir.model.data')
        quotes = [Quote.new_version(order) for order in orders]
        if len(quotes) == 1:
            action = Action(Action.get_action_id(ModelData.get_id(
                        'yuexing_workorder', 'act_quote_form'))
                ).get_action_value()
            action['res_id'] = [quotes[0].id]
            action['views'].reverse()  # the form first
            return action

    @classmethod
    @ModelView.button
    @strict_transition('closed')
    def archive(cls, orders):
        cls.write(orders, {'closed_at': dt.datetime.now()})

    @classmethod
    @strict_transition('done')
    def mark_done(cls, orders):
        cls.reach_milestone(orders, 'completed_at', dt.datetime.now())
        cls.notify('order_done', orders)

    # ---- notifications -----------------------------------------------------

    @classmethod
    def notify(cls, event, orders, users=()):
        """Tell the people concerned about an event of the orders through the
        message centre (its templates decide the channels: in-app, WeChat,
        SMS, e-mail). Customer-facing events also reach the customer."""
        pool = Pool()
        Message = pool.get('yuexing.message')
        Party = pool.get('party.party')
        customers = {}
        if event in CUSTOMER_EVENTS:
            # One read of the customers: touching order.customer would load
            # every field of the orders in the cache window (slow in bulk).
            with without_check_access():
                customers = {r['id']: r['customer'] for r in cls.read(
                        [o.id for o in orders], ['customer'])}
        # One notification per customer (a B端 import brings many orders of
        # few customers): the same messages, far fewer queries.
        by_customer = defaultdict(list)
        for order in orders:
            by_customer[customers.get(order.id)].append(order)
        for customer, group in by_customer.items():
            parties = [Party(customer)] if customer else []
            Message.notify(event, group, users=users, parties=parties)

    @classmethod
    def customer_service(cls):
        "Who answers customers: the 客服 users."
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        group = ModelData.get_id('yuexing_base', 'group_customer_service')
        return User.search([('groups', '=', group)])

    # ---- workload ----------------------------------------------------------

    @classmethod
    def open_counts(cls, employees):
        "Number of open orders held by each technician, in one query."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        ids = [e.id for e in employees]
        counts = dict.fromkeys(ids, 0)
        if ids:
            cursor.execute(*table.select(
                    table.technician, Count(table.id),
                    where=table.technician.in_(ids)
                    & table.state.in_(ASSIGNED_STATES),
                    group_by=[table.technician]))
            counts.update(cursor)
        return counts


class WorkOrderSkill(ModelSQL):
    "Work Order Required Skill"
    __name__ = 'yuexing.work_order-yuexing.skill'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE')
    skill = fields.Many2One(
        'yuexing.skill', "Skill", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # Tryton indexes no column of a relation table by itself; the
        # required skills of one order are read by every recommendation,
        # grab and pool listing (a sequential scan of all the orders'
        # skills without it).
        cls._sql_indexes.add(Index(t, (t.work_order, Index.Range())))


class StateLog(ModelSQL, ModelView):
    "Work Order State Change"
    __name__ = 'yuexing.work_order.log'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE')
    date = fields.DateTime("Date", required=True)
    user = fields.Many2One('res.user', "User")
    from_state = fields.Selection(STATES, "From")
    to_state = fields.Selection(STATES, "To", required=True)
    reason = fields.Text("Reason")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def record(cls, changes, reason=None):
        "Log (order, from_state, to_state) changes made by the current user."
        now = dt.datetime.now()
        user = Transaction().user or None
        with without_check_access():
            cls.create([{
                    'work_order': order.id,
                    'date': now,
                    'user': user,
                    'from_state': from_state,
                    'to_state': to_state,
                    'reason': reason,
                    } for order, from_state, to_state in changes])

    @classmethod
    def check_modification(cls, mode, logs, values=None, external=False):
        super().check_modification(
            mode, logs, values=values, external=external)
        # The history is evidence: nobody edits it.
        if mode in {'write', 'delete'} and external:
            raise AccessError(gettext(
                    'yuexing_workorder.msg_log_readonly'))

