#!/usr/bin/python3
"""Independent checker for a generated sample backup (shares no code with gen/).

Reads the backup the way a reader would (Manifest.plist -> keybag -> KEK -> class keys ->
Manifest.db / Manifest.mbdb -> blobs), then compares everything with the generator's record:
every row's metadata, every blob's location, and the SHA-256 of every decrypted plaintext.

  check_sample.py BACKUP_DIR RECORD_JSON [--password-file F] [--use-record-kek]

Exit status 0 when everything matches, 1 with a list of mismatches otherwise.
Needs only the Python standard library and python3-cryptography.
"""

import argparse
import hashlib
import json
import os
import plistlib
import shutil
import sqlite3
import struct
import sys
import tempfile

sys.dont_write_bytecode = True

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap  # noqa: E402

CHUNK = 1 << 20
problems = []
# A "decrypted-flagged" backup carries keys but stores plaintext blobs.
STATE = {"blobs_plaintext": False}


def bad(msg):
    problems.append(msg)


def cbc_decrypt(key, data):
    d = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).decryptor()
    return d.update(data) + d.finalize()


def parse_keybag(blob):
    items, off = [], 0
    while off < len(blob):
        tag = blob[off:off + 4].decode("ascii")
        (n,) = struct.unpack(">I", blob[off + 4:off + 8])
        val = blob[off + 8:off + 8 + n]
        if len(val) != n:
            raise ValueError("truncated keybag")
        if tag in ("VERS", "TYPE", "WRAP", "ITER", "DPWT", "DPIC", "CLAS", "KTYP"):
            (val,) = struct.unpack(">I", val)
        items.append((tag, val))
        off += 8 + n
    glob, classes, cur, uuids = {}, [], None, 0
    for tag, val in items:
        if tag == "UUID":
            uuids += 1
            if uuids >= 2:
                cur = {"UUID": val}
                classes.append(cur)
                continue
        (glob if cur is None else cur)[tag] = val
    return glob, classes


def resolve(objs, v):
    while isinstance(v, plistlib.UID):
        v = objs[v.data]
    return v


def decode_mbfile(blob):
    pl = plistlib.loads(blob)
    if pl.get("$archiver") != "NSKeyedArchiver":
        raise ValueError("not an NSKeyedArchiver plist")
    objs = pl["$objects"]
    root = resolve(objs, pl["$top"]["root"])
    cls = resolve(objs, root["$class"])
    if cls.get("$classname") != "MBFile":
        raise ValueError("root is not an MBFile")
    out = {}
    for k, v in root.items():
        if k == "$class":
            continue
        v = resolve(objs, v)
        if isinstance(v, dict) and "NS.data" in v:
            v = resolve(objs, v["NS.data"])
        out[k] = v
    return out


def read_mbdb(data):
    if data[:6] != b"mbdb\x05\x00":
        raise ValueError("bad mbdb header")
    off, recs = 6, []

    def string():
        nonlocal off
        (n,) = struct.unpack(">H", data[off:off + 2])
        off += 2
        if n == 0xFFFF:
            return None
        s = data[off:off + n]
        off += n
        return s

    while off < len(data):
        r = {}
        for k in ("domain", "path", "target", "hash", "key"):
            r[k] = string()
        (r["mode"], r["inode"], r["uid"], r["gid"], r["mtime"], r["atime"], r["ctime"], r["size"],
         r["pclass"], nprops) = struct.unpack(">HQIIIIIQBB", data[off:off + 40])
        off += 40
        r["props"] = {}
        for _ in range(nprops):
            name = string()
            r["props"][name.decode("utf-8")] = string()
        recs.append(r)
    return recs


def check(backup, record, password, use_record_kek):
    style = record["style"]
    man_path = os.path.join(backup, "Manifest.plist")
    manifest = None
    if os.path.exists(man_path):
        with open(man_path, "rb") as f:
            raw = f.read()
        if not raw.startswith(b"bplist00"):
            bad("Manifest.plist is not a binary plist")
        manifest = plistlib.loads(raw)
    elif record["manifest_plist"]["present"]:
        bad("Manifest.plist missing")

    class_keys = {}
    if manifest and "BackupKeyBag" in manifest:
        glob, classes = parse_keybag(manifest["BackupKeyBag"])
        kb = record["keybag"]
        for t in ("VERS", "TYPE", "WRAP", "ITER"):
            if glob.get(t) != kb[t]:
                bad(f"keybag {t} {glob.get(t)} != record {kb[t]}")
        if use_record_kek:
            kek = bytes.fromhex(record["kek_hex"])
        else:
            pw = password.encode("utf-8")
            if "DPSL" in glob:
                pw = hashlib.pbkdf2_hmac("sha256", pw, glob["DPSL"], glob["DPIC"], 32)
            kek = hashlib.pbkdf2_hmac("sha1", pw, glob["SALT"], glob["ITER"], 32)
            if kek.hex() != record["kek_hex"]:
                bad("derived KEK differs from the record's kek_hex")
        if [c["CLAS"] for c in classes] != kb["class_order"]:
            bad("keybag class order differs")
        for c in classes:
            try:
                k = aes_key_unwrap(kek, c["WPKY"])
            except InvalidUnwrap:
                bad(f"class {c['CLAS']} does not unwrap")
                continue
            if c["WRAP"] == 2:
                class_keys[c["CLAS"]] = k
            # WRAP 3 classes unwrap too (the trap) but are not usable.
        if set(class_keys) != {1, 2, 3, 4, 6, 7, 8}:
            bad(f"usable classes {sorted(class_keys)}")
            return 0  # wrong password or broken keybag: nothing further can be checked

    files = record["files"]
    by_key = {(f["domain"], f["relative_path"]): f for f in files}
    rows = []

    if style == "ios17":
        with open(os.path.join(backup, "Manifest.db"), "rb") as f:
            db = f.read()
        if not db.startswith(b"SQLite format 3\x00"):
            mk = manifest["ManifestKey"]
            (mclass,) = struct.unpack("<I", mk[:4])
            db = cbc_decrypt(aes_key_unwrap(class_keys[mclass], mk[4:]), db)
            if not record["encrypted"]:
                bad("Manifest.db encrypted but record says plaintext")
        elif record["encrypted"]:
            bad("Manifest.db plaintext but record says encrypted")
        if hashlib.sha256(db).hexdigest() != record["manifest"]["plaintext_sha256"]:
            bad("Manifest.db plaintext sha256 differs")
        if db[18:20] != b"\x02\x02":
            bad("Manifest.db not WAL mode")
        page = struct.unpack(">H", db[16:18])[0]
        if struct.unpack(">I", db[28:32])[0] * page != len(db):
            bad("Manifest.db page count * page size != length")
        with tempfile.TemporaryDirectory() as tmp:
            p = os.path.join(tmp, "Manifest.db")
            with open(p, "wb") as f:
                f.write(db)
            con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
            if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                bad("Manifest.db integrity_check failed")
            schema = [r[0] for r in con.execute(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")]
            for r in con.execute("SELECT fileID, domain, relativePath, flags, file FROM Files "
                                 "ORDER BY rowid"):
                rows.append(r)
            if con.execute("SELECT count(*) FROM Properties").fetchone()[0] != 0:
                bad("Properties not empty")
            if con.execute("PRAGMA user_version").fetchone()[0] != 2:
                bad("user_version != 2")
            con.close()
        want_schema = [
            "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, "
            "flags INTEGER, file BLOB)",
            "CREATE INDEX FilesDomainIdx ON Files(domain)",
            "CREATE INDEX FilesRelativePathIdx ON Files(relativePath)",
            "CREATE INDEX FilesFlagsIdx ON Files(flags)",
            "CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)"]
        if schema != want_schema:
            bad(f"schema differs: {schema}")
        if len(rows) != len(files):
            bad(f"{len(rows)} rows, record has {len(files)}")
        for fid, domain, rel, flags, blob in rows:
            rec = by_key.get((domain, rel))
            if rec is None:
                bad(f"row {domain}/{rel} not in record")
                continue
            mb = decode_mbfile(blob)
            if fid != hashlib.sha1(f"{domain}-{rel}".encode()).hexdigest() or fid != rec["file_id"]:
                bad(f"{domain}/{rel}: fileID {fid}")
            if flags != rec["flags"]:
                bad(f"{domain}/{rel}: flags {flags} != {rec['flags']}")
            if mb["RelativePath"] != rel:
                bad(f"{domain}/{rel}: RelativePath {mb['RelativePath']!r}")
            for k, rk in (("Mode", "mode"), ("Size", "recorded_size"), ("Birth", "birth"),
                          ("LastModified", "mtime"), ("LastStatusChange", "ctime"),
                          ("InodeNumber", "inode"), ("UserID", "uid"), ("GroupID", "gid"),
                          ("ProtectionClass", "protection_class"), ("Target", "target")):
                if mb.get(k) != rec[rk]:
                    bad(f"{domain}/{rel}: {k} {mb.get(k)!r} != record {rk} {rec[rk]!r}")
            if mb.get("Flags") != 0:
                bad(f"{domain}/{rel}: MBFile Flags {mb.get('Flags')}")
            ek = mb.get("EncryptionKey")
            if (ek.hex() if ek else None) != rec["encryption_key_hex"]:
                bad(f"{domain}/{rel}: EncryptionKey differs")
            x = plistlib.loads(mb["ExtendedAttributes"]) if "ExtendedAttributes" in mb else {}
            if {k: v.hex() for k, v in x.items()} != rec["xattrs"]:
                bad(f"{domain}/{rel}: xattrs differ")
            dg = mb.get("Digest")
            if (dg.hex() if dg else None) != rec["digest"]:
                bad(f"{domain}/{rel}: Digest differs")
            row_kind = {0o100000: "file", 0o040000: "dir",
                        0o120000: "symlink"}[mb["Mode"] & 0o170000]
            if row_kind != rec["kind"]:
                bad(f"{domain}/{rel}: kind {row_kind}")
            check_blob(backup, style, rec, ek, class_keys, mb.get("ProtectionClass"))
    else:
        with open(os.path.join(backup, "Manifest.mbdb"), "rb") as f:
            recs = read_mbdb(f.read())
        if len(recs) != len(files):
            bad(f"{len(recs)} mbdb records, record has {len(files)}")
        for r in recs:
            domain, rel = r["domain"].decode("utf-8"), r["path"].decode("utf-8")
            rec = by_key.get((domain, rel))
            if rec is None:
                bad(f"record {domain}/{rel} not in record")
                continue
            tgt = r["target"].decode("utf-8") if r["target"] is not None else None
            for k, rk, v in (("mode", "mode", r["mode"]), ("size", "recorded_size", r["size"]),
                             ("mtime", "mtime", r["mtime"]), ("atime", "atime", r["atime"]),
                             ("ctime", "ctime", r["ctime"]), ("inode", "inode", r["inode"]),
                             ("uid", "uid", r["uid"]), ("gid", "gid", r["gid"]),
                             ("pclass", "protection_class", r["pclass"]), ("target", "target", tgt)):
                if v != rec[rk]:
                    bad(f"{domain}/{rel}: {k} {v!r} != record {rec[rk]!r}")
            if {k: v.hex() for k, v in r["props"].items()} != rec["properties"]:
                bad(f"{domain}/{rel}: properties differ")
            if (r["key"].hex() if r["key"] else None) != rec["encryption_key_hex"]:
                bad(f"{domain}/{rel}: key differs")
            if (r["hash"].hex() if r["hash"] else None) != rec["digest"]:
                bad(f"{domain}/{rel}: data hash differs from record")
            check_blob(backup, style, rec, r["key"], class_keys, r["pclass"])

    # plists
    for name, key in (("Info.plist", "info_plist"), ("Status.plist", "status_plist")):
        with open(os.path.join(backup, name), "rb") as f:
            raw = f.read()
        fmt = "binary" if raw.startswith(b"bplist00") else "xml"
        if fmt != record[key]["format"]:
            bad(f"{name} format {fmt}")
        if jsonable(plistlib.loads(raw)) != record[key]["values"]:
            bad(f"{name} values differ from record")
    if manifest is not None and jsonable(manifest) != record["manifest_plist"]["values"]:
        bad("Manifest.plist values differ from record")
    return len(rows) if style == "ios17" else len(files)


def jsonable(v):
    import datetime
    if isinstance(v, datetime.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(v, bytes):
        return {"data_hex": v.hex()}
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def file_hashes(path):
    """(sha256 hex, sha1 digest, size) of a file, streamed."""
    h256, h1, n = hashlib.sha256(), hashlib.sha1(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h256.update(chunk)
            h1.update(chunk)
            n += len(chunk)
    return h256.hexdigest(), h1.digest(), n


def decrypt_stream(path, key):
    """(sha256 hex of the plaintext, plaintext size) or an error string; streamed, the last
    block is held back until EOF for the PKCS#7 check."""
    d = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).decryptor()
    h, n, held = hashlib.sha256(), 0, b""
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            p = held + d.update(chunk)
            held, p = p[-16:], p[:-16]
            h.update(p)
            n += len(p)
    held += d.finalize()
    if len(held) != 16:
        return "blob length is not a positive multiple of 16"
    pad = held[-1]
    if not 1 <= pad <= 16 or held[-pad:] != bytes([pad]) * pad:
        return "bad PKCS#7 padding"
    h.update(held[:-pad])
    return h.hexdigest(), n + 16 - pad


def check_blob(backup, style, rec, enc_key, class_keys, pclass):
    fid = rec["file_id"]
    name = f"{rec['domain']}/{rec['relative_path']}"
    path = os.path.join(backup, fid[:2], fid) if style == "ios17" else os.path.join(backup, fid)
    if rec["kind"] != "file":
        if os.path.exists(path):
            bad(f"{name}: non-file row has a blob")
        return
    if not os.path.exists(path):
        if rec["blob_present"]:
            bad(f"{name}: blob missing")
        return
    if not rec["blob_present"]:
        bad(f"{name}: blob present but record says missing")
    blob_sha256, blob_sha1, blob_size = file_hashes(path)
    if blob_sha256 != rec["blob_sha256"] or blob_size != rec["blob_size"]:
        bad(f"{name}: blob sha256/size differs")
    if style == "ios9" and "zero-length-blob" not in rec["traps"] and \
            blob_sha1.hex() != rec["digest"]:
        bad(f"{name}: mbdb data hash is not the SHA-1 of the stored blob")
    if "zero-length-blob" in rec["traps"]:
        if blob_size:
            bad(f"{name}: zero-length-blob trap but the blob has bytes")
        return
    if class_keys and enc_key and not STATE["blobs_plaintext"]:
        prefix = struct.unpack("<I", enc_key[:4])[0]
        cls = pclass if pclass is not None else prefix
        if cls != prefix:
            bad(f"{name}: class {cls} != key prefix {prefix}")
        fk = aes_key_unwrap(class_keys[cls], enc_key[4:])
        res = decrypt_stream(path, fk)
        if isinstance(res, str):
            bad(f"{name}: {res}")
            return
        plain_sha256, plain_size = res
    else:
        plain_sha256, plain_size = blob_sha256, blob_size
    if plain_size != rec["size"]:
        bad(f"{name}: plaintext size {plain_size} != {rec['size']}")
    if plain_sha256 != rec["sha256"]:
        bad(f"{name}: plaintext sha256 differs")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("backup")
    ap.add_argument("record")
    ap.add_argument("--password-file")
    ap.add_argument("--use-record-kek", action="store_true",
                    help="take the KEK from the record (skips the slow PBKDF2)")
    a = ap.parse_args()
    with open(a.record, encoding="utf-8") as f:
        record = json.load(f)
    password = record["password"]
    if a.password_file:
        with open(a.password_file, "rb") as f:
            password = f.read().split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
        if password != record["password"]:
            bad("password file differs from the record's password")
    STATE["blobs_plaintext"] = record["was_encrypted"] and not record["encrypted"]
    n = check(a.backup, record, password, a.use_record_kek)
    if problems:
        for p in problems:
            print("MISMATCH:", p)
        print(f"{a.backup}: {len(problems)} mismatches")
        return 1
    print(f"{a.backup}: OK ({n} rows, {record['style']}, "
          f"{'encrypted' if record['encrypted'] else 'plaintext'}, "
          f"traps: {', '.join(record['traps']) or 'none'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
