"""培训学习/考试系统: online courses with their learning material
(knowledge-base articles and attachments), exams of single choice,
multiple choice and true/false questions, timed attempts scored on the
server, and the certificate and skill level a pass grants (extending the
staff module's training: the plan, certificate types and skills)."""
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    fields,
    sequence_ordered,
)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import without_check_access

KINDS = [
    ('single', "Single Choice"),
    ('multiple', "Multiple Choice"),
    ('true_false', "True or False"),
    ]
ATTEMPT_STATES = [
    ('in_progress', "In Progress"),
    ('submitted', "Submitted"),
    ('expired', "Expired"),
    ]
# Seconds of network delay accepted after the deadline.
GRACE_SECONDS = 60


class ExamError(ValidationError):
    pass


class Course(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Training Course"
    __name__ = 'yuexing.training.course'
    name = fields.Char("Name", required=True)
    plan = fields.Many2One('yuexing.training.plan', "Training Plan",
        ondelete='SET NULL')
    skill = fields.Many2One('yuexing.skill', "Skill", ondelete='SET NULL')
    description = fields.Text("Description")
    articles = fields.Many2Many('yuexing.training.course-content.article',
        'course', 'article', "Learning Material",
        help="Knowledge-base articles to read; files are attached to the "
        "course.")
    exams = fields.One2Many('yuexing.training.exam', 'course', "Exams")


class CourseArticle(ModelSQL):
    "Course - Article"
    __name__ = 'yuexing.training.course-content.article'
    course = fields.Many2One('yuexing.training.course', "Course",
        required=True, ondelete='CASCADE')
    article = fields.Many2One('yuexing.content.article', "Article",
        required=True, ondelete='CASCADE')


class Exam(DeactivableMixin, ModelSQL, ModelView):
    "Training Exam"
    __name__ = 'yuexing.training.exam'
    name = fields.Char("Name", required=True)
    course = fields.Many2One('yuexing.training.course', "Course",
        required=True, ondelete='CASCADE')
    duration = fields.Integer("Duration (minutes)", required=True,
        domain=[('duration', '>', 0), ('duration', '<=', 600)])
    pass_mark = fields.Numeric("Pass Mark (%)", digits=(5, 1),
        required=True,
        domain=[('pass_mark', '>', 0), ('pass_mark', '<=', 100)])
    max_attempts = fields.Integer("Attempts Allowed",
        domain=['OR', ('max_attempts', '=', None),
            ('max_attempts', '>', 0)],
        help="Empty for no limit.")
    certificate_type = fields.Many2One('yuexing.certificate.type',
        "Certificate Granted", ondelete='SET NULL')
    skill = fields.Many2One('yuexing.skill', "Skill Granted",
        ondelete='SET NULL')
    skill_level = fields.Selection('get_levels', "Level Granted",
        states={'invisible': ~Eval('skill'),
            'required': Bool(Eval('skill'))})
    questions = fields.One2Many('yuexing.training.exam.question', 'exam',
        "Questions")
    total_score = fields.Function(fields.Numeric("Total Score",
            digits=(6, 1)), 'get_total_score')
    attempts = fields.One2Many('yuexing.training.exam.attempt', 'exam',
        "Attempts", readonly=True)

    @classmethod
    def default_duration(cls):
        return 30

    @classmethod
    def default_pass_mark(cls):
        return Decimal(60)

    @classmethod
    def get_levels(cls):
        EmployeeSkill = Pool().get('yuexing.employee.skill')
        return [(None, '')] + EmployeeSkill.fields_get(
            ['level'])['level']['selection']

    def get_total_score(self, name):
        return sum((q.score or 0 for q in self.questions), Decimal(0))

    @classmethod
    def validate_fields(cls, exams, field_names):
        super().validate_fields(exams, field_names)
        for exam in exams:
            for question in exam.questions:
                question.check_options()

    def attempts_of(self, employee):
        return [a for a in self.attempts if a.employee == employee]


class Question(sequence_ordered(), ModelSQL, ModelView):
    "Exam Question"
    __name__ = 'yuexing.training.exam.question'
    exam = fields.Many2One('yuexing.training.exam', "Exam", required=True,
        ondelete='CASCADE')
    kind = fields.Selection(KINDS, "Kind", required=True)
    text = fields.Text("Question", required=True)
    score = fields.Numeric("Score", digits=(5, 1), required=True,
        domain=[('score', '>', 0)])
    options = fields.One2Many('yuexing.training.exam.option', 'question',
        "Options")
    explanation = fields.Text("Explanation",
        help="Shown to the technician with the result.")

    @classmethod
    def default_kind(cls):
        return 'single'

    @classmethod
    def default_score(cls):
        return Decimal(10)

    def check_options(self):
        correct = [o for o in self.options if o.correct]
        if len(self.options) < 2 or not correct or (
                self.kind != 'multiple' and len(correct) != 1) or (
                self.kind == 'true_false' and len(self.options) != 2):
            raise ExamError(gettext(
                    'yuexing_technician.msg_question_options',
                    question=(self.text or '')[:30],
                    kind=dict(self.__class__.fields_get(
                            ['kind'])['kind']['selection']).get(self.kind)))

    def correct_ids(self):
        return {o.id for o in self.options if o.correct}


class Option(sequence_ordered(), ModelSQL, ModelView):
    "Exam Question Option"
    __name__ = 'yuexing.training.exam.option'
    question = fields.Many2One('yuexing.training.exam.question', "Question",
        required=True, ondelete='CASCADE')
    text = fields.Char("Option", required=True)
    correct = fields.Boolean("Correct")


class Attempt(ModelSQL, ModelView):
    "Exam Attempt"
    __name__ = 'yuexing.training.exam.attempt'
    exam = fields.Many2One('yuexing.training.exam', "Exam", required=True,
        ondelete='CASCADE', readonly=True)
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE', readonly=True)
    started_at = fields.DateTime("Started At", required=True,
        readonly=True)
    deadline = fields.DateTime("Deadline", required=True, readonly=True)
    submitted_at = fields.DateTime("Submitted At", readonly=True)
    state = fields.Selection(ATTEMPT_STATES, "State", required=True,
        readonly=True, sort=False)
    score = fields.Numeric("Score", digits=(6, 1), readonly=True)
    percent = fields.Numeric("Score (%)", digits=(5, 1), readonly=True)
    passed = fields.Boolean("Passed", readonly=True)
    certificate = fields.Many2One('yuexing.employee.certificate',
        "Certificate", readonly=True, ondelete='SET NULL')
    answers = fields.One2Many('yuexing.training.exam.answer', 'attempt',
        "Answers", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('started_at', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_state(cls):
        return 'in_progress'

    @classmethod
    def start(cls, exam, employee):
        "A new attempt of employee, its deadline by the exam's duration."
        now = dt.datetime.now().replace(microsecond=0)
        attempt, = cls.create([{
                    'exam': exam.id, 'employee': employee.id,
                    'started_at': now,
                    'deadline': now + dt.timedelta(minutes=exam.duration),
                    }])
        return attempt

    @property
    def late(self):
        return dt.datetime.now() > self.deadline + dt.timedelta(
            seconds=GRACE_SECONDS)

    def submit(self, answers):
        """Score answers ({question id: {option id, ...}}) on the server:
        a question scores when exactly its correct options are chosen.
        A pass grants the exam's certificate and skill level."""
        pool = Pool()
        Answer = pool.get('yuexing.training.exam.answer')
        exam = self.exam
        total, score, rows = Decimal(0), Decimal(0), []
        for question in exam.questions:
            chosen = set(answers.get(question.id, ()))
            correct = bool(chosen) and chosen == question.correct_ids()
            total += question.score
            if correct:
                score += question.score
            rows.append({
                    'attempt': self.id, 'question': question.id,
                    'selected': ','.join(str(i) for i in sorted(chosen)),
                    'correct': correct,
                    'score': question.score if correct else Decimal(0),
                    })
        Answer.create(rows)
        percent = (score * 100 / total).quantize(Decimal('0.1')) \
            if total else Decimal(0)
        passed = percent >= exam.pass_mark
        values = {
            'state': 'submitted',
            'submitted_at': dt.datetime.now().replace(microsecond=0),
            'score': score, 'percent': percent, 'passed': passed,
            }
        if passed:
            values['certificate'] = self.grant()
        self.__class__.write([self], values)

    def grant(self):
        "The certificate (id) and skill level a passed exam gives."
        pool = Pool()
        Certificate = pool.get('yuexing.employee.certificate')
        EmployeeSkill = pool.get('yuexing.employee.skill')
        Date = pool.get('ir.date')
        exam, employee = self.exam, self.employee
        today = Date.today()
        with without_check_access():
            if exam.skill and exam.skill_level:
                held = [s for s in employee.skills if s.skill == exam.skill]
                granted = EmployeeSkill(skill=exam.skill,
                    level=exam.skill_level)
                if not held:
                    EmployeeSkill.create([{
                                'employee': employee.id,
                                'skill': exam.skill.id,
                                'level': exam.skill_level,
                                'verified_date': today,
                                'comment': exam.name}])
                elif held[0].rank < granted.rank:
                    EmployeeSkill.write(held, {
                            'level': exam.skill_level,
                            'verified_date': today,
                            'comment': exam.name})
            if not exam.certificate_type:
                return None
            certificate = Certificate(
                employee=employee, type=exam.certificate_type,
                number=f'KS{today:%Y%m%d}-{self.id:05d}',
                issuer=exam.course.rec_name, issue_date=today)
            certificate.on_change_issue_date()
            certificate.save()
            return certificate.id


class Answer(ModelSQL, ModelView):
    "Exam Answer"
    __name__ = 'yuexing.training.exam.answer'
    attempt = fields.Many2One('yuexing.training.exam.attempt', "Attempt",
        required=True, ondelete='CASCADE', readonly=True)
    question = fields.Many2One('yuexing.training.exam.question',
        "Question", required=True, ondelete='CASCADE', readonly=True)
    selected = fields.Char("Selected Options", readonly=True,
        help="The ids of the options chosen.")
    correct = fields.Boolean("Correct", readonly=True)
    score = fields.Numeric("Score", digits=(5, 1), readonly=True)
