"""消息中心: the messages sent for business events, their delivery log and
the in-app inbox. Other modules call one entry point:

    Message = Pool().get('yuexing.message')
    Message.notify('order_dispatched', [order],
        users=[technician_user], parties=[order.party])

It renders every active template of the event for every recipient, stores
the messages (the inbox ones are delivered at once) and queues the others on
the Tryton task queue (ir.queue). It never raises into the caller: the
business transaction goes on even when a template or a channel fails.
Delivery retries with a growing delay and logs every attempt.
"""
import datetime as dt
import json
import logging
import time

from trytond import backend
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from . import channels
from .message_template import CHANNELS
from .render import RenderError

logger = logging.getLogger(__name__)

STATES = [
    ('pending', "Pending"),
    ('sent', "Sent"),
    ('failed', "Failed"),
    ('cancelled', "Cancelled"),
    ]


class Message(Workflow, ModelSQL, ModelView):
    "Message"
    __name__ = 'yuexing.message'
    _rec_name = 'title'

    event = fields.Selection('get_events', "Event", readonly=True,
        sort=False)
    template = fields.Many2One('yuexing.message.template', "Template",
        readonly=True, ondelete='SET NULL')
    channel = fields.Selection(CHANNELS, "Channel", required=True,
        readonly=True)
    user = fields.Many2One('res.user', "Recipient", readonly=True,
        ondelete='CASCADE')
    party = fields.Many2One('party.party', "Customer", readonly=True,
        ondelete='CASCADE')
    address = fields.Char("Address", readonly=True,
        help="OpenID, phone number or e-mail the message goes to.")
    record = fields.Reference("Record", selection='get_models',
        readonly=True)
    title = fields.Char("Title", readonly=True)
    body = fields.Text("Body", readonly=True)
    payload = fields.Text("Provider Payload", readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True,
        sort=False)
    attempts = fields.Integer("Attempts", readonly=True)
    next_attempt_at = fields.Timestamp("Next Attempt", readonly=True)
    last_error = fields.Text("Last Error", readonly=True)
    provider_id = fields.Char("Provider Message ID", readonly=True)
    sent_at = fields.Timestamp("Sent At", readonly=True)
    is_read = fields.Boolean("Read", readonly=True)
    read_at = fields.Timestamp("Read At", readonly=True)
    logs = fields.One2Many('yuexing.message.attempt', 'message',
        "Delivery Log", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_indexes.update({
                Index(table, (table.user, Index.Equality()),
                    (table.channel, Index.Equality()),
                    (table.is_read, Index.Equality())),
                Index(table, (table.state, Index.Equality(
                            cardinality='low')),
                    where=table.state.in_(['pending', 'failed'])),
                })
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('pending', 'sent'),
            ('pending', 'failed'),
            ('pending', 'cancelled'),
            ('failed', 'pending'),
            ('cancelled', 'pending'),
            }
        cls._buttons.update({
                'retry': {
                    'invisible': ~Eval('state').in_(['failed', 'cancelled']),
                    'depends': ['state'],
                    'icon': 'tryton-refresh',
                    },
                'cancel': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    'icon': 'tryton-cancel',
                    },
                })

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_attempts(cls):
        return 0

    @classmethod
    def default_is_read(cls):
        return False

    @classmethod
    def get_events(cls):
        "The events of the templates (modules add theirs there)."
        Template = Pool().get('yuexing.message.template')
        return Template.fields_get(['event'])['event']['selection']

    @classmethod
    def get_models(cls):
        IrModel = Pool().get('ir.model')
        return [(None, '')] + IrModel.get_name_items()

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('state') == 'failed', 'danger',
                    If(Eval('state') == 'pending', 'warning', ''))),
            ]

    # ---- the entry point ---------------------------------------------------

    @classmethod
    def notify(cls, event, records, users=(), parties=(), values=None):
        """Render the active templates of event for each record and each
        recipient (users and customers), store the messages and queue their
        delivery. Returns the messages; never raises."""
        transaction = Transaction()
        savepoint = backend.name == 'postgresql'
        cursor = transaction.connection.cursor()
        if savepoint:
            cursor.execute('SAVEPOINT yx_notify')
        try:
            with without_check_access():
                messages = cls._notify(event, list(records), list(users),
                    list(parties), values or {})
        except Exception:
            logger.exception("notify %s failed", event)
            if savepoint:
                cursor.execute('ROLLBACK TO SAVEPOINT yx_notify')
            return []
        if savepoint:
            cursor.execute('RELEASE SAVEPOINT yx_notify')
        return messages

    @classmethod
    def _notify(cls, event, records, users, parties, extra):
        pool = Pool()
        Template = pool.get('yuexing.message.template')
        templates = Template.search([('event', '=', event)])
        if not templates:
            return []
        recipients = cls.recipients(users, parties)
        variable = Template.event_variable(event)
        today = pool.get('ir.date').today()
        to_create = []
        for record in (records or [None]):
            for template in templates:
                for recipient in recipients:
                    if template.audience not in {'all',
                            recipient['audience']}:
                        continue
                    address = cls.address_of(template.channel, recipient)
                    if address is None:
                        continue
                    values = dict(extra)
                    values.update({
                            'record': record, variable: record,
                            'recipient': recipient['user']
                            or recipient['party'],
                            'today': today,
                            })
                    to_create.append(cls._render(
                            event, template, record, recipient, address,
                            values))
        messages = cls.create(to_create)
        cls.enqueue([m for m in messages if m.state == 'pending'])
        cls.ring_bell([m for m in messages if m.channel == 'inbox'
                and m.state == 'sent' and m.user])
        return messages

    @classmethod
    def ring_bell(cls, messages):
        """Inbox messages of back-office users also show in the web client's
        notification bell (res.notification), linked to their record."""
        pool = Pool()
        Notification = pool.get('res.notification')
        rows = []
        for message in messages:
            row = {'user': message.user.id, 'label': message.title,
                'description': (message.body or '')[:200]}
            if message.record:
                row['model'] = message.record.__name__
                row['records'] = json.dumps([message.record.id])
            rows.append(row)
        Notification.create(rows)

    @classmethod
    def _render(cls, event, template, record, recipient, address, values):
        row = {
            'event': event,
            'template': template.id,
            'channel': template.channel,
            'user': recipient['user'].id if recipient['user'] else None,
            'party': recipient['party'].id if recipient['party'] else None,
            'address': address,
            'record': str(record) if record else None,
            }
        try:
            rendered = template.render_values(values)
        except RenderError as exception:
            row.update(state='failed', title=template.name,
                last_error=str(exception))
            return row
        row.update(title=rendered['title'], body=rendered['body'])
        if rendered['payload'] is not None:
            row['payload'] = json.dumps(
                rendered['payload'], ensure_ascii=False)
        if template.channel == 'inbox':
            row.update(state='sent', sent_at=dt.datetime.now())
        return row

    @classmethod
    def recipients(cls, users, parties):
        """[{'user', 'party', 'audience'}]: each user (with the customer he
        acts for) and each customer (through its accounts, or alone)."""
        pool = Pool()
        User = pool.get('res.user')
        Token = pool.get('yuexing.api.token')
        result, seen_users, seen_parties = [], set(), set()

        def add(user, party):
            if user is not None:
                if user.id in seen_users:
                    return
                seen_users.add(user.id)
                roles = Token.user_roles(user)
                if 'technician' in roles:
                    audience = 'technician'
                elif {'customer', 'portal'} & set(roles) or user.customer:
                    audience = 'customer'
                else:
                    audience = 'staff'
                party = party or user.customer
            else:
                audience = 'customer'
            if party is not None:
                seen_parties.add(party.id)
            result.append(
                {'user': user, 'party': party, 'audience': audience})

        for user in users:
            add(User(int(user)), None)
        for party in parties:
            if party is None or party.id in seen_parties:
                continue
            accounts = User.search([
                    ('customer', '=', party.id), ('active', '=', True)])
            if accounts:
                for user in accounts:
                    add(user, party)
            else:
                add(None, party)
        return result

    @classmethod
    def address_of(cls, channel, recipient):
        "Where a channel reaches the recipient, or None (skipped)."
        user, party = recipient['user'], recipient['party']
        if channel == 'inbox':
            return str(user.id) if user else None
        if channel == 'wechat':
            return user.wechat_openid if user else None
        if channel == 'sms':
            if user and user.mobile_compact:
                return user.mobile_compact
            if party:
                for mechanism in party.contact_mechanisms:
                    if mechanism.type == 'mobile' and mechanism.value_compact:
                        return mechanism.value_compact
            return None
        if channel == 'email':
            if user and user.email:
                return user.email
            if party and party.email:
                return party.email
            return None
        return None

    # ---- delivery ----------------------------------------------------------

    @classmethod
    def enqueue(cls, messages, delay=None):
        "Queue the delivery of pending messages (after delay, a timedelta)."
        if not messages:
            return
        context = {'queue_name': 'yuexing_message'}
        if delay:
            context['queue_scheduled_at'] = delay
        with Transaction().set_context(**context):
            cls.__queue__.deliver(messages)

    @classmethod
    def deliver(cls, messages):
        """Queue task: send each pending message once; a failure is logged
        and retried later (or the message fails for good)."""
        Configuration = Pool().get('yuexing.configuration')
        settings = Configuration.settings()
        with without_check_access():
            for message in cls.browse(messages):
                if message.state != 'pending':
                    continue
                message._deliver_once(settings)

    def _deliver_once(self, settings):
        pool = Pool()
        Attempt = pool.get('yuexing.message.attempt')
        started = time.monotonic()
        provider_id, error, permanent = None, None, False
        sender = channels.SENDERS.get(self.channel)
        try:
            if sender is None:
                raise channels.DeliveryError(self.channel, permanent=True)
            provider_id = sender(self, settings)
        except channels.DeliveryError as exception:
            error, permanent = exception.text, exception.permanent
        except Exception as exception:
            logger.warning("delivery of message %s failed", self.id,
                exc_info=True)
            error = f'{type(exception).__name__}: {exception}'
        attempts = (self.attempts or 0) + 1
        Attempt.create([{
                    'message': self.id,
                    'success': error is None,
                    'error': error,
                    'provider_id': provider_id,
                    'duration': int((time.monotonic() - started) * 1000),
                    }])
        values = {'attempts': attempts}
        cls = self.__class__
        if error is None:
            values.update(state='sent', sent_at=dt.datetime.now(),
                provider_id=provider_id, next_attempt_at=None)
            cls.write([self], values)
            return
        values['last_error'] = error
        if permanent or attempts >= settings['message_max_attempts']:
            values.update(state='failed', next_attempt_at=None)
            cls.write([self], values)
            return
        delay = dt.timedelta(minutes=settings['message_retry_minutes']
            * 4 ** (attempts - 1))
        values['next_attempt_at'] = dt.datetime.now() + delay
        cls.write([self], values)
        cls.enqueue([self], delay=delay)

    @classmethod
    @ModelView.button
    @Workflow.transition('pending')
    def retry(cls, messages):
        cls.write(messages, {'next_attempt_at': None, 'last_error': None})
        cls.enqueue(messages)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, messages):
        pass

    # ---- inbox -------------------------------------------------------------

    def to_json(self):
        return {
            'id': self.id,
            'event': self.event,
            'title': self.title or '',
            'body': self.body or '',
            'read': bool(self.is_read),
            'created_at': self.create_date.replace(microsecond=0),
            'record': ({'model': self.record.__name__, 'id': self.record.id}
                if self.record else None),
            }

    @classmethod
    def inbox_domain(cls, user):
        return [
            ('user', '=', user.id),
            ('channel', '=', 'inbox'),
            ('state', '=', 'sent'),
            ]

    @classmethod
    def mark_read(cls, messages):
        "Mark inbox messages read (the caller found them as the user)."
        unread = [m for m in messages if not m.is_read]
        if unread:
            with without_check_access():
                cls.write(unread, {
                        'is_read': True, 'read_at': dt.datetime.now()})


class Attempt(ModelSQL, ModelView):
    "Message Delivery Attempt"
    __name__ = 'yuexing.message.attempt'

    message = fields.Many2One('yuexing.message', "Message", required=True,
        ondelete='CASCADE', readonly=True)
    success = fields.Boolean("Success", readonly=True)
    error = fields.Text("Error", readonly=True)
    provider_id = fields.Char("Provider Message ID", readonly=True)
    duration = fields.Integer("Duration (ms)", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
