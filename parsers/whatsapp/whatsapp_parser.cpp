#include "parsers/whatsapp/whatsapp_parser.h"

#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace mfx::parsers::whatsapp {
namespace {

constexpr std::string_view kApp = "WhatsApp";
constexpr std::string_view kDomain = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared";

using ColumnNames = std::set<std::string, std::less<>>;

ColumnNames ColumnSet(const core::SqliteDb& db, std::string_view table) {
  ColumnNames out;
  for (const auto& c : db.Columns(table)) out.insert(c.name);
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Reports `table` unsupported unless it has every column in `need`.
bool CheckColumns(const ParserInput& in, ParserContext& ctx, std::string_view table,
                  const ColumnNames& have, std::initializer_list<std::string_view> need) {
  std::vector<std::string> missing;
  for (std::string_view c : need) {
    if (!have.count(c)) missing.emplace_back(c);
  }
  if (missing.empty()) return true;
  if (have.empty()) {
    ctx.Unsupported(in, "no " + std::string(table) + " table; tables: " + Join(in.db->Tables()));
  } else {
    ctx.Unsupported(in, std::string(table) + " lacks " + Join(missing) + "; columns: " +
                            Join(std::vector<std::string>(have.begin(), have.end())));
  }
  return false;
}

std::string Or(const ColumnNames& cols, std::string_view alias, std::string_view name) {
  return cols.count(name) ? std::string(alias) + "." + std::string(name) : "NULL";
}

// Core Data names a to-one relationship column Z<n><NAME> (Z1CALLEVENTS); the number changes
// with the model version, so find it by its suffix.
std::optional<std::string> RelationshipColumn(const ColumnNames& cols, std::string_view suffix) {
  for (const auto& c : cols) {
    if (c.size() > suffix.size() + 1 && c[0] == 'Z' && c[1] >= '0' && c[1] <= '9' &&
        std::string_view(c).ends_with(suffix)) {
      return c;
    }
  }
  return std::nullopt;
}

bool IsTextOrBlob(const core::Statement& st, int i) {
  const int t = st.ColumnType(i);
  return t == SQLITE_TEXT || t == SQLITE_BLOB;
}

// Reports the row and returns true when a column mfx reads as a number holds text or a blob.
bool BadNumber(const ParserInput& in, ParserContext& ctx, const core::Statement& st,
               std::string_view table, int64_t rowid, std::initializer_list<int> columns) {
  for (int i : columns) {
    if (IsTextOrBlob(st, i)) {
      ctx.Corrupt(in, table, std::to_string(rowid),
                  "column " + st.ColumnName(i) + " holds " +
                      (st.ColumnType(i) == SQLITE_TEXT ? "text" : "a blob") +
                      " where a number belongs; row skipped");
      return true;
    }
  }
  return false;
}

OptTime CocoaTime(const core::Statement& st, int i) {
  if (st.IsNull(i)) return std::nullopt;
  return core::FromCocoaSeconds(st.Real(i));
}

OptString NonEmpty(const core::Statement& st, int i) {
  if (st.IsNull(i) || st.Text(i).empty()) return std::nullopt;
  return std::string(st.Text(i));
}

// ZWAMESSAGE.ZMESSAGETYPE [FORMATS.md §5.16; public WhatsApp iOS tooling].
std::string MessageType(int64_t type) {
  switch (type) {
    case 0:
      return "text";
    case 1:
      return "image";
    case 2:
      return "video";
    case 3:
      return "audio";
    case 4:
      return "contact";
    case 5:
      return "location";
    case 6:
      return "group event";
    case 7:
      return "link";
    case 8:
      return "document";
    case 10:
      return "system";
    case 14:
      return "deleted";
    case 15:
      return "sticker";
    case 38:
      return "image (view once)";
    case 39:
      return "video (view once)";
    case 59:
    case 66:
      return "call";
    default:
      return "type " + std::to_string(type);
  }
}

constexpr int64_t kLocation = 5;
constexpr int64_t kDocument = 8;

// Message types whose media item is a file, even when it was never downloaded.
bool IsFileMedia(int64_t type) {
  return type == 1 || type == 2 || type == 3 || type == 8 || type == 15 || type == 38 || type == 39;
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// ----------------------------------------------------------------------------------------------
// ChatStorage.sqlite

Status ParseChats(const ParserInput& in, ParserContext& ctx) {
  const core::SqliteDb& db = *in.db;
  const ColumnNames m = ColumnSet(db, "ZWAMESSAGE");
  const ColumnNames s = ColumnSet(db, "ZWACHATSESSION");
  if (!CheckColumns(in, ctx, "ZWAMESSAGE", m,
                    {"Z_PK", "ZISFROMME", "ZMESSAGETYPE", "ZMESSAGEDATE", "ZCHATSESSION", "ZTEXT",
                     "ZFROMJID", "ZTOJID"}) ||
      !CheckColumns(in, ctx, "ZWACHATSESSION", s, {"Z_PK", "ZCONTACTJID"})) {
    return {};
  }
  const ColumnNames g = ColumnSet(db, "ZWAGROUPMEMBER");
  const ColumnNames mi = ColumnSet(db, "ZWAMEDIAITEM");
  const bool members = g.count("Z_PK") && g.count("ZMEMBERJID");
  const bool media = mi.count("Z_PK") && mi.count("ZMEDIALOCALPATH") && m.count("ZMEDIAITEM");

  // Group participants, by chat session.
  std::unordered_map<int64_t, std::vector<std::string>> participants;
  if (members && g.count("ZCHATSESSION")) {
    MFX_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT ZCHATSESSION, ZMEMBERJID FROM ZWAGROUPMEMBER "
                                             "WHERE ZMEMBERJID IS NOT NULL ORDER BY Z_PK"));
    for (;;) {
      MFX_ASSIGN_OR_RETURN(const bool row, st.Step());
      if (!row) break;
      if (st.ColumnType(0) == SQLITE_INTEGER) participants[st.Int(0)].emplace_back(st.Text(1));
    }
  }
  std::vector<std::string> media_files;  // sorted (Env::List)
  if (media) media_files = ctx.env().List(std::string(kDomain) + "/Message/");

  const std::string sql =
      "SELECT m.Z_PK, m.ZISFROMME, m.ZMESSAGETYPE, m.ZMESSAGEDATE, m.ZFROMJID, m.ZTOJID, "
      "m.ZTEXT, " +
      Or(m, "m", "ZSTANZAID") + ", m.ZCHATSESSION, s.Z_PK, s.ZCONTACTJID, " +
      Or(s, "s", "ZPARTNERNAME") + ", " + Or(s, "s", "ZSESSIONTYPE") + ", " +
      (members && m.count("ZGROUPMEMBER") ? "gm.ZMEMBERJID" : "NULL") + ", " +
      (media ? "mi.Z_PK, mi.ZMEDIALOCALPATH, " + Or(mi, "mi", "ZLATITUDE") + ", " +
                   Or(mi, "mi", "ZLONGITUDE") + ", " + Or(mi, "mi", "ZFILESIZE") + ", " +
                   Or(mi, "mi", "ZTITLE")
             : std::string("NULL, NULL, NULL, NULL, NULL, NULL")) +
      " FROM ZWAMESSAGE m LEFT JOIN ZWACHATSESSION s ON s.Z_PK = m.ZCHATSESSION" +
      (members && m.count("ZGROUPMEMBER")
           ? " LEFT JOIN ZWAGROUPMEMBER gm ON gm.Z_PK = m.ZGROUPMEMBER"
           : "") +
      (media ? " LEFT JOIN ZWAMEDIAITEM mi ON mi.Z_PK = m.ZMEDIAITEM" : "") + " ORDER BY m.Z_PK";
  enum {
    kPk,
    kFromMe,
    kType,
    kDate,
    kFromJid,
    kToJid,
    kText,
    kStanza,
    kSessionRef,
    kSession,
    kContactJid,
    kPartner,
    kSessionType,
    kMember,
    kMedia,
    kPath,
    kLat,
    kLon,
    kSize,
    kTitle
  };
  MFX_ASSIGN_OR_RETURN(auto st, db.Prepare(sql));
  int64_t last = 0;
  for (;;) {
    auto step = st.Step();
    if (!step) {
      ctx.Corrupt(in, "ZWAMESSAGE", "after " + std::to_string(last),
                  "reading stopped: " + step.error().ToString());
      return {};
    }
    if (!*step) break;
    const int64_t pk = st.Int(kPk);
    last = pk;
    if (BadNumber(in, ctx, st, "ZWAMESSAGE", pk,
                  {kFromMe, kType, kDate, kSessionRef, kSessionType, kLat, kLon, kSize})) {
      continue;
    }
    Message r;
    r.app = std::string(kApp);
    r.service = std::string(kApp);
    r.source = in.Source("ZWAMESSAGE", pk);
    r.time = CocoaTime(st, kDate);
    const bool from_me = !st.IsNull(kFromMe) && st.Int(kFromMe) != 0;
    r.direction = from_me ? "outgoing" : "incoming";
    r.guid = st.OptText(kStanza);
    const int64_t type = st.IsNull(kType) ? 0 : st.Int(kType);
    r.message_type = MessageType(type);
    if (!st.IsNull(kSessionRef) && st.IsNull(kSession)) {
      ctx.Warning(in, "ZWAMESSAGE " + std::to_string(pk) + " names chat session " +
                          std::to_string(st.Int(kSessionRef)) + ", which does not exist");
    }
    r.chat = NonEmpty(st, kContactJid);
    r.chat_name = NonEmpty(st, kPartner);
    // ZSESSIONTYPE 0 = one-to-one; 1 = group (@g.us); other values (broadcasts, status) also
    // have no single other side. Without the column, the chat JID tells.
    const bool direct = st.IsNull(kSessionType)
                            ? !(r.chat && std::string_view(*r.chat).ends_with("@g.us"))
                            : st.Int(kSessionType) == 0;
    if (direct) {
      if (r.chat) r.chat_participants.push_back(*r.chat);
      r.party = NonEmpty(st, from_me ? kToJid : kFromJid);
      if (!r.party) r.party = r.chat;
    } else {
      if (!st.IsNull(kSession)) {
        auto it = participants.find(st.Int(kSession));
        if (it != participants.end()) r.chat_participants = it->second;
      }
      // An incoming group message names its sender through ZGROUPMEMBER; group events have none.
      // Status and broadcast posts (and groups without that column) name the sender in
      // ZFROMJID; in a group that column holds the group's own JID, which is no sender.
      if (!from_me) {
        r.party = NonEmpty(st, kMember);
        if (!r.party) {
          OptString from = NonEmpty(st, kFromJid);
          if (from && from != r.chat && !std::string_view(*from).ends_with("@g.us") &&
              !std::string_view(*from).ends_with("@broadcast")) {
            r.party = std::move(from);
          }
        }
      }
    }
    r.text = st.OptText(kText);
    if (r.text) r.text_source = "ZTEXT";
    if (!st.IsNull(kMedia)) {
      // ZLATITUDE/ZLONGITUDE hold real coordinates only on location messages; on image and video
      // items they hold the pixel size (452 × 603 in josh_ios15 ZWAMEDIAITEM 2).
      if (type == kLocation) {
        if (!st.IsNull(kLat)) r.latitude = st.Real(kLat);
        if (!st.IsNull(kLon)) r.longitude = st.Real(kLon);
      }
      const OptString path = NonEmpty(st, kPath);
      OptString title = NonEmpty(st, kTitle);
      if (path || IsFileMedia(type)) {
        Attachment a;
        a.path = path;
        // A document's title is the file name its sender gave it; other items are named by
        // their file.
        if (type == kDocument && title) {
          a.name = *title;
        } else if (path) {
          a.name = std::string(BaseName(*path));
        }
        if (path) {
          std::string full = std::string(kDomain) + "/" +
                             (path->starts_with("Message/") ? "" : "Message/") + *path;
          if (std::binary_search(media_files.begin(), media_files.end(), full)) {
            a.backup_path = std::move(full);
          }
        }
        a.size = st.OptInt(kSize);
        r.attachments.push_back(std::move(a));
      }
      // The caption of a photo, video or sticker is the item's title when the message has no
      // text.
      if (!r.text && title && type != kDocument && (path || IsFileMedia(type))) {
        r.text = std::move(title);
        r.text_source = "ZWAMEDIAITEM.ZTITLE";
      }
    }
    ctx.sink().Add(std::move(r));
  }
  return {};
}

// ----------------------------------------------------------------------------------------------
// CallHistory.sqlite

Status ParseCalls(const ParserInput& in, ParserContext& ctx) {
  const core::SqliteDb& db = *in.db;
  const ColumnNames e = ColumnSet(db, "ZWACDCALLEVENT");
  const ColumnNames a = ColumnSet(db, "ZWAAGGREGATECALLEVENT");
  if (!CheckColumns(in, ctx, "ZWACDCALLEVENT", e, {"Z_PK", "ZDATE", "ZDURATION"}) ||
      !CheckColumns(in, ctx, "ZWAAGGREGATECALLEVENT", a, {"Z_PK", "ZINCOMING", "ZVIDEO"})) {
    return {};
  }
  const auto link = RelationshipColumn(e, "CALLEVENTS");
  if (!link) {
    ctx.Unsupported(
        in, "ZWACDCALLEVENT has no Z<n>CALLEVENTS link to ZWAAGGREGATECALLEVENT; columns: " +
                Join(std::vector<std::string>(e.begin(), e.end())));
    return {};
  }
  // Participants, by call event.
  std::unordered_map<int64_t, std::vector<std::string>> participants;
  const ColumnNames p = ColumnSet(db, "ZWACDCALLEVENTPARTICIPANT");
  if (const auto plink = RelationshipColumn(p, "PARTICIPANTS"); plink && p.count("ZJIDSTRING")) {
    MFX_ASSIGN_OR_RETURN(auto st,
                         db.Prepare("SELECT " + *plink +
                                    ", ZJIDSTRING FROM "
                                    "ZWACDCALLEVENTPARTICIPANT WHERE ZJIDSTRING IS NOT NULL "
                                    "ORDER BY Z_PK"));
    for (;;) {
      MFX_ASSIGN_OR_RETURN(const bool row, st.Step());
      if (!row) break;
      if (st.ColumnType(0) == SQLITE_INTEGER) participants[st.Int(0)].emplace_back(st.Text(1));
    }
  } else if (!p.empty()) {
    ctx.Warning(in, "ZWACDCALLEVENTPARTICIPANT not read; columns: " +
                        Join(std::vector<std::string>(p.begin(), p.end())));
  }
  const std::string sql =
      "SELECT e.Z_PK, e.ZDATE, e.ZDURATION, " + Or(e, "e", "ZOUTCOME") + ", " +
      Or(e, "e", "ZGROUPJIDSTRING") + ", " + Or(e, "e", "ZCALLIDSTRING") +
      ", a.Z_PK, a.ZINCOMING, a.ZVIDEO, " + Or(a, "a", "ZMISSED") +
      " FROM ZWACDCALLEVENT e LEFT JOIN ZWAAGGREGATECALLEVENT a ON a.Z_PK = e." + *link +
      " ORDER BY e.Z_PK";
  enum { kPk, kDate, kDuration, kOutcome, kGroup, kCallId, kAggregate, kIncoming, kVideo, kMissed };
  MFX_ASSIGN_OR_RETURN(auto st, db.Prepare(sql));
  int64_t last = 0;
  for (;;) {
    auto step = st.Step();
    if (!step) {
      ctx.Corrupt(in, "ZWACDCALLEVENT", "after " + std::to_string(last),
                  "reading stopped: " + step.error().ToString());
      return {};
    }
    if (!*step) break;
    const int64_t pk = st.Int(kPk);
    last = pk;
    if (BadNumber(in, ctx, st, "ZWACDCALLEVENT", pk,
                  {kDate, kDuration, kOutcome, kIncoming, kVideo, kMissed})) {
      continue;
    }
    if (st.IsNull(kAggregate) || st.IsNull(kIncoming)) {
      ctx.Corrupt(in, "ZWACDCALLEVENT", std::to_string(pk),
                  "no aggregate call event (direction unknown); row skipped");
      continue;
    }
    Call c;
    c.app = std::string(kApp);
    c.service = std::string(kApp);
    c.source = in.Source("ZWACDCALLEVENT", pk);
    c.time = CocoaTime(st, kDate);
    c.direction = st.Int(kIncoming) != 0 ? "incoming" : "outgoing";
    c.call_type = !st.IsNull(kVideo) && st.Int(kVideo) != 0 ? "video" : "voice";
    c.duration_s = st.OptReal(kDuration);
    if (c.time && c.time->has_instant() && c.duration_s) {
      c.end_time = core::FromCocoaSeconds(st.Real(kDate) + *c.duration_s);
    }
    // ZOUTCOME 0 = connected (every such call in josh_ios15 has a positive duration); 1 and 4
    // never connected [public WhatsApp iOS tooling]. Other outcomes fall back on ZMISSED.
    const std::optional<int64_t> outcome = st.OptInt(kOutcome);
    if (outcome == 0) {
      c.answered = true;
    } else if (outcome == 1 || outcome == 4 || st.OptInt(kMissed).value_or(0) != 0) {
      c.answered = false;
    }
    const auto it = participants.find(pk);
    const std::vector<std::string> none;
    const std::vector<std::string>& who = it == participants.end() ? none : it->second;
    if (who.size() == 1) {
      c.party = who.front();
    } else if (OptString group = NonEmpty(st, kGroup)) {
      c.party = std::move(group);
    } else if (!who.empty()) {
      c.party = Join(who);
    }
    c.unique_id = NonEmpty(st, kCallId);
    ctx.sink().Add(std::move(c));
  }
  if (db.HasTable("ZWAJOINABLECALLEVENT")) {
    auto n = db.QueryInt("SELECT COUNT(*) FROM ZWAJOINABLECALLEVENT");
    if (n && *n > 0) {
      ctx.Warning(in, std::to_string(*n) +
                          " joinable (group link) call events in "
                          "ZWAJOINABLECALLEVENT are not parsed");
    }
  }
  return {};
}

// ----------------------------------------------------------------------------------------------
// ContactsV2.sqlite

// "_$!<Mobile>!$_" → "Mobile"; custom labels are stored plain.
std::string Label(std::string_view stored) {
  if (stored.starts_with("_$!<") && stored.ends_with(">!$_") && stored.size() >= 8) {
    return std::string(stored.substr(4, stored.size() - 8));
  }
  return std::string(stored);
}

Status ParseContacts(const ParserInput& in, ParserContext& ctx) {
  const core::SqliteDb& db = *in.db;
  const ColumnNames c = ColumnSet(db, "ZWAADDRESSBOOKCONTACT");
  if (!CheckColumns(in, ctx, "ZWAADDRESSBOOKCONTACT", c,
                    {"Z_PK", "ZFULLNAME", "ZPHONENUMBER", "ZWHATSAPPID"})) {
    return {};
  }
  MFX_ASSIGN_OR_RETURN(auto st,
                       db.Prepare("SELECT Z_PK, ZFULLNAME, " + Or(c, "c", "ZGIVENNAME") +
                                  ", ZPHONENUMBER, " + Or(c, "c", "ZPHONENUMBERLABEL") + ", ZWHATSAPPID, " +
                                  Or(c, "c", "ZLASTNAME") + ", " + Or(c, "c", "ZABOUTTEXT") + ", " +
                                  Or(c, "c", "ZABOUTTIMESTAMP") + " FROM ZWAADDRESSBOOKCONTACT c ORDER BY Z_PK"));
  enum { kPk, kFull, kGiven, kPhone, kLabel, kJid, kLast, kAbout, kAboutTime };
  for (;;) {
    auto step = st.Step();
    if (!step) {
      ctx.Corrupt(in, "ZWAADDRESSBOOKCONTACT", "", "reading stopped: " + step.error().ToString());
      return {};
    }
    if (!*step) break;
    Contact r;
    r.app = std::string(kApp);
    r.source = in.Source("ZWAADDRESSBOOKCONTACT", st.Int(kPk));
    // WhatsApp keeps the full name and the given name; the family name only in some versions.
    r.display_name = NonEmpty(st, kFull);
    r.first_name = NonEmpty(st, kGiven);
    r.last_name = NonEmpty(st, kLast);
    r.status_text = NonEmpty(st, kAbout);
    r.status_time = CocoaTime(st, kAboutTime);
    if (OptString phone = NonEmpty(st, kPhone)) {
      r.phones.push_back(std::move(*phone));
      r.phone_labels.push_back(st.IsNull(kLabel) ? std::string() : Label(st.Text(kLabel)));
    }
    if (OptString jid = NonEmpty(st, kJid)) r.im_ids.push_back(std::move(*jid));
    ctx.sink().Add(std::move(r));
  }
  return {};
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput* in : inputs.Get("chats")) MFX_RETURN_IF_ERROR(ParseChats(*in, ctx));
  for (const ParserInput* in : inputs.Get("calls")) MFX_RETURN_IF_ERROR(ParseCalls(*in, ctx));
  for (const ParserInput* in : inputs.Get("contacts")) MFX_RETURN_IF_ERROR(ParseContacts(*in, ctx));
  return {};
}

}  // namespace

ParserModule WhatsAppParser() {
  const std::string domain(kDomain);
  return ParserModule{
      .name = "whatsapp",
      .version = "1.0",
      .app = std::string(kApp),
      .inputs = {{"chats", domain, "ChatStorage.sqlite", InputSpec::Kind::kSqlite},
                 {"calls", domain, "CallHistory.sqlite", InputSpec::Kind::kSqlite},
                 {"contacts", domain, "ContactsV2.sqlite", InputSpec::Kind::kSqlite}},
      .parse = Parse,
  };
}

}  // namespace mfx::parsers::whatsapp
