"""Stored answers of requests sent with an Idempotency-Key: the same key
with the same body gets the first answer again and creates nothing; the
same key with another body is refused. One row per (user, key), unique in
the database so that concurrent duplicates wait for the first and replay
it. Only successful answers are kept: a refused request may be retried."""
import datetime as dt

from sql import Null

from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.transaction import Transaction


class Idempotency(ModelSQL, ModelView):
    "API Idempotency Key"
    __name__ = 'yuexing.api.idempotency'

    user = fields.Many2One('res.user', "User", required=True,
        ondelete='CASCADE', readonly=True)
    key = fields.Char("Key", required=True, readonly=True, strip=False)
    fingerprint = fields.Char("Request Fingerprint", required=True,
        readonly=True)
    method = fields.Char("Method", readonly=True)
    path = fields.Char("Path", readonly=True)
    response_status = fields.Integer("Response Status", readonly=True)
    response_body = fields.Text("Response Body", readonly=True)
    expires_at = fields.Timestamp("Expires At", required=True,
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_constraints = [
            ('user_key_unique', Unique(table, table.user, table.key),
                'yuexing_base.msg_idempotency_unique'),
            ]
        cls._sql_indexes.add(
            Index(table, (table.expires_at, Index.Range())))
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def lookup(cls, user_id, key):
        "The stored answer of (user, key) or None; expired rows go."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.id, table.fingerprint, table.response_status,
                table.response_body, table.expires_at,
                where=(table.user == user_id) & (table.key == key)))
        row = cursor.fetchone()
        if not row:
            return None
        id_, fingerprint, status, body, expires_at = row
        if expires_at <= dt.datetime.now():
            cursor.execute(*table.delete(where=table.id == id_))
            return None
        if status is None:
            # reserved by a request of this transaction that failed: no
            # answer to replay
            return None
        return {'fingerprint': fingerprint, 'status': status, 'body': body}

    @classmethod
    def reserve(cls, user_id, key, fingerprint, method, path):
        """Insert the row before running the handler: a concurrent request
        with the same key waits on the unique index until this transaction
        ends (DatabaseIntegrityError if it committed)."""
        Configuration = Pool().get('yuexing.configuration')
        hours = Configuration.settings(
            'api_idempotency_hours')['api_idempotency_hours']
        now = dt.datetime.now()
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.insert(
                [table.user, table.key, table.fingerprint, table.method,
                    table.path, table.expires_at, table.create_uid,
                    table.create_date],
                [[user_id, key, fingerprint, method, path[:256],
                        now + dt.timedelta(hours=hours), user_id, now]]))
        cursor.execute(*table.select(table.id,
                where=(table.user == user_id) & (table.key == key)))
        id_, = cursor.fetchone()
        return id_

    @classmethod
    def store(cls, id_, status, body):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.response_status, table.response_body],
                [status, body], where=table.id == id_))

    @classmethod
    def release(cls, id_):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(where=(table.id == id_)
                & (table.response_status == Null)))

    @classmethod
    def clean(cls):
        "Cron: forget expired keys."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(
                where=table.expires_at < dt.datetime.now()))
