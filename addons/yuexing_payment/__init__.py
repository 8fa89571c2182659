"""月星防水 payments: bills, WeChat Pay v3 and Alipay, offline receipts,
refunds, receivables and reconciliation. Classes are registered in
tryton.cfg; the JSON routes are imported here."""
from . import routes  # noqa: F401
