"""派工: recommendation, manual assignment, the grab pool, acceptance,
rejection, reassignment (转派) and timeouts — with the full history."""
import datetime as dt
import math

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.yuexing_base.workflow import strict_transition
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import DispatchError, GrabConflict

METHODS = [
    ('manual', "Manual"),
    ('pool', "Grab Pool"),
    ('reassign', "Reassignment"),
    ]
DISPATCH_STATES = [
    ('offered', "Waiting Acceptance"),
    ('accepted', "Accepted"),
    ('rejected', "Rejected"),
    ('timeout', "Timed Out"),
    ('reassigned', "Reassigned"),
    ('cancelled', "Cancelled"),
    ]
# Weights of the recommendation score (out of 100).
WEIGHTS = {'distance': 35, 'workload': 25, 'rating': 20, 'skill': 10,
    'preferred': 10}
DISTANCE_HORIZON_KM = 30


def distance_km(lat1, lon1, lat2, lon2):
    "Great-circle distance (haversine), in km."
    if None in (lat1, lon1, lat2, lon2):
        return None
    rlat1, rlat2 = math.radians(lat1), math.radians(lat2)
    dlat = rlat2 - rlat1
    dlon = math.radians(lon2 - lon1)
    a = (math.sin(dlat / 2) ** 2
        + math.cos(rlat1) * math.cos(rlat2) * math.sin(dlon / 2) ** 2)
    return 6371.0 * 2 * math.asin(math.sqrt(a))


class Dispatch(ModelSQL, ModelView):
    "Dispatch"
    __name__ = 'yuexing.work_order.dispatch'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE')
    technician = fields.Many2One(
        'company.employee', "Technician", required=True,
        ondelete='RESTRICT')
    method = fields.Selection(METHODS, "Method", required=True)
    state = fields.Selection(DISPATCH_STATES, "State", required=True)
    offered_at = fields.DateTime("Offered At", required=True)
    responded_at = fields.DateTime("Responded At")
    dispatcher = fields.Many2One('res.user', "Dispatcher")
    score = fields.Float("Score", digits=(5, 1))
    reasons = fields.Text("Why")
    reason = fields.Text("Reason")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.state, Index.Equality()),
                (t.offered_at, Index.Range()),
                where=t.state == 'offered'))
        cls._order = [('offered_at', 'DESC'), ('id', 'DESC')]

    @classmethod
    def close_open(cls, orders, state, reason=None):
        "Close the dispatches still waiting or running on these orders."
        records = cls.search([
                ('work_order', 'in', [o.id for o in orders]),
                ('state', 'in', ['offered', 'accepted']),
                ])
        if records:
            # The history is kept by the system for whoever acted.
            with without_check_access():
                cls.write(records, {
                        'state': state, 'reason': reason,
                        'responded_at': dt.datetime.now()})
        return records

    # ---- recommendation ----------------------------------------------------

    @classmethod
    def _date_and_capacity(cls, date=None):
        "The ranking's date (default today) and open-order capacity."
        pool = Pool()
        Configuration = pool.get('yuexing.configuration')
        return (date or pool.get('ir.date').today(),
            Configuration(1).max_open_orders)

    @classmethod
    def _technicians(cls, company, date, technicians=None):
        "The technicians employed on date, limited to technicians if given."
        Employee = Pool().get('company.employee')
        domain = [
            ('company', '=', company.id),
            ('is_technician', '=', True),
            ['OR', ('end_date', '=', None), ('end_date', '>', date)],
            ]
        if technicians is not None:
            domain.append(('id', 'in', [t.id for t in technicians]))
        return Employee.search(domain)

    @classmethod
    def candidates(cls, order, date=None, technicians=None):
        """Rank the technicians for an order.

        Returns a list of dicts (technician, eligible, score, distance,
        open_orders, rating, reasons) with the eligible ones first, best
        score first. A few bulk queries whatever the number of technicians.
        technicians limits the ranking to these: each one's figures do not
        depend on the others.
        """
        pool = Pool()
        Employee = pool.get('company.employee')
        WorkOrder = pool.get('yuexing.work_order')
        date, capacity = cls._date_and_capacity(date)
        technicians = cls._technicians(order.company, date, technicians)
        excluded = Employee.qualified(
            technicians, order.required_skills, date)
        open_counts = WorkOrder.open_counts(technicians)
        result = [cls._candidate(order, technician,
                excluded.get(technician, []),
                open_counts.get(technician.id, 0), capacity)
            for technician in technicians]
        result.sort(key=lambda c: (not c['eligible'], -c['score']))
        return result

    @classmethod
    def pool_candidates(cls, orders, technician, date=None):
        """{order: the technician's candidate dict, or None when not
        employed} for many orders (the grab pool seen from the 师傅端): the
        technician's load is read once and the qualifications once per
        distinct set of required skills, not once per order."""
        pool = Pool()
        Employee = pool.get('company.employee')
        WorkOrder = pool.get('yuexing.work_order')
        date, capacity = cls._date_and_capacity(date)
        employed = cls._technicians(technician.company, date, [technician])
        if not employed:
            return dict.fromkeys(orders)
        load = WorkOrder.open_counts(employed).get(technician.id, 0)
        excluded_by_skills = {}
        result = {}
        for order in orders:
            skills = frozenset(order.required_skills)
            if skills not in excluded_by_skills:
                excluded_by_skills[skills] = Employee.qualified(
                    employed, skills, date).get(technician, [])
            result[order] = cls._candidate(order, technician,
                excluded_by_skills[skills], load, capacity)
        return result

    @classmethod
    def _candidate(cls, order, technician, excluded, load, capacity):
        "One technician's eligibility, score and reasons for one order."
        reasons, blockers = [], []
        for kind, what in excluded:
            message = ('msg_reason_missing_skill' if kind == 'skill'
                else 'msg_reason_no_certificate')
            blockers.append(gettext(
                    'yuexing_workorder.' + message, name=what.rec_name))
        regions = ({order.district, order.district.parent}
            if order.district else set())
        if (regions and technician.service_regions
                and not regions & set(technician.service_regions)):
            blockers.append(gettext(
                    'yuexing_workorder.msg_reason_out_of_region'))
        if load >= capacity:
            blockers.append(gettext(
                    'yuexing_workorder.msg_reason_full',
                    count=load, capacity=capacity))
        distance = distance_km(
            technician.base_latitude, technician.base_longitude,
            order.latitude, order.longitude)
        rating = float(technician.rating) if technician.rating else 3.5
        ranks = [technician.skill_rank(s) for s in order.required_skills]
        skill_level = sum(ranks) / (4 * len(ranks)) if ranks else 0.5
        score = (
            WEIGHTS['distance'] * (max(0.0,
                    1 - distance / DISTANCE_HORIZON_KM)
                if distance is not None else 0.3)
            + WEIGHTS['workload'] * max(0.0, 1 - load / capacity)
            + WEIGHTS['rating'] * rating / 5
            + WEIGHTS['skill'] * skill_level)
        if order.preferred_technician == technician:
            score += WEIGHTS['preferred']
            reasons.append(gettext('yuexing_workorder.msg_reason_preferred'))
        if distance is not None:
            reasons.append(gettext(
                    'yuexing_workorder.msg_reason_distance',
                    km='%.1f' % distance))
        reasons.append(gettext(
                'yuexing_workorder.msg_reason_load',
                count=load, capacity=capacity))
        reasons.append(gettext(
                'yuexing_workorder.msg_reason_rating',
                rating='%.1f' % rating))
        return {
            'technician': technician,
            'eligible': not blockers,
            'score': round(score, 1),
            'distance': (round(distance, 1)
                if distance is not None else None),
            'open_orders': load,
            'rating': rating,
            'reasons': '；'.join(blockers + reasons),
            }

    @classmethod
    def check_eligible(cls, order, technician):
        for candidate in cls.candidates(order, technicians=[technician]):
            if candidate['technician'] == technician:
                if not candidate['eligible']:
                    raise DispatchError(gettext(
                            'yuexing_workorder.msg_technician_not_eligible',
                            technician=technician.rec_name,
                            order=order.rec_name,
                            reasons=candidate['reasons']))
                return candidate
        raise DispatchError(gettext(
                'yuexing_workorder.msg_technician_not_eligible',
                technician=technician.rec_name, order=order.rec_name,
                reasons=''))


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'dispatch': {
                    'invisible': ~Eval('state').in_(
                        ['confirmed', 'dispatched', 'accepted']),
                    'depends': ['state'],
                    },
                'accept': {
                    'invisible': Eval('state') != 'dispatched',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'dispatched',
                    'depends': ['state'],
                    },
                })

    @classmethod
    @ModelView.button_action('yuexing_workorder.wizard_assign')
    def dispatch(cls, orders):
        pass

    def check_dispatchable(self):
        "An order is dispatched only once its quote is confirmed."
        if not self.quote or self.quote.state != 'confirmed':
            raise DispatchError(gettext(
                    'yuexing_workorder.msg_dispatch_unconfirmed_quote',
                    order=self.rec_name))

    @classmethod
    def assign(cls, orders, technician, note=None, check=True):
        """Offer the orders to a technician (manual dispatch or 转派)."""
        pool = Pool()
        Dispatch = pool.get('yuexing.work_order.dispatch')
        now = dt.datetime.now()
        user = Transaction().user or None
        dispatches = []
        for order in orders:
            order.check_dispatchable()
            if order.state not in {'confirmed', 'dispatched', 'accepted'}:
                raise DispatchError(gettext(
                        'yuexing_workorder.msg_cannot_dispatch',
                        order=order.rec_name, state=order.state_string))
            if order.technician == technician and order.state != 'confirmed':
                raise DispatchError(gettext(
                        'yuexing_workorder.msg_same_technician',
                        order=order.rec_name,
                        technician=technician.rec_name))
            candidate = (Dispatch.check_eligible(order, technician)
                if check else {})
            reassigned = order.state != 'confirmed'
            if reassigned:
                Dispatch.close_open([order], 'reassigned', note)
            dispatches.append({
                    'work_order': order.id,
                    'technician': technician.id,
                    'method': 'reassign' if reassigned else 'manual',
                    'state': 'offered',
                    'offered_at': now,
                    'dispatcher': user,
                    'score': candidate.get('score'),
                    'reasons': candidate.get('reasons'),
                    'reason': note,
                    })
        with without_check_access():
            Dispatch.create(dispatches)
        with cls._set_state_reason(note):
            cls.write(list(orders), {
                    'technician': technician.id, 'state': 'dispatched',
                    'pool_open': False, 'escalated': False})
        cls.notify('order_dispatched', orders,
            users=cls.users_of([technician]))

    @classmethod
    def publish(cls, orders):
        "Open the orders to the grab pool of eligible technicians."
        for order in orders:
            order.check_dispatchable()
            if order.state != 'confirmed':
                raise DispatchError(gettext(
                        'yuexing_workorder.msg_cannot_dispatch',
                        order=order.rec_name, state=order.state_string))
        cls.write(list(orders), {
                'pool_open': True, 'pool_opened_at': dt.datetime.now(),
                'escalated': False})

    @classmethod
    def grab(cls, order, technician):
        """The first eligible technician who grabs a published order gets it.

        The claim is one conditional UPDATE, so that among simultaneous
        grabs exactly one succeeds; the others get GrabConflict (HTTP 409).
        """
        pool = Pool()
        Dispatch = pool.get('yuexing.work_order.dispatch')
        candidate = Dispatch.check_eligible(order, technician)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        # A savepoint keeps the transaction usable when a concurrent grab
        # committed first (PostgreSQL serialisation failure): the loser then
        # gets a clear answer instead of an aborted transaction.
        cursor.execute('SAVEPOINT yx_grab')
        try:
            cursor.execute(*table.update(
                    [table.pool_open], [False],
                    where=(table.id == order.id)
                    & (table.pool_open == True)  # noqa: E712
                    & (table.state == 'confirmed')))
            claimed = cursor.rowcount == 1
        except backend.DatabaseOperationalError:
            cursor.execute('ROLLBACK TO SAVEPOINT yx_grab')
            claimed = False
        else:
            cursor.execute('RELEASE SAVEPOINT yx_grab')
        if not claimed:
            raise GrabConflict(gettext(
                    'yuexing_workorder.msg_grab_taken',
                    order=order.rec_name))
        now = dt.datetime.now()
        # The claim is made: record it even though the order was not yet
        # the technician's when the request started.
        with without_check_access():
            cls._record_grab(order, technician, candidate, now)
        return order

    @classmethod
    def _record_grab(cls, order, technician, candidate, now):
        Dispatch = Pool().get('yuexing.work_order.dispatch')
        Dispatch.create([{
                    'work_order': order.id,
                    'technician': technician.id,
                    'method': 'pool',
                    'state': 'accepted',
                    'offered_at': order.pool_opened_at or now,
                    'responded_at': now,
                    'score': candidate['score'],
                    'reasons': candidate['reasons'],
                    }])
        cls.write([order], {
                'technician': technician.id, 'state': 'accepted',
                'pool_open': False})

    @classmethod
    @ModelView.button
    @strict_transition('accepted')
    def accept(cls, orders):
        "The technician accepts the dispatched orders."
        Dispatch = Pool().get('yuexing.work_order.dispatch')
        records = Dispatch.search([
                ('work_order', 'in', [o.id for o in orders]),
                ('state', '=', 'offered')])
        if records:
            with without_check_access():
                Dispatch.write(records, {
                        'state': 'accepted',
                        'responded_at': dt.datetime.now()})

    @classmethod
    @ModelView.button_action('yuexing_workorder.wizard_reject')
    def reject(cls, orders):
        pass

    @classmethod
    def do_reject(cls, orders, reason):
        """The technician refuses: back to the dispatcher (and the pool if the
        order came from it)."""
        Dispatch = Pool().get('yuexing.work_order.dispatch')
        if not reason:
            raise DispatchError(gettext(
                    'yuexing_workorder.msg_reason_required'))
        for order in orders:
            if order.state != 'dispatched':
                raise DispatchError(gettext(
                        'yuexing_workorder.msg_cannot_reject',
                        order=order.rec_name, state=order.state_string))
        Dispatch.close_open(orders, 'rejected', reason)
        with cls._set_state_reason(reason):
            cls.write(list(orders), {
                    'state': 'confirmed', 'technician': None,
                    'escalated': True})
        cls.notify('order_rejected', orders, users=cls.dispatchers())

    @classmethod
    def users_of(cls, employees):
        "The login accounts of employees (technicians use the 师傅端)."
        User = Pool().get('res.user')
        return User.search([('employees', 'in', [e.id for e in employees])])

    @classmethod
    def supervisors(cls):
        "Who inspects finished work: project managers and dispatchers."
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        groups = [ModelData.get_id('yuexing_base', g)
            for g in ['group_project_manager', 'group_dispatcher']]
        return User.search([('groups', 'in', groups)])

    @classmethod
    def dispatchers(cls):
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        group = ModelData.get_id('yuexing_base', 'group_dispatcher')
        return User.search([('groups', '=', group)])

    @classmethod
    def check_timeouts(cls, now=None):
        """Cron: orders not accepted, or not grabbed, in time go back to the
        dispatcher, who is alerted."""
        pool = Pool()
        Dispatch = pool.get('yuexing.work_order.dispatch')
        Configuration = pool.get('yuexing.configuration')
        config = Configuration(1)
        now = now or dt.datetime.now()
        late = Dispatch.search([
                ('state', '=', 'offered'),
                ('offered_at', '<', now - dt.timedelta(
                        minutes=config.acceptance_timeout)),
                ])
        orders = [d.work_order for d in late
            if d.work_order.state == 'dispatched']
        if late:
            Dispatch.write(late, {'state': 'timeout', 'responded_at': now})
        if orders:
            with cls._set_state_reason(gettext(
                        'yuexing_workorder.msg_timeout_reason')):
                cls.write(orders, {
                        'state': 'confirmed', 'technician': None,
                        'escalated': True})
        unclaimed = cls.search([
                ('pool_open', '=', True),
                ('pool_opened_at', '<', now - dt.timedelta(
                        minutes=config.pool_timeout)),
                ])
        if unclaimed:
            cls.write(unclaimed, {'pool_open': False, 'escalated': True})
        escalated = orders + unclaimed
        if escalated:
            cls.notify('order_escalated', escalated,
                users=cls.dispatchers())
        return escalated


class AssignStart(ModelView):
    "Dispatch Work Order"
    __name__ = 'yuexing.work_order.assign.start'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", readonly=True)
    candidates = fields.One2Many(
        'yuexing.work_order.assign.candidate', None, "Recommendations",
        readonly=True)
    work_order_state = fields.Char("Order State", readonly=True)
    eligible = fields.Many2Many(
        'company.employee', None, None, "Eligible", readonly=True)
    technician = fields.Many2One(
        'company.employee', "Technician",
        domain=[('id', 'in', Eval('eligible', []))])
    # (the eligibility is checked again when assigning: Dispatch.assign)
    note = fields.Text("Note")


class AssignCandidate(ModelView):
    "Dispatch Recommendation"
    __name__ = 'yuexing.work_order.assign.candidate'
    technician = fields.Many2One('company.employee', "Technician")
    eligible = fields.Boolean("Eligible")
    score = fields.Float("Score", digits=(5, 1))
    distance = fields.Float("Distance (km)", digits=(6, 1))
    open_orders = fields.Integer("Open Orders")
    rating = fields.Float("Rating", digits=(3, 1))
    reasons = fields.Text("Why")


class Assign(Wizard):
    "Dispatch Work Order"
    __name__ = 'yuexing.work_order.assign'
    start = StateView('yuexing.work_order.assign.start',
        'yuexing_workorder.assign_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Publish to Grab Pool", 'publish', 'tryton-public',
                states={
                    'invisible': Eval('work_order_state') != 'confirmed',
                    }),
            Button("Assign", 'assign', 'tryton-ok', default=True,
                states={'readonly': ~Eval('technician')}),
            ])
    assign = StateTransition()
    publish = StateTransition()

    def default_start(self, fields):
        Dispatch = Pool().get('yuexing.work_order.dispatch')
        order = self.record
        candidates = Dispatch.candidates(order)
        eligible = [c['technician'].id for c in candidates if c['eligible']]
        return {
            'work_order': order.id,
            'work_order_state': order.state,
            'candidates': [{
                    'technician': c['technician'].id,
                    'eligible': c['eligible'],
                    'score': c['score'],
                    'distance': c['distance'],
                    'open_orders': c['open_orders'],
                    'rating': c['rating'],
                    'reasons': c['reasons'],
                    } for c in candidates],
            'eligible': eligible,
            'technician': eligible[0] if eligible else None,
            }

    def transition_assign(self):
        self.model.assign([self.record], self.start.technician,
            note=self.start.note)
        return 'end'

    def transition_publish(self):
        self.model.publish([self.record])
        return 'end'
