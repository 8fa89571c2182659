"""A fake NC XChange servlet: validates the documents we send against the
structure NC expects (envelope attributes, voucher head and entries,
balanced amounts, known subjects, master-data heads), keeps the vouchers and
documents keyed by their id (``replace="Y"``: a document sent again replaces
the stored one and keeps its number) and answers NC's ``sendresult``."""
import threading
import time
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

HEAD_REQUIRED = ['pk_vouchertype', 'year', 'pk_accountingbook', 'period',
    'prepareddate', 'pk_prepared', 'pk_org', 'details']
ITEM_REQUIRED = ['detailindex', 'explanation', 'pk_accasoa', 'pk_currtype',
    'localdebitamount', 'localcreditamount']
MASTER_REQUIRED = {
    'customer': ['pk_org', 'code', 'name', 'custprop'],
    'supplier': ['pk_org', 'code', 'name', 'supprop'],
    'material': ['pk_org', 'code', 'name', 'pk_measdoc'],
    'dept': ['pk_org', 'code', 'name'],
    'psndoc': ['pk_org', 'code', 'name'],
    }


class Rejected(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class FakeNC:

    def __init__(self, account='develop', sender='yuexing', subjects=None,
            failure_rate=0.0, lost_rate=0.0, seed=1):
        import random
        self.account = account
        self.sender = sender
        # None: every subject exists; else the set of known subject codes.
        self.subjects = set(subjects) if subjects is not None else None
        self.vouchers = {}      # document id → {'number', 'doc', 'xml'}
        self.documents = {}     # (billtype, document id) → values
        self.creations = {}     # document id → times a voucher was created
        self.requests = 0
        self.failure_rate = failure_rate
        # Share of stored documents whose answer is lost (HTTP 502).
        self.lost_rate = lost_rate
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._errors = []        # business errors to answer next
        self._timeouts = 0       # store then do not answer
        self._periods = {}       # (year, period) → next number
        self.delay = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_POST(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length)
                answer, hang = fake.handle(url.path, query, body)
                if answer is None:      # stored, answer lost on the way
                    self.send_response(502)
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                    return
                if hang:
                    time.sleep(hang)
                    self.close_connection = True
                    return
                self.send_response(200)
                self.send_header('Content-Type', 'text/xml; charset=UTF-8')
                self.send_header('Content-Length', str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.hang_seconds = 3

    @property
    def url(self):
        host, port = self.server.server_address
        return (f'http://{host}:{port}/service/XChangeServlet'
            f'?account={self.account}&groupcode=0001')

    def start(self):
        threading.Thread(
            target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- test controls ----

    def fail_next(self, message, code='-32000', times=1):
        "Answer the next documents with a business error."
        with self._lock:
            self._errors.extend([(code, message)] * times)

    def timeout_after_commit(self, times=1):
        "Store the next documents, then never answer (client times out)."
        with self._lock:
            self._timeouts += times

    @property
    def duplicates(self):
        "Document ids for which NC created more than one voucher."
        return [k for k, v in self.creations.items() if v > 1]

    # ---- servlet ----

    def handle(self, path, query, body):
        with self._lock:
            self.requests += 1
            if self.delay:
                time.sleep(self.delay)
            try:
                root = ET.fromstring(body)
            except ET.ParseError as exception:
                return self._answer('', '', '-1',
                    'XML解析错误: %s' % exception), 0
            billtype = root.get('billtype', '')
            try:
                if path != '/service/XChangeServlet':
                    raise Rejected('-1', '无效的交换地址 %s' % path)
                if query.get('account') != self.account:
                    raise Rejected('-1', '账套 %s 不存在'
                        % query.get('account'))
                self._check_envelope(root)
                if self._errors:
                    raise Rejected(*self._errors.pop(0))
                if self.failure_rate and (
                        self._random.random() < self.failure_rate):
                    raise Rejected('-32000', '网络繁忙，处理失败（注入）')
                if billtype == 'vouchergl':
                    document_id, content = self._voucher(root)
                elif billtype in MASTER_REQUIRED:
                    document_id, content = self._master(root, billtype)
                else:
                    raise Rejected('-1', '不支持的单据类型 %s' % billtype)
            except Rejected as rejected:
                document_id = self._document_id(root)
                return self._answer(billtype, document_id, rejected.code,
                    str(rejected)), 0
            if self.lost_rate and self._random.random() < self.lost_rate:
                return None, 0
            hang = 0
            if self._timeouts:
                self._timeouts -= 1
                hang = self.hang_seconds
            return self._answer(billtype, document_id, '1',
                '单据 %s 开始处理...单据 %s 处理完毕!' % (
                    document_id, document_id), content), hang

    def _document_id(self, root):
        for child in root:
            if child.get('id'):
                return child.get('id')
        return ''

    def _check_envelope(self, root):
        if root.tag != 'ufinterface':
            raise Rejected('-1', '根节点必须是 ufinterface')
        for name in ['billtype', 'sender', 'roottag', 'replace']:
            if not root.get(name):
                raise Rejected('-1', 'ufinterface 缺少属性 %s' % name)
        if root.get('sender') != self.sender:
            raise Rejected('-1', '外部交换平台 %s 未注册' % root.get('sender'))

    def _voucher(self, root):
        voucher = root.find('voucher')
        if voucher is None or not voucher.get('id'):
            raise Rejected('-1', '缺少 voucher 节点或其 id')
        document_id = voucher.get('id')
        head = voucher.find('voucher_head')
        if head is None:
            raise Rejected('-1', '缺少 voucher_head')
        for name in HEAD_REQUIRED:
            if head.find(name) is None or (
                    name != 'details' and not (head.findtext(name) or '')):
                raise Rejected('-1', '凭证表头缺少 %s' % name)
        items = head.find('details').findall('item')
        if len(items) < 2:
            raise Rejected('-32000', '凭证分录不能少于两行')
        debit = credit = Decimal(0)
        for item in items:
            for name in ITEM_REQUIRED:
                if item.find(name) is None:
                    raise Rejected('-1', '分录缺少 %s' % name)
            try:
                d = Decimal(item.findtext('localdebitamount'))
                c = Decimal(item.findtext('localcreditamount'))
            except InvalidOperation:
                raise Rejected('-1', '金额格式错误') from None
            if d and c:
                raise Rejected('-32000', '同一分录不能同时有借方和贷方金额')
            subject = item.findtext('pk_accasoa')
            if self.subjects is not None and subject not in self.subjects:
                raise Rejected(
                    '-32000', '会计科目 %s 不存在或已停用' % subject)
            for aux in item.findall('ass/item'):
                if not aux.findtext('pk_Checktype') or not aux.findtext(
                        'pk_Checkvalue'):
                    raise Rejected('-32000', '辅助核算项不完整')
            debit += d
            credit += c
        if debit != credit:
            raise Rejected('-32000',
                '借贷不平衡: 借方 %s 贷方 %s' % (debit, credit))
        year = head.findtext('year')
        period = head.findtext('period')
        stored = self.vouchers.get(document_id)
        if stored:   # replace="Y": same document, same voucher
            number = stored['number']
        else:
            key = (year, period)
            self._periods[key] = self._periods.get(key, 0) + 1
            number = '%s-%s-%s-%04d' % (year, period,
                head.findtext('pk_vouchertype'), self._periods[key])
            self.creations[document_id] = self.creations.get(
                document_id, 0) + 1
        self.vouchers[document_id] = {
            'number': number, 'debit': debit, 'credit': credit,
            'year': year, 'period': period,
            'lines': [(i.findtext('pk_accasoa'),
                    Decimal(i.findtext('localdebitamount')),
                    Decimal(i.findtext('localcreditamount')),
                    [(a.findtext('pk_Checktype'), a.findtext('pk_Checkvalue'))
                        for a in i.findall('ass/item')])
                for i in items],
            }
        return document_id, number

    def _master(self, root, billtype):
        bill = root.find('bill')
        if bill is None or not bill.get('id'):
            raise Rejected('-1', '缺少 bill 节点或其 id')
        head = bill.find('billhead')
        if head is None:
            raise Rejected('-1', '缺少 billhead')
        values = {child.tag: (child.text or '') for child in head}
        for name in MASTER_REQUIRED[billtype]:
            if not values.get(name):
                raise Rejected('-1', '%s 缺少 %s' % (billtype, name))
        self.documents[(billtype, bill.get('id'))] = values
        return bill.get('id'), values['code']

    def balances(self, year, period):
        "{subject: (debit, credit)} of the vouchers of a period."
        result = {}
        for voucher in self.vouchers.values():
            if (voucher['year'], voucher['period']) != (str(year),
                    '%02d' % period):
                continue
            for subject, debit, credit, _ in voucher['lines']:
                d, c = result.get(subject, (Decimal(0), Decimal(0)))
                result[subject] = (d + debit, c + credit)
        return result

    def _answer(self, billtype, document_id, code, description, content=''):
        root = ET.Element('ufinterface', {
                'roottag': 'sendresult', 'billtype': billtype,
                'replace': 'Y', 'isexchange': 'Y', 'sender': self.sender,
                'filename': '%s.xml' % document_id,
                'successful': 'Y' if code == '1' else 'N'})
        result = ET.SubElement(root, 'sendresult')
        for tag, text in [('billpk', ''), ('bdocid', document_id),
                ('filename', '%s.xml' % document_id), ('resultcode', code),
                ('resultdescription', description), ('content', content)]:
            ET.SubElement(result, tag).text = text
        return (b"<?xml version='1.0' encoding='UTF-8'?>\n"
            + ET.tostring(root, encoding='utf-8'))
