"""质保信息: one warranty per finished order (1:1), its period from the
warranty rules, its state, the expiry reminders and the lookup by phone,
address or order number."""
import datetime as dt

from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    Index,
    ModelSQL,
    ModelView,
    Unique,
    fields,
    sequence_ordered,
)
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access

from .exceptions import WarrantyError

STATES = [
    ('active', "Under Warranty"),
    ('expiring', "Expiring Soon"),
    ('expired', "Expired"),
    ('void', "Void"),
    ]
GRADES = [
    (None, "Any"),
    ('standard', "Standard"),
    ('premium', "Premium"),
    ]


def _selection(model, name):
    return Pool().get(model).fields_get([name])[name]['selection']


class Rule(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Warranty Rule"
    __name__ = 'yuexing.warranty.rule'
    name = fields.Char("Name", required=True)
    leak_site = fields.Selection('get_leak_sites', "Leak Site", sort=False)
    order_type = fields.Selection('get_order_types', "Order Type")
    material_grade = fields.Selection(GRADES, "Material Grade")
    customer = fields.Many2One(
        'party.party', "Contract Customer",
        domain=[('customer_type', '=', 'enterprise')],
        help="Contract terms of one enterprise customer; empty for "
        "everybody.")
    months = fields.Integer(
        "Period (months)", required=True, domain=[('months', '>', 0)])
    scope = fields.Text("Covered", required=True)
    exclusions = fields.Text("Excluded")

    @classmethod
    def get_leak_sites(cls):
        return [(None, "Any")] + _selection('yuexing.work_order', 'leak_site')

    @classmethod
    def get_order_types(cls):
        return [(None, "Any")] + _selection('yuexing.work_order', 'type')

    def specificity(self):
        return (8 * bool(self.customer) + 4 * bool(self.leak_site)
            + 2 * bool(self.material_grade) + bool(self.order_type))

    def matches(self, order):
        return ((not self.customer or self.customer == order.customer)
            and (not self.leak_site or self.leak_site == order.leak_site)
            and (not self.order_type or self.order_type == order.type)
            and (not self.material_grade
                or self.material_grade == order.material_grade))

    @classmethod
    def match(cls, order, rules=None):
        "The most specific rule for the order, or None."
        if rules is None:
            rules = cls.search([])
        rules = [r for r in rules if r.matches(order)]
        if not rules:
            return None
        return max(rules, key=lambda r: (r.specificity(), -(r.sequence or 0)))


class Warranty(AuditMixin, ServerStates, ModelSQL, ModelView):
    "Warranty"
    __name__ = 'yuexing.warranty'
    _rec_name = 'number'
    number = fields.Char("Number", readonly=True)
    company = fields.Many2One('company.company', "Company", readonly=True)
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True, readonly=True,
        ondelete='RESTRICT')
    customer = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        context={'company': Eval('company', -1)}, depends=['company'])
    address = fields.Many2One('party.address', "Address", readonly=True)
    leak_site = fields.Selection(
        'get_leak_sites', "Leak Site", readonly=True)
    leak_site_string = leak_site.translated('leak_site')
    technician = fields.Many2One(
        'company.employee', "Technician", readonly=True)
    rule = fields.Many2One('yuexing.warranty.rule', "Rule", readonly=True)
    months = fields.Integer("Period (months)", readonly=True)
    scope = fields.Text("Covered", readonly=True)
    exclusions = fields.Text("Excluded", readonly=True)
    start_date = fields.Date("Start", required=True, readonly=True)
    end_date = fields.Date("End", required=True, readonly=True)
    void_reason = fields.Text("Void Reason", readonly=True)
    reminded_on = fields.Date("Reminded On", readonly=True)
    state = fields.Function(
        fields.Selection(STATES, "State"), 'get_state',
        searcher='search_state')
    state_string = state.translated('state')
    repairs = fields.One2Many(
        'yuexing.work_order', 'warranty', "After-sales Repairs",
        readonly=True)
    repair_count = fields.Function(
        fields.Integer("Repairs"), 'get_repair_count')


    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('work_order_unique', Unique(t, t.work_order),
                'yuexing_warranty.msg_warranty_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.customer, Index.Equality())),
                Index(t, (t.end_date, Index.Range())),
                })
        cls._order = [('end_date', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'void': {'invisible': Eval('state') == 'void',
                    'depends': ['state']},
                'claim': {'invisible': Eval('state') == 'void',
                    'depends': ['state']},
                })

    @classmethod
    def get_leak_sites(cls):
        return _selection('yuexing.work_order', 'leak_site')

    @classmethod
    def expiring_days(cls):
        Configuration = Pool().get('yuexing.configuration')
        return Configuration(1).warranty_expiring_days or 0

    @classmethod
    def get_state(cls, warranties, name):
        Date = Pool().get('ir.date')
        today = Date.today()
        soon = today + dt.timedelta(days=cls.expiring_days())
        result = {}
        for warranty in warranties:
            if warranty.void_reason:
                state = 'void'
            elif warranty.end_date < today:
                state = 'expired'
            elif warranty.end_date <= soon:
                state = 'expiring'
            else:
                state = 'active'
            result[warranty.id] = state
        return result

    @classmethod
    def search_state(cls, name, clause):
        Date = Pool().get('ir.date')
        today = Date.today()
        soon = today + dt.timedelta(days=cls.expiring_days())
        _, operator, value = clause[:3]
        domains = {
            'void': [('void_reason', '!=', None)],
            'expired': [('void_reason', '=', None),
                ('end_date', '<', today)],
            'expiring': [('void_reason', '=', None),
                ('end_date', '>=', today), ('end_date', '<=', soon)],
            'active': [('void_reason', '=', None), ('end_date', '>', soon)],
            }
        values = value if isinstance(value, (list, tuple)) else [value]
        wanted = [domains[v] for v in values if v in domains]
        positive = ['OR'] + wanted if wanted else [('id', '=', -1)]
        if operator in {'!=', 'not in'}:
            rest = [domains[s] for s in domains if s not in values]
            return ['OR'] + rest if rest else [('id', '=', -1)]
        return positive

    @classmethod
    def get_repair_count(cls, warranties, name):
        return {w.id: len(w.repairs) for w in warranties}

    @classmethod
    def search_rec_name(cls, name, clause):
        "Lookup by number, order number, phone, address or customer."
        _, operator, value = clause[:3]
        domain = ['OR',
            ('number', operator, value),
            ('work_order.number', operator, value),
            ('customer.name', operator, value),
            ('work_order.address_text', operator, value),
            ('address.street', operator, value),
            ]
        if isinstance(value, str):
            digits = ''.join(c for c in value if c.isdigit())
            if digits and digits.isdigit() and len(digits) >= 4:
                domain.append(('customer.contact_mechanisms.value_compact',
                        'like', '%' + digits + '%'))
                domain.append(('work_order.contact_phone',
                        'like', '%' + digits + '%'))
        return domain

    @classmethod
    def lookup(cls, text):
        "The warranties found by phone, address or order number."
        return cls.search([('rec_name', 'ilike', '%' + text.strip() + '%')])

    # ---- creation ----------------------------------------------------------

    @classmethod
    def create_for(cls, orders):
        """The warranties of finished orders (none for a repair under
        warranty: the original warranty goes on)."""
        pool = Pool()
        Rule = pool.get('yuexing.warranty.rule')
        Date = pool.get('ir.date')
        today = Date.today()
        existing = {w.work_order.id for w in cls.search([
                    ('work_order', 'in', [o.id for o in orders])])}
        rules = Rule.search([])
        to_create = []
        for order in orders:
            if order.id in existing or order.warranty_covered:
                continue
            rule = Rule.match(order, rules)
            if not rule:
                continue
            start = (order.completed_at.date() if order.completed_at
                else today)
            to_create.append({
                    'company': order.company.id,
                    'work_order': order.id,
                    'customer': order.customer.id,
                    'address': order.address.id if order.address else None,
                    'leak_site': order.leak_site,
                    'technician': (order.technician.id
                        if order.technician else None),
                    'rule': rule.id,
                    'months': rule.months,
                    'scope': rule.scope,
                    'exclusions': rule.exclusions,
                    'start_date': start,
                    'end_date': (start + relativedelta(months=rule.months)
                        - dt.timedelta(days=1)),
                    })
        with without_check_access():
            return cls.create(to_create)

    @classmethod
    def create(cls, vlist):
        warranties = super().create(vlist)
        with without_check_access():
            to_write = []
            for warranty in warranties:
                if not warranty.number:
                    to_write.extend(([warranty], {
                                'number': 'ZB' + warranty.work_order.number}))
            if to_write:
                cls.write(*to_write)
        return warranties

    # ---- buttons -----------------------------------------------------------

    @classmethod
    @ModelView.button_action('yuexing_warranty.wizard_void')
    def void(cls, warranties):
        pass

    @classmethod
    def do_void(cls, warranties, reason):
        if not reason:
            raise WarrantyError(gettext(
                    'yuexing_warranty.msg_void_reason_required'))
        with without_check_access():
            cls.write(warranties, {'void_reason': reason})

    @classmethod
    @ModelView.button_action('yuexing_warranty.wizard_claim')
    def claim(cls, warranties):
        pass

    def check_claimable(self, in_scope=True):
        """Refuse a free repair on a void or expired warranty (the customer
        may still book a paid order)."""
        if self.state == 'void':
            raise WarrantyError(gettext(
                    'yuexing_warranty.msg_claim_void',
                    warranty=self.rec_name))
        if in_scope and self.state == 'expired':
            raise WarrantyError(gettext(
                    'yuexing_warranty.msg_claim_expired',
                    warranty=self.rec_name,
                    end=self.end_date.isoformat()))

    def open_claim(self, description, in_scope=True, channel=None):
        """Open the after-sales order (type 售后) of a claim. In scope and
        period it is a free rework of the original order (the original
        technician's rework rate counts it, its cost is warranty cost);
        outside, a paid order quoted as usual."""
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        if not (description or '').strip():
            raise WarrantyError(gettext(
                    'yuexing_warranty.msg_claim_description_required'))
        self.check_claimable(in_scope=in_scope)
        order = self.work_order
        label = gettext('yuexing_warranty.msg_claim_description',
            warranty=self.number, description=description.strip())
        values = {
            'company': order.company.id,
            'type': 'after_sales',
            'channel': channel.id if channel else (
                order.channel.id if order.channel else None),
            'customer': order.customer.id,
            'contact_name': order.contact_name,
            'contact_phone': order.contact_phone,
            'address': order.address.id if order.address else None,
            'leak_site': order.leak_site,
            'severity': order.severity,
            'material_grade': order.material_grade,
            'quantity': order.quantity,
            'priority': 'high' if in_scope else 'normal',
            'description': label,
            'required_skills': [
                ('add', [s.id for s in order.required_skills])],
            'warranty': self.id,
            'warranty_covered': in_scope,
            'origin': str(self),
            }
        if in_scope:
            values['rework_of'] = order.id
        with without_check_access():
            repair, = WorkOrder.create([values])
            WorkOrder.submit([repair])
            if in_scope:
                # Free: no quote, straight to dispatch.
                with WorkOrder._set_state_reason(label):
                    WorkOrder.write([repair], {'state': 'confirmed'})
        return repair

    # ---- reminders ---------------------------------------------------------

    @classmethod
    def send_reminders(cls):
        """Cron: tell the customers and customer service about warranties
        entering their last days and plan a revisit before the end (once
        per warranty)."""
        pool = Pool()
        Message = pool.get('yuexing.message')
        WorkOrder = pool.get('yuexing.work_order')
        Care = pool.get('yuexing.customer.care')
        Date = pool.get('ir.date')
        today = Date.today()
        warranties = cls.search([
                ('state', '=', 'expiring'),
                ('reminded_on', '=', None),
                ])
        if not warranties:
            return []
        staff = WorkOrder.customer_service()
        for warranty in warranties:
            Message.notify('warranty_expiring', [warranty],
                users=staff, parties=[warranty.customer])
        existing = {(c.party.id, c.due_date) for c in Care.search([
                    ('party', 'in', [w.customer.id for w in warranties]),
                    ('kind', '=', 'revisit')])}
        to_create = []
        for warranty in warranties:
            due = max(today, warranty.end_date - dt.timedelta(days=7))
            key = (warranty.customer.id, due)
            if key in existing:
                continue
            existing.add(key)
            to_create.append({
                    'party': warranty.customer.id,
                    'kind': 'revisit',
                    'due_date': due,
                    'user': staff[0].id if staff else None,
                    'subject': gettext(
                        'yuexing_warranty.msg_revisit_subject',
                        warranty=warranty.number,
                        end=warranty.end_date.isoformat()),
                    })
        with without_check_access():
            Care.create(to_create)
            cls.write(warranties, {'reminded_on': today})
        return warranties


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    warranty = fields.Many2One(
        'yuexing.warranty', "Warranty Claimed", readonly=True,
        help="The warranty this after-sales order was claimed on.")
    warranty_covered = fields.Boolean(
        "Under Warranty", readonly=True,
        help="Free to the customer; its cost is warranty cost.")
    warranties = fields.One2Many(
        'yuexing.warranty', 'work_order', "Warranty", readonly=True,
        size=1)

    @classmethod
    def default_warranty_covered(cls):
        return False

    @classmethod
    def _get_origin_models(cls):
        return super()._get_origin_models() + ['yuexing.warranty']

    def check_dispatchable(self):
        # A repair under warranty is free: no quote.
        if self.warranty_covered:
            return
        super().check_dispatchable()

    @classmethod
    def mark_done(cls, orders):
        super().mark_done(orders)
        Warranty = Pool().get('yuexing.warranty')
        Warranty.create_for(orders)

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name in ['warranty', 'warranties']:
            default.setdefault(name, None)
        default.setdefault('warranty_covered', False)
        return super().copy(orders, default=default)


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    warranty_expiring_days = fields.Integer(
        "Warranty Reminder (days)", required=True,
        domain=[('warranty_expiring_days', '>=', 0)],
        help="A warranty is expiring soon this many days before its end: "
        "the customer and customer service are reminded.")
    complaint_calendar = fields.Many2One(
        'yuexing.sla.calendar', "Complaint Calendar",
        help="Working calendar of the complaint handling deadlines.")
    complaint_hours_critical = fields.Float(
        "Critical Complaint (h)", required=True, digits=(6, 1),
        domain=[('complaint_hours_critical', '>', 0)])
    complaint_hours_major = fields.Float(
        "Major Complaint (h)", required=True, digits=(6, 1),
        domain=[('complaint_hours_major', '>', 0)])
    complaint_hours_minor = fields.Float(
        "Minor Complaint (h)", required=True, digits=(6, 1),
        domain=[('complaint_hours_minor', '>', 0)])

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for name in ['warranty_expiring_days', 'complaint_hours_critical',
                'complaint_hours_major', 'complaint_hours_minor']:
            column = getattr(table, name)
            cursor.execute(*table.update(
                    [column], [getattr(cls, 'default_' + name)()],
                    where=column == None))  # noqa: E711

    @classmethod
    def default_warranty_expiring_days(cls):
        return 30

    @classmethod
    def default_complaint_hours_critical(cls):
        return 4.0

    @classmethod
    def default_complaint_hours_major(cls):
        return 8.0

    @classmethod
    def default_complaint_hours_minor(cls):
        return 24.0


class WarrantyCard(Report):
    "Warranty Card"
    __name__ = 'yuexing.warranty.card'
