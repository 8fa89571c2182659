#!/usr/bin/env python3
"""Run every module's tests (and the repository's cross-module tests) on one
database backend.

    run_tests.py --backend sqlite|postgresql [--module M ...] [-k PATTERN]
        [--shard K/N]

On PostgreSQL it creates its own databases (unique names) and drops them at
the end. Prints one summary line and exits non-zero on any failure.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Relative cost of each part's tests (rough seconds, estimated from the
# per-module runs of 2026-11-25): --shard balances the parts over the shards
# with them. 'tests' is the repository's cross-module tests/ folder; a
# module missing here weighs 100.
WEIGHTS = {
    'yuexing_workorder': 700, 'yuexing_base': 420, 'yuexing_staff': 300,
    'yuexing_payment': 330, 'yuexing_nc_connector': 170,
    'yuexing_content': 80, 'yuexing_account': 40, 'tests': 200,
    }
REPO_TESTS = 'tests'
PG_URI = os.environ.get(
    'YUEXING_TEST_PG_URI', 'postgresql://postgres@127.0.0.1:5432/')


def pg_reachable(uri=PG_URI):
    try:
        import psycopg
        connection = psycopg.connect(uri + 'postgres', connect_timeout=3)
    except Exception as exception:
        return False, str(exception).strip()
    connection.close()
    return True, ''


def pg_drop(prefix, uri=PG_URI):
    "Drop the databases this run created (names start with prefix)."
    import psycopg
    connection = psycopg.connect(uri + 'postgres', autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (prefix + '%',))
        for name, in cursor.fetchall():
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    connection.close()


def configure(backend, run_id, cache_dir):
    "Environment for trytond's test framework; must precede its import."
    os.environ['TRYTOND_DATABASE__LANGUAGE'] = 'en'
    os.environ['DB_CACHE'] = str(cache_dir)
    os.environ['TRYTOND_ATTACHMENT__FILESTORE'] = 'False'
    if backend == 'postgresql':
        os.environ['TRYTOND_DATABASE__URI'] = PG_URI
        os.environ['DB_NAME'] = f'yxtest_{run_id}'
    else:
        os.environ['TRYTOND_DATABASE__URI'] = 'sqlite://'
        os.environ['DB_NAME'] = ':memory:'
    os.environ['YUEXING_TEST_BACKEND'] = backend
    os.environ.pop('TRYTOND_CONFIG', None)


def shard(parts, index, count):
    "The parts of shard index (1-based) of count, balanced by WEIGHTS."
    bins = [[0, []] for _ in range(count)]
    for part in sorted(parts, key=lambda p: (-WEIGHTS.get(p, 100), p)):
        lightest = min(bins, key=lambda b: b[0])
        lightest[0] += WEIGHTS.get(part, 100)
        lightest[1].append(part)
    return sorted(bins[index - 1][1])


def discover(modules, pattern, repo_tests=True):
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = [f'*{pattern}*']
    suite = unittest.TestSuite()
    for module in modules:
        tests_dir = ROOT / 'addons' / module / 'tests'
        for path in sorted(tests_dir.glob('test_*.py')):
            name = f'trytond.modules.{module}.tests.{path.stem}'
            suite.addTests(loader.loadTestsFromName(name))
    if (repo_tests and (ROOT / 'tests').is_dir()
            and not os.environ.get('YUEXING_ONLY_ADDONS')):
        sys.path.insert(0, str(ROOT))
        for path in sorted((ROOT / 'tests').glob('test_*.py')):
            suite.addTests(loader.loadTestsFromName(f'tests.{path.stem}'))
    return suite


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--backend', choices=['sqlite', 'postgresql'],
        default='sqlite')
    parser.add_argument('--module', action='append',
        help="only these modules (default: all under addons/)")
    parser.add_argument('-k', dest='pattern', help="only tests matching")
    parser.add_argument('-v', '--verbose', action='store_true')
    parser.add_argument('--shard', metavar='K/N',
        help="only the K-th of N balanced parts (modules and tests/), "
        "to run the parts in parallel processes")
    args = parser.parse_args(argv)

    modules = args.module or sorted(
        p.parent.name for p in (ROOT / 'addons').glob('*/tryton.cfg'))
    repo_tests = True
    if args.shard:
        index, count = (int(n) for n in args.shard.split('/'))
        parts = shard(modules + [REPO_TESTS], index, count)
        repo_tests = REPO_TESTS in parts
        modules = [p for p in parts if p != REPO_TESTS]
    run_id = f'{os.getpid()}_{int(time.time())}'
    cache_dir = Path(tempfile.mkdtemp(prefix='yx-dbcache-'))
    if args.backend == 'postgresql':
        ok, reason = pg_reachable()
        if not ok:
            print(f"PostgreSQL unreachable at {PG_URI}: {reason}")
            return 2
    configure(args.backend, run_id, cache_dir)

    start = time.monotonic()
    try:
        suite = discover(modules, args.pattern, repo_tests)
        runner = unittest.TextTestRunner(
            verbosity=2 if args.verbose else 1, stream=sys.stdout)
        result = runner.run(suite)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
        if args.backend == 'postgresql':
            pg_drop(f'yxtest_{run_id}')
    elapsed = time.monotonic() - start
    status = 'PASS' if result.wasSuccessful() else 'FAIL'
    label = args.backend + (f' {args.shard}' if args.shard else '')
    print(f"[{label}] {status}: {result.testsRun} tests, "
        f"{len(result.failures)} failures, {len(result.errors)} errors, "
        f"{len(result.skipped)} skipped in {elapsed:.0f}s")
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
