"""JSON endpoints of the 师傅端 added by this module: binding the WeChat
openid for subscribe messages, the technician's own profile and bank card
(masked in every answer, changes confirmed by an SMS code sent to the
account's phone), daily construction logs, skills and certificates.

The profile is the caller's own employee record; the construction logs
belong to the caller's own orders (looked up as the caller first, as in
yuexing_workorder.routes_technician)."""
import re

from trytond.i18n import gettext
from trytond.modules.yuexing_base import api, channels, masking
from trytond.modules.yuexing_base import phone as phone_tools
from trytond.modules.yuexing_base.api import schema as s
from trytond.modules.yuexing_base.wechat import WeChatError
from trytond.modules.yuexing_workorder.routes_technician import (
    TECHNICIANS,
    own_order,
    technician_of,
    wrong_state,
)
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

TAGS = ['师傅端']
SMS_PURPOSE = 'profile'
CERTIFICATE_STATES = [
    ('valid', "有效"), ('expiring', "即将到期"), ('expired', "已过期")]
SKILL_LEVELS = [('junior', "初级"), ('intermediate', "中级"),
    ('senior', "高级"), ('expert', "专家")]
WEATHER = [('sunny', "晴"), ('cloudy', "阴"), ('rain', "雨"), ('snow', "雪")]
LOG_STATES = {'accepted', 'on_site', 'to_accept'}


def _message(name, **variables):
    return gettext(f'yuexing_technician.msg_api_{name}', **variables)


def _refuse(status, name, field=None, **variables):
    text = _message(name, **variables)
    return api.ApiError(status, name, text,
        fields={field: text} if field else None)


# ---- schemas ---------------------------------------------------------------

PROFILE = s.Object({
        'id': s.Integer("师傅ID"),
        'name': s.String("姓名"),
        'phone': s.String("手机号（脱敏）", nullable=True),
        'gender': s.Enum("性别", [('male', "男"), ('female', "女")],
            nullable=True),
        'job_title': s.String("岗位", nullable=True),
        'teams': s.String("班组", nullable=True),
        'id_number': s.String("身份证号（脱敏）", nullable=True),
        'emergency_contact': s.String("紧急联系人", nullable=True),
        'emergency_relation': s.String("与本人关系", nullable=True),
        'emergency_phone': s.String("紧急联系电话（脱敏）", nullable=True),
        'bank_name': s.String("开户银行", nullable=True),
        'bank_card': s.String("银行卡号（脱敏）", nullable=True),
        'rating': s.Money("评分", nullable=True),
        'wechat_bound': s.Boolean("已绑定微信（可接收订阅消息）"),
        }, "师傅个人信息", name='TechnicianProfile')
SMS_CODE = s.String("短信验证码", required=True, max_length=8, secret=True,
    description="POST /technician/profile/sms-code 发到本人手机的 6 位验证码")
DAILY_LOG = s.Object({
        'id': s.Integer("日志ID"),
        'order_id': s.Integer("工单ID"),
        'date': s.Date("日期"),
        'weather': s.Enum("天气", WEATHER),
        'hours': s.Number("工时（小时）"),
        'content': s.String("施工内容"),
        'problems': s.String("问题与处理", nullable=True),
        'photos': s.Integer("照片数"),
        'technician': s.String("师傅"),
        }, "施工日志", name='DailyLog')
SKILLS = s.Object({
        'skills': s.List("技能", s.Object({
                    'code': s.String("技能编码"),
                    'name': s.String("技能"),
                    'level': s.Enum("等级", SKILL_LEVELS),
                    'verified_date': s.Date("认证日期", nullable=True),
                    }, "技能", name='TechnicianSkill')),
        'certificates': s.List("证书", s.Object({
                    'id': s.Integer("证书ID"),
                    'type': s.String("证书类型"),
                    'number': s.String("证书编号"),
                    'issuer': s.String("发证机关", nullable=True),
                    'issue_date': s.Date("发证日期"),
                    'expiry_date': s.Date("到期日期", nullable=True),
                    'state': s.Enum("状态", CERTIFICATE_STATES),
                    'days_left': s.Integer("剩余天数", nullable=True),
                    }, "证书", name='TechnicianCertificate')),
        'expiring': s.Integer("即将到期或已过期的证书数"),
        }, "技能与证书", name='TechnicianSkills')


def profile_json(employee, user):
    Employee = employee.__class__
    with without_check_access():
        employee = Employee(employee.id)
        clear = {name: Employee.decrypted([employee], name)[employee.id]
            for name in ['id_card', 'bank_card']}
        return {
            'id': employee.id,
            'name': employee.rec_name,
            'phone': phone_tools.mask(user.mobile or employee.mobile),
            'gender': employee.gender or None,
            'job_title': employee.job_title,
            'teams': employee.team_names or None,
            'id_number': masking.mask('id', clear['id_card']),
            'emergency_contact': employee.emergency_contact,
            'emergency_relation': employee.emergency_relation,
            'emergency_phone': phone_tools.mask(employee.emergency_phone),
            'bank_name': employee.bank_name,
            'bank_card': masking.mask('account', clear['bank_card']),
            'rating': employee.rating,
            'wechat_bound': bool(user.__class__(user.id).wechat_openid),
            }


def own_phone(call):
    "The E.164 phone of the caller's account (where the codes go)."
    phone = phone_tools.normalize(call.user.mobile or '')
    if not phone:
        raise _refuse(409, 'no_phone')
    return phone


def confirm(call):
    "Consume the SMS code of the body (422 naming code when wrong)."
    SmsCode = call.pool.get('yuexing.auth.sms_code')
    SmsCode.verify(own_phone(call), SMS_PURPOSE, call.body['code'])


def save_profile(employee, values):
    "Write the employee as the system (audited with the caller as author)."
    Employee = employee.__class__
    with without_check_access():
        Employee.write([Employee(employee.id)], values)


# ---- WeChat binding (工单推送) ----------------------------------------------


@api.endpoint('POST', '/technician/wechat/bind', auth=TECHNICIANS,
    tags=TAGS, rate_limit='auth', summary="绑定微信（接收订阅消息）",
    body=s.Object({
            'code': s.String("登录凭证 code", required=True, max_length=128,
                secret=True, description="师傅端 wx.login() 返回的 code"),
            }),
    response=PROFILE, errors=(409, 503))
def bind_wechat(call):
    """用 wx.login 的 code 绑定本人微信 openid：新派工单、抢单池新工单将以
    微信订阅消息推送（需在小程序内 wx.requestSubscribeMessage 授权）。"""
    User = call.pool.get('res.user')
    employee = technician_of(call)
    try:
        client = channels.wechat_client(
            Pool().get('yuexing.configuration').settings())
    except channels.DeliveryError:
        raise api.error(503, 'wechat_unavailable') from None
    try:
        session = client.code_to_session(call.body['code'])
    except WeChatError as exception:
        if exception.errcode in {40029, 40163}:
            raise api.ApiError(422, 'wechat_code_invalid',
                s.message('wechat_code_invalid'),
                fields={'code': s.message('wechat_code_invalid')}
                ) from None
        raise api.error(503, 'wechat_unavailable') from None
    openid = session.get('openid')
    if not openid:
        raise api.error(503, 'wechat_unavailable')
    with without_check_access(), Transaction().set_context(
            active_test=False):
        others = User.search([
                ('wechat_openid', '=', openid),
                ('id', '!=', call.user.id)], limit=1)
        if others:
            raise _refuse(409, 'openid_taken', 'code')
        User.write([User(call.user.id)], {'wechat_openid': openid})
    return profile_json(employee, call.user)


# ---- profile and bank card -------------------------------------------------


@api.endpoint('GET', '/technician/profile', auth=TECHNICIANS, tags=TAGS,
    summary="个人信息", response=PROFILE)
def get_profile(call):
    "本人档案；手机号、身份证号、紧急联系电话和银行卡号均脱敏。"
    return profile_json(technician_of(call), call.user)


@api.endpoint('POST', '/technician/profile/sms-code', auth=TECHNICIANS,
    tags=TAGS, rate_limit='sms', summary="发送修改确认验证码",
    response=s.Object({
            'sent': s.Boolean("已发送"),
            'phone': s.String("接收手机号（脱敏）"),
            'resend_after': s.Integer("可重发间隔（秒）"),
            'expires_in': s.Integer("有效期（秒）"),
            }, "验证码", name='ProfileSmsCode'),
    errors=(409, 429, 503))
def send_profile_code(call):
    """修改个人信息或银行卡前，向账户绑定的手机号发送 6 位验证码
    （60 秒内不可重发，每日有上限）。"""
    SmsCode = call.pool.get('yuexing.auth.sms_code')
    technician_of(call)
    phone = own_phone(call)
    record, code = SmsCode.create_code(phone, SMS_PURPOSE, call.ip)
    settings = Pool().get('yuexing.configuration').settings()
    try:
        record.provider_id = channels.send_sms_code(settings, phone, code)
    except channels.DeliveryError:
        raise api.error(503, 'sms_unavailable') from None
    with without_check_access():
        record.save()
    return {
        'sent': True,
        'phone': phone_tools.mask(phone),
        'resend_after': settings['sms_resend_seconds'],
        'expires_in': settings['sms_code_minutes'] * 60,
        }


@api.endpoint('PUT', '/technician/profile', auth=TECHNICIANS, tags=TAGS,
    summary="修改个人信息",
    body=s.Object({
            'emergency_contact': s.String("紧急联系人", max_length=60),
            'emergency_relation': s.String("与本人关系", max_length=20),
            'emergency_phone': s.Phone("紧急联系电话"),
            'code': SMS_CODE,
            }),
    response=PROFILE, errors=(409, 429))
def update_profile(call):
    "修改紧急联系人等个人信息；需短信验证码确认，修改记入审计日志。"
    employee = technician_of(call)
    body = call.body
    values = {name: body[name] for name in [
            'emergency_contact', 'emergency_relation', 'emergency_phone']
        if name in body}
    if not values:
        raise _refuse(422, 'nothing_to_change', 'emergency_contact')
    confirm(call)
    save_profile(employee, values)
    return profile_json(employee, call.user)


@api.endpoint('PUT', '/technician/bank-card', auth=TECHNICIANS, tags=TAGS,
    summary="修改工资银行卡",
    body=s.Object({
            'bank_name': s.String("开户银行", required=True, max_length=60),
            'card_number': s.String("银行卡号", required=True,
                max_length=32, secret=True,
                description="12–19 位数字，可含空格"),
            'code': SMS_CODE,
            }),
    response=PROFILE, errors=(409, 429))
def update_bank_card(call):
    """更换工资卡：卡号加密保存，答复与日志中只显示后 4 位；
    需短信验证码确认，修改记入审计日志。"""
    employee = technician_of(call)
    number = re.sub(r'[\s-]', '', call.body['card_number'])
    if not re.fullmatch(r'\d{12,19}', number):
        raise _refuse(422, 'bank_card_invalid', 'card_number')
    confirm(call)
    save_profile(employee, {
            'bank_name': call.body['bank_name'].strip(),
            'bank_card': number,
            })
    return profile_json(employee, call.user)


# ---- skills and certificates (技能认证) -------------------------------------


@api.endpoint('GET', '/technician/skills', auth=TECHNICIANS, tags=TAGS,
    summary="我的技能与证书", response=SKILLS)
def my_skills(call):
    """技能等级与证书有效期；到期前 30 天起为“即将到期”，同时系统推送
    提醒（消息中心“证书即将到期”事件）。"""
    Date = call.pool.get('ir.date')
    employee = technician_of(call)
    today = Date.today()
    with without_check_access():
        employee = employee.__class__(employee.id)
        certificates = [{
                'id': c.id,
                'type': c.type.rec_name,
                'number': c.number,
                'issuer': c.issuer,
                'issue_date': c.issue_date,
                'expiry_date': c.expiry_date,
                'state': c.state,
                'days_left': ((c.expiry_date - today).days
                    if c.expiry_date else None),
                } for c in sorted(employee.certificates,
                key=lambda c: (c.expiry_date is None, c.expiry_date))]
        return {
            'skills': [{
                    'code': sk.skill.code,
                    'name': sk.skill.rec_name,
                    'level': sk.level,
                    'verified_date': sk.verified_date,
                    } for sk in employee.skills],
            'certificates': certificates,
            'expiring': sum(1 for c in certificates
                if c['state'] != 'valid'),
            }


# ---- daily construction log (施工日志) --------------------------------------


def log_json(log):
    Attachment = Pool().get('ir.attachment')
    return {
        'id': log.id,
        'order_id': log.work_order.id,
        'date': log.date,
        'weather': log.weather,
        'hours': log.hours,
        'content': log.content,
        'problems': log.problems,
        'photos': Attachment.search_count(
            [('resource', '=', str(log))]),
        'technician': log.technician.rec_name,
        }


@api.endpoint('GET', '/technician/orders/<int:order_id>/logs',
    auth=TECHNICIANS, tags=TAGS, summary="施工日志列表",
    response=s.List("施工日志", DAILY_LOG), errors=(404,))
def list_logs(call, order_id):
    "本工单的全部施工日志（最新在前），含其他师傅写的。"
    order = own_order(call, order_id)
    with without_check_access():
        return [log_json(log) for log in order.__class__(order.id).daily_logs]


@api.endpoint('POST', '/technician/orders/<int:order_id>/logs',
    auth=TECHNICIANS, tags=TAGS, summary="填写施工日志", idempotent=True,
    body=s.Object({
            'date': s.Date("日期", description="默认今天（公司时区）"),
            'weather': s.Enum("天气", WEATHER, required=True),
            'hours': s.Number("工时（小时）", required=True, minimum=0,
                maximum=24),
            'content': s.String("施工内容", required=True, max_length=2000),
            'problems': s.String("问题与处理", max_length=2000),
            'photos': s.List("现场照片", s.Integer("上传ID", minimum=1),
                max_items=9),
            }),
    response=DAILY_LOG, errors=(404, 409))
def write_log(call, order_id):
    """每个工单每天一篇：同一天再次提交即更新当天日志（照片追加）。
    日期不能晚于今天；只有已接单、施工中和待验收的工单可写。"""
    from trytond.modules.yuexing_workorder.routes import uploads_of
    pool = call.pool
    DailyLog = pool.get('yuexing.work_order.daily_log')
    Upload = pool.get('yuexing.api.upload')
    Date = pool.get('ir.date')
    order = own_order(call, order_id)
    if order.state not in LOG_STATES:
        raise wrong_state(order)
    body = call.body
    today = Date.today()
    date = body.get('date') or today
    if date > today:
        raise _refuse(422, 'log_date_future', 'date')
    uploads = uploads_of(call, body.get('photos'))
    technician = order.technician
    values = {
        'weather': body['weather'],
        'hours': body['hours'],
        'content': body['content'],
        'problems': body.get('problems'),
        }
    with without_check_access():
        logs = DailyLog.search([
                ('work_order', '=', order.id),
                ('technician', '=', technician.id),
                ('date', '=', date)], limit=1)
        if logs:
            log, = logs
            DailyLog.write([log], values)
        else:
            log, = DailyLog.create([dict(values, work_order=order.id,
                        technician=technician.id, date=date)])
        Upload.attach(uploads, log)
        return log_json(DailyLog(log.id))
