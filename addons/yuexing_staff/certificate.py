"""Certificates (证书) that employees hold, with their validity; dispatch
excludes technicians without a valid required certificate."""
import datetime as dt

from trytond.model import (
    DeactivableMixin,
    Index,
    ModelSQL,
    ModelView,
    Unique,
    fields,
)
from trytond.pool import Pool
from trytond.pyson import Eval, If

CERTIFICATE_STATES = [
    ('valid', "Valid"),
    ('expiring', "Expiring"),
    ('expired', "Expired"),
    ]
# A certificate is "expiring" this many days before its expiry date.
EXPIRING_DAYS = 30


class CertificateType(DeactivableMixin, ModelSQL, ModelView):
    "Certificate Type"
    __name__ = 'yuexing.certificate.type'
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True, strip=True)
    issuer = fields.Char("Usual Issuer")
    validity_months = fields.Integer(
        "Validity (months)",
        domain=['OR',
            ('validity_months', '=', None),
            ('validity_months', '>', 0)],
        help="Used to propose the expiry date; empty means no expiry.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'yuexing_staff.msg_certificate_type_code_unique'),
            ]


class EmployeeCertificate(ModelSQL, ModelView):
    "Employee Certificate"
    __name__ = 'yuexing.employee.certificate'
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    type = fields.Many2One(
        'yuexing.certificate.type', "Type", required=True,
        ondelete='RESTRICT')
    number = fields.Char("Number", required=True, strip=True)
    issuer = fields.Char("Issuer")
    issue_date = fields.Date("Issue Date", required=True)
    expiry_date = fields.Date(
        "Expiry Date",
        domain=[If(Eval('expiry_date') & Eval('issue_date'),
                ('expiry_date', '>=', Eval('issue_date')),
                ())])
    state = fields.Function(
        fields.Selection(CERTIFICATE_STATES, "State"),
        'get_state', searcher='search_state')
    expired = fields.Function(
        fields.Boolean("Expired"), 'get_expired', searcher='search_expired')
    reminded_on = fields.Date(
        "Reminded On", readonly=True,
        help="When the holder and HR were told of the coming expiry.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('employee')
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.employee, Index.Equality()),
                (t.expiry_date, Index.Range())))
        cls._order = [('expiry_date', 'DESC NULLS FIRST'), ('id', 'DESC')]

    @fields.depends('type', 'issue_date', 'expiry_date', 'issuer')
    def on_change_type(self):
        if self.type:
            self.issuer = self.issuer or self.type.issuer
            self.on_change_issue_date()

    @fields.depends('type', 'issue_date', 'expiry_date')
    def on_change_issue_date(self):
        if (self.type and self.type.validity_months and self.issue_date
                and not self.expiry_date):
            months = self.issue_date.month - 1 + self.type.validity_months
            year = self.issue_date.year + months // 12
            month = months % 12 + 1
            day = min(self.issue_date.day, 28)
            self.expiry_date = dt.date(year, month, day)

    @classmethod
    def state_on(cls, expiry_date, date):
        if expiry_date and expiry_date < date:
            return 'expired'
        if expiry_date and expiry_date <= date + dt.timedelta(
                days=EXPIRING_DAYS):
            return 'expiring'
        return 'valid'

    def get_state(self, name):
        Date = Pool().get('ir.date')
        return self.state_on(self.expiry_date, Date.today())

    @classmethod
    def search_state(cls, name, clause):
        Date = Pool().get('ir.date')
        today = Date.today()
        soon = today + dt.timedelta(days=EXPIRING_DAYS)
        _, operator, value = clause[:3]
        states = set(value if isinstance(value, (list, tuple)) else [value])
        if operator in {'!=', 'not in'}:
            states = {s for s, _ in CERTIFICATE_STATES} - states
        domain = ['OR']
        if 'expired' in states:
            domain.append(('expiry_date', '<', today))
        if 'expiring' in states:
            domain.append([
                    ('expiry_date', '>=', today),
                    ('expiry_date', '<=', soon)])
        if 'valid' in states:
            domain.append(['OR',
                    ('expiry_date', '=', None),
                    ('expiry_date', '>', soon)])
        return domain if len(domain) > 1 else [('id', '=', -1)]

    def get_expired(self, name):
        return self.state == 'expired'

    @classmethod
    def search_expired(cls, name, clause):
        _, operator, value = clause[:3]
        expired = bool(value) if operator == '=' else not bool(value)
        return [('state', '=' if expired else '!=', 'expired')]

    @classmethod
    def remind_expiring(cls, date=None):
        """Cron: tell the holder and HR, once, about certificates expiring
        within 30 days. Returns the certificates reminded."""
        pool = Pool()
        Employee = pool.get('company.employee')
        Message = pool.get('yuexing.message')
        if date is None:
            date = pool.get('ir.date').today()
        soon = date + dt.timedelta(days=EXPIRING_DAYS)
        certificates = [c for c in cls.search([
                    ('expiry_date', '>=', date),
                    ('expiry_date', '<=', soon),
                    ('employee.end_date', '=', None),
                    ])
            if not c.reminded_on or c.reminded_on < (
                c.expiry_date - dt.timedelta(days=EXPIRING_DAYS))]
        if not certificates:
            return []
        users = Employee.users_of({c.employee for c in certificates})
        hr = Employee.hr_users()
        for certificate in certificates:
            Message.notify('certificate_expiring', [certificate],
                users=list({*users[certificate.employee.id], *hr}))
        cls.write(certificates, {'reminded_on': date})
        return certificates

    def is_valid_on(self, date):
        return (self.issue_date <= date
            and (not self.expiry_date or self.expiry_date >= date))

    def get_rec_name(self, name):
        return f'{self.type.rec_name} {self.number}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('number',) + tuple(clause[1:]),
            ('type.name',) + tuple(clause[1:]),
            ]
