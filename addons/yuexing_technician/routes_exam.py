"""JSON endpoints of 培训学习/考试系统 in the 师傅端: my courses and their
material, starting a timed exam attempt, submitting the answers (scored on
the server; the correct options never leave the server before the attempt
is submitted) and the result with the certificate granted."""
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.modules.yuexing_workorder.routes_technician import (
    TECHNICIANS,
    technician_of,
)
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .exam import KINDS as _KINDS

TAGS = ['师傅端培训']
KINDS = [('single', "单选题"), ('multiple', "多选题"),
    ('true_false', "判断题")]
assert [k for k, _ in KINDS] == [k for k, _ in _KINDS]
ATTEMPT_STATES = [('in_progress', "答题中"), ('submitted', "已交卷"),
    ('expired', "已超时")]


def _refuse(status, name, field=None, **variables):
    text = gettext(f'yuexing_technician.msg_api_{name}', **variables)
    return api.ApiError(status, name, text,
        fields={field: text} if field else None)


# ---- schemas ---------------------------------------------------------------

EXAM_BRIEF = s.Object({
        'id': s.Integer("考试ID"),
        'name': s.String("考试"),
        'duration_minutes': s.Integer("限时（分钟）"),
        'pass_mark': s.Money("及格线（%）"),
        'questions': s.Integer("题数"),
        'certificate': s.String("通过后获得证书", nullable=True),
        'attempts_left': s.Integer("剩余次数", nullable=True),
        'best_percent': s.Money("最好成绩（%）", nullable=True),
        'passed': s.Boolean("已通过"),
        }, "考试", name='ExamBrief')
COURSE = s.Object({
        'id': s.Integer("课程ID"),
        'name': s.String("课程"),
        'skill': s.String("技能", nullable=True),
        'description': s.String("简介", nullable=True),
        'materials': s.List("学习资料", s.Object({
                    'id': s.Integer("文章ID"),
                    'title': s.String("标题"),
                    'summary': s.String("摘要", nullable=True),
                    'body': s.String("正文", nullable=True),
                    }, "学习资料", name='CourseMaterial')),
        'attachments': s.List("附件", s.Object({
                    'id': s.Integer("附件ID"),
                    'name': s.String("文件名"),
                    }, "附件", name='CourseAttachment')),
        'exams': s.List("考试", EXAM_BRIEF),
        }, "课程", name='Course')
QUESTION = s.Object({
        'id': s.Integer("题目ID"),
        'kind': s.Enum("题型", KINDS),
        'text': s.String("题目"),
        'score': s.Money("分值"),
        'options': s.List("选项", s.Object({
                    'id': s.Integer("选项ID"),
                    'text': s.String("选项"),
                    }, "选项", name='ExamOption')),
        'chosen': s.List("所选选项", s.Integer("选项ID"), nullable=True),
        'correct_options': s.List("正确选项", s.Integer("选项ID"),
            nullable=True, description="交卷后才返回"),
        'correct': s.Boolean("答对", nullable=True),
        'explanation': s.String("解析", nullable=True),
        }, "题目", name='ExamQuestion')
ATTEMPT = s.Object({
        'id': s.Integer("答卷ID"),
        'exam_id': s.Integer("考试ID"),
        'exam': s.String("考试"),
        'state': s.Enum("状态", ATTEMPT_STATES),
        'started_at': s.DateTime("开始时间"),
        'deadline': s.DateTime("交卷截止"),
        'submitted_at': s.DateTime("交卷时间", nullable=True),
        'score': s.Money("得分", nullable=True),
        'percent': s.Money("得分率（%）", nullable=True),
        'pass_mark': s.Money("及格线（%）"),
        'passed': s.Boolean("通过", nullable=True),
        'certificate': s.Object({
                'id': s.Integer("证书ID"),
                'type': s.String("证书类型"),
                'number': s.String("证书编号"),
                'expiry_date': s.Date("到期日期", nullable=True),
                }, "获得证书", nullable=True, name='GrantedCertificate'),
        'questions': s.List("题目", QUESTION),
        }, "答卷", name='ExamAttempt')


def _one(value):
    "Scores with one decimal whatever the backend stored."
    return None if value is None else Decimal(value).quantize(Decimal('0.1'))


def exam_brief(exam, employee):
    attempts = [a for a in exam.attempts_of(employee)
        if a.state != 'in_progress']
    percents = [a.percent for a in attempts if a.percent is not None]
    return {
        'id': exam.id,
        'name': exam.name,
        'duration_minutes': exam.duration,
        'pass_mark': _one(exam.pass_mark),
        'questions': len(exam.questions),
        'certificate': (exam.certificate_type.rec_name
            if exam.certificate_type else None),
        'attempts_left': (max(exam.max_attempts - len(attempts), 0)
            if exam.max_attempts else None),
        'best_percent': _one(max(percents)) if percents else None,
        'passed': any(a.passed for a in attempts),
        }


def course_json(course, employee, full=False):
    Attachment = Pool().get('ir.attachment')
    return {
        'id': course.id,
        'name': course.name,
        'skill': course.skill.rec_name if course.skill else None,
        'description': course.description,
        'materials': [{
                'id': a.id, 'title': a.title, 'summary': a.summary,
                'body': a.body if full else None,
                } for a in course.articles],
        'attachments': [{'id': a.id, 'name': a.name}
            for a in Attachment.search([('resource', '=', str(course))])]
        if full else [],
        'exams': [exam_brief(e, employee) for e in course.exams
            if e.active],
        }


def attempt_json(attempt):
    done = attempt.state != 'in_progress'
    answers = {a.question.id: a for a in attempt.answers}
    questions = []
    for question in attempt.exam.questions:
        answer = answers.get(question.id)
        questions.append({
                'id': question.id,
                'kind': question.kind,
                'text': question.text,
                'score': _one(question.score),
                'options': [{'id': o.id, 'text': o.text}
                    for o in question.options],
                'chosen': ([int(i) for i in answer.selected.split(',') if i]
                    if answer and answer.selected else ([] if done
                        else None)),
                'correct_options': (sorted(question.correct_ids())
                    if done else None),
                'correct': bool(answer and answer.correct) if done else None,
                'explanation': question.explanation if done else None,
                })
    certificate = attempt.certificate
    return {
        'id': attempt.id,
        'exam_id': attempt.exam.id,
        'exam': attempt.exam.name,
        'state': attempt.state,
        'started_at': attempt.started_at,
        'deadline': attempt.deadline,
        'submitted_at': attempt.submitted_at,
        'score': _one(attempt.score),
        'percent': _one(attempt.percent),
        'pass_mark': _one(attempt.exam.pass_mark),
        'passed': bool(attempt.passed) if done else None,
        'certificate': ({'id': certificate.id,
                'type': certificate.type.rec_name,
                'number': certificate.number,
                'expiry_date': certificate.expiry_date}
            if certificate else None),
        'questions': questions,
        }


def own_attempt(call, attempt_id):
    Attempt = call.pool.get('yuexing.training.exam.attempt')
    employee = technician_of(call)
    with without_check_access():
        attempts = Attempt.search([('id', '=', attempt_id),
                ('employee', '=', employee.id)], limit=1)
    if not attempts:
        raise api.not_found()
    return attempts[0]


# ---- endpoints -------------------------------------------------------------


@api.endpoint('GET', '/technician/courses', auth=TECHNICIANS, tags=TAGS,
    summary="我的课程", response=s.List("课程", COURSE))
def list_courses(call):
    "在线课程、学习资料标题与考试（含我的最好成绩、剩余次数）。"
    Course = call.pool.get('yuexing.training.course')
    employee = technician_of(call)
    with without_check_access():
        return [course_json(c, employee) for c in Course.search([])]


@api.endpoint('GET', '/technician/courses/<int:course_id>',
    auth=TECHNICIANS, tags=TAGS, summary="课程详情", response=COURSE,
    errors=(404,))
def get_course(call, course_id):
    "课程的学习资料正文、附件与考试。"
    Course = call.pool.get('yuexing.training.course')
    employee = technician_of(call)
    with without_check_access():
        courses = Course.search([('id', '=', course_id)], limit=1)
        if not courses:
            raise api.not_found()
        return course_json(courses[0], employee, full=True)


@api.endpoint('POST', '/technician/exams/<int:exam_id>/attempts',
    auth=TECHNICIANS, tags=TAGS, summary="开始考试", status=201,
    response=ATTEMPT, errors=(404, 409))
def start_exam(call, exam_id):
    """开始一次限时考试，返回题目（不含答案）与交卷截止时间；
    已有未超时的答卷时返回该答卷。已通过或次数用完时 409。"""
    pool = call.pool
    Exam = pool.get('yuexing.training.exam')
    Attempt = pool.get('yuexing.training.exam.attempt')
    employee = technician_of(call)
    with without_check_access():
        exams = Exam.search([('id', '=', exam_id)], limit=1)
        if not exams:
            raise api.not_found()
        exam, = exams
        mine = exam.attempts_of(employee)
        for attempt in mine:
            if attempt.state == 'in_progress':
                if not attempt.late:
                    return api.Reply(attempt_json(attempt), status=201)
                Attempt.write([attempt], {'state': 'expired'})
        if any(a.passed for a in mine):
            raise _refuse(409, 'exam_passed', exam=exam.name)
        if exam.max_attempts and len(mine) >= exam.max_attempts:
            raise _refuse(409, 'attempts_exhausted', exam=exam.name,
                count=exam.max_attempts)
        if not exam.questions:
            raise _refuse(409, 'exam_empty', exam=exam.name)
        attempt = Attempt.start(exam, employee)
        return api.Reply(attempt_json(Attempt(attempt.id)), status=201)


@api.endpoint('POST', '/technician/attempts/<int:attempt_id>/submit',
    auth=TECHNICIANS, tags=TAGS, summary="交卷",
    body=s.Object({
            'answers': s.List("答案", s.Object({
                        'question_id': s.Integer("题目ID", required=True,
                            minimum=1),
                        'option_ids': s.List("所选选项",
                            s.Integer("选项ID", minimum=1), required=True,
                            max_items=20),
                        }, "答案", name='ExamAnswer'), required=True,
                max_items=500),
            }),
    response=ATTEMPT, errors=(404, 409))
def submit_exam(call, attempt_id):
    """提交答案，服务器评分：所选选项与正确选项完全一致才得分；
    达到及格线即通过，并发放考试对应的证书与技能等级。
    超过截止时间（宽限 60 秒）交卷无效。"""
    Attempt = call.pool.get('yuexing.training.exam.attempt')
    attempt = own_attempt(call, attempt_id)
    with without_check_access():
        if attempt.state == 'submitted':
            raise _refuse(409, 'attempt_closed')
        if attempt.state == 'expired' or attempt.late:
            Attempt.write([attempt], {'state': 'expired'})
            raise api.ApiError(409, 'attempt_expired', gettext(
                    'yuexing_technician.msg_api_attempt_expired',
                    deadline=attempt.deadline.replace(tzinfo=dt.UTC)
                    .astimezone(_zone()).strftime('%H:%M')),
                commit=True)
        questions = {q.id: q for q in attempt.exam.questions}
        answers = {}
        for row in call.body['answers']:
            question = questions.get(row['question_id'])
            if question is None:
                raise _refuse(422, 'unknown_question', 'answers')
            options = set(row['option_ids'])
            if not options <= {o.id for o in question.options} or (
                    question.kind != 'multiple' and len(options) > 1):
                raise _refuse(422, 'bad_options', 'answers',
                    question=question.text[:30])
            answers[question.id] = options
        attempt.submit(answers)
        return attempt_json(Attempt(attempt.id))


@api.endpoint('GET', '/technician/attempts/<int:attempt_id>',
    auth=TECHNICIANS, tags=TAGS, summary="答卷与成绩", response=ATTEMPT,
    errors=(404,))
def get_attempt(call, attempt_id):
    "答题中只返回题目；交卷后返回得分、正确答案、解析和获得的证书。"
    attempt = own_attempt(call, attempt_id)
    with without_check_access():
        return attempt_json(attempt.__class__(attempt.id))


def _zone():
    return Pool().get('yuexing.sla.calendar')._timezone()
