"""月星防水 师傅端: what the technicians' mini-program adds to work orders and
staff — new orders pushed as WeChat subscribe messages, the technician's own
profile and bank card (confirmed by SMS code), daily construction logs and
the skills and certificates list. Classes are registered in tryton.cfg."""

# The JSON endpoints register on trytond.wsgi.app when the module is loaded.
from . import (
    routes,  # noqa: E402,F401
    routes_exam,  # noqa: E402,F401
)
