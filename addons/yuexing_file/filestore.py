"""trytond's filestore on the storage layer: every ``fields.Binary`` with a
``file_id`` (``ir.attachment``, the API uploads, avatars...) of every
module is stored through ``storage.backend()``.

Configure it with ``TRYTOND_DATABASE__CLASS=
trytond.modules.yuexing_file.filestore.FileStore`` (``[database] class``):
trytond resolves the class while importing ``trytond.filestore``, so this
file imports neither the pool nor the model layer."""
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
        return self.backend.get(self.key(id, prefix))

    def getmany(self, ids, prefix=''):
        return [self.get(id, prefix) for id in ids]

    def size(self, id, prefix=''):
        return self.backend.size(self.key(id, prefix))

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
