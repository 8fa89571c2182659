"""报表对接: our figures of a period per NC subject (after 科目映射) next to
NC's, from NC's exported balance sheet (xlsx: 科目编码, 借方发生额, 贷方发生额)
or any {subject: (debit, credit)}; lines that differ are flagged."""
import io
from collections import defaultdict
from decimal import Decimal

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.yuexing_base.xlsx import XlsxReport
from trytond.pool import Pool
from trytond.wizard import Button, StateTransition, StateView, Wizard

ZERO = Decimal(0)


class Difference(ModelSQL, ModelView):
    "NC Difference"
    __name__ = 'yuexing.nc.difference'
    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    period = fields.Many2One('account.period', "Period", required=True,
        readonly=True)
    subject = fields.Char("NC Subject", readonly=True)
    debit = fields.Numeric("Our Debit", digits=(16, 2), readonly=True)
    credit = fields.Numeric("Our Credit", digits=(16, 2), readonly=True)
    nc_debit = fields.Numeric("NC Debit", digits=(16, 2), readonly=True)
    nc_credit = fields.Numeric("NC Credit", digits=(16, 2), readonly=True)
    difference = fields.Numeric("Difference", digits=(16, 2), readonly=True)
    vouchers_missing = fields.Integer("Vouchers not in NC", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('period', 'DESC'), ('subject', 'ASC'), ('id', 'DESC')]

    @classmethod
    def ours(cls, company, period):
        "{NC subject: [debit, credit]} of the period's posted moves."
        pool = Pool()
        Line = pool.get('account.move.line')
        SubjectMap = pool.get('yuexing.nc.subject_map')
        Voucher = pool.get('yuexing.nc.voucher')
        resolve = SubjectMap.resolver(company)
        events = {v.move.id: v.event for v in Voucher.search([
                    ('period', '=', period.id)])}
        result = defaultdict(lambda: [ZERO, ZERO])
        for line in Line.search([
                    ('move.period', '=', period.id),
                    ('move.state', '=', 'posted'),
                    ('move.company', '=', company.id)]):
            tax = line.tax_lines[0].tax if line.tax_lines else None
            subject = resolve(line.account, events.get(line.move.id),
                line.move.journal, tax)
            result[subject][0] += line.debit
            result[subject][1] += line.credit
        return result

    @classmethod
    def compare(cls, company, period, nc_figures):
        "Replace the period's lines; nc_figures {subject: (debit, credit)}."
        Voucher = Pool().get('yuexing.nc.voucher')
        cls.delete(cls.search([
                    ('company', '=', company.id),
                    ('period', '=', period.id)]))
        ours = cls.ours(company, period)
        missing = Voucher.search([
                ('period', '=', period.id), ('state', '!=', 'accepted')],
            count=True)
        values = []
        for subject in sorted(set(ours) | set(nc_figures)):
            debit, credit = ours.get(subject, (ZERO, ZERO))
            nc_debit, nc_credit = nc_figures.get(subject, (ZERO, ZERO))
            values.append({
                    'company': company.id, 'period': period.id,
                    'subject': subject, 'debit': debit, 'credit': credit,
                    'nc_debit': nc_debit, 'nc_credit': nc_credit,
                    'difference': (debit - credit) - (nc_debit - nc_credit),
                    'vouchers_missing': missing,
                    })
        return cls.create(values)

    @classmethod
    def read_nc_xlsx(cls, data):
        from openpyxl import load_workbook
        sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        figures = {}
        for row in list(sheet.iter_rows(values_only=True))[1:]:
            if not row or row[0] in (None, ''):
                continue
            figures[str(row[0]).strip()] = (
                Decimal(str(row[1] or 0)), Decimal(str(row[2] or 0)))
        return figures


class CompareStart(ModelView):
    "Compare with NC"
    __name__ = 'yuexing.nc.difference.start'
    company = fields.Many2One('company.company', "Company", required=True)
    period = fields.Many2One('account.period', "Period", required=True)
    file = fields.Binary("NC Balance (xlsx)", required=True)

    @classmethod
    def default_company(cls):
        from trytond.transaction import Transaction
        return Transaction().context.get('company')


class Compare(Wizard):
    "Compare with NC"
    __name__ = 'yuexing.nc.difference.compare'
    start = StateView('yuexing.nc.difference.start',
        'yuexing_nc_connector.difference_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compare", 'compare', 'tryton-ok', default=True),
            ])
    compare = StateTransition()

    def transition_compare(self):
        Difference = Pool().get('yuexing.nc.difference')
        Difference.compare(self.start.company, self.start.period,
            Difference.read_nc_xlsx(self.start.file))
        return 'end'


class DifferenceXlsx(XlsxReport):
    "NC Difference (xlsx)"
    __name__ = 'yuexing.nc.difference.xlsx'
    columns = ('period', 'subject', 'debit', 'credit', 'nc_debit',
        'nc_credit', 'difference', 'vouchers_missing')
