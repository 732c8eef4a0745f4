"""Accounts: HomeDomain Library/Accounts/Accounts3.sqlite (FORMATS.md 5.19), with the real iOS 15
schema for both styles (the only Accounts3 schema at hand).

Like the real ones: an iCloud account whose CalDAV/CardDAV children point at it through
ZPARENTACCOUNT, accounts without a user name, ZDATE Cocoa seconds with a fraction (REAL) and one
whole value (stored as INTEGER through NUMERIC affinity); traps: an account whose ZACCOUNTTYPE
points at no type row and one with ZDATE NULL.
"""

from . import pim_common as pc
from . import pim_schemas, sqlite_build
from .. import util
from .spec import ContentResult, FileSpec

NAME = "accounts"
DOMAIN = "HomeDomain"
PATH = "Library/Accounts/Accounts3.sqlite"

TYPES = [  # (Z_PK, description, identifier)
    (1, "iCloud", "com.apple.account.AppleAccount"),
    (2, "CalDAV", "com.apple.account.CalDAV"),
    (3, "CardDAV", "com.apple.account.CardDAV"),
    (4, "iTunes Store", "com.apple.account.iTunesStore"),
    (5, "Gmail", "com.apple.account.Google"),
]


def build(ctx):
    rng = ctx.rng(NAME)
    base = ctx.base_time - util.COCOA_EPOCH - 200 * 86400
    t = [base + i * 3600 + pc.frac64(rng) for i in range(7)]
    # (Z_PK, type, parent, username, description, owning bundle, date, active)
    accounts = [
        (1, 4, None, "local", None, "com.apple.AppleMediaServicesUI", t[0], 0),
        (2, 1, None, "someone@example.com", "iCloud", "com.apple.purplebuddy", t[1], 1),
        (3, 2, 2, None, None, "com.apple.accounts.accountsd", t[2], 1),
        (4, 3, 2, None, None, "com.apple.accounts.accountsd", float(int(t[3])), 1),
        (5, 5, None, "someone@gmail.example", "Gmail", "com.apple.mobilemail", t[4], 1),
        (6, 42, None, "orphan@example.org", "Unknown type", None, t[5], 1),
        (7, 2, 5, None, None, "com.apple.accounts.accountsd", None, None),
    ]
    id_rng = ctx.rng(NAME, "ids")
    idents = {pk: util.rand_uuid(id_rng) for pk, *_ in accounts}

    def populate(con):
        con.executescript(pim_schemas.ACCOUNTS3_IOS15)
        con.execute("BEGIN")
        con.executemany("INSERT INTO ZACCOUNTTYPE (Z_PK, Z_ENT, Z_OPT, ZACCOUNTTYPEDESCRIPTION, "
                        "ZIDENTIFIER) VALUES (?, 4, 1, ?, ?)", TYPES)
        for pk, typ, parent, user, desc, bundle, date, active in accounts:
            con.execute("INSERT INTO ZACCOUNT (Z_PK, Z_ENT, Z_OPT, ZACTIVE, ZVISIBLE, "
                        "ZACCOUNTTYPE, ZPARENTACCOUNT, ZDATE, ZACCOUNTDESCRIPTION, ZIDENTIFIER, "
                        "ZOWNINGBUNDLEID, "
                        "ZUSERNAME) VALUES (?, 2, 1, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                        (pk, active, typ, parent, date, desc, idents[pk], bundle, user))
        con.execute("COMMIT")

    files = [FileSpec(domain=DOMAIN, path=PATH, data=sqlite_build.build_db(populate, "wal"),
                      tags=("sqlite",), **ctx.times(rng))]
    types = {pk: (desc, ident) for pk, desc, ident in TYPES}
    records = []
    for pk, typ, parent, user, desc, bundle, date, active in accounts:
        tdesc, tident = types.get(typ, (None, None))
        records.append({
            "app": "Accounts", "time": pc.cocoa_iso(date), "username": user, "description": desc,
            "account_type": tdesc, "account_type_identifier": tident, "identifier": idents[pk],
            "owning_bundle_id": bundle, "parent_identifier": idents[parent] if parent else None,
            "active": None if active is None else bool(active), "deleted": False,
            "source": pc.source(DOMAIN, PATH, "ZACCOUNT", pk)})
    return ContentResult(files=files, expected={
        "domain": DOMAIN, "relative_path": PATH, "records": {"accounts": records}})
