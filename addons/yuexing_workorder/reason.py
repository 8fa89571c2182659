"""Wizards asking why: cancelling, holding (异常/延期) or rejecting an
order; the reason is kept on the order and in its state history."""
from trytond.model import ModelView, fields
from trytond.wizard import Button, StateTransition, StateView, Wizard


class ReasonAsk(ModelView):
    "Reason"
    __name__ = 'yuexing.work_order.reason'
    reason = fields.Text("Reason", required=True)


class _ReasonWizard(Wizard):
    start = StateView('yuexing.work_order.reason',
        'yuexing_workorder.reason_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("OK", 'apply', 'tryton-ok', default=True),
            ])
    apply = StateTransition()
    method = None

    def transition_apply(self):
        getattr(self.model, self.method)(self.records, self.start.reason)
        return 'end'


class CancelOrder(_ReasonWizard):
    "Cancel Work Order"
    __name__ = 'yuexing.work_order.cancel'
    method = 'do_cancel'


class HoldOrder(_ReasonWizard):
    "Put Work Order on Hold"
    __name__ = 'yuexing.work_order.hold'
    method = 'do_hold'


class RejectOrder(_ReasonWizard):
    "Reject Work Order"
    __name__ = 'yuexing.work_order.reject'
    method = 'do_reject'
