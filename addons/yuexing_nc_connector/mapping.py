"""科目映射 and the NC code table: which NC subject an entry goes to, and
which NC code (客商, 部门, 项目, 人员, 物料) stands for one of our records."""
from trytond.model import (
    DeactivableMixin,
    Index,
    ModelSQL,
    ModelView,
    Unique,
    fields,
    sequence_ordered,
)
from trytond.pool import Pool
from trytond.pyson import Eval

EVENTS = [
    (None, "Any"),
    ('revenue', "Revenue"),
    ('receipt', "Receipt"),
    ('deposit', "Deposit"),
    ('refund', "Refund"),
    ('purchase', "Supplier Invoice"),
    ('payment', "Supplier Payment"),
    ('material', "Material Issue"),
    ('labour', "Labour"),
    ('carryover', "Cost Carry-over"),
    ('payroll', "Payroll"),
    ('opening', "Opening Balance"),
    ('other', "Other"),
    ]

KINDS = [
    ('customer', "Customer"),
    ('supplier', "Supplier"),
    ('material', "Material"),
    ('department', "Department"),
    ('staff', "Staff"),
    ('project', "Project"),
    ]
# Our model of each kind and NC's bill type for it.
KIND_MODELS = {
    'customer': 'party.party',
    'supplier': 'party.party',
    'material': 'product.product',
    'department': 'yuexing.team',
    'staff': 'company.employee',
    'project': 'yuexing.work_order',
    }


class SubjectMap(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "NC Subject Mapping"
    __name__ = 'yuexing.nc.subject_map'
    company = fields.Many2One('company.company', "Company", required=True)
    account = fields.Many2One(
        'account.account', "Account", required=True,
        domain=[('company', '=', Eval('company', -1))])
    event = fields.Selection(EVENTS, "Event")
    journal = fields.Many2One('account.journal', "Journal (Channel)")
    tax = fields.Many2One('account.tax', "Tax")
    nc_code = fields.Char("NC Subject", required=True)
    note = fields.Char("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.account, Index.Equality())))

    @classmethod
    def default_company(cls):
        from trytond.transaction import Transaction
        return Transaction().context.get('company')

    def matches(self, event, journal, tax):
        return ((not self.event or self.event == event)
            and (not self.journal or self.journal == journal)
            and (not self.tax or self.tax == tax))

    @classmethod
    def resolver(cls, company):
        """A function (account, event, journal, tax) → NC subject code:
        the most specific active rule, else the account's own code. One
        query for all the rules of the company."""
        rules = {}
        for rule in cls.search([('company', '=', company.id)],
                order=[('sequence', 'ASC NULLS LAST'), ('id', 'ASC')]):
            rules.setdefault(rule.account.id, []).append(rule)

        def resolve(account, event=None, journal=None, tax=None):
            best, score = None, -1
            for rule in rules.get(account.id, []):
                if rule.matches(event, journal, tax):
                    s = (bool(rule.event) + bool(rule.journal)
                        + bool(rule.tax))
                    if s > score:
                        best, score = rule, s
            return best.nc_code if best else account.code
        return resolve


class Code(ModelSQL, ModelView):
    "NC Code"
    __name__ = 'yuexing.nc.code'
    kind = fields.Selection(KINDS, "Kind", required=True)
    kind_string = kind.translated('kind')
    resource = fields.Reference("Record", selection='get_resources',
        required=True)
    nc_code = fields.Char("NC Code", required=True)
    name = fields.Char("Name", readonly=True)
    state = fields.Selection([
            ('pending', "Pending"),
            ('sent', "Sent"),
            ('accepted', "In NC"),
            ('rejected', "Rejected"),
            ], "State", readonly=True, required=True)
    digest = fields.Char("Digest", readonly=True,
        help="Of the last document NC accepted: a change sends it again.")
    error = fields.Text("Error", readonly=True)
    attempts = fields.Integer("Attempts", readonly=True)
    synced_at = fields.DateTime("Synced At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('resource_kind_uniq', Unique(t, t.kind, t.resource),
                'yuexing_nc_connector.msg_code_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.state, Index.Equality())))
        cls._order = [('kind', 'ASC'), ('nc_code', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'sync': {'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_attempts(cls):
        return 0

    @classmethod
    def get_resources(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        names = sorted(set(KIND_MODELS.values()))
        models = Model.search([('name', 'in', names)])
        return [(None, '')] + [(m.name, m.string) for m in models]

    @classmethod
    def lookup(cls, kind, records):
        "{record id: NC code} of the records mapped (one query)."
        codes = cls.search([
                ('kind', '=', kind),
                ('resource', 'in', [str(r) for r in records]),
                ])
        return {c.resource.id: c.nc_code for c in codes}

    @classmethod
    @ModelView.button
    def sync(cls, codes):
        pool = Pool()
        Sync = pool.get('yuexing.nc.sync')
        Sync.push(codes)
