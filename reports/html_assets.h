#pragma once
// The inline stylesheet and script of report/report.html (html_report.h). Kept as C++ raw strings
// so the report stays one self-contained file and the binary needs no data files.

namespace mfx::reports {

extern const char* const kHtmlReportCss;
extern const char* const kHtmlReportJs;

}  // namespace mfx::reports
