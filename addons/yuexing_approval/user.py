"""Users and roles named by approval flows cannot be deleted (the flows
would lose their approvers silently); the error lists the flows. Also the
message-centre event sent when an approval is completed."""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .flow import FlowError


def flows_naming(field_names, ids):
    "The flows whose steps name one of ids in one of field_names."
    Step = Pool().get('yuexing.approval.step')
    domain = ['OR'] + [(name, 'in', ids) for name in field_names]
    with without_check_access():
        steps = Step.search(domain)
    return sorted({s.flow.rec_name for s in steps})


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def check_modification(cls, mode, users, values=None, external=False):
        super().check_modification(
            mode, users, values=values, external=external)
        # Tryton users are deactivated rather than deleted: both lose them.
        if mode == 'delete' or (
                mode == 'write' and values.get('active') is False):
            flows = flows_naming(['user', 'escalate_user'],
                [u.id for u in users])
            if flows:
                raise FlowError(gettext(
                        'yuexing_approval.msg_user_in_flows',
                        flows='、'.join(flows)))


class Group(metaclass=PoolMeta):
    __name__ = 'res.group'

    @classmethod
    def check_modification(cls, mode, groups, values=None, external=False):
        super().check_modification(
            mode, groups, values=values, external=external)
        if mode == 'delete':
            flows = flows_naming(['group', 'escalate_group'],
                [g.id for g in groups])
            if flows:
                raise FlowError(gettext(
                        'yuexing_approval.msg_group_in_flows',
                        flows='、'.join(flows)))


class Template(metaclass=PoolMeta):
    __name__ = 'yuexing.message.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        event = ('approval_done', "Approval Completed")
        if event not in cls.event.selection:
            cls.event.selection.append(event)
