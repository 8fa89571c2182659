"""进度管理: the tasks of a project in days (工期), their predecessors
(project_plan's graph), milestones, planned against actual dates and the
deviation (进度偏差). 排程 computes the critical path method on the task
graph with networkx: earliest dates forward from the planned start and
each task's 'not before' date, latest dates backward from the project's
finish, the total float, and the critical tasks (no float)."""
import datetime as dt
from collections import defaultdict

import networkx as nx

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.yuexing_base.company_date import company_today
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ScheduleError

_task = {'invisible': Eval('type') != 'task'}


class Work(metaclass=PoolMeta):
    __name__ = 'project.work'

    duration_days = fields.Integer(
        "Duration (Days)", states=_task,
        domain=['OR', ('duration_days', '=', None),
            ('duration_days', '>=', 0)],
        help="Calendar days; a milestone takes none.")
    milestone = fields.Boolean("Milestone", states=_task)
    earliest_start = fields.Date(
        "Not Before", states=_task,
        help="The task cannot start earlier (materials, permits, weather).")
    planned_start = fields.Date("Planned Start Date", states=_task)
    planned_end = fields.Date("Planned End Date", states=_task)
    total_float = fields.Integer(
        "Total Float (Days)", readonly=True, states=_task,
        help="How many days the task can slip without delaying the "
        "project.")
    critical = fields.Boolean("Critical", readonly=True, states=_task)
    planned_cost = fields.Numeric(
        "Planned Cost", digits=(16, 2), states=_task,
        domain=['OR', ('planned_cost', '=', None),
            ('planned_cost', '>=', 0)],
        help="The task's share of the budget for the earned value (by "
        "default the tasks share it by duration).")
    deviation_days = fields.Function(fields.Integer(
            "Deviation (Days)", states=_task,
            help="Days behind the planned end (negative: ahead)."),
        'get_deviation')
    project = fields.Function(fields.Many2One(
            'project.work', "Project"), 'get_project',
        searcher='search_project')
    assignments = fields.One2Many(
        'yuexing.project.assignment', 'task', "Resources", states=_task)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'schedule': {
                    'invisible': Eval('type') != 'project',
                    'depends': ['type']},
                })

    @classmethod
    def default_milestone(cls):
        return False

    @classmethod
    def default_critical(cls):
        return False

    @fields.depends('milestone', 'duration_days')
    def on_change_milestone(self):
        if self.milestone:
            self.duration_days = 0

    def get_project(self, name):
        "The root of the task's tree (its path starts with it)."
        if self.path:
            return int(self.path.split('/')[0])
        return self.id

    @classmethod
    def search_project(cls, name, clause):
        _, operator, value = clause[:3]
        if operator == '=' and isinstance(value, int):
            return [('parent', 'child_of', [value])]
        return [('parent', 'child_of', [w.id for w in cls.search(
                        [('rec_name',) + tuple(clause[1:])])])]

    def get_deviation(self, name):
        if self.type != 'task' or not self.planned_end:
            return None
        finish = self.actual_finish_date
        if finish:
            return (finish - self.planned_end).days
        today = company_today()
        if today > self.planned_end and (self.progress or 0) < 1:
            return (today - self.planned_end).days
        return 0

    # ---- validation ------------------------------------------------------

    @classmethod
    def validate_fields(cls, works, field_names):
        # before project_plan's recursion check, to name the tasks
        if field_names is None or field_names & {
                'predecessors', 'successors'}:
            cls.check_cycles(works)
        super().validate_fields(works, field_names)
        for work in works:
            work.check_dates()

    def check_dates(self):
        pairs = [('planned_start', 'planned_end', self.planned_start,
                self.planned_end),
            ('actual_start_date', 'actual_finish_date',
                self.actual_start_date, self.actual_finish_date)]
        for start_name, end_name, start, end in pairs:
            if start and end and end < start:
                labels = self.fields_get([start_name, end_name])
                raise ScheduleError(gettext(
                        'yuexing_project.msg_end_before_start',
                        task=self.name,
                        end=labels[end_name]['string'],
                        start=labels[start_name]['string']))

    @classmethod
    def check_cycles(cls, works):
        "A predecessor chain that comes back to a task cannot be planned."
        roots = {w.project.id for w in works if w.project}
        for root in roots:
            tasks = cls.search([('parent', 'child_of', [root])])
            graph = cls.task_graph(tasks)
            try:
                cycle = nx.find_cycle(graph)
            except nx.NetworkXNoCycle:
                continue
            names = {t.id: t.name for t in tasks}
            chain = [names[a] for a, _ in cycle] + [names[cycle[0][0]]]
            raise ScheduleError(gettext(
                    'yuexing_project.msg_task_cycle',
                    tasks=' → '.join(chain)))

    # ---- schedule ----------------------------------------------------------

    def schedule_tasks(self):
        "The leaf tasks of a project: what is planned and done."
        tasks = self.__class__.search([
                ('parent', 'child_of', [self.id]),
                ('type', '=', 'task'),
                ], order=[('sequence', 'ASC'), ('id', 'ASC')])
        parents = {t.parent.id for t in tasks if t.parent}
        return [t for t in tasks if t.id not in parents]

    @classmethod
    def task_graph(cls, tasks):
        "The predecessor graph among tasks (one query for the edges)."
        Link = Pool().get('project.predecessor_successor')
        link = Link.__table__()
        ids = [t.id for t in tasks]
        graph = nx.DiGraph()
        graph.add_nodes_from(ids)
        cursor = Transaction().connection.cursor()
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            cursor.execute(*link.select(link.predecessor, link.successor,
                    where=link.successor.in_(chunk)))
            graph.add_edges_from(
                (p, s) for p, s in cursor if p in graph)
        return graph

    def compute_schedule(self):
        """The critical path method over the project's tasks: returns
        {task id: (planned start, planned end, total float)} and the
        critical path (task ids, in order)."""
        tasks = self.schedule_tasks()
        if not tasks:
            return {}, []
        by_id = {t.id: t for t in tasks}
        graph = self.task_graph(tasks)
        if not nx.is_directed_acyclic_graph(graph):
            self.__class__.check_cycles([tasks[0]])
        origin = self.start_date or company_today()
        duration = {t.id: 0 if t.milestone else max(t.duration_days or 0, 0)
            for t in tasks}
        order = list(nx.topological_sort(graph))
        early_start, early_finish = {}, {}
        for node in order:
            start = max((early_finish[p] for p in graph.predecessors(node)),
                default=0)
            task = by_id[node]
            if task.earliest_start:
                start = max(start, (task.earliest_start - origin).days)
            early_start[node] = start
            early_finish[node] = start + duration[node]
        finish = max(early_finish.values())
        late_start = {}
        late_finish = {}
        for node in reversed(order):
            end = min((late_start[s] for s in graph.successors(node)),
                default=finish)
            late_finish[node] = end
            late_start[node] = end - duration[node]
        result = {}
        for node in order:
            start = origin + dt.timedelta(days=early_start[node])
            days = duration[node]
            end = start + dt.timedelta(days=max(days - 1, 0))
            result[node] = (start, end, late_start[node] - early_start[node])
        critical = [n for n in order if result[n][2] == 0]
        # the chain through the critical tasks, as the Gantt draws it
        path = nx.dag_longest_path(graph.subgraph(critical),
            weight=None) if critical else []
        return result, path

    @classmethod
    @ModelView.button
    def schedule(cls, projects):
        "排程: planned dates, float and critical tasks from the task graph."
        for project in projects:
            if project.type != 'project':
                continue
            result, _ = project.compute_schedule()
            groups = defaultdict(list)
            for task_id, (start, end, slack) in result.items():
                groups[(start, end, slack)].append(task_id)
            to_write = []
            for (start, end, slack), ids in groups.items():
                to_write.extend((cls.browse(ids), {
                            'planned_start': start, 'planned_end': end,
                            'total_float': slack, 'critical': slack == 0}))
            if to_write:
                cls.write(*to_write)

    def gantt_data(self):
        """What the Gantt chart draws (the report, the portal): the tasks
        with planned and actual dates, progress, links and the critical
        path."""
        tasks = self.schedule_tasks()
        graph = self.task_graph(tasks)
        return {
            'project': self.rec_name,
            'start': self.start_date,
            'tasks': [{
                    'id': t.id,
                    'name': t.name,
                    'start': t.planned_start,
                    'end': t.planned_end,
                    'actual_start': t.actual_start_date,
                    'actual_end': t.actual_finish_date,
                    'progress': round((t.progress or 0) * 100),
                    'milestone': bool(t.milestone),
                    'critical': bool(t.critical),
                    'float': t.total_float,
                    'deviation': t.deviation_days,
                    'dependencies': sorted(graph.predecessors(t.id)),
                    } for t in tasks],
            }
