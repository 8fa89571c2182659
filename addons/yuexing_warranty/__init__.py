"""月星防水 质保与售后: a warranty per finished order, after-sales repairs
claimed on it, satisfaction surveys, complaints and the internal case
library. Classes are registered in tryton.cfg (Tryton 8.0)."""

# The JSON endpoints register on trytond.wsgi.app when the module is loaded.
from . import routes  # noqa: E402,F401
