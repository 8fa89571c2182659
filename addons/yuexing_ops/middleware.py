"""The WSGI middleware of the platform's processes: a request id for every
request (nginx's X-Request-Id when given, returned in the answer), and the
request metrics — count, duration, database time and statements — labelled
by API route template, JSON-RPC method or 'web'. Enabled in
config/trytond.conf::

    [wsgi middleware]
    observability = trytond.modules.yuexing_ops.middleware.Observability
"""
import io
import re
import time

from . import dbtime, errors, metrics
from .context import (
    DB_COST,
    ENVIRON,
    REQUEST_ID,
    ROUTE,
    DbCost,
    request_id_from,
)

# JSON-RPC: / (no database), /<database>/ and /<database>/rpc/
_RPC_PATH = re.compile(r'^/([^/]+/(rpc/?)?)?$')
_RPC_METHOD = re.compile(rb'"method"\s*:\s*"([A-Za-z0-9_.]{1,120})"')
_NUMBER = re.compile(r'/\d+(?=/|$)')
_API_PREFIX = re.compile(r'^.*?/api/v\d+')
_PEEK = 64 * 1024


class Observability:

    def __init__(self, app):
        self.app = app
        dbtime.install()
        errors.install()

    def __call__(self, environ, start_response):
        request_id = request_id_from(environ)
        environ['yuexing.request_id'] = request_id
        kind, route = self._label(environ)
        variables = (REQUEST_ID, ROUTE, DB_COST, ENVIRON)
        tokens = (REQUEST_ID.set(request_id), ROUTE.set(route),
            DB_COST.set(DbCost()), ENVIRON.set(environ))
        cost = DB_COST.get()
        status = ['500']

        def recording_start_response(status_line, headers, exc_info=None):
            status[0] = status_line.split(' ', 1)[0]
            if not any(k.lower() == 'x-request-id' for k, _ in headers):
                headers = list(headers) + [('X-Request-Id', request_id)]
            return start_response(status_line, headers, exc_info)

        started = time.perf_counter()
        metrics.IN_FLIGHT.inc()
        try:
            return self.app(environ, recording_start_response)
        finally:
            metrics.IN_FLIGHT.dec()
            # An API endpoint names its route template once matched.
            route = environ.get('yuexing.route', route)
            metrics.REQUESTS.labels(kind, route,
                environ.get('REQUEST_METHOD', ''), status[0]).inc()
            metrics.LATENCY.labels(kind, route).observe(
                time.perf_counter() - started)
            metrics.DB_SECONDS.labels(kind, route).observe(cost.seconds)
            metrics.DB_STATEMENTS.labels(kind, route).observe(
                cost.statements)
            for var, token in zip(variables, tokens, strict=True):
                var.reset(token)

    def _label(self, environ):
        path = environ.get('PATH_INFO', '')
        if '/api/' in path:
            # replaced by the endpoint's template when one matches
            return 'api', _NUMBER.sub('/{id}', _API_PREFIX.sub('', path))
        if (environ.get('REQUEST_METHOD') == 'POST'
                and 'json' in environ.get('CONTENT_TYPE', '')
                and _RPC_PATH.match(path)):
            return 'rpc', self._rpc_method(environ)
        return 'web', 'web'

    def _rpc_method(self, environ):
        """The JSON-RPC method, read from the start of the body (which is
        put back for trytond): the label must not cost a second parse."""
        stream = environ.get('wsgi.input')
        if stream is None:
            return 'unknown'
        # Never read past the body: under werkzeug's server wsgi.input is
        # the socket, and a read beyond Content-Length waits for bytes a
        # keep-alive client never sends (the web client hung on log-in).
        try:
            length = int(environ.get('CONTENT_LENGTH') or 0)
        except ValueError:
            length = 0
        if length > 0:
            head = stream.read(min(_PEEK, length))
        elif environ.get('wsgi.input_terminated'):
            head = stream.read(_PEEK)
        else:
            return 'unknown'
        environ['wsgi.input'] = _Rewound(head, stream)
        found = _RPC_METHOD.search(head)
        if not found:
            return 'unknown'
        # model.<model>.<method>: bounded by the models × their methods
        return found.group(1).decode()


class _Rewound(io.RawIOBase):
    "The peeked head of the body, then the rest of the original stream."

    def __init__(self, head, stream):
        self._head = io.BytesIO(head)
        self._stream = stream

    def readable(self):
        return True

    def read(self, size=-1):
        data = self._head.read(size if size is not None else -1)
        if size is None or size < 0:
            return data + self._stream.read()
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data

    def readline(self, size=-1):
        line = self._head.readline(size)
        complete = size is not None and 0 <= size == len(line)
        if line.endswith(b'\n') or complete:
            return line
        return line + self._stream.readline(
            -1 if size is None or size < 0 else size - len(line))

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

