"""Helpers shared by the benchmarks: progress on stderr, statistics, the
base records (customers, technicians, bench users) made through the ORM,
the import file, and access to a generated PostgreSQL database."""
import datetime as dt
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_URI = os.environ.get(
    'YUEXING_TEST_PG_URI', 'postgresql://postgres@127.0.0.1:5432/')
LEAK_SITES = ['roof', 'bathroom', 'facade', 'basement', 'window', 'kitchen']
DISTRICTS = ['310115', '310104', '310105', '310106', '310107', '310110',
    '310112', '310113']
SKILLS = [('membrane', 'senior'), ('coating', 'senior'),
    ('grouting', 'intermediate'), ('facade', 'senior'),
    ('high_altitude', 'senior')]
# Log-in of the users the benchmarks act as (generate.py creates them).
BENCH_PASSWORD = 'YxBench#2026'
CUSTOMER_LOGIN = 'bench_customer'


def technician_login(index):
    return f'bench_tech{index:03d}'


def progress(label, done, total):
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f'\r{label:<22} [{"#" * filled}{"." * (width - filled)}]'
        f' {done}/{total}')
    if done >= total:
        sys.stderr.write('\n')
    sys.stderr.flush()


def save_json(path, results):
    "Write results to path (creating its folder); nothing when no path."
    if not path:
        return
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, 'w') as out:
        json.dump(results, out, ensure_ascii=False, indent=2, default=str)


def percentile(ordered, fraction):
    return ordered[min(len(ordered) - 1,
            max(0, int(round(fraction * len(ordered))) - 1))]


def stats(samples):
    ordered = sorted(samples)
    return {'median_ms': round(1000 * statistics.median(ordered), 2),
        'p95_ms': round(1000 * percentile(ordered, 0.95), 2),
        'n': len(ordered)}


def timed(func, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def ratio(orm, sql):
    "ORM median over plain SQL median (both stats() results)."
    return round(orm['median_ms'] / max(sql['median_ms'], 0.001), 1)


# ---- base records (through the ORM) ----------------------------------------


def create_customers(count, rng, chunk=1000):
    """count residents named 客户00000… (the import file refers to them by
    name), each with an address in a Shanghai district near its centre."""
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Address = pool.get('party.address')
    Subdivision = pool.get('country.subdivision')
    districts = [Subdivision.from_adcode(code) for code in DISTRICTS]
    parties, addresses = [], []
    for start in range(0, count, chunk):
        batch = Party.create([{
                    'name': f'客户{i:05d}',
                    'customer_type': 'individual',
                    } for i in range(start, min(start + chunk, count))])
        picks = [(p, rng.choice(districts)) for p in batch]
        addresses += Address.create([{
                    'party': p.id,
                    'subdivision': d.parent.parent.id if d.parent.parent
                    else d.parent.id,
                    'city_region': d.parent.id,
                    'district': d.id,
                    'street_unstructured': f'测试路{(start + i) % 900 + 1}号',
                    'latitude': round(d.latitude + rng.uniform(-0.03, 0.03),
                        6),
                    'longitude': round(
                        d.longitude + rng.uniform(-0.03, 0.03), 6),
                    } for i, (p, d) in enumerate(picks)])
        parties += batch
        progress('customers', len(parties), count)
    return parties, addresses


def create_technicians(company, count, rng, users=False):
    """count technicians with three skills, a home district, a certificate
    for two out of three; with a 师傅端 log-in each when users is set."""
    from trytond.modules.yuexing_workorder.tests.tools import (
        create_technician,
    )
    technicians = []
    for i in range(count):
        technician = create_technician(company, f'师傅{i:03d}',
            rng.sample(SKILLS, 3), adcode=rng.choice(DISTRICTS),
            certificates=['HIGH_ALT'] if i % 3 else [],
            offset=rng.uniform(-0.02, 0.02),
            user_login=technician_login(i) if users else None)
        technicians.append(technician)
        if i % 10 == 9 or i == count - 1:
            progress('technicians', i + 1, count)
    return technicians


def create_bench_users(company, customer, technician=None):
    """The C端 user bound to customer and, when technician is given, a 师傅端
    user for them; returns their ids (None for a user not made)."""
    from trytond.modules.yuexing_base.tests.tools import create_user
    customer_user = create_user(CUSTOMER_LOGIN, ['group_c2c_customer'],
        company=company, customer=customer.id, password=BENCH_PASSWORD)
    technician_user = technician and create_user('bench_technician',
        ['group_technician'], company=company,
        employees=[('add', [technician.id])], employee=technician.id)
    return customer_user.id, technician_user and technician_user.id


def import_file(rows, rng, customers=40):
    "An xlsx of 批量报修 rows for the first customers (by name)."
    from trytond.modules.yuexing_base.xlsx import workbook
    from trytond.modules.yuexing_workorder.import_ import _headers
    data = []
    for i in range(rows):
        data.append([f'客户{i % customers:05d}', '刘经理', f'139{i:08d}',
                f'上海市浦东新区碧波路{i % 700 + 1}号{i % 9 + 1}号楼屋面',
                '屋面', '会议室天花板雨后渗水', rng.choice([5, 10, 20]),
                '中等', '高', dt.date.today() + dt.timedelta(days=3)])
    return workbook([('报修', _headers(), data)])


# ---- a generated PostgreSQL database ---------------------------------------


def use_postgresql(database=None):
    """Point trytond at the PostgreSQL server with the project's
    configuration (as scripts/manage.py does); returns the scripts/manage
    module."""
    os.environ['TRYTOND_DATABASE__URI'] = PG_URI
    os.environ.setdefault(
        'TRYTOND_CONFIG', os.path.join(ROOT, 'config', 'trytond.conf'))
    if database:
        os.environ['TRYTOND_DATABASE_NAMES'] = database
    sys.path.insert(0, os.path.join(ROOT, 'scripts'))
    import manage
    manage._config()
    return manage


def open_pool(database):
    "The initialised pool of database (trytond configured already)."
    from trytond.pool import Pool
    Pool.start()
    pool = Pool(database)
    pool.init()
    return pool


def psql_connect(database):
    "A plain psycopg connection for the SQL baselines."
    import psycopg
    return psycopg.connect(PG_URI.rstrip('/') + '/' + database,
        autocommit=True)
