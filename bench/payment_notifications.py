#!/usr/bin/env python3
"""Benchmark of yuexing_payment: WeChat Pay notifications and receivable
ageing.

    .venv/bin/python bench/payment_notifications.py [--scale 1.0]
        [--backend sqlite|postgresql]

1. N notifications (scale × 400, 10 % of them duplicates) signed and
   encrypted by the fake WeChat Pay, each verified, decrypted and booked in
   its own transaction as the notification endpoint does: median and p95
   latency, bookings (must equal the distinct payments).
2. Receivable ageing (one SQL query) over scale × 50,000 open receivable
   lines of scale × 5,000 customers: median of 5 runs, by customer and by
   bill, for a page of the list (80 rows + count) and for all rows (the
   xlsx export).
The data is generated in bulk (SQL inserts); progress on stderr.
"""
import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from functools import partial

from common import progress


def handle(clients, headers, body):
    "Book one WeChat Pay notification; 1 when it booked a payment."
    from trytond.pool import Pool
    Payment = Pool().get('yuexing.payment')
    client = clients.wechatpay(with_notify=False)
    _, resource = client.parse_notification(headers, body)
    return Payment.handle_wechat_transaction(resource)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--scale', type=float, default=1.0)
    parser.add_argument('--backend', default='sqlite',
        choices=['sqlite', 'postgresql'])
    args = parser.parse_args()
    os.environ.setdefault('TRYTOND_DATABASE__LANGUAGE', 'en')
    os.environ.setdefault('DB_CACHE', os.path.join(tempfile.gettempdir(),
            'yx-bench-cache'))
    if args.backend == 'postgresql':
        os.environ['TRYTOND_DATABASE__URI'] = os.environ.get(
            'YUEXING_TEST_PG_URI', 'postgresql://postgres@127.0.0.1:5432/')
        os.environ['DB_NAME'] = 'yxbench_payment'
    else:
        os.environ['TRYTOND_DATABASE__URI'] = 'sqlite://'
        os.environ['DB_NAME'] = ':memory:'
    from trytond.modules.company.tests import set_company
    from trytond.modules.yuexing_base.locks import run_committed
    from trytond.modules.yuexing_payment.tests.fakes import FakeWeChatPay
    from trytond.modules.yuexing_payment.tests.tools import (
        bill_of,
        confirmed_order,
        payment_world,
    )
    from trytond.pool import Pool
    from trytond.tests.test_tryton import DB_NAME, activate_module
    from trytond.transaction import Transaction

    sys.stderr.write('activating the modules (cached after the first '
        'run)…\n')
    activate_module(['yuexing_payment'], lang='zh_CN')
    fake = FakeWeChatPay().start()
    n_notifications = max(10, int(400 * args.scale))
    distinct = int(n_notifications / 1.1)

    def world():
        company, resident, _, membrane, _ = payment_world(fake)
        pool = Pool()
        Payment = pool.get('yuexing.payment')
        with set_company(company):
            order = confirmed_order(resident, [(membrane, 1000)])
            bill = bill_of(order)
            # one bill, many small payments (each notified once or twice)
            payments = Payment.create([{'company': company.id,
                        'bill': bill.id, 'party': resident.id,
                        'channel': 'wechat_jsapi',
                        'amount': Decimal('1.00'), 'purpose': 'balance',
                        'state': 'pending'} for _ in range(distinct)])
            for payment in payments:
                fake.orders[payment.number] = {
                    'out_trade_no': payment.number, 'trade_type': 'JSAPI',
                    'total': 100, 'state': 'NOTPAY', 'openid': 'o-b',
                    'notify_url': 'x', 'refunded': 0}
        return company.id, [p.number for p in payments]

    # singletons and sequences lock at the transaction start
    company_id, numbers = run_committed(DB_NAME, 0, world)
    notifications = [fake.pay(number) for number in numbers]
    rng = random.Random(1)
    notifications += rng.sample(notifications, n_notifications - distinct)
    rng.shuffle(notifications)

    from trytond.modules.yuexing_payment import clients
    latencies = []
    booked = 0
    for index, (headers, body) in enumerate(notifications, 1):
        start = time.perf_counter()

        # the row lock is taken at the start (Tryton 8)
        booked += run_committed(DB_NAME, 0,
            partial(handle, clients, headers, body),
            context={'company': company_id})
        latencies.append(time.perf_counter() - start)
        if index % 20 == 0 or index == len(notifications):
            progress('notifications', index, len(notifications))
    latencies.sort()
    duplicates = len(notifications) - distinct
    print(f'notifications: {len(notifications)} ({duplicates} duplicates),'
        f' booked {booked} (expected {distinct})')
    print(f'  latency median {statistics.median(latencies) * 1000:.1f} ms, '
        f'p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.1f} ms')

    # ---- ageing ------------------------------------------------------------
    n_lines = int(50000 * args.scale)
    n_parties = max(10, int(5000 * args.scale))
    with Transaction().start(DB_NAME, 0, context={
                'company': company_id}) as transaction:
        pool = Pool()
        Party = pool.get('party.party')
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        Configuration = pool.get('yuexing.configuration')
        Period = pool.get('account.period')
        Account = pool.get('account.account')
        config = Configuration(1)
        receivable, = Account.search([('code', '=', '1122'),
                ('company', '=', company_id)])
        revenue = config.revenue_account
        journal = config.payment_journal
        cursor = transaction.connection.cursor()
        party_table = Party.__table__()
        cursor.execute(*party_table.insert([party_table.name,
                    party_table.customer_type, party_table.active],
                [[f'客户{i:05d}', 'individual', True]
                    for i in range(n_parties)]))
        parties = [p.id for p in Party.search(
                [('name', 'like', '客户%')], order=[('id', 'ASC')])]
        today = Pool().get('ir.date').today()
        period = Period.find(company_id, date=today)
        move_table, line_table = Move.__table__(), Line.__table__()
        chunk = 5000
        for done in range(0, n_lines, chunk):
            size = min(chunk, n_lines - done)
            cursor.execute(*move_table.insert([move_table.company,
                        move_table.journal, move_table.period,
                        move_table.date, move_table.state,
                        move_table.number],
                    [[company_id, journal.id, period.id, today, 'posted',
                            f'B{done + i}'] for i in range(size)]))
            cursor.execute(*move_table.select(move_table.id,
                    where=move_table.number.like('B%'),
                    order_by=[move_table.id.desc], limit=size))
            move_ids = sorted(r[0] for r in cursor)
            rows = []
            for move_id in move_ids:
                amount = Decimal(rng.randrange(100, 50000)) / 10
                due = today - dt.timedelta(days=rng.randrange(-10, 150))
                rows.append([move_id, receivable.id, rng.choice(parties),
                        amount, Decimal(0), due])
                rows.append([move_id, revenue.id, None, Decimal(0), amount,
                        None])
            cursor.execute(*line_table.insert([line_table.move,
                        line_table.account, line_table.party,
                        line_table.debit, line_table.credit,
                        line_table.maturity_date], rows))
            progress('receivable lines', done + size, n_lines)
        transaction.commit()
    # As the back office shows it (a page of 80 rows and the total count)
    # and as the xlsx export reads it (every row).
    fields = ['balance', 'bucket_30', 'bucket_60', 'bucket_90',
        'bucket_90_plus']
    timings = []
    for model in ['yuexing.receivable.ageing',
            'yuexing.receivable.ageing.bill']:
        for label, limit in [('page of 80 + count', 80), ('all rows', None)]:
            runs = []
            for _ in range(5):
                with Transaction().start(DB_NAME, 0, context={
                            'company': company_id, 'date': today}):
                    Ageing = Pool().get(model)
                    start = time.perf_counter()
                    rows = Ageing.search_read([], limit=limit,
                        fields_names=fields)
                    total = Ageing.search_count([])
                    runs.append(time.perf_counter() - start)
            timings.append((model, label, statistics.median(runs),
                    len(rows), total))
    for model, label, median, count, total in timings:
        print(f'{model} ({label}): {count} of {total} rows over {n_lines} '
            f'lines, median {median * 1000:.0f} ms')
    fake.stop()


if __name__ == '__main__':
    main()
