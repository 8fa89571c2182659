"""JSON endpoints of projects for the B端 portal: a B端 user lists and
reads their own company's projects, with the schedule (tasks, milestones,
critical path: the Gantt data) and the changes. Every query runs as the
caller, so the record rules keep each company to its own projects."""
from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.transaction import without_check_access

PROJECTS = ['项目管理']
PORTAL = ('portal',)

PROJECT_STATES = [('draft', "立项草稿"), ('pending', "立项审批中"),
    ('approved', "已立项"), ('running', "实施中"), ('accepting', "验收中"),
    ('done', "已完成"), ('cancelled', "已取消")]
CHANGE_STATES = [('draft', "草稿"), ('pending', "待审批"),
    ('approved', "已批准"), ('rejected', "已驳回"), ('cancelled', "已取消")]
CHANGE_KINDS = [('scope', "范围变更"), ('design', "设计变更"),
    ('schedule', "工期变更"), ('budget', "预算变更")]

PROJECT = s.Object({
        'id': s.Integer("项目ID"),
        'number': s.String("项目编号", nullable=True),
        'name': s.String("项目名称"),
        'state': s.Enum("状态", PROJECT_STATES),
        'manager': s.String("项目经理", nullable=True),
        'start_date': s.Date("计划开工", nullable=True),
        'end_date': s.Date("计划完工", nullable=True),
        'progress': s.Integer("总体进度（%）"),
        'sites': s.String("项目地点", nullable=True),
        }, "项目", name='Project')
TASK = s.Object({
        'id': s.Integer("任务ID"),
        'name': s.String("任务"),
        'start': s.Date("计划开始", nullable=True),
        'end': s.Date("计划完成", nullable=True),
        'actual_start': s.Date("实际开始", nullable=True),
        'actual_end': s.Date("实际完成", nullable=True),
        'progress': s.Integer("进度（%）"),
        'milestone': s.Boolean("里程碑"),
        'critical': s.Boolean("关键路径"),
        'float': s.Integer("总时差（天）", nullable=True),
        'deviation': s.Integer("进度偏差（天，正数为延误）", nullable=True),
        'dependencies': s.List("前置任务ID", s.Integer("任务ID")),
        }, "任务", name='ProjectTask')
CHANGE = s.Object({
        'id': s.Integer("变更ID"),
        'number': s.String("变更编号"),
        'title': s.String("变更内容"),
        'kind': s.Enum("类型", CHANGE_KINDS),
        'budget_impact': s.Money("预算影响（元）"),
        'schedule_days': s.Integer("工期影响（天）", nullable=True),
        'state': s.Enum("状态", CHANGE_STATES),
        'requested_at': s.DateTime("提出时间", nullable=True),
        }, "项目变更", name='ProjectChange')
PROJECT_DETAIL = s.Object({
        **PROJECT.fields,
        'scope': s.String("施工范围", nullable=True),
        'tasks': s.List("进度计划", TASK),
        'critical_path': s.List("关键路径（任务ID，按顺序）",
            s.Integer("任务ID")),
        'changes': s.List("变更记录", CHANGE),
        }, "项目详情", name='ProjectDetail')


def project_json(project, tasks=None):
    tasks = project.schedule_tasks() if tasks is None else tasks
    ends = [t.planned_end for t in tasks if t.planned_end]
    weights = [max(t.duration_days or 0, 1) for t in tasks]
    done = sum(w * (t.progress or 0)
        for w, t in zip(weights, tasks, strict=True))
    return {
        'id': project.id,
        'number': project.number,
        'name': project.name,
        'state': project.project_state,
        'manager': project.manager.name if project.manager else None,
        'start_date': project.start_date,
        'end_date': max(ends) if ends else None,
        'progress': round(100 * done / sum(weights)) if weights else 0,
        'sites': project.sites,
        }


def change_json(change):
    return {
        'id': change.id, 'number': change.number, 'title': change.title,
        'kind': change.kind, 'budget_impact': change.budget_impact,
        'schedule_days': change.schedule_days, 'state': change.state,
        'requested_at': change.requested_at,
        }


def find_project(call, project_id):
    Work = call.pool.get('project.work')
    projects = Work.search([
            ('id', '=', project_id), ('type', '=', 'project')], limit=1)
    if not projects:
        raise api.ApiError(404, 'not_found',
            gettext('yuexing_project.msg_api_project_not_found'))
    return projects[0]


@api.endpoint('GET', '/projects', auth=PORTAL, tags=PROJECTS,
    summary="我公司的项目",
    query=s.page_query({'state': s.Enum("状态", PROJECT_STATES)}),
    response=s.page_of(PROJECT))
def list_projects(call):
    "本公司的项目：状态、项目经理、计划工期和总体进度。"
    Work = call.pool.get('project.work')
    domain = [('type', '=', 'project')]
    if call.query.get('state'):
        domain.append(('project_state', '=', call.query['state']))

    def serialize(project):
        with without_check_access():
            return project_json(project)
    return api.paginate(Work, domain, call.query, serialize,
        order=[('start_date', 'DESC'), ('id', 'DESC')])


@api.endpoint('GET', '/projects/<int:project_id>', auth=PORTAL,
    tags=PROJECTS, summary="项目详情与进度（甘特图数据）",
    response=PROJECT_DETAIL, errors=(404,))
def get_project(call, project_id):
    """项目概况、进度计划（计划/实际日期、进度、里程碑、前置任务、关键路径、
    进度偏差）和变更记录；甘特图按 tasks 绘制。"""
    project = find_project(call, project_id)
    with without_check_access():
        data = project.gantt_data()
        tasks = project.schedule_tasks()
        result = project_json(project, tasks)
        order = {t['id']: (t['start'] or project.start_date, t['id'])
            for t in data['tasks'] if t['critical']}
        result.update({
                'scope': project.scope,
                'tasks': data['tasks'],
                'critical_path': sorted(order, key=order.get),
                'changes': [change_json(c) for c in project.changes],
                })
    return result
