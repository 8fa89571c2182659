"""风险登记: a project's risks scored likelihood × impact (1–5 each);
the level follows the score: 高 from 15, 中 from 8, else 低."""
from trytond.model import Index, ModelSQL, ModelView, fields

RATINGS = [(str(i), str(i)) for i in range(1, 6)]
LEVELS = [
    ('low', "Low"),
    ('medium', "Medium"),
    ('high', "High"),
    ]
CATEGORIES = [
    ('technical', "Technical"),
    ('schedule', "Schedule"),
    ('cost', "Cost"),
    ('safety', "Safety"),
    ('weather', "Weather"),
    ('customer', "Customer"),
    ]
STATES = [
    ('open', "Open"),
    ('closed', "Closed"),
    ]


def level_of(score):
    if score >= 15:
        return 'high'
    if score >= 8:
        return 'medium'
    return 'low'


class Risk(ModelSQL, ModelView):
    "Project Risk"
    __name__ = 'yuexing.project.risk'
    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='CASCADE',
        domain=[('type', '=', 'project')])
    name = fields.Char("Risk", required=True)
    category = fields.Selection(CATEGORIES, "Category", required=True)
    category_string = category.translated('category')
    likelihood = fields.Selection(RATINGS, "Likelihood", required=True,
        sort=False, help="1 rare … 5 almost certain.")
    impact = fields.Selection(RATINGS, "Impact", required=True,
        sort=False, help="1 negligible … 5 severe.")
    score = fields.Function(fields.Integer("Score"), 'get_score')
    level = fields.Function(fields.Selection(LEVELS, "Level"), 'get_score')
    level_string = level.translated('level')
    mitigation = fields.Text("Mitigation")
    owner = fields.Many2One('res.user', "Owner")
    state = fields.Selection(STATES, "State", required=True)
    state_string = state.translated('state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('project')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.project, Index.Equality())))

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_likelihood(cls):
        return '3'

    @classmethod
    def default_impact(cls):
        return '3'

    @fields.depends('likelihood', 'impact')
    def on_change_with_score(self):
        if self.likelihood and self.impact:
            return int(self.likelihood) * int(self.impact)

    def get_score(self, name):
        score = self.on_change_with_score() or 0
        return score if name == 'score' else level_of(score)
