"""工单成本: material, labour (piece rate or hours × rate), subcontract and
indirect cost lines per order, ready for the finance connector to book."""
from decimal import ROUND_HALF_UP, Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    Index,
    ModelSQL,
    ModelView,
    fields,
    sequence_ordered,
)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import WorkOrderError
from .work_order import LEAK_SITES, TYPES

CENT = Decimal('0.01')
KINDS = [
    ('material', "Material"),
    ('labour', "Labour"),
    ('subcontract', "Subcontract"),
    ('indirect', "Indirect"),
    ]


def _cents(value):
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


class PieceRate(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Piece Rate"
    __name__ = 'yuexing.piece_rate'
    name = fields.Char("Name", required=True)
    leak_site = fields.Selection(
        [(None, "Any")] + LEAK_SITES, "Leak Site", sort=False)
    order_type = fields.Selection([(None, "Any")] + TYPES, "Order Type")
    base_amount = fields.Numeric(
        "Per Order", digits=(16, 2), required=True,
        domain=[('base_amount', '>=', 0)])
    unit_amount = fields.Numeric(
        "Per m² or m", digits=(16, 2), required=True,
        domain=[('unit_amount', '>=', 0)])

    @classmethod
    def default_base_amount(cls):
        return Decimal(0)

    @classmethod
    def default_unit_amount(cls):
        return Decimal(0)

    def matches(self, order):
        return ((not self.leak_site or self.leak_site == order.leak_site)
            and (not self.order_type or self.order_type == order.type))

    @classmethod
    def amount_for(cls, order):
        "The technician's piece-rate pay for a finished order, or None."
        rates = [r for r in cls.search([]) if r.matches(order)]
        if not rates:
            return None
        rate = max(rates, key=lambda r: (
                bool(r.leak_site) + bool(r.order_type), -(r.sequence or 0)))
        quantity = Decimal(str(order.quantity or 0))
        return _cents(rate.base_amount + rate.unit_amount * quantity)


class CostLine(ModelSQL, ModelView):
    "Work Order Cost"
    __name__ = 'yuexing.work_order.cost'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE')
    kind = fields.Selection(KINDS, "Kind", required=True)
    kind_string = kind.translated('kind')
    description = fields.Char("Description", required=True)
    date = fields.Date("Date", required=True)
    product = fields.Many2One('product.product', "Product")
    employee = fields.Many2One('company.employee', "Employee")
    quantity = fields.Float(
        "Quantity", digits=(16, 2), required=True,
        domain=[('quantity', '>=', 0)])
    unit_cost = fields.Numeric(
        "Unit Cost", digits=(16, 2), required=True,
        domain=[('unit_cost', '>=', 0)])
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)
    automatic = fields.Boolean(
        "Automatic", readonly=True,
        help="Computed from the order; recomputed until booked.")
    piece_rate = fields.Boolean(
        "Piece Rate", readonly=True,
        help="Labour paid by the job: feeds the technician's payslip.")
    booked = fields.Boolean(
        "Booked", readonly=True,
        help="Passed to the books; no longer recomputed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.work_order, Index.Equality())),
                Index(t, (t.employee, Index.Equality()),
                    (t.date, Index.Range()),
                    where=t.piece_rate == True),  # noqa: E712
                })
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_kind(cls):
        return 'subcontract'

    @classmethod
    def default_automatic(cls):
        return False

    @classmethod
    def default_piece_rate(cls):
        return False

    @classmethod
    def default_booked(cls):
        return False

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is None or {'quantity', 'unit_cost'} & field_names:
            if (getattr(self, 'quantity', None) is not None
                    and getattr(self, 'unit_cost', None) is not None):
                amount = _cents(Decimal(str(self.quantity)) * self.unit_cost)
                if getattr(self, 'amount', None) != amount:
                    values['amount'] = amount
        return values

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        # Booked lines are in the books: only the flag itself may be set.
        changing = mode == 'delete' or (
            mode == 'write' and bool(set(values or {}) - {'booked'}))
        if changing:
            for line in lines:
                if line.booked:
                    raise WorkOrderError(gettext(
                            'yuexing_workorder.msg_cost_booked',
                            order=line.work_order.rec_name))

    @classmethod
    def compute_for(cls, orders):
        """(Re)compute the automatic cost lines of finished orders; booked
        lines are kept as they are."""
        pool = Pool()
        Configuration = pool.get('yuexing.configuration')
        PieceRate = pool.get('yuexing.piece_rate')
        Date = pool.get('ir.date')
        config = Configuration(1)
        today = Date.today()
        stale = cls.search([
                ('work_order', 'in', [o.id for o in orders]),
                ('automatic', '=', True),
                ('booked', '=', False),
                ])
        booked_orders = {l.work_order for l in cls.search([
                    ('work_order', 'in', [o.id for o in orders]),
                    ('booked', '=', True)])}
        to_create = []
        for order in orders:
            if order in booked_orders:
                continue
            date = (order.completed_at.date() if order.completed_at
                else today)
            direct = Decimal(0)
            for material in order.materials:
                to_create.append({
                        'work_order': order.id, 'kind': 'material',
                        'description': material.product.rec_name,
                        'product': material.product.id,
                        'employee': (material.technician.id
                            if material.technician else None),
                        'quantity': material.quantity,
                        'unit_cost': material.unit_cost,
                        'date': material.date, 'automatic': True,
                        })
                direct += material.cost
            piece = (PieceRate.amount_for(order)
                if order.technician else None)
            if piece is not None:
                to_create.append({
                        'work_order': order.id, 'kind': 'labour',
                        'description': gettext(
                            'yuexing_workorder.msg_cost_piece_rate',
                            order=order.rec_name),
                        'employee': order.technician.id,
                        'quantity': 1, 'unit_cost': piece,
                        'date': date, 'automatic': True, 'piece_rate': True,
                        })
                direct += piece
            else:
                for log in order.daily_logs:
                    cost = _cents(Decimal(str(log.hours))
                        * config.labour_hour_cost)
                    to_create.append({
                            'work_order': order.id, 'kind': 'labour',
                            'description': gettext(
                                'yuexing_workorder.msg_cost_hours',
                                date=log.date.isoformat()),
                            'employee': log.technician.id,
                            'quantity': log.hours,
                            'unit_cost': config.labour_hour_cost,
                            'date': log.date, 'automatic': True,
                            })
                    direct += cost
            if config.indirect_rate and direct:
                to_create.append({
                        'work_order': order.id, 'kind': 'indirect',
                        'description': gettext(
                            'yuexing_workorder.msg_cost_indirect',
                            rate='%.0f%%' % (config.indirect_rate * 100)),
                        'quantity': 1,
                        'unit_cost': _cents(direct * config.indirect_rate),
                        'date': date, 'automatic': True,
                        })
        with without_check_access():
            cls.delete([l for l in stale if l.work_order not in
                    booked_orders])
            return cls.create(to_create)

    @classmethod
    def piece_rate_totals(cls, employees, start_date, end_date):
        """{employee id: [(description, amount, order)]} of piece-rate pay
        earned between the dates (for the payslips)."""
        result = {e.id: [] for e in employees}
        for line in cls.search([
                    ('piece_rate', '=', True),
                    ('employee', 'in', list(result)),
                    ('date', '>=', start_date),
                    ('date', '<=', end_date),
                    ], order=[('date', 'ASC'), ('id', 'ASC')]):
            result[line.employee.id].append(
                (line.description, line.amount, line.work_order))
        return result


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    labour_hour_cost = fields.Numeric(
        "Labour Cost per Hour", digits=(16, 2), required=True,
        domain=[('labour_hour_cost', '>=', 0)],
        help="Used for labour not paid by piece rate.")
    indirect_rate = fields.Numeric(
        "Indirect Cost Rate", digits=(4, 4), required=True,
        domain=[('indirect_rate', '>=', 0), ('indirect_rate', '<', 1)],
        help="Overheads added to the direct costs of each order.")

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for name in ['labour_hour_cost', 'indirect_rate']:
            column = getattr(table, name)
            cursor.execute(*table.update(
                    [column], [getattr(cls, 'default_' + name)()],
                    where=column == None))  # noqa: E711

    @classmethod
    def default_labour_hour_cost(cls):
        return Decimal('45')

    @classmethod
    def default_indirect_rate(cls):
        return Decimal('0.08')


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    costs = fields.One2Many(
        'yuexing.work_order.cost', 'work_order', "Costs",
        states={'readonly': ~Eval('state').in_(
                ['on_site', 'to_accept', 'done'])})
    cost_total = fields.Function(
        fields.Numeric("Total Cost", digits=(16, 2)), 'get_cost_totals')
    gross_margin = fields.Function(
        fields.Numeric("Gross Margin", digits=(16, 2)), 'get_cost_totals')

    @classmethod
    def get_cost_totals(cls, orders, names):
        result = {n: {} for n in names}
        for order in orders:
            cost = sum((c.amount or 0 for c in order.costs), Decimal(0))
            revenue = (order.quote.untaxed_amount
                if order.quote and order.quote.state == 'confirmed'
                else Decimal(0))
            if 'cost_total' in names:
                result['cost_total'][order.id] = cost
            if 'gross_margin' in names:
                result['gross_margin'][order.id] = (
                    revenue - cost if order.quote else None)
        return result

    @classmethod
    def mark_done(cls, orders):
        super().mark_done(orders)
        CostLine = Pool().get('yuexing.work_order.cost')
        CostLine.compute_for(orders)

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('costs', None)
        return super().copy(orders, default=default)
