#pragma once
// The output half of `mfx analyze` and `mfx report`: from the case database to the sealed case.
//
//   BeginRevision (a previous report/ and seal move to history/r<N>/)
//   → exports/ (jsonl, csv, timeline)            exports.h
//   → report/ (html, pdf, case.jsonld, kml)      report_writers.h
//   → custody `report_generated` with every output's SHA-256
//   → SealCase (manifest.json, VERIFY.txt, manifest.sha256, signature)   seal.h
//
// Reports are generated from the case database alone; evidence is not opened here.

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/timezone.h"
#include "reports/case_folder.h"
#include "reports/exports.h"
#include "reports/seal.h"

namespace mfx::reports {

// Every format name `--format` accepts, in CONTRACT.md order.
const std::vector<std::string>& AllFormats();

struct OutputOptions {
  core::TimeZone zone = core::TimeZone::Utc();
  std::set<std::string> formats;  // empty = every format
  std::optional<SigningKey> signing;
  std::string report_id;          // "" = SealCase's default
  // Hashes the caller already took of case files (case-relative path → hash with the size and
  // mtime the file had then), used while both still match instead of reading the file again:
  // analyze hashes artifacts.sqlite for its `parsed` event just before (209 MB, 0.15 s, for a
  // 470k-record case).
  std::map<std::string, KnownHash> known_hashes;
};

struct OutputResult {
  ExportFiles exports;
  std::vector<std::string> reports;  // case-relative paths written under report/
  std::vector<std::string> unavailable;  // requested formats this build cannot write yet
  SealResult seal;
};

Result<OutputResult> WriteOutputsAndSeal(CaseFolder& folder, const OutputOptions& options);

// Parses "html,pdf,csv" (also "all"); kInvalidArgument names an unknown format.
Result<std::set<std::string>> ParseFormats(const std::string& list);

}  // namespace mfx::reports
