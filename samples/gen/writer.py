"""Assembles a backup folder from content specs: plan rows, write blobs (encrypting when asked),
build Manifest.db / Manifest.mbdb, the three root plists, and the record of what was written.

The record is built only from values this code produced; nothing is read back from disk.
"""

import hashlib
import json
import os
import plistlib
import struct
from dataclasses import dataclass, field
from typing import Optional

from . import crypto, device, keybag, manifest_db, mbdb, nskeyed, plists, traps, util
from .content import collect
from .content.spec import SCALE_KINDS, Context, FileSpec

RECORD_FORMAT_VERSION = 1
FLAGS = {"file": 1, "dir": 2, "symlink": 4}
DEFAULT_FLAGGED_PASSWORD = "mfx-decrypted-flagged"
DOMAIN_OWNERS = {"RootDomain": (0, 0), "SystemPreferencesDomain": (0, 0),
                 "KeychainDomain": (0, 0), "WirelessDomain": (25, 25)}


class GenerationError(Exception):
    pass


@dataclass
class Options:
    out: str
    record: str
    style: str = "ios17"
    encrypt: bool = False
    password: Optional[str] = None
    dpic: int = 10_000_000
    iterations: int = 10_000
    seed: str = "mfx"
    traps: list = field(default_factory=list)
    bulk_bytes: int = 0
    bulk_files: int = 0
    manifest_key_class: int = 3
    scale: dict = field(default_factory=dict)  # kind -> rows in total (content/spec.SCALE_KINDS)


@dataclass
class Entry:
    spec: FileSpec
    file_id: str
    auto: bool = False
    inode: int = 0
    flags: int = 1
    size_delta: int = 0
    omit_blob: bool = False
    zero_blob: bool = False
    truncate_blob: int = 0       # bytes cut from the end of the stored blob
    plaintext_blob: bool = False  # stored unencrypted in an encrypted backup
    trap_names: list = field(default_factory=list)
    # filled in while writing
    size: int = 0
    sha256: Optional[str] = None
    sha1_plain: Optional[bytes] = None
    blob_sha256: Optional[str] = None
    blob_sha1: Optional[bytes] = None       # SHA-1 of the blob as intended (mbdb data hash)
    blob_size: Optional[int] = None
    blob_path: Optional[str] = None
    enc_key: Optional[bytes] = None
    file_key: Optional[bytes] = None

    def known_size(self):
        if isinstance(self.spec.data, (bytes, bytearray)):
            return len(self.spec.data)
        return self.spec.size_hint

    @property
    def recorded_size(self):
        return self.size + self.size_delta if self.spec.kind == "file" else 0


def _validate(opts):
    errs = []
    if opts.style not in ("ios17", "ios9"):
        errs.append(f"unknown style {opts.style}")
    if opts.encrypt and not opts.password:
        errs.append("--encrypt needs --password or --password-file")
    if opts.password is not None and not opts.encrypt and "decrypted-flagged" not in opts.traps:
        errs.append("a password was given without --encrypt")
    if opts.iterations < 1 or opts.dpic < 1:
        errs.append("--iter and --dpic must be >= 1")
    if opts.manifest_key_class not in keybag.WRAP2_CLASSES:
        errs.append("--manifest-key-class must be a WRAP 2 class (1-4, 6-8)")
    if opts.bulk_bytes < 0 or opts.bulk_files < 0:
        errs.append("--bulk-bytes/--bulk-files must be >= 0")
    for kind, n in opts.scale.items():
        if kind not in SCALE_KINDS or n < 0:
            errs.append(f"--scale {kind}={n}: unknown kind or negative count")
    has_keys = opts.encrypt or "decrypted-flagged" in opts.traps
    errs += traps.validate(opts.traps, opts.style, has_keys)
    if len(set(opts.traps)) != len(opts.traps):
        errs.append("a trap is given twice")
    if errs:
        raise GenerationError("; ".join(errs))


def _plan(specs, ctx, seed):
    explicit = {}
    for s in specs:
        if s.key in explicit:
            raise GenerationError(f"duplicate row {s.domain}/{s.path}")
        explicit[s.key] = s
    entries, seen = [], set()

    def emit(spec, auto=False):
        seen.add(spec.key)
        entries.append(Entry(spec=spec, file_id=spec.file_id, auto=auto))

    def ensure_dir(domain, path):
        if (domain, path) in seen:
            return
        s = explicit.get((domain, path))
        if s is not None:
            if s.kind != "dir":
                raise GenerationError(f"{domain}/{path} is a parent but not a directory")
            emit(s)
            return
        uid, gid = DOMAIN_OWNERS.get(domain, (501, 501))
        times = ctx.times(util.sub_rng(seed, "autodir", domain, path))
        emit(FileSpec(domain=domain, path=path, kind="dir", uid=uid, gid=gid, **times), auto=True)

    for s in specs:
        if s.key in seen:
            continue
        if s.auto_parents:
            ensure_dir(s.domain, "")
            parts = s.path.split("/")
            for i in range(1, len(parts)):
                ensure_dir(s.domain, "/".join(parts[:i]))
        emit(s)

    rng = util.sub_rng(seed, "inodes")
    inode = 1_000_000 if ctx.style == "ios17" else 100_000
    for e in entries:
        inode += rng.randrange(1, 40)
        e.inode = inode
        e.flags = FLAGS[e.spec.kind]
    return entries


def _write_blob(e, out_dir, style, encrypt_now, keys_active, kb, seed):
    fid = e.file_id
    e.blob_path = f"{fid[:2]}/{fid}" if style == "ios17" else fid
    if keys_active:
        pc = e.spec.protection_class
        if pc not in (1, 2, 3, 4):
            raise GenerationError(f"{e.spec.domain}/{e.spec.path}: file protection class {pc} "
                                  "cannot carry a usable key")
        e.file_key = util.sub_rng(seed, "filekey", fid).randbytes(32)
        e.enc_key = struct.pack("<I", pc) + crypto.wrap_key(kb.class_key(pc), e.file_key)
    enc = crypto.BlobEncryptor(e.file_key) if encrypt_now and not e.plaintext_blob else None
    h_plain, s_plain = hashlib.sha256(), hashlib.sha1()
    h_blob, s_blob = hashlib.sha256(), hashlib.sha1()
    size = blob_size = 0
    store = not e.omit_blob and not e.zero_blob
    path = os.path.join(out_dir, e.blob_path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    f = open(path, "wb") if not e.omit_blob else None
    try:
        def put(b):
            nonlocal blob_size
            h_blob.update(b)
            s_blob.update(b)
            blob_size += len(b)
            if store:
                f.write(b)
        for chunk in e.spec.chunks():
            h_plain.update(chunk)
            s_plain.update(chunk)
            size += len(chunk)
            put(enc.update(chunk) if enc else chunk)
        if enc:
            put(enc.finalize())
    finally:
        if f:
            f.close()
    if e.truncate_blob and store:
        with open(path, "rb") as cut:
            kept = cut.read()[:-e.truncate_blob]
        with open(path, "wb") as cut:
            cut.write(kept)
        h_blob, blob_size = hashlib.sha256(kept), len(kept)
    if e.spec.size_hint is not None and e.spec.size_hint != size:
        raise GenerationError(f"{e.spec.path}: producer gave {size} bytes, hint {e.spec.size_hint}")
    e.size = size
    e.sha256 = h_plain.hexdigest()
    e.sha1_plain = s_plain.digest()
    e.blob_sha1 = s_blob.digest()
    if e.omit_blob:
        e.blob_sha256, e.blob_size = None, None
    elif e.zero_blob:
        e.blob_sha256, e.blob_size = hashlib.sha256(b"").hexdigest(), 0
    else:
        e.blob_sha256, e.blob_size = h_blob.hexdigest(), blob_size


def _mbfile(e, omit_pc, nsdata_indirection):
    s = e.spec
    ints = {
        "LastModified": s.mtime,
        "Flags": 0,
        "GroupID": s.gid,
        "LastStatusChange": s.ctime,
        "Birth": s.birth,
        "Size": e.recorded_size,
        "InodeNumber": e.inode,
        "Mode": s.mode,
        "UserID": s.uid,
    }
    if not omit_pc:
        ints["ProtectionClass"] = s.protection_class
    digest = e.sha1_plain if (s.digest and s.kind == "file") else None
    return nskeyed.mbfile(s.path, ints, encryption_key=e.enc_key,
                          target=s.target if s.kind == "symlink" else None,
                          xattrs=s.xattrs or None, digest=digest,
                          nsdata_indirection=nsdata_indirection)


def _mbdb_record(e):
    s = e.spec
    return mbdb.record(
        s.domain, s.path, s.target if s.kind == "symlink" else None,
        e.blob_sha1 if s.kind == "file" else None,
        e.enc_key, s.mode, e.inode, s.uid, s.gid, s.mtime, s.atime, s.ctime,
        e.recorded_size, s.protection_class,
        [(k.encode("utf-8"), v) for k, v in s.xattrs.items()])


def _dump_plist(value, fmt):
    return plistlib.dumps(value, fmt=plistlib.FMT_BINARY if fmt == "binary" else plistlib.FMT_XML,
                          sort_keys=True)


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def generate(opts: Options) -> dict:
    _validate(opts)
    style, seed, trap_names = opts.style, opts.seed, list(opts.traps)
    flagged = "decrypted-flagged" in trap_names
    keys_active = opts.encrypt or flagged
    encrypt_now = opts.encrypt and not flagged
    if os.path.exists(opts.out) and os.listdir(opts.out):
        raise GenerationError(f"{opts.out} exists and is not empty")
    os.makedirs(opts.out, exist_ok=True)

    base_time = device.STYLES[style]["base_time"]
    ctx = Context(seed=seed, style=style, base_time=base_time, bulk_bytes=opts.bulk_bytes,
                  bulk_files=opts.bulk_files, scale=dict(opts.scale))
    ident = device.make_identity(style, util.sub_rng(seed, "device", style))

    password = None
    kb = None
    if keys_active:
        password = opts.password if opts.password is not None else DEFAULT_FLAGGED_PASSWORD
        order = list(range(1, 12)) if style == "ios17" else list(range(11, 0, -1))
        kb = keybag.build_keybag(util.sub_rng(seed, "keybag", style), password.encode("utf-8"),
                                 two_stage=(style == "ios17"), iterations=opts.iterations,
                                 dpic=opts.dpic, vers=5 if style == "ios17" else 3,
                                 class_order=order)

    specs, expected = collect(ctx)
    trap_details = {}
    if "evil-paths" in trap_names:
        evil = traps.evil_specs(ctx)
        specs += evil
        trap_details["evil-paths"] = {
            "description": traps.TRAPS["evil-paths"][2],
            "rows": [{"domain": s.domain, "relative_path": s.path, "file_id": s.file_id,
                      "kind": s.kind, "target": s.target} for s in evil]}
    entries = _plan(specs, ctx, seed)
    for e in entries:
        if "evil-paths" in e.spec.tags:
            e.trap_names.append("evil-paths")
    trap_details.update(traps.apply_plan_traps(trap_names, entries))

    # ---- blobs ----
    for e in entries:
        if e.spec.kind == "file":
            _write_blob(e, opts.out, style, encrypt_now, keys_active, kb, seed)

    # ---- manifest ----
    manifest_key = None
    manifest_key_record = None
    if style == "ios17":
        omit_pc = "no-protection-class" in trap_names
        nsdata = "nsdata-indirection" in trap_names
        rows = [(e.file_id, e.spec.domain, e.spec.path, e.flags, _mbfile(e, omit_pc, nsdata))
                for e in entries]
        plain_db = manifest_db.build(rows)
        stored_db = plain_db
        if keys_active:
            mk = util.sub_rng(seed, "manifestkey").randbytes(32)
            mclass = opts.manifest_key_class
            manifest_key = struct.pack("<I", mclass) + crypto.wrap_key(kb.class_key(mclass), mk)
            manifest_key_record = {"class": mclass, "ManifestKey_hex": manifest_key.hex(),
                                   "key_hex": mk.hex()}
            if encrypt_now:
                stored_db = crypto.cbc_encrypt_nopad(mk, plain_db)
        _write(os.path.join(opts.out, "Manifest.db"), stored_db)
        manifest_record = {
            "file": "Manifest.db",
            "stored_size": len(stored_db),
            "stored_sha256": hashlib.sha256(stored_db).hexdigest(),
            "encrypted": stored_db is not plain_db,
            "plaintext_size": len(plain_db),
            "plaintext_sha256": hashlib.sha256(plain_db).hexdigest(),
            "page_size": manifest_db.PAGE_SIZE,
            "user_version": manifest_db.USER_VERSION,
            "journal_mode": "wal",
            "header_bytes_18_19": "0202",
            "files_rows": len(rows),
            "properties_rows": 0,
        }
        if omit_pc:
            trap_details["no-protection-class"] = {"description": traps.TRAPS[
                "no-protection-class"][2], "rows": len(rows)}
        if nsdata:
            trap_details["nsdata-indirection"] = {
                "description": traps.TRAPS["nsdata-indirection"][2],
                "rows": sum(1 for e in entries if e.enc_key is not None)}
    else:
        data = mbdb.build(_mbdb_record(e) for e in entries)
        _write(os.path.join(opts.out, "Manifest.mbdb"), data)
        manifest_record = {"file": "Manifest.mbdb", "stored_size": len(data),
                           "stored_sha256": hashlib.sha256(data).hexdigest(),
                           "encrypted": False, "records": len(entries)}

    # ---- root plists ----
    info_format = "binary" if style == "ios17" else "xml"
    if "xml-info-plist" in trap_names:
        info_format = "xml"
    if "binary-info-plist" in trap_names:
        info_format = "binary"
    info = plists.info_plist(style, ident, base_time)
    _write(os.path.join(opts.out, "Info.plist"), _dump_plist(info, info_format))

    man = plists.manifest_plist(style, ident, base_time, keys_active,
                                kb.blob if kb else None, manifest_key)
    write_manifest_plist = "no-manifest-plist" not in trap_names
    if write_manifest_plist:
        _write(os.path.join(opts.out, "Manifest.plist"), _dump_plist(man, "binary"))

    snapshot = "uploading" if "partial-snapshot" in trap_names else "finished"
    status = plists.status_plist(style, ident, base_time, snapshot)
    _write(os.path.join(opts.out, "Status.plist"), _dump_plist(status, "binary"))

    for name in trap_names:
        if name in trap_details or traps.TRAPS[name][0] == "plan":
            continue
        d = {"description": traps.TRAPS[name][2]}
        if name == "decrypted-flagged":
            d.update({"manifest_plist_IsEncrypted": True, "manifest_db_plaintext": True,
                      "blobs_plaintext": True,
                      "rows_with_EncryptionKey": sum(1 for e in entries if e.enc_key)})
        elif name == "partial-snapshot":
            d["SnapshotState"] = snapshot
        elif name in ("xml-info-plist", "binary-info-plist"):
            d["info_plist_format"] = info_format
        trap_details[name] = d

    # ---- record ----
    record = {
        "format_version": RECORD_FORMAT_VERSION,
        "generator": "mfx samples/generate_backup.py",
        "seed": seed,
        "style": style,
        "manifest_kind": "Manifest.db" if style == "ios17" else "Manifest.mbdb",
        "encrypted": encrypt_now,
        "was_encrypted": keys_active,
        "password": password,
        "kek_hex": kb.kek.hex() if kb else None,
        "keybag": kb.to_record() if kb else None,
        "manifest_key": manifest_key_record,
        "options": {"dpic": opts.dpic if style == "ios17" and kb else None,
                    "iter": opts.iterations if kb else None,
                    "manifest_key_class": opts.manifest_key_class if manifest_key else None,
                    "bulk_bytes": opts.bulk_bytes, "bulk_files": opts.bulk_files,
                    **({"scale": dict(opts.scale)} if opts.scale else {})},
        "device": ident,
        "info_plist": {"present": True, "format": info_format, "values": util.to_json_value(info)},
        "manifest_plist": {"present": write_manifest_plist, "format": "binary",
                           "values": util.to_json_value(man)},
        "status_plist": {"present": True, "format": "binary",
                         "values": util.to_json_value(status)},
        "manifest": manifest_record,
        "counts": {
            "rows": len(entries),
            "files": sum(e.spec.kind == "file" for e in entries),
            "dirs": sum(e.spec.kind == "dir" for e in entries),
            "symlinks": sum(e.spec.kind == "symlink" for e in entries),
            "blobs_present": sum(e.spec.kind == "file" and not e.omit_blob for e in entries),
            "domains": sorted({e.spec.domain for e in entries}),
            "plaintext_bytes": sum(e.size for e in entries),
        },
        "traps": trap_names,
        "trap_details": trap_details,
        "expected": expected,
        "files": [_file_record(e, style, "no-protection-class" in trap_names) for e in entries],
    }
    os.makedirs(os.path.dirname(os.path.abspath(opts.record)), exist_ok=True)
    with open(opts.record, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return record


def _file_record(e, style, omit_pc):
    s = e.spec
    is_file = s.kind == "file"
    xhex = {k: v.hex() for k, v in s.xattrs.items()}
    if style == "ios17":
        digest = e.sha1_plain.hex() if (s.digest and is_file) else None
    else:
        digest = e.blob_sha1.hex() if is_file else None
    return {
        "domain": s.domain,
        "relative_path": s.path,
        "file_id": e.file_id,
        "kind": s.kind,
        "flags": e.flags if style == "ios17" else None,
        "mode": s.mode,
        "size": e.size if is_file else 0,
        "recorded_size": e.recorded_size,
        "sha256": e.sha256 if is_file else None,
        "blob_path": e.blob_path,
        "blob_present": bool(is_file and not e.omit_blob),
        "blob_size": e.blob_size,
        "blob_sha256": e.blob_sha256,
        "digest": digest,
        "mtime": s.mtime,
        "birth": s.birth if style == "ios17" else None,
        "ctime": s.ctime,
        "atime": s.atime if style == "ios9" else None,
        "inode": e.inode,
        "uid": s.uid,
        "gid": s.gid,
        "protection_class": None if (omit_pc and style == "ios17") else s.protection_class,
        "key_class": struct.unpack("<I", e.enc_key[:4])[0] if e.enc_key else None,
        "encryption_key_hex": e.enc_key.hex() if e.enc_key else None,
        "file_key_hex": e.file_key.hex() if e.file_key else None,
        "target": s.target if s.kind == "symlink" else None,
        "xattrs": xhex if style == "ios17" else {},
        "properties": xhex if style == "ios9" else {},
        "auto_dir": e.auto,
        "tags": list(s.tags),
        "traps": e.trap_names,
    }
