"""The production nginx (docker/nginx): rendered from the environment by the
script the web image runs at start, parsed and checked (the public host has
no route to the web client or JSON-RPC, the back office is restricted,
headers, TLS and limits), checked by `nginx -t` and exercised for real:
nginx in front of a fake trytond that echoes what it receives."""
import glob
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / 'docker' / 'nginx'
NGINX = shutil.which('nginx') or (
    '/usr/sbin/nginx' if os.path.exists('/usr/sbin/nginx') else None)
PUBLIC, BACKOFFICE = 'api.yuexing.test', 'admin.yuexing.test'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def tokens(text):
    "nginx's tokens: words (quotes removed), ';', '{', '}'; no comments."
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '#':
            while i < n and text[i] != '\n':
                i += 1
        elif c in ';{}':
            yield c
            i += 1
        elif c in '"\'':
            j = i + 1
            while text[j] != c:
                j += 2 if text[j] == '\\' else 1
            yield text[i + 1:j]
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in ';{}':
                j += 1
            yield text[i:j]
            i = j


def parse(path, base=None):
    """The directives of a file as [name, args, children] with includes
    expanded (relative to the main file's folder, as nginx does)."""
    base = base or Path(path).parent
    stack = [[]]
    words = []
    for token in tokens(Path(path).read_text()):
        if token == ';':
            name, *args = words
            if name == 'include':
                pattern = args[0] if os.path.isabs(args[0]) else str(
                    base / args[0])
                for included in sorted(glob.glob(pattern)):
                    stack[-1].extend(parse(included, base))
            else:
                stack[-1].append([name, args, None])
            words = []
        elif token == '{':
            name, *args = words
            block = [name, args, []]
            stack[-1].append(block)
            stack.append(block[2])
            words = []
        elif token == '}':
            stack.pop()
        else:
            words.append(token)
    return stack[0]


def find(directives, name):
    return [d for d in directives if d[0] == name]


def values(directives, name):
    return [' '.join(d[1]) for d in find(directives, name)]


def render(out, **env):
    environment = {
        'PATH': os.environ['PATH'],
        'NGINX_PUBLIC_HOST': PUBLIC,
        'NGINX_BACKOFFICE_HOST': BACKOFFICE,
        'YUEXING_DATABASE': 'yuexing',
        'NGINX_USER': 'www-data',
        **env}
    return subprocess.run(['sh', str(SOURCE / 'render.sh'), str(SOURCE),
            str(out)], env=environment, capture_output=True, text=True)


def make_certificate(folder):
    "A self-signed certificate for both host names (cryptography)."
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PUBLIC)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(PUBLIC), x509.DNSName(BACKOFFICE)]), False)
        .sign(key, hashes.SHA256()))
    cert, key_file = Path(folder, 'fullchain.pem'), Path(folder, 'privkey.pem')
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    return cert, key_file


class RenderedConfigTestCase(unittest.TestCase):
    "The configuration as rendered with the production defaults."

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        out = Path(cls.tmp.name)
        result = render(out)
        assert result.returncode == 0, result.stderr
        cls.out = out
        cls.conf = parse(out / 'nginx.conf')
        cls.http = find(cls.conf, 'http')[0][2]
        cls.servers = {}
        for server in find(cls.http, 'server'):
            names = values(server[2], 'server_name')[0]
            listen = values(server[2], 'listen')[0]
            cls.servers[(names, listen.split()[0])] = server[2]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def server(self, name):
        return self.servers[(name, '443')]

    def locations(self, server):
        return {' '.join(d[1]): d[2] for d in find(server, 'location')}

    def test_rendered_without_placeholders(self):
        text = (self.out / 'nginx.conf').read_text()
        for path in [self.out / 'nginx.conf',
                *(self.out / 'yuexing').glob('*.conf')]:
            with self.subTest(path=path.name):
                self.assertNotIn('${', path.read_text())
        self.assertIn('$remote_addr', text)  # nginx's own variables kept

    def test_public_server_has_only_the_api(self):
        public = self.server(PUBLIC)
        locations = self.locations(public)
        self.assertEqual(set(locations), {
                '^~ /yuexing/api/v1/uploads', '^~ /yuexing/api/v1/', '/'})
        self.assertEqual(values(locations['/'], 'return'), ['404'])
        self.assertEqual(find(public, 'root'), [])
        for location, body in locations.items():
            proxied = values(body, 'proxy_pass')
            with self.subTest(location=location):
                if proxied:
                    self.assertTrue(location.startswith('^~ /yuexing/api/v1/'))
        # What a browser or a script would try: none reaches trytond.
        for path in ['/yuexing/rpc/', '/rpc/', '/yuexing/', '/',
                '/index.html', '/dist/tryton-sao.js', '/other/api/v1/me',
                '/yuexing/api/v2/x']:
            with self.subTest(path=path):
                self.assertEqual(self.route(public, path), '/')

    def route(self, server, path):
        "The location nginx picks for path (prefix and ^~ only here)."
        best = None
        for location in self.locations(server):
            prefix = location.split()[-1]
            if path.startswith(prefix) and (
                    best is None or len(prefix) > len(best.split()[-1])):
                best = location
        return best

    def test_backoffice_is_restricted(self):
        backoffice = self.server(BACKOFFICE)
        self.assertEqual(values(backoffice, 'allow'), [])
        self.assertEqual(values(backoffice, 'deny'), ['all'])
        # The allow-list sits at server level: it covers every location.
        for body in self.locations(backoffice).values():
            self.assertEqual(find(body, 'allow'), [])
        self.assertIn('/', self.locations(backoffice))

    def test_backoffice_allow_list(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = render(tmp,
                NGINX_BACKOFFICE_ALLOW='10.1.0.0/16, 192.168.5.6')
            self.assertEqual(result.returncode, 0, result.stderr)
            access = parse(Path(tmp, 'yuexing', 'backoffice-access.conf'))
        self.assertEqual(access, [
                ['allow', ['10.1.0.0/16'], None],
                ['allow', ['192.168.5.6'], None],
                ['deny', ['all'], None]])

    def test_unknown_hosts_get_nothing(self):
        catch_all = self.servers[('_', '443')]
        self.assertEqual(values(catch_all, 'ssl_reject_handshake'), ['on'])
        self.assertIn('443 ssl default_server', values(catch_all, 'listen'))
        plain = self.servers[('_', '80')]
        self.assertEqual(set(self.locations(plain)), {'= /nginx-health', '/'})
        self.assertEqual(values(self.locations(plain)['/'], 'return'),
            ['301 https://$host$request_uri'])

    def test_security_headers(self):
        for name in [PUBLIC, BACKOFFICE]:
            headers = {d[1][0]: d[1][1:] for d in find(
                    self.server(name), 'add_header')}
            with self.subTest(server=name):
                self.assertIn('max-age=31536000',
                    headers['Strict-Transport-Security'][0])
                self.assertEqual(headers['X-Content-Type-Options'][0],
                    'nosniff')
                self.assertEqual(headers['X-Frame-Options'][0], 'DENY')
                self.assertIn("frame-ancestors 'none'",
                    headers['Content-Security-Policy'][0])
                self.assertIn('Referrer-Policy', headers)
                for value in headers.values():
                    self.assertEqual(value[-1], 'always')
                # A location's add_header would silently drop them all.
                for body in self.locations(self.server(name)).values():
                    self.assertEqual(find(body, 'add_header'), [])

    def test_tls(self):
        self.assertEqual(values(self.http, 'ssl_protocols'),
            ['TLSv1.2 TLSv1.3'])
        ciphers = values(self.http, 'ssl_ciphers')[0].split(':')
        for cipher in ciphers:
            self.assertTrue(cipher.startswith('ECDHE-'), cipher)
            self.assertTrue('GCM' in cipher or 'CHACHA20' in cipher, cipher)
        self.assertEqual(values(self.http, 'ssl_certificate'),
            ['/etc/nginx/certs/fullchain.pem'])
        self.assertEqual(values(self.http, 'ssl_certificate_key'),
            ['/etc/nginx/certs/privkey.pem'])
        self.assertEqual(values(self.http, 'ssl_session_tickets'), ['off'])
        self.assertEqual(values(self.http, 'server_tokens'), ['off'])

    def test_body_limits_and_timeouts(self):
        self.assertEqual(values(self.http, 'client_max_body_size'), ['1m'])
        locations = self.locations(self.server(PUBLIC))
        self.assertEqual(values(locations['^~ /yuexing/api/v1/uploads'],
                'client_max_body_size'), ['50m'])
        self.assertEqual(values(locations['^~ /yuexing/api/v1/'],
                'client_max_body_size'), [])
        self.assertEqual(values(self.server(BACKOFFICE),
                'client_max_body_size'), ['50m'])
        for name in ['client_header_timeout', 'client_body_timeout',
                'send_timeout', 'keepalive_timeout']:
            self.assertTrue(values(self.http, name), name)
        for location, body in locations.items():
            if values(body, 'proxy_pass'):
                self.assertTrue(values(body, 'proxy_read_timeout'), location)
                self.assertEqual(values(body, 'proxy_connect_timeout'),
                    ['5s'])

    def test_client_address_passed_not_spoofable(self):
        "Every X-Forwarded-* header is set by nginx, never passed through"
        for name in [PUBLIC, BACKOFFICE]:
            for location, body in self.locations(self.server(name)).items():
                if not values(body, 'proxy_pass'):
                    continue
                headers = {d[1][0]: d[1][1] for d in find(
                        body, 'proxy_set_header')}
                with self.subTest(server=name, location=location):
                    self.assertEqual(headers['X-Forwarded-For'],
                        '$remote_addr')
                    self.assertEqual(headers['X-Real-IP'], '$remote_addr')
                    self.assertEqual(headers['X-Forwarded-Proto'], '$scheme')
                    self.assertEqual(headers['X-Forwarded-Host'], '$host')
                    self.assertIn('X-Forwarded-Port', headers)
                    self.assertEqual(headers['X-Forwarded-Prefix'], '')
        # No load balancer trusted unless configured.
        self.assertEqual(find(self.http, 'set_real_ip_from'), [])
        self.assertEqual(find(self.http, 'real_ip_header'), [])

    def test_trusted_load_balancer(self):
        with tempfile.TemporaryDirectory() as tmp:
            render(tmp, NGINX_REAL_IP_FROM='10.0.0.0/8,172.16.0.1')
            real_ip = parse(Path(tmp, 'yuexing', 'real-ip.conf'))
        self.assertEqual(values(real_ip, 'set_real_ip_from'),
            ['10.0.0.0/8', '172.16.0.1'])
        self.assertEqual(values(real_ip, 'real_ip_header'),
            ['X-Forwarded-For'])

    def test_trytond_trusts_one_proxy(self):
        "nginx is the one proxy trytond believes (live test: what it sees)"
        self.assertEqual(trytond_num_proxies(), 1)

    def test_required_settings(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run(['sh', str(SOURCE / 'render.sh'),
                    str(SOURCE), tmp], env={'PATH': os.environ['PATH']},
                capture_output=True, text=True)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn('NGINX_PUBLIC_HOST', result.stderr)
            result = render(tmp, YUEXING_DATABASE='a/../b')
            self.assertNotEqual(result.returncode, 0)


def echo_app(environ, start_response):
    """The fake trytond: answers with the path and headers it got, and the
    client address, scheme and host as trytond sees them (request.remote_addr
    is what the login throttling, the API rate limits and the audit use)."""
    from werkzeug.wrappers import Request
    request = Request(environ)
    body = json.dumps({'path': request.path,
            'headers': {k.lower(): v for k, v in request.headers.items()},
            'remote_addr': request.remote_addr, 'scheme': request.scheme,
            'host': request.host}).encode()
    start_response('200 OK', [('Content-Type', 'application/json'),
            ('Content-Length', str(len(body)))])
    return [body]


def trytond_num_proxies():
    import yaml
    compose = yaml.safe_load((ROOT / 'docker-compose.yml').read_text())
    return int(compose['services']['trytond']['environment'][
            'TRYTOND_WEB__NUM_PROXIES'])


@unittest.skipUnless(NGINX, "nginx is not installed (scripts/bootstrap.sh)")
class LiveNginxTestCase(unittest.TestCase):
    """nginx -t on the rendered file, then the real nginx: 127.0.0.1 plays
    a trusted load balancer, 127.0.0.2 a client on the internet."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tmp = Path(cls.tmp.name)
        cert, key = make_certificate(tmp)
        # Wrapped as trytond wraps its WSGI application for the number of
        # proxies the compose file gives it.
        from werkzeug.serving import WSGIRequestHandler, make_server

        from trytond.wsgi import NumProxyFix
        class Quiet(WSGIRequestHandler):
            def log(self, *args):
                pass
        cls.upstream = make_server('127.0.0.1', 0,
            NumProxyFix(echo_app, trytond_num_proxies()), threaded=True,
            request_handler=Quiet)
        threading.Thread(target=cls.upstream.serve_forever,
            daemon=True).start()
        cls.https, cls.http = free_port(), free_port()
        result = render(tmp / 'conf', NGINX_TLS_CERT=str(cert),
            NGINX_TLS_KEY=str(key), NGINX_HTTPS_PORT=str(cls.https),
            NGINX_HTTP_PORT=str(cls.http),
            NGINX_UPSTREAM=f'127.0.0.1:{cls.upstream.server_port}',
            NGINX_SAO_ROOT=str(tmp), NGINX_BACKOFFICE_ALLOW='10.9.0.0/16',
            NGINX_REAL_IP_FROM='127.0.0.1')
        assert result.returncode == 0, result.stderr
        (tmp / 'logs').mkdir()
        cls.command = [NGINX, '-c', str(tmp / 'conf' / 'nginx.conf'),
            '-e', str(tmp / 'logs' / 'error.log'),
            '-g', f'pid {tmp}/nginx.pid; daemon off;'
            f' error_log {tmp}/logs/error.log;']
        cls.check = subprocess.run([*cls.command, '-t'],
            capture_output=True, text=True)
        cls.process = None
        if cls.check.returncode == 0:
            cls.process = subprocess.Popen(cls.command,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(
                        ('127.0.0.1', cls.https), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        if cls.process:
            cls.process.terminate()
            cls.process.wait(10)
        cls.upstream.shutdown()
        cls.upstream.server_close()
        cls.tmp.cleanup()

    def request(self, host, path, source='127.0.0.2', method='GET',
            headers=None, body=None):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(('127.0.0.1', self.https), timeout=10,
            source_address=(source, 0))
        connection = http.client.HTTPSConnection(host, self.https,
            context=context)
        connection.sock = context.wrap_socket(raw, server_hostname=host)
        connection.request(method, path, body=body, headers={
                'Host': host, **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def test_config_test_passes(self):
        self.assertEqual(self.check.returncode, 0, self.check.stderr)

    def test_public_api_proxied_with_the_client_address(self):
        response, data = self.request(PUBLIC, '/yuexing/api/v1/home',
            headers={'X-Forwarded-For': '6.6.6.6',
                'X-Forwarded-Host': 'evil.test'})
        self.assertEqual(response.status, 200)
        seen = json.loads(data)
        self.assertEqual(seen['path'], '/yuexing/api/v1/home')
        # 127.0.0.2 is no trusted proxy: its X-Forwarded-For is ignored.
        self.assertEqual(seen['headers']['x-forwarded-for'], '127.0.0.2')
        self.assertEqual(seen['headers']['x-real-ip'], '127.0.0.2')
        self.assertEqual(seen['headers']['x-forwarded-host'], PUBLIC)
        self.assertEqual(seen['headers']['x-forwarded-proto'], 'https')
        # What trytond makes of it.
        self.assertEqual(seen['remote_addr'], '127.0.0.2')
        self.assertEqual(seen['scheme'], 'https')
        # The port nginx listens on (443 in production).
        self.assertEqual(seen['host'], f'{PUBLIC}:{self.https}')
        self.assertEqual(response.getheader('X-Frame-Options'), 'DENY')
        self.assertIn('max-age', response.getheader(
                'Strict-Transport-Security'))
        self.assertEqual(response.getheader('X-Content-Type-Options'),
            'nosniff')

    def test_behind_the_trusted_load_balancer(self):
        response, data = self.request(PUBLIC, '/yuexing/api/v1/me',
            source='127.0.0.1',
            headers={'X-Forwarded-For': '6.6.6.6, 10.9.8.7'})
        self.assertEqual(response.status, 200)
        seen = json.loads(data)
        self.assertEqual(seen['headers']['x-forwarded-for'], '10.9.8.7')
        self.assertEqual(seen['remote_addr'], '10.9.8.7')

    def test_public_host_refuses_the_back_office(self):
        for path in ['/yuexing/rpc/', '/', '/yuexing/', '/index.html']:
            with self.subTest(path=path):
                response, _ = self.request(PUBLIC, path, method='POST',
                    body=b'{}')
                self.assertEqual(response.status, 404)

    def test_json_body_limit(self):
        response, _ = self.request(PUBLIC, '/yuexing/api/v1/feedback',
            method='POST', body=b'x' * (2 * 1024 * 1024))
        self.assertEqual(response.status, 413)
        response, _ = self.request(PUBLIC, '/yuexing/api/v1/uploads',
            method='POST', body=b'x' * (2 * 1024 * 1024))
        self.assertEqual(response.status, 200)

    def test_backoffice_only_from_the_allow_list(self):
        response, _ = self.request(BACKOFFICE, '/yuexing/rpc/',
            method='POST', body=b'{}')
        self.assertEqual(response.status, 403)
        # The same request from an allowed address (via the balancer).
        response, data = self.request(BACKOFFICE, '/yuexing/rpc/',
            method='POST', body=b'{}', source='127.0.0.1',
            headers={'X-Forwarded-For': '10.9.1.2'})
        self.assertEqual(response.status, 200)
        self.assertEqual(json.loads(data)['headers']['x-forwarded-for'],
            '10.9.1.2')

    def test_unknown_host_refused(self):
        with self.assertRaises(ssl.SSLError):
            self.request('other.test', '/yuexing/api/v1/home')

    def test_request_id_set_by_nginx(self):
        "Every proxied request carries nginx's id, never the client's."
        _, first = self.request(PUBLIC, '/yuexing/api/v1/home',
            headers={'X-Request-Id': 'client-chosen-id-123'})
        _, second = self.request(PUBLIC, '/yuexing/api/v1/home')
        ids = [json.loads(d)['headers']['x-request-id']
            for d in (first, second)]
        for value in ids:
            self.assertRegex(value, r'^[0-9a-f]{32}$')
        self.assertNotEqual(ids[0], ids[1])

    def test_health_and_metrics_not_exposed(self):
        for path in ['/yuexing/metrics', '/yuexing/readyz', '/healthz']:
            with self.subTest(path=path):
                response, _ = self.request(BACKOFFICE, path,
                    source='127.0.0.1',
                    headers={'X-Forwarded-For': '10.9.1.2'})
                self.assertEqual(response.status, 404)
                response, _ = self.request(PUBLIC, path)
                self.assertEqual(response.status, 404)
