"""绩效: monthly evaluation periods; per employee an evaluation made of KPI
lines (pluggable sources computed from the data, manual lines scored by the
team leader), a weighted score, rewards/penalties and an improvement plan
for low scores."""
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    Unique,
    Workflow,
    fields,
    sequence_ordered,
)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .attendance import month_bounds
from .exceptions import StaffError

HUNDRED = Decimal(100)


def _score(value):
    return Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP)


class Kpi(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "KPI"
    __name__ = 'yuexing.performance.kpi'
    name = fields.Char("Name", required=True)
    code = fields.Char("Code", required=True, strip=True)
    source = fields.Selection('get_sources', "Source", required=True,
        help="Manual: scored by the team leader; otherwise computed.")
    weight = fields.Numeric(
        "Weight", digits=(5, 2), required=True,
        domain=[('weight', '>', 0)])
    target = fields.Numeric(
        "Target", digits=(16, 4),
        help="The value that scores 100; empty: the value is the score.")
    higher_is_better = fields.Boolean("Higher Is Better")
    technicians_only = fields.Boolean("Technicians Only")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'yuexing_staff.msg_kpi_code_unique'),
            ]

    @classmethod
    def get_sources(cls):
        Evaluation = Pool().get('yuexing.performance.evaluation')
        return [('manual', gettext('yuexing_staff.msg_kpi_manual'))] + [
            (code, label) for code, (label, _)
            in Evaluation.kpi_sources().items()]

    @classmethod
    def default_source(cls):
        return 'manual'

    @classmethod
    def default_weight(cls):
        return Decimal(10)

    @classmethod
    def default_higher_is_better(cls):
        return True

    @classmethod
    def default_technicians_only(cls):
        return False

    def score_of(self, value):
        "0–100 for a computed value."
        if value is None:
            return None
        value = Decimal(str(value))
        if not self.target:
            score = value
        elif self.higher_is_better:
            score = value / self.target * HUNDRED
        elif value <= self.target:
            score = HUNDRED
        else:
            score = self.target / value * HUNDRED
        return _score(min(max(score, Decimal(0)), HUNDRED))


class Period(Workflow, ModelSQL, ModelView):
    "Evaluation Period"
    __name__ = 'yuexing.performance.period'
    company = fields.Many2One('company.company', "Company", required=True,
        states={'readonly': Eval('state') != 'draft'})
    month = fields.Date("Month", required=True,
        states={'readonly': Eval('state') != 'draft'},
        help="Any day of the evaluated month.")
    start_date = fields.Date("Start", readonly=True)
    end_date = fields.Date("End", readonly=True)
    evaluations = fields.One2Many(
        'yuexing.performance.evaluation', 'period', "Evaluations",
        readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('open', "Evaluating"),
            ('closed', "Closed"),
            ], "State", readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('company_month_unique', Unique(t, t.company, t.start_date),
                'yuexing_staff.msg_period_unique'),
            ]
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'open'), ('open', 'closed'),
            ('closed', 'open')}
        cls._buttons.update({
                'open_': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'close': {'invisible': Eval('state') != 'open',
                    'depends': ['state']},
                'reopen': {'invisible': Eval('state') != 'closed',
                    'depends': ['state']},
                'refresh': {'invisible': Eval('state') != 'open',
                    'icon': 'tryton-refresh', 'depends': ['state']},
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_rec_name(self, name):
        return f'{self.start_date:%Y-%m}' if self.start_date else ''

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is None or 'month' in field_names:
            if getattr(self, 'month', None):
                start, end = month_bounds(self.month)
                if getattr(self, 'start_date', None) != start:
                    values['start_date'] = start
                    values['end_date'] = end
        return values

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def open_(cls, periods):
        "Create the evaluations of the employees with computed KPI lines."
        pool = Pool()
        Employee = pool.get('company.employee')
        Evaluation = pool.get('yuexing.performance.evaluation')
        to_create = []
        for period in periods:
            existing = {e.employee.id for e in period.evaluations}
            for employee in Employee.search([
                        ('company', '=', period.company.id),
                        ['OR', ('start_date', '=', None),
                            ('start_date', '<=', period.end_date)],
                        ['OR', ('end_date', '=', None),
                            ('end_date', '>=', period.start_date)],
                        ]):
                if employee.id in existing:
                    continue
                leaders = [t.leader for t in employee.teams
                    if t.leader and t.leader != employee]
                to_create.append({
                        'period': period.id,
                        'employee': employee.id,
                        'evaluator': leaders[0].id if leaders else None,
                        })
        evaluations = Evaluation.create(to_create)
        Evaluation.fill_lines(evaluations)

    @classmethod
    @ModelView.button
    def refresh(cls, periods):
        "Recompute the computed KPI lines of the draft evaluations."
        Evaluation = Pool().get('yuexing.performance.evaluation')
        Evaluation.fill_lines([e for p in periods for e in p.evaluations
                if e.state == 'draft'])

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, periods):
        for period in periods:
            drafts = [e for e in period.evaluations if e.state == 'draft']
            if drafts:
                raise StaffError(gettext(
                        'yuexing_staff.msg_period_has_drafts',
                        period=period.rec_name, count=len(drafts)))

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, periods):
        pass


def check_not_own(evaluations):
    "Nobody but HR scores their own evaluation."
    from .employee import can_see_private
    if can_see_private():
        return
    User = Pool().get('res.user')
    mine = {e.id for e in User(Transaction().user).employees}
    if any(e.employee.id in mine for e in evaluations):
        raise StaffError(gettext('yuexing_staff.msg_evaluate_own'))


class Evaluation(Workflow, ModelSQL, ModelView):
    "Performance Evaluation"
    __name__ = 'yuexing.performance.evaluation'
    _ro = {'readonly': Eval('state') != 'draft'}
    period = fields.Many2One(
        'yuexing.performance.period', "Period", required=True,
        ondelete='CASCADE', readonly=True)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, readonly=True)
    evaluator = fields.Many2One(
        'company.employee', "Evaluator", states=_ro)
    lines = fields.One2Many(
        'yuexing.performance.line', 'evaluation', "KPI Lines", states=_ro)
    score = fields.Numeric("Score", digits=(5, 2), readonly=True)
    grade = fields.Selection([
            (None, ""),
            ('A', "A (excellent)"),
            ('B', "B (good)"),
            ('C', "C (acceptable)"),
            ('D', "D (needs improvement)"),
            ], "Grade", readonly=True)
    reward = fields.Numeric(
        "Reward", digits=(16, 2), states=_ro,
        domain=['OR', ('reward', '=', None), ('reward', '>=', 0)],
        help="Paid with the payslip of the month.")
    penalty = fields.Numeric(
        "Penalty", digits=(16, 2), states=_ro,
        domain=['OR', ('penalty', '=', None), ('penalty', '>=', 0)],
        help="Deducted on the payslip of the month.")
    reward_note = fields.Char("Reward/Penalty Reason", states=_ro)
    improvement_needed = fields.Function(
        fields.Boolean("Improvement Plan Needed"), 'get_improvement_needed')
    improvement_plan = fields.Text(
        "Improvement Plan",
        states={'readonly': Eval('state') == 'confirmed'})
    comment = fields.Text("Comment", states=_ro)
    state = fields.Selection([
            ('draft', "Draft"),
            ('confirmed', "Confirmed"),
            ], "State", readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('period_employee_unique', Unique(t, t.period, t.employee),
                'yuexing_staff.msg_evaluation_unique'),
            ]
        cls._transitions |= {('draft', 'confirmed'), ('confirmed', 'draft')}
        cls._buttons.update({
                'confirm': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'draft': {'invisible': Eval('state') != 'confirmed',
                    'icon': 'tryton-back', 'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_rec_name(self, name):
        return f'{self.employee.rec_name} {self.period.rec_name}'

    @classmethod
    def check_modification(cls, mode, evaluations, values=None,
            external=False):
        super().check_modification(
            mode, evaluations, values=values, external=external)
        if external:
            check_not_own(evaluations)

    # ---- KPI sources --------------------------------------------------------
    @classmethod
    def kpi_sources(cls):
        """{code: (label, callable(employees, start, end) -> {employee id:
        value})}. Staff gives attendance; the work-order module adds order
        count, on-time rate, customer rating and rework rate."""
        return {
            'attendance_rate': (
                gettext('yuexing_staff.msg_kpi_attendance_rate'),
                cls._attendance_rate),
            }

    @classmethod
    def _attendance_rate(cls, employees, start, end):
        Summary = Pool().get('yuexing.attendance.summary')
        result = {}
        for summary in Summary.search([
                    ('employee', 'in', [e.id for e in employees]),
                    ('month', '=', start.replace(day=1)),
                    ]):
            if summary.work_days:
                expected = summary.work_days - summary.leave_days
                result[summary.employee.id] = (
                    Decimal(summary.days_present) / Decimal(str(expected))
                    * HUNDRED if expected > 0 else HUNDRED)
        return result

    @classmethod
    def fill_lines(cls, evaluations):
        """(Re)create the lines of the active KPIs: computed ones get their
        value from the source, manual ones are kept as scored."""
        pool = Pool()
        Kpi = pool.get('yuexing.performance.kpi')
        Line = pool.get('yuexing.performance.line')
        if not evaluations:
            return
        kpis = Kpi.search([])
        sources = cls.kpi_sources()
        by_period = defaultdict(list)
        for evaluation in evaluations:
            by_period[evaluation.period].append(evaluation)
        values = {}
        for period, evals in by_period.items():
            employees = [e.employee for e in evals]
            for kpi in kpis:
                if kpi.source in sources:
                    _, function = sources[kpi.source]
                    values[period.id, kpi.id] = function(
                        employees, period.start_date, period.end_date)
        to_delete, to_create = [], []
        for evaluation in evaluations:
            present = {line.kpi.id: line for line in evaluation.lines
                if line.kpi}
            for kpi in kpis:
                if (kpi.technicians_only
                        and not evaluation.employee.is_technician):
                    continue
                line = present.get(kpi.id)
                if kpi.source == 'manual':
                    if not line:
                        to_create.append({
                                'evaluation': evaluation.id, 'kpi': kpi.id,
                                'name': kpi.name, 'weight': kpi.weight,
                                'source': 'manual'})
                    continue
                if line:
                    to_delete.append(line)
                value = values.get((evaluation.period.id, kpi.id), {}).get(
                    evaluation.employee.id)
                to_create.append({
                        'evaluation': evaluation.id, 'kpi': kpi.id,
                        'name': kpi.name, 'weight': kpi.weight,
                        'source': kpi.source, 'target': kpi.target,
                        'value': (Decimal(str(value)).quantize(
                                Decimal('0.0001'))
                            if value is not None else None),
                        'score': kpi.score_of(value),
                        })
        Line.delete(to_delete)
        Line.create(to_create)
        cls.update_score(evaluations)

    @classmethod
    def update_score(cls, evaluations):
        to_write = []
        for evaluation in cls.browse(evaluations):
            lines = [line for line in evaluation.lines
                if line.score is not None and line.weight]
            weights = sum((line.weight for line in lines), Decimal(0))
            score = (_score(sum(line.score * line.weight for line in lines)
                    / weights) if weights else None)
            grade = None
            if score is not None:
                grade = ('A' if score >= 90 else 'B' if score >= 75
                    else 'C' if score >= 60 else 'D')
            if (score, grade) != (evaluation.score, evaluation.grade):
                to_write.extend(([evaluation], {
                            'score': score, 'grade': grade}))
        if to_write:
            cls.write(*to_write)

    def get_improvement_needed(self, name):
        Configuration = Pool().get('yuexing.configuration')
        threshold = Configuration(1).get_improvement_threshold()
        return self.score is not None and self.score < threshold

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, evaluations):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, evaluations):
        cls.update_score(evaluations)
        for evaluation in cls.browse(evaluations):
            for line in evaluation.lines:
                if line.score is None and line.source == 'manual':
                    raise StaffError(gettext(
                            'yuexing_staff.msg_manual_line_unscored',
                            evaluation=evaluation.rec_name,
                            line=line.name))
            if evaluation.improvement_needed and not (
                    evaluation.improvement_plan or '').strip():
                raise StaffError(gettext(
                        'yuexing_staff.msg_improvement_plan_required',
                        evaluation=evaluation.rec_name,
                        score=evaluation.score))


class Line(ModelSQL, ModelView):
    "Evaluation Line"
    __name__ = 'yuexing.performance.line'
    evaluation = fields.Many2One(
        'yuexing.performance.evaluation', "Evaluation", required=True,
        ondelete='CASCADE')
    kpi = fields.Many2One('yuexing.performance.kpi', "KPI",
        ondelete='RESTRICT')
    name = fields.Char("Name", required=True)
    source = fields.Selection('get_sources', "Source", readonly=True)
    weight = fields.Numeric("Weight", digits=(5, 2), required=True,
        domain=[('weight', '>', 0)])
    target = fields.Numeric("Target", digits=(16, 4), readonly=True)
    value = fields.Numeric("Value", digits=(16, 4), readonly=True)
    score = fields.Numeric(
        "Score", digits=(5, 2),
        domain=['OR', ('score', '=', None),
            [('score', '>=', 0), ('score', '<=', 100)]],
        states={'readonly': Eval('source') != 'manual'})
    comment = fields.Char("Comment")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('evaluation')

    @classmethod
    def default_source(cls):
        return 'manual'

    @classmethod
    def get_sources(cls):
        return Pool().get('yuexing.performance.kpi').get_sources()

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if external:
            check_not_own([line.evaluation for line in lines])

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        super().on_modification(mode, lines, field_names=field_names)
        if mode != 'delete':
            Evaluation = Pool().get('yuexing.performance.evaluation')
            Evaluation.update_score(list({line.evaluation for line in lines}))
