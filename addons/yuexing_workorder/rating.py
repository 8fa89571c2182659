"""评价: the customer's 1–5 stars on punctuality, quality, attitude and
cleanliness; each rating updates the technician's average."""
from decimal import ROUND_HALF_UP, Decimal

from sql.aggregate import Avg, Count

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .exceptions import WorkOrderError

ASPECTS = ['punctuality', 'quality', 'attitude', 'cleanliness']
CHANNELS = [
    ('back_office', "Back Office"),
    ('mini_program', "Mini-program"),
    ('portal', "Portal"),
    ('phone', "Phone Survey"),
    ]


class Rating(ModelSQL, ModelView):
    "Rating"
    __name__ = 'yuexing.work_order.rating'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE',
        domain=[('state', 'in', ['done', 'closed'])])
    technician = fields.Many2One(
        'company.employee', "Technician", readonly=True)
    punctuality = fields.Integer(
        "Punctuality", required=True,
        domain=[('punctuality', '>=', 1), ('punctuality', '<=', 5)])
    quality = fields.Integer(
        "Quality", required=True,
        domain=[('quality', '>=', 1), ('quality', '<=', 5)])
    attitude = fields.Integer(
        "Attitude", required=True,
        domain=[('attitude', '>=', 1), ('attitude', '<=', 5)])
    cleanliness = fields.Integer(
        "Cleanliness", required=True,
        domain=[('cleanliness', '>=', 1), ('cleanliness', '<=', 5)])
    score = fields.Numeric("Score", digits=(3, 2), readonly=True)
    comment = fields.Text("Comment")
    channel = fields.Selection(CHANNELS, "Channel", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        t = cls.__table__()
        cls._sql_constraints += [
            ('order_unique', Unique(t, t.work_order),
                'yuexing_workorder.msg_rating_unique'),
            ]

    @classmethod
    def default_channel(cls):
        return 'back_office'

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('work_order'):
            order = WorkOrder(values['work_order'])
            if order.state not in {'done', 'closed'}:
                raise WorkOrderError(gettext(
                        'yuexing_workorder.msg_rating_not_done',
                        order=order.rec_name))
            values['technician'] = (
                order.technician.id if order.technician else None)
        if all(values.get(a) for a in ASPECTS):
            values['score'] = (Decimal(sum(values[a] for a in ASPECTS))
                / len(ASPECTS)).quantize(Decimal('0.01'), ROUND_HALF_UP)
        return values

    @classmethod
    def on_modification(cls, mode, ratings, field_names=None):
        super().on_modification(mode, ratings, field_names=field_names)
        technicians = {r.technician for r in ratings if r.technician}
        if technicians:
            cls.update_technicians(technicians)

    @classmethod
    def update_technicians(cls, technicians):
        "Recompute the average rating of technicians in one query."
        Employee = Pool().get('company.employee')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        ids = [t.id for t in technicians]
        cursor.execute(*table.select(
                table.technician, Avg(table.score), Count(table.id),
                where=table.technician.in_(ids),
                group_by=[table.technician]))
        values = {i: (None, 0) for i in ids}
        for technician, average, count in cursor:
            values[technician] = (
                Decimal(str(average)).quantize(Decimal('0.01'))
                if average is not None else None, count)
        to_write = []
        for technician_id, (average, count) in values.items():
            to_write.extend(([Employee(technician_id)], {
                        'rating': average, 'rating_count': count}))
        with without_check_access():
            Employee.write(*to_write)


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    ratings = fields.One2Many(
        'yuexing.work_order.rating', 'work_order', "Rating",
        readonly=True, size=1)

    @classmethod
    def rate(cls, order, channel='back_office', comment=None, **stars):
        "The customer rates a finished order (once)."
        Rating = Pool().get('yuexing.work_order.rating')
        rating, = Rating.create([{
                    'work_order': order.id, 'channel': channel,
                    'comment': comment, **stars}])
        return rating

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('ratings', None)
        return super().copy(orders, default=default)
