"""Photos: CameraRollDomain Media/PhotoData/Photos.sqlite (FORMATS.md 5.11), WAL mode, checkpointed.

ios9: the real iOS 9 tables (ZGENERICASSET without latitude/longitude columns — only the
ZLOCATIONDATA blob —, ZADDITIONALASSETATTRIBUTES with ZCREATORBUNDLEID, ZGENERICALBUM, the album
join Z_15ASSETS(Z_15ALBUMS, Z_22ASSETS)). ios17: the ZASSET era (app_schemas.PHOTOS_IOS17:
ZLATITUDE/ZLONGITUDE, no ZCREATORBUNDLEID, album join Z_28ASSETS(Z_28ALBUMS, Z_3ASSETS)).
Z_PRIMARYKEY names the entities, so the join table is found through it.

The two JPEGs media.py writes (Media/DCIM/100APPLE/IMG_0001.JPG, IMG_0002.JPG) are assets 1 and
2 here, with the same UUIDs and creation times as their assetsd xattrs; the other assets have no
file in the backup (backup_path null).

Traps: -180.0 = no location (null coordinates); 0.0/0.0 is a real location and stays; a video;
hidden, trashed (with ZTRASHEDDATE), favourite; an asset without a ZADDITIONALASSETATTRIBUTES
row; an asset in two albums; an album without a title (not listed); non-ASCII album titles;
fractional Cocoa times (multiples of 1/64 s).
"""

import datetime

from . import app_schemas, media, pim_common as pc, sqlite_build
from .. import util
from .spec import ContentResult, FileSpec

NAME = "photos"
DOMAIN = "CameraRollDomain"
PATH = "Media/PhotoData/Photos.sqlite"
NO_LOCATION = -180.0

# Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER) of each era: alphabetical Core Data numbering with the
# numbers the join tables name (iOS 9: 15 Album, 22 GenericAsset; iOS 16+: 28 Album, 3 Asset).
ENTITIES_IOS9 = [(1, "AdditionalAssetAttributes", 0), (2, "Adjustment", 0), (3, "AlbumList", 0),
                 (4, "AssetDescription", 0), (13, "Face", 0), (14, "GenericAlbum", 0),
                 (15, "Album", 14), (16, "CloudSharedAlbum", 14), (17, "Folder", 14),
                 (22, "GenericAsset", 0), (23, "Asset", 22), (25, "Keyword", 0), (26, "Moment", 0)]
ENTITIES_IOS17 = [(1, "AdditionalAssetAttributes", 0), (2, "AlbumList", 0), (3, "Asset", 0),
                  (4, "AssetAnalysisState", 0), (9, "CloudMaster", 0), (20, "ExtendedAttributes", 0),
                  (27, "GenericAlbum", 0), (28, "Album", 27), (29, "CloudSharedAlbum", 27),
                  (30, "FetchingAlbum", 27), (31, "Folder", 27), (40, "Moment", 0)]


def _cocoa_of_iso(iso):
    dt = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return float(int(dt.timestamp()) - util.COCOA_EPOCH)


def raw_float(v):
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _synthetic(ctx, n, first_pk, ios9, first_link):
    """--scale photos: n synthetic assets (Z_PK from first_pk; no file in the backup), each with
    a ZADDITIONALASSETATTRIBUTES row (Z_PK = asset + 1000), every tenth in album 10. Returns
    (asset rows, attribute rows, album links) for executemany."""
    rng = ctx.rng(NAME, "scale")
    cocoa_now = float(ctx.base_time - util.COCOA_EPOCH)
    assets, extras, links = [], [], []
    for k in range(n):
        pk = first_pk + k
        created = cocoa_now - rng.randrange(30 * 86400, 1500 * 86400) + pc.frac64(rng)
        added = created + 5 + pc.frac64(rng)
        video = rng.randrange(8) == 0
        name = f"IMG_{pk:05d}.{'MOV' if video else 'HEIC'}"
        row = (pk, 3 if not ios9 else 23, 1, 0, 0, 1 if video else 0, 3, 0, pk + 1000, added,
               created, added + rng.randrange(60, 86400), None, f"DCIM/{100 + pk // 1000}APPLE",
               name, util.rand_uuid(rng), "com.apple.quicktime-movie" if video else "public.heic")
        if ios9:
            row += (rng.randbytes(48),)
        else:
            located = rng.randrange(3) != 0
            row += (rng.uniform(-60, 60) if located else NO_LOCATION,
                    rng.uniform(-180, 180) if located else NO_LOCATION)
        assets.append(row)
        x = (pk + 1000, 1, 1, pk, name, 3600, "Europe/Paris", "2024:01:02 10:11:12")
        extras.append(x + (("com.apple.camera",) if ios9 else ()))
        if k % 10 == 0:
            links.append((10, pk, 1024 * (first_link + len(links) + 1)))
    return assets, extras, links


def build(ctx):
    rng = ctx.rng(NAME)
    ios9 = ctx.style == "ios9"
    cocoa_now = float(ctx.base_time - util.COCOA_EPOCH)
    shot = {p["relative_path"]: p for p in media.build(ctx).expected["photos"]["files"]}

    def when(days):
        return cocoa_now - days * 86400 - rng.randrange(3600) + pc.frac64(rng)

    img1 = shot["Media/DCIM/100APPLE/IMG_0001.JPG"]
    img2 = shot["Media/DCIM/100APPLE/IMG_0002.JPG"]
    assets = [
        dict(pk=1, filename="IMG_0001.JPG", kind=0, created=_cocoa_of_iso(img1["created"]),
             uuid=img1["uuid"], lat=48.858370, lon=2.294481, favorite=1, hidden=0, trashed=0,
             extra=dict(original="IMG_0001.JPG", tz=3600, tzname="Europe/Paris",
                        creator="com.apple.camera"), in_backup=True),
        dict(pk=2, filename="IMG_0002.JPG", kind=0, created=_cocoa_of_iso(img2["created"]),
             uuid=img2["uuid"], lat=NO_LOCATION, lon=NO_LOCATION, favorite=0, hidden=0, trashed=0,
             extra=dict(original="IMG_0002.JPG", tz=3600, tzname="Europe/Paris",
                        creator="com.apple.camera"), in_backup=True),
        dict(pk=3, filename="IMG_0003.HEIC", kind=0, created=when(20), uuid=util.rand_uuid(rng),
             lat=0.0, lon=0.0, favorite=0, hidden=1, trashed=0,
             extra=dict(original="Null Island.heic", tz=0, tzname="GMT",
                        creator="com.example.notesapp"), in_backup=False),
        dict(pk=4, filename="IMG_0004.MOV", kind=1, created=when(12), uuid=util.rand_uuid(rng),
             lat=-33.856784, lon=151.215297, favorite=0, hidden=0, trashed=1,
             trashed_date=when(2), extra=dict(original="IMG_0004.MOV", tz=39600,
                                              tzname="Australia/Sydney", creator="com.apple.camera"),
             in_backup=False),
        dict(pk=5, filename="IMG_0005.PNG", kind=0, created=when(3), uuid=util.rand_uuid(rng),
             lat=NO_LOCATION, lon=NO_LOCATION, favorite=0, hidden=0, trashed=0, extra=None,
             in_backup=False),
    ]
    for a in assets:
        a["added"] = a["created"] + 5 + pc.frac64(rng)
        a["modified"] = a["added"] + rng.randrange(60, 86400)
        a.setdefault("trashed_date", None)
    albums = [(10, "Vacances d'été ☀️"), (11, "Favourites ★"), (12, None)]
    links = [(10, 1), (10, 2), (11, 1), (12, 3)]
    extra = ctx.extra_rows("photos", len(assets))
    synthetic = _synthetic(ctx, extra, len(assets) + 1, ios9, len(links)) if extra else None

    def populate(con):
        con.executescript(app_schemas.PHOTOS_IOS9 if ios9 else app_schemas.PHOTOS_IOS17)
        con.execute("BEGIN")
        for ent, name, sup in (ENTITIES_IOS9 if ios9 else ENTITIES_IOS17):
            con.execute("INSERT INTO Z_PRIMARYKEY VALUES (?,?,?,?)", (ent, name, sup, 0))
        con.execute("INSERT INTO Z_METADATA VALUES (1, ?, NULL)", (util.rand_uuid(rng),))
        asset_ent, album_ent = (23, 15) if ios9 else (3, 28)
        table = "ZGENERICASSET" if ios9 else "ZASSET"
        for a in assets:
            extra_pk = 100 + a["pk"] if a["extra"] else None
            cols = {"Z_PK": a["pk"], "Z_ENT": asset_ent, "Z_OPT": 1, "ZFAVORITE": a["favorite"],
                    "ZHIDDEN": a["hidden"], "ZKIND": a["kind"], "ZSAVEDASSETTYPE": 3,
                    "ZTRASHEDSTATE": a["trashed"], "ZADDITIONALATTRIBUTES": extra_pk,
                    "ZADDEDDATE": a["added"], "ZDATECREATED": a["created"],
                    "ZMODIFICATIONDATE": a["modified"], "ZTRASHEDDATE": a["trashed_date"],
                    "ZDIRECTORY": "DCIM/100APPLE", "ZFILENAME": a["filename"], "ZUUID": a["uuid"],
                    "ZUNIFORMTYPEIDENTIFIER": "public.jpeg"}
            if ios9:
                # No coordinate columns: the location is only in this blob (format not decoded).
                cols["ZLOCATIONDATA"] = rng.randbytes(48) if a["lat"] != NO_LOCATION else None
            else:
                cols.update(ZLATITUDE=a["lat"], ZLONGITUDE=a["lon"])
            con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        list(cols.values()))
            if a["extra"]:
                x = {"Z_PK": extra_pk, "Z_ENT": 1, "Z_OPT": 1, "ZASSET": a["pk"],
                     "ZORIGINALFILENAME": a["extra"]["original"], "ZTIMEZONEOFFSET": a["extra"]["tz"],
                     "ZTIMEZONENAME": a["extra"]["tzname"], "ZEXIFTIMESTAMPSTRING": "2024:01:02 10:11:12"}
                if ios9:
                    x["ZCREATORBUNDLEID"] = a["extra"]["creator"]
                con.execute(f"INSERT INTO ZADDITIONALASSETATTRIBUTES ({', '.join(x)}) VALUES "
                            f"({', '.join('?' * len(x))})", list(x.values()))
        for pk, title in albums:
            con.execute("INSERT INTO ZGENERICALBUM (Z_PK, Z_ENT, Z_OPT, ZKIND, ZTITLE, ZUUID) VALUES "
                        "(?,?,1,?,?,?)", (pk, album_ent, 2 if title else 1000, title, util.rand_uuid(rng)))
        join = "Z_15ASSETS (Z_15ALBUMS, Z_22ASSETS, Z_FOK_22ASSETS)" if ios9 else \
               "Z_28ASSETS (Z_28ALBUMS, Z_3ASSETS, Z_FOK_3ASSETS)"
        for n, (album, asset) in enumerate(links):
            con.execute(f"INSERT INTO {join} VALUES (?,?,?)", (album, asset, 1024 * (n + 1)))
        if synthetic:
            cols = ("Z_PK, Z_ENT, Z_OPT, ZFAVORITE, ZHIDDEN, ZKIND, ZSAVEDASSETTYPE, "
                    "ZTRASHEDSTATE, ZADDITIONALATTRIBUTES, ZADDEDDATE, ZDATECREATED, "
                    "ZMODIFICATIONDATE, ZTRASHEDDATE, ZDIRECTORY, ZFILENAME, ZUUID, "
                    "ZUNIFORMTYPEIDENTIFIER, "
                    + ("ZLOCATIONDATA" if ios9 else "ZLATITUDE, ZLONGITUDE"))
            con.executemany(f"INSERT INTO {table} ({cols}) "
                            f"VALUES ({', '.join('?' * len(synthetic[0][0]))})", synthetic[0])
            cols = ("Z_PK, Z_ENT, Z_OPT, ZASSET, ZORIGINALFILENAME, ZTIMEZONEOFFSET, "
                    "ZTIMEZONENAME, ZEXIFTIMESTAMPSTRING" + (", ZCREATORBUNDLEID" if ios9 else ""))
            con.executemany(f"INSERT INTO ZADDITIONALASSETATTRIBUTES ({cols}) "
                            f"VALUES ({', '.join('?' * len(synthetic[1][0]))})", synthetic[1])
            con.executemany(f"INSERT INTO {join} VALUES (?,?,?)", synthetic[2])
        con.execute("COMMIT")

    table = "ZGENERICASSET" if ios9 else "ZASSET"
    titles = dict(albums)
    expected = []
    for a in assets:
        located = not ios9 and a["lat"] != NO_LOCATION and a["lon"] != NO_LOCATION
        raw = {"time": {"raw": raw_float(a["created"]), "encoding": "cocoa_s"},
               "added": {"raw": raw_float(a["added"]), "encoding": "cocoa_s"},
               "modified": {"raw": raw_float(a["modified"]), "encoding": "cocoa_s"}}
        if a["trashed_date"] is not None:
            raw["trashed_time"] = {"raw": raw_float(a["trashed_date"]), "encoding": "cocoa_s"}
        x = a["extra"] or {}
        expected.append({
            "app": "Photos", "time": pc.cocoa_iso(a["created"]), "filename": a["filename"],
            "latitude": a["lat"] if located else None, "longitude": a["lon"] if located else None,
            "directory": "DCIM/100APPLE", "media_type": "video" if a["kind"] == 1 else "photo",
            "added": pc.cocoa_iso(a["added"]), "modified": pc.cocoa_iso(a["modified"]),
            "hidden": bool(a["hidden"]), "trashed": bool(a["trashed"]), "favorite": bool(a["favorite"]),
            "albums": [titles[al] for al, asset in sorted(links) if asset == a["pk"] and titles[al]],
            "original_filename": x.get("original"), "uuid": a["uuid"],
            "backup_path": f"{DOMAIN}/Media/DCIM/100APPLE/{a['filename']}" if a["in_backup"] else None,
            "timezone_offset_s": x.get("tz"), "creator_bundle_id": x.get("creator") if ios9 else None,
            "trashed_time": pc.cocoa_iso(a["trashed_date"]), "timezone_name": x.get("tzname"),
            "deleted": False, "raw_times": raw,
            "source": pc.source(DOMAIN, PATH, table, a["pk"]),
        })
    files = [FileSpec(domain=DOMAIN, path=PATH, data=sqlite_build.build_db(populate, journal_mode="wal"),
                      tags=("sqlite",), **ctx.times(rng))]
    result = {"records": {"photos": expected}}
    if "photos" in ctx.scale:
        # The synthetic assets are counted, not listed (records lists the fixed ones only).
        result["scale"] = {"photos": len(assets) + extra, "synthetic_photos": extra}
    return ContentResult(files=files, expected=result)
