"""AES primitives for the backup format (FORMATS.md 2.2-2.5), on python3-cryptography.

- KEK: iOS 10.2+ PBKDF2-SHA1(PBKDF2-SHA256(pw, DPSL, DPIC, 32), SALT, ITER, 32); older keybags
  PBKDF2-SHA1(pw, SALT, ITER, 32).  The password is UTF-8.
- Class keys, the ManifestKey and per-file keys are RFC 3394 AES key wrapped (40 B -> 32 B).
- Manifest.db: AES-256-CBC, zero IV, over the whole file, no padding.
- File blobs: AES-256-CBC, zero IV, PKCS#7 (an empty file becomes one 16-byte block).
"""

import hashlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

ZERO_IV = bytes(16)


def derive_kek(password: bytes, salt: bytes, iterations: int,
               dpsl: bytes = None, dpic: int = None) -> bytes:
    if dpsl is not None:
        stage1 = hashlib.pbkdf2_hmac("sha256", password, dpsl, dpic, 32)
        return hashlib.pbkdf2_hmac("sha1", stage1, salt, iterations, 32)
    return hashlib.pbkdf2_hmac("sha1", password, salt, iterations, 32)


def wrap_key(kek: bytes, key: bytes) -> bytes:
    wrapped = aes_key_wrap(kek, key)
    assert len(wrapped) == len(key) + 8
    return wrapped


def unwrap_key(kek: bytes, wrapped: bytes) -> bytes:
    return aes_key_unwrap(kek, wrapped)


def cbc_encrypt_nopad(key: bytes, data: bytes) -> bytes:
    """Whole-buffer AES-256-CBC with a zero IV; len(data) must be a multiple of 16."""
    if len(data) % 16:
        raise ValueError("cbc_encrypt_nopad: length not a multiple of 16")
    enc = Cipher(algorithms.AES(key), modes.CBC(ZERO_IV)).encryptor()
    return enc.update(data) + enc.finalize()


class BlobEncryptor:
    """Streaming AES-256-CBC (zero IV) + PKCS#7, as used for every file blob."""

    def __init__(self, key: bytes):
        self._padder = padding.PKCS7(128).padder()
        self._enc = Cipher(algorithms.AES(key), modes.CBC(ZERO_IV)).encryptor()

    def update(self, chunk: bytes) -> bytes:
        return self._enc.update(self._padder.update(chunk))

    def finalize(self) -> bytes:
        return self._enc.update(self._padder.finalize()) + self._enc.finalize()


class CtrStream:
    """Fast deterministic pseudo-random bytes (AES-256-CTR keystream over zeros)."""

    def __init__(self, key: bytes):
        self._enc = Cipher(algorithms.AES(key), modes.CTR(ZERO_IV)).encryptor()

    def read(self, n: int) -> bytes:
        return self._enc.update(bytes(n))
