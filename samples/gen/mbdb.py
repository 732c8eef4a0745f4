"""Manifest.mbdb (iOS <= 9), FORMATS.md 1.7.

File: b"mbdb\\x05\\x00", then records back to back to EOF.  All integers big-endian.  A string is
a u16 BE length + bytes; length 0xFFFF = null.  Record:
  domain, path, link target, data hash, encryption key   (5 strings)
  mode u16, inode u64, uid u32, gid u32, mtime u32, atime u32, ctime u32, size u64,
  protection class u8, property count u8                 (40 bytes)
  count x (name string, value string = raw bytes)
"""

import struct

MAGIC = b"mbdb\x05\x00"
_FIXED = struct.Struct(">HQIIIIIQBB")
assert _FIXED.size == 40


def mbdb_string(value) -> bytes:
    if value is None:
        return b"\xff\xff"
    if isinstance(value, str):
        value = value.encode("utf-8")
    if len(value) >= 0xFFFF:
        raise ValueError("mbdb string too long")
    return struct.pack(">H", len(value)) + bytes(value)


def record(domain, path, target, data_hash, enc_key, mode, inode, uid, gid, mtime, atime, ctime,
           size, protection_class, properties) -> bytes:
    out = bytearray()
    for s in (domain, path, target, data_hash, enc_key):
        out += mbdb_string(s)
    props = list(properties.items()) if isinstance(properties, dict) else list(properties)
    if len(props) > 255:
        raise ValueError("too many mbdb properties")
    out += _FIXED.pack(mode, inode, uid, gid, mtime, atime, ctime, size, protection_class,
                       len(props))
    for name, value in props:
        out += mbdb_string(name)
        out += mbdb_string(value)
    return bytes(out)


def build(records) -> bytes:
    return MAGIC + b"".join(records)
