"""客户关怀: reminders (birthday, cooperation anniversary, revisit due) that a
daily cron turns into activities for the account manager."""
import datetime as dt
import json

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

KINDS = [
    ('birthday', "Birthday"),
    ('anniversary', "Cooperation Anniversary"),
    ('revisit', "Revisit Due"),
    ('other', "Other"),
    ]
STATES = [
    ('todo', "To Do"),
    ('done', "Done"),
    ('cancelled', "Cancelled"),
    ]


def _anniversary(start, today, horizon):
    "Next anniversary of start within [today, today + horizon] or None."
    for year in (today.year, today.year + 1):
        try:
            day = start.replace(year=year)
        except ValueError:  # 29 February
            day = dt.date(year, 2, 28)
        if day > start and today <= day <= today + dt.timedelta(days=horizon):
            return day
    return None


class Care(Workflow, ModelSQL, ModelView):
    "Customer Care Activity"
    __name__ = 'yuexing.customer.care'
    _states = {'readonly': Eval('state') != 'todo'}

    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE',
        states=_states)
    kind = fields.Selection(KINDS, "Kind", required=True, states=_states)
    kind_string = kind.translated('kind')
    due_date = fields.Date("Due Date", required=True, states=_states)
    user = fields.Many2One('res.user', "Assigned To", states=_states)
    subject = fields.Char("Subject", required=True, states=_states)
    result = fields.Text(
        "Result", states={'readonly': Eval('state') == 'cancelled'})
    done_date = fields.Date("Done On", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('party_kind_due_unique', Unique(t, t.party, t.kind, t.due_date),
                'yuexing_base.msg_care_unique'),
            ]
        cls._sql_indexes.add(Index(
                t, (t.state, Index.Equality()), (t.due_date, Index.Range())))
        cls._order = [('due_date', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('todo', 'done'),
            ('todo', 'cancelled'),
            ('cancelled', 'todo'),
            }
        cls._buttons.update({
                'do': {'invisible': Eval('state') != 'todo',
                    'depends': ['state']},
                'cancel': {'invisible': Eval('state') != 'todo',
                    'depends': ['state']},
                'reopen': {'invisible': Eval('state') != 'cancelled',
                    'depends': ['state']},
                })

    @staticmethod
    def default_state():
        return 'todo'

    @staticmethod
    def default_kind():
        return 'other'

    @classmethod
    def default_due_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_user(cls):
        return Transaction().user or None

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, cares):
        pool = Pool()
        Date = pool.get('ir.date')
        Party = pool.get('party.party')
        today = Date.today()
        cls.write(cares, {'done_date': today})
        # A done revisit is a visit: the next one is computed from today.
        revisited = [c.party for c in cares if c.kind == 'revisit']
        if revisited:
            Party.write(revisited, {'last_visit_date': today})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, cares):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('todo')
    def reopen(cls, cares):
        cls.write(cares, {'done_date': None})

    @classmethod
    def generate_reminders(cls, today=None):
        """Cron: create the care activities falling due soon.

        Safe to run several times a day: an activity is unique per customer,
        kind and due date.
        """
        pool = Pool()
        Date = pool.get('ir.date')
        Party = pool.get('party.party')
        Configuration = pool.get('yuexing.configuration')
        Notification = pool.get('res.notification')
        config = Configuration(1)
        today = today or Date.today()
        horizon = max(config.care_birthday_days,
            config.care_anniversary_days, config.care_revisit_days)

        parties = Party.search([
                ('customer_type', '!=', None),
                ['OR',
                    ('birthday', '!=', None),
                    ('cooperation_date', '!=', None),
                    ('revisit_interval', '!=', None),
                    ],
                ])
        wanted = []
        for party in parties:
            if party.birthday:
                day = _anniversary(
                    party.birthday, today, config.care_birthday_days)
                if day:
                    wanted.append((party, 'birthday', day))
            if party.cooperation_date:
                day = _anniversary(
                    party.cooperation_date, today,
                    config.care_anniversary_days)
                if day:
                    wanted.append((party, 'anniversary', day))
            due = party.next_revisit_date
            if due and due <= today + dt.timedelta(
                    days=config.care_revisit_days):
                wanted.append((party, 'revisit', max(due, today)))
        if not wanted:
            return []
        existing = {(c.party.id, c.kind, c.due_date) for c in cls.search([
                    ('party', 'in', list({p.id for p, _, _ in wanted})),
                    ('due_date', '>=', today),
                    ('due_date', '<=', today + dt.timedelta(days=horizon)),
                    ])}
        # A revisit still open (not done) is not created again later.
        open_revisits = {c.party.id for c in cls.search([
                    ('kind', '=', 'revisit'), ('state', '=', 'todo')])}
        to_create = []
        for party, kind, day in wanted:
            if (party.id, kind, day) in existing:
                continue
            if kind == 'revisit' and party.id in open_revisits:
                continue
            to_create.append({
                    'party': party.id,
                    'kind': kind,
                    'due_date': day,
                    'user': (
                        party.account_manager.id
                        if party.account_manager else None),
                    'subject': gettext(
                        'yuexing_base.msg_care_subject_%s' % kind,
                        party=party.rec_name, date=day.isoformat()),
                    })
        cares = cls.create(to_create)
        Notification.create([{
                    'user': c.user.id,
                    'label': c.subject,
                    'description': c.kind_string,
                    'model': cls.__name__,
                    'records': json.dumps([c.id]),
                    } for c in cares if c.user])
        return cares
