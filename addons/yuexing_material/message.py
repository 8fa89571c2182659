"""Material events of the message centre."""
from trytond.pool import PoolMeta

EVENTS = [
    ('requisition_waiting', "Requisition Waiting Issue"),
    ('van_negative', "Van Stock Below Zero"),
    ('replenish_needed', "Replenishment Requested"),
    ('batch_expiring', "Batches Expiring"),
    ('loan_overdue', "Tool Loan Overdue"),
    ]


class Template(metaclass=PoolMeta):
    __name__ = 'yuexing.message.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        known = {code for code, _ in cls.event.selection}
        cls.event.selection.extend(
            e for e in EVENTS if e[0] not in known)
