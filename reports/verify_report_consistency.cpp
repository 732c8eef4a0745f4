// CUSTODY.md §5 item 6: report consistency. See verify.h for what is checked today and what the
// report-model work adds here (report.json values against recomputed ones).
#include <set>

#include "core/file_util.h"
#include "reports/verify.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;

// report_generated carries its outputs as [{"path", "sha256"}] (custody keys are [a-z0-9_], so
// paths cannot be object keys).
std::vector<std::pair<std::string, std::string>> Outputs(const json& event) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto detail = event.find("detail");
  if (detail == event.end() || !detail->is_object()) return out;
  const auto outputs = detail->find("outputs");
  if (outputs == detail->end() || !outputs->is_array()) return out;
  for (const json& o : *outputs) {
    if (!o.is_object()) continue;
    const std::string path = o.value("path", "");
    const std::string sha = o.value("sha256", "");
    if (!path.empty()) out.emplace_back(path, sha);
  }
  return out;
}

}  // namespace

void CheckReportConsistency(const SealedCaseView& view, std::vector<Finding>& findings) {
  if (view.custody != nullptr && view.listed != nullptr && view.pinned_head_seq >= 0) {
    const CustodyEntry* last = nullptr;
    for (const CustodyEntry& e : *view.custody) {
      if (e.seq > view.pinned_head_seq) break;
      if (e.event == "report_generated") last = &e;
    }
    if (last != nullptr) {
      for (const auto& [path, sha] : Outputs(last->value)) {
        const auto it = view.listed->find(path);
        if (it == view.listed->end()) {
          findings.push_back(
              {"report_output_unlisted", FindingClass::kIntegrity, path, last->seq, sha, "",
               "report_generated names this output, but manifest.sha256 does not list it"});
        } else if (it->second != sha) {
          findings.push_back({"report_output_changed", FindingClass::kIntegrity, path, last->seq,
                              sha, it->second,
                              "the sealed file differs from what report_generated recorded"});
        }
      }
    }
  }
  const auto report_json = view.root / "report" / "report.json";
  std::error_code ec;
  if (std::filesystem::exists(report_json, ec)) {
    auto text = core::ReadTextFile(report_json, size_t{1} << 30);
    if (!text || json::parse(*text, nullptr, false).is_discarded()) {
      findings.push_back(
          {"report_json_unreadable",
           FindingClass::kStructure,
           "report/report.json",
           {},
           "",
           "",
           "report/report.json cannot be read as JSON; its consistency is unchecked"});
    }
  }
}

}  // namespace mfx::reports
