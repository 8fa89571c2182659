"""月星防水 base: company set-up, roles, regions, customers and the shared
toolkit. Classes are registered in tryton.cfg (Tryton 8.0)."""

# The JSON endpoints register on trytond.wsgi.app when the module is loaded.
from . import chinese_search, login_throttle, routes  # noqa: E402,F401

# trytond's log-in endpoints answer 429 with the real remaining wait.
login_throttle.install_retry_after()
# Chinese text is searched by substring, never by PostgreSQL's words.
chinese_search.install()
