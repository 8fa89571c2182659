"""Declare JSON endpoints under ``/<database>/api/v1`` and run them.

A request goes through two Tryton transactions, both opened with trytond's
``with_pool`` / ``with_transaction`` wrappers (retries on serialisation
failures, queued tasks run after commit when there is no worker):

1. admission (always committed): per-IP and per-token rate limits, bearer
   token check, role and group check. Committed even when it refuses, so
   that refused attempts count against the limits.
2. the call: as the token's user with ``_check_access`` (access rights and
   record rules apply) in zh_CN; request validation, ``Idempotency-Key``
   replay, the handler, the response. Rolled back on any error unless the
   error says ``commit=True``.
"""
import datetime as dt
import hashlib
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import PathConverter
from werkzeug.wrappers import Response as BaseResponse

from trytond import backend
from trytond.exceptions import (
    ConcurrencyException,
    RateLimitException,
    UserError,
    UserWarning,
)
from trytond.protocols.wrappers import Response, with_pool, with_transaction
from trytond.transaction import Transaction, TransactionError
from trytond.wsgi import app

from . import errors, schema

API_PREFIX = '/<database_name>/api/v1'
API_LANGUAGE = 'zh_CN'
PUBLIC = 'public'
ROLES = ('customer', 'technician', 'portal', 'staff')
AUTHENTICATED = ROLES
RATE_LIMIT_CLASSES = ('default', 'auth', 'sms', 'upload')
IDEMPOTENCY_HEADER = 'Idempotency-Key'
MAX_ID = schema.Integer.MAXIMUM  # ids are 32-bit integers in PostgreSQL
_IDEMPOTENCY_KEY = re.compile(r'^[\x21-\x7e]{8,128}$')

logger = logging.getLogger('yuexing.api')

# (METHOD, path) -> Endpoint, in declaration order
REGISTRY = {}


@dataclass
class Endpoint:
    method: str
    path: str
    handler: object
    auth: tuple
    summary: str
    response: object = None
    body: object = None
    query: object = None
    status: int = 200
    tags: tuple = ()
    groups: tuple = ()
    errors: tuple = ()
    idempotent: bool = False
    rate_limit: str = 'default'
    description: str = None
    operation_id: str = None
    max_size: int = None
    field_map: dict = field(default_factory=dict)
    responses: dict = field(default_factory=dict)
    writes: bool = False
    # {status: [codes]} answered by code the handler reaches indirectly
    # (see codes.py: direct ones are read from the source)
    error_codes: dict = field(default_factory=dict)

    @property
    def public(self):
        return not self.auth

    @property
    def module(self):
        "The Tryton module declaring the endpoint (from its handler)."
        parts = self.handler.__module__.split('.')
        if parts[:2] == ['trytond', 'modules'] and len(parts) > 2:
            return parts[2]
        return 'yuexing_base'

    def available(self, pool):
        "Is the declaring module activated on the pool's database?"
        return self.module in getattr(pool, '_modules', ())

    @property
    def rule(self):
        return API_PREFIX + self.path

    @property
    def path_params(self):
        "[(name, converter)] of the path, e.g. [('message_id', 'int')]."
        params = []
        for match in re.finditer(r'<(?:(\w+):)?(\w+)>', self.path):
            params.append((match.group(2), match.group(1) or 'string'))
        return params

    @property
    def openapi_path(self):
        return re.sub(r'<(?:\w+:)?(\w+)>', r'{\1}', self.path)

    @property
    def multipart(self):
        return isinstance(self.body, schema.Object) and any(
            isinstance(f, schema.File) for f in self.body.fields.values())

    def statuses(self):
        "Every status the endpoint may answer (documented in OpenAPI)."
        # 400/409/422: Tryton's UserError, UserWarning and ValidationError
        # may come from any handler
        codes = {self.status, 400, 409, 422, 429, 500, 503}
        if self.path_params:
            codes.add(404)
        if not self.public:
            codes |= {401, 403}
        if self.body is not None:
            # any body may exceed the server's request size (413)
            codes |= {413}
        codes |= set(self.errors) | set(self.responses)
        codes |= set(self.error_codes)
        return sorted(codes)


class Reply:
    "What a handler returns when the status or headers are not the default."

    def __init__(self, body=None, status=None, headers=None):
        self.body = body
        self.status = status
        self.headers = dict(headers or {})


@dataclass
class Call:
    """What a handler receives: the validated input and who calls.

    user is the res.user record of the token (None on public endpoints);
    the transaction runs as that user with access rights enforced.
    """
    request: object
    pool: object
    endpoint: Endpoint
    body: dict = None
    query: dict = None
    path_args: dict = None
    user: object = None
    token: object = None
    role: str = None
    request_id: str = None
    files: dict = None

    @property
    def ip(self):
        return self.request.remote_addr

    @property
    def transaction(self):
        return Transaction()

    def not_found(self):
        return errors.error(404, 'not_found')


@dataclass
class _State:
    "What the two transactions of one request share."
    request_id: str
    user_id: int = None
    token_id: int = None
    role: str = None
    company_id: int = None
    headers: dict = field(default_factory=dict)


class _IdempotencyRace(Exception):
    "A concurrent request with the same key committed first: replay it."


def endpoint(method, path, *, auth, summary, response=None, body=None,
        query=None, status=200, tags=(), groups=(), errors=(),
        idempotent=False, rate_limit='default', description=None,
        operation_id=None, max_size=None, field_map=None, responses=None,
        writes=False, error_codes=None):
    """Declare the handler of ``METHOD /<database>/api/v1<path>``.

    auth: 'public' or a role or tuple of roles among customer (C端 resident),
        technician (师傅), portal (B端), staff (back office); a token of
        another role gets 403.
    groups: res.group xml ids ('yuexing_base.group_dispatcher') of which the
        user must hold one.
    body / query: schema.Object; response: a schema field (usually Object);
        status: the success status; errors: extra documented statuses
        (e.g. (409,)).
    idempotent: honour the Idempotency-Key header (create, pay, grab).
    rate_limit: 'default', 'auth', 'sms' or 'upload' (limits configured on
        yuexing.configuration).
    responses: {status: schema field} of the answers the handler gives
        itself in another shape than the error object (e.g. the body a
        payment provider expects); documented as either.
    writes: a GET whose handler writes (the transaction of a GET is
        read-only otherwise, which PostgreSQL enforces).
    error_codes: {status: [code]} raised where the document cannot see it
        (the codes raised in the handler's module are found by codes.py).
    The handler is called as handler(call, **path_args) and returns a JSON
    value, a Reply or a werkzeug Response.
    """
    method = method.upper()
    if auth == PUBLIC:
        auth_roles = ()
    elif isinstance(auth, str):
        auth_roles = (auth,)
    else:
        auth_roles = tuple(auth)
    unknown = set(auth_roles) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    assert rate_limit in RATE_LIMIT_CLASSES, rate_limit
    assert not (idempotent and not auth_roles), (
        "Idempotency-Key needs an authenticated endpoint")

    def decorator(func):
        ep = Endpoint(
            method=method, path=path, handler=func, auth=auth_roles,
            summary=summary, response=response, body=body, query=query,
            status=status, tags=tuple(tags), groups=tuple(groups),
            errors=tuple(errors), idempotent=idempotent,
            rate_limit=rate_limit, description=description or func.__doc__,
            operation_id=operation_id or func.__name__, max_size=max_size,
            field_map=field_map or {}, responses=dict(responses or {}),
            writes=writes, error_codes={
                k: tuple(v) for k, v in (error_codes or {}).items()})
        if ep.max_size is None and ep.multipart:
            # werkzeug refuses bigger bodies (413) before they are read
            ep.max_size = sum(f.max_size for f in ep.body.fields.values()
                if isinstance(f, schema.File)) + 256 * 1024
        register(ep)
        return func
    return decorator


def register(ep):
    key = (ep.method, ep.path)
    previous = REGISTRY.get(key)
    if previous is not None:
        # The same module imported twice (tests): keep the first rule.
        assert previous.operation_id == ep.operation_id, (
            f"{ep.method} {ep.path} declared twice")
        REGISTRY[key] = ep
        return
    assert all(e.operation_id != ep.operation_id
        for e in REGISTRY.values()), f"duplicate operation {ep.operation_id}"
    REGISTRY[key] = ep
    methods = [ep.method, 'OPTIONS']

    def view(request, database_name, **path_args):
        return run(REGISTRY[key], request, database_name, path_args)
    view.__name__ = f'api_{ep.operation_id}'
    if ep.max_size:
        view.max_request_size = ep.max_size
    app.route(ep.rule, methods=methods)(view)


def _unmatched(request, database_name, rest):
    """Any other path under /api/v1: a JSON 404 (or 405 when the path exists
    with other methods) instead of werkzeug's HTML page."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    adapter = app.url_map.bind_to_environ(request.environ)
    allowed = set()
    for method in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE'):
        if method == request.method:
            continue
        try:
            endpoint, _ = adapter.match(method=method)
        except (NotFound, MethodNotAllowed):
            continue
        if not getattr(endpoint, 'api_catch_all', False):
            allowed.add(method)
    if allowed:
        error = errors.fallback(405, headers={
                'Allow': ', '.join(sorted(allowed))})
    else:
        error = errors.fallback(404)
    return error.get_response()


class _AnyPath(PathConverter):
    "werkzeug's path, newlines included (its '.' stops at them)."
    regex = r'(?s:[^/].*?)'


_unmatched.api_catch_all = True
app.url_map.converters['api_any_path'] = _AnyPath
app.route(API_PREFIX + '/<api_any_path:rest>', methods=[
        'GET', 'POST', 'PUT', 'PATCH', 'DELETE'])(_unmatched)


# ---- running a request ------------------------------------------------------

def run(ep, request, database_name, path_args):
    started = time.monotonic()
    # the id nginx (through yuexing_ops' middleware) gave the request
    state = _State(request_id=request.environ.get('yuexing.request_id')
        or uuid.uuid4().hex[:16])
    request.environ['yuexing.route'] = ep.path  # the metrics' label
    try:
        if request.method == 'OPTIONS':
            response = _preflight(ep, request)
        else:
            response = _dispatch(
                request, database_name, ep=ep, state=state,
                path_args=path_args)
    except Exception as exception:
        response = _error_response(exception, ep, state)
    response.headers['X-Request-Id'] = state.request_id
    for name, value in state.headers.items():
        response.headers.setdefault(name, value)
    _log(request, ep, response, state, started)
    return response


def _preflight(ep, request):
    methods = sorted({e.method for e in REGISTRY.values()
            if e.path == ep.path} | {'OPTIONS'})
    headers = {
        'Allow': ', '.join(methods),
        'Access-Control-Allow-Methods': ', '.join(methods),
        'Access-Control-Allow-Headers': (
            'Authorization, Content-Type, Idempotency-Key'),
        }
    # a protocol's discovery headers (tus: Tus-Version, Tus-Extension...)
    headers.update(getattr(ep.handler, 'preflight_headers', {}))
    return Response(None, 204, headers=headers)


def _error_response(exception, ep, state):
    if isinstance(exception, ApiErrorTypes):
        api_error = exception
    elif isinstance(exception, HTTPException):
        original = getattr(exception, 'description', None)
        if isinstance(original, backend.DatabaseOperationalError):
            api_error = errors.fallback(503, headers={'Retry-After': '1'})
        elif isinstance(original, Exception):
            logger.error(
                "%s %s failed [%s]", ep.method, ep.path, state.request_id,
                exc_info=original)
            api_error = errors.fallback(500)
        elif exception.code == 413:
            api_error = errors.fallback(413)
        elif exception.code in errors.STATUS_CODES:
            api_error = errors.fallback(exception.code)
        else:
            api_error = errors.fallback(400)
    elif isinstance(exception, backend.DatabaseOperationalError):
        api_error = errors.fallback(503, headers={'Retry-After': '1'})
    else:
        logger.error("%s %s failed [%s]", ep.method, ep.path,
            state.request_id, exc_info=exception)
        api_error = errors.fallback(500)
    return api_error.get_response()


ApiErrorTypes = (errors.ApiError,)


def _log(request, ep, response, state, started):
    "One line per request: no token, password, code or body ever."
    logger.info(
        "%s %s %s %dms user=%s role=%s ip=%s id=%s",
        request.method, request.path, response.status_code,
        (time.monotonic() - started) * 1000, state.user_id or '-',
        state.role or '-', request.remote_addr, state.request_id)


def _dispatch_in_pool(request, pool, ep, state, path_args):
    # Nothing but HTTPExceptions may leave: with_pool would otherwise read
    # request.rpc_method, which fails on a JSON body that is not JSON-RPC.
    try:
        try:
            pool.get('yuexing.api.token')
        except KeyError:
            # yuexing_base is not activated on this database
            raise errors.fallback(404) from None
        if not ep.available(pool):
            # Every module's routes are registered in the process; a
            # database serves those of its activated modules only.
            raise errors.fallback(404)
        refusal = _admit(request, pool, ep, state)
        if refusal is not None:
            raise refusal
        for _ in range(3):
            try:
                return _call(request, pool, ep, state, path_args)
            except _IdempotencyRace:
                continue
        raise errors.fallback(409, 'conflict')
    except HTTPException:
        raise
    except backend.DatabaseOperationalError:
        raise errors.fallback(503, headers={'Retry-After': '1'}) from None
    except Exception as exception:
        logger.error("%s %s failed [%s]", ep.method, ep.path,
            state.request_id, exc_info=exception)
        raise errors.fallback(500) from None


_dispatch = with_pool(_dispatch_in_pool)
_CONTEXT = {'language': API_LANGUAGE}


@with_transaction(readonly=False, context=_CONTEXT)
def _admit(request, pool, ep, state):
    """Rate limits and authentication; returns the refusal (ApiError) or
    None. The transaction commits either way so refusals count."""
    Rate = pool.get('yuexing.api.rate_counter')
    Token = pool.get('yuexing.api.token')
    Configuration = pool.get('yuexing.configuration')
    limits = Configuration.get_rate_limits(ep.rate_limit)

    ip = request.remote_addr or '-'
    refusal = Rate.hit(f'ip:{ep.rate_limit}:{ip}', limits['ip'],
        limits['period'], state)
    if refusal:
        return refusal
    if ep.public:
        return None

    secret = bearer_token(request)
    if not secret:
        return errors.error(401, 'token_missing',
            headers={'WWW-Authenticate': 'Bearer'})
    token, reason = Token.authenticate(secret)
    if not token:
        return errors.error(401, reason,
            headers={'WWW-Authenticate': 'Bearer error="invalid_token"'})
    state.user_id = token.user.id
    state.token_id = token.id
    state.role = token.role
    state.company_id = token.user.company.id if token.user.company else None
    refusal = Rate.hit(f'token:{ep.rate_limit}:{token.id}',
        limits['token'], limits['period'], state)
    if refusal:
        return refusal
    if token.role not in ep.auth:
        return errors.error(403, 'role_forbidden')
    if ep.groups and not _has_group(pool, token.user.id, ep.groups):
        return errors.error(403, 'group_forbidden')
    Token.touch(token)
    return None


def bearer_token(request):
    header = request.headers.get('Authorization', '')
    kind, _, value = header.partition(' ')
    if kind.lower() != 'bearer':
        return None
    return value.strip() or None


def _has_group(pool, user_id, groups):
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    wanted = set()
    for xml_id in groups:
        module, _, name = xml_id.partition('.')
        wanted.add(ModelData.get_id(module, name))
    return bool(wanted & set(User.get_groups_of(user_id)))


def _call(request, pool, ep, state, path_args):
    "The handler's transaction: read-only for GET unless the endpoint writes."
    run = _call_writing if ep.writes else _call_by_method
    return run(request, pool, ep, state, path_args)


def _call_in_transaction(request, pool, ep, state, path_args):
    transaction = Transaction()
    User = pool.get('res.user')
    Token = pool.get('yuexing.api.token')
    with transaction.set_user(state.user_id or 0), \
            transaction.set_context(
                _check_access=bool(state.user_id),
                company=state.company_id,
                language=API_LANGUAGE,
                yuexing_api_role=state.role,
                yuexing_request_id=state.request_id):
        call = Call(
            request=request, pool=pool, endpoint=ep,
            path_args=path_args, request_id=state.request_id,
            role=state.role)
        if state.user_id:
            call.user = User(state.user_id)
            call.token = Token(state.token_id)
        try:
            for name, converter in ep.path_params:
                if converter == 'int' and not (
                        0 <= path_args[name] <= MAX_ID):
                    raise errors.error(404, 'not_found')
            _read_input(call, ep, request)
            replay, reservation = _idempotency_begin(call, ep, request)
            if replay is not None:
                return replay
            result = ep.handler(call, **path_args)
            response = _make_response(ep, result)
            if reservation is not None:
                _idempotency_end(call, reservation, response)
            return response
        except errors.ApiError as exception:
            if exception.commit:
                return exception.get_response()
            raise
        except (UserError, UserWarning, RateLimitException,
                ConcurrencyException) as exception:
            raise errors.from_exception(exception, ep.field_map) from None
        except (backend.DatabaseOperationalError, TransactionError,
                _IdempotencyRace):
            raise
        except RequestEntityTooLarge:
            raise errors.error(413, 'too_large') from None
        except HTTPException as exception:
            if exception.code and 400 <= exception.code < 500:
                raise errors.fallback(exception.code) from None
            raise
        except backend.DatabaseDataError:
            # a value the database refuses (out of range, invalid text)
            logger.warning("data error in %s %s [%s]", ep.method, ep.path,
                state.request_id, exc_info=True)
            raise errors.fallback(400) from None
        except backend.DatabaseIntegrityError:
            logger.warning("integrity error in %s %s [%s]", ep.method,
                ep.path, state.request_id, exc_info=True)
            raise errors.error(409, 'conflict') from None


_call_by_method = with_transaction(context=_CONTEXT)(_call_in_transaction)
_call_writing = with_transaction(readonly=False, context=_CONTEXT)(
    _call_in_transaction)


# ---- input -----------------------------------------------------------------

def _read_input(call, ep, request):
    field_errors = {}
    if ep.query is not None:
        call.query = ep.query.from_query(request.args, '', field_errors)
    elif request.args and not ep.public:
        pass  # unknown query parameters on bodies are ignored
    if ep.body is not None:
        if ep.multipart:
            call.body, call.files = _read_multipart(ep, request, field_errors)
        else:
            call.body = _read_json(ep, request, field_errors)
    if field_errors:
        raise errors.validation_error(field_errors)


def raw_json(request):
    "The JSON body (None when empty); ApiError 400 when not JSON."
    data = request.get_data(cache=True)
    if not data.strip():
        return None
    try:
        return json.loads(data.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        raise errors.error(400, 'bad_json') from None


def _read_json(ep, request, field_errors):
    value = raw_json(request)
    if value is None:
        value = {}
    result = ep.body.validate(value, '', field_errors)
    return result


def _sniff(data):
    "The media type of a file from its first bytes."
    if data.startswith(b'\xff\xd8\xff'):
        return 'image/jpeg'
    if data.startswith(b'\x89PNG\r\n\x1a\n'):
        return 'image/png'
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        return 'image/webp'
    if data[4:8] == b'ftyp':
        return 'video/mp4'
    if data.startswith(b'%PDF-'):
        return 'application/pdf'
    return 'application/octet-stream'


def _read_multipart(ep, request, field_errors):
    if not (request.mimetype or '').startswith('multipart/form-data'):
        raise errors.error(415, 'multipart_required')
    values, files = {}, {}
    form = request.form
    for key, fdef in ep.body.fields.items():
        if isinstance(fdef, schema.File):
            storage = request.files.get(key)
            if storage is None:
                if fdef.required:
                    field_errors[key] = schema.message(
                        'required', field=fdef.label)
                continue
            data = storage.read(fdef.max_size + 1)
            if len(data) > fdef.max_size:
                raise errors.error(413, 'file_too_large',
                    fields={key: schema.message('file_too_large_field',
                            field=fdef.label,
                            size=fdef.max_size // 1024)},
                    field=fdef.label, size=fdef.max_size // 1024)
            if not data:
                field_errors[key] = schema.message(
                    'file_empty', field=fdef.label)
                continue
            media_type = _sniff(data)
            if media_type not in fdef.types:
                field_errors[key] = schema.message(
                    'file_type', field=fdef.label,
                    types='、'.join(fdef.types))
                continue
            files[key] = {
                'name': (storage.filename or key)[:128],
                'data': data,
                'media_type': media_type,
                'size': len(data),
                }
        elif key in form:
            values[key] = fdef.from_query(form.get(key), key, field_errors)
        elif fdef.required:
            field_errors[key] = schema.message('required', field=fdef.label)
    for key in list(form) + list(request.files):
        if key not in ep.body.fields:
            field_errors[key] = schema.message('unknown_field', name=key)
    return values, files


# ---- idempotency -----------------------------------------------------------

def request_fingerprint(request, files=None):
    "sha256 of method, path and canonical body (JSON keys sorted)."
    digest = hashlib.sha256()
    digest.update(f'{request.method} {request.path}\n'.encode())
    if (request.mimetype or '').startswith('multipart/form-data'):
        for key in sorted(request.form):
            digest.update(f'{key}={request.form.get(key)}\n'.encode())
        for key, value in sorted((files or {}).items()):
            digest.update(key.encode() + hashlib.sha256(
                    value['data']).hexdigest().encode())
    else:
        try:
            body = raw_json(request)
        except errors.ApiError:
            body = request.get_data(cache=True).decode('latin-1')
        digest.update(json.dumps(body, sort_keys=True,
                ensure_ascii=False).encode())
    return digest.hexdigest()


def _idempotency_begin(call, ep, request):
    if not ep.idempotent:
        return None, None
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None, None
    if not _IDEMPOTENCY_KEY.match(key):
        raise errors.error(400, 'idempotency_key_invalid',
            fields={IDEMPOTENCY_HEADER: schema.message(
                    'idempotency_key_invalid')})
    Idempotency = call.pool.get('yuexing.api.idempotency')
    fingerprint = request_fingerprint(request, call.files)
    stored = Idempotency.lookup(call.user.id, key)
    if stored is not None:
        if stored['fingerprint'] != fingerprint:
            raise errors.error(422, 'idempotency_mismatch')
        response = Response(
            stored['body'], stored['status'],
            content_type='application/json; charset=utf-8')
        response.headers['Idempotent-Replayed'] = 'true'
        return response, None
    try:
        reservation = Idempotency.reserve(
            call.user.id, key, fingerprint, request.method, request.path)
    except backend.DatabaseIntegrityError:
        raise _IdempotencyRace() from None
    return None, reservation


def _idempotency_end(call, reservation, response):
    Idempotency = call.pool.get('yuexing.api.idempotency')
    if 200 <= response.status_code < 300:
        Idempotency.store(reservation, response.status_code,
            response.get_data(as_text=True))
    else:
        Idempotency.release(reservation)


# ---- output ----------------------------------------------------------------

def json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        # Tryton's datetimes are naive UTC: RFC 3339 wants the offset
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace('+00:00', 'Z')
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value):
    return json.dumps(value, default=json_default, ensure_ascii=False,
        separators=(',', ':'))


def _make_response(ep, result):
    if isinstance(result, BaseResponse):
        return result
    status, headers = ep.status, {}
    if isinstance(result, Reply):
        status = result.status or ep.status
        headers = result.headers
        result = result.body
    if status == 204:
        return Response(None, 204, headers=headers)
    return Response(dumps(result), status, headers=headers,
        content_type='application/json; charset=utf-8')
