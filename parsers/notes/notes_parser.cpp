#include "parsers/notes/notes_parser.h"

#include <cctype>
#include <cstdio>

#include "parsers/coredata/coredata.h"
#include "parsers/notes/gzip.h"
#include "parsers/notes/note_body.h"

namespace mfx::parsers::notes {
namespace {

using coredata::DescribeColumns;
using coredata::EntityMap;
using coredata::MissingColumns;
using coredata::SqlInList;

constexpr std::string_view kObjects = "ZICCLOUDSYNCINGOBJECT";

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

OptTime CocoaTime(const core::Statement& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return core::FromCocoaSeconds(st.Real(col));
}

// Of the candidate columns that exist, the one with the most non-NULL values on rows matching
// `where` (FORMATS §5.10: ZCREATIONDATE1 vs ZCREATIONDATE3, ZACCOUNT2/4/7 drift between versions;
// iLEAPP notes.py _pick_note_column does the same). nullopt when none exists or all are NULL.
std::optional<std::string> PickColumn(const core::SqliteDb& db, const std::vector<std::string>& candidates,
                                      const std::string& count_sql_for /* "%s" = column */) {
  std::optional<std::string> best;
  int64_t best_count = 0;
  for (const std::string& c : candidates) {
    if (!db.HasColumn(kObjects, c)) continue;
    std::string sql = count_sql_for;
    for (size_t at; (at = sql.find("%s")) != std::string::npos;) sql.replace(at, 2, c);
    auto n = db.QueryInt(sql);
    if (n && *n > best_count) {
      best = c;
      best_count = *n;
    }
  }
  return best;
}

std::string HexOffset(size_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%zx", v);
  return buf;
}

void ParseNoteStore(const ParserInput& in, ParserContext& ctx) {
  const core::SqliteDb& db = *in.db;
  const auto missing_objects = MissingColumns(db, kObjects, {"Z_PK", "Z_ENT", "ZTITLE1"});
  const auto missing_data = MissingColumns(db, "ZICNOTEDATA", {"Z_PK", "ZNOTE", "ZDATA"});
  auto entities = EntityMap::Load(db);
  const std::optional<int64_t> note_ent = entities ? entities->Find("ICNote") : std::nullopt;
  if (!missing_objects.empty() || !missing_data.empty() || !note_ent) {
    ctx.Unsupported(in, "unknown NoteStore schema (missing " +
                            Join(missing_objects) + (missing_objects.empty() ? "" : " ") + Join(missing_data) +
                            (note_ent ? "" : " ICNote entity") + "): ZICCLOUDSYNCINGOBJECT(" +
                            DescribeColumns(db, kObjects) + "); ZICNOTEDATA(" + DescribeColumns(db, "ZICNOTEDATA") + ")");
    return;
  }
  const std::string notes_in = SqlInList(entities->WithSubentities(*note_ent));
  const auto account_ent = entities->Find("ICAccount");
  const std::string accounts_in = account_ent ? SqlInList(entities->WithSubentities(*account_ent)) : "NULL";
  auto has = [&](std::string_view col) { return db.HasColumn(kObjects, col); };

  const std::string on_notes = std::string("SELECT COUNT(*) FROM ") + std::string(kObjects) +
                               " WHERE Z_ENT IN (" + notes_in + ") AND %s IS NOT NULL";
  const auto created = PickColumn(db, {"ZCREATIONDATE3", "ZCREATIONDATE1", "ZCREATIONDATE2", "ZCREATIONDATE"}, on_notes);
  const auto modified = PickColumn(db, {"ZMODIFICATIONDATE1", "ZMODIFICATIONDATE"}, on_notes);
  std::vector<std::string> account_cols = {"ZACCOUNT7", "ZACCOUNT4", "ZACCOUNT2", "ZACCOUNT3", "ZACCOUNT5",
                                           "ZACCOUNT6", "ZACCOUNT8", "ZACCOUNT1", "ZACCOUNT"};
  const auto account = PickColumn(
      db, account_cols,
      std::string("SELECT COUNT(*) FROM ") + std::string(kObjects) + " n JOIN " + std::string(kObjects) +
          " a ON a.Z_PK = n.%s WHERE n.Z_ENT IN (" + notes_in + ") AND a.Z_ENT IN (" + accounts_in + ")");
  const bool has_folder = has("ZFOLDER");
  const bool folder_owner = has_folder && has("ZOWNER");
  const bool has_name = has("ZNAME");

  auto col = [&](std::string_view name, const char* alias = "n") -> std::string {
    return has(name) ? std::string(alias) + "." + std::string(name) : "NULL";
  };
  std::string sql = "SELECT n.Z_PK, n.ZTITLE1, " + col("ZSNIPPET") + ", " +
                    (created ? "n." + *created : "NULL") + ", " + (modified ? "n." + *modified : "NULL") + ", " +
                    col("ZISPASSWORDPROTECTED") + ", " + col("ZMARKEDFORDELETION") + ", " +
                    col("ZPASSWORDHINT") + ", " + (has_folder ? col("ZTITLE2", "f") : "NULL") + ", " +
                    (has_name ? "COALESCE(" + std::string(account ? "a.ZNAME" : "NULL") + ", " +
                                    (folder_owner ? "o.ZNAME" : "NULL") + ")"
                              : "NULL") +
                    ", d.Z_PK, d.ZDATA FROM " + std::string(kObjects) + " n";
  if (has_folder) sql += " LEFT JOIN " + std::string(kObjects) + " f ON f.Z_PK = n.ZFOLDER";
  if (account) sql += " LEFT JOIN " + std::string(kObjects) + " a ON a.Z_PK = n." + *account;
  if (folder_owner) sql += " LEFT JOIN " + std::string(kObjects) + " o ON o.Z_PK = f.ZOWNER";
  sql += has("ZNOTEDATA") ? " LEFT JOIN ZICNOTEDATA d ON d.Z_PK = n.ZNOTEDATA"
                          : " LEFT JOIN ZICNOTEDATA d ON d.ZNOTE = n.Z_PK";
  sql += " WHERE n.Z_ENT IN (" + notes_in + ") ORDER BY n.Z_PK";
  auto st = db.Prepare(sql);
  if (!st) {
    ctx.Corrupt(in, kObjects, "", st.error().message);
    return;
  }
  for (;;) {
    auto row = st->Step();
    if (!row) {
      ctx.Corrupt(in, kObjects, "", "reading stopped: " + row.error().message);
      return;
    }
    if (!*row) break;
    const int64_t pk = st->Int(0);
    Note r;
    r.app = "Notes";
    r.source = in.Source(kObjects, pk);
    r.title = st->OptText(1);
    r.snippet = st->OptText(2);
    r.time = CocoaTime(*st, 3);
    r.modified = CocoaTime(*st, 4);
    r.locked = st->OptInt(5).value_or(0) != 0;
    r.marked_for_deletion = st->OptInt(6).value_or(0) != 0;
    r.password_hint = st->OptText(7);
    r.folder = st->OptText(8);
    r.account = st->OptText(9);
    if (!r.locked && !st->IsNull(11)) {
      const ByteSpan zdata = st->ColumnType(11) == SQLITE_BLOB ? st->Blob(11) : AsBytes(st->Text(11));
      const int64_t data_pk = st->Int(10);
      // A damaged body costs the text, not the note: title, dates, folder and account are kept,
      // with the reason in body_error and a corrupt-row issue.
      Result<NoteBody> body = LooksLikeGzip(zdata)
                                  ? DecodeNoteData(zdata)
                                  : Result<NoteBody>(Fail(ErrorCode::kCorrupt, "ZDATA of an unlocked note is not gzip"));
      if (body) {
        r.text = std::move(body->text);
        r.attachments = std::move(body->attachments);
        r.source.decode_chain = "ZICNOTEDATA.ZDATA → gzip → protobuf@" + HexOffset(body->text_offset);
      } else {
        r.body_error = "ZICNOTEDATA " + std::to_string(data_pk) + ": " + body.error().message;
        ctx.Corrupt(in, kObjects, std::to_string(pk), *r.body_error + " (the note is kept without its text)");
      }
    }
    ctx.sink().Add(std::move(r));
  }
}

void ParseLegacy(const ParserInput& in, ParserContext& ctx) {
  const core::SqliteDb& db = *in.db;
  const auto missing = MissingColumns(db, "ZNOTE", {"Z_PK", "ZTITLE", "ZCREATIONDATE", "ZMODIFICATIONDATE"});
  const bool body_by_note = db.HasColumn("ZNOTE", "ZBODY");
  const bool body_by_owner = db.HasColumn("ZNOTEBODY", "ZOWNER");
  const bool has_content = db.HasColumn("ZNOTEBODY", "ZCONTENT");
  if (!missing.empty() || !has_content || (!body_by_note && !body_by_owner)) {
    ctx.Unsupported(in, "unknown legacy notes.sqlite schema (missing " + Join(missing) +
                            (has_content ? "" : " ZNOTEBODY.ZCONTENT") +
                            (body_by_note || body_by_owner ? "" : " ZNOTE.ZBODY/ZNOTEBODY.ZOWNER") + "): ZNOTE(" +
                            DescribeColumns(db, "ZNOTE") + "); ZNOTEBODY(" + DescribeColumns(db, "ZNOTEBODY") + ")");
    return;
  }
  const bool has_store = db.HasColumn("ZNOTE", "ZSTORE") && db.HasColumn("ZSTORE", "ZNAME");
  const bool has_account = has_store && db.HasColumn("ZSTORE", "ZACCOUNT") && db.HasColumn("ZACCOUNT", "ZNAME");
  auto col = [&](std::string_view table, std::string_view name, const char* alias) -> std::string {
    return db.HasColumn(table, name) ? std::string(alias) + "." + std::string(name) : "NULL";
  };
  std::string sql = "SELECT n.Z_PK, n.ZTITLE, " + col("ZNOTE", "ZSUMMARY", "n") +
                    ", n.ZCREATIONDATE, n.ZMODIFICATIONDATE, " + col("ZNOTE", "ZDELETEDFLAG", "n") + ", " +
                    (has_store ? "s.ZNAME" : "NULL") + ", " + (has_account ? "a.ZNAME" : "NULL") +
                    ", b.Z_PK, b.ZCONTENT FROM ZNOTE n";
  sql += body_by_note ? " LEFT JOIN ZNOTEBODY b ON b.Z_PK = n.ZBODY" : " LEFT JOIN ZNOTEBODY b ON b.ZOWNER = n.Z_PK";
  if (has_store) sql += " LEFT JOIN ZSTORE s ON s.Z_PK = n.ZSTORE";
  if (has_account) sql += " LEFT JOIN ZACCOUNT a ON a.Z_PK = s.ZACCOUNT";
  sql += " ORDER BY n.Z_PK";
  auto st = db.Prepare(sql);
  if (!st) {
    ctx.Corrupt(in, "ZNOTE", "", st.error().message);
    return;
  }
  for (;;) {
    auto row = st->Step();
    if (!row) {
      ctx.Corrupt(in, "ZNOTE", "", "reading stopped: " + row.error().message);
      return;
    }
    if (!*row) break;
    const int64_t pk = st->Int(0);
    Note r;
    r.app = "Notes";
    r.source = in.Source("ZNOTE", pk);
    r.title = st->OptText(1);
    r.snippet = st->OptText(2);
    r.time = CocoaTime(*st, 3);
    r.modified = CocoaTime(*st, 4);
    r.marked_for_deletion = st->OptInt(5).value_or(0) != 0;
    r.folder = st->OptText(6);
    r.account = st->OptText(7);
    if (st->ColumnType(9) == SQLITE_TEXT) {
      r.text = HtmlToText(st->Text(9));
      r.source.decode_chain = "ZNOTEBODY.ZCONTENT → HTML → text";
    } else if (!st->IsNull(9)) {
      r.body_error = "ZNOTEBODY " + std::to_string(st->Int(8)) + ": ZCONTENT is not text";
      ctx.Corrupt(in, "ZNOTE", std::to_string(pk), *r.body_error + " (the note is kept without its text)");
    }
    ctx.sink().Add(std::move(r));
  }
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput& in : inputs.all()) {
    if (in.spec->name == "legacy") ParseLegacy(in, ctx);
    else ParseNoteStore(in, ctx);
  }
  return {};
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool TagIs(std::string_view tag, std::string_view name) {
  if (tag.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(tag[i])) != name[i]) return false;
  }
  return tag.size() == name.size() || !std::isalnum(static_cast<unsigned char>(tag[name.size()]));
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  bool line_ended_by_br = false;
  for (size_t i = 0; i < html.size();) {
    const char c = html[i];
    if (c != '<') line_ended_by_br = false;
    if (c == '<') {
      const size_t end = html.find('>', i);
      if (end == std::string_view::npos) {  // a lone '<' is text
        out += c;
        ++i;
        continue;
      }
      std::string_view tag = html.substr(i + 1, end - i - 1);
      const bool closing = !tag.empty() && tag[0] == '/';
      if (closing) tag.remove_prefix(1);
      if (!closing && TagIs(tag, "br")) {
        out += '\n';
        line_ended_by_br = true;
      } else if (closing && (TagIs(tag, "div") || TagIs(tag, "p") || TagIs(tag, "li") || TagIs(tag, "h1") ||
                             TagIs(tag, "h2") || TagIs(tag, "h3") || TagIs(tag, "tr"))) {
        // "<div><br></div>" is one empty line, and "<div>text<br></div>" one line: a block end
        // right after a <br> adds no second break.
        if (!line_ended_by_br) out += '\n';
        line_ended_by_br = false;
      }
      i = end + 1;
    } else if (c == '&') {
      const size_t semi = html.find(';', i);
      if (semi == std::string_view::npos || semi - i > 10) {
        out += c;
        ++i;
        continue;
      }
      const std::string_view ent = html.substr(i + 1, semi - i - 1);
      bool done = true;
      if (ent == "amp") out += '&';
      else if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else if (ent == "nbsp") out += "\xC2\xA0";
      else if (ent.size() > 1 && ent[0] == '#') {
        uint32_t cp = 0;
        const bool hex = ent[1] == 'x' || ent[1] == 'X';
        bool ok = ent.size() > (hex ? 2u : 1u);
        for (size_t k = hex ? 2 : 1; ok && k < ent.size(); ++k) {
          const char d = ent[k];
          uint32_t v;
          if (d >= '0' && d <= '9') v = static_cast<uint32_t>(d - '0');
          else if (hex && d >= 'a' && d <= 'f') v = static_cast<uint32_t>(d - 'a' + 10);
          else if (hex && d >= 'A' && d <= 'F') v = static_cast<uint32_t>(d - 'A' + 10);
          else { ok = false; break; }
          cp = cp * (hex ? 16 : 10) + v;
          if (cp > 0x10FFFF) ok = false;
        }
        if (ok) AppendUtf8(out, cp);
        else done = false;
      } else {
        done = false;
      }
      if (done) {
        i = semi + 1;
      } else {
        out += c;
        ++i;
      }
    } else {
      out += c;
      ++i;
    }
  }
  // Block ends add a line break; the last one ends the note rather than starting a line.
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

ParserModule NotesParser() {
  return ParserModule{
      "notes",
      "1.0",
      "Notes",
      {
          {"notestore", "AppDomainGroup-group.com.apple.notes", "NoteStore.sqlite", InputSpec::Kind::kSqlite},
          {"legacy", "HomeDomain", "Library/Notes/notes.sqlite", InputSpec::Kind::kSqlite},
      },
      Parse,
  };
}

}  // namespace mfx::parsers::notes
