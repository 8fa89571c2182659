"""审计日志: who created, changed or deleted which business record and when,
with the old and new values, and the log-ins and full-value views of masked
data (数据审计, 日志管理).

The log is append-only: records are inserted by server code only
(``Log.add`` / ``AuditMixin``), in one INSERT per create/write/delete call;
write and delete raise for every user, the root user included, and create
raises when called with access checks (i.e. over RPC)."""
import datetime as dt
import json
from decimal import Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access

from .encrypted import BlindIndex, Encrypted

ACTIONS = [
    ('create', "Created"),
    ('write', "Changed"),
    ('delete', "Deleted"),
    ('login', "Logged in"),
    ('login_failed', "Failed log-in"),
    ('view_full', "Viewed full value"),
    ]
# Fields that say nothing the log does not already record itself.
_NOT_AUDITED = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}
# Parts of field names that mark a secret: only "changed" is logged.
_SECRET_HINTS = ('password', 'secret', 'private_key', 'api_v3_key')
# A value logged for a secret field instead of the value itself.
SECRET = '***'


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def request_info():
    "(ip, request id) of the current request where there is one."
    transaction = Transaction()
    try:
        ip, _ = transaction.remote_address()
    except ValueError:
        ip = None
    return (str(ip) if ip else None,
        transaction.context.get('yuexing_request_id'))


class Log(ModelSQL, ModelView):
    "Audit Log"
    __name__ = 'yuexing.audit.log'
    _order_name = 'id'

    model = fields.Selection('get_models', "Model", readonly=True)
    record_id = fields.Integer("Record ID", readonly=True)
    record_name = fields.Char("Record", readonly=True,
        help="The record's name when it was logged.")
    action = fields.Selection(ACTIONS, "Action", readonly=True, sort=False)
    user = fields.Many2One('res.user', "User", readonly=True,
        ondelete='SET NULL')
    login = fields.Char("Login", readonly=True,
        help="The login typed, for log-ins.")
    method = fields.Char("Method", readonly=True,
        help="How the user logged in or which field was shown.")
    ip_address = fields.Char("IP Address", readonly=True)
    request_id = fields.Char("Request ID", readonly=True)
    changes = fields.Text("Changes (JSON)", readonly=True)
    changes_text = fields.Function(fields.Text("Changes"), 'get_changes_text')
    date = fields.Function(fields.DateTime("Date"), 'get_date',
        searcher='search_date')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.model, Index.Equality()),
                    (t.record_id, Index.Equality())),
                Index(t, (t.user, Index.Equality())),
                Index(t, (t.create_date, Index.Range())),
                })

    @classmethod
    def get_models(cls):
        Model = Pool().get('ir.model')
        return [(None, '')] + Model.get_name_items()

    def get_date(self, name):
        return self.create_date

    @classmethod
    def search_date(cls, name, clause):
        return [('create_date', *clause[1:])]

    @classmethod
    def order_date(cls, tables):
        table, _ = tables[None]
        return [table.create_date]

    def get_changes_text(self, name):
        "The changes for people: translated labels, names, not ids."
        if not self.changes:
            return ''
        changes = json.loads(self.changes)
        definitions = {}
        if self.model:
            try:
                Model = Pool().get(self.model)
            except KeyError:
                Model = None
            if Model:
                with without_check_access():
                    definitions = Model.fields_get(
                        [n for n in changes if n in Model._fields])
        lines = []
        for field_name, value in changes.items():
            definition = definitions.get(field_name, {})
            label = definition.get('string', field_name)
            if isinstance(value, list) and len(value) == 2:
                old, new = (_display(v, definition) for v in value)
                lines.append(f'{label}: {old} → {new}')
            else:
                lines.append(f'{label}: {_display(value, definition)}')
        return '\n'.join(lines)

    # ---- append-only -----------------------------------------------------
    @classmethod
    def create(cls, vlist):
        if Transaction().check_access:
            raise AccessError(gettext('yuexing_base.msg_audit_append_only'))
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        raise AccessError(gettext('yuexing_base.msg_audit_append_only'))

    @classmethod
    def delete(cls, records):
        raise AccessError(gettext('yuexing_base.msg_audit_append_only'))

    @classmethod
    def copy(cls, records, default=None):
        if not records:
            return []
        raise AccessError(gettext('yuexing_base.msg_audit_append_only'))

    @classmethod
    def add(cls, entries):
        """Insert the entries (dicts of the columns) in one statement (or
        a few for very many entries).

        user, IP, request id and date default to the current ones. Bypasses
        the ORM on purpose: no per-record work and nothing to undo."""
        if not entries:
            return
        transaction = Transaction()
        table = cls.__table__()
        ip, request_id = request_info()
        now = dt.datetime.now()
        user = transaction.user
        columns = ['model', 'record_id', 'record_name', 'action', 'user',
            'login', 'method', 'ip_address', 'request_id', 'changes']
        defaults = {'user': user, 'ip_address': ip, 'request_id': request_id}
        rows = []
        for entry in entries:
            changes = entry.get('changes')
            if changes is not None and not isinstance(changes, str):
                changes = json.dumps(
                    _jsonable(changes), ensure_ascii=False, sort_keys=True)
            row = [entry.get(c, defaults.get(c)) for c in columns]
            row[columns.index('changes')] = changes
            rows.append(row + [now, user])
        cursor = transaction.connection.cursor()
        sql_columns = [getattr(table, c) for c in columns] + [
            table.create_date, table.create_uid]
        # 1000 rows × 12 columns stay under SQLite's 32766 parameters
        for sub_rows in grouped_slice(rows, 1000):
            cursor.execute(*table.insert(sql_columns, values=[
                        list(r) for r in sub_rows]))


def _display(value, definition):
    "A logged value as the user knows it (selection label, record name)."
    if value is None or value == SECRET:
        return _text(value)
    kind = definition.get('type')
    if kind == 'selection' and isinstance(definition.get('selection'), list):
        return _text(dict(definition['selection']).get(value, value))
    if kind == 'many2one' and isinstance(value, int):
        try:
            with without_check_access():
                Target = Pool().get(definition['relation'])
                return Target(value).rec_name
        except Exception:
            # the record is gone (or unreadable): its id still tells
            return f'#{value}'
    return _text(value)


def _text(value):
    if value is None or value == '' or value is False:
        return '∅'
    if value is True:
        return '✓'
    return str(value)


def _same(old, new):
    "Whether a stored value and a value to store are the same."
    if old == new:
        return True
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return Decimal(str(old)) == Decimal(str(new))
        except ArithmeticError:  # None or text
            return False
    # SQLite gives back dates and times as text
    return (isinstance(new, (dt.date, dt.datetime, dt.time))
        and str(old) == str(new))


def _creating():
    "Names of the models being created in the current transaction."
    return Transaction().__dict__.setdefault('_yuexing_audit_creating', set())


class AuditMixin:
    """Add to a model's class (first base, before ModelSQL or PoolMeta
    extensions) to log its creates, writes and deletes with old → new
    values. Set ``_audit_secret_fields`` for fields whose values must not
    be logged (only that they changed)."""
    __slots__ = ()
    _audit_secret_fields = set()

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        # {name: secret?} of the stored, simple fields, computed once.
        cls._audit_columns = {}
        for name, field in cls._fields.items():
            if name in _NOT_AUDITED or isinstance(field, (fields.Function,
                        fields.One2Many, fields.Many2Many, fields.Binary)):
                continue
            # SECRETS: the configuration's fields backed by server settings;
            # encrypted columns are written in clear text: never log them
            cls._audit_columns[name] = (name in cls._audit_secret_fields
                or isinstance(field, (Encrypted, BlindIndex))
                or name in getattr(cls, 'SECRETS', ())
                or any(h in name for h in _SECRET_HINTS))

    @classmethod
    def _audit_fields(cls):
        return cls._audit_columns

    @classmethod
    def _audit_read(cls, ids, names):
        "{id: {name: value}} as stored, in one query (per MAX_QUERY_PARAMS)."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        columns = [c for c in names if hasattr(table, c)]
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.id, *[getattr(table, c) for c in columns],
                    where=reduce_ids(table.id, sub_ids)))
            for row in cursor:
                result[row[0]] = dict(zip(columns, row[1:], strict=True))
        return result

    @classmethod
    def _audit_name(cls, record_id, values):
        rec_name = cls._rec_name
        if rec_name in values and values[rec_name] is not None:
            return str(values[rec_name])[:200]
        return None

    @classmethod
    def create(cls, vlist):
        # The writes a create makes on its own new records (codes, sequence
        # numbers) are part of the create: its entry has the final values.
        creating = _creating()
        nested = cls.__name__ in creating
        creating.add(cls.__name__)
        try:
            records = super().create(vlist)
        finally:
            if not nested:
                creating.discard(cls.__name__)
        if Transaction().context.get('_yuexing_no_audit'):
            return records
        audited = cls._audit_fields()
        names = list(audited)
        if cls._rec_name not in names and cls._rec_name in cls._fields:
            names.append(cls._rec_name)
        values = cls._audit_read([r.id for r in records], names)
        entries = []
        for record in records:
            stored = values.get(record.id, {})
            changes = {n: (SECRET if audited[n] else stored.get(n))
                for n in audited
                if stored.get(n) not in (None, '', False)}
            entries.append({
                    'model': cls.__name__, 'record_id': record.id,
                    'record_name': cls._audit_name(record.id, stored),
                    'action': 'create', 'changes': changes})
        Pool().get('yuexing.audit.log').add(entries)
        return records

    @classmethod
    def write(cls, *args):
        if (Transaction().context.get('_yuexing_no_audit')
                or cls.__name__ in _creating()):
            return super().write(*args)
        audited = cls._audit_fields()
        singleton = hasattr(cls, 'get_singleton')
        if singleton:
            # a singleton is written whatever the ids given
            record = cls.get_singleton()
            singleton_ids = [record.id] if record else []
        actions = iter(args)
        # [(ids, {name: new value as stored})], one per (records, values)
        planned, names = [], set()
        for records, values in zip(actions, actions, strict=True):
            written = [n for n in values if n in audited]
            if not written:
                continue
            # the values as they will be stored (normalised, formatted)
            stored = cls.preprocess_values('write', dict(values))
            new = {n: cls._fields[n].sql_format(stored[n])
                for n in written if n in stored}
            ids = singleton_ids if singleton else [r.id for r in records]
            planned.append((ids, new))
            names.update(new)
        if not planned:
            return super().write(*args)
        names = list(names)
        if cls._rec_name in cls._fields and cls._rec_name not in names:
            names.append(cls._rec_name)
        # the old values: one query per call (per 1000 records)
        before = cls._audit_read(
            list(dict.fromkeys(i for ids, _ in planned for i in ids)), names)
        super().write(*args)
        entries = []
        for ids, new in planned:
            for record_id in ids:
                old = before.get(record_id, {})
                changes = {}
                for name, value in new.items():
                    if _same(old.get(name), value):
                        continue
                    changes[name] = ([SECRET, SECRET] if audited[name]
                        else [old.get(name), value])
                if changes:
                    values = {**old, **new}
                    entries.append({
                            'model': cls.__name__, 'record_id': record_id,
                            'record_name': cls._audit_name(
                                record_id, values),
                            'action': 'write', 'changes': changes})
        Pool().get('yuexing.audit.log').add(entries)

    @classmethod
    def delete(cls, records):
        if Transaction().context.get('_yuexing_no_audit'):
            return super().delete(records)
        audited = cls._audit_fields()
        names = list(audited)
        if cls._rec_name in cls._fields and cls._rec_name not in names:
            names.append(cls._rec_name)
        ids = [r.id for r in records]
        before = cls._audit_read(ids, names)
        super().delete(records)
        entries = []
        for record_id in ids:
            old = before.get(record_id, {})
            entries.append({
                    'model': cls.__name__, 'record_id': record_id,
                    'record_name': cls._audit_name(record_id, old),
                    'action': 'delete',
                    'changes': {n: (SECRET if audited[n] else old.get(n))
                        for n in audited
                        if old.get(n) not in (None, '', False)}})
        Pool().get('yuexing.audit.log').add(entries)


def log_full_view(records, field_names):
    "Record that the current user was shown the full values of the fields."
    Log = Pool().get('yuexing.audit.log')
    with without_check_access():
        Log.add([{
                    'model': r.__name__, 'record_id': r.id,
                    'record_name': r.rec_name[:200],
                    'action': 'view_full',
                    'method': ','.join(field_names),
                    } for r in records])

