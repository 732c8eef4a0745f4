#pragma once
// Findings: what `mfx verify` (and the custody-chain checker it shares with the custody log)
// reports. Every finding names the file (path), the custody line (seq) or both, and carries a
// class that maps to verify's exit code (CUSTODY.md §5):
//   1 integrity  — changed / missing / extra file, signature does not match, broken chain, …
//   2 trust      — unsigned, signer not anchored in --trust, unexpected signer
//   3 structure  — manifest absent or unparseable, unknown schema, malformed line, an exhibit that
//                  cannot be reached (a skipped check is not a pass)
// With findings of several classes the lowest non-zero code wins.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mfx::reports {

enum class FindingClass { kIntegrity = 1, kTrust = 2, kStructure = 3 };

struct Finding {
  std::string
      code;  // stable, machine-readable: "changed", "missing", "extra", "custody_entry_hash", …
  FindingClass kind = FindingClass::kIntegrity;
  std::string path;  // relative to the case root (or absolute for exhibit files); "" when none
  std::optional<int64_t> seq;  // the custody line (0-based = seq) at fault, when there is one
  std::string expected;
  std::string actual;
  std::string message;  // one plain-language sentence
};

// 0 when there are no findings; otherwise the lowest class present (1 beats 2 beats 3).
int ExitCodeFor(const std::vector<Finding>& findings);

// {"code", "class", "path"|"seq", "expected", "actual", "message"} (path/seq only when set).
nlohmann::json FindingToJson(const Finding& finding);

// "[changed] report/report.pdf: the file's SHA-256 differs (expected …, actual …)"
std::string FindingToText(const Finding& finding);

std::string_view FindingClassName(FindingClass kind);  // "integrity", "trust", "structure"

}  // namespace mfx::reports
