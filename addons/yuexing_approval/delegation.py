"""代理审批: while an approver is away, the tasks that reach them go to
their delegate (the history says on whose behalf)."""
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pyson import Eval
from trytond.transaction import Transaction


class DelegationError(ValidationError):
    pass


class Delegation(DeactivableMixin, ModelSQL, ModelView):
    "Approval Delegation"
    __name__ = 'yuexing.approval.delegation'

    user = fields.Many2One('res.user', "Approver", required=True,
        ondelete='CASCADE')
    delegate = fields.Many2One('res.user', "Delegate", required=True,
        ondelete='CASCADE',
        domain=[('id', '!=', Eval('user', -1))])
    start = fields.DateTime("From", required=True)
    end = fields.DateTime("To", required=True,
        domain=[('end', '>', Eval('start'))])
    reason = fields.Char("Reason")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_user(cls):
        return Transaction().user or None

    @classmethod
    def validate_fields(cls, delegations, field_names):
        super().validate_fields(delegations, field_names)
        for delegation in delegations:
            if delegation.delegate == delegation.user:
                raise DelegationError(gettext(
                        'yuexing_approval.msg_delegate_self'))

    @classmethod
    def delegate_of(cls, user, at):
        """Who decides for user at that time: the delegate of an active
        delegation, followed once more if the delegate is away too."""
        seen = {user.id}
        delegate = None
        while True:
            found = cls.search([
                    ('user', '=', user.id),
                    ('start', '<=', at),
                    ('end', '>', at),
                    ], limit=1)
            if not found or found[0].delegate.id in seen:
                return delegate
            user = delegate = found[0].delegate
            seen.add(user.id)
