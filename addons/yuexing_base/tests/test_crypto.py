"""The keys and the encryption of yuexing_base.crypto, without a database:
development key, production refusal, rotation and the keyed hash."""
import os
import stat
import tempfile
import unittest
from unittest import mock

from cryptography.fernet import Fernet

from trytond.modules.yuexing_base import crypto

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def keys(*values, **extra):
    "The environment with the given keys (none: the variable removed)."
    env = {k: v for k, v in os.environ.items() if k not in {
            crypto.ENV_KEYS, crypto.ENV_PRODUCTION, 'YUEXING_STATE_DIR'}}
    if values:
        env[crypto.ENV_KEYS] = ','.join(values)
    env.update(extra)
    return mock.patch.dict(os.environ, env, clear=True)


class CryptoTestCase(unittest.TestCase):
    "Encryption at rest: keys, rotation, keyed hash"

    def setUp(self):
        # the development key is cached per process
        patcher = mock.patch.object(crypto, '_development_key', None)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_round_trip_hides_the_clear_text(self):
        with keys(KEY_A):
            token = crypto.encrypt('110105194912310021')
            self.assertTrue(crypto.is_token(token))
            self.assertNotIn('110105', token)
            self.assertEqual(crypto.decrypt(token), '110105194912310021')
            self.assertNotEqual(crypto.encrypt('x'), crypto.encrypt('x'))
            self.assertEqual(crypto.encrypt(token), token, "never twice")
            self.assertIsNone(crypto.encrypt(''))
            self.assertIsNone(crypto.decrypt(None))
            self.assertFalse(crypto.is_token('gAAAAAnot a token'))

    def test_written_under_a_readable_after_rotation_to_b(self):
        with keys(KEY_A):
            token = crypto.encrypt('6222021234567890123')
            index_a = crypto.blind_index('6222021234567890123')
        with keys(KEY_B, KEY_A):
            self.assertEqual(crypto.decrypt(token), '6222021234567890123')
            # a search finds rows hashed before the rotation
            self.assertIn(index_a, crypto.blind_indexes('6222021234567890123'))
            rotated = crypto.rotate(token)
        with keys(KEY_B):
            self.assertEqual(crypto.decrypt(rotated), '6222021234567890123')
            with self.assertRaises(crypto.CryptoError):
                crypto.decrypt(token)
            self.assertNotEqual(crypto.blind_index('6222021234567890123'),
                index_a)

    def test_keyed_hash_needs_the_key(self):
        with keys(KEY_A):
            first = crypto.blind_index('11010519491231002X')
            self.assertEqual(first, crypto.blind_index('11010519491231002X'))
            self.assertRegex(first, r'^[0-9a-f]{64}$')
        import hashlib
        self.assertNotEqual(first,
            hashlib.sha256(b'11010519491231002X').hexdigest())

    def test_production_refuses_without_key(self):
        with keys(YUEXING_PRODUCTION='1'):
            with self.assertRaises(crypto.CryptoError) as cm:
                crypto.encrypt('secret')
            self.assertIn(crypto.ENV_KEYS, str(cm.exception))
        with keys('not-a-key', YUEXING_PRODUCTION='1'):
            with self.assertRaises(crypto.CryptoError):
                crypto.check()
        with keys(KEY_A, YUEXING_PRODUCTION='1'):
            crypto.check()

    def test_development_key_generated_once(self):
        with tempfile.TemporaryDirectory() as state, \
                keys(YUEXING_STATE_DIR=state):
            token = crypto.encrypt('secret')
            path = os.path.join(state, crypto.KEY_FILE)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            key = open(path).read().strip()
            crypto._development_key = None  # a new process
            self.assertEqual(crypto.keys(), (key,))
            self.assertEqual(crypto.decrypt(token), 'secret')
