#include "parsers/calls/calls_parser.h"

#include <set>
#include <string>
#include <vector>

namespace mfx::parsers::calls {
namespace {

using core::SqliteDb;
using core::Statement;

constexpr std::string_view kRecord = "ZCALLRECORD";
constexpr std::string_view kLegacy = "call";

std::string ColumnList(const SqliteDb& db, std::string_view table) {
  std::string out = std::string(table) + "(";
  bool first = true;
  for (const auto& c : db.Columns(table)) {
    out += (first ? "" : ", ") + c.name;
    first = false;
  }
  return out + ")";
}

std::string Missing(const SqliteDb& db, std::string_view table,
                    std::initializer_list<std::string_view> needed) {
  std::string out;
  for (std::string_view c : needed) {
    if (!db.HasColumn(table, c)) out += (out.empty() ? "" : ", ") + std::string(c);
  }
  return out;
}

std::string Col(const SqliteDb& db, std::string_view table, std::string_view column) {
  return db.HasColumn(table, column) ? std::string(column) : "NULL";
}

bool IsNumber(const Statement& s, int i) {
  const int t = s.ColumnType(i);
  return t == SQLITE_INTEGER || t == SQLITE_FLOAT;
}

// ZADDRESS is declared BLOB on iOS 9 and VARCHAR later; either way it holds the handle's text.
OptString TextOrBlob(const Statement& s, int i) {
  if (s.IsNull(i)) return std::nullopt;
  if (s.ColumnType(i) == SQLITE_BLOB) {
    ByteSpan b = s.Blob(i);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return std::string(s.Text(i));
}

// ZCALLTYPE: 1 phone, 8 FaceTime video, 16 FaceTime audio, 0 third-party (CallKit)
// [abrignoni/iLEAPP scripts/artifacts/callHistory.py].
constexpr int64_t kTypeThirdParty = 0;
constexpr int64_t kTypePhone = 1;
constexpr int64_t kTypeFaceTimeVideo = 8;
constexpr int64_t kTypeFaceTimeAudio = 16;

OptString ServiceName(const OptString& provider, std::optional<int64_t> call_type) {
  if (provider && !provider->empty()) {
    if (*provider == "com.apple.Telephony") return "Phone";
    if (*provider == "com.apple.FaceTime") return "FaceTime";
    return provider;  // a CallKit app, as the device names it (e.g. "net.whatsapp.WhatsApp")
  }
  if (call_type == kTypePhone) return "Phone";
  if (call_type == kTypeFaceTimeVideo || call_type == kTypeFaceTimeAudio) return "FaceTime";
  return std::nullopt;
}

Status ParseStoreData(const ParserInput& in, ParserContext& ctx) {
  const SqliteDb& db = *in.db;
  const std::string missing = Missing(
      db, kRecord, {"ZDATE", "ZDURATION", "ZORIGINATED", "ZANSWERED", "ZCALLTYPE", "ZADDRESS"});
  if (!db.HasTable(kRecord) || !missing.empty()) {
    ctx.Unsupported(in, db.HasTable(kRecord) ? "unknown CallHistory schema: missing " + missing +
                                                   "; found " + ColumnList(db, kRecord)
                                             : "no ZCALLRECORD table");
    return {};
  }
  const std::string sql =
      "SELECT Z_PK, ZDATE, ZDURATION, ZORIGINATED, ZANSWERED, ZCALLTYPE, ZADDRESS, " +
      Col(db, kRecord, "ZSERVICE_PROVIDER") + ", " + Col(db, kRecord, "ZNAME") + ", " +
      Col(db, kRecord, "ZISO_COUNTRY_CODE") + ", " + Col(db, kRecord, "ZDISCONNECTED_CAUSE") +
      ", " + Col(db, kRecord, "ZLOCATION") + ", " + Col(db, kRecord, "ZUNIQUE_ID") +
      " FROM ZCALLRECORD ORDER BY Z_PK";
  MFX_ASSIGN_OR_RETURN(Statement s, db.Prepare(sql));
  std::set<int64_t> unknown_types;
  std::vector<int64_t> unknown_direction;
  for (;;) {
    auto row = s.Step();
    if (!row) {
      ctx.Corrupt(in, kRecord, "", "reading stopped: " + row.error().ToString());
      break;
    }
    if (!*row) break;
    const int64_t pk = s.Int(0);
    const std::string rowid = std::to_string(pk);
    if (!s.IsNull(1) && !IsNumber(s, 1)) {
      ctx.Corrupt(in, kRecord, rowid, "ZDATE is not a number (Cocoa seconds expected)");
      continue;
    }
    if (!s.IsNull(2) && !IsNumber(s, 2)) {
      ctx.Corrupt(in, kRecord, rowid, "ZDURATION is not a number");
      continue;
    }
    // A call whose ZORIGINATED is neither 0 nor 1 is still a call: kept, direction unknown (null).
    const bool known_direction = s.ColumnType(3) == SQLITE_INTEGER && (s.Int(3) == 0 || s.Int(3) == 1);
    if (!known_direction) unknown_direction.push_back(pk);
    Call c;
    c.source = in.Source(kRecord, pk);
    if (!s.IsNull(1)) {
      c.time = s.ColumnType(1) == SQLITE_INTEGER ? core::FromCocoaSecondsInt(s.Int(1))
                                                 : core::FromCocoaSeconds(s.Real(1));
    }
    if (!s.IsNull(2)) c.duration_s = s.Real(2);
    if (known_direction) c.direction = s.Int(3) == 1 ? "outgoing" : "incoming";
    if (!s.IsNull(4)) c.answered = s.Int(4) != 0;
    c.call_type_raw = s.OptInt(5);
    c.call_type = c.call_type_raw == kTypeFaceTimeVideo ? "video" : "voice";
    if (c.call_type_raw && *c.call_type_raw != kTypeThirdParty && *c.call_type_raw != kTypePhone &&
        *c.call_type_raw != kTypeFaceTimeVideo && *c.call_type_raw != kTypeFaceTimeAudio) {
      unknown_types.insert(*c.call_type_raw);
    }
    c.party = TextOrBlob(s, 6);
    c.service_provider = s.OptText(7);
    c.service = ServiceName(c.service_provider, c.call_type_raw);
    c.app = c.service == "FaceTime" ? "FaceTime" : "Phone";
    c.name = s.OptText(8);
    c.country_code = s.OptText(9);
    c.disconnected_cause = s.OptText(10);
    c.location = s.OptText(11);
    c.unique_id = s.OptText(12);
    // The end is derived: ZDATE + ZDURATION (both Cocoa-based seconds).
    if (c.time && c.time->has_instant() && c.duration_s) {
      c.end_time = core::FromCocoaSeconds(s.Real(1) + *c.duration_s);
    }
    ctx.sink().Add(std::move(c));
  }
  if (!unknown_direction.empty()) {
    std::string rows;
    for (size_t i = 0; i < unknown_direction.size() && i < 20; ++i) {
      rows += (i ? ", " : "") + std::to_string(unknown_direction[i]);
    }
    if (unknown_direction.size() > 20) rows += ", …";
    ctx.Warning(in, std::to_string(unknown_direction.size()) +
                        " calls have a ZORIGINATED that is neither 0 nor 1 (Z_PK " + rows +
                        "): kept with direction null");
  }
  if (!unknown_types.empty()) {
    std::string list;
    for (int64_t t : unknown_types) list += (list.empty() ? "" : ", ") + std::to_string(t);
    ctx.Warning(in, "ZCALLTYPE value(s) " + list +
                        " are not known; call_type shows them as voice, "
                        "call_type_raw keeps the value");
  }
  return {};
}

// Legacy call_history.db (iOS ≤ 7). date is Unix seconds [FORMATS §4, seen: the real iOS 5 address
// book]. Bit 0 of flags is the direction: the device's own triggers count a call as outgoing when
// `flags & (1 << 0) == 1` and as incoming when it is 0 (timer_outgoing_trigger /
// timer_incoming_trigger in the iOS 6.1.6 and 9.3.5 call_history.db schemas,
// [richinfante/iphonebackuptools schemas/calls/calls2_6.1.6.sql]). No device evidence tells voice
// from FaceTime in the other bits, so call_type is "unknown" and the flags are kept raw.
Status ParseLegacy(const ParserInput& in, ParserContext& ctx) {
  const SqliteDb& db = *in.db;
  const std::string missing = Missing(db, kLegacy, {"address", "date", "duration", "flags"});
  if (!db.HasTable(kLegacy) || !missing.empty()) {
    ctx.Unsupported(in, db.HasTable(kLegacy) ? "unknown call_history.db schema: missing " +
                                                   missing + "; found " + ColumnList(db, kLegacy)
                                             : "no call table");
    return {};
  }
  const std::string sql = "SELECT ROWID, address, date, duration, flags, " +
                          Col(db, kLegacy, "name") + ", " + Col(db, kLegacy, "country_code") +
                          ", " + Col(db, kLegacy, "answered") + " FROM call ORDER BY ROWID";
  MFX_ASSIGN_OR_RETURN(Statement s, db.Prepare(sql));
  bool any = false;
  for (;;) {
    auto row = s.Step();
    if (!row) {
      ctx.Corrupt(in, kLegacy, "", "reading stopped: " + row.error().ToString());
      break;
    }
    if (!*row) break;
    const int64_t rowid = s.Int(0);
    if ((!s.IsNull(2) && s.ColumnType(2) != SQLITE_INTEGER) || s.ColumnType(4) != SQLITE_INTEGER ||
        (!s.IsNull(3) && !IsNumber(s, 3))) {
      ctx.Corrupt(in, kLegacy, std::to_string(rowid), "date/flags/duration is not an integer");
      continue;
    }
    Call c;
    c.app = "Phone";
    c.source = in.Source(kLegacy, rowid);
    c.party = TextOrBlob(s, 1);
    if (!s.IsNull(2)) c.time = core::FromUnixSeconds(s.Int(2));
    if (!s.IsNull(3)) c.duration_s = s.Real(3);
    c.call_type_raw = s.Int(4);
    c.direction = (s.Int(4) & 1) ? "outgoing" : "incoming";
    c.call_type = "unknown";
    c.name = s.OptText(5);
    c.country_code = s.OptText(6);
    if (!s.IsNull(7)) c.answered = s.Int(7) != 0;
    if (c.time && c.time->has_instant() && c.duration_s) {
      c.end_time = core::FromUnixSecondsReal(static_cast<double>(s.Int(2)) + *c.duration_s);
    }
    any = true;
    ctx.sink().Add(std::move(c));
  }
  if (any) {
    ctx.Warning(in,
                "legacy call_history.db: direction is flags bit 0; voice/FaceTime is not decoded "
                "(call_type \"unknown\", flags in call_type_raw)");
  }
  return {};
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput* in : inputs.Get("callhistory"))
    MFX_RETURN_IF_ERROR(ParseStoreData(*in, ctx));
  for (const ParserInput* in : inputs.Get("legacy")) MFX_RETURN_IF_ERROR(ParseLegacy(*in, ctx));
  return {};
}

}  // namespace

ParserModule CallsParser() {
  return ParserModule{
      .name = "calls",
      .version = "1.0",
      .app = "Phone",
      // CallHistoryTemp.storedata holds calls not yet merged into the main store (FORMATS §5.5).
      .inputs = {{"callhistory", "HomeDomain", "Library/CallHistoryDB/CallHistory.storedata",
                  InputSpec::Kind::kSqlite},
                 {"callhistory", "HomeDomain", "Library/CallHistoryDB/CallHistoryTemp.storedata",
                  InputSpec::Kind::kSqlite},
                 {"legacy", "WirelessDomain", "Library/CallHistory/call_history.db",
                  InputSpec::Kind::kSqlite}},
      .parse = Parse,
  };
}

}  // namespace mfx::parsers::calls
