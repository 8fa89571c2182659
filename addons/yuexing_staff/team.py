"""班组: teams of technicians with a leader and a home region; a technician
may belong to several teams. Statistics: members, skills covered,
certificate problems and (through the work_order_figures hook) work
orders."""
from collections import Counter

from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Team(DeactivableMixin, ModelSQL, ModelView):
    "Team"
    __name__ = 'yuexing.team'
    name = fields.Char("Name", required=True)
    code = fields.Char("Code", required=True, strip=True)
    company = fields.Many2One('company.company', "Company", required=True)
    leader = fields.Many2One(
        'company.employee', "Leader",
        domain=[('company', '=', Eval('company', -1))])
    members = fields.Many2Many(
        'yuexing.team-company.employee', 'team', 'employee', "Members",
        domain=[('company', '=', Eval('company', -1))])
    region = fields.Many2One(
        'country.subdivision', "Home Region",
        domain=[('region_level', 'in', ['city', 'district'])],
        help="The city or district the team usually works in.")
    comment = fields.Text("Comment")
    member_count = fields.Function(
        fields.Integer("Members Count"), 'get_statistics')
    skill_count = fields.Function(
        fields.Integer("Skills Covered"), 'get_statistics')
    skill_coverage = fields.Function(
        fields.Char("Skill Coverage",
            help="Each skill with the number of members holding it."),
        'get_statistics')
    certificate_problems = fields.Function(
        fields.Integer("Expired or Expiring Certificates"),
        'get_statistics')
    open_orders = fields.Function(
        fields.Integer("Open Orders"), 'get_statistics')
    month_done_orders = fields.Function(
        fields.Integer("Orders Done This Month"), 'get_statistics')
    month_rating = fields.Function(
        fields.Numeric("Rating This Month", digits=(3, 2)),
        'get_statistics')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.code),
                'yuexing_staff.msg_team_code_unique'),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def get_statistics(cls, teams, names):
        pool = Pool()
        EmployeeSkill = pool.get('yuexing.employee.skill')
        Certificate = pool.get('yuexing.employee.certificate')
        result = {n: {t.id: None for t in teams} for n in names}
        members = {t.id: {m.id for m in t.members} for t in teams}
        everyone = set().union(*members.values()) if members else set()
        skills = {}
        for record in EmployeeSkill.search(
                [('employee', 'in', list(everyone))]):
            skills.setdefault(record.employee.id, []).append(
                record.skill.name)
        problems = Counter(c.employee.id for c in Certificate.search([
                    ('employee', 'in', list(everyone)),
                    ('state', 'in', ['expired', 'expiring']),
                    ]))
        figures = cls.work_order_figures(teams)
        for team in teams:
            ids = members[team.id]
            counter = Counter(
                name for i in ids for name in skills.get(i, []))
            values = {
                'member_count': len(ids),
                'skill_count': len(counter),
                'skill_coverage': '、'.join(
                    f'{name}×{count}' for name, count
                    in sorted(counter.items(), key=lambda x: -x[1])),
                'certificate_problems': sum(problems[i] for i in ids),
                }
            values.update(figures.get(team.id, {}))
            for name in names:
                result[name][team.id] = values.get(name)
        return result

    @classmethod
    def work_order_figures(cls, teams):
        """{team id: {'open_orders': n, 'month_done_orders': n,
        'month_rating': Decimal}} — filled by the work-order module."""
        return {}


class TeamMember(ModelSQL):
    "Team Member"
    __name__ = 'yuexing.team-company.employee'
    team = fields.Many2One(
        'yuexing.team', "Team", required=True, ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('team_employee_unique', Unique(t, t.team, t.employee),
                'yuexing_staff.msg_team_member_unique'),
            ]
