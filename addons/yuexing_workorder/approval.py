"""报价审批: approval levels by amount and margin thresholds, and the
decisions taken on each quote."""
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    fields,
    sequence_ordered,
)

DECISIONS = [
    ('pending', "Pending"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ]


class ApprovalLevel(
        DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Quote Approval Level"
    __name__ = 'yuexing.quote.approval.level'
    name = fields.Char("Name", required=True, translate=True)
    group = fields.Many2One(
        'res.group', "Approvers", required=True,
        help="Members of this group decide at this level.")
    min_amount = fields.Numeric(
        "From Total", digits=(16, 2),
        help="Required when the quote total (VAT included) reaches this.")
    max_margin_rate = fields.Numeric(
        "Below Margin Rate", digits=(5, 4),
        help="Required when the margin rate is below this (0.2 = 20 %).")

    def required_for(self, quote):
        if self.min_amount is not None and quote.total_amount >= (
                self.min_amount):
            return True
        if self.max_margin_rate is not None and quote.margin_rate < (
                self.max_margin_rate):
            return True
        return False


class Approval(ModelSQL, ModelView):
    "Quote Approval"
    __name__ = 'yuexing.quote.approval'
    quote = fields.Many2One(
        'yuexing.quote', "Quote", required=True, ondelete='CASCADE')
    level = fields.Many2One(
        'yuexing.quote.approval.level', "Level", required=True,
        ondelete='RESTRICT')
    state = fields.Selection(DECISIONS, "Decision", required=True)
    user = fields.Many2One('res.user', "Decided By", readonly=True)
    date = fields.DateTime("Decided At", readonly=True)
    comment = fields.Char("Comment")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('quote')
        cls._order = [('quote', 'ASC'), ('id', 'ASC')]
