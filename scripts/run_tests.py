#!/usr/bin/env python3
"""Run every module's tests (and the repository's cross-module tests) on one
database backend.

    run_tests.py --backend sqlite|postgresql [--module M ...] [-k PATTERN]
        [--shard K/N]

On PostgreSQL it creates its own databases (unique names) and drops them at
the end. Prints one summary line and exits non-zero on any failure.
"""
import argparse
import fcntl
import json
import os
import shutil
import sys
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Relative cost of each part's tests (rough seconds): --shard balances the
# parts over the shards with them. A part is a module or one file of the
# repository's cross-module tests/ folder ('tests/test_x'). The measured
# seconds of the last full run (scripts/test_times.json, written by a run
# with --save-times) win over these guesses; a part in neither weighs 100.
WEIGHTS = {
    'yuexing_workorder': 700, 'yuexing_base': 420, 'yuexing_staff': 300,
    'yuexing_payment': 330, 'yuexing_nc_connector': 170,
    'yuexing_content': 80, 'yuexing_account': 40,
    'yuexing_warranty': 60,
    'tests/test_api_schemathesis': 150, 'tests/test_backup_drill': 250,
    'tests/test_sandbox': 100, 'tests/test_nginx': 30,
    'yuexing_ops': 60, 'tests/test_monitoring': 1, 'tests/test_kubernetes': 5,
    'yuexing_technician': 130, 'yuexing_chat': 100,
    'yuexing_file': 120,
    }
TIMES_FILE = Path(__file__).resolve().parent / 'test_times.json'
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


TEST_ENCRYPTION_KEY = 'UVqBT2HzFkUKetU-4YrutWm5JyKxFr_zZV5SfYg5lQM='


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
    # A fixed, public test-only key: the cached test databases stay
    # readable between runs and CI needs nothing set by hand.
    os.environ['YUEXING_ENCRYPTION_KEYS'] = TEST_ENCRYPTION_KEY
    os.environ.pop('YUEXING_PRODUCTION', None)


def weights(backend):
    "Seconds per part: measured ones for the backend, else WEIGHTS."
    result = dict(WEIGHTS)
    try:
        measured = json.loads(TIMES_FILE.read_text())
    except (OSError, ValueError):
        measured = {}
    result.update(measured.get(backend, {}))
    return result


def shard(parts, index, count, backend='postgresql'):
    "The parts of shard index (1-based) of count, balanced by weights."
    cost = weights(backend)
    bins = [[0, []] for _ in range(count)]
    for part in sorted(parts, key=lambda p: (-cost.get(p, 100), p)):
        lightest = min(bins, key=lambda b: b[0])
        lightest[0] += cost.get(part, 100)
        lightest[1].append(part)
    return sorted(bins[index - 1][1])


def repo_parts():
    "The cross-module test files of tests/, one part each."
    if not (ROOT / 'tests').is_dir() or os.environ.get('YUEXING_ONLY_ADDONS'):
        return []
    return [f'{REPO_TESTS}/{p.stem}'
        for p in sorted((ROOT / 'tests').glob('test_*.py'))]


class TimedSuite(unittest.TestSuite):
    "The tests of one part; remembers how long the part took."
    times = {}

    def __init__(self, part, tests=()):
        super().__init__(tests)
        self.part = part

    def run(self, result, debug=False):
        start = time.monotonic()
        try:
            return super().run(result, debug)
        finally:
            self.times[self.part] = round(time.monotonic() - start)


class TimingResult(unittest.TextTestResult):
    "A text result that times every test (for the slowest-tests list)."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.durations = {}
        self._started = {}

    def startTest(self, test):
        self._started[test.id()] = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        started = self._started.pop(test.id(), None)
        if started is not None:
            self.durations[test.id()] = time.monotonic() - started
        super().stopTest(test)


def discover(parts, pattern):
    "One TimedSuite per part (a module, or tests/<file>)."
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = [f'*{pattern}*']
    suite = unittest.TestSuite()
    for part in parts:
        if part.startswith(REPO_TESTS + '/'):
            if str(ROOT) not in sys.path:
                sys.path.insert(0, str(ROOT))
            names = [part.replace('/', '.')]
        else:
            tests_dir = ROOT / 'addons' / part / 'tests'
            names = [f'trytond.modules.{part}.tests.{path.stem}'
                for path in sorted(tests_dir.glob('test_*.py'))]
        part_suite = TimedSuite(part)
        for name in names:
            part_suite.addTests(loader.loadTestsFromName(name))
        suite.addTest(part_suite)
    return suite


def report_times(result, backend, save):
    "Print the 20 slowest tests and the parts' times; save them if asked."
    slowest = sorted(result.durations.items(), key=lambda i: -i[1])[:20]
    if slowest:
        print("\nThe 20 slowest tests:")
        for name, seconds in slowest:
            print(f"  {seconds:7.1f}s  {name}")
    parts = TimedSuite.times
    print("Parts: " + ", ".join(f"{p} {s}s"
            for p, s in sorted(parts.items(), key=lambda i: -i[1])))
    if save:
        # the lanes of `make test` finish at different times: one at a time
        with open(TIMES_FILE.with_suffix('.lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = json.loads(TIMES_FILE.read_text())
            except (OSError, ValueError):
                data = {}
            data.setdefault(backend, {}).update(parts)
            TIMES_FILE.write_text(json.dumps(data, indent=1, sort_keys=True)
                + '\n')


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
    parser.add_argument('--save-times', action='store_true',
        help="write the parts' times to scripts/test_times.json")
    args = parser.parse_args(argv)

    modules = args.module or sorted(
        p.parent.name for p in (ROOT / 'addons').glob('*/tryton.cfg'))
    parts = list(modules)
    if not args.module:
        parts += repo_parts()
    if args.shard:
        index, count = (int(n) for n in args.shard.split('/'))
        parts = shard(parts, index, count, args.backend)
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
        suite = discover(parts, args.pattern)
        runner = unittest.TextTestRunner(
            verbosity=2 if args.verbose else 1, stream=sys.stdout,
            resultclass=TimingResult)
        result = runner.run(suite)
        report_times(result, args.backend,
            args.save_times and not args.pattern)
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
