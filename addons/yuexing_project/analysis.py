"""项目分析: cost against budget per project and category — the current
budget version and the cost lines of the project's work orders — with
the variance; a list with sums and a graph."""
from sql import Literal, Null, Union
from sql.aggregate import Max, Sum
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool

from .budget import CATEGORIES
from .project import COST_CATEGORY


class CostAnalysis(ModelSQL, ModelView):
    "Project Cost Analysis"
    __name__ = 'yuexing.project.cost_analysis'
    project = fields.Many2One(
        'project.work', "Project", required=True, readonly=True)
    category = fields.Selection(CATEGORIES, "Category", readonly=True)
    category_name = fields.Function(
        fields.Char("Category"), 'get_category_name')
    budget = fields.Numeric("Budget", digits=(16, 2), readonly=True)
    actual = fields.Numeric("Actual Cost", digits=(16, 2), readonly=True)
    variance = fields.Numeric(
        "Variance", digits=(16, 2), readonly=True,
        help="Budget less actual cost (negative: over budget).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('project')
        cls._order = [
            ('project', 'DESC'), ('category', 'ASC'), ('id', 'ASC')]

    def get_category_name(self, name):
        "The category's label, for the graph's axis."
        selection = dict(self.fields_get(['category'])['category'][
                'selection'])
        return selection.get(self.category, self.category)

    @classmethod
    def table_query(cls):
        pool = Pool()
        Budget = pool.get('yuexing.project.budget')
        Line = pool.get('yuexing.project.budget.line')
        WorkOrder = pool.get('yuexing.work_order')
        Cost = pool.get('yuexing.work_order.cost')
        budget, line = Budget.__table__(), Line.__table__()
        order, cost = WorkOrder.__table__(), Cost.__table__()
        zero = Literal(0)
        planned = budget.join(line, condition=line.budget == budget.id
            ).select(budget.project.as_('project'),
            line.category.as_('category'),
            line.amount.as_('budget'), zero.as_('actual'),
            where=budget.state == 'current')
        kind = Case(*((cost.kind == k, c) for k, c in COST_CATEGORY.items()),
            else_='indirect')
        spent = order.join(cost, condition=cost.work_order == order.id
            ).select(order.project.as_('project'), kind.as_('category'),
            zero.as_('budget'), cost.amount.as_('actual'),
            where=(order.project != Null) & (order.state != 'cancelled'))
        both = Union(planned, spent, all_=True)
        index = Case(*((both.category == c, i)
                for i, (c, _) in enumerate(CATEGORIES)), else_=9)
        total_budget = Coalesce(Sum(both.budget), 0)
        total_actual = Coalesce(Sum(both.actual), 0)
        return both.select(
            (both.project * 10 + Max(index)).as_('id'),
            both.project.as_('project'), both.category.as_('category'),
            total_budget.as_('budget'), total_actual.as_('actual'),
            (total_budget - total_actual).as_('variance'),
            group_by=[both.project, both.category])
