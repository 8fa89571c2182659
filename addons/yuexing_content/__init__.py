"""月星防水 content for the C端 mini-program: home banners and promotions,
the knowledge base and customer feedback. Classes are registered in
tryton.cfg."""

# The JSON endpoints register on trytond.wsgi.app when the module is loaded.
from . import routes  # noqa: E402,F401
