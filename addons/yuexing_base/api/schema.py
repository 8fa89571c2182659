"""A small, explicit schema layer for the JSON API.

Each field knows its Chinese label (the API speaks zh_CN only: labels are
part of the contract and appear in the OpenAPI document as ``title``), how
to validate and convert a JSON value, how to read itself from a query
string, and its JSON Schema (OpenAPI 3.1). Errors are collected per field
path (``items[0].quantity``) with a Chinese message naming the field; the
message texts are ``ir.message`` records (``msg_api_*``).

    Order = Object({
        'description': String("问题描述", required=True, max_length=500),
        'phone': Phone("联系电话", required=True),
        'amount': Money("金额", minimum=0),
        })
"""
import contextvars
import datetime as dt
import re
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from trytond.i18n import gettext

from .. import phone as phone_tools

MISSING = object()
# NUL and the other C0 controls but tab and newlines: no text field holds
# them (PostgreSQL refuses NUL)
_CONTROL = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


# name → (Object, schema) of the named objects met while an OpenAPI
# document is built (collecting_components); None outside
_components = contextvars.ContextVar('yuexing_api_components', default=None)


@contextmanager
def collecting_components():
    """Within: a named Object's json_schema() is a $ref and its schema goes
    into the yielded dict (the document's components/schemas)."""
    collected = {}
    token = _components.set(collected)
    try:
        yield collected
    finally:
        _components.reset(token)


def message(message_name, /, **variables):
    "The text of the ir.message yuexing_base.msg_api_<message_name>."
    return gettext('yuexing_base.msg_api_' + message_name, **variables)


class Field:
    "Base of every field: label, required, nullable, default, docs."
    json_type = None

    def __init__(self, label, *, required=False, nullable=False,
            default=MISSING, description=None, example=MISSING,
            secret=False, read_only=False):
        self.label = label
        self.required = required
        self.nullable = nullable
        self.default = default
        self.description = description
        self.example = example
        # secret: never logged, documented as password format
        self.secret = secret
        self.read_only = read_only

    # -- validation -------------------------------------------------------
    def validate(self, value, path, errors):
        "Return the converted value; add messages to errors[path]."
        if value is None:
            if self.nullable:
                return None
            errors[path] = message('null', field=self.label)
            return None
        return self.convert(value, path, errors)

    def convert(self, value, path, errors):
        return value

    def from_query(self, raw, path, errors):
        "Convert the text of a query parameter, then validate it."
        return self.validate(raw, path, errors)

    # -- documentation ------------------------------------------------------
    def base_schema(self):
        return {'type': self.json_type} if self.json_type else {}

    def json_schema(self):
        schema = self.base_schema()
        if self.label:
            schema['title'] = self.label
        if self.description:
            schema['description'] = self.description
        if self.default is not MISSING and self.default is not None:
            schema['default'] = self.default
        if self.example is not MISSING:
            schema['examples'] = [self.example]
        if self.secret:
            schema['format'] = 'password'
            schema['writeOnly'] = True
        if self.read_only:
            schema['readOnly'] = True
        if self.nullable:
            schema = _nullable(schema)
        return schema


def _named_schema(field, build):
    """A named field's schema while a document is built: a $ref, its schema
    going into the components (collecting_components); else build()."""
    collected = _components.get()
    if not field.name or collected is None:
        return build()
    owner = collected.get(field.name)
    if owner is None:
        collected[field.name] = (field, None)   # a recursion stops here
        nullable, field.nullable = field.nullable, False
        try:
            # generators name their classes after the title: the English
            # component name, the Chinese label going to the description
            schema = _label_to_description(build())
            schema['title'] = field.name
            collected[field.name] = (field, schema)
        finally:
            field.nullable = nullable
    elif owner[0] is not field and not _same(owner[0], field):
        raise ValueError(f"two API schemas are named {field.name}")
    ref = {'$ref': f'#/components/schemas/{field.name}'}
    return _nullable(ref) if field.nullable else ref


def _label_to_description(schema):
    "The schema with its Chinese title moved to its description."
    schema = dict(schema)
    label = schema.pop('title', None)
    if label:
        text = schema.get('description')
        schema['description'] = f'{label}：{text}' if text else label
    return schema


def _same(first, second):
    """Two Enums of the same name and choices, or two Objects of the same
    name and fields (e.g. a nullable use), are one component."""
    if isinstance(first, Enum) and isinstance(second, Enum):
        return first.choices == second.choices
    if isinstance(first, Object) and isinstance(second, Object):
        return (first.fields == second.fields
            and first.additional == second.additional)
    return False


def _nullable(schema):
    if 'type' in schema and isinstance(schema['type'], str):
        schema = dict(schema)
        schema['type'] = [schema['type'], 'null']
        if 'enum' in schema:
            schema['enum'] = list(schema['enum']) + [None]
        return schema
    return {'anyOf': [schema, {'type': 'null'}],
        **{k: schema[k] for k in ('title', 'description') if k in schema}}


class String(Field):
    json_type = 'string'

    def __init__(self, label, *, min_length=None, max_length=None,
            pattern=None, strip=True, format=None, **kwargs):
        super().__init__(label, **kwargs)
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern
        self.strip = strip
        self.format = format

    def convert(self, value, path, errors):
        if not isinstance(value, str):
            errors[path] = message('type_string', field=self.label)
            return None
        if _CONTROL.search(value):
            errors[path] = message('control_characters', field=self.label)
            return None
        if self.strip:
            value = value.strip()
        if self.required and not value:
            errors[path] = message('required', field=self.label)
            return None
        if self.min_length is not None and len(value) < self.min_length:
            errors[path] = message(
                'too_short', field=self.label, length=self.min_length)
            return None
        if self.max_length is not None and len(value) > self.max_length:
            errors[path] = message(
                'too_long', field=self.label, length=self.max_length)
            return None
        if self.pattern and not re.search(self.pattern, value):
            errors[path] = message('pattern', field=self.label)
            return None
        return value

    def base_schema(self):
        schema = {'type': 'string'}
        if self.min_length is not None:
            schema['minLength'] = self.min_length
        elif self.required and self.strip:
            schema['minLength'] = 1
        if self.max_length is not None:
            schema['maxLength'] = self.max_length
        if self.pattern:
            schema['pattern'] = self.pattern
        if self.format:
            schema['format'] = self.format
        return schema


class Enum(Field):
    "One of fixed string values; choices is [(value, Chinese label)]."
    json_type = 'string'

    def __init__(self, label, choices, *, name=None, **kwargs):
        super().__init__(label, **kwargs)
        self.choices = list(choices)
        # name: the components/schemas entry in the OpenAPI document (an
        # English name: generators make their enum classes from it)
        self.name = name

    @property
    def values(self):
        return [c[0] if isinstance(c, (tuple, list)) else c
            for c in self.choices]

    def convert(self, value, path, errors):
        if not isinstance(value, str) or value not in self.values:
            errors[path] = message(
                'choices', field=self.label,
                choices='、'.join(self.values))
            return None
        return value

    def base_schema(self):
        schema = {'type': 'string', 'enum': self.values}
        labels = [f'{c[0]}: {c[1]}' for c in self.choices
            if isinstance(c, (tuple, list))]
        if labels:
            schema['description'] = '; '.join(labels)
            schema['x-enum-descriptions'] = [c[1] for c in self.choices]
        return schema

    def json_schema(self):
        """Named: a $ref to the enum's component (values and their Chinese
        labels), with this use's title, default and examples beside it."""
        if not self.name or _components.get() is None:
            # inline: generators name its class from where it is used
            return _label_to_description(super().json_schema())
        nullable, self.nullable = self.nullable, False
        try:
            ref = _named_schema(self, self.base_schema)
            use = super().json_schema()
        finally:
            self.nullable = nullable
        for key in self.base_schema():
            use.pop(key, None)
        ref = dict(ref, **use)
        return _nullable(ref) if self.nullable else ref


class Integer(Field):
    """A whole number; unless narrower bounds are given, one the database
    stores (32 bits: ids, counts), so that a bigger one is refused with its
    field named instead of failing in the database."""
    json_type = 'integer'
    MINIMUM, MAXIMUM = -2 ** 31, 2 ** 31 - 1

    def __init__(self, label, *, minimum=None, maximum=None, **kwargs):
        super().__init__(label, **kwargs)
        self.minimum = self.MINIMUM if minimum is None else minimum
        self.maximum = self.MAXIMUM if maximum is None else maximum

    def convert(self, value, path, errors):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (isinstance(value, float) and not value.is_integer()):
            errors[path] = message('type_integer', field=self.label)
            return None
        value = int(value)
        if self.minimum is not None and value < self.minimum:
            errors[path] = message(
                'minimum', field=self.label, limit=self.minimum)
            return None
        if self.maximum is not None and value > self.maximum:
            errors[path] = message(
                'maximum', field=self.label, limit=self.maximum)
            return None
        return value

    def from_query(self, raw, path, errors):
        if isinstance(raw, str) and re.fullmatch(r'-?\d{1,18}', raw.strip()):
            raw = int(raw)
        return self.validate(raw, path, errors)

    def base_schema(self):
        schema = {'type': 'integer'}
        if self.minimum is not None:
            schema['minimum'] = self.minimum
        if self.maximum is not None:
            schema['maximum'] = self.maximum
        return schema


class Number(Field):
    """A decimal number that is not money (coordinates, quantities): a JSON
    number, answered as a number rounded to ``digits`` places."""
    json_type = 'number'

    def __init__(self, label, *, minimum=None, maximum=None, digits=6,
            **kwargs):
        super().__init__(label, **kwargs)
        self.minimum = minimum
        self.maximum = maximum
        self.digits = digits

    def convert(self, value, path, errors):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or value != value or value in (float('inf'), float('-inf')):
            errors[path] = message('type_number', field=self.label)
            return None
        if self.minimum is not None and value < self.minimum:
            errors[path] = message(
                'minimum', field=self.label, limit=self.minimum)
            return None
        if self.maximum is not None and value > self.maximum:
            errors[path] = message(
                'maximum', field=self.label, limit=self.maximum)
            return None
        return round(float(value), self.digits)

    def from_query(self, raw, path, errors):
        if isinstance(raw, str):
            try:
                raw = float(raw.strip())
            except ValueError:
                pass
        return self.validate(raw, path, errors)

    def base_schema(self):
        schema = {'type': 'number'}
        if self.minimum is not None:
            schema['minimum'] = self.minimum
        if self.maximum is not None:
            schema['maximum'] = self.maximum
        return schema


class Boolean(Field):
    json_type = 'boolean'

    def convert(self, value, path, errors):
        if not isinstance(value, bool):
            errors[path] = message('type_boolean', field=self.label)
            return None
        return value

    def from_query(self, raw, path, errors):
        mapping = {'true': True, '1': True, 'false': False, '0': False}
        if isinstance(raw, str) and raw.lower() in mapping:
            raw = mapping[raw.lower()]
        return self.validate(raw, path, errors)


class Money(Field):
    """An amount in CNY with at most 2 decimals. Accepted as a JSON number
    or a string ("12.50"); returned as a Decimal; documented and answered as
    a string so that no float rounding reaches the client."""
    json_type = 'string'
    PATTERN = r'^-?\d{1,12}(\.\d{1,2})?$'

    def __init__(self, label, *, minimum=None, maximum=None, **kwargs):
        super().__init__(label, **kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, value, path, errors):
        if isinstance(value, bool) or not isinstance(
                value, (str, int, float)):
            errors[path] = message('money', field=self.label)
            return None
        text = str(value).strip()
        if not re.fullmatch(self.PATTERN, text):
            errors[path] = message('money', field=self.label)
            return None
        try:
            amount = Decimal(text).quantize(Decimal('0.01'))
        except InvalidOperation:
            errors[path] = message('money', field=self.label)
            return None
        if self.minimum is not None and amount < Decimal(str(self.minimum)):
            errors[path] = message(
                'minimum', field=self.label, limit=self.minimum)
            return None
        if self.maximum is not None and amount > Decimal(str(self.maximum)):
            errors[path] = message(
                'maximum', field=self.label, limit=self.maximum)
            return None
        return amount

    def base_schema(self):
        return {'type': 'string', 'pattern': self.PATTERN,
            'format': 'decimal'}


class Date(Field):
    json_type = 'string'

    def convert(self, value, path, errors):
        try:
            if not isinstance(value, str) or not re.fullmatch(
                    r'\d{4}-\d{2}-\d{2}', value):
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            errors[path] = message('date', field=self.label)
            return None

    def base_schema(self):
        return {'type': 'string', 'format': 'date'}


class DateTime(Field):
    json_type = 'string'

    def convert(self, value, path, errors):
        try:
            if not isinstance(value, str):
                raise ValueError
            value = dt.datetime.fromisoformat(value.replace('Z', '+00:00'))
            if value.tzinfo is not None:
                # naive UTC, as Tryton stores and compares them
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return value
        except (ValueError, OverflowError):
            errors[path] = message('datetime', field=self.label)
            return None

    def base_schema(self):
        return {'type': 'string', 'format': 'date-time'}


class Phone(String):
    """A Chinese phone number; returned in E.164 (+8613812345678). kind is
    phone.MOBILE, phone.LANDLINE or None for both."""

    def __init__(self, label, *, kind=phone_tools.MOBILE, **kwargs):
        kwargs.setdefault('max_length', 32)
        super().__init__(label, **kwargs)
        self.kind = kind

    def convert(self, value, path, errors):
        value = super().convert(value, path, errors)
        if value is None:
            return None
        try:
            return phone_tools.parse(value, self.kind)[1]
        except phone_tools.PhoneError as exception:
            errors[path] = message(
                'phone', field=self.label, reason=str(exception))
            return None

    def base_schema(self):
        schema = super().base_schema()
        schema['examples'] = ['13812345678']
        return schema


class Any(Field):
    "Any JSON value (documented as such); use sparingly."

    def base_schema(self):
        return {}


class List(Field):
    json_type = 'array'

    def __init__(self, label, item, *, min_items=None, max_items=None,
            **kwargs):
        super().__init__(label, **kwargs)
        self.item = item
        self.min_items = min_items
        self.max_items = max_items

    def convert(self, value, path, errors):
        if not isinstance(value, list):
            errors[path] = message('type_list', field=self.label)
            return None
        if self.min_items is not None and len(value) < self.min_items:
            errors[path] = message(
                'too_few_items', field=self.label, count=self.min_items)
            return None
        if self.max_items is not None and len(value) > self.max_items:
            errors[path] = message(
                'too_many_items', field=self.label, count=self.max_items)
            return None
        return [self.item.validate(v, f'{path}[{i}]', errors)
            for i, v in enumerate(value)]

    def base_schema(self):
        schema = {'type': 'array', 'items': self.item.json_schema()}
        if self.min_items is not None:
            schema['minItems'] = self.min_items
        if self.max_items is not None:
            schema['maxItems'] = self.max_items
        return schema


class Object(Field):
    """A JSON object of named fields. additional=False refuses unknown keys
    (a typo in a client is found at once instead of being ignored)."""
    json_type = 'object'

    def __init__(self, fields, label=None, *, additional=False, name=None,
            **kwargs):
        super().__init__(label, **kwargs)
        self.fields = dict(fields)
        self.additional = additional
        # name: the components/schemas entry in the OpenAPI document
        self.name = name

    def convert(self, value, path, errors):
        if not isinstance(value, dict):
            errors[path or '$'] = message(
                'type_object', field=self.label or '请求内容')
            return None
        result = {}
        prefix = f'{path}.' if path else ''
        for key in value:
            if key not in self.fields and not self.additional:
                errors[prefix + str(key)] = message('unknown_field', name=key)
        for key, field in self.fields.items():
            sub = prefix + key
            if key not in value:
                if field.required:
                    errors[sub] = message('required', field=field.label)
                elif field.default is not MISSING:
                    result[key] = field.default
                continue
            converted = field.validate(value[key], sub, errors)
            if sub not in errors:
                result[key] = converted
        return result

    def from_query(self, args, path='', errors=None):
        "Validate a query string (werkzeug MultiDict) against the fields."
        result = {}
        for key in args:
            if key not in self.fields and not self.additional:
                errors[key] = message('unknown_field', name=key)
        for key, field in self.fields.items():
            if key not in args:
                if field.required:
                    errors[key] = message('required', field=field.label)
                elif field.default is not MISSING:
                    result[key] = field.default
                continue
            converted = field.from_query(args.get(key), key, errors)
            if key not in errors:
                result[key] = converted
        return result

    def base_schema(self):
        schema = {
            'type': 'object',
            'properties': {
                k: f.json_schema() for k, f in self.fields.items()},
            }
        required = [k for k, f in self.fields.items() if f.required]
        if required:
            schema['required'] = required
        if not self.additional:
            schema['additionalProperties'] = False
        return schema

    def json_schema(self):
        if self.name and _components.get() is not None:
            return _named_schema(self, super().json_schema)
        # an inline object: generators name it from where it is used
        return _label_to_description(super().json_schema())

    def extend(self, fields, **kwargs):
        "A copy with more (or replaced) fields."
        values = dict(self.fields)
        values.update(fields)
        options = dict(label=self.label, additional=self.additional)
        options.update(kwargs)
        return Object(values, **options)


class File(Field):
    """An uploaded file (multipart/form-data, e.g. wx.uploadFile). The size
    limit and the accepted types are checked on the content (magic bytes),
    not on what the client claims."""
    json_type = 'string'

    def __init__(self, label, *, max_size=10 * 1024 * 1024,
            types=('image/jpeg', 'image/png', 'image/webp'), **kwargs):
        super().__init__(label, **kwargs)
        self.max_size = max_size
        self.types = tuple(types)

    def base_schema(self):
        return {'type': 'string',
            'contentMediaType': 'application/octet-stream',
            'description': (
                f'≤ {self.max_size // 1024} KiB; {", ".join(self.types)}')}


def validate(schema, value):
    "Validate value against schema; return (converted, {path: message})."
    errors = {}
    converted = schema.validate(value, '', errors)
    return converted, errors


def page_of(item, name=None):
    "The response schema of a page of items (see api.paginate)."
    return Object({
            'items': List("条目", item),
            'page': Integer("页码", minimum=1),
            'limit': Integer("每页条数", minimum=1),
            'total': Integer("总数", minimum=0),
            }, label="分页结果", name=name)


MAX_PAGE_SIZE = 100


def page_query(fields=None, max_limit=MAX_PAGE_SIZE, default_limit=20):
    "The query schema of a paginated list: page, limit and extra filters."
    values = {
        'page': Integer("页码", minimum=1, maximum=100000, default=1),
        'limit': Integer(
            "每页条数", minimum=1, maximum=max_limit, default=default_limit),
        }
    values.update(fields or {})
    return Object(values, label="查询参数")
