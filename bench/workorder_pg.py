#!/usr/bin/env python3
"""Benchmark: work orders on a generated PostgreSQL database (issue 4).

    .venv/bin/python bench/generate.py -d yx_bench_1m --reuse
    .venv/bin/python bench/workorder_pg.py -d yx_bench_1m [--repeat 15]
        [--import-rows 10000] [--grabs 200] [--grab-orders 50] [--json FILE]

Measures, each with median and p95 and the ratio to a plain SQL query doing
the same read (psycopg, same database):

- the dispatcher's list as the client asks for it: search (80 rows, the
  action's order) then read of the list view's fields with the rec_name of
  its relations; open orders, the 待派工 tab, district + priority filters,
  a search by number, and the counts of the action's tabs;
- the dispatch recommendation (Dispatch.candidates) for random open orders;
- the 批量报修 import of an xlsx of --import-rows rows (validation +
  creation, rolled back), against a plain INSERT of as many orders;
- --grabs simultaneous grabs of --grab-orders published orders through the
  JSON API (POST /technician/pool/<id>/grab, one technician and one
  transaction each; all submitted at once to --threads workers, as a
  server's workers take them): exactly one winner per order, the others
  409; against the same race with a bare conditional UPDATE. The orders are
  put back afterwards.

Progress goes to stderr; results to stdout (and --json).
"""
import argparse
import concurrent.futures
import datetime as dt
import json
import os
import queue
import random
import sys
import threading
import time

from common import (
    import_file,
    open_pool,
    progress,
    psql_connect,
    ratio,
    save_json,
    stats,
    timed,
    use_postgresql,
)

GRABS_PER_TECHNICIAN = 2
OPEN = ['submitted', 'surveying', 'quoted', 'confirmed', 'dispatched',
    'accepted', 'on_site', 'to_accept', 'on_hold']
LIST_SQL = '''
SELECT w.id, w.number, c.name, w.type, w.leak_site, w.priority, d.name,
    tp.name, w.completion_deadline, w.sla_state, w.create_date, w.state,
    (SELECT sum(l.quantity * l.unit_price) FROM yuexing_quote_line l
        WHERE l.quote = w.quote)
FROM yuexing_work_order w
JOIN party_party c ON c.id = w.customer
LEFT JOIN country_subdivision d ON d.id = w.district
LEFT JOIN company_employee e ON e.id = w.technician
LEFT JOIN party_party tp ON tp.id = e.party
WHERE {where}
ORDER BY w.create_date DESC, w.id DESC LIMIT 80
'''
RECOMMEND_SQL = '''
SELECT e.id, e.base_latitude, e.base_longitude,
    (SELECT count(*) FROM yuexing_work_order w WHERE w.technician = e.id
        AND w.state IN ('dispatched', 'accepted', 'on_site', 'to_accept')),
    (SELECT array_agg(s.skill) FROM yuexing_employee_skill s
        WHERE s.employee = e.id)
FROM company_employee e
WHERE e.is_technician AND e.company = %s
'''


def list_cases(company, district):
    "(label, domain, SQL where) of the dispatcher's list."
    states = ', '.join(f"'{s}'" for s in OPEN)
    return [
        ('open_orders', [('state', 'in', OPEN)], f'w.state IN ({states})'),
        ('tab_to_dispatch', [('state', '=', 'confirmed')],
            "w.state = 'confirmed'"),
        ('filter_district_priority', [('state', 'in', OPEN),
                ('district', '=', district), ('priority', '=', 'high')],
            f"w.state IN ({states}) AND w.district = {district}"
            " AND w.priority = 'high'"),
        ('search_number', [('rec_name', 'ilike', '%00042%')],
            "w.number ILIKE '%00042%'"),
        ]


def bench_lists(pool, conn, args, results, rng):
    from trytond.pyson import PYSONDecoder
    from trytond.transaction import Transaction
    WorkOrder = pool.get('yuexing.work_order')
    Action = pool.get('ir.action.act_window')
    ModelData = pool.get('ir.model.data')
    transaction = Transaction()
    view = WorkOrder.fields_view_get(view_type='tree')
    names = []
    for name, field in view['fields'].items():
        names.append(name)
        if field['type'] == 'many2one':
            names.append(f'{name}.rec_name')
    district = conn.execute('SELECT district FROM yuexing_work_order'
        ' WHERE state = %s GROUP BY district ORDER BY count(*) DESC'
        ' LIMIT 1', ('confirmed',)).fetchone()[0]
    cases = list_cases(transaction.context['company'], district)
    for i, (label, domain, where) in enumerate(cases):
        def run(domain=domain):
            records = WorkOrder.search(domain, limit=80,
                order=[('create_date', 'DESC'), ('id', 'DESC')])
            transaction.cache.clear()
            WorkOrder.read([r.id for r in records], names)
            return records
        rows = len(run())
        orm = stats(timed(run, args.repeat))
        sql = stats(timed(lambda w=where: conn.execute(
                    LIST_SQL.format(where=w)).fetchall(), args.repeat))
        results[f'list_{label}'] = {'orm': orm, 'sql': sql,
            'ratio': ratio(orm, sql), 'rows': rows}
        progress('dispatcher list', i + 1, len(cases))

    # Opening the action counts the orders of each tab (count=True).
    action = Action(ModelData.get_id('yuexing_workorder',
            'act_work_order_form'))
    decoder = PYSONDecoder({})
    domains = [decoder.decode(d.domain) if d.domain else []
        for d in action.act_window_domains if d.count]

    def counts():
        return [WorkOrder.search_count(d) for d in domains]
    orm = stats(timed(counts, args.repeat))

    def sql_counts():
        return conn.execute(
            "SELECT state, count(*) FROM yuexing_work_order WHERE state IN"
            " ('submitted', 'surveying', 'quoted', 'confirmed', 'dispatched',"
            " 'accepted', 'on_site', 'to_accept', 'on_hold')"
            " GROUP BY state").fetchall() + conn.execute(
            "SELECT count(*) FROM yuexing_work_order WHERE sla_state ="
            " 'breached' AND state NOT IN ('done', 'closed', 'cancelled')"
            ).fetchall()
    sql = stats(timed(sql_counts, args.repeat))
    results['list_tab_counts'] = {'orm': orm, 'sql': sql,
        'ratio': ratio(orm, sql), 'tabs': len(domains)}


def bench_recommendation(pool, conn, args, results, rng):
    from trytond.transaction import Transaction
    WorkOrder = pool.get('yuexing.work_order')
    Dispatch = pool.get('yuexing.work_order.dispatch')
    company = Transaction().context['company']
    confirmed = WorkOrder.search([('state', '=', 'confirmed')], limit=500)
    sample = rng.sample(confirmed, min(args.repeat, len(confirmed)))
    samples, eligible = [], []
    for i, order in enumerate(sample):
        Transaction().cache.clear()
        order = WorkOrder(order.id)
        start = time.perf_counter()
        candidates = Dispatch.candidates(order)
        samples.append(time.perf_counter() - start)
        eligible.append(len([c for c in candidates if c['eligible']]))
        progress('recommendation', i + 1, len(sample))
    orm = stats(samples)
    sql = stats(timed(lambda: conn.execute(
                RECOMMEND_SQL, (company,)).fetchall(), args.repeat))
    results['recommendation'] = {'orm': orm, 'sql': sql,
        'ratio': ratio(orm, sql), 'candidates': len(candidates),
        'eligible_median': sorted(eligible)[len(eligible) // 2]}


def bench_import(pool, conn, args, results, rng):
    from trytond.transaction import Transaction
    Job = pool.get('yuexing.work_order.import.job')
    transaction = Transaction()
    data = import_file(args.import_rows, rng)
    job, = Job.create([{'company': transaction.context['company'],
                'mode': 'valid', 'data': data, 'filename': 'bench.xlsx'}])
    progress('import', 0, 1)
    start = time.perf_counter()
    Job.process([job])
    elapsed = time.perf_counter() - start
    progress('import', 1, 1)
    result = {'rows': job.rows, 'created': job.created,
        'failed': job.failed, 'seconds': round(elapsed, 2),
        'rows_per_s': round(job.rows / elapsed, 1),
        'first_error': (job.errors or '').split('\n')[0] or None}
    transaction.rollback()
    # The same number of rows with one INSERT … SELECT (rolled back).
    with conn.transaction(force_rollback=True):
        start = time.perf_counter()
        conn.execute('''INSERT INTO yuexing_work_order (number, company,
                type, customer, address, district, leak_site, description,
                quantity, severity, material_grade, priority, state,
                contact_name, contact_phone, pool_open, escalated,
                quote_requested, submitted_at, create_uid, create_date)
            SELECT 'X' || g, w.company, w.type, w.customer, w.address,
                w.district, 'roof', '会议室天花板雨后渗水', 10, 'moderate',
                'standard', 'high', 'submitted', '刘经理',
                '139' || lpad(g::text, 8, '0'), FALSE, FALSE, FALSE,
                now(), 0, now()
            FROM generate_series(1, %s) g,
                (SELECT * FROM yuexing_work_order LIMIT 1) w''',
            (args.import_rows,))
        sql = time.perf_counter() - start
    result['sql_seconds'] = round(sql, 3)
    result['ratio'] = round(elapsed / sql, 1)
    results['import'] = result


def race(func, calls, threads):
    """Run func(index, *call) for all calls at once on a pool of threads
    (the requests a server with that many workers has in hand, the rest
    waiting in its queue); returns the wall time."""
    go = threading.Event()

    def task(index, call):
        go.wait()
        func(index, *call)
    with concurrent.futures.ThreadPoolExecutor(threads) as executor:
        futures = [executor.submit(task, i, c) for i, c in enumerate(calls)]
        start = time.perf_counter()
        go.set()
        for future in futures:
            future.result()
    return time.perf_counter() - start


def bench_grabs(pool, conn, args, results, rng):
    """Publish orders, issue the technicians' tokens, then fire all grabs
    at once through the WSGI app; put everything back at the end."""
    from werkzeug.test import Client

    from trytond.protocols.wrappers import Response
    from trytond.transaction import Transaction
    from trytond.wsgi import app
    transaction = Transaction()
    database = transaction.database.name
    WorkOrder = pool.get('yuexing.work_order')
    Dispatch = pool.get('yuexing.work_order.dispatch')
    Token = pool.get('yuexing.api.token')
    User = pool.get('res.user')
    users = {u.employee.id: u for u in User.search(
            [('login', 'like', 'bench_tech%')]) if u.employee}
    # Each grabber stays eligible whatever they win: at most
    # GRABS_PER_TECHNICIAN grabs each, by technicians far enough from the
    # open-order capacity.
    capacity = pool.get('yuexing.configuration')(1).max_open_orders
    per_order = args.grabs // args.grab_orders
    orders, grabbers, used = [], [], {}
    for order in WorkOrder.search([('state', '=', 'confirmed'),
                ('pool_open', '=', False), ('technician', '=', None)],
            order=[('create_date', 'DESC')], limit=400):
        eligible = [c['technician'] for c in Dispatch.candidates(order)
            if c['eligible'] and c['technician'].id in users
            and used.get(c['technician'].id, 0) < GRABS_PER_TECHNICIAN
            and c['open_orders'] + GRABS_PER_TECHNICIAN < capacity]
        if len(eligible) < per_order:
            continue
        picked = rng.sample(eligible, per_order)
        for technician in picked:
            used[technician.id] = used.get(technician.id, 0) + 1
        orders.append(order)
        grabbers += [(order.id, users[t.id]) for t in picked]
        progress('grab set-up', len(orders), args.grab_orders)
        if len(orders) == args.grab_orders:
            break
    assert len(orders) == args.grab_orders, "not enough eligible grabbers"
    started_at = dt.datetime.now().replace(microsecond=0)
    WorkOrder.write(orders, {'pool_open': True,
            'pool_opened_at': started_at})
    tokens = [(order_id, Token.issue(user, 'technician', 'bench')[1][
                'access_token']) for order_id, user in grabbers]
    transaction.commit()

    answers = [None] * len(tokens)
    latencies = [None] * len(tokens)

    def grab(index, order_id, token):
        client = Client(app, Response)
        start = time.perf_counter()
        response = client.post(
            f'/{database}/api/v1/technician/pool/{order_id}/grab',
            headers={'Authorization': f'Bearer {token}'},
            environ_base={'REMOTE_ADDR': f'10.8.{index // 200}.{index % 200}'})
        latencies[index] = time.perf_counter() - start
        answers[index] = response.status_code

    wall = race(grab, tokens, args.threads)
    progress('grabs', len(tokens), len(tokens))
    order_ids = [o.id for o in orders]
    winners = conn.execute('''SELECT count(*) FROM yuexing_work_order_dispatch
        WHERE work_order = ANY(%s) AND method = 'pool' AND create_date >= %s
        ''', (order_ids, started_at)).fetchone()[0]
    accepted = conn.execute("SELECT count(*) FROM yuexing_work_order WHERE"
        " id = ANY(%s) AND state = 'accepted' AND technician IS NOT NULL",
        (order_ids,)).fetchone()[0]
    codes = {}
    for code in answers:
        codes[str(code)] = codes.get(str(code), 0) + 1
    result = {'grabs': len(tokens), 'orders': len(orders),
        'winners_200': codes.get('200', 0), 'refused_409': codes.get(
            '409', 0), 'status_codes': codes,
        'dispatch_rows': winners, 'orders_accepted': accepted,
        'wall_s': round(wall, 2), 'latency': stats(latencies)}
    assert codes.get('200', 0) == len(orders) == winners == accepted, result

    # The same race with a bare conditional UPDATE per grab.
    conn.execute('UPDATE yuexing_work_order SET pool_open = TRUE'
        ' WHERE id = ANY(%s)', (order_ids,))
    sql_wins = []
    sql_latencies = [None] * len(tokens)
    connections = queue.Queue()
    for _ in range(args.threads):
        connections.put(psql_connect(database))

    def sql_grab(index, order_id, token):
        own = connections.get()
        start = time.perf_counter()
        row = own.execute('UPDATE yuexing_work_order SET pool_open ='
            ' FALSE WHERE id = %s AND pool_open RETURNING id',
            (order_id,)).fetchone()
        sql_latencies[index] = time.perf_counter() - start
        connections.put(own)
        if row:
            sql_wins.append(order_id)
    sql_wall = race(sql_grab, tokens, args.threads)
    while not connections.empty():
        connections.get().close()
    result['sql_wall_s'] = round(sql_wall, 3)
    result['sql_latency'] = stats(sql_latencies)
    result['sql_winners'] = len(sql_wins)
    result['ratio'] = ratio(result['latency'], result['sql_latency'])
    results['grabs'] = result

    # Put the orders back as they were.
    with conn.transaction():
        conn.execute('DELETE FROM yuexing_work_order_dispatch WHERE'
            ' work_order = ANY(%s) AND create_date >= %s',
            (order_ids, started_at))
        conn.execute('DELETE FROM yuexing_work_order_log WHERE'
            ' work_order = ANY(%s) AND date >= %s', (order_ids, started_at))
        conn.execute("UPDATE yuexing_work_order SET state = 'confirmed',"
            ' technician = NULL, pool_open = FALSE, pool_opened_at = NULL'
            ' WHERE id = ANY(%s)', (order_ids,))
        conn.execute("UPDATE yuexing_api_token SET revoked_at = now()"
            " WHERE client = 'bench' AND revoked_at IS NULL")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('-d', '--database', default='yx_bench_1m')
    parser.add_argument('--repeat', type=int, default=15)
    parser.add_argument('--import-rows', type=int, default=10000)
    parser.add_argument('--grabs', type=int, default=200)
    parser.add_argument('--grab-orders', type=int, default=50)
    parser.add_argument('--threads', type=int, default=8,
        help="grabs in flight at once (database connections: twice as"
        " many); the others wait their turn")
    parser.add_argument('--only', nargs='*',
        choices=['lists', 'recommendation', 'import', 'grabs'])
    parser.add_argument('--seed', type=int, default=20261125)
    parser.add_argument('--json', help="also write the results here")
    args = parser.parse_args(argv)
    # A grab in flight holds up to two connections (admission, request).
    os.environ.setdefault(
        'TRYTOND_DATABASE__MAXCONN', str(2 * args.threads + 4))
    use_postgresql(args.database)
    from trytond.transaction import Transaction
    pool = open_pool(args.database)
    rng = random.Random(args.seed)
    only = set(args.only or ['lists', 'recommendation', 'import', 'grabs'])
    conn = psql_connect(args.database)
    orders, = conn.execute(
        'SELECT count(*) FROM yuexing_work_order').fetchone()
    results = {'database': args.database, 'orders': orders,
        'date': dt.date.today().isoformat(), 'cpus': os.cpu_count()}
    admin, = conn.execute(
        "SELECT id FROM res_user WHERE login = 'admin'").fetchone()
    company, = conn.execute('SELECT min(id) FROM company_company').fetchone()

    def save():
        "The results so far (a later part may fail)."
        save_json(args.json, results)
    with Transaction().start(args.database, admin, context={
                'company': company, 'language': 'zh_CN',
                '_check_access': True}):
        for name, bench in [('lists', bench_lists),
                ('recommendation', bench_recommendation),
                ('import', bench_import)]:
            if name in only:
                bench(pool, conn, args, results, rng)
                save()
    if 'grabs' in only:
        with Transaction().start(args.database, 0, context={
                    'company': company, 'language': 'zh_CN'}):
            bench_grabs(pool, conn, args, results, rng)
        save()
    print(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    return results


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
