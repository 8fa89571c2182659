"""审批运行: a document's approval request, the approvers' tasks (我的待办)
and the history. A request takes a snapshot of its flow's applicable steps
at submission (versioning: a changed flow only applies to documents
submitted afterwards); decisions lock the request row so that concurrent
clicks on the same step count once."""
import datetime as dt

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .flow import DOCUMENT_KINDS, MODES, approval_models

REQUEST_STATES = [
    ('pending', "Pending"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('cancelled', "Cancelled"),
    ]
TASK_STATES = [
    ('waiting', "Waiting"),
    ('pending', "To Decide"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('skipped', "Not Needed"),
    ('cancelled', "Cancelled"),
    ]
LOG_ACTIONS = [
    ('submitted', "Submitted"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('delegated', "Delegated"),
    ('escalated', "Escalated"),
    ('cancelled', "Cancelled"),
    ('done', "Approval Completed"),
    ]
OPEN = {'waiting', 'pending'}


class ApprovalError(UserError):
    pass


class DecisionConflict(ApprovalError):
    "The task was decided meanwhile (another approver, a double click)."


class Request(AuditMixin, ModelSQL, ModelView):
    "Approval Request"
    __name__ = 'yuexing.approval.request'

    document = fields.Reference(
        "Document", selection='get_documents', required=True, readonly=True)
    flow = fields.Many2One(
        'yuexing.approval.flow', "Flow", readonly=True, ondelete='RESTRICT')
    flow_version = fields.Integer("Flow Version", readonly=True)
    requester = fields.Many2One('res.user', "Requester", readonly=True)
    allow_self_approval = fields.Boolean("Self-Approval Allowed",
        readonly=True)
    state = fields.Selection(REQUEST_STATES, "State", required=True,
        readonly=True)
    state_string = state.translated('state')
    submitted_at = fields.DateTime("Submitted At", readonly=True)
    closed_at = fields.DateTime("Closed At", readonly=True)
    tasks = fields.One2Many(
        'yuexing.approval.task', 'request', "Tasks", readonly=True)
    logs = fields.One2Many(
        'yuexing.approval.log', 'request', "History", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.document, Index.Equality())))
        cls._order = [('submitted_at', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def get_documents(cls):
        return [(None, '')] + approval_models()

    def get_rec_name(self, name):
        return '%s：%s' % (self.document.rec_name if self.document else '',
            self.state_string)

    # ---- submission --------------------------------------------------------

    @classmethod
    @without_check_access
    def start(cls, records, requester=None):
        """Start the approval of records (documents of one model) under the
        active flow of their model. Returns the records that need no
        approval (no flow, or no step applies)."""
        pool = Pool()
        Flow = pool.get('yuexing.approval.flow')
        Task = pool.get('yuexing.approval.task')
        Log = pool.get('yuexing.approval.log')
        if not records:
            return []
        model = records[0].__name__
        flow = Flow.flow_for(model)
        now = dt.datetime.now()
        free, to_create, plans = [], [], []
        for record in records:
            plan = flow.plan(record) if flow else []
            if not plan:
                free.append(record)
                continue
            user = requester if requester is not None else (
                record.approval_requester())
            to_create.append({
                    'document': str(record),
                    'flow': flow.id,
                    'flow_version': flow.version,
                    'requester': user,
                    'allow_self_approval': flow.allow_self_approval,
                    'submitted_at': now,
                    })
            plans.append((record, plan))
        requests = cls.create(to_create)
        task_values, logs = [], []
        for request, (record, plan) in zip(requests, plans, strict=True):
            first = min(s.sequence or 0 for s in plan)
            for slot, step in enumerate(plan):
                for user in request.approvers_of(record, step):
                    task_values.append({
                            'request': request.id,
                            'document': str(record),
                            'step': step.id,
                            'name': step.name,
                            'stage': step.sequence or 0,
                            'slot': slot,
                            'mode': step.mode,
                            'user': user.id,
                            'deadline_hours': step.deadline_hours,
                            'escalate_group': (step.escalate_group.id
                                if step.escalate_group else None),
                            'escalate_user': (step.escalate_user.id
                                if step.escalate_user else None),
                            'state': 'waiting',
                            'first': (step.sequence or 0) == first,
                            })
            logs.append(Log.values(request, 'submitted',
                    user=request.requester))
        first_tasks = [v.pop('first') for v in task_values]
        tasks = Task.create(task_values)
        Log.create(logs)
        cls.activate([t for t, f in zip(tasks, first_tasks, strict=True)
                if f])
        to_write = []
        for request, (record, _) in zip(requests, plans, strict=True):
            to_write.extend(([record], {'approval_request': request.id}))
        if to_write:
            pool.get(model).write(*to_write)
        return free

    def approvers_of(self, record, step):
        """The users who decide step for record; the requester is left out
        unless the flow allows self-approval."""
        pool = Pool()
        User = pool.get('res.user')
        if step.approver_kind == 'group':
            users = User.search([('groups', '=', step.group.id)],
                order=[('id', 'ASC')])
        elif step.approver_kind == 'user':
            users = [step.user]
        elif step.approver_kind in DOCUMENT_KINDS:
            users = list(record.approval_users(step.approver_kind,
                    self.requester))
        else:
            users = []
        users = [u for u in users if u.active]
        if not self.allow_self_approval:
            users = [u for u in users if u != self.requester]
        if not users:
            raise ApprovalError(gettext(
                    'yuexing_approval.msg_no_approver',
                    step=step.name, document=record.rec_name))
        return users

    @classmethod
    def activate(cls, tasks, now=None):
        """Tasks become the approvers' to-dos: delegation applies, the
        deadline starts, each approver is notified once."""
        pool = Pool()
        Task = pool.get('yuexing.approval.task')
        Delegation = pool.get('yuexing.approval.delegation')
        Log = pool.get('yuexing.approval.log')
        Message = pool.get('yuexing.message')
        now = now or dt.datetime.now()
        to_write, logs = [], []
        for task in tasks:
            values = {'state': 'pending', 'activated_at': now}
            if task.deadline_hours:
                values['deadline'] = now + dt.timedelta(
                    hours=task.deadline_hours)
            delegate = Delegation.delegate_of(task.user, now)
            if delegate and (task.request.allow_self_approval
                    or delegate != task.request.requester):
                values['user'] = delegate.id
                values['delegated_from'] = task.user.id
                logs.append(Log.values(task.request, 'delegated',
                        user=task.user, task=task,
                        comment=delegate.rec_name))
            to_write.extend(([task], values))
        if to_write:
            Task.write(*to_write)
        Log.create(logs)
        for task in tasks:
            Message.notify('approval_needed', [task], users=[task.user])

    # ---- decisions ---------------------------------------------------------

    @classmethod
    @without_check_access
    def decide(cls, tasks, decision, comment=None):
        """The current user approves or rejects tasks. The request rows are
        locked first, so that of two simultaneous decisions on one step the
        second sees the first and fails with DecisionConflict."""
        pool = Pool()
        Task = pool.get('yuexing.approval.task')
        Log = pool.get('yuexing.approval.log')
        transaction = Transaction()
        user = transaction.user
        cls.lock(list({t.request for t in tasks}))
        # Read again under the lock: the cached records may be older.
        tasks = Task.browse([t.id for t in tasks])
        now = dt.datetime.now()
        logs = []
        for task in tasks:
            if task.state != 'pending':
                raise DecisionConflict(gettext(
                        'yuexing_approval.msg_task_decided',
                        task=task.rec_name,
                        state=task.state_string))
            if user != 0 and task.user.id != user:
                raise ApprovalError(gettext(
                        'yuexing_approval.msg_task_not_yours',
                        task=task.rec_name))
            request = task.request
            own = user != 0 and request.requester \
                and request.requester.id == user
            if own and not request.allow_self_approval:
                raise ApprovalError(gettext(
                        'yuexing_approval.msg_self_approval',
                        document=task.document.rec_name))
            logs.append(Log.values(request, decision, user=user or None,
                    task=task, comment=comment, self_approval=bool(own)))
        Task.write(tasks, {
                'state': decision,
                'decided_by': user or None,
                'decided_at': now,
                'comment': comment,
                })
        Log.create(logs)
        cls.advance(list({t.request for t in tasks}))

    @classmethod
    def advance(cls, requests):
        """Move each request on: close a decided step, start the next
        stage, or finish — and tell the documents."""
        pool = Pool()
        Task = pool.get('yuexing.approval.task')
        Log = pool.get('yuexing.approval.log')
        now = dt.datetime.now()
        approved, rejected, to_activate, to_skip = [], [], [], []
        for request in cls.browse(requests):
            if request.state != 'pending':
                continue
            tasks = list(request.tasks)
            if any(t.state == 'rejected' for t in tasks):
                rejected.append(request)
                to_skip.extend(t for t in tasks if t.state in OPEN)
                continue
            slots = {}
            for task in tasks:
                slots.setdefault((task.stage, task.slot), []).append(task)
            open_stages = set()
            for (stage, _), slot_tasks in slots.items():
                if Task.slot_done(slot_tasks):
                    to_skip.extend(t for t in slot_tasks if t.state in OPEN)
                else:
                    open_stages.add(stage)
            if not open_stages:
                approved.append(request)
                continue
            stage = min(open_stages)
            to_activate.extend(t for t in tasks
                if t.stage == stage and t.state == 'waiting')
        if to_skip:
            Task.write(to_skip, {'state': 'skipped'})
        if to_activate:
            cls.activate(to_activate, now=now)
        for requests_, state in [(approved, 'approved'),
                (rejected, 'rejected')]:
            if not requests_:
                continue
            cls.write(requests_, {'state': state, 'closed_at': now})
            Log.create([Log.values(r, 'done', comment=r.state_string)
                    for r in requests_])
            cls.tell_documents(requests_, state)

    @classmethod
    def tell_documents(cls, requests, state):
        pool = Pool()
        Message = pool.get('yuexing.message')
        by_model = {}
        for request in requests:
            by_model.setdefault(request.document.__name__, []).append(
                request.document)
        for model, documents in by_model.items():
            Model = pool.get(model)
            documents = Model.browse(documents)
            with without_check_access():
                if state == 'approved':
                    Model.approval_approved(documents)
                else:
                    Model.approval_rejected(documents)
        for request in requests:
            if request.requester:
                Message.notify('approval_done', [request],
                    users=[request.requester])

    @classmethod
    @without_check_access
    def cancel(cls, requests):
        "The document was withdrawn (back to draft, cancelled)."
        pool = Pool()
        Task = pool.get('yuexing.approval.task')
        Log = pool.get('yuexing.approval.log')
        requests = [r for r in requests if r.state == 'pending']
        if not requests:
            return
        cls.lock(requests)
        Task.write([t for r in requests for t in r.tasks if t.state in OPEN],
            {'state': 'cancelled'})
        cls.write(requests, {'state': 'cancelled',
                'closed_at': dt.datetime.now()})
        Log.create([Log.values(r, 'cancelled',
                    user=Transaction().user or None) for r in requests])


class Task(AuditMixin, ModelSQL, ModelView):
    "Approval Task"
    __name__ = 'yuexing.approval.task'

    request = fields.Many2One(
        'yuexing.approval.request', "Request", required=True,
        ondelete='CASCADE', readonly=True)
    document = fields.Reference(
        "Document", selection='get_documents', readonly=True)
    requester = fields.Function(
        fields.Many2One('res.user', "Requester"), 'get_requester')
    step = fields.Many2One(
        'yuexing.approval.step', "Step", readonly=True, ondelete='SET NULL')
    name = fields.Char("Step", readonly=True)
    stage = fields.Integer("Stage", readonly=True)
    slot = fields.Integer("Slot", readonly=True)
    mode = fields.Selection(MODES, "Approval Mode", readonly=True)
    user = fields.Many2One('res.user', "Approver", readonly=True,
        ondelete='RESTRICT')
    delegated_from = fields.Many2One('res.user', "On Behalf Of",
        readonly=True, ondelete='SET NULL')
    escalation = fields.Boolean("Escalation", readonly=True,
        help="Added because the step's deadline passed.")
    state = fields.Selection(TASK_STATES, "State", required=True,
        readonly=True)
    state_string = state.translated('state')
    activated_at = fields.DateTime("Received At", readonly=True)
    deadline_hours = fields.Integer("Deadline (Hours)", readonly=True)
    deadline = fields.DateTime("Deadline", readonly=True)
    escalate_group = fields.Many2One('res.group', "Escalate to Role",
        readonly=True, ondelete='SET NULL')
    escalate_user = fields.Many2One('res.user', "Escalate to User",
        readonly=True, ondelete='SET NULL')
    escalated = fields.Boolean("Escalated", readonly=True)
    decided_by = fields.Many2One('res.user', "Decided By", readonly=True)
    decided_at = fields.DateTime("Decided At", readonly=True)
    comment = fields.Text("Comment", readonly=True)
    mine = fields.Function(fields.Boolean("Mine"), 'get_mine',
        searcher='search_mine')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.user, Index.Equality()),
                    (t.state, Index.Equality(cardinality='low'))),
                Index(t, (t.deadline, Index.Range()),
                    where=t.state == 'pending'),
                })
        cls._order = [('activated_at', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'waiting'

    @classmethod
    def default_escalation(cls):
        return False

    @classmethod
    def default_escalated(cls):
        return False

    @classmethod
    def get_documents(cls):
        return [(None, '')] + approval_models()

    def get_rec_name(self, name):
        return '%s：%s' % (
            self.document.rec_name if self.document else '', self.name)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('name',) + tuple(clause[1:])]

    def get_requester(self, name):
        return self.request.requester.id if self.request.requester else None

    def get_mine(self, name):
        return self.user.id == Transaction().user

    @classmethod
    def search_mine(cls, name, clause):
        _, operator, value = clause[:3]
        mine = (operator == '=') == bool(value)
        return [('user', '=' if mine else '!=', Transaction().user)]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('escalated', False)
                    & (Eval('state') == 'pending'), 'danger', '')),
            ]

    @staticmethod
    def slot_done(tasks):
        """A step is done when an escalation approver approved, or when one
        (any) or all (all) of its approvers did."""
        if any(t.escalation and t.state == 'approved' for t in tasks):
            return True
        regular = [t for t in tasks if not t.escalation]
        if not regular:
            return False
        if regular[0].mode == 'any':
            return any(t.state == 'approved' for t in regular)
        return all(t.state in {'approved', 'cancelled'} for t in regular)

    @classmethod
    @ModelView.button
    def approve(cls, tasks):
        Pool().get('yuexing.approval.request').decide(tasks, 'approved')

    @classmethod
    @ModelView.button
    def reject(cls, tasks):
        Pool().get('yuexing.approval.request').decide(tasks, 'rejected')

    @classmethod
    @without_check_access
    def escalate(cls, now=None):
        """Cron: a pending task past its deadline is escalated once — the
        escalation role or user gets a task of the same step, and may decide
        it alone."""
        pool = Pool()
        Request = pool.get('yuexing.approval.request')
        Log = pool.get('yuexing.approval.log')
        User = pool.get('res.user')
        now = now or dt.datetime.now()
        late = cls.search([
                ('state', '=', 'pending'),
                ('deadline', '<=', now),
                ('escalated', '=', False),
                ('escalation', '=', False),
                ])
        to_create, logs, seen = [], [], set()
        for task in late:
            key = (task.request.id, task.stage, task.slot)
            users = []
            if task.escalate_user:
                users.append(task.escalate_user)
            if task.escalate_group:
                users.extend(User.search(
                        [('groups', '=', task.escalate_group.id)],
                        order=[('id', 'ASC')]))
            users = [u for u in dict.fromkeys(users)
                if u.active and (task.request.allow_self_approval
                    or u != task.request.requester)]
            if key in seen or not users:
                continue
            seen.add(key)
            for user in users:
                to_create.append({
                        'request': task.request.id,
                        'document': str(task.document),
                        'step': task.step.id if task.step else None,
                        'name': task.name,
                        'stage': task.stage,
                        'slot': task.slot,
                        'mode': task.mode,
                        'user': user.id,
                        'escalation': True,
                        'state': 'waiting',
                        })
            logs.append(Log.values(task.request, 'escalated', task=task,
                    comment=', '.join(u.rec_name for u in users)))
        if late:
            cls.write(late, {'escalated': True})
        new = cls.create(to_create)
        Log.create(logs)
        Request.activate(new, now=now)
        return new


class Log(ModelSQL, ModelView):
    "Approval History"
    __name__ = 'yuexing.approval.log'

    request = fields.Many2One(
        'yuexing.approval.request', "Request", required=True,
        ondelete='CASCADE', readonly=True)
    document = fields.Reference(
        "Document", selection='get_documents', readonly=True)
    task = fields.Many2One('yuexing.approval.task', "Task", readonly=True,
        ondelete='SET NULL')
    step = fields.Char("Step", readonly=True)
    action = fields.Selection(LOG_ACTIONS, "Action", required=True,
        readonly=True)
    action_string = action.translated('action')
    user = fields.Many2One('res.user', "By", readonly=True,
        ondelete='SET NULL')
    date = fields.DateTime("At", readonly=True)
    comment = fields.Text("Comment", readonly=True)
    self_approval = fields.Boolean("Self-Approval", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.document, Index.Equality())))
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def get_documents(cls):
        return [(None, '')] + approval_models()

    @staticmethod
    def values(request, action, user=None, task=None, comment=None,
            self_approval=False):
        if hasattr(user, 'id'):
            user = user.id
        return {
            'request': request.id,
            'document': str(request.document),
            'task': task.id if task else None,
            'step': task.name if task else None,
            'action': action,
            'user': user,
            'date': dt.datetime.now(),
            'comment': comment,
            'self_approval': self_approval,
            }
