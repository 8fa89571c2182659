"""Skills (技能) and the level each employee holds in them."""
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    Unique,
    fields,
    sequence_ordered,
)
from trytond.transaction import Transaction

SKILL_CATEGORIES = [
    ('construction', "Construction"),
    ('repair', "Leak Repair"),
    ('safety', "Safety"),
    ('other', "Other"),
    ]
LEVELS = [
    ('junior', "Junior"),
    ('intermediate', "Intermediate"),
    ('senior', "Senior"),
    ('expert', "Expert"),
    ]
LEVEL_RANK = {code: rank for rank, (code, _) in enumerate(LEVELS, 1)}


class Skill(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Skill"
    __name__ = 'yuexing.skill'
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True, strip=True)
    category = fields.Selection(SKILL_CATEGORIES, "Category", required=True)
    required_certificate = fields.Many2One(
        'yuexing.certificate.type', "Required Certificate",
        help="Work needing this skill may only be dispatched to technicians "
        "holding a valid certificate of this type.")
    description = fields.Text("Description")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'yuexing_staff.msg_skill_code_unique'),
            ]

    @classmethod
    def from_code(cls, code):
        skills = cls.search([('code', '=', code)], limit=1)
        return skills[0] if skills else None


class EmployeeSkill(ModelSQL, ModelView):
    "Employee Skill"
    __name__ = 'yuexing.employee.skill'
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    skill = fields.Many2One(
        'yuexing.skill', "Skill", required=True, ondelete='RESTRICT')
    level = fields.Selection(LEVELS, "Level", required=True, sort=False)
    level_string = level.translated('level')
    verified_date = fields.Date("Verified On")
    verified_by = fields.Many2One('res.user', "Verified By", readonly=True)
    comment = fields.Char("Comment")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('employee')
        t = cls.__table__()
        cls._sql_constraints += [
            ('employee_skill_unique', Unique(t, t.employee, t.skill),
                'yuexing_staff.msg_employee_skill_unique'),
            ]

    @staticmethod
    def default_level():
        return 'junior'

    @property
    def rank(self):
        return LEVEL_RANK.get(self.level, 0)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        # Whoever records the verification vouches for it.
        if values.get('verified_date'):
            values['verified_by'] = Transaction().user or None
        return values
