#pragma once
// The PDF report, CASE/report/report.pdf (CUSTODY.md §1, §2), rendered with cairo + pango from
// the report model — the same `report/report.json` the HTML report renders (schema
// "mfx-report/1", built by BuildReportModel in report_model.h), so the two cannot disagree.
//
// Sections, each a PDF outline entry with a named destination: 1 Cover (identity, people,
// device identifiers, each exhibit's hash-list hash, the case database hash, the custody head,
// request and result, signature block) · Contents · 2 Authority and consent · 3 Evidence and
// device · 4 Acquisition or Registration · 5 Integrity and how to verify · 6 Processing (parser
// table, issues, time-zone statement) · 7 Findings summary · 8 one table per kind (landscape;
// above the model's cap "N of M shown; full list exports/<kind>.csv, SHA-256 …") · 9 Limitations
// · 10 Appendices (A custody log, B manifest reference, C validation, D certification template,
// E glossary, emoji code points and marked control characters). Every page carries
// "Case <no> · Report <id> r<rev> · Exhibit <id>" and "Page X of Y · Evidence SHA-256 <16 hex> ·
// <initials>"; the last page ends with an end-of-report mark.
//
// The root hash (manifest.sha256) is not printed: the manifest lists this PDF (CUSTODY §0).
//
// Evidence text is never cut silently: cells wrap (words, then anywhere), tall rows split across
// pages with "continued on page N"; bidi and other control characters are shown as ⟨U+202E⟩
// instead of being applied. Rows beyond the table's cap are not drawn and the cut is stated.
//
// PDF Info: Title (ASCII), Author (examiner), Creator (tool), CreationDate = the model's
// `generated` (so the same model gives the same dates — golden tests stay stable).
//
// Missing optional model fields print as "not recorded"; a model that is not an object or has
// another schema is refused (kInvalidArgument / kUnsupported). Fonts are checked first
// (pdf_layout.h RequiredFonts): kNotFound names the missing families and their packages.
// Thread-safety: none needed; each call builds its own font map.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "reports/report_writers.h"

namespace mfx::reports {

inline constexpr const char* kPdfReportPath = "report/report.pdf";

struct PdfOptions {
  // At most this many rows of one table are drawn (the model's own cap normally applies
  // first); beyond it the report says how many are shown and where the full list is.
  size_t max_table_rows = 5000;
  // A findings cell longer than this many characters (code points) is printed up to here and then
  // says how many characters follow and where the whole value is (the export and the row): a
  // 70,000-character message would otherwise fill some 45 pages in a narrow column. Never silent.
  size_t max_cell_chars = 12000;
  // Refuse to render when a required font family does not resolve (always on in mfx; tests of
  // the check itself turn it off to compare).
  bool check_fonts = true;
};

// Renders `model` to `out` (written beside it as "<out>.partial", then renamed; an existing
// file is replaced). On failure nothing is left at `out` or beside it.
Status RenderPdf(const nlohmann::json& model, const std::filesystem::path& out, const PdfOptions& options = {});

// Writes CASE/report/report.pdf (creating report/) and returns {"report/report.pdf"}.
Result<std::vector<std::string>> WritePdfReport(const ReportContext& ctx, const nlohmann::json& model);

}  // namespace mfx::reports
