"A threaded local HTTP server base for the fakes."
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeHTTPServer:
    """Serve on 127.0.0.1 (a free port) in a thread; subclasses implement
    handle(method, path, query, body, headers) -> (status, dict)."""

    def __init__(self):
        self.requests = []
        self._lock = threading.Lock()
        self._failures = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def _serve(self):
                url = urlsplit(self.path)
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                query = {k: v[0] for k, v in parse_qs(
                        url.query, keep_blank_values=True).items()}
                with fake._lock:
                    fake.requests.append((self.command, url.path, query,
                            body))
                    status, payload = fake.handle(
                        self.command, url.path, query, body, self.headers)
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header(
                    'Content-Type', 'application/json; charset=utf-8')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.thread = None

    @property
    def url(self):
        host, port = self.server.server_address
        return f'http://{host}:{port}/'

    def start(self):
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def fail_next(self, path, payload, status=200, times=1):
        "Answer the next `times` calls of path with payload (failure)."
        with self._lock:
            self._failures.extend([(path, status, payload)] * times)

    def _injected(self, path):
        for i, (fpath, status, payload) in enumerate(self._failures):
            if fpath == path:
                del self._failures[i]
                return status, payload
        return None

    def handle(self, method, path, query, body, headers):
        raise NotImplementedError
