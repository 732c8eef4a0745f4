#include "reports/report_writers.h"

#include <algorithm>

#include "reports/case_jsonld.h"
#include "reports/html_report.h"
#include "reports/kml_report.h"
#include "reports/report_model.h"

// The PDF writer (cairo + pango) is written from the same report model; it plugs in here when
// reports/pdf_report.h is in the tree:
//   Result<std::vector<std::string>> WritePdfReport(const ReportContext& ctx,
//                                                   const nlohmann::json& model);
#if __has_include("reports/pdf_report.h")
#include "reports/pdf_report.h"
#define MFX_HAVE_PDF_REPORT 1
#else
#define MFX_HAVE_PDF_REPORT 0
#endif

namespace mfx::reports {

// The one explicit list of report formats this build writes (like the parsers' list).
std::vector<std::string> ReportFormats() {
  std::vector<std::string> formats = {"html"};
  if (MFX_HAVE_PDF_REPORT) formats.push_back("pdf");
  formats.push_back("case");
  formats.push_back("kml");
  return formats;
}

Result<std::vector<std::string>> WriteReportFromModel(const ReportContext& ctx,
                                                      const std::string& format,
                                                      const nlohmann::json& model) {
  if (format == "html") return WriteHtmlReport(ctx, model);
#if MFX_HAVE_PDF_REPORT
  if (format == "pdf") return WritePdfReport(ctx, model);
#endif
  if (format == "case") return WriteCaseJsonLd(ctx, model);
  if (format == "kml") return WriteKmlReport(ctx);
  return Fail(ErrorCode::kUnsupported,
              "report format '" + format + "' is not available in this build");
}

Result<std::vector<std::string>> WriteReport(const ReportContext& ctx, const std::string& format) {
  const std::vector<std::string> formats = ReportFormats();
  if (std::find(formats.begin(), formats.end(), format) == formats.end()) {
    return Fail(ErrorCode::kUnsupported,
                "report format '" + format + "' is not available in this build");
  }
  if (format == "kml") return WriteKmlReport(ctx);  // reads no model
  // report/report.json is written whenever a rendered report (HTML, PDF) is.
  const bool rendered = format == "html" || format == "pdf";
  bool wrote_model = false;
  MFX_ASSIGN_OR_RETURN(nlohmann::json model, ReportModelForRevision(ctx, rendered, &wrote_model));
  MFX_ASSIGN_OR_RETURN(std::vector<std::string> written, WriteReportFromModel(ctx, format, model));
  if (wrote_model) written.insert(written.begin(), kReportJsonPath);
  return written;
}

}  // namespace mfx::reports
