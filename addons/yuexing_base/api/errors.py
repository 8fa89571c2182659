"""API errors: one JSON shape for every refusal.

    {"error": {"code": "validation_error", "message": "…", "fields": {…}}}

``ApiError`` is a werkzeug ``HTTPException`` so that trytond's ``with_pool``
lets it through untouched. ``from_exception`` maps what Tryton raises
(UserError and its validation/access subclasses, UserWarning, rate limits,
concurrency) to the right 4xx with the Chinese message the user would see in
the back office.
"""
import json

from werkzeug.exceptions import HTTPException

from trytond.exceptions import (
    ConcurrencyException,
    RateLimitException,
    UserError,
    UserWarning,
)
from trytond.model.exceptions import AccessError, ValidationError

from .schema import message

# Texts for errors raised where no database (hence no ir.message) is at
# hand: unknown database, unparsable URL. Everything else is an ir.message.
FALLBACK = {
    'not_found': "请求的资源不存在",
    'method_not_allowed': "不支持该请求方法",
    'internal_error': "服务器内部错误，请稍后重试",
    'busy': "系统繁忙，请稍后重试",
    'too_large': "请求内容过大",
    'bad_request': "请求格式不正确",
    'forbidden': "没有权限",
    }

STATUS_CODES = {
    400: 'bad_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    405: 'method_not_allowed',
    409: 'conflict',
    413: 'too_large',
    415: 'unsupported_media_type',
    422: 'validation_error',
    429: 'rate_limited',
    500: 'internal_error',
    503: 'busy',
    }


class ApiError(HTTPException):
    """Refuse a request: status, stable code, Chinese message, field errors.

    commit=True keeps what the request wrote before refusing (e.g. a failed
    SMS code attempt that must count); otherwise everything is rolled back.
    """

    def __init__(self, status, code, message, fields=None, headers=None,
            commit=False):
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.message = message
        self.fields = dict(fields or {})
        self.extra_headers = dict(headers or {})
        self.commit = commit

    @property
    def payload(self):
        return {'error': {
                'code': self.error_code,
                'message': self.message,
                'fields': self.fields,
                }}

    def get_body(self, environ=None, scope=None):
        return json.dumps(self.payload, ensure_ascii=False)

    def get_headers(self, environ=None, scope=None):
        headers = [('Content-Type', 'application/json; charset=utf-8')]
        headers.extend(self.extra_headers.items())
        return headers

    def __repr__(self):
        return f'<ApiError {self.code} {self.error_code}>'


def error(status, name, /, fields=None, headers=None, commit=False,
        **variables):
    """ApiError with code name whose message is the ir.message
    yuexing_base.msg_api_<name>."""
    return ApiError(status, name, message(name, **variables),
        fields=fields, headers=headers, commit=commit)


def validation_error(fields):
    "422 with the field messages; the message repeats the first one."
    first = next(iter(fields.values()))
    summary = message('invalid_fields', first=first, count=len(fields))
    return ApiError(422, 'validation_error', summary, fields=fields)


def fallback(status, code=None, headers=None):
    code = code or STATUS_CODES.get(status, 'error')
    return ApiError(status, code, FALLBACK.get(code, FALLBACK['bad_request']),
        headers=headers)


def _domain_fields(exception):
    "Best effort: the model fields named in a DomainValidationError."
    domain = getattr(exception, 'domain', None)
    if isinstance(domain, tuple) and len(domain) == 2 and isinstance(
            domain[1], dict):
        return list(domain[1])
    return []


def from_exception(exception, field_map=None):
    """ApiError for an exception raised by Tryton code, or None.

    field_map maps model field names to API field names so that a domain
    error is reported on the field the client sent.
    """
    if isinstance(exception, ApiError):
        return exception
    if isinstance(exception, AccessError):
        return ApiError(403, 'forbidden', exception.message)
    if isinstance(exception, ValidationError):
        fields = {}
        for name in _domain_fields(exception):
            api_name = (field_map or {}).get(name, name)
            fields[api_name] = exception.message
        return ApiError(422, 'validation_error', exception.message,
            fields=fields)
    if isinstance(exception, UserWarning):
        return ApiError(409, 'warning', exception.message)
    if isinstance(exception, UserError):
        # a business rule refused the request as it stands: a conflict
        # with the records' state, not a malformed request (400)
        return ApiError(409, 'business_error', exception.message)
    if isinstance(exception, RateLimitException):
        # the log-in throttle says how long is left (RetryLater)
        seconds = getattr(exception, 'retry_after', None) or 60
        return ApiError(429, 'rate_limited', message('rate_limited',
                seconds=seconds), headers={'Retry-After': str(seconds)})
    if isinstance(exception, ConcurrencyException):
        return ApiError(409, 'conflict', message('concurrent_change'))
    return None
