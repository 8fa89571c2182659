"""数据脱敏: phone numbers, ID numbers and bank accounts masked for the roles
that do not need them, on the server (read, search_read, export_data under
access checks), and the 查看完整号码 wizard that shows a full value to the
roles allowed to ask for it and writes an audit record.

Masking is applied to what read returns, whatever the storage (plain or
encrypted), so it composes with any getter. The JSON API is not masked
here: its serialisers decide (a technician gets the phone of his own
orders, a customer a masked technician phone), with ``phone.mask``."""
import re

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateView, Wizard

from . import phone as phone_tools
from .audit import log_full_view

# Who sees what, in one place. 'full': the groups that see full values in
# lists and forms (their work needs them); 'reveal': the groups that see the
# masked value but may ask for the full one (logged). Every other role
# (finance 财务, warehouse 仓管, …) sees masked values only. Technicians and
# customers use the JSON API, whose serialisers decide.
POLICIES = {
    # customers' phones: customer service calls them, dispatch and project
    # managers arrange visits
    'customer_phone': {
        'full': ['yuexing_base.group_customer_service',
            'yuexing_base.group_dispatcher',
            'yuexing_base.group_project_manager'],
        'reveal': ['yuexing_base.group_management',
            'yuexing_base.group_system_admin', 'res.group_admin'],
        },
    # staff phones: dispatch and project managers call technicians, HR
    # keeps the personnel file
    'staff_phone': {
        'full': ['yuexing_base.group_dispatcher',
            'yuexing_base.group_project_manager',
            'yuexing_base.group_customer_service',
            'yuexing_staff.group_hr'],
        'reveal': ['yuexing_base.group_management',
            'yuexing_base.group_system_admin', 'res.group_admin'],
        },
    # ID numbers and bank accounts: HR and the administrators keep them;
    # management and finance (salary transfers) may look one up
    'staff_private': {
        'full': ['yuexing_staff.group_hr',
            'yuexing_base.group_system_admin', 'res.group_admin'],
        'reveal': ['yuexing_base.group_management',
            'yuexing_base.group_finance'],
        },
    # users' log-in mobiles: the administrators manage the accounts
    'user_phone': {
        'full': ['yuexing_base.group_system_admin', 'res.group_admin'],
        'reveal': ['yuexing_base.group_management'],
        },
    }

_PHONE_IN_TEXT = re.compile(r'(?<!\d)(\+?86[ -]?)?(\d[\d -]{5,}\d)(?!\d)')


def mask_middle(value, head, tail):
    "Keep head and tail characters: 3101**********1234."
    if not value:
        return value
    if len(value) <= head + tail:
        return '*' * len(value)
    return value[:head] + '*' * (len(value) - head - tail) + value[-tail:]


def mask_text(value):
    "Mask the phone-like numbers (7 digits or more) inside a text."
    if not value:
        return value

    def replace(match):
        digits = re.sub(r'\D', '', match.group(2))
        if len(digits) < 7:
            return match.group(0)
        return phone_tools.mask(digits)
    return _PHONE_IN_TEXT.sub(replace, value)


MASKS = {
    'phone': phone_tools.mask,
    'id': lambda v: mask_middle(v, 4, 4),
    'account': lambda v: mask_middle(v, 0, 4),
    'text': mask_text,
    }


def mask(kind, value):
    if not value or not isinstance(value, str):
        return value
    return MASKS[kind](value)


def _group_ids(xml_ids):
    ModelData = Pool().get('ir.model.data')
    result = set()
    for xml_id in xml_ids:
        module, _, name = xml_id.partition('.')
        try:
            result.add(ModelData.get_id(module, name))
        except KeyError:
            pass  # the module of the group is not activated
    return result


def user_may(policy, level='full'):
    "Whether the current user sees full values of policy (or may reveal)."
    if not Transaction().user:
        return True
    User = Pool().get('res.user')
    groups = set(User.get_groups())
    wanted = set(POLICIES[policy]['full'])
    if level == 'reveal':
        wanted |= set(POLICIES[policy]['reveal'])
    return bool(groups & _group_ids(wanted))


def masking_active():
    "Masking applies to RPC-like calls of the back office, not to the API."
    transaction = Transaction()
    return (transaction.check_access
        and not transaction.context.get('yuexing_api_role'))


class MaskedMixin:
    """Add to a model's class to mask fields in read and export_data.

    ``_masked_fields = {field: (kind, policy)}`` or
    ``{field: (kind, policy, (condition_field, values))}`` when only some
    records hold a phone (contact mechanisms of type phone/mobile)."""
    __slots__ = ()
    _masked_fields = {}

    @classmethod
    def _fields_to_mask(cls, names):
        if not masking_active():
            return {}
        return {n: spec for n, spec in cls._masked_fields.items()
            if n in names and not user_may(spec[1])}

    @classmethod
    def read(cls, ids, fields_names):
        result = super().read(ids, fields_names)
        masked = cls._fields_to_mask(set(fields_names))
        if not masked or not result:
            return result
        conditions = {}
        for spec in masked.values():
            if len(spec) > 2:
                field, _ = spec[2]
                if field not in fields_names:
                    conditions[field] = None
        if conditions:
            with without_check_access():
                extra = {r['id']: r for r in super().read(
                            [r['id'] for r in result], list(conditions))}
        else:
            extra = {}
        for row in result:
            for name, spec in masked.items():
                if len(spec) > 2:
                    field, values = spec[2]
                    value = row.get(field, extra.get(row['id'], {}).get(field))
                    if value not in values:
                        continue
                row[name] = mask(spec[0], row[name])
        return result

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        result = super().export_data(records, fields_names, header=header)
        if not masking_active():
            return result
        columns = {}
        for index, path in enumerate(fields_names):
            kind = _masked_kind(cls, path.split('/'))
            if kind:
                columns[index] = kind
        if not columns:
            return result
        start = 1 if header else 0
        for row in result[start:]:
            for index, kind in columns.items():
                row[index] = mask(kind, row[index])
        return result


def _masked_kind(Model, path):
    "The mask kind of the last field of path if the user must not see it."
    for i, name in enumerate(path):
        name = name.split('.')[0]
        field = Model._fields.get(name)
        if field is None:
            return None
        if i < len(path) - 1:
            target = getattr(field, 'get_target', None)
            if target is None:
                return None
            Model = target()
            continue
        spec = getattr(Model, '_masked_fields', {}).get(name)
        if spec and not user_may(spec[1]):
            # conditional fields mask only what looks like a phone
            return 'text' if len(spec) > 2 else spec[0]
    return None


class RevealStart(ModelView):
    "Show Full Value"
    __name__ = 'yuexing.masking.reveal.start'
    values = fields.Text("Full Values", readonly=True)


class Reveal(Wizard):
    """查看完整号码: the full values of the masked fields of the selected
    records, for the roles allowed to ask, each view logged."""
    __name__ = 'yuexing.masking.reveal'
    start = StateView('yuexing.masking.reveal.start',
        'yuexing_base.masking_reveal_start_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        Model = self.model
        specs = getattr(Model, '_masked_fields', {})
        allowed = [n for n, spec in specs.items()
            if n != 'rec_name' and user_may(spec[1], 'reveal')]
        if not allowed:
            name = next(iter(specs), None)
            label = Model._fields[name].string if name else Model.__name__
            raise AccessError(gettext(
                    'yuexing_base.msg_masking_reveal_forbidden',
                    field=label))
        lines = []
        with without_check_access():
            records = Model.browse([r.id for r in self.records])
            # a model whose clear values are not its fields' (encrypted
            # columns, masked function fields) gives them: full_values()
            full_values = getattr(Model, 'full_values', None)
            values = {name: full_values(records, name) if full_values
                else {r.id: getattr(r, name) for r in records}
                for name in allowed}
            for record in records:
                lines.append(record.rec_name)
                for name in allowed:
                    value = values[name].get(record.id)
                    if value:
                        lines.append(
                            f'  {Model._fields[name].string}: {value}')
        log_full_view(records, allowed)
        return {'values': '\n'.join(lines)}
