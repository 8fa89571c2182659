"""The developers' interface of the approval engine. A document model adds
ApprovalMixin, declares the fields usable in conditions and implements the
hooks:

    class Quote(ApprovalMixin, Workflow, ModelSQL, ModelView):
        __name__ = 'yuexing.quote'
        _approval_fields = ['total_amount', 'margin_rate']

        @classmethod
        def submit_approval(cls, quotes):          # its button
            free = cls.submit_for_approval(quotes)  # starts the flows
            ...                                     # free need none

        @classmethod
        def approval_approved(cls, quotes): ...    # all steps approved
        @classmethod
        def approval_rejected(cls, quotes): ...    # one approver rejected

The flows themselves are data (流程配置, back office)."""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .request import ApprovalError


def users_of_employees(employees):
    "The active users acting as these employees."
    if not employees:
        return []
    User = Pool().get('res.user')
    return User.search([('employees', 'in', [e.id for e in employees])],
        order=[('id', 'ASC')])


def users_of_b2b_customer(party):
    """The active B端 users acting for the customer party (its approvers
    until the B端 portal names them one by one)."""
    if not party:
        return []
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    group = ModelData.get_id('yuexing_base', 'group_b2b_customer')
    return User.search([('customer', '=', party.id), ('groups', '=', group)],
        order=[('id', 'ASC')])


class ApprovalMixin:
    __slots__ = ()
    # The document's fields an administrator may use in step conditions.
    _approval_fields = []

    approval_request = fields.Many2One(
        'yuexing.approval.request', "Approval Request", readonly=True,
        ondelete='SET NULL')
    approval_tasks = fields.One2Many(
        'yuexing.approval.task', 'document', "Approval Tasks",
        readonly=True, order=[('id', 'ASC')])
    approval_history = fields.One2Many(
        'yuexing.approval.log', 'document', "Approval History",
        readonly=True, order=[('id', 'ASC')])

    # ---- what the engine asks the document -------------------------------

    def approval_values(self):
        "The values the step conditions are evaluated on."
        values = {'id': self.id}
        for name in self._approval_fields:
            value = getattr(self, name)
            if hasattr(value, 'id'):
                value = value.id
            values[name] = value
        return values

    def approval_requester(self):
        "Who asks for the approval (left out of the approvers)."
        return Transaction().user or None

    def approval_users(self, kind, requester):
        """The users of the document-resolved approver kinds
        (department_head, team_leader, project_manager, b2b_approver).
        The department head is the supervisor of the requester's employee
        (company.employee.supervisor), the B端 approver a B端 user of the
        document's enterprise customer (approval_customer); documents add
        the other kinds."""
        if kind == 'department_head' and requester:
            supervisors = [e.supervisor for e in requester.employees
                if e.supervisor]
            return users_of_employees(supervisors)
        if kind == 'b2b_approver':
            return users_of_b2b_customer(self.approval_customer())
        return []

    def approval_customer(self):
        "The B端 customer whose approver a b2b_approver step asks."
        party = getattr(self, 'customer', None)
        if party and getattr(party, 'customer_type', None) == 'enterprise':
            return party

    @classmethod
    def approval_approved(cls, records):
        "Every step approved."

    @classmethod
    def approval_rejected(cls, records):
        "An approver rejected."

    # ---- what the document calls -----------------------------------------

    @classmethod
    @without_check_access
    def submit_for_approval(cls, records):
        """Start the flow of each record; returns the records that need no
        approval (no flow for the model, or no step applies)."""
        Request = Pool().get('yuexing.approval.request')
        cls.cancel_approval(records)
        return Request.start(records)

    @classmethod
    @without_check_access
    def cancel_approval(cls, records):
        "Withdraw the running approvals of records (draft, cancellation)."
        Request = Pool().get('yuexing.approval.request')
        Request.cancel([r.approval_request for r in records
                if r.approval_request
                and r.approval_request.state == 'pending'])

    @classmethod
    @without_check_access
    def decide_approval(cls, records, decision, comment=None):
        """The current user decides their pending tasks on records (the
        document's own approve/reject buttons). Root decides the first
        pending task of the current step (demo data, scripts)."""
        pool = Pool()
        Request = pool.get('yuexing.approval.request')
        user = Transaction().user
        tasks = []
        for record in records:
            pending = [t for t in record.approval_tasks
                if t.state == 'pending'
                and t.request == record.approval_request]
            mine = [t for t in pending if user == 0 or t.user.id == user]
            if user == 0:
                mine = mine[:1]
            if not mine:
                raise ApprovalError(gettext(
                        'yuexing_approval.msg_not_approver',
                        document=record.rec_name))
            tasks.extend(mine)
        if tasks:
            Request.decide(tasks, decision, comment=comment)

    @classmethod
    def copy(cls, records, default=None):
        default = default.copy() if default is not None else {}
        for name in ['approval_request', 'approval_tasks',
                'approval_history']:
            default.setdefault(name, None)
        return super().copy(records, default=default)
