"""Customer feedback (意见反馈): suggestions, complaints, praise; answered by
客服, the reply goes to the customer's inbox."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.yuexing_base import phone as phone_tools
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

KINDS = [('suggestion', "Suggestion"), ('complaint', "Complaint"),
    ('praise', "Praise"), ('other', "Other")]
STATES = [('new', "New"), ('in_progress', "In Progress"),
    ('closed', "Closed")]


class Feedback(Workflow, ModelSQL, ModelView):
    "Customer Feedback"
    __name__ = 'yuexing.content.feedback'
    _rec_name = 'text'

    customer = fields.Many2One('party.party', "Customer", required=True,
        ondelete='CASCADE', states={'readonly': Eval('id', -1) >= 0})
    user = fields.Many2One('res.user', "Account", readonly=True)
    kind = fields.Selection(KINDS, "Kind", required=True,
        states={'readonly': Eval('state') != 'new'})
    text = fields.Text("Feedback", required=True,
        states={'readonly': Eval('state') != 'new'})
    contact_phone = fields.Char("Contact Phone",
        states={'readonly': Eval('state') != 'new'})
    work_order = fields.Many2One('yuexing.work_order', "Work Order",
        domain=[('customer', '=', Eval('customer', -1))],
        states={'readonly': Eval('state') != 'new'})
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    reply = fields.Text("Reply",
        states={'readonly': Eval('state') == 'closed'})
    replied_at = fields.DateTime("Replied at", readonly=True)
    replied_by = fields.Many2One('res.user', "Replied by", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('create_date', 'DESC'))
        cls._transitions |= {
            ('new', 'in_progress'),
            ('new', 'closed'),
            ('in_progress', 'closed'),
            }
        cls._buttons.update({
                'process': {
                    'invisible': Eval('state') != 'new',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') == 'closed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'new'

    @classmethod
    def default_kind(cls):
        return 'suggestion'

    def get_rec_name(self, name):
        text = (self.text or '').strip().splitlines()
        return (text[0][:30] if text else '') or str(self.id)

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        if field_names & {'contact_phone'}:
            for record in records:
                if (record.contact_phone
                        and not phone_tools.is_valid(record.contact_phone)):
                    raise ValidationError(gettext(
                                'yuexing_content.msg_feedback_phone',
                            phone=record.contact_phone))

    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def process(cls, records):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, records):
        for record in records:
            if not (record.reply or '').strip():
                raise ValidationError(gettext(
                        'yuexing_content.msg_feedback_reply_required',
                        feedback=record.rec_name))
        cls.write(records, {
                'replied_at': dt.datetime.now().replace(microsecond=0),
                'replied_by': Transaction().user,
                })
        Pool().get('yuexing.message').notify(
            'feedback_replied', records,
            parties=list({r.customer for r in records}))
