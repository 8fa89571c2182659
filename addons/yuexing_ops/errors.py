"""Unexpected exceptions reported to a Sentry-compatible sink (off unless
``SENTRY_DSN`` is set). Every exception logged at ERROR with its traceback
becomes one event (sentry's logging integration: the API and trytond log
them once each); the event carries the route, the caller's role and the
request id, and is scrubbed of what must not leave the server: request
bodies, cookies, headers, query strings, local variables, and any phone
number, e-mail or long token left in a message."""
import logging
import os
import re

from .context import current_request_id, current_route

logger = logging.getLogger(__name__)
_PHONE = re.compile(r'(?<!\d)1[3-9]\d{9}(?!\d)')
_EMAIL = re.compile(r'[\w.+-]+@[\w-]+\.[\w.-]+')
_TOKEN = re.compile(r'\b[A-Za-z0-9_\-]{32,}\b')
_installed = False


def scrub_text(text):
    if not isinstance(text, str):
        return text
    text = _PHONE.sub('[手机号]', text)
    text = _EMAIL.sub('[邮箱]', text)
    return _TOKEN.sub('[令牌]', text)


def before_send(event, hint):
    from . import metrics
    metrics.ERRORS.labels(event.get('tags', {}).get('kind', 'server')).inc()
    request = event.pop('request', None)
    if request:
        # the method and the path without its query only
        event['request'] = {'method': request.get('method'),
            'url': (request.get('url') or '').split('?', 1)[0]}
    event.pop('user', None)
    event.pop('breadcrumbs', None)
    event.pop('extra', None)
    for exception in (event.get('exception') or {}).get('values', []):
        exception['value'] = scrub_text(exception.get('value'))
        for frame in (exception.get('stacktrace') or {}).get('frames', []):
            frame.pop('vars', None)
    logentry = event.get('logentry') or {}
    for key in ('message', 'formatted'):
        if key in logentry:
            logentry[key] = scrub_text(logentry[key])
    logentry.pop('params', None)
    if 'message' in event:
        event['message'] = scrub_text(event['message'])
    tags = event.setdefault('tags', {})
    tags['request_id'] = current_request_id() or '-'
    tags['route'] = current_route() or '-'
    role = _role()
    if role:
        tags['role'] = role
    return event


def _role():
    "The caller's role names (never the user): from the transaction."
    try:
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        transaction = Transaction()
        if not transaction.database or not transaction.user:
            return None
        User = Pool().get('res.user')
        groups = User.get_groups()
        Group = Pool().get('res.group')
        names = sorted(g.name for g in Group.browse(groups))
        return ','.join(names)[:200] or None
    except Exception:
        return None


def install(dsn=None, force=False):
    """Start the reporting once per process when a DSN is configured (force:
    again, with this DSN: tests)."""
    global _installed
    dsn = dsn or os.environ.get('SENTRY_DSN')
    if (_installed and not force) or not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration
    sentry_sdk.init(
        dsn=dsn,
        environment=os.environ.get('SENTRY_ENVIRONMENT', 'production'),
        release=os.environ.get('YUEXING_VERSION'),
        send_default_pii=False,
        include_local_variables=False,
        max_breadcrumbs=0,
        default_integrations=False,
        integrations=[LoggingIntegration(
                level=None, event_level=logging.ERROR)],
        before_send=before_send,
        traces_sample_rate=0)
    _installed = True
    logger.info("error capture on")
    return True


def uninstall():
    "Stop reporting (tests)."
    global _installed
    import sentry_sdk
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None, default_integrations=False)
    _installed = False
