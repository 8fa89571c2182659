"""A fake 用友NC for the demo database, to show a rejected voucher in the web
client (tests/browser/nc_rejected.mjs).

A developer tool run by hand (not part of `make test`), with the
environment of the demo server (see tests/browser/walkthrough.mjs), before
trytond is started or while it runs:

    export TRYTOND_DATABASE__PATH=$PWD/var/walk \\
        YUEXING_STATE_DIR=$PWD/var/walk TRYTOND_DATABASE_NAMES=yx_walk \\
        TRYTOND_WEB__LISTEN=127.0.0.1:8010 \\
        TRYTOND_WEB__ROOT=$PWD/node_modules/tryton-sao
    .venv/bin/python tests/browser/nc_demo_fake.py [-d yx_walk] [--port 8099] &

It starts the fake XChange servlet of the connector's tests
(addons/yuexing_nc_connector/tests/fakes/nc.py) on 127.0.0.1:<port> with a
chart of NC subjects that knows every account code of the demo company
except --missing (default 101201 微信支付) and knows --nc-code instead
(default 100201), then, in the database:

- sets the NC URL (配置 › NC对接) to the fake;
- removes the 科目映射 rules of the missing account and puts the vouchers
  on it that an earlier run got accepted back to pending (logged in their
  history as 演示重置): each run starts from the broken mapping that finance
  has to fix;
- pushes the due vouchers (the cron `push_due`): those on the missing
  subject are rejected by NC (会计科目 101201 不存在或已停用), the others
  accepted.

Then it keeps serving (the web client's 发送到NC pushes through it: without
a queue worker trytond runs the task at the end of the request) until
stopped (Ctrl+C or kill <pid>). The fake's vouchers live in memory only.
"""
import argparse
import os
import signal
import sys
import threading
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault('TRYTOND_CONFIG', str(ROOT / 'config' / 'trytond.conf'))


def fake_nc(subjects, port):
    "FakeNC of the tests, listening on a fixed port."
    from trytond.modules.yuexing_nc_connector.tests.fakes.nc import FakeNC
    fake = FakeNC(subjects=subjects)
    handler = fake.server.RequestHandlerClass
    fake.server.server_close()
    fake.server = ThreadingHTTPServer(('127.0.0.1', port), handler)
    fake.server.daemon_threads = True
    return fake.start()


def configure(pool, fake, args):
    """NC URL on the fake, no rule for the missing account, due vouchers
    pushed: what was done (lines to print)."""
    notes = []
    Configuration = pool.get('yuexing.configuration')
    SubjectMap = pool.get('yuexing.nc.subject_map')
    Voucher = pool.get('yuexing.nc.voucher')
    config = Configuration(1)
    config.nc_url = fake.url
    config.save()
    rules = SubjectMap.search([
            ('account.code', '=', args.missing),
            ('active', 'in', [True, False]),
            ])
    if rules:
        SubjectMap.delete(rules)
        notes.append(f'removed {len(rules)} 科目映射 of {args.missing}')
    # Vouchers on the missing subject that an earlier run got accepted go
    # back to pending (logged), so that NC rejects them again below.
    accepted = Voucher.search([
            ('state', '=', 'accepted'),
            ('move.lines.account.code', '=', args.missing),
            ])
    if accepted:
        Voucher.write(accepted, {'state': 'pending', 'nc_number': None,
                'accepted_at': None, 'attempts': 0, 'answer': None,
                'next_attempt_at': None})
        Voucher.log_state(accepted, 'accepted', 'pending',
            '演示重置（tests/browser/nc_demo_fake.py）')
        notes.append(
            f'reset {len(accepted)} accepted vouchers on {args.missing}')
    Voucher.push_due()
    return notes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-d', '--database', default='yx_walk')
    parser.add_argument('--port', type=int, default=8099)
    parser.add_argument('--missing', default='101201',
        help="account code unknown to NC (default: 101201)")
    parser.add_argument('--nc-code', default='100201',
        help="NC subject to map it to, known to NC (default: 100201)")
    args = parser.parse_args()

    from trytond import config
    config.update_etc(os.environ['TRYTOND_CONFIG'])
    from trytond.modules.yuexing_base.locks import run_committed
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(args.database)
    pool.init()

    with Transaction().start(args.database, 0,
            context={'language': 'zh_CN'}) as transaction:
        Account = pool.get('account.account')
        codes = {a.code for a in Account.search([('code', '!=', None)])}
        transaction.rollback()
    if args.missing not in codes:
        sys.exit(f'no account {args.missing} in {args.database}')
    fake = fake_nc((codes - {args.missing}) | {args.nc_code}, args.port)
    print(f'fake NC: {fake.url} (no subject {args.missing}, '
        f'knows {args.nc_code})', flush=True)

    # records locked by push: retried as trytond does
    notes = run_committed(args.database, 0,
        partial(configure, pool, fake, args), context={'language': 'zh_CN'})
    for note in notes:
        print(note)

    with Transaction().start(args.database, 0,
            context={'language': 'zh_CN'}) as transaction:
        Voucher = pool.get('yuexing.nc.voucher')
        counts = {}
        for voucher in Voucher.search([]):
            counts[voucher.state] = counts.get(voucher.state, 0) + 1
        print('vouchers:', ', '.join(
                f'{k} {v}' for k, v in sorted(counts.items())))
        for voucher in Voucher.search(
                [('state', '=', 'rejected')], limit=3):
            print(f'  rejected {voucher.document_id}: {voucher.error}')
        transaction.rollback()
    print(f'serving on 127.0.0.1:{args.port}, pid {os.getpid()}; '
        'Ctrl+C to stop', flush=True)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    reported = 0
    while not stop.wait(1):
        if fake.requests != reported:
            reported = fake.requests
            print(f'NC requests: {reported}, vouchers in NC: '
                f'{len(fake.vouchers)}', flush=True)
    fake.stop()


if __name__ == '__main__':
    main()
