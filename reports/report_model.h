#pragma once
// report/report.json — the report model (schema "mfx-report/1", CUSTODY.md §0, §1). The PDF and
// the HTML render this one model, so they cannot disagree; `mfx verify` checks its stated hashes,
// custody head and counts against the case.
//
// Built from the case database (artifacts.sqlite) and the case folder's own files (case.json,
// evidence/<id>.json, evidence/<id>.sha256, custody.jsonl, consent/, exports/<kind>.csv) — never
// from evidence. Top-level keys (all always present; absent values are null or empty):
//
//   schema, report_id, revision, generated (UTC, ISO 8601 'Z'), display_zone, tzdata,
//   tool {name, version, build},
//   case {case_number, examiner, examiner_id, examiner_role, agency, agency_address, requestor,
//         description, location, created},
//   authority {basis "consent" | "none recorded", consents [{id, record_path, record_sha256,
//         record_sha256_matches, form_path, form_sha256, withdrawn, summary {the record's fields}}]},
//   evidence [{id, root_id, kind, location, hash_list, hash_list_sha256, files, bytes, registered,
//         registered_seq, device {udid, serial_number, product_type, product_name, ios_version,
//         build_version, device_name, imei, imei2, meid, iccid, phone_number}, backup {…},
//         encryption {…}, not_hashed [...], custody_before_registration}],
//   acquisition [{seq, time, event, evidence_id, detail}]   acquisition_*, pairing, temp_password_*,
//                                                           device_identified
//   registration [{seq, time, event, evidence_id, detail}]  evidence_registered
//   integrity {case_db {path, sha256, bytes}, custody_head {seq, sha256, lines},
//         custody_chain_ok, exhibits [{id, hash_list, hash_list_sha256}],
//         verifications [{seq, time, event, evidence_id, what, result, files_checked, detail}]},
//   processing {parsers [{name, version, status, seconds, counts {kind: n}, inputs [{path, sha256,
//         size}], issues [{kind, input, table, rowid, message}], issues_total, error}],
//         timezone_statement, case_info {key: value of case_info except device/backup}},
//   findings {counts {kind: n}, deleted {kind: n}, total},
//   tables [{kind, title, columns [{name, label}], total, shown, cap, rows [[cell, …]], export,
//         export_sha256, note}],
//   limitations [text, …],
//   custody [{seq, time, event, actor, evidence_id, summary, entry_sha256}]
//
// tables: one per kind with records, in AllKinds() order; rows ordered by time (untimed last),
// then by case-database id; columns n (the record's id in the case database), utc, local,
// parties, content, source, status — every cell a string, text exactly as stored (never cut; the
// renderer wraps). Above `cap` rows, `note` says "N of M shown; full list exports/<kind>.csv,
// SHA-256 …". `export`/`export_sha256` are null when the CSV export was not written.
//
// Secrets: every file written through ReportOutput is checked against the case's SecretGuard;
// a model or report that would contain a guarded secret is refused (kInvalidArgument).

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/sqlite_db.h"
#include "core/timezone.h"
#include "reports/custody_guard.h"
#include "reports/record_schema.h"
#include "reports/report_writers.h"
#include "reports/verify_findings.h"

namespace mfx::reports {

inline constexpr const char* kReportSchema = "mfx-report/1";
inline constexpr const char* kReportJsonPath = "report/report.json";
inline constexpr int64_t kDefaultTableCap = 5000;

struct ReportModelOptions {
  int64_t table_cap = kDefaultTableCap;  // rows per kind table in the model (the HTML is uncapped)
};

// Builds the model. Fails when the case database or case.json cannot be read.
Result<nlohmann::json> BuildReportModel(const ReportContext& ctx,
                                        const ReportModelOptions& options = {});

// Writes report/report.json (2-space indent, "\n" at the end) through ReportOutput; returns the
// case-relative path.
Result<std::string> WriteReportModel(const ReportContext& ctx, const nlohmann::json& model);

// The model of the revision being written: report/report.json when it is already there for this
// report id and revision and states the current case-database hash (the HTML writer wrote it and
// the PDF writer renders the same bytes), else a new one — written to report/report.json when
// `write` is true (then *wrote, when given, says whether this call wrote it).
Result<nlohmann::json> ReportModelForRevision(const ReportContext& ctx, bool write,
                                              bool* wrote = nullptr);

// For `mfx verify` (CUSTODY.md §5 item 6; call it from CheckReportConsistency): checks what
// report/report.json states against values recomputed from the case — the case-database hash,
// each exhibit's hash-list hash (file and case.json), the custody head (the line at the stated seq
// has the stated entry hash), the record counts per kind (SELECT count(*)), the device
// identifiers (evidence/<id>.json) and, when report/case.jsonld exists, that its device carries
// the same UDID and serial number. Appends integrity findings ("report_db_hash",
// "report_exhibit_hash", "report_custody_head", "report_count", "report_device",
// "report_jsonld_device"), or structure findings when a file cannot be read. No report.json: no
// findings.
void CheckReportModelConsistency(const std::filesystem::path& case_root,
                                 std::vector<Finding>& findings);

// Title of a record kind for headings ("messages" → "Messages", "web_history" → "Web history").
std::string KindTitle(std::string_view kind);

// ---- Rows as the reports show them (the model's tables and the HTML use this one formatter) ----

struct ReportRow {
  int64_t id = 0;                 // the record's id in the case database
  std::optional<int64_t> time_us;  // primary time, µs since 1970 UTC
  std::string utc;                // "2026-03-14T09:26:53.589Z" or ""
  std::string local;              // "2026-03-14 10:26:53.589 +01:00", "… (floating)" or ""
  std::string parties;            // who / title
  std::string content;            // what
  std::string source_file;        // "HomeDomain/Library/SMS/sms.db"
  std::string source_table;       // "message" ("" for plists)
  std::string source_rowid;       // "42" or a plist key path
  std::string source;             // the three above in one line
  bool deleted = false;
  std::string status;  // "intact" / "deleted (recovered)"
  // messages only: the conversation key (chat identifier, else the party) and direction.
  std::string chat;
  std::string chat_name;
  std::string direction;
  // records with coordinates (photos, shared locations, calendar events)
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::string app;
};

// Reads one kind's table in report order (time, untimed last, then id). Not thread-safe.
class ReportRowReader {
 public:
  // `limit` < 0 = all rows. `where` is an extra SQL condition ("" = none).
  static Result<ReportRowReader> Open(const core::SqliteDb& db, const KindInfo& kind,
                                      const core::TimeZone& zone, int64_t limit = -1,
                                      const std::string& where = "");
  ReportRowReader(ReportRowReader&&) noexcept = default;
  // false at the end.
  Result<bool> Next(ReportRow& row);

 private:
  ReportRowReader(const KindInfo& kind, const core::TimeZone& zone, core::Statement st);
  std::string Text(const char* column) const;
  std::optional<double> Real(const char* column) const;
  std::optional<int64_t> Int(const char* column) const;
  std::string TimeCell(const char* column, bool local) const;
  void FormatKind(ReportRow& row) const;

  const KindInfo* kind_;
  const core::TimeZone* zone_;
  core::Statement st_;
  std::vector<std::pair<std::string, int>> index_;  // column name → index, sorted by name
};

// Column labels of the model's tables (n, utc, local, parties, content, source, status);
// "parties" is named per kind ("Party / chat", "Name", "Title", …).
nlohmann::json TableColumns(std::string_view kind, const std::string& zone_name);

// ---- Output files ----

// A report file written to <case>/<relative>.tmp-mfx and renamed into place by Close(). Every
// byte is checked against the case's SecretGuard (in overlapping chunks, so a secret spanning a
// buffer boundary is still found); a hit fails Close() and removes the temporary file.
class ReportOutput {
 public:
  static Result<ReportOutput> Create(const ReportContext& ctx, std::string relative);
  ReportOutput(ReportOutput&& other) noexcept;
  ReportOutput& operator=(ReportOutput&&) = delete;
  ~ReportOutput();  // removes the temporary file unless Close() succeeded

  void Write(std::string_view text);
  // Flushes, checks, fsyncs and renames; returns the case-relative path.
  Result<std::string> Close();

 private:
  ReportOutput(const SecretGuard* guard, std::filesystem::path final_path,
               std::filesystem::path tmp_path, std::string relative, std::FILE* f);
  Status FlushChunk();

  const SecretGuard* guard_;
  std::filesystem::path final_path_;
  std::filesystem::path tmp_path_;
  std::string relative_;
  std::FILE* f_;
  std::string buffer_;
  std::string overlap_;  // the tail of the previous chunk, checked again with the next one
  Error error_;
  bool failed_ = false;
  bool closed_ = false;
};

}  // namespace mfx::reports
