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


def cache_templates(run_id):
    """On PostgreSQL, trytond's test database caches become template
    databases of this run (CREATE DATABASE ... TEMPLATE: about a second,
    where pg_restore of a dump takes ten or more). Named with the run's
    prefix, so that pg_drop removes them and parallel lanes never share
    one."""
    import hashlib

    from trytond.tests import test_tryton

    test_tryton.DB_CACHE = 'postgresql://'

    def cache_file(path, name):
        digest = hashlib.shake_128(name.encode('utf8')).hexdigest(8)
        # a database name has at most 63 characters
        return f'postgresql:///yxtest_{run_id}_c{digest}'
    test_tryton._db_cache_file = cache_file


def asynchronous_commits():
    """trytond's connections to the test cluster commit without waiting
    for the WAL to reach the disk (synchronous_commit=off, this session
    only): a commit is as visible and as atomic as before, only a crash of
    the server could lose the last ones, which a test run does not care
    about. A commit took ~4 ms (an fsync), now ~0.2 ms; the tests commit
    thousands of times (module activation, RouteTestCase, ApiTestCase).
    Other clusters (the backup drill's) keep the server's setting."""
    from trytond.backend.postgresql.database import Database

    connection_params = Database._connection_params.__func__

    def _connection_params(cls, name):
        params = connection_params(cls, name)
        if params['conninfo'].startswith(PG_URI):
            params['options'] = '-c synchronous_commit=off'
        return params
    Database._connection_params = classmethod(_connection_params)


_module_infos = {}


def module_info(module):
    "The module's tryton.cfg (cached)."
    from trytond.modules import get_module_info
    if module not in _module_infos:
        _module_infos[module] = get_module_info(module) or {}
    return _module_infos[module]


def closure(modules):
    "The modules with all their dependencies."
    result, todo = set(), list(modules)
    while todo:
        module = todo.pop()
        if module not in result:
            result.add(module)
            todo.extend(module_info(module).get('depends', []))
    return result


def incremental_activation():
    """Build a test database from the cached one with the most of its
    modules, activating only the missing ones (instead of installing
    everything from an empty database for every set of modules).

    A cache is a base only if none of its modules has an extras_depend on a
    module still to activate: trytond would not register the extra part
    of an already activated module."""
    from trytond.pool import Pool
    from trytond.tests import test_tryton
    from trytond.transaction import Transaction

    full_activation = test_tryton.activate_module
    cached = {}  # cache name -> (lang, frozenset of activated modules)

    def cache_name(modules, lang):
        name = '-'.join(modules)
        return name + ('--' + lang if lang != 'en' else '')

    def usable(base, wanted):
        missing = wanted - base
        return base < wanted and not any(
            set(module_info(m).get('extras_depend', [])) & missing
            for m in base)

    def activate_module(modules, lang='en'):
        if isinstance(modules, str):
            modules = [modules]
        name = cache_name(modules, lang)
        DB_NAME = test_tryton.DB_NAME
        base, start = None, time.monotonic()
        if name not in cached and not test_tryton.db_exist(DB_NAME):
            wanted = closure(modules)
            bases = [(len(mods), base) for base, (base_lang, mods)
                in cached.items()
                if base_lang == lang and usable(mods, wanted)]
            if bases:
                _, base = max(bases)
                test_tryton.restore_db_cache(base)
        full_activation(modules, lang)
        if name not in cached:
            print(f"\n(test database {name}: built in "
                f"{time.monotonic() - start:.0f}s"
                + (f" on {base})" if base else " from scratch)"),
                file=sys.stderr)
            with Transaction().start(DB_NAME, 0, readonly=True):
                Module = Pool().get('ir.module')
                cached[name] = (lang, frozenset(m.name for m in Module.search(
                                [('state', '=', 'activated')])))

    test_tryton.activate_module = activate_module


def prebuild_base(suite, base='yuexing_base', lang='zh_CN'):
    """Build the database of the base module first when the lane's test
    classes build on it: a lane without the base module's own tests would
    otherwise install it from scratch for each of its sets of modules."""
    from trytond.tests import test_tryton
    users = {type(t) for t in iter_tests(suite)
        if base in database_of(type(t))
        and getattr(type(t), 'language', 'en') == lang}
    if len({frozenset(database_of(c)) for c in users}) > 1:
        test_tryton.drop_db()
        test_tryton.activate_module([base], lang=lang)
        test_tryton.drop_db()


def weights(backend):
    "Seconds per part: measured ones for the backend, else WEIGHTS."
    result = dict(WEIGHTS)
    try:
        measured = json.loads(TIMES_FILE.read_text())
    except (OSError, ValueError):
        measured = {}
    result.update(measured.get(backend, {}))
    return result


# Parts that build the same test databases: --shard keeps each group in one
# shard, so that the database is built once (the second part restores it
# from the lane's cache) instead of once in each shard. A group weighs the
# sum of its parts' saved times (those of a run where they were together).
TOGETHER = [
    # every module in zh_CN (test_i18n says so): ~140 s on PostgreSQL
    ('tests/test_access_matrix', 'tests/test_i18n'),
    # yuexing_account in zh_CN
    ('yuexing_account', 'tests/test_backup_drill'),
    # yuexing_payment (with yuexing_content for the API tests)
    ('yuexing_payment', 'tests/test_sandbox', 'tests/test_api_schemathesis'),
    ]


def groups(parts):
    "The parts as shard units: the TOGETHER groups, the others alone."
    result, seen = [], set()
    for group in TOGETHER:
        members = tuple(p for p in group if p in parts)
        if members:
            result.append(members)
            seen.update(members)
    result.extend((p,) for p in parts if p not in seen)
    return result


def shard(parts, index, count, backend='postgresql'):
    "The parts of shard index (1-based) of count, balanced by weights."
    cost = weights(backend)

    def group_cost(group):
        return sum(cost.get(p, 100) for p in group)
    bins = [[0, []] for _ in range(count)]
    for group in sorted(groups(parts), key=lambda g: (-group_cost(g), g)):
        lightest = min(bins, key=lambda b: b[0])
        lightest[0] += group_cost(group)
        lightest[1].extend(group)
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
        classes = {}  # test class -> its tests, in the loader's order
        for name in names:
            for test in iter_tests(loader.loadTestsFromName(name)):
                classes.setdefault(type(test), []).append(test)
        # a class on fewer modules first: the larger sets build on it
        ordered = sorted(classes, key=lambda c: len(database_of(c)))
        part_suite = TimedSuite(part,
            [unittest.TestSuite(classes[c]) for c in ordered])
        part_suite.size = max(
            (len(database_of(c)) for c in ordered), default=0)
        suite.addTest(part_suite)
    # smaller parts first, the cross-module tests of tests/ last
    suite._tests.sort(key=lambda p: (p.part.startswith(REPO_TESTS + '/'),
            p.size, p.part))
    return suite


def iter_tests(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from iter_tests(test)
        else:
            yield test


def database_of(test_class):
    "The modules of a test class's database (empty: no database)."
    module = getattr(test_class, 'module', None)
    if not module:
        return set()
    return closure([module, *(getattr(test_class, 'extras', None) or [])])


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
        if args.backend == 'postgresql':
            cache_templates(run_id)
            if not os.environ.get('YUEXING_TEST_SYNC_COMMIT'):
                asynchronous_commits()
        incremental_activation()
        suite = discover(parts, args.pattern)
        prebuild_base(suite)
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
