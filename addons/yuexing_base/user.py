"""Users of customer roles are bound to the customer they act for; record
rules use it so that a B端/C端 user only ever sees their own data."""
from trytond.i18n import gettext
from trytond.model import Index, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import phone as phone_tools
from .exceptions import PhoneNumberError
from .masking import MaskedMixin


class User(MaskedMixin, metaclass=PoolMeta):
    __name__ = 'res.user'
    _masked_fields = {
        'mobile': ('phone', 'user_phone'),
        'mobile_compact': ('phone', 'user_phone'),
        }

    customer = fields.Many2One(
        'party.party', "Customer",
        context={'company': Eval('company', -1)}, depends={'company'},
        help="For customer accounts (B端/C端): the customer this user acts "
        "for; record rules restrict the user to it.")
    mobile = fields.Char(
        "Mobile", help="Used to log in with an SMS code and to receive "
        "notifications by SMS.")
    mobile_compact = fields.Char("Mobile (E.164)", readonly=True)
    wechat_openid = fields.Char("WeChat OpenID", readonly=True,
        strip=False)
    wechat_unionid = fields.Char("WeChat UnionID", readonly=True,
        strip=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_constraints += [
            ('wechat_openid_unique', Unique(table, table.wechat_openid),
                'yuexing_base.msg_user_openid_unique'),
            ]
        cls._sql_indexes.add(
            Index(table, (table.mobile_compact, Index.Equality())))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('mobile'):
            e164 = phone_tools.normalize(values['mobile'])
            if e164:
                values['mobile'] = phone_tools.national(e164)
                values['mobile_compact'] = e164
        elif 'mobile' in values:
            values['mobile_compact'] = None
        return values

    @classmethod
    def validate_fields(cls, users, field_names):
        super().validate_fields(users, field_names)
        if field_names and 'mobile' not in field_names:
            return
        for user in users:
            if not user.mobile:
                continue
            try:
                phone_tools.parse(user.mobile, phone_tools.MOBILE)
            except phone_tools.PhoneError as exception:
                raise PhoneNumberError(gettext(
                        'yuexing_base.msg_invalid_phone',
                        field=cls.mobile.string, value=user.mobile,
                        record=user.rec_name, reason=str(exception))) from None

    @classmethod
    def write(cls, *args):
        pool = Pool()
        Token = pool.get('yuexing.api.token')
        actions = iter(args)
        revoke = []
        for users, values in zip(actions, actions, strict=False):
            if 'password' in values or values.get('active') is False:
                revoke.extend(users)
        super().write(*args)
        if revoke:
            # A new password or a deactivation ends the API sessions too.
            Token.revoke_user(revoke)

    @classmethod
    def get_groups_of(cls, user_id):
        "The group ids of user_id (get_groups is for the current user)."
        with Transaction().set_user(user_id):
            return cls.get_groups()

    @classmethod
    def find_by_mobile(cls, e164):
        "Active users whose mobile is the E.164 number."
        return cls.search([
                ('mobile_compact', '=', e164),
                ('active', '=', True),
                ], order=[('id', 'ASC')])

    @classmethod
    def get_customer_parties(cls):
        "Ids of the customers the current user acts for (for record rules)."
        user_id = Transaction().user
        if not user_id:
            return []
        user = cls(user_id)
        return [user.customer.id] if user.customer else []


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "customer_parties" as list of ids of the customers the '
            'current user acts for'
            '\n- "employees" as list of ids of the current user\'s employees '
            '(for every model)'
            '\n- "user_id" as the id of the current user')

    @classmethod
    def _get_cache_key(cls, model_names):
        User = Pool().get('res.user')
        key = super()._get_cache_key(model_names)
        return (*key, tuple(User.get_customer_parties()),
            User.get_employees(), Transaction().user)

    @classmethod
    def _get_context(cls, model_name):
        User = Pool().get('res.user')
        context = super()._get_context(model_name)
        context['customer_parties'] = User.get_customer_parties()
        # Technicians' records are scoped by their employee everywhere,
        # not only on the stock models that ask for it.
        context.setdefault('employees', User.get_employees())
        context['user_id'] = Transaction().user
        return context
