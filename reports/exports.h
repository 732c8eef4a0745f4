#pragma once
// exports/: per-kind JSONL + CSV and the timeline, generated from the case database alone (never
// from evidence), so `mfx report --format jsonl,csv` regenerates them byte for byte.
//
//   exports/<kind>.jsonl   one record per line, exactly the objects of record_json.h; UTC always
//   exports/<kind>.csv     the same records for spreadsheets; each timestamp also in the chosen
//                          zone (<name>_local); lists joined with "; "; cells that a spreadsheet
//                          would run as a formula (leading = + - @ TAB CR) get a leading '
//   exports/timeline.jsonl every timestamp of every record, sorted by time
//   exports/timeline.csv   the same, Timesketch columns first: message, datetime, timestamp_desc
// Kinds without records get no files.

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

#include "core/result.h"
#include "core/timezone.h"

namespace mfx::reports {

struct ExportFiles {
  std::map<std::string, int64_t> records;  // file name (relative to exports/) → rows written
  std::map<std::string, std::string> sha256;  // file name → SHA-256 (hex) of the bytes written
  std::map<std::string, uint64_t> bytes;       // file name → bytes written
};

// How the exports use memory. The defaults are for real cases; tests shrink them to take the
// paths a large case takes.
struct ExportTuning {
  // Bytes of timeline rows sorted in memory; more are sorted in runs written to an unnamed file
  // in the exports folder and merged (the benchmark case's 850k rows take about 150 MB).
  size_t timeline_sort_bytes = 32u << 20;
};

Result<ExportFiles> WriteExports(const std::filesystem::path& case_db,
                                 const std::filesystem::path& exports_dir,
                                 const core::TimeZone& zone, const ExportTuning& tuning = {});

// A spreadsheet-safe CSV cell (RFC 4180 quoting; formula prefix neutralised).
std::string CsvCell(std::string_view value);

}  // namespace mfx::reports
