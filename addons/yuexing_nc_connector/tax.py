"""税务管理: invoice records (发票: 专票, 普票, 数电) linked to customer
invoices and supplier bills, and VAT output / input per period."""
from sql import Literal, Null
from sql.aggregate import Max, Sum
from sql.conditionals import Case

from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval

KINDS = [
    ('special', "Special VAT Invoice (专票)"),
    ('normal', "Normal VAT Invoice (普票)"),
    ('digital', "Digital Invoice (数电)"),
    ]


class Fapiao(ModelSQL, ModelView):
    "Fapiao"
    __name__ = 'yuexing.nc.fapiao'
    company = fields.Many2One('company.company', "Company", required=True)
    invoice = fields.Many2One('account.invoice', "Invoice", required=True,
        domain=[('company', '=', Eval('company', -1))], ondelete='RESTRICT')
    direction = fields.Selection([
            ('output', "Output (销项)"),
            ('input', "Input (进项)"),
            ], "Direction", required=True)
    kind = fields.Selection(KINDS, "Kind", required=True)
    number = fields.Char("Number", required=True)
    date = fields.Date("Date", required=True)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True)
    tax = fields.Numeric("Tax", digits=(16, 2), required=True)
    total = fields.Function(
        fields.Numeric("Total", digits=(16, 2)), 'get_total')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('number_uniq', Unique(t, t.company, t.direction, t.number),
                'yuexing_nc_connector.msg_fapiao_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.invoice, Index.Equality())))
        cls._order = [('date', 'DESC'), ('number', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_company(cls):
        from trytond.transaction import Transaction
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'digital'

    @fields.depends('invoice')
    def on_change_invoice(self):
        if self.invoice:
            self.direction = ('output' if self.invoice.type == 'out'
                else 'input')
            self.amount = self.invoice.untaxed_amount
            self.tax = self.invoice.tax_amount
            self.date = self.invoice.invoice_date

    def get_total(self, name):
        return (self.amount or 0) + (self.tax or 0)

    @classmethod
    def from_invoices(cls, invoices, kind, numbers):
        "Record the fapiao issued/received for posted invoices."
        return cls.create([{
                    'company': i.company.id, 'invoice': i.id,
                    'direction': 'output' if i.type == 'out' else 'input',
                    'kind': kind, 'number': n, 'date': i.invoice_date,
                    'amount': i.untaxed_amount, 'tax': i.tax_amount,
                    } for i, n in zip(invoices, numbers, strict=True)])


class VatPeriod(ModelSQL, ModelView):
    "VAT per Period"
    __name__ = 'yuexing.nc.vat'
    company = fields.Many2One('company.company', "Company")
    period = fields.Many2One('account.period', "Period")
    output_base = fields.Numeric("Output Base", digits=(16, 2))
    output_tax = fields.Numeric("Output VAT (销项)", digits=(16, 2))
    input_base = fields.Numeric("Input Base", digits=(16, 2))
    input_tax = fields.Numeric("Input VAT (进项)", digits=(16, 2))
    payable = fields.Numeric("VAT Payable", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('period', 'DESC'), ('id', 'DESC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        tax_line = pool.get('account.tax.line').__table__()
        tax = pool.get('account.tax').__table__()
        group = pool.get('account.tax.group').__table__()
        line = pool.get('account.move.line').__table__()
        move = pool.get('account.move').__table__()

        def total(kind, type_):
            return Sum(Case(((group.kind == kind) & (tax_line.type == type_),
                        tax_line.amount), else_=Literal(0)))
        output_tax = total('sale', 'tax')
        input_tax = total('purchase', 'tax')
        return (tax_line
            .join(tax, condition=tax_line.tax == tax.id)
            .join(group, condition=tax.group == group.id)
            .join(line, condition=tax_line.move_line == line.id)
            .join(move, condition=line.move == move.id)
            .select(
                move.period.as_('id'),
                move.company.as_('company'),
                move.period.as_('period'),
                total('sale', 'base').as_('output_base'),
                output_tax.as_('output_tax'),
                total('purchase', 'base').as_('input_base'),
                input_tax.as_('input_tax'),
                (output_tax - input_tax).as_('payable'),
                Literal(0).as_('create_uid'),
                Max(tax_line.create_date).as_('create_date'),
                Literal(Null).as_('write_uid'),
                Literal(Null).as_('write_date'),
                where=move.state == 'posted',
                group_by=[move.period, move.company]))
