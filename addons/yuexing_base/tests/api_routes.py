"""Endpoints that exist only in the tests, to exercise the toolkit on a
test model (yuexing.test.service_record): validation of every field type,
Idempotency-Key, pagination, error mapping, group checks."""
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, ValidationError

from .. import api
from ..api import schema as s

RECORD = s.Object({
        'id': s.Integer("ID"),
        'name': s.String("名称"),
        'amount': s.Money("金额", nullable=True),
        'phone': s.String("电话", nullable=True),
        }, "记录")


@api.endpoint('POST', '/test/records', auth=('staff', 'customer'),
    tags=['测试'], summary="创建测试记录", status=201, idempotent=True,
    body=s.Object({
            'name': s.String("名称", required=True, max_length=20),
            'amount': s.Money("金额", minimum=0),
            'phone': s.Phone("联系电话"),
            'date': s.Date("日期"),
            'count': s.Integer("数量", minimum=1, maximum=10),
            'kind': s.Enum("类型", [('a', "甲"), ('b', "乙")]),
            'tags': s.List("标签", s.String("标签", max_length=5),
                max_items=3),
            'urgent': s.Boolean("加急"),
            }),
    response=RECORD)
def create_record(call):
    "创建一条测试记录（测试幂等与校验）。"
    Record = call.pool.get('yuexing.test.service_record')
    record, = Record.create([{'name': call.body['name']}])
    return {'id': record.id, 'name': record.name,
        'amount': call.body.get('amount'), 'phone': call.body.get('phone')}


@api.endpoint('GET', '/test/records', auth=('staff', 'customer'),
    tags=['测试'], summary="测试记录列表",
    query=s.page_query({'name': s.String("名称", max_length=20)},
        max_limit=50),
    response=s.page_of(RECORD))
def list_records(call):
    "分页列出测试记录。"
    Record = call.pool.get('yuexing.test.service_record')
    domain = []
    if call.query.get('name'):
        domain.append(('name', '=', call.query['name']))
    return api.paginate(Record, domain, call.query, lambda r: {
            'id': r.id, 'name': r.name, 'amount': None, 'phone': None},
        order=[('id', 'ASC')])


@api.endpoint('POST', '/test/fail/<kind>', auth='staff', tags=['测试'],
    summary="写入后失败", errors=(403, 409),
    response=s.Object({'id': s.Integer("ID")}))
def fail(call, kind):
    "写入一条记录后按 kind 抛出异常，用于检查错误映射与回滚。"
    Record = call.pool.get('yuexing.test.service_record')
    record, = Record.create([{'name': f'fail-{kind}'}])
    if kind == 'user':
        raise UserError("业务规则不允许")
    if kind == 'validation':
        raise ValidationError("字段“名称”无效")
    if kind == 'access':
        raise AccessError("无权访问该记录")
    if kind == 'warning':
        raise UserWarning('test_warning', "请确认后继续")
    if kind == 'crash':
        raise RuntimeError("password=hunter2 leaked?")
    if kind == 'missing':
        raise api.not_found()
    return {'id': record.id}


@api.endpoint('GET', '/test/dispatch', auth='staff', tags=['测试'],
    summary="仅调度可用", groups=['yuexing_base.group_dispatcher'],
    response=s.Object({'ok': s.Boolean("成功")}))
def dispatcher_only(call):
    "只有调度岗位可以调用。"
    return {'ok': True}
