"""Manifest.db (iOS 10+), FORMATS.md 1.5.

The exact CREATE statements of a real iOS 14 Manifest.db (shared/realdata/schemas), user_version
2, journal_mode WAL (header bytes 18-19 = 02 02) and fully checkpointed so that no -wal/-shm is
left next to it.  Files.file holds the MBFile archive (nskeyed.mbfile).
"""

import os
import sqlite3
import tempfile

SCHEMA = [
    "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, "
    "file BLOB)",
    "CREATE INDEX FilesDomainIdx ON Files(domain)",
    "CREATE INDEX FilesRelativePathIdx ON Files(relativePath)",
    "CREATE INDEX FilesFlagsIdx ON Files(flags)",
    "CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)",
]
USER_VERSION = 2
PAGE_SIZE = 4096


def build(rows) -> bytes:
    """rows: iterable of (fileID, domain, relativePath, flags, file_blob). Returns the db bytes."""
    with tempfile.TemporaryDirectory(prefix="mfx-manifest-") as tmp:
        path = os.path.join(tmp, "Manifest.db")
        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute(f"PRAGMA page_size={PAGE_SIZE}")
            mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise RuntimeError(f"Manifest.db: journal_mode is {mode}, wanted wal")
            con.execute("BEGIN")
            for stmt in SCHEMA:
                con.execute(stmt)
            con.execute(f"PRAGMA user_version={USER_VERSION}")
            con.executemany(
                "INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?,?,?,?,?)",
                list(rows))
            con.execute("COMMIT")
            busy, log_frames, ckpt = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy or log_frames != ckpt:
                raise RuntimeError("Manifest.db: checkpoint incomplete")
        finally:
            con.close()
        for suffix in ("-wal", "-shm"):
            if os.path.exists(path + suffix):
                raise RuntimeError(f"Manifest.db{suffix} left behind")
        with open(path, "rb") as f:
            data = f.read()
    if data[18:20] != b"\x02\x02":
        raise RuntimeError("Manifest.db is not in WAL mode")
    if len(data) % PAGE_SIZE:
        raise RuntimeError("Manifest.db length is not page aligned")
    return data
