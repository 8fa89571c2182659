"""The OpenAPI 3.1 document, generated from the endpoint registry.

Served at ``/<database>/api/v1/openapi.json``; the mini-program and portal
teams build against it, and the tests check that it lists every endpoint
and that every answer matches what it documents.
"""
import datetime as dt

from . import schema
from .codes import operation_codes
from .endpoint import PUBLIC, REGISTRY, endpoint

OPENAPI_VERSION = '3.1.0'
API_VERSION = '1.0.0'

STATUS_TEXT = {
    200: "成功",
    201: "已创建",
    204: "成功，无内容",
    400: "请求格式不正确",
    401: "未登录、令牌无效或已过期",
    403: "无权访问",
    404: "资源不存在",
    409: "冲突（并发修改或重复请求）",
    413: "请求内容过大",
    415: "请求格式不受支持",
    422: "字段校验失败（fields 列出每个字段的错误）",
    429: "请求过于频繁（见 Retry-After）",
    500: "服务器内部错误",
    503: "系统繁忙，请稍后重试",
    }

ERROR_SCHEMA = {
    'type': 'object', 'title': 'Error',
    'description': "错误：code 为稳定的错误代码（每个接口列出其可能的代码），"
        "message 为中文说明，fields 按 API 字段列出校验错误。",
    'required': ['error'],
    'additionalProperties': False,
    'properties': {
        'error': {
            'type': 'object', 'title': 'ErrorDetail',
            'required': ['code', 'message', 'fields'],
            'additionalProperties': False,
            'properties': {
                'code': {'type': 'string', 'title': "错误代码",
                    'examples': ['validation_error']},
                'message': {'type': 'string', 'title': "错误说明（中文）"},
                'fields': {
                    'type': 'object',
                    'description': "字段错误：API 字段名 → 中文说明",
                    'additionalProperties': {'type': 'string'},
                    },
                },
            },
        },
    }

ROLE_TEXT = {
    'customer': "C端居民（微信小程序）",
    'technician': "师傅端",
    'portal': "B端客户门户",
    'staff': "内部员工",
    }


def _parameter_schema(converter):
    if converter == 'int':
        return {'type': 'integer', 'minimum': 0, 'maximum': 2 ** 31 - 1}
    return {'type': 'string'}


def _rate_text(limits):
    "The quantified limits of a rate-limit class, in Chinese."
    if not limits:
        return None
    period = limits.get('period', 60)
    parts = []
    if limits.get('ip'):
        parts.append(f"每个 IP 每 {period} 秒最多 {limits['ip']} 次")
    if limits.get('token'):
        parts.append(f"每个令牌每 {period} 秒最多 {limits['token']} 次")
    if not parts:
        return "限流：不限"
    return ("限流：" + "，".join(parts)
        + "；超出时返回 429 `rate_limited`，`Retry-After` 为需等待的秒数。")


_SAMPLE_DATETIME = dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC)


def example_of(field, depth=0):
    """An example value of a schema field: its own example if it has one,
    else one made from its type and bounds (valid against its schema)."""
    if field.example is not schema.MISSING:
        return field.example
    if field.default is not schema.MISSING and field.default is not None:
        return field.default
    if depth > 6:
        return None
    if isinstance(field, schema.Object):
        return {k: example_of(f, depth + 1)
            for k, f in field.fields.items()}
    if isinstance(field, schema.List):
        item = example_of(field.item, depth + 1)
        return [] if item is None else [item]
    if isinstance(field, schema.Enum):
        return field.values[0] if field.values else None
    if isinstance(field, schema.Money):
        low = field.minimum if field.minimum is not None else 0
        high = field.maximum if field.maximum is not None else 1e9
        return f'{min(max(128.5, float(low)), float(high)):.2f}'
    if isinstance(field, schema.Phone):
        return '13812345678'
    if isinstance(field, schema.File):
        return None
    if isinstance(field, schema.String):
        text = field.label or 'text'
        if field.pattern or field.format:
            return None
        if field.max_length is not None:
            text = text[:field.max_length]
        if field.min_length and len(text) < field.min_length:
            text = text + 'x' * (field.min_length - len(text))
        return text
    if isinstance(field, schema.Integer):
        low = field.minimum if field.minimum > schema.Integer.MINIMUM else 1
        return max(1, low) if field.maximum >= max(1, low) else low
    if isinstance(field, schema.Number):
        low = field.minimum if field.minimum is not None else 31.2304
        high = field.maximum if field.maximum is not None else 1e9
        return min(max(31.2304, low), high)
    if isinstance(field, schema.Boolean):
        return True
    if isinstance(field, schema.DateTime):
        return _SAMPLE_DATETIME.isoformat().replace('+00:00', 'Z')
    if isinstance(field, schema.Date):
        return _SAMPLE_DATETIME.date().isoformat()
    return None


def _prune(value):
    "Drop the None of an example where the schema would not accept them."
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value if v is not None]
    return value


def _error_examples(status, codes):
    return {code: {
            'summary': code,
            'value': {'error': {
                    'code': code,
                    'message': STATUS_TEXT.get(status, str(status)),
                    'fields': ({'字段名': "字段错误（中文，指明字段）"}
                        if status == 422 else {}),
                    }},
            } for code in codes}


def operation(ep, rate_limits=None):
    codes = operation_codes(ep)
    op = {
        'operationId': ep.operation_id,
        'summary': ep.summary,
        'tags': list(ep.tags) or ['其他'],
        'x-yuexing-rate-limit': ep.rate_limit,
        }
    if rate_limits:
        op['x-yuexing-rate-limit-values'] = dict(rate_limits)
    description = (ep.description or '').strip()
    if ep.public:
        op['security'] = []
        access = "公开接口（无需令牌）"
    else:
        op['security'] = [{'bearerAuth': []}]
        access = "角色：" + "、".join(ROLE_TEXT[r] for r in ep.auth)
        op['x-yuexing-roles'] = list(ep.auth)
        if ep.groups:
            op['x-yuexing-groups'] = list(ep.groups)
    codes_text = "错误代码：" + "；".join(
        f"{status} " + "、".join(f"`{c}`" for c in names)
        for status, names in codes.items()) if codes else None
    op['description'] = '\n\n'.join(filter(None, [
                description, access, _rate_text(rate_limits), codes_text]))
    op['x-yuexing-error-codes'] = {str(k): v for k, v in codes.items()}

    parameters = []
    for name, converter in ep.path_params:
        parameters.append({
                'name': name, 'in': 'path', 'required': True,
                'schema': _parameter_schema(converter),
                })
    if ep.query is not None:
        for name, fdef in ep.query.fields.items():
            parameters.append({
                    'name': name, 'in': 'query',
                    'required': bool(fdef.required),
                    'schema': fdef.json_schema(),
                    })
    if ep.idempotent:
        parameters.append({
                'name': 'Idempotency-Key', 'in': 'header', 'required': False,
                'description': (
                    "同一键 + 同一请求体重放时返回首次的结果，不会重复创建；"
                    "同一键 + 不同请求体返回 422。8–128 个可见 ASCII 字符，"
                    "建议使用 UUID。"),
                'schema': {'type': 'string', 'minLength': 8,
                    'maxLength': 128, 'pattern': r'^[\x21-\x7e]+$'},
                })
    if parameters:
        op['parameters'] = parameters

    if ep.body is not None:
        body_schema = ep.body.json_schema()
        if ep.multipart:
            content = {'multipart/form-data': {'schema': body_schema}}
            for fdef in ep.body.fields.values():
                if isinstance(fdef, schema.File):
                    body_schema['properties'][_name_of(ep.body, fdef)][
                        'format'] = 'binary'
        else:
            content = {'application/json': {'schema': body_schema,
                    'example': _prune(example_of(ep.body))}}
        op['requestBody'] = {
            'required': bool(body_schema.get('required')),
            'content': content,
            }

    responses = {}
    for status in sorted(set(ep.statuses()) | set(codes)):
        text = STATUS_TEXT.get(status, str(status))
        if status == ep.status:
            if status == 204 or ep.response is None:
                responses[str(status)] = {'description': text}
            else:
                media = {'schema': ep.response.json_schema()}
                example = example_of(ep.response)
                if example is not None and not (
                        isinstance(ep.response, schema.Object)
                        and ep.response.additional):
                    media['example'] = example
                responses[str(status)] = {
                    'description': text,
                    'content': {'application/json': media},
                    }
        else:
            body = {'$ref': '#/components/schemas/Error'}
            if status in ep.responses:
                body = {'anyOf': [ep.responses[status].json_schema(), body]}
            names = codes.get(status, [])
            media = {'schema': body}
            if names:
                media['examples'] = _error_examples(status, names)
                text += "：" + "、".join(names)
            responses[str(status)] = {
                'description': text,
                'content': {'application/json': media},
                }
    op['responses'] = responses
    return op


def _name_of(obj, fdef):
    for name, value in obj.fields.items():
        if value is fdef:
            return name


def build(database_name, endpoints=None, rate_limits=None):
    """The OpenAPI document of the given endpoints (default: all);
    rate_limits: {class: limits} as Configuration.get_rate_limits."""
    paths = {}
    rate_limits = rate_limits or {}
    with schema.collecting_components() as named:
        for ep in (endpoints or REGISTRY.values()):
            paths.setdefault(ep.openapi_path, {})[ep.method.lower()] = (
                operation(ep, rate_limits.get(ep.rate_limit)))
    components = {'Error': ERROR_SCHEMA}
    components.update(sorted(
            (name, value) for name, (_, value) in named.items()))
    return {
        'openapi': OPENAPI_VERSION,
        'info': {
            'title': "月星防水业务平台 API",
            'version': API_VERSION,
            'description': (
                "C端（居民微信小程序）、师傅端、B端门户的 JSON 接口。"
                "除登录类接口外均需 `Authorization: Bearer <令牌>`。"
                "错误统一为 `{\"error\": {\"code\", \"message\", "
                "\"fields\"}}`，message 为中文。\n\n"
                "**沙箱（`make run` 的演示环境）**：微信、微信支付、支付宝、"
                "短信和用友NC 都是本地模拟。居民登录 `POST /auth/wechat` 的 "
                "code 填 `demo-cduan`（演示居民）或 `demo-任意字符`"
                "（新居民），绑定手机号的 code 填 `phone-<11位手机号>`；"
                "短信验证码显示在沙箱控制台 http://127.0.0.1:8001/ "
                "（或 `GET /api/sms?phone=`）；"
                "下单支付后在控制台点“模拟支付”，或 `POST "
                "http://127.0.0.1:8001/api/pay {\"out_trade_no\": 收款的 "
                "number}`，微信支付/支付宝随即发送签名的支付通知。"),
            },
        'servers': [{'url': f'/{database_name}/api/v1'}],
        'paths': dict(sorted(paths.items())),
        'components': {
            'schemas': components,
            'securitySchemes': {
                'bearerAuth': {
                    'type': 'http', 'scheme': 'bearer',
                    'description': "登录接口返回的 access_token",
                    },
                },
            },
        }


@endpoint('GET', '/openapi.json', auth=PUBLIC, tags=['文档'],
    summary="OpenAPI 3.1 接口文档",
    response=schema.Object({}, additional=True, label="OpenAPI 文档"))
def openapi_document(call):
    "本文档：由接口注册表生成，列出全部接口、参数、请求体与响应。"
    from .endpoint import RATE_LIMIT_CLASSES
    Configuration = call.pool.get('yuexing.configuration')
    return build(call.request.view_args['database_name'],
        [ep for ep in REGISTRY.values() if ep.available(call.pool)],
        rate_limits={kind: Configuration.get_rate_limits(kind)
            for kind in RATE_LIMIT_CLASSES})
