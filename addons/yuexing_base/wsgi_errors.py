"""WSGI middleware: an HTTP error raised outside trytond's dispatcher (the
CORS check of TrytondWSGI.wsgi_app aborts with 403 for a foreign Origin)
becomes its answer instead of an unhandled exception (a 500 from the WSGI
server). Under /api/ the answer is the API's JSON error.

Enabled in config/trytond.conf:

    [wsgi middleware]
    http_errors = trytond.modules.yuexing_base.wsgi_errors.HTTPErrors
"""
import json

from werkzeug.exceptions import HTTPException

TEXTS = {403: ("forbidden", "没有权限（来源未被允许）")}


class HTTPErrors:

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            return self.app(environ, start_response)
        except HTTPException as exception:
            if '/api/' in environ.get('PATH_INFO', ''):
                code, text = TEXTS.get(exception.code,
                    ('error', exception.name))
                body = json.dumps({'error': {'code': code, 'message': text,
                            'fields': {}}}, ensure_ascii=False).encode()
                start_response(f'{exception.code} {exception.name}', [
                        ('Content-Type', 'application/json; charset=utf-8'),
                        ('Content-Length', str(len(body)))])
                return [body]
            return exception(environ, start_response)
