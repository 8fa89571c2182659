"""Message templates of the message centre (消息中心): for an event and a
channel, the title and body with {{variables}}, and what the WeChat
subscribe message or the SMS template needs. Managed in the back office."""
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    fields,
    sequence_ordered,
)
from trytond.model.exceptions import ValidationError
from trytond.pyson import Eval

from . import render

CHANNELS = [
    ('inbox', "In-App Inbox"),
    ('wechat', "WeChat Subscribe Message"),
    ('sms', "SMS"),
    ('email', "E-mail"),
    ]
AUDIENCES = [
    ('all', "Everyone"),
    ('customer', "Customers"),
    ('technician', "Technicians"),
    ('staff', "Staff"),
    ]
EVENTS = [
    ('order_created', "Order Created"),
    ('order_quoted', "Order Quoted"),
    ('order_dispatched', "Order Dispatched"),
    ('order_on_the_way', "Technician On the Way"),
    ('order_arrived', "Technician Arrived"),
    ('order_done', "Order Done"),
    ('approval_needed', "Approval Needed"),
    ('payment_due', "Payment Due"),
    ('certificate_expiring', "Certificate Expiring"),
    ('sla_breach_soon', "SLA About to Breach"),
    ]
# The name under which an event's record is given to its templates (it is
# always also "record").
EVENT_VARIABLES = {
    'approval_needed': 'approval',
    'payment_due': 'payment',
    'certificate_expiring': 'certificate',
    'sla_breach_soon': 'order',
    }
# WeChat subscribe message value limits by key kind (thing1 → thing).
WECHAT_LIMITS = {
    'thing': 20, 'character_string': 32, 'phrase': 5, 'name': 10,
    'car_number': 8, 'letter': 32, 'symbol': 5,
    }


class TemplateError(ValidationError):
    pass


class Template(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Message Template"
    __name__ = 'yuexing.message.template'

    name = fields.Char("Name", required=True)
    event = fields.Selection(EVENTS, "Event", required=True, sort=False)
    channel = fields.Selection(CHANNELS, "Channel", required=True)
    audience = fields.Selection(AUDIENCES, "Audience", required=True,
        help="Which recipients of the event get this message.")
    title = fields.Char("Title",
        help="A template: {{order.number}}, {{recipient.name}}, …")
    body = fields.Text("Body")
    wechat_template_id = fields.Char("WeChat Template ID",
        states={
            'invisible': Eval('channel') != 'wechat',
            'required': Eval('channel') == 'wechat',
            })
    wechat_page = fields.Char("Mini-Program Page",
        states={'invisible': Eval('channel') != 'wechat'},
        help="Opened when the message is tapped, e.g. "
        "pages/order/detail?id={{order.id}}")
    wechat_data = fields.Text("WeChat Data",
        states={
            'invisible': Eval('channel') != 'wechat',
            'required': Eval('channel') == 'wechat',
            },
        help="One line per template key: thing1: {{order.number}}")
    sms_template_code = fields.Char("SMS Template Code",
        states={
            'invisible': Eval('channel') != 'sms',
            'required': Eval('channel') == 'sms',
            })
    sms_params = fields.Text("SMS Parameters",
        states={'invisible': Eval('channel') != 'sms'},
        help="One line per template variable: number: {{order.number}}")
    variables = fields.Function(fields.Char("Variables"), 'get_variables')

    @classmethod
    def default_audience(cls):
        return 'all'

    @classmethod
    def default_channel(cls):
        return 'inbox'

    @classmethod
    def event_variable(cls, event):
        "The variable name of the record of event (order, payment, …)."
        if event in EVENT_VARIABLES:
            return EVENT_VARIABLES[event]
        return event.split('_', 1)[0]

    def get_variables(self, name):
        if not self.event:
            return ''
        return ', '.join([self.event_variable(self.event), 'record',
                'recipient', 'today'])

    @classmethod
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        for template in templates:
            texts = [('title', template.title), ('body', template.body),
                ('wechat_page', template.wechat_page)]
            for name in ['wechat_data', 'sms_params']:
                for value in render.parse_mapping(
                        getattr(template, name)).values():
                    texts.append((name, value))
            for name, text in texts:
                error = render.check(text)
                if error:
                    raise TemplateError(gettext(
                            'yuexing_base.msg_template_syntax',
                            template=template.rec_name,
                            field=cls.__names__(name)['field'],
                            error=error))

    def render_values(self, values):
        """{'title', 'body', 'payload'} rendered with values; raises
        render.RenderError."""
        result = {
            'title': render.render(self.title, values)[:256],
            'body': render.render(self.body, values),
            'payload': None,
            }
        if self.channel == 'wechat':
            data = {}
            for key, text in render.parse_mapping(self.wechat_data).items():
                value = render.render(text, values)
                kind = key.rstrip('0123456789')
                limit = WECHAT_LIMITS.get(kind)
                if limit and len(value) > limit:
                    value = value[:limit - 1] + '…'
                data[key] = value
            result['payload'] = {
                'template_id': self.wechat_template_id,
                'page': render.render(self.wechat_page, values) or None,
                'data': data,
                }
        elif self.channel == 'sms':
            result['payload'] = {
                'template_code': self.sms_template_code,
                'params': {k: render.render(v, values)
                    for k, v in render.parse_mapping(
                        self.sms_params).items()},
                }
        return result
