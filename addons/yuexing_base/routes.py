"""The JSON endpoints of yuexing_base: log-in and tokens for the three
clients, the current user, uploads and the in-app inbox."""
import hashlib

from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from . import api, channels, login_throttle
from . import phone as phone_tools
from .api import schema as s
from .api.schema import message
from .audit_login import record_login
from .rpc_access import API_LOGIN
from .wechat import WeChatError

AUTH = ['认证']
ME = ['账户']
MESSAGES = ['消息']
UPLOADS = ['上传']
LOGIN_ROLES = ('technician', 'portal', 'staff')
ROLE_CHOICES = [
    ('technician', "师傅"),
    ('portal', "B端客户"),
    ('staff', "内部员工"),
    ]
UPLOAD_TYPES = ('image/jpeg', 'image/png', 'image/webp', 'video/mp4',
    'application/pdf')
UPLOAD_HARD_LIMIT = 50 * 1024 * 1024

# ---- schemas ---------------------------------------------------------------

ME_SCHEMA = s.Object({
        'id': s.Integer("用户ID"),
        'name': s.String("姓名"),
        'role': s.Enum("当前角色", list(api.ROLES)),
        'roles': s.List("可用角色", s.Enum("角色", list(api.ROLES))),
        'phone': s.String("手机号（脱敏）", nullable=True),
        'phone_bound': s.Boolean("已绑定手机号"),
        'customer': s.Object({
                'id': s.Integer("客户ID"),
                'name': s.String("客户名称"),
                }, "所属客户", nullable=True),
        }, "当前用户", name='Me')
TOKEN_SCHEMA = s.Object({
        'access_token': s.String("访问令牌"),
        'token_type': s.Enum("令牌类型", ['Bearer']),
        'expires_in': s.Integer("有效期（秒）"),
        'refresh_token': s.String("刷新令牌"),
        'refresh_expires_in': s.Integer("刷新令牌有效期（秒）"),
        'role': s.Enum("角色", list(api.ROLES)),
        'user': ME_SCHEMA,
        }, "令牌", name='Token')
CLIENT = s.String("客户端", max_length=64,
    description="发起登录的应用，例如 c-miniprogram")
MESSAGE_SCHEMA = s.Object({
        'id': s.Integer("消息ID"),
        'event': s.String("事件", nullable=True),
        'title': s.String("标题"),
        'body': s.String("内容"),
        'read': s.Boolean("已读"),
        'created_at': s.DateTime("时间"),
        'record': s.Object({
                'model': s.String("对象"),
                'id': s.Integer("ID"),
                }, "相关单据", nullable=True),
        }, "消息", name='Message')
UPLOAD_SCHEMA = s.Object({
        'id': s.Integer("上传ID"),
        'name': s.String("文件名"),
        'media_type': s.String("文件类型"),
        'size': s.Integer("大小（字节）"),
        'sha256': s.String("SHA-256"),
        }, "上传文件", name='Upload')


def me_json(user, role):
    pool = Pool()
    Token = pool.get('yuexing.api.token')
    with without_check_access():
        user = user.__class__(user.id)
        return {
            'id': user.id,
            'name': user.name or user.login,
            'role': role,
            'roles': Token.user_roles(user),
            'phone': phone_tools.mask(user.mobile) if user.mobile else None,
            'phone_bound': bool(user.mobile_compact),
            'customer': ({'id': user.customer.id,
                    'name': user.customer.rec_name}
                if user.customer else None),
            }


def token_answer(user, role, client):
    Token = Pool().get('yuexing.api.token')
    _, answer = Token.issue(user, role, client)
    answer['user'] = me_json(user, role)
    return answer


def _settings():
    return Pool().get('yuexing.configuration').settings()


def _wechat():
    try:
        return channels.wechat_client(_settings())
    except channels.DeliveryError:
        raise api.error(503, 'wechat_unavailable') from None


def _wechat_failure(exception, field='code'):
    if exception.errcode in {40029, 40163}:
        return api.ApiError(422, 'wechat_code_invalid',
            message('wechat_code_invalid'),
            fields={field: message('wechat_code_invalid')})
    if exception.errcode == 40226:
        return api.error(403, 'wechat_blocked')
    return api.error(503, 'wechat_unavailable')


# ---- C端: WeChat log-in and phone binding -----------------------------------

@api.endpoint('POST', '/auth/wechat', auth=api.PUBLIC, tags=AUTH,
    rate_limit='auth', summary="微信登录（C端）",
    body=s.Object({
            'code': s.String("登录凭证 code", required=True, max_length=128,
                secret=True, description="wx.login() 返回的 code"),
            'client': CLIENT,
            }),
    response=TOKEN_SCHEMA, errors=(403, 503))
def login_wechat(call):
    """用 wx.login 的 code 换取 openid（code2Session），
    找到或创建该居民的账户，返回令牌。
    未绑定手机号时 user.phone_bound 为 false，请引导绑定。"""
    pool = call.pool
    User = pool.get('res.user')
    client = _wechat()
    try:
        session = client.code_to_session(call.body['code'])
    except WeChatError as exception:
        raise _wechat_failure(exception) from None
    openid = session.get('openid')
    if not openid:
        raise api.error(503, 'wechat_unavailable')
    with Transaction().set_context(active_test=False):
        users = User.search([('wechat_openid', '=', openid)], limit=1)
    if users and not users[0].active:
        record_login(users[0].login, users[0].id, 'wechat', False)
        raise api.error(403, 'account_disabled', commit=True)
    user = users[0] if users else create_resident(
        openid, session.get('unionid'))
    record_login(user.login, user.id, 'wechat', True)
    return token_answer(user, 'customer', call.body.get('client'))


def create_resident(openid, unionid=None):
    "The res.user of a resident logged in with WeChat for the first time."
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    Setup = pool.get('yuexing.setup')
    group = ModelData.get_id('yuexing_base', 'group_c2c_customer')
    values = {
        'login': 'wx_' + hashlib.sha256(openid.encode()).hexdigest()[:20],
        'name': message('resident_name'),
        'wechat_openid': openid,
        'wechat_unionid': unionid,
        'groups': [('add', [group])],
        }
    company = Setup.find_company()
    if company:
        values['companies'] = [('add', [company.id])]
        values['company'] = company.id
    user, = User.create([values])
    return user


def bind_phone(user, e164):
    """Bind a verified phone to a resident: match the individual customer
    with this phone or create one, and act for it from now on."""
    pool = Pool()
    User = pool.get('res.user')
    Party = pool.get('party.party')
    with without_check_access(), Transaction().set_context(
            _skip_warnings=True):
        parties = [p for p in Party.find_by_phone(e164)
            if p.customer_type == 'individual']
        if parties:
            party = parties[0]
        else:
            party, = Party.create([{
                        'name': message('resident_party_name',
                            suffix=e164[-4:]),
                        'customer_type': 'individual',
                        'contact_mechanisms': [('create', [{
                                        'type': 'mobile',
                                        'value': e164,
                                        }])],
                        }])
        User.write([User(user.id)], {'customer': party.id, 'mobile': e164})
    return party


@api.endpoint('POST', '/auth/phone/bind', auth='customer', tags=AUTH,
    rate_limit='auth', summary="绑定手机号（C端）",
    body=s.Object({
            'code': s.String("手机号授权 code", max_length=128, secret=True,
                description="getPhoneNumber 返回的 code（二选一）"),
            'phone': s.Phone("手机号", description="短信验证时填写"),
            'sms_code': s.String("短信验证码", max_length=8, secret=True),
            }),
    response=ME_SCHEMA, errors=(503,))
def bind_phone_endpoint(call):
    """用微信手机号授权 code，或手机号 + 短信验证码（purpose=bind）绑定手机号；
    按手机号匹配已有个人客户，没有则新建。"""
    body = call.body
    SmsCode = call.pool.get('yuexing.auth.sms_code')
    if body.get('code'):
        try:
            info = _wechat().get_phone_number(body['code'])
        except WeChatError as exception:
            raise _wechat_failure(exception) from None
        e164 = phone_tools.normalize(
            '+%s%s' % (info.get('countryCode') or '86',
                info.get('purePhoneNumber') or ''))
        if not e164:
            raise api.error(503, 'wechat_unavailable')
    elif body.get('phone') and body.get('sms_code'):
        e164 = body['phone']
        SmsCode.verify(e164, 'bind', body['sms_code'], field='sms_code')
    else:
        missing = {}
        if not body.get('phone'):
            missing['phone'] = message('required', field="手机号")
        if not body.get('sms_code'):
            missing['sms_code'] = message('required', field="短信验证码")
        raise api.validation_error(missing)
    bind_phone(call.user, e164)
    return me_json(call.user, call.role)


# ---- 师傅端 / B端: SMS code and password ------------------------------

def login_candidates(users, role=None):
    "[(user, role)] of the users that may log in (in role if given)."
    Token = Pool().get('yuexing.api.token')
    result = []
    for user in users:
        roles = [r for r in Token.user_roles(user) if r in LOGIN_ROLES]
        if role:
            roles = [r for r in roles if r == role]
        if roles:
            result.append((user, roles[0]))
    return result


@api.endpoint('POST', '/auth/sms/send', auth=api.PUBLIC, tags=AUTH,
    rate_limit='sms', summary="发送短信验证码",
    body=s.Object({
            'phone': s.Phone("手机号", required=True),
            'purpose': s.Enum("用途",
                [('login', "登录"), ('bind', "绑定手机")],
                default='login'),
            }),
    response=s.Object({
            'sent': s.Boolean("已受理"),
            'resend_after': s.Integer("可重发间隔（秒）"),
            'expires_in': s.Integer("有效期（秒）"),
            }), errors=(503,))
def send_sms_code(call):
    """发送 6 位短信验证码（5 分钟内有效，60 秒内不可重发，每日有上限）。
    为防止探测手机号，未注册的手机号同样返回成功但不发送。"""
    pool = call.pool
    User = pool.get('res.user')
    SmsCode = pool.get('yuexing.auth.sms_code')
    e164, purpose = call.body['phone'], call.body['purpose']
    deliver = True
    if purpose == 'login':
        deliver = bool(login_candidates(User.find_by_mobile(e164)))
    record, code = SmsCode.create_code(e164, purpose, call.ip, deliver)
    settings = _settings()
    if deliver:
        try:
            record.provider_id = channels.send_sms_code(settings, e164, code)
        except channels.DeliveryError:
            raise api.error(503, 'sms_unavailable') from None
        record.save()
    return {
        'sent': True,
        'resend_after': settings['sms_resend_seconds'],
        'expires_in': settings['sms_code_minutes'] * 60,
        }


@api.endpoint('POST', '/auth/sms/login', auth=api.PUBLIC, tags=AUTH,
    rate_limit='auth', summary="短信验证码登录（师傅端 / B端）",
    body=s.Object({
            'phone': s.Phone("手机号", required=True),
            'code': s.String("短信验证码", required=True, max_length=8,
                secret=True),
            'role': s.Enum("角色", ROLE_CHOICES),
            'client': CLIENT,
            }),
    response=TOKEN_SCHEMA, errors=(403,))
def login_sms(call):
    "用手机号 + 短信验证码登录；一个手机号有多个角色时用 role 指定。"
    pool = call.pool
    User = pool.get('res.user')
    SmsCode = pool.get('yuexing.auth.sms_code')
    body = call.body
    # its own counters: a password guesser never blocks the SMS log-in
    throttle = login_throttle.Throttle.current('sms', body['phone'])
    throttle.check()
    try:
        SmsCode.verify(body['phone'], 'login', body['code'])
    except api.ApiError as exception:
        if exception.error_code == 'sms_code_invalid':
            throttle.failed()
        if exception.commit:
            record_login(body['phone'], None, 'sms', False)
        raise
    throttle.succeeded()
    candidates = login_candidates(
        User.find_by_mobile(body['phone']), body.get('role'))
    if not candidates:
        record_login(body['phone'], None, 'sms', False)
        raise api.error(403, 'role_forbidden', commit=True)
    user, role = candidates[0]
    record_login(body['phone'], user.id, 'sms', True)
    return token_answer(user, role, body.get('client'))


@api.endpoint('POST', '/auth/password', auth=api.PUBLIC, tags=AUTH,
    rate_limit='auth', summary="账号密码登录（师傅端 / B端）",
    body=s.Object({
            'login': s.String("账号或手机号", required=True, max_length=128),
            'password': s.String("密码", required=True, max_length=256,
                strip=False, secret=True),
            'role': s.Enum("角色", ROLE_CHOICES),
            'client': CLIENT,
            }),
    response=TOKEN_SCHEMA, errors=(401, 403))
def login_password(call):
    """用登录名（或绑定的手机号）+ 密码登录；连续失败会被限制（429）。"""
    pool = call.pool
    User = pool.get('res.user')
    body = call.body
    login = body['login']
    e164 = phone_tools.normalize(login) if login[:1] in '+01' else None
    if e164:
        users = User.find_by_mobile(e164)
        candidates = login_candidates(users, body.get('role'))
        if candidates:
            login = candidates[0][0].login
    # the JSON API's own log-in: external roles are refused on the generic
    # RPC only (rpc_access)
    with Transaction().set_context({API_LOGIN: True,
                'yuexing_login_method': 'api_password'}):
        user_id = User.get_login(login, {'password': body['password']})
    if not user_id:
        raise api.ApiError(401, 'login_failed', message('login_failed'),
            fields={'password': message('login_failed')}, commit=True)
    candidates = login_candidates([User(user_id)], body.get('role'))
    if not candidates:
        raise api.error(403, 'role_forbidden')
    user, role = candidates[0]
    return token_answer(user, role, body.get('client'))


# ---- tokens ----------------------------------------------------------------

@api.endpoint('POST', '/auth/refresh', auth=api.PUBLIC, tags=AUTH,
    rate_limit='auth', summary="刷新令牌",
    body=s.Object({
            'refresh_token': s.String("刷新令牌", required=True,
                max_length=256, secret=True),
            }),
    response=TOKEN_SCHEMA, errors=(401,))
def refresh_token(call):
    "用刷新令牌换一组新令牌；旧令牌随即失效（轮换）。"
    Token = call.pool.get('yuexing.api.token')
    token, answer = Token.refresh(call.body['refresh_token'])
    if token is None:
        raise api.error(401, answer)
    answer['user'] = me_json(token.user, token.role)
    return answer


@api.endpoint('POST', '/auth/logout', auth=api.AUTHENTICATED, tags=AUTH,
    summary="退出登录", status=204,
    body=s.Object({
            'all': s.Boolean("退出所有设备", default=False),
            }))
def logout(call):
    "吊销当前令牌（all=true 时吊销该用户的全部令牌）。"
    Token = call.pool.get('yuexing.api.token')
    with without_check_access():
        if call.body.get('all'):
            Token.revoke_user([call.user])
        else:
            Token.revoke_tokens([call.token])
    return None


@api.endpoint('GET', '/me', auth=api.AUTHENTICATED, tags=ME,
    summary="当前用户", response=ME_SCHEMA)
def me(call):
    "令牌所属的用户、角色、脱敏手机号和所属客户。"
    return me_json(call.user, call.role)


# ---- uploads ---------------------------------------------------------------

@api.endpoint('POST', '/uploads', auth=api.AUTHENTICATED, tags=UPLOADS,
    rate_limit='upload', summary="上传文件（wx.uploadFile）", status=201,
    body=s.Object({
            'file': s.File("文件", required=True,
                max_size=UPLOAD_HARD_LIMIT, types=UPLOAD_TYPES),
            }),
    response=UPLOAD_SCHEMA, errors=(413, 415))
def upload(call):
    """multipart/form-data 上传一个文件（字段名 file）：按文件内容识别类型
    （JPEG、PNG、WebP、MP4、PDF），大小上限见系统配置。返回的 id 用于随后的
    业务请求（如报修单的照片）。"""
    Upload = call.pool.get('yuexing.api.upload')
    limit = _settings()['upload_max_kb'] * 1024
    file = call.files['file']
    if file['size'] > limit:
        raise api.ApiError(413, 'file_too_large',
            message('file_too_large', field="文件", size=limit // 1024),
            fields={'file': message('file_too_large_field', field="文件",
                    size=limit // 1024)})
    with without_check_access():
        upload = Upload.store(call.user, file)
    return upload.to_json()


# ---- inbox -----------------------------------------------------------------

@api.endpoint('GET', '/messages', auth=api.AUTHENTICATED, tags=MESSAGES,
    summary="站内消息列表",
    query=s.page_query({'unread': s.Boolean("仅未读")}),
    response=s.page_of(MESSAGE_SCHEMA))
def list_messages(call):
    "当前用户的站内消息，最新的在前。"
    Message = call.pool.get('yuexing.message')
    domain = Message.inbox_domain(call.user)
    if call.query.get('unread'):
        domain.append(('is_read', '=', False))
    return api.paginate(Message, domain, call.query, Message.to_json)


@api.endpoint('GET', '/messages/unread-count', auth=api.AUTHENTICATED,
    tags=MESSAGES, summary="未读消息数",
    response=s.Object({'count': s.Integer("未读数")}))
def unread_count(call):
    "当前用户的未读站内消息数（小程序角标）。"
    Message = call.pool.get('yuexing.message')
    domain = Message.inbox_domain(call.user) + [('is_read', '=', False)]
    return {'count': Message.search_count(domain)}


def _own_messages(call, ids):
    Message = call.pool.get('yuexing.message')
    try:
        return Message.search(Message.inbox_domain(call.user)
            + [('id', 'in', ids)])
    except AccessError:
        return []


@api.endpoint('POST', '/messages/<int:message_id>/read',
    auth=api.AUTHENTICATED, tags=MESSAGES, summary="标记已读",
    response=s.Object({'id': s.Integer("消息ID"), 'read': s.Boolean("已读")}))
def read_message(call, message_id):
    "把一条站内消息标记为已读；别人的消息与不存在的一样返回 404。"
    Message = call.pool.get('yuexing.message')
    messages = _own_messages(call, [message_id])
    if not messages:
        raise api.not_found()
    Message.mark_read(messages)
    return {'id': message_id, 'read': True}


@api.endpoint('POST', '/messages/read-all', auth=api.AUTHENTICATED,
    tags=MESSAGES, summary="全部标记已读",
    response=s.Object({'updated': s.Integer("本次标记条数")}))
def read_all_messages(call):
    "把当前用户的全部未读站内消息标记为已读。"
    Message = call.pool.get('yuexing.message')
    messages = Message.search(Message.inbox_domain(call.user)
        + [('is_read', '=', False)])
    Message.mark_read(messages)
    return {'updated': len(messages)}
