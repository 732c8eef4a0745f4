#include "parsers/voicemail/voicemail_parser.h"

namespace mfx::parsers::voicemail {
namespace {

using core::SqliteDb;
using core::Statement;

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

// A time column holds a number (integer or real: SQLite keeps what the writer gave) or NULL.
bool NumberOrNull(const Statement& s, int i) {
  const int t = s.ColumnType(i);
  return t == SQLITE_INTEGER || t == SQLITE_FLOAT || t == SQLITE_NULL;
}

std::string MissingNeeded(const SqliteDb& db, std::string_view table) {
  return Missing(db, table,
                 {"date", "sender", "callback_num", "duration", "trashed_date", "flags"});
}

// One table (voicemail, or the iOS 15+ deleted table with the same columns).
Status ParseTable(const ParserInput& in, ParserContext& ctx, std::string_view table, bool audio) {
  const SqliteDb& db = *in.db;
  const std::string sql =
      "SELECT ROWID, date, sender, callback_num, duration, trashed_date, flags, " +
      Col(db, table, "receiver") + ", " + Col(db, table, "label") + " FROM " + std::string(table) +
      " ORDER BY ROWID";
  MFX_ASSIGN_OR_RETURN(Statement s, db.Prepare(sql));
  // Library/Voicemail/<ROWID>.amr, beside the database in the same domain.
  std::string dir = in.path;
  dir.erase(dir.find_last_of('/') + 1);
  for (;;) {
    auto row = s.Step();
    if (!row) {
      ctx.Corrupt(in, table, "", "reading stopped: " + row.error().ToString());
      break;
    }
    if (!*row) break;
    const int64_t rowid = s.Int(0);
    if (!NumberOrNull(s, 1) || !NumberOrNull(s, 5)) {
      ctx.Corrupt(in, table, std::to_string(rowid),
                  "date/trashed_date is not a number (Unix / Cocoa seconds expected)");
      continue;
    }
    Voicemail v;
    v.app = "Phone";
    v.source = in.Source(table, rowid);
    // Mixed epochs in one row [abrignoni/iLEAPP voicemail.py; FORMATS §5.6]: date is Unix seconds,
    // trashed_date Cocoa seconds; 0 = not set.
    if (s.ColumnType(1) == SQLITE_INTEGER) v.time = core::FromUnixSeconds(s.Int(1));
    if (s.ColumnType(1) == SQLITE_FLOAT) v.time = core::FromUnixSecondsReal(s.Real(1));
    v.party = s.OptText(2);
    v.callback_number = s.OptText(3);
    if (!s.IsNull(4)) v.duration_s = s.Real(4);
    if (s.ColumnType(5) == SQLITE_INTEGER && s.Int(5) != 0) v.trashed_time = core::FromCocoaSecondsInt(s.Int(5));
    if (s.ColumnType(5) == SQLITE_FLOAT && s.Real(5) != 0) v.trashed_time = core::FromCocoaSeconds(s.Real(5));
    v.flags = s.OptInt(6);
    v.receiver = s.OptText(7);
    v.label = s.OptText(8);
    if (audio) {
      const std::string amr = dir + std::to_string(rowid) + ".amr";
      if (ctx.env().Exists(in.domain + "/" + amr)) v.backup_path = in.domain + "/" + amr;
    }
    ctx.sink().Add(std::move(v));
  }
  return {};
}

Status ParseVoicemailDb(const ParserInput& in, ParserContext& ctx) {
  const SqliteDb& db = *in.db;
  const std::string missing = MissingNeeded(db, "voicemail");
  if (!db.HasTable("voicemail") || !missing.empty()) {
    ctx.Unsupported(in, db.HasTable("voicemail")
                            ? "unknown voicemail.db schema: missing " + missing + "; found " +
                                  ColumnList(db, "voicemail")
                            : "no voicemail table");
    return {};
  }
  MFX_RETURN_IF_ERROR(ParseTable(in, ctx, "voicemail", true));
  if (db.HasTable("deleted")) {
    const std::string dmissing = MissingNeeded(db, "deleted");
    if (!dmissing.empty()) {
      ctx.Unsupported(in, "unknown table deleted: missing " + dmissing + "; found " +
                              ColumnList(db, "deleted"));
      return {};
    }
    // Its ROWIDs are its own, so no audio file name can be derived from them.
    MFX_RETURN_IF_ERROR(ParseTable(in, ctx, "deleted", false));
  }
  return {};
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput* in : inputs.Get("voicemail"))
    MFX_RETURN_IF_ERROR(ParseVoicemailDb(*in, ctx));
  return {};
}

}  // namespace

ParserModule VoicemailParser() {
  return ParserModule{
      .name = "voicemail",
      .version = "1.0",
      .app = "Phone",
      .inputs = {{"voicemail", "HomeDomain", "Library/Voicemail/voicemail.db",
                  InputSpec::Kind::kSqlite}},
      .parse = Parse,
  };
}

}  // namespace mfx::parsers::voicemail
