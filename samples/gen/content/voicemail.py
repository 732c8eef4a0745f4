"""Voicemail: HomeDomain Library/Voicemail/voicemail.db and Library/Voicemail/<ROWID>.amr
(FORMATS.md 5.6). ios17: the real iOS 15 schema (receiver, label, and the deleted and map tables);
ios9: the iOS 9.3.5 schema.

The trap is the one FORMATS.md names: mixed epochs in one row, `date` Unix seconds and
`trashed_date` Cocoa seconds (0 = not trashed). The expected records pin both through raw_times.
One voicemail has its audio in the backup (backup_path), the others do not; one has no sender.
"""

from . import pim_common as pc
from . import pim_schemas, sqlite_build
from .. import util
from .spec import ContentResult, FileSpec

NAME = "voicemail"
DOMAIN = "HomeDomain"
PATH = "Library/Voicemail/voicemail.db"


def build(ctx):
    rng = ctx.rng(NAME)
    ios9 = ctx.style == "ios9"
    base = ctx.base_time
    # (sender, callback, unix date, duration, trashed cocoa (0 = no), flags, receiver, label, audio)
    rows = [
        ("+12025550131", "+12025550131", base - 5 * 86400 - rng.randrange(3600), 27, 0, 3,
         "+12025550100", "Main", True),
        ("+12025550132", "+12025550132", base - 9 * 86400 - rng.randrange(3600), 64,
         base - 8 * 86400 - util.COCOA_EPOCH, 11, "+12025550100", None, False),
        (None, "+12025550133", base - 30 * 86400, 5, 0, 2, None, None, False),
    ]
    deleted_rows = [("+12025550134", "+12025550134", base - 60 * 86400, 12,
                     base - 59 * 86400 - util.COCOA_EPOCH, 75, "+12025550100", None)]

    def populate(con):
        con.executescript(pim_schemas.VOICEMAIL_IOS9 if ios9 else pim_schemas.VOICEMAIL_IOS15)
        con.execute("BEGIN")
        for rowid, (snd, cb, date, dur, trashed, flags, rcv, label, _) in enumerate(rows, 1):
            cols = {"ROWID": rowid, "remote_uid": 100 + rowid, "date": date, "token": "Complete",
                    "sender": snd, "callback_num": cb, "duration": dur,
                    "expiration": date + 30 * 86400, "trashed_date": trashed, "flags": flags}
            if not ios9:
                cols.update(receiver=rcv, label=label)
            con.execute(f"INSERT INTO voicemail ({', '.join(cols)}) VALUES "
                        f"({', '.join('?' * len(cols))})", list(cols.values()))
        if not ios9:
            for rowid, row in enumerate(deleted_rows, 1):
                snd, cb, date, dur, trashed, flags, rcv, label = row
                con.execute("INSERT INTO deleted (ROWID, remote_uid, date, token, sender, "
                            "callback_num, duration, expiration, trashed_date, flags, receiver, "
                            "label) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                            (rowid, 90 + rowid, date, "Complete", snd, cb, dur, date + 30 * 86400,
                             trashed, flags, rcv, label))
        con.execute("COMMIT")

    files = [FileSpec(domain=DOMAIN, path=PATH, data=sqlite_build.build_db(populate),
                      tags=("sqlite",), **ctx.times(rng))]

    def record(table, rowid, snd, cb, date, dur, trashed, flags, rcv, label, audio_path):
        raw = {"time": {"raw": str(date), "encoding": "unix_s"}}
        if trashed:
            raw["trashed_time"] = {"raw": str(trashed), "encoding": "cocoa_s"}
        rec = {"app": "Phone", "time": pc.unix_iso(date), "trashed_time": pc.cocoa_iso(trashed),
               "party": snd, "callback_number": cb, "duration_s": float(dur), "flags": flags,
               "backup_path": audio_path, "raw_times": raw, "deleted": False,
               "source": pc.source(DOMAIN, PATH, table, rowid)}
        if not ios9:
            rec.update(receiver=rcv, label=label)
        return rec

    records = []
    for rowid, (snd, cb, date, dur, trashed, flags, rcv, label, audio) in enumerate(rows, 1):
        audio_path = None
        if audio:
            amr = f"Library/Voicemail/{rowid}.amr"
            files.append(FileSpec(domain=DOMAIN, path=amr, data=b"#!AMR\n" + rng.randbytes(1500),
                                  **ctx.times(rng)))
            audio_path = f"{DOMAIN}/{amr}"
        records.append(record("voicemail", rowid, snd, cb, date, dur, trashed, flags, rcv, label,
                              audio_path))
    if not ios9:
        for rowid, (snd, cb, date, dur, trashed, flags, rcv, label) in enumerate(deleted_rows, 1):
            records.append(record("deleted", rowid, snd, cb, date, dur, trashed, flags, rcv, label,
                                  None))
    return ContentResult(files=files, expected={
        "domain": DOMAIN, "relative_path": PATH, "records": {"voicemails": records}})
