#include "reports/exports.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/sqlite_db.h"
#include "reports/record_json.h"
#include "reports/record_schema.h"

namespace mfx::reports {
namespace {

using core::Statement;

// Buffered writer to a new file.
class OutFile {
 public:
  static Result<OutFile> Create(const std::filesystem::path& p) {
    std::FILE* f = std::fopen(p.c_str(), "wb");
    if (!f) return Fail(ErrorCode::kIo, p.string() + ": " + std::strerror(errno));
    return OutFile(f, p);
  }
  OutFile(OutFile&& o) noexcept : f_(std::exchange(o.f_, nullptr)), path_(std::move(o.path_)) {}
  ~OutFile() {
    if (f_) std::fclose(f_);
  }
  void Write(std::string_view s) { std::fwrite(s.data(), 1, s.size(), f_); }
  Status Close() {
    const bool ok = std::fflush(f_) == 0 && !std::ferror(f_);
    std::fclose(std::exchange(f_, nullptr));
    if (!ok) return Fail(ErrorCode::kIo, path_.string() + ": write failed");
    return {};
  }

 private:
  OutFile(std::FILE* f, std::filesystem::path p) : f_(f), path_(std::move(p)) {}
  std::FILE* f_;
  std::filesystem::path path_;
};

std::string ColText(const Statement& st, int i) { return SanitizeUtf8(st.Text(i)); }

// Maps a row of a kind's table back to its export JSON (must equal RecordToJson).
class RowReader {
 public:
  RowReader(const KindInfo& k, const Statement& st) : k_(k), st_(st) {
    for (int i = 0; i < st.ColumnCount(); ++i) index_[st.ColumnName(i)] = i;
  }
  int Col(const std::string& name) const { return index_.at(name); }

  OrderedJson Time(const std::string& name, OrderedJson& raw) const {
    const int c = Col(name);
    const int r = Col(name + "_raw");
    if (!st_.IsNull(r)) {
      raw[name] = OrderedJson{{"raw", ColText(st_, r)}, {"encoding", ColText(st_, Col(name + "_encoding"))}};
    }
    return st_.IsNull(c) ? OrderedJson() : OrderedJson(ColText(st_, c));
  }

  OrderedJson Json() const {
    OrderedJson out;
    OrderedJson raw = OrderedJson::object();
    out["kind"] = k_.kind;
    out["app"] = ColText(st_, Col("app"));
    out["time"] = Time("time", raw);
    for (const FieldColumn& f : k_.fields) {
      const int c = Col(f.name);
      switch (f.type) {
        case ColumnType::kText:
          out[f.name] = st_.IsNull(c) ? OrderedJson() : OrderedJson(ColText(st_, c));
          break;
        case ColumnType::kInteger:
          out[f.name] = st_.IsNull(c) ? OrderedJson() : OrderedJson(st_.Int(c));
          break;
        case ColumnType::kReal:
          out[f.name] = st_.IsNull(c) ? OrderedJson() : OrderedJson(st_.Real(c));
          break;
        case ColumnType::kBoolean:
          out[f.name] = st_.IsNull(c) ? OrderedJson() : OrderedJson(st_.Int(c) != 0);
          break;
        case ColumnType::kJson:
          out[f.name] = st_.IsNull(c) ? OrderedJson::array() : OrderedJson::parse(st_.Text(c), nullptr, false);
          break;
        case ColumnType::kTimestamp:
          out[f.name] = Time(f.name, raw);
          break;
      }
    }
    OrderedJson s;
    s["domain"] = ColText(st_, Col("src_domain"));
    s["path"] = ColText(st_, Col("src_path"));
    s["file_id"] = ColText(st_, Col("src_file_id"));
    const int t = Col("src_table");
    s["table"] = st_.IsNull(t) ? OrderedJson() : OrderedJson(ColText(st_, t));
    const int r = Col("src_rowid");
    if (st_.ColumnType(r) == SQLITE_INTEGER) s["rowid"] = st_.Int(r);
    else if (st_.IsNull(r)) s["rowid"] = nullptr;
    else s["rowid"] = ColText(st_, r);
    const int d = Col("src_decode_chain");
    if (!st_.IsNull(d)) s["decode_chain"] = ColText(st_, d);
    out["source"] = s;
    out["deleted"] = st_.Int(Col("deleted")) != 0;
    out["parser"] = ColText(st_, Col("parser"));
    out["raw_times"] = raw;
    return out;
  }

 private:
  const KindInfo& k_;
  const Statement& st_;
  std::map<std::string, int> index_;
};

std::string CellOf(const OrderedJson& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) {
      const std::string item = e.is_object() ? (e.contains("name") ? CellOf(e["name"]) : e.dump()) : CellOf(e);
      out += (out.empty() ? "" : "; ") + item;
    }
    return out;
  }
  return v.dump();
}

std::string LocalOf(const Statement& st, int us_col, const core::TimeZone& zone) {
  return st.IsNull(us_col) ? std::string() : zone.FormatIsoLocal(st.Int(us_col));
}

// SQL for the timeline's message column, per kind (coalesce keeps NULLs out of the text).
const char* SummarySql(const std::string& kind) {
  static const std::map<std::string, const char*> kSummary = {
      {"messages", "direction || ' ' || coalesce(party, chat, '') || ': ' || coalesce(text, '')"},
      {"contacts", "'Contact ' || trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(organization, ''))"},
      {"calls", "direction || ' ' || call_type || ' call ' || coalesce(party, '') || coalesce(' (' || duration_s || ' s)', '')"},
      {"web_history", "'Visited ' || url || coalesce(' — ' || title, '')"},
      {"bookmarks", "bookmark_type || ' ' || coalesce(title, '') || ' ' || coalesce(url, '')"},
      {"notes", "'Note ' || coalesce(title, '')"},
      {"calendar_events", "'Event ' || coalesce(title, '') || coalesce(' @ ' || location, '')"},
      {"photos", "coalesce(media_type, 'asset') || ' ' || coalesce(filename, '')"},
      {"wifi_networks", "'Wi-Fi network ' || coalesce(ssid, '')"},
      {"apps", "'App ' || bundle_id || coalesce(' (' || name || ')', '')"},
      {"accounts", "'Account ' || coalesce(username, '') || coalesce(' (' || account_type || ')', '')"},
      {"voicemails", "'Voicemail from ' || coalesce(party, '')"},
      {"device_info", "'Backup of ' || coalesce(device_name, '') || ' ' || coalesce(product_type, '')"},
  };
  auto it = kSummary.find(kind);
  return it == kSummary.end() ? "''" : it->second;
}

std::string Describe(const std::string& kind, const std::string& column) {
  static const std::map<std::string, std::string> kDesc = {
      {"messages.time", "Message sent/received"}, {"messages.read_time", "Message read"},
      {"messages.delivered_time", "Message delivered"}, {"contacts.time", "Contact created"},
      {"contacts.modified", "Contact modified"}, {"calls.time", "Call started"},
      {"calls.end_time", "Call ended"}, {"web_history.time", "Web page visited"},
      {"notes.time", "Note created"}, {"notes.modified", "Note modified"},
      {"calendar_events.time", "Event start"}, {"calendar_events.end", "Event end"},
      {"photos.time", "Photo/video created"}, {"photos.added", "Photo/video added"},
      {"photos.modified", "Photo/video modified"}, {"wifi_networks.time", "Wi-Fi last joined"},
      {"wifi_networks.added", "Wi-Fi network added"}, {"apps.time", "App installed/purchased"},
      {"accounts.time", "Account added"}, {"voicemails.time", "Voicemail received"},
      {"voicemails.trashed_time", "Voicemail trashed"}, {"device_info.time", "Last backup"},
  };
  auto it = kDesc.find(kind + "." + column);
  return it != kDesc.end() ? it->second : kind + " " + column;
}

std::string SqlString(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string CsvCell(std::string_view v) {
  std::string s(v);
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')) {
    // A plain number like -12.5 is data, not a formula.
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    if (end == nullptr || *end != '\0') s.insert(s.begin(), '\'');
  }
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

Result<ExportFiles> WriteExports(const std::filesystem::path& case_db,
                                 const std::filesystem::path& exports_dir, const core::TimeZone& zone) {
  MFX_ASSIGN_OR_RETURN(auto db, core::SqliteDb::OpenReadOnly(case_db));
  std::error_code ec;
  std::filesystem::create_directories(exports_dir, ec);
  ExportFiles out;
  std::string timeline_sql;
  for (const KindInfo& k : AllKinds()) {
    MFX_ASSIGN_OR_RETURN(int64_t n, db->QueryInt("SELECT count(*) FROM \"" + k.kind + "\""));
    if (n == 0) continue;
    MFX_ASSIGN_OR_RETURN(auto jsonl, OutFile::Create(exports_dir / (k.kind + ".jsonl")));
    MFX_ASSIGN_OR_RETURN(auto csv, OutFile::Create(exports_dir / (k.kind + ".csv")));
    // CSV header: kind, app, time, time_local, fields (+ _local for timestamps), source, deleted.
    std::string header = "kind,app,time,time_local";
    for (const auto& f : k.fields) {
      header += "," + f.name;
      if (f.type == ColumnType::kTimestamp) header += "," + f.name + "_local";
    }
    header += ",source_domain,source_path,source_file_id,source_table,source_rowid,deleted,parser\n";
    csv.Write(header);
    MFX_ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT * FROM \"" + k.kind + "\" ORDER BY id"));
    RowReader reader(k, st);
    std::string line;
    int64_t rows = 0;
    for (;;) {
      MFX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      const OrderedJson j = reader.Json();
      jsonl.Write(j.dump());
      jsonl.Write("\n");
      line.clear();
      line += CsvCell(k.kind) + "," + CsvCell(CellOf(j["app"])) + "," + CsvCell(CellOf(j["time"])) + "," +
              CsvCell(LocalOf(st, reader.Col("time_us"), zone));
      for (const auto& f : k.fields) {
        line += "," + CsvCell(CellOf(j[f.name]));
        if (f.type == ColumnType::kTimestamp) line += "," + CsvCell(LocalOf(st, reader.Col(f.name + "_us"), zone));
      }
      const OrderedJson& s = j["source"];
      line += "," + CsvCell(CellOf(s["domain"])) + "," + CsvCell(CellOf(s["path"])) + "," +
              CsvCell(CellOf(s["file_id"])) + "," + CsvCell(CellOf(s["table"])) + "," +
              CsvCell(CellOf(s["rowid"])) + "," + CellOf(j["deleted"]) + "," + CsvCell(CellOf(j["parser"])) + "\n";
      csv.Write(line);
      ++rows;
    }
    MFX_RETURN_IF_ERROR(jsonl.Close());
    MFX_RETURN_IF_ERROR(csv.Close());
    out.records[k.kind + ".jsonl"] = rows;
    out.records[k.kind + ".csv"] = rows;

    std::vector<std::string> time_columns{"time"};
    for (const auto& f : k.fields) {
      if (f.type == ColumnType::kTimestamp) time_columns.push_back(f.name);
    }
    for (const std::string& c : time_columns) {
      if (!timeline_sql.empty()) timeline_sql += " UNION ALL ";
      timeline_sql += "SELECT \"" + c + "_us\" AS us, " + SqlString(k.kind) + " AS kind, " +
                      SqlString(Describe(k.kind, c)) + " AS descr, id, app, " + SummarySql(k.kind) +
                      " AS message, src_domain, src_path, src_table, src_rowid, \"" + c + "_raw\" AS raw, \"" +
                      c + "_encoding\" AS enc, deleted FROM \"" + k.kind + "\" WHERE \"" + c + "_us\" IS NOT NULL";
    }
  }
  if (!timeline_sql.empty()) {
    MFX_ASSIGN_OR_RETURN(auto tj, OutFile::Create(exports_dir / "timeline.jsonl"));
    MFX_ASSIGN_OR_RETURN(auto tc, OutFile::Create(exports_dir / "timeline.csv"));
    tc.Write("message,datetime,timestamp_desc,timestamp,datetime_local,kind,app,record_id,source_domain,"
             "source_path,source_table,source_rowid,raw,encoding,deleted\n");
    MFX_ASSIGN_OR_RETURN(auto st, db->Prepare(timeline_sql + " ORDER BY us, kind, id"));
    int64_t rows = 0;
    for (;;) {
      MFX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      const int64_t us = st.Int(0);
      const std::string iso = core::FormatIsoUtc(us);
      OrderedJson j;
      j["datetime"] = iso;
      j["timestamp_desc"] = ColText(st, 2);
      j["message"] = ColText(st, 5);
      j["kind"] = ColText(st, 1);
      j["app"] = ColText(st, 4);
      j["record_id"] = st.Int(3);
      OrderedJson s;
      s["domain"] = ColText(st, 6);
      s["path"] = ColText(st, 7);
      s["table"] = st.IsNull(8) ? OrderedJson() : OrderedJson(ColText(st, 8));
      s["rowid"] = st.ColumnType(9) == SQLITE_INTEGER ? OrderedJson(st.Int(9))
                   : st.IsNull(9)                     ? OrderedJson()
                                                      : OrderedJson(ColText(st, 9));
      j["source"] = s;
      j["raw"] = ColText(st, 10);
      j["encoding"] = ColText(st, 11);
      j["deleted"] = st.Int(12) != 0;
      tj.Write(j.dump());
      tj.Write("\n");
      std::string timesketch_time = iso.substr(0, iso.size() - 1) + "+00:00";
      tc.Write(CsvCell(ColText(st, 5)) + "," + timesketch_time + "," + CsvCell(ColText(st, 2)) + "," +
               std::to_string(us) + "," + zone.FormatIsoLocal(us) + "," + CsvCell(ColText(st, 1)) + "," +
               CsvCell(ColText(st, 4)) + "," + std::to_string(st.Int(3)) + "," + CsvCell(ColText(st, 6)) + "," +
               CsvCell(ColText(st, 7)) + "," + CsvCell(CellOf(s["table"])) + "," + CsvCell(CellOf(s["rowid"])) +
               "," + CsvCell(ColText(st, 10)) + "," + CsvCell(ColText(st, 11)) + "," +
               (st.Int(12) ? "true" : "false") + "\n");
      ++rows;
    }
    MFX_RETURN_IF_ERROR(tj.Close());
    MFX_RETURN_IF_ERROR(tc.Close());
    out.records["timeline.jsonl"] = rows;
    out.records["timeline.csv"] = rows;
  }
  return out;
}

}  // namespace mfx::reports
