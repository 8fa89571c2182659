"""工具管理: the company's tools (热风焊枪, 红外热像仪, 漏水检测仪 …), one
record per piece with its serial number, coded GJ-0001 on. A tool is in
stock (在库), lent to a technician (借出, see tool_loan.py), under
maintenance (维修中) or retired (报废); who holds it comes from its open
loan. Maintenance records put a tool in maintenance and back."""
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_base.workflow import state_label
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import MaterialError
from .location import company_today

KINDS = [
    ('welding', "Welding Equipment"),
    ('detection', "Detection Instrument"),
    ('grouting', "Grouting Equipment"),
    ('power', "Power Tool"),
    ('access', "Ladder and Access"),
    ('other', "Other"),
    ]
STATES = [
    ('available', "In Stock"),
    ('lent', "Lent"),
    ('maintenance', "Under Maintenance"),
    ('retired', "Retired"),
    ]
MAINTENANCE_KINDS = [
    ('repair', "Repair"),
    ('service', "Service"),
    ('calibration', "Calibration"),
    ]
MAINTENANCE_STATES = [
    ('draft', "Draft"),
    ('in_progress', "In Progress"),
    ('done', "Done"),
    ]


class Tool(ServerStates, Workflow, ModelSQL, ModelView):
    "Tool"
    __name__ = 'yuexing.material.tool'

    code = fields.Char("Code", readonly=True,
        help="Given on creation (GJ-0001), never given twice.")
    name = fields.Char("Name", required=True, strip=True)
    serial_number = fields.Char("Serial Number", required=True, strip=True,
        help="The maker's serial number on the tool's plate.")
    kind = fields.Selection(KINDS, "Kind", required=True, sort=False)
    specification = fields.Char("Specification", strip=True,
        help="Brand and model, e.g. 莱丹 1600W 热风枪.")
    purchase_date = fields.Date("Purchase Date")
    value = fields.Numeric("Value", digits=(16, 2),
        domain=['OR', ('value', '=', None), ('value', '>=', 0)],
        help="Purchase value of the tool (元).")
    location_note = fields.Char("Kept At",
        help="Where the tool is kept when in stock (shelf, cabinet).")
    note = fields.Text("Note")
    state = fields.Selection(STATES, "State", readonly=True, required=True,
        sort=False)
    holder = fields.Function(
        fields.Many2One('company.employee', "Held By"),
        'get_loan_fields', searcher='search_holder')
    current_loan = fields.Function(
        fields.Many2One('yuexing.material.tool.loan', "Current Loan"),
        'get_loan_fields')
    due_date = fields.Function(fields.Date("Due Date"), 'get_loan_fields')
    loans = fields.One2Many(
        'yuexing.material.tool.loan', 'tool', "Loans", readonly=True)
    maintenances = fields.One2Many(
        'yuexing.material.tool.maintenance', 'tool', "Maintenance",
        readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'yuexing_material.msg_tool_code_unique'),
            ('serial_number_unique', Unique(t, t.serial_number),
                'yuexing_material.msg_tool_serial_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.state, Index.Equality(cardinality='low'))))
        cls._order = [('code', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('available', 'lent'),
            ('lent', 'available'),
            ('available', 'maintenance'),
            ('maintenance', 'available'),
            ('available', 'retired'),
            ('maintenance', 'retired'),
            ('retired', 'available'),
            }
        cls._buttons.update({
                'retire': {
                    'invisible': ~Eval('state').in_(
                        ['available', 'maintenance']),
                    'depends': ['state']},
                'restore': {
                    'invisible': Eval('state') != 'retired',
                    'icon': 'tryton-undo',
                    'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'available'

    @classmethod
    def default_kind(cls):
        return 'other'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        if self.code:
            return f'{self.name} ({self.code})'
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        bool_op = 'AND' if operator.startswith('!') or operator.startswith(
            'not ') else 'OR'
        return [bool_op,
            ('name', operator, value),
            ('code', operator, value),
            ('serial_number', operator, value),
            ]

    @classmethod
    def get_loan_fields(cls, tools, names):
        "holder, current_loan, due_date: from the tool's open loan."
        Loan = Pool().get('yuexing.material.tool.loan')
        result = {n: {t.id: None for t in tools} for n in names}
        with without_check_access():
            loans = Loan.search([
                    ('tool', 'in', [t.id for t in tools]),
                    ('state', '=', 'open'),
                    ])
        for loan in loans:
            if 'holder' in result:
                result['holder'][loan.tool.id] = loan.technician.id
            if 'current_loan' in result:
                result['current_loan'][loan.tool.id] = loan.id
            if 'due_date' in result:
                result['due_date'][loan.tool.id] = loan.due_date
        return result

    @classmethod
    def search_holder(cls, name, clause):
        nested = clause[0][len(name) + 1:]
        _, operator, value = clause[:3]
        if not nested and value is None and operator in {'=', '!='}:
            # held by nobody (or by someone): without (with) an open loan
            return [('loans', 'not where' if operator == '=' else 'where',
                    [('state', '=', 'open')])]
        return [('loans', 'where', [
                    ('state', '=', 'open'),
                    ('technician' + ('.' + nested if nested else ''),)
                    + tuple(clause[1:]),
                    ])]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        ModelData = pool.get('ir.model.data')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('code'):
            with without_check_access():
                values['code'] = Sequence(ModelData.get_id(
                        'yuexing_material', 'sequence_tool')).get()
        return values

    @classmethod
    def copy(cls, tools, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('code', None)
        default.setdefault('state', 'available')
        default.setdefault('loans', None)
        default.setdefault('maintenances', None)
        return super().copy(tools, default=default)

    def check_available(self):
        "Refuse to lend or repair a tool not in stock, naming it."
        if self.state == 'available':
            return
        if self.state == 'lent' and self.holder:
            raise MaterialError(gettext(
                    'yuexing_material.msg_tool_lent_to',
                    tool=self.rec_name, technician=self.holder.rec_name))
        raise MaterialError(gettext(
                'yuexing_material.msg_tool_not_available',
                tool=self.rec_name, state=state_label(self)))

    @classmethod
    def locked_available(cls, records, twice):
        """The tools of records (loans, maintenances) locked and each in
        stock; twice(record, tool) is the error for a tool asked twice."""
        tools = cls.locked([r.tool for r in records])
        seen = set()
        for record in records:
            tool = tools[record.tool.id]
            if tool.id in seen:
                raise twice(record, tool)
            seen.add(tool.id)
            tool.check_available()
        return tools

    @classmethod
    def locked(cls, tools):
        """The tools read again after locking their rows: concurrent
        lendings of one tool wait for each other (the transaction restarts
        with the lock when it did not hold it from its start)."""
        tools = sorted({t.id for t in tools})
        cls.lock(tools)
        return {t.id: t for t in cls.browse(tools)}

    @classmethod
    @Workflow.transition('lent')
    def lend(cls, tools):
        "Lent to a technician (by the loan, never a button)."

    @classmethod
    @Workflow.transition('available')
    def back_in_stock(cls, tools):
        "Back from a loan or a maintenance."

    @classmethod
    @Workflow.transition('maintenance')
    def send_to_maintenance(cls, tools):
        "Under maintenance (by the maintenance record)."

    @classmethod
    @ModelView.button
    @Workflow.transition('retired')
    def retire(cls, tools):
        "报废: the tool is no longer lent nor repaired."

    @classmethod
    @ModelView.button
    @Workflow.transition('available')
    def restore(cls, tools):
        "A tool retired by mistake goes back in stock."


class Maintenance(ServerStates, Workflow, ModelSQL, ModelView):
    "Tool Maintenance"
    __name__ = 'yuexing.material.tool.maintenance'
    _draft = {'readonly': Eval('state') != 'draft'}

    tool = fields.Many2One(
        'yuexing.material.tool', "Tool", required=True, ondelete='RESTRICT',
        states=_draft)
    kind = fields.Selection(MAINTENANCE_KINDS, "Kind", required=True,
        sort=False)
    date = fields.Date("Date", required=True)
    description = fields.Text("Description",
        help="What was wrong and what was done.")
    cost = fields.Numeric("Cost", digits=(16, 2),
        domain=['OR', ('cost', '=', None), ('cost', '>=', 0)])
    done_by = fields.Char("Done By",
        help="The repairer: a colleague or the maker's service.")
    started_at = fields.DateTime("Started At", readonly=True)
    finished_at = fields.DateTime("Finished At", readonly=True)
    state = fields.Selection(MAINTENANCE_STATES, "State", readonly=True,
        required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.tool, Index.Equality())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'in_progress'),
            ('in_progress', 'done'),
            }
        cls._buttons.update({
                'start': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'finish': {
                    'invisible': Eval('state') != 'in_progress',
                    'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'repair'

    @classmethod
    def default_date(cls):
        return company_today()

    @classmethod
    def default_cost(cls):
        return Decimal(0)

    def get_rec_name(self, name):
        return f'{self.tool.rec_name} {self.date}'

    @classmethod
    def delete(cls, maintenances):
        for maintenance in maintenances:
            if maintenance.state != 'draft':
                raise MaterialError(gettext(
                        'yuexing_material.msg_tool_maintenance_delete',
                        maintenance=maintenance.rec_name))
        super().delete(maintenances)

    @classmethod
    @ModelView.button
    def start(cls, maintenances):
        "The tool goes under maintenance; it must be in stock."
        Tool = Pool().get('yuexing.material.tool')
        maintenances = cls.browse(maintenances)
        for maintenance in maintenances:
            if maintenance.state != 'draft':
                raise MaterialError(gettext(
                        'yuexing_material.msg_tool_maintenance_started',
                        maintenance=maintenance.rec_name))
        tools = Tool.locked_available(maintenances,
            lambda m, tool: MaterialError(gettext(
                    'yuexing_material.msg_tool_not_available',
                    tool=tool.rec_name,
                    state=state_label(tool, 'maintenance'))))
        Tool.send_to_maintenance(list(tools.values()))
        cls._start(maintenances)

    @classmethod
    @Workflow.transition('in_progress')
    def _start(cls, maintenances):
        cls.write(maintenances, {'started_at': dt.datetime.now()})

    @classmethod
    @ModelView.button
    def finish(cls, maintenances):
        "Done: the tool is back in stock (unless retired meanwhile)."
        Tool = Pool().get('yuexing.material.tool')
        maintenances = cls.browse(maintenances)
        for maintenance in maintenances:
            if maintenance.state != 'in_progress':
                raise MaterialError(gettext(
                        'yuexing_material.msg_tool_maintenance_not_started',
                        maintenance=maintenance.rec_name))
        tools = Tool.locked([m.tool for m in maintenances])
        Tool.back_in_stock([t for t in tools.values()
                if t.state == 'maintenance'])
        cls._finish(maintenances)

    @classmethod
    @Workflow.transition('done')
    def _finish(cls, maintenances):
        cls.write(maintenances, {'finished_at': dt.datetime.now()})
