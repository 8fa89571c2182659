"""JSON endpoints of 协作沟通 for both mini-programs (C端 residents and B端
users, 师傅端 technicians) and the office's staff accounts: open a
conversation, list mine with unread counts, read and send messages.

Who may take part is decided by membership (the order's customer accounts
and technician, the technician and the office, the team's technicians):
a conversation the caller is not a member of is not found."""
from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.pool import Pool
from trytond.transaction import without_check_access

TAGS = ['协作沟通']
PARTICIPANTS = ('customer', 'portal', 'technician', 'staff')
KINDS = [('order', "工单沟通（客户与师傅）"), ('office', "师傅与公司"),
    ('team', "班组群")]
SIDES = [('customer', "客户"), ('technician', "师傅"), ('office', "公司")]
MESSAGE_KINDS = [('text', "文字"), ('image', "图片"), ('voice', "语音")]
ATTACHMENT_TYPES = {
    'image': {'image/jpeg', 'image/png', 'image/webp'},
    'voice': {'video/mp4'},  # m4a voice clips are MP4 containers
    }


def _refuse(status, name, field=None, **variables):
    text = gettext(f'yuexing_chat.msg_api_{name}', **variables)
    return api.ApiError(status, name, text,
        fields={field: text} if field else None)


# ---- schemas ---------------------------------------------------------------

CHAT_MESSAGE = s.Object({
        'id': s.Integer("消息ID"),
        'kind': s.Enum("类型", MESSAGE_KINDS),
        'text': s.String("文字", nullable=True,
            description="未允许交换电话时，电话号码显示为 138****5678"),
        'attachment_id': s.Integer("附件ID", nullable=True),
        'attachment_name': s.String("附件名", nullable=True),
        'duration': s.Integer("语音时长（秒）", nullable=True),
        'author': s.String("发送人"),
        'side': s.Enum("发送方", SIDES, nullable=True),
        'mine': s.Boolean("我发送的"),
        'sent_at': s.DateTime("发送时间"),
        }, "聊天消息", name='ChatMessage')
CONVERSATION = s.Object({
        'id': s.Integer("会话ID"),
        'kind': s.Enum("会话类型", KINDS),
        'title': s.String("标题"),
        'order_id': s.Integer("工单ID", nullable=True),
        'team_id': s.Integer("班组ID", nullable=True),
        'phones_allowed': s.Boolean("允许交换电话"),
        'unread': s.Integer("未读数"),
        'last_message': s.Object(CHAT_MESSAGE.fields, "最后一条消息",
            nullable=True),
        'last_message_at': s.DateTime("最后消息时间", nullable=True),
        }, "会话", name='Conversation')


def message_json(message, user, sides):
    pool = Pool()
    Attachment = pool.get('ir.attachment')
    attachments = Attachment.search([('resource', '=', str(message))],
        limit=1)
    attachment = attachments[0] if attachments else None
    return {
        'id': message.id,
        'kind': message.kind,
        'text': message.text,
        'attachment_id': attachment.id if attachment else None,
        'attachment_name': attachment.name if attachment else None,
        'duration': message.duration,
        'author': message.author.name or message.author.login,
        'side': sides.get(message.author.id),
        'mine': message.author.id == user.id,
        'sent_at': message.sent_at,
        }


def conversation_json(conversation, user, unread=None):
    Member = Pool().get('yuexing.chat.member')
    sides = {m.user.id: m.side for m in conversation.members}
    member = conversation.member_of(user)
    if unread is None:
        unread = Member.unread_counts([member])[member.id] if member else 0
    messages = conversation.messages
    return {
        'id': conversation.id,
        'kind': conversation.kind,
        'title': conversation.title,
        'order_id': (conversation.work_order.id
            if conversation.work_order else None),
        'team_id': conversation.team.id if conversation.team else None,
        'phones_allowed': bool(conversation.phones_allowed),
        'unread': unread,
        'last_message': (message_json(messages[-1], user, sides)
            if messages else None),
        'last_message_at': (conversation.last_message_at.replace(
                microsecond=0) if conversation.last_message_at else None),
        }


def my_members(call):
    Member = call.pool.get('yuexing.chat.member')
    with without_check_access():
        return Member.search([('user', '=', call.user.id)])


def own_conversation(call, conversation_id):
    "The conversation if the caller is a member, else 404."
    Conversation = call.pool.get('yuexing.chat.conversation')
    with without_check_access():
        found = Conversation.search([
                ('id', '=', conversation_id),
                ('members.user', '=', call.user.id)], limit=1)
    if not found:
        raise api.not_found()
    return found[0]


def employee_of(call):
    employee = call.user.employee
    if not employee or not employee.is_technician:
        raise _refuse(403, 'not_technician')
    return employee


# ---- endpoints -------------------------------------------------------------


@api.endpoint('GET', '/chat/conversations', auth=PARTICIPANTS, tags=TAGS,
    summary="我的会话", response=s.Object({
            'unread': s.Integer("未读总数"),
            'items': s.List("会话", CONVERSATION),
            }, "会话列表", name='ConversationList'))
def chat_conversations(call):
    "我参与的会话（最近有消息的在前）与各自的未读数。"
    Member = call.pool.get('yuexing.chat.member')
    members = my_members(call)
    with without_check_access():
        unread = Member.unread_counts(members)
        conversations = sorted((m.conversation for m in members),
            key=lambda c: (c.last_message_at is None,
                -(c.last_message_at.timestamp() if c.last_message_at
                    else 0), -c.id))
        by_conversation = {m.conversation.id: unread[m.id] for m in members}
        return {
            'unread': sum(unread.values()),
            'items': [conversation_json(c, call.user,
                    by_conversation[c.id]) for c in conversations],
            }


@api.endpoint('GET', '/chat/unread-count', auth=PARTICIPANTS, tags=TAGS,
    summary="聊天未读数", response=s.Object({'count': s.Integer("未读数")},
        "未读数", name='ChatUnread'))
def chat_unread_count(call):
    "全部会话的未读消息数（角标）。"
    Member = call.pool.get('yuexing.chat.member')
    with without_check_access():
        return {'count': sum(Member.unread_counts(my_members(call))
                .values())}


@api.endpoint('POST', '/chat/orders/<int:order_id>/conversation',
    auth=('customer', 'portal', 'technician'), tags=TAGS,
    summary="打开工单会话", response=CONVERSATION, errors=(404, 409))
def chat_open_order(call, order_id):
    """客户与该工单的师傅沟通（历史保存在工单上）；工单派给师傅后才可用。
    重复调用返回同一会话。"""
    WorkOrder = call.pool.get('yuexing.work_order')
    orders = WorkOrder.search([('id', '=', order_id)], limit=1)
    if not orders:
        raise api.not_found()
    order, = orders
    with without_check_access():
        order = WorkOrder(order.id)
        if call.role == 'technician' and (
                order.technician != call.user.employee):
            raise api.not_found()
        if not order.technician:
            raise _refuse(409, 'no_technician', order=order.number)
        Conversation = call.pool.get('yuexing.chat.conversation')
        conversation = Conversation.for_order(order)
        return conversation_json(conversation, call.user)


@api.endpoint('POST', '/chat/office', auth='technician', tags=TAGS,
    summary="联系公司", response=CONVERSATION, errors=(403,))
def chat_open_office(call):
    "师傅与公司（调度、客服）的会话；重复调用返回同一会话。"
    Conversation = call.pool.get('yuexing.chat.conversation')
    employee = employee_of(call)
    with without_check_access():
        return conversation_json(
            Conversation.for_technician(employee), call.user)


@api.endpoint('POST', '/chat/teams/<int:team_id>', auth='technician',
    tags=TAGS, summary="班组群", response=CONVERSATION, errors=(403, 404))
def chat_open_team(call, team_id):
    "本人所在班组的群聊（班组协作）；不是该班组成员时 404。"
    Conversation = call.pool.get('yuexing.chat.conversation')
    employee = employee_of(call)
    with without_check_access():
        teams = [t for t in employee.__class__(employee.id).teams
            if t.id == team_id]
        if not teams:
            raise api.not_found()
        return conversation_json(Conversation.for_team(teams[0]),
            call.user)


@api.endpoint('GET', '/chat/conversations/<int:conversation_id>/messages',
    auth=PARTICIPANTS, tags=TAGS, summary="聊天记录", writes=True,
    query=s.Object({
            'before_id': s.Integer("早于此消息ID", minimum=1,
                description="向上翻页：传当前最早一条的 id"),
            'limit': s.Integer("条数", minimum=1, maximum=100, default=30),
            }),
    response=s.List("消息", CHAT_MESSAGE), errors=(404,))
def chat_messages(call, conversation_id):
    "按时间顺序返回最近的消息（或 before_id 之前的），并标记为已读。"
    Message = call.pool.get('yuexing.chat.message')
    Member = call.pool.get('yuexing.chat.member')
    conversation = own_conversation(call, conversation_id)
    domain = [('conversation', '=', conversation.id)]
    if call.query.get('before_id'):
        domain.append(('id', '<', call.query['before_id']))
    with without_check_access():
        messages = list(reversed(Message.search(domain,
                    order=[('id', 'DESC')], limit=call.query['limit'])))
        sides = {m.user.id: m.side for m in conversation.members}
        if messages and not call.query.get('before_id'):
            Member.mark_read([conversation.member_of(call.user)],
                messages[-1].id)
        return [message_json(m, call.user, sides) for m in messages]


@api.endpoint('POST', '/chat/conversations/<int:conversation_id>/messages',
    auth=PARTICIPANTS, tags=TAGS, summary="发送消息", status=201,
    idempotent=True,
    body=s.Object({
            'kind': s.Enum("类型", MESSAGE_KINDS, default='text'),
            'text': s.String("文字", max_length=2000),
            'upload_id': s.Integer("图片/语音上传ID", minimum=1,
                description="先 POST /uploads；语音为 m4a（MP4 封装）"),
            'duration': s.Integer("语音时长（秒）", minimum=1, maximum=60),
            }),
    response=CHAT_MESSAGE, errors=(404,))
def chat_send_message(call, conversation_id):
    """发送文字、图片或语音；未允许交换电话的会话中电话号码被隐去。
    对方以微信订阅消息收到提醒（连续多条只提醒一次）。"""
    pool = call.pool
    Message = pool.get('yuexing.chat.message')
    Upload = pool.get('yuexing.api.upload')
    conversation = own_conversation(call, conversation_id)
    body = call.body
    kind = body['kind']
    upload = None
    if kind == 'text':
        if not (body.get('text') or '').strip():
            raise _refuse(422, 'text_required', 'text')
    else:
        if not body.get('upload_id'):
            raise _refuse(422, 'upload_required', 'upload_id')
        uploads = Upload.search([('id', '=', body['upload_id'])], limit=1)
        if not uploads or uploads[0].media_type not in ATTACHMENT_TYPES[
                kind]:
            raise _refuse(422, 'upload_invalid', 'upload_id')
        upload, = uploads
    with without_check_access():
        message, = Message.create([{
                    'conversation': conversation.id,
                    'author': call.user.id,
                    'kind': kind,
                    'text': (body.get('text') or '').strip() or None,
                    'duration': body.get('duration') if kind == 'voice'
                    else None,
                    }])
        if upload:
            Upload.attach([upload], message)
        sides = {m.user.id: m.side for m in conversation.members}
        return api.Reply(message_json(Message(message.id), call.user,
                sides), status=201)
