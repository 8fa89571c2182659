"""库存盘点 on Tryton's inventories: each line whose count differs from
the book gives a reason; the differences are approved (财务, 流程配置)
before the inventory is confirmed; confirming twice is an error, not
Tryton's silent no-op."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.yuexing_approval.mixin import ApprovalMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import MaterialError
from .location import company_today

REASONS = [
    (None, ""),
    ('damaged', "Damaged"),
    ('expired', "Expired"),
    ('lost', "Lost"),
    ('unrecorded_use', "Use Not Recorded"),
    ('wrong_booking', "Booking Error"),
    ('found', "Found"),
    ('other', "Other"),
    ]


class Inventory(ApprovalMixin, metaclass=PoolMeta):
    __name__ = 'stock.inventory'
    _approval_fields = ['difference_lines']

    approval_state = fields.Selection([
            (None, ""),
            ('pending', "Waiting Approval"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ], "Approval", readonly=True)
    difference_lines = fields.Function(
        fields.Integer("Lines with Difference"), 'get_difference_lines')
    counted_by = fields.Many2One('res.user', "Counted By", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'submit_difference': {
                    'invisible': ((Eval('state') != 'draft')
                        | (Eval('approval_state') == 'pending')
                        | (Eval('approval_state') == 'approved')),
                    'depends': ['state', 'approval_state']},
                'approve_difference': {
                    'invisible': Eval('approval_state') != 'pending',
                    'depends': ['approval_state']},
                'reject_difference': {
                    'invisible': Eval('approval_state') != 'pending',
                    'depends': ['approval_state']},
                })
        cls._buttons['confirm']['invisible'] = (
            cls._buttons['confirm'].get('invisible', False)
            | (Eval('approval_state') != 'approved'))
        cls._buttons['confirm'].setdefault('depends', [])
        cls._buttons['confirm']['depends'] = list(
            set(cls._buttons['confirm']['depends']) | {'approval_state'})

    def get_difference_lines(self, name):
        return len([l for l in self.lines if l.has_difference])

    def approval_requester(self):
        return self.counted_by.id if self.counted_by else None

    @classmethod
    @ModelView.button
    def submit_difference(cls, inventories):
        """Check every differing line has a reason and send the differences
        to approval (none needed when nothing differs)."""
        for inventory in inventories:
            inventory.check_reasons()
        cls.write(inventories, {
                'approval_state': 'pending',
                'counted_by': Transaction().user or None})
        free = cls.submit_for_approval(inventories)
        if free:
            cls.approval_approved(free)

    def check_reasons(self):
        for line in self.lines:
            if line.quantity is None and self.empty_quantity is None:
                raise MaterialError(gettext(
                        'yuexing_material.msg_inventory_not_counted',
                        material=line.product.rec_name))
            if line.has_difference and not line.reason:
                raise MaterialError(gettext(
                        'yuexing_material.msg_inventory_reason_required',
                        material=line.product.rec_name))

    @classmethod
    @ModelView.button
    def approve_difference(cls, inventories):
        cls.decide_approval(inventories, 'approved')

    @classmethod
    @ModelView.button
    def reject_difference(cls, inventories):
        cls.decide_approval(inventories, 'rejected')

    @classmethod
    def approval_approved(cls, inventories):
        cls.write(inventories, {'approval_state': 'approved'})

    @classmethod
    def approval_rejected(cls, inventories):
        cls.write(inventories, {'approval_state': 'rejected'})

    @classmethod
    @ModelView.button
    def confirm(cls, inventories):
        # not a transition here: Tryton's would drop a done inventory
        # silently before this check
        for inventory in inventories:
            if inventory.state == 'done':
                raise MaterialError(gettext(
                        'yuexing_material.msg_inventory_already_done',
                        inventory=inventory.rec_name))
            if inventory.approval_state != 'approved':
                raise MaterialError(gettext(
                        'yuexing_material.msg_inventory_not_approved',
                        inventory=inventory.rec_name))
            inventory.check_reasons()
        super().confirm(inventories)

    @classmethod
    def write(cls, *args):
        "Changing the counts after the approval asks for it again."
        actions = iter(args)
        again = []
        for inventories, values in zip(actions, actions, strict=True):
            if 'lines' in values:
                again.extend(i for i in inventories
                    if i.approval_state in {'approved', 'rejected'})
        super().write(*args)
        if again:
            super().write(again, {'approval_state': None})

    @classmethod
    def copy(cls, inventories, default=None):
        default = default.copy() if default is not None else {}
        for name in ['approval_state', 'approval_request', 'counted_by']:
            default.setdefault(name, None)
        return super().copy(inventories, default=default)


class InventoryLine(metaclass=PoolMeta):
    __name__ = 'stock.inventory.line'

    # required when the count differs: checked when the differences are
    # sent to approval (a state would refuse saving the count first)
    reason = fields.Selection(REASONS, "Reason",
        states={
            'readonly': Eval('inventory_state') != 'draft',
            })
    has_difference = fields.Function(
        fields.Boolean("Difference"), 'on_change_with_has_difference')
    difference = fields.Function(
        fields.Float("Difference Quantity", digits='unit'),
        'on_change_with_difference')

    @fields.depends('quantity', 'expected_quantity')
    def on_change_with_difference(self, name=None):
        if self.quantity is not None and self.expected_quantity is not None:
            return self.quantity - self.expected_quantity

    @fields.depends('quantity', 'expected_quantity')
    def on_change_with_has_difference(self, name=None):
        difference = self.on_change_with_difference()
        return bool(difference) and abs(difference) > 1e-9


def inventory_of_van(technician, date=None):
    """The draft inventory of the technician's van (made with the book
    quantities when none is open): what the API counts."""
    pool = Pool()
    Inventory = pool.get('stock.inventory')
    van = technician.van_location
    inventories = Inventory.search([
            ('location', '=', van.id), ('state', '=', 'draft'),
            ], order=[('id', 'DESC')], limit=1)
    if inventories:
        return inventories[0]
    inventory, = Inventory.create([{
                'location': van.id,
                'date': date or company_today(),
                'empty_quantity': 'keep',
                }])
    Inventory.complete_lines([inventory])
    return Inventory(inventory.id)
