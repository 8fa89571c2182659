"""Payment events of the message centre and the crons."""
from trytond.pool import PoolMeta

EVENTS = [
    ('payment_alert', "Payment Alert"),
    ('refund_requested', "Refund to Approve"),
    ('bill_overdue', "Bill Overdue"),
    ]
VARIABLES = {'payment_alert': 'alert', 'refund_requested': 'refund',
    'bill_overdue': 'bill'}


class Template(metaclass=PoolMeta):
    __name__ = 'yuexing.message.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        known = {code for code, _ in cls.event.selection}
        cls.event.selection.extend(e for e in EVENTS if e[0] not in known)

    @classmethod
    def event_variable(cls, event):
        if event in VARIABLES:
            return VARIABLES[event]
        return super().event_variable(event)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('yuexing.payment|query_pending',
                    "Query and Close Pending Payments"),
                ('yuexing.payment.refund|query_processing',
                    "Query Processing Refunds"),
                ('account.invoice|remind_overdue', "Remind Overdue Bills"),
                ('account.invoice|close_statements',
                    "Post Monthly Statements"),
                ('yuexing.payment.statement|fetch_yesterday',
                    "Fetch and Match Provider Statements"),
                ])
