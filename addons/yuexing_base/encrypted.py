"""Encrypted columns any module can declare.

    from trytond.modules.yuexing_base.encrypted import (
        BlindIndex, Encrypted, EncryptedMixin)

    class Employee(EncryptedMixin, metaclass=PoolMeta):
        __name__ = 'company.employee'
        id_card = Encrypted("ID Number (stored)", blind_index='id_card_hash')
        id_card_hash = BlindIndex("ID Number Hash")

An ``Encrypted`` field is a stored column holding a Fernet token: every
write path (create, write, copy, import) encrypts a clear value in
``sql_format``, and reading it gives the token, never the clear text. No
user reads it over RPC, administrators included (``ir.model.field.access``
denies it whatever the access rows say, see ir.py): only server code gets
the clear value, in bulk, through ``Model.decrypted(records, name)``. A
``BlindIndex`` keeps a keyed hash of the normalised clear value so that
an exact search works: ``Model.encrypted_domain(name, value)``.

For secrets the form shows a status ("已设置"/"未设置", clearing it clears
the secret) and a write-only input: ``secret_status(...)`` and
``secret_input(...)`` declare those Function fields."""
from sql import Literal, Null

from trytond.model import fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from . import crypto

STATUS_SUFFIX = '_status'
INPUT_SUFFIX = '_input'


class Encrypted(fields.Text):
    "A stored text kept as a Fernet token."

    def __init__(self, string='', blind_index=None, normalise=None, **kwargs):
        kwargs.setdefault('readonly', True)
        super().__init__(string, **kwargs)
        self.blind_index = blind_index
        # the form of the clear value the hash is taken of (e.g. upper case)
        self.normalise = normalise or (lambda v: v)

    def sql_format(self, value):
        value = super().sql_format(value)
        if isinstance(value, str):
            return crypto.encrypt(value)
        return value


class BlindIndex(fields.Char):
    "The keyed hash (HMAC-SHA256, hex) of an Encrypted field's clear value."

    def __init__(self, string='', **kwargs):
        kwargs.setdefault('readonly', True)
        super().__init__(string, **kwargs)


def secret_status(string, **kwargs):
    """Whether the secret of the same name without '_status' is set;
    writing 'unset' clears it."""
    return fields.Function(fields.Selection([
                ('set', "Set"),
                ('unset', "Not Set"),
                ], string, **kwargs),
        'get_secret_status', setter='set_secret_status')


def secret_input(field):
    """A write-only field replacing the secret of the same name without
    '_input': it always reads empty."""
    return fields.Function(field, 'get_secret_input',
        setter='set_secret_input')


def hidden_fields(Model):
    """Names of the fields of Model no RPC user may read: the Encrypted
    and BlindIndex fields, and those a model lists in _server_only_fields
    (e.g. the salted hash of a short code, which a reader could reverse)."""
    return getattr(Model, '_encrypted_hidden', frozenset()) | frozenset(
        getattr(Model, '_server_only_fields', ()))


class EncryptedMixin:
    __slots__ = ()

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        cls._encrypted_fields = {name: field
            for name, field in cls._fields.items()
            if isinstance(field, Encrypted)}
        cls._encrypted_hidden = frozenset(
            name for name, field in cls._fields.items()
            if isinstance(field, (Encrypted, BlindIndex)))

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        # Columns created before encryption hold clear text: encrypt them.
        cls.encrypt_columns()

    @classmethod
    def decrypted(cls, records, name):
        """{id: clear value} of an Encrypted field, read in one query per
        slice without access checks: for server code only."""
        assert name in cls._encrypted_fields, name
        result = {}
        ids = [int(r) for r in records]
        with without_check_access():
            for sub in grouped_slice(ids):
                for row in cls.read(list(sub), [name]):
                    result[row['id']] = crypto.decrypt(row[name])
        return result

    @classmethod
    def encrypted_domain(cls, name, value):
        "The domain of the records whose Encrypted field equals value."
        field = cls._encrypted_fields[name]
        assert field.blind_index, f"{cls.__name__}.{name} is not searchable"
        if value is None or value == '':
            return [(name, '=', None)]
        return [(field.blind_index, 'in',
                crypto.blind_indexes(field.normalise(value)))]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        for name, field in cls._encrypted_fields.items():
            if field.blind_index and name in values:
                value = values[name]
                if crypto.is_token(value):
                    value = crypto.decrypt(value)
                values[field.blind_index] = crypto.blind_index(
                    field.normalise(value)) if value else None
        return values

    # ---- secrets on forms -------------------------------------------------
    @classmethod
    def get_secret_status(cls, records, name):
        table = cls.__table__()
        column = getattr(table, name[:-len(STATUS_SUFFIX)])
        cursor = Transaction().connection.cursor()
        result = {r.id: 'unset' for r in records}
        for sub in grouped_slice([r.id for r in records]):
            cursor.execute(*table.select(table.id,
                    where=table.id.in_(list(sub))
                    & (column != Null) & (column != Literal(''))))
            for id_, in cursor:
                result[id_] = 'set'
        return result

    @classmethod
    def set_secret_status(cls, records, name, value):
        if value == 'unset':
            with without_check_access():
                cls.write(list(records), {name[:-len(STATUS_SUFFIX)]: None})

    @classmethod
    def get_secret_input(cls, records, name):
        return {r.id: None for r in records}

    @classmethod
    def set_secret_input(cls, records, name, value):
        if value:
            with without_check_access():
                cls.write(list(records), {name[:-len(INPUT_SUFFIX)]: value})

    # ---- migration and rotation --------------------------------------------
    @classmethod
    def encrypt_columns(cls, rotate=False, progress=None):
        """Encrypt the clear values left in the Encrypted columns (and fill
        their hashes); with rotate, re-encrypt every token with the current
        key and recompute the hashes. Plain SQL in slices: neither
        write_date nor the audit trail changes. Returns the rows changed."""
        names = list(getattr(cls, '_encrypted_fields', {}))
        if not names:
            return 0
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        columns = [getattr(table, n) for n in names]
        where = Literal(False)
        for column in columns:
            where |= (column != Null)
        cursor.execute(*table.select(table.id, where=where,
                order_by=[table.id.asc]))
        ids = [i for i, in cursor]
        changed = done = 0
        for sub in grouped_slice(ids, 500):
            sub = list(sub)
            cursor.execute(*table.select(table.id, *columns,
                    where=table.id.in_(sub)))
            for id_, *values in cursor.fetchall():
                update = {}
                for name, value in zip(names, values, strict=True):
                    field = cls._encrypted_fields[name]
                    if value is None or value == '':
                        continue
                    if crypto.is_token(value):
                        if not rotate:
                            continue
                        new, clear = crypto.rotate(value), None
                        if field.blind_index:
                            clear = crypto.decrypt(new)
                    else:
                        new, clear = crypto.encrypt(value), value
                    update[name] = new
                    if field.blind_index:
                        update[field.blind_index] = crypto.blind_index(
                            field.normalise(clear))
                if update:
                    cursor.execute(*table.update(
                            [getattr(table, n) for n in update],
                            list(update.values()),
                            where=table.id == id_))
                    changed += 1
            done += len(sub)
            if progress:
                progress(cls.__name__, done, len(ids))
        return changed


def encrypted_models(pool=None):
    "The models of the pool that have Encrypted fields."
    pool = pool or Pool()
    result = []
    for _, Model in pool.iterobject():
        if getattr(Model, '_encrypted_fields', None):
            result.append(Model)
    return sorted(result, key=lambda M: M.__name__)


def rotate_all(pool=None, progress=None):
    "Re-encrypt every Encrypted column with the current key: {model: rows}."
    return {Model.__name__: Model.encrypt_columns(rotate=True,
            progress=progress) for Model in encrypted_models(pool)}
