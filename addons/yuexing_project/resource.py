"""资源管理: technicians (or teams through their members) and equipment
assigned to a task over dates. The conflicts — the same technician or
machine booked on another task, or the technician's work-order visits,
over overlapping days — show on the form before saving and ask for a
confirmation when saved. Each check is one SQL overlap query."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ResourceConflict, ScheduleError

KINDS = [
    ('technician', "Technician"),
    ('equipment', "Equipment"),
    ]
BUSY_VISITS = ['planned', 'on_the_way', 'on_site']


class Assignment(ModelSQL, ModelView):
    "Project Resource Assignment"
    __name__ = 'yuexing.project.assignment'
    task = fields.Many2One(
        'project.work', "Task", required=True, ondelete='CASCADE',
        domain=[('type', '=', 'task')])
    project = fields.Function(fields.Many2One(
            'project.work', "Project"), 'get_project')
    kind = fields.Selection(KINDS, "Kind", required=True)
    kind_string = kind.translated('kind')
    employee = fields.Many2One(
        'company.employee', "Technician", ondelete='RESTRICT',
        domain=[('is_technician', '=', True)],
        states={
            'invisible': Eval('kind') != 'technician',
            'required': Eval('kind') == 'technician',
            })
    equipment = fields.Char(
        "Equipment",
        states={
            'invisible': Eval('kind') != 'equipment',
            'required': Eval('kind') == 'equipment',
            },
        help="The machine's name or number (one machine, one name).")
    start_date = fields.Date("Start", required=True)
    end_date = fields.Date("End", required=True)
    percentage = fields.Integer(
        "Allocation %", required=True,
        domain=[('percentage', '>', 0), ('percentage', '<=', 100)])
    conflicts = fields.Function(fields.Text("Conflicts"), 'get_conflicts')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('task')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.task, Index.Equality())),
                Index(t, (t.employee, Index.Equality()),
                    (t.start_date, Index.Range()),
                    (t.end_date, Index.Range())),
                Index(t, (t.equipment, Index.Equality()),
                    (t.start_date, Index.Range())),
                })

    @classmethod
    def default_kind(cls):
        return 'technician'

    @classmethod
    def default_percentage(cls):
        return 100

    @fields.depends('task', '_parent_task.planned_start',
        '_parent_task.planned_end', 'start_date', 'end_date')
    def on_change_task(self):
        if self.task:
            self.start_date = self.start_date or self.task.planned_start
            self.end_date = self.end_date or self.task.planned_end

    def get_project(self, name):
        return self.task.project.id if self.task and self.task.project \
            else None

    def get_rec_name(self, name):
        who = (self.employee.rec_name if self.employee
            else self.equipment or '')
        return '%s @ %s' % (who, self.task.rec_name if self.task else '')

    @fields.depends('id', 'kind', 'employee', 'equipment', 'start_date',
        'end_date')
    def on_change_with_conflicts(self):
        return '\n'.join(self.find_conflicts()) or None

    def get_conflicts(self, name):
        return '\n'.join(self.find_conflicts()) or None

    def find_conflicts(self):
        """The bookings that overlap this one: other assignments of the
        same technician or machine, and the technician's visits."""
        pool = Pool()
        Work = pool.get('project.work')
        Visit = pool.get('yuexing.work_order.visit')
        WorkOrder = pool.get('yuexing.work_order')
        if not (self.start_date and self.end_date):
            return []
        table = self.__table__()
        work = Work.__table__()
        cursor = Transaction().connection.cursor()
        where = ((table.start_date <= self.end_date)
            & (table.end_date >= self.start_date))
        if self.id and self.id > 0:
            where &= table.id != self.id
        if self.kind == 'technician' and self.employee:
            where &= table.employee == self.employee.id
        elif self.kind == 'equipment' and self.equipment:
            where &= table.equipment == self.equipment
        else:
            return []
        cursor.execute(*table.join(work, condition=work.id == table.task
                ).select(work.name, table.start_date, table.end_date,
                where=where, order_by=[table.start_date], limit=20))
        conflicts = [gettext('yuexing_project.msg_conflict_task',
                task=name, start=start, end=end)
            for name, start, end in cursor]
        if self.kind == 'technician' and self.employee:
            visit = Visit.__table__()
            order = WorkOrder.__table__()
            start = dt.datetime.combine(self.start_date, dt.time.min)
            end = dt.datetime.combine(
                self.end_date + dt.timedelta(days=1), dt.time.min)
            cursor.execute(*visit.join(order,
                    condition=order.id == visit.work_order
                    ).select(order.number, visit.planned_start,
                    where=(visit.technician == self.employee.id)
                    & visit.state.in_(BUSY_VISITS)
                    & (visit.planned_start < end)
                    & (visit.planned_end > start),
                    order_by=[visit.planned_start], limit=20))
            conflicts += [gettext('yuexing_project.msg_conflict_visit',
                    order=number, at=planned.strftime('%Y-%m-%d %H:%M'))
                for number, planned in cursor]
        return conflicts

    @classmethod
    def validate(cls, assignments):
        super().validate(assignments)
        for assignment in assignments:
            if assignment.end_date < assignment.start_date:
                raise ScheduleError(gettext(
                        'yuexing_project.msg_assignment_dates',
                        assignment=assignment.rec_name))

    @classmethod
    def on_modification(cls, mode, assignments, field_names=None):
        super().on_modification(mode, assignments, field_names=field_names)
        if mode == 'delete':
            return
        Warning = Pool().get('res.user.warning')
        for assignment in assignments:
            conflicts = assignment.find_conflicts()
            if not conflicts:
                continue
            key = Warning.format('yuexing_project.conflict', [assignment])
            if Warning.check(key):
                raise ResourceConflict(key, gettext(
                        'yuexing_project.msg_conflict_warning',
                        assignment=assignment.rec_name,
                        conflicts='\n'.join(conflicts)))

