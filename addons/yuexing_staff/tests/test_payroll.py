import datetime as dt
import io
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    rolled_back_on_error,
)
from trytond.modules.yuexing_staff.payroll import cumulative_tax
from trytond.modules.yuexing_staff.tests.tools import (
    create_city,
    create_employee,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

D = Decimal


class PayrollTestCase(FunctionalTestCase):
    "Payslips, social insurance and the cumulative withholding tax"
    module = 'yuexing_staff'

    def setup_employee(self, base=D(30000), special=D(2000)):
        pool = Pool()
        Deduction = pool.get('yuexing.payroll.special_deduction')
        company = create_company()
        city = create_city()
        with set_company(company):
            employee = create_employee(company, '周工程师', technician=False,
                base_salary=base, si_city=city.id)
        if special:
            Deduction.create([{
                        'employee': employee.id,
                        'category': 'children_education',
                        'monthly_amount': special,
                        'start_date': dt.date(2025, 1, 1)}])
        return company, employee

    def test_tax_table(self):
        "The 7 brackets with their quick deductions, at the bounds"
        for taxable, tax in [
                (0, '0'), (36000, '1080.00'), (36001, '1080.10'),
                (144000, '11880.00'), (300000, '43080.00'),
                (420000, '73080.00'), (660000, '145080.00'),
                (960000, '250080.00'), (1000000, '268080.00')]:
            self.assertEqual(cumulative_tax(D(taxable)), D(tax), taxable)

    @with_transaction()
    def test_twelve_months_cumulative_withholding(self):
        """30,000 a month for a year: the rate goes 3 % → 10 % in March
        and 10 % → 20 % in September (累计预扣法)."""
        pool = Pool()
        Payslip = pool.get('yuexing.payslip')
        company, employee = self.setup_employee()
        # Insurance base 30,000 (inside 7,460–37,302):
        #   pension 8 % 2,400 + medical 2 % 600 + unemployment 0.5 % 150
        #   + housing fund 7 % 2,100 = 5,250.
        # Taxable each month: 30,000 − 5,000 − 5,250 − 2,000 (child) = 17,750
        #  m  cumulative   cumulative tax                 this month
        #  1    17,750     × 3 %            =    532.50      532.50
        #  2    35,500     × 3 %            =  1,065.00      532.50
        #  3    53,250     × 10 % − 2,520   =  2,805.00    1,740.00
        #  4    71,000     × 10 % − 2,520   =  4,580.00    1,775.00
        #  5–8  +17,750 a month at 10 %                    1,775.00
        #  8   142,000     × 10 % − 2,520   = 11,680.00
        #  9   159,750     × 20 % − 16,920  = 15,030.00    3,350.00
        # 10   177,500     × 20 % − 16,920  = 18,580.00    3,550.00
        # 11–12 +17,750 a month at 20 %                    3,550.00
        # 12   213,000     × 20 % − 16,920  = 25,680.00 (sum of the year)
        expected = ['532.50', '532.50', '1740.00', '1775.00', '1775.00',
            '1775.00', '1775.00', '1775.00', '3350.00', '3550.00',
            '3550.00', '3550.00']
        taxes = []
        with set_company(company):
            for month in range(1, 13):
                payslip, = Payslip.generate(company, 2025, month, [employee])
                Payslip.confirm([payslip])
                taxes.append(payslip.income_tax)
                if month == 1:
                    self.assertEqual(
                        (payslip.gross, payslip.pension, payslip.medical,
                            payslip.unemployment, payslip.housing_fund),
                        (D('30000.00'), D('2400.00'), D('600.00'),
                            D('150.00'), D('2100.00')))
                    # 30,000 − 5,250 − 532.50
                    self.assertEqual(payslip.net_pay, D('24217.50'))
        self.assertEqual(taxes, [D(t) for t in expected])
        self.assertEqual(payslip.cumulative_taxable, D('213000.00'))
        self.assertEqual(payslip.cumulative_tax, D('25680.00'))
        self.assertEqual(sum(taxes), D('25680.00'))

    @with_transaction()
    def test_base_clamped_overtime_lines_and_draft_months(self):
        """The insurance base is kept within the city's limits; overtime
        and allowances are paid; drafts do not count in the cumulation."""
        pool = Pool()
        Payslip = pool.get('yuexing.payslip')
        PayslipLine = pool.get('yuexing.payslip.line')
        Overtime = pool.get('yuexing.overtime')
        company, employee = self.setup_employee(base=D(6000), special=None)
        with set_company(company):
            overtime, = Overtime.create([{
                        'employee': employee.id, 'date': dt.date(2025, 3, 8),
                        'kind': 'weekend', 'hours': D(8)}])
            Overtime.request([overtime])
            Overtime.approve([overtime])
            draft_jan, = Payslip.generate(company, 2025, 1, [employee])
            payslip, = Payslip.generate(company, 2025, 3, [employee])
            PayslipLine.create([{'payslip': payslip.id, 'kind': 'allowance',
                        'description': '高温补贴', 'amount': D(300)}])
            Payslip.compute([payslip])
        # hourly 6,000 / 21.75 / 8 = 34.4828; rest day × 2 × 8 h = 551.72
        self.assertEqual(payslip.overtime_pay, D('551.72'))
        self.assertEqual(payslip.gross, D('6851.72'))
        # base 6,000 < minimum 7,460: insurance on 7,460
        self.assertEqual(payslip.si_base, D('7460.00'))
        self.assertEqual(payslip.pension, D('596.80'))
        self.assertEqual(payslip.housing_fund, D('420.00'))  # 6,000 ≥ 2,690
        # January is a draft: March is the first month, 6,851.72 − 5,000
        # − 596.80 − 149.20 − 37.30 − 420 = 648.42 → 3 % = 19.45
        self.assertEqual(payslip.cumulative_deductions, D('6203.30'))
        self.assertEqual(payslip.income_tax, D('19.45'))
        self.assertEqual(draft_jan.state, 'draft')

    @with_transaction()
    def test_bad_input_refused(self):
        "Negative amounts and a second payslip for a confirmed month"
        pool = Pool()
        Payslip = pool.get('yuexing.payslip')
        PayslipLine = pool.get('yuexing.payslip.line')
        Employee = pool.get('company.employee')
        company, employee = self.setup_employee()
        with set_company(company):
            first, = Payslip.generate(company, 2025, 1, [employee])
            Payslip.confirm([first])
            second, = Payslip.create([{
                        'company': company.id, 'employee': employee.id,
                        'year': 2025, 'month': 1,
                        'base_salary': D(30000)}])
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Payslip.confirm([second])
            self.assertIn('已确认', str(cm.exception))
            self.assertEqual(Payslip(second.id).state, 'draft')
            with self.assertRaises(UserError) as cm, rolled_back_on_error():
                Employee.write([employee], {'base_salary': D(-1)})
            self.assertIn('基本工资', str(cm.exception))
            self.assertIn('不能为负', str(cm.exception))
            self.assertEqual(Employee(employee.id).base_salary, D(30000))
            with self.assertRaises(UserError), rolled_back_on_error():
                PayslipLine.create([{'payslip': second.id,
                            'kind': 'allowance', 'description': 'x',
                            'amount': D(-5)}])
            self.assertEqual(len(Payslip(second.id).lines), 0)
            with self.assertRaises(UserError), rolled_back_on_error():
                Payslip.delete([first])

    @with_transaction()
    def test_totals_and_payslip_xlsx(self):
        "Totals per department for the finance connector; 工资条 blocks"
        from openpyxl import load_workbook
        pool = Pool()
        Payslip = pool.get('yuexing.payslip')
        Department = pool.get('yuexing.department')
        Employee = pool.get('company.employee')
        PayslipXlsx = pool.get('yuexing.payslip.xlsx', type='report')
        company, employee = self.setup_employee()
        field, = Department.create([{'name': '施工部', 'cost_kind': 'field'}])
        with set_company(company):
            other = create_employee(company, '吴师傅', base_salary=D(8000),
                department=field.id)
            Employee.write([employee], {'department': field.id})
            payslips = Payslip.generate(company, 2025, 1, [employee, other])
            Payslip.confirm(payslips)
            totals = Payslip.payroll_totals([(2025, 1)], company)
            self.assertEqual(list(totals), [('施工部', 'field')])
            self.assertEqual(totals['施工部', 'field']['gross'], D('38000.00'))
            self.assertEqual(totals['施工部', 'field']['net_pay'],
                sum(p.net_pay for p in payslips))
            data = PayslipXlsx.workbook(payslips)
        sheet = load_workbook(io.BytesIO(data)).active
        self.assertEqual(sheet.title, '工资条')
        self.assertEqual(sheet.cell(1, 1).value, '员工')
        self.assertEqual(sheet.cell(4, 1).value, '员工')
        names = {sheet.cell(2, 1).value, sheet.cell(5, 1).value}
        self.assertEqual(names, {'周工程师', '吴师傅'})
        self.assertIsNone(sheet.cell(3, 1).value)
