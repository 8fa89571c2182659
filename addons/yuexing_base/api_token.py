"""Bearer tokens of the JSON API: issued by the log-in endpoints, bound to a
user and a role, expiring, refreshable (rotation) and revocable. Only
SHA-256 hashes of the secrets are stored."""
import datetime as dt
import hashlib
import secrets

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from .api.endpoint import ROLES
from .api_rate import execute_autonomous

ROLE_SELECTION = [
    ('customer', "Resident (C)"),
    ('technician', "Technician"),
    ('portal', "Enterprise Portal (B)"),
    ('staff', "Staff"),
    ]
# The res.group (xml id in yuexing_base) a user needs to get a token of a
# role; 'staff' is any back-office role.
ROLE_GROUPS = {
    'customer': ['group_c2c_customer'],
    'technician': ['group_technician'],
    'portal': ['group_b2b_customer'],
    'staff': ['group_customer_service', 'group_dispatcher',
        'group_project_manager', 'group_warehouse', 'group_finance',
        'group_management', 'group_system_admin'],
    }
TOUCH_SECONDS = 60
assert set(ROLE_GROUPS) == set(ROLES)


def hash_secret(secret):
    return hashlib.sha256(secret.encode('utf-8')).hexdigest()


def new_secret(prefix):
    return prefix + secrets.token_urlsafe(32)


class Token(ModelSQL, ModelView):
    "API Token"
    __name__ = 'yuexing.api.token'
    _rec_name = 'hint'

    user = fields.Many2One(
        'res.user', "User", required=True, readonly=True,
        ondelete='CASCADE')
    role = fields.Selection(ROLE_SELECTION, "Role", required=True,
        readonly=True)
    client = fields.Char("Client", readonly=True,
        help="The application that logged in, e.g. the mini-program.")
    hint = fields.Char("Token", readonly=True,
        help="The first characters of the token, to recognise it.")
    token_hash = fields.Char("Token Hash", required=True, readonly=True,
        strip=False)
    refresh_hash = fields.Char("Refresh Hash", readonly=True, strip=False)
    expires_at = fields.Timestamp("Expires At", required=True,
        readonly=True)
    refresh_expires_at = fields.Timestamp("Refresh Expires At",
        readonly=True)
    revoked_at = fields.Timestamp("Revoked At", readonly=True)
    last_used_at = fields.Timestamp("Last Used At", readonly=True)
    last_ip = fields.Char("Last IP Address", readonly=True)
    state = fields.Function(fields.Selection([
                ('active', "Active"),
                ('expired', "Expired"),
                ('revoked', "Revoked"),
                ], "State"), 'get_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_indexes.update({
                Index(table, (table.token_hash, Index.Equality(
                            cardinality='high'))),
                Index(table, (table.refresh_hash, Index.Equality(
                            cardinality='high'))),
                Index(table, (table.user, Index.Equality()),
                    where=table.revoked_at == None),  # noqa: E711
                })
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'revoke': {
                    'invisible': Bool(Eval('revoked_at')),
                    'depends': ['revoked_at'],
                    },
                })

    def get_state(self, name):
        if self.revoked_at:
            return 'revoked'
        if self.expires_at < dt.datetime.now() and (
                not self.refresh_expires_at
                or self.refresh_expires_at < dt.datetime.now()):
            return 'expired'
        return 'active'

    @classmethod
    def role_groups(cls, role):
        ModelData = Pool().get('ir.model.data')
        return {ModelData.get_id('yuexing_base', name)
            for name in ROLE_GROUPS[role]}

    @classmethod
    def user_roles(cls, user):
        "The API roles the user may log in with."
        User = Pool().get('res.user')
        groups = set(User.get_groups_of(user.id))
        return [r for r in ROLES if cls.role_groups(r) & groups]

    @classmethod
    def issue(cls, user, role, client=None):
        """Create a token for user in role; returns the answer of the log-in
        endpoints (the secrets are only ever shown here)."""
        Configuration = Pool().get('yuexing.configuration')
        settings = Configuration.settings(
            'api_token_minutes', 'api_refresh_days')
        now = dt.datetime.now()
        access, refresh = new_secret('yxa_'), new_secret('yxr_')
        token, = cls.create([{
                    'user': user.id,
                    'role': role,
                    'client': (client or '')[:64] or None,
                    'hint': access[:10],
                    'token_hash': hash_secret(access),
                    'refresh_hash': hash_secret(refresh),
                    'expires_at': now + dt.timedelta(
                        minutes=settings['api_token_minutes']),
                    'refresh_expires_at': now + dt.timedelta(
                        days=settings['api_refresh_days']),
                    }])
        return token, {
            'access_token': access,
            'token_type': 'Bearer',
            'expires_in': settings['api_token_minutes'] * 60,
            'refresh_token': refresh,
            'refresh_expires_in': settings['api_refresh_days'] * 86400,
            'role': role,
            }

    @classmethod
    def authenticate(cls, secret):
        "(token, None) or (None, reason) for a bearer secret."
        if not secret or len(secret) > 256:
            return None, 'token_invalid'
        tokens = cls.search([('token_hash', '=', hash_secret(secret))],
            limit=1)
        if not tokens:
            return None, 'token_invalid'
        token, = tokens
        if token.revoked_at:
            return None, 'token_revoked'
        if token.expires_at <= dt.datetime.now():
            return None, 'token_expired'
        if not token.user.active:
            return None, 'token_invalid'
        if token.role not in cls.user_roles(token.user):
            # the user lost the role since the log-in
            return None, 'token_revoked'
        return token, None

    @classmethod
    def touch(cls, token):
        "Record the last use, at most once a minute (few row locks)."
        now = dt.datetime.now()
        if token.last_used_at and (
                now - token.last_used_at).total_seconds() < TOUCH_SECONDS:
            return
        table = cls.__table__()
        ip, _ = Transaction().remote_address()
        execute_autonomous(table.update(
                [table.last_used_at, table.last_ip],
                [now, str(ip) if ip else None],
                where=table.id == token.id))

    @classmethod
    def refresh(cls, secret):
        """Rotate: a new token for the refresh secret, the old one revoked.
        Returns (token, answer) or (None, reason)."""
        if not secret or len(secret) > 256:
            return None, 'refresh_invalid'
        tokens = cls.search(
            [('refresh_hash', '=', hash_secret(secret))], limit=1)
        if not tokens:
            return None, 'refresh_invalid'
        token, = tokens
        if token.revoked_at or not token.refresh_expires_at or (
                token.refresh_expires_at <= dt.datetime.now()):
            return None, 'refresh_invalid'
        if not token.user.active or token.role not in cls.user_roles(
                token.user):
            return None, 'refresh_invalid'
        cls.revoke_tokens([token])
        return cls.issue(token.user, token.role, token.client)

    @classmethod
    def revoke_tokens(cls, tokens):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        ids = [t.id for t in tokens]
        if ids:
            cursor.execute(*table.update(
                    [table.revoked_at], [dt.datetime.now()],
                    where=table.id.in_(ids) & (
                        table.revoked_at == None)))  # noqa: E711

    @classmethod
    @ModelView.button
    def revoke(cls, tokens):
        cls.revoke_tokens(tokens)

    @classmethod
    def revoke_user(cls, users):
        "Revoke every token of the users (password change, deactivation)."
        tokens = cls.search([
                ('user', 'in', [u.id for u in users]),
                ('revoked_at', '=', None),
                ])
        cls.revoke_tokens(tokens)

    @classmethod
    def clean(cls):
        "Cron: forget tokens that ended more than 30 days ago."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        limit = dt.datetime.now() - dt.timedelta(days=30)
        cursor.execute(*table.delete(
                where=((table.refresh_expires_at < limit)
                    | (table.revoked_at < limit)
                    | ((table.refresh_expires_at == None)  # noqa: E711
                        & (table.expires_at < limit)))))
