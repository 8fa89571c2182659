"""Yonyou NC XChange: the XML documents we send and the answers we read.

XChange receives one XML document per HTTP POST at
``http://<nc>/service/XChangeServlet?account=<账套>&groupcode=<集团>``. The
envelope is ``<ufinterface>`` whose attributes say what the document is
(``billtype``), who sends it (``sender``, the exchange system registered in
NC), to which organisation (``receiver``), in which data source
(``account``/``groupcode``), and ``replace="Y"``: a document with the same
``id`` replaces the one NC already holds instead of creating a second one —
our business key for idempotent retries. NC answers with an envelope whose
``roottag`` is ``sendresult``: ``resultcode`` 1 is success (``content``
holds NC's number of the voucher / code of the document), anything else an
error whose text is ``resultdescription``.

General-ledger vouchers use the NC 6 ``vouchergl`` bill type (凭证):
``<voucher id=...><voucher_head>`` with the header fields and
``<details><item>`` per entry (摘要 ``explanation``, subject
``pk_accasoa``, currency ``pk_currtype``, local debit/credit amounts and
the auxiliary accounting ``<ass><item><pk_Checktype>/<pk_Checkvalue>``).
Master data use ``<bill id=...><billhead>``: ``customer`` / ``supplier``
(客商), ``material`` (物料), ``dept`` (部门), ``psndoc`` (人员).
"""
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree import ElementTree as ET

import requests

ZERO = Decimal('0.00')
SUCCESS = '1'


@dataclass
class Envelope:
    "The ufinterface attributes (from the configuration)."
    sender: str = 'yuexing'
    receiver: str = ''
    account: str = 'develop'
    groupcode: str = '0001'


@dataclass
class Entry:
    explanation: str
    subject: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    currency: str = 'CNY'
    # [(check type, value)] e.g. [('客商', 'KH000001'), ('部门', 'D01')]
    aux: list = field(default_factory=list)


@dataclass
class VoucherDoc:
    document_id: str
    book: str
    org: str
    voucher_type: str
    date: object          # datetime.date
    preparer: str
    entries: list
    attachments: int = 0
    explanation: str = ''

    @property
    def debit(self):
        return sum((e.debit for e in self.entries), ZERO)

    @property
    def credit(self):
        return sum((e.credit for e in self.entries), ZERO)


def _sub(parent, tag, text=None):
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = str(text)
    return element


def _amount(value):
    return '%.2f' % (value or ZERO)


def _envelope(env, billtype, roottag, document_id):
    return ET.Element('ufinterface', {
            'roottag': roottag,
            'billtype': billtype,
            'replace': 'Y',
            'receiver': env.receiver,
            'sender': env.sender,
            'isexchange': 'Y',
            'account': env.account,
            'groupcode': env.groupcode,
            'filename': '%s.xml' % document_id,
            })


def _tostring(root):
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + ET.tostring(root, encoding='utf-8'))


def render_voucher(env, doc):
    "The gl voucher document (bytes, UTF-8)."
    root = _envelope(env, 'vouchergl', 'voucher', doc.document_id)
    voucher = _sub(root, 'voucher')
    voucher.set('id', doc.document_id)
    head = _sub(voucher, 'voucher_head')
    _sub(head, 'pk_voucher', '')
    _sub(head, 'pk_vouchertype', doc.voucher_type)
    _sub(head, 'year', doc.date.year)
    _sub(head, 'pk_system', 'GL')
    _sub(head, 'voucherkind', 0)
    _sub(head, 'pk_accountingbook', doc.book)
    _sub(head, 'discardflag', 'N')
    _sub(head, 'period', '%02d' % doc.date.month)
    _sub(head, 'no', '')
    _sub(head, 'attachment', doc.attachments)
    _sub(head, 'prepareddate', doc.date.isoformat() + ' 00:00:00')
    _sub(head, 'pk_prepared', doc.preparer)
    _sub(head, 'pk_org', doc.org)
    _sub(head, 'signflag', 'N')
    _sub(head, 'explanation', doc.explanation)
    details = _sub(head, 'details')
    for index, entry in enumerate(doc.entries, 1):
        item = _sub(details, 'item')
        _sub(item, 'detailindex', index)
        _sub(item, 'explanation', entry.explanation)
        _sub(item, 'verifydate', doc.date.isoformat())
        _sub(item, 'pk_accasoa', entry.subject)
        _sub(item, 'pk_currtype', entry.currency)
        _sub(item, 'excrate2', 1)
        _sub(item, 'debitamount', _amount(entry.debit))
        _sub(item, 'localdebitamount', _amount(entry.debit))
        _sub(item, 'creditamount', _amount(entry.credit))
        _sub(item, 'localcreditamount', _amount(entry.credit))
        _sub(item, 'debitquantity', 0)
        _sub(item, 'creditquantity', 0)
        if entry.aux:
            ass = _sub(item, 'ass')
            for check_type, value in entry.aux:
                aux = _sub(ass, 'item')
                _sub(aux, 'pk_Checktype', check_type)
                _sub(aux, 'pk_Checkvalue', value)
    return _tostring(root)


# Master data: bill type → (head fields in order)
MASTER_FIELDS = {
    'customer': ['pk_group', 'pk_org', 'code', 'name', 'shortname',
        'pk_custclass', 'custprop', 'pk_country', 'taxpayerid', 'tel1',
        'corpaddress', 'enablestate'],
    'supplier': ['pk_group', 'pk_org', 'code', 'name', 'shortname',
        'pk_supplierclass', 'supprop', 'pk_country', 'taxpayerid', 'tel1',
        'corpaddress', 'enablestate'],
    'material': ['pk_group', 'pk_org', 'code', 'name', 'materialspec',
        'pk_measdoc', 'pk_marbasclass', 'pk_mattaxes', 'enablestate'],
    'dept': ['pk_group', 'pk_org', 'code', 'name', 'enablestate'],
    'psndoc': ['pk_group', 'pk_org', 'code', 'name', 'mobile', 'pk_dept',
        'enablestate'],
    }


def render_master(env, billtype, document_id, values):
    "A master-data document (客商, 物料, 部门, 人员)."
    root = _envelope(env, billtype, billtype, document_id)
    bill = _sub(root, 'bill')
    bill.set('id', document_id)
    head = _sub(bill, 'billhead')
    for name in MASTER_FIELDS[billtype]:
        value = values.get(name)
        _sub(head, name, '' if value is None else value)
    return _tostring(root)


@dataclass
class Result:
    ok: bool
    code: str
    description: str
    content: str = ''
    document_id: str = ''


class XChangeError(Exception):
    "Transport failure (timeout, connection, HTTP error): retry later."


def parse_result(data):
    "The first sendresult of an NC answer."
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exception:
        raise XChangeError('invalid answer: %s' % exception) from exception
    result = root.find('sendresult') if root.tag != 'sendresult' else root
    if result is None:
        raise XChangeError('answer without sendresult')

    def text(tag):
        element = result.find(tag)
        return (element.text or '').strip() if element is not None else ''
    code = text('resultcode')
    return Result(ok=code == SUCCESS, code=code,
        description=text('resultdescription'), content=text('content'),
        document_id=text('bdocid'))


def post(url, data, timeout=30, session=None):
    "POST a document to XChange; returns its Result or raises XChangeError."
    sender = session or requests
    try:
        response = sender.post(url, data=data, timeout=timeout, headers={
                'Content-Type': 'text/xml; charset=UTF-8'})
    except requests.RequestException as exception:
        raise XChangeError(str(exception)) from exception
    if response.status_code != 200:
        raise XChangeError('HTTP %s' % response.status_code)
    return parse_result(response.content)
