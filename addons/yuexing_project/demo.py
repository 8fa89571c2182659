"""Demo: a roof renovation project for a business park, started three weeks
ago: budget, risks, resources, schedule with its critical path, the first
tasks done, an approved change with its budget and schedule impact, and
two work orders under it; a second project waits for its start approval
and a third is being prepared."""
import datetime as dt
from decimal import Decimal

from trytond.modules.yuexing_base.company_date import company_today
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

# (name, days, predecessors, milestone, progress, actual start offset)
ROOF = [
    ('现场勘察与渗漏检测', 3, [], False),
    ('防水方案设计', 4, ['现场勘察与渗漏检测'], False),
    ('方案评审', 0, ['防水方案设计'], True),
    ('材料采购进场', 5, ['方案评审'], False),
    ('旧防水层拆除', 6, ['方案评审'], False),
    ('基层找平处理', 4, ['旧防水层拆除'], False),
    ('天沟节点加强', 3, ['基层找平处理'], False),
    ('自粘卷材铺贴', 8, ['基层找平处理', '材料采购进场'], False),
    ('闭水试验', 2, ['自粘卷材铺贴', '天沟节点加强'], False),
    ('保护层施工', 4, ['闭水试验'], False),
    ('竣工验收', 0, ['保护层施工'], True),
    ]
PROGRESS = {'现场勘察与渗漏检测': 1.0, '防水方案设计': 1.0, '方案评审': 1.0,
    '材料采购进场': 1.0, '旧防水层拆除': 1.0, '基层找平处理': 0.6}
RISKS = [
    ('梅雨季节连续降雨影响卷材施工', 'weather', '4', '4',
        '雨前完成基层，备防雨布，雨后含水率检测合格再铺贴'),
    ('屋面设备基础根部渗漏点隐蔽', 'technical', '3', '4',
        '拆除后逐点红外检测，节点做附加层'),
    ('高处作业安全', 'safety', '2', '5', '临边防护、安全带、每日班前教育'),
    ('园区白天限制噪音作业', 'customer', '3', '2',
        '拆除安排在 8:00–11:30、14:00–17:30'),
    ]
SCOPE = '拆除旧防水层，基层处理，新做SBS/自粘卷材防水及保护层'
ROOF_BUDGET = {'material': 186000, 'labour': 92000, 'subcontract': 30000,
    'machinery': 12000, 'indirect': 18000}


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        return super().steps() + [('demo_projects', "项目管理")]

    @classmethod
    def demo_projects(cls, ctx):
        pool = Pool()
        Work = pool.get('project.work')
        Budget = pool.get('yuexing.project.budget')
        Risk = pool.get('yuexing.project.risk')
        Change = pool.get('yuexing.project.change')
        Assignment = pool.get('yuexing.project.assignment')
        WorkOrder = pool.get('yuexing.work_order')
        parks = list(ctx.records['enterprises'])
        # the roof project is for a park whose orders have costs already
        costed = WorkOrder.search([('customer', 'in', [p.id for p in parks]),
                ('costs', '!=', None), ('state', '!=', 'cancelled')],
            order=[('id', 'ASC')])
        if costed:
            main = costed[0].customer
            parks = [main] + [p for p in parks if p != main]
        users = ctx.records['users']
        manager = users.get('xiangmu')
        technicians = ctx.records['technicians']
        today = company_today()
        start = today - dt.timedelta(days=20)
        with Transaction().set_context(company=ctx.records['company'].id):
            roof = cls._demo_project(parks[0], manager, start,
                f'{parks[0].name}3号楼屋面防水翻新', Decimal(400000),
                '3号楼、5号楼屋面，合计约2,600㎡', ROOF)
            project, tasks = roof
            budget, = Budget.create([{
                        'project': project.id, 'reason': '立项预算',
                        'lines': [('create', [{'category': c,
                                        'amount': Decimal(a)}
                                    for c, a in ROOF_BUDGET.items()])]}])
            Budget.confirm([budget])
            Risk.create([{'project': project.id, 'name': n,
                        'category': c, 'likelihood': l, 'impact': i,
                        'mitigation': m,
                        'owner': manager.id if manager else None}
                    for n, c, l, i, m in RISKS])
            Work.submit_project([project])
            Work.decide_approval([project], 'approved')
            Work.start_project([Work(project.id)])
            for name, progress in PROGRESS.items():
                task = Work(tasks[name].id)
                values = {'progress': progress,
                    'actual_start_date': task.planned_start}
                if progress >= 1:
                    # the removal took two days more than planned
                    late = 2 if name == '旧防水层拆除' else 0
                    values['actual_finish_date'] = (
                        task.planned_end + dt.timedelta(days=late))
                Work.write([task], values)
            with Transaction().set_context(_skip_warnings=True):
                Assignment.create([{
                            'task': tasks[name].id, 'employee': tech.id,
                            'start_date': Work(tasks[name].id).planned_start,
                            'end_date': Work(tasks[name].id).planned_end}
                        for name, tech in [
                            ('旧防水层拆除', technicians[0]),
                            ('基层找平处理', technicians[0]),
                            ('自粘卷材铺贴', technicians[1]),
                            ('天沟节点加强', technicians[2])]]
                    + [{'task': tasks['旧防水层拆除'].id, 'kind': 'equipment',
                            'equipment': '屋面铣刨机 XB-01',
                            'start_date': Work(
                                tasks['旧防水层拆除'].id).planned_start,
                            'end_date': Work(
                                tasks['旧防水层拆除'].id).planned_end}])
            change, = Change.create([{
                        'project': project.id, 'kind': 'scope',
                        'title': '增加5号楼天沟落水口改造',
                        'reason': '拆除后发现5号楼天沟落水口锈蚀，'
                        '须更换并做附加层',
                        'task': tasks['天沟节点加强'].id, 'schedule_days': 3,
                        'lines': [('create', [
                                    {'category': 'material',
                                        'amount': Decimal(14500),
                                        'note': '不锈钢落水口12套'},
                                    {'category': 'labour',
                                        'amount': Decimal(6800)}])]}])
            Change.submit([change])
            Change.decide_approval([change], 'approved')
            Change.create([{
                        'project': project.id, 'kind': 'design',
                        'title': '保护层改为浅色反射涂料',
                        'reason': '园区希望降低顶层室温',
                        'lines': [('create', [{'category': 'material',
                                        'amount': Decimal(9200)}])]}])
            # the park's leak reports of these buildings go under the project
            orders = [o for o in costed if o.customer == parks[0]][:2]
            if orders:
                WorkOrder.write(orders, {'project': project.id})
            if len(parks) > 1:
                second, _ = cls._demo_project(parks[1], manager,
                    today + dt.timedelta(days=14),
                    f'{parks[1].name}地下车库顶板堵漏', Decimal(260000),
                    '地下车库顶板及变形缝，约1,800㎡', ROOF[:6])
                budget, = Budget.create([{
                            'project': second.id, 'reason': '立项预算',
                            'lines': [('create', [
                                        {'category': 'material',
                                            'amount': Decimal(98000)},
                                        {'category': 'labour',
                                            'amount': Decimal(64000)}])]}])
                Budget.confirm([budget])
                Work.submit_project([second])
            if len(parks) > 2:
                cls._demo_project(parks[2], manager,
                    today + dt.timedelta(days=45),
                    f'{parks[2].name}外墙渗漏整治', None,
                    '2号楼东、北立面', ROOF[:3])

    @classmethod
    def _demo_project(cls, park, manager, start, name, contract, sites,
            plan):
        Work = Pool().get('project.work')
        project, = Work.create([{
                    'name': name, 'type': 'project', 'party': park.id,
                    'manager': manager.id if manager else None,
                    'start_date': start, 'contract_amount': contract,
                    'sites': sites,
                    'scope': SCOPE,
                    }])
        tasks = {}
        for sequence, (task_name, days, _, milestone) in enumerate(plan):
            tasks[task_name], = Work.create([{
                        'name': task_name, 'type': 'task',
                        'parent': project.id, 'sequence': sequence,
                        'duration_days': days, 'milestone': milestone}])
        for task_name, _, predecessors, _ in plan:
            if predecessors:
                Work.write([tasks[task_name]], {'predecessors': [
                            ('add', [tasks[p].id for p in predecessors])]})
        Work.schedule([project])
        return project, tasks
