"""Encryption at rest: the keys, encrypting and decrypting text, and the
keyed hash that lets an encrypted column be searched.

Keys are Fernet keys (``scripts/manage.py gen-key``), read from the
environment ``YUEXING_ENCRYPTION_KEYS`` (comma separated, the first one
encrypts, all of them decrypt, so a new key can be put in front before
``manage.py rotate-keys``) or from the trytond configuration
``[yuexing_crypto] keys``. Without either a development key is generated
once into ``$YUEXING_STATE_DIR/encryption-key`` (default ``var/``) so that
``make run`` works on a fresh machine; with ``YUEXING_PRODUCTION=1`` that
fallback is refused.

This file imports nothing of Tryton's pool: the management script and the
tests use it on its own."""
import base64
import binascii
import hashlib
import hmac
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

ENV_KEYS = 'YUEXING_ENCRYPTION_KEYS'
ENV_PRODUCTION = 'YUEXING_PRODUCTION'
KEY_FILE = 'encryption-key'
# Every Fernet token starts with the version byte 0x80, which is "gAAAAA"
# once base64-encoded with the 64-bit timestamp's zero high bytes.
_TOKEN_PREFIX = 'gAAAAA'
_INDEX_INFO = b'yuexing blind index v1'
_lock = threading.Lock()
_development_key = None
_cache = {}


class CryptoError(RuntimeError):
    "No usable key, or a value no configured key can decrypt."


def production():
    return os.environ.get(ENV_PRODUCTION, '').strip().lower() in {
        '1', 'true', 'yes', 'on'}


def state_dir():
    default = Path(__file__).resolve().parents[2] / 'var'
    return Path(os.environ.get('YUEXING_STATE_DIR') or default)


def _configured():
    raw = os.environ.get(ENV_KEYS)
    if not raw:
        from trytond.config import config
        raw = config.get('yuexing_crypto', 'keys', default='')
    return tuple(k.strip() for k in (raw or '').split(',') if k.strip())


def development_key():
    """The key of a development machine: generated once, kept in the state
    directory (readable by its owner only). O_EXCL makes two processes
    starting together agree on one key."""
    global _development_key
    with _lock:
        if _development_key:
            return _development_key
        path = state_dir() / KEY_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Fernet.generate_key()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, 'wb') as file:
                file.write(key + b'\n')
        _development_key = path.read_text().strip()
        return _development_key


def keys():
    "The configured keys, current first; raises CryptoError if none."
    configured = _configured()
    if configured:
        return configured
    if production():
        raise CryptoError(
            f"{ENV_KEYS} must be set when {ENV_PRODUCTION}=1 "
            "(generate one with: scripts/manage.py gen-key)")
    return (development_key(),)


def _suite():
    "(MultiFernet, [blind index keys]) of the current keys, cached."
    current = keys()
    suite = _cache.get(current)
    if suite is None:
        try:
            fernet = MultiFernet([Fernet(k) for k in current])
        except (ValueError, binascii.Error) as exception:
            raise CryptoError(
                f"{ENV_KEYS} holds an invalid key: {exception}") from exception
        index_keys = [hmac.new(base64.urlsafe_b64decode(k), _INDEX_INFO,
                hashlib.sha256).digest() for k in current]
        suite = _cache[current] = (fernet, index_keys)
    return suite


def check():
    "Raises CryptoError unless the keys are present and valid."
    _suite()


def generate_key():
    return Fernet.generate_key().decode()


def is_token(value):
    """Whether a stored value is already a Fernet token (never encrypt it
    twice, even when no configured key can decrypt it)."""
    if not isinstance(value, str) or not value.startswith(_TOKEN_PREFIX):
        return False
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except (ValueError, binascii.Error):
        return False
    # version, timestamp, IV, at least one AES block, HMAC
    return len(raw) >= 1 + 8 + 16 + 16 + 32 and raw[0] == 0x80


def encrypt(value):
    "The token of a text; None and '' stay None."
    if value is None or value == '':
        return None
    if is_token(value):
        return value
    return _suite()[0].encrypt(value.encode('utf-8')).decode('ascii')


def decrypt(token):
    if token is None or token == '':
        return None
    try:
        return _suite()[0].decrypt(token.encode('ascii')).decode('utf-8')
    except InvalidToken as exception:
        raise _undecryptable() from exception


def rotate(token):
    "The token re-encrypted with the current (first) key."
    if token is None or token == '':
        return token
    try:
        return _suite()[0].rotate(token.encode('ascii')).decode('ascii')
    except InvalidToken as exception:
        raise _undecryptable() from exception


def _undecryptable():
    return CryptoError("an encrypted value cannot be decrypted with the "
        f"configured keys ({ENV_KEYS})")


def blind_index(value):
    "HMAC-SHA256 of a (normalised) value under the current key, hex."
    if value is None or value == '':
        return None
    return _digest(_suite()[1][0], value)


def blind_indexes(value):
    """The hashes of a value under every configured key: a search matches
    rows written before a rotation finished too."""
    if value is None or value == '':
        return []
    return [_digest(k, value) for k in _suite()[1]]


def _digest(key, value):
    return hmac.new(key, value.encode('utf-8'), hashlib.sha256).hexdigest()
