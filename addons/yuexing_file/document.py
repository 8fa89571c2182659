"""The document library (文档管理): documents in a category with tags,
versions (a new upload keeps the old ones), the text of their content for
the search, and the download log."""
import datetime as dt
import hashlib
import uuid

from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from . import content, storage

RESOURCE_MODELS = [
    'yuexing.work_order', 'project.work', 'party.party',
    'company.employee']


class Document(AuditMixin, ModelSQL, ModelView):
    "Document"
    __name__ = 'yuexing.file.document'

    name = fields.Char("Name", required=True)
    category = fields.Many2One('yuexing.file.category', "Category",
        required=True, ondelete='RESTRICT')
    tags = fields.Many2Many('yuexing.file.document-yuexing.file.tag',
        'document', 'tag', "Tags")
    description = fields.Text("Description")
    resource = fields.Reference("Resource", selection='get_resources',
        help="The record the document belongs to (order, project...).")
    versions = fields.One2Many('yuexing.file.version', 'document',
        "Versions", order=[('number', 'DESC')])
    current = fields.Function(fields.Many2One('yuexing.file.version',
            "Current Version"), 'get_current')
    version_number = fields.Function(fields.Integer("Version"),
        'get_current_value')
    media_type = fields.Function(fields.Char("Type"), 'get_current_value')
    size = fields.Function(fields.Integer("Size"), 'get_current_value')
    preview = fields.Function(fields.Binary("Preview",
            filename='preview_name'), 'get_preview')
    preview_name = fields.Function(fields.Char("Preview Name"),
        'get_preview_name')
    sensitive = fields.Function(fields.Boolean("Encrypted"),
        'on_change_with_sensitive')
    content_text = fields.Text("Content", readonly=True,
        help="Text extracted from the current version (PDF, Word).")
    search_text = fields.Function(fields.Char("Search"),
        'get_search_text', searcher='search_search_text')
    shares = fields.One2Many('yuexing.file.share', 'document', "Shares")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('write_date', 'DESC NULLS LAST'), ('id', 'DESC')]

    @classmethod
    def get_resources(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        names = []
        for name in RESOURCE_MODELS:
            try:
                pool.get(name)
            except KeyError:
                continue
            names.append(name)
        items = dict(Model.get_name_items())
        return [(None, '')] + [(n, items.get(n, n)) for n in names]

    @fields.depends('category')
    def on_change_with_sensitive(self, name=None):
        return bool(self.category and self.category.sensitive)

    @classmethod
    def get_current(cls, documents, name):
        Version = Pool().get('yuexing.file.version')
        result = {d.id: None for d in documents}
        for version in Version.search(
                [('document', 'in', [d.id for d in documents])],
                order=[('document', 'ASC'), ('number', 'ASC')]):
            result[version.document.id] = version.id
        return result

    @classmethod
    def get_current_value(cls, documents, names):
        result = {n: {d.id: None for d in documents} for n in names}
        for document in documents:
            current = document.current
            if current:
                for name in names:
                    key = 'number' if name == 'version_number' else name
                    result[name][document.id] = getattr(current, key)
        return result

    def get_preview(self, name):
        return self.current.preview if self.current else None

    def get_preview_name(self, name):
        return f'{self.name}.png' if self.current else None

    def get_search_text(self, name):
        return None

    @classmethod
    def search_search_text(cls, name, clause):
        _, operator, value = clause[:3]
        if operator not in {'ilike', 'like', '='}:
            operator = 'ilike'
        if operator == '=' and value:
            operator, value = 'ilike', f'%{value}%'
        return ['OR',
            ('name', operator, value),
            ('tags.name', operator, value),
            ('category.name', operator, value),
            ('content_text', operator, value),
            ]

    @classmethod
    def check_manage(cls, documents):
        "AccessError unless the user manages every document's category."
        for document in documents:
            if not document.category.managed_by_user():
                raise AccessError(gettext('yuexing_file.msg_not_manager',
                        category=document.category.rec_name))

    @classmethod
    def create(cls, vlist):
        Category = Pool().get('yuexing.file.category')
        for values in vlist:
            if values.get('category'):
                category = Category(values['category'])
                if not category.managed_by_user():
                    raise AccessError(gettext(
                            'yuexing_file.msg_not_manager',
                            category=category.rec_name))
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for documents, _ in zip(actions, actions, strict=True):
            cls.check_manage(documents)
        super().write(*args)

    @classmethod
    def delete(cls, documents):
        cls.check_manage(documents)
        Version = Pool().get('yuexing.file.version')
        versions = [v for d in documents for v in d.versions]
        super().delete(documents)
        Version.forget(versions)

    @classmethod
    def add_version(cls, document, name, data, note=None):
        "Upload data as the next version of document (kept with the old)."
        Version = Pool().get('yuexing.file.version')
        version, = Version.create([{
                    'document': document.id, 'name': name, 'data': data,
                    'note': note}])
        return version

    @classmethod
    def write_text(cls, document, text):
        """Keep the current version's text for the search (no audit); the
        document counts as edited (编辑时间, 编辑人)."""
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.update(
                [table.content_text, table.write_date, table.write_uid],
                [text or None, CurrentTimestamp(), transaction.user],
                where=table.id == document.id))
        # written past the ORM: later reads must not see the cached values
        transaction.counter += 1
        transaction.get_cache()[cls.__name__].pop(document.id, None)

    def download(self, version=None):
        """(name, media type, bytes) of the version (default: current),
        logged in the audit log."""
        version = version or self.current
        if version is None:
            return None
        return version.download()


class Version(ModelSQL, ModelView):
    "Document Version"
    __name__ = 'yuexing.file.version'

    document = fields.Many2One('yuexing.file.document', "Document",
        required=True, ondelete='CASCADE')
    number = fields.Integer("Version", readonly=True)
    # a saved version is fixed (write refuses it): shown read-only
    name = fields.Char("File Name", required=True,
        states={'readonly': Eval('id', -1) >= 0})
    note = fields.Char("Note")
    media_type = fields.Char("Type", readonly=True)
    size = fields.Integer("Size", readonly=True)
    sha256 = fields.Char("SHA-256", readonly=True)
    storage_key = fields.Char("Storage Key", readonly=True)
    storage_backend = fields.Char("Storage", readonly=True)
    storage_class = fields.Selection([
            (None, ""),
            ('STANDARD', "Standard"),
            ('STANDARD_IA', "Infrequent Access"),
            ('GLACIER', "Archive"),
            ('DEEP_ARCHIVE', "Cold Archive"),
            ], "Storage Class", readonly=True)
    encrypted = fields.Boolean("Encrypted at Rest", readonly=True)
    preview_key = fields.Char("Preview Key", readonly=True)
    data = fields.Function(fields.Binary("File", filename='name',
            states={'readonly': Eval('id', -1) >= 0}),
        'get_data', setter='set_data')
    preview = fields.Function(fields.Binary("Preview",
            filename='preview_name'), 'get_preview')
    preview_name = fields.Function(fields.Char("Preview Name"),
        'get_preview_name')
    duplicates = fields.Function(fields.Char("Same File Elsewhere"),
        'get_duplicates')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('document', 'ASC'), ('number', 'DESC'), ('id', 'DESC')]
        cls.__access__.add('document')

    @classmethod
    def create(cls, vlist):
        Document = Pool().get('yuexing.file.document')
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            data = values.get('data')
            if not data:
                raise ValidationError(gettext('yuexing_file.msg_file_empty',
                        field=gettext('yuexing_file.msg_field_file'),
                        name=values.get('name') or ''))
            # checked before anything is written: nothing half-saved
            document = Document(values['document'])
            Document.check_manage([document])
            document.category.check_file(values.get('name') or '', data)
            cls.check_duplicate(document, hashlib.sha256(data).hexdigest())
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for _, values in zip(actions, actions, strict=True):
            if set(values) - {'note', 'storage_class'}:
                raise AccessError(gettext('yuexing_file.msg_version_fixed'))
        super().write(*args)

    @classmethod
    def set_data(cls, versions, name, value):
        "Store the uploaded bytes (once, at creation) through the layer."
        pool = Pool()
        Document = pool.get('yuexing.file.document')
        if not value:
            return
        backend = storage.backend()
        for version in versions:
            if version.storage_key:
                raise AccessError(gettext('yuexing_file.msg_version_fixed'))
            document = version.document
            category = document.category
            kind = content.media_type(value)
            digest = hashlib.sha256(value).hexdigest()
            key = f'documents/{document.id}/{uuid.uuid4()}'
            encrypted = backend.put(key, value, sensitive=category.sensitive)
            number = max((v.number or 0 for v in document.versions
                    if v.id != version.id), default=0) + 1
            with without_check_access():
                super().write([version], {
                        'number': number, 'media_type': kind,
                        'size': len(value), 'sha256': digest,
                        'storage_key': key, 'storage_backend': backend.name,
                        'storage_class': storage.STANDARD,
                        'encrypted': encrypted,
                        })
                Document.write_text(document, content.text(value, kind))

    @classmethod
    def check_duplicate(cls, document, digest, version=None):
        "The same file twice in a document is refused (SHA-256)."
        with without_check_access():
            same = cls.search([('document', '=', document.id),
                    ('sha256', '=', digest),
                    ('id', '!=', version.id if version else -1)], limit=1)
        if same:
            raise ValidationError(gettext('yuexing_file.msg_duplicate',
                    name=same[0].name, number=same[0].number,
                    document=document.rec_name))

    def get_duplicates(self, name):
        if not self.sha256:
            return None
        with without_check_access():
            others = self.search([('sha256', '=', self.sha256),
                    ('document', '!=', self.document.id)], limit=5)
            return '、'.join(o.document.rec_name for o in others) or None

    def get_rec_name(self, name):
        return f'{self.document.rec_name} v{self.number or 0}'

    def content(self):
        "The stored bytes (decrypted)."
        return storage.backend().get(self.storage_key)

    def get_data(self, name):
        if not self.storage_key:
            return None
        if Transaction().context.get(f'{self.__name__}.data') == 'size':
            return self.size
        return self.download()[2]

    def download(self):
        "(name, media type, bytes), logged as a download in the audit log."
        pool = Pool()
        Log = pool.get('yuexing.audit.log')
        data = self.content()
        Log.add([{'model': self.__name__, 'record_id': self.id,
                    'record_name': self.rec_name[:128], 'action': 'download',
                    'changes': {'document': self.document.id,
                        'via': Transaction().context.get(
                            'yuexing_file_via', 'back office')}}])
        return self.name, self.media_type, data

    def get_preview(self, name):
        "The cached preview (made on first view, kept in the store)."
        if not self.storage_key:
            return None
        backend = storage.backend()
        key = self.preview_key
        if key and backend.exists(key):
            return backend.get(key)
        image = content.preview(self.content(), self.media_type)
        if image is None:
            return None
        key = f'previews/{self.sha256}.png'
        backend.put(key, image, sensitive=self.encrypted)
        if not Transaction().readonly:
            with without_check_access():
                super().write([self], {'preview_key': key})
        return image

    def get_preview_name(self, name):
        return f'{self.name}.png'

    @classmethod
    def forget(cls, versions):
        "Remove the stored files of deleted versions."
        backend = storage.backend()
        keys = {v.storage_key for v in versions if v.storage_key}
        Transaction().atcommit(_delete_keys, backend, keys)

    @classmethod
    def delete(cls, versions):
        pool = Pool()
        Document = pool.get('yuexing.file.document')
        Document.check_manage({v.document for v in versions})
        super().delete(versions)
        cls.forget(versions)

    # ---- cold storage ----------------------------------------------------
    @classmethod
    def archive_cold(cls):
        """Cron: queue the move of versions older than their category's
        cold_after months to the infrequent-access class."""
        pool = Pool()
        Category = pool.get('yuexing.file.category')
        Date = pool.get('ir.date')
        today = Date.today()
        versions = []
        for category in Category.search([('cold_after', '!=', None)]):
            months = category.cold_after
            year, month = divmod(today.month - 1 - months, 12)
            limit = dt.datetime.combine(
                today.replace(year=today.year + year, month=month + 1,
                    day=min(today.day, 28)), dt.time())
            versions += cls.search([
                    ('document.category', '=', category.id),
                    ('create_date', '<', limit),
                    ('storage_class', '=', storage.STANDARD),
                    ])
        for index in range(0, len(versions), 100):
            cls.__queue__.move_cold(versions[index:index + 100])
        return versions

    @classmethod
    def move_cold(cls, versions):
        "Queue task: move the objects to the cold class; still readable."
        backend = storage.backend()
        moved = []
        for version in versions:
            if version.storage_class != storage.STANDARD:
                continue
            backend.set_storage_class(version.storage_key, backend.cold_class)
            moved.append(version)
        if moved:
            with without_check_access():
                super().write(moved, {'storage_class': backend.cold_class})


def _delete_keys(backend, keys):
    for key in keys:
        try:
            backend.delete(key)
        except storage.StorageError:
            pass


class AuditLog(metaclass=PoolMeta):
    __name__ = 'yuexing.audit.log'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if ('download', "Downloaded") not in cls.action.selection:
            cls.action.selection.append(('download', "Downloaded"))


