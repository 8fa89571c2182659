#!/usr/bin/env python3
"""NC voucher benchmark.

1. Generation + XML rendering of business events (default 100,000): each
   event (revenue with 9 % VAT, WeChat/Alipay receipt, refund, material
   issue, labour, carry-over, payroll) becomes the entries our bookings
   produce, with auxiliary accounting, then the XChange ``vouchergl``
   document. Reports the per-event median and the throughput.
2. Push throughput against the fake NC XChange with 5 % injected failures
   (2.5 % business errors, 2.5 % stored by NC but the answer lost — the
   retry must not create a second voucher): every voucher is retried until
   accepted; reports vouchers/s, attempts and checks zero duplicates (NC
   created each document id once).

    .venv/bin/python bench/nc_vouchers.py [--scale 1.0] [--push 2000]
"""
import argparse
import datetime as dt
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import requests
from tqdm import tqdm

from trytond.modules.yuexing_nc_connector import xchange
from trytond.modules.yuexing_nc_connector.tests.fakes import FakeNC

CENT = Decimal('0.01')
EVENTS = ['revenue', 'receipt', 'receipt_alipay', 'refund', 'material',
    'labour', 'carryover', 'payroll']


def generate(rng, index):
    "One business event as (kind, amount, customer, order, technician)."
    kind = EVENTS[index % len(EVENTS)]
    amount = (Decimal(rng.randint(20000, 2000000)) / 100).quantize(CENT)
    return (kind, amount, 'KH%06d' % rng.randint(1, 300),
        'GD%08d' % (index // 4), 'RY%04d' % rng.randint(1, 48))


def entries(event):
    kind, amount, customer, order, person = event
    E = xchange.Entry
    party = [('客商', customer)]
    project = [('项目', order)]
    if kind == 'revenue':
        tax = (amount * Decimal('0.09')).quantize(CENT)
        return [E('维修收入 ' + order, '1122', debit=amount + tax, aux=party),
            E('维修收入 ' + order, '6001', credit=amount, aux=project),
            E('销项税额', '22210102', credit=tax)]
    if kind in {'receipt', 'receipt_alipay'}:
        cash = '101201' if kind == 'receipt' else '101202'
        return [E('收款 ' + order, cash, debit=amount),
            E('收款 ' + order, '1122', credit=amount, aux=party)]
    if kind == 'refund':
        return [E('退款 ' + order, '1122', debit=amount, aux=party),
            E('退款 ' + order, '101201', credit=amount)]
    if kind == 'material':
        return [E('材料领用 ' + order, '540101', debit=amount,
                aux=project + [('部门', 'D01')]),
            E('材料领用 ' + order, '1403', credit=amount)]
    if kind == 'labour':
        return [E('人工成本 ' + order, '540102', debit=amount,
                aux=project + [('人员', person)]),
            E('人工成本 ' + order, '2211', credit=amount)]
    if kind == 'carryover':
        half = (amount / 2).quantize(CENT)
        return [E('成本结转 ' + order, '6401', debit=amount, aux=project),
            E('成本结转 ' + order, '540101', credit=half, aux=project),
            E('成本结转 ' + order, '540102', credit=amount - half,
                aux=project)]
    tax = (amount * Decimal('0.03')).quantize(CENT)
    social = (amount * Decimal('0.105')).quantize(CENT)
    return [E('计提工资', '540102', debit=amount),
        E('计提工资', '222102', credit=tax),
        E('计提工资', '224101', credit=social),
        E('计提工资', '2211', credit=amount - tax - social)]


def document(index, event, date):
    return xchange.VoucherDoc(
        document_id='YX1-%d' % index, book='0101-0001', org='0101',
        voucher_type='记', date=date, preparer='yuexing',
        entries=entries(event))


def bench_render(count, seed):
    rng = random.Random(seed)
    env = xchange.Envelope(receiver='0101')
    date = dt.date.today()
    timings = []
    size = 0
    started = time.perf_counter()
    for index in tqdm(range(count), desc="生成+渲染", unit="笔",
            mininterval=1, file=sys.stderr):
        t0 = time.perf_counter()
        doc = document(index, generate(rng, index), date)
        assert doc.debit == doc.credit
        size += len(xchange.render_voucher(env, doc))
        timings.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    return {
        'events': count,
        'median_us': statistics.median(timings) * 1e6,
        'p95_us': sorted(timings)[int(len(timings) * 0.95)] * 1e6,
        'per_second': count / elapsed,
        'avg_bytes': size / count,
        }


def bench_push(count, seed, workers=8):
    rng = random.Random(seed)
    env = xchange.Envelope(receiver='0101')
    date = dt.date.today()
    docs = [document(i, generate(rng, i), date) for i in range(count)]
    pending = {d.document_id: xchange.render_voucher(env, d) for d in docs}
    attempts = 0
    numbers = {}
    with FakeNC(failure_rate=0.025, lost_rate=0.025, seed=seed) as nc:
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=workers)
        session.mount('http://', adapter)

        def push(item):
            document_id, data = item
            try:
                return document_id, xchange.post(nc.url, data, timeout=10,
                    session=session)
            except xchange.XChangeError:
                return document_id, None
        started = time.perf_counter()
        rounds = 0
        with ThreadPoolExecutor(workers) as executor:
            while pending:
                rounds += 1
                attempts += len(pending)
                for document_id, result in executor.map(
                        push, list(pending.items())):
                    if result is not None and result.ok:
                        numbers[document_id] = result.content
                        del pending[document_id]
        elapsed = time.perf_counter() - started
        duplicates = nc.duplicates
        stored = len(nc.vouchers)
    return {
        'vouchers': count, 'accepted': len(numbers), 'stored_in_nc': stored,
        'attempts': attempts, 'rounds': rounds,
        'duplicates': len(duplicates), 'per_second': count / elapsed,
        'seconds': elapsed,
        }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', type=float, default=1.0,
        help="events = 100,000 × scale")
    parser.add_argument('--push', type=int, default=2000,
        help="vouchers pushed to the fake NC")
    parser.add_argument('--seed', type=int, default=20261125)
    args = parser.parse_args(argv)
    render = bench_render(int(100_000 * args.scale), args.seed)
    print("生成+渲染: %(events)d 笔业务, 中位数 %(median_us).0f µs/笔, "
        "P95 %(p95_us).0f µs, %(per_second).0f 笔/秒, "
        "平均 %(avg_bytes).0f 字节" % render)
    push = bench_push(args.push, args.seed)
    print("推送(5%% 注入失败): %(vouchers)d 张, 已接收 %(accepted)d, "
        "NC中 %(stored_in_nc)d, 尝试 %(attempts)d 次 (%(rounds)d 轮), "
        "重复 %(duplicates)d, %(per_second).0f 张/秒" % push)
    ok = (push['accepted'] == push['vouchers'] == push['stored_in_nc']
        and push['duplicates'] == 0)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
