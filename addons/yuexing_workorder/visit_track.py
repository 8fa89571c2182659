"""轨迹: the positions a technician reported on the way to a visit, kept so
that the customer sees the route travelled, not only the last point.
Coordinates are GCJ-02, as wx.getLocation(type: 'gcj02') gives them."""
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

# What one order detail answers at most (the newest points).
MAX_POINTS = 200


class TrackPoint(ModelSQL, ModelView):
    "Visit Track Point"
    __name__ = 'yuexing.work_order.visit.track_point'
    visit = fields.Many2One('yuexing.work_order.visit', "Visit",
        required=True, ondelete='CASCADE', readonly=True)
    latitude = fields.Float("Latitude", digits=(9, 6), required=True,
        readonly=True, help="GCJ-02.")
    longitude = fields.Float("Longitude", digits=(9, 6), required=True,
        readonly=True, help="GCJ-02.")
    recorded_at = fields.DateTime("Recorded At", required=True,
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('recorded_at', 'ASC'), ('id', 'ASC')]
        table = cls.__table__()
        cls._sql_indexes.add(Index(table,
                (table.visit, Index.Range()),
                (table.recorded_at, Index.Range())))

    @classmethod
    def record(cls, visits, latitude, longitude, at):
        "One point per visit (server code: the technician reported it)."
        cls.create([{'visit': v.id, 'latitude': latitude,
                    'longitude': longitude, 'recorded_at': at}
                for v in visits])

    @classmethod
    def of_visit(cls, visit):
        "The visit's points, oldest first (the newest MAX_POINTS)."
        points = cls.search([('visit', '=', visit.id)],
            order=[('recorded_at', 'DESC'), ('id', 'DESC')],
            limit=MAX_POINTS)
        return list(reversed(points))


class Visit(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order.visit'
    track = fields.One2Many('yuexing.work_order.visit.track_point', 'visit',
        "Track", readonly=True)

    @classmethod
    def update_position(cls, visits, latitude, longitude):
        "The last position, and the same point kept in the track."
        TrackPoint = Pool().get('yuexing.work_order.visit.track_point')
        super().update_position(visits, latitude, longitude)
        moving = [v for v in cls.browse([v.id for v in visits])
            if v.state == 'on_the_way' and v.last_position_at]
        with without_check_access():
            for visit in moving:
                TrackPoint.record([visit], latitude, longitude,
                    visit.last_position_at)
