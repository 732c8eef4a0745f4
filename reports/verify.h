#pragma once
// `mfx verify`: recomputes everything a sealed case folder claims (CUSTODY.md §5).
//
//   1 structure  manifest.sha256 and manifest.json parse, schema known, lines well formed, sorted,
//                unique, safe relative paths
//   2 signature  CMS over the exact bytes of manifest.sha256 (integrity); the signer chains to a
//                --trust anchor with purpose "any" (trust); the signer is the one manifest.json
//                names (trust). Trust anchors never come from the case folder.
//   3 files      every listed file re-hashed in parallel (changed, missing); the folder walked
//                without following links: anything neither listed nor in not_listed is extra;
//                symlinks, devices, FIFOs are findings; manifest.json.files = manifest.sha256
//   4 evidence   each exhibit re-hashed against evidence/<id>.sha256 — inside the case when
//                acquired, at its recorded location (or --evidence ID=DIR) when ingested;
//                unreachable = structure (a skipped check is not a pass)
//   5 custody    every line canonical, entry hashes, prev links, seq without gaps; the pinned
//                prefix and head from manifest.json; the last report_signed after the pin names
//                the current .p7s (trust) and manifest.sha256 (integrity)
//   6 report     CheckReportConsistency (below): the hook for checks that need the report model
//
// Exit: 0 nothing changed and signed by a trusted signer; 1 integrity; 2 trust; 3 structure; the
// lowest non-zero class present wins. Read-only, except that `record` appends `verified` /
// `verification_failed` to the custody log afterwards.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/progress.h"
#include "core/result.h"
#include "reports/custody_log.h"
#include "reports/verify_findings.h"

namespace mfx::reports {

struct VerifyOptions {
  std::vector<std::filesystem::path> trust;  // PEM files of lab trust anchors (never in the case)
  std::map<std::string, std::filesystem::path> evidence;  // exhibit id → where it is now
  bool record = false;
  unsigned threads = 0;  // hashing workers; 0 = all cores
  core::Progress::Mode progress = core::Progress::Mode::kAuto;
};

struct SignatureCheck {
  bool present = false;
  bool matches = false;  // the CMS signature is over the bytes of manifest.sha256
  bool trusted = false;  // the signer chains to a --trust anchor
  std::string subject;
  std::string cert_sha256;
  std::string signing_time;
  std::string p7s_sha256;
};

struct ExhibitCheck {
  std::string id;
  std::string kind;
  std::string location;  // where it was checked
  uint64_t listed = 0;   // lines of its hash list
  uint64_t checked = 0;  // files re-hashed
  bool reachable = false;
};

struct VerifyReport {
  int exit_code = 0;
  std::vector<Finding> findings;
  std::string case_dir;
  std::string case_number;
  std::string report_id;
  int revision = 0;
  std::string sealed;  // manifest.json "created"
  std::string manifest_sha256;
  SignatureCheck signature;
  uint64_t files_listed = 0;
  uint64_t files_checked = 0;
  std::vector<ExhibitCheck> exhibits;
  uint64_t custody_lines = 0;
  int64_t pinned_head_seq = -1;
  std::vector<std::pair<int64_t, std::string>> after_seal;  // (seq, event) of lines after the pin
  bool recorded = false;
  int64_t recorded_seq = -1;
  std::string record_error;  // why --record could not append ("" when it did or was not asked)
};

// Fails (kInvalidArgument) only for unusable options: a --trust file that cannot be read or lies
// inside the case folder. Everything wrong with the case itself is a finding.
Result<VerifyReport> VerifyCase(const std::filesystem::path& case_dir,
                                const VerifyOptions& options);

// {"exit": N, "findings": [FindingToJson…], "summary": {…}}
nlohmann::json VerifyReportToJson(const VerifyReport& report);
// The human summary (several lines, ends with "\n").
std::string VerifyReportToText(const VerifyReport& report);

// What report-consistency checks get to look at: the already verified parts of the case.
struct SealedCaseView {
  std::filesystem::path root;
  const nlohmann::json* manifest = nullptr;                    // parsed manifest.json (object)
  const std::map<std::string, std::string>* listed = nullptr;  // manifest.sha256: path → sha256
  const std::vector<CustodyEntry>* custody = nullptr;          // every custody line, in order
  int64_t pinned_head_seq = -1;
};

// CUSTODY.md §5 item 6 (verify_report_consistency.cpp). Today it checks what needs no report
// model: the outputs of the last `report_generated` within the pinned custody prefix against
// manifest.sha256 (paths listed, hashes equal), and that a present report/report.json parses.
// The report-model work extends it: exhibit hashes, database hash and custody head stated in
// report/report.json; device identifiers against case.json, Info.plist and case.jsonld; record
// counts against artifacts.sqlite. Findings it adds are integrity-class unless the input is
// unreadable (structure).
void CheckReportConsistency(const SealedCaseView& view, std::vector<Finding>& findings);

}  // namespace mfx::reports
