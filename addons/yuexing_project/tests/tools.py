"""Fixtures of the project tests: a park's project with its tasks and
links, a budget, users of the roles."""
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool

# A roof renovation: 4 critical tasks and a side branch with 3 days float.
PLAN = [
    ('勘察设计', 3, [], False),
    ('拆除旧防水层', 5, ['勘察设计'], False),
    ('材料进场', 2, ['勘察设计'], False),
    ('卷材铺贴', 4, ['拆除旧防水层', '材料进场'], False),
    ('竣工验收', 0, ['卷材铺贴'], True),
    ]
START = dt.date(2026, 3, 2)


def create_project(park, manager=None, start=START, plan=PLAN,
        name='张江园区3号楼屋面翻新', contract_amount=None):
    """A draft project for park with the plan's tasks (name, days,
    predecessor names, milestone); returns (project, {name: task})."""
    Work = Pool().get('project.work')
    project, = Work.create([{
                'name': name, 'type': 'project', 'party': park.id,
                'manager': manager.id if manager else None,
                'start_date': start, 'contract_amount': contract_amount,
                'sites': '3号楼屋面，约1,200㎡',
                }])
    tasks = {}
    for sequence, (task_name, days, _, milestone) in enumerate(plan):
        tasks[task_name], = Work.create([{
                    'name': task_name, 'type': 'task',
                    'parent': project.id, 'sequence': sequence,
                    'duration_days': days, 'milestone': milestone,
                    }])
    for task_name, _, predecessors, _ in plan:
        if predecessors:
            Work.write([tasks[task_name]], {'predecessors': [
                        ('add', [tasks[p].id for p in predecessors])]})
    return project, tasks


def confirm_budget(project, amounts):
    "A confirmed budget version of {category: amount}."
    Budget = Pool().get('yuexing.project.budget')
    budget, = Budget.create([{
                'project': project.id, 'reason': '初始预算',
                'lines': [('create', [
                            {'category': c, 'amount': Decimal(a)}
                            for c, a in amounts.items()])],
                }])
    Budget.confirm([budget])
    return budget
