"""Work-order events of the message centre."""
from trytond.pool import PoolMeta

EVENTS = [
    ('order_rejected', "Order Rejected by Technician"),
    ('order_escalated', "Order Not Taken in Time"),
    ('order_construction_done', "Construction Finished"),
    ('sla_breached', "SLA Breached"),
    ('quote_requested', "Survey and Quote Requested by Customer"),
    ('quote_rejected', "Quote Rejected by Customer"),
    ('order_cancelled', "Order Cancelled by Customer"),
    ]


class Template(metaclass=PoolMeta):
    __name__ = 'yuexing.message.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        known = {code for code, _ in cls.event.selection}
        cls.event.selection.extend(
            e for e in EVENTS if e[0] not in known)

    @classmethod
    def event_variable(cls, event):
        # SLA and customer quote events are about an order: templates
        # write {{order.number}}.
        if event in {'sla_breached', 'quote_requested', 'quote_rejected',
                'order_cancelled'}:
            return 'order'
        return super().event_variable(event)
