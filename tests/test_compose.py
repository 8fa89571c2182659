"""The production topology (docker-compose.yml, Dockerfile, nginx): no Docker
engine runs here, so its structure is checked; the entrypoint the containers
run is exercised for real by test_entrypoint."""
import os
import re
import shutil
import subprocess
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
                'postgres', 'init', 'trytond', 'worker', 'worker-messages',
                'worker-nc', 'worker-imports', 'worker-reports', 'cron',
                'nginx', 'prometheus', 'grafana', 'backup', 'restore'})
        # PostgreSQL 15, with pgBackRest added (the "db" stage).
        self.assertEqual(self.services['postgres']['build']['target'], 'db')
        self.assertRegex(self.dockerfile,
            r'(?m)^FROM postgres:15-bookworm AS db$')

    def test_healthchecks(self):
        for name in ['postgres', 'trytond', 'worker', 'cron', 'nginx',
                'backup']:
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
        self.assertEqual(set(self.compose['volumes']),
            {'pgdata', 'pgsocket', 'filestore', 'prometheus', 'grafana'})
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

    def test_wal_archived_continuously(self):
        "The server pushes every WAL segment to pgBackRest's repository"
        command = self.services['postgres']['command']
        settings = dict(c.split('=', 1) for c in command if '=' in c)
        self.assertEqual(command[0], 'postgres')
        self.assertEqual(settings['archive_mode'], 'on')
        self.assertEqual(settings['wal_level'], 'replica')
        self.assertEqual(settings['archive_command'],
            'pgbackrest archive-push %p')
        self.assertLessEqual(int(settings['archive_timeout']), 300)
        self.assertIn('pgsocket:/var/run/postgresql',
            self.services['postgres']['volumes'])
        self.assertRegex(self.dockerfile, r'pgbackrest restic cron')
        # The backup schedule's time zone stays out of the database server
        # (a new cluster would take it as its default timezone).
        self.assertNotIn('TZ', self.services['postgres']['environment'])
        self.assertIn('TZ', self.services['backup']['environment'])

    def test_backup_service(self):
        backup = self.services['backup']
        self.assertEqual(backup['image'], self.services['postgres']['image'])
        self.assertEqual(backup['entrypoint'],
            ['/etc/yuexing-backup/backup.sh'])
        self.assertEqual(backup['command'], ['schedule'])
        self.assertEqual(backup['depends_on']['postgres']['condition'],
            'service_healthy')
        # The database files and the attachments, read-only.
        self.assertIn('pgdata:/var/lib/postgresql/data:ro', backup['volumes'])
        self.assertIn('filestore:/var/lib/trytond:ro', backup['volumes'])
        self.assertIn('pgsocket:/var/run/postgresql', backup['volumes'])
        # Daily full, hourly incremental, hourly attachments (cron fields).
        environment = backup['environment']
        schedules = {name: re.search(r':-([^}]*)}', str(
                    environment[f'BACKUP_{name}_SCHEDULE'])).group(1).split()
            for name in ['FULL', 'INCR', 'FILES', 'PRUNE']}
        self.assertEqual(schedules['FULL'][1:], ['2', '*', '*', '*'])
        for name in ['INCR', 'FILES']:
            self.assertEqual(schedules[name][1:], ['*', '*', '*', '*'])
        script = (ROOT / 'docker' / 'backup' / 'backup.sh').read_text()
        self.assertTrue(os.access(ROOT / 'docker' / 'backup' / 'backup.sh',
                os.X_OK))
        for job in ['backup.sh full', 'backup.sh incr', 'backup.sh files',
                'backup.sh prune']:
            self.assertIn(job, script)
        self.assertIn('pgbackrest --type="$1" backup', script)
        self.assertIn('restic backup', script)
        self.assertIn('restic forget --prune', script)

    def test_backups_off_site_encrypted_with_retention(self):
        for name in ['postgres', 'backup', 'restore']:
            environment = self.services[name]['environment']
            with self.subTest(service=name):
                self.assertEqual(environment['PGBACKREST_REPO1_TYPE'], 's3')
                self.assertEqual(environment['PGBACKREST_STANZA'], 'yuexing')
                self.assertIn('${BACKUP_S3_ENDPOINT',
                    environment['PGBACKREST_REPO1_S3_ENDPOINT'])
                self.assertIn('${BACKUP_S3_BUCKET',
                    environment['PGBACKREST_REPO1_S3_BUCKET'])
                self.assertEqual(
                    environment['PGBACKREST_REPO1_CIPHER_TYPE'], 'aes-256-cbc')
                self.assertIn('${BACKUP_ENCRYPTION_PASSWORD',
                    environment['PGBACKREST_REPO1_CIPHER_PASS'])
                self.assertIn('${BACKUP_RETENTION_DAYS',
                    environment['PGBACKREST_REPO1_RETENTION_FULL'])
                self.assertTrue(environment['RESTIC_REPOSITORY'].startswith(
                        's3:https://${BACKUP_S3_ENDPOINT}/'))
                self.assertIn('${BACKUP_ENCRYPTION_PASSWORD',
                    environment['RESTIC_PASSWORD'])
        keep = self.services['backup']['environment']['BACKUP_FILES_KEEP']
        self.assertIn('--keep-daily', keep)
        self.assertEqual(self.services['restore']['profiles'], ['restore'])
        self.assertTrue((ROOT / 'docs' / 'BACKUP.md').exists())

    @unittest.skipUnless(shutil.which('pgbackrest'),
        "pgbackrest is not installed (scripts/bootstrap.sh --with-browser)")
    def test_pgbackrest_knows_every_setting(self):
        "A misspelt PGBACKREST_* variable would be ignored (only a warning)"
        def value(text):
            # ${NAME:-default} → default, ${NAME:?message} / ${NAME} → x
            return re.sub(r'\$\{(\w+)(:-([^}]*)|:\?[^}]*)?\}',
                lambda m: m.group(3) or 'x', str(text))
        environment = self.services['backup']['environment']
        env = {'PATH': os.environ['PATH'], **{k: value(v)
                for k, v in environment.items()
                if k.startswith('PGBACKREST_')}}
        self.assertGreater(len(env), 15)
        result = subprocess.run(['pgbackrest', 'help', 'backup'], env=env,
            capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn('invalid option', result.stdout + result.stderr)
        env['PGBACKREST_REPO1_RETENTON_FULL'] = '3'  # the test's own check
        result = subprocess.run(['pgbackrest', 'help', 'backup'], env=env,
            capture_output=True, text=True)
        self.assertIn('invalid option', result.stdout + result.stderr)
