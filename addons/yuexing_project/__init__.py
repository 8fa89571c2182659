"""月星防水 项目管理: B端 projects on Tryton's project and project_plan —
立项 with budget versions, risks and approval, the schedule with the
critical path (networkx), resources with conflict checks, work orders
under a project, changes with their budget and schedule impact, earned
value. Classes are registered in tryton.cfg (Tryton 8.0)."""

# The JSON endpoints register on trytond.wsgi.app when the module is loaded.
from . import routes  # noqa: E402,F401
