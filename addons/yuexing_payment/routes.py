"""JSON endpoints of payments for the mini-programs: the customer's bills,
paying a bill (WeChat Pay JSAPI / Alipay), the state of a payment, asking
for a refund; the technician's site payment (QR code) or cash collection;
and the two notification URLs of WeChat Pay and Alipay (no token: the
signature is the authentication)."""
import json
import logging
from contextlib import contextmanager
from decimal import Decimal

from prometheus_client import Counter
from werkzeug.wrappers import Response

from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.transaction import Transaction, without_check_access

from . import clients
from .alipay import AlipaySignatureError
from .payment import PAID_STATES, PaymentAlert
from .wechatpay import SignatureError

logger = logging.getLogger(__name__)
TAGS = ['支付']
# Scraped through yuexing_ops' /<database>/metrics (docs there).
NOTIFICATIONS = Counter('yuexing_payment_notifications',
    "Payment notifications received, by channel and result",
    ['channel', 'result'])
CUSTOMERS = ('customer', 'portal')


@contextmanager
def channel_available():
    "A channel without its merchant settings answers 503 (logged)."
    try:
        yield
    except clients.NotConfigured as exception:
        logger.error("payment channel unavailable: %s", exception.message)
        raise api.ApiError(503, 'payment_unavailable',
            gettext('yuexing_payment.msg_api_payment_unavailable')) from None

PAYMENT_STATES = [('draft', "草稿"), ('pending', "待支付"),
    ('collected', "待交款"), ('paid', "已支付"),
    ('partially_refunded', "部分退款"), ('refunded', "已退款"),
    ('closed', "已关闭"), ('failed', "支付失败")]
BILL_STATES = [('draft', "草稿"), ('validated', "已确认"),
    ('posted', "待付款"), ('paid', "已付清"), ('cancelled', "已取消")]
REFUND_STATES = [('draft', "草稿"), ('to_approve', "待审批"),
    ('approved', "已审批"), ('processing', "退款中"), ('done', "已退款"),
    ('failed', "退款失败"), ('rejected', "已驳回"), ('cancelled', "已取消")]
PAYMENT = s.Object({
        'id': s.Integer("收款ID"),
        'number': s.String("商户订单号"),
        'bill': s.Integer("账单ID"),
        'channel': s.String("支付方式"),
        'purpose': s.Enum("用途", [('deposit', "定金"), ('balance', "尾款"),
                ('full', "全款")]),
        'amount': s.Money("金额"),
        'refunded': s.Money("已退款"),
        'state': s.Enum("状态", PAYMENT_STATES),
        'state_label': s.String("状态名称"),
        'paid_at': s.DateTime("支付时间", nullable=True),
        }, "收款", name='Payment')
BILL = s.Object({
        'id': s.Integer("账单ID"),
        'number': s.String("账单号", nullable=True),
        'kind': s.String("类型", nullable=True),
        'work_order': s.String("工单号", nullable=True),
        'state': s.Enum("状态", BILL_STATES),
        'total': s.Money("应收金额"),
        'deposit': s.Money("定金"),
        'received': s.Money("已收"),
        'refunded': s.Money("已退"),
        'due': s.Money("待付"),
        'due_date': s.Date("到期日", nullable=True),
        'next_amount': s.Money("本次应付"),
        'next_purpose': s.String("本次用途"),
        }, "账单", name='Bill')
REFUND = s.Object({
        'id': s.Integer("退款ID"),
        'number': s.String("退款单号"),
        'amount': s.Money("金额"),
        'reason': s.String("原因"),
        'state': s.Enum("状态", REFUND_STATES),
        'state_label': s.String("状态名称"),
        }, "退款", name='Refund')


def payment_json(payment):
    return {
        'id': payment.id, 'number': payment.number,
        'bill': payment.bill.id, 'channel': payment.channel,
        'purpose': payment.purpose, 'amount': payment.amount,
        'refunded': payment.refunded_amount or Decimal(0),
        'state': payment.state, 'state_label': payment.state_string,
        'paid_at': payment.paid_at,
        }


def bill_json(bill):
    amount, purpose = bill.next_payment()
    return {
        'id': bill.id, 'number': bill.number, 'kind': bill.bill_kind,
        'work_order': bill.work_order.number if bill.work_order else None,
        'state': bill.state, 'total': bill.total_amount,
        'deposit': bill.deposit_amount or Decimal(0),
        'received': bill.received_amount, 'refunded': bill.refunded_total,
        'due': bill.bill_due_amount, 'due_date': bill.due_date,
        'next_amount': amount, 'next_purpose': purpose,
        }


def refund_json(refund):
    return {'id': refund.id, 'number': refund.number,
        'amount': refund.amount, 'reason': refund.reason,
        'state': refund.state, 'state_label': refund.state_string}


def _customer_bill(call, bill_id):
    Invoice = call.pool.get('account.invoice')
    bills = Invoice.search([('id', '=', bill_id), ('type', '=', 'out'),
            ('bill_kind', '!=', None)], limit=1)
    if not bills:
        raise api.not_found()
    return bills[0]


@api.endpoint('GET', '/bills', auth=CUSTOMERS, tags=TAGS,
    summary="我的账单",
    query=s.page_query({'unpaid': s.Boolean("仅未付清")}),
    response=s.page_of(BILL))
def list_bills(call):
    "当前客户的账单（记录规则限定范围）。"
    Invoice = call.pool.get('account.invoice')
    domain = [('type', '=', 'out'), ('bill_kind', '!=', None),
        ('state', '!=', 'cancelled')]
    if call.query.get('unpaid'):
        domain.append(('state', 'in', ['draft', 'validated', 'posted']))

    def serialize(bill):
        with without_check_access():
            return bill_json(Invoice(bill.id))
    return api.paginate(Invoice, domain, call.query, serialize)


@api.endpoint('POST', '/bills/<int:bill_id>/payments', auth=CUSTOMERS,
    tags=TAGS, summary="支付账单", status=201, idempotent=True,
    body=s.Object({
            'channel': s.Enum("支付方式", [('wechat_jsapi', "微信支付"),
                    ('alipay_mini', "支付宝")], required=True),
            'alipay_buyer_id': s.String("支付宝用户ID", max_length=64),
            }),
    response=s.Object({
            'payment': PAYMENT,
            'wechat': s.Object({
                    'appId': s.String("AppID"),
                    'timeStamp': s.String("时间戳"),
                    'nonceStr': s.String("随机串"),
                    'package': s.String("预支付包"),
                    'signType': s.String("签名方式"),
                    'paySign': s.String("签名"),
                    }, "wx.requestPayment 参数", nullable=True),
            'alipay': s.Object({'tradeNO': s.String("支付宝交易号")},
                "my.tradePay 参数", nullable=True),
            }), errors=(404,))
def pay_bill(call, bill_id):
    """为账单创建收款并下单：微信支付返回已签名的 wx.requestPayment 参数，
    支付宝返回 my.tradePay 的 tradeNO。金额为本次应付（定金或余款）。"""
    bill = _customer_bill(call, bill_id)
    Payment = call.pool.get('yuexing.payment')
    channel = call.body['channel']
    openid = call.user.wechat_openid
    if channel == 'wechat_jsapi' and not openid:
        raise api.ApiError(409, 'no_openid',
            gettext('yuexing_payment.msg_api_no_openid'))
    if channel == 'alipay_mini' and not call.body.get('alipay_buyer_id'):
        raise api.ApiError(422, 'validation',
            gettext('yuexing_payment.msg_api_buyer_id'),
            fields={'alipay_buyer_id': gettext(
                    'yuexing_payment.msg_api_buyer_id')})
    with without_check_access():
        if bill.bill_due_amount <= 0:
            raise api.ApiError(409, 'bill_paid',
                gettext('yuexing_payment.msg_api_bill_paid',
                    bill=bill.rec_name))
        with channel_available():
            payment, params = Payment.start_online(bill, channel,
                openid=openid, buyer_id=call.body.get('alipay_buyer_id'))
        return api.Reply({'payment': payment_json(payment),
                'wechat': params.get('wechat'),
                'alipay': params.get('alipay')}, status=201)


@api.endpoint('GET', '/payments/<int:payment_id>', auth=CUSTOMERS,
    tags=TAGS, summary="支付状态", response=PAYMENT, writes=True)
def payment_status(call, payment_id):
    """收款状态；仍在等待支付时向支付平台主动查询一次（通知可能迟到）。"""
    Payment = call.pool.get('yuexing.payment')
    payments = Payment.search([('id', '=', payment_id)], limit=1)
    if not payments:
        raise api.not_found()
    with without_check_access():
        payment = Payment(payments[0].id)
        if payment.state == 'pending':
            Payment.query([payment])
            payment = Payment(payment.id)
        return payment_json(payment)


@api.endpoint('POST', '/payments/<int:payment_id>/refunds',
    auth=CUSTOMERS, tags=TAGS, summary="申请退款", status=201,
    idempotent=True,
    body=s.Object({
            'amount': s.Money("退款金额", required=True),
            'reason': s.String("退款原因", required=True, max_length=80),
            }),
    response=REFUND, errors=(404,))
def request_refund(call, payment_id):
    "客户申请退款（全部或部分），财务审批后原路退回。"
    pool = call.pool
    Payment = pool.get('yuexing.payment')
    Refund = pool.get('yuexing.payment.refund')
    payments = Payment.search([('id', '=', payment_id)], limit=1)
    if not payments:
        raise api.not_found()
    amount = call.body['amount']
    if amount <= 0:
        raise api.ApiError(422, 'validation',
            gettext('yuexing_payment.msg_api_refund_amount'),
            fields={'amount': gettext(
                    'yuexing_payment.msg_api_refund_amount')})
    with without_check_access():
        payment = Payment(payments[0].id)
        if payment.state not in {'paid', 'partially_refunded'} or (
                payment.provider == 'offline'):
            raise api.ApiError(409, 'not_refundable',
                gettext('yuexing_payment.msg_refund_not_paid',
                    payment=payment.rec_name))
        refund, = Refund.create([{'payment': payment.id, 'amount': amount,
                    'reason': call.body['reason'],
                    'requested_by': call.user.id}])
        Refund.check_refundable([refund])
        Refund.ask_approval([refund])
        Refund.notify_approvers([refund])
        return api.Reply(refund_json(Refund(refund.id)), status=201)


@api.endpoint('POST', '/technician/orders/<int:order_id>/payments',
    auth='technician', tags=TAGS, summary="现场收款", status=201,
    idempotent=True,
    body=s.Object({
            'channel': s.Enum("收款方式", [('wechat_native', "微信扫码"),
                    ('alipay_qr', "支付宝扫码"),
                    ('technician_cash', "现金（师傅代收）")], required=True),
            'amount': s.Money("金额"),
            }),
    response=s.Object({'payment': PAYMENT,
            'code_url': s.String("二维码内容", nullable=True)}),
    errors=(404,))
def site_payment(call, order_id):
    """师傅在现场为本人负责的工单收款：扫码（微信 Native / 支付宝当面付）
    或代收现金（待财务确认交款）。"""
    pool = call.pool
    Order = pool.get('yuexing.work_order')
    Payment = pool.get('yuexing.payment')
    employees = call.user.employees
    orders = Order.search([('id', '=', order_id),
            ('technician', 'in', [e.id for e in employees])], limit=1)
    if not orders:
        raise api.not_found()
    with without_check_access():
        order = Order(orders[0].id)
        bills = [b for b in order.bills if b.state in {'draft', 'posted'}
            and b.bill_due_amount > 0]
        if not bills:
            raise api.ApiError(409, 'bill_paid',
                gettext('yuexing_payment.msg_api_no_bill',
                    order=order.number))
        bill = bills[0]
        amount = call.body.get('amount') or bill.bill_due_amount
        channel = call.body['channel']
        if channel == 'technician_cash':
            Payment.check_amount(bill, amount)
            payment, = Payment.create([{'company': bill.company.id,
                        'bill': bill.id, 'party': bill.party.id,
                        'work_order': order.id, 'channel': channel,
                        'amount': amount, 'purpose': 'balance',
                        'collected_by': order.technician.id}])
            Payment.confirm_offline([payment])
            code_url = None
        else:
            with channel_available():
                payment, params = Payment.start_online(bill, channel,
                    amount=amount, purpose='balance')
            code_url = params.get('code_url')
        return api.Reply({'payment': payment_json(Payment(payment.id)),
                'code_url': code_url}, status=201)


WECHAT_FAIL = s.Object({
        'code': s.Enum("结果", ['FAIL']),
        'message': s.String("原因"),
        }, "微信支付通知应答", name='WeChatPayNotifyFail')


def _wechat_answer(status, message=None):
    if status == 204:
        return Response(status=204)
    return Response(json.dumps({'code': 'FAIL', 'message': message},
            ensure_ascii=False), status=status,
        content_type='application/json')


@api.endpoint('POST', '/payments/notify/wechat', auth=api.PUBLIC,
    tags=TAGS, summary="微信支付回调", status=204,
    rate_limit='default', responses={400: WECHAT_FAIL, 401: WECHAT_FAIL},
    description="微信支付 APIv3 的支付与退款通知：验证 Wechatpay-Signature"
    "（平台公钥），AES-256-GCM 解密，核对商户号、AppID、订单与金额后入账"
    "（重复通知只入账一次）。成功应答 204；失败应答 4xx/5xx 与 "
    '{"code": "FAIL", "message": "..."}，微信将重试。')
def wechat_notify(call):
    "微信支付通知（无令牌；以签名认证）。"
    pool = call.pool
    Payment = pool.get('yuexing.payment')
    Refund = pool.get('yuexing.payment.refund')
    Alert = pool.get('yuexing.payment.alert')
    body = call.request.get_data(cache=True)
    with without_check_access():
        try:
            client = clients.wechatpay(with_notify=False)
            event, resource = client.parse_notification(
                call.request.headers, body)
        except SignatureError as exception:
            Alert.raise_alert(PaymentAlert('bad_signature',
                    detail=exception.message), source='wechat')
            NOTIFICATIONS.labels('wechat', 'bad_signature').inc()
            return _wechat_answer(401, '签名验证失败')
        try:
            if event.startswith('TRANSACTION.'):
                Payment.handle_wechat_transaction(resource)
            elif event.startswith('REFUND.'):
                Refund.handle_wechat_refund(resource)
        except PaymentAlert as alert:
            Alert.raise_alert(alert, source='wechat')
            NOTIFICATIONS.labels('wechat', 'refused').inc()
            return _wechat_answer(400, alert.kind)
    NOTIFICATIONS.labels('wechat', 'accepted').inc()
    return _wechat_answer(204)


@api.endpoint('POST', '/payments/notify/alipay', auth=api.PUBLIC,
    tags=TAGS, summary="支付宝异步通知", status=200,
    description="支付宝异步通知（表单）：RSA2 验签（去掉 sign、sign_type，"
    "按键排序），核对 app_id、订单与金额后入账；应答纯文本 success 或 "
    "failure。")
def alipay_notify(call):
    "支付宝异步通知（无令牌；以签名认证）。"
    pool = call.pool
    Payment = pool.get('yuexing.payment')
    Alert = pool.get('yuexing.payment.alert')
    params = {k: v for k, v in call.request.form.items()}
    with without_check_access():
        try:
            clients.alipay(with_notify=False).verify_notification(params)
        except AlipaySignatureError as exception:
            Alert.raise_alert(PaymentAlert('bad_signature',
                    detail=exception.message), source='alipay')
            NOTIFICATIONS.labels('alipay', 'bad_signature').inc()
            return Response('failure', content_type='text/plain')
        try:
            Payment.handle_alipay_notification(params)
        except PaymentAlert as alert:
            Alert.raise_alert(alert, source='alipay')
            NOTIFICATIONS.labels('alipay', 'refused').inc()
            return Response('failure', content_type='text/plain')
    NOTIFICATIONS.labels('alipay', 'accepted').inc()
    return Response('success', content_type='text/plain')


__all__ = ['PAID_STATES', 'Transaction', 'logger']
