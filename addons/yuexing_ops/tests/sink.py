"""A local Sentry-compatible sink: it accepts the store and envelope
endpoints of the Sentry protocol (what sentry-sdk posts, gzip or not) and
keeps the events it received."""
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SentrySink:

    def __init__(self):
        self.events = []
        self.auth_headers = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                encoding = self.headers.get('Content-Encoding')
                if encoding == 'gzip':
                    body = gzip.decompress(body)
                elif encoding == 'br':
                    import brotli
                    body = brotli.decompress(body)
                sink.auth_headers.append(self.headers.get('X-Sentry-Auth'))
                if self.path.endswith('/envelope/'):
                    sink._envelope(body)
                elif self.path.endswith('/store/'):
                    sink.events.append(json.loads(body))
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.end_headers()
                self.wfile.write(b'{}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True)

    def _envelope(self, body):
        "Envelope: a header line, then items (header line, payload)."
        _, _, rest = body.partition(b'\n')
        while rest.strip():
            line, _, rest = rest.partition(b'\n')
            header = json.loads(line)
            length = header.get('length')
            if length is None:
                payload, _, rest = rest.partition(b'\n')
            else:
                payload, rest = rest[:length], rest[length + 1:]
            if header.get('type') == 'event':
                self.events.append(json.loads(payload))

    @property
    def dsn(self):
        return 'http://publickey@127.0.0.1:%d/42' % self.server.server_port

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
