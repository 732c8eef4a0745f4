#include "reports/report_writers.h"

namespace mfx::reports {

// Report writers register here as they land (one explicit list, like the parsers).
std::vector<std::string> ReportFormats() { return {}; }

Result<std::vector<std::string>> WriteReport(const ReportContext&, const std::string& format) {
  return Fail(ErrorCode::kUnsupported, "report format '" + format + "' is not available in this build");
}

}  // namespace mfx::reports
