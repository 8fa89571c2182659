"""月星防水 work orders: intake, estimate and quote, dispatch, construction,
acceptance, rating and SLA. Classes are registered in tryton.cfg."""

# The JSON endpoints register on trytond.wsgi.app when the module is loaded.
from . import (
    routes,  # noqa: E402,F401
    routes_technician,  # noqa: E402,F401
)
