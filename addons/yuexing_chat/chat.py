"""Conversations, their members and messages.

Three kinds: about a work order (the customer's accounts and the order's
technician), a technician with the office (dispatchers and customer
service answer) and a team channel (the team's technicians). A message is
text, an image or a voice clip (attachments of the message). Phone-like
numbers are masked in the stored text unless the conversation allows
phones (set by the office). Each new message is pushed through the message
centre (event chat_message) to the members who had nothing unread there,
so that a burst of messages makes one push, not ten."""
import datetime as dt

from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.yuexing_base import masking
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

KINDS = [
    ('order', "Order (Customer and Technician)"),
    ('office', "Technician and Office"),
    ('team', "Team Channel"),
    ]
SIDES = [
    ('customer', "Customer"),
    ('technician', "Technician"),
    ('office', "Office"),
    ]
MESSAGE_KINDS = [
    ('text', "Text"),
    ('image', "Image"),
    ('voice', "Voice Clip"),
    ]


class ChatError(ValidationError):
    pass


class Conversation(ModelSQL, ModelView):
    "Chat Conversation"
    __name__ = 'yuexing.chat.conversation'
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    work_order = fields.Many2One('yuexing.work_order', "Work Order",
        ondelete='CASCADE', readonly=True,
        states={'invisible': Eval('kind') != 'order'})
    technician = fields.Many2One('company.employee', "Technician",
        ondelete='CASCADE', readonly=True,
        states={'invisible': Eval('kind') != 'office'})
    team = fields.Many2One('yuexing.team', "Team", ondelete='CASCADE',
        readonly=True, states={'invisible': Eval('kind') != 'team'})
    phones_allowed = fields.Boolean("Phone Numbers Allowed",
        help="Unticked, phone-like numbers in messages are masked.")
    members = fields.One2Many('yuexing.chat.member', 'conversation',
        "Members", readonly=True)
    messages = fields.One2Many('yuexing.chat.message', 'conversation',
        "Messages")
    last_message_at = fields.DateTime("Last Message", readonly=True)
    title = fields.Function(fields.Char("Title"), 'get_title')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('order_unique', Unique(t, t.kind, t.work_order),
                'yuexing_chat.msg_conversation_unique'),
            ('technician_unique', Unique(t, t.kind, t.technician),
                'yuexing_chat.msg_conversation_unique'),
            ('team_unique', Unique(t, t.kind, t.team),
                'yuexing_chat.msg_conversation_unique'),
            ]
        cls._order = [('last_message_at', 'DESC NULLS LAST'),
            ('id', 'DESC')]

    @classmethod
    def default_phones_allowed(cls):
        return False

    def get_title(self, name):
        if self.kind == 'order' and self.work_order:
            return gettext('yuexing_chat.msg_title_order',
                order=self.work_order.rec_name)
        if self.kind == 'office' and self.technician:
            return gettext('yuexing_chat.msg_title_office',
                technician=self.technician.rec_name)
        if self.kind == 'team' and self.team:
            return gettext('yuexing_chat.msg_title_team',
                team=self.team.rec_name)
        return ''

    def get_rec_name(self, name):
        return self.title

    # ---- opening conversations (idempotent) ------------------------------

    @classmethod
    def _open(cls, key, members):
        """The conversation matching key (kind and its record), created if
        needed; members ({user id: side}) are added when missing."""
        Member = Pool().get('yuexing.chat.member')
        with without_check_access():
            found = cls.search([(k, '=', v) for k, v in key.items()],
                limit=1)
            if found:
                conversation, = found
            else:
                conversation, = cls.create([dict(key)])
            known = {m.user.id for m in conversation.members}
            Member.create([{'conversation': conversation.id, 'user': user,
                        'side': side} for user, side in members.items()
                    if user not in known])
            return cls(conversation.id)

    @classmethod
    def for_order(cls, order):
        "The customer ↔ technician conversation of an order."
        pool = Pool()
        User = pool.get('res.user')
        WorkOrder = pool.get('yuexing.work_order')
        with without_check_access():
            members = {u.id: 'customer' for u in User.search([
                        ('customer', '=', order.customer.id),
                        ('active', '=', True)])}
            if order.technician:
                members.update({u.id: 'technician'
                        for u in WorkOrder.users_of([order.technician])})
        return cls._open({'kind': 'order', 'work_order': order.id}, members)

    @classmethod
    def for_technician(cls, technician):
        "The technician's line to the office (dispatchers, 客服)."
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        with without_check_access():
            members = {u.id: 'office' for u in cls.office_users()}
            members.update({u.id: 'technician'
                    for u in WorkOrder.users_of([technician])})
        return cls._open({'kind': 'office', 'technician': technician.id},
            members)

    @classmethod
    def for_team(cls, team):
        "The channel of a team: its technicians and its leader."
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        with without_check_access():
            employees = list(team.members)
            if team.leader:
                employees.append(team.leader)
            members = {u.id: 'technician'
                for u in WorkOrder.users_of(employees)}
        return cls._open({'kind': 'team', 'team': team.id}, members)

    @classmethod
    def office_users(cls):
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        groups = [ModelData.get_id('yuexing_base', g)
            for g in ['group_dispatcher', 'group_customer_service']]
        return User.search([('groups', 'in', groups),
                ('active', '=', True)])

    def member_of(self, user):
        for member in self.members:
            if member.user.id == user.id:
                return member
        return None


class Member(ModelSQL, ModelView):
    "Chat Member"
    __name__ = 'yuexing.chat.member'
    conversation = fields.Many2One('yuexing.chat.conversation',
        "Conversation", required=True, ondelete='CASCADE', readonly=True)
    user = fields.Many2One('res.user', "User", required=True,
        ondelete='CASCADE', readonly=True)
    side = fields.Selection(SIDES, "Side", required=True, readonly=True)
    last_read = fields.Integer("Last Read Message", readonly=True)
    unread = fields.Function(fields.Integer("Unread"), 'get_unread')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('user_unique', Unique(t, t.conversation, t.user),
                'yuexing_chat.msg_member_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.user, Index.Equality())))

    @classmethod
    def default_last_read(cls):
        return 0

    @classmethod
    def get_unread(cls, members, name):
        return cls.unread_counts(members)

    @classmethod
    def unread_counts(cls, members):
        "{member id: messages of others after the last one read}, one query."
        Message = Pool().get('yuexing.chat.message')
        message = Message.__table__()
        member = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = dict.fromkeys([m.id for m in members], 0)
        if not result:
            return result
        cursor.execute(*member.join(message, condition=(
                    message.conversation == member.conversation)
                & (message.id > member.last_read)
                & (message.author != member.user)
                ).select(member.id, Count(message.id),
                where=member.id.in_(list(result)),
                group_by=[member.id]))
        result.update(dict(cursor))
        return result

    @classmethod
    def mark_read(cls, members, message_id):
        to_write = [m for m in members if (m.last_read or 0) < message_id]
        if to_write:
            with without_check_access():
                cls.write(to_write, {'last_read': message_id})


class Message(ModelSQL, ModelView):
    "Chat Message"
    __name__ = 'yuexing.chat.message'
    conversation = fields.Many2One('yuexing.chat.conversation',
        "Conversation", required=True, ondelete='CASCADE')
    author = fields.Many2One('res.user', "Author", required=True,
        readonly=True, ondelete='RESTRICT')
    kind = fields.Selection(MESSAGE_KINDS, "Kind", required=True)
    text = fields.Text("Text", states={
            'required': Eval('kind') == 'text'})
    duration = fields.Integer("Duration (seconds)",
        domain=['OR', ('duration', '=', None),
            [('duration', '>', 0), ('duration', '<=', 60)]],
        states={'invisible': Eval('kind') != 'voice'})
    sent_at = fields.Function(fields.DateTime("Sent At"), 'get_sent_at')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.conversation, Index.Equality()),
                (t.id, Index.Range())))
        cls._order = [('id', 'ASC')]

    @classmethod
    def default_kind(cls):
        return 'text'

    @classmethod
    def default_author(cls):
        return Transaction().user or None

    def get_sent_at(self, name):
        return self.create_date.replace(microsecond=0)

    def get_rec_name(self, name):
        return (self.text or '')[:40]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            if values.get('author') is None:
                values['author'] = Transaction().user or None
            Conversation = Pool().get('yuexing.chat.conversation')
            conversation = Conversation(values['conversation'])
            if values.get('text') and not conversation.phones_allowed:
                values['text'] = masking.mask_text(values['text'])
        return values

    @classmethod
    def create(cls, vlist):
        messages = super().create(vlist)
        cls.delivered(messages)
        return messages

    @classmethod
    def write(cls, *args):
        # a message is what was said: the history cannot be rewritten
        if any(args[::2]):
            raise ChatError(gettext('yuexing_chat.msg_message_readonly'))
        super().write(*args)

    @classmethod
    def delete(cls, messages):
        if messages:
            raise ChatError(gettext('yuexing_chat.msg_message_readonly'))

    @classmethod
    def delivered(cls, messages):
        """Move the conversations' last message, count the author's own
        message as read and push to the members with nothing unread
        before (one push per burst)."""
        pool = Pool()
        Conversation = pool.get('yuexing.chat.conversation')
        Member = pool.get('yuexing.chat.member')
        Notice = pool.get('yuexing.message')
        now = dt.datetime.now()
        with without_check_access():
            for message in messages:
                conversation = message.conversation
                Conversation.write([conversation],
                    {'last_message_at': now})
                members = list(conversation.members)
                unread = Member.unread_counts(members)
                author = [m for m in members
                    if m.user.id == message.author.id]
                Member.mark_read(author, message.id)
                first = [m.user for m in members
                    if m.user.id != message.author.id
                    and unread[m.id] == 1]
                if first:
                    Notice.notify('chat_message', [message], users=first)


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'
    conversations = fields.One2Many('yuexing.chat.conversation',
        'work_order', "Chat", readonly=True)


class Template(metaclass=PoolMeta):
    __name__ = 'yuexing.message.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if 'chat_message' not in dict(cls.event.selection):
            cls.event.selection.append(('chat_message', "New Chat Message"))

    @classmethod
    def event_variable(cls, event):
        # {{message.text}}, {{message.conversation.title}}
        if event == 'chat_message':
            return 'message'
        return super().event_variable(event)
