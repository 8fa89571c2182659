"""The storage layer: the same cases against the local store and a local
S3-compatible server (moto), through the backend and through trytond's
filestore class."""
import os
import shutil
import unittest

from trytond.modules.yuexing_file import storage
from trytond.modules.yuexing_file.filestore import FileStore

from .storage_tools import S3Server, local_env, storage_env


class StorageCases:
    "Subclasses set cls.env (the environment of the backend)."

    def setUp(self):
        super().setUp()
        patcher = storage_env(self.env)
        patcher.__enter__()
        self.addCleanup(patcher.__exit__, None, None, None)
        self.backend = storage.backend()

    def test_put_get_size_delete(self):
        data = '屋面防水施工记录'.encode() * 100
        self.assertFalse(self.backend.put('t/a/one.txt', data))
        self.assertTrue(self.backend.exists('t/a/one.txt'))
        self.assertEqual(self.backend.get('t/a/one.txt'), data)
        self.assertEqual(self.backend.size('t/a/one.txt'), len(data))
        self.assertFalse(self.backend.encrypted_at_rest('t/a/one.txt'))
        self.backend.put('t/a/one.txt', b'v2')
        self.assertEqual(self.backend.get('t/a/one.txt'), b'v2')
        self.backend.delete('t/a/one.txt')
        self.backend.delete('t/a/one.txt')  # twice: no error
        self.assertFalse(self.backend.exists('t/a/one.txt'))
        with self.assertRaises(storage.StorageError):
            self.backend.get('t/a/one.txt')

    def test_bad_keys_refused(self):
        for key in ['', '/etc/passwd', '../x', 'a/../../x', 'a//b']:
            with self.subTest(key=key), self.assertRaises(ValueError):
                self.backend.put(key, b'x')

    def test_sensitive_encrypted_at_rest(self):
        data = b'%PDF-1.4 contract 310101199001011234'
        self.assertTrue(self.backend.put('t/contract.pdf', data,
                sensitive=True))
        self.assertTrue(self.backend.encrypted_at_rest('t/contract.pdf'))
        self.assertEqual(self.backend.get('t/contract.pdf'), data)
        self.assertEqual(self.backend.size('t/contract.pdf'), len(data))
        self.assertNotIn(b'310101199001011234', self.raw('t/contract.pdf'))

    def test_cold_class_still_readable(self):
        self.backend.put('t/old.jpg', b'old photo', sensitive=True)
        self.backend.set_storage_class('t/old.jpg', self.backend.cold_class)
        self.assertEqual(self.backend.get('t/old.jpg'), b'old photo')
        self.assertEqual(self.backend.storage_class('t/old.jpg'),
            self.cold_class)
        self.assertTrue(self.backend.encrypted_at_rest('t/old.jpg'))
        with self.assertRaises(storage.StorageError):
            self.backend.set_storage_class('t/missing', 'STANDARD_IA')

    def test_trytond_filestore(self):
        "The class of [database] class: ids, prefixes, *many, delete."
        store = FileStore()
        ids = store.setmany([b'a' * 10, b'b' * 20], prefix='yuexing')
        self.assertEqual(store.getmany(ids, prefix='yuexing'),
            [b'a' * 10, b'b' * 20])
        self.assertEqual(store.sizemany(ids, prefix='yuexing'), [10, 20])
        self.assertTrue(self.backend.exists(FileStore.key(ids[0],
                    'yuexing')))
        store.delete_many(ids, prefix='yuexing')
        self.assertFalse(self.backend.exists(FileStore.key(ids[0],
                    'yuexing')))
        with self.assertRaises(ValueError):
            store.get('../../x')


class LocalStorageTestCase(StorageCases, unittest.TestCase):
    cold_class = storage.STANDARD  # one class on a disk: only flagged

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = local_env()
        cls.addClassCleanup(shutil.rmtree, cls.env['YUEXING_FILE_PATH'])

    def raw(self, key):
        with open(os.path.join(self.env['YUEXING_FILE_PATH'], key),
                'rb') as file:
            return file.read()


class S3StorageTestCase(StorageCases, unittest.TestCase):
    cold_class = 'STANDARD_IA'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = S3Server().start()
        cls.addClassCleanup(cls.s3.stop)
        cls.env = cls.s3.env()

    def raw(self, key):
        # SSE: the server keeps the key; what matters is the header
        self.assertEqual(self.s3.head(key)['ServerSideEncryption'],
            'AES256')
        return b''

    def test_missing_configuration_refused(self):
        with storage_env({'YUEXING_S3_BUCKET': ''}), \
                self.assertRaises(storage.StorageError):
            storage.backend()
