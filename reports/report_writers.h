#pragma once
// The report formats written into CASE/report/ from the case database: HTML, PDF, CASE/UCO
// JSON-LD, KML. Each writer reads only the case database (and the case folder's own files such as
// case.json and the custody log) — never evidence.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/timezone.h"
#include "reports/case_folder.h"

namespace mfx::reports {

struct ReportContext {
  const CaseFolder& folder;
  std::filesystem::path case_db;  // CASE/artifacts.sqlite
  const core::TimeZone& zone;
  std::string report_id;
  int revision = 1;
};

// Formats this build can write ("html", "pdf", "case", "kml").
std::vector<std::string> ReportFormats();

// Writes one format; returns the case-relative paths written.
Result<std::vector<std::string>> WriteReport(const ReportContext& ctx, const std::string& format);

// The same from a report model already built for this revision (ReportModelForRevision): the
// model is only read, so one model can serve writers running side by side. report.json is not
// written here.
Result<std::vector<std::string>> WriteReportFromModel(const ReportContext& ctx,
                                                      const std::string& format,
                                                      const nlohmann::json& model);

}  // namespace mfx::reports
