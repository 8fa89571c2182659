"""The generic JSON-RPC (``/<db>/rpc/``, the web client sao) is for the
back office only.

Technicians (师傅), enterprise (B端) and individual (C端) customers use the
JSON API, which authenticates with its own bearer tokens (``api_token``) and
runs each call as the token's user: they never need an ``ir.session``.
The public proxy exposes ``/<db>/rpc/`` too, so a user whose only roles are
external is refused twice:

- at log-in (``res.user.get_login``, used by ``common.db.login``, the cookie
  log-in and HTTP basic authentication), unless the JSON API's own password
  log-in asks (it sets ``_yuexing_api_login``: a context key starting with
  ``_`` cannot be sent by an RPC client, trytond's RPC layer drops them);
- at every call (``ir.session.check``), for a session obtained in any other
  way (created before the user lost the back-office role, forged in the
  database...).
"""
import logging

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)

# The roles (res.group xml ids in yuexing_base) that work through the JSON
# API only. Any other group (our back-office roles, Tryton's own groups)
# opens the back office.
EXTERNAL_GROUPS = (
    'group_technician', 'group_b2b_customer', 'group_c2c_customer')
API_LOGIN = '_yuexing_api_login'


def rpc_allowed(user_id):
    "Whether user_id may use the generic JSON-RPC (has a back-office role)."
    if not user_id:
        return True  # root: the server itself
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    external = {ModelData.get_id('yuexing_base', name)
        for name in EXTERNAL_GROUPS}
    return bool(set(User.get_groups_of(user_id)) - external)


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def get_login(cls, login, parameters):
        user_id = super().get_login(login, parameters)
        if (user_id and not Transaction().context.get(API_LOGIN)
                and not rpc_allowed(user_id)):
            logger.info("RPC log-in refused for '%s': no back-office role",
                login)
            return None
        return user_id


class Session(metaclass=PoolMeta):
    __name__ = 'ir.session'

    @classmethod
    def check(cls, user, key, domain=None):
        find = super().check(user, key, domain=domain)
        if find and not rpc_allowed(user):
            logger.info("RPC session refused for user %s: no back-office "
                "role", user)
            return False
        return find
