"""Messages: HomeDomain Library/SMS/sms.db (FORMATS.md 5.3) and its attachments in MediaDomain.

Schemas (sms_schemas.py): ios17 the real iOS 13 sms.db plus the iOS 16 message columns
(date_edited, date_retracted), dates in Cocoa NANOseconds; ios9 the iOS 8/9-era sms.db, dates in
Cocoa seconds, no tapback columns.

Traps:
- text NULL with the body only in attributedBody (iOS 16+), written by typedstream.py: a
  right-to-left Hebrew + emoji body under an NSAttributedString root (references shift), bodies of
  127, 128 (length 81 80 00), 200 and 70,000 bytes (length 82 …); every other text row carries
  attributedBody too, as all 105 rows of the real iOS 13 sms.db do;
- U+FFFC placeholders in text (inline attachments);
- date_read 0 on an unread message (0 = not set, not 2001-01-01), date_delivered 0 on incoming;
- attachment.created_date in SECONDS beside nanosecond message dates;
- an attachment whose file is in MediaDomain, one whose file is not in the backup, one without
  transfer_name, a non-ASCII file name;
- a group chat (style 43, three participants): incoming messages name their sender, an outgoing
  one (handle_id 0) has no single other side; a group rename event (item_type 2);
- an outgoing one-to-one SMS with handle_id 0 (the other side comes from the chat);
- a tapback (associated_message_type 2001) and its removal (3001), an edited and a retracted
  message (ios17);
- ios17: the newest rows sit only in sms.db-wal (a WAL-mode database with its -wal in the backup);
- sync_deleted_messages rows (GUIDs of deleted messages, not messages).

expected["records"]["messages"] holds the Message records a parser should produce (CONTRACT.md
names, raw_times included); expected["decode_chains"] maps ROWID → the provenance decode chain of
each text taken from attributedBody.
"""

from . import pim_common as pc
from . import sms_schemas, sqlite_build, typedstream
from .. import util
from .spec import ContentResult, FileSpec

NAME = "sms"
DOMAIN = "HomeDomain"
PATH = "Library/SMS/sms.db"
MEDIA = "MediaDomain"

HANDLES = [(1, "+12025550101", "iMessage"), (2, "alice@example.com", "iMessage"),
           (3, "+12025550102", "SMS"), (4, "+12025550103", "iMessage")]

# rowid: (guid, style, chat_identifier, service, display_name, participant handle rowids)
GROUP_ID = "chat614159265358979323"
CHATS = {
    1: ("iMessage;-;+12025550101", 45, "+12025550101", "iMessage", "", [1]),
    2: ("SMS;-;+12025550102", 45, "+12025550102", "SMS", "", [3]),
    3: ("iMessage;+;" + GROUP_ID, 43, GROUP_ID, "iMessage", "Weekend plans \u26f0\ufe0f",
        [1, 2, 4]),
    4: ("iMessage;-;alice@example.com", 45, "alice@example.com", "iMessage", None, [2]),
}

WORDS = ("trail summit ridge valley creek meadow pine cedar granite switchback lookout cairn "
         "boulder canyon glacier moraine").split()


def _exact_text(rng, n_bytes, prefix=""):
    """ASCII words (with a prefix) of exactly n_bytes UTF-8 bytes."""
    s = prefix
    while len(s.encode()) < n_bytes:
        s += rng.choice(WORDS) + " "
    s = s.encode()[:n_bytes].decode()
    return s[:-1] + "." if s.endswith(" ") else s


def _messages(rng, ios9):
    """(rowid, chat, handle, from_me, spec) in ROWID order; spec holds the row's contents."""
    hebrew = "\u05e9\u05dc\u05d5\u05dd! Shalom \U0001f44b\U0001f3fd \u2014 see you there"
    m = []

    def add(chat, handle, from_me, text, **kw):
        kw.setdefault("body", "plain" if text is not None else None)
        m.append(dict(rowid=len(m) + 1, chat=chat, handle=handle, from_me=from_me, text=text, **kw))

    add(1, 1, 0, "Hey, are we still on for Saturday?", read=True)
    add(1, 1, 1, "Yes! 10am at the trailhead.", read=True, delivered=True)
    add(1, 1, 0, "Great \U0001f44d", read=False)
    add(1, 1, 0, hebrew, body="only", rtl=True, mutable=False, read=True)
    add(4, 2, 1, _exact_text(rng, 200, "Route notes: "), body="only", delivered=True)
    add(4, 2, 0, _exact_text(rng, 70000, "Trip report. "), body="only", read=True)
    add(4, 2, 0, "\ufffc\ufffcPhotos from the hike", read=True, attachments=["jpeg", "heic"])
    if not ios9:
        add(1, 1, 1, "Liked \u201cHey, are we still on for Saturday?\u201d", assoc=(1, 2001),
            delivered=True)
    add(3, 2, 0, "Who's bringing snacks?", read=True)
    add(3, 0, 1, "I'll bring trail mix", delivered=True)
    add(3, 4, 0, _exact_text(rng, 127, "Forecast: "), body="only", read=True)
    add(3, 1, 0, _exact_text(rng, 128, "Parking: "), body="only", read=True)
    add(2, 3, 0, "Your verification code is 428913", service="SMS", read=True)
    add(2, 0, 1, "Thanks", service="SMS", delivered=True)
    add(4, 2, 0, "\ufffc", read=True, attachments=["vcard"])
    wal_from = len(m) + 1
    if ios9:
        add(1, 1, 0, "Actually 11am works better", read=True)
    else:
        add(1, 1, 0, "Actually 11am works better", body="only", read=True, edited=True)
        add(1, 1, 1, None, retracted=True, delivered=True)
    add(3, 0, 1, None, item_type=2, group_title=CHATS[3][4])
    if not ios9:
        add(1, 1, 1, "Removed a like from \u201cHey, are we still on for Saturday?\u201d",
            assoc=(1, 3001), delivered=True)
    for x in m:
        if ios9 and x.get("body") == "only":
            x["body"] = "plain"  # iOS 9 rows keep the text column
        x["in_wal"] = not ios9 and x["rowid"] >= wal_from
    return m


def _attachment_specs(rng):
    """kind → attachment row contents and (for present files) the file bytes."""
    def att_path(guid, name):
        bucket = f"{util.rand_hex(rng, 2)}/{rng.randrange(100):02d}"
        return f"Library/SMS/Attachments/{bucket}/{guid}/{name}"

    jpeg_body = bytes(b if b != 0xFF else 0xFE for b in rng.randbytes(3000))
    jfif = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00"
    jpeg = jfif + jpeg_body + b"\xff\xd9"
    vcard = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Example;Zo\u00eb;;;\r\nFN:Zo\u00eb Example\r\n"
             "TEL;type=CELL:+1 202 555 0104\r\nEND:VCARD\r\n").encode("utf-8")
    specs = {}
    for kind, name, mime, uti, data, size, transfer in (
            ("jpeg", "IMG_4821.jpeg", "image/jpeg", "public.jpeg", jpeg, len(jpeg), True),
            ("heic", "IMG_4822.HEIC", "image/heic", "public.heic", None, 1834512, False),
            ("vcard", "Zo\u00eb Example.vcf", "text/vcard", "public.vcard", vcard, len(vcard),
             True)):
        guid = util.rand_uuid(rng)
        specs[kind] = dict(guid=guid, rel=att_path(guid, name), name=name, mime=mime, uti=uti,
                           data=data, size=size, transfer_name=name if transfer else None)
    return specs


def _synthetic(ctx, n, first_rowid, end_cocoa_s, ios9):
    """--scale messages: n synthetic one-to-one messages (ROWIDs from first_rowid, one every
    minute or so up to end_cocoa_s) over a few hundred new handles and chats. Every row carries
    attributedBody; on ios17 a quarter have text NULL (the body only in attributedBody).
    Returns the rows of each table as lists of tuples for executemany."""
    rng = ctx.rng(NAME, "scale")
    n_chats = max(1, min(500, n // 200))
    first_chat = max(CHATS) + 1
    first_handle = max(h[0] for h in HANDLES) + 1
    handles, chats, chat_handles = [], [], []
    for i in range(n_chats):
        hid, cid = first_handle + i, first_chat + i
        ident = f"+1555{2000000 + i:07d}"
        service = "SMS" if i % 4 == 3 else "iMessage"
        handles.append((hid, ident, "us", service, None) + (() if ios9 else (None,)))
        chats.append((cid, f"{service};-;{ident}", 45, 3, util.rand_uuid(rng), ident, service,
                      None, "E:owner@example.com", None, util.rand_uuid(rng)))
        chat_handles.append((cid, hid))
    texts = []
    for _ in range(256):
        words = [rng.choice(WORDS) for _ in range(rng.randrange(2, 30))]
        texts.append(" ".join(words).capitalize() + rng.choice(".?!"))
    bodies = [typedstream.encode_attributed_body(t)[0] for t in texts]
    messages, joins = [], []
    t = end_cocoa_s - 60 * n
    for k in range(n):
        rowid = first_rowid + k
        t += rng.randrange(30, 90)
        chat = rng.randrange(n_chats)
        from_me = rng.randrange(2)
        service = chats[chat][6]
        j = rng.randrange(len(texts))
        text = None if (not ios9 and rng.randrange(4) == 0) else texts[j]
        date = t if ios9 else t * 1_000_000_000 + rng.randrange(1, 1_000_000_000)
        step = 1 if ios9 else 1_000_000_000
        read = 1 if (from_me or rng.randrange(10)) else 0
        row = (rowid, util.rand_uuid(rng), text, 0 if from_me else first_handle + chat, service,
               "p:+12025550100" if service == "SMS" else "e:owner@example.com", bodies[j],
               date, date + 300 * step if read and not from_me else 0,
               date + 2 * step if from_me else 0, 1, 1, from_me, read, from_me, 0, None)
        messages.append(row if ios9 else row + (None, 0, 0, 0))
        joins.append((first_chat + chat, rowid) + (() if ios9 else (date,)))
    return handles, chats, chat_handles, messages, joins


def build(ctx):
    rng = ctx.rng(NAME)
    ios9 = ctx.style == "ios9"
    enc = "cocoa_s" if ios9 else "cocoa_ns"
    messages = _messages(rng, ios9)
    atts = _attachment_specs(rng)
    handle_ids = {rowid: ident for rowid, ident, _ in HANDLES}
    guids = {x["rowid"]: util.rand_uuid(rng) for x in messages}

    # Times: one message every few hours, ending a day before the backup.
    base = ctx.base_time - util.COCOA_EPOCH - 86400 - 4 * 3600 * len(messages)

    def stamp(cocoa_s):
        """The stored value of a Cocoa time: ns with a sub-second part (ios17), seconds (ios9)."""
        return cocoa_s if ios9 else cocoa_s * 1_000_000_000 + rng.randrange(1, 1_000_000_000)

    def iso(raw):
        if raw in (None, 0):
            return None
        micros = (raw * 1_000_000) if ios9 else raw // 1000
        return pc.iso_micros(micros + util.COCOA_EPOCH * 1_000_000)

    rows = []
    for x in messages:
        sent = base + 4 * 3600 * x["rowid"] + rng.randrange(0, 3600)
        text = x["text"]
        body = blob_offset = None
        if x.get("body"):
            transfer = [atts[k]["guid"] for k in x.get("attachments", [])]
            body, blob_offset = typedstream.encode_attributed_body(
                text, mutable=x.get("mutable", True), transfer_guids=transfer,
                rtl=x.get("rtl", False))
        incoming = not x["from_me"]
        date = stamp(sent)
        date_read = stamp(sent + 300) if x.get("read") else 0
        if x["from_me"] and x.get("delivered"):
            date_delivered = stamp(sent + 2)
        else:
            date_delivered = 0
        row = {
            "ROWID": x["rowid"], "guid": guids[x["rowid"]],
            "text": None if x.get("body") == "only" else text,
            "handle_id": x["handle"], "service": x.get("service", CHATS[x["chat"]][3]),
            "account": "p:+12025550100" if x.get("service") == "SMS" else "e:owner@example.com",
            "attributedBody": body, "date": date, "date_read": date_read,
            "date_delivered": date_delivered,
            "is_delivered": 1 if (incoming or x.get("delivered")) else 0,
            "is_finished": 1, "is_from_me": x["from_me"], "is_read": 1 if x.get("read") else 0,
            "is_sent": x["from_me"], "item_type": x.get("item_type", 0),
            "group_title": x.get("group_title"),
        }
        if not ios9:
            assoc = x.get("assoc")
            row["associated_message_guid"] = f"p:0/{guids[assoc[0]]}" if assoc else None
            row["associated_message_type"] = assoc[1] if assoc else 0
            row["date_edited"] = stamp(sent + 60) if x.get("edited") else 0
            row["date_retracted"] = stamp(sent + 90) if x.get("retracted") else 0
        rows.append((x, row, blob_offset))

    att_rows = []  # (attachment rowid, message rowid, spec)
    for x, row, _ in rows:
        for kind in x.get("attachments", []):
            att_rows.append((len(att_rows) + 1, x["rowid"], atts[kind]))

    def insert(con, table, cols):
        marks = ", ".join("?" * len(cols))
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
                    list(cols.values()))

    def insert_message(con, x, row):
        insert(con, "message", row)
        join = {"chat_id": x["chat"], "message_id": x["rowid"]}
        if not ios9:
            join["message_date"] = row["date"]
        insert(con, "chat_message_join", join)

    extra = ctx.extra_rows("messages", len(messages))
    synthetic = _synthetic(ctx, extra, len(messages) + 1, base, ios9) if extra else None

    def insert_synthetic(con):
        handles, chats, chat_handles, msgs, joins = synthetic
        hcols = "ROWID, id, country, service, uncanonicalized_id" + \
            ("" if ios9 else ", person_centric_id")
        con.executemany(f"INSERT INTO handle ({hcols}) VALUES ({', '.join('?' * len(handles[0]))})",
                        handles)
        con.executemany("INSERT INTO chat (ROWID, guid, style, state, account_id, chat_identifier, "
                        "service_name, room_name, account_login, display_name, group_id) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?)", chats)
        con.executemany("INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (?,?)",
                        chat_handles)
        mcols = ("ROWID, guid, text, handle_id, service, account, attributedBody, date, date_read, "
                 "date_delivered, is_delivered, is_finished, is_from_me, is_read, is_sent, "
                 "item_type, group_title")
        if not ios9:
            mcols += (", associated_message_guid, associated_message_type, date_edited, "
                      "date_retracted")
        con.executemany(f"INSERT INTO message ({mcols}) VALUES ({', '.join('?' * len(msgs[0]))})",
                        msgs)
        jcols = "chat_id, message_id" + ("" if ios9 else ", message_date")
        con.executemany(f"INSERT INTO chat_message_join ({jcols}) "
                        f"VALUES ({', '.join('?' * len(joins[0]))})", joins)

    def populate_main(con):
        con.executescript(sms_schemas.IOS9 if ios9
                          else sms_schemas.IOS13 + sms_schemas.IOS16_ADDITIONS)
        con.execute("BEGIN")
        con.execute("INSERT INTO _SqliteDatabaseProperties VALUES ('_ClientVersion', ?)",
                    ("9006" if ios9 else "14006",))
        for rowid, ident, service in HANDLES:
            h = {"ROWID": rowid, "id": ident, "country": "us", "service": service,
                 "uncanonicalized_id": None}
            if not ios9:
                h["person_centric_id"] = None
            insert(con, "handle", h)
        for rowid, (guid, style, ident, service, display, members) in CHATS.items():
            insert(con, "chat", {"ROWID": rowid, "guid": guid, "style": style, "state": 3,
                                 "account_id": util.rand_uuid(rng), "chat_identifier": ident,
                                 "service_name": service,
                                 "room_name": ident if style == 43 else None,
                                 "account_login": "E:owner@example.com", "display_name": display,
                                 "group_id": util.rand_uuid(rng)})
            for h in members:
                insert(con, "chat_handle_join", {"chat_id": rowid, "handle_id": h})
        for x, row, _ in rows:
            if not x["in_wal"]:
                insert_message(con, x, row)
        if synthetic:
            insert_synthetic(con)
        for att_rowid, msg_rowid, a in att_rows:
            cols = {"ROWID": att_rowid, "guid": a["guid"],
                    "created_date": base + 4 * 3600 * msg_rowid,  # Cocoa SECONDS
                    "start_date": 0, "filename": "~/" + a["rel"], "uti": a["uti"],
                    "mime_type": a["mime"], "transfer_state": 5, "is_outgoing": 0,
                    "transfer_name": a["transfer_name"], "total_bytes": a["size"]}
            if not ios9:
                cols["original_guid"] = a["guid"]
            insert(con, "attachment", cols)
            insert(con, "message_attachment_join",
                   {"message_id": msg_rowid, "attachment_id": att_rowid})
        if not ios9:
            for _ in range(2):
                con.execute("INSERT INTO sync_deleted_messages (guid, recordID) VALUES (?, ?)",
                            (util.rand_uuid(rng), util.rand_hex(rng, 40)))
        con.execute("COMMIT")

    def populate_wal(con):
        con.execute("BEGIN")
        for x, row, _ in rows:
            if x["in_wal"]:
                insert_message(con, x, row)
        con.execute("COMMIT")

    files = []
    times = ctx.times(rng)
    if ios9:
        files.append(FileSpec(domain=DOMAIN, path=PATH, data=sqlite_build.build_db(populate_main),
                              tags=("sqlite",), **times))
    else:
        main, wal = sqlite_build.build_wal_pair(populate_main, populate_wal, rng)
        files.append(FileSpec(domain=DOMAIN, path=PATH, data=main, tags=("sqlite", "wal-main"),
                              **times))
        files.append(FileSpec(domain=DOMAIN, path=PATH + "-wal", data=wal, tags=("wal",), **times))
    for a in atts.values():
        if a["data"] is not None:
            files.append(FileSpec(domain=MEDIA, path=a["rel"], data=a["data"], **ctx.times(rng)))

    # --- expected records ---
    records, chains = [], {}
    for x, row, blob_offset in rows:
        chat = CHATS[x["chat"]]
        group = chat[1] == 43
        if x["from_me"] and group:
            party = None
        elif x["handle"]:
            party = handle_ids[x["handle"]]
        else:
            party = handle_ids[chat[5][0]] if not group and len(chat[5]) == 1 else None
        attachments = []
        for att_rowid, msg_rowid, a in att_rows:
            if msg_rowid == x["rowid"]:
                present = a["data"] is not None
                attachments.append({"name": a["name"], "mime_type": a["mime"],
                                    "path": "~/" + a["rel"],
                                    "backup_path": f"{MEDIA}/{a['rel']}" if present else None,
                                    "size": a["size"]})
        if row["text"] is not None:
            text, text_source = row["text"], "text"
        elif row["attributedBody"] is not None:
            text, text_source = x["text"], "attributedBody"
            chains[str(x["rowid"])] = f"message.attributedBody \u2192 typedstream@0x{blob_offset:x}"
        else:
            text, text_source = None, None
        assoc = x.get("assoc")
        if assoc:
            kind = "tapback" if assoc[1] < 3000 else "tapback removed"
            reaction = "like" if assoc[1] == 2001 else "like removed"
        else:
            kind = {2: "group renamed"}.get(x.get("item_type", 0),
                                            "attachment" if attachments else "text")
            reaction = None
        raw_times = {}
        for field, col in (("time", "date"), ("read_time", "date_read"),
                           ("delivered_time", "date_delivered"), ("edited_time", "date_edited"),
                           ("retracted_time", "date_retracted")):
            if row.get(col) is not None:
                raw_times[field] = {"raw": str(row[col]), "encoding": enc}
        records.append({
            "app": "Messages", "time": iso(row["date"]),
            "direction": "outgoing" if x["from_me"] else "incoming",
            "party": party, "chat": chat[2], "service": row["service"], "text": text,
            "read_time": iso(row["date_read"]), "attachments": attachments,
            "delivered_time": iso(row["date_delivered"]), "guid": row["guid"],
            "chat_name": chat[4] or None, "chat_participants": [handle_ids[h] for h in chat[5]],
            "text_source": text_source, "message_type": kind, "latitude": None, "longitude": None,
            "associated_guid": row.get("associated_message_guid"), "reaction": reaction,
            "edited_time": iso(row.get("date_edited")),
            "retracted_time": iso(row.get("date_retracted")),
            "deleted": False, "raw_times": raw_times,
            "source": pc.source(DOMAIN, PATH, "message", x["rowid"])})
    expected = {"domain": DOMAIN, "relative_path": PATH, "time_encoding": enc,
                "wal_rows": [x["rowid"] for x in messages if x["in_wal"]],
                "sync_deleted_messages": 0 if ios9 else 2,
                "records": {"messages": records}, "decode_chains": chains}
    if "messages" in ctx.scale:
        # The synthetic rows are counted, not listed (records lists the fixed rows only).
        expected["scale"] = {"messages": len(messages) + extra, "synthetic_messages": extra,
                             "synthetic_rowids": [len(messages) + 1, len(messages) + extra]
                             if extra else None}
    return ContentResult(files=files, expected=expected)
