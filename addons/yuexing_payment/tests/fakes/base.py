"A threaded local HTTP server whose handler sets any status and headers."
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def generate_key():
    "(private PEM, public PEM) of a fresh RSA 2048 key pair."
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class RawHTTPServer:
    """Serve on 127.0.0.1 (free port) in a thread; subclasses implement
    handle(method, path, raw_path, query, body, headers) ->
    (status, headers dict, body bytes)."""

    def __init__(self):
        self.requests = []
        self.lock = threading.RLock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def _serve(self):
                url = urlsplit(self.path)
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                query = {k: v[0] for k, v in parse_qs(
                        url.query, keep_blank_values=True).items()}
                with fake.lock:
                    fake.requests.append((self.command, url.path, query,
                            body))
                    status, headers, data = fake.handle(self.command,
                        url.path, self.path, query, body, self.headers)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True

    @property
    def url(self):
        host, port = self.server.server_address
        return f'http://{host}:{port}'

    def start(self):
        threading.Thread(
            target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def handle(self, method, path, raw_path, query, body, headers):
        raise NotImplementedError
