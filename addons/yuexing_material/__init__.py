"""月星防水 物料与库存: the material master on Tryton's products, the central
warehouse and the technicians' vans (stock locations), requisitions and
returns per work order, on-site consumption booked as stock moves at cost,
and stocktaking with approval. Classes are registered in tryton.cfg."""

# The JSON endpoints register on trytond.wsgi.app when the module is loaded.
from . import routes, tool_routes  # noqa: E402,F401
