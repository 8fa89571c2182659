#!/usr/bin/env python3
"""Benchmark: the JSON API under load on a generated database (issue 5).

    apt-get install wrk            # the load tool (Debian)
    .venv/bin/python bench/generate.py -d yx_bench_1m --reuse
    .venv/bin/python bench/api_load.py -d yx_bench_1m [--workers 2]
        [--clients 1 10 50] [--duration 10] [--json FILE]

Serves the database with gunicorn (trytond.application:app, --workers
processes, as docker/entrypoint.sh does) and loads with wrk, for each number
of concurrent clients:

- my_orders:   C端 GET /orders?limit=20 (the customer's first page),
- order_pool:  师傅端 GET /technician/pool (published orders, with the
               technician's distance and eligibility),
- create_order: C端 POST /orders (a new order, submitted);

and, as the baseline, trytond's own JSON-RPC with the same user and the same
data: model.yuexing.work_order.search_read (same domain, order, limit and
fields) and model.yuexing.work_order.create. Reports p50/p95/p99 latency,
throughput and the ratio API / JSON-RPC. Progress goes to stderr; results
to stdout (and --json). The orders created stay in the database.
"""
import argparse
import base64
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from common import (
    BENCH_PASSWORD,
    CUSTOMER_LOGIN,
    open_pool,
    progress,
    psql_connect,
    save_json,
    technician_login,
    use_postgresql,
)

ORDER_FIELDS = ['number', 'state', 'type', 'leak_site', 'description',
    'address.rec_name', 'priority', 'create_date', 'estimate_min',
    'estimate_max', 'quote.total_amount', 'quote.state',
    'technician.rec_name']
NEW_ORDER = {'leak_site': 'bathroom',
    'description': '卫生间地漏周边渗水到楼下', 'quantity': 6,
    'severity': 'moderate', 'priority': 'normal'}
WRK_SCRIPT = '''
wrk.method = {method}
wrk.body = {body}
{headers}
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('WRK {{"requests": %d, "duration_us": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "non_2xx": %d, '
    .. '"socket_errors": %d}}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write
    + errors.timeout))
end
'''


def lua_string(value):
    return json.dumps(value, ensure_ascii=False) if value is not None \
        else 'nil'


def prepare(database):
    """Tokens of the bench customer and technician, and what the requests
    need (company, the customer's address)."""
    from trytond.transaction import Transaction
    pool = open_pool(database)
    with Transaction().start(database, 0, context={'language': 'zh_CN'}) \
            as transaction:
        User = pool.get('res.user')
        Token = pool.get('yuexing.api.token')
        customer, = User.search([('login', '=', CUSTOMER_LOGIN)])
        technician, = User.search([('login', '=', technician_login(0))])
        _, customer_token = Token.issue(customer, 'customer', 'bench')
        _, technician_token = Token.issue(technician, 'technician', 'bench')
        setup = {
            'company': customer.company.id,
            'customer': customer.customer.id,
            'address': customer.customer.addresses[0].id,
            'tokens': {
                CUSTOMER_LOGIN: customer_token['access_token'],
                technician.login: technician_token['access_token']},
            'technician_login': technician.login,
            }
        transaction.commit()
    return setup


def serve(database, port, workers):
    "gunicorn with the project's configuration; waits until it answers."
    env = dict(os.environ, TRYTOND_DATABASE_NAMES=database)
    command = [os.path.join(os.path.dirname(sys.executable), 'gunicorn'),
        '--workers', str(workers), '--bind', f'127.0.0.1:{port}',
        '--timeout', '120', 'trytond.application:app']
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    url = f'http://127.0.0.1:{port}/{database}/api/v1/openapi.json'
    try:
        for _ in range(240):
            try:
                # Each worker loads the pool on its first request.
                for _ in range(workers):
                    with urllib.request.urlopen(url, timeout=60):
                        pass
                return server
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(
                        server.stderr.read().decode()) from None
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer")
    except BaseException:
        server.terminate()
        raise


def call(url, method='GET', body=None, headers=None, timeout=60):
    "(status, decoded JSON) of one request."
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
        headers={'Content-Type': 'application/json', **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or 'null')
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def rpc_session(base, database, login):
    "Authorization header of a JSON-RPC session (common.db.login)."
    status, answer = call(f'{base}/{database}/rpc/', 'POST', {
            'id': 1, 'method': 'common.db.login',
            'params': [login, {'password': BENCH_PASSWORD}, 'zh_CN']})
    assert status == 200 and answer.get('result'), (status, answer)
    user_id, session = answer['result'][:2]
    secret = base64.b64encode(
        f'{login}:{user_id}:{session}'.encode()).decode()
    return {'Authorization': f'Session {secret}'}


def cases(base, database, setup):
    "(name, kind, method, url, body, headers) of each load."
    api = f'{base}/{database}/api/v1'
    rpc = f'{base}/{database}/rpc/'
    customer = {'Authorization':
        f'Bearer {setup["tokens"][CUSTOMER_LOGIN]}'}
    technician = {'Authorization':
        f'Bearer {setup["tokens"][setup["technician_login"]]}'}
    customer_rpc = rpc_session(base, database, CUSTOMER_LOGIN)
    technician_rpc = rpc_session(base, database, setup['technician_login'])
    context = {'company': setup['company'], 'language': 'zh_CN'}
    order = [['create_date', 'DESC'], ['id', 'DESC']]
    new_order = dict(NEW_ORDER, address_id=setup['address'])
    rpc_values = dict(NEW_ORDER, company=setup['company'],
        customer=setup['customer'], address=setup['address'],
        type='c_repair', contact_name='王先生',
        contact_phone='13800138000')
    return [
        ('my_orders', 'api', 'GET', f'{api}/orders?limit=20', None,
            customer),
        ('my_orders', 'rpc', 'POST', rpc, {
                'id': 1, 'method': 'model.yuexing.work_order.search_read',
                'params': [[['state', '!=', 'draft']], 0, 20, order,
                    ORDER_FIELDS, context]}, customer_rpc),
        ('order_pool', 'api', 'GET', f'{api}/technician/pool', None,
            technician),
        ('order_pool', 'rpc', 'POST', rpc, {
                'id': 1, 'method': 'model.yuexing.work_order.search_read',
                'params': [[['pool_open', '=', True],
                        ['state', '=', 'confirmed']], 0, None, order,
                    # a technician may not read the quotes of orders that
                    # are not theirs (the API reads them as the system)
                    [f for f in ORDER_FIELDS if not f.startswith('quote.')],
                    context]}, technician_rpc),
        ('create_order', 'api', 'POST', f'{api}/orders', new_order,
            customer),
        ('create_order', 'rpc', 'POST', rpc, {
                'id': 1, 'method': 'model.yuexing.work_order.create',
                'params': [[rpc_values], context]}, customer_rpc),
        ]


def check(name, kind, method, url, body, headers):
    """One request first: it must succeed (and says how many rows). It
    waits behind what the last load left queued in the server."""
    status, answer = call(url, method, body, headers, timeout=900)
    ok = status in {200, 201} and not (
        isinstance(answer, dict) and answer.get('error'))
    if not ok:
        raise RuntimeError(f'{name} {kind}: {status} {answer}')
    if isinstance(answer, dict) and 'result' in answer:
        answer = answer['result']
    if isinstance(answer, dict) and 'items' in answer:
        return len(answer['items'])
    return len(answer) if isinstance(answer, list) else 1


def load(wrk, method, url, body, headers, clients, duration):
    "One wrk run; its done() prints the figures as JSON."
    header_lines = '\n'.join(f'wrk.headers[{lua_string(k)}] = '
        f'{lua_string(v)}' for k, v in dict(headers, **{
                'Content-Type': 'application/json'}).items())
    script = WRK_SCRIPT.format(method=lua_string(method),
        body=lua_string(json.dumps(body, ensure_ascii=False)
            if body is not None else None), headers=header_lines)
    with tempfile.NamedTemporaryFile('w', suffix='.lua') as lua:
        lua.write(script)
        lua.flush()
        output = subprocess.run([wrk, '-t', str(min(clients, 2)),
                '-c', str(clients), '-d', f'{duration}s', '--timeout', '60s',
                '-s', lua.name, url], capture_output=True, text=True,
            check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith('WRK '))
    figures = json.loads(line[4:])
    seconds = figures['duration_us'] / 1e6
    return {'p50_ms': round(figures['p50_us'] / 1000, 1),
        'p95_ms': round(figures['p95_us'] / 1000, 1),
        'p99_ms': round(figures['p99_us'] / 1000, 1),
        'rps': round(figures['requests'] / seconds, 1),
        'requests': figures['requests'],
        'errors': figures['non_2xx'] + figures['socket_errors']}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('-d', '--database', default='yx_bench_1m')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--port', type=int, default=8765)
    parser.add_argument('--clients', type=int, nargs='+',
        default=[1, 10, 50])
    parser.add_argument('--duration', type=int, default=10,
        help="seconds of load per case and number of clients")
    parser.add_argument('--only', nargs='*',
        choices=['my_orders', 'order_pool', 'create_order'])
    parser.add_argument('--json', help="also write the results here")
    args = parser.parse_args(argv)
    wrk = shutil.which('wrk')
    if not wrk:
        sys.exit("wrk is missing: apt-get install wrk")
    use_postgresql(args.database)
    setup = prepare(args.database)
    with psql_connect(args.database) as conn:
        orders, = conn.execute(
            'SELECT count(*) FROM yuexing_work_order').fetchone()
    results = {'database': args.database, 'orders': orders,
        'date': dt.date.today().isoformat(), 'cpus': os.cpu_count(),
        'server': f'gunicorn --workers {args.workers} (sync)',
        'tool': 'wrk', 'duration_s': args.duration, 'cases': {}}
    base = f'http://127.0.0.1:{args.port}'
    progress('gunicorn', 0, 1)
    server = serve(args.database, args.port, args.workers)
    progress('gunicorn', 1, 1)
    try:
        todo = [c for c in cases(base, args.database, setup)
            if not args.only or c[0] in args.only]
        for i, (name, kind, method, url, body, headers) in enumerate(todo):
            rows = check(name, kind, method, url, body, headers)
            case = results['cases'].setdefault(name, {})
            case[kind] = {'rows': rows}
            for clients in args.clients:
                case[kind][clients] = load(
                    wrk, method, url, body, headers, clients, args.duration)
                save(args, results)
            progress('load', i + 1, len(todo))
        for case in results['cases'].values():
            if 'api' in case and 'rpc' in case:
                case['ratio_p50'] = {c: round(case['api'][c]['p50_ms']
                        / max(case['rpc'][c]['p50_ms'], 0.1), 1)
                    for c in args.clients}
    finally:
        server.terminate()
        server.wait(timeout=30)
    save(args, results)
    print(json.dumps(results, ensure_ascii=False, indent=2))


def save(args, results):
    "The results so far (a later case may fail)."
    save_json(args.json, results)


if __name__ == '__main__':
    main()
