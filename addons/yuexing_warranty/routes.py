"""JSON endpoints of after-sales: C端/B端 customers' warranties (with the
PDF card), warranty claims, complaints and satisfaction surveys; the
technicians' case library. Every query runs as the caller, so record
rules keep each customer to their own records."""
from werkzeug.wrappers import Response

from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .complaint import CATEGORIES as COMPLAINT_CATEGORIES
from .complaint import SEVERITIES as COMPLAINT_SEVERITIES
from .exceptions import SurveyError, WarrantyError

WARRANTIES = ['质保售后']
COMPLAINTS = ['投诉']
SURVEYS = ['满意度调查']
CASES = ['师傅端']
CUSTOMERS = ('customer', 'portal')
TECHNICIANS = ('technician',)

WARRANTY_STATES = [('active', "在保"), ('expiring', "即将到期"),
    ('expired', "已过期"), ('void', "已作废")]
CATEGORY_CHOICES = [('quality', "施工质量"), ('attitude', "服务态度"),
    ('delay', "工期延误"), ('price', "价格费用"), ('leak_again', "再次渗漏"),
    ('other', "其他")]
SEVERITY_CHOICES = [('minor', "一般"), ('major', "较重"),
    ('critical', "严重")]
COMPLAINT_STATES = [('open', "待受理"), ('processing', "处理中"),
    ('answered', "待确认"), ('closed', "已关闭"), ('cancelled', "已取消")]
ORDER_STATES = [
    ('draft', "草稿"), ('submitted', "待受理"), ('surveying', "待勘察"),
    ('quoted', "已报价"), ('confirmed', "待派工"), ('dispatched', "已派工"),
    ('accepted', "已接单"), ('on_site', "施工中"), ('to_accept', "待验收"),
    ('done', "已完工"), ('closed', "已归档"), ('cancelled', "已取消"),
    ('on_hold', "异常/延期")]
SURVEY_STATES = [('sent', "待填写"), ('answered', "已填写")]
CASE_KINDS = [('case', "案例"), ('faq', "常见问题"), ('solution', "解决方案"),
    ('guide', "维修指南")]
assert {c for c, _ in CATEGORY_CHOICES} == {
    c for c, _ in COMPLAINT_CATEGORIES}
assert {c for c, _ in SEVERITY_CHOICES} == {
    c for c, _ in COMPLAINT_SEVERITIES}

# ---- schemas ---------------------------------------------------------------

REPAIR = s.Object({
        'id': s.Integer("工单ID"),
        'number': s.String("工单号"),
        'state': s.Enum("状态", ORDER_STATES),
        'free': s.Boolean("质保免费"),
        'description': s.String("问题描述"),
        'created_at': s.DateTime("报修时间"),
        }, "售后维修", name='AfterSalesRepair')
WARRANTY = s.Object({
        'id': s.Integer("质保ID"),
        'number': s.String("质保编号"),
        'order_id': s.Integer("工单ID"),
        'order_number': s.String("工单号"),
        'leak_site': s.String("渗漏部位"),
        'address': s.String("地址", nullable=True),
        'months': s.Integer("质保期（月）"),
        'start_date': s.Date("起始日期"),
        'end_date': s.Date("到期日期"),
        'state': s.Enum("状态", WARRANTY_STATES),
        'scope': s.String("质保范围"),
        'exclusions': s.String("不在质保范围", nullable=True),
        'can_claim': s.Boolean("可免费报修"),
        }, "质保", name='Warranty')
WARRANTY_DETAIL = s.Object({
        **WARRANTY.fields,
        'repairs': s.List("售后维修", REPAIR),
        }, "质保详情", name='WarrantyDetail')
LOG = s.Object({
        'at': s.DateTime("时间"),
        'author': s.Enum("来自", [('staff', "客服"), ('customer', "客户")]),
        'note': s.String("内容"),
        }, "处理进度", name='ComplaintLog')
COMPLAINT = s.Object({
        'id': s.Integer("投诉ID"),
        'number': s.String("投诉编号"),
        'category': s.Enum("投诉类别", CATEGORY_CHOICES),
        'severity': s.Enum("严重程度", SEVERITY_CHOICES),
        'content': s.String("投诉内容"),
        'order_number': s.String("工单号", nullable=True),
        'state': s.Enum("状态", COMPLAINT_STATES),
        'received_at': s.DateTime("投诉时间"),
        'deadline': s.DateTime("承诺处理时限", nullable=True),
        'result': s.String("处理结果", nullable=True),
        'can_confirm': s.Boolean("可确认结果"),
        }, "投诉", name='Complaint')
COMPLAINT_DETAIL = s.Object({
        **COMPLAINT.fields,
        'logs': s.List("处理进度", LOG),
        }, "投诉详情", name='ComplaintDetail')
QUESTION = s.Object({
        'id': s.Integer("问题ID"),
        'text': s.String("问题"),
        'kind': s.Enum("类型", [('score', "评分1-5"), ('text', "文字")]),
        'required': s.Boolean("必答"),
        'score': s.Integer("评分", nullable=True),
        'answer': s.String("回答", nullable=True),
        }, "调查问题", name='SurveyQuestion')
SURVEY = s.Object({
        'id': s.Integer("调查ID"),
        'order_number': s.String("工单号"),
        'technician': s.String("服务师傅", nullable=True),
        'state': s.Enum("状态", SURVEY_STATES),
        'sent_at': s.DateTime("发送时间"),
        'score': s.Money("平均得分", nullable=True),
        'questions': s.List("问题", QUESTION),
        }, "满意度调查", name='Survey')
CASE = s.Object({
        'id': s.Integer("案例ID"),
        'title': s.String("标题"),
        'kind': s.Enum("类型", CASE_KINDS),
        'leak_site': s.String("渗漏部位", nullable=True),
        'symptoms': s.String("现象"),
        'cause': s.String("原因", nullable=True),
        'solution': s.String("解决方案"),
        'order_number': s.String("关联工单", nullable=True),
        'photos': s.Integer("照片数"),
        }, "案例", name='Case')

# ---- serialisation ---------------------------------------------------------


def repair_json(order):
    return {
        'id': order.id,
        'number': order.number,
        'state': order.state,
        'free': bool(order.warranty_covered),
        'description': order.description,
        'created_at': order.create_date,
        }


def warranty_json(warranty, detail=False):
    order = warranty.work_order
    result = {
        'id': warranty.id,
        'number': warranty.number,
        'order_id': order.id,
        'order_number': order.number,
        'leak_site': warranty.leak_site_string,
        'address': (warranty.address.rec_name if warranty.address
            else order.address_text),
        'months': warranty.months,
        'start_date': warranty.start_date,
        'end_date': warranty.end_date,
        'state': warranty.state,
        'scope': warranty.scope or '',
        'exclusions': warranty.exclusions,
        'can_claim': warranty.state in {'active', 'expiring'},
        }
    if detail:
        result['repairs'] = [repair_json(o) for o in warranty.repairs]
    return result


def complaint_json(complaint, detail=False):
    result = {
        'id': complaint.id,
        'number': complaint.number,
        'category': complaint.category,
        'severity': complaint.severity,
        'content': complaint.description,
        'order_number': (complaint.work_order.number
            if complaint.work_order else None),
        'state': complaint.state,
        'received_at': complaint.received_at,
        'deadline': complaint.deadline,
        'result': (complaint.result if complaint.state in {
                'answered', 'closed'} else None),
        'can_confirm': complaint.state == 'answered',
        }
    if detail:
        with without_check_access():
            logs = [l for l in complaint.logs if l.public]
        result['logs'] = [{'at': l.date, 'author': l.author, 'note': l.note}
            for l in logs]
    return result


def survey_json(survey):
    answers = {a.question.id: a for a in survey.answers}
    questions = []
    for question in survey.questions():
        answer = answers.get(question.id)
        questions.append({
                'id': question.id, 'text': question.text,
                'kind': question.kind, 'required': bool(question.required),
                'score': answer.score if answer else None,
                'answer': answer.text if answer else None,
                })
    technician = survey.technician
    return {
        'id': survey.id,
        'order_number': survey.work_order.number,
        'technician': technician.party.name if technician else None,
        'state': survey.state,
        'sent_at': survey.sent_at,
        'score': survey.score,
        'questions': questions,
        }


def case_json(case, photos=None):
    return {
        'id': case.id,
        'title': case.title,
        'kind': case.kind,
        'leak_site': case.leak_site_string if case.leak_site else None,
        'symptoms': case.symptoms,
        'cause': case.cause,
        'solution': case.solution,
        'order_number': case.work_order.number if case.work_order else None,
        'photos': photos if photos is not None else case.photo_count,
        }


def find(model, record_id, field=None):
    """The record if the caller may see it, else 404 (naming the API field
    when the id came in the body)."""
    Model = Pool().get(model)
    records = Model.search([('id', '=', record_id)], limit=1)
    if not records:
        if field:
            message = gettext('yuexing_warranty.msg_api_not_own_order')
            if model == 'yuexing.warranty':
                message = s.message('not_found')
            raise api.ApiError(404, 'not_found', message,
                fields={field: message})
        raise api.not_found()
    return records[0]


def customer_of(call):
    if not call.user.customer:
        raise api.ApiError(409, 'phone_not_bound',
            gettext('yuexing_workorder.msg_api_phone_not_bound'))
    return call.user.customer


# ---- warranties ------------------------------------------------------------


@api.endpoint('GET', '/warranties', auth=CUSTOMERS, tags=WARRANTIES,
    summary="我的质保",
    query=s.page_query({'state': s.Enum("状态", WARRANTY_STATES)}),
    response=s.page_of(WARRANTY))
def list_warranties(call):
    "我的工单的质保：质保期、范围、状态（在保/即将到期/已过期/已作废）。"
    Warranty = call.pool.get('yuexing.warranty')
    domain = []
    if call.query.get('state'):
        domain.append(('state', '=', call.query['state']))
    return api.paginate(Warranty, domain, call.query, warranty_json,
        order=[('end_date', 'DESC'), ('id', 'DESC')])


@api.endpoint('GET', '/warranties/<int:warranty_id>', auth=CUSTOMERS,
    tags=WARRANTIES, summary="质保详情", response=WARRANTY_DETAIL,
    errors=(404,))
def get_warranty(call, warranty_id):
    "质保信息和在此质保下的售后维修记录。"
    warranty = find('yuexing.warranty', warranty_id)
    with without_check_access():
        return warranty_json(warranty, detail=True)


@api.endpoint('GET', '/warranties/<int:warranty_id>/card', auth=CUSTOMERS,
    tags=WARRANTIES, summary="质保卡（PDF）", errors=(404,))
def warranty_card(call, warranty_id):
    "电子质保卡，PDF 文件。"
    warranty = find('yuexing.warranty', warranty_id)
    Card = call.pool.get('yuexing.warranty.card', type='report')
    with without_check_access():
        extension, content, _, name = Card.execute([warranty.id], {})
    content_type = ('application/pdf' if extension == 'pdf'
        else 'text/html; charset=utf-8')
    return Response(bytes(content) if not isinstance(content, str)
        else content, 200, content_type=content_type, headers={
            'Content-Disposition': 'inline; filename="%s.%s"' % (
                warranty.number, extension)})


@api.endpoint('POST', '/warranty-claims', auth=CUSTOMERS, tags=WARRANTIES,
    summary="质保报修", status=201, idempotent=True,
    body=s.Object({
            'warranty_id': s.Integer("质保ID", minimum=1),
            'order_id': s.Integer("原工单ID", minimum=1),
            'description': s.String("问题描述", required=True,
                max_length=1000),
            'photos': s.List("照片/视频", s.Integer("上传ID", minimum=1),
                max_items=9),
            }),
    response=REPAIR, errors=(404, 409))
def claim(call):
    """质保期内报修：按质保ID或原工单ID，生成免费的售后工单（类型“售后”）。
    已过保返回 409 warranty_expired，可改为提交付费报修（POST /orders）。"""
    pool = call.pool
    Warranty = pool.get('yuexing.warranty')
    Upload = pool.get('yuexing.api.upload')
    body = call.body
    customer_of(call)
    if body.get('warranty_id'):
        warranty = find('yuexing.warranty', body['warranty_id'],
            field='warranty_id')
    elif body.get('order_id'):
        order = find('yuexing.work_order', body['order_id'],
            field='order_id')
        warranties = Warranty.search([('work_order', '=', order.id)])
        if not warranties:
            message = gettext('yuexing_warranty.msg_api_no_warranty')
            raise api.ApiError(409, 'no_warranty', message,
                fields={'order_id': message})
        warranty, = warranties
    else:
        message = s.message('required')
        raise api.validation_error({'warranty_id': message})
    if not body['description'].strip():
        message = gettext('yuexing_warranty.msg_claim_description_required')
        raise api.validation_error({'description': message})
    uploads = []
    if body.get('photos'):
        uploads = Upload.search([('id', 'in', body['photos'])])
        if len(uploads) != len(set(body['photos'])):
            message = gettext('yuexing_workorder.msg_api_unknown_upload')
            raise api.validation_error({'photos': message})
    with without_check_access():
        try:
            repair = Warranty(warranty.id).open_claim(body['description'])
        except WarrantyError as error:
            code = ('warranty_expired' if warranty.state == 'expired'
                else 'warranty_void')
            raise api.ApiError(409, code, error.message,
                fields={'warranty_id' if body.get('warranty_id')
                    else 'order_id': error.message}) from error
        Upload.attach(uploads, repair)
        return api.Reply(repair_json(repair), status=201)


# ---- complaints ------------------------------------------------------------


@api.endpoint('POST', '/complaints', auth=CUSTOMERS, tags=COMPLAINTS,
    summary="提交投诉", status=201, idempotent=True,
    body=s.Object({
            'content': s.String("投诉内容", required=True, max_length=2000),
            'category': s.Enum("投诉类别", CATEGORY_CHOICES,
                default='other'),
            'severity': s.Enum("严重程度", SEVERITY_CHOICES,
                default='major'),
            'order_id': s.Integer("相关工单ID", minimum=1),
            }),
    response=COMPLAINT_DETAIL, errors=(404, 409))
def file_complaint(call):
    "投诉：类别、严重程度、相关工单；客服按工作日历在承诺时限内处理。"
    pool = call.pool
    Complaint = pool.get('yuexing.complaint')
    body = call.body
    customer = customer_of(call)
    if not body['content'].strip():
        raise api.validation_error({'content': gettext(
                    'yuexing_warranty.msg_complaint_content_required')})
    order = None
    if body.get('order_id'):
        order = find('yuexing.work_order', body['order_id'],
            field='order_id')
    with without_check_access():
        complaint, = Complaint.create([{
                    'company': (order.company.id if order
                        else call.transaction.context.get('company')),
                    'customer': customer.id,
                    'channel': 'portal' if call.role == 'portal' else 'api',
                    'category': body['category'],
                    'severity': body['severity'],
                    'description': body['content'].strip(),
                    'work_order': order.id if order else None,
                    }])
        return api.Reply(complaint_json(complaint, detail=True), status=201)


@api.endpoint('GET', '/complaints', auth=CUSTOMERS, tags=COMPLAINTS,
    summary="我的投诉",
    query=s.page_query({'state': s.Enum("状态", COMPLAINT_STATES)}),
    response=s.page_of(COMPLAINT))
def list_complaints(call):
    "我的投诉和处理状态。"
    Complaint = call.pool.get('yuexing.complaint')
    domain = []
    if call.query.get('state'):
        domain.append(('state', '=', call.query['state']))
    return api.paginate(Complaint, domain, call.query, complaint_json)


@api.endpoint('GET', '/complaints/<int:complaint_id>', auth=CUSTOMERS,
    tags=COMPLAINTS, summary="投诉进度", response=COMPLAINT_DETAIL,
    errors=(404,))
def get_complaint(call, complaint_id):
    "投诉详情和处理进度（客服对外的跟踪记录）。"
    complaint = find('yuexing.complaint', complaint_id)
    return complaint_json(complaint, detail=True)


@api.endpoint('POST', '/complaints/<int:complaint_id>/messages',
    auth=CUSTOMERS, tags=COMPLAINTS, summary="补充投诉说明", status=201,
    body=s.Object({
            'note': s.String("补充说明", required=True, max_length=1000),
            }),
    response=COMPLAINT_DETAIL, errors=(404, 409))
def follow_complaint(call, complaint_id):
    "客户补充说明，记入处理进度。"
    Complaint = call.pool.get('yuexing.complaint')
    complaint = find('yuexing.complaint', complaint_id)
    note = call.body['note'].strip()
    if not note:
        raise api.validation_error({'note': gettext(
                    'yuexing_warranty.msg_api_note_required')})
    if complaint.state in {'closed', 'cancelled'}:
        raise api.ApiError(409, 'complaint_closed',
            gettext('yuexing_warranty.msg_api_complaint_closed'))
    with without_check_access():
        Complaint.add_log([complaint], note, author='customer')
        return api.Reply(complaint_json(Complaint(complaint.id),
                detail=True), status=201)


@api.endpoint('POST', '/complaints/<int:complaint_id>/confirm',
    auth=CUSTOMERS, tags=COMPLAINTS, summary="确认处理结果",
    body=s.Object({
            'satisfied': s.Boolean("满意", required=True),
            'reason': s.String("不满意原因", max_length=1000),
            }),
    response=COMPLAINT_DETAIL, errors=(404, 409))
def confirm_complaint(call, complaint_id):
    "满意则关闭投诉；不满意须说明原因，投诉回到处理中。"
    Complaint = call.pool.get('yuexing.complaint')
    complaint = find('yuexing.complaint', complaint_id)
    if complaint.state != 'answered':
        raise api.ApiError(409, 'not_answered',
            gettext('yuexing_warranty.msg_api_complaint_not_answered'))
    body = call.body
    with without_check_access():
        if body['satisfied']:
            Complaint.confirm([complaint])
        else:
            reason = (body.get('reason') or '').strip()
            if not reason:
                raise api.validation_error({'reason': gettext(
                            'yuexing_warranty.msg_api_reason_required')})
            Complaint.reopen([complaint], reason)
        return complaint_json(Complaint(complaint.id), detail=True)


# ---- surveys ---------------------------------------------------------------


@api.endpoint('GET', '/surveys', auth=CUSTOMERS, tags=SURVEYS,
    summary="我的满意度调查",
    query=s.page_query({'state': s.Enum("状态", SURVEY_STATES)}),
    response=s.page_of(SURVEY))
def list_surveys(call):
    "完工后发给我的满意度调查（待填写/已填写）。"
    Survey = call.pool.get('yuexing.survey')
    domain = []
    if call.query.get('state'):
        domain.append(('state', '=', call.query['state']))

    def serialize(survey):
        with without_check_access():
            return survey_json(survey)
    return api.paginate(Survey, domain, call.query, serialize)


@api.endpoint('POST', '/surveys/<int:survey_id>/answers', auth=CUSTOMERS,
    tags=SURVEYS, summary="填写满意度调查",
    body=s.Object({
            'answers': s.List("回答", s.Object({
                        'question_id': s.Integer("问题ID", required=True,
                            minimum=1),
                        'score': s.Integer("评分", minimum=1, maximum=5),
                        'text': s.String("文字回答", max_length=1000),
                        }, "回答", name='SurveyAnswerInput'),
                required=True, max_items=50),
            }),
    response=SURVEY, errors=(404, 409))
def answer_survey(call, survey_id):
    "逐题回答：评分题给 score（1–5），文字题给 text。"
    Survey = call.pool.get('yuexing.survey')
    survey = find('yuexing.survey', survey_id)
    if survey.state == 'answered':
        raise api.ApiError(409, 'already_answered', gettext(
                'yuexing_warranty.msg_survey_answered',
                order=survey.work_order.number))
    answers = {}
    for item in call.body['answers']:
        value = item.get('score')
        if value is None:
            value = item.get('text')
        answers[item['question_id']] = value
    with without_check_access():
        try:
            Survey(survey.id).submit_answers(answers)
        except SurveyError as error:
            raise api.validation_error(
                {'answers': error.message}) from error
        return survey_json(Survey(survey.id))


# ---- case library (师傅端) --------------------------------------------------


@api.endpoint('GET', '/technician/cases', auth=TECHNICIANS, tags=CASES,
    summary="案例库搜索",
    query=s.page_query({
            'q': s.String("关键词", max_length=100),
            'leak_site': s.String("渗漏部位", max_length=30),
            }),
    response=s.page_of(CASE))
def search_cases(call):
    "按关键词（标题、现象、原因、方案）和渗漏部位搜索内部案例库。"
    Case = call.pool.get('yuexing.case')
    domain = Case.search_domain_for(
        call.query.get('q'), call.query.get('leak_site'))
    return api.paginate(Case, domain, call.query, case_json)


@api.endpoint('GET', '/technician/orders/<int:order_id>/cases',
    auth=TECHNICIANS, tags=CASES, summary="本单推荐案例",
    response=s.List("推荐案例", CASE), errors=(404,))
def suggested_cases(call, order_id):
    "与本工单渗漏部位相同、现象相近的案例（最多 5 个）。"
    Case = call.pool.get('yuexing.case')
    order = find('yuexing.work_order', order_id)
    employees = {e.id for e in call.user.employees}
    if not order.technician or order.technician.id not in employees:
        raise api.not_found()
    return [case_json(c) for c in Case.suggest(order)]
