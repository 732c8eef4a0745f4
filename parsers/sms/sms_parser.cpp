#include "parsers/sms/sms_parser.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/plist.h"
#include "parsers/sms/typedstream.h"

namespace mfx::parsers::sms {
namespace {

constexpr std::string_view kAttachmentDomain = "MediaDomain";
// sms.db chat.style: 43 = group chat, 45 = one-to-one [the real iOS 13 sms.db].
constexpr int64_t kStyleGroup = 43;
constexpr int64_t kStyleDirect = 45;

struct ChatInfo {
  OptString identifier;
  OptString display_name;
  OptString service;
  std::optional<int64_t> style;
  std::vector<std::string> participants;  // handle.id, by handle ROWID

  bool is_group() const {
    if (style == kStyleGroup) return true;
    if (style == kStyleDirect) return false;
    return participants.size() > 1;
  }
};

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::set<std::string, std::less<>> ColumnSet(const core::SqliteDb& db, std::string_view table) {
  std::set<std::string, std::less<>> out;
  for (const auto& c : db.Columns(table)) out.insert(c.name);
  return out;
}

std::string ColumnList(const core::SqliteDb& db, std::string_view table) {
  std::vector<std::string> names;
  for (const auto& c : db.Columns(table)) names.push_back(c.name);
  return Join(names);
}

// A column when present, else NULL (so one statement serves every schema variant).
std::string Col(const std::set<std::string, std::less<>>& cols, std::string_view name) {
  return cols.count(name) ? "m." + std::string(name) : "NULL";
}

// "~/Library/SMS/Attachments/ab/11/GUID/x.jpg" (or the older absolute /var/mobile/… form) →
// "Library/SMS/Attachments/ab/11/GUID/x.jpg", the MediaDomain relative path.
std::optional<std::string> MediaRelativePath(std::string_view stored) {
  for (std::string_view prefix : {"~/", "/private/var/mobile/", "/var/mobile/"}) {
    if (stored.starts_with(prefix)) return std::string(stored.substr(prefix.size()));
  }
  return std::nullopt;
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Tapback kinds of associated_message_type 2000–2007; 3000–3007 remove them [abrignoni/iLEAPP
// sms.py; ReagentX/imessage-exporter].
std::optional<std::string> Reaction(int64_t type) {
  static constexpr std::string_view kNames[] = {"love",      "like",     "dislike", "laugh",
                                                "emphasize", "question", "emoji",   "sticker"};
  const bool removed = type >= 3000 && type < 4000;
  const int64_t base = removed ? type - 3000 : type - 2000;
  if (type < 2000 || type >= 4000) return std::nullopt;
  if (base < 0 || base >= static_cast<int64_t>(std::size(kNames))) {
    return "type " + std::to_string(type);
  }
  return std::string(kNames[base]) + (removed ? " removed" : "");
}

std::string MessageType(std::optional<int64_t> associated_type, std::optional<int64_t> item_type,
                        bool has_attachments) {
  if (associated_type && *associated_type != 0) {
    if (*associated_type >= 2000 && *associated_type < 3000) return "tapback";
    if (*associated_type >= 3000 && *associated_type < 4000) return "tapback removed";
    if (*associated_type == 1000) return "sticker";
    return "associated";
  }
  if (item_type && *item_type != 0) {
    switch (*item_type) {
      case 1:
        return "participant change";
      case 2:
        return "group renamed";
      case 3:
        return "group event";
      default:
        return "system";
    }
  }
  return has_attachments ? "attachment" : "text";
}

bool IsTextOrBlob(const core::Statement& st, int i) {
  const int t = st.ColumnType(i);
  return t == SQLITE_TEXT || t == SQLITE_BLOB;
}

class SmsDb {
 public:
  SmsDb(const ParserInput& in, ParserContext& ctx) : in_(in), db_(*in.db), ctx_(ctx) {}

  Status Parse() {
    if (!db_.HasTable("message")) {
      std::vector<std::string> tables = db_.Tables();
      ctx_.Unsupported(in_, "no message table; tables: " + Join(tables));
      return {};
    }
    const auto cols = ColumnSet(db_, "message");
    // iOS ≤ 5: no handle table and no is_from_me; SMS rows carry address and flags, iMessage rows
    // (iOS 5, is_madrid = 1) the madrid_* columns.
    if (!cols.count("is_from_me") && !cols.count("handle_id") && cols.count("flags") &&
        cols.count("address") && cols.count("date") && cols.count("text")) {
      return LegacyMessages(cols);
    }
    std::vector<std::string> missing;
    for (const char* need : {"date", "is_from_me", "handle_id"}) {
      if (!cols.count(need)) missing.push_back(need);
    }
    if (!cols.count("text") && !cols.count("attributedBody"))
      missing.push_back("text/attributedBody");
    if (!missing.empty()) {
      ctx_.Unsupported(
          in_, "message table lacks " + Join(missing) + "; columns: " + ColumnList(db_, "message"));
      return {};
    }
    MFX_RETURN_IF_ERROR(LoadHandles());
    MFX_RETURN_IF_ERROR(LoadChats());
    DetectUnit();
    attachment_files_ =
        ctx_.env().List(std::string(kAttachmentDomain) + "/Library/SMS/Attachments/");
    MFX_RETURN_IF_ERROR(Messages(cols));
    ReportDeletions();
    return {};
  }

 private:
  Status LoadHandles() {
    if (!db_.HasColumn("handle", "id")) {
      if (db_.HasTable("handle")) {
        ctx_.Warning(in_, "handle table without id; columns: " + ColumnList(db_, "handle"));
      }
      return {};
    }
    MFX_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT ROWID, id FROM handle"));
    for (;;) {
      MFX_ASSIGN_OR_RETURN(const bool row, st.Step());
      if (!row) break;
      if (st.ColumnType(0) != SQLITE_INTEGER || st.IsNull(1)) continue;
      handles_[st.Int(0)] = std::string(st.Text(1));
    }
    return {};
  }

  Status LoadChats() {
    if (!db_.HasTable("chat")) return {};
    const auto cols = ColumnSet(db_, "chat");
    auto c = [&](std::string_view name) { return cols.count(name) ? std::string(name) : "NULL"; };
    MFX_ASSIGN_OR_RETURN(
        auto st, db_.Prepare("SELECT ROWID, " + c("chat_identifier") + ", " + c("display_name") +
                             ", " + c("service_name") + ", " + c("style") + " FROM chat"));
    for (;;) {
      MFX_ASSIGN_OR_RETURN(const bool row, st.Step());
      if (!row) break;
      ChatInfo& chat = chats_[st.Int(0)];
      chat.identifier = st.OptText(1);
      chat.display_name = st.OptText(2);
      if (chat.display_name && chat.display_name->empty()) chat.display_name.reset();
      chat.service = st.OptText(3);
      if (st.ColumnType(4) == SQLITE_INTEGER) chat.style = st.Int(4);
    }
    if (!db_.HasTable("chat_handle_join")) return {};
    MFX_ASSIGN_OR_RETURN(auto j, db_.Prepare("SELECT chat_id, handle_id FROM chat_handle_join "
                                             "ORDER BY chat_id, handle_id"));
    for (;;) {
      MFX_ASSIGN_OR_RETURN(const bool row, j.Step());
      if (!row) break;
      auto chat = chats_.find(j.Int(0));
      auto handle = handles_.find(j.Int(1));
      if (chat == chats_.end() || handle == handles_.end()) continue;
      chat->second.participants.push_back(handle->second);
    }
    return {};
  }

  // The attachments of every message, read in message order alongside the messages.
  struct AttachmentCursor {
    std::optional<core::Statement> st;
    bool has_row = false;
  };

  Status StartAttachments(AttachmentCursor& cur) {
    if (!db_.HasTable("message_attachment_join") || !db_.HasTable("attachment")) return {};
    const auto cols = ColumnSet(db_, "attachment");
    auto c = [&](std::string_view name) {
      return cols.count(name) ? "a." + std::string(name) : "NULL";
    };
    MFX_ASSIGN_OR_RETURN(
        auto st,
        db_.Prepare(
            "SELECT j.message_id, j.attachment_id, a.ROWID, " + c("filename") + ", " +
            c("mime_type") + ", " + c("transfer_name") + ", " + c("total_bytes") +
            " FROM message_attachment_join j LEFT JOIN attachment a ON a.ROWID = j.attachment_id"
            " ORDER BY j.message_id, j.attachment_id"));
    cur.st.emplace(std::move(st));
    return Advance(cur);
  }

  Status Advance(AttachmentCursor& cur) {
    MFX_ASSIGN_OR_RETURN(cur.has_row, cur.st->Step());
    return {};
  }

  // Collects the attachments of message `rowid` from the cursor.
  Status TakeAttachments(AttachmentCursor& cur, int64_t rowid, std::vector<Attachment>& out) {
    while (cur.has_row && cur.st->Int(0) < rowid) MFX_RETURN_IF_ERROR(Advance(cur));
    while (cur.has_row && cur.st->Int(0) == rowid) {
      const core::Statement& a = *cur.st;
      if (a.IsNull(2)) {
        ctx_.Warning(in_, "message " + std::to_string(rowid) + " names attachment " +
                              std::to_string(a.Int(1)) + ", which is not in the attachment table");
      } else {
        Attachment at;
        at.path = a.OptText(3);
        at.mime_type = a.OptText(4);
        if (!a.IsNull(5)) {
          at.name = std::string(a.Text(5));
        } else if (at.path) {
          at.name = std::string(BaseName(*at.path));
        }
        at.size = a.OptInt(6);
        if (at.path) {
          if (auto rel = MediaRelativePath(*at.path)) {
            std::string full = std::string(kAttachmentDomain) + "/" + *rel;
            if (std::binary_search(attachment_files_.begin(), attachment_files_.end(), full)) {
              at.backup_path = std::move(full);
            }
          }
        }
        out.push_back(std::move(at));
      }
      MFX_RETURN_IF_ERROR(Advance(cur));
    }
    return {};
  }

  OptString Handle(std::optional<int64_t> id) const {
    if (!id || *id == 0) return std::nullopt;
    auto it = handles_.find(*id);
    if (it == handles_.end()) return std::nullopt;
    return it->second;
  }

  // Traces of deleted messages the database keeps (FORMATS.md §3.4): the GUIDs its delete
  // triggers copy, and AUTOINCREMENT counters beyond the highest ROWID left. No record is made of
  // them (there is no content to make one from); the examiner is told.
  void ReportDeletions() {
    for (const char* table : {"deleted_messages", "sync_deleted_messages"}) {
      if (!db_.HasTable(table)) continue;
      auto n = db_.QueryInt(std::string("SELECT COUNT(*) FROM ") + table);
      if (n && *n > 0) {
        ctx_.Warning(in_, std::string(table) + " lists " + std::to_string(*n) +
                              " GUIDs of deleted messages (no content)");
      }
    }
    if (!db_.HasTable("sqlite_sequence")) return;
    auto seq = db_.QueryInt("SELECT seq FROM sqlite_sequence WHERE name = 'message'");
    auto max = db_.QueryInt("SELECT COALESCE(MAX(ROWID), 0) FROM message");
    if (seq && max && *seq > *max) {
      ctx_.Warning(in_, "sqlite_sequence gave out message ROWIDs up to " + std::to_string(*seq) +
                            " but the highest left is " + std::to_string(*max) +
                            ": the newest messages were deleted");
    }
  }

  // The unit of the database's dates: Cocoa nanoseconds since iOS 11, seconds before (same
  // column, FORMATS.md §4). Each non-zero value is read by its magnitude (seconds never exceed
  // 1e13, nanoseconds of this century never fall below it); the database's unit — from its first
  // non-zero message.date, else the iOS version — only names the encoding of 0 ("not set").
  // A magnitude that disagrees with the backup's iOS version is reported once.
  void DetectUnit() {
    auto first = db_.QueryInt(
        "SELECT date FROM message WHERE typeof(date) = 'integer' AND date != 0 "
        "ORDER BY ROWID LIMIT 1");
    const int major = ctx_.facts().ios_major;
    if (!first) {
      nanos_ = major == 0 || major >= 11;
      return;
    }
    nanos_ = *first > 10'000'000'000'000 || *first < -10'000'000'000'000;
    if (major > 0 && nanos_ != (major >= 11)) {
      ctx_.Warning(in_, "message.date " + std::to_string(*first) + " reads as Cocoa " +
                            (nanos_ ? "nanoseconds" : "seconds") + " but the backup is iOS " +
                            ctx_.facts().ios_version + "; the magnitude was used");
    }
  }

  // Steps to the next message row: false at the end, and when reading fails (reported; the rows
  // after `last_rowid` are lost).
  bool NextRow(core::Statement& st, int64_t last_rowid) {
    auto step = st.Step();
    if (!step) {
      ctx_.Corrupt(in_, "message", "after " + std::to_string(last_rowid),
                   "reading stopped: " + step.error().ToString());
      return false;
    }
    return *step;
  }

  // A bad type in a column mfx interprets makes the row unreadable: reported, and false.
  bool IntegerColumnsOk(const core::Statement& st, std::initializer_list<int> columns,
                        const std::string& row) {
    for (int i : columns) {
      if (!IsTextOrBlob(st, i)) continue;
      ctx_.Corrupt(in_, "message", row,
                   "column " + st.ColumnName(i) + " holds " +
                       (st.ColumnType(i) == SQLITE_TEXT ? "text" : "a blob") +
                       " where an integer belongs; row skipped");
      return false;
    }
    return true;
  }

  // The text of a message held only in a typedstream body (`column`: attributedBody, or iOS 5's
  // madrid_attributedBody); a body that does not decode keeps the message without text.
  void ReadBody(ByteSpan blob, const char* column, const std::string& row, Message& m) {
    m.text_source = "attributedBody";
    auto decoded = DecodeAttributedBodyText(blob);
    if (!decoded) {
      ctx_.Corrupt(in_, "message", row,
                   std::string(column) + " not decoded (" + decoded.error().ToString() +
                       "); the message is kept without text");
      return;
    }
    char where[32];
    std::snprintf(where, sizeof where, "typedstream@0x%zx", decoded->offset);
    m.source.decode_chain = "message." + std::string(column) + " → " + where;
    if (decoded->clamped || decoded->invalid_utf8) {
      std::string note = decoded->clamped
                             ? "declares " + std::to_string(decoded->declared_length) +
                                   " text bytes, more than the blob holds; " +
                                   std::to_string(decoded->text.size()) +
                                   " bytes of text read, up to the first byte that is not UTF-8"
                             : "text is not valid UTF-8";
      m.source.decode_chain += " (" + note + ")";
      ctx_.Warning(in_, "message " + row + ": " + column + " " + note);
    }
    m.text = std::move(decoded->text);
  }

  // iOS 16+ message_summary_info, a binary plist: "ec" = {part: [{"d": Cocoa seconds, "t": an
  // attributedBody typedstream}, …]} holds every version of an edited part, oldest first; "rp" =
  // [part, …] the parts the sender unsent. Most messages carry a summary with neither key, so the
  // plist is parsed only when the bytes of one of the two keys (bplist ASCII string objects:
  // 0x52 'e' 'c', 0x52 'r' 'p') are in it.
  void ReadSummary(ByteSpan blob, const std::string& row, Message& m) {
    const std::string_view bytes = AsString(blob);
    if (bytes.starts_with("bplist00") && bytes.find("\x52""ec") == std::string_view::npos &&
        bytes.find("\x52""rp") == std::string_view::npos) {
      return;
    }
    auto warn = [&](const std::string& why) {
      ctx_.Warning(in_, "message " + row + ": message_summary_info " + why);
    };
    auto summary = core::ParsePlist(blob, "message_summary_info");
    if (!summary) return warn("not read: " + summary.error().message);
    if (const core::PlistValue* ec = summary->Find("ec")) {
      if (!ec->AsDict()) return warn("\"ec\" is not a dictionary");
      std::vector<std::pair<int64_t, const core::PlistArray*>> parts;
      for (const auto& [key, versions] : *ec->AsDict()) {
        int64_t part = 0;
        const auto [end, err] = std::from_chars(key.data(), key.data() + key.size(), part);
        if (err != std::errc() || end != key.data() + key.size() || !versions.AsArray()) {
          warn("\"ec\" part '" + key + "' is not a part number with a list of versions; skipped");
          continue;
        }
        parts.emplace_back(part, versions.AsArray());
      }
      std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [part, versions] : parts) {
        for (const core::PlistValue& v : *versions) {
          EditVersion e;
          e.part = part;
          if (const core::PlistValue* d = v.Find("d")) {
            if (auto date = d->AsDate()) e.time = core::FromPlistDate(date->cocoa_seconds);
            else if (auto secs = d->AsReal()) e.time = core::FromCocoaSeconds(*secs);
          }
          if (const core::PlistValue* t = v.Find("t"); t && t->AsData()) {
            auto text = DecodeAttributedBodyText(*t->AsData());
            if (text) e.text = std::move(text->text);
            else warn("an edited version of part " + std::to_string(part) + " not decoded: " + text.error().message);
          }
          m.edit_history.push_back(std::move(e));
        }
      }
    }
    if (const core::PlistValue* rp = summary->Find("rp"); rp && rp->AsArray()) {
      for (const core::PlistValue& p : *rp->AsArray()) {
        if (auto part = p.AsInt()) m.unsent_parts.push_back(std::to_string(*part));
      }
    }
  }

  core::Timestamp Time(int64_t v) const {
    if (v == 0) return nanos_ ? core::FromCocoaNanos(0) : core::FromCocoaSecondsInt(0);
    return core::FromCocoaSecondsOrNanos(v);
  }

  Status Messages(const std::set<std::string, std::less<>>& cols) {
    const bool have_join =
        db_.HasTable("chat_message_join") && db_.HasColumn("chat_message_join", "message_id");
    const std::string sql =
        "SELECT m.ROWID, " + Col(cols, "guid") + ", " + Col(cols, "text") + ", " +
        Col(cols, "attributedBody") + ", m.handle_id, " + Col(cols, "service") +
        ", m.is_from_me, m.date, " + Col(cols, "date_read") + ", " + Col(cols, "date_delivered") +
        ", " + Col(cols, "associated_message_guid") + ", " + Col(cols, "associated_message_type") +
        ", " + Col(cols, "item_type") + ", " + Col(cols, "date_edited") + ", " +
        Col(cols, "date_retracted") + ", " +
        (have_join ? "(SELECT MIN(j.chat_id) FROM chat_message_join j WHERE j.message_id = m.ROWID)"
                   : "NULL") +
        ", " + Col(cols, "message_summary_info") + " FROM message m ORDER BY m.ROWID";
    enum {
      kRowid,
      kGuid,
      kText,
      kBody,
      kHandle,
      kService,
      kFromMe,
      kDate,
      kRead,
      kDelivered,
      kAssocGuid,
      kAssocType,
      kItemType,
      kEdited,
      kRetracted,
      kChat,
      kSummary
    };
    MFX_ASSIGN_OR_RETURN(auto st, db_.Prepare(sql));
    AttachmentCursor attachments;
    if (auto s = StartAttachments(attachments); !s) {
      ctx_.Corrupt(in_, "message_attachment_join", "",
                   "attachments not readable: " + s.error().ToString());
      attachments.st.reset();
    }
    int64_t last_rowid = 0;
    while (NextRow(st, last_rowid)) {
      const int64_t rowid = st.Int(kRowid);
      last_rowid = rowid;
      const std::string row = std::to_string(rowid);

      if (!IntegerColumnsOk(st, {kFromMe, kDate, kRead, kDelivered, kHandle, kAssocType, kItemType,
                                 kEdited, kRetracted},
                            row)) {
        continue;
      }

      Message m;
      m.app = "Messages";
      m.source = in_.Source("message", rowid);
      if (!st.IsNull(kDate)) m.time = Time(st.Int(kDate));
      if (!st.IsNull(kRead)) m.read_time = Time(st.Int(kRead));
      if (!st.IsNull(kDelivered)) m.delivered_time = Time(st.Int(kDelivered));
      if (!st.IsNull(kEdited)) m.edited_time = Time(st.Int(kEdited));
      if (!st.IsNull(kRetracted)) m.retracted_time = Time(st.Int(kRetracted));
      const bool from_me = !st.IsNull(kFromMe) && st.Int(kFromMe) != 0;
      m.direction = from_me ? "outgoing" : "incoming";
      m.guid = st.OptText(kGuid);

      const ChatInfo* chat = nullptr;
      if (!st.IsNull(kChat)) {
        auto it = chats_.find(st.Int(kChat));
        if (it != chats_.end()) chat = &it->second;
      }
      if (chat) {
        m.chat = chat->identifier;
        m.chat_name = chat->display_name;
        m.chat_participants = chat->participants;
      }
      const bool group = chat && chat->is_group();
      // The other side: the handle of the row (the sender of an incoming message, the recipient
      // of an outgoing one-to-one message); an outgoing group message has no single other side.
      if (!(from_me && group)) {
        m.party = Handle(st.OptInt(kHandle));
        if (!m.party && chat && !group && chat->participants.size() == 1) {
          m.party = chat->participants.front();
        }
      }
      if (!st.IsNull(kService)) {
        m.service = std::string(st.Text(kService));
      } else if (chat && chat->service) {
        m.service = *chat->service;
      }

      if (!st.IsNull(kText)) {
        m.text = std::string(st.Text(kText));
        m.text_source = "text";
      } else if (!st.IsNull(kBody)) {
        ReadBody(st.Blob(kBody), "attributedBody", row, m);
      }

      if (st.ColumnType(kSummary) == SQLITE_BLOB) ReadSummary(st.Blob(kSummary), row, m);

      if (attachments.st) {
        if (auto s = TakeAttachments(attachments, rowid, m.attachments); !s) {
          ctx_.Corrupt(in_, "message_attachment_join", row,
                       "attachments not readable from here on: " + s.error().ToString());
          attachments.st.reset();
        }
      }

      const std::optional<int64_t> assoc_type = st.OptInt(kAssocType);
      if (!st.IsNull(kAssocGuid)) m.associated_guid = std::string(st.Text(kAssocGuid));
      if (assoc_type) m.reaction = Reaction(*assoc_type);
      m.message_type = MessageType(assoc_type, st.OptInt(kItemType), !m.attachments.empty());
      ctx_.sink().Add(std::move(m));
    }
    return {};
  }

  // The iOS ≤ 5 schema (message.flags/address; iOS 5 adds is_madrid and madrid_* for iMessage).
  // Facts, from independent public parsers that agree (FORMATS.md has no row for this era):
  // - SMS rows (is_madrid 0 or absent): `date` Unix seconds; `address` the other side; `flags`
  //   2 = received, 3 = sent, 33/35 = sending failed (and retried), 131 = sent to an invalid
  //   recipient; 129 marks a deleted SMS, with no direction;
  // - iMessage rows (is_madrid 1): `date`, `madrid_date_read`, `madrid_date_delivered` Cocoa
  //   seconds; `madrid_handle` the other side; `madrid_flags` 12289, 4097, 77825 = received,
  //   36869, 45061, 102405 = sent, 32773 = sending failed.
  // Any other flag value leaves the direction empty, with a warning naming it.
  Status LegacyMessages(const std::set<std::string, std::less<>>& cols) {
    const std::string sql = "SELECT m.ROWID, m.date, m.text, m.flags, m.address, " +
                            Col(cols, "is_madrid") + ", " + Col(cols, "madrid_handle") + ", " +
                            Col(cols, "madrid_flags") + ", " + Col(cols, "madrid_date_read") +
                            ", " + Col(cols, "madrid_date_delivered") + ", " +
                            Col(cols, "madrid_guid") + ", " + Col(cols, "madrid_service") + ", " +
                            Col(cols, "madrid_roomname") + ", " +
                            Col(cols, "madrid_attributedBody") + ", " + Col(cols, "group_id") +
                            " FROM message m ORDER BY m.ROWID";
    enum {
      kRowid,
      kDate,
      kText,
      kFlags,
      kAddress,
      kMadrid,
      kHandle,
      kMadridFlags,
      kRead,
      kDelivered,
      kGuid,
      kService,
      kRoom,
      kBody,
      kGroup
    };
    // An SMS conversation of this era is a msg_group; group_member lists its addresses.
    std::unordered_map<int64_t, std::vector<std::string>> members;
    if (db_.HasColumn("group_member", "group_id") && db_.HasColumn("group_member", "address")) {
      // A damaged group_member costs the participants, not the messages.
      auto members_read = [&]() -> Status {
        MFX_ASSIGN_OR_RETURN(auto g, db_.Prepare("SELECT group_id, address FROM group_member "
                                                 "WHERE address IS NOT NULL ORDER BY group_id, ROWID"));
        for (;;) {
          MFX_ASSIGN_OR_RETURN(const bool row, g.Step());
          if (!row) break;
          if (g.ColumnType(0) == SQLITE_INTEGER) members[g.Int(0)].emplace_back(g.Text(1));
        }
        return {};
      };
      if (auto read = members_read(); !read) {
        ctx_.Corrupt(in_, "group_member", "", "not readable (" + read.error().ToString() +
                                                  "); messages are kept without participants");
        members.clear();
      }
    }
    MFX_ASSIGN_OR_RETURN(auto st, db_.Prepare(sql));
    std::map<std::string, int64_t> unknown_flags;  // "flags N" / "madrid_flags N" → rows
    int64_t epoch_doubts = 0;
    std::string first_doubt;
    int64_t last_rowid = 0;
    while (NextRow(st, last_rowid)) {
      const int64_t rowid = st.Int(kRowid);
      last_rowid = rowid;
      const std::string row = std::to_string(rowid);
      if (!IntegerColumnsOk(st, {kDate, kFlags, kMadrid, kMadridFlags, kRead, kDelivered}, row)) {
        continue;
      }
      const bool madrid = !st.IsNull(kMadrid) && st.Int(kMadrid) == 1;
      Message m;
      m.app = "Messages";
      m.source = in_.Source("message", rowid);
      m.message_type = "text";
      if (!st.IsNull(kDate)) {
        const int64_t v = st.Int(kDate);
        m.time = madrid ? core::FromCocoaSecondsInt(v) : core::FromUnixSeconds(v);
        // 978307200 = 2001-01-01 in Unix seconds and 2032 in Cocoa seconds: on the wrong side of
        // it, the value reads as a time before 2001 (SMS) or after 2032 (iMessage).
        if (v != 0 && (madrid ? v > 978307200 : v < 978307200)) {
          if (epoch_doubts++ == 0) first_doubt = row;
        }
      }
      if (madrid) {
        if (!st.IsNull(kRead)) m.read_time = core::FromCocoaSecondsInt(st.Int(kRead));
        if (!st.IsNull(kDelivered))
          m.delivered_time = core::FromCocoaSecondsInt(st.Int(kDelivered));
        m.party = st.OptText(kHandle);
        m.guid = st.OptText(kGuid);
        m.service = st.IsNull(kService) ? std::string("iMessage") : std::string(st.Text(kService));
        if (!st.IsNull(kRoom) && !st.Text(kRoom).empty()) m.chat = std::string(st.Text(kRoom));
        if (!st.IsNull(kMadridFlags)) {
          switch (st.Int(kMadridFlags)) {
            case 4097:
            case 12289:
            case 77825:
              m.direction = "incoming";
              break;
            case 32773:
            case 36869:
            case 45061:
            case 102405:
              m.direction = "outgoing";
              break;
            default:
              ++unknown_flags["madrid_flags " + std::to_string(st.Int(kMadridFlags))];
          }
        }
      } else {
        m.party = st.OptText(kAddress);
        m.service = "SMS";
        if (st.ColumnType(kGroup) == SQLITE_INTEGER) {
          if (auto it = members.find(st.Int(kGroup)); it != members.end()) {
            m.chat_participants = it->second;
          }
        }
        if (!st.IsNull(kFlags)) {
          switch (st.Int(kFlags)) {
            case 2:
              m.direction = "incoming";
              break;
            case 3:
            case 33:
            case 35:
            case 131:
              m.direction = "outgoing";
              break;
            default:
              ++unknown_flags["flags " + std::to_string(st.Int(kFlags))];
          }
        }
      }
      if (!st.IsNull(kText)) {
        m.text = std::string(st.Text(kText));
        m.text_source = "text";
      } else if (madrid && !st.IsNull(kBody)) {
        ReadBody(st.Blob(kBody), "madrid_attributedBody", row, m);
      }
      ctx_.sink().Add(std::move(m));
    }
    for (const auto& [what, n] : unknown_flags) {
      ctx_.Warning(in_, "message " + what + " (" + std::to_string(n) +
                            " rows) is not a known direction; their direction is left empty");
    }
    if (epoch_doubts > 0) {
      ctx_.Warning(in_, std::to_string(epoch_doubts) + " message dates (first: row " + first_doubt +
                            ") fall before 2001 read as Unix seconds (SMS) or after 2032 read as "
                            "Cocoa seconds (iMessage); the raw values are kept");
    }
    if (db_.HasTable("msg_pieces")) {
      auto n = db_.QueryInt("SELECT COUNT(*) FROM msg_pieces");
      if (n && *n > 0) {
        ctx_.Warning(in_, "msg_pieces holds " + std::to_string(*n) +
                              " MMS parts, which are not read (the messages' own text is)");
      }
    }
    if (db_.HasTable("madrid_attachment")) {
      auto n = db_.QueryInt("SELECT COUNT(*) FROM madrid_attachment");
      if (n && *n > 0) {
        ctx_.Warning(in_, "madrid_attachment lists " + std::to_string(*n) +
                              " iMessage attachments, which are not linked to their messages");
      }
    }
    ReportDeletions();
    return {};
  }

  const ParserInput& in_;
  const core::SqliteDb& db_;
  ParserContext& ctx_;
  std::unordered_map<int64_t, std::string> handles_;
  std::unordered_map<int64_t, ChatInfo> chats_;
  std::vector<std::string> attachment_files_;  // sorted (Env::List)
  bool nanos_ = true;
};

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput* in : inputs.Get("sms")) {
    MFX_RETURN_IF_ERROR(SmsDb(*in, ctx).Parse());
  }
  return {};
}

}  // namespace

ParserModule SmsParser() {
  return ParserModule{
      .name = "sms",
      .version = "1.0",
      .app = "Messages",
      .inputs = {{"sms", "HomeDomain", "Library/SMS/sms.db", InputSpec::Kind::kSqlite}},
      .parse = Parse,
  };
}

}  // namespace mfx::parsers::sms
