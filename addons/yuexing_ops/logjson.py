"""One JSON object per log line, with the request id of the request or
queue task the line belongs to (for log collectors; nginx's access log
carries the same id). Used by config/logging-json.conf, which the
production entrypoint selects with TRYTOND_LOGGING_CONFIG."""
import datetime as dt
import json
import logging

from .context import current_request_id, current_route


class JsonFormatter(logging.Formatter):

    def format(self, record):
        entry = {
            'time': dt.datetime.fromtimestamp(
                record.created, dt.UTC).isoformat(
                timespec='milliseconds'),
            'level': record.levelname,
            'logger': record.name,
            'message': record.getMessage(),
            'process': record.process,
            }
        request_id = current_request_id()
        if request_id:
            entry['request_id'] = request_id
        route = current_route()
        if route:
            entry['route'] = route
        if record.exc_info:
            entry['exception'] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
