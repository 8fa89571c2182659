"""预约上门: appointments per technician without double booking, the trip,
check-in and check-out at the site (GPS checked against the address)."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.yuexing_base.server_states import ServerStates
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .dispatch import distance_km
from .exceptions import ScheduleConflict

KINDS = [
    ('survey', "Survey"),
    ('construction', "Construction"),
    ('inspection', "Inspection"),
    ]
STATES = [
    ('planned', "Planned"),
    ('on_the_way', "On the Way"),
    ('on_site', "On Site"),
    ('done', "Done"),
    ('missed', "Customer Absent"),
    ('cancelled', "Cancelled"),
    ]
BUSY_STATES = ['planned', 'on_the_way', 'on_site']
# Tolerance for "in the past": a form filled a few minutes ago still counts.
PAST_TOLERANCE = dt.timedelta(minutes=10)


class Visit(ServerStates, Workflow, ModelSQL, ModelView):
    "Visit"
    __name__ = 'yuexing.work_order.visit'
    _planned = {'readonly': Eval('state') != 'planned'}

    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE', states=_planned)
    kind = fields.Selection(KINDS, "Kind", required=True, states=_planned)
    technician = fields.Many2One(
        'company.employee', "Technician", required=True,
        domain=[('is_technician', '=', True)], states=_planned)
    planned_start = fields.DateTime(
        "Planned Start", required=True, states=_planned)
    planned_end = fields.DateTime(
        "Planned End", required=True, states=_planned,
        domain=[('planned_end', '>', Eval('planned_start'))])
    departed_at = fields.DateTime("Departed At", readonly=True)
    last_latitude = fields.Float(
        "Last Latitude", digits=(9, 6), readonly=True)
    last_longitude = fields.Float(
        "Last Longitude", digits=(9, 6), readonly=True)
    last_position_at = fields.DateTime("Position At", readonly=True)
    check_in_at = fields.DateTime("Checked In", readonly=True)
    check_in_latitude = fields.Float(
        "Check-in Latitude", digits=(9, 6), readonly=True)
    check_in_longitude = fields.Float(
        "Check-in Longitude", digits=(9, 6), readonly=True)
    check_in_distance = fields.Integer(
        "Distance from Address (m)", readonly=True)
    check_in_flagged = fields.Boolean(
        "Check-in Far Away", readonly=True,
        help="The check-in was farther from the address than allowed.")
    check_out_at = fields.DateTime("Checked Out", readonly=True)
    note = fields.Text("Note")
    customer = fields.Function(
        fields.Many2One('party.party', "Customer"), 'get_order_field')
    address = fields.Function(
        fields.Many2One('party.address', "Address"), 'get_order_field')
    state = fields.Selection(STATES, "State", readonly=True, required=True)

    del _planned

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.technician, Index.Equality()),
                (t.planned_start, Index.Range()),
                where=t.state.in_(BUSY_STATES)))
        cls._order = [('planned_start', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('planned', 'on_the_way'),
            ('planned', 'on_site'),
            ('on_the_way', 'on_site'),
            ('on_site', 'done'),
            ('planned', 'missed'),
            ('on_the_way', 'missed'),
            ('planned', 'cancelled'),
            ('on_the_way', 'cancelled'),
            }
        cls._buttons.update({
                'depart': {'invisible': Eval('state') != 'planned',
                    'depends': ['state']},
                'check_in_button': {
                    'invisible': ~Eval('state').in_(['planned', 'on_the_way']),
                    'depends': ['state']},
                'check_out': {'invisible': Eval('state') != 'on_site',
                    'depends': ['state']},
                'mark_missed': {
                    'invisible': ~Eval('state').in_(['planned', 'on_the_way']),
                    'depends': ['state']},
                'cancel': {
                    'invisible': ~Eval('state').in_(['planned', 'on_the_way']),
                    'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'planned'

    @classmethod
    def default_kind(cls):
        return 'construction'

    @fields.depends('work_order', 'technician',
        '_parent_work_order.technician')
    def on_change_work_order(self):
        if self.work_order and self.work_order.technician:
            self.technician = self.work_order.technician

    @fields.depends('planned_start', 'planned_end')
    def on_change_planned_start(self):
        if self.planned_start and not self.planned_end:
            self.planned_end = self.planned_start + dt.timedelta(hours=2)

    def get_order_field(self, name):
        value = getattr(self.work_order, name)
        return value.id if value else None

    def get_rec_name(self, name):
        return '%s %s' % (self.work_order.rec_name,
            self.planned_start.strftime('%Y-%m-%d %H:%M'))

    # ---- validation --------------------------------------------------------

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and 'planned_start' in values:
            cls.check_not_past(values['planned_start'])
        return values

    @classmethod
    def check_modification(cls, mode, visits, values=None, external=False):
        super().check_modification(
            mode, visits, values=values, external=external)
        if mode == 'write' and values and 'planned_start' in values:
            cls.check_not_past(values['planned_start'])

    @classmethod
    def check_not_past(cls, start):
        if start and start < dt.datetime.now() - PAST_TOLERANCE:
            raise ScheduleConflict(gettext(
                    'yuexing_workorder.msg_visit_in_past',
                    start=cls.format_local(start)))

    @staticmethod
    def format_local(value):
        "A stored (UTC) datetime as the company's local time."
        pool = Pool()
        Calendar = pool.get('yuexing.sla.calendar')
        zone = Calendar._timezone()
        return value.replace(tzinfo=dt.UTC).astimezone(
            zone).strftime('%Y-%m-%d %H:%M')

    @classmethod
    def validate_fields(cls, visits, field_names):
        super().validate_fields(visits, field_names)
        if field_names and not (field_names & {
                    'technician', 'planned_start', 'planned_end', 'state'}):
            return
        cls.check_double_booking(visits)

    @classmethod
    def check_double_booking(cls, visits):
        "A technician cannot be at two sites at once."
        for visit in visits:
            if visit.state not in BUSY_STATES:
                continue
            others = cls.search([
                    ('id', '!=', visit.id),
                    ('technician', '=', visit.technician.id),
                    ('state', 'in', BUSY_STATES),
                    ('planned_start', '<', visit.planned_end),
                    ('planned_end', '>', visit.planned_start),
                    ], limit=1)
            if others:
                other, = others
                raise ScheduleConflict(gettext(
                        'yuexing_workorder.msg_double_booking',
                        technician=visit.technician.rec_name,
                        start=cls.format_local(visit.planned_start),
                        other=other.work_order.rec_name,
                        other_start=cls.format_local(other.planned_start),
                        other_end=cls.format_local(other.planned_end)))

    # ---- trip and site -----------------------------------------------------

    @classmethod
    @ModelView.button
    @strict_transition('on_the_way')
    def depart(cls, visits):
        WorkOrder = Pool().get('yuexing.work_order')
        cls.write(visits, {'departed_at': dt.datetime.now()})
        WorkOrder.notify('order_on_the_way', list({v.work_order
                    for v in visits}))

    @classmethod
    def update_position(cls, visits, latitude, longitude):
        """The technician's last position on the way (shown to the customer
        until arrival; no history is kept)."""
        cls.write([v for v in visits if v.state == 'on_the_way'], {
                'last_latitude': latitude, 'last_longitude': longitude,
                'last_position_at': dt.datetime.now()})

    @classmethod
    @ModelView.button
    def check_in_button(cls, visits):
        cls.check_in(visits)

    @classmethod
    @strict_transition('on_site')
    def check_in(cls, visits, latitude=None, longitude=None):
        """Arrive at the site. With a GPS position, a check-in too far from
        the address is flagged (not refused)."""
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Configuration = pool.get('yuexing.configuration')
        radius = Configuration(1).check_in_radius
        now = dt.datetime.now()
        to_write = []
        for visit in visits:
            values = {
                'check_in_at': now,
                'check_in_latitude': latitude,
                'check_in_longitude': longitude,
                # The trail ends at arrival.
                'last_latitude': None, 'last_longitude': None,
                'last_position_at': None,
                }
            order = visit.work_order
            distance = distance_km(
                latitude, longitude, order.latitude, order.longitude)
            if distance is not None:
                values['check_in_distance'] = int(distance * 1000)
                values['check_in_flagged'] = distance * 1000 > radius
            to_write.extend(([visit], values))
        if not to_write:
            return
        cls.write(*to_write)
        orders = list({v.work_order for v in visits})
        WorkOrder.reach_milestone(orders, 'arrived_at', now)
        WorkOrder.notify('order_arrived', orders)
        starting = [v.work_order for v in visits
            if v.kind == 'construction' and v.work_order.state == 'accepted']
        if starting:
            WorkOrder.start_construction(list(set(starting)))

    @classmethod
    @ModelView.button
    @strict_transition('done')
    def check_out(cls, visits):
        cls.write(visits, {'check_out_at': dt.datetime.now()})

    @classmethod
    @ModelView.button
    @strict_transition('missed')
    def mark_missed(cls, visits):
        pass

    @classmethod
    @ModelView.button
    @strict_transition('cancelled')
    def cancel(cls, visits):
        pass


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    visits = fields.One2Many(
        'yuexing.work_order.visit', 'work_order', "Visits")

    @classmethod
    @strict_transition('on_site')
    def start_construction(cls, orders):
        "Construction starts: the process steps are laid out."
        pool = Pool()
        Step = pool.get('yuexing.work_order.step')
        Step.create_for_orders(orders)

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('visits', None)
        return super().copy(orders, default=default)

    @classmethod
    def technician_schedule(cls, technician, start, end):
        "The technician's visits between start and end (calendar, API)."
        Visit = Pool().get('yuexing.work_order.visit')
        return Visit.search([
                ('technician', '=', technician.id),
                ('planned_start', '<', end),
                ('planned_end', '>', start),
                ('state', '!=', 'cancelled'),
                ], order=[('planned_start', 'ASC')])

