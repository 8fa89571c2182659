"""满意度调查: configurable questions, a survey sent through the message
centre after every finished order (after-sales repairs included),
answered through the API; results per technician, team and month."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sql import Literal, Null
from sql.aggregate import Avg, Count, Min, Sum
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    Index,
    ModelSQL,
    ModelView,
    Unique,
    fields,
    sequence_ordered,
)
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_workorder.statistics import MonthOf
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .exceptions import SurveyError

KINDS = [
    ('score', "Score 1-5"),
    ('text', "Text"),
    ]
APPLIES = [
    ('all', "Every Order"),
    ('after_sales', "After-sales Repairs"),
    ]
STATES = [
    ('sent', "Sent"),
    ('answered', "Answered"),
    ]


class Question(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Survey Question"
    __name__ = 'yuexing.survey.question'
    text = fields.Char("Question", required=True, translate=True)
    kind = fields.Selection(KINDS, "Kind", required=True)
    kind_string = kind.translated('kind')
    applies_to = fields.Selection(APPLIES, "Asked After", required=True)
    required = fields.Boolean("Required")

    @classmethod
    def default_kind(cls):
        return 'score'

    @classmethod
    def default_applies_to(cls):
        return 'all'

    @classmethod
    def default_required(cls):
        return True

    @classmethod
    def for_order(cls, order, questions=None):
        if questions is None:
            questions = cls.search([])
        return [q for q in questions if q.applies_to == 'all'
            or (q.applies_to == 'after_sales' and order.type == 'after_sales')]


class Survey(ServerStates, ModelSQL, ModelView):
    "Satisfaction Survey"
    __name__ = 'yuexing.survey'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True, readonly=True,
        ondelete='CASCADE')
    customer = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True)
    technician = fields.Many2One(
        'company.employee', "Technician", readonly=True)
    team = fields.Many2One('yuexing.team', "Team", readonly=True)
    after_sales = fields.Boolean("After-sales", readonly=True)
    sent_at = fields.DateTime("Sent At", readonly=True)
    answered_at = fields.DateTime("Answered At", readonly=True)
    score = fields.Numeric("Average Score", digits=(3, 2), readonly=True)
    answers = fields.One2Many(
        'yuexing.survey.answer', 'survey', "Answers", readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True)
    state_string = state.translated('state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('work_order_unique', Unique(t, t.work_order),
                'yuexing_warranty.msg_survey_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.customer, Index.Equality())))
        cls._order = [('sent_at', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_state(cls):
        return 'sent'

    def get_rec_name(self, name):
        return self.work_order.rec_name

    @classmethod
    def send_for(cls, orders):
        "Create and send the surveys of finished orders (once per order)."
        pool = Pool()
        Question = pool.get('yuexing.survey.question')
        Message = pool.get('yuexing.message')
        questions = Question.search([])
        if not questions:
            return []
        done = {s.work_order.id for s in cls.search([
                    ('work_order', 'in', [o.id for o in orders])])}
        now = dt.datetime.now()
        to_create = []
        for order in orders:
            if order.id in done or not Question.for_order(order, questions):
                continue
            technician = order.technician
            teams = technician.teams if technician else []
            to_create.append({
                    'work_order': order.id,
                    'customer': order.customer.id,
                    'technician': technician.id if technician else None,
                    'team': teams[0].id if teams else None,
                    'after_sales': order.type == 'after_sales',
                    'sent_at': now,
                    })
        with without_check_access():
            surveys = cls.create(to_create)
        for survey in surveys:
            Message.notify('survey_sent', [survey],
                parties=[survey.customer])
        return surveys

    def questions(self):
        Question = Pool().get('yuexing.survey.question')
        return Question.for_order(self.work_order)

    def submit_answers(self, answers):
        """Record the customer's answers: {question id: score or text}.
        Raises SurveyError naming the question."""
        Answer = Pool().get('yuexing.survey.answer')
        if self.state == 'answered':
            raise SurveyError(gettext(
                    'yuexing_warranty.msg_survey_answered',
                    order=self.work_order.rec_name))
        questions = {q.id: q for q in self.questions()}
        unknown = set(answers) - set(questions)
        if unknown:
            raise SurveyError(gettext(
                    'yuexing_warranty.msg_survey_unknown_question',
                    question=min(unknown)))
        rows, scores = [], []
        for question in questions.values():
            value = answers.get(question.id)
            if value in (None, ''):
                if question.required:
                    raise SurveyError(gettext(
                            'yuexing_warranty.msg_survey_answer_required',
                            question=question.text))
                continue
            row = {'survey': self.id, 'question': question.id}
            if question.kind == 'score':
                if (not isinstance(value, int) or isinstance(value, bool)
                        or not 1 <= value <= 5):
                    raise SurveyError(gettext(
                            'yuexing_warranty.msg_survey_score_range',
                            question=question.text))
                row['score'] = value
                scores.append(value)
            else:
                row['text'] = str(value)[:1000]
            rows.append(row)
        score = (Decimal(sum(scores)) / len(scores)).quantize(
            Decimal('0.01'), ROUND_HALF_UP) if scores else None
        with without_check_access():
            Answer.create(rows)
            self.__class__.write([self], {
                    'state': 'answered', 'score': score,
                    'answered_at': dt.datetime.now()})


class Answer(ModelSQL, ModelView):
    "Survey Answer"
    __name__ = 'yuexing.survey.answer'
    survey = fields.Many2One(
        'yuexing.survey', "Survey", required=True, ondelete='CASCADE')
    question = fields.Many2One(
        'yuexing.survey.question', "Question", required=True,
        ondelete='RESTRICT')
    score = fields.Integer(
        "Score", domain=['OR', ('score', '=', None),
            [('score', '>=', 1), ('score', '<=', 5)]])
    text = fields.Text("Answer")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('survey')


class Result(ModelSQL, ModelView):
    "Survey Result"
    __name__ = 'yuexing.survey.result'
    month = fields.Date("Month")
    technician = fields.Many2One('company.employee', "Technician")
    team = fields.Many2One('yuexing.team', "Team")
    sent = fields.Integer("Sent")
    answered = fields.Integer("Answered")
    score = fields.Float("Average Score", digits=(3, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('score', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        Survey = Pool().get('yuexing.survey')
        table = Survey.__table__()
        month = cls.month.sql_cast(MonthOf(table.sent_at))
        return table.select(
            Min(table.id).as_('id'),
            month.as_('month'),
            table.technician.as_('technician'),
            table.team.as_('team'),
            Count(table.id).as_('sent'),
            Sum(Case((table.state == 'answered', 1), else_=0)).as_(
                'answered'),
            Avg(table.score).as_('score'),
            Literal(0).as_('create_uid'),
            Min(table.create_date).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'),
            group_by=[month, table.technician, table.team])


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    @classmethod
    def mark_done(cls, orders):
        super().mark_done(orders)
        Survey = Pool().get('yuexing.survey')
        Survey.send_for(orders)
