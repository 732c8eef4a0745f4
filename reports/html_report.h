#pragma once
// report/report.html — one self-contained file (CUSTODY.md §8): inline CSS and vanilla JS, no
// external URL, a CSP meta tag that forbids every fetch (`default-src 'none'`), readable offline
// from read-only media.
//
// The summary parts (case, device, evidence and integrity, processing, findings, limitations,
// custody appendix) are static HTML rendered from the report model (report_model.h), so the HTML
// states exactly what report.json and the PDF state. The records come from the case database,
// uncapped: each kind's rows are embedded once as JSON in <script type="application/json"
// id="mfx-data-<kind>"> ('<', '>' and '&' written as \u003c, \u003e, \u0026) and the script
// renders only the visible page (search, sort and paging run on the arrays), so 200,000 messages
// stay interactive. Evidence text reaches the DOM only through textContent. Views: one table per
// kind, a conversation view for messages (by chat), a timeline of every timed record.
//
// Row layout in the embedded JSON (documented for tests and other readers):
//   {"kind", "title", "columns": [labels], "sources": [[file, table, decode_chain]], "chats":
//    [[key, name]] (messages), "rows": [[id, time_us|null, utc, local, parties, content,
//    source_index, rowid, deleted 0|1 (, chat_index, direction 0 in|1 out|2 other)]]}
//
// Deep links: report.html#view=<kind>|conversations|timeline&q=<search>&page=<n>&chat=<key>
// open a view with a search applied; the page reports its state in #mfx-status
// (data-ready-ms = milliseconds from navigation start to the first rendered view,
// data-view, data-total, data-matches) for tests and for the examiner.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "reports/report_writers.h"

namespace mfx::reports {

inline constexpr const char* kReportHtmlPath = "report/report.html";

// Writes report/report.html for `model` (which must be this revision's); returns its path.
Result<std::vector<std::string>> WriteHtmlReport(const ReportContext& ctx,
                                                 const nlohmann::json& model);

// Text for HTML element content and attribute values: & < > " ' escaped; bidi embedding,
// override and isolate controls (U+202A–202E, U+2066–2069) made visible as "⟨U+202E⟩".
std::string HtmlEscape(std::string_view text);

// A JSON string literal safe inside <script type="application/json">: JSON escapes plus
// < > & as \u003c \u003e \u0026 and U+2028/2029 escaped. `text` must be valid UTF-8.
void AppendScriptJsonString(std::string& out, std::string_view text);

}  // namespace mfx::reports
