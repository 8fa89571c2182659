"""company.employee for 月星防水: the personnel file (人员档案) with masked
private data, the technician side (skills, certificates, teams, service
regions, base location, rating — what dispatch ranks on) and leaving the
company (离职) with its hand-over check."""
import re
from collections import defaultdict

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.modules.yuexing_base import phone as phone_tools
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.modules.yuexing_base.encrypted import (
    BlindIndex,
    Encrypted,
    EncryptedMixin,
)
from trytond.modules.yuexing_base.masking import MaskedMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import StaffError
from .skill import LEVEL_RANK

GENDERS = [
    (None, ""),
    ('male', "Male"),
    ('female', "Female"),
    ]
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = '10X98765432'


def id_number_valid(value):
    "Checks an 18-digit resident identity card number (GB 11643)."
    if not re.fullmatch(r'\d{17}[\dX]', value or ''):
        return False
    total = sum(int(d) * w
        for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def mask_middle(value, head, tail):
    if not value:
        return value
    if len(value) <= head + tail:
        return '*' * len(value)
    return value[:head] + '*' * (len(value) - head - tail) + value[-tail:]


def can_see_private():
    """HR, administrators and the root user see ID and bank numbers."""
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    if not Transaction().user:
        return True
    groups = set(User.get_groups())
    allowed = {
        ModelData.get_id('yuexing_staff', 'group_hr'),
        ModelData.get_id('yuexing_base', 'group_system_admin'),
        ModelData.get_id('res', 'group_admin'),
        }
    return bool(groups & allowed)


def normalise_private(value):
    "ID and bank numbers are kept without spaces, in upper case."
    return (value or '').replace(' ', '').upper() or None


class Employee(AuditMixin, MaskedMixin, EncryptedMixin,
        metaclass=PoolMeta):
    __name__ = 'company.employee'
    # the audit log keeps that they changed, never the numbers
    _audit_secret_fields = {'id_card', 'bank_card'}
    _masked_fields = {
        'phone': ('phone', 'staff_phone'),
        'mobile': ('phone', 'staff_phone'),
        'emergency_phone': ('phone', 'staff_phone'),
        'id_number': ('id', 'staff_private'),
        'bank_account': ('account', 'staff_private'),
        }

    # ---- personnel file -----------------------------------------------------
    department = fields.Many2One(
        'yuexing.department', "Department", ondelete='RESTRICT')
    job_title = fields.Char("Job Title")
    gender = fields.Selection(GENDERS, "Gender")
    birth_date = fields.Date("Birth Date")
    age = fields.Function(fields.Integer("Age"), 'get_age')
    phone = fields.Char(
        "Phone", help="Mobile phone, stored in the international format.")
    # Encrypted at rest, never readable over RPC (yuexing_base/encrypted.py):
    # users see id_number / bank_account, masked except for HR; server code
    # gets the clear values with Employee.decrypted(records, 'id_card').
    id_card = Encrypted("ID Number (stored)", blind_index='id_card_hash',
        normalise=normalise_private)
    id_card_hash = BlindIndex("ID Number Hash")
    id_number = fields.Function(
        fields.Char("ID Number", help="Masked except for HR."),
        'get_private', setter='set_private', searcher='search_private')
    bank_name = fields.Char("Bank")
    bank_card = Encrypted("Bank Card (stored)")
    bank_account = fields.Function(
        fields.Char("Bank Card", help="Masked except for HR."),
        'get_private', setter='set_private')
    photo = fields.Binary("Photo", file_id='photo_id')
    photo_id = fields.Char("Photo ID", readonly=True)
    emergency_contact = fields.Char("Emergency Contact")
    emergency_relation = fields.Char("Relation")
    emergency_phone = fields.Char("Emergency Phone")
    leave_reason = fields.Char(
        "Leaving Reason", readonly=True,
        states={'invisible': ~Eval('end_date')})
    employment_state = fields.Function(fields.Selection([
                ('active', "Employed"),
                ('left', "Left"),
                ], "Employment", readonly=True), 'get_employment_state')
    work_history = fields.One2Many(
        'yuexing.employee.work_history', 'employee', "Work History")
    health_records = fields.One2Many(
        'yuexing.employee.health', 'employee', "Health Records")

    # ---- technician ---------------------------------------------------------
    is_technician = fields.Boolean(
        "Technician", help="Does field work and can be dispatched.")
    mobile = fields.Function(fields.Char("Mobile"), 'get_mobile')
    skills = fields.One2Many(
        'yuexing.employee.skill', 'employee', "Skills")
    certificates = fields.One2Many(
        'yuexing.employee.certificate', 'employee', "Certificates")
    teams = fields.Many2Many(
        'yuexing.team-company.employee', 'employee', 'team', "Teams")
    team_names = fields.Function(fields.Char("Teams"), 'get_team_names')
    service_regions = fields.Many2Many(
        'company.employee-country.subdivision', 'employee', 'region',
        "Service Regions",
        domain=[('region_level', 'in', ['city', 'district'])],
        states={'invisible': ~Eval('is_technician')},
        help="Cities or districts the technician accepts work in.")
    base_latitude = fields.Float(
        "Base Latitude", digits=(9, 6),
        states={'invisible': ~Eval('is_technician')})
    base_longitude = fields.Float(
        "Base Longitude", digits=(9, 6),
        states={'invisible': ~Eval('is_technician')})
    rating = fields.Numeric(
        "Rating", digits=(3, 2), readonly=True,
        help="Average customer rating (1–5) of the completed work.")
    rating_count = fields.Integer("Ratings", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'leave_company': {
                    'invisible': Eval('end_date', None) != None,  # noqa: E711
                    'depends': ['end_date'],
                    },
                })

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//page[@id="technician"]', 'states', {
                    'invisible': ~Eval('is_technician'),
                    }),
            ]

    # ---- getters ------------------------------------------------------------
    def get_age(self, name):
        if not self.birth_date:
            return None
        today = Pool().get('ir.date').today()
        return today.year - self.birth_date.year - (
            (today.month, today.day)
            < (self.birth_date.month, self.birth_date.day))

    @classmethod
    def full_values(cls, employees, name):
        "{id: clear value} of name, for 查看完整号码 (which logs it)."
        column = {'id_number': 'id_card', 'bank_account': 'bank_card'}.get(
            name)
        if column:
            return cls.decrypted(employees, column)
        return {e.id: getattr(e, name) for e in employees}

    @classmethod
    def get_private(cls, employees, names):
        visible = can_see_private()
        result = {}
        if 'id_number' in names:
            clear = cls.decrypted(employees, 'id_card')
            result['id_number'] = {i: v if visible else mask_middle(v, 4, 4)
                for i, v in clear.items()}
        if 'bank_account' in names:
            clear = cls.decrypted(employees, 'bank_card')
            result['bank_account'] = {
                i: v if visible else mask_middle(v, 0, 4)
                for i, v in clear.items()}
        return result

    @classmethod
    def search_private(cls, name, clause):
        """Exact search on the ID number, through its keyed hash (the
        column itself is encrypted); only HR may search by it."""
        _, operator, value = clause[:3]
        if not can_see_private():
            return [('id', '=', None)]
        if operator in {'=', 'ilike', 'like'}:
            value = (value or '').strip('%')
            return cls.encrypted_domain('id_card', normalise_private(value))
        # only exact matches can be found through a hash
        return [('id', '=', None)]

    @classmethod
    def set_private(cls, employees, name, value):
        if not can_see_private():
            raise AccessError(gettext('yuexing_staff.msg_private_hr_only'))
        column = {'id_number': 'id_card', 'bank_account': 'bank_card'}[name]
        value = normalise_private(value)
        if value and name == 'id_number' and not id_number_valid(value):
            raise StaffError(gettext(
                    'yuexing_staff.msg_id_number_invalid', number=value))
        if value and name == 'bank_account' and not re.fullmatch(
                r'\d{12,19}', value):
            raise StaffError(gettext(
                    'yuexing_staff.msg_bank_card_invalid'))
        with without_check_access():
            cls.write(list(employees), {column: value})

    def get_employment_state(self, name):
        today = Pool().get('ir.date').today()
        return 'left' if self.end_date and self.end_date <= today else 'active'

    @classmethod
    def get_mobile(cls, employees, name):
        """The employee's own phone, else the party's first mobile or phone
        (in the party's order); read in one query for all employees."""
        ContactMechanism = Pool().get('party.contact_mechanism')
        mobiles, parties = {}, defaultdict(list)
        for employee in employees:
            mobiles[employee.id] = employee.phone
            if not employee.phone:
                parties[employee.party.id].append(employee.id)
        first = {}
        for sub in grouped_slice(list(parties), backend.MAX_QUERY_PARAMS):
            for mechanism in ContactMechanism.search([
                        ('party', 'in', list(sub)),
                        ('type', 'in', ['mobile', 'phone']),
                        ], order=[('party', 'ASC'), ('sequence', 'ASC'),
                        ('id', 'ASC')]):
                first.setdefault(mechanism.party.id, mechanism.value)
        for party, ids in parties.items():
            for employee in ids:
                mobiles[employee] = first.get(party)
        return mobiles

    def get_team_names(self, name):
        return '、'.join(t.name for t in self.teams)

    # ---- validation ---------------------------------------------------------
    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        for name in ['phone', 'emergency_phone']:
            if values.get(name):
                try:
                    values[name] = phone_tools.parse(values[name])[1]
                except phone_tools.PhoneError as exception:
                    raise StaffError(gettext(
                            'yuexing_staff.msg_phone_invalid',
                            field=cls.__names__(name)['field'],
                            reason=str(exception))) from exception
        return values

    @classmethod
    def validate_fields(cls, employees, field_names):
        super().validate_fields(employees, field_names)
        if field_names and not ({'birth_date', 'start_date'} & field_names):
            return
        today = Pool().get('ir.date').today()
        for employee in employees:
            if employee.birth_date and employee.birth_date > today:
                raise StaffError(gettext(
                        'yuexing_staff.msg_birth_date_future',
                        employee=employee.rec_name))

    # ---- technician helpers -------------------------------------------------
    def skill_rank(self, skill):
        "0 when the employee lacks the skill, else its level rank (1–4)."
        for employee_skill in self.skills:
            if employee_skill.skill == skill:
                return employee_skill.rank
        return 0

    def valid_certificate_types(self, date):
        return {c.type for c in self.certificates if c.is_valid_on(date)}

    @classmethod
    def valid_certificate_type_ids(cls, employees, date):
        """{employee id: {certificate type id, ...}} of the certificates
        valid on date, in one query (dispatch excludes the others)."""
        Certificate = Pool().get('yuexing.employee.certificate')
        result = {e.id: set() for e in employees}
        for certificate in Certificate.search([
                    ('employee', 'in', list(result)),
                    ('issue_date', '<=', date),
                    ['OR',
                        ('expiry_date', '=', None),
                        ('expiry_date', '>=', date)],
                    ]):
            result[certificate.employee.id].add(certificate.type.id)
        return result

    @classmethod
    def qualified(cls, employees, skills, date, min_level=None):
        """Filter employees holding every skill (at min_level or above)
        and a valid certificate for each skill that requires one.

        Returns {employee: [reason, ...]} for those excluded, so that the
        dispatcher sees why; reads everything in a few queries.
        """
        pool = Pool()
        EmployeeSkill = pool.get('yuexing.employee.skill')
        ids = [e.id for e in employees]
        skills = list(skills)
        held = defaultdict(dict)
        for record in EmployeeSkill.search([
                    ('employee', 'in', ids),
                    ('skill', 'in', [s.id for s in skills]),
                    ]):
            held[record.employee.id][record.skill.id] = record.rank
        required_types = {s.required_certificate.id
            for s in skills if s.required_certificate}
        valid = defaultdict(set)
        if required_types:
            valid.update(cls.valid_certificate_type_ids(employees, date))
        minimum = LEVEL_RANK.get(min_level, 1)
        excluded = {}
        for employee in employees:
            reasons = []
            for skill in skills:
                rank = held[employee.id].get(skill.id, 0)
                if rank < minimum:
                    reasons.append(('skill', skill))
                certificate_type = skill.required_certificate
                if (certificate_type
                        and certificate_type.id not in valid[employee.id]):
                    reasons.append(('certificate', certificate_type))
            if reasons:
                excluded[employee] = reasons
        return excluded

    @classmethod
    def users_of(cls, employees):
        "{employee id: [res.user, ...]} — the accounts bound to employees."
        User = Pool().get('res.user')
        result = {e.id: [] for e in employees}
        with without_check_access():
            for user in User.search([
                        ('employees', 'in', list(result)),
                        ]):
                for employee in user.employees:
                    if employee.id in result:
                        result[employee.id].append(user)
        return result

    @classmethod
    def hr_users(cls):
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        with without_check_access():
            return User.search([('groups', '=',
                        ModelData.get_id('yuexing_staff', 'group_hr'))])

    # ---- leaving the company (离职) ----
    @classmethod
    def handover_blockers(cls, employees):
        """Messages (Chinese) saying what the employees must hand over
        before leaving; empty when nothing blocks. Modules owning work
        assigned to employees extend it."""
        return []

    @classmethod
    @ModelView.button_action('yuexing_staff.wizard_leave')
    def leave_company(cls, employees):
        pass

    @classmethod
    def leave(cls, employees, date, reason):
        "Record that the employees leave on date, after the hand-over."
        pool = Pool()
        TeamMember = pool.get('yuexing.team-company.employee')
        Team = pool.get('yuexing.team')
        blockers = cls.handover_blockers(employees)
        if blockers:
            raise StaffError(gettext(
                    'yuexing_staff.msg_handover_required',
                    blockers='\n'.join(blockers)))
        for employee in employees:
            if employee.start_date and date < employee.start_date:
                raise StaffError(gettext(
                        'yuexing_staff.msg_leave_before_hire',
                        employee=employee.rec_name))
        cls.write(list(employees), {'end_date': date, 'leave_reason': reason})
        ids = [e.id for e in employees]
        TeamMember.delete(TeamMember.search([('employee', 'in', ids)]))
        led = Team.search([('leader', 'in', ids)])
        if led:
            Team.write(led, {'leader': None})


class EmployeeServiceRegion(ModelSQL):
    "Employee Service Region"
    __name__ = 'company.employee-country.subdivision'
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    region = fields.Many2One(
        'country.subdivision', "Region", required=True, ondelete='CASCADE')


class Department(ModelSQL, ModelView):
    "Department"
    __name__ = 'yuexing.department'
    name = fields.Char("Name", required=True)
    code = fields.Char("Code", strip=True)
    cost_kind = fields.Selection([
            ('field', "Field Service (direct labour)"),
            ('office', "Office (overheads)"),
            ('sales', "Sales"),
            ], "Cost Kind", required=True,
        help="How the finance connector books the wages of the department.")

    @classmethod
    def default_cost_kind(cls):
        return 'office'


class WorkHistory(ModelSQL, ModelView):
    "Work History"
    __name__ = 'yuexing.employee.work_history'
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    start_date = fields.Date("From", required=True)
    end_date = fields.Date(
        "To", domain=['OR', ('end_date', '=', None),
            ('end_date', '>=', Eval('start_date', None))])
    employer = fields.Char("Employer", required=True)
    position = fields.Char("Position")
    description = fields.Char("Description")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]


class HealthRecord(ModelSQL, ModelView):
    "Health Record"
    __name__ = 'yuexing.employee.health'
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    kind = fields.Selection([
            ('checkup', "Medical Check-up"),
            ('occupational', "Occupational Health Exam"),
            ('injury', "Work Injury"),
            ('other', "Other"),
            ], "Kind", required=True)
    result = fields.Selection([
            ('fit', "Fit for Work"),
            ('restricted', "Restricted (no work at height)"),
            ('unfit', "Unfit"),
            ], "Result", required=True)
    next_date = fields.Date("Next Check-up")
    comment = fields.Char("Comment")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_kind(cls):
        return 'checkup'

    @classmethod
    def default_result(cls):
        return 'fit'


class LeaveStart(ModelView):
    "Leave the Company"
    __name__ = 'yuexing.employee.leave.start'
    date = fields.Date("Leaving Date", required=True)
    reason = fields.Char("Reason", required=True)
    blockers = fields.Text("Hand-over Needed", readonly=True)

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()


class Leave(Wizard):
    "Leave the Company"
    __name__ = 'yuexing.employee.leave'
    start = StateView('yuexing.employee.leave.start',
        'yuexing_staff.employee_leave_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Leave", 'leave', 'tryton-ok', default=True),
            ])
    leave = StateTransition()

    def default_start(self, fields):
        Employee = Pool().get('company.employee')
        blockers = Employee.handover_blockers(list(self.records))
        return {'blockers': '\n'.join(blockers) or None}

    def transition_leave(self):
        Employee = Pool().get('company.employee')
        Employee.leave(list(self.records), self.start.date,
            self.start.reason)
        return 'end'

