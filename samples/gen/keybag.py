"""Backup keybag (Manifest.plist BackupKeyBag), FORMATS.md 2.1-2.3.

TLV items: 4-byte ASCII tag, u32 BE length, value; integer tags hold a u32 BE.
Global section: VERS, TYPE, UUID, HMCK (40 B), WRAP, SALT (20 B), ITER, and for iOS 10.2+ keybags
DPWT, DPIC, DPSL (20 B).  Then one record per protection class 1..11, each opened by its UUID:
UUID, CLAS, WRAP, KTYP (0 = AES), WPKY (40 B).

Classes 1-4 and 6-8 have WRAP 2: WPKY = RFC 3394 wrap of the 32-byte class key under the KEK.
Classes 5 and 9-11 have WRAP 3: on a device the key is first encrypted with the UID key, which
never leaves the device.  We reproduce what a reader sees: WPKY is the wrap of a random 32-byte
value under the KEK, so the unwrap passes its integrity check but the result is useless.
"""

import hashlib
import struct
from dataclasses import dataclass, field

from . import crypto

WRAP2_CLASSES = (1, 2, 3, 4, 6, 7, 8)
WRAP3_CLASSES = (5, 9, 10, 11)
INT_TAGS = {b"VERS", b"TYPE", b"WRAP", b"ITER", b"DPWT", b"DPIC", b"CLAS", b"KTYP"}


def tlv(tag: bytes, value) -> bytes:
    assert len(tag) == 4
    if isinstance(value, int):
        assert tag in INT_TAGS
        value = struct.pack(">I", value)
    return tag + struct.pack(">I", len(value)) + value


@dataclass
class ClassKey:
    clas: int
    uuid: bytes
    wrap: int
    ktyp: int
    wpky: bytes
    key: bytes          # the 32-byte class key (WRAP 2) or the useless "unwrapped" value (WRAP 3)

    @property
    def usable(self) -> bool:
        return self.wrap == 2


@dataclass
class Keybag:
    vers: int
    type_: int
    uuid: bytes
    hmck: bytes
    wrap: int
    salt: bytes
    iterations: int
    dpwt: int = None
    dpic: int = None
    dpsl: bytes = None
    classes: list = field(default_factory=list)
    kek: bytes = b""
    blob: bytes = b""

    def class_key(self, clas: int) -> bytes:
        for c in self.classes:
            if c.clas == clas:
                if not c.usable:
                    raise ValueError(f"class {clas} is not recoverable off-device")
                return c.key
        raise KeyError(clas)

    def to_record(self) -> dict:
        return {
            "size": len(self.blob),
            "sha256": hashlib.sha256(self.blob).hexdigest(),
            "VERS": self.vers,
            "TYPE": self.type_,
            "UUID": self.uuid.hex(),
            "HMCK": self.hmck.hex(),
            "WRAP": self.wrap,
            "SALT": self.salt.hex(),
            "ITER": self.iterations,
            "DPWT": self.dpwt,
            "DPIC": self.dpic,
            "DPSL": self.dpsl.hex() if self.dpsl is not None else None,
            "class_order": [c.clas for c in self.classes],
            "classes": [
                {
                    "CLAS": c.clas,
                    "UUID": c.uuid.hex(),
                    "WRAP": c.wrap,
                    "KTYP": c.ktyp,
                    "WPKY": c.wpky.hex(),
                    "usable": c.usable,
                    # WRAP 2: the real class key.  WRAP 3: what an unwrap under the KEK yields
                    # (it passes the RFC 3394 check but decrypts nothing).
                    "unwrapped_hex": c.key.hex(),
                }
                for c in self.classes
            ],
        }


def build_keybag(rng, password: bytes, two_stage: bool, iterations: int, dpic: int,
                 vers: int, class_order) -> Keybag:
    kb = Keybag(
        vers=vers,
        type_=1,  # backup keybag
        uuid=rng.randbytes(16),
        hmck=rng.randbytes(40),
        wrap=1,
        salt=rng.randbytes(20),
        iterations=iterations,
    )
    if two_stage:
        kb.dpwt = 1
        kb.dpic = dpic
        kb.dpsl = rng.randbytes(20)
    kb.kek = crypto.derive_kek(password, kb.salt, kb.iterations, kb.dpsl, kb.dpic)

    for clas in class_order:
        uuid = rng.randbytes(16)
        key = rng.randbytes(32)
        wrap = 2 if clas in WRAP2_CLASSES else 3
        wpky = crypto.wrap_key(kb.kek, key)
        kb.classes.append(ClassKey(clas=clas, uuid=uuid, wrap=wrap, ktyp=0, wpky=wpky, key=key))

    out = bytearray()
    out += tlv(b"VERS", kb.vers)
    out += tlv(b"TYPE", kb.type_)
    out += tlv(b"UUID", kb.uuid)
    out += tlv(b"HMCK", kb.hmck)
    out += tlv(b"WRAP", kb.wrap)
    out += tlv(b"SALT", kb.salt)
    out += tlv(b"ITER", kb.iterations)
    if two_stage:
        out += tlv(b"DPWT", kb.dpwt)
        out += tlv(b"DPIC", kb.dpic)
        out += tlv(b"DPSL", kb.dpsl)
    for c in kb.classes:
        out += tlv(b"UUID", c.uuid)
        out += tlv(b"CLAS", c.clas)
        out += tlv(b"WRAP", c.wrap)
        out += tlv(b"KTYP", c.ktyp)
        out += tlv(b"WPKY", c.wpky)
    kb.blob = bytes(out)
    return kb
