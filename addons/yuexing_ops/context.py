"""What the current request is, for logs, metrics and error reports of the
same thread: its id (from nginx's X-Request-Id, or a new one), its route
label and the caller's role. Also the request's database cost."""
import contextvars
import re
import uuid

REQUEST_ID = contextvars.ContextVar('yuexing_request_id', default=None)
ROUTE = contextvars.ContextVar('yuexing_route', default=None)
ENVIRON = contextvars.ContextVar('yuexing_environ', default=None)
DB_COST = contextvars.ContextVar('yuexing_db_cost', default=None)
_VALID_ID = re.compile(r'^[A-Za-z0-9._-]{8,64}$')


def request_id_from(environ):
    "The id nginx gave the request when it is well formed, else a new one."
    given = environ.get('HTTP_X_REQUEST_ID', '')
    if _VALID_ID.match(given):
        return given
    return uuid.uuid4().hex[:16]


def current_request_id():
    """The id of the request (or queue task) this thread works for: the
    WSGI request's, else the one the task's context carried."""
    value = REQUEST_ID.get()
    if value:
        return value
    try:
        from trytond.transaction import Transaction
        return Transaction().context.get('yuexing_request_id')
    except Exception:
        return None


def current_route():
    """The route label: the API endpoint's template once it matched (it
    writes it in the WSGI environ), else the middleware's first guess."""
    environ = ENVIRON.get()
    if environ and environ.get('yuexing.route'):
        return environ['yuexing.route']
    return ROUTE.get()


class DbCost:
    "Statements and seconds spent in the database for one request."
    __slots__ = ('statements', 'seconds')

    def __init__(self):
        self.statements = 0
        self.seconds = 0.0
