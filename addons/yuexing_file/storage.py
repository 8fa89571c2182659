"""The storage layer: one interface, two backends.

``backend()`` answers the configured backend, from the environment:

- ``YUEXING_FILE_STORAGE``: ``local`` (default, embedded) or ``s3``;
- local: ``YUEXING_FILE_PATH`` (default: trytond's ``[database] path``);
- s3 (Aliyun OSS through its S3-compatible endpoint, MinIO, AWS):
  ``YUEXING_S3_ENDPOINT`` (e.g. ``https://oss-cn-shanghai.aliyuncs.com``),
  ``YUEXING_S3_BUCKET``, ``YUEXING_S3_ACCESS_KEY_ID``,
  ``YUEXING_S3_SECRET_ACCESS_KEY``, ``YUEXING_S3_REGION`` (default
  ``cn-shanghai``), ``YUEXING_S3_PREFIX`` (key prefix, default empty),
  ``YUEXING_S3_COLD_CLASS`` (default ``STANDARD_IA``, OSS's 低频访问).

Sensitive files are encrypted at rest: server-side encryption (SSE,
AES256) on the object store, envelope encryption on the local store (a
random AES-256-GCM data key per file, wrapped by the environment keys of
``yuexing_base.crypto``, ``YUEXING_ENCRYPTION_KEYS``).

This file imports nothing of Tryton's model layer: trytond's filestore
class (``filestore.py``) is built on it while trytond is still starting.
"""
import os
import struct
import threading
from functools import cache

STANDARD = 'STANDARD'
# the S3 storage classes OSS's S3-compatible endpoint knows (Standard, IA,
# Archive, ColdArchive): the version's storage class is one of them
STORAGE_CLASSES = ('STANDARD', 'STANDARD_IA', 'GLACIER', 'DEEP_ARCHIVE')
_ENVELOPE = b'YXENV1\n'
_lock = threading.Lock()


class StorageError(RuntimeError):
    "The store refused or lost a file."


class Backend:
    "What every backend does; keys are '/'-separated relative paths."
    name = None
    cold_class = 'STANDARD_IA'

    def put(self, key, data, sensitive=False):
        """Store data under key (replacing it); returns whether it is
        encrypted at rest."""
        raise NotImplementedError

    def get(self, key):
        raise NotImplementedError

    def size(self, key):
        "The size of the stored content (plain bytes)."
        raise NotImplementedError

    def exists(self, key):
        raise NotImplementedError

    def delete(self, key):
        "Remove key; a missing key is not an error."
        raise NotImplementedError

    def storage_class(self, key):
        return STANDARD

    def set_storage_class(self, key, storage_class):
        "Move the object to another storage class; it stays readable."
        raise NotImplementedError

    def encrypted_at_rest(self, key):
        raise NotImplementedError


def _check_key(key):
    parts = key.split('/')
    if not key or key.startswith('/') or any(
            p in {'', '.', '..'} for p in parts):
        raise ValueError(f"bad storage key {key!r}")
    return key


# ---- local --------------------------------------------------------------

def seal(data):
    """Envelope encryption: data encrypted with a fresh data key, the key
    wrapped by the environment key (MultiFernet: rotation re-wraps)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from trytond.modules.yuexing_base import crypto
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    wrapped = crypto.encrypt(data_key.hex()).encode('ascii')
    sealed = AESGCM(data_key).encrypt(nonce, data, _ENVELOPE)
    return b''.join([_ENVELOPE, struct.pack('>H', len(wrapped)), wrapped,
            nonce, sealed])


def is_sealed(blob):
    return blob.startswith(_ENVELOPE)


def unseal(blob):
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from trytond.modules.yuexing_base import crypto
    start = len(_ENVELOPE)
    length, = struct.unpack('>H', blob[start:start + 2])
    start += 2
    wrapped = blob[start:start + length].decode('ascii')
    start += length
    nonce, sealed = blob[start:start + 12], blob[start + 12:]
    data_key = bytes.fromhex(crypto.decrypt(wrapped))
    try:
        return AESGCM(data_key).decrypt(nonce, sealed, _ENVELOPE)
    except InvalidTag as exception:
        raise StorageError("encrypted file damaged") from exception


class LocalBackend(Backend):
    """Files under a root folder; sensitive ones sealed (envelope). The
    local store has one class: cold files are only flagged."""
    name = 'local'

    def __init__(self, root):
        self.root = os.path.normpath(root)

    def _path(self, key):
        path = os.path.normpath(os.path.join(self.root, _check_key(key)))
        if not path.startswith(self.root + os.sep):
            raise ValueError(f"bad storage key {key!r}")
        return path

    def put(self, key, data, sensitive=False):
        path = self._path(key)
        os.makedirs(os.path.dirname(path), mode=0o770, exist_ok=True)
        blob = seal(data) if sensitive else data
        # write then rename: a reader never sees half a file
        temporary = f'{path}.{os.getpid()}.{threading.get_ident()}.part'
        with open(temporary, 'wb') as file:
            file.write(blob)
        os.replace(temporary, path)
        return sensitive

    def get(self, key):
        try:
            with open(self._path(key), 'rb') as file:
                blob = file.read()
        except FileNotFoundError as exception:
            raise StorageError(f"missing file {key}") from exception
        return unseal(blob) if is_sealed(blob) else blob

    def size(self, key):
        path = self._path(key)
        with open(path, 'rb') as file:
            head = file.read(len(_ENVELOPE))
        if head == _ENVELOPE:
            return len(self.get(key))
        return os.stat(path).st_size

    def exists(self, key):
        return os.path.exists(self._path(key))

    def delete(self, key):
        try:
            os.remove(self._path(key))
        except FileNotFoundError:
            pass

    def set_storage_class(self, key, storage_class):
        if not self.exists(key):
            raise StorageError(f"missing file {key}")

    def encrypted_at_rest(self, key):
        with open(self._path(key), 'rb') as file:
            return is_sealed(file.read(len(_ENVELOPE)))


# ---- S3-compatible ------------------------------------------------------

class S3Backend(Backend):
    "An S3-compatible bucket (Aliyun OSS, MinIO, AWS) through boto3."
    name = 's3'

    def __init__(self, endpoint, bucket, access_key, secret_key,
            region='cn-shanghai', prefix='', cold_class='STANDARD_IA'):
        import boto3
        from botocore.config import Config
        self.bucket = bucket
        self.prefix = prefix.strip('/')
        self.cold_class = cold_class
        self.client = boto3.client(
            's3', endpoint_url=endpoint, region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            # OSS wants virtual-hosted style; path style for a local server
            config=Config(signature_version='s3v4', retries={
                    'max_attempts': 3},
                s3={'addressing_style': os.environ.get(
                        'YUEXING_S3_ADDRESSING', 'auto')}))

    def _key(self, key):
        key = _check_key(key)
        return f'{self.prefix}/{key}' if self.prefix else key

    def _errors(self):
        from botocore.exceptions import BotoCoreError, ClientError
        return (BotoCoreError, ClientError)

    def put(self, key, data, sensitive=False):
        extra = {'ServerSideEncryption': 'AES256'} if sensitive else {}
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key),
                Body=data, **extra)
        except self._errors() as exception:
            raise StorageError(str(exception)) from exception
        return sensitive

    def _head(self, key):
        from botocore.exceptions import ClientError
        try:
            return self.client.head_object(
                Bucket=self.bucket, Key=self._key(key))
        except ClientError as exception:
            if exception.response.get('Error', {}).get('Code') in {
                    '404', 'NoSuchKey', 'NotFound'}:
                return None
            raise StorageError(str(exception)) from exception

    def get(self, key):
        try:
            answer = self.client.get_object(
                Bucket=self.bucket, Key=self._key(key))
            return answer['Body'].read()
        except self._errors() as exception:
            raise StorageError(f"missing file {key}: {exception}") \
                from exception

    def size(self, key):
        head = self._head(key)
        if head is None:
            raise StorageError(f"missing file {key}")
        return head['ContentLength']

    def exists(self, key):
        return self._head(key) is not None

    def delete(self, key):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except self._errors() as exception:
            raise StorageError(str(exception)) from exception

    def storage_class(self, key):
        head = self._head(key)
        if head is None:
            raise StorageError(f"missing file {key}")
        return head.get('StorageClass') or STANDARD

    def set_storage_class(self, key, storage_class):
        "Copy the object onto itself in the new class (S3 and OSS do so)."
        head = self._head(key)
        if head is None:
            raise StorageError(f"missing file {key}")
        extra = {}
        if head.get('ServerSideEncryption'):
            extra['ServerSideEncryption'] = head['ServerSideEncryption']
        try:
            self.client.copy_object(
                Bucket=self.bucket, Key=self._key(key),
                CopySource={'Bucket': self.bucket, 'Key': self._key(key)},
                StorageClass=storage_class, MetadataDirective='COPY',
                **extra)
        except self._errors() as exception:
            raise StorageError(str(exception)) from exception

    def encrypted_at_rest(self, key):
        head = self._head(key)
        return bool(head and head.get('ServerSideEncryption'))


# ---- configuration ------------------------------------------------------

def settings(environ=None):
    "The storage settings of the environment, as a hashable tuple."
    environ = os.environ if environ is None else environ
    kind = (environ.get('YUEXING_FILE_STORAGE') or 'local').strip().lower()
    if kind == 's3':
        names = ['ENDPOINT', 'BUCKET', 'ACCESS_KEY_ID', 'SECRET_ACCESS_KEY',
            'REGION', 'PREFIX', 'COLD_CLASS']
        values = tuple(environ.get(f'YUEXING_S3_{n}') or '' for n in names)
        missing = [f'YUEXING_S3_{n}' for n, v in zip(
                names[:4], values[:4], strict=True) if not v]
        if missing:
            raise StorageError(
                "YUEXING_FILE_STORAGE=s3 needs " + ', '.join(missing))
        return ('s3',) + values
    if kind != 'local':
        raise StorageError(f"unknown YUEXING_FILE_STORAGE {kind!r}")
    path = environ.get('YUEXING_FILE_PATH')
    if not path:
        from trytond import config
        path = os.path.join(config.get('database', 'path'), 'files')
    return ('local', path)


@cache
def _build(settings):
    if settings[0] == 's3':
        endpoint, bucket, key, secret, region, prefix, cold = settings[1:]
        if cold and cold not in STORAGE_CLASSES:
            raise StorageError(f"YUEXING_S3_COLD_CLASS {cold!r} is not one "
                f"of {', '.join(STORAGE_CLASSES)}")
        return S3Backend(endpoint, bucket, key, secret,
            region=region or 'cn-shanghai', prefix=prefix,
            cold_class=cold or 'STANDARD_IA')
    return LocalBackend(settings[1])


def backend():
    "The configured backend (one per distinct configuration)."
    with _lock:
        return _build(settings())
