"""The production topology (docker-compose.yml, Dockerfile, nginx): no Docker
engine runs here, so its structure is checked; the entrypoint the containers
run is exercised for real by test_entrypoint."""
import os
import re
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


class ComposeTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.compose = yaml.safe_load((ROOT / 'docker-compose.yml').read_text())
        cls.services = cls.compose['services']
        cls.dockerfile = (ROOT / 'Dockerfile').read_text()

    def test_services(self):
        self.assertEqual(set(self.services), {
                'postgres', 'init', 'trytond', 'worker', 'cron', 'nginx'})
        self.assertTrue(self.services['postgres']['image'].startswith(
                'postgres:15'))

    def test_healthchecks(self):
        for name in ['postgres', 'trytond', 'worker', 'cron', 'nginx']:
            with self.subTest(service=name):
                check = self.services[name]['healthcheck']
                self.assertTrue(check['test'])
                self.assertIn('interval', check)

    def test_startup_order(self):
        "Servers wait for a healthy database and a finished init"
        for name in ['trytond', 'worker', 'cron']:
            depends = self.services[name]['depends_on']
            self.assertEqual(
                depends['postgres']['condition'], 'service_healthy')
            self.assertEqual(
                depends['init']['condition'], 'service_completed_successfully')
        self.assertEqual(
            self.services['nginx']['depends_on']['trytond']['condition'],
            'service_healthy')

    def test_volumes(self):
        self.assertEqual(set(self.compose['volumes']), {'pgdata', 'filestore'})
        self.assertIn('pgdata:/var/lib/postgresql/data',
            self.services['postgres']['volumes'])
        for name in ['trytond', 'worker', 'cron', 'init']:
            self.assertIn('filestore:/var/lib/trytond',
                self.services[name]['volumes'])

    def test_app_services_share_the_entrypoint(self):
        commands = {name: self.services[name]['command'][0]
            for name in ['init', 'trytond', 'worker', 'cron']}
        self.assertEqual(commands, {
                'init': 'init', 'trytond': 'server', 'worker': 'worker',
                'cron': 'cron'})
        self.assertIn(
            'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]', self.dockerfile)
        entrypoint = ROOT / 'docker' / 'entrypoint.sh'
        self.assertTrue(os.access(entrypoint, os.X_OK))
        for role in ['init)', 'server)', 'worker)', 'cron)']:
            self.assertIn(role, entrypoint.read_text())

    def test_at_least_two_wsgi_workers(self):
        environment = self.services['trytond']['environment']
        workers = re.search(r'\d+', str(environment['WEB_WORKERS'])).group()
        self.assertGreaterEqual(int(workers), 2)
        self.assertIn(
            'gunicorn', (ROOT / 'docker' / 'entrypoint.sh').read_text())

    def test_no_secret_in_the_file(self):
        "Passwords come from the environment, never from the file"
        text = (ROOT / 'docker-compose.yml').read_text()
        for match in re.finditer(
                r'(?m)^\s*(\w*(PASSWORD|SECRET|KEY)\w*):\s*(\S+)', text):
            self.assertTrue(match.group(3).startswith('${'), match.group(0))
        uri = self.services['init']['environment']['TRYTOND_DATABASE__URI']
        self.assertIn('${POSTGRES_PASSWORD', uri)

    def test_dockerfile_stages_exist(self):
        stages = set(re.findall(r'(?m)^FROM \S+ AS (\w+)', self.dockerfile))
        self.assertTrue({'sao', 'app', 'web'} <= stages)
        for service, target in [('trytond', 'app'), ('nginx', 'web')]:
            self.assertEqual(
                self.services[service]['build']['target'], target)

    def test_nginx_proxies_to_trytond(self):
        "The web image renders docker/nginx at start (tests/test_nginx)"
        nginx = ROOT / 'docker' / 'nginx'
        template = (nginx / 'templates' / 'nginx.conf.template').read_text()
        self.assertIn('server ${NGINX_UPSTREAM}', template)
        self.assertIn('root ${NGINX_SAO_ROOT}', template)
        self.assertIn('proxy_pass http://trytond',
            (nginx / 'snippets' / 'proxy.conf').read_text())
        self.assertTrue(os.access(nginx / 'render.sh', os.X_OK))
        self.assertIn('COPY docker/nginx /etc/yuexing-nginx', self.dockerfile)
        self.assertIn('/docker-entrypoint.d/', self.dockerfile)
        service = self.services['nginx']
        self.assertIn('${NGINX_CERT_DIR:-./certs}:/etc/nginx/certs:ro',
            service['volumes'])
        self.assertEqual(
            {p.split(':')[-1] for p in service['ports']}, {'80', '443'})
        for name in ['NGINX_PUBLIC_HOST', 'NGINX_BACKOFFICE_HOST',
                'NGINX_BACKOFFICE_ALLOW', 'YUEXING_DATABASE']:
            self.assertIn(name, service['environment'])
