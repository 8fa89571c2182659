"""Resumable uploads (tus 1.0): the state of an upload in progress.

The bytes received so far are kept in the storage layer as one object per
PATCH (``uploads/<uid>/<offset>``), so any process behind the load balancer
can take the next chunk; the finished file is assembled, checked by content
against its category and becomes a document version (a new document, or
the next version of one) or an attachment of a record."""
import datetime as dt
import hashlib
import uuid

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.transaction import without_check_access

# routes: the JSON endpoints register on trytond.wsgi.app when the models
# load (not from __init__.py: see there why).
from . import routes, storage  # noqa: F401

EXPIRY = dt.timedelta(hours=24)
STATES = [
    ('uploading', "Uploading"),
    ('done', "Done"),
    ('refused', "Refused"),
    ('expired', "Expired"),
    ]


class Upload(ModelSQL, ModelView):
    "Resumable Upload"
    __name__ = 'yuexing.file.upload'

    uid = fields.Char("Upload ID", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", required=True,
        readonly=True, ondelete='CASCADE')
    name = fields.Char("File Name", required=True, readonly=True)
    length = fields.Integer("Length", required=True, readonly=True)
    offset = fields.Integer("Received", required=True, readonly=True)
    chunks = fields.Integer("Chunks", readonly=True)
    chunk_list = fields.Text("Chunk Offsets", readonly=True)
    category = fields.Many2One('yuexing.file.category', "Category",
        required=True, readonly=True, ondelete='CASCADE')
    document = fields.Many2One('yuexing.file.document', "Document",
        readonly=True, ondelete='CASCADE',
        help="The upload becomes the next version of this document.")
    resource = fields.Reference("Attach To", selection='get_resources',
        readonly=True)
    metadata = fields.Char("Metadata", readonly=True)
    expires = fields.DateTime("Expires", required=True, readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True)
    sha256 = fields.Char("SHA-256", readonly=True)
    version = fields.Many2One('yuexing.file.version', "Version",
        readonly=True, ondelete='SET NULL')
    attachment = fields.Many2One('ir.attachment', "Attachment",
        readonly=True, ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_indexes.add(Index(table, (table.uid, Index.Equality())))
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def get_resources(cls):
        Document = Pool().get('yuexing.file.document')
        return Document.get_resources()

    @classmethod
    def begin(cls, user, name, length, category, document=None,
            resource=None, metadata=None):
        "A new upload of length bytes; checks what can be known already."
        pool = Pool()
        Document = pool.get('yuexing.file.document')
        if document is not None:
            Document.check_manage([document])
            category = document.category
        elif resource is None and not category.managed_by_user():
            raise AccessError(gettext('yuexing_file.msg_not_manager',
                    category=category.rec_name))
        if length > category.max_size * 1024 * 1024:
            raise ValidationError(gettext('yuexing_file.msg_file_too_large',
                    field='Upload-Length', name=name, size=category.max_size,
                    category=category.rec_name))
        now = dt.datetime.now().replace(microsecond=0)
        with without_check_access():
            upload, = cls.create([{
                        'uid': uuid.uuid4().hex, 'user': user.id,
                        'name': name[:256], 'length': length, 'offset': 0,
                        'chunks': 0, 'category': category.id,
                        'document': document.id if document else None,
                        'resource': str(resource) if resource else None,
                        'metadata': (metadata or '')[:1024] or None,
                        'expires': now + EXPIRY, 'state': 'uploading',
                        }])
        return upload

    @classmethod
    def find(cls, uid, user):
        "The upload of uid if it is the user's (None otherwise)."
        with without_check_access():
            uploads = cls.search([('uid', '=', uid), ('user', '=', user.id)],
                limit=1)
        return uploads[0] if uploads else None

    def _chunk_key(self, offset):
        return f'uploads/{self.uid}/{offset:012d}'

    def append(self, data):
        """Store the chunk received at the current offset (the caller has
        checked Upload-Offset and locked the row); returns True when the
        upload is complete."""
        backend = storage.backend()
        offset = self.offset + len(data)
        backend.put(self._chunk_key(self.offset), data,
            sensitive=self.category.sensitive)
        with without_check_access():
            self.write([self], {
                    'offset': offset,
                    'chunks': (self.chunks or 0) + 1,
                    'chunk_list': ','.join(filter(None, [
                                self.chunk_list, str(self.offset)])),
                    'expires': dt.datetime.now().replace(microsecond=0)
                    + EXPIRY,
                    })
        return offset >= self.length

    def assemble(self):
        "The whole file from its chunks."
        backend = storage.backend()
        prefix = f'uploads/{self.uid}/'
        offsets = self.chunk_offsets()
        return b''.join(backend.get(prefix + f'{o:012d}') for o in offsets)

    def chunk_offsets(self):
        "Offsets of the stored chunks, in order."
        return [int(o) for o in (self.chunk_list or '').split(',') if o]

    def finish(self):
        """Turn the complete upload into its version or attachment;
        ValidationError when the content is refused."""
        pool = Pool()
        Document = pool.get('yuexing.file.document')
        Attachment = pool.get('ir.attachment')
        data = self.assemble()
        if len(data) != self.length:
            raise ValidationError(gettext('yuexing_file.msg_upload_broken',
                    name=self.name))
        self.category.check_file(self.name, data)
        digest = hashlib.sha256(data).hexdigest()
        values = {'state': 'done', 'sha256': digest}
        if self.resource:
            # the caller may read the record it attaches to (rules apply)
            self.resource.__class__.read([self.resource.id], ['id'])
            attachment, = Attachment.create([{
                        'resource': str(self.resource), 'name': self.name,
                        'type': 'data', 'data': data}])
            values['attachment'] = attachment.id
        else:
            document = self.document
            if document is None:
                document, = Document.create([{
                            'name': self.name, 'category': self.category.id}])
            version = Document.add_version(document, self.name, data)
            values['version'] = version.id
        with without_check_access():
            self.write([self], values)
        self.discard_chunks()
        return values

    def discard_chunks(self):
        backend = storage.backend()
        prefix = f'uploads/{self.uid}/'
        for offset in self.chunk_offsets():
            backend.delete(prefix + f'{offset:012d}')

    @classmethod
    def expire(cls):
        "Cron: unfinished uploads past their expiry are dropped."
        uploads = cls.search([('state', '=', 'uploading'),
                ('expires', '<', dt.datetime.now())])
        for upload in uploads:
            upload.discard_chunks()
        with without_check_access():
            cls.write(uploads, {'state': 'expired'})
        return uploads

