"""JSON endpoints of the 师傅端 (technicians' mini-program): schedule, grab
pool, own orders, the trip and the site, construction steps, materials,
exceptions and delays, completion and signature, income and ratings.

Each record is first looked up as the caller, so the record rules keep a
technician to their own orders (and to the open pool); the business
methods then run with the system's rights, as the back-office buttons do,
and enforce the states themselves."""
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .dispatch import distance_km
from .exception import KINDS
from .exceptions import GrabConflict
from .routes import (
    ORDER,
    QUOTE,
    STATE_CHOICES,
    STATE_FILTERS,
    STEP_STATES,
    VISIT_STATES,
    _float,
    _label,
    find,
    order_json,
    orders_json,
    uploads_of,
)

TECHNICIANS = ('technician',)
TAGS = ['师傅端']

# ---- schemas ----

VISIT = s.Object({
        'id': s.Integer("预约ID"),
        'order_id': s.Integer("工单ID"),
        'order_number': s.String("工单号"),
        'kind': s.String("类型"),
        'state': s.Enum("状态", VISIT_STATES),
        'start': s.DateTime("计划开始"),
        'end': s.DateTime("计划结束"),
        'address': s.String("地址"),
        'latitude': s.Number("纬度", nullable=True),
        'longitude': s.Number("经度", nullable=True),
        'check_in_flagged': s.Boolean("签到位置异常"),
        'check_in_distance': s.Integer("签到距离（米）", nullable=True),
        }, "上门预约", name='TechnicianVisit')
CHECK = s.Object({
        'id': s.Integer("检查项ID"),
        'name': s.String("检查项"),
        'standard': s.String("标准", nullable=True),
        'mandatory': s.Boolean("必须合格"),
        'result': s.String("结果", nullable=True),
        'note': s.String("备注", nullable=True),
        }, "检查项", name='CheckIn')
STEP = s.Object({
        'id': s.Integer("步骤ID"),
        'name': s.String("步骤"),
        'instructions': s.String("工艺要求", nullable=True),
        'state': s.Enum("状态", STEP_STATES),
        'required_photos': s.Integer("要求照片数"),
        'photos': s.Integer("已传照片数"),
        'min_hours': s.Number("最短时长（小时）", nullable=True),
        'started_at': s.DateTime("开始时间", nullable=True),
        'checks': s.List("检查项", CHECK),
        }, "施工步骤", name='TechnicianStep')
MATERIAL = s.Object({
        'id': s.Integer("领用ID"),
        'product': s.String("材料"),
        'quantity': s.Number("数量"),
        'unit': s.String("单位"),
        'step_id': s.Integer("步骤ID", nullable=True),
        }, "材料领用", name='MaterialUse')
WORK_ORDER = s.Object({
        **ORDER.fields,
        'customer': s.String("客户"),
        'contact_name': s.String("联系人", nullable=True),
        'contact_phone': s.String("联系电话", nullable=True),
        'latitude': s.Number("纬度", nullable=True),
        'longitude': s.Number("经度", nullable=True),
        'quote': s.Object(QUOTE.fields, "当前报价", nullable=True),
        'visits': s.List("上门预约", VISIT),
        'steps': s.List("施工步骤", STEP),
        'materials': s.List("材料领用", MATERIAL),
        'progress': s.Number("施工进度"),
        'signed': s.Boolean("客户已签字"),
        }, "师傅工单", name='TechnicianOrder')
INCOME_LINE = s.Object({
        'date': s.Date("日期"),
        'order_number': s.String("工单号", nullable=True),
        'description': s.String("项目"),
        'amount': s.Money("金额"),
        }, "收入明细", name='IncomeLine')

# ---- helpers ----


def technician_of(call):
    "The caller's employee record; 403 when the account has none."
    employee = call.user.employee
    if not employee or not employee.is_technician:
        raise api.ApiError(403, 'not_technician',
            gettext('yuexing_workorder.msg_api_not_technician'))
    return employee


def own_order(call, order_id):
    "An order assigned to the caller (404 for any other)."
    order = find('yuexing.work_order', order_id)
    if order.technician != technician_of(call):
        raise api.not_found()
    return order


def own(model, record_id, call):
    "A record of an order assigned to the caller."
    record = find(model, record_id)
    if record.work_order.technician != technician_of(call):
        raise api.not_found()
    return record


def wrong_state(order):
    return api.ApiError(409, 'wrong_state', gettext(
            'yuexing_workorder.msg_api_wrong_state',
            order=order.number, state=_label(order, 'state')))


def visit_json(visit):
    order = visit.work_order
    return {
        'id': visit.id,
        'order_id': order.id,
        'order_number': order.number,
        'kind': visit.kind,
        'state': visit.state,
        'start': visit.planned_start,
        'end': visit.planned_end,
        'address': order.address.rec_name,
        'latitude': _float(order.latitude),
        'longitude': _float(order.longitude),
        'check_in_flagged': bool(visit.check_in_flagged),
        'check_in_distance': visit.check_in_distance,
        }


def step_json(step):
    return {
        'id': step.id,
        'name': step.name,
        'instructions': step.instructions,
        'state': step.state,
        'required_photos': step.required_photos or 0,
        'photos': step.photo_count,
        'min_hours': step.min_hours,
        'started_at': step.started_at,
        'checks': [{
                'id': c.id, 'name': c.name, 'standard': c.standard,
                'mandatory': bool(c.mandatory), 'result': c.result,
                'note': c.note} for c in step.checks],
        }


def work_order_json(order):
    from .routes import quote_json
    data = order_json(order)
    data.update({
            'customer': order.customer.rec_name,
            'contact_name': order.contact_name,
            # the technician calls the customer: the full number
            'contact_phone': order.contact_phone,
            'latitude': _float(order.latitude),
            'longitude': _float(order.longitude),
            'quote': (quote_json(order.quote)
                if order.quote and order.quote.state in {'sent', 'confirmed'}
                else None),
            'visits': [visit_json(v) for v in order.visits],
            'steps': [step_json(st) for st in order.steps],
            'materials': [{
                    'id': m.id, 'product': m.product.rec_name,
                    'quantity': m.quantity, 'unit': m.unit.rec_name,
                    'step_id': m.step.id if m.step else None,
                    } for m in order.materials],
            'progress': order.progress,
            'signed': bool(order.signed_at),
            })
    return data


def reload(order):
    return order.__class__(order.id)


# ---- list filters (type, date, amount, distance) ----

ORDER_TYPES = [
    ('c_repair', "居民报修"), ('b_repair', "企业报修"),
    ('after_sales', "售后"), ('project', "工程")]
ORDER_FILTERS = {
    'type': s.Enum("工单类型", ORDER_TYPES),
    'date_from': s.Date("报修日期从", description="公司时区（北京时间）"),
    'date_to': s.Date("报修日期至", description="含当天"),
    'min_amount': s.Money("报价金额下限", minimum=0),
    'max_amount': s.Money("报价金额上限", minimum=0),
    'max_distance_km': s.Number("最大距离（公里）", minimum=0,
        maximum=1000, description="距师傅常驻地点的直线距离"),
    }


def filter_domain(query):
    "The domain of the type and date filters (dates of the company)."
    Calendar = Pool().get('yuexing.sla.calendar')
    zone = Calendar._timezone()
    domain = []
    if query.get('type'):
        domain.append(('type', '=', query['type']))
    for name, operator, days in [
            ('date_from', '>=', 0), ('date_to', '<', 1)]:
        if query.get(name):
            moment = dt.datetime.combine(
                query[name] + dt.timedelta(days=days), dt.time(), zone)
            domain.append(('create_date', operator,
                    moment.astimezone(dt.UTC).replace(tzinfo=None)))
    return domain


def order_distance(order, technician):
    return distance_km(technician.base_latitude, technician.base_longitude,
        order.latitude, order.longitude)


def filter_orders(orders, query, technician, distances=None):
    """The orders within the amount and distance limits of the query
    (distances: {order: km} already computed, else from the base)."""
    low, high = query.get('min_amount'), query.get('max_amount')
    radius = query.get('max_distance_km')
    if low is None and high is None and radius is None:
        return list(orders)
    result = []
    for order in orders:
        amount = order.amount
        if low is not None and (amount is None or amount < low):
            continue
        if high is not None and (amount is None or amount > high):
            continue
        if radius is not None:
            distance = (distances.get(order) if distances is not None
                else order_distance(order, technician))
            if distance is None or distance > radius:
                continue
        result.append(order)
    return result


# ---- schedule, pool and orders ----


@api.endpoint('GET', '/technician/schedule', auth=TECHNICIANS, tags=TAGS,
    summary="我的日程",
    query=s.Object({
            'start': s.Date("开始日期"),
            'days': s.Integer("天数", minimum=1, maximum=31, default=7),
            }),
    response=s.List("上门预约", VISIT))
def schedule(call):
    "从开始日期起若干天的上门预约（含已取消以外的全部状态）。"
    WorkOrder = call.pool.get('yuexing.work_order')
    technician = technician_of(call)
    start = call.query.get('start') or dt.date.today()
    begin = dt.datetime.combine(start, dt.time())
    end = begin + dt.timedelta(days=call.query['days'])
    with without_check_access():
        visits = WorkOrder.technician_schedule(technician, begin, end)
        return [visit_json(v) for v in visits]


@api.endpoint('GET', '/technician/pool', auth=TECHNICIANS, tags=TAGS,
    summary="抢单池", query=s.Object(ORDER_FILTERS),
    response=s.List("可抢工单", s.Object({
                **ORDER.fields,
                'distance_km': s.Number("距离（公里）", nullable=True),
                'eligible': s.Boolean("符合条件"),
                'reasons': s.String("说明", nullable=True),
                }, "抢单池工单")))
def grab_pool(call):
    "已发布到抢单池的工单，按距离排序，并说明是否符合接单条件。"
    pool = call.pool
    WorkOrder = pool.get('yuexing.work_order')
    Dispatch = pool.get('yuexing.work_order.dispatch')
    technician = technician_of(call)
    orders = WorkOrder.search([
            ('pool_open', '=', True), ('state', '=', 'confirmed')]
        + filter_domain(call.query))
    result = []
    with without_check_access():
        candidates = Dispatch.pool_candidates(orders, technician)
        orders = filter_orders(orders, call.query, technician, {
                o: (c or {}).get('distance')
                for o, c in candidates.items()})
        for order, data in zip(
                orders, orders_json(orders), strict=True):
            candidate = candidates[order]
            data.update({
                    'distance_km': (_float(candidate['distance'])
                        if candidate and candidate.get('distance')
                        is not None else None),
                    'eligible': bool(candidate and candidate['eligible']),
                    'reasons': candidate['reasons'] if candidate else None,
                    })
            result.append(data)
    result.sort(key=lambda d: (not d['eligible'],
            d['distance_km'] if d['distance_km'] is not None else 1e9))
    return result


@api.endpoint('POST', '/technician/pool/<int:order_id>/grab',
    auth=TECHNICIANS, tags=TAGS, summary="抢单", idempotent=True,
    response=WORK_ORDER, errors=(404, 409))
def grab(call, order_id):
    "先到先得：只有一位师傅能抢到；已被抢走时返回 409。"
    WorkOrder = call.pool.get('yuexing.work_order')
    technician = technician_of(call)
    try:
        order = find('yuexing.work_order', order_id)
    except api.ApiError as exception:
        # Once taken, the order leaves what the technician may see: an
        # order that was offered in the pool lost the race (409), any
        # other id stays unknown (404, nothing revealed).
        if exception.code != 404:
            raise
        with without_check_access():
            offered = WorkOrder.search([
                    ('id', '=', order_id),
                    ('pool_opened_at', '!=', None),
                    ], limit=1)
        if not offered:
            raise
        raise api.ApiError(409, 'grab_taken', gettext(
                'yuexing_workorder.msg_grab_taken',
                order=offered[0].number)) from None
    if order.technician == technician and order.state == 'accepted':
        # a retried grab of one's own order answers as the first did
        return work_order_json(order)
    try:
        with without_check_access():
            WorkOrder.grab(order, technician)
    except GrabConflict as exception:
        raise api.ApiError(409, 'grab_taken', exception.message) \
            from exception
    with without_check_access():
        return work_order_json(reload(order))


@api.endpoint('GET', '/technician/orders', auth=TECHNICIANS, tags=TAGS,
    summary="我的工单",
    query=s.page_query({
            'status': s.Enum("状态", [
                    ('open', "进行中"), ('done', "已完成"),
                    ('cancelled', "已取消")]),
            **ORDER_FILTERS,
            }),
    response=s.page_of(ORDER))
def list_technician_orders(call):
    "派给我或我抢到的工单；可按类型、报修日期、报价金额和距离筛选。"
    WorkOrder = call.pool.get('yuexing.work_order')
    technician = technician_of(call)
    query = call.query
    domain = [('technician', '=', technician.id)] + filter_domain(query)
    if query.get('status'):
        domain.append(('state', 'in', STATE_FILTERS[query['status']]))
    order = [('create_date', 'DESC'), ('id', 'DESC')]
    if all(query.get(n) is None
            for n in ['min_amount', 'max_amount', 'max_distance_km']):
        return api.paginate(WorkOrder, domain, query, orders_json,
            order=order, many=True)
    # amounts and distances are computed: filter a technician's orders
    # (tens, not thousands) before cutting the page
    with without_check_access():
        found = filter_orders(WorkOrder.search(domain, order=order), query,
            technician)
    page, limit = query['page'], query['limit']
    return {
        'items': orders_json(found[(page - 1) * limit:page * limit]),
        'page': page, 'limit': limit, 'total': len(found),
        }


@api.endpoint('GET', '/technician/orders/<int:order_id>', auth=TECHNICIANS,
    tags=TAGS, summary="工单详情", response=WORK_ORDER, errors=(404,))
def get_technician_order(call, order_id):
    "客户电话、地址坐标、报价、预约、施工步骤与检查项、材料领用。"
    order = own_order(call, order_id)
    with without_check_access():
        return work_order_json(reload(order))


@api.endpoint('POST', '/technician/orders/<int:order_id>/accept',
    auth=TECHNICIANS, tags=TAGS, summary="接单", response=WORK_ORDER,
    errors=(404, 409))
def accept(call, order_id):
    "接受调度派来的工单；重复提交不改变结果。"
    WorkOrder = call.pool.get('yuexing.work_order')
    order = own_order(call, order_id)
    if order.state != 'accepted':
        if order.state != 'dispatched':
            raise wrong_state(order)
        with without_check_access():
            WorkOrder.accept([order])
    with without_check_access():
        return work_order_json(reload(order))


@api.endpoint('POST', '/technician/orders/<int:order_id>/reject',
    auth=TECHNICIANS, tags=TAGS, summary="拒单",
    body=s.Object({
            'reason': s.String("拒单原因", required=True, max_length=500),
            }),
    response=s.Object({'id': s.Integer("工单ID"),
            'state': s.Enum("状态", STATE_CHOICES)}, "结果"),
    errors=(404, 409))
def reject(call, order_id):
    "拒绝派单并说明原因，工单退回调度。"
    WorkOrder = call.pool.get('yuexing.work_order')
    order = own_order(call, order_id)
    if order.state != 'dispatched':
        raise wrong_state(order)
    with without_check_access():
        WorkOrder.do_reject([order], call.body['reason'])
        return {'id': order.id, 'state': reload(order).state}


# ---- the trip and the site ----

POSITION_BODY = s.Object({
        'latitude': s.Number("纬度", required=True, minimum=-90,
            maximum=90),
        'longitude': s.Number("经度", required=True, minimum=-180,
            maximum=180),
        }, name='PositionReport')


def own_visit(call, visit_id):
    return own('yuexing.work_order.visit', visit_id, call)


@api.endpoint('POST', '/technician/visits/<int:visit_id>/depart',
    auth=TECHNICIANS, tags=TAGS, summary="出发", response=VISIT,
    errors=(404, 409))
def depart(call, visit_id):
    "出发上门，客户收到“师傅已出发”通知。"
    Visit = call.pool.get('yuexing.work_order.visit')
    visit = own_visit(call, visit_id)
    with without_check_access():
        if visit.state == 'planned':
            Visit.depart([visit])
        elif visit.state != 'on_the_way':
            raise wrong_state(visit.work_order)
        return visit_json(Visit(visit.id))


@api.endpoint('POST', '/technician/visits/<int:visit_id>/position',
    auth=TECHNICIANS, tags=TAGS, summary="上报位置", body=POSITION_BODY,
    response=VISIT, errors=(404,))
def position(call, visit_id):
    "在途时定时上报位置（客户端可见，到场后清除，不保留轨迹）。"
    Visit = call.pool.get('yuexing.work_order.visit')
    visit = own_visit(call, visit_id)
    with without_check_access():
        Visit.update_position([visit], call.body['latitude'],
            call.body['longitude'])
        return visit_json(Visit(visit.id))


@api.endpoint('POST', '/technician/visits/<int:visit_id>/check-in',
    auth=TECHNICIANS, tags=TAGS, summary="到场签到", body=POSITION_BODY,
    response=VISIT, errors=(404, 409))
def check_in(call, visit_id):
    "到场签到：距离地址超出范围时标记异常（不拒绝）；施工预约到场即开工。"
    Visit = call.pool.get('yuexing.work_order.visit')
    visit = own_visit(call, visit_id)
    with without_check_access():
        if visit.state in {'planned', 'on_the_way'}:
            Visit.check_in([visit], latitude=call.body['latitude'],
                longitude=call.body['longitude'])
        elif visit.state != 'on_site':
            raise wrong_state(visit.work_order)
        return visit_json(Visit(visit.id))


@api.endpoint('POST', '/technician/visits/<int:visit_id>/check-out',
    auth=TECHNICIANS, tags=TAGS, summary="离场签退", response=VISIT,
    errors=(404, 409))
def check_out(call, visit_id):
    "离开现场。"
    Visit = call.pool.get('yuexing.work_order.visit')
    visit = own_visit(call, visit_id)
    with without_check_access():
        if visit.state == 'on_site':
            Visit.check_out([visit])
        elif visit.state != 'done':
            raise wrong_state(visit.work_order)
        return visit_json(Visit(visit.id))


# ---- construction ----


@api.endpoint('POST', '/technician/steps/<int:step_id>/start',
    auth=TECHNICIANS, tags=TAGS, summary="开始施工步骤", response=STEP,
    errors=(404,))
def start_step(call, step_id):
    "按工艺顺序开始一个施工步骤。"
    Step = call.pool.get('yuexing.work_order.step')
    step = own('yuexing.work_order.step', step_id, call)
    with without_check_access():
        if step.state == 'todo':
            Step.start([step])
        return step_json(Step(step.id))


@api.endpoint('POST', '/technician/steps/<int:step_id>/complete',
    auth=TECHNICIANS, tags=TAGS, summary="完成施工步骤",
    body=s.Object({
            'photos': s.List("施工照片", s.Integer("上传ID", minimum=1),
                max_items=20),
            'checks': s.List("检查结果", s.Object({
                        'id': s.Integer("检查项ID", required=True,
                            minimum=1),
                        'result': s.Enum("结果", [
                                ('pass', "合格"), ('fail', "不合格"),
                                ('na', "不适用")], required=True),
                        'note': s.String("备注", max_length=200),
                        }, "检查结果")),
            'note': s.String("施工说明", max_length=1000),
            }),
    response=STEP, errors=(404,))
def complete_step(call, step_id):
    "上传照片、填写检查项后完成步骤；照片不足、必检项不合格或时长不够时说明原因。"
    pool = call.pool
    Step = pool.get('yuexing.work_order.step')
    Check = pool.get('yuexing.work_order.step.check')
    Upload = pool.get('yuexing.api.upload')
    step = own('yuexing.work_order.step', step_id, call)
    if step.state == 'done':
        return step_json(step)
    uploads = uploads_of(call, call.body.get('photos'))
    checks = {c.id: c for c in step.checks}
    for row in call.body.get('checks') or []:
        if row['id'] not in checks:
            raise api.ApiError(422, 'unknown_check',
                gettext('yuexing_workorder.msg_api_unknown_check'),
                fields={'checks': gettext(
                        'yuexing_workorder.msg_api_unknown_check')})
    with without_check_access():
        Upload.attach(uploads, step)
        to_write = []
        for row in call.body.get('checks') or []:
            to_write.extend(([checks[row['id']]], {
                        'result': row['result'], 'note': row.get('note')}))
        if to_write:
            Check.write(*to_write)
        if call.body.get('note'):
            Step.write([step], {'note': call.body['note']})
        if step.state == 'todo':
            Step.start([step])
        Step.complete([Step(step.id)])
        return step_json(Step(step.id))


@api.endpoint('POST', '/technician/orders/<int:order_id>/materials',
    auth=TECHNICIANS, tags=TAGS, summary="登记材料用量", status=201,
    idempotent=True,
    body=s.Object({
            'product_id': s.Integer("材料ID", required=True, minimum=1),
            'quantity': s.Number("数量", required=True, minimum=0.001),
            'step_id': s.Integer("步骤ID", minimum=1),
            }),
    response=WORK_ORDER, errors=(404, 409))
def add_material(call, order_id):
    "登记本工单使用的材料（计入成本）。"
    pool = call.pool
    Material = pool.get('yuexing.work_order.material')
    Product = pool.get('product.product')
    order = own_order(call, order_id)
    if order.state not in {'accepted', 'on_site'}:
        raise wrong_state(order)
    body = call.body
    with without_check_access():
        products = Product.search([('id', '=', body['product_id'])])
        if not products:
            raise api.ApiError(422, 'unknown_product',
                gettext('yuexing_workorder.msg_api_unknown_product'),
                fields={'product_id': gettext(
                        'yuexing_workorder.msg_api_unknown_product')})
        step = None
        if body.get('step_id'):
            step = next((st for st in order.steps
                    if st.id == body['step_id']), None)
            if step is None:
                raise api.ApiError(422, 'unknown_step',
                    gettext('yuexing_workorder.msg_api_unknown_step'),
                    fields={'step_id': gettext(
                            'yuexing_workorder.msg_api_unknown_step')})
        Material.create([{
                    'work_order': order.id,
                    'product': products[0].id,
                    'quantity': body['quantity'],
                    'step': step.id if step else None,
                    'technician': order.technician.id,
                    }])
        return api.Reply(work_order_json(reload(order)), status=201)


@api.endpoint('POST', '/technician/orders/<int:order_id>/exceptions',
    auth=TECHNICIANS, tags=TAGS, summary="上报异常", status=201,
    idempotent=True,
    body=s.Object({
            'kind': s.Enum("异常类型", KINDS, required=True),
            'description': s.String("情况说明", required=True,
                max_length=1000),
            'visit_id': s.Integer("预约ID", minimum=1),
            'photos': s.List("现场照片", s.Integer("上传ID", minimum=1),
                max_items=9),
            }),
    response=WORK_ORDER, errors=(404,))
def report_exception(call, order_id):
    "客户不在、发现额外破损、缺料、天气、无法进场等；除客户不在外工单挂起。"
    pool = call.pool
    WorkOrder = pool.get('yuexing.work_order')
    Upload = pool.get('yuexing.api.upload')
    order = own_order(call, order_id)
    body = call.body
    visit = None
    if body.get('visit_id'):
        visit = next((v for v in order.visits if v.id == body['visit_id']),
            None)
        if visit is None:
            raise api.not_found()
    uploads = uploads_of(call, body.get('photos'))
    with without_check_access():
        exception = WorkOrder.report_exception(order, body['kind'],
            body['description'], visit=visit)
        Upload.attach(uploads, exception)
        return api.Reply(work_order_json(reload(order)), status=201)


@api.endpoint('POST', '/technician/orders/<int:order_id>/delays',
    auth=TECHNICIANS, tags=TAGS, summary="申请延期", status=201,
    idempotent=True,
    body=s.Object({
            'requested_deadline': s.DateTime("申请完工时间", required=True),
            'reason': s.String("延期原因", required=True, max_length=1000),
            }),
    response=s.Object({
            'id': s.Integer("延期申请ID"),
            'state': s.String("状态"),
            'requested_deadline': s.DateTime("申请完工时间"),
            }, "延期申请"),
    errors=(404,))
def request_delay(call, order_id):
    "施工无法按时完成时申请延期，调度审批。"
    Delay = call.pool.get('yuexing.work_order.delay')
    order = own_order(call, order_id)
    with without_check_access():
        delay, = Delay.create([{
                    'work_order': order.id,
                    'requested_deadline': call.body['requested_deadline'],
                    'reason': call.body['reason'],
                    }])
        return api.Reply({'id': delay.id, 'state': delay.state,
                'requested_deadline': delay.requested_deadline}, status=201)


@api.endpoint('POST', '/technician/orders/<int:order_id>/complete',
    auth=TECHNICIANS, tags=TAGS, summary="施工完成", response=WORK_ORDER,
    errors=(404, 409))
def complete(call, order_id):
    "全部步骤完成后提交完工，等待质检和客户签字验收。"
    WorkOrder = call.pool.get('yuexing.work_order')
    order = own_order(call, order_id)
    if order.state != 'to_accept':
        if order.state != 'on_site':
            raise wrong_state(order)
        with without_check_access():
            WorkOrder.complete_construction([order])
    with without_check_access():
        return work_order_json(reload(order))


@api.endpoint('POST', '/technician/orders/<int:order_id>/signature',
    auth=TECHNICIANS, tags=TAGS, summary="客户签字验收",
    body=s.Object({
            'signature': s.Integer("签名图片上传ID", required=True,
                minimum=1),
            'signer': s.String("签字人", required=True, max_length=60),
            }),
    response=WORK_ORDER, errors=(404, 409))
def signature(call, order_id):
    "客户在师傅手机上手写签名确认验收（质检通过后工单完工）。"
    WorkOrder = call.pool.get('yuexing.work_order')
    order = own_order(call, order_id)
    if order.state != 'to_accept':
        raise wrong_state(order)
    upload, = uploads_of(call, [call.body['signature']])
    with without_check_access():
        WorkOrder.sign(order, upload.data, call.body['signer'])
        return work_order_json(reload(order))


# ---- income and ratings ----


@api.endpoint('GET', '/technician/income', auth=TECHNICIANS, tags=TAGS,
    summary="我的收入",
    query=s.Object({
            'month': s.String("月份（YYYY-MM）", max_length=7),
            }),
    response=s.Object({
            'month': s.String("月份"),
            'total': s.Money("计件收入合计"),
            'orders': s.Integer("完工单数"),
            'lines': s.List("明细", INCOME_LINE),
            }, "收入"))
def income(call):
    "当月计件收入明细（按完工工单计算，工资以财务发放为准）。"
    CostLine = call.pool.get('yuexing.work_order.cost')
    technician = technician_of(call)
    month = call.query.get('month') or dt.date.today().strftime('%Y-%m')
    try:
        start = dt.datetime.strptime(month, '%Y-%m').date()
    except ValueError as exception:
        raise api.ApiError(422, 'bad_month',
            gettext('yuexing_workorder.msg_api_bad_month'),
            fields={'month': gettext('yuexing_workorder.msg_api_bad_month')}
            ) from exception
    end = (start + dt.timedelta(days=32)).replace(day=1) \
        - dt.timedelta(days=1)
    with without_check_access():
        rows = CostLine.piece_rate_totals([technician], start, end)[
            technician.id]
        lines = [{
                'date': order.completed_at.date()
                if order and order.completed_at else start,
                'order_number': order.number if order else None,
                'description': description,
                'amount': amount,
                } for description, amount, order in rows]
    return {
        'month': month,
        'total': sum((l['amount'] for l in lines), Decimal(0)),
        'orders': len({l['order_number'] for l in lines
                if l['order_number']}),
        'lines': lines,
        }


@api.endpoint('GET', '/technician/ratings', auth=TECHNICIANS, tags=TAGS,
    summary="我的评价",
    query=s.page_query(),
    response=s.Object({
            'average': s.Money("平均分", nullable=True),
            'count': s.Integer("评价数"),
            'items': s.List("评价", s.Object({
                        'order_number': s.String("工单号"),
                        'score': s.Money("得分"),
                        'comment': s.String("评价", nullable=True),
                        'created_at': s.DateTime("评价时间"),
                        }, "评价")),
            }, "评价"))
def ratings(call):
    "客户对我完成工单的评价（最新在前）。"
    Rating = call.pool.get('yuexing.work_order.rating')
    technician = technician_of(call)
    with without_check_access():
        found = Rating.search(
            [('work_order.technician', '=', technician.id)],
            offset=(call.query['page'] - 1) * call.query['limit'],
            limit=call.query['limit'],
            order=[('create_date', 'DESC'), ('id', 'DESC')])
        employee = technician.__class__(technician.id)
        return {
            'average': employee.rating,
            'count': employee.rating_count or 0,
            'items': [{
                    'order_number': r.work_order.number,
                    'score': r.score,
                    'comment': r.comment,
                    'created_at': r.create_date,
                    } for r in found],
            }


# ---- attendance --------------------------------------------------------


@api.endpoint('POST', '/technician/clock', auth=TECHNICIANS, tags=TAGS,
    summary="考勤打卡", status=201, idempotent=True,
    body=s.Object({
            'type': s.Enum("打卡类型", [('in', "上班"), ('out', "下班")],
                required=True),
            'latitude': s.Number("纬度", required=True, minimum=-90,
                maximum=90),
            'longitude': s.Number("经度", required=True, minimum=-180,
                maximum=180),
            }),
    response=s.Object({
            'id': s.Integer("打卡ID"),
            'type': s.String("打卡类型"),
            'at': s.DateTime("打卡时间"),
            'date': s.Date("考勤日期"),
            }, "打卡记录"),
    errors=(409,))
def clock(call):
    "师傅端带 GPS 位置打卡；未上班打卡不能下班打卡，连续两次上班打卡被拒绝。"
    Line = call.pool.get('attendance.line')
    technician = technician_of(call)
    body = call.body
    try:
        with without_check_access():
            line = Line.clock(technician, body['type'],
                position=(body['latitude'], body['longitude']),
                source='app')
    except UserError as exception:
        raise api.ApiError(409, 'clock_refused', exception.message) \
            from exception
    return api.Reply({'id': line.id, 'type': line.type, 'at': line.at,
            'date': line.date}, status=201)
