"""JSON endpoints of the 师傅端 for materials: my van stock, the warehouse
stock (库存查询), requisitions for an order and their state (在线申请,
领用记录), returns (退料), counting my van (材料盘点). Consumption is
recorded by the work-order call /technician/orders/{id}/materials, which
this module turns into a stock move from the van.

Each record is looked up as the caller's own (their van, their
requisitions, their orders); the business methods then run with the
system's rights and enforce the rules themselves."""
from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.modules.yuexing_workorder.routes_technician import (
    own_order,
    technician_of,
)
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .inventory import REASONS, inventory_of_van

TECHNICIANS = ('technician',)
TAGS = ['师傅端 材料']
KIND_CHOICES = [('issue', "领用"), ('return', "退料")]
DESTINATION_CHOICES = [('van', "领到车上"), ('order', "直接用于工单")]
STATE_CHOICES = [('draft', "草稿"), ('pending', "待审批"),
    ('approved', "待出库"), ('done', "已办理"), ('rejected', "已驳回"),
    ('cancelled', "已取消")]
REASON_CHOICES = [('damaged', "损坏"), ('expired', "过期"), ('lost', "丢失"),
    ('unrecorded_use', "使用未登记"), ('wrong_booking', "记账错误"),
    ('found', "盘盈"), ('other', "其他")]
APPROVAL_CHOICES = [('pending', "待审批"), ('approved', "已通过"),
    ('rejected', "已驳回")]
assert {c for c, _ in REASON_CHOICES} == {c for c, _ in REASONS if c}

# ---- schemas ---------------------------------------------------------------

UNIT = s.Object({
        'id': s.Integer("单位ID"),
        'name': s.String("单位"),
        }, "单位", name='MaterialUnit')
STOCK = s.Object({
        'product_id': s.Integer("物料ID"),
        'code': s.String("物料编码", nullable=True),
        'name': s.String("物料名称"),
        'specification': s.String("规格型号", nullable=True),
        'unit': s.String("库存单位"),
        'quantity': s.Number("库存数量"),
        'units': s.List("可用单位", UNIT),
        }, "库存", name='MaterialStock')
REQUISITION_LINE = s.Object({
        'product_id': s.Integer("物料ID"),
        'name': s.String("物料名称"),
        'quantity': s.Number("数量"),
        'unit': s.String("单位"),
        'amount': s.Number("金额"),
        }, "领用明细", name='RequisitionLine')
REQUISITION = s.Object({
        'id': s.Integer("领用单ID"),
        'number': s.String("单号"),
        'kind': s.Enum("类型", KIND_CHOICES),
        'destination': s.Enum("去向", DESTINATION_CHOICES),
        'order_id': s.Integer("工单ID", nullable=True),
        'order_number': s.String("工单号", nullable=True),
        'state': s.Enum("状态", STATE_CHOICES),
        'amount': s.Number("金额"),
        'note': s.String("备注", nullable=True),
        'requested_at': s.DateTime("申请时间", nullable=True),
        'done_at': s.DateTime("办理时间", nullable=True),
        'lines': s.List("明细", REQUISITION_LINE),
        }, "领用单", name='Requisition')
LINE_IN = s.Object({
        'product_id': s.Integer("物料ID", required=True, minimum=1),
        'quantity': s.Number("数量", required=True, minimum=0.001),
        'unit_id': s.Integer("单位ID", minimum=1),
        }, "物料数量", name='MaterialQuantityIn')
COUNT_LINE = s.Object({
        'product_id': s.Integer("物料ID"),
        'name': s.String("物料名称"),
        'unit': s.String("库存单位"),
        'expected': s.Number("账面数量"),
        'counted': s.Number("实盘数量", nullable=True),
        'difference': s.Number("差异", nullable=True),
        'reason': s.Enum("差异原因", REASON_CHOICES, nullable=True),
        }, "盘点明细", name='VanCountLine')
COUNT = s.Object({
        'id': s.Integer("盘点单ID（尚未提交时为空）", nullable=True),
        'number': s.String("盘点单号", nullable=True),
        'date': s.Date("盘点日期"),
        'approval': s.Enum("审批", APPROVAL_CHOICES, nullable=True),
        'lines': s.List("明细", COUNT_LINE),
        }, "车载库存盘点", name='VanCount')


def _number(value):
    return None if value is None else round(float(value), 4)


def stock_json(quantities, location):
    Product = Pool().get('product.product')
    Template = Pool().get('product.template')
    products = Product.browse([p for (l, p) in quantities if l == location.id])
    units = Template.units_of({p.template for p in products})
    return [{
            'product_id': p.id,
            'code': p.code or None,
            'name': p.name,
            'specification': p.template.specification or None,
            'unit': p.default_uom.rec_name,
            'quantity': _number(quantities[location.id, p.id]),
            'units': [{'id': u.id, 'name': u.rec_name}
                for u in units[p.template]],
            } for p in sorted(products, key=lambda p: (p.code or '', p.id))]


def requisition_json(requisition):
    order = requisition.work_order
    return {
        'id': requisition.id,
        'number': requisition.number,
        'kind': requisition.kind,
        'destination': requisition.destination,
        'order_id': order.id if order else None,
        'order_number': order.number if order else None,
        'state': requisition.state,
        'amount': _number(requisition.amount),
        'note': requisition.note,
        'requested_at': requisition.requested_at,
        'done_at': requisition.done_at,
        'lines': [{
                'product_id': l.product.id,
                'name': l.product.rec_name,
                'quantity': _number(l.quantity),
                'unit': l.unit.rec_name,
                'amount': _number(l.amount),
                } for l in requisition.lines],
        }


def count_json(inventory):
    return {
        'id': inventory.id,
        'number': inventory.number,
        'date': inventory.date,
        'approval': inventory.approval_state,
        'lines': [{
                'product_id': l.product.id,
                'name': l.product.rec_name,
                'unit': l.unit.rec_name,
                'expected': _number(l.expected_quantity),
                'counted': _number(l.quantity),
                'difference': _number(l.difference),
                'reason': l.reason,
                } for l in inventory.lines],
        }


def van_of(call):
    "The caller's van (409 when the technician has none yet)."
    technician = technician_of(call)
    if not technician.van_location:
        raise api.ApiError(409, 'no_van',
            gettext('yuexing_material.msg_api_no_van'))
    return technician, technician.van_location


def material_lines(lines, field='lines'):
    """[(product, quantity, unit)] of the body's lines; 422 naming the line
    for an unknown material or unit."""
    pool = Pool()
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    if not lines:
        raise api.ApiError(422, 'no_lines',
            gettext('yuexing_material.msg_api_no_lines'),
            fields={field: gettext('yuexing_material.msg_api_no_lines')})
    with without_check_access():
        products = {p.id: p for p in Product.search([
                    ('id', 'in', [l['product_id'] for l in lines]),
                    ('type', '=', 'goods')])}
        units = Template.units_of({p.template for p in products.values()})
        result = []
        for i, line in enumerate(lines):
            product = products.get(line['product_id'])
            if product is None:
                message = gettext('yuexing_material.msg_api_unknown_material')
                raise api.ApiError(422, 'unknown_material', message,
                    fields={f'{field}[{i}].product_id': message})
            unit = product.default_uom
            if line.get('unit_id'):
                unit = next((u for u in units[product.template]
                        if u.id == line['unit_id']), None)
                if unit is None:
                    message = gettext(
                        'yuexing_material.msg_api_unknown_unit',
                        material=product.rec_name)
                    raise api.ApiError(422, 'unknown_unit', message,
                        fields={f'{field}[{i}].unit_id': message})
            result.append((product, line['quantity'], unit))
    return result


# ---- stock -----------------------------------------------------------------

@api.endpoint('GET', '/technician/stock/van', auth=TECHNICIANS, tags=TAGS,
    summary="我的车载库存", response=s.List("车载库存", STOCK),
    errors=(409,))
def van_stock(call):
    "我车上现有的各物料数量（库存单位），以及登记用量时可用的单位。"
    Location = call.pool.get('stock.location')
    _, van = van_of(call)
    with without_check_access():
        return stock_json(Location.stock([van]), van)


@api.endpoint('GET', '/technician/stock/warehouse', auth=TECHNICIANS,
    tags=TAGS, summary="仓库库存查询",
    query=s.Object({
            'q': s.String("物料名称或编码", max_length=50),
            }),
    response=s.List("仓库库存", STOCK))
def warehouse_stock(call):
    "中心仓库有货的物料（最多 100 种），可按名称或编码查询。"
    pool = call.pool
    Location = pool.get('stock.location')
    Product = pool.get('product.product')
    Configuration = pool.get('yuexing.configuration')
    technician_of(call)
    with without_check_access():
        warehouse, _, _ = Configuration.material_locations()
        products = None
        if call.query.get('q'):
            text = call.query['q']
            products = Product.search(['OR',
                    ('name', 'ilike', f'%{text}%'),
                    ('code', 'ilike', f'%{text}%')], limit=100)
        quantities = Location.stock([warehouse], products)
        keep = sorted(quantities.items(), key=lambda i: i[0][1])[:100]
        return stock_json(dict(keep), warehouse)


# ---- requisitions ----------------------------------------------------------

@api.endpoint('GET', '/technician/requisitions', auth=TECHNICIANS,
    tags=TAGS, summary="我的领用记录",
    query=s.page_query({
            'state': s.Enum("状态", STATE_CHOICES),
            'kind': s.Enum("类型", KIND_CHOICES),
            'order_id': s.Integer("工单ID", minimum=1),
            }),
    response=s.page_of(REQUISITION))
def list_requisitions(call):
    "我申请的领用单和退料单，最新在前。"
    Requisition = call.pool.get('yuexing.material.requisition')
    technician = technician_of(call)
    query = call.query
    domain = [('technician', '=', technician.id)]
    for name, field in [('state', 'state'), ('kind', 'kind'),
            ('order_id', 'work_order')]:
        if query.get(name):
            domain.append((field, '=', query[name]))
    with without_check_access():
        return api.paginate(Requisition, domain, query,
            lambda records: [requisition_json(r) for r in records],
            many=True)


@api.endpoint('GET', '/technician/requisitions/<int:requisition_id>',
    auth=TECHNICIANS, tags=TAGS, summary="领用单详情",
    response=REQUISITION, errors=(404,))
def get_requisition(call, requisition_id):
    return requisition_json(own_requisition(call, requisition_id))


def own_requisition(call, requisition_id):
    Requisition = call.pool.get('yuexing.material.requisition')
    technician = technician_of(call)
    with without_check_access():
        found = Requisition.search([
                ('id', '=', requisition_id),
                ('technician', '=', technician.id)])
    if not found:
        raise api.not_found()
    return found[0]


def create_requisition(call, kind, destination):
    pool = call.pool
    Requisition = pool.get('yuexing.material.requisition')
    body = call.body
    technician, _ = van_of(call)
    order = own_order(call, body['order_id']) if body.get(
        'order_id') else None
    if destination == 'order' and not order:
        message = gettext('yuexing_material.msg_api_order_required')
        raise api.ApiError(422, 'order_required', message,
            fields={'order_id': message})
    lines = [] if body.get('from_quote') else material_lines(
        body.get('lines'))
    with without_check_access():
        requisition, = Requisition.create([{
                    'kind': kind, 'destination': destination,
                    'work_order': order.id if order else None,
                    'technician': technician.id,
                    'requested_by': call.user.id,
                    'note': body.get('note'),
                    'lines': [('create', [{
                                    'product': p.id, 'quantity': q,
                                    'unit': u.id} for p, q, u in lines])],
                    }])
        if body.get('from_quote'):
            Requisition.fill_from_quote([requisition])
            requisition = Requisition(requisition.id)
            if not requisition.lines:
                message = gettext('yuexing_material.msg_api_quote_empty')
                raise api.ApiError(422, 'quote_empty', message,
                    fields={'from_quote': message})
        Requisition.submit([requisition])
        return api.Reply(requisition_json(Requisition(requisition.id)),
            status=201)


@api.endpoint('POST', '/technician/requisitions', auth=TECHNICIANS,
    tags=TAGS, summary="在线领用申请", status=201, idempotent=True,
    body=s.Object({
            'order_id': s.Integer("工单ID", minimum=1),
            'destination': s.Enum("去向", DESTINATION_CHOICES,
                default='van'),
            'from_quote': s.Boolean("按报价带出", default=False),
            'lines': s.List("明细", LINE_IN, max_items=50),
            'note': s.String("备注", max_length=500),
            }),
    response=REQUISITION, errors=(404, 409, 422))
def request_materials(call):
    """为工单申请材料（领到车上或直接用于工单）；from_quote 按报价的材料
    明细带出。提交后按金额进入审批（仓管/管理层），仓管出库后为已办理。"""
    return create_requisition(call, 'issue', call.body['destination'])


@api.endpoint('POST', '/technician/returns', auth=TECHNICIANS, tags=TAGS,
    summary="退料", status=201, idempotent=True,
    body=s.Object({
            'order_id': s.Integer("工单ID", minimum=1),
            'lines': s.List("明细", LINE_IN, required=True, max_items=50),
            'note': s.String("备注", max_length=500),
            }),
    response=REQUISITION, errors=(404, 409, 422))
def return_materials(call):
    """把车上的材料退回仓库；指定工单时最多退回该工单领用未用的数量。
    仓管收货入库后状态为已办理。"""
    return create_requisition(call, 'return', 'van')


# ---- van count -------------------------------------------------------------

@api.endpoint('GET', '/technician/stock/count', auth=TECHNICIANS,
    tags=TAGS, summary="车载库存盘点单", response=COUNT, errors=(409,))
def get_count(call):
    """我车上进行中的盘点单；没有时给出按账面数量的空白盘点表（提交时建单）。"""
    pool = call.pool
    Inventory = pool.get('stock.inventory')
    Location = pool.get('stock.location')
    Product = pool.get('product.product')
    Date = pool.get('ir.date')
    technician, van = van_of(call)
    with without_check_access():
        open_ = Inventory.search([
                ('location', '=', van.id), ('state', '=', 'draft'),
                ], order=[('id', 'DESC')], limit=1)
        if open_:
            return count_json(open_[0])
        quantities = Location.stock([van])
        products = Product.browse([p for _, p in quantities])
        return {
            'id': None, 'number': None, 'date': Date.today(),
            'approval': None,
            'lines': [{
                    'product_id': p.id, 'name': p.rec_name,
                    'unit': p.default_uom.rec_name,
                    'expected': _number(quantities[van.id, p.id]),
                    'counted': None, 'difference': None, 'reason': None,
                    } for p in sorted(products, key=lambda p: p.id)],
            }


@api.endpoint('POST', '/technician/stock/count', auth=TECHNICIANS,
    tags=TAGS, summary="提交车载库存盘点", idempotent=True,
    body=s.Object({
            'lines': s.List("实盘数量", s.Object({
                        'product_id': s.Integer(
                            "物料ID", required=True, minimum=1),
                        'counted': s.Number(
                            "实盘数量", required=True, minimum=0),
                        'reason': s.Enum("差异原因", REASON_CHOICES),
                        }, "盘点数量", name='VanCountIn'),
                required=True, max_items=200),
            }),
    response=COUNT, errors=(409, 422))
def submit_count(call):
    """填写车上各物料的实盘数量（有差异时写明原因）并提交；差异由财务审批后
    仓管过账。未列出的物料按账面数量不变。"""
    pool = call.pool
    Inventory = pool.get('stock.inventory')
    Line = pool.get('stock.inventory.line')
    Product = pool.get('product.product')
    technician, _ = van_of(call)
    with without_check_access():
        inventory = inventory_of_van(technician)
        if inventory.approval_state == 'pending':
            raise api.ApiError(409, 'count_pending',
                gettext('yuexing_material.msg_api_count_pending'))
        lines = {l.product.id: l for l in inventory.lines}
        goods = {p.id for p in Product.search([
                    ('id', 'in', [r['product_id'] for r in call.body['lines']
                            if r['product_id'] not in lines]),
                    ('type', '=', 'goods')])}
        to_write, to_create = [], []
        for i, row in enumerate(call.body['lines']):
            values = {'quantity': row['counted'],
                'reason': row.get('reason')}
            if row['product_id'] in lines:
                to_write.extend(([lines[row['product_id']]], values))
            elif row['product_id'] in goods:
                to_create.append({'inventory': inventory.id,
                        'product': row['product_id'], **values})
            else:
                message = gettext('yuexing_material.msg_api_unknown_material')
                raise api.ApiError(422, 'unknown_material', message,
                    fields={f'lines[{i}].product_id': message})
        if to_write:
            Line.write(*to_write)
        if to_create:
            Line.create(to_create)
        inventory = Inventory(inventory.id)
        for line in inventory.lines:
            if line.quantity is None:
                line.quantity = line.expected_quantity
        Line.save(inventory.lines)
        inventory = Inventory(inventory.id)
        lines = {l.product.id: l for l in inventory.lines}
        for i, row in enumerate(call.body['lines']):
            line = lines[row['product_id']]
            if line.has_difference and not line.reason:
                message = gettext(
                    'yuexing_material.msg_inventory_reason_required',
                    material=line.product.rec_name)
                raise api.ApiError(422, 'reason_required', message,
                    fields={f'lines[{i}].reason': message})
        Inventory.submit_difference([inventory])
        return count_json(Inventory(inventory.id))
