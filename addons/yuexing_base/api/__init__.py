"""The JSON API toolkit shared by every module (see README.rst, "Writing an
API endpoint").

    from trytond.modules.yuexing_base import api
    from trytond.modules.yuexing_base.api import schema as s

    @api.endpoint('GET', '/messages', auth=api.AUTHENTICATED,
        summary="消息列表", tags=['消息'],
        query=s.page_query({'unread': s.Boolean("仅未读")}),
        response=s.page_of(MESSAGE))
    def list_messages(call):
        return api.paginate(Message, domain, call.query, serialize)
"""
from . import schema
from .endpoint import (
    API_LANGUAGE,
    API_PREFIX,
    AUTHENTICATED,
    IDEMPOTENCY_HEADER,
    PUBLIC,
    REGISTRY,
    ROLES,
    Call,
    Endpoint,
    Reply,
    bearer_token,
    dumps,
    endpoint,
)
from .errors import ApiError, error, from_exception, validation_error

__all__ = [
    'API_LANGUAGE', 'API_PREFIX', 'AUTHENTICATED', 'IDEMPOTENCY_HEADER',
    'PUBLIC', 'REGISTRY', 'ROLES', 'ApiError', 'Call', 'Endpoint', 'Reply',
    'bearer_token', 'dumps', 'endpoint', 'error', 'from_exception',
    'not_found', 'paginate', 'schema', 'validation_error',
    ]


def paginate(Model, domain, query, serialize, order=None, many=False):
    """One page of Model records matching domain, as the page_of schema:
    {"items": [serialize(record)], "page", "limit", "total"}.

    query is the validated page_query (page ≥ 1, 1 ≤ limit ≤ its maximum);
    the search runs as the caller, so record rules apply. many: serialize
    takes the page's list of records (to read what they share at once)."""
    page, limit = query['page'], query['limit']
    total = Model.search_count(domain)
    records = Model.search(
        domain, offset=(page - 1) * limit, limit=limit,
        order=order or [('id', 'DESC')])
    return {
        'items': (serialize(records) if many
            else [serialize(r) for r in records]),
        'page': page,
        'limit': limit,
        'total': total,
        }


def not_found():
    "404 for a record the caller may not see or that does not exist."
    return error(404, 'not_found')


# The document endpoint registers itself on import.
from . import openapi  # noqa: E402,F401
