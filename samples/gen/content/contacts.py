"""Contacts: HomeDomain Library/AddressBook/AddressBook.sqlitedb with the real iOS 15 schema
(FORMATS.md 5.4), for both styles (the only real AddressBook schema at hand).

Traps it carries:
- the FTS table ABPersonFullTextSearch declares the device-only tokenizer ab_cf_tokenizer (stock
  SQLite fails on it: a reader must leave it alone), written straight into sqlite_master;
- ios17: WAL mode and, as in two real images (mvs_ios_2023, belkasoft_ctf6), nearly all content is
  in AddressBook.sqlitedb-wal (a separate manifest row); the main file has the schema and one
  person;
- built-in labels wrapped (_$!<Mobile>!$_), a custom label (TextNow), a value without a label;
- several phones per person in identifier order; an address as ABMultiValueEntry parts (value NULL);
- Birthday TEXT in Cocoa seconds, one without a year (year 1604); CreationDate 0 (= not set);
- values of other properties (46 social profile) and an ABMultiValue row of a deleted person.
Expected records: {"records": {"contacts": [...]}} in the export form (CONTRACT.md).
"""

import datetime

from . import pim_common as pc
from . import pim_schemas, sqlite_build
from .. import util
from .spec import ContentResult, FileSpec

NAME = "contacts"
DOMAIN = "HomeDomain"
PATH = "Library/AddressBook/AddressBook.sqlitedb"

LABELS = ["_$!<Mobile>!$_", "_$!<Home>!$_", "_$!<Work>!$_", "_$!<Main>!$_", "_$!<HomePage>!$_",
          "TextNow", "_$!<iPhone>!$_"]
ENTRY_KEYS = ["Street", "ZIP", "City", "CountryCode", "State", "Country"]

FIRST = ["Ada", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Niklaus"]
LAST = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen"]


def _clean(label):
    if label is None:
        return ""
    if label.startswith("_$!<") and label.endswith(">!$_"):
        return label[4:-4]
    return label


def _cocoa_of_date(y, m, d, hour=0):
    dt = datetime.datetime(y, m, d, hour, tzinfo=datetime.timezone.utc)
    return int((dt - datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds())


def _people(ctx, rng):
    """The persons, each with its multi-values: (property, label, value or address dict)."""
    base = ctx.base_time - util.COCOA_EPOCH
    people = [
        {"First": "Ada", "Last": "Lovelace", "Middle": "King", "Organization": "Analytical Engines",
         "Department": "Research", "JobTitle": "Programmer", "Nickname": "Countess",
         "Note": "Met at the exhibition.\nSecond line: café ☕", "Kind": 0,
         "Birthday": str(_cocoa_of_date(1985, 12, 10, 12)),
         "mv": [(3, "_$!<Mobile>!$_", "+1 (202) 555-0101"), (3, "TextNow", "(202) 555-0102"),
                (4, "_$!<Home>!$_", "ada@example.com"),
                (5, "_$!<Work>!$_", {"Street": "1 Engine Way", "ZIP": "20001",
                                     "City": "Washington", "CountryCode": "us",
                                     "State": "DC", "Country": "United States"}),
                (22, "_$!<HomePage>!$_", "https://example.com/ada"),
                (46, None, None)]},
        {"First": None, "Last": None, "Organization": "Example Corp.", "Kind": 1,
         "mv": [(3, "_$!<Main>!$_", "1-800-555-0199"),
                (5, "_$!<Work>!$_", {"Street": "500 Market St", "City": "Springfield",
                                     "CountryCode": "us"})]},
        {"First": "José", "Last": "Łukasz-李", "Kind": 0,
         "Birthday": str(_cocoa_of_date(1604, 3, 7)) + ".000000",
         "mv": [(4, None, "jose@example.com"), (4, "_$!<Work>!$_", "jl@example.org"),
                (3, "_$!<iPhone>!$_", "+44 20 7946 0958")]},
        {"First": "NoDate", "Last": "Person", "Kind": 0, "CreationDate": 0, "ModificationDate": 0,
         "mv": []},
    ]
    for i in range(6):
        mv = [(3, rng.choice(LABELS[:3]), f"+1 (202) 555-01{rng.randrange(10, 99)}")
              for _ in range(rng.randrange(0, 3))]
        if rng.random() < 0.5:
            mv.append((4, "_$!<Home>!$_", f"user{i}@example.net"))
        people.append({"First": rng.choice(FIRST), "Last": rng.choice(LAST), "Kind": 0, "mv": mv})
    for p in people:
        created = base - rng.randrange(86400, 300 * 86400)
        p.setdefault("CreationDate", created)
        p.setdefault("ModificationDate", created + rng.randrange(0, 86400))
    return people


def _synthetic(ctx, n, first_rowid, first_uid):
    """--scale contacts: n synthetic persons (ROWIDs from first_rowid) with 0-3 phones and 0-1
    email each (UIDs from first_uid). Returns (ABPerson rows, ABMultiValue rows) for
    executemany."""
    rng = ctx.rng(NAME, "scale")
    base = ctx.base_time - util.COCOA_EPOCH
    people, mvs = [], []
    uid = first_uid
    for k in range(n):
        rowid = first_rowid + k
        created = base - rng.randrange(86400, 3000 * 86400)
        org = f"Example {rng.choice(LAST)} Ltd." if rng.randrange(5) == 0 else None
        people.append((rowid, rng.choice(FIRST), f"{rng.choice(LAST)}-{k}", org, 0, created,
                       created + rng.randrange(0, 86400), 1, util.rand_uuid(rng)))
        for ident in range(rng.randrange(0, 4)):
            mvs.append((uid, rowid, 3, ident, rng.randrange(1, 4),
                        f"+1 (555) {rng.randrange(200, 999)}-{rng.randrange(10000):04d}",
                        util.rand_uuid(rng)))
            uid += 1
        if rng.randrange(2):
            mvs.append((uid, rowid, 4, 0, 2, f"person{rowid}@example.net", util.rand_uuid(rng)))
            uid += 1
    return people, mvs


def build(ctx):
    rng = ctx.rng(NAME)
    people = _people(ctx, rng)
    guid_rng = ctx.rng(NAME, "guid")
    mv_rows, entry_rows = [], []
    uid = 0
    for rowid, p in enumerate(people, 1):
        for ident, (prop, label, value) in enumerate(p["mv"]):
            uid += 1
            label_id = LABELS.index(label) + 1 if label in LABELS else None
            if isinstance(value, dict):
                mv_rows.append((uid, rowid, prop, ident, label_id, None))
                for k, v in value.items():
                    entry_rows.append((uid, ENTRY_KEYS.index(k) + 1, v))
            else:
                mv_rows.append((uid, rowid, prop, ident, label_id, value))
    # A phone of a person that is gone (record 99 has no ABPerson row).
    uid += 1
    mv_rows.append((uid, 99, 3, 0, 1, "+1 (202) 555-0188"))

    extra = ctx.extra_rows("contacts", len(people))
    synthetic = _synthetic(ctx, extra, len(people) + 1, uid + 1) if extra else None

    def insert_synthetic(con):
        con.execute("BEGIN")
        con.executemany("INSERT INTO ABPerson (ROWID, First, Last, Organization, Kind, "
                        "CreationDate, ModificationDate, StoreID, guid) VALUES (?,?,?,?,?,?,?,?,?)",
                        synthetic[0])
        con.executemany("INSERT INTO ABMultiValue (UID, record_id, property, identifier, label, "
                        "value, guid) VALUES (?,?,?,?,?,?,?)", synthetic[1])
        con.execute("COMMIT")

    def create_schema(con):
        # The schema's column defaults call the device function ab_generate_guid(); every insert
        # below gives its guid, the stub only lets the statements run.
        con.create_function("ab_generate_guid", 0, lambda: util.rand_uuid(guid_rng))
        con.executescript(pim_schemas.ADDRESSBOOK_IOS15)
        con.execute("PRAGMA writable_schema=ON")
        con.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) "
                    "VALUES ('table', 'ABPersonFullTextSearch', 'ABPersonFullTextSearch', 0, ?)",
                    (pim_schemas.ADDRESSBOOK_FTS_IOS15.rstrip(";"),))
        con.execute("PRAGMA writable_schema=OFF")

    def insert_people(con, rows):
        con.execute("BEGIN")
        for rowid, p in rows:
            con.execute(
                "INSERT INTO ABPerson (ROWID, First, Last, Middle, Organization, Department, Note, "
                "Kind, Birthday, JobTitle, Nickname, CreationDate, ModificationDate, StoreID, "
                "guid) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (rowid, p.get("First"), p.get("Last"), p.get("Middle"), p.get("Organization"),
                 p.get("Department"), p.get("Note"), p["Kind"], p.get("Birthday"),
                 p.get("JobTitle"),
                 p.get("Nickname"), p["CreationDate"], p["ModificationDate"], 1,
                 util.rand_uuid(guid_rng)))
        con.execute("COMMIT")

    def insert_rest(con):
        con.execute("BEGIN")
        con.executemany("INSERT INTO ABMultiValueLabel (ROWID, value) VALUES (?, ?)",
                        [(i + 1, v) for i, v in enumerate(LABELS)])
        con.executemany("INSERT INTO ABMultiValueEntryKey (ROWID, value) VALUES (?, ?)",
                        [(i + 1, v) for i, v in enumerate(ENTRY_KEYS)])
        con.executemany("INSERT INTO ABMultiValue (UID, record_id, property, identifier, label, "
                        "value, guid) VALUES (?,?,?,?,?,?,?)",
                        [r + (util.rand_uuid(guid_rng),) for r in mv_rows])
        con.executemany("INSERT INTO ABMultiValueEntry (parent_id, key, value) VALUES (?,?,?)",
                        entry_rows)
        con.execute("COMMIT")

    indexed = list(enumerate(people, 1))
    files = []
    if ctx.style == "ios17":
        def populate_main(con):
            create_schema(con)
            insert_people(con, indexed[:1])
            if synthetic:  # in the main file: a WAL of that size is not what devices leave
                insert_synthetic(con)

        def populate_wal(con):
            insert_people(con, indexed[1:])
            insert_rest(con)

        main, wal = sqlite_build.build_wal_pair(populate_main, populate_wal, rng)
        files.append(FileSpec(domain=DOMAIN, path=PATH, data=main, tags=("sqlite", "wal-main"),
                              **ctx.times(rng)))
        files.append(FileSpec(domain=DOMAIN, path=PATH + "-wal", data=wal, tags=("wal",),
                              **ctx.times(rng)))
    else:
        def populate(con):
            create_schema(con)
            insert_people(con, indexed)
            insert_rest(con)
            if synthetic:
                insert_synthetic(con)

        files.append(FileSpec(domain=DOMAIN, path=PATH, data=sqlite_build.build_db(populate),
                              tags=("sqlite",), **ctx.times(rng)))

    records = []
    for rowid, p in indexed:
        rec = {"app": "Contacts", "time": pc.cocoa_iso(p["CreationDate"]),
               "modified": pc.cocoa_iso(p["ModificationDate"]),
               "first_name": p.get("First"), "last_name": p.get("Last"),
               "middle_name": p.get("Middle"), "organization": p.get("Organization"),
               "department": p.get("Department"), "job_title": p.get("JobTitle"),
               "nickname": p.get("Nickname"), "note": p.get("Note")}
        lists = {3: ("phones", "phone_labels"), 4: ("emails", "email_labels"),
                 5: ("addresses", "address_labels"), 22: ("urls", "url_labels")}
        for key, lab in lists.values():
            rec[key], rec[lab] = [], []
        for prop in (3, 4, 5, 22):  # property order, then identifier order
            key, lab = lists[prop]
            for p_prop, label, value in p["mv"]:
                if p_prop != prop:
                    continue
                if isinstance(value, dict):
                    order = ["Street", "City", "State", "ZIP", "Country"]
                    parts = [value[k] for k in order if k in value]
                    if "Country" not in value and "CountryCode" in value:
                        parts.append(value["CountryCode"])
                    value = ", ".join(parts)
                rec[key].append(value)
                rec[lab].append(_clean(label))
        bday = p.get("Birthday")
        rec["birthday_raw"] = bday
        if bday is None:
            rec["birthday"] = None
        else:
            d = (datetime.datetime(2001, 1, 1) + datetime.timedelta(seconds=float(bday))).date()
            rec["birthday"] = f"--{d.month:02d}-{d.day:02d}" if d.year == 1604 else d.isoformat()
        rec["deleted"] = False
        rec["source"] = pc.source(DOMAIN, PATH, "ABPerson", rowid)
        records.append(rec)
    expected = {"domain": DOMAIN, "relative_path": PATH, "records": {"contacts": records}}
    if "contacts" in ctx.scale:
        # The synthetic persons are counted, not listed (records lists the fixed ones only).
        expected["scale"] = {"contacts": len(people) + extra, "synthetic_contacts": extra}
    return ContentResult(files=files, expected=expected)
