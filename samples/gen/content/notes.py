"""Notes: NoteStore.sqlite (ios17) and the legacy notes.sqlite (both styles), FORMATS.md 5.10.

NoteStore.sqlite (AppDomainGroup-group.com.apple.notes), the real iOS 17 schema: notes, folders and
accounts in ZICCLOUDSYNCINGOBJECT, told apart by Z_ENT. The entity numbers here are NOT those of
josh_ios17 (ICNote 10, ICAccount 12, ICFolder 13 instead of 11/13/14): a parser must resolve them
through Z_PRIMARYKEY. Bodies: ZICNOTEDATA.ZDATA = gzip(protobuf) with top level {1: 0, 2: Document
{1: 0, 2: 0, 3: Note {2: text, 3: …, 5: AttributeRun…}}}.

Traps: the creation-date column drift (ZCREATIONDATE3 set on notes, ZCREATIONDATE1 NULL,
ZCREATIONDATE set only on folder rows) and the account column drift (ZACCOUNT7 on notes); a locked
note (ZISPASSWORDPROTECTED, ZDATA an NSKeyedArchiver plist, IV and tag: listed with text null); a
note marked for deletion in "Recently Deleted" (kept, marked); a note without body (ZDATA NULL);
an attachment (U+FFFC in the text, AttachmentInfo in an attribute run); a 20 KB body (crosses the
16 KiB inflate chunk; multi-byte length varints); Hebrew and emoji; two accounts.

notes.sqlite (HomeDomain Library/Notes, rollback journal, ~6 pages: the stale-size-smaller trap
target): ZNOTE + ZNOTEBODY (HTML with character references) + ZSTORE + ZACCOUNT; one note with
ZDELETEDFLAG. This replaces the ZNOTE-only notes.sqlite databases.py used to write.
"""

import gzip
import plistlib

from . import app_schemas, pim_common as pc, sqlite_build
from .. import util
from .spec import ContentResult, FileSpec

NAME = "notes"
STORE_DOMAIN = "AppDomainGroup-group.com.apple.notes"
STORE_PATH = "NoteStore.sqlite"
LEGACY_PATH = "Library/Notes/notes.sqlite"
OBJECTS = "ZICCLOUDSYNCINGOBJECT"

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
         "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()

# Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER): an alphabetical Core Data numbering like a device's, but
# not josh_ios17's.
ENTITIES = [(1, "ICCloudState", 0), (2, "ICCloudSyncingObject", 0), (3, "ICAccountData", 2),
            (4, "ICAttachment", 2), (5, "ICAttachmentPreviewImage", 2),
            (6, "ICDeviceMigrationState", 2), (7, "ICHashtag", 2), (8, "ICInlineAttachment", 2),
            (9, "ICMedia", 2), (10, "ICNote", 2), (11, "ICNoteContainer", 2), (12, "ICAccount", 11),
            (13, "ICFolder", 11), (14, "ICInvitation", 0), (15, "ICLocation", 0),
            (16, "ICAttachmentLocation", 15), (17, "ICNoteData", 0), (18, "ICServerChangeToken", 0)]
ENT = {name: ent for ent, name, _ in ENTITIES}


def _varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number, value):
    """One protobuf field: int -> varint, bytes/str -> length-delimited."""
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    data = value.encode("utf-8") if isinstance(value, str) else value
    return _varint((number << 3) | 2) + _varint(len(data)) + data


def note_proto(text, attachments=()):
    """The decompressed protobuf, and the offset of the note_text payload in it."""
    note = _field(2, text)
    text_at_in_note = len(_varint((2 << 3) | 2) + _varint(len(text.encode("utf-8"))))
    # A paragraph-style run like the device writes (field 3), then attribute runs (field 5).
    note += _field(3, _field(1, _field(1, 0) + _field(2, 0)) + _field(5, 1))
    length = len(text)
    for uti, ident in attachments:
        note += _field(5, _field(1, 1) + _field(12, _field(1, ident) + _field(2, uti)))
        length -= 1
    note += _field(5, _field(1, max(length, 0)))
    doc = _field(1, 0) + _field(2, 0) + _field(3, note)
    top = _field(1, 0) + _field(2, doc)
    # Offsets: top header of field 2, then doc's fields 1 and 2 and the header of field 3.
    doc_at = len(_field(1, 0)) + len(_varint((2 << 3) | 2) + _varint(len(doc)))
    note_at = doc_at + len(_field(1, 0) + _field(2, 0)) + len(_varint((3 << 3) | 2) + _varint(len(note)))
    return top, note_at + text_at_in_note


def _hex_offset(v):
    return f"0x{v:x}"


def _sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _notestore(ctx, rng):
    base = ctx.base_time
    icloud, local = 3, 4
    folders = [(1, "Notes", icloud), (2, "Recently Deleted", icloud), (5, "Travel ✈️", icloud),
               (6, "Notes", local)]
    long_text = "Packing list\n" + "\n".join(_sentence(rng, 12) for _ in range(260))
    photo_id = util.rand_uuid(rng)
    # (pk, title, text or None, folder, account, locked, deleted, hint, attachments, has_data)
    notes = [
        (20, "Shopping list", "Shopping list\nMilk\nEggs ☕\n", 1, icloud, False, False, None, (), True),
        (21, "Trip to Paris", "Trip to Paris\nThe view from the tower: \ufffc\nBook the train.", 5,
         icloud, False, False, None, (("public.jpeg", photo_id),), True),
        (22, "שלום 👋", "שלום 👋\nA note in Hebrew and English — עברית.", 6, local, False, False, None,
         (), True),
        (23, "Bank details", None, 1, icloud, True, False, "the usual one", (), True),
        (24, "Old ideas", "Old ideas\n" + _sentence(rng, 9), 2, icloud, False, True, None, (), True),
        (25, "New Note", None, 1, icloud, False, False, None, (), False),
        (26, "Packing list", long_text, 5, icloud, False, False, None, (), True),
    ]
    rows, data_rows, expected = [], [], []
    cocoa = base - util.COCOA_EPOCH
    for i, (pk, title, text, folder, account, locked, deleted, hint, atts, has_data) in enumerate(notes):
        created = float(cocoa - (60 - i * 7) * 86400) + pc.frac64(rng)
        modified = created + rng.randrange(60, 86400) + pc.frac64(rng)
        data_pk = 100 + i
        zdata, iv, tag, chain = None, None, None, None
        if has_data and locked:
            # ICCryptoEncryptionObject in an NSKeyedArchiver plist (FORMATS.md 5.10): never decoded.
            zdata = plistlib.dumps({"$archiver": "NSKeyedArchiver", "$version": 100000,
                                    "$top": {"root": plistlib.UID(1)},
                                    "$objects": ["$null", {"$class": plistlib.UID(2),
                                                           "encryptedData": rng.randbytes(96),
                                                           "wrappedEncryptionKey": rng.randbytes(40),
                                                           "metadata": rng.randbytes(24)},
                                                 {"$classname": "ICCryptoEncryptionObject",
                                                  "$classes": ["ICCryptoEncryptionObject", "NSObject"]}]},
                                   fmt=plistlib.FMT_BINARY)
            iv, tag = rng.randbytes(16), rng.randbytes(16)
        elif has_data:
            proto, text_at = note_proto(text, atts)
            zdata = gzip.compress(proto, mtime=0)
            chain = "ZICNOTEDATA.ZDATA → gzip → protobuf@" + _hex_offset(text_at)
        data_rows.append((data_pk, pk, zdata, iv, tag))
        snippet = None if locked else (text.split("\n", 1)[1].split("\n")[0] if text and "\n" in text else "")
        rows.append(dict(pk=pk, title=title, folder=folder, account=account, locked=locked,
                         deleted=deleted, hint=hint, created=created, modified=modified,
                         data_pk=data_pk, snippet=snippet))
        expected.append({
            "app": "Notes", "time": pc.cocoa_iso(created), "title": title,
            "text": None if locked or not has_data else text, "modified": pc.cocoa_iso(modified),
            "folder": dict((f[0], f[1]) for f in folders)[folder],
            "account": "iCloud" if account == icloud else "On My iPhone", "locked": locked,
            "snippet": snippet, "attachments": [f"{u}:{a}" for u, a in atts] if has_data and not locked else [],
            "marked_for_deletion": deleted, "password_hint": hint, "deleted": False,
            "raw_times": {"time": {"raw": repr(created), "encoding": "cocoa_s"},
                          "modified": {"raw": repr(modified), "encoding": "cocoa_s"}},
            "source": dict(pc.source(STORE_DOMAIN, STORE_PATH, OBJECTS, pk), decode_chain=chain),
        })

    def populate(con):
        con.executescript(app_schemas.NOTESTORE_IOS17)
        con.execute("BEGIN")
        for ent, name, sup in ENTITIES:
            con.execute("INSERT INTO Z_PRIMARYKEY VALUES (?,?,?,?)", (ent, name, sup, 0))
        con.execute("INSERT INTO Z_METADATA VALUES (1, ?, NULL)", (util.rand_uuid(rng),))
        for pk, name in ((icloud, "iCloud"), (local, "On My iPhone")):
            con.execute(f"INSERT INTO {OBJECTS} (Z_PK, Z_ENT, Z_OPT, ZNAME, ZIDENTIFIER, ZACCOUNTTYPE) "
                        "VALUES (?,?,?,?,?,?)", (pk, ENT["ICAccount"], 1, name, util.rand_uuid(rng),
                                                 1 if pk == icloud else 3))
        for pk, title, owner in folders:
            con.execute(f"INSERT INTO {OBJECTS} (Z_PK, Z_ENT, Z_OPT, ZTITLE2, ZOWNER, ZIDENTIFIER, "
                        "ZCREATIONDATE, ZPARENT) VALUES (?,?,?,?,?,?,?,NULL)",
                        (pk, ENT["ICFolder"], 1, title, owner, util.rand_uuid(rng),
                         float(cocoa - 400 * 86400)))
        # Device migration state rows share the table (Z_ENT 6) and carry an account link too.
        con.execute(f"INSERT INTO {OBJECTS} (Z_PK, Z_ENT, Z_OPT, ZACCOUNT4, ZIDENTIFIER) VALUES "
                    "(7, ?, 1, ?, ?)", (ENT["ICDeviceMigrationState"], icloud, "DeviceMigrationState_x"))
        for r in rows:
            con.execute(f"INSERT INTO {OBJECTS} (Z_PK, Z_ENT, Z_OPT, ZTITLE1, ZSNIPPET, ZFOLDER, "
                        "ZACCOUNT7, ZISPASSWORDPROTECTED, ZMARKEDFORDELETION, ZPASSWORDHINT, "
                        "ZCREATIONDATE1, ZCREATIONDATE3, ZMODIFICATIONDATE1, ZNOTEDATA, ZIDENTIFIER) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,NULL,?,?,?,?)",
                        (r["pk"], ENT["ICNote"], 1, r["title"], r["snippet"], r["folder"],
                         r["account"], 1 if r["locked"] else 0, 1 if r["deleted"] else 0, r["hint"],
                         r["created"], r["modified"], r["data_pk"], util.rand_uuid(rng)))
        for data_pk, note_pk, zdata, iv, tag in data_rows:
            con.execute("INSERT INTO ZICNOTEDATA (Z_PK, Z_ENT, Z_OPT, ZNOTE, "
                        "ZCRYPTOINITIALIZATIONVECTOR, ZCRYPTOTAG, ZDATA) VALUES (?,?,?,?,?,?,?)",
                        (data_pk, ENT["ICNoteData"], 1, note_pk, iv, tag, zdata))
        con.execute("COMMIT")

    return sqlite_build.build_db(populate, journal_mode="wal"), expected


def _html(lines):
    def esc(s):
        return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\u00a0", "&nbsp;").replace("😀", "&#x1F600;").replace("é", "&#233;"))
    return "".join(f"<div>{esc(line) if line else '<br>'}</div>" for line in lines)


def _legacy(ctx, rng):
    stores = {1: ("Notes", 1), 2: ("Work", 2)}
    accounts = {1: "On My iPhone", 2: "iCloud"}
    notes = []
    for pk in range(1, 41):
        created = float(ctx.base_time - util.COCOA_EPOCH - rng.randrange(86400, 200 * 86400))
        title = f"Sample note {pk}"
        lines = [title, _sentence(rng, rng.randrange(20, 60))]
        if pk == 3:
            lines += ["Fish & chips <tonight>", "Café 😀 at 5\u00a0pm"]
        if pk == 4:
            lines += ["", "After an empty line."]
        notes.append({"pk": pk, "title": title, "lines": lines, "created": created,
                      "modified": created + rng.randrange(0, 86400), "store": 1 if pk % 3 else 2,
                      "deleted": pk == 7, "summary": lines[1][:40]})

    def populate(con):
        con.executescript(app_schemas.LEGACY_NOTES)
        con.execute("BEGIN")
        for pk, name in accounts.items():
            con.execute("INSERT INTO ZACCOUNT (Z_PK, Z_ENT, Z_OPT, ZDEFAULTSTORE, ZNAME) VALUES "
                        "(?,1,1,?,?)", (pk, pk, name))
        for pk, (name, acct) in stores.items():
            con.execute("INSERT INTO ZSTORE (Z_PK, Z_ENT, Z_OPT, ZACCOUNT, ZNAME) VALUES (?,5,1,?,?)",
                        (pk, acct, name))
        for n in notes:
            con.execute("INSERT INTO ZNOTE (Z_PK, Z_ENT, Z_OPT, ZDELETEDFLAG, ZBODY, ZSTORE, "
                        "ZCREATIONDATE, ZMODIFICATIONDATE, ZGUID, ZSUMMARY, ZTITLE, ZCONTENTTYPE) "
                        "VALUES (?,3,1,?,?,?,?,?,?,?,?,0)",
                        (n["pk"], 1 if n["deleted"] else 0, 1000 + n["pk"], n["store"], n["created"],
                         n["modified"], util.rand_uuid(rng), n["summary"], n["title"]))
            con.execute("INSERT INTO ZNOTEBODY (Z_PK, Z_ENT, Z_OPT, ZOWNER, ZCONTENT) VALUES (?,4,1,?,?)",
                        (1000 + n["pk"], n["pk"], _html(n["lines"])))
        con.execute("INSERT INTO Z_METADATA VALUES (1, ?, NULL)", (util.rand_uuid(rng),))
        con.execute("COMMIT")

    expected = [{
        "app": "Notes", "time": pc.cocoa_iso(n["created"]), "title": n["title"],
        "text": "\n".join(n["lines"]), "modified": pc.cocoa_iso(n["modified"]),
        "folder": stores[n["store"]][0], "account": accounts[stores[n["store"]][1]], "locked": False,
        "snippet": n["summary"], "attachments": [], "marked_for_deletion": n["deleted"],
        "password_hint": None, "deleted": False,
        "source": dict(pc.source("HomeDomain", LEGACY_PATH, "ZNOTE", n["pk"]),
                       decode_chain="ZNOTEBODY.ZCONTENT → HTML → text"),
    } for n in notes]
    return sqlite_build.build_db(populate), expected


def build(ctx):
    rng = ctx.rng(NAME)
    files, records = [], []
    legacy_db, legacy = _legacy(ctx, rng)
    files.append(FileSpec(domain="HomeDomain", path=LEGACY_PATH, data=legacy_db,
                          tags=("sqlite", "stale-size-smaller"), **ctx.times(rng)))
    records += legacy
    if ctx.style == "ios17":
        store_db, store = _notestore(ctx, rng)
        files.append(FileSpec(domain=STORE_DOMAIN, path=STORE_PATH, data=store_db, tags=("sqlite",),
                              **ctx.times(rng)))
        records += store
    # source.decode_chain is the expected decode chain (null: none); CompareRecords matches sources
    # by domain/path/table/rowid only, so the notes tests check it separately.
    return ContentResult(files=files, expected={"records": {"notes": records}})
