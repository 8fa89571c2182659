"""JSON endpoints of work orders for the customers: C端 residents (WeChat
mini-program) and B端 portal users. Every query runs as the caller, so
record rules keep each customer to their own orders."""
import datetime as dt
import math

from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base import phone as phone_tools
from trytond.modules.yuexing_base.api import schema as s
from trytond.modules.yuexing_base.exceptions import RegionError
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .dispatch import distance_km
from .work_order import LEAK_SITES as _LEAK_SITES

ORDERS = ['工单']
QUOTES = ['报价']
ADDRESSES = ['地址']
CUSTOMERS = ('customer', 'portal')
# The ETA shown while the technician drives, without a routing service:
# the straight line × ROAD_FACTOR at CITY_SPEED_KMH (documented on Position).
CITY_SPEED_KMH = 25
ROAD_FACTOR = 1.3
# Booking slots offered to the customer (local time).
SLOTS = [(dt.time(9), dt.time(11)), (dt.time(11), dt.time(13)),
    (dt.time(14), dt.time(16)), (dt.time(16), dt.time(18))]
VISIT_STATES = [
    ('planned', "待出发"), ('on_the_way', "在途"), ('on_site', "已到场"),
    ('done', "已离场"), ('missed', "未上门"), ('cancelled', "已取消")]
QUOTE_STATES = [
    ('draft', "草稿"), ('pending', "待审批"), ('approved', "已审批"),
    ('sent', "待客户确认"), ('confirmed', "已确认"),
    ('rejected', "客户已拒绝"),
    ('superseded', "已被新版本取代"), ('cancelled', "已取消")]
STEP_STATES = [('todo', "未开始"), ('in_progress', "进行中"),
    ('done', "已完成")]
STATE_CHOICES = [
    ('draft', "草稿"), ('submitted', "待受理"), ('surveying', "待勘察"),
    ('quoted', "已报价"), ('confirmed', "待派工"), ('dispatched', "已派工"),
    ('accepted', "已接单"), ('on_site', "施工中"), ('to_accept', "待验收"),
    ('done', "已完工"), ('closed', "已归档"), ('cancelled', "已取消"),
    ('on_hold', "异常/延期")]
# The API speaks zh_CN: the labels of the enums in the OpenAPI document
LEAK_SITES = [
    ('roof', "屋面"), ('facade', "外墙"), ('bathroom', "卫生间"),
    ('kitchen', "厨房"), ('balcony', "阳台"), ('basement', "地下室"),
    ('window', "窗台"), ('pipe_shaft', "管道井"), ('pool', "水池/水箱"),
    ('garage', "车库"), ('other', "其他")]
assert [v for v, _ in LEAK_SITES] == [v for v, _ in _LEAK_SITES]
PRIORITIES = [('low', "低"), ('normal', "普通"), ('high', "高"),
    ('urgent', "紧急")]
SEVERITIES = [('light', "轻微"), ('moderate', "中等"), ('severe', "严重")]
ORDER_TYPES = [('c_repair', "C端报修"), ('b_repair', "B端报修"),
    ('after_sales', "售后"), ('project', "项目工单")]
VISIT_KINDS = [('survey', "勘察"), ('construction', "施工"),
    ('inspection', "质检")]
QUOTE_LINE_KINDS = [('service', "服务项目"), ('material', "材料"),
    ('labour', "人工"), ('other', "其他")]
GEO_SOURCES = [('gps', "小程序定位（GCJ-02）"), ('geocoder', "地址解析"),
    ('region', "区县中心（近似）"), ('manual', "人工标注")]
# Before a technician is on the order the customer cancels it directly.
CUSTOMER_CANCELLABLE = {'submitted', 'surveying', 'quoted', 'confirmed'}
STATE_FILTERS = {
    'open': ['submitted', 'surveying', 'quoted', 'confirmed', 'dispatched',
        'accepted', 'on_site', 'to_accept', 'on_hold'],
    'done': ['done', 'closed'],
    'cancelled': ['cancelled'],
    }

# ---- schemas ---------------------------------------------------------------

LEAK_SITE = s.Enum("渗漏部位", LEAK_SITES, name='LeakSite')
# m² or m: more than any building has, so that the estimate stays a price
QUANTITY = s.Money("面积/长度", minimum=0, maximum=100000)
TECHNICIAN_BRIEF = s.Object({
        'id': s.Integer("师傅ID"),
        'name': s.String("姓名"),
        'rating': s.Money("评分", nullable=True),
        'phone': s.String("电话（脱敏）", nullable=True),
        }, "师傅", nullable=True, name='TechnicianBrief')
POSITION = s.Object({
        'latitude': s.Number("纬度"),
        'longitude': s.Number("经度"),
        'at': s.DateTime("定位时间"),
        'eta_minutes': s.Integer("预计到达（分钟）", nullable=True,
            description=f"直线距离 × {ROAD_FACTOR}（道路系数），按城市平均"
            f"车速 {CITY_SPEED_KMH} km/h 估算，向上取整"),
        }, "师傅位置", nullable=True, name='Position',
    description="在途时师傅最近一次上报的位置（GCJ-02）；到场后为 null")
TRACK_POINT = s.Object({
        'latitude': s.Number("纬度", description="GCJ-02"),
        'longitude': s.Number("经度", description="GCJ-02"),
        'at': s.DateTime("定位时间"),
        }, "轨迹点", name='TrackPoint')
VISIT = s.Object({
        'id': s.Integer("预约ID"),
        'kind': s.Enum("类型", VISIT_KINDS, name='VisitKind'),
        'start': s.DateTime("开始"),
        'end': s.DateTime("结束"),
        'state': s.Enum("状态", VISIT_STATES, name='VisitState'),
        'position': POSITION,
        'track': s.List("轨迹", TRACK_POINT, description=(
                "师傅出发后上报的位置，按时间先后（最多最近 200 个点）；"
                "到场后仍保留")),
        }, "上门预约", nullable=True, name='Visit')
QUOTE_LINE = s.Object({
        'kind': s.Enum("类型", QUOTE_LINE_KINDS, name='QuoteLineKind'),
        'description': s.String("项目"),
        'quantity': s.Number("数量"),
        'unit': s.String("单位"),
        'unit_price': s.Money("单价"),
        'amount': s.Money("金额"),
        }, "报价明细", name='QuoteLine')
QUOTE = s.Object({
        'id': s.Integer("报价ID"),
        'number': s.String("报价单号"),
        'version': s.Integer("版本"),
        'state': s.Enum("状态", QUOTE_STATES, name='QuoteState'),
        'untaxed_amount': s.Money("不含税金额"),
        'tax_amount': s.Money("增值税"),
        'total_amount': s.Money("合计"),
        'valid_until': s.Date("有效期至", nullable=True),
        'lines': s.List("明细", QUOTE_LINE),
        'can_confirm': s.Boolean("可确认"),
        }, "报价", name='Quote')
TIMELINE = s.Object({
        'at': s.DateTime("时间"),
        'state': s.Enum("状态", STATE_CHOICES, name='OrderState'),
        'label': s.String("说明"),
        }, "进度", name='TimelineEntry')
STEP = s.Object({
        'id': s.Integer("步骤ID"),
        'name': s.String("步骤"),
        'state': s.Enum("状态", STEP_STATES, name='StepState'),
        'photos': s.Integer("照片数"),
        }, "施工步骤", name='Step')
RATING = s.Object({
        'punctuality': s.Integer("准时"),
        'quality': s.Integer("施工质量"),
        'attitude': s.Integer("服务态度"),
        'cleanliness': s.Integer("现场整洁"),
        'score': s.Money("得分"),
        'comment': s.String("评价", nullable=True),
        }, "评价", nullable=True, name='Rating')
ORDER = s.Object({
        'id': s.Integer("工单ID"),
        'number': s.String("工单号"),
        'state': s.Enum("状态", STATE_CHOICES, name='OrderState'),
        'state_label': s.String("状态名称"),
        'type': s.Enum("类型", ORDER_TYPES, name='OrderType'),
        'leak_site': LEAK_SITE,
        'leak_site_label': s.String("渗漏部位名称"),
        'description': s.String("症状描述"),
        'address': s.String("地址"),
        'priority': s.Enum("优先级", PRIORITIES, name='Priority'),
        'created_at': s.DateTime("报修时间"),
        'estimate_min': s.Money("估价下限", nullable=True),
        'estimate_max': s.Money("估价上限", nullable=True),
        'amount': s.Money("报价合计", nullable=True),
        'technician': TECHNICIAN_BRIEF,
        }, "工单", name='Order')
ORDER_DETAIL = s.Object({
        **ORDER.fields,
        'preferred_start': s.DateTime("期望上门从", nullable=True),
        'preferred_end': s.DateTime("期望上门至", nullable=True),
        'timeline': s.List("进度", TIMELINE),
        'quote': s.Object(QUOTE.fields, "当前报价", nullable=True,
            name='Quote'),
        'visit': VISIT,
        'steps': s.List("施工步骤", STEP),
        'progress': s.Number("施工进度"),
        'rating': RATING,
        'can_rate': s.Boolean("可评价"),
        'quote_requested': s.Boolean("已申请人工报价"),
        }, "工单详情", name='OrderDetail')
ESTIMATE = s.Object({
        'estimate_min': s.Money("估价下限", nullable=True),
        'estimate_max': s.Money("估价上限", nullable=True),
        }, "估价", name='Estimate')
ADDRESS = s.Object({
        'id': s.Integer("地址ID"),
        'text': s.String("完整地址"),
        'province': s.String("省", nullable=True),
        'city': s.String("市", nullable=True),
        'district': s.String("区县", nullable=True),
        'street': s.String("街道门牌", nullable=True),
        'latitude': s.Number("纬度", nullable=True,
            description="GCJ-02（国测局坐标，微信/高德使用）"),
        'longitude': s.Number("经度", nullable=True,
            description="GCJ-02（国测局坐标，微信/高德使用）"),
        'geo_source': s.Enum("坐标来源", GEO_SOURCES, nullable=True,
            name='GeoSource'),
        'approximate': s.Boolean("坐标为近似值",
            description="true：仅有区县中心坐标，距离和预计到达仅供参考"),
        }, "地址", name='Address')
# Coordinates as wx.chooseLocation / wx.getLocation(type: 'gcj02') give them
LATITUDE = s.Number("纬度", minimum=-90, maximum=90,
    description="GCJ-02（wx.chooseLocation / wx.getLocation type=gcj02）")
LONGITUDE = s.Number("经度", minimum=-180, maximum=180,
    description="GCJ-02（wx.chooseLocation / wx.getLocation type=gcj02）")
SLOT = s.Object({
        'start': s.DateTime("开始"),
        'end': s.DateTime("结束"),
        'available': s.Boolean("可预约"),
        'technicians': s.Integer("可上门师傅数"),
        }, "可预约时段", name='Slot')

# ---- serialisation --------------------------------------------------------


class Labels(dict):
    """Translated labels of selection fields, read once per request:
    labels[record, 'state'] is the label of record.state."""

    def __getitem__(self, key):
        record, name = key
        selection = self.get((record.__name__, name))
        if selection is None:
            selection = self[record.__name__, name] = dict(
                record.fields_get([name])[name]['selection'])
        value = getattr(record, name)
        return selection.get(value, value)


def _label(record, name):
    return Labels()[record, name]


def _float(value):
    return None if value is None else round(float(value), 6)


def technician_json(technician, full_phone=False):
    if not technician:
        return None
    return technicians_json([technician], full_phone)[technician.id]


def technicians_json(technicians, full_phone=False):
    """{employee id: technician JSON}, read in one go without the caller's
    access rights (a customer sees the name, rating and a masked phone)."""
    Employee = Pool().get('company.employee')
    result = {}
    with without_check_access():
        for technician in Employee.browse(list({t.id for t in technicians})):
            mobile = technician.mobile
            result[technician.id] = {
                'id': technician.id,
                'name': technician.party.name,
                'rating': technician.rating,
                'phone': (mobile if full_phone
                    else phone_tools.mask(mobile)) if mobile else None,
                }
    return result


def quote_json(quote):
    return {
        'id': quote.id,
        'number': quote.number,
        'version': quote.version,
        'state': quote.state,
        'untaxed_amount': quote.untaxed_amount,
        'tax_amount': quote.tax_amount,
        'total_amount': quote.total_amount,
        'valid_until': quote.valid_until,
        'lines': [{
                'kind': l.kind,
                'description': l.description,
                'quantity': l.quantity,
                'unit': l.unit.rec_name,
                'unit_price': l.unit_price,
                'amount': l.amount,
                } for l in quote.lines],
        'can_confirm': (quote.state == 'sent'
            and quote.work_order.quote == quote),
        }


def order_json(order, technicians=None, labels=None):
    """technicians (the technicians' JSON by id) and labels are shared by
    the orders of a list (orders_json); else read for this order."""
    labels = Labels() if labels is None else labels
    return {
        'id': order.id,
        'number': order.number,
        'state': order.state,
        'state_label': labels[order, 'state'],
        'type': order.type,
        'leak_site': order.leak_site,
        'leak_site_label': labels[order, 'leak_site'],
        'description': order.description,
        'address': order.address.rec_name,
        'priority': order.priority,
        'created_at': order.create_date,
        'estimate_min': order.estimate_min,
        'estimate_max': order.estimate_max,
        'amount': (order.quote.total_amount
            if order.quote and order.quote.state in {'sent', 'confirmed'}
            else None),
        'technician': (technician_json(order.technician)
            if technicians is None or not order.technician
            else technicians[order.technician.id]),
        }


def orders_json(orders):
    "order_json of many orders, their technicians read together."
    technicians = technicians_json(
        [o.technician for o in orders if o.technician])
    labels = Labels()
    return [order_json(o, technicians, labels) for o in orders]


def position_json(visit, order):
    """The last position while on the way, with an ETA; nothing once the
    technician has arrived (the track stays: track_json)."""
    if visit.state != 'on_the_way' or visit.last_latitude is None:
        return None
    distance = distance_km(visit.last_latitude, visit.last_longitude,
        order.latitude, order.longitude)
    return {
        'latitude': _float(visit.last_latitude),
        'longitude': _float(visit.last_longitude),
        'at': visit.last_position_at,
        'eta_minutes': (math.ceil(
                distance * ROAD_FACTOR / CITY_SPEED_KMH * 60)
            if distance is not None else None),
        }


def track_json(visit):
    "The visit's track (轨迹), oldest point first."
    TrackPoint = Pool().get('yuexing.work_order.visit.track_point')
    with without_check_access():
        points = TrackPoint.of_visit(visit)
    return [{'latitude': _float(p.latitude), 'longitude': _float(p.longitude),
            'at': p.recorded_at} for p in points]


def order_detail_json(order):
    pool = Pool()
    Visit = pool.get('yuexing.work_order.visit')
    data = order_json(order)
    with without_check_access():
        logs = list(order.__class__(order.id).logs)
        visits = Visit.search([
                ('work_order', '=', order.id),
                ('state', 'in', ['planned', 'on_the_way', 'on_site']),
                ], order=[('planned_start', 'ASC')], limit=1)
    labels = dict(order.fields_get(['state'])['state']['selection'])
    timeline = [{'at': order.create_date, 'state': 'draft',
            'label': gettext('yuexing_workorder.msg_api_created')}]
    timeline += [{'at': l.date, 'state': l.to_state,
            'label': labels.get(l.to_state, l.to_state)} for l in logs]
    visit = visits[0] if visits else None
    rating = order.ratings[0] if order.ratings else None
    data.update({
            'preferred_start': order.preferred_start,
            'preferred_end': order.preferred_end,
            'timeline': timeline,
            'quote': (quote_json(order.quote) if order.quote
                and order.quote.state in {
                    'sent', 'confirmed', 'rejected', 'superseded'}
                else None),
            'visit': ({
                    'id': visit.id, 'kind': visit.kind,
                    'start': visit.planned_start, 'end': visit.planned_end,
                    'state': visit.state,
                    'position': position_json(visit, order),
                    'track': track_json(visit),
                    } if visit else None),
            'steps': [{'id': st.id, 'name': st.name, 'state': st.state,
                    'photos': st.photo_count} for st in order.steps],
            'progress': order.progress,
            'rating': ({
                    'punctuality': rating.punctuality,
                    'quality': rating.quality,
                    'attitude': rating.attitude,
                    'cleanliness': rating.cleanliness,
                    'score': rating.score,
                    'comment': rating.comment,
                    } if rating else None),
            'can_rate': order.state in {'done', 'closed'} and not rating,
            'quote_requested': bool(order.quote_requested),
            })
    return data


def address_json(address):
    return {
        'id': address.id,
        'text': address.rec_name,
        'province': address.subdivision.name if address.subdivision else None,
        'city': address.city_region.name if address.city_region else None,
        'district': address.district.name if address.district else None,
        'street': address.street,
        'latitude': _float(address.latitude),
        'longitude': _float(address.longitude),
        'geo_source': address.geo_source or None,
        'approximate': address.geo_source in {None, '', 'region'},
        }


# ---- helpers ---------------------------------------------------------------


def customer_of(call):
    "The customer the caller acts for, or 409 when the phone is not bound."
    if not call.user.customer:
        raise api.ApiError(409, 'phone_not_bound',
            gettext('yuexing_workorder.msg_api_phone_not_bound'))
    return call.user.customer


def find(model, record_id):
    "The record if the caller may see it, else 404."
    Model = Pool().get(model)
    records = Model.search([('id', '=', record_id)], limit=1)
    if not records:
        raise api.not_found()
    return records[0]


def uploads_of(call, ids):
    "The caller's uploads with these ids, or 422 naming the field."
    Upload = call.pool.get('yuexing.api.upload')
    ids = list(dict.fromkeys(ids or []))
    uploads = Upload.search([('id', 'in', ids)])
    if len(uploads) != len(ids):
        raise api.ApiError(422, 'unknown_upload',
            gettext('yuexing_workorder.msg_api_unknown_upload'),
            fields={'photos': gettext(
                    'yuexing_workorder.msg_api_unknown_upload')})
    return uploads


# ---- estimate and orders ---------------------------------------------------


@api.endpoint('POST', '/estimate', auth=CUSTOMERS, tags=ORDERS,
    summary="智能估价",
    body=s.Object({
            'leak_site': s.Enum("渗漏部位", LEAK_SITES, required=True,
                name='LeakSite'),
            'quantity': QUANTITY,
            'severity': s.Enum("严重程度", SEVERITIES, default='moderate',
                name='Severity'),
            'material_grade': s.Enum("材料档次", [
                    ('standard', "标准"), ('premium', "高端")],
                default='standard', name='MaterialGrade'),
            }),
    response=ESTIMATE)
def estimate(call):
    "按渗漏部位、面积/长度、严重程度和材料档次给出价格区间（B端按合同价）。"
    pool = call.pool
    Rule = pool.get('yuexing.estimate.rule')
    WorkOrder = pool.get('yuexing.work_order')
    body = call.body
    order = WorkOrder(customer=customer_of(call),
        leak_site=body['leak_site'],
        quantity=float(body['quantity']) if body.get('quantity') else None,
        severity=body['severity'], material_grade=body['material_grade'])
    with without_check_access():
        low, high = Rule.estimate(order)
    return {'estimate_min': low, 'estimate_max': high}


@api.endpoint('POST', '/orders', auth=CUSTOMERS, tags=ORDERS,
    summary="提交报修", status=201, idempotent=True,
    body=s.Object({
            'leak_site': s.Enum("渗漏部位", LEAK_SITES, required=True,
                name='LeakSite'),
            'description': s.String("症状描述", required=True,
                max_length=1000),
            'quantity': QUANTITY,
            'severity': s.Enum("严重程度", SEVERITIES, default='moderate',
                name='Severity'),
            'address_id': s.Integer("已保存地址ID", minimum=1),
            'address': s.String("新地址", max_length=200),
            'contact_name': s.String("联系人", max_length=60),
            'contact_phone': s.Phone("联系电话"),
            'preferred_start': s.DateTime("期望上门从"),
            'preferred_end': s.DateTime("期望上门至"),
            'preferred_technician': s.Integer("指定师傅ID", minimum=1),
            'priority': s.Enum("优先级", PRIORITIES, default='normal',
                name='Priority'),
            'photos': s.List("照片/视频", s.Integer("上传ID", minimum=1),
                max_items=9),
            }),
    response=ORDER_DETAIL, errors=(404, 409))
def create_order(call):
    "提交报修：照片和视频先用 POST /uploads 上传；返回工单和智能估价。"
    pool = call.pool
    WorkOrder = pool.get('yuexing.work_order')
    Address = pool.get('party.address')
    Employee = pool.get('company.employee')
    Upload = pool.get('yuexing.api.upload')
    Channel = pool.get('yuexing.channel')
    customer = customer_of(call)
    body = call.body
    values = {
        'company': Transaction().context.get('company'),
        'customer': customer.id,
        'type': 'b_repair' if call.role == 'portal' else 'c_repair',
        'leak_site': body['leak_site'],
        'description': body['description'],
        'quantity': float(body['quantity']) if body.get('quantity') else None,
        'severity': body['severity'],
        'priority': body['priority'],
        'contact_name': body.get('contact_name') or customer.name,
        'contact_phone': body.get('contact_phone') or call.user.mobile,
        'preferred_start': body.get('preferred_start'),
        'preferred_end': body.get('preferred_end'),
        }
    if body.get('address_id'):
        addresses = Address.search([
                ('id', '=', body['address_id']),
                ('party', '=', customer.id)])
        if not addresses:
            raise api.ApiError(422, 'unknown_address',
                gettext('yuexing_workorder.msg_api_unknown_address'),
                fields={'address_id': gettext(
                        'yuexing_workorder.msg_api_unknown_address')})
        values['address'] = addresses[0].id
    elif body.get('address'):
        values['address_text'] = body['address']
        values['address'] = (customer.addresses[0].id
            if customer.addresses else None)
    elif customer.addresses:
        values['address'] = customer.addresses[0].id
    else:
        raise api.ApiError(422, 'address_required',
            gettext('yuexing_workorder.msg_api_address_required'),
            fields={'address': gettext(
                    'yuexing_workorder.msg_api_address_required')})
    if body.get('preferred_technician'):
        with without_check_access():
            technicians = Employee.search([
                    ('id', '=', body['preferred_technician']),
                    ('is_technician', '=', True)])
        if not technicians:
            raise api.ApiError(422, 'unknown_technician',
                gettext('yuexing_workorder.msg_api_unknown_technician'),
                fields={'preferred_technician': gettext(
                        'yuexing_workorder.msg_api_unknown_technician')})
        values['preferred_technician'] = technicians[0].id
    channel = Channel.from_code(
        'portal' if call.role == 'portal' else 'mini_program')
    if channel:
        values['channel'] = channel.id
    uploads = uploads_of(call, body.get('photos'))
    if values.get('address_text') and not values.get('address'):
        # A first address for a new customer: recognised and created here.
        try:
            address_values = Address.values_from_text(body['address'])
        except RegionError as error:
            raise api.ApiError(422, 'bad_address', error.message,
                fields={'address': error.message}) from error
        with without_check_access():
            address, = Address.create([{
                        'party': customer.id, **address_values}])
        values['address'] = address.id
        values.pop('address_text')
    try:
        order, = WorkOrder.create([values])
    except RegionError as error:
        raise api.ApiError(422, 'bad_address', error.message,
            fields={'address': error.message}) from error
    order.on_change_leak_site()
    with without_check_access():
        WorkOrder.write([order], {'required_skills': [
                    ('add', [sk.id for sk in order.required_skills])]})
        WorkOrder.submit([order])
        Upload.attach(uploads, order)
    return api.Reply(order_detail_json(WorkOrder(order.id)), status=201)


@api.endpoint('GET', '/orders', auth=CUSTOMERS, tags=ORDERS,
    summary="我的工单",
    query=s.page_query({
            'status': s.Enum("状态", [
                    ('open', "进行中"), ('done', "已完成"),
                    ('cancelled', "已取消")], name='OrderStatusFilter'),
            'leak_site': LEAK_SITE,
            }),
    response=s.page_of(ORDER))
def list_orders(call):
    "当前客户的工单，按时间倒序。"
    WorkOrder = call.pool.get('yuexing.work_order')
    domain = [('state', '!=', 'draft')]
    if call.query.get('status'):
        domain.append(('state', 'in', STATE_FILTERS[call.query['status']]))
    if call.query.get('leak_site'):
        domain.append(('leak_site', '=', call.query['leak_site']))
    return api.paginate(WorkOrder, domain, call.query, orders_json,
        order=[('create_date', 'DESC'), ('id', 'DESC')], many=True)


@api.endpoint('GET', '/orders/<int:order_id>', auth=CUSTOMERS, tags=ORDERS,
    summary="工单详情与进度", response=ORDER_DETAIL, errors=(404,))
def get_order(call, order_id):
    "进度时间轴、报价、师傅（电话脱敏）、预约、在途位置与预计到达、施工步骤、评价。"
    return order_detail_json(find('yuexing.work_order', order_id))


@api.endpoint('POST', '/orders/<int:order_id>/quote-request',
    auth=CUSTOMERS, tags=QUOTES, summary="申请人工报价",
    response=ORDER_DETAIL, errors=(404, 409))
def request_quote(call, order_id):
    "不满意估价时申请上门勘察和人工报价，客服收到通知。"
    pool = call.pool
    WorkOrder = pool.get('yuexing.work_order')
    order = find('yuexing.work_order', order_id)
    if order.state not in {'submitted', 'surveying'}:
        raise api.ApiError(409, 'wrong_state', gettext(
                'yuexing_workorder.msg_api_wrong_state',
                order=order.number, state=_label(order, 'state')))
    with without_check_access():
        if not order.quote_requested:
            WorkOrder.write([order], {'quote_requested': True})
            WorkOrder.notify('quote_requested', [order],
                users=WorkOrder.customer_service())
    return order_detail_json(WorkOrder(order.id))


@api.endpoint('POST', '/orders/<int:order_id>/cancel', auth=CUSTOMERS,
    tags=ORDERS, summary="取消工单", idempotent=True,
    body=s.Object({
            'reason': s.String("取消原因", required=True, max_length=500),
            }),
    response=ORDER_DETAIL, errors=(404, 409))
def cancel_order(call, order_id):
    """师傅接手前（待受理、待勘察、已报价、待派工）客户可直接取消，需说明
    原因，客服收到通知；已派工及之后返回 409 cancel_not_allowed（请联系
    客服）；已取消的工单再次取消时原样返回。"""
    pool = call.pool
    WorkOrder = pool.get('yuexing.work_order')
    order = find('yuexing.work_order', order_id)
    if order.state == 'cancelled':
        return order_detail_json(order)
    if order.state not in CUSTOMER_CANCELLABLE:
        raise api.ApiError(409, 'cancel_not_allowed', gettext(
                'yuexing_workorder.msg_api_cancel_not_allowed',
                order=order.number, state=_label(order, 'state')))
    with without_check_access():
        WorkOrder.do_cancel([order], call.body['reason'])
        WorkOrder.notify('order_cancelled', [order],
            users=WorkOrder.customer_service())
    return order_detail_json(WorkOrder(order.id))


@api.endpoint('GET', '/orders/<int:order_id>/slots', auth=CUSTOMERS,
    tags=ORDERS, summary="可预约时段",
    query=s.Object({
            'days': s.Integer("天数", minimum=1, maximum=14, default=7),
            }),
    response=s.List("时段", SLOT), errors=(404,))
def order_slots(call, order_id):
    "未来几天每个时段是否有本区域符合条件的空闲师傅（按师傅日程计算）。"
    order = find('yuexing.work_order', order_id)
    with without_check_access():
        return booking_slots(order, call.query['days'])


def booking_slots(order, days):
    """Slots of the next days with how many eligible technicians of the
    order's area are free (a few queries for the whole range)."""
    pool = Pool()
    Dispatch = pool.get('yuexing.work_order.dispatch')
    Visit = pool.get('yuexing.work_order.visit')
    Calendar = pool.get('yuexing.sla.calendar')
    zone = Calendar._timezone()
    eligible = [c['technician'] for c in Dispatch.candidates(order)
        if c['eligible']]
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(zone).date()
    slots = []
    for offset in range(days):
        day = today + dt.timedelta(days=offset)
        for begin, end in SLOTS:
            start = dt.datetime.combine(day, begin, zone).astimezone(
                dt.UTC)
            if start <= now:
                continue
            finish = dt.datetime.combine(day, end, zone).astimezone(
                dt.UTC)
            slots.append((start.replace(tzinfo=None),
                    finish.replace(tzinfo=None)))
    busy = {}
    if eligible and slots:
        for visit in Visit.search([
                    ('technician', 'in', [t.id for t in eligible]),
                    ('state', 'in', ['planned', 'on_the_way', 'on_site']),
                    ('planned_start', '<', slots[-1][1]),
                    ('planned_end', '>', slots[0][0]),
                    ]):
            busy.setdefault(visit.technician.id, []).append(
                (visit.planned_start, visit.planned_end))
    result = []
    for start, end in slots:
        free = sum(1 for t in eligible if not any(
                    s < end and e > start for s, e in busy.get(t.id, ())))
        result.append({'start': start, 'end': end, 'available': free > 0,
                'technicians': free})
    return result


@api.endpoint('POST', '/orders/<int:order_id>/booking', auth=CUSTOMERS,
    tags=ORDERS, summary="预约上门时间",
    body=s.Object({
            'start': s.DateTime("开始", required=True),
            'end': s.DateTime("结束", required=True),
            'technician_id': s.Integer("偏好师傅ID", minimum=1),
            }),
    response=ORDER_DETAIL, errors=(404, 409, 422))
def book(call, order_id):
    "选择可预约时段（及偏好师傅），调度派工时按此安排上门。"
    pool = call.pool
    WorkOrder = pool.get('yuexing.work_order')
    Employee = pool.get('company.employee')
    order = find('yuexing.work_order', order_id)
    body = call.body
    if order.state not in {'submitted', 'surveying', 'quoted', 'confirmed'}:
        raise api.ApiError(409, 'wrong_state', gettext(
                'yuexing_workorder.msg_api_wrong_state',
                order=order.number, state=_label(order, 'state')))
    if body['end'] <= body['start']:
        raise api.ApiError(422, 'bad_slot',
            gettext('yuexing_workorder.msg_api_bad_slot'),
            fields={'end': gettext('yuexing_workorder.msg_api_bad_slot')})
    if body['start'] < dt.datetime.now():
        # its own error: a slot in the past is no lost race (slot_taken)
        raise api.ApiError(422, 'slot_past',
            gettext('yuexing_workorder.msg_api_slot_past'),
            fields={'start': gettext('yuexing_workorder.msg_api_slot_past')})
    with without_check_access():
        slots = booking_slots(order, 14)
        if not any(s['available'] and s['start'] <= body['start']
                and s['end'] >= body['end'] for s in slots):
            raise api.ApiError(409, 'slot_taken',
                gettext('yuexing_workorder.msg_api_slot_taken'))
        values = {'preferred_start': body['start'],
            'preferred_end': body['end']}
        if body.get('technician_id'):
            technicians = Employee.search([
                    ('id', '=', body['technician_id']),
                    ('is_technician', '=', True)])
            if not technicians:
                raise api.ApiError(422, 'unknown_technician',
                    gettext('yuexing_workorder.msg_api_unknown_technician'),
                    fields={'technician_id': gettext(
                            'yuexing_workorder.msg_api_unknown_technician')})
            values['preferred_technician'] = technicians[0].id
        WorkOrder.write([order], values)
    return order_detail_json(WorkOrder(order.id))


@api.endpoint('POST', '/orders/<int:order_id>/rating', auth=CUSTOMERS,
    tags=ORDERS, summary="评价", status=201, idempotent=True,
    body=s.Object({
            'punctuality': s.Integer("准时", required=True, minimum=1,
                maximum=5),
            'quality': s.Integer("施工质量", required=True, minimum=1,
                maximum=5),
            'attitude': s.Integer("服务态度", required=True, minimum=1,
                maximum=5),
            'cleanliness': s.Integer("现场整洁", required=True, minimum=1,
                maximum=5),
            'comment': s.String("评价内容", max_length=500),
            'photos': s.List("晒单照片", s.Integer("上传ID", minimum=1),
                max_items=9),
            }),
    response=ORDER_DETAIL, errors=(404, 409))
def rate(call, order_id):
    "完工后评价：准时、质量、态度、整洁（1–5星），可附晒单照片。"
    pool = call.pool
    WorkOrder = pool.get('yuexing.work_order')
    Rating = pool.get('yuexing.work_order.rating')
    Upload = pool.get('yuexing.api.upload')
    order = find('yuexing.work_order', order_id)
    if order.state not in {'done', 'closed'}:
        raise api.ApiError(409, 'not_done', gettext(
                'yuexing_workorder.msg_rating_not_done',
                order=order.number))
    if order.ratings:
        raise api.ApiError(409, 'already_rated',
            gettext('yuexing_workorder.msg_rating_unique'))
    uploads = uploads_of(call, call.body.get('photos'))
    body = call.body
    rating, = Rating.create([{
                'work_order': order.id, 'channel': (
                    'portal' if call.role == 'portal' else 'mini_program'),
                'punctuality': body['punctuality'],
                'quality': body['quality'],
                'attitude': body['attitude'],
                'cleanliness': body['cleanliness'],
                'comment': body.get('comment'),
                }])
    with without_check_access():
        Upload.attach(uploads, rating)
    return api.Reply(order_detail_json(WorkOrder(order.id)), status=201)


# ---- quotes -----------------------------------------------------------------


@api.endpoint('GET', '/orders/<int:order_id>/quotes', auth=CUSTOMERS,
    tags=QUOTES, summary="报价版本", response=s.List("报价", QUOTE),
    errors=(404,))
def list_quotes(call, order_id):
    "工单已发送给客户的各个报价版本（新版本在前）。"
    Quote = call.pool.get('yuexing.quote')
    order = find('yuexing.work_order', order_id)
    return [quote_json(q) for q in Quote.search(
            [('work_order', '=', order.id)],
            order=[('version', 'DESC')])]


@api.endpoint('GET', '/orders/<int:order_id>/quotes/compare',
    auth=CUSTOMERS, tags=QUOTES, summary="报价对比",
    query=s.Object({
            'first': s.Integer("版本一报价ID", required=True, minimum=1),
            'second': s.Integer("版本二报价ID", required=True, minimum=1),
            }),
    response=s.Object({
            'first': QUOTE,
            'second': QUOTE,
            'difference': s.Money("合计差额"),
            'lines': s.List("明细对比", s.Object({
                        'description': s.String("项目"),
                        'change': s.Enum("变化", [
                                ('same', "未变"), ('changed', "已修改"),
                                ('added', "新增"), ('removed', "删除")],
                            name='QuoteLineChange'),
                        'first_amount': s.Money("版本一金额", nullable=True),
                        'second_amount': s.Money("版本二金额", nullable=True),
                        'difference': s.Money("差额"),
                        }, "对比行")),
            }, "报价对比"),
    errors=(404,))
def compare_quotes(call, order_id):
    "逐行比较同一工单的两个报价版本。"
    Compare = call.pool.get('yuexing.quote.compare', type='wizard')
    order = find('yuexing.work_order', order_id)
    first = find('yuexing.quote', call.query['first'])
    second = find('yuexing.quote', call.query['second'])
    if first.work_order != order or second.work_order != order:
        raise api.not_found()
    rows = Compare.compare(first, second)
    return {
        'first': quote_json(first),
        'second': quote_json(second),
        'difference': first.total_amount - second.total_amount,
        'lines': [{
                'description': r['description'], 'change': r['change'],
                'first_amount': r['first_amount'],
                'second_amount': r['second_amount'],
                'difference': r['difference'],
                } for r in rows],
        }


@api.endpoint('POST', '/quotes/<int:quote_id>/confirm', auth=CUSTOMERS,
    tags=QUOTES, summary="确认报价", idempotent=True, response=QUOTE,
    errors=(404, 409))
def confirm_quote(call, quote_id):
    "客户确认当前报价，工单进入待派工。"
    pool = call.pool
    Quote = pool.get('yuexing.quote')
    quote = find('yuexing.quote', quote_id)
    if quote.state != 'sent' or quote.work_order.quote != quote:
        raise api.ApiError(409, 'quote_not_confirmable', gettext(
                'yuexing_workorder.msg_api_quote_not_confirmable',
                quote=quote.rec_name))
    with without_check_access():
        Quote.customer_confirm([quote], channel=(
                'portal' if call.role == 'portal' else 'mini_program'),
            by=call.user.name)
    return quote_json(Quote(quote.id))


@api.endpoint('POST', '/quotes/<int:quote_id>/reject', auth=CUSTOMERS,
    tags=QUOTES, summary="拒绝报价",
    body=s.Object({
            'reason': s.String("原因", required=True, max_length=500),
            }),
    response=QUOTE, errors=(404, 409))
def reject_quote(call, quote_id):
    "客户拒绝报价并说明原因，客服会联系调整。"
    pool = call.pool
    Quote = pool.get('yuexing.quote')
    WorkOrder = pool.get('yuexing.work_order')
    quote = find('yuexing.quote', quote_id)
    if quote.state != 'sent':
        raise api.ApiError(409, 'quote_not_confirmable', gettext(
                'yuexing_workorder.msg_api_quote_not_confirmable',
                quote=quote.rec_name))
    with without_check_access():
        Quote.customer_reject([quote], call.body['reason'])
        WorkOrder.notify('quote_rejected', [quote.work_order],
            users=WorkOrder.customer_service())
    return quote_json(Quote(quote.id))


# ---- addresses -------------------------------------------------------------


@api.endpoint('GET', '/addresses', auth=CUSTOMERS, tags=ADDRESSES,
    summary="常用地址", response=s.List("地址", ADDRESS))
def list_addresses(call):
    "当前客户保存的地址。"
    Address = call.pool.get('party.address')
    customer = customer_of(call)
    return [address_json(a) for a in Address.search(
            [('party', '=', customer.id)])]


@api.endpoint('POST', '/addresses', auth=CUSTOMERS, tags=ADDRESSES,
    summary="新增地址（智能识别）", status=201,
    body=s.Object({
            'text': s.String("完整地址", required=True, max_length=200),
            'latitude': LATITUDE,
            'longitude': LONGITUDE,
            }),
    response=ADDRESS)
def create_address(call):
    """粘贴完整地址，自动识别省、市、区和街道门牌后保存。带上小程序选点的
    GCJ-02 坐标（latitude、longitude）时按该坐标计算距离、预计到达和签到
    范围；否则只有区县中心的近似坐标（approximate 为 true）。"""
    Address = call.pool.get('party.address')
    customer = customer_of(call)
    values = address_values(call.body)
    with without_check_access():
        address, = Address.create([{'party': customer.id, **values}])
    return api.Reply(address_json(address), status=201)


def address_values(body, text_required=True):
    "The party.address values of an address body (text and coordinates)."
    Address = Pool().get('party.address')
    values = {}
    if body.get('text') or text_required:
        try:
            values = Address.values_from_text(body['text'])
        except RegionError as error:
            raise api.ApiError(422, 'bad_address', error.message,
                fields={'text': error.message}) from error
    coordinates = [body.get('latitude'), body.get('longitude')]
    if any(c is not None for c in coordinates):
        if any(c is None for c in coordinates):
            missing = 'longitude' if coordinates[1] is None else 'latitude'
            text = gettext('yuexing_workorder.msg_api_coordinates_pair')
            raise api.ApiError(422, 'validation_error', text,
                fields={missing: text})
        values.update(latitude=coordinates[0], longitude=coordinates[1],
            geo_source='gps')
    return values


def own_address(call, address_id):
    "The caller's saved address, else 404."
    Address = call.pool.get('party.address')
    customer = customer_of(call)
    addresses = Address.search([
            ('id', '=', address_id), ('party', '=', customer.id)], limit=1)
    if not addresses:
        raise api.not_found()
    return addresses[0]


@api.endpoint('PUT', '/addresses/<int:address_id>', auth=CUSTOMERS,
    tags=ADDRESSES, summary="修改地址",
    body=s.Object({
            'text': s.String("完整地址", max_length=200, min_length=1),
            'latitude': LATITUDE,
            'longitude': LONGITUDE,
            }),
    response=ADDRESS, errors=(404,))
def update_address(call, address_id):
    """修改完整地址和/或坐标：只改文字时重新识别（坐标回到区县中心，除非
    同时带上新的 GCJ-02 坐标）；只改坐标时保留文字。进行中的工单随之更新。"""
    Address = call.pool.get('party.address')
    address = own_address(call, address_id)
    values = address_values(call.body, text_required=False)
    if values:
        with without_check_access():
            Address.write([address], values)
    return address_json(Address(address.id))


@api.endpoint('DELETE', '/addresses/<int:address_id>', auth=CUSTOMERS,
    tags=ADDRESSES, summary="删除地址", status=204, errors=(404, 409))
def delete_address(call, address_id):
    """删除常用地址；有进行中的工单使用它时返回 409 address_in_use。已完成
    工单的地址不再显示在列表中，历史工单仍保留原地址。"""
    pool = call.pool
    Address = pool.get('party.address')
    WorkOrder = pool.get('yuexing.work_order')
    address = own_address(call, address_id)
    with without_check_access():
        orders = WorkOrder.search([('address', '=', address.id)])
        open_orders = [o for o in orders
            if o.state not in {'done', 'closed', 'cancelled'}]
        if open_orders:
            raise api.ApiError(409, 'address_in_use', gettext(
                    'yuexing_workorder.msg_api_address_in_use',
                    order=open_orders[0].number))
        if orders:
            Address.write([address], {'active': False})
        else:
            Address.delete([address])
    return api.Reply(None, status=204)


@api.endpoint('POST', '/addresses/recognize', auth=api.AUTHENTICATED,
    tags=ADDRESSES, summary="地址智能识别",
    body=s.Object({
            'text': s.String("完整地址", required=True, max_length=200),
            }),
    response=s.Object({
            'province': s.String("省", nullable=True),
            'city': s.String("市", nullable=True),
            'district': s.String("区县", nullable=True),
            'street': s.String("街道门牌", nullable=True),
            'latitude': s.Number("纬度", nullable=True),
            'longitude': s.Number("经度", nullable=True),
            }, "识别结果"))
def recognize_address(call):
    "把一段中文地址拆成省、市、区县和街道门牌（不保存）。"
    Subdivision = call.pool.get('country.subdivision')
    try:
        found = Subdivision.recognize(call.body['text'])
    except RegionError as error:
        raise api.ApiError(422, 'bad_address', error.message,
            fields={'text': error.message}) from error
    return {
        'province': found['province'].name if found['province'] else None,
        'city': found['city'].name if found['city'] else None,
        'district': found['district'].name if found['district'] else None,
        'street': found['street'] or None,
        'latitude': _float(found['latitude']),
        'longitude': _float(found['longitude']),
        }
