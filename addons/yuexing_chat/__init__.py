"""月星防水 协作沟通 (chat): conversations about a work order between the
customer and the technician, a technician's line to the office and the
team channels (班组协作); text, images and voice clips, unread counts,
WeChat subscribe messages as the push. Classes are registered in
tryton.cfg."""

# The JSON endpoints register on trytond.wsgi.app when the module is loaded.
from . import routes  # noqa: E402,F401
