"""Safari: History.db (FORMATS.md 5.7) and Bookmarks.db with a reading list (5.9).

ios9: AppDomain-com.apple.mobilesafari Library/Safari/History.db with the real iOS 9 schema.
ios17: HomeDomain Library/Safari/History.db (the newer real SafariShared schema, WAL mode,
checkpointed: no -wal in the backup, as real backups) plus one profile,
Library/Safari/Profiles/<UUID>/History.db (profile = <UUID>). Both: HomeDomain
Library/Safari/Bookmarks.db.

Traps: several visits of one item (visit_count is the item's), a failed load (load_successful 0),
a visit without a title, a redirect pair (redirect_source/redirect_destination), a visit synced
from another device (origin 1), an item whose visits were all deleted (no record) and a
history_tombstones row (not a visit), non-ASCII titles and an IDN host, fractional Cocoa
visit_time values (multiples of 1/64 s, exact) and one whole-second value. Bookmarks: nested
folders, reading-list items whose extra_attributes is a binary plist (DateAdded,
DateLastViewed, PreviewText), a reading-list item without DateLastViewed.
"""

import datetime
import plistlib

from . import app_schemas, pim_common as pc, sqlite_build
from .. import util
from .spec import ContentResult, FileSpec

NAME = "safari"
HISTORY_PATH = "Library/Safari/History.db"
BOOKMARKS_PATH = "Library/Safari/Bookmarks.db"


def raw_float(v: float) -> str:
    """A REAL as the export's raw text (shortest round-trip form, no '.0' on whole values)."""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _cocoa(ctx, rng, age_s, whole=False):
    t = float(ctx.base_time - util.COCOA_EPOCH - age_s)
    return t if whole else t + pc.frac64(rng)


def _synthetic(ctx, n, first_item, first_visit, newer):
    """--scale visits: n synthetic visits (ids from first_visit) of about n/4 new URLs (ids from
    first_item), over the year before the backup. Returns (history_items rows, history_visits
    rows) for executemany."""
    rng = ctx.rng(NAME, "scale")
    n_items = max(1, n // 4)
    visits, counts = [], [0] * n_items
    for k in range(n):
        i = rng.randrange(n_items)
        counts[i] += 1
        when = _cocoa(ctx, rng, rng.randrange(365 * 86400))
        visits.append((first_visit + k, first_item + i, when, f"Page {i} — example site {i % 97}",
                       1 if rng.randrange(50) else 0, 0, 0, None, None, rng.randrange(2), 1))
    items = []
    for i, count in enumerate(counts):
        url = f"https://site{i % 97}.example.com/page/{i}?ref=bench"
        row = (first_item + i, url, f"site{i % 97}", count, b"\x00" * 4, 0)
        items.append(row + ((count * 100,) if newer else ()))
    return items, visits


def _history(ctx, rng, schema, domain, path, profile, plan, extra=0):
    """plan: list of items {url, visit_count, visits: [{title, age, ok, origin, whole, redirect_to}]}.

    extra: synthetic visits to add (--scale visits)."""
    newer = schema is app_schemas.HISTORY_SAFARI
    items, visits = [], []
    vid = 0
    for iid, item in enumerate(plan, 1):
        items.append((iid, item["url"], item["visit_count"]))
        for v in item["visits"]:
            vid += 1
            visits.append(dict(v, id=vid, item=iid, time=_cocoa(ctx, rng, v["age"], v.get("whole"))))
    synthetic = _synthetic(ctx, extra, len(items) + 1, vid + 1, newer) if extra else None
    # Redirects point at visit ids: resolve "redirect_to" (an index in the visit list).
    by_index = {i: v for i, v in enumerate(visits)}
    for v in visits:
        v.setdefault("redirect_source", None)
        v.setdefault("redirect_destination", None)
    for i, v in enumerate(visits):
        if v.get("redirect_to") is not None:
            dest = by_index[v["redirect_to"]]
            v["redirect_destination"] = dest["id"]
            dest["redirect_source"] = v["id"]

    def populate(con):
        con.executescript(schema)
        con.execute("BEGIN")
        for iid, url, count in items:
            cols = {"id": iid, "url": url, "domain_expansion": url.split("/")[2].split(".")[-2],
                    "visit_count": count, "daily_visit_counts": b"\x00" * 4,
                    "should_recompute_derived_visit_counts": 0}
            if newer:
                cols["visit_count_score"] = count * 100
            con.execute(f"INSERT INTO history_items ({', '.join(cols)}) VALUES "
                        f"({', '.join('?' * len(cols))})", list(cols.values()))
        for v in visits:
            con.execute("INSERT INTO history_visits (id, history_item, visit_time, title, "
                        "load_successful, http_non_get, synthesized, redirect_source, "
                        "redirect_destination, origin, generation) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (v["id"], v["item"], v["time"], v["title"], 1 if v.get("ok", True) else 0, 0,
                         0, v["redirect_source"], v["redirect_destination"], v.get("origin", 0), 1))
        if synthetic:
            con.executemany("INSERT INTO history_items (id, url, domain_expansion, visit_count, "
                            "daily_visit_counts, should_recompute_derived_visit_counts"
                            + (", visit_count_score" if newer else "") + ") VALUES "
                            f"({', '.join('?' * len(synthetic[0][0]))})", synthetic[0])
            con.executemany("INSERT INTO history_visits (id, history_item, visit_time, title, "
                            "load_successful, http_non_get, synthesized, redirect_source, "
                            "redirect_destination, origin, generation) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?,?)", synthetic[1])
        # A deleted visit leaves a tombstone (not a visit: no record).
        t = _cocoa(ctx, rng, 40 * 86400)
        con.execute("INSERT INTO history_tombstones (start_time, end_time, url, generation) "
                    "VALUES (?,?,?,?)", (t, t + 3600, "https://deleted.example.com/", 1))
        con.execute("INSERT INTO metadata (key, value) VALUES ('version', ?)", (20 if newer else 10,))
        con.execute("COMMIT")

    data = sqlite_build.build_db(populate, journal_mode="wal" if newer else "delete")
    expected = []
    for v in visits:
        url, count = items[v["item"] - 1][1], items[v["item"] - 1][2]
        expected.append({
            "app": "Safari", "time": pc.cocoa_iso(v["time"]), "url": url, "title": v["title"],
            "visit_count": count, "profile": profile, "load_successful": v.get("ok", True),
            "origin": v.get("origin", 0), "deleted": False,
            "raw_times": {"time": {"raw": raw_float(v["time"]), "encoding": "cocoa_s"}},
            "source": pc.source(domain, path, "history_visits", v["id"]),
        })
    return data, expected


def _plist_date(unix_seconds_exact):
    """A naive UTC datetime plus the float plistlib will store for it (raw Cocoa seconds)."""
    whole = int(unix_seconds_exact)
    micros = round((unix_seconds_exact - whole) * 1_000_000)
    dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=whole, microseconds=micros)
    return dt, (dt - datetime.datetime(2001, 1, 1)).total_seconds()


def _bookmarks(ctx, rng):
    base = ctx.base_time
    rows = []  # (id, special_id, parent, type, title, url, extra (dict or None))
    rows.append((0, 0, None, 1, None, None, None))
    rows.append((1, 1, 0, 1, "BookmarksBar", None, None))
    rows.append((2, 2, 0, 1, "BookmarksMenu", None, None))
    rows.append((3, 3, 0, 1, "com.apple.ReadingList", None, None))
    rows.append((4, 0, 1, 0, "Example Domain", "https://www.example.com/", None))
    rows.append((5, 0, 2, 1, "Docs — ドキュメント", None, None))
    rows.append((6, 0, 5, 0, "Python 3 documentation", "https://docs.python.org/3/", None))
    rows.append((7, 0, 5, 0, "שלום example", "https://example.org/he/", None))
    added1, raw_added1 = _plist_date(base - 6 * 86400 + pc.frac64(rng))
    viewed1, raw_viewed1 = _plist_date(base - 5 * 86400 + pc.frac64(rng))
    added2, raw_added2 = _plist_date(base - 2 * 86400)
    rows.append((8, 0, 3, 0, "A long read", "https://example.net/articles/long-read",
                 {"com.apple.ReadingList": {"DateAdded": added1, "DateLastViewed": viewed1,
                                            "PreviewText": "The first lines of a long article…"}}))
    rows.append((9, 0, 3, 0, "Unread article ☕", "https://example.com/unread",
                 {"com.apple.ReadingList": {"DateAdded": added2,
                                            "PreviewText": "Not opened yet."},
                  "com.apple.ReadingList.ServerID": "RL-0001"}))
    titles = {r[0]: r[4] for r in rows if r[3] == 1}

    def populate(con):
        con.executescript(app_schemas.BOOKMARKS)
        con.execute("BEGIN")
        for order, (rid, special, parent, typ, title, url, extra) in enumerate(rows):
            con.execute("INSERT INTO bookmarks (id, special_id, parent, type, title, url, "
                        "num_children, order_index, external_uuid, extra_attributes) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (rid, special, parent, typ, title, url,
                         sum(1 for r in rows if r[2] == rid), order, util.rand_uuid(rng),
                         plistlib.dumps(extra, fmt=plistlib.FMT_BINARY) if extra else None))
        con.execute("COMMIT")

    expected = []
    for rid, special, parent, typ, title, url, extra in rows:
        rl = (extra or {}).get("com.apple.ReadingList")
        if typ == 1:
            kind = "folder"
        elif rl is not None or titles.get(parent) == "com.apple.ReadingList":
            kind = "reading_list"
        else:
            kind = "bookmark"
        raw, time, last_viewed, preview = {}, None, None, None
        if rl is not None:
            raw_a = raw_added1 if rid == 8 else raw_added2
            time = pc.cocoa_iso(raw_a)
            raw["time"] = {"raw": raw_float(raw_a), "encoding": "plist_date"}
            if "DateLastViewed" in rl:
                last_viewed = pc.cocoa_iso(raw_viewed1)
                raw["last_viewed"] = {"raw": raw_float(raw_viewed1), "encoding": "plist_date"}
            preview = rl.get("PreviewText")
        expected.append({
            "app": "Safari", "time": time, "title": title, "url": url,
            "folder": titles.get(parent) if parent is not None else None,
            "bookmark_type": kind, "preview_text": preview, "last_viewed": last_viewed,
            "deleted": False, "raw_times": raw,
            "source": pc.source("HomeDomain", BOOKMARKS_PATH, "bookmarks", rid),
        })
    return sqlite_build.build_db(populate), expected


def build(ctx):
    rng = ctx.rng(NAME)
    ios9 = ctx.style == "ios9"
    files, web, marks = [], [], []
    H = 3600
    main_plan = [
        {"url": "https://www.example.com/", "visit_count": 3, "visits": [
            {"title": "Example Domain", "age": 30 * H},
            {"title": "Example Domain", "age": 20 * H, "whole": True},
            {"title": "Example Domain", "age": 2 * H, "ok": False}]},
        {"url": "https://example.org/search?q=caf%C3%A9", "visit_count": 1, "visits": [
            {"title": "café — Search results 🔎", "age": 50 * H, "origin": 1}]},
        {"url": "http://example.net/go", "visit_count": 1, "visits": [
            {"title": None, "age": 70 * H, "redirect_to": 5}]},
        {"url": "https://example.net/landing", "visit_count": 1, "visits": [
            {"title": "Landing page", "age": 70 * H - 1}]},
        {"url": "https://xn--7dbl2a.example/", "visit_count": 1, "visits": [
            {"title": "שלום — דף הבית", "age": 90 * H}]},
        {"url": "https://example.com/forgotten", "visit_count": 2, "visits": []},
    ]
    domain = "AppDomain-com.apple.mobilesafari" if ios9 else "HomeDomain"
    schema = app_schemas.HISTORY_IOS9 if ios9 else app_schemas.HISTORY_SAFARI
    fixed = sum(len(item["visits"]) for item in main_plan)
    extra = ctx.extra_rows("visits", fixed)
    data, exp = _history(ctx, rng, schema, domain, HISTORY_PATH, None, main_plan, extra)
    files.append(FileSpec(domain=domain, path=HISTORY_PATH, data=data, tags=("sqlite",),
                          **ctx.times(rng)))
    web += exp
    if not ios9:
        profile = util.rand_uuid(rng)
        path = f"Library/Safari/Profiles/{profile}/History.db"
        data, exp = _history(ctx, rng, app_schemas.HISTORY_SAFARI, "HomeDomain", path, profile, [
            {"url": "https://work.example.com/dashboard", "visit_count": 2, "visits": [
                {"title": "Dashboard", "age": 8 * H}, {"title": "Dashboard", "age": 4 * H}]},
        ])
        files.append(FileSpec(domain="HomeDomain", path=path, data=data, tags=("sqlite",),
                              **ctx.times(rng)))
        web += exp
    data, marks = _bookmarks(ctx, rng)
    files.append(FileSpec(domain="HomeDomain", path=BOOKMARKS_PATH, data=data, tags=("sqlite",),
                          **ctx.times(rng)))
    expected = {"records": {"web_history": web, "bookmarks": marks}}
    if "visits" in ctx.scale:
        # The synthetic visits (main History.db) are counted, not listed.
        expected["scale"] = {"visits": fixed + extra, "synthetic_visits": extra,
                             "history_db": f"{domain}/{HISTORY_PATH}"}
    return ContentResult(files=files, expected=expected)
