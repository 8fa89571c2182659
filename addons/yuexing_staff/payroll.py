"""薪酬: monthly payslips — base salary + piece-rate pay (pluggable source) +
allowances + overtime + rewards − social insurance and housing fund
(employee shares, local bases and rates per city) − individual income tax
by the cumulative withholding method (累计预扣法) with the 7-bracket table,
the 5,000 RMB monthly basic deduction and the employee's special additional
deductions (专项附加扣除). Confirmed by HR, exported as 工资条, totals for
the finance connector."""
import datetime as dt
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.report import Report
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .attendance import OVERTIME_FACTORS, month_bounds
from .exceptions import StaffError

CENT = Decimal('0.01')
ZERO = Decimal(0)
BASIC_DEDUCTION = Decimal(5000)
# 综合所得 cumulative withholding table: (upper bound of the cumulative
# taxable income, rate, quick deduction).
IIT_BRACKETS = [
    (Decimal(36000), Decimal('0.03'), Decimal(0)),
    (Decimal(144000), Decimal('0.10'), Decimal(2520)),
    (Decimal(300000), Decimal('0.20'), Decimal(16920)),
    (Decimal(420000), Decimal('0.25'), Decimal(31920)),
    (Decimal(660000), Decimal('0.30'), Decimal(52920)),
    (Decimal(960000), Decimal('0.35'), Decimal(85920)),
    (None, Decimal('0.45'), Decimal(181920)),
    ]
# Statutory average working days per month for hourly pay.
MONTH_WORK_DAYS = Decimal('21.75')
DEDUCTION_CATEGORIES = [
    ('children_education', "Children's Education"),
    ('continuing_education', "Continuing Education"),
    ('serious_illness', "Serious Illness Medical Expenses"),
    ('housing_loan', "Housing Loan Interest"),
    ('housing_rent', "Housing Rent"),
    ('elderly_support', "Elderly Support"),
    ('infant_care', "Infant Care (under 3)"),
    ]
LINE_KINDS = [
    ('piece_rate', "Piece Rate"),
    ('allowance', "Allowance"),
    ('deduction', "Deduction"),
    ]


def cents(value):
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def cumulative_tax(taxable):
    "Tax on a cumulative taxable income by the withholding table."
    if taxable <= 0:
        return ZERO
    for bound, rate, quick in IIT_BRACKETS:
        if bound is None or taxable <= bound:
            return cents(taxable * rate - quick)


class City(ModelSQL, ModelView):
    "Social Insurance City"
    __name__ = 'yuexing.payroll.city'
    name = fields.Char("City", required=True)
    region = fields.Many2One(
        'country.subdivision', "Region",
        domain=[('region_level', '=', 'city')])
    valid_from = fields.Date("Valid From", required=True)
    si_base_min = fields.Numeric(
        "Social Insurance Base Min", digits=(16, 2), required=True)
    si_base_max = fields.Numeric(
        "Social Insurance Base Max", digits=(16, 2), required=True)
    hf_base_min = fields.Numeric(
        "Housing Fund Base Min", digits=(16, 2), required=True)
    hf_base_max = fields.Numeric(
        "Housing Fund Base Max", digits=(16, 2), required=True)
    pension_rate = fields.Numeric(
        "Pension (employee)", digits=(6, 4), required=True)
    medical_rate = fields.Numeric(
        "Medical (employee)", digits=(6, 4), required=True)
    unemployment_rate = fields.Numeric(
        "Unemployment (employee)", digits=(6, 4), required=True)
    housing_fund_rate = fields.Numeric(
        "Housing Fund (employee)", digits=(6, 4), required=True)
    employer_si_rate = fields.Numeric(
        "Social Insurance (employer, total)", digits=(6, 4), required=True)
    employer_hf_rate = fields.Numeric(
        "Housing Fund (employer)", digits=(6, 4), required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('name', 'ASC'), ('valid_from', 'DESC'), ('id', 'DESC')]

    @classmethod
    def validate_fields(cls, cities, field_names):
        super().validate_fields(cities, field_names)
        for city in cities:
            for low, high in [('si_base_min', 'si_base_max'),
                    ('hf_base_min', 'hf_base_max')]:
                if (getattr(city, low) < 0
                        or getattr(city, high) < getattr(city, low)):
                    raise StaffError(gettext(
                            'yuexing_staff.msg_city_base_range',
                            city=city.rec_name,
                            field=cls.__names__(high)['field']))
            for name in ['pension_rate', 'medical_rate', 'unemployment_rate',
                    'housing_fund_rate', 'employer_si_rate',
                    'employer_hf_rate']:
                if not 0 <= getattr(city, name) < 1:
                    raise StaffError(gettext(
                            'yuexing_staff.msg_city_rate',
                            city=city.rec_name,
                            field=cls.__names__(name)['field']))

    def get_rec_name(self, name):
        return f'{self.name} ({self.valid_from:%Y-%m})'

    def clamp(self, base, kind):
        low = getattr(self, f'{kind}_base_min')
        high = getattr(self, f'{kind}_base_max')
        return min(max(base, low), high)


class SpecialDeduction(ModelSQL, ModelView):
    "Special Additional Deduction"
    __name__ = 'yuexing.payroll.special_deduction'
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    category = fields.Selection(
        DEDUCTION_CATEGORIES, "Category", required=True)
    monthly_amount = fields.Numeric(
        "Monthly Amount", digits=(16, 2), required=True)
    start_date = fields.Date("From", required=True)
    end_date = fields.Date("To")
    comment = fields.Char("Comment")

    @classmethod
    def __setup__(cls):
        super().__setup__()

    @classmethod
    def validate_fields(cls, deductions, field_names):
        super().validate_fields(deductions, field_names)
        for deduction in deductions:
            if deduction.monthly_amount <= 0:
                raise StaffError(gettext(
                        'yuexing_staff.msg_amount_negative',
                        field=cls.__names__('monthly_amount')['field'],
                        record=deduction.employee.rec_name))
            if (deduction.end_date
                    and deduction.end_date < deduction.start_date):
                raise StaffError(gettext(
                        'yuexing_staff.msg_end_before_start',
                        record=deduction.employee.rec_name))

    @classmethod
    def monthly(cls, employees, start, end):
        "{employee id: monthly amount} of the deductions active in the month."
        result = defaultdict(Decimal)
        for deduction in cls.search([
                    ('employee', 'in', [e.id for e in employees]),
                    ('start_date', '<=', end),
                    ['OR', ('end_date', '=', None),
                        ('end_date', '>=', start)],
                    ]):
            result[deduction.employee.id] += deduction.monthly_amount
        return result


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'
    base_salary = fields.Numeric("Base Salary", digits=(16, 2))
    fixed_allowance = fields.Numeric(
        "Monthly Allowance", digits=(16, 2),
        help="Meal, transport and phone allowance paid every month.")
    si_city = fields.Many2One('yuexing.payroll.city', "Insurance City")
    si_base = fields.Numeric(
        "Insurance Base", digits=(16, 2),
        help="Empty: the base salary, within the city's limits.")
    special_deductions = fields.One2Many(
        'yuexing.payroll.special_deduction', 'employee',
        "Special Additional Deductions")
    payslips = fields.One2Many(
        'yuexing.payslip', 'employee', "Payslips", readonly=True)

    @classmethod
    def validate_fields(cls, employees, field_names):
        super().validate_fields(employees, field_names)
        for employee in employees:
            for name in ['base_salary', 'fixed_allowance', 'si_base']:
                value = getattr(employee, name, None)
                if value is not None and value < 0:
                    raise StaffError(gettext(
                            'yuexing_staff.msg_amount_negative',
                            field=cls.__names__(name)['field'],
                            record=employee.rec_name))


_DRAFT = {'readonly': Eval('state') != 'draft'}


class Payslip(AuditMixin, ServerStates, Workflow, ModelSQL, ModelView):
    "Payslip"
    __name__ = 'yuexing.payslip'
    company = fields.Many2One('company.company', "Company", required=True,
        states=_DRAFT)
    employee = fields.Many2One('company.employee', "Employee", required=True,
        states=_DRAFT, domain=[('company', '=', Eval('company', -1))])
    year = fields.Integer("Year", required=True, states=_DRAFT)
    month = fields.Integer("Month", required=True, states=_DRAFT,
        domain=[('month', '>=', 1), ('month', '<=', 12)])
    department = fields.Many2One('yuexing.department', "Department",
        readonly=True)
    base_salary = fields.Numeric("Base Salary", digits=(16, 2),
        required=True, states=_DRAFT)
    fixed_allowance = fields.Numeric("Monthly Allowance", digits=(16, 2),
        readonly=True)
    lines = fields.One2Many('yuexing.payslip.line', 'payslip', "Lines",
        states=_DRAFT)
    piece_rate = fields.Numeric("Piece-rate Pay", digits=(16, 2),
        readonly=True)
    allowances = fields.Numeric("Allowances", digits=(16, 2), readonly=True)
    overtime_hours = fields.Numeric("Overtime Hours", digits=(6, 1),
        readonly=True)
    overtime_pay = fields.Numeric("Overtime Pay", digits=(16, 2),
        readonly=True)
    reward = fields.Numeric("Performance Reward", digits=(16, 2),
        readonly=True)
    gross = fields.Numeric("Gross Pay", digits=(16, 2), readonly=True)
    si_base = fields.Numeric("Insurance Base", digits=(16, 2), readonly=True)
    hf_base = fields.Numeric("Housing Fund Base", digits=(16, 2),
        readonly=True)
    pension = fields.Numeric("Pension", digits=(16, 2), readonly=True)
    medical = fields.Numeric("Medical Insurance", digits=(16, 2),
        readonly=True)
    unemployment = fields.Numeric("Unemployment Insurance", digits=(16, 2),
        readonly=True)
    housing_fund = fields.Numeric("Housing Fund", digits=(16, 2),
        readonly=True)
    employer_cost = fields.Numeric("Employer Contributions", digits=(16, 2),
        readonly=True)
    special_deduction = fields.Numeric("Special Additional Deductions",
        digits=(16, 2), readonly=True)
    cumulative_income = fields.Numeric("Cumulative Income", digits=(16, 2),
        readonly=True)
    cumulative_deductions = fields.Numeric(
        "Cumulative Deductions", digits=(16, 2), readonly=True,
        help="5,000 a month + insurance and housing fund + special "
        "additional deductions, since January.")
    cumulative_taxable = fields.Numeric("Cumulative Taxable Income",
        digits=(16, 2), readonly=True)
    cumulative_tax = fields.Numeric("Cumulative Tax", digits=(16, 2),
        readonly=True)
    income_tax = fields.Numeric("Individual Income Tax", digits=(16, 2),
        readonly=True)
    other_deductions = fields.Numeric("Other Deductions", digits=(16, 2),
        readonly=True)
    net_pay = fields.Numeric("Net Pay", digits=(16, 2), readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('confirmed', "Confirmed"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, sort=False)
    confirmed_by = fields.Many2One('res.user', "Confirmed By", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.employee, Index.Equality()), (t.year, Index.Equality()),
                (t.month, Index.Range())))
        cls._order = [('year', 'DESC'), ('month', 'DESC'),
            ('employee', 'ASC'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'confirmed'), ('draft', 'cancelled'),
            ('cancelled', 'draft')}
        cls._buttons.update({
                'compute': {'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-refresh', 'depends': ['state']},
                'confirm': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'cancel': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'draft': {'invisible': Eval('state') != 'cancelled',
                    'icon': 'tryton-back', 'depends': ['state']},
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_year(cls):
        return Pool().get('ir.date').today().year

    @classmethod
    def default_month(cls):
        return Pool().get('ir.date').today().month

    @classmethod
    def default_base_salary(cls):
        return ZERO

    @fields.depends('employee', 'base_salary')
    def on_change_employee(self):
        if self.employee and self.employee.base_salary is not None:
            self.base_salary = self.employee.base_salary

    def get_rec_name(self, name):
        return f'{self.employee.rec_name} {self.year}-{self.month:02d}'

    @property
    def start_date(self):
        return dt.date(self.year, self.month, 1)

    @property
    def end_date(self):
        return month_bounds(self.start_date)[1]

    @classmethod
    def validate_fields(cls, payslips, field_names):
        super().validate_fields(payslips, field_names)
        for payslip in payslips:
            if payslip.base_salary is not None and payslip.base_salary < 0:
                raise StaffError(gettext(
                        'yuexing_staff.msg_amount_negative',
                        field=cls.__names__('base_salary')['field'],
                        record=payslip.rec_name))

    @classmethod
    def check_modification(cls, mode, payslips, values=None, external=False):
        super().check_modification(
            mode, payslips, values=values, external=external)
        if mode == 'delete':
            for payslip in payslips:
                if payslip.state == 'confirmed':
                    raise StaffError(gettext(
                            'yuexing_staff.msg_payslip_delete_confirmed',
                            payslip=payslip.rec_name))

    # ---- sources ------------------------------------------------------------
    @classmethod
    def piece_rate_lines(cls, employees, start, end):
        """{employee id: [(description, amount), ...]} of the piece-rate pay
        earned between the dates; the work-order module feeds it."""
        return {}

    # ---- computation --------------------------------------------------------
    @classmethod
    def generate(cls, company, year, month, employees=None):
        """Draft payslips of the month for the employees with a base salary
        who have none yet (cancelled ones aside), computed."""
        pool = Pool()
        Employee = pool.get('company.employee')
        start, end = month_bounds(dt.date(year, month, 1))
        if employees is None:
            employees = Employee.search([
                    ('company', '=', company.id),
                    ('base_salary', '!=', None),
                    ['OR', ('start_date', '=', None),
                        ('start_date', '<=', end)],
                    ['OR', ('end_date', '=', None),
                        ('end_date', '>=', start)],
                    ])
        else:
            employees = Employee.browse([e.id for e in employees])
        existing = set()
        for sub in grouped_slice(
                [e.id for e in employees], backend.MAX_QUERY_PARAMS):
            existing.update(p.employee.id for p in cls.search([
                        ('employee', 'in', list(sub)),
                        ('year', '=', year), ('month', '=', month),
                        ('state', '!=', 'cancelled'),
                        ]))
        payslips = cls.create([{
                    'company': company.id,
                    'employee': e.id,
                    'year': year,
                    'month': month,
                    'base_salary': e.base_salary or ZERO,
                    } for e in employees if e.id not in existing])
        cls.compute(payslips)
        return payslips

    @classmethod
    @ModelView.button
    def compute(cls, payslips):
        """Fill the amounts of draft payslips. Payslips of the same employee
        are computed month by month so that the tax is cumulative."""
        payslips = sorted((p for p in payslips if p.state == 'draft'),
            key=lambda p: (p.year, p.month, p.id))
        by_month = defaultdict(list)
        for payslip in payslips:
            by_month[payslip.year, payslip.month].append(payslip)
        for (year, month), group in sorted(by_month.items()):
            for sub in grouped_slice(group, backend.MAX_QUERY_PARAMS):
                cls._compute_month(list(sub), year, month)

    @classmethod
    def _compute_month(cls, payslips, year, month):
        pool = Pool()
        Line = pool.get('yuexing.payslip.line')
        Overtime = pool.get('yuexing.overtime')
        Deduction = pool.get('yuexing.payroll.special_deduction')
        Evaluation = pool.get('yuexing.performance.evaluation')
        Configuration = pool.get('yuexing.configuration')
        start, end = month_bounds(dt.date(year, month, 1))
        employees = [p.employee for p in payslips]
        ids = [e.id for e in employees]
        pieces = cls.piece_rate_lines(employees, start, end)
        overtime = Overtime.hours_in(employees, start, end)
        special = Deduction.monthly(employees, start, end)
        rewards = defaultdict(lambda: [ZERO, ZERO, []])
        for evaluation in Evaluation.search([
                    ('employee', 'in', ids),
                    ('state', '=', 'confirmed'),
                    ('period.start_date', '=', start),
                    ]):
            entry = rewards[evaluation.employee.id]
            entry[0] += evaluation.reward or ZERO
            entry[1] += evaluation.penalty or ZERO
        prior = defaultdict(lambda: defaultdict(Decimal))
        for previous in cls.search([
                    ('employee', 'in', ids),
                    ('year', '=', year),
                    ('month', '<', month),
                    ('state', '=', 'confirmed'),
                    ]):
            totals = prior[previous.employee.id]
            totals['months'] += 1
            totals['income'] += previous.gross
            totals['deductions'] += (BASIC_DEDUCTION + previous.pension
                + previous.medical + previous.unemployment
                + previous.housing_fund + previous.special_deduction)
            totals['tax'] += previous.income_tax
        default_city = Configuration(1).default_si_city
        Line.delete([line for p in payslips for line in p.lines
                if line.automatic])
        new_lines = []
        for payslip in payslips:
            for description, amount in pieces.get(payslip.employee.id, []):
                new_lines.append({
                        'payslip': payslip.id, 'kind': 'piece_rate',
                        'description': description, 'amount': cents(amount),
                        'automatic': True})
            penalty = rewards[payslip.employee.id][1] if (
                payslip.employee.id in rewards) else ZERO
            if penalty:
                new_lines.append({
                        'payslip': payslip.id, 'kind': 'deduction',
                        'description': gettext(
                            'yuexing_staff.msg_penalty_line'),
                        'amount': penalty, 'automatic': True})
        Line.create(new_lines)
        to_write = []
        for payslip in cls.browse(payslips):
            employee = payslip.employee
            lines = payslip.lines
            piece = sum((line.amount for line in lines
                    if line.kind == 'piece_rate'), ZERO)
            allowances = sum((line.amount for line in lines
                    if line.kind == 'allowance'), ZERO)
            deductions = sum((line.amount for line in lines
                    if line.kind == 'deduction'), ZERO)
            fixed = employee.fixed_allowance or ZERO
            hourly = payslip.base_salary / MONTH_WORK_DAYS / 8
            hours = overtime.get(employee.id, {})
            overtime_pay = cents(sum(
                    (hourly * OVERTIME_FACTORS[kind] * h
                        for kind, h in hours.items()), ZERO))
            reward = (rewards[employee.id][0]
                if employee.id in rewards else ZERO)
            gross = cents(payslip.base_salary + fixed + piece + allowances
                + overtime_pay + reward)
            city = employee.si_city or default_city
            si = dict.fromkeys(
                ['pension', 'medical', 'unemployment', 'housing_fund'], ZERO)
            si_base = hf_base = employer = ZERO
            if city:
                declared = (employee.si_base if employee.si_base is not None
                    else payslip.base_salary)
                si_base = city.clamp(declared, 'si')
                hf_base = city.clamp(declared, 'hf')
                si['pension'] = cents(si_base * city.pension_rate)
                si['medical'] = cents(si_base * city.medical_rate)
                si['unemployment'] = cents(si_base * city.unemployment_rate)
                si['housing_fund'] = cents(hf_base * city.housing_fund_rate)
                employer = cents(si_base * city.employer_si_rate
                    + hf_base * city.employer_hf_rate)
            totals = prior[employee.id]
            month_special = special.get(employee.id, ZERO)
            cumulative_income = totals['income'] + gross
            cumulative_deductions = (totals['deductions'] + BASIC_DEDUCTION
                + sum(si.values()) + month_special)
            taxable = max(cumulative_income - cumulative_deductions, ZERO)
            tax_to_date = cumulative_tax(taxable)
            income_tax = max(tax_to_date - totals['tax'], ZERO)
            net = (gross - sum(si.values()) - income_tax - deductions)
            to_write.extend(([payslip], {
                        'department': (employee.department.id
                            if employee.department else None),
                        'fixed_allowance': fixed,
                        'piece_rate': piece,
                        'allowances': allowances,
                        'overtime_hours': sum(hours.values(), ZERO),
                        'overtime_pay': overtime_pay,
                        'reward': reward,
                        'gross': gross,
                        'si_base': si_base,
                        'hf_base': hf_base,
                        'employer_cost': employer,
                        'special_deduction': month_special,
                        'cumulative_income': cumulative_income,
                        'cumulative_deductions': cumulative_deductions,
                        'cumulative_taxable': taxable,
                        'cumulative_tax': tax_to_date,
                        'income_tax': income_tax,
                        'other_deductions': deductions,
                        'net_pay': cents(net),
                        **si,
                        }))
        if to_write:
            cls.write(*to_write)

    # ---- workflow -----------------------------------------------------------
    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, payslips):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, payslips):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, payslips):
        """Confirm (HR): refused when the employee already has a confirmed
        payslip for the month; recomputed just before, month by month."""
        keys = {}
        for payslip in payslips:
            key = (payslip.employee.id, payslip.year, payslip.month)
            if key in keys:
                raise StaffError(gettext(
                        'yuexing_staff.msg_payslip_period_confirmed',
                        payslip=payslip.rec_name))
            keys[key] = payslip
        for sub in grouped_slice(list(keys), backend.MAX_QUERY_PARAMS):
            sub = list(sub)
            confirmed = cls.search([
                    ('employee', 'in', list({k[0] for k in sub})),
                    ('year', 'in', list({k[1] for k in sub})),
                    ('state', '=', 'confirmed'),
                    ])
            for other in confirmed:
                key = (other.employee.id, other.year, other.month)
                if key in keys and keys[key] != other:
                    raise StaffError(gettext(
                            'yuexing_staff.msg_payslip_period_confirmed',
                            payslip=keys[key].rec_name))
        ordered = sorted(payslips, key=lambda p: (p.year, p.month, p.id))
        by_month = defaultdict(list)
        for payslip in ordered:
            by_month[payslip.year, payslip.month].append(payslip)
        for (year, month), group in sorted(by_month.items()):
            for sub in grouped_slice(group, backend.MAX_QUERY_PARAMS):
                sub = list(sub)
                cls._compute_month(sub, year, month)
                # Later months of the batch count these as confirmed.
                cls.write(sub, {
                        'state': 'confirmed',
                        'confirmed_by': Transaction().user or None,
                        })

    # ---- finance ------------------------------------------------------------
    @classmethod
    def payroll_totals(cls, periods, company=None):
        """Totals of the confirmed payslips of periods [(year, month), ...]:
        {(department name or '', cost kind): {amount name: Decimal}} with
        amount names gross, piece_rate, employee_si, housing_fund,
        income_tax, other_deductions, net_pay, employer_cost."""
        names = ['gross', 'piece_rate', 'employee_si', 'housing_fund',
            'income_tax', 'other_deductions', 'net_pay', 'employer_cost']
        result = defaultdict(lambda: dict.fromkeys(names, ZERO))
        domain = [('state', '=', 'confirmed')]
        if company:
            domain.append(('company', '=', company.id))
        period_domain = ['OR'] + [[('year', '=', y), ('month', '=', m)]
            for y, m in periods]
        for payslip in cls.search(domain + [period_domain]):
            department = payslip.department
            key = (department.name if department else '',
                department.cost_kind if department else 'office')
            totals = result[key]
            totals['gross'] += payslip.gross
            totals['piece_rate'] += payslip.piece_rate
            totals['employee_si'] += (payslip.pension + payslip.medical
                + payslip.unemployment)
            totals['housing_fund'] += payslip.housing_fund
            totals['income_tax'] += payslip.income_tax
            totals['other_deductions'] += payslip.other_deductions
            totals['net_pay'] += payslip.net_pay
            totals['employer_cost'] += payslip.employer_cost
        return dict(result)


class PayslipLine(AuditMixin, ModelSQL, ModelView):
    "Payslip Line"
    __name__ = 'yuexing.payslip.line'
    payslip = fields.Many2One('yuexing.payslip', "Payslip", required=True,
        ondelete='CASCADE')
    kind = fields.Selection(LINE_KINDS, "Kind", required=True)
    description = fields.Char("Description", required=True)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True)
    automatic = fields.Boolean("Automatic", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('payslip')

    @classmethod
    def default_kind(cls):
        return 'allowance'

    @classmethod
    def default_automatic(cls):
        return False

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        for line in lines:
            if line.amount < 0:
                raise StaffError(gettext(
                        'yuexing_staff.msg_amount_negative',
                        field=cls.__names__('amount')['field'],
                        record=line.description))


class GenerateStart(ModelView):
    "Generate Payslips"
    __name__ = 'yuexing.payslip.generate.start'
    company = fields.Many2One('company.company', "Company", required=True)
    year = fields.Integer("Year", required=True)
    month = fields.Integer("Month", required=True,
        domain=[('month', '>=', 1), ('month', '<=', 12)])

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def _last_month(cls):
        today = Pool().get('ir.date').today()
        return today.replace(day=1) - dt.timedelta(days=1)

    @classmethod
    def default_year(cls):
        return cls._last_month().year

    @classmethod
    def default_month(cls):
        return cls._last_month().month


class Generate(Wizard):
    "Generate Payslips"
    __name__ = 'yuexing.payslip.generate'
    start = StateView('yuexing.payslip.generate.start',
        'yuexing_staff.payslip_generate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Generate", 'generate', 'tryton-ok', default=True),
            ])
    generate = StateTransition()

    def transition_generate(self):
        Payslip = Pool().get('yuexing.payslip')
        Payslip.generate(self.start.company, self.start.year,
            self.start.month)
        return 'end'


class PayslipXlsx(Report):
    "Payslips (工资条)"
    __name__ = 'yuexing.payslip.xlsx'
    columns = ('employee', 'year', 'month', 'base_salary', 'fixed_allowance',
        'piece_rate', 'allowances', 'overtime_pay', 'reward', 'gross',
        'pension', 'medical', 'unemployment', 'housing_fund',
        'special_deduction', 'income_tax', 'other_deductions', 'net_pay')

    @classmethod
    def _execute(cls, records, header, data, action):
        return 'xlsx', cls.workbook(records)

    @classmethod
    def workbook(cls, payslips):
        "One block per employee: a header row, the figures, a blank row."
        from openpyxl import Workbook
        from openpyxl.styles import Border, Font, PatternFill, Side
        from openpyxl.utils import get_column_letter
        Payslip = Pool().get('yuexing.payslip')
        headers = Payslip.fields_get(list(cls.columns))
        book = Workbook()
        sheet = book.active
        sheet.title = "工资条"
        thin = Side(style='thin', color='999999')
        border = Border(top=thin, bottom=thin, left=thin, right=thin)
        row = 1
        for payslip in sorted(payslips,
                key=lambda p: (p.year, p.month, p.employee.rec_name)):
            for column, name in enumerate(cls.columns, 1):
                cell = sheet.cell(row, column, headers[name]['string'])
                cell.font = Font(bold=True)
                cell.fill = PatternFill('solid', fgColor='DDEBF0')
                cell.border = border
                value = getattr(payslip, name)
                if isinstance(value, Decimal):
                    value = float(value)
                elif hasattr(value, 'rec_name'):
                    value = value.rec_name
                cell = sheet.cell(row + 1, column, value)
                cell.border = border
            row += 3
        for column, name in enumerate(cls.columns, 1):
            sheet.column_dimensions[get_column_letter(column)].width = max(
                len(headers[name]['string']) * 2 + 2, 10)
        data = io.BytesIO()
        book.save(data)
        return data.getvalue()
