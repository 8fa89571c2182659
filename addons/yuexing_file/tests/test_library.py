"""The document library on the local store and on the S3-compatible server:
versions, content checks, duplicates, encryption, previews, search,
permissions per category and per document, cold storage."""
import datetime as dt
import shutil

from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_user,
    setup_company,
)
from trytond.modules.yuexing_file import storage
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .. import samples
from .storage_tools import S3Server, local_env, storage_env


def category(code):
    Category = Pool().get('yuexing.file.category')
    return Category.get_by_code(code)


def users():
    company = Pool().get('company.company').search([])[0]
    return {name: create_user(f'{name}_{id(company)}', [f'group_{name}'],
            company=company) for name in ['project_manager', 'dispatcher',
            'warehouse', 'finance', 'customer_service']}


class LibraryCases:
    "The cases; subclasses choose the storage (self.env)."
    module = 'yuexing_file'

    def setUp(self):
        super().setUp()
        patcher = storage_env(self.env)
        patcher.__enter__()
        self.addCleanup(patcher.__exit__, None, None, None)

    @with_transaction()
    def test_versions_previews_search_and_encryption(self):
        pool = Pool()
        Document = pool.get('yuexing.file.document')
        Version = pool.get('yuexing.file.version')
        Tag = pool.get('yuexing.file.tag')
        setup_company()
        staff = users()
        roof, = Tag.create([{'name': '屋面'}])
        with acting_as(staff['project_manager']):
            drawing, = Document.create([{'name': '3号楼屋面防水图',
                        'category': category('drawing').id,
                        'tags': [('add', [roof.id])]}])
            first = Document.add_version(drawing, 'roof-v1.pdf',
                samples.pdf('Roof drawing first issue'))
            second = Document.add_version(drawing, 'roof-v2.pdf',
                samples.pdf('Roof drawing revised membrane'), note='改防水层')
            # the same bytes again: refused by their SHA-256
            with self.assertRaises(ValidationError) as refused:
                Document.add_version(drawing, 'copy.pdf',
                    samples.pdf('Roof drawing first issue'))
            self.assertIn('SHA-256', refused.exception.message)
            # the type comes from the content, not from the name
            with self.assertRaises(ValidationError) as refused:
                Document.add_version(drawing, 'fake.pdf', b'not a pdf')
            self.assertIn('fake.pdf', refused.exception.message)

            drawing = Document(drawing.id)
            self.assertEqual([v.number for v in drawing.versions], [2, 1])
            # a new version edits the document (编辑时间, 编辑人)
            self.assertTrue(drawing.write_date)
            self.assertEqual(drawing.write_uid.id,
                staff['project_manager'].id)
            self.assertEqual(second.storage_class, 'STANDARD')
            # the fixed fields look fixed once saved
            for name in ['name', 'data']:
                states = Version.fields_get([name])[name]['states']
                for record_id, readonly in [(second.id, True), (-1, False)]:
                    self.assertEqual(PYSONDecoder({'id': record_id}).decode(
                            states)['readonly'], readonly)
            self.assertEqual(drawing.current, second)
            self.assertEqual(first.content()[:5], b'%PDF-')
            self.assertEqual(drawing.media_type, 'application/pdf')
            self.assertFalse(second.encrypted)
            # a version is never rewritten: a new one is uploaded
            with self.assertRaises(AccessError):
                Version.write([first], {'name': 'other.pdf'})

            # preview: the first page as a PNG, cached in the store
            preview = drawing.preview
            self.assertTrue(preview.startswith(b'\x89PNG'))
            self.assertTrue(storage.backend().exists(
                    Version(second.id).preview_key))

            # search by name, tag, category and content
            for text in ['屋面防水图', '屋面', '施工图纸', 'revised membrane']:
                with self.subTest(text=text):
                    self.assertEqual(Document.search(
                            [('search_text', 'ilike', f'%{text}%')]),
                        [drawing])
            self.assertEqual(Document.search(
                    [('search_text', 'ilike', '%first issue%')]), [])

            # Word documents are searchable by their text too
            case, = Document.create([{'name': '卫生间渗漏案例',
                        'category': category('case').id}])
            Document.add_version(case, 'case.docx', samples.docx())
            self.assertEqual(Document.search(
                    [('search_text', 'ilike', '%闭水试验%')]), [case])

        # contracts are encrypted at rest
        with acting_as(staff['customer_service']):
            contract, = Document.create([{'name': '园区维保合同',
                        'category': category('contract').id}])
            signed = Document.add_version(contract, 'contract.pdf',
                samples.pdf('Maintenance contract 2026'))
            self.assertTrue(signed.encrypted)
            self.assertTrue(storage.backend().encrypted_at_rest(
                    signed.storage_key))
            self.assertEqual(signed.content()[:5], b'%PDF-')
            self.assertTrue(Version(signed.id).preview.startswith(b'\x89PNG'))

    @with_transaction()
    def test_permissions_per_category_and_document(self):
        pool = Pool()
        Document = pool.get('yuexing.file.document')
        Share = pool.get('yuexing.file.share')
        Log = pool.get('yuexing.audit.log')
        setup_company()
        staff = users()
        with acting_as(staff['customer_service']):
            contract, = Document.create([{'name': '业主合同',
                        'category': category('contract').id}])
            Document.add_version(contract, 'c.pdf', samples.pdf('Contract'))
        # a dispatcher does not manage contracts
        with acting_as(staff['dispatcher']):
            with self.assertRaises(AccessError):
                Document.create([{'name': '合同', 'category':
                            category('contract').id}])
            self.assertEqual(Document.search([('id', '=', contract.id)]), [])
        # finance reads the contracts' category but may not change them
        with acting_as(staff['finance']):
            self.assertEqual(Document.search([('id', '=', contract.id)]),
                [contract])
            with self.assertRaises(AccessError):
                Document.write([contract], {'name': '改名'})
        # warehouse sees no contract until one is shared with them
        with acting_as(staff['warehouse']):
            self.assertEqual(Document.search([('id', '=', contract.id)]), [])
        with acting_as(staff['customer_service']):
            Share.create([{'document': contract.id, 'kind': 'user',
                        'user': staff['warehouse'].id, 'expires': None}])
        with acting_as(staff['warehouse']):
            document, = Document.search([('id', '=', contract.id)])
            name, kind, data = document.download()
            self.assertEqual(kind, 'application/pdf')
            with self.assertRaises(AccessError):
                Share.create([{'document': contract.id, 'kind': 'user',
                            'user': staff['dispatcher'].id}])
        logged = Log.search([('model', '=', 'yuexing.file.version'),
                ('action', '=', 'download'),
                ('user', '=', staff['warehouse'].id)])
        self.assertEqual(len(logged), 1)

    @with_transaction()
    def test_cold_files_move_by_queue_and_stay_readable(self):
        pool = Pool()
        Document = pool.get('yuexing.file.document')
        Version = pool.get('yuexing.file.version')
        Queue = pool.get('ir.queue')
        setup_company()
        staff = users()
        with acting_as(staff['project_manager']):
            old, = Document.create([{'name': '2025年施工照片',
                        'category': category('site_photo').id}])
            photo = Document.add_version(old, 'p.jpg', samples.jpeg())
            new, = Document.create([{'name': '本月照片',
                        'category': category('site_photo').id}])
            Document.add_version(new, 'n.jpg', samples.jpeg((200, 10, 10)))
        table = Version.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.create_date],
                [dt.datetime.now() - dt.timedelta(days=400)],
                where=table.id == photo.id))
        queued = Version.archive_cold()
        self.assertEqual(queued, [photo])
        self.assertTrue([t for t in Queue.search([])
                if t.data.get('method') == 'move_cold'])
        Version.move_cold([Version(photo.id)])
        photo = Version(photo.id)
        backend = storage.backend()
        self.assertEqual(photo.storage_class, backend.cold_class)
        self.assertEqual(backend.storage_class(photo.storage_key),
            self.cold_class)
        self.assertEqual(photo.content()[:3], b'\xff\xd8\xff')


class LocalLibraryTestCase(LibraryCases, FunctionalTestCase):
    "The library on the local store (envelope encryption)."
    cold_class = storage.STANDARD

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = local_env()
        cls.addClassCleanup(shutil.rmtree, cls.env['YUEXING_FILE_PATH'])


class S3LibraryTestCase(LibraryCases, FunctionalTestCase):
    "The library on a local S3-compatible server (SSE, storage classes)."
    cold_class = 'STANDARD_IA'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = S3Server().start()
        cls.addClassCleanup(cls.s3.stop)
        cls.env = cls.s3.env()


del FunctionalTestCase
