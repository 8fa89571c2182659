"""Parsers of the providers' daily statement files (对账单), in their real
formats. Each returns a list of dicts:
``{'kind': 'payment'|'refund', 'out_trade_no', 'transaction_id',
'out_refund_no', 'refund_id', 'amount' (Decimal, positive), 'fee',
'date' (datetime), 'status'}``.
"""
import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation


class StatementFormatError(ValueError):
    pass


def _decimal(value):
    value = (value or '').strip().lstrip('`').replace(',', '')
    if not value:
        return Decimal(0)
    try:
        return Decimal(value)
    except InvalidOperation:
        raise StatementFormatError(f'not an amount: {value!r}') from None


def _datetime(value):
    value = (value or '').strip().lstrip('`')
    if not value:
        return None
    for pattern in ('%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M:%S',
            '%Y-%m-%d %H:%M', '%Y/%m/%d %H:%M'):
        try:
            return dt.datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise StatementFormatError(f'not a date: {value!r}')


WECHAT_REQUIRED = ['交易时间', '微信订单号', '商户订单号', '交易状态',
    '应结订单金额', '微信退款单号', '商户退款单号', '退款金额', '手续费']


def parse_wechat(text):
    """The WeChat Pay trade bill (交易账单, bill_type ALL): a header row,
    one row per trade with every field prefixed by a backtick, then the
    summary header (总交易单数,…) and its row."""
    if isinstance(text, bytes):
        text = text.decode('utf-8-sig')
    rows = list(csv.reader(io.StringIO(text.lstrip('\ufeff'))))
    if not rows or not set(WECHAT_REQUIRED) <= {
            c.strip() for c in rows[0]}:
        raise StatementFormatError('not a WeChat Pay trade bill')
    header = [c.strip() for c in rows[0]]
    index = {name: header.index(name) for name in header}
    result = []
    for row in rows[1:]:
        if not row or not row[0].strip():
            continue
        if row[0].strip().startswith('总'):
            break  # the summary lines
        cells = [c.strip().lstrip('`').strip() for c in row]
        if len(cells) < len(header):
            raise StatementFormatError(f'short row: {row!r}')

        def get(name, cells=cells):
            return cells[index[name]]
        status = get('交易状态')
        line = {
            'date': _datetime(get('交易时间')),
            'transaction_id': get('微信订单号'),
            'out_trade_no': get('商户订单号'),
            'status': status,
            'fee': _decimal(get('手续费')),
            }
        if status == 'REFUND':
            line.update(kind='refund', refund_id=get('微信退款单号'),
                out_refund_no=get('商户退款单号'),
                amount=_decimal(get('退款金额')))
        else:
            line.update(kind='payment', refund_id=None, out_refund_no=None,
                amount=_decimal(get('应结订单金额')))
        result.append(line)
    return result


ALIPAY_REQUIRED = ['支付宝交易号', '商户订单号', '业务类型', '完成时间']


def parse_alipay(data):
    """The Alipay business statement (业务明细 / 账务明细) CSV: GBK, `#`
    comment lines before and after, cells padded with tabs."""
    if isinstance(data, bytes):
        for encoding in ('gbk', 'utf-8-sig'):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise StatementFormatError('unknown encoding')
    else:
        text = data
    lines = [l for l in text.splitlines()
        if l.strip() and not l.lstrip().startswith('#')]
    rows = [[c.strip() for c in r] for r in csv.reader(lines)]
    if not rows or not set(ALIPAY_REQUIRED) <= set(rows[0]):
        raise StatementFormatError('not an Alipay statement')
    header = rows[0]
    index = {name: i for i, name in enumerate(header)}
    amount_column = next((c for c in ('商家实收（元）', '订单金额（元）',
                '收入（+元）') if c in index), None)
    if amount_column is None:
        raise StatementFormatError('no amount column')
    fee_column = next((c for c in ('服务费（元）', '支出（-元）')
            if c in index), None)
    refund_column = '退款批次号/请求号' if '退款批次号/请求号' in index \
        else None
    result = []
    for cells in rows[1:]:
        if len(cells) < len(header):
            continue

        def get(name, cells=cells):
            return cells[index[name]] if name else ''
        kind = 'refund' if get('业务类型') == '退款' else 'payment'
        amount = abs(_decimal(get(amount_column)))
        if kind == 'refund' and '订单金额（元）' in index \
                and amount_column == '商家实收（元）' and not amount:
            amount = abs(_decimal(get('订单金额（元）')))
        result.append({
                'kind': kind,
                'date': _datetime(get('完成时间') or get('创建时间')),
                'transaction_id': get('支付宝交易号'),
                'out_trade_no': get('商户订单号'),
                'refund_id': None,
                'out_refund_no': get(refund_column) or None
                if kind == 'refund' else None,
                'amount': amount,
                'fee': abs(_decimal(get(fee_column))),
                'status': get('业务类型'),
                })
    return result


WECHAT_HEADER = ('交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,'
    '商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,'
    '代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,'
    '退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注')


def write_wechat(trades, app_id, mch_id, fee_rate=Decimal('0.006')):
    """A trade bill as WeChat Pay writes it (the fake server and the
    benchmark use it): trades are dicts like the parser's output plus
    'openid'."""
    out = [WECHAT_HEADER]
    total = refund_total = fee_total = Decimal(0)
    for t in trades:
        fee = (t['amount'] * fee_rate).quantize(Decimal('0.00001'))
        if t['kind'] == 'refund':
            fee = -fee
            refund_total += t['amount']
            cells = [t['date'].strftime('%Y-%m-%d %H:%M:%S'), app_id, mch_id,
                '0', '', t['transaction_id'], t['out_trade_no'],
                t.get('openid', ''), 'JSAPI', 'REFUND', 'OTHERS', 'CNY',
                '0.00', '0.00', t['refund_id'], t['out_refund_no'],
                f"{t['amount']:.2f}", '0.00', 'ORIGINAL', 'SUCCESS', '维修费',
                '', f'{fee:.5f}', '0.60%', '0.00', f"{t['amount']:.2f}", '']
        else:
            total += t['amount']
            cells = [t['date'].strftime('%Y-%m-%d %H:%M:%S'), app_id, mch_id,
                '0', '', t['transaction_id'], t['out_trade_no'],
                t.get('openid', ''), 'JSAPI', 'SUCCESS', 'OTHERS', 'CNY',
                f"{t['amount']:.2f}", '0.00', '0', '0', '0.00', '0.00', '',
                '', '维修费', '', f'{fee:.5f}', '0.60%',
                f"{t['amount']:.2f}", '0.00', '']
        fee_total += fee
        out.append(','.join('`' + c for c in cells))
    out.append('总交易单数,应结订单总金额,退款总金额,充值券退款总金额,'
        '手续费总金额,订单总金额,申请退款总金额')
    out.append(','.join('`' + c for c in [str(len(trades)), f'{total:.2f}',
                f'{refund_total:.2f}', '0.00', f'{fee_total:.5f}',
                f'{total:.2f}', f'{refund_total:.2f}']))
    return '\r\n'.join(out) + '\r\n'


ALIPAY_HEADER = ['支付宝交易号', '商户订单号', '业务类型', '商品名称',
    '创建时间', '完成时间', '门店编号', '门店名称', '操作员', '终端号',
    '对方账户', '订单金额（元）', '商家实收（元）', '支付宝红包（元）',
    '集分宝（元）', '支付宝优惠（元）', '商家优惠（元）', '券核销金额（元）',
    '券名称', '商家红包消费金额（元）', '卡消费金额（元）',
    '退款批次号/请求号',
    '服务费（元）', '分润（元）', '备注']


def write_alipay(trades, account='2088000000000000'):
    "An Alipay 业务明细 CSV (GBK bytes) as Alipay exports it."
    out = ['#支付宝业务明细查询', f'#账号：[{account}]',
        '#起始日期：[2026年01月01日 00:00:00]   终止日期：'
        '[2026年01月02日 00:00:00]',
        '#-----------------------------------------业务明细列表'
        '----------------------------------------',
        ','.join(ALIPAY_HEADER)]
    for t in trades:
        when = t['date'].strftime('%Y-%m-%d %H:%M:%S')
        refund = t['kind'] == 'refund'
        amount = -t['amount'] if refund else t['amount']
        fee = (t['amount'] * Decimal('0.006')).quantize(Decimal('0.01'))
        cells = [t['transaction_id'], t['out_trade_no'],
            '退款' if refund else '交易', '维修费', when, when, '', '', '', '',
            'buyer***@example.com', f'{amount:.2f}', f'{amount:.2f}', '0.00',
            '0.00', '0.00', '0.00', '0.00', '', '0.00', '0.00',
            t.get('out_refund_no') or '', f'{-fee if refund else fee:.2f}',
            '0.00', '']
        out.append(','.join(c + '\t' for c in cells))
    out += ['#-----------------------------------------业务明细列表结束'
        '------------------------------------',
        f'#交易合计：{len(trades)}笔', '#导出时间：[2026年01月02日 10:00:00]']
    return ('\r\n'.join(out) + '\r\n').encode('gbk')
