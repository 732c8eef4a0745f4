"""Helpers for content modules that ship real SQLite databases.

build_db(): a rollback-journal (or WAL, checkpointed) database file, page aligned.
build_wal_pair(): a WAL-mode database and its un-checkpointed -wal, as a device leaves them.
SQLite seeds a new WAL's salts from its own RNG; we overwrite the salts with values from our
seeded RNG and recompute every checksum (SQLite src/wal.c algorithm, FORMATS.md 3.3), so the pair is
byte-identical from run to run.
"""

import os
import sqlite3
import struct
import tempfile

PAGE_SIZE = 4096


def _connect(path):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA page_size={PAGE_SIZE}")
    return con


def build_db(populate, journal_mode="delete") -> bytes:
    """populate(con) runs its own transactions. Returns the file bytes."""
    with tempfile.TemporaryDirectory(prefix="mfx-db-") as tmp:
        path = os.path.join(tmp, "x.sqlite")
        con = _connect(path)
        try:
            got = con.execute(f"PRAGMA journal_mode={journal_mode}").fetchone()[0]
            assert got.lower() == journal_mode.lower(), got
            populate(con)
            if journal_mode.lower() == "wal":
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        for suffix in ("-wal", "-shm", "-journal"):
            assert not os.path.exists(path + suffix), suffix
        with open(path, "rb") as f:
            data = f.read()
    assert data.startswith(b"SQLite format 3\x00") and len(data) % PAGE_SIZE == 0
    return data


def build_wal_pair(populate_main, populate_wal, rng):
    """populate_main(con) is checkpointed into the main file; populate_wal(con) stays in the WAL."""
    with tempfile.TemporaryDirectory(prefix="mfx-wal-") as tmp:
        path = os.path.join(tmp, "x.db")
        con = _connect(path)
        try:
            assert con.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() == "wal"
            con.execute("PRAGMA wal_autocheckpoint=0")
            populate_main(con)
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            populate_wal(con)
            # Read both files while the connection is still open (closing would checkpoint).
            with open(path, "rb") as f:
                main = f.read()
            with open(path + "-wal", "rb") as f:
                wal = f.read()
        finally:
            con.close()
    assert main[18:20] == b"\x02\x02"
    wal = reseal_wal(wal, rng.getrandbits(32), rng.getrandbits(32))
    return main, wal


def _wal_checksum(data: bytes, s1: int, s2: int, big_endian: bool):
    n = len(data) // 4
    words = struct.unpack((">" if big_endian else "<") + f"{n}I", data)
    for i in range(0, n, 2):
        s1 = (s1 + words[i] + s2) & 0xFFFFFFFF
        s2 = (s2 + words[i + 1] + s1) & 0xFFFFFFFF
    return s1, s2


def reseal_wal(wal: bytes, salt1: int, salt2: int) -> bytes:
    """Replace the WAL salts and recompute header and frame checksums."""
    magic, version, page_size, ckpt_seq, old1, old2 = struct.unpack(">6I", wal[:24])
    if magic not in (0x377F0682, 0x377F0683):
        raise ValueError("not a WAL file")
    big = bool(magic & 1)
    hdr = bytearray(wal[:32])
    struct.pack_into(">II", hdr, 16, salt1, salt2)
    s = _wal_checksum(bytes(hdr[:24]), 0, 0, big)
    struct.pack_into(">II", hdr, 24, *s)
    out = bytearray(hdr)
    frame_size = 24 + page_size
    off = 32
    while off + frame_size <= len(wal):
        fh = bytearray(wal[off:off + 24])
        page = wal[off + 24:off + frame_size]
        if struct.unpack(">II", fh[8:16]) != (old1, old2):
            raise ValueError("WAL frame with foreign salts; not expected in a fresh WAL")
        struct.pack_into(">II", fh, 8, salt1, salt2)
        s = _wal_checksum(bytes(fh[:8]), s[0], s[1], big)
        s = _wal_checksum(page, s[0], s[1], big)
        struct.pack_into(">II", fh, 16, *s)
        out += fh + page
        off += frame_size
    if off != len(wal):
        raise ValueError("WAL has a partial frame")
    return bytes(out)
