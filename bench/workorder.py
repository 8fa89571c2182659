#!/usr/bin/env python3
"""Benchmark: work orders at a year's volume.

    .venv/bin/python bench/workorder.py [--scale 1.0] [--repeat 15]
        [--backend sqlite|postgresql] [--json FILE]

Generates, at scale 1.0, 2,000 customers, 150 technicians (skills, teams
of regions) and 10,000 work orders spread over the states of a year, then
measures (median, p95 and the ratio to the smallest case):

- the dispatcher's list: one page (80 rows) of open orders with the list
  view's fields, first page and a deep page;
- the dispatch recommendation (candidates scored by skills, certificates,
  distance, load and rating) for random open orders;
- the customer's booking slots (7 days) for random orders;
- the JSON API: GET /orders (one customer's orders) and GET
  /technician/orders through the WSGI app, p50/p95;
- the 批量报修 import of an xlsx of 2,000 rows (validation + creation),
  rows per second.

Progress goes to stderr; results to stdout (and --json).
"""
import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from decimal import Decimal

from common import (
    LEAK_SITES,
    PG_URI,
    ROOT,
    create_bench_users,
    create_customers,
    create_technicians,
    import_file,
    progress,
    save_json,
    stats,
    timed,
)


def configure(backend):
    os.environ['TRYTOND_DATABASE__LANGUAGE'] = 'en'
    os.environ['TRYTOND_ATTACHMENT__FILESTORE'] = 'False'
    os.environ.setdefault('DB_CACHE', tempfile.mkdtemp(prefix='yx-bench-'))
    os.environ.pop('TRYTOND_CONFIG', None)
    if backend == 'postgresql':
        os.environ['TRYTOND_DATABASE__URI'] = PG_URI
        os.environ['DB_NAME'] = f'yxbench_{os.getpid()}'
    else:
        os.environ['TRYTOND_DATABASE__URI'] = 'sqlite://'
        os.environ['DB_NAME'] = ':memory:'


STATE_MIX = [('submitted', 8), ('quoted', 6), ('confirmed', 10),
    ('dispatched', 8), ('accepted', 6), ('on_site', 6), ('to_accept', 4),
    ('done', 30), ('closed', 20), ('cancelled', 2)]


def generate(company, scale, rng):
    """Customers, technicians and orders, created in bulk (states written
    directly: the flow itself is measured by the tests, not here)."""
    from trytond.pool import Pool
    pool = Pool()
    WorkOrder = pool.get('yuexing.work_order')

    n_customers = max(int(2000 * scale), 20)
    n_technicians = max(int(150 * scale), 10)
    n_orders = max(int(10000 * scale), 100)
    parties, addresses = create_customers(n_customers, rng)
    technicians = create_technicians(company, n_technicians, rng)

    weights = [w for _, w in STATE_MIX]
    states = [s for s, _ in STATE_MIX]
    now = dt.datetime.now()
    created = 0
    for start in range(0, n_orders, 1000):
        vlist = []
        for i in range(start, min(start + 1000, n_orders)):
            address = addresses[i % len(addresses)]
            vlist.append({
                    'company': company.id,
                    'customer': address.party.id,
                    'address': address.id,
                    'type': 'c_repair',
                    'leak_site': rng.choice(LEAK_SITES),
                    'description': '雨后渗水，墙面发霉',
                    'quantity': rng.choice([3, 5, 8, 12, 20, 40]),
                    'contact_name': address.party.name,
                    'contact_phone': f'138{i:08d}',
                    })
        orders = WorkOrder.create(vlist)
        to_write = []
        for order in orders:
            state = rng.choices(states, weights)[0]
            values = {'state': state,
                'submitted_at': now - dt.timedelta(
                    days=rng.uniform(0, 365))}
            if state in {'dispatched', 'accepted', 'on_site', 'to_accept',
                    'done', 'closed'}:
                values['technician'] = rng.choice(technicians).id
            if state == 'confirmed' and rng.random() < 0.3:
                values['pool_open'] = True
            to_write.extend(([order], values))
        WorkOrder.write(*to_write)
        created += len(orders)
        progress('orders', created, n_orders)

    busiest = max(parties[:50], key=lambda p: WorkOrder.search_count(
            [('customer', '=', p.id)]))
    customer_user, technician_user = create_bench_users(
        company, busiest, technicians[0])
    return {'customers': n_customers, 'technicians': n_technicians,
        'orders': n_orders, 'customer_user': customer_user,
        'technician_user': technician_user}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', type=float, default=1.0)
    parser.add_argument('--repeat', type=int, default=15)
    parser.add_argument('--backend', default='sqlite',
        choices=['sqlite', 'postgresql'])
    parser.add_argument('--import-rows', type=int, default=2000)
    parser.add_argument('--seed', type=int, default=20261125)
    parser.add_argument('--json', help="also write the results here")
    args = parser.parse_args(argv)
    configure(args.backend)
    sys.path.insert(0, os.path.join(ROOT, 'scripts'))

    from werkzeug.test import Client

    from trytond.modules.company.tests import set_company
    from trytond.pool import Pool
    from trytond.protocols.wrappers import Response
    from trytond.tests.test_tryton import DB_NAME, activate_module
    from trytond.transaction import Transaction
    from trytond.wsgi import app

    rng = random.Random(args.seed)
    started = time.perf_counter()
    progress('database', 0, 1)
    activate_module(['yuexing_workorder'], lang='zh_CN')
    progress('database', 1, 1)
    results = {'scale': args.scale, 'backend': args.backend}

    with Transaction().start(DB_NAME, 0) as transaction:
        from trytond.modules.yuexing_base.tests.tools import setup_company
        company = setup_company()
        with set_company(company):
            results['volume'] = generate(company, args.scale, rng)
        transaction.commit()
    results['generate_s'] = round(time.perf_counter() - started, 1)

    with Transaction().start(DB_NAME, 0) as transaction, \
            transaction.set_context(company=company.id, language='zh_CN'):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Dispatch = pool.get('yuexing.work_order.dispatch')
        names = ['number', 'customer.rec_name', 'type', 'leak_site',
            'priority', 'district.rec_name', 'technician.rec_name',
            'amount', 'completion_deadline', 'sla_state', 'create_date',
            'state']
        open_domain = [('state', 'in', ['submitted', 'quoted', 'confirmed',
                    'dispatched', 'accepted', 'on_site', 'to_accept'])]
        total_open = WorkOrder.search_count(open_domain)

        def page(offset):
            def run():
                ids = WorkOrder.search(open_domain, offset=offset, limit=80,
                    order=[('create_date', 'DESC')], query=False)
                transaction.cache.clear()
                WorkOrder.read([r.id for r in ids], names)
            return run
        progress('dispatcher list', 0, 2)
        results['dispatcher_list_first_page'] = stats(
            timed(page(0), args.repeat))
        progress('dispatcher list', 1, 2)
        results['dispatcher_list_deep_page'] = stats(
            timed(page(max(total_open - 80, 0)), args.repeat))
        progress('dispatcher list', 2, 2)

        confirmed = WorkOrder.search([('state', '=', 'confirmed')],
            limit=200)
        sample = rng.sample(confirmed, min(args.repeat, len(confirmed)))
        samples = []
        for i, order in enumerate(sample):
            start = time.perf_counter()
            candidates = Dispatch.candidates(order)
            samples.append(time.perf_counter() - start)
            progress('recommendation', i + 1, len(sample))
        results['recommendation'] = stats(samples)
        results['recommendation']['candidates'] = len(candidates)

        from trytond.modules.yuexing_workorder.routes import booking_slots
        samples = []
        for i, order in enumerate(sample):
            start = time.perf_counter()
            booking_slots(order, 7)
            samples.append(time.perf_counter() - start)
            progress('booking slots', i + 1, len(sample))
        results['booking_slots_7_days'] = stats(samples)

        Token = pool.get('yuexing.api.token')
        User = pool.get('res.user')
        volume = results['volume']
        _, customer = Token.issue(
            User(volume['customer_user']), 'customer', 'bench')
        _, technician = Token.issue(
            User(volume['technician_user']), 'technician', 'bench')
        transaction.commit()

    client = Client(app, Response)
    for label, path, token in [
            ('api_customer_orders', '/orders?limit=20', customer),
            ('api_technician_orders', '/technician/orders?limit=20',
                technician)]:
        samples = []
        for i in range(args.repeat * 2):
            start = time.perf_counter()
            response = client.get(f'/{DB_NAME}/api/v1{path}', headers={
                    'Authorization': f'Bearer {token["access_token"]}'},
                environ_base={'REMOTE_ADDR': f'10.9.{i // 200}.{i % 200}'})
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, response.get_data()
            progress(label, i + 1, args.repeat * 2)
        results[label] = stats(samples)

    with Transaction().start(DB_NAME, 0) as transaction, \
            transaction.set_context(company=company.id, language='zh_CN'):
        Job = Pool().get('yuexing.work_order.import.job')
        data = import_file(args.import_rows, rng)
        job, = Job.create([{'company': company.id, 'mode': 'valid',
                    'data': data, 'filename': 'bench.xlsx'}])
        progress('import', 0, 1)
        start = time.perf_counter()
        Job.process([job])
        elapsed = time.perf_counter() - start
        progress('import', 1, 1)
        results['import'] = {'rows': job.rows, 'created': job.created,
            'failed': job.failed, 'seconds': round(elapsed, 2),
            'rows_per_s': round(job.rows / elapsed, 1),
            'first_error': (job.errors or '').split('\n')[0] or None}
        transaction.rollback()

    first = results['dispatcher_list_first_page']['median_ms']
    deep = results['dispatcher_list_deep_page']['median_ms']
    results['deep_over_first_page'] = round(deep / first, 2)
    print(json.dumps(results, ensure_ascii=False, indent=2,
            default=lambda v: str(v) if isinstance(v, Decimal) else v))
    save_json(args.json, results)


if __name__ == '__main__':
    main()
