"""工具借还: a tool lent to a technician (by the warehouse keeper in the
back office, or borrowed in the mini-program) and given back, with its
condition. Due the configuration's tool loan days after it was lent; a
daily cron reminds the technician and the warehouse keepers of overdue
loans through the message centre, once a day per loan.

Lending and returning lock the tool's row: two phones borrowing the same
tool at once lend it once."""
import datetime as dt

from sql import Null
from sql.operators import And, Not

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import MaterialError
from .location import company_today

STATES = [
    ('draft', "Draft"),
    ('open', "Lent"),
    ('returned', "Returned"),
    ]
CONDITIONS = [
    (None, ""),
    ('good', "Good"),
    ('worn', "Worn"),
    ('damaged', "Damaged"),
    ]
DEFAULT_LOAN_DAYS = 7


class Loan(ServerStates, Workflow, ModelSQL, ModelView):
    "Tool Loan"
    __name__ = 'yuexing.material.tool.loan'
    _draft = {'readonly': Eval('state') != 'draft'}

    tool = fields.Many2One(
        'yuexing.material.tool', "Tool", required=True, ondelete='RESTRICT',
        states=_draft)
    technician = fields.Many2One(
        'company.employee', "Technician", required=True,
        ondelete='RESTRICT', states=_draft,
        domain=[('is_technician', '=', True)])
    lent_at = fields.DateTime("Lent At", readonly=True)
    lent_by = fields.Many2One('res.user', "Lent By", readonly=True)
    due_date = fields.Date("Due Date",
        states={'readonly': Eval('state') == 'returned'},
        help="Left empty, the date lent plus the configuration's tool loan "
        "days.")
    note = fields.Char("Purpose", help="What the tool is lent for.")
    returned_at = fields.DateTime("Returned At", readonly=True)
    returned_by = fields.Many2One('res.user', "Returned By", readonly=True)
    return_condition = fields.Selection(CONDITIONS, "Condition on Return",
        states={'readonly': Eval('state') == 'returned'}, sort=False)
    return_note = fields.Text("Return Remark",
        states={'readonly': Eval('state') == 'returned'})
    overdue = fields.Function(fields.Boolean("Overdue"),
        'get_overdue', searcher='search_overdue')
    days_overdue = fields.Function(fields.Integer("Days Overdue"),
        'get_overdue')
    reminded_on = fields.Date("Reminded On", readonly=True,
        help="The last day the overdue reminder was sent.")
    state = fields.Selection(STATES, "State", readonly=True, required=True,
        sort=False)
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.tool, Index.Equality()),
                    (t.state, Index.Equality(cardinality='low'))),
                Index(t, (t.technician, Index.Equality()),
                    (t.state, Index.Equality(cardinality='low'))),
                Index(t, (t.due_date, Index.Range()),
                    where=t.state == 'open'),
                })
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'open'),
            ('open', 'returned'),
            }
        cls._buttons.update({
                'lend': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state']},
                'return_tool': {
                    'invisible': Eval('state') != 'open',
                    'icon': 'tryton-back',
                    'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        return f'{self.tool.rec_name} → {self.technician.rec_name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('tool.rec_name',) + tuple(clause[1:]),
            ('technician.rec_name',) + tuple(clause[1:]),
            ]

    @classmethod
    def get_overdue(cls, loans, names):
        today = company_today()
        result = {n: {} for n in names}
        for loan in loans:
            late = (loan.state == 'open' and loan.due_date
                and loan.due_date < today)
            if 'overdue' in result:
                result['overdue'][loan.id] = bool(late)
            if 'days_overdue' in result:
                result['days_overdue'][loan.id] = (
                    (today - loan.due_date).days if late else None)
        return result

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause[:3]
        late = bool(value) if operator == '=' else not bool(value)
        table = cls.__table__()
        condition = And([table.state == 'open', table.due_date != Null,
                table.due_date < company_today()])
        query = table.select(table.id,
            where=condition if late else Not(condition))
        return [('id', 'in', query)]

    @classmethod
    def loan_days(cls):
        config = Pool().get('yuexing.configuration')(1)
        return config.tool_loan_days or DEFAULT_LOAN_DAYS

    @classmethod
    def delete(cls, loans):
        for loan in loans:
            if loan.state != 'draft':
                raise MaterialError(gettext(
                        'yuexing_material.msg_tool_loan_delete',
                        loan=loan.rec_name))
        super().delete(loans)

    @classmethod
    def copy(cls, loans, default=None):
        default = default.copy() if default is not None else {}
        for name in ['lent_at', 'lent_by', 'due_date', 'returned_at',
                'returned_by', 'return_condition', 'return_note',
                'reminded_on']:
            default.setdefault(name, None)
        return super().copy(loans, default=default)

    @classmethod
    @ModelView.button
    def lend(cls, loans):
        """The tool goes to the technician: it must be in stock (not lent,
        under maintenance nor retired), its row locked meanwhile."""
        Tool = Pool().get('yuexing.material.tool')
        loans = cls.browse(loans)
        for loan in loans:
            if loan.state != 'draft':
                raise MaterialError(gettext(
                        'yuexing_material.msg_tool_loan_not_draft',
                        loan=loan.rec_name))
        tools = Tool.locked_available(loans,
            lambda loan, tool: MaterialError(gettext(
                    'yuexing_material.msg_tool_lent_to',
                    tool=tool.rec_name,
                    technician=loan.technician.rec_name)))
        Tool.lend(list(tools.values()))
        cls._lend(loans)

    @classmethod
    @Workflow.transition('open')
    def _lend(cls, loans):
        now = dt.datetime.now()
        today = company_today()
        days = cls.loan_days()
        to_write = []
        for loan in loans:
            to_write.extend(([loan], {
                        'lent_at': now,
                        'lent_by': Transaction().user or None,
                        'due_date': loan.due_date or (
                            today + dt.timedelta(days=days)),
                        }))
        if to_write:
            cls.write(*to_write)

    @classmethod
    @ModelView.button
    def return_tool(cls, loans):
        "The tool is back in stock; a loan is returned once."
        Tool = Pool().get('yuexing.material.tool')
        loans = cls.browse(loans)
        for loan in loans:
            if loan.state == 'returned':
                raise MaterialError(gettext(
                        'yuexing_material.msg_tool_loan_returned',
                        tool=loan.tool.rec_name,
                        technician=loan.technician.rec_name))
            if loan.state != 'open':
                raise MaterialError(gettext(
                        'yuexing_material.msg_tool_loan_not_open',
                        loan=loan.rec_name))
        tools = Tool.locked([l.tool for l in loans])
        Tool.back_in_stock([t for t in tools.values() if t.state == 'lent'])
        cls._return(loans)

    @classmethod
    @Workflow.transition('returned')
    def _return(cls, loans):
        cls.write(loans, {
                'returned_at': dt.datetime.now(),
                'returned_by': Transaction().user or None,
                })

    @classmethod
    def borrow(cls, tool, technician, note=None):
        """A technician takes a tool (API): the loan made and lent at once.
        The one they already hold is given back, not lent twice."""
        Tool = Pool().get('yuexing.material.tool')
        tool = Tool.locked([tool])[tool.id]
        if tool.state == 'lent' and tool.holder == technician:
            return tool.current_loan
        tool.check_available()
        loan, = cls.create([{
                    'tool': tool.id, 'technician': technician.id,
                    'company': tool.company.id, 'note': note}])
        cls.lend([loan])
        return cls(loan.id)

    @classmethod
    def remind_overdue(cls, date=None):
        """Cron: tell the technician and the warehouse keepers of each
        overdue loan, once a day. Returns the loans reminded."""
        pool = Pool()
        Employee = pool.get('company.employee')
        Message = pool.get('yuexing.message')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        if date is None:
            date = company_today()
        with without_check_access():
            loans = cls.search([
                    ('state', '=', 'open'),
                    ('due_date', '<', date),
                    ['OR', ('reminded_on', '=', None),
                        ('reminded_on', '<', date)],
                    ], order=[('due_date', 'ASC'), ('id', 'ASC')])
            if not loans:
                return []
            users = Employee.users_of({l.technician for l in loans})
            group = ModelData.get_id('yuexing_base', 'group_warehouse')
            keepers = User.search([('groups', '=', group)])
            for loan in loans:
                Message.notify('loan_overdue', [loan],
                    users=list({*users[loan.technician.id], *keepers}),
                    values={'days': (date - loan.due_date).days})
            cls.write(loans, {'reminded_on': date})
        return loans


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('yuexing.material.tool.loan|remind_overdue',
                "Remind Overdue Tool Loans"))
