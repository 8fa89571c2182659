"""我的待办 through the JSON API: the approvers' to-dos for the 师傅端, the
B端 portal and staff, and their decisions (one or in batch). The tasks are
searched as the caller (the record rules keep each to their own); the
decision then runs with the system's rights, as the back-office button."""
from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.transaction import without_check_access

from .request import TASK_STATES, DecisionConflict

ROLES = ('technician', 'portal', 'staff')
TAGS = ['审批']
STATE_LABELS = {
    'waiting': "未开始", 'pending': "待审批", 'approved': "已同意",
    'rejected': "已驳回", 'skipped': "无需审批", 'cancelled': "已撤回"}
STATES = [(k, STATE_LABELS[k]) for k, _ in TASK_STATES]

TASK = s.Object({
        'id': s.Integer("待办ID"),
        'document_model': s.String("单据类型"),
        'document_id': s.Integer("单据ID"),
        'document': s.String("单据"),
        'step': s.String("审批环节"),
        'requester': s.String("申请人", nullable=True),
        'on_behalf_of': s.String("代理审批（原审批人）", nullable=True),
        'state': s.Enum("状态", STATES),
        'received_at': s.DateTime("收到时间", nullable=True),
        'deadline': s.DateTime("截止时间", nullable=True),
        'decided_at': s.DateTime("处理时间", nullable=True),
        'comment': s.String("审批意见", nullable=True),
        }, "审批待办")
DECISION = s.Object({
        'comment': s.String("审批意见", max_length=1000),
        })


def task_json(task):
    with without_check_access():
        return {
            'id': task.id,
            'document_model': task.document.__name__,
            'document_id': task.document.id,
            'document': task.document.rec_name,
            'step': task.name,
            'requester': (task.request.requester.rec_name
                if task.request.requester else None),
            'on_behalf_of': (task.delegated_from.rec_name
                if task.delegated_from else None),
            'state': task.state,
            'received_at': task.activated_at,
            'deadline': task.deadline,
            'decided_at': task.decided_at,
            'comment': task.comment,
            }


def own_pending(call, ids):
    "The caller's tasks among ids; 404 unless all are theirs and known."
    Task = call.pool.get('yuexing.approval.task')
    tasks = Task.search([
            ('id', 'in', ids),
            ('user', '=', call.user.id),
            ])
    if len(tasks) != len(set(ids)):
        raise api.ApiError(404, 'task_not_found',
            gettext('yuexing_approval.msg_api_task_not_found'))
    return tasks


def decide(call, tasks, decision, comment):
    Request = call.pool.get('yuexing.approval.request')
    Task = call.pool.get('yuexing.approval.task')
    try:
        with without_check_access():
            Request.decide(tasks, decision, comment=comment)
    except DecisionConflict as exception:
        raise api.ApiError(409, 'task_decided', exception.message) from None
    return Task.browse([t.id for t in tasks])


@api.endpoint('GET', '/approvals/todo', auth=ROLES, tags=TAGS,
    summary="我的待办",
    query=s.page_query({
            'state': s.Enum("状态", STATES, default='pending'),
            }),
    response=s.page_of(TASK))
def todo(call):
    "当前用户的审批待办（默认只列待审批的）。"
    Task = call.pool.get('yuexing.approval.task')
    domain = [('user', '=', call.user.id)]
    if call.query.get('state'):
        domain.append(('state', '=', call.query['state']))
    return api.paginate(Task, domain, call.query, task_json,
        order=[('activated_at', 'DESC'), ('id', 'DESC')])


def _decision_endpoint(decision, path, summary):
    def handler(call, task_id):
        tasks = own_pending(call, [task_id])
        task, = decide(call, tasks, decision, call.body.get('comment'))
        return task_json(task)
    handler.__doc__ = f"{summary}一条待办（已处理的返回 409 task_decided）。"
    return api.endpoint('POST', path, auth=ROLES, tags=TAGS,
        summary=summary, body=DECISION, response=TASK, errors=(404,),
        operation_id=f'approval_{decision}')(handler)


approve = _decision_endpoint(
    'approved', '/approvals/<int:task_id>/approve', "同意")
reject = _decision_endpoint(
    'rejected', '/approvals/<int:task_id>/reject', "驳回")


@api.endpoint('POST', '/approvals/batch', auth=ROLES, tags=TAGS,
    summary="批量审批",
    body=s.Object({
            'ids': s.List("待办ID", s.Integer("待办ID"), required=True,
                min_items=1, max_items=100),
            'decision': s.Enum("审批结果", [
                    ('approve', "同意"), ('reject', "驳回")], required=True),
            'comment': s.String("审批意见", max_length=1000),
            }),
    response=s.Object({'items': s.List("待办", TASK)}, "批量审批结果"),
    errors=(404,))
def batch(call):
    "一次同意或驳回多条待办：全部成功或全部不变。"
    body = call.body
    tasks = own_pending(call, body['ids'])
    decision = 'approved' if body['decision'] == 'approve' else 'rejected'
    tasks = decide(call, tasks, decision, body.get('comment'))
    return {'items': [task_json(t) for t in tasks]}
