#!/usr/bin/env python3
"""Where the time of one API request goes (issue 5), on a generated
database:

    .venv/bin/python bench/api_profile.py -d yx_bench_1m [--repeat 20]
        [--case my_orders order_pool] [--top 25]

Calls the routes in process through trytond's WSGI app (werkzeug test
client, no network), with the tokens of the bench customer and technician.
For each case: median latency, the SQL queries per request (counted on
trytond's PostgreSQL cursor logger) and the cProfile functions with the
largest cumulative time. Progress goes to stderr.
"""
import argparse
import cProfile
import io
import logging
import pstats
import statistics
import sys
import time

from api_load import prepare
from common import CUSTOMER_LOGIN, progress, use_postgresql

CASES = {
    'my_orders': ('customer', '/orders?limit=20'),
    'order_pool': ('technician', '/technician/pool'),
    'technician_orders': ('technician', '/technician/orders?limit=20'),
    'me': ('customer', '/me'),
    }


class QueryCounter(logging.Handler):
    "Counts the statements trytond's PostgreSQL cursor logs at DEBUG."

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record):
        self.count += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-d', '--database', default='yx_bench_1m')
    parser.add_argument('--repeat', type=int, default=20)
    parser.add_argument('--case', nargs='+', choices=sorted(CASES),
        default=['my_orders', 'order_pool'])
    parser.add_argument('--top', type=int, default=25)
    args = parser.parse_args()

    use_postgresql(args.database)
    from werkzeug.test import Client

    from trytond.wsgi import app
    setup = prepare(args.database)
    tokens = {
        'customer': setup['tokens'][CUSTOMER_LOGIN],
        'technician': setup['tokens'][setup['technician_login']],
        }
    client = Client(app)
    sql_logger = logging.getLogger('trytond.backend.postgresql.database')
    counter = QueryCounter()

    for case in args.case:
        role, path = CASES[case]
        url = f'/{args.database}/api/v1{path}'
        headers = {'Authorization': f'Bearer {tokens[role]}'}
        response = client.get(url, headers=headers)  # warm the caches
        assert response.status_code == 200, response.get_data(as_text=True)
        times, queries = [], []
        profile = cProfile.Profile()
        sql_logger.addHandler(counter)
        sql_logger.setLevel(logging.DEBUG)
        try:
            for i in range(args.repeat):
                progress(case, i, args.repeat)
                counter.count = 0
                start = time.perf_counter()
                profile.enable()
                response = client.get(url, headers=headers)
                profile.disable()
                times.append(time.perf_counter() - start)
                queries.append(counter.count)
                assert response.status_code == 200, response.status
        finally:
            sql_logger.removeHandler(counter)
            sql_logger.setLevel(logging.WARNING)
        progress(case, args.repeat, args.repeat)
        print(f'## {case}: GET {path}')
        print(f'median {statistics.median(times) * 1000:.0f} ms, '
            f'{statistics.median(queries):.0f} SQL statements per request')
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats('cumulative').print_stats(args.top)
        print(out.getvalue().split('\n', 6)[-1])
        sys.stdout.flush()


if __name__ == '__main__':
    main()
