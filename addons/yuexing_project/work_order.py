"""工单–项目 1:N: a B端 work order may belong to a project of its customer
(and one of its tasks); its cost lines are the project's actual cost."""
from trytond.model import Index, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'
    project = fields.Many2One(
        'project.work', "Project", ondelete='RESTRICT',
        domain=[('type', '=', 'project'),
            ('party', '=', Eval('customer', -1))])
    project_task = fields.Many2One(
        'project.work', "Project Task", ondelete='SET NULL',
        domain=[('type', '=', 'task'),
            ('project', '=', Eval('project', -1))],
        states={'invisible': ~Eval('project')})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.project, Index.Equality()),
                where=t.project != None))  # noqa: E711
