"Models registered only when testing (tests/tryton.cfg)."
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.yuexing_approval.mixin import ApprovalMixin


class Document(ApprovalMixin, ModelSQL, ModelView):
    "A document needing approval, standing for quotes, purchases, claims"
    __name__ = 'yuexing.test.approval_document'
    _approval_fields = ['amount', 'margin_rate', 'kind']

    name = fields.Char("Name")
    amount = fields.Numeric("Amount", digits=(16, 2))
    margin_rate = fields.Numeric("Margin Rate", digits=(5, 4))
    kind = fields.Selection(
        [(None, ''), ('b2b', "B2B"), ('c2c', "C2C")], "Kind")
    project_manager = fields.Many2One('res.user', "Project Manager")
    customer = fields.Many2One('party.party', "Customer")
    state = fields.Selection([
            ('draft', "Draft"), ('pending', "Pending"),
            ('approved', "Approved"), ('rejected', "Rejected")], "State")

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def submit(cls, documents):
        free = cls.submit_for_approval(documents)
        cls.write([d for d in documents if d not in free],
            {'state': 'pending'})
        if free:
            cls.write(free, {'state': 'approved'})

    def approval_users(self, kind, requester):
        if kind == 'project_manager' and self.project_manager:
            return [self.project_manager]
        return super().approval_users(kind, requester)

    @classmethod
    def approval_approved(cls, documents):
        cls.write(documents, {'state': 'approved'})

    @classmethod
    def approval_rejected(cls, documents):
        cls.write(documents, {'state': 'rejected'})
