"""培训: training plans, sessions with attendees, exams with a pass mark and
the certificates issued to those who pass."""

from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import StaffError


class Plan(ModelSQL, ModelView):
    "Training Plan"
    __name__ = 'yuexing.training.plan'
    name = fields.Char("Name", required=True)
    company = fields.Many2One('company.company', "Company", required=True)
    year = fields.Integer("Year", required=True)
    skill = fields.Many2One('yuexing.skill', "Skill")
    certificate_type = fields.Many2One(
        'yuexing.certificate.type', "Certificate Issued",
        help="Given to the attendees who pass the exam.")
    target_headcount = fields.Integer(
        "Target Headcount",
        domain=['OR', ('target_headcount', '=', None),
            ('target_headcount', '>=', 0)])
    description = fields.Text("Description")
    sessions = fields.One2Many(
        'yuexing.training.session', 'plan', "Sessions")
    trained = fields.Function(
        fields.Integer("Trained"), 'get_trained')

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_year(cls):
        return Pool().get('ir.date').today().year

    def get_trained(self, name):
        return len({a.employee.id for s in self.sessions
                for a in s.attendees if a.passed})


class Session(Workflow, ModelSQL, ModelView):
    "Training Session"
    __name__ = 'yuexing.training.session'
    _ro = {'readonly': Eval('state') != 'draft'}
    plan = fields.Many2One(
        'yuexing.training.plan', "Plan", required=True, ondelete='CASCADE',
        states=_ro)
    name = fields.Char("Topic", required=True, states=_ro)
    date = fields.Date("Date", required=True, states=_ro)
    hours = fields.Numeric("Hours", digits=(4, 1), states=_ro,
        domain=['OR', ('hours', '=', None), ('hours', '>', 0)])
    trainer = fields.Char("Trainer", states=_ro)
    location = fields.Char("Location", states=_ro)
    pass_mark = fields.Numeric(
        "Pass Mark", digits=(5, 1), required=True,
        domain=[('pass_mark', '>=', 0), ('pass_mark', '<=', 100)],
        states=_ro)
    certificate_type = fields.Many2One(
        'yuexing.certificate.type', "Certificate Issued", states=_ro)
    attendees = fields.One2Many(
        'yuexing.training.attendee', 'session', "Attendees")
    state = fields.Selection([
            ('draft', "Planned"),
            ('done', "Held"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, sort=False)
    passed_count = fields.Function(
        fields.Integer("Passed"), 'get_passed_count')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'done'), ('draft', 'cancelled'), ('done', 'draft'),
            ('cancelled', 'draft')}
        cls._buttons.update({
                'done': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'cancel': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'draft': {'invisible': Eval('state') == 'draft',
                    'icon': 'tryton-back', 'depends': ['state']},
                'issue_certificates': {
                    'invisible': ((Eval('state') != 'done')
                        | ~Eval('certificate_type')),
                    'depends': ['state', 'certificate_type']},
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_pass_mark(cls):
        return Decimal(60)

    @fields.depends(
        'plan', '_parent_plan.certificate_type', 'certificate_type')
    def on_change_plan(self):
        if self.plan and not self.certificate_type:
            self.certificate_type = self.plan.certificate_type

    def get_passed_count(self, name):
        return sum(1 for a in self.attendees if a.passed)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, sessions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, sessions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def done(cls, sessions):
        pass

    @classmethod
    @ModelView.button
    def issue_certificates(cls, sessions):
        """Create a certificate for every attendee who passed and has none
        yet from this session."""
        pool = Pool()
        Certificate = pool.get('yuexing.employee.certificate')
        Attendee = pool.get('yuexing.training.attendee')
        to_create, attendees = [], []
        for session in sessions:
            if session.state != 'done' or not session.certificate_type:
                raise StaffError(gettext(
                        'yuexing_staff.msg_session_not_done',
                        session=session.rec_name))
            for attendee in session.attendees:
                if not attendee.passed or attendee.certificate:
                    continue
                certificate = Certificate(
                    employee=attendee.employee,
                    type=session.certificate_type,
                    number=f'PX{session.date:%Y%m%d}-{attendee.id:05d}',
                    issuer=session.plan.company.rec_name,
                    issue_date=session.date)
                certificate.on_change_issue_date()
                to_create.append(certificate)
                attendees.append(attendee)
        Certificate.save(to_create)
        for attendee, certificate in zip(attendees, to_create, strict=True):
            attendee.certificate = certificate
        Attendee.save(attendees)
        return to_create


class Attendee(ModelSQL, ModelView):
    "Training Attendee"
    __name__ = 'yuexing.training.attendee'
    session = fields.Many2One(
        'yuexing.training.session', "Session", required=True,
        ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    attended = fields.Boolean("Attended")
    score = fields.Numeric(
        "Exam Score", digits=(5, 1),
        domain=['OR', ('score', '=', None),
            [('score', '>=', 0), ('score', '<=', 100)]])
    passed = fields.Function(fields.Boolean("Passed"), 'get_passed')
    certificate = fields.Many2One(
        'yuexing.employee.certificate', "Certificate", readonly=True,
        ondelete='SET NULL')
    session_date = fields.Function(
        fields.Date("Date"), 'get_session_field')
    session_state = fields.Function(
        fields.Selection('get_session_states', "Session State"),
        'get_session_field')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('employee')
        t = cls.__table__()
        cls._sql_constraints += [
            ('session_employee_unique', Unique(t, t.session, t.employee),
                'yuexing_staff.msg_attendee_unique'),
            ]

    @classmethod
    def default_attended(cls):
        return True

    def get_passed(self, name):
        return bool(self.attended and self.score is not None
            and self.score >= self.session.pass_mark)

    def get_session_field(self, name):
        return getattr(self.session, name[len('session_'):])

    @classmethod
    def get_session_states(cls):
        Session = Pool().get('yuexing.training.session')
        return Session.fields_get(['state'])['state']['selection']


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'
    trainings = fields.One2Many(
        'yuexing.training.attendee', 'employee', "Trainings", readonly=True)



