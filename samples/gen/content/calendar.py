"""Calendar: HomeDomain Library/Calendar/Calendar.sqlitedb (FORMATS.md 5.13). ios9: the real iOS 9
schema; ios17: the same tables with the iOS 14 CalendarItem (the newest real one at hand).

The trap is floating time (FORMATS.md 4): all-day events have start_tz "_float" and their dates are
wall-clock midnights written as if they were UTC (the real iOS 9 backup: all 43 items, e.g.
603504000 = 2020-02-16 00:00). The expected start is exactly that wall clock with 'Z', never shifted
by any zone, and the record says floating. Besides: a timed event in America/New_York with a
located place (latitude/longitude), a place with a title only, an event whose calendar row is gone,
an event without a title, and a whole-second start stored as INTEGER (NUMERIC affinity).
"""

import datetime

from . import pim_common as pc
from . import pim_schemas, sqlite_build
from .. import util
from .spec import ContentResult, FileSpec

NAME = "calendar"
DOMAIN = "HomeDomain"
PATH = "Library/Calendar/Calendar.sqlitedb"

STORES = [(1, "Default"), (2, "iCloud")]
CALENDARS = [(1, 1, "Home"), (2, 2, "Work"), (3, 1, "Birthdays")]
LOCATIONS = [  # (ROWID, title, address, latitude, longitude)
    (1, "Town Hall", "1 Main St, Springfield", 38.890625, -77.03125),
    (2, "Blue Café", None, None, None),
]


def _midnight_cocoa(day: datetime.date) -> int:
    """A floating all-day start: the wall-clock midnight written as if it were UTC."""
    return (day - datetime.date(2001, 1, 1)).days * 86400


def build(ctx):
    rng = ctx.rng(NAME)
    base = ctx.base_time - util.COCOA_EPOCH
    today = datetime.date(2001, 1, 1) + datetime.timedelta(days=base // 86400)
    d1, d2 = today - datetime.timedelta(days=40), today + datetime.timedelta(days=3)
    created = base - 90 * 86400 + pc.frac64(rng)
    timed = base - 10 * 86400 - rng.randrange(3600) + pc.frac64(rng)
    # (ROWID, summary, description, start, start_tz, end, end_tz, all_day, calendar_id, location_id)
    items = [
        (1, "Anna's birthday", None, _midnight_cocoa(d1), "_float",
         _midnight_cocoa(d1 + datetime.timedelta(days=1)), "_float", 1, 3, 0),
        (2, "Conference", "Bring badge.\nRoom 4", _midnight_cocoa(d2), "_float",
         _midnight_cocoa(d2 + datetime.timedelta(days=2)), "_float", 1, 2, 2),
        (3, "Meeting with Ada", "Agenda: engines", timed, "America/New_York", timed + 5400.5,
         "America/New_York", 0, 2, 1),
        (4, None, None, float(base - 3 * 86400), "Europe/Paris", float(base - 3 * 86400 + 1800),
         "Europe/Paris", 0, 9, 0),
        (5, "Dentist", None, base - 20 * 86400 + 0.25, "UTC", base - 20 * 86400 + 1800.25, "UTC",
         0, 1, 2),
    ]

    def populate(con):
        schema = pim_schemas.CALENDAR_IOS9
        if ctx.style == "ios17":
            lines = [pim_schemas.CALENDARITEM_IOS14 if ln.startswith("CREATE TABLE CalendarItem (")
                     else ln for ln in schema.splitlines()]
            schema = "\n".join(lines)
        con.executescript(schema)
        con.execute("BEGIN")
        con.executemany("INSERT INTO Store (ROWID, name, type) VALUES (?, ?, 0)", STORES)
        con.executemany("INSERT INTO Calendar (ROWID, store_id, title) VALUES (?, ?, ?)", CALENDARS)
        con.executemany("INSERT INTO Location (ROWID, title, address, latitude, longitude) "
                        "VALUES (?, ?, ?, ?, ?)", LOCATIONS)
        for it in items:
            con.execute("INSERT INTO CalendarItem (ROWID, summary, description, start_date, "
                        "start_tz, end_date, end_tz, all_day, calendar_id, location_id, "
                        "entity_type, "
                        "creation_date, last_modified) VALUES (?,?,?,?,?,?,?,?,?,?,2,?,?)",
                        it + (created, created + 3600))
        con.execute("COMMIT")

    files = [FileSpec(domain=DOMAIN, path=PATH, data=sqlite_build.build_db(populate, "wal"),
                      tags=("sqlite",), **ctx.times(rng))]
    cals = {rid: (store, title) for rid, store, title in CALENDARS}
    stores = dict(STORES)
    locs = {loc[0]: loc for loc in LOCATIONS}
    records = []
    for rowid, summary, desc, start, stz, end, etz, all_day, cal_id, loc_id in items:
        store_id, cal_title = cals.get(cal_id, (None, None))
        loc = locs.get(loc_id, (None, None, None, None, None))
        records.append({
            "app": "Calendar", "title": summary, "description": desc,
            "time": pc.cocoa_iso(start), "end": pc.cocoa_iso(end), "time_zone": stz,
            "end_time_zone": etz, "floating": stz == "_float", "all_day": bool(all_day),
            "calendar": cal_title, "account": stores.get(store_id),
            "location": loc[1] if loc[1] is not None else loc[2], "location_address": loc[2],
            "latitude": loc[3], "longitude": loc[4],
            "created": pc.cocoa_iso(created), "modified": pc.cocoa_iso(created + 3600),
            "deleted": False, "source": pc.source(DOMAIN, PATH, "CalendarItem", rowid)})
    return ContentResult(files=files, expected={
        "domain": DOMAIN, "relative_path": PATH, "records": {"calendar_events": records}})
