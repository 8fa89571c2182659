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



def refuse_if_named(field_names, records, message):
    "Refuse to remove users/roles a flow names, listing the flows."
    flows = flows_naming(field_names, [r.id for r in records])
    if flows:
        raise FlowError(gettext(message, flows='、'.join(flows)))

class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def check_modification(cls, mode, users, values=None, external=False):
        super().check_modification(
            mode, users, values=values, external=external)
        # Tryton users are deactivated rather than deleted: both lose them.
        if mode == 'delete' or (
                mode == 'write' and values.get('active') is False):
            refuse_if_named(['user', 'escalate_user'], users,
                'yuexing_approval.msg_user_in_flows')


class Group(metaclass=PoolMeta):
    __name__ = 'res.group'

    @classmethod
    def check_modification(cls, mode, groups, values=None, external=False):
        super().check_modification(
            mode, groups, values=values, external=external)
        if mode == 'delete':
            refuse_if_named(['group', 'escalate_group'], groups,
                'yuexing_approval.msg_group_in_flows')


class Template(metaclass=PoolMeta):
    __name__ = 'yuexing.message.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        event = ('approval_done', "Approval Completed")
        if event not in cls.event.selection:
            cls.event.selection.append(event)
