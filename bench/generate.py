#!/usr/bin/env python3
"""Generate a PostgreSQL database of work orders for the benchmarks.

    .venv/bin/python bench/generate.py [-d yx_bench_1m] [--orders 1000000]
        [--customers 20000] [--technicians 300] [--reuse]

1. creates the database with all our modules and the company
   (scripts/manage.py initdb, as the README does);
2. through the ORM: the customers (each with an address and geo point in a
   Shanghai district), the technicians (skills, certificates, service
   region, base point, a 师傅端 log-in each) and the bench users;
3. with set-based SQL (INSERT … SELECT generate_series): the orders spread
   over --years, most done or archived, a few thousand open (recent), a
   grab pool; their quotes (1 a priced order, 2 lines each), state log rows
   (submitted, last change) and required skills by leak site; the
   numbering sequences are moved past the numbers used;
4. ANALYZE, and a comment on the database that --reuse checks.

Progress goes to stderr.
"""
import argparse
import datetime as dt
import random
import sys
import time

from common import (
    BENCH_PASSWORD,
    PG_URI,
    create_bench_users,
    create_customers,
    create_technicians,
    open_pool,
    progress,
    psql_connect,
    technician_login,
    use_postgresql,
)

MARKER = 'yuexing bench data'
# Comment of a database whose modules are installed but holds no data yet.
SCHEMA_MARKER = 'yuexing bench schema'
# … and the customers, technicians and users made through the ORM.
BASE_MARKER = 'yuexing bench base records'
# Share of the orders of the last --recent-days that are still open, and the
# mix of their states (weights out of 100).
OPEN_STATES = [('submitted', 15), ('surveying', 8), ('quoted', 12),
    ('confirmed', 18), ('on_hold', 3), ('dispatched', 10), ('accepted', 10),
    ('on_site', 14), ('to_accept', 10)]
ASSIGNED = {'dispatched', 'accepted', 'on_site', 'to_accept', 'done',
    'closed'}
PRICED = ASSIGNED | {'quoted', 'confirmed'}
POOL_SHARE = 0.1  # of the confirmed orders, published to the grab pool
CANCELLED_SHARE = 0.03


def weighted(pairs):
    "A 100-entry array for picking with floor(random() * 100)."
    total = sum(w for _, w in pairs)
    out = []
    for value, weight in pairs:
        out += [value] * round(100 * weight / total)
    return (out + [pairs[0][0]] * 100)[:100]


def database_comment(database):
    with psql_connect('postgres') as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = %s", (database,)).fetchone()
    return None if row is None else (row[0] or '')


def comment_database(database, comment):
    with psql_connect('postgres') as conn:
        conn.execute(f'COMMENT ON DATABASE "{database}" IS '
            + "'" + comment.replace("'", "''") + "'")


def drop_database(database):
    with psql_connect('postgres') as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def base_records(database, args, rng, create=True):
    """Customers, technicians, users and settings through the ORM (unless
    create is false: made by an earlier run); returns what the SQL part
    needs."""
    from trytond.transaction import Transaction
    pool = open_pool(database)
    Company = pool.get('company.company')
    Employee = pool.get('company.employee')
    User = pool.get('res.user')
    Configuration = pool.get('yuexing.configuration')
    context = {'language': 'zh_CN'}
    names = ['work_order', 'quote']
    if create:
        # The settings first, on their own: the first save of a singleton
        # locks its table.
        with Transaction().start(database, 0, context=context,
                _lock_tables=[Configuration._table]) as transaction:
            config = Configuration(1)
            # The load is one client address and one token per role: lift
            # the per-minute limits so that the benchmark measures work, not
            # 429s (the counters are still written on every request).
            config.rate_default_ip = 10 ** 9
            config.rate_default_token = 10 ** 9
            config.save()
            for name in names:
                # Move the numbering past the bulk orders and quotes.
                sequence = config.get_sequence(name)
                sequence.number_next = sequence.number_next + args.orders
                sequence.save()
            transaction.commit()
    with Transaction().start(database, 0, context=context) as transaction:
        company, = Company.search([], limit=1)
        if create:
            # nc_sync: no 用友NC push task queued for each new customer.
            with transaction.set_context(company=company.id, nc_sync=False):
                parties, _ = create_customers(args.customers, rng)
                create_technicians(
                    company, args.technicians, rng, users=True)
                create_bench_users(company, parties[0])
                User.write(User.search(
                        [('login', '=', technician_login(0))]),
                    {'password': BENCH_PASSWORD})
            transaction.commit()
        config = Configuration(1)
        return {'company': company.id,
            'technicians': [e.id for e in Employee.search(
                    [('is_technician', '=', True)], order=[('id', 'ASC')])],
            'numbers': {name: config.get_sequence(name).number_next
                - args.orders for name in names}}


def bulk_orders(database, args, base):
    """The orders and their dependent rows, in chunks (one transaction
    each, progress after each)."""
    from trytond.modules.yuexing_workorder.demo import SITE_WEIGHTS, SYMPTOMS
    from trytond.modules.yuexing_workorder.work_order import WorkOrder
    sites = weighted(SITE_WEIGHTS)
    descriptions = [SYMPTOMS[s][0] for s in sites]
    open_states = weighted(OPEN_STATES)
    now = dt.datetime.now().replace(microsecond=0)
    span = dt.timedelta(days=365 * args.years)
    with psql_connect(database) as conn:
        conn.execute('SELECT setseed(%s)', (args.seed % 1000 / 1000,))
        conn.execute('''CREATE TEMP TABLE bench_customer AS
            SELECT row_number() OVER (ORDER BY p.id) - 1 AS idx,
                p.id AS party, p.name, a.id AS address, a.district
            FROM party_party p
            JOIN LATERAL (SELECT id, district FROM party_address
                WHERE party = p.id ORDER BY id LIMIT 1) a ON TRUE
            WHERE p.customer_type IS NOT NULL''')
        n_customers, = conn.execute(
            'SELECT count(*) FROM bench_customer').fetchone()
        conn.execute('CREATE INDEX ON bench_customer (idx)')
        unit, = conn.execute("SELECT db_id FROM ir_model_data WHERE"
            " module = 'product' AND fs_id = 'uom_unit'").fetchone()
        channel = conn.execute("SELECT id FROM yuexing_channel"
            " WHERE code = 'mini_program'").fetchone()
        skills = dict(conn.execute('SELECT code, id FROM yuexing_skill'))
        base_order, = conn.execute(
            'SELECT COALESCE(MAX(id), 0) FROM yuexing_work_order').fetchone()
        base_quote, = conn.execute(
            'SELECT COALESCE(MAX(id), 0) FROM yuexing_quote').fetchone()
        params = {
            'company': base['company'], 'channel': channel and channel[0],
            'technicians': base['technicians'],
            'n_tech': len(base['technicians']), 'n_cust': n_customers,
            'sites': sites, 'descriptions': descriptions,
            'open_states': open_states, 'start': now - span,
            'span': span.total_seconds(), 'n': args.orders,
            'recent': args.orders - int(
                args.orders * args.recent_days / span.days),
            'open_share': args.open / max(1, int(
                    args.orders * args.recent_days / span.days)),
            'done_after': args.orders - int(args.orders * 30 / span.days),
            'cancelled': CANCELLED_SHARE, 'pool_share': POOL_SHARE,
            'assigned': sorted(ASSIGNED), 'priced': sorted(PRICED),
            'base_order': base_order, 'base_quote': base_quote,
            'order_number': base['numbers']['work_order'],
            'quote_number': base['numbers']['quote'], 'unit': unit,
            'now': now,
            }
        # No foreign-key triggers while loading: orders point to their
        # quotes and quotes to their orders, ids are given in both.
        conn.execute("SET session_replication_role = replica")
        done = 0
        started = time.monotonic()
        # One transaction: a failed run leaves no orders behind.
        with conn.transaction():
            while done < args.orders:
                size = min(args.chunk, args.orders - done)
                insert_chunk(conn, params, done + 1, done + size)
                done += size
                progress('orders (SQL)', done, args.orders)
            conn.execute("SET session_replication_role = DEFAULT")
            progress('required skills', 0, 1)
            skill_rows(conn, params, skills, WorkOrder.skill_codes_for)
            progress('required skills', 1, 1)
            for table in ['yuexing_work_order', 'yuexing_quote']:
                conn.execute(f"SELECT setval(pg_get_serial_sequence("
                    f"'{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        print(f"{args.orders} orders in {time.monotonic() - started:.0f} s",
            file=sys.stderr)
        progress('analyze', 0, 1)
        conn.execute('ANALYZE')
        progress('analyze', 1, 1)
        counts = dict(conn.execute('SELECT state, count(*) FROM'
                ' yuexing_work_order GROUP BY state ORDER BY 2 DESC'))
        pool_size, = conn.execute('SELECT count(*) FROM yuexing_work_order'
            ' WHERE pool_open').fetchone()
    return counts, pool_size


ORDER_SQL = '''
INSERT INTO yuexing_work_order (id, number, company, type, channel,
    customer, address, district, leak_site, description, quantity, severity,
    material_grade, priority, state, technician, quote, pool_open,
    pool_opened_at, escalated, quote_requested, submitted_at, responded_at,
    arrived_at, completed_at, closed_at, response_deadline, arrival_deadline,
    completion_deadline, response_minutes, completion_duration,
    response_breached, arrival_breached, completion_breached, sla_state,
    estimate_min, estimate_max, contact_name, contact_phone, create_uid,
    create_date)
SELECT %(base_order)s + g,
    'GD' || to_char(created, 'YYYYMM')
        || lpad((%(order_number)s + g - 1)::text, 5, '0'),
    %(company)s, 'c_repair', %(channel)s::int, c.party, c.address, c.district,
    (%(sites)s::text[])[site], (%(descriptions)s::text[])[site],
    (ARRAY[4, 6, 10, 15, 20, 30])[1 + floor(r3 * 6)::int],
    (ARRAY['light', 'moderate', 'moderate', 'severe'])[1 + (g %% 4)],
    'standard', (ARRAY['normal', 'normal', 'normal', 'high', 'urgent'])[
        1 + (g %% 5)],
    state,
    CASE WHEN state = ANY(%(assigned)s) THEN
        (%(technicians)s::int[])[1 + floor(r4 * %(n_tech)s)::int] END,
    CASE WHEN state = ANY(%(priced)s) THEN %(base_quote)s + g END,
    pool, CASE WHEN pool THEN created + interval '2 hours' END,
    FALSE, FALSE, created,
    CASE WHEN state NOT IN ('submitted', 'cancelled')
        THEN created + interval '1 minute' * (10 + floor(r5 * 110)) END,
    CASE WHEN state IN ('on_site', 'to_accept', 'done', 'closed')
        THEN created + interval '1 hour' * (4 + floor(r5 * 40)) END,
    CASE WHEN state IN ('done', 'closed')
        THEN created + interval '1 hour' * (24 + floor(r3 * 60)) END,
    CASE WHEN state = 'closed'
        THEN created + interval '1 day' * (10 + floor(r5 * 20)) END,
    created + interval '2 hours', created + interval '1 day',
    created + interval '3 days',
    CASE WHEN state NOT IN ('submitted', 'cancelled')
        THEN 10 + floor(r5 * 110) END,
    CASE WHEN state IN ('done', 'closed') THEN 24 + floor(r3 * 60) END,
    state NOT IN ('submitted', 'cancelled') AND r5 > 0.9, FALSE,
    state IN ('done', 'closed') AND r3 > 0.8,
    CASE WHEN state IN ('done', 'closed')
        THEN CASE WHEN r3 > 0.8 THEN 'breached' ELSE 'ok' END
    WHEN state = 'cancelled' THEN 'ok'
    WHEN created < %(now)s - interval '3 days' THEN 'breached'
    WHEN created < %(now)s - interval '2 days' THEN 'warning'
    ELSE 'ok' END,
    300 + 50 * floor(r3 * 90), (300 + 50 * floor(r3 * 90)) * 1.8,
    c.name, '138' || lpad((g %% 100000000)::text, 8, '0'), 0, created
FROM (
    SELECT g, created, r3, r4, r5, site, cust,
        state = 'confirmed' AND r5 < %(pool_share)s AS pool, state
    FROM (
        SELECT g, created, r1, r3, r4, r5, site, cust,
            CASE WHEN g > %(recent)s AND r1 < %(open_share)s
                THEN (%(open_states)s::text[])[1 + floor(r2 * 100)::int]
            WHEN r2 < %(cancelled)s THEN 'cancelled'
            WHEN g > %(done_after)s THEN 'done'
            ELSE 'closed' END AS state
        FROM (
            SELECT g, %(start)s + interval '1 second'
                    * (%(span)s * g / %(n)s - random() * 600) AS created,
                random() AS r1, random() AS r2, random() AS r3,
                random() AS r4, random() AS r5,
                1 + floor(random() * 100)::int AS site,
                floor(random() * %(n_cust)s)::int AS cust
            FROM generate_series(%(lo)s::int, %(hi)s::int) AS g) AS raw
        ) AS stated
    ) AS o
JOIN bench_customer c ON c.idx = o.cust
'''
QUOTE_SQL = '''
INSERT INTO yuexing_quote (id, number, work_order, version, vat_rate, state,
    valid_until, sent_at, confirmed_at, confirmed_by, confirm_channel,
    create_uid, create_date)
SELECT w.quote,
    'BJ' || to_char(w.create_date, 'YYYY')
        || lpad((%(quote_number)s + w.id - %(base_order)s - 1)::text, 5, '0'),
    w.id, 1, 0.09, CASE WHEN w.state = 'quoted' THEN 'sent'
        ELSE 'confirmed' END,
    (w.create_date + interval '15 days')::date,
    w.responded_at, CASE WHEN w.state <> 'quoted'
        THEN w.responded_at + interval '3 hours' END,
    CASE WHEN w.state <> 'quoted' THEN w.contact_name END,
    CASE WHEN w.state <> 'quoted' THEN 'mini_program' END,
    0, w.responded_at
FROM yuexing_work_order w
WHERE w.id BETWEEN %(base_order)s + %(lo)s AND %(base_order)s + %(hi)s
    AND w.quote IS NOT NULL
'''
LINE_SQL = '''
INSERT INTO yuexing_quote_line (quote, sequence, kind, description,
    quantity, unit, unit_cost, unit_price, create_uid, create_date)
SELECT q.id, k.seq, k.kind, k.description,
    CASE WHEN k.kind = 'service' THEN w.quantity ELSE 4 + (q.id %% 5) END,
    %(unit)s, k.cost, k.price, 0, q.create_date
FROM yuexing_quote q
JOIN yuexing_work_order w ON w.id = q.work_order
CROSS JOIN (VALUES
    (1, 'service', '防水维修（按面积）', 45.00, 120.00),
    (2, 'labour', '人工', 150.00, 260.00)) AS k(seq, kind, description,
        cost, price)
WHERE q.id BETWEEN %(base_quote)s + %(lo)s AND %(base_quote)s + %(hi)s
'''
LOG_SQL = '''
INSERT INTO yuexing_work_order_log (work_order, date, "user", from_state,
    to_state, create_uid, create_date)
SELECT w.id, w.create_date, 0, 'draft', 'submitted', 0, w.create_date
FROM yuexing_work_order w
WHERE w.id BETWEEN %(base_order)s + %(lo)s AND %(base_order)s + %(hi)s
UNION ALL
SELECT w.id, t.at, 0, t.before, w.state, 0, t.at
FROM yuexing_work_order w
CROSS JOIN LATERAL (SELECT COALESCE(w.closed_at, w.completed_at,
        w.arrived_at, w.responded_at, w.create_date + interval '1 hour')
        AS at,
    CASE w.state WHEN 'closed' THEN 'done' WHEN 'done' THEN 'to_accept'
        WHEN 'to_accept' THEN 'on_site' WHEN 'on_site' THEN 'accepted'
        WHEN 'accepted' THEN 'dispatched' WHEN 'dispatched' THEN 'confirmed'
        WHEN 'confirmed' THEN 'quoted' WHEN 'quoted' THEN 'submitted'
        WHEN 'surveying' THEN 'submitted' ELSE 'submitted' END AS before
    ) AS t
WHERE w.id BETWEEN %(base_order)s + %(lo)s AND %(base_order)s + %(hi)s
    AND w.state <> 'submitted'
'''


def insert_chunk(conn, params, lo, hi):
    values = dict(params, lo=lo, hi=hi)
    for sql in [ORDER_SQL, QUOTE_SQL, LINE_SQL, LOG_SQL]:
        conn.execute(sql, values)


def skill_rows(conn, params, skills, codes_for):
    "Required skills of the orders, by leak site (as the API sets them)."
    for site in set(params['sites']):
        ids = [skills[c] for c in codes_for(site) if c in skills]
        for skill in ids:
            conn.execute('''INSERT INTO "yuexing_work_order-yuexing_skill"
                (work_order, skill, create_uid, create_date)
                SELECT id, %s, 0, create_date FROM yuexing_work_order
                WHERE leak_site = %s AND id > %s''',
                (skill, site, params['base_order']))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('-d', '--database', default='yx_bench_1m')
    parser.add_argument('--orders', type=int, default=1_000_000)
    parser.add_argument('--customers', type=int, default=20_000)
    parser.add_argument('--technicians', type=int, default=300)
    parser.add_argument('--years', type=int, default=2)
    parser.add_argument('--open', type=int, default=2500,
        help="about how many orders are still open")
    parser.add_argument('--recent-days', type=int, default=15,
        help="the open orders are among the orders of these last days")
    parser.add_argument('--chunk', type=int, default=50_000)
    parser.add_argument('--seed', type=int, default=20261125)
    parser.add_argument('--reuse', action='store_true',
        help="keep the database if it was generated already (or resume"
        " after the modules or the base records)")
    args = parser.parse_args(argv)
    marker = (f'{MARKER}: {args.orders} orders, {args.customers} customers,'
        f' {args.technicians} technicians, seed {args.seed}')

    manage = use_postgresql()
    comment = database_comment(args.database)
    if args.reuse and comment == marker:
        print(f"{args.database}: {marker} (reused)", file=sys.stderr)
        return
    started = time.monotonic()
    if not (args.reuse and comment in {SCHEMA_MARKER, BASE_MARKER}):
        if comment is not None:
            print(f"dropping {args.database} ({comment or 'no bench data'})",
                file=sys.stderr)
            drop_database(args.database)
        # Modules, company and regions as the README's `manage.py initdb`.
        manage.STATE.mkdir(parents=True, exist_ok=True)
        (manage.STATE / f'{args.database}.stamp').unlink(missing_ok=True)
        manage.main(['initdb', '-d', args.database])
        comment_database(args.database, SCHEMA_MARKER)
        print(f"database ready in {time.monotonic() - started:.0f} s",
            file=sys.stderr)
    rng = random.Random(args.seed)
    reused = args.reuse and comment == BASE_MARKER
    base = base_records(args.database, args, rng, create=not reused)
    comment_database(args.database, BASE_MARKER)
    print(f"base records in {time.monotonic() - started:.0f} s",
        file=sys.stderr)
    counts, pool_size = bulk_orders(args.database, args, base)
    comment_database(args.database, marker)
    print(f"{args.database} on {PG_URI}: {marker}; generated in"
        f" {time.monotonic() - started:.0f} s", file=sys.stderr)
    print('states: ' + ', '.join(f'{s} {n}' for s, n in counts.items())
        + f'; grab pool {pool_size}', file=sys.stderr)


if __name__ == '__main__':
    main()
