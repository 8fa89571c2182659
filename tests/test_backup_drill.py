"""Restore drills (docs/BACKUP.md), PostgreSQL only:

(a) a logical dump of a database with posted invoices, restored into a new
    database, has the same rows in every table and the same balance
    (debit - credit) on every account;
(b) point-in-time recovery with pgBackRest, as in production but with a
    local repository standing in for the S3 one: a PostgreSQL 15 cluster of
    its own archives its WAL with `pgbackrest archive-push`, gets a full
    backup, commits rows A, then rows B, and is restored to the time
    between them: A is there, B is not.

scripts/bootstrap.sh --with-browser (run by `make test`) installs pgbackrest
and PostgreSQL 15."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import unittest
from decimal import Decimal
from pathlib import Path

BACKEND = os.environ.get('YUEXING_TEST_BACKEND')
PG_BIN = Path('/usr/lib/postgresql/15/bin')
PGBACKREST = shutil.which('pgbackrest')
RESTIC = shutil.which('restic')
BACKUP_SH = Path(__file__).resolve().parent.parent / 'docker' / 'backup' / (
    'backup.sh')
IS_ROOT = os.geteuid() == 0


def pg_uri():
    return os.environ['TRYTOND_DATABASE__URI']


def table_counts(connection):
    "{table: rows} of every table of the public schema."
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables "
            "WHERE schemaname = 'public' ORDER BY tablename")
        tables = [t for t, in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def account_balances(connection):
    "{account code: sum(debit - credit)} over every move line."
    with connection.cursor() as cursor:
        cursor.execute('SELECT a.code, SUM(l.debit - l.credit) '
            'FROM account_move_line l '
            'JOIN account_account a ON a.id = l.account '
            'GROUP BY a.code ORDER BY a.code')
        return dict(cursor.fetchall())


def drop_database(name):
    import psycopg
    with psycopg.connect(pg_uri() + 'postgres',
            autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(pid) "
            "FROM pg_stat_activity WHERE datname = %s", (name,))
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


@unittest.skipUnless(BACKEND == 'postgresql',
    "the restore drills run on PostgreSQL (the production database)")
class DumpRestoreDrillTestCase(unittest.TestCase):
    "(a) pg_dump → pg_restore into a new database: nothing lost."

    def setUp(self):
        from trytond.tests.test_tryton import (
            DB_CACHE,
            _db_cache_file,
            activate_module,
            drop_db,
        )
        self.source = f'yxdrill_src_{os.getpid()}'
        self.copy = f'yxdrill_copy_{os.getpid()}'
        self.dumps = tempfile.TemporaryDirectory()
        self.addCleanup(self.dumps.cleanup)
        for name in [self.source, self.copy]:
            self.addCleanup(drop_database, name)
        # The drill's database is a copy of trytond's test cache dump of
        # yuexing_account with a world committed in it (the run's test
        # database stays clean). Like trytond's test classes, a fresh test
        # database, dropped after: the cache holds exactly these modules and
        # the yuexing_account tests of the same run reuse it.
        drop_db()
        self.addCleanup(drop_db)
        activate_module(['yuexing_account'], lang='zh_CN')
        cache = _db_cache_file(DB_CACHE, 'yuexing_account--zh_CN')
        if cache.startswith('postgresql://'):
            # run_tests.py keeps the caches as template databases
            self.createdb(self.source, template=cache.rsplit('/', 1)[1])
        else:
            self.createdb(self.source)
            self.run_tool(
                ['pg_restore', '-d', self.source, '-j', '2', cache])
        self.build_world()

    def dsn(self, name):
        return pg_uri() + name

    def run_tool(self, command):
        result = subprocess.run(command, capture_output=True, text=True,
            env={**os.environ, 'PGDATABASE': 'postgres',
                **self.libpq_env()})
        self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def libpq_env(self):
        from urllib.parse import urlparse
        uri = urlparse(pg_uri())
        env = {'PGHOST': uri.hostname or '127.0.0.1',
            'PGPORT': str(uri.port or 5432), 'PGUSER': uri.username or ''}
        if uri.password:
            env['PGPASSWORD'] = uri.password
        return env

    def createdb(self, name, template=None):
        import psycopg
        with psycopg.connect(self.dsn('postgres'),
                autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"'
                + (f' TEMPLATE "{template}"' if template else ''))

    def build_world(self):
        "Books, customers and posted invoices, committed."
        from trytond.modules.company.tests import set_company
        from trytond.modules.yuexing_account.tests.tools import (
            account,
            setup_books,
            tax,
        )
        from trytond.modules.yuexing_base.locks import run_committed
        from trytond.modules.yuexing_base.tests.tools import create_customer
        from trytond.pool import Pool
        Pool(self.source).init()
        self.addCleanup(self.close_pool)
        def world():
            pool = Pool()
            Invoice = pool.get('account.invoice')
            Journal = pool.get('account.journal')
            Date = pool.get('ir.date')
            company = setup_books()
            with set_company(company):
                invoices = []
                for i, (price, rate) in enumerate([
                            ('1000.00', 'tax_vat_sale_9'),
                            ('250.50', 'tax_vat_sale_6'),
                            ('99.99', 'tax_vat_sale_13')]):
                    customer = create_customer(f'客户{i}',
                        f'1380013800{i}', address=f'上海市浦东新区张江路{i}号')
                    invoices.append(Invoice(type='out', party=customer,
                            invoice_address=customer.address_get(),
                            journal=Journal.search([('code', '=', 'REV')])[0],
                            account=account(company, '1122'),
                            invoice_date=Date.today(), company=company,
                            currency=company.currency, lines=[{
                                    'type': 'line',
                                    'description': '屋面防水维修',
                                    'quantity': 1,
                                    'unit_price': Decimal(price),
                                    'account': account(company, '6001').id,
                                    'taxes': [tax(company, rate).id],
                                    }]))
                Invoice.save(invoices)
                Invoice.post(invoices)
        # Singletons and sequences lock tables: run_committed restarts the
        # transaction with the locks asked for, as the servers do.
        run_committed(self.source, 0, world, context={'language': 'zh_CN'})

    def close_pool(self):
        from trytond import backend
        from trytond.pool import Pool
        Pool.stop(self.source)
        backend.Database(self.source).close()

    def test_dump_restore_keeps_every_row_and_balance(self):
        import psycopg
        dump = Path(self.dumps.name, 'yuexing.dump')
        # The documented commands (docs/BACKUP.md, "Logical dump").
        self.run_tool(['pg_dump', '-F', 'c', '-f', str(dump), self.source])
        self.createdb(self.copy)
        self.run_tool(['pg_restore', '--no-owner', '-d', self.copy,
                str(dump)])
        with psycopg.connect(self.dsn(self.source)) as source, \
                psycopg.connect(self.dsn(self.copy)) as copy:
            counts = table_counts(source)
            balances = account_balances(source)
            self.assertEqual(table_counts(copy), counts)
            self.assertEqual(account_balances(copy), balances)
        # The world is really there (and so really compared).
        self.assertGreater(counts['account_invoice'], 0)
        self.assertGreater(counts['account_move_line'], 0)
        self.assertEqual(balances['1122'], Decimal('1090.00')
            + Decimal('265.53') + Decimal('112.99'))
        self.assertEqual(sum(balances.values()), 0)


@unittest.skipUnless(BACKEND == 'postgresql',
    "the restore drills run on PostgreSQL (the production database)")
class PointInTimeRecoveryDrillTestCase(unittest.TestCase):
    "(b) pgBackRest: full backup + WAL archive, restored to a point in time."

    STANZA = 'drill'

    def setUp(self):
        if not (PGBACKREST and (PG_BIN / 'initdb').exists()):
            self.fail("pgbackrest or PostgreSQL 15 missing: run "
                "scripts/bootstrap.sh --with-browser")
        self.dir = Path(tempfile.mkdtemp(prefix='yx-pitr-'))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        for name in ['data', 'restored', 'repo', 'log', 'lock', 'sock']:
            (self.dir / name).mkdir()
        os.chmod(self.dir, 0o755)
        if IS_ROOT:
            # PostgreSQL refuses to run as root: its files and pgBackRest's
            # belong to the postgres OS user.
            shutil.chown(self.dir, 'postgres', 'postgres')
            for path in self.dir.iterdir():
                shutil.chown(path, 'postgres', 'postgres')
        for name in ['data', 'restored']:
            os.chmod(self.dir / name, 0o700)
        with socket.socket() as sock:  # a free port number (own socket)
            sock.bind(('127.0.0.1', 0))
            self.port = sock.getsockname()[1]
        # Configured as in production: PGBACKREST_* variables (the
        # compose file's x-backup-env), a local repository instead of S3,
        # encrypted the same way; the backups are taken by the backup
        # service's own script.
        self.env = {
            'PATH': os.environ['PATH'],
            'BACKUP_ENV_FILE': str(self.dir / 'none.env'),
            'PGBACKREST_STANZA': self.STANZA,
            'PGBACKREST_PG1_PATH': str(self.dir / 'data'),
            'PGBACKREST_PG1_PORT': str(self.port),
            'PGBACKREST_PG1_SOCKET_PATH': str(self.dir / 'sock'),
            'PGBACKREST_PG1_USER': 'postgres',
            'PGBACKREST_REPO1_PATH': str(self.dir / 'repo'),
            'PGBACKREST_REPO1_CIPHER_TYPE': 'aes-256-cbc',
            'PGBACKREST_REPO1_CIPHER_PASS': 'drill-password',
            'PGBACKREST_REPO1_RETENTION_FULL_TYPE': 'time',
            'PGBACKREST_REPO1_RETENTION_FULL': '30',
            'PGBACKREST_LOG_PATH': str(self.dir / 'log'),
            'PGBACKREST_LOCK_PATH': str(self.dir / 'lock'),
            'PGBACKREST_LOG_LEVEL_CONSOLE': 'warn',
            'PGBACKREST_LOG_LEVEL_FILE': 'off',
            'PGBACKREST_START_FAST': 'y',
            'PGBACKREST_COMPRESS_TYPE': 'lz4',
            }
        self.running = set()
        self.addCleanup(self.stop_all)

    def as_postgres(self, command, check=True):
        if IS_ROOT:
            command = ['runuser', '-u', 'postgres', '--', *command]
        return self.run_command(command, check)

    def run_command(self, command, check=True):
        result = subprocess.run(command, capture_output=True, text=True,
            cwd=self.dir, env=self.env)
        if check:
            self.assertEqual(result.returncode, 0,
                f"{command}\n{result.stdout}\n{result.stderr}")
        return result

    def pgbackrest(self, *args):
        return self.as_postgres([PGBACKREST, *args])

    def backup_script(self, *args):
        "docker/backup/backup.sh (it switches to postgres itself)."
        return self.run_command([str(BACKUP_SH), *args])

    def start(self, data):
        log = self.dir / 'log' / f'{data.name}.log'
        result = self.as_postgres([str(PG_BIN / 'pg_ctl'), '-D', str(data),
                '-w', '-t', '60', '-l', str(log), 'start'], check=False)
        self.running.add(data)
        self.assertEqual(result.returncode, 0, log.read_text()[-3000:])

    def stop(self, data):
        self.as_postgres([str(PG_BIN / 'pg_ctl'), '-D', str(data), '-w',
                '-m', 'fast', 'stop'])
        self.running.discard(data)

    def stop_all(self):
        for data in list(self.running):
            self.as_postgres([str(PG_BIN / 'pg_ctl'), '-D', str(data),
                    '-m', 'immediate', 'stop'], check=False)

    def connect(self):
        import psycopg
        return psycopg.connect(host=str(self.dir / 'sock'), port=self.port,
            user='postgres', dbname='postgres', autocommit=True)

    def query(self, sql, *params):
        with self.connect() as connection:
            return connection.execute(sql, params).fetchall()

    def execute(self, sql):
        with self.connect() as connection:
            connection.execute(sql)

    def test_point_in_time_recovery(self):
        data = self.dir / 'data'
        self.as_postgres([str(PG_BIN / 'initdb'), '-D', str(data), '-U',
                'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8',
                '--locale=C'])
        archive = 'pgbackrest archive-push %p'  # as in docker-compose.yml
        with open(data / 'postgresql.conf', 'a') as conf:
            conf.write(f"""
port = {self.port}
listen_addresses = ''
unix_socket_directories = '{self.dir}/sock'
wal_level = replica
archive_mode = on
archive_command = '{archive}'
fsync = off
shared_buffers = 16MB
""")
        self.start(data)
        self.pgbackrest('stanza-create')
        self.pgbackrest('check')
        self.backup_script('full')
        self.execute("CREATE TABLE drill (batch text, n int)")
        self.execute("INSERT INTO drill SELECT 'A', g FROM "
            "generate_series(1, 60) g")
        # The hourly incremental (on top of the full): restored with it,
        # then the WAL replayed.
        self.backup_script('incr')
        self.execute("INSERT INTO drill SELECT 'A', g FROM "
            "generate_series(61, 100) g")
        # pgBackRest picks the newest backup that ended before the target
        # by its stop time in whole seconds; the drill runs within a second
        # of it, so it names the backup set.
        info = json.loads(self.pgbackrest('info', '--output=json').stdout)
        full, backup = info[0]['backup']
        self.assertEqual((full['type'], backup['type']), ('full', 'incr'))
        self.assertEqual(backup['reference'], [full['label']])

        # The point to return to: after A's commit, before B's (the
        # server's clock, the one its commit records carry).
        (target,), = self.query(
            "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
        self.execute("INSERT INTO drill SELECT 'B', g FROM "
            "generate_series(1, 50) g")
        (before,), = self.query("SELECT count(*) FROM drill")
        self.assertEqual(before, 150)
        # B's commit must be in the archive so that recovery sees a commit
        # past the target: check switches the WAL and waits for its push.
        self.pgbackrest('check')
        self.stop(data)

        restored = self.dir / 'restored'
        self.pgbackrest(f'--pg1-path={restored}', '--type=time',
            f"--set={backup['label']}",
            f'--target={target}', '--target-action=promote',
            '--archive-mode=off', 'restore')
        self.start(restored)
        self.wait_for_promotion()
        rows = dict(self.query(
                "SELECT batch, count(*) FROM drill GROUP BY batch"))
        self.assertEqual(rows, {'A': 100})
        info = self.pgbackrest('info')
        self.assertIn('full backup', info.stdout)
        self.assertIn('incr backup', info.stdout)
        # The repository is encrypted: without the password, nothing.
        self.env.pop('PGBACKREST_REPO1_CIPHER_PASS')
        locked = self.as_postgres([PGBACKREST, 'info'], check=False)
        self.assertNotIn('full backup', locked.stdout)
        self.assertIn('error', (locked.stdout + locked.stderr).lower())

    def wait_for_promotion(self):
        "Connections open while recovery replays: wait until it is over."
        import psycopg
        with self.connect() as connection:
            for _ in range(600):
                (recovering,), = connection.execute(
                    "SELECT pg_is_in_recovery()").fetchall()
                if not recovering:
                    return
                try:
                    connection.execute("SELECT pg_sleep(0.1)")
                except psycopg.Error:
                    break
        self.fail("recovery did not finish: see "
            f"{self.dir / 'log' / 'restored.log'}")


@unittest.skipUnless(BACKEND == 'postgresql',
    "the restore drills run on PostgreSQL (the production database)")
class AttachmentRestoreDrillTestCase(unittest.TestCase):
    """(c) The attachments: the backup service's restic snapshot of the
    filestore, restored as docs/BACKUP.md says, is the same files."""

    def setUp(self):
        if not RESTIC:
            self.fail("restic missing: run scripts/bootstrap.sh "
                "--with-browser")
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        self.filestore = self.dir / 'trytond'
        self.env = {
            'PATH': os.environ['PATH'],
            'HOME': str(self.dir),
            'BACKUP_ENV_FILE': str(self.dir / 'none.env'),
            'BACKUP_FILESTORE': str(self.filestore),
            'RESTIC_REPOSITORY': str(self.dir / 'restic'),
            'RESTIC_PASSWORD': 'drill-password',
            'RESTIC_CACHE_DIR': str(self.dir / 'cache'),
            }

    def run_command(self, *command):
        result = subprocess.run(command, capture_output=True, text=True,
            env=self.env)
        self.assertEqual(result.returncode, 0,
            f"{command}\n{result.stdout}\n{result.stderr}")
        return result

    def files(self, root):
        return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob('*')) if p.is_file()}

    def test_filestore_snapshot_restored(self):
        # trytond's filestore: <database>/<hash prefix>/<hash>
        for i in range(20):
            path = self.filestore / 'yuexing' / f'{i:02x}' / f'file{i}'
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(1000 + i))
        self.run_command('restic', 'init')
        self.run_command(str(BACKUP_SH), 'files')
        before = self.files(self.filestore)
        # Lost after the snapshot: a file, and then the whole folder.
        (self.filestore / 'yuexing' / '00' / 'file0').unlink()
        shutil.rmtree(self.filestore)
        self.run_command(str(BACKUP_SH), 'prune')
        snapshots = json.loads(self.run_command('restic', 'snapshots',
                '--tag', 'filestore', '--json').stdout)
        self.assertEqual(len(snapshots), 1)
        self.run_command('restic', 'restore', snapshots[0]['short_id'],
            '--target', '/', '--include', str(self.filestore))
        self.assertEqual(self.files(self.filestore), before)
        self.assertEqual(len(before), 20)
