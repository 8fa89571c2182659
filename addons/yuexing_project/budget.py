"""预算: a project's budget by category (材料, 人工, 分包, 机械, 间接), one
version per change. Confirming a version makes it the current one and
supersedes the previous; a budget above the contract amount is confirmed
only through an approved change (变更)."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool
from trytond.pyson import Eval

from .exceptions import ProjectError
from .project import cents

CATEGORIES = [
    ('material', "Material"),
    ('labour', "Labour"),
    ('subcontract', "Subcontract"),
    ('machinery', "Machinery"),
    ('indirect', "Indirect"),
    ]
STATES = [
    ('draft', "Draft"),
    ('current', "Current"),
    ('superseded', "Superseded"),
    ]


class Budget(ServerStates, Workflow, ModelSQL, ModelView):
    "Project Budget"
    __name__ = 'yuexing.project.budget'
    _draft = {'readonly': Eval('state') != 'draft'}

    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='CASCADE',
        domain=[('type', '=', 'project')], states=_draft)
    version = fields.Integer("Version", readonly=True)
    reason = fields.Char("Reason", states=_draft)
    change = fields.Many2One(
        'yuexing.project.change', "Change", readonly=True,
        ondelete='RESTRICT')
    lines = fields.One2Many(
        'yuexing.project.budget.line', 'budget', "Lines", states=_draft)
    total = fields.Function(
        fields.Numeric("Total", digits=(16, 2)), 'get_total')
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    state_string = state.translated('state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('project')
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.project, Index.Equality()),
                (t.state, Index.Equality())))
        cls._order = [
            ('project', 'ASC'), ('version', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'current'), ('current', 'superseded')}
        cls._buttons.update({
                'confirm': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_rec_name(self, name):
        return '%s V%s' % (self.project.rec_name, self.version or '')

    def get_total(self, name):
        return cents(sum((l.amount or 0 for l in self.lines), Decimal(0)))

    def by_category(self):
        amounts = dict.fromkeys([c for c, _ in CATEGORIES], Decimal(0))
        for line in self.lines:
            amounts[line.category] += line.amount or 0
        return amounts

    @classmethod
    def create(cls, vlist):
        # one version number per project, in the order they are made
        counts = {}
        for values in vlist:
            project = values.get('project')
            if project not in counts:
                counts[project] = cls.search_count(
                    [('project', '=', project)])
            counts[project] += 1
            values.setdefault('version', counts[project])
        return super().create(vlist)

    @classmethod
    @ModelView.button
    @strict_transition('current')
    def confirm(cls, budgets):
        for budget in budgets:
            budget.check_contract()
        previous = cls.search([
                ('project', 'in', [b.project.id for b in budgets]),
                ('state', '=', 'current'),
                ('id', 'not in', [b.id for b in budgets]),
                ])
        if previous:
            cls.supersede(previous)

    @classmethod
    @strict_transition('superseded')
    def supersede(cls, budgets):
        pass

    def check_contract(self):
        contract = self.project.contract_amount
        if (contract is not None and self.total > contract
                # only an approved change makes a version with a change
                and not self.change):
            raise ProjectError(gettext(
                    'yuexing_project.msg_budget_over_contract',
                    project=self.project.rec_name, total=self.total,
                    contract=contract))

    @classmethod
    def copy(cls, budgets, default=None):
        default = default.copy() if default is not None else {}
        for name in ['version', 'change', 'state']:
            default.setdefault(name, None)
        return super().copy(budgets, default=default)


class BudgetLine(ModelSQL, ModelView):
    "Project Budget Line"
    __name__ = 'yuexing.project.budget.line'
    budget = fields.Many2One(
        'yuexing.project.budget', "Budget", required=True,
        ondelete='CASCADE')
    category = fields.Selection(CATEGORIES, "Category", required=True)
    category_string = category.translated('category')
    amount = fields.Numeric(
        "Amount", digits=(16, 2), required=True,
        domain=[('amount', '>=', 0)])
    note = fields.Char("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('budget')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.budget, Index.Equality())))

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        Budget = Pool().get('yuexing.project.budget')
        budgets = {l.budget for l in lines}
        if values and values.get('budget'):
            budgets.add(Budget(values['budget']))
        for budget in budgets:
            if budget.state != 'draft':
                raise ProjectError(gettext(
                        'yuexing_project.msg_budget_not_draft',
                        budget=budget.rec_name))
