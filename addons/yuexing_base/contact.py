"""联系人 (people to call at a customer) and Chinese phone rules on Tryton's
contact mechanisms."""
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    Index,
    ModelSQL,
    ModelView,
    fields,
    sequence_ordered,
)
from trytond.pool import Pool, PoolMeta

from . import phone as phone_tools
from .audit import AuditMixin
from .exceptions import PhoneNumberError
from .masking import MaskedMixin
from .workflow import field_label

CONTACT_ROLES = [
    ('owner', "Owner"),
    ('family', "Family Member"),
    ('tenant', "Tenant"),
    ('manager', "Person in Charge"),
    ('property', "Property Manager"),
    ('engineering', "Engineering"),
    ('finance', "Finance"),
    ('purchasing', "Purchasing"),
    ('other', "Other"),
    ]


def check_phone(value, record, field_label, kind=None):
    "Raise PhoneNumberError naming the field when value is not a CN number."
    try:
        return phone_tools.parse(value, kind)
    except phone_tools.PhoneError as reason:
        raise PhoneNumberError(gettext(
                'yuexing_base.msg_invalid_phone',
                field=field_label, value=value, reason=str(reason),
                record=record)) from reason


class Contact(AuditMixin, MaskedMixin, DeactivableMixin, sequence_ordered(),
        ModelSQL, ModelView):
    "Customer Contact"
    __name__ = 'yuexing.party.contact'
    _masked_fields = {
        'phone': ('phone', 'customer_phone'),
        'phone_compact': ('phone', 'customer_phone'),
        'rec_name': ('text', 'customer_phone'),
        }
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True, strip=True)
    role = fields.Selection(CONTACT_ROLES, "Role", required=True, sort=False)
    role_string = role.translated('role')
    position = fields.Char("Position")
    phone = fields.Char("Phone", required=True, strip=True)
    phone_compact = fields.Char("Phone (E.164)", readonly=True)
    email = fields.Char("E-mail")
    primary = fields.Boolean(
        "Primary", help="The first person to call for this customer.")
    comment = fields.Text("Comment")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('party')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.phone_compact, Index.Equality())))

    @staticmethod
    def default_role():
        return 'manager'

    def get_rec_name(self, name):
        return f'{self.name} ({self.phone})'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value, *extra = clause
        domain = ['OR',
            ('name', operator, value, *extra),
            ('phone', operator, value, *extra),
            ]
        if isinstance(value, str):
            e164 = phone_tools.normalize(value.strip('%'))
            if e164:
                domain.append(('phone_compact', '=', e164))
        return domain

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('phone'):
            e164 = phone_tools.normalize(values['phone'])
            if e164:
                values['phone'] = phone_tools.national(values['phone'])
                values['phone_compact'] = e164
        return values

    @classmethod
    def validate_fields(cls, contacts, field_names):
        super().validate_fields(contacts, field_names)
        if field_names and 'phone' not in field_names:
            return
        label = field_label(cls, 'phone')
        for contact in contacts:
            check_phone(contact.phone, contact.party.rec_name, label)


class ContactMechanism(AuditMixin, MaskedMixin, metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'
    _masked_fields = {n: (kind, 'customer_phone',
            ('type', {'phone', 'mobile', 'fax'}))
        for n, kind in [('value', 'phone'), ('value_compact', 'phone'),
            ('rec_name', 'text')]}

    def _phone_country_codes(self):
        # Numbers typed without +86 are Chinese.
        yield 'CN'
        yield from super()._phone_country_codes()

    def format_value(self, value=None, type_=None):
        if type_ in {'phone', 'mobile'} and value:
            return phone_tools.national(value)
        return super().format_value(value=value, type_=type_)

    def format_value_compact(self, value=None, type_=None):
        if type_ in {'phone', 'mobile'} and value:
            return phone_tools.normalize(value) or value
        return super().format_value_compact(value=value, type_=type_)

    @classmethod
    def check_valid_phonenumber(cls, mechanisms, field_names=None):
        if field_names and not (field_names & {'type', 'value'}):
            return
        for mechanism in mechanisms:
            if mechanism.type not in {'phone', 'mobile'}:
                continue
            kind = phone_tools.MOBILE if mechanism.type == 'mobile' else None
            check_phone(
                mechanism.value, mechanism.party.rec_name,
                mechanism.type_string, kind)

    @classmethod
    def validate(cls, mechanisms):
        pool = Pool()
        Party = pool.get('party.party')
        super().validate(mechanisms)
        Party.check_duplicate_phones(
            Party.browse({m.party.id for m in mechanisms}))
