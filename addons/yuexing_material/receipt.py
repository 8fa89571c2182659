"""到货验收: the warehouse keeper inspects a supplier's delivery before it is
received. The quantity of each incoming move is what arrived; its rejected
part (拒收, with a reason and a photo on the shipment) is split off and
cancelled, so that only the accepted quantity enters the stock and Tryton's
purchase sees the rejected part as a delivery exception (re-delivered or
ignored), and the supplier's invoice (invoiced on receipt) covers the
accepted quantity only."""
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import MaterialError

REJECT_REASONS = [
    (None, ""),
    ('damaged', "Damaged Packaging"),
    ('specification', "Wrong Specification"),
    ('expired', "Expired or Near Expiry"),
    ('quality', "Failed Quality Check"),
    ('short', "Short Delivery"),
    ('other', "Other"),
    ]


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    rejected_quantity = fields.Float(
        "Rejected Quantity", digits='unit',
        domain=['OR', ('rejected_quantity', '=', None),
            ('rejected_quantity', '>=', 0)],
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="拒收: the part of the delivered quantity that is refused at "
        "the receipt inspection.")
    reject_reason = fields.Selection(REJECT_REASONS, "Reject Reason",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': ~Eval('rejected_quantity'),
            'required': Eval('rejected_quantity', 0) > 0,
            })
    inspection_rejected = fields.Boolean("Rejected at Inspection",
        readonly=True,
        help="The refused part of a delivery (cancelled, never in stock).")

    @classmethod
    def default_inspection_rejected(cls):
        return False

    @classmethod
    def copy(cls, moves, default=None):
        default = default.copy() if default else {}
        default.setdefault('rejected_quantity', None)
        default.setdefault('reject_reason', None)
        default.setdefault('inspection_rejected', False)
        return super().copy(moves, default=default)


class ShipmentIn(metaclass=PoolMeta):
    __name__ = 'stock.shipment.in'

    inspection_note = fields.Text("Inspection Note",
        states={'readonly': Eval('state') != 'draft'})
    rejected_moves = fields.Function(fields.One2Many(
            'stock.move', None, "Rejected at Inspection"),
        'get_rejected_moves')
    photo_count = fields.Function(fields.Integer("Photos"),
        'get_photo_count')

    def get_rejected_moves(self, name):
        return [m.id for m in self.moves if m.inspection_rejected]

    @classmethod
    def get_photo_count(cls, shipments, name):
        counts = cls.attachment_counts(shipments)
        return {s.id: counts.get(s.id, 0) for s in shipments}

    @classmethod
    def attachment_counts(cls, shipments):
        "Number of attachments (photos) of each shipment, in one query."
        Attachment = Pool().get('ir.attachment')
        counts = {}
        for attachment in Attachment.search([
                    ('resource', 'in', [str(s) for s in shipments])]):
            shipment_id = attachment.resource.id
            counts[shipment_id] = counts.get(shipment_id, 0) + 1
        return counts

    @classmethod
    def check_inspection(cls, shipments):
        """A rejected quantity is at most what arrived, has a reason, and the
        shipment has a photo of it (the supplier's claim rests on it)."""
        photos = cls.attachment_counts(shipments)
        for shipment in shipments:
            rejected = False
            for move in shipment.incoming_moves:
                quantity = move.rejected_quantity or 0
                if not quantity:
                    continue
                rejected = True
                if quantity > move.quantity + move.unit.rounding / 2:
                    raise MaterialError(gettext(
                            'yuexing_material.msg_rejected_too_much',
                            material=move.product.rec_name,
                            rejected=quantity, quantity=move.quantity,
                            unit=move.unit.symbol))
                if not move.reject_reason:
                    raise MaterialError(gettext(
                            'yuexing_material.msg_reject_reason_required',
                            material=move.product.rec_name))
            if rejected and not photos.get(shipment.id):
                raise MaterialError(gettext(
                        'yuexing_material.msg_reject_photo_required',
                        shipment=shipment.rec_name))

    @classmethod
    def split_rejected(cls, shipments):
        """The refused part of each incoming move becomes a cancelled move
        of its own (same purchase line), the move keeps what is accepted."""
        Move = Pool().get('stock.move')
        to_cancel, accepted = [], []
        for shipment in shipments:
            for move in shipment.incoming_moves:
                rejected = move.rejected_quantity or 0
                if not rejected:
                    continue
                remaining = move.unit.round(move.quantity - rejected)
                if remaining <= 0:
                    # all refused: the move itself is the rejected part
                    Move.write([move], {'inspection_rejected': True})
                    to_cancel.append(move)
                    continue
                refused, = Move.copy([move], default={
                        'quantity': rejected,
                        'inspection_rejected': True,
                        'reject_reason': move.reject_reason,
                        'rejected_quantity': rejected,
                        'shipment': str(shipment),
                        })
                to_cancel.append(refused)
                accepted.append((move, remaining))
        for move, remaining in accepted:
            Move.write([move], {'quantity': remaining})
        Move.cancel(to_cancel)

    @classmethod
    @ModelView.button
    @Workflow.transition('received')
    def receive(cls, shipments):
        cls.check_inspection(shipments)
        cls.split_rejected(shipments)
        super().receive(shipments)

    def _get_inventory_move(self, incoming_move):
        if incoming_move.state == 'cancelled':
            return None
        return super()._get_inventory_move(incoming_move)

    @property
    def _check_quantity_source_moves(self):
        # the refused part never reaches the input location
        return [m for m in super()._check_quantity_source_moves
            if m.state != 'cancelled']
