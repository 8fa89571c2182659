"""The error codes each operation may answer, for the OpenAPI document.

Read from the handler's source: every ``ApiError(status, 'code', …)``,
``api.error(status, 'code')`` and ``not_found()`` in the handler and in the
functions of our modules it calls (followed through the module globals,
transitively), plus the codes the toolkit itself answers for every
operation (authentication, rate limits, validation, size, Tryton's
business errors). A code raised in a helper that the handler calls through
a model method is not seen: list it with ``errors=`` / the module's
``ERROR_CODES`` hint if a client must know it.
"""
import ast
import inspect
import textwrap
from functools import cache

# What the toolkit answers around any handler: status -> codes.
TOOLKIT = {
    400: {'bad_request', 'bad_json'},
    401: {'token_missing', 'token_invalid', 'token_expired',
        'token_revoked'},
    403: {'forbidden', 'role_forbidden', 'group_forbidden'},
    404: {'not_found'},
    409: {'business_error', 'warning', 'conflict'},
    413: {'too_large'},
    422: {'validation_error'},
    429: {'rate_limited'},
    500: {'internal_error'},
    503: {'busy'},
    }
IDEMPOTENT = {400: {'idempotency_key_invalid'},
    422: {'idempotency_mismatch'}}
MULTIPART = {413: {'file_too_large'}, 415: {'multipart_required'}}
_CALLEES = {'ApiError', 'error'}


def _literal(node):
    return node.value if isinstance(node, ast.Constant) else None


def _called_name(node):
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


@cache
def _function_codes(func):
    """({status: {code}}, [called functions]) of one function's body."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return {}, ()
    found = {}
    called = []
    namespace = getattr(func, '__globals__', {})
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        if name in _CALLEES and len(node.args) >= 2:
            status, code = _literal(node.args[0]), _literal(node.args[1])
            if isinstance(status, int) and isinstance(code, str):
                found.setdefault(status, set()).add(code)
        elif name == 'not_found':
            found.setdefault(404, set()).add('not_found')
        elif isinstance(node.func, ast.Name):
            target = namespace.get(node.func.id)
            if (inspect.isfunction(target) and target is not func
                    and target.__module__.startswith(
                        'trytond.modules.yuexing')):
                called.append(target)
    return found, tuple(called)


def handler_codes(func):
    "{status: {code}} raised by func and the functions it calls."
    result, seen, todo = {}, set(), [func]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        found, called = _function_codes(current)
        for status, codes in found.items():
            result.setdefault(status, set()).update(codes)
        todo.extend(called)
    return result


def operation_codes(ep):
    "{status: sorted codes} the operation may answer (errors only)."
    merged = {}
    parts = [TOOLKIT, handler_codes(ep.handler), ep.error_codes]
    if ep.idempotent:
        parts.append(IDEMPOTENT)
    if ep.multipart:
        parts.append(MULTIPART)
    for part in parts:
        for status, codes in part.items():
            merged.setdefault(status, set()).update(codes)
    if ep.public:
        merged.pop(401, None)
        merged[403] = merged.get(403, set()) - {
            'role_forbidden', 'group_forbidden'}
    statuses = set(ep.statuses()) | set(handler_codes(ep.handler))
    return {status: sorted(codes) for status, codes in sorted(
            merged.items()) if status in statuses and codes}
