"""客户管理 on party.party: type, classification, channels, contacts,
score and care dates, duplicate detection and archive-instead-of-delete."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from . import phone as phone_tools
from .audit import AuditMixin
from .exceptions import CustomerDeleteError, DuplicatePhoneWarning
from .masking import MaskedMixin

CUSTOMER_TYPES = [
    (None, ''),
    ('individual', "Individual (C)"),
    ('enterprise', "Enterprise (B)"),
    ]
GRADES = [
    (None, ''),
    ('A', "A"),
    ('B', "B"),
    ('C', "C"),
    ('D', "D"),
    ]


class Party(AuditMixin, MaskedMixin, metaclass=PoolMeta):
    __name__ = 'party.party'
    _masked_fields = {n: ('phone', 'customer_phone')
        for n in ['phone', 'mobile', 'fax', 'phone_display']}

    customer_type = fields.Selection(
        CUSTOMER_TYPES, "Customer Type",
        help="Individual residents (C端) or enterprises and parks (B端).")
    customer_type_string = customer_type.translated('customer_type')
    classifications = fields.Many2Many(
        'party.party-yuexing.customer.classification', 'party',
        'classification', "Classifications")
    channels = fields.Many2Many(
        'party.party-yuexing.channel', 'party', 'channel', "Channels",
        help="Where the customer came from.")
    contacts = fields.One2Many(
        'yuexing.party.contact', 'party', "Contacts")
    account_manager = fields.Many2One(
        'res.user', "Account Manager",
        help="Receives the customer-care reminders.")
    birthday = fields.Date(
        "Birthday",
        states={
            'invisible': Eval('customer_type') == 'enterprise',
            })
    cooperation_date = fields.Date(
        "Cooperation Start",
        help="Start of the business relationship; its anniversary triggers "
        "a care reminder.")
    revisit_interval = fields.Integer(
        "Revisit Interval", help="In days; empty means no periodic revisit.",
        domain=[
            If(Eval('revisit_interval'),
                ('revisit_interval', '>', 0),
                ()),
            ])
    last_visit_date = fields.Date("Last Visit")
    next_revisit_date = fields.Function(
        fields.Date("Next Revisit"), 'on_change_with_next_revisit_date')
    score = fields.Integer(
        "Score", readonly=True,
        help="0–100, recomputed daily from the customer's profile and "
        "history.")
    score_adjustment = fields.Integer(
        "Score Adjustment",
        domain=[
            If(Eval('score_adjustment'),
                [('score_adjustment', '>=', -50),
                    ('score_adjustment', '<=', 50)],
                []),
            ],
        help="Manual bonus or malus added to the computed score.")
    grade = fields.Function(
        fields.Selection(GRADES, "Grade"), 'get_grade',
        searcher='search_grade')
    cares = fields.One2Many(
        'yuexing.customer.care', 'party', "Care Activities", readonly=True)
    phone_display = fields.Function(
        fields.Char("Phone"), 'get_phone_display')
    region_name = fields.Function(
        fields.Char("Region"), 'get_region_name')
    duplicates = fields.Function(
        fields.Many2Many('party.party', None, None, "Possible Duplicates"),
        'get_duplicates')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A customer without a name cannot be called back or billed.
        cls.name.states = dict(cls.name.states)
        cls.name.states['required'] = (
            cls.name.states.get('required', False)
            | Bool(Eval('customer_type')))
        cls.name.depends |= {'customer_type'}
        cls._buttons.update({
                'compute_score': {
                    'invisible': ~Eval('id', -1) | (Eval('id', -1) < 0),
                    'depends': ['id'],
                    },
                'merge_duplicates': {
                    'invisible': ~Eval('duplicates', []),
                    'depends': ['duplicates'],
                    },
                })

    def get_phone_display(self, name):
        for mechanism in self.contact_mechanisms:
            if mechanism.type in {'mobile', 'phone'}:
                return mechanism.value
        for contact in self.contacts:
            return contact.phone

    def get_region_name(self, name):
        for address in self.addresses:
            names = [r.name for r in (
                    address.city_region, address.district) if r]
            if names:
                return ''.join(names)

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, value, *_ = clause
        # Customer service looks customers up by the phone they call from.
        if isinstance(value, str) and operator in {'ilike', 'like', '='}:
            e164 = phone_tools.normalize(value.strip('%'))
            if e164:
                domain = ['OR', domain,
                    ('contact_mechanisms.value_compact', '=', e164),
                    ('contacts.phone_compact', '=', e164),
                    ]
        return domain

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//page[@id="customer"]|//page[@name="cares"]', 'states', {
                    'invisible': ~Eval('customer_type'),
                    }),
            ('//page[@name="duplicates"]', 'states', {
                    'invisible': ~Eval('duplicates', []),
                    }),
            ]

    @staticmethod
    def default_customer_type():
        # Set by the customer menus; parties created elsewhere (employees,
        # suppliers, the company) are not customers.
        return Transaction().context.get('customer_type')

    @staticmethod
    def default_score():
        return 0

    @fields.depends('last_visit_date', 'revisit_interval', 'create_date')
    def on_change_with_next_revisit_date(self, name=None):
        if not self.revisit_interval:
            return None
        start = self.last_visit_date
        if not start and self.create_date:
            start = self.create_date.date()
        if start:
            return start + dt.timedelta(days=self.revisit_interval)

    @classmethod
    def grade_of(cls, score):
        score = score or 0
        if score >= 80:
            return 'A'
        elif score >= 60:
            return 'B'
        elif score >= 40:
            return 'C'
        return 'D'

    def get_grade(self, name):
        return self.grade_of(self.score)

    @classmethod
    def search_grade(cls, name, clause):
        _, operator, value = clause[:3]
        bounds = {
            'A': (80, None), 'B': (60, 79), 'C': (40, 59), 'D': (None, 39)}
        grades = set(value if isinstance(value, (list, tuple)) else [value])
        if operator in {'!=', 'not in'}:
            grades = set(bounds) - grades
        domain = ['OR']
        for grade in sorted(grades & set(bounds)):
            low, high = bounds[grade]
            leaf = []
            if low is not None:
                leaf.append(('score', '>=', low))
            if high is not None:
                leaf.append(['OR', ('score', '<=', high), ('score', '=', None)]
                    if grade == 'D' else ('score', '<=', high))
            domain.append(leaf)
        return domain if len(domain) > 1 else [('id', '=', -1)]

    # ---- score -------------------------------------------------------------

    def score_factors(self):
        """Return {factor: points} making the customer score.

        Other modules extend this (orders, payments, complaints) with
        super(); the total is clipped to 0–100.
        """
        factors = {}
        complete = 0
        if any(m.type in {'mobile', 'phone'} for m in self.contact_mechanisms):
            complete += 5
        if any(getattr(a, 'district', None) for a in self.addresses):
            complete += 5
        if self.contacts:
            complete += 5
        if self.classifications or self.categories:
            complete += 5
        factors['profile'] = complete
        start = self.cooperation_date or (
            self.create_date.date() if self.create_date else None)
        if start:
            years = (dt.date.today() - start).days // 365
            factors['loyalty'] = min(20, 5 * years)
        if self.customer_type == 'enterprise':
            factors['enterprise'] = 10
        if any(c.code == 'referral' for c in self.channels):
            factors['referral'] = 5
        factors['base'] = 30
        if self.score_adjustment:
            factors['adjustment'] = self.score_adjustment
        return factors

    @classmethod
    @ModelView.button
    def compute_score(cls, parties):
        to_write = []
        for party in parties:
            score = max(0, min(100, sum(party.score_factors().values())))
            if score != party.score:
                to_write.extend(([party], {'score': score}))
        if to_write:
            cls.write(*to_write)

    @classmethod
    def recompute_scores(cls):
        "Cron: recompute the score of every active customer."
        parties = cls.search([('customer_type', '!=', None)])
        for start in range(0, len(parties), 1000):
            cls.compute_score(parties[start:start + 1000])

    # ---- duplicates --------------------------------------------------------

    @classmethod
    def get_duplicates(cls, parties, name):
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        result = {p.id: [] for p in parties}
        phones = {}
        for party in parties:
            for mechanism in party.contact_mechanisms:
                if mechanism.type in {'phone', 'mobile'} \
                        and mechanism.value_compact:
                    phones.setdefault(mechanism.value_compact, set()).add(
                        party.id)
        if not phones:
            return result
        others = ContactMechanism.search([
                ('value_compact', 'in', list(phones)),
                ('type', 'in', ['phone', 'mobile']),
                ('party.active', '=', True),
                ])
        for other in others:
            for party_id in phones.get(other.value_compact, ()):
                if other.party.id != party_id \
                        and other.party.id not in result[party_id]:
                    result[party_id].append(other.party.id)
        return result

    @classmethod
    @ModelView.button_action('party.wizard_replace')
    def merge_duplicates(cls, parties):
        pass

    @classmethod
    def find_by_phone(cls, number):
        "Return the active parties having this phone number (any format)."
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        Contact = pool.get('yuexing.party.contact')
        e164 = phone_tools.normalize(number)
        if not e164:
            return []
        parties = {m.party for m in ContactMechanism.search([
                    ('value_compact', '=', e164),
                    ('party.active', '=', True),
                    ])}
        parties.update(c.party for c in Contact.search([
                    ('phone_compact', '=', e164),
                    ('party.active', '=', True),
                    ]))
        return sorted(parties, key=lambda p: p.id)

    @classmethod
    def check_duplicate_phones(cls, parties):
        "Warn (the user may go on) when a phone is already another customer's."
        pool = Pool()
        Warning = pool.get('res.user.warning')
        for party in parties:
            duplicates = party.duplicates
            if not duplicates:
                continue
            key = Warning.format('duplicate_phone', [party])
            if Warning.check(key):
                raise DuplicatePhoneWarning(key, gettext(
                        'yuexing_base.msg_party_duplicate_phone',
                        party=party.rec_name,
                        others='、'.join(p.rec_name for p in duplicates)))

    @classmethod
    def validate(cls, parties):
        super().validate(parties)
        cls.check_duplicate_phones(parties)

    # ---- deletion ----------------------------------------------------------

    @classmethod
    def delete_blockers(cls):
        """Return (model name, party field) pairs of business records that
        forbid deleting a customer; modules add theirs (work orders, bills,
        contracts...)."""
        return []

    @classmethod
    def check_modification(cls, mode, parties, values=None, external=False):
        super().check_modification(
            mode, parties, values=values, external=external)
        if mode == 'delete':
            cls.check_delete_blockers(parties)

    @classmethod
    def check_delete_blockers(cls, parties):
        pool = Pool()
        ids = [p.id for p in parties]
        for model_name, field_name in cls.delete_blockers():
            Model = pool.get(model_name)
            with Transaction().set_context(
                    active_test=False, _check_access=False):
                records = Model.search(
                    [(field_name, 'in', ids)], limit=1)
            if records:
                record, = records
                party = getattr(record, field_name)
                raise CustomerDeleteError(gettext(
                        'yuexing_base.msg_party_delete_has_records',
                        party=party.rec_name,
                        records=Model.__names__()['model'],
                        record=record.rec_name))

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('score', 0)
        default.setdefault('cares', None)
        default.setdefault('last_visit_date', None)
        return super().copy(parties, default=default)


class PartyClassification(ModelSQL):
    __name__ = 'party.party-yuexing.customer.classification'
    party = fields.Many2One(
        'party.party', "Party", ondelete='CASCADE', required=True)
    classification = fields.Many2One(
        'yuexing.customer.classification', "Classification",
        ondelete='CASCADE', required=True)


class PartyChannel(ModelSQL):
    __name__ = 'party.party-yuexing.channel'
    party = fields.Many2One(
        'party.party', "Party", ondelete='CASCADE', required=True)
    channel = fields.Many2One(
        'yuexing.channel', "Channel", ondelete='CASCADE', required=True)


class PartyReplace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('yuexing.party.contact', 'party'),
            ('yuexing.customer.care', 'party'),
            ]


class PartyReplaceAsk(metaclass=PoolMeta):
    __name__ = 'party.replace.ask'

    @classmethod
    def default_destination(cls):
        # Offer the oldest record sharing a phone as the one to keep.
        pool = Pool()
        Party = pool.get('party.party')
        source = cls.default_source()
        if source is not None and source >= 0:
            duplicates = Party(source).duplicates
            if duplicates:
                return min(p.id for p in duplicates)
