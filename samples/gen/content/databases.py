"""Small real SQLite databases: a WAL-mode db with its -wal as a separate row,
a data-usage db and an app db.  The expected rows go into the record."""

from .. import util
from . import sqlite_build
from .spec import ContentResult, FileSpec

NAME = "databases"

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
         "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()


def _sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def build(ctx):
    rng = ctx.rng(NAME)
    files, expected = [], {}

    def add(**kw):
        for k, v in ctx.times(rng).items():
            kw.setdefault(k, v)
        files.append(FileSpec(**kw))

    # --- notes.sqlite (the stale-size-smaller target) is written by notes.py, with the real
    #     ZNOTE/ZNOTEBODY schema and its expected records.

    # --- journal.db in WAL mode + journal.db-wal (un-checkpointed) ---
    entries = [{"id": i, "ts": ctx.base_time - 86400 * (10 - i), "text": _sentence(rng, 8)}
               for i in range(1, 9)]

    def populate_main(con):
        con.execute("BEGIN")
        con.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY, ts INTEGER, text TEXT)")
        con.executemany("INSERT INTO entry VALUES (:id, :ts, :text)", entries[:3])
        con.execute("COMMIT")

    edited = "Edited: " + _sentence(rng, 6)

    def populate_wal(con):
        con.execute("BEGIN")
        con.executemany("INSERT INTO entry VALUES (:id, :ts, :text)", entries[3:6])
        con.execute("COMMIT")
        con.execute("BEGIN")
        con.execute("UPDATE entry SET text=? WHERE id=2", (edited,))
        con.executemany("INSERT INTO entry VALUES (:id, :ts, :text)", entries[6:])
        con.execute("COMMIT")

    main, wal = sqlite_build.build_wal_pair(populate_main, populate_wal, rng)
    add(domain="HomeDomain", path="Library/Journal/journal.db", data=main,
        tags=("sqlite", "wal-main"))
    add(domain="HomeDomain", path="Library/Journal/journal.db-wal", data=wal, tags=("wal",))
    with_wal = [dict(e) for e in entries]
    with_wal[1]["text"] = edited
    expected["journal"] = {
        "domain": "HomeDomain", "relative_path": "Library/Journal/journal.db",
        "wal_relative_path": "Library/Journal/journal.db-wal", "table": "entry",
        "time_encoding": "unix_seconds",
        "rows_main_file_only": entries[:3],
        "rows_with_wal": with_wal,
        "wal_commits": 2,
    }

    # --- DataUsage.sqlite (the stale-size-larger target) ---
    procs = [("com.example.notesapp", "SampleNotes"), ("com.example.fixtures", "FixtureBox"),
             ("com.apple.mobilesafari", "MobileSafari")]
    usage = []

    def populate_usage(con):
        con.execute("BEGIN")
        con.execute("CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, ZBUNDLENAME VARCHAR, "
                    "ZPROCNAME VARCHAR, ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP)")
        con.execute("CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, ZHASPROCESS INTEGER, "
                    "ZWIFIIN FLOAT, ZWIFIOUT FLOAT, ZWWANIN FLOAT, ZWWANOUT FLOAT, "
                    "ZTIMESTAMP TIMESTAMP)")
        for pk, (bundle, proc) in enumerate(procs, 1):
            t = float(ctx.base_time - util.COCOA_EPOCH - rng.randrange(3600, 86400 * 30))
            con.execute("INSERT INTO ZPROCESS VALUES (?,?,?,?,?)", (pk, bundle, proc, t, t + 60))
            row = {"Z_PK": pk, "ZHASPROCESS": pk, "ZWIFIIN": float(rng.randrange(10**6)),
                   "ZWIFIOUT": float(rng.randrange(10**5)), "ZWWANIN": float(rng.randrange(10**6)),
                   "ZWWANOUT": float(rng.randrange(10**5)), "ZTIMESTAMP": t + 120}
            usage.append(row)
            con.execute("INSERT INTO ZLIVEUSAGE VALUES (:Z_PK, :ZHASPROCESS, :ZWIFIIN, :ZWIFIOUT, "
                        ":ZWWANIN, :ZWWANOUT, :ZTIMESTAMP)", row)
        con.execute("COMMIT")

    add(domain="WirelessDomain", path="Library/Databases/DataUsage.sqlite",
        data=sqlite_build.build_db(populate_usage), tags=("sqlite", "stale-size-larger"))
    expected["data_usage"] = {"domain": "WirelessDomain",
                              "relative_path": "Library/Databases/DataUsage.sqlite",
                              "table": "ZLIVEUSAGE", "rows": usage}

    # --- a key/value app database in an app container ---
    kv = [{"key": f"k{i:02d}", "value": _sentence(rng, 4)} for i in range(12)]

    def populate_kv(con):
        con.execute("BEGIN")
        con.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT)")
        con.executemany("INSERT INTO kv VALUES (:key, :value)", kv)
        con.execute("COMMIT")

    add(domain="AppDomain-com.example.notesapp",
        path="Library/Application Support/store.sqlite",
        data=sqlite_build.build_db(populate_kv, journal_mode="wal"), tags=("sqlite",))
    expected["app_store"] = {"domain": "AppDomain-com.example.notesapp",
                             "relative_path": "Library/Application Support/store.sqlite",
                             "table": "kv", "rows": kv}
    return ContentResult(files=files, expected=expected)
