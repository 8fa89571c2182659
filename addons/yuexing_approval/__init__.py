"""月星防水 approval engine (流程配置): flows of steps per document type, the
approvers' todo lists, decisions and history. Documents get it from
mixin.ApprovalMixin. Classes are registered in tryton.cfg (Tryton 8.0)."""

# The JSON endpoints register on trytond.wsgi.app when the module is loaded.
from . import routes  # noqa: E402,F401
