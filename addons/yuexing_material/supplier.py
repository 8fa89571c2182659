"""供应商管理: suppliers are parties with a supplier category, their
cooperation records, and a periodic evaluation (on-time delivery, quality
from the receipt inspections, price against the other suppliers of the same
materials) that gives the supplier its score and grade."""
import datetime as dt
from decimal import Decimal

from sql import Null
from sql.aggregate import Count, Sum
from sql.conditionals import Case, Coalesce

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import MaterialError
from .location import company_id, company_today

SUPPLIER_CATEGORIES = [
    (None, ""),
    ('main', "Main Materials"),
    ('auxiliary', "Auxiliary Materials"),
    ('tools', "Tools and Equipment"),
    ('service', "Services"),
    ]
# weights of the score (percent): delivery, quality, price
WEIGHTS = (Decimal(40), Decimal(40), Decimal(20))
GRADES = [(90, 'A'), (75, 'B'), (60, 'C')]


def grade_of(score):
    if score is None:
        return None
    for floor, grade in GRADES:
        if score >= floor:
            return grade
    return 'D'


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    supplier_category = fields.Selection(SUPPLIER_CATEGORIES,
        "Supplier Category",
        help="Set on the parties the company buys from (供应商分类).")
    supplier_records = fields.One2Many(
        'yuexing.material.supplier.record', 'supplier',
        "Cooperation Records")
    supplier_evaluations = fields.One2Many(
        'yuexing.material.supplier.evaluation', 'supplier', "Evaluations",
        readonly=True)
    supplier_score = fields.Function(fields.Numeric(
            "Supplier Score", digits=(3, 1)), 'get_supplier_rating')
    supplier_grade = fields.Function(fields.Char("Supplier Grade"),
        'get_supplier_rating')

    @staticmethod
    def default_supplier_category():
        return Transaction().context.get('supplier_category')

    @classmethod
    def get_supplier_rating(cls, parties, names):
        "The score and grade of each supplier's latest confirmed evaluation."
        Evaluation = Pool().get('yuexing.material.supplier.evaluation')
        result = {n: {p.id: None for p in parties} for n in names}
        evaluations = Evaluation.search([
                ('supplier', 'in', [p.id for p in parties]),
                ('state', '=', 'confirmed'),
                ], order=[('end_date', 'ASC'), ('id', 'ASC')])
        for evaluation in evaluations:  # the latest wins
            party_id = evaluation.supplier.id
            if 'supplier_score' in result:
                result['supplier_score'][party_id] = evaluation.score
            if 'supplier_grade' in result:
                result['supplier_grade'][party_id] = evaluation.grade
        return result

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//page[@id="supplier"]', 'states', {
                    'invisible': ~Eval('supplier_category'),
                    }),
            ]


class SupplierRecord(ModelSQL, ModelView):
    "Supplier Cooperation Record"
    __name__ = 'yuexing.material.supplier.record'

    supplier = fields.Many2One('party.party', "Supplier", required=True,
        ondelete='CASCADE', domain=[('supplier_category', '!=', None)])
    date = fields.Date("Date", required=True)
    kind = fields.Selection([
            ('contract', "Contract"),
            ('visit', "Visit"),
            ('negotiation', "Price Negotiation"),
            ('quality', "Quality Issue"),
            ('complaint', "Complaint"),
            ('other', "Other"),
            ], "Kind", required=True)
    description = fields.Text("Description", required=True)
    employee = fields.Many2One('company.employee', "Recorded By")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_date():
        return company_today()

    @staticmethod
    def default_employee():
        return Transaction().context.get('employee')


class SupplierEvaluation(Workflow, ModelSQL, ModelView):
    """Supplier Evaluation

    Figures of the period from the stock moves, in SQL: deliveries on time
    (done on or before the planned date), quality (accepted / delivered at
    the receipt inspection) and price (the supplier's average unit price
    against the average of all suppliers of the same materials)."""
    __name__ = 'yuexing.material.supplier.evaluation'

    _states = {'readonly': Eval('state') != 'draft'}
    supplier = fields.Many2One('party.party', "Supplier", required=True,
        domain=[('supplier_category', '!=', None)], states=_states)
    start_date = fields.Date("Start Date", required=True, states=_states)
    end_date = fields.Date("End Date", required=True, states=_states,
        domain=[('end_date', '>=', Eval('start_date'))])
    deliveries = fields.Integer("Deliveries", readonly=True)
    on_time_rate = fields.Numeric("On-Time Rate (%)", digits=(5, 1),
        readonly=True)
    pass_rate = fields.Numeric("Pass Rate (%)", digits=(5, 1),
        readonly=True)
    price_index = fields.Numeric("Price Index", digits=(5, 2),
        readonly=True,
        help="The supplier's prices against the average of all suppliers "
        "of the same materials (1.00 = average; lower is cheaper).")
    score = fields.Numeric("Score", digits=(5, 1), readonly=True)
    grade = fields.Char("Grade", readonly=True)
    note = fields.Text("Note")
    state = fields.Selection([
            ('draft', "Draft"),
            ('confirmed', "Confirmed"),
            ], "State", readonly=True, sort=False)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('end_date', 'DESC'), ('score', 'DESC'),
            ('id', 'DESC')]
        cls._transitions |= {('draft', 'confirmed'), ('confirmed', 'draft')}
        cls._buttons.update({
                'compute': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'confirm': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'confirmed',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'draft'

    @staticmethod
    def default_start_date():
        return company_today().replace(day=1)

    @staticmethod
    def default_end_date():
        return company_today()

    def get_rec_name(self, name):
        return f'{self.supplier.rec_name} {self.start_date}～{self.end_date}'

    @classmethod
    @ModelView.button
    def compute(cls, evaluations):
        by_period = {}
        for evaluation in evaluations:
            by_period.setdefault(
                (evaluation.start_date, evaluation.end_date), []
                ).append(evaluation)
        for (start, end), group in by_period.items():
            figures = cls.figures(start, end, [e.supplier for e in group])
            for evaluation in group:
                values = figures.get(evaluation.supplier.id)
                if not values:
                    values = {'deliveries': 0, 'on_time_rate': None,
                        'pass_rate': None, 'price_index': None}
                values = dict(values, score=cls.score_of(values))
                values['grade'] = grade_of(values['score'])
                cls.write([evaluation], values)

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, evaluations):
        for evaluation in evaluations:
            if evaluation.score is None:
                raise MaterialError(gettext(
                        'yuexing_material.msg_evaluation_no_figures',
                        evaluation=evaluation.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, evaluations):
        pass

    @staticmethod
    def score_of(values):
        "Weighted score out of 100; a missing figure leaves its weight out."
        parts = []
        if values.get('on_time_rate') is not None:
            parts.append((WEIGHTS[0], values['on_time_rate']))
        if values.get('pass_rate') is not None:
            parts.append((WEIGHTS[1], values['pass_rate']))
        if values.get('price_index') is not None:
            # at the average 100, 20 % dearer 80, cheaper capped at 100
            price = max(Decimal(0), min(Decimal(100),
                    (2 - values['price_index']) * 100))
            parts.append((WEIGHTS[2], price))
        if not parts:
            return None
        total = sum(w for w, _ in parts)
        return (sum(w * v for w, v in parts) / total).quantize(
            Decimal('0.1'))

    @classmethod
    def figures(cls, start, end, suppliers):
        """{supplier id: {deliveries, on_time_rate, pass_rate, price_index}}
        of the period, each figure from one query over the moves."""
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Shipment = pool.get('stock.shipment.in')
        move = Move.__table__()
        location = Location.__table__()
        shipment = Shipment.__table__()
        cursor = Transaction().connection.cursor()
        supplier_ids = [s.id for s in suppliers]
        if not supplier_ids:
            return {}
        from_supplier = move.join(location,
            condition=move.from_location == location.id
            ).join(shipment,
            condition=move.shipment.like(Shipment.__name__ + ',%')
            & (Move.shipment.sql_id(move.shipment, Move) == shipment.id))
        day = Coalesce(move.effective_date, move.planned_date)
        in_period = ((location.type == 'supplier')
            & shipment.supplier.in_(supplier_ids)
            & (shipment.company == company_id())
            & (Coalesce(shipment.effective_date, day) >= start)
            & (Coalesce(shipment.effective_date, day) <= end))
        result = {}

        # deliveries and on time: the shipments done in the period
        cursor.execute(*shipment.select(
                shipment.supplier,
                Count(shipment.id),
                Sum(Case((shipment.effective_date <= Coalesce(
                                shipment.planned_date,
                                shipment.effective_date), 1), else_=0)),
                where=(shipment.state == 'done')
                & shipment.supplier.in_(supplier_ids)
                & (shipment.company == company_id())
                & (shipment.effective_date >= start)
                & (shipment.effective_date <= end),
                group_by=[shipment.supplier]))
        for supplier_id, count, on_time in cursor:
            result[supplier_id] = {
                'deliveries': int(count),
                'on_time_rate': (Decimal(100) * on_time / count).quantize(
                    Decimal('0.1')),
                'pass_rate': None, 'price_index': None,
                }

        # quality: accepted (done) against delivered (done + refused)
        cursor.execute(*from_supplier.select(
                shipment.supplier,
                Sum(Case((move.state == 'done', move.internal_quantity),
                        else_=0)),
                Sum(Case((move.inspection_rejected == True,  # noqa: E712
                            move.internal_quantity), else_=0)),
                where=in_period & (
                    (move.state == 'done')
                    | (move.inspection_rejected == True)),  # noqa: E712
                group_by=[shipment.supplier]))
        for supplier_id, accepted, rejected in cursor:
            delivered = (accepted or 0) + (rejected or 0)
            if delivered and supplier_id in result:
                result[supplier_id]['pass_rate'] = (
                    Decimal(100) * Decimal(str(accepted or 0))
                    / Decimal(str(delivered))).quantize(Decimal('0.1'))

        # price: per material, the supplier's average unit price (by
        # default-unit quantity) against all suppliers' average
        cursor.execute(*from_supplier.select(
                shipment.supplier, move.product,
                Sum(move.unit_price * move.quantity),
                Sum(move.internal_quantity),
                where=in_period & (move.state == 'done')
                & (move.unit_price != Null) & (move.internal_quantity > 0),
                group_by=[shipment.supplier, move.product]))
        rows = [(s, p, Decimal(str(a)), Decimal(str(q)))
            for s, p, a, q in cursor]
        totals = {}
        for _, product, amount, quantity in rows:
            a, q = totals.get(product, (0, 0))
            totals[product] = (a + amount, q + quantity)
        weighted = {}
        for supplier_id, product, amount, quantity in rows:
            all_amount, all_quantity = totals[product]
            if not all_amount:
                continue
            ratio = (amount / quantity) / (all_amount / all_quantity)
            w, total = weighted.get(supplier_id, (0, 0))
            weighted[supplier_id] = (w + ratio * amount, total + amount)
        for supplier_id, (w, total) in weighted.items():
            if total and supplier_id in result:
                result[supplier_id]['price_index'] = (w / total).quantize(
                    Decimal('0.01'))
        return result

    @classmethod
    def evaluate_period(cls, start, end):
        """Draft evaluations, computed, of every supplier with a delivery in
        the period (a supplier already evaluated for it is skipped)."""
        pool = Pool()
        Shipment = pool.get('stock.shipment.in')
        shipments = Shipment.search([
                ('state', '=', 'done'),
                ('effective_date', '>=', start),
                ('effective_date', '<=', end),
                ])
        suppliers = {s.supplier for s in shipments}
        done = {e.supplier for e in cls.search([
                    ('start_date', '=', start), ('end_date', '=', end)])}
        evaluations = cls.create([{
                    'supplier': s.id, 'start_date': start, 'end_date': end}
                for s in sorted(suppliers - done, key=lambda s: s.id)])
        cls.compute(evaluations)
        return evaluations

    @classmethod
    def evaluate_last_month(cls):
        "Cron: the evaluations of the month before, on the 1st."
        today = company_today()
        end = today.replace(day=1) - dt.timedelta(days=1)
        return cls.evaluate_period(end.replace(day=1), end)
