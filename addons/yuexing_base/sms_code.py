"""SMS verification codes for log-in (technicians, B端) and phone binding
(C端): 6 digits, stored salted and hashed, valid a few minutes, a limited
number of attempts, resend throttled per phone and capped per day."""
import datetime as dt
import hashlib
import hmac
import math
import secrets

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .api import errors
from .api.schema import message

PURPOSES = [
    ('login', "Log-in"),
    ('bind', "Bind Phone"),
    ]


def _digest(salt, phone, purpose, code):
    return hashlib.sha256(
        f'{salt}:{phone}:{purpose}:{code}'.encode()).hexdigest()


class SmsCode(ModelSQL, ModelView):
    "SMS Verification Code"
    __name__ = 'yuexing.auth.sms_code'
    # six digits hashed with a visible salt are reversed in a million
    # tries: nobody reads them over RPC (see encrypted.hidden_fields)
    _server_only_fields = ('salt', 'code_hash')

    phone = fields.Char("Phone", required=True, readonly=True)
    purpose = fields.Selection(PURPOSES, "Purpose", required=True,
        readonly=True)
    salt = fields.Char("Salt", readonly=True, strip=False)
    code_hash = fields.Char("Code Hash", readonly=True, strip=False)
    expires_at = fields.Timestamp("Expires At", required=True,
        readonly=True)
    attempts = fields.Integer("Attempts", required=True, readonly=True)
    used_at = fields.Timestamp("Used At", readonly=True)
    delivered = fields.Boolean("Sent", readonly=True,
        help="Unticked when no account has this phone: nothing is sent "
        "but the answer is the same, so that phones cannot be probed.")
    provider_id = fields.Char("Provider Message ID", readonly=True)
    ip_address = fields.Char("IP Address", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_indexes.add(Index(table,
                (table.phone, Index.Equality()),
                (table.purpose, Index.Equality()),
                (table.create_date, Index.Range())))
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_attempts(cls):
        return 0

    @classmethod
    @without_check_access
    def create_code(cls, phone, purpose, ip=None, deliver=True):
        """Throttle, create a code and return (record, code). The caller
        sends it (see Message.send_sms_code)."""
        Configuration = Pool().get('yuexing.configuration')
        settings = Configuration.settings()
        now = dt.datetime.now()
        recent = cls.search([
                ('phone', '=', phone),
                ('create_date', '>=', now - dt.timedelta(days=1)),
                ], order=[('create_date', 'DESC'), ('id', 'DESC')])
        if recent:
            waited = (now - recent[0].create_date).total_seconds()
            wait = settings['sms_resend_seconds'] - int(waited)
            if wait > 0:
                raise errors.error(429, 'sms_resend_wait',
                    headers={'Retry-After': str(wait)}, seconds=wait)
        # The daily limit counts the codes asked from this IP (else anyone
        # could use up the owner's codes for the day and lock them out),
        # and, three times looser, those of the phone from anywhere.
        limit = settings['sms_daily_limit']
        for codes, cap in [
                ([r for r in recent if r.ip_address == ip], limit),
                (recent, 3 * limit)]:
            if len(codes) >= cap:
                # the truthful wait: until the cap-th latest is a day old
                freed = codes[cap - 1].create_date + dt.timedelta(days=1)
                wait = max(1, math.ceil((freed - now).total_seconds()))
                raise errors.error(429, 'sms_daily_limit',
                    headers={'Retry-After': str(wait)})
        code = f'{secrets.randbelow(10 ** 6):06d}'
        salt = secrets.token_hex(8)
        record, = cls.create([{
                    'phone': phone,
                    'purpose': purpose,
                    'salt': salt,
                    'code_hash': _digest(salt, phone, purpose, code),
                    'expires_at': now + dt.timedelta(
                        minutes=settings['sms_code_minutes']),
                    'ip_address': ip,
                    'delivered': deliver,
                    }])
        return record, code

    @classmethod
    @without_check_access
    def verify(cls, phone, purpose, code, field='code'):
        """Consume the valid code of phone or raise a 422 naming field; a
        wrong attempt counts (the refusal is committed)."""
        Configuration = Pool().get('yuexing.configuration')
        settings = Configuration.settings()
        now = dt.datetime.now()
        records = cls.search([
                ('phone', '=', phone),
                ('purpose', '=', purpose),
                ('used_at', '=', None),
                ], order=[('create_date', 'DESC'), ('id', 'DESC')], limit=1)
        if not records or records[0].expires_at <= now:
            raise errors.ApiError(422, 'sms_code_expired',
                message('sms_code_expired'),
                fields={field: message('sms_code_expired')})
        record, = records
        if record.attempts >= settings['sms_code_attempts']:
            raise errors.ApiError(429, 'sms_code_locked',
                message('sms_code_locked'),
                fields={field: message('sms_code_locked')})
        expected = record.code_hash or ''
        given = _digest(record.salt, phone, purpose, (code or '').strip())
        if not hmac.compare_digest(expected, given):
            left = settings['sms_code_attempts'] - record.attempts - 1
            cls.write([record], {'attempts': record.attempts + 1})
            raise errors.ApiError(422, 'sms_code_invalid',
                message('sms_code_invalid', left=left),
                fields={field: message('sms_code_invalid', left=left)},
                commit=True)
        cls.write([record], {'used_at': now})
        return record

    @classmethod
    def clean(cls):
        "Cron: forget codes older than a week."
        cls.delete(cls.search([
                    ('create_date', '<',
                        dt.datetime.now() - dt.timedelta(days=7)),
                    ]))
