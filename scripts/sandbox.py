#!/usr/bin/env python3
"""The sandbox of `make run`: local stand-ins of WeChat (code2Session, phone
number, subscribe messages), WeChat Pay v3, Alipay, Aliyun SMS and Yonyou NC
XChange — the protocol fakes of the tests, speaking the real wire formats —
with the demo database configured to use them, and a console page (and its
JSON) to see the SMS codes, pay the pending payments and follow what was
sent.

    scripts/sandbox.py [-d yuexing] [--port 8001] [--server URL]

It refuses to start on a production server, on a database without demo data
or when real credentials are configured (yuexing_base.sandbox).

In the sandbox:
- WeChat log-in: `code` = "demo-<anything>" (reusable); "demo-cduan" is the
  demo resident 黄女士, any other suffix a new resident.
- Phone binding with WeChat: `code` = "phone-13800138000".
- SMS codes: on the console page and GET /api/sms?phone=138…
- Paying: POST /api/pay {"out_trade_no": "<payment number>"}; WeChat Pay or
  Alipay then sends its signed notification to the server.
"""
import argparse
import html
import itertools
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_CODE = 'demo-'
PHONE_CODE = 'phone-'
APP_ID = 'wx-sandbox-appid'


class _Everything:
    "A set holding every value: the sandbox accepts every template id."
    def __contains__(self, value):
        return True

    def add(self, value):
        pass


def stand_ins():
    """The fakes of the tests, started, with the sandbox's conventions:
    (wechat, wechatpay, alipay, sms, nc)."""
    from trytond.modules.yuexing_base.tests.fakes import (
        FakeAliyunSms,
        FakeWeChat,
    )
    from trytond.modules.yuexing_nc_connector.tests.fakes import FakeNC
    from trytond.modules.yuexing_payment.tests.fakes import (
        FakeAlipay,
        FakeWeChatPay,
    )

    class SandboxWeChat(FakeWeChat):
        def _code2session(self, query):
            code = query.get('js_code', '')
            if code.startswith(DEMO_CODE) and len(code) > len(DEMO_CODE):
                # demo codes are reusable, unlike WeChat's
                self.used_codes.discard(code)
                self.login_codes[code] = (
                    'sandbox-' + code[len(DEMO_CODE):], None)
            return super()._code2session(query)

        def _phone(self, query, body):
            data = self._json(body) or {}
            code = data.get('code', '') if isinstance(data, dict) else ''
            digits = code[len(PHONE_CODE):]
            if code.startswith(PHONE_CODE) and digits.isdigit():
                self.used_codes.discard(code)
                self.phone_codes[code] = digits
            return super()._phone(query, body)

    wechat = SandboxWeChat(appid=APP_ID, secret='sandbox-secret')
    wechat.templates = _Everything()
    sms = FakeAliyunSms(access_key_id='LTAI-sandbox',
        access_key_secret='sandbox-secret')
    sms.templates = _Everything()
    wechatpay = FakeWeChatPay(mch_id='1900000109', app_id=APP_ID)
    alipay = FakeAlipay()
    # the platforms' transaction numbers must not repeat those a previous
    # sandbox gave (the database keeps them, unique): start from the clock
    start = time.time_ns() // 1000
    wechatpay._ids = itertools.count(start)
    alipay._ids = itertools.count(start % 10 ** 15)
    nc = FakeNC()
    return tuple(f.start() for f in (wechat, wechatpay, alipay, sms, nc))


def configuration_values(wechat, wechatpay, alipay, sms, nc, server):
    "The configuration that points the database at the stand-ins."
    values = {
        'wechat_app_id': wechat.appid,
        'wechat_app_secret': wechat.secret,
        'wechat_api_base': wechat.url,
        'sms_provider': 'aliyun',
        'sms_access_key_id': next(iter(sms.keys)),
        'sms_access_key_secret': next(iter(sms.keys.values())),
        'sms_sign_name': next(iter(sms.sign_names)),
        'sms_endpoint': sms.url,
        'sms_code_template': 'SMS_CODE',
        'payment_notify_base': server.rstrip('/'),
        'nc_url': nc.url,
        }
    values.update(wechatpay.settings())
    values.update(alipay.settings())
    return values


def apply(values, console_url, adopt=None):
    """In the current transaction: switch the demo database to the
    stand-ins (refused unless allowed) and give the demo residents their
    sandbox WeChat identity. Returns their log-in codes. adopt(payment,
    notify_url) is called for each online payment still pending, so that
    a restarted sandbox can still pay it."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Configuration = pool.get('yuexing.configuration')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    # the modules not activated have no field for their system
    values = {k: v for k, v in values.items() if k in Configuration._fields}
    Configuration.enable_sandbox(values, console_url)
    group = ModelData.get_id('yuexing_base', 'group_c2c_customer')
    for user in User.search([('groups', '=', group),
                ('wechat_openid', '=', None)]):
        User.write([user], {'wechat_openid': 'sandbox-' + user.login})
    try:
        Payment = pool.get('yuexing.payment')
    except KeyError:  # the payment module is not activated
        adopt = None
    if adopt:
        base = '%s/%s/api/v1/payments/notify/' % (
            values.get('payment_notify_base', '').rstrip('/'),
            Transaction().database.name)
        for payment in Payment.search([('state', '=', 'pending'),
                    ('channel', 'like', 'wechat_%')]):
            adopt(payment, base + 'wechat')
        for payment in Payment.search([('state', '=', 'pending'),
                    ('channel', 'like', 'alipay_%')]):
            adopt(payment, base + 'alipay')
    return sorted(DEMO_CODE + u.wechat_openid[len('sandbox-'):]
        for u in User.search([('groups', '=', group),
                ('wechat_openid', 'like', 'sandbox-%')]))


def configure(database, values, console_url, adopt=None):
    "apply() in a transaction of its own on database, committed."
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(database)
    pool.init()
    with Transaction().start(database, 0,
            context={'language': 'zh_CN'}) as transaction:
        codes = apply(values, console_url, adopt=adopt)
        transaction.commit()
    return codes


class Sandbox:
    "The stand-ins and what the console shows and does with them."

    def __init__(self, server, post=None):
        self.server = server
        # post(url, body, headers) -> HTTP status: how notifications reach
        # the server (a test delivers them to the WSGI app directly)
        self.post = post or _post
        (self.wechat, self.wechatpay, self.alipay, self.sms,
            self.nc) = stand_ins()

    def values(self):
        return configuration_values(self.wechat, self.wechatpay,
            self.alipay, self.sms, self.nc, self.server)

    def adopt(self, payment, notify_url):
        """Know a payment a previous sandbox was asked for (as the real
        platform would still know it): it can be paid from the console."""
        number = payment.number
        if payment.channel.startswith('wechat_'):
            with self.wechatpay.lock:
                self.wechatpay.orders.setdefault(number, {
                        'out_trade_no': number,
                        'trade_type': ('JSAPI' if payment.channel
                            == 'wechat_jsapi' else 'NATIVE'),
                        'total': int(payment.amount * 100),
                        'state': 'NOTPAY', 'openid': payment.payer,
                        'description': payment.description,
                        'notify_url': notify_url, 'refunded': 0,
                        'prepay_id': payment.prepay_id})
        else:
            with self.alipay.lock:
                self.alipay.orders.setdefault(number, {
                        'out_trade_no': number, 'amount': payment.amount,
                        'trade_no': (time.strftime('%Y%m%d') + '22001'
                            + f'{next(self.alipay._ids):015d}'),
                        'status': 'WAIT_BUYER_PAY', 'refunded': Decimal(0),
                        'buyer_id': payment.payer or '2088102177846880',
                        'notify_url': notify_url})

    def stop(self):
        for fake in (self.wechat, self.wechatpay, self.alipay, self.sms,
                self.nc):
            fake.stop()

    # ---- what the console shows --------------------------------------------
    def sms_codes(self, phone=None):
        result = []
        for sms in reversed(self.sms.sent):
            if phone and sms['phone'] != phone.lstrip('+').removeprefix('86'):
                continue
            result.append({'phone': sms['phone'],
                    'template': sms['template'],
                    'code': sms['params'].get('code'),
                    'params': sms['params']})
        return result

    def payments(self):
        result = []
        with self.wechatpay.lock:
            for order in self.wechatpay.orders.values():
                result.append({'channel': 'wechat',
                        'out_trade_no': order['out_trade_no'],
                        'amount': '%.2f' % (order['total'] / 100),
                        'state': order['state'],
                        'description': order.get('description')})
        with self.alipay.lock:
            for order in self.alipay.orders.values():
                result.append({'channel': 'alipay',
                        'out_trade_no': order['out_trade_no'],
                        'amount': '%.2f' % order['amount'],
                        'state': order['status']})
        return result

    def messages(self):
        return list(reversed(self.wechat.sent))

    def vouchers(self):
        return [{'document': key, 'number': value.get('number')}
            for key, value in self.nc.vouchers.items()]

    # ---- what the console does ---------------------------------------------
    def pay(self, out_trade_no):
        """The payer pays: the stand-in sends its signed notification to
        the server. (HTTP status of the server's answer, channel)."""
        if out_trade_no in self.wechatpay.orders:
            order = self.wechatpay.orders[out_trade_no]
            headers, body = self.wechatpay.pay(out_trade_no)
            headers = dict(headers, **{'Content-Type': 'application/json'})
            return self.post(order['notify_url'], body, headers), 'wechat'
        if out_trade_no in self.alipay.orders:
            order = self.alipay.orders[out_trade_no]
            params = self.alipay.pay(out_trade_no)
            body = urllib.parse.urlencode(params).encode()
            return self.post(order['notify_url'], body, {'Content-Type':
                    'application/x-www-form-urlencoded; charset=utf-8'}
                ), 'alipay'
        return None, None


def _post(url, body, headers):
    if isinstance(body, str):
        body = body.encode('utf-8')
    request = urllib.request.Request(url, data=body, headers=headers,
        method='POST')
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5"><title>月星防水 沙箱</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}
table{{border-collapse:collapse;margin-bottom:1.5em}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}
th{{background:#f3f3f3}}</style></head><body>
<h1>月星防水 沙箱（本地模拟的微信、微信支付、支付宝、短信、用友NC）</h1>
<p>服务器：{server}。所有外部系统均为本地模拟，不会产生真实扣款或短信。</p>
<h2>演示登录</h2>
<p>小程序 <code>POST /api/v1/auth/wechat</code> 的 code 填
<code>demo-cduan</code>（演示居民 黄女士）或 <code>demo-任意字符</code>
（新居民）；绑定手机号的 code 填 <code>phone-13800138000</code>。</p>
<h2>短信验证码</h2>{sms}
<h2>待支付</h2>{payments}
<h2>微信订阅消息</h2>{messages}
<h2>用友NC 凭证</h2>{vouchers}
</body></html>"""


def _table(headers, rows):
    if not rows:
        return '<p>（暂无）</p>'
    head = ''.join(f'<th>{html.escape(h)}</th>' for h in headers)
    body = ''.join('<tr>' + ''.join(f'<td>{c}</td>' for c in row) + '</tr>'
        for row in rows)
    return f'<table><tr>{head}</tr>{body}</table>'


STATES = {'NOTPAY': "待支付", 'WAIT_BUYER_PAY': "待支付",
    'SUCCESS': "已支付", 'TRADE_SUCCESS': "已支付", 'REFUND': "已退款",
    'CLOSED': "已关闭", 'TRADE_CLOSED': "已关闭", 'TRADE_FINISHED': "已完结"}


def page(sandbox):
    e = html.escape
    sms = _table(['手机号', '模板', '验证码'], [
            (e(s['phone']), e(s['template']), e(s['code'] or ''))
            for s in sandbox.sms_codes()[:20]])
    pay_form = ('<form method="post" action="/pay">'
        '<input type="hidden" name="out_trade_no" value="{}">'
        '<button>模拟支付</button></form>')
    channels = {'wechat': '微信支付', 'alipay': '支付宝'}
    payments = _table(['渠道', '商户订单号', '金额（元）', '状态', ''], [
            (channels[p['channel']], e(p['out_trade_no']), p['amount'],
                STATES.get(p['state'], e(p['state'])),
                pay_form.format(e(p['out_trade_no']))
                if p['state'] in {'NOTPAY', 'WAIT_BUYER_PAY'} else '')
            for p in sandbox.payments()])
    messages = _table(['接收者', '模板', '内容'], [
            (e(m.get('touser', '')), e(str(m.get('template_id', ''))),
                e(json.dumps(m.get('data'), ensure_ascii=False)))
            for m in sandbox.messages()[:20]])
    vouchers = _table(['单据', 'NC凭证号'], [
            (e(str(v['document'])), e(str(v['number'])))
            for v in sandbox.vouchers()[:20]])
    return PAGE.format(server=e(sandbox.server), sms=sms, payments=payments,
        messages=messages, vouchers=vouchers)


def console(sandbox, port, host='127.0.0.1'):
    "The console's HTTP server (not started)."

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def _send(self, status, body, content_type):
            data = body.encode('utf-8')
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status, payload):
            self._send(status, json.dumps(payload, ensure_ascii=False),
                'application/json; charset=utf-8')

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == '/':
                self._send(200, page(sandbox), 'text/html; charset=utf-8')
            elif url.path == '/api/sms':
                self._json(200, sandbox.sms_codes(query.get('phone')))
            elif url.path == '/api/payments':
                self._json(200, sandbox.payments())
            elif url.path == '/api/wechat/messages':
                self._json(200, sandbox.messages())
            elif url.path == '/api/nc/vouchers':
                self._json(200, sandbox.vouchers())
            else:
                self._json(404, {'error': '没有这个页面'})

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get('Content-Length') or 0)
            raw = self.rfile.read(length).decode('utf-8') if length else ''
            if url.path == '/pay':       # the page's form
                number = dict(urllib.parse.parse_qsl(raw)).get(
                    'out_trade_no', '')
                sandbox.pay(number)
                self.send_response(303)
                self.send_header('Location', '/')
                self.send_header('Content-Length', '0')
                self.end_headers()
            elif url.path == '/api/pay':
                try:
                    number = json.loads(raw or '{}').get('out_trade_no')
                except (ValueError, AttributeError):
                    number = None
                status, channel = sandbox.pay(number or '')
                if channel is None:
                    self._json(404, {'error': '没有这笔待支付订单',
                            'field': 'out_trade_no'})
                else:
                    self._json(200, {'channel': channel,
                            'notified': status})
            else:
                self._json(404, {'error': '没有这个页面'})

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-d', '--database', default='yuexing')
    parser.add_argument('--port', type=int, default=int(
            os.environ.get('YUEXING_SANDBOX_PORT', 8001)))
    parser.add_argument('--server', default='http://' + os.environ.get(
            'YUEXING_LISTEN', '127.0.0.1:8000'))
    parser.add_argument('--ready-file', help="written once configured")
    args = parser.parse_args(argv)
    os.environ.setdefault('TRYTOND_CONFIG', str(ROOT / 'config' /
            'trytond.conf'))
    os.environ.setdefault('TRYTOND_DATABASE__PATH', str(ROOT / 'var' / 'db'))
    from trytond import config
    config.update_etc(os.environ['TRYTOND_CONFIG'])
    from trytond.modules.yuexing_base.exceptions import SandboxRefused

    sandbox = Sandbox(args.server)
    http = console(sandbox, args.port)
    url = f'http://127.0.0.1:{http.server_address[1]}/'
    try:
        residents = configure(args.database, sandbox.values(), url,
            adopt=sandbox.adopt)
    except SandboxRefused as exception:
        print(f"沙箱未启动：{exception.message}", file=sys.stderr)
        sandbox.stop()
        return 2
    threading.Thread(target=http.serve_forever, daemon=True).start()
    print(f"  沙箱控制台: {url}   （短信验证码、模拟支付、订阅消息、NC凭证）",
        file=sys.stderr)
    print("  小程序演示登录 code: " + ', '.join(residents)
        + "（或 demo-任意字符 = 新居民）", file=sys.stderr)
    if args.ready_file:
        Path(args.ready_file).write_text(url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        http.shutdown()
        sandbox.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
