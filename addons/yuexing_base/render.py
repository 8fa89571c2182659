"""Safe rendering of message templates: Jinja2's immutable sandbox, strict
about unknown variables, over read-only views of the records (field values
only: no method of a record can be called from a template).

    {{order.number}} 已派单给 {{order.technician.name}}，电话 {{phone|mask}}
"""
import datetime as dt
from decimal import Decimal

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from trytond.model import Model

from . import phone as phone_tools


class RenderError(Exception):
    pass


class RecordView:
    "What a template sees of a record: its fields, id and rec_name."
    __slots__ = ('_record',)

    def __init__(self, record):
        object.__setattr__(self, '_record', record)

    def __getattr__(self, name):
        record = object.__getattribute__(self, '_record')
        if name == 'id':
            return record.id
        if name == 'rec_name':
            return record.rec_name
        if name not in record._fields:
            raise AttributeError(name)
        return wrap(getattr(record, name))

    def __str__(self):
        return object.__getattribute__(self, '_record').rec_name

    def __eq__(self, other):
        return isinstance(other, RecordView) and object.__getattribute__(
            self, '_record') == object.__getattribute__(other, '_record')

    def __hash__(self):
        return hash(object.__getattribute__(self, '_record'))


def wrap(value):
    if isinstance(value, Model):
        return RecordView(value)
    if isinstance(value, (list, tuple)):
        return [wrap(v) for v in value]
    return value


def _date(value, format='%Y年%m月%d日'):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime(format)
    return '' if value is None else str(value)


def _datetime(value, format='%Y年%m月%d日 %H:%M'):
    return _date(value, format)


def _money(value):
    if value is None:
        return ''
    return f'¥{Decimal(value):,.2f}'


ENVIRONMENT = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False)
ENVIRONMENT.filters.update({
        'mask': phone_tools.mask,
        'date': _date,
        'datetime': _datetime,
        'money': _money,
        })


def check(text):
    "The syntax error of a template text, or None."
    if not text:
        return None
    try:
        ENVIRONMENT.parse(text)
    except TemplateError as exception:
        return str(exception)
    return None


def render(text, values):
    "Render text with values (records are wrapped); RenderError on error."
    if not text:
        return ''
    try:
        template = ENVIRONMENT.from_string(text)
        return template.render({k: wrap(v) for k, v in values.items()})
    except Exception as exception:
        raise RenderError(f'{type(exception).__name__}: {exception}') \
            from exception


def parse_mapping(text):
    """'key: template' lines (WeChat data, SMS parameters) as a dict;
    blank lines and lines starting with # are ignored."""
    mapping = {}
    for line in (text or '').splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        key, sep, value = line.partition(':')
        if not sep:
            key, sep, value = line.partition('=')
        mapping[key.strip()] = value.strip()
    return mapping
