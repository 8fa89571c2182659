"""JSON endpoints of the 师傅端 for tools (工具管理): the tools I hold and
those in stock to borrow, borrowing and returning one, my loan history.

Tools are searched as the caller (a technician reads the tools; their
loans' record rule keeps them to their own); borrowing and returning then
run with the system's rights and lock the tool's row, so two phones
borrowing the same tool lend it once."""
from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.modules.yuexing_workorder.routes_technician import technician_of
from trytond.transaction import without_check_access

from .exceptions import MaterialError

TECHNICIANS = ('technician',)
TAGS = ['师傅端 工具']
KIND_CHOICES = [('welding', "焊接设备"), ('detection', "检测仪器"),
    ('grouting', "灌浆设备"), ('power', "电动工具"), ('access', "登高工具"),
    ('other', "其他")]
TOOL_STATE_CHOICES = [('available', "在库"), ('lent', "借出"),
    ('maintenance', "维修中"), ('retired', "报废")]
LOAN_STATE_CHOICES = [('draft', "待借出"), ('open', "借出中"),
    ('returned', "已归还")]
CONDITION_CHOICES = [('good', "完好"), ('worn', "磨损"), ('damaged', "损坏")]

# ---- schemas ---------------------------------------------------------------

TOOL = s.Object({
        'id': s.Integer("工具ID"),
        'code': s.String("工具编码"),
        'name': s.String("工具名称"),
        'serial_number': s.String("序列号"),
        'kind': s.Enum("类别", KIND_CHOICES, name='ToolKind'),
        'specification': s.String("品牌型号", nullable=True),
        'state': s.Enum("状态", TOOL_STATE_CHOICES, name='ToolState'),
        'location_note': s.String("存放位置", nullable=True),
        'loan_id': s.Integer("我的借用ID", nullable=True),
        'due_date': s.Date("应还日期", nullable=True),
        'overdue': s.Boolean("已逾期"),
        }, "工具", name='Tool')
TOOLS = s.Object({
        'held': s.List("我借用的工具", TOOL),
        'available': s.List("在库可借的工具", TOOL),
        }, "工具", name='TechnicianTools')
LOAN = s.Object({
        'id': s.Integer("借用ID"),
        'tool_id': s.Integer("工具ID"),
        'tool_code': s.String("工具编码"),
        'tool_name': s.String("工具名称"),
        'serial_number': s.String("序列号"),
        'state': s.Enum("状态", LOAN_STATE_CHOICES, name='ToolLoanState'),
        'note': s.String("用途", nullable=True),
        'lent_at': s.DateTime("借出时间", nullable=True),
        'due_date': s.Date("应还日期", nullable=True),
        'overdue': s.Boolean("已逾期"),
        'days_overdue': s.Integer("逾期天数", nullable=True),
        'returned_at': s.DateTime("归还时间", nullable=True),
        'condition': s.Enum("归还状况", CONDITION_CHOICES,
            name='ToolCondition', nullable=True),
        'remark': s.String("归还备注", nullable=True),
        }, "工具借用", name='ToolLoan')


def tool_json(tool, technician):
    mine = tool.current_loan if tool.holder == technician else None
    return {
        'id': tool.id,
        'code': tool.code,
        'name': tool.name,
        'serial_number': tool.serial_number,
        'kind': tool.kind,
        'specification': tool.specification or None,
        'state': tool.state,
        'location_note': tool.location_note or None,
        'loan_id': mine.id if mine else None,
        'due_date': mine.due_date if mine else None,
        'overdue': bool(mine.overdue) if mine else False,
        }


def loan_json(loan):
    tool = loan.tool
    return {
        'id': loan.id,
        'tool_id': tool.id,
        'tool_code': tool.code,
        'tool_name': tool.name,
        'serial_number': tool.serial_number,
        'state': loan.state,
        'note': loan.note or None,
        'lent_at': loan.lent_at,
        'due_date': loan.due_date,
        'overdue': bool(loan.overdue),
        'days_overdue': loan.days_overdue,
        'returned_at': loan.returned_at,
        'condition': loan.return_condition or None,
        'remark': loan.return_note or None,
        }


def find_tool(call, tool_id):
    "A tool the caller may see (not retired); 404 for any other."
    Tool = call.pool.get('yuexing.material.tool')
    found = Tool.search([('id', '=', tool_id), ('state', '!=', 'retired')])
    if not found:
        raise api.not_found()
    return found[0]


@api.endpoint('GET', '/technician/tools', auth=TECHNICIANS, tags=TAGS,
    summary="我的工具",
    query=s.Object({
            'q': s.String("工具名称、编码或序列号", max_length=50),
            }),
    response=TOOLS)
def tool_list(call):
    """我借用中的工具（含应还日期、是否逾期），以及仓库在库可借的工具
    （最多 100 件，可按名称、编码或序列号查询）。"""
    Tool = call.pool.get('yuexing.material.tool')
    technician = technician_of(call)
    available = [('state', '=', 'available')]
    if call.query.get('q'):
        available.append(('rec_name', 'ilike', f'%{call.query["q"]}%'))
    held = Tool.search([('holder', '=', technician.id)])
    free = Tool.search(available, limit=100)
    with without_check_access():
        return {
            'held': [tool_json(t, technician) for t in held],
            'available': [tool_json(t, technician) for t in free],
            }


@api.endpoint('GET', '/technician/tools/loans', auth=TECHNICIANS,
    tags=TAGS, summary="我的借用记录",
    query=s.page_query({
            'state': s.Enum("状态", LOAN_STATE_CHOICES, name='ToolLoanState'),
            }),
    response=s.page_of(LOAN))
def tool_loans(call):
    "我借用过的工具，最新在前。"
    Loan = call.pool.get('yuexing.material.tool.loan')
    technician = technician_of(call)
    domain = [('technician', '=', technician.id)]
    if call.query.get('state'):
        domain.append(('state', '=', call.query['state']))
    with without_check_access():
        return api.paginate(Loan, domain, call.query,
            lambda loans: [loan_json(l) for l in loans], many=True)


@api.endpoint('POST', '/technician/tools/<int:tool_id>/borrow',
    auth=TECHNICIANS, tags=TAGS, summary="借用工具", status=201,
    idempotent=True,
    body=s.Object({
            'note': s.String("用途", max_length=200),
            }),
    response=LOAN, errors=(404, 409))
def tool_borrow(call, tool_id):
    """借用在库的工具，应还日期按业务配置的工具借用天数。已借给我的工具
    再次借用时返回原借用记录；借给他人、维修中的工具不能借。"""
    Loan = call.pool.get('yuexing.material.tool.loan')
    technician = technician_of(call)
    tool = find_tool(call, tool_id)
    with without_check_access():
        try:
            loan = Loan.borrow(tool, technician, note=call.body.get('note'))
        except MaterialError as exception:
            raise api.ApiError(409, 'tool_not_available',
                exception.message) from exception
        return api.Reply(loan_json(loan), status=201)


@api.endpoint('POST', '/technician/tools/<int:tool_id>/return',
    auth=TECHNICIANS, tags=TAGS, summary="归还工具", idempotent=True,
    body=s.Object({
            'condition': s.Enum("归还状况", CONDITION_CHOICES,
                name='ToolCondition', default='good'),
            'remark': s.String("归还备注", max_length=500),
            }),
    response=LOAN, errors=(404, 409))
def tool_return(call, tool_id):
    """归还我借用的工具并说明状况（完好、磨损、损坏）；只有借用人能归还。"""
    Loan = call.pool.get('yuexing.material.tool.loan')
    technician = technician_of(call)
    tool = find_tool(call, tool_id)
    with without_check_access():
        if tool.state != 'lent' or not tool.current_loan:
            raise api.ApiError(409, 'tool_not_lent', gettext(
                    'yuexing_material.msg_api_tool_not_lent',
                    tool=tool.rec_name))
        loan = tool.current_loan
        if loan.technician != technician:
            raise api.ApiError(409, 'tool_not_yours', gettext(
                    'yuexing_material.msg_api_tool_not_yours',
                    tool=tool.rec_name))
        Loan.write([loan], {
                'return_condition': call.body['condition'],
                'return_note': call.body.get('remark'),
                })
        try:
            Loan.return_tool([loan])
        except MaterialError as exception:
            raise api.ApiError(409, 'tool_not_lent',
                exception.message) from exception
        return loan_json(Loan(loan.id))
