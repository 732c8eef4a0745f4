#include "reports/verify_findings.h"

#include <algorithm>

#include "core/bytes.h"

namespace mfx::reports {

int ExitCodeFor(const std::vector<Finding>& findings) {
  int code = 0;
  for (const Finding& f : findings) {
    const int c = static_cast<int>(f.kind);
    if (code == 0 || c < code) code = c;
  }
  return code;
}

std::string_view FindingClassName(FindingClass kind) {
  switch (kind) {
    case FindingClass::kIntegrity:
      return "integrity";
    case FindingClass::kTrust:
      return "trust";
    case FindingClass::kStructure:
      return "structure";
  }
  return "integrity";
}

nlohmann::json FindingToJson(const Finding& f) {
  nlohmann::json j;
  j["code"] = f.code;
  j["class"] = std::string(FindingClassName(f.kind));
  if (!f.path.empty()) j["path"] = SanitizeUtf8(f.path);
  if (f.seq) j["seq"] = *f.seq;
  j["expected"] = SanitizeUtf8(f.expected);
  j["actual"] = SanitizeUtf8(f.actual);
  j["message"] = SanitizeUtf8(f.message);
  return j;
}

std::string FindingToText(const Finding& f) {
  std::string out = "[" + f.code + "] ";
  if (!f.path.empty()) out += SanitizeUtf8(f.path);
  if (f.seq)
    out += (f.path.empty() ? "" : " ") + std::string("custody seq ") + std::to_string(*f.seq);
  out += ": " + SanitizeUtf8(f.message);
  if (!f.expected.empty() || !f.actual.empty()) {
    out += " (expected " + (f.expected.empty() ? std::string("-") : SanitizeUtf8(f.expected)) +
           ", actual " + (f.actual.empty() ? std::string("-") : SanitizeUtf8(f.actual)) + ")";
  }
  return out;
}

}  // namespace mfx::reports
