"""Call history: HomeDomain Library/CallHistoryDB/CallHistory.storedata (FORMATS.md 5.5).

Apple lists call history among the data only an encrypted backup holds (FORMATS.md 6). The content
layer is not told whether the backup is encrypted, so this module writes it into every backup: the
samples can then test the parser both ways; a real plain backup would not have it.

Schemas: ios17 the iOS 11.2 device schema (adds ZSERVICE_PROVIDER), ios9 the real iOS 9 schema (no
provider column), plus, for ios9, the legacy WirelessDomain Library/CallHistory/call_history.db an
upgraded device keeps (iOS 9.3.5 schema, with the device triggers that read flags bit 0 as
"outgoing").

Traps: ZADDRESS as a BLOB holding text (the iOS 9 declared type) next to TEXT values; a whole-second
ZDATE that SQLite stores as INTEGER (TIMESTAMP has NUMERIC affinity); fractional dates and
durations; a missed call (duration 0: end = start); FaceTime video (ZCALLTYPE 8) and audio (16); a
third-party CallKit call (provider net.whatsapp.WhatsApp, ZCALLTYPE 0); a ZCALLTYPE this era does
not define (2) keeps its raw value.
"""

from . import pim_common as pc
from . import pim_schemas, sqlite_build
from .. import util
from .spec import ContentResult, FileSpec

NAME = "calls"
DOMAIN = "HomeDomain"
PATH = "Library/CallHistoryDB/CallHistory.storedata"
LEGACY_DOMAIN = "WirelessDomain"
LEGACY_PATH = "Library/CallHistory/call_history.db"

TELEPHONY = "com.apple.Telephony"
FACETIME = "com.apple.FaceTime"


def _calls(ctx, rng):
    base = ctx.base_time - util.COCOA_EPOCH
    t = [base - 86400 * (20 - i) - rng.randrange(0, 3600) for i in range(8)]
    # (address, as_blob, cocoa date, duration, originated, answered, calltype, provider, name,
    #  disconnected cause)
    return [
        ("+12025550111", False, t[0] + pc.frac64(rng), 312.5, 1, 1, 1, TELEPHONY, "Ada Lovelace",
         0),
        ("+12025550112", True, float(t[1]), 0.0, 0, 0, 1, TELEPHONY, None, 2),
        ("grace@example.com", True, t[2] + pc.frac64(rng), 1260.25, 1, 1, 8, FACETIME, "Grace", 0),
        ("+442079460958", False, t[3] + pc.frac64(rng), 45.0, 0, 1, 16, FACETIME, None, 0),
        ("+12025550113", False, t[4] + pc.frac64(rng), 98.75, 0, 1, 0, "net.whatsapp.WhatsApp",
         "Linus", None),
        ("+12025550114", True, t[5] + 0.5, 7.0, 1, 0, 2, TELEPHONY, None, 1),
        (None, False, t[6] + pc.frac64(rng), 61.0, 0, 1, 1, TELEPHONY, None, 0),
    ]


def _synthetic(ctx, n, first_pk, ios9):
    """--scale calls: n synthetic ZCALLRECORD rows (Z_PK from first_pk), phone and FaceTime calls
    a few minutes apart over the months before the fixed ones; a fifth of them missed."""
    rng = ctx.rng(NAME, "scale")
    t = ctx.base_time - util.COCOA_EPOCH - 21 * 86400 - 300 * n
    rows = []
    for k in range(n):
        t += rng.randrange(60, 540)
        answered = 0 if rng.randrange(5) == 0 else 1
        ctype = 1 if rng.randrange(6) else rng.choice((8, 16))
        row = (first_pk + k, 2, 1, answered, ctype, 0, None, 0, rng.randrange(2), 1,
               t + pc.frac64(rng), rng.randrange(1, 3600) + pc.frac64(rng) if answered else 0.0,
               "us", "Washington, DC", None, util.rand_uuid(rng),
               f"+1555{rng.randrange(10_000_000):07d}")
        rows.append(row if ios9 else row + (FACETIME if ctype != 1 else TELEPHONY,))
    return rows


def build(ctx):
    rng = ctx.rng(NAME)
    calls = _calls(ctx, rng)
    ios9 = ctx.style == "ios9"
    uuid_rng = ctx.rng(NAME, "uuid")
    extra = ctx.extra_rows("calls", len(calls))
    synthetic = _synthetic(ctx, extra, len(calls) + 1, ios9) if extra else None

    def populate(con):
        con.executescript(pim_schemas.CALLHISTORY_IOS9 if ios9 else pim_schemas.CALLHISTORY_IOS11)
        con.execute("BEGIN")
        for pk, (addr, blob, date, dur, orig, ans, ctype, prov, name, cause) in enumerate(calls, 1):
            address = addr.encode() if (blob and addr is not None) else addr
            cols = {"Z_PK": pk, "Z_ENT": 2, "Z_OPT": 1, "ZANSWERED": ans, "ZCALLTYPE": ctype,
                    "ZDISCONNECTED_CAUSE": cause, "ZFACE_TIME_DATA": None,
                    "ZNUMBER_AVAILABILITY": 0, "ZORIGINATED": orig, "ZREAD": 1, "ZDATE": date,
                    "ZDURATION": dur, "ZISO_COUNTRY_CODE": "us", "ZLOCATION": "Washington, DC",
                    "ZNAME": name, "ZUNIQUE_ID": util.rand_uuid(uuid_rng), "ZADDRESS": address}
            if not ios9:
                cols["ZSERVICE_PROVIDER"] = prov
            con.execute(f"INSERT INTO ZCALLRECORD ({', '.join(cols)}) "
                        f"VALUES ({', '.join('?' * len(cols))})", list(cols.values()))
        if synthetic:
            cols = ("Z_PK, Z_ENT, Z_OPT, ZANSWERED, ZCALLTYPE, ZDISCONNECTED_CAUSE, "
                    "ZFACE_TIME_DATA, ZNUMBER_AVAILABILITY, ZORIGINATED, ZREAD, ZDATE, ZDURATION, "
                    "ZISO_COUNTRY_CODE, ZLOCATION, ZNAME, ZUNIQUE_ID, ZADDRESS"
                    + ("" if ios9 else ", ZSERVICE_PROVIDER"))
            con.executemany(f"INSERT INTO ZCALLRECORD ({cols}) "
                            f"VALUES ({', '.join('?' * len(synthetic[0]))})", synthetic)
        con.execute("INSERT INTO Z_PRIMARYKEY VALUES (2, 'CallRecord', 0, ?)",
                    (len(calls) + extra,))
        con.execute("COMMIT")

    files = [FileSpec(domain=DOMAIN, path=PATH, data=sqlite_build.build_db(populate),
                      tags=("sqlite",), **ctx.times(rng))]
    records = []
    for pk, (addr, blob, date, dur, orig, ans, ctype, prov, name, cause) in enumerate(calls, 1):
        if ios9:
            service = {1: "Phone", 8: "FaceTime", 16: "FaceTime"}.get(ctype)
            provider = None
        else:
            provider = prov
            service = {TELEPHONY: "Phone", FACETIME: "FaceTime"}.get(prov, prov)
        records.append({
            "app": "FaceTime" if service == "FaceTime" else "Phone",
            "time": pc.cocoa_iso(date), "end_time": pc.cocoa_iso(date + dur),
            "party": addr, "direction": "outgoing" if orig else "incoming",
            "answered": bool(ans), "duration_s": dur,
            "call_type": "video" if ctype == 8 else "voice", "call_type_raw": ctype,
            "service": service, "service_provider": provider, "name": name,
            "country_code": "us", "location": "Washington, DC",
            "disconnected_cause": None if cause is None else str(cause),
            "deleted": False, "source": pc.source(DOMAIN, PATH, "ZCALLRECORD", pk)})

    expected = {"domain": DOMAIN, "relative_path": PATH, "records": {"calls": records}}
    if "calls" in ctx.scale:
        # The synthetic calls are counted, not listed (records lists the fixed ones only).
        expected["scale"] = {"calls": len(calls) + extra, "synthetic_calls": extra}
    if ios9:
        base_unix = ctx.base_time - 400 * 86400
        # (address, unix date, duration, outgoing, answered, name)
        legacy = [("+12025550121", base_unix + 100, 62, True, 1, "Dennis"),
                  ("+12025550122", base_unix + 5000, 0, False, 0, None),
                  ("+12025550123", base_unix + 9000, 15, False, 1, None)]

        def populate_legacy(con):
            con.executescript(pim_schemas.LEGACY_CALL_HISTORY_IOS9)
            con.execute("BEGIN")
            con.executemany("INSERT INTO _SqliteDatabaseProperties VALUES (?, '0')",
                            [("timer_outgoing",), ("timer_incoming",)])
            for rowid, (addr, date, dur, out, ans, name) in enumerate(legacy, 1):
                # Outgoing calls set bit 0; 4 is the other bit seen on every call of that era.
                flags = 5 if out else 4
                con.execute("INSERT INTO call (ROWID, address, date, duration, flags, id, name, "
                            "country_code, read, answered) VALUES (?,?,?,?,?,?,?,?,?,?)",
                            (rowid, addr, date, dur, flags, -1, name, "310", 1, ans))
            con.execute("COMMIT")

        files.append(FileSpec(domain=LEGACY_DOMAIN, path=LEGACY_PATH,
                              data=sqlite_build.build_db(populate_legacy), tags=("sqlite",),
                              **ctx.times(rng)))
        lrecords = []
        for rowid, (addr, date, dur, out, ans, name) in enumerate(legacy, 1):
            lrecords.append({
                "app": "Phone", "time": pc.unix_iso(date), "end_time": pc.unix_iso(date + dur),
                "party": addr, "direction": "outgoing" if out else "incoming",
                "answered": bool(ans), "duration_s": float(dur), "call_type": "unknown",
                "call_type_raw": 5 if out else 4, "service": None, "name": name,
                "deleted": False, "source": pc.source(LEGACY_DOMAIN, LEGACY_PATH, "call", rowid)})
        records.extend(lrecords)
    return ContentResult(files=files, expected=expected)
