"""The back-office wizards of a warranty: claim an after-sales repair (a
customer's phone call) and void a warranty."""
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.wizard import (
    Button,
    StateAction,
    StateTransition,
    StateView,
    Wizard,
)


class ClaimStart(ModelView):
    "Claim an After-sales Repair"
    __name__ = 'yuexing.warranty.claim.start'
    warranty = fields.Many2One('yuexing.warranty', "Warranty", readonly=True)
    description = fields.Text("Problem", required=True)
    in_scope = fields.Boolean("In Scope",
        help="Covered by the warranty: free to the customer. Uncheck for "
        "an excluded cause: a paid order quoted as usual.")


class Claim(Wizard):
    "Claim an After-sales Repair"
    __name__ = 'yuexing.warranty.claim'
    start = StateView('yuexing.warranty.claim.start',
        'yuexing_warranty.claim_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Open Repair", 'open_', 'tryton-ok', default=True),
            ])
    open_ = StateAction('yuexing_workorder.act_work_order_form')

    def default_start(self, fields):
        return {
            'warranty': self.record.id,
            'in_scope': self.record.state != 'expired',
            }

    def do_open_(self, action):
        order = self.record.open_claim(
            self.start.description, in_scope=self.start.in_scope)
        action['res_id'] = [order.id]
        action['views'].reverse()
        return action, {}


class VoidStart(ModelView):
    "Void Warranty"
    __name__ = 'yuexing.warranty.void.start'
    reason = fields.Text("Reason", required=True)


class Void(Wizard):
    "Void Warranty"
    __name__ = 'yuexing.warranty.void'
    start = StateView('yuexing.warranty.void.start',
        'yuexing_warranty.void_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Void", 'void', 'tryton-ok', default=True),
            ])
    void = StateTransition()

    def transition_void(self):
        Warranty = Pool().get('yuexing.warranty')
        Warranty.do_void(self.records, self.start.reason)
        return 'end'

