"""Tolerance traps (--trap NAME).  Each applies one realistic defect to a fresh backup and
describes its effect for the record.

Phases: "specs" traps add rows before the plan is built; "plan" traps change planned rows;
"option" traps change container-level behaviour (plists, encryption).  Content modules nominate
targets with a tag equal to the trap name; without one the trap picks a fallback row.
"""

from .content.spec import FileSpec

# name -> (phase, styles, description)
TRAPS = {
    "missing-blob": ("plan", ("ios17", "ios9"),
                     "one regular file row has no blob on disk"),
    "stale-size-smaller": ("plan", ("ios17", "ios9"),
                           "manifest Size of one SQLite file is 2 pages smaller than the file"),
    "stale-size-larger": ("plan", ("ios17", "ios9"),
                          "manifest Size of one SQLite file is 2 pages larger than the file"),
    "no-manifest-plist": ("option", ("ios17", "ios9"), "Manifest.plist is not written"),
    "decrypted-flagged": ("option", ("ios17", "ios9"),
                          "plaintext backup that still says IsEncrypted true, keeps BackupKeyBag "
                          "and ManifestKey, and whose rows still carry EncryptionKey"),
    "no-protection-class": ("option", ("ios17",),
                            "ProtectionClass omitted from every MBFile (class only in the "
                            "EncryptionKey prefix)"),
    "flags-zero": ("plan", ("ios17",), "one regular file row has Files.flags = 0"),
    "nsdata-indirection": ("option", ("ios17",),
                           "EncryptionKey NS.data is a UID to the data, one more indirection"),
    "evil-paths": ("specs", ("ios17", "ios9"),
                   "rows whose relativePath escapes the domain or goes through a symlink"),
    "zero-length-blob": ("plan", ("ios17", "ios9"),
                         "one non-empty regular file is stored as a 0-byte blob"),
    "truncated-blob": ("plan", ("ios17", "ios9"),
                       "the stored blob of one non-empty file lacks its last 5 bytes (a cut-off copy)"),
    "plaintext-blob": ("plan", ("ios17", "ios9"),
                       "one SQLite file of an encrypted backup is stored unencrypted (its row keeps "
                       "its EncryptionKey)"),
    "partial-snapshot": ("option", ("ios17", "ios9"), "Status.plist SnapshotState 'uploading'"),
    "xml-info-plist": ("option", ("ios17", "ios9"), "Info.plist written as XML"),
    "binary-info-plist": ("option", ("ios17", "ios9"), "Info.plist written as a binary plist"),
}

EVIL_DOMAIN = "HomeDomain"


def validate(names, style, has_keys):
    errors = []
    for n in names:
        if n not in TRAPS:
            errors.append(f"unknown trap {n!r} (known: {', '.join(sorted(TRAPS))})")
        elif style not in TRAPS[n][1]:
            errors.append(f"trap {n} is not available for --style {style}")
    if "xml-info-plist" in names and "binary-info-plist" in names:
        errors.append("xml-info-plist and binary-info-plist exclude each other")
    if "plaintext-blob" in names and not has_keys:
        errors.append("plaintext-blob needs --encrypt")
    if "nsdata-indirection" in names and not has_keys:
        errors.append("nsdata-indirection needs --encrypt or the decrypted-flagged trap")
    return errors


def evil_specs(ctx):
    t = dict(birth=ctx.base_time - 86400, mtime=ctx.base_time - 3600,
             ctime=ctx.base_time - 3600, atime=ctx.base_time - 3600)
    mk = lambda **kw: FileSpec(domain=EVIL_DOMAIN, auto_parents=False, tags=("evil-paths",),
                               **t, **kw)
    return [
        mk(path="../../escape.txt", data=b"escaped the export folder\n"),
        mk(path="/etc/evil", data=b"absolute path\n"),
        mk(path="a/../../b", data=b"dot-dot in the middle\n"),
        mk(path="Library/link", kind="symlink", target="/etc"),
        mk(path="Library/link/through.txt", data=b"written through a symlink\n"),
    ]


def _pick(entries, trap, want):
    """The entry tagged with the trap name, else the first entry satisfying want()."""
    for e in entries:
        if trap in e.spec.tags and want(e):
            return e
    for e in entries:
        if want(e) and not e.trap_names:
            return e
    raise RuntimeError(f"trap {trap}: no suitable row")


def _is_nonempty_file(e):
    return e.spec.kind == "file" and e.known_size() not in (0, None) and \
        "evil-paths" not in e.spec.tags


def _is_sqlite(e):
    return e.spec.kind == "file" and isinstance(e.spec.data, bytes) and \
        e.spec.data.startswith(b"SQLite format 3\x00") and "-wal" not in e.spec.path


def _is_sqlite_3_pages(e):
    return _is_sqlite(e) and len(e.spec.data) >= 3 * 4096


def apply_plan_traps(names, entries):
    """Mutates entries; returns {trap: details}."""
    details = {}
    for name in names:
        if TRAPS[name][0] != "plan":
            continue
        if name == "missing-blob":
            e = _pick(entries, name, _is_nonempty_file)
            e.omit_blob = True
        elif name == "stale-size-smaller":
            e = _pick(entries, name, _is_sqlite_3_pages)
            e.size_delta = -2 * 4096
        elif name == "stale-size-larger":
            e = _pick(entries, name, _is_sqlite)
            e.size_delta = 2 * 4096
        elif name == "flags-zero":
            e = _pick(entries, name, _is_nonempty_file)
            e.flags = 0
        elif name == "zero-length-blob":
            e = _pick(entries, name, _is_nonempty_file)
            e.zero_blob = True
        elif name == "truncated-blob":
            e = _pick(entries, name, _is_sqlite)
            e.truncate_blob = 5
        elif name == "plaintext-blob":
            e = _pick(entries, name, _is_sqlite)
            e.plaintext_blob = True
        else:
            raise AssertionError(name)
        e.trap_names.append(name)
        details[name] = {"description": TRAPS[name][2], "domain": e.spec.domain,
                         "relative_path": e.spec.path, "file_id": e.file_id}
    return details
