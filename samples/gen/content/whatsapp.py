"""WhatsApp: AppDomainGroup-group.net.whatsapp.WhatsApp.shared ChatStorage.sqlite,
CallHistory.sqlite, ContactsV2.sqlite and Message/Media/… files (FORMATS.md 5.16).

Schemas (whatsapp_schemas.py) are those of a real iOS 15-era WhatsApp; the ios9 style writes no
WhatsApp content (no schema of that era is on file to copy). Databases are in WAL mode,
checkpointed, as the real ones were (empty -wal files).

Traps:
- ZMESSAGEDATE as REAL with a fraction and as a whole number SQLite stores as INTEGER (Core Data
  TIMESTAMP has NUMERIC affinity; josh_ios15 has both);
- ZWAMEDIAITEM.ZLATITUDE/ZLONGITUDE on an image item hold its pixel size (1080 x 1920), not a
  place: only location messages (ZMESSAGETYPE 5) have coordinates;
- a group: incoming messages name their sender through ZGROUPMEMBER (one member is an @lid
  identity), the group event has none, an outgoing message has no single other side;
- media: an image whose file is in the backup (with a caption in ZTITLE), a video that was never
  downloaded (no local path), a document named by ZTITLE, a sticker; a link-preview media item on
  a text message (no file, not an attachment);
- calls: answered, missed (outcome 1, ZMISSED 1), unanswered outgoing (outcome 4), an unknown
  outcome (5), two missed calls under one aggregate event, a group video call with two
  participants;
- contacts: a built-in (_$!<Mobile>!$_) and a custom phone label, a contact with no given name and
  one without WhatsApp (no phone, no JID).
"""

from . import pim_common as pc
from . import sqlite_build, whatsapp_schemas
from .. import util
from .spec import ContentResult, FileSpec

NAME = "whatsapp"
DOMAIN = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"
CHATS_PATH = "ChatStorage.sqlite"
CALLS_PATH = "CallHistory.sqlite"
CONTACTS_PATH = "ContactsV2.sqlite"

OWN = "12025550100@s.whatsapp.net"
ADA = "12025550111@s.whatsapp.net"
GRACE = "12025550112@s.whatsapp.net"
LID = "205690000000001@lid"
GROUP = "120363000000000001@g.us"
MEDIA_URL = "https://mmg.whatsapp.net/v/t62/x.enc"

TYPE_NAMES = {0: "text", 1: "image", 2: "video", 5: "location", 6: "group event", 8: "document",
              14: "deleted", 15: "sticker"}


def _insert(con, table, cols):
    marks = ", ".join("?" * len(cols))
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", list(cols.values()))


def _raw(cocoa):
    """The raw text of a date: a whole second is stored as INTEGER (NUMERIC affinity)."""
    return str(int(cocoa)) if cocoa == int(cocoa) else pc.raw_text(cocoa)


def _chats(ctx, rng, files):
    base = float(ctx.base_time - util.COCOA_EPOCH - 10 * 86400)
    sessions = {1: (0, ADA, "Ada Lovelace"), 2: (1, GROUP, "Hiking Club")}
    members = {1: (2, OWN, None), 2: (2, ADA, "Ada"), 3: (2, GRACE, None), 4: (2, LID, None)}
    jpeg = b"\xff\xd8\xff\xe0" + rng.randbytes(2048) + b"\xff\xd9"
    pdf = b"%PDF-1.4\n" + rng.randbytes(1024) + b"\n%%EOF\n"
    webp = b"RIFF" + (520).to_bytes(4, "little") + b"WEBPVP8 " + rng.randbytes(508)

    def media_path(jid, ext):
        bucket = f"{util.rand_hex(rng, 1)}/{util.rand_hex(rng, 1)}"
        return f"Media/{jid}/{bucket}/{util.rand_uuid(rng).lower()}.{ext}"

    # (session, from_me, type, text, member pk, media dict or None, whole-second date?)
    msgs = [
        (1, 0, 0, "Are you coming to the ridge walk?", None, None, False),
        (1, 1, 0, "Wouldn't miss it \U0001f97e", None, {"preview": True}, False),
        (1, 0, 1, None, None, {"path": media_path(ADA, "jpg"), "data": jpeg, "lat": 1080.0,
                               "lon": 1920.0, "title": "Summit view"}, True),
        (1, 0, 2, None, None, {"path": None, "size": 8123456, "lat": 720.0, "lon": 1280.0}, False),
        (1, 1, 5, None, None, {"lat": 38.889484, "lon": -77.035278}, False),
        (1, 0, 5, None, None, {"lat": 47.6062, "lon": -122.3321}, True),
        (2, 0, 6, None, None, None, True),
        (2, 0, 0, "Trailhead parking fills by 8", 2, None, False),
        (2, 1, 0, "I'll be there at 7:30", None, None, False),
        (2, 0, 8, None, 3, {"path": media_path(GROUP, "pdf"), "data": pdf, "title": "Permit.pdf"},
         False),
        (2, 0, 0, "\u05d9\u05d5\u05dd \u05d8\u05d5\u05d1 from the LID member", 4, None, False),
        (1, 0, 15, None, None, {"path": media_path(ADA, "webp"), "data": webp}, False),
        (1, 0, 14, None, None, None, True),
    ]
    rows, media_rows = [], []
    for pk, (session, from_me, mtype, text, member, media, whole) in enumerate(msgs, 1):
        date = base + 3600 * pk + (0 if whole else pc.frac64(rng))
        stype, chat_jid, _ = sessions[session]
        from_jid = None if from_me else (chat_jid if stype == 1 else ADA)
        to_jid = (chat_jid if from_me else None) if stype == 0 else (chat_jid if from_me else OWN)
        item = None
        if media is not None:
            item = len(media_rows) + 1
            media_rows.append((item, pk, media))
        rows.append({"Z_PK": pk, "Z_ENT": 9, "Z_OPT": 3, "ZISFROMME": from_me,
                     "ZMESSAGETYPE": mtype, "ZGROUPEVENTTYPE": 2 if mtype == 6 else 0,
                     "ZMESSAGESTATUS": 8,
                     "ZCHATSESSION": session, "ZGROUPMEMBER": member, "ZMEDIAITEM": item,
                     "ZMESSAGEDATE": date, "ZSENTDATE": date + 0.25, "ZFROMJID": from_jid,
                     "ZTOJID": to_jid, "ZSTANZAID": util.rand_hex(rng, 20, upper=True),
                     "ZTEXT": text, "ZSTARRED": 0, "ZFLAGS": 16777216})

    def populate(con):
        con.executescript(whatsapp_schemas.CHATSTORAGE)
        con.execute("BEGIN")
        for pk, (stype, jid, name) in sessions.items():
            _insert(con, "ZWACHATSESSION", {
                "Z_PK": pk, "Z_ENT": 4, "Z_OPT": 5, "ZSESSIONTYPE": stype, "ZCONTACTJID": jid,
                "ZPARTNERNAME": name, "ZARCHIVED": 0, "ZHIDDEN": 0, "ZREMOVED": 0,
                "ZLASTMESSAGEDATE": rows[-1]["ZMESSAGEDATE"]})
        for pk, (session, jid, name) in members.items():
            _insert(con, "ZWAGROUPMEMBER", {
                "Z_PK": pk, "Z_ENT": 6, "Z_OPT": 1, "ZCHATSESSION": session, "ZMEMBERJID": jid,
                "ZCONTACTNAME": name, "ZISACTIVE": 1, "ZISADMIN": 1 if jid == OWN else 0})
        for row in rows:
            _insert(con, "ZWAMESSAGE", row)
        for item, msg_pk, media in media_rows:
            _insert(con, "ZWAMEDIAITEM", {
                "Z_PK": item, "Z_ENT": 8, "Z_OPT": 2, "ZMESSAGE": msg_pk,
                "ZFILESIZE": len(media["data"]) if media.get("data") else media.get("size", 0),
                "ZLATITUDE": media.get("lat", 0.0), "ZLONGITUDE": media.get("lon", 0.0),
                "ZMEDIALOCALPATH": media.get("path"), "ZTITLE": media.get("title"),
                "ZMEDIAURL": None if media.get("preview") else MEDIA_URL})
        con.execute("INSERT INTO Z_PRIMARYKEY VALUES (9, 'WAMessage', 0, ?)", (len(rows),))
        con.execute("COMMIT")

    files.append(FileSpec(domain=DOMAIN, path=CHATS_PATH,
                          data=sqlite_build.build_db(populate, journal_mode="wal"),
                          tags=("sqlite",), **ctx.times(rng)))
    records = []
    for row in rows:
        session = row["ZCHATSESSION"]
        stype, chat_jid, partner = sessions[session]
        from_me = row["ZISFROMME"] == 1
        mtype = row["ZMESSAGETYPE"]
        media = next((m for i, p, m in media_rows if p == row["Z_PK"]), None)
        if stype == 0:
            party = chat_jid
            participants = [chat_jid]
        else:
            member = row["ZGROUPMEMBER"]
            party = None if from_me or member is None else members[member][1]
            participants = [jid for s, jid, _ in members.values() if s == session]
        attachments, text = [], row["ZTEXT"]
        text_source = "ZTEXT" if text is not None else None
        lat = lon = None
        if media is not None:
            if mtype == 5:
                lat, lon = media["lat"], media["lon"]
            if media.get("path") or mtype in (1, 2, 8, 15):
                path = media.get("path")
                name = path.rsplit("/", 1)[1] if path else ""
                if mtype == 8 and media.get("title"):
                    name = media["title"]
                attachments.append({
                    "name": name, "mime_type": None, "path": path,
                    "backup_path": f"{DOMAIN}/Message/{path}" if media.get("data") else None,
                    "size": len(media["data"]) if media.get("data") else media.get("size", 0)})
                if text is None and mtype != 8 and media.get("title"):
                    text, text_source = media["title"], "ZWAMEDIAITEM.ZTITLE"
        date = row["ZMESSAGEDATE"]
        records.append({
            "app": "WhatsApp", "time": pc.cocoa_iso(date),
            "direction": "outgoing" if from_me else "incoming", "party": party, "chat": chat_jid,
            "service": "WhatsApp", "text": text, "read_time": None,
            "attachments": attachments, "delivered_time": None, "guid": row["ZSTANZAID"],
            "chat_name": partner, "chat_participants": participants, "text_source": text_source,
            "message_type": TYPE_NAMES[mtype], "latitude": lat, "longitude": lon,
            "deleted": False,
            "raw_times": {"time": {"raw": _raw(date), "encoding": "cocoa_s"}},
            "source": pc.source(DOMAIN, CHATS_PATH, "ZWAMESSAGE", row["Z_PK"])})
        for item, msg_pk, m in media_rows:
            if msg_pk == row["Z_PK"] and m.get("data"):
                files.append(FileSpec(domain=DOMAIN, path="Message/" + m["path"], data=m["data"],
                                      **ctx.times(rng)))
    return records


def _calls(ctx, rng, files):
    base = float(ctx.base_time - util.COCOA_EPOCH - 5 * 86400)
    # aggregate pk: (incoming, missed, video)
    aggregates = {1: (0, 0, 0), 2: (1, 0, 1), 3: (1, 1, 0), 4: (0, 0, 0), 5: (0, 0, 1),
                  6: (1, 0, 0)}
    # (aggregate, outcome, duration, participants, group jid)
    events = [(1, 0, 95.25, [ADA], None), (2, 0, 300.5, [ADA], None), (3, 1, 0.0, [GRACE], None),
              (3, 1, 0.0, [GRACE], None), (4, 4, 0.0, [ADA], None),
              (5, 0, 612.75, [ADA, GRACE], GROUP), (6, 5, 0.0, [ADA], None)]
    dates = [base + 7200 * i + pc.frac64(rng) for i in range(len(events))]

    def populate(con):
        con.executescript(whatsapp_schemas.CALLHISTORY)
        con.execute("BEGIN")
        for pk, (incoming, missed, video) in aggregates.items():
            first = min(d for d, e in zip(dates, events) if e[0] == pk)
            _insert(con, "ZWAAGGREGATECALLEVENT", {
                "Z_PK": pk, "Z_ENT": 1, "Z_OPT": 1, "ZINCOMING": incoming, "ZMISSED": missed,
                "ZMISSEDREASON": 1, "ZVIDEO": video, "ZFIRSTDATE": first})
        part_pk = 0
        for pk, ((agg, outcome, duration, who, group), date) in enumerate(zip(events, dates), 1):
            creator = who[0] if aggregates[agg][0] else OWN
            _insert(con, "ZWACDCALLEVENT", {
                "Z_PK": pk, "Z_ENT": 2, "Z_OPT": 1, "ZBYTESRECEIVED": 1000 * pk,
                "ZBYTESSENT": 900 * pk, "ZOUTCOME": outcome, "Z1CALLEVENTS": agg,
                "Z_FOK_1CALLEVENTS": 2048 * pk, "ZDATE": date, "ZDURATION": duration,
                "ZGROUPCALLCREATORUSERJIDSTRING": creator, "ZGROUPJIDSTRING": group})
            for jid in who:
                part_pk += 1
                _insert(con, "ZWACDCALLEVENTPARTICIPANT", {
                    "Z_PK": part_pk, "Z_ENT": 3, "Z_OPT": 1, "ZOUTCOME": outcome,
                    "Z1PARTICIPANTS": pk, "Z_FOK_1PARTICIPANTS": 2048, "ZJIDSTRING": jid})
        con.executemany("INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, ?)",
                        [(1, "WAAggregateCallEvent", len(aggregates)),
                         (2, "WACDCallEvent", len(events)),
                         (3, "WACDCallEventParticipant", part_pk)])
        con.execute("COMMIT")

    files.append(FileSpec(domain=DOMAIN, path=CALLS_PATH,
                          data=sqlite_build.build_db(populate, journal_mode="wal"),
                          tags=("sqlite",), **ctx.times(rng)))
    records = []
    for pk, ((agg, outcome, duration, who, group), date) in enumerate(zip(events, dates), 1):
        incoming, missed, video = aggregates[agg]
        if outcome == 0:
            answered = True
        elif outcome in (1, 4) or missed:
            answered = False
        else:
            answered = None
        records.append({
            "app": "WhatsApp", "time": pc.cocoa_iso(date),
            "party": who[0] if len(who) == 1 else group,
            "direction": "incoming" if incoming else "outgoing", "answered": answered,
            "duration_s": duration, "call_type": "video" if video else "voice",
            "service": "WhatsApp",
            "name": None, "end_time": pc.cocoa_iso(date + duration), "unique_id": None,
            "deleted": False, "source": pc.source(DOMAIN, CALLS_PATH, "ZWACDCALLEVENT", pk)})
    return records


def _contacts(ctx, rng, files):
    # (full name, given name, phone, label, jid)
    people = [("Ada Lovelace", "Ada", "(202) 555-0111", "_$!<Mobile>!$_", ADA),
              ("Grace Hopper", "Grace", "+1 (202) 555-0112", "TextNow", GRACE),
              ("Example Outfitters", None, "1-800-555-0199", "_$!<Main>!$_",
               "18005550199@s.whatsapp.net"),
              ("Linus Example", "Linus", None, None, None)]

    def populate(con):
        con.executescript(whatsapp_schemas.CONTACTSV2)
        con.execute("BEGIN")
        for pk, (full, given, phone, label, jid) in enumerate(people, 1):
            _insert(con, "ZWAADDRESSBOOKCONTACT", {
                "Z_PK": pk, "Z_ENT": 1, "Z_OPT": 1, "ZPHONESTATUS": 2 if jid else 3,
                "ZFULLNAME": full, "ZGIVENNAME": given, "ZHIGHLIGHTEDNAME": full.split(" ")[-1],
                "ZIDENTIFIER": util.rand_uuid(rng), "ZPHONENUMBER": phone,
                "ZPHONENUMBERLABEL": label,
                "ZWHATSAPPID": jid, "ZSECTIONTITLE": full[0]})
        con.execute("COMMIT")

    files.append(FileSpec(domain=DOMAIN, path=CONTACTS_PATH,
                          data=sqlite_build.build_db(populate, journal_mode="wal"),
                          tags=("sqlite",), **ctx.times(rng)))
    records = []
    for pk, (full, given, phone, label, jid) in enumerate(people, 1):
        if label and label.startswith("_$!<"):
            label = label[4:-4]
        records.append({
            "app": "WhatsApp", "time": None, "first_name": given, "last_name": None,
            "organization": None, "phones": [phone] if phone else [],
            "phone_labels": [label] if phone else [], "emails": [],
            "display_name": full, "im_ids": [jid] if jid else [], "deleted": False,
            "source": pc.source(DOMAIN, CONTACTS_PATH, "ZWAADDRESSBOOKCONTACT", pk)})
    return records


def build(ctx):
    if ctx.style == "ios9":
        return ContentResult()
    rng = ctx.rng(NAME)
    files = []
    records = {"messages": _chats(ctx, rng, files), "calls": _calls(ctx, rng, files),
               "contacts": _contacts(ctx, rng, files)}
    return ContentResult(files=files, expected={"domain": DOMAIN, "records": records})
