"""trytond's filestore on the storage layer: every ``fields.Binary`` with a
``file_id`` (``ir.attachment``, the API uploads, avatars...) of every
module is stored through ``storage.backend()``.

Configure it with ``TRYTOND_DATABASE__CLASS=
trytond.modules.yuexing_file.filestore.FileStore`` (``[database] class``):
trytond resolves the class while importing ``trytond.filestore``, so this
file imports neither the pool nor the model layer."""
import os
import uuid

from . import storage


class FileStore:
    "trytond's FileStore interface (get, set, size, delete and *many)."

    def __init__(self, backend=None):
        self._backend = backend

    @property
    def backend(self):
        return self._backend or storage.backend()

    @staticmethod
    def key(id, prefix=''):
        if not id or '/' in id or id in {'.', '..'}:
            raise ValueError(f"bad file id {id!r}")
        prefix = (prefix or '').strip('/')
        parts = ['attachments'] + ([prefix] if prefix else []) + [
            id[0:2], id[2:4], id]
        return '/'.join(parts)

    def get(self, id, prefix=''):
        try:
            return self.backend.get(self.key(id, prefix))
        except storage.StorageError:
            legacy = self._legacy(id, prefix)
            if legacy is None:
                raise
            with open(legacy, 'rb') as file:
                return file.read()

    def getmany(self, ids, prefix=''):
        return [self.get(id, prefix) for id in ids]

    def size(self, id, prefix=''):
        try:
            return self.backend.size(self.key(id, prefix))
        except (storage.StorageError, FileNotFoundError):
            legacy = self._legacy(id, prefix)
            if legacy is None:
                raise
            return os.stat(legacy).st_size

    @staticmethod
    def _legacy(id, prefix):
        """A file written by trytond's own filestore before the switch
        (``<database path>/<prefix>/ab/cd/<id>``), or None."""
        from trytond import config
        root = os.path.normpath(config.get('database', 'path'))
        path = os.path.normpath(os.path.join(
                root, prefix or '', id[0:2], id[2:4], id))
        if path.startswith(root + os.sep) and os.path.isfile(path):
            return path
        return None

    def sizemany(self, ids, prefix=''):
        return [self.size(id, prefix) for id in ids]

    def set(self, data, prefix=''):
        id = str(uuid.uuid4())
        self.backend.put(self.key(id, prefix), data)
        return id

    def setmany(self, data, prefix=''):
        return [self.set(d, prefix) for d in data]

    def delete(self, id, prefix=''):
        # like trytond: ids without a dash may be shared, keep them
        if '-' not in id:
            return
        self.backend.delete(self.key(id, prefix))

    def delete_many(self, ids, prefix=''):
        for id in ids:
            self.delete(id, prefix)
