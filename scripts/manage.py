#!/usr/bin/env python3
"""Database chores behind the README commands and the container entrypoint.

    manage.py initdb  [-d yuexing] [--demo] [demo options]   create or upgrade
    manage.py setup   [-d yuexing]                           company, regions
    manage.py demo    [-d yuexing] [--orders N] [--seed S]   demo data
    manage.py modules                                        our module names
    manage.py gen-key                              print a new encryption key
    manage.py rotate-keys [-d yuexing]             re-encrypt with key 1

The configuration comes from TRYTOND_CONFIG (default config/trytond.conf)
and TRYTOND_* environment variables. Run with the project's venv python.
"""
import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where the upgrade stamp and the generated admin password file live.
STATE = Path(os.environ.get('YUEXING_STATE_DIR', ROOT / 'var'))
os.environ.setdefault('TRYTOND_CONFIG', str(ROOT / 'config' / 'trytond.conf'))
os.environ.setdefault('TRYTOND_DATABASE__PATH', str(ROOT / 'var' / 'db'))
os.environ.setdefault(
    'TRYTOND_WEB__ROOT', str(ROOT / 'node_modules' / 'tryton-sao'))


def our_modules():
    return sorted(
        p.parent.name for p in (ROOT / 'addons').glob('*/tryton.cfg'))


def code_stamp():
    "A hash of everything that requires a module upgrade when it changes."
    digest = hashlib.sha1()
    for path in sorted((ROOT / 'addons').rglob('*')):
        if path.suffix in {'.py', '.xml', '.cfg', '.po'} \
                and 'tests' not in path.parts and path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _config():
    from trytond import config
    config.update_etc(os.environ['TRYTOND_CONFIG'])
    return config


def _is_sqlite(config):
    return config.get('database', 'uri').startswith('sqlite')


def _sqlite_file(config, database):
    return Path(config.get('database', 'path')) / f'{database}.sqlite'


def database_exists(database):
    config = _config()
    if _is_sqlite(config):
        return _sqlite_file(config, database).exists()
    from trytond import backend
    db = backend.Database()
    db.connect()
    try:
        return database in db.list()
    finally:
        db.close()


def enable_trigram(database):
    """pg_trgm lets Tryton build its similarity indexes (searching order
    numbers and names by a fragment); without it they are skipped."""
    from trytond import backend
    db = backend.Database(database).connect()
    connection = db.get_connection(autocommit=True)
    try:
        connection.cursor().execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    except Exception as exception:  # a trusted extension, but be lenient
        print(f"pg_trgm not enabled: {exception}", file=sys.stderr)
    finally:
        db.put_connection(connection)
        db.close()


def run_admin(database, modules, update_all=False, language='zh_CN'):
    """trytond-admin: activate our modules (and their dependencies) or
    upgrade everything already activated."""
    config = _config()
    if _is_sqlite(config):
        db_file = _sqlite_file(config, database)
        db_file.parent.mkdir(parents=True, exist_ok=True)
        db_file.touch(exist_ok=True)
    elif not database_exists(database):
        from trytond import backend
        db = backend.Database()
        db.connect()
        connection = db.get_connection(autocommit=True)
        try:
            db.create(connection, database)
        finally:
            db.put_connection(connection)
            db.close()
        enable_trigram(database)
    env = dict(os.environ)
    password_file = STATE / 'admin-password'
    if not env.get('TRYTONPASSFILE'):
        password_file.parent.mkdir(parents=True, exist_ok=True)
        if not password_file.exists():
            password_file.write_text(
                os.environ.get('YUEXING_ADMIN_PASSWORD', 'yuexing2026'))
        env['TRYTONPASSFILE'] = str(password_file)
    command = [
        str(Path(sys.executable).parent / 'trytond-admin'),
        '-c', os.environ['TRYTOND_CONFIG'], '-d', database,
        '-u', *modules, '--activate-dependencies', '-l', language,
        '--email',
        os.environ.get('YUEXING_ADMIN_EMAIL', 'admin@yuexing.local')]
    if update_all:
        command.append('--all')
    subprocess.run(command, check=True, env=env)


class _Progress:
    "One tqdm bar per demo step, on stderr."

    def __init__(self):
        from tqdm import tqdm
        self._tqdm = tqdm
        self._bars = {}

    def __call__(self, label, done, total):
        bar = self._bars.get(label)
        if bar is None:
            bar = self._bars[label] = self._tqdm(
                total=total, desc=label, unit='条', leave=True,
                dynamic_ncols=True)
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total and total > 1 or (total == 1 and done == 1):
            bar.close()


def _transaction(database):
    _config()
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(database)
    pool.init()
    return pool, Transaction().start(
        database, 0, context={'language': 'zh_CN'})


def cmd_setup(args):
    pool, transaction = _transaction(args.database)
    with transaction:
        pool.get('yuexing.setup').run(progress=_Progress())
        transaction.commit()


def demo_options(args):
    from trytond.pool import Pool
    Demo = Pool(args.database).get('yuexing.demo')
    options = Demo.options_class()()
    for name in ('seed', 'customers', 'enterprises', 'orders'):
        value = getattr(args, name, None)
        if value is not None:
            setattr(options, name, value)
    return options


def cmd_demo(args):
    pool, transaction = _transaction(args.database)
    with transaction:
        Demo = pool.get('yuexing.demo')
        if Demo.already_generated() and not args.force:
            # databases generated before the flag existed
            pool.get('yuexing.configuration').mark_demo_database()
            transaction.commit()
            print("演示数据已存在（使用 --force 再次生成）", file=sys.stderr)
            return
        start = time.monotonic()
        Demo.generate(
            demo_options(args), progress=_Progress(),
            commit=transaction.commit)
        transaction.commit()
        print("演示数据已生成，用时 %.0f 秒" % (time.monotonic() - start),
            file=sys.stderr)


def cmd_initdb(args):
    stamp_file = STATE / f'{args.database}.stamp'
    stamp = code_stamp()
    exists = database_exists(args.database)
    if exists and stamp_file.exists() and stamp_file.read_text() == stamp:
        print(f"数据库 {args.database} 已是最新", file=sys.stderr)
        return
    start = time.monotonic()
    print(("升级" if exists else "创建") + f"数据库 {args.database} …",
        file=sys.stderr)
    run_admin(args.database, our_modules(), update_all=exists)
    cmd_setup(args)
    if args.demo:
        cmd_demo(args)
    stamp_file.parent.mkdir(parents=True, exist_ok=True)
    stamp_file.write_text(stamp)
    print("数据库就绪，用时 %.0f 秒" % (time.monotonic() - start),
        file=sys.stderr)


def cmd_gen_key(args):
    "A new Fernet key for YUEXING_ENCRYPTION_KEYS."
    from cryptography.fernet import Fernet
    print(Fernet.generate_key().decode())


def cmd_rotate_keys(args):
    """Re-encrypt every encrypted column (and recompute the keyed hashes)
    with the first key of YUEXING_ENCRYPTION_KEYS; the older keys can be
    removed afterwards."""
    pool, transaction = _transaction(args.database)
    with transaction:
        from trytond.modules.yuexing_base import crypto, encrypted
        crypto.check()
        progress = _Progress()
        changed = encrypted.rotate_all(pool,
            progress=lambda model, done, total: progress(
                f"重新加密 {model}", done, total))
        transaction.commit()
    for model, rows in changed.items():
        print(f"{model}: {rows} 行已用新密钥加密", file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)

    def with_db(p):
        p.add_argument('-d', '--database',
            default=os.environ.get('YUEXING_DATABASE', 'yuexing'))
        return p

    def with_demo(p):
        p.add_argument('--seed', type=int)
        p.add_argument('--customers', type=int)
        p.add_argument('--enterprises', type=int)
        p.add_argument('--orders', type=int,
            help="work orders to generate (e.g. 1000000 for benchmarks)")
        p.add_argument('--force', action='store_true')
        return p

    p = with_demo(with_db(sub.add_parser('initdb')))
    p.add_argument('--demo', action='store_true')
    p.set_defaults(func=cmd_initdb)
    with_db(sub.add_parser('setup')).set_defaults(func=cmd_setup)
    with_demo(with_db(sub.add_parser('demo'))).set_defaults(func=cmd_demo)
    sub.add_parser('modules').set_defaults(
        func=lambda a: print(' '.join(our_modules())))
    sub.add_parser('gen-key').set_defaults(func=cmd_gen_key)
    with_db(sub.add_parser('rotate-keys')).set_defaults(func=cmd_rotate_keys)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == '__main__':
    main()
