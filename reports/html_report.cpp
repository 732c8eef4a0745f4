#include "reports/html_report.h"

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>

#include "core/sqlite_db.h"
#include "reports/html_assets.h"
#include "reports/record_schema.h"
#include "reports/report_model.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;

// Decodes one UTF-8 sequence at s[i] (valid input); returns its length and code point.
size_t Utf8At(std::string_view s, size_t i, uint32_t& cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  if (i + n > s.size()) n = s.size() - i;
  cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return n;
}

bool IsBidiControl(uint32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

std::string S(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return {};
  if (j.is_boolean()) return j.get<bool>() ? "yes" : "no";
  return j.dump();
}

std::string Get(const json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it == j.end() ? std::string() : S(*it);
}

std::string E(const json& j) { return HtmlEscape(S(j)); }
std::string E(const std::string& s) { return HtmlEscape(s); }

std::string Thousands(int64_t n) {
  std::string d = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) out += ',';
    out += d[i];
  }
  return n < 0 ? "-" + out : out;
}

int64_t Int(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// <table class="kv"> of label → value, leaving out empty values.
std::string Kv(const std::vector<std::pair<std::string, std::string>>& rows, bool mono_values = false) {
  std::string out = "<table class=\"kv\">";
  for (const auto& [k, v] : rows) {
    if (v.empty()) continue;
    out += "<tr><th>" + HtmlEscape(k) + "</th><td" + (mono_values ? " class=\"mono\"" : "") + ">" +
           HtmlEscape(v) + "</td></tr>";
  }
  return out + "</table>";
}

std::string Pill(const std::string& text, const char* cls) {
  return std::string("<span class=\"pill ") + cls + "\">" + HtmlEscape(text) + "</span>";
}

std::string Bytes(const json& v) {
  if (!v.is_number_integer()) return S(v);
  const auto n = v.get<int64_t>();
  std::string s = Thousands(n) + " bytes";
  if (n >= 1024 * 1024) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), " (%.1f MiB)", static_cast<double>(n) / (1024.0 * 1024.0));
    s += buf;
  }
  return s;
}

std::string CaseSection(const json& m) {
  const json& c = m["case"];
  const json& auth = m["authority"];
  std::string out = "<section id=\"summary\"><h2>Case and device</h2><div class=\"cards\">";
  out += "<div class=\"card\"><h3>Case</h3>" +
         Kv({{"Case number", Get(c, "case_number")},
             {"Report", Get(m, "report_id") + " revision " + Get(m, "revision")},
             {"Generated", Get(m, "generated")},
             {"Examiner", Get(c, "examiner")},
             {"Examiner ID", Get(c, "examiner_id")},
             {"Role", Get(c, "examiner_role")},
             {"Agency", Get(c, "agency")},
             {"Agency address", Get(c, "agency_address")},
             {"Requestor", Get(c, "requestor")},
             {"Location", Get(c, "location")},
             {"Description", Get(c, "description")},
             {"Authority", Get(auth, "basis")},
             {"Tool", Get(m["tool"], "name") + " " + Get(m["tool"], "version") + " (build " +
                          Get(m["tool"], "build") + ")"}}) +
         "</div>";
  for (const json& e : m["evidence"]) {
    const json& d = e["device"];
    std::string model = Get(d, "product_name");
    if (!Get(d, "product_type").empty()) {
      model += model.empty() ? Get(d, "product_type") : " (" + Get(d, "product_type") + ")";
    }
    out += "<div class=\"card\"><h3>Device — exhibit " + E(e["id"]) + "</h3>" +
           Kv({{"Device name", Get(d, "device_name")},
               {"Model", model},
               {"iOS", (Get(d, "ios_version") + " " + Get(d, "build_version"))},
               {"Serial number", Get(d, "serial_number")},
               {"UDID", Get(d, "udid")},
               {"IMEI", Get(d, "imei")},
               {"IMEI 2", Get(d, "imei2")},
               {"MEID", Get(d, "meid")},
               {"ICCID", Get(d, "iccid")},
               {"Phone number", Get(d, "phone_number")},
               {"Last backup", Get(e["backup"], "last_backup_date")},
               {"Encrypted backup", Get(e["encryption"], "was_encrypted")}}) +
           "</div>";
  }
  out += "</div>";
  out += "<h3>Authority</h3>";
  if (auth["consents"].empty()) {
    out += "<p class=\"banner warn\">No consent or other authorization is recorded in this case.</p>";
  } else {
    out += "<table class=\"list\"><thead><tr><th>Consent</th><th>Record</th><th>SHA-256</th>"
           "<th>Form</th><th>SHA-256</th><th>State</th></tr></thead><tbody>";
    for (const json& k : auth["consents"]) {
      out += "<tr><td>" + E(k["id"]) + "</td><td>" + E(k["record_path"]) + "</td><td class=\"hash\">" +
             E(k["record_sha256"]) + (k.value("record_sha256_matches", false) ? "" : " " + Pill("does not match", "bad")) +
             "</td><td>" + E(k["form_path"]) + "</td><td class=\"hash\">" + E(k["form_sha256"]) +
             "</td><td>" + (k.value("withdrawn", false) ? Pill("withdrawn", "bad") : Pill("given", "ok")) +
             "</td></tr>";
    }
    out += "</tbody></table>";
  }
  return out + "</section>";
}

// The custody appendix's one-line summary of the event at `seq`.
std::string SummaryOf(const json& m, const json& seq) {
  for (const json& c : m["custody"]) {
    if (c["seq"] == seq) return Get(c, "summary");
  }
  return {};
}

std::string EventTable(const json& m, const json& events, const char* empty) {
  if (!events.is_array() || events.empty()) return std::string("<p class=\"note\">") + empty + "</p>";
  std::string out = "<table class=\"list\"><thead><tr><th>Seq</th><th>Time (UTC, host)</th><th>Event</th>"
                    "<th>Exhibit</th><th>What was recorded</th></tr></thead><tbody>";
  for (const json& e : events) {
    const json detail = e.value("detail", json::object());
    out += "<tr><td class=\"num\">" + E(e["seq"]) + "</td><td class=\"nowrap\">" + E(e["time"]) + "</td><td>" +
           E(e["event"]) + "</td><td>" + E(e.value("evidence_id", json())) + "</td><td>" +
           HtmlEscape(SummaryOf(m, e["seq"])) +
           (detail.empty() ? std::string()
                           : "<details><summary>custody detail</summary><pre class=\"mono\">" +
                                 HtmlEscape(detail.dump(2)) + "</pre></details>") +
           "</td></tr>";
  }
  return out + "</tbody></table>";
}

// "last_backup_date" → "Last backup date" (labels of facts mfx itself names).
std::string Label(std::string key) {
  static const std::map<std::string, std::string> kLabels = {
      {"itunes_version", "iTunes/Finder version"}, {"is_full_backup", "Full backup"},
      {"manifest_format", "Manifest format"},       {"snapshot_state", "Snapshot state"},
      {"last_backup_date", "Last backup (UTC)"},    {"was_encrypted", "Encrypted backup"},
      {"files_encrypted", "Files encrypted"},       {"manifest_encrypted", "Manifest encrypted"},
      {"unlocked", "Unlocked with password"},       {"evidence", "Encryption evidence"}};
  const auto it = kLabels.find(key);
  if (it != kLabels.end()) return it->second;
  std::replace(key.begin(), key.end(), '_', ' ');
  if (!key.empty()) key[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[0])));
  return key;
}

std::string EvidenceSection(const json& m) {
  const json& integ = m["integrity"];
  std::string out = "<section id=\"evidence\"><h2>Evidence and integrity</h2>";
  out += "<table class=\"list\"><thead><tr><th>Exhibit</th><th>Kind</th><th>Location</th><th>Files</th>"
         "<th>Bytes</th><th>Registered (UTC)</th><th>Hash list</th><th>Hash-list SHA-256 (exhibit hash)</th>"
         "</tr></thead><tbody>";
  for (const json& e : m["evidence"]) {
    out += "<tr><td>" + E(e["id"]) + (Get(e, "root_id") != Get(e, "id") ? " (from " + E(e["root_id"]) + ")" : "") +
           "</td><td>" + E(e["kind"]) + "</td><td class=\"mono\">" + E(e["location"]) +
           "</td><td class=\"num\">" + HtmlEscape(Thousands(Int(e, "files"))) + "</td><td class=\"num\">" +
           HtmlEscape(Bytes(e["bytes"])) + "</td><td>" + E(e["registered"]) + "</td><td class=\"mono\">" +
           E(e["hash_list"]) + "</td><td class=\"hash\">" + E(e["hash_list_sha256"]) + "</td></tr>";
  }
  out += "</tbody></table>";
  const json& head = integ["custody_head"];
  out += "<div class=\"cards\" style=\"margin-top:.8rem\"><div class=\"card\"><h3>Integrity</h3>" +
         Kv({{"Case database", Get(integ["case_db"], "path") + " (" + Bytes(integ["case_db"]["bytes"]) + ")"},
             {"Database SHA-256", Get(integ["case_db"], "sha256")},
             {"Custody head", "seq " + Get(head, "seq") + " of " + Get(head, "lines") + " lines"},
             {"Head entry SHA-256", Get(head, "sha256")},
             {"Custody chain", integ.value("custody_chain_ok", false) ? "verifies" : "DOES NOT VERIFY"}}) +
         "<p class=\"note\">The root hash of the sealed case (manifest.sha256) cannot appear in a report the "
         "manifest lists; it is shown by mfx verify, the report_signed custody event and VERIFY.txt.</p>"
         "</div>";
  for (const json& e : m["evidence"]) {
    std::vector<std::pair<std::string, std::string>> kv;
    for (const auto& [k, v] : e["backup"].items()) {
      if (!v.is_null() && !v.is_object() && !v.is_array()) kv.emplace_back(Label(k), S(v));
    }
    for (const auto& [k, v] : e["encryption"].items()) {
      if (v.is_null() || v.is_object() || (v.is_array() && v.empty())) continue;
      std::string text = S(v);
      if (v.is_array()) {
        text.clear();
        for (const json& x : v) text += (text.empty() ? "" : ", ") + S(x);
      }
      kv.emplace_back(Label(k), text);
    }
    if (!Get(e, "custody_before_registration").empty()) {
      kv.emplace_back("Custody before registration", Get(e, "custody_before_registration"));
    }
    out += "<div class=\"card\"><h3>Backup — exhibit " + E(e["id"]) + "</h3>" + Kv(kv) + "</div>";
  }
  out += "</div>";
  out += "<h3>Verification history</h3>" +
         EventTable(m, integ["verifications"], "No re-hash of the exhibits is recorded.");
  out += "<h3>Acquisition and registration</h3>";
  json events = m["acquisition"];
  for (const json& e : m["registration"]) events.push_back(e);
  out += EventTable(m, events, "No acquisition or registration events.");
  return out + "</section>";
}

std::string ProcessingSection(const json& m) {
  const json& p = m["processing"];
  std::string out = "<section id=\"processing\"><h2>Processing</h2>";
  out += "<p class=\"banner\">" + E(p["timezone_statement"]) + "</p>";
  out += "<table class=\"list\"><thead><tr><th>Parser</th><th>Version</th><th>Status</th><th>Seconds</th>"
         "<th>Records</th><th>Inputs (path · SHA-256 · bytes)</th><th>Issues</th></tr></thead><tbody>";
  for (const json& r : p["parsers"]) {
    std::string counts;
    for (const auto& [k, v] : r["counts"].items()) {
      counts += (counts.empty() ? "" : "<br>") + HtmlEscape(k + ": " + S(v));
    }
    std::string inputs;
    for (const json& in : r["inputs"]) {
      inputs += "<div><span class=\"mono\">" + E(in["path"]) + "</span><br><span class=\"hash\">" + E(in["sha256"]) +
                "</span> · " + HtmlEscape(Thousands(Int(in, "size"))) + "</div>";
    }
    const std::string status = Get(r, "status");
    const char* cls = status == "ok" ? "ok" : status == "no input" ? "" : status == "failed" ? "bad" : "warn";
    std::string issues;
    const int64_t n_issues = Int(r, "issues_total");
    if (n_issues > 0) {
      issues = "<details><summary>" + HtmlEscape(Thousands(n_issues)) + "</summary><ul>";
      for (const json& i : r["issues"]) {
        issues += "<li>" + E(i["kind"]) + ": " + E(i["input"]) +
                  (Get(i, "table").empty() ? "" : " · " + E(i["table"])) +
                  (Get(i, "rowid").empty() ? "" : " · row " + E(i["rowid"])) + " — " + E(i["message"]) + "</li>";
      }
      issues += "</ul></details>";
    }
    char secs[32];
    std::snprintf(secs, sizeof(secs), "%.3f", r["seconds"].is_number() ? r["seconds"].get<double>() : 0.0);
    out += "<tr><td>" + E(r["name"]) + "</td><td>" + E(r["version"]) + "</td><td>" + Pill(status, cls) +
           (r["error"].is_string() ? "<br>" + E(r["error"]) : "") + "</td><td class=\"num\">" + secs +
           "</td><td>" + counts + "</td><td>" + inputs + "</td><td>" + issues + "</td></tr>";
  }
  out += "</tbody></table>";
  return out + "</section>";
}

std::string FindingsSection(const json& m) {
  std::string out = "<section id=\"findings\"><h2>Findings summary</h2>";
  const json& f = m["findings"];
  out += "<table class=\"list\" style=\"max-width:1100px\"><thead><tr><th>Kind</th><th>Records</th>"
         "<th>Of which deleted</th><th>Full list (export and its SHA-256)</th></tr></thead><tbody>";
  for (const json& t : m["tables"]) {
    const std::string kind = Get(t, "kind");
    out += "<tr><td><a href=\"#view=" + HtmlEscape(kind) + "\">" + E(t["title"]) + "</a></td><td class=\"num\">" +
           HtmlEscape(Thousands(Int(t, "total"))) + "</td><td class=\"num\">" +
           HtmlEscape(Thousands(Int(f["deleted"], kind.c_str()))) + "</td><td class=\"mono\">" +
           (t["export"].is_string() ? E(t["export"]) + "<br><span class=\"hash\">" + E(t["export_sha256"]) + "</span>"
                                    : std::string("artifacts.sqlite, table ") + E(kind)) +
           "</td></tr>";
  }
  out += "<tr><th>Total</th><td class=\"num\"><b>" + HtmlEscape(Thousands(Int(f, "total"))) +
         "</b></td><td></td><td></td></tr></tbody></table>";
  return out + "</section>";
}

std::string LimitationsSection(const json& m) {
  std::string out = "<section id=\"limitations\"><h2>Limitations</h2><ul class=\"limits\">";
  for (const json& l : m["limitations"]) out += "<li>" + E(l) + "</li>";
  return out + "</ul></section>";
}

std::string CustodySection(const json& m) {
  std::string out = "<section id=\"custody\"><h2>Appendix A — Custody log</h2>";
  out += "<p class=\"note\">custody.jsonl as read when this report was generated: each line carries the "
         "SHA-256 of the previous one. Events after this report (report_generated, sealing, later "
         "verification) are in the log itself.</p>";
  out += "<table class=\"list\"><thead><tr><th>Seq</th><th>Time (UTC, host)</th><th>Event</th><th>Actor</th>"
         "<th>Summary</th><th>Entry SHA-256</th></tr></thead><tbody>";
  for (const json& e : m["custody"]) {
    out += "<tr><td class=\"num\">" + E(e["seq"]) + "</td><td class=\"nowrap\">" + E(e["time"]) + "</td><td>" +
           E(e["event"]) + "</td><td>" + E(e["actor"]) + "</td><td>" + E(e["summary"]) + "</td><td class=\"hash\">" +
           E(e["entry_sha256"]) + "</td></tr>";
  }
  return out + "</tbody></table></section>";
}

// Streams one kind's rows as the embedded JSON of html_report.h.
Status WriteKindData(ReportOutput& out, const core::SqliteDb& db, const KindInfo& kind,
                     const ReportContext& ctx, int64_t& timed) {
  out.Write("<script type=\"application/json\" id=\"mfx-data-");
  out.Write(kind.kind);
  out.Write("\">{\"kind\":");
  std::string buf;
  AppendScriptJsonString(buf, kind.kind);
  buf += ",\"title\":";
  AppendScriptJsonString(buf, KindTitle(kind.kind));
  buf += ",\"columns\":[";
  const json cols = TableColumns(kind.kind, ctx.zone.name());
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) buf += ',';
    AppendScriptJsonString(buf, cols[i]["label"].get<std::string>());
  }
  buf += "],\"rows\":[";
  out.Write(buf);
  std::map<std::string, int> sources;
  std::vector<std::array<std::string, 3>> source_list;
  std::unordered_map<std::string, int> chats;
  std::vector<std::pair<std::string, std::string>> chat_list;
  const bool messages = kind.kind == "messages";
  MFX_ASSIGN_OR_RETURN(auto reader, ReportRowReader::Open(db, kind, ctx.zone));
  ReportRow r;
  bool first = true;
  for (;;) {
    MFX_ASSIGN_OR_RETURN(bool have, reader.Next(r));
    if (!have) break;
    // The decode chain is the part of `source` after file · table · row.
    std::string chain;
    {
      std::string prefix = r.source_file;
      if (!r.source_table.empty()) prefix += " · " + r.source_table;
      if (!r.source_rowid.empty()) prefix += (r.source_table.empty() ? " · key " : " · row ") + r.source_rowid;
      if (r.source.size() > prefix.size() + 4) chain = r.source.substr(prefix.size() + 4);
    }
    const std::string skey = r.source_file + '\0' + r.source_table + '\0' + chain;
    auto [sit, snew] = sources.emplace(skey, static_cast<int>(source_list.size()));
    if (snew) source_list.push_back({r.source_file, r.source_table, chain});
    buf.clear();
    if (!first) buf += ",\n";
    first = false;
    buf += '[';
    buf += std::to_string(r.id);
    buf += ',';
    if (r.time_us) {
      buf += std::to_string(*r.time_us);
      ++timed;
    } else {
      buf += "null";
    }
    for (const std::string* s : {&r.utc, &r.local, &r.parties, &r.content}) {
      buf += ',';
      AppendScriptJsonString(buf, *s);
    }
    buf += ',' + std::to_string(sit->second) + ',';
    AppendScriptJsonString(buf, r.source_rowid);
    buf += r.deleted ? ",1" : ",0";
    if (messages) {
      auto [cit, cnew] = chats.emplace(r.chat, static_cast<int>(chat_list.size()));
      if (cnew) chat_list.emplace_back(r.chat, r.chat_name);
      if (!cnew && chat_list[cit->second].second.empty()) chat_list[cit->second].second = r.chat_name;
      buf += ',' + std::to_string(cit->second) + ',';
      buf += r.direction == "incoming" ? '0' : r.direction == "outgoing" ? '1' : '2';
    }
    buf += ']';
    out.Write(buf);
  }
  buf = "],\n\"sources\":[";
  for (size_t i = 0; i < source_list.size(); ++i) {
    if (i) buf += ',';
    buf += '[';
    AppendScriptJsonString(buf, source_list[i][0]);
    buf += ',';
    AppendScriptJsonString(buf, source_list[i][1]);
    buf += ',';
    AppendScriptJsonString(buf, source_list[i][2]);
    buf += ']';
  }
  buf += ']';
  if (messages) {
    buf += ",\"chats\":[";
    for (size_t i = 0; i < chat_list.size(); ++i) {
      if (i) buf += ',';
      buf += '[';
      AppendScriptJsonString(buf, chat_list[i].first);
      buf += ',';
      AppendScriptJsonString(buf, chat_list[i].second);
      buf += ']';
    }
    buf += ']';
  }
  buf += "}</script>\n";
  out.Write(buf);
  return {};
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; ++i; continue;
      case '<': out += "&lt;"; ++i; continue;
      case '>': out += "&gt;"; ++i; continue;
      case '"': out += "&quot;"; ++i; continue;
      case '\'': out += "&#39;"; ++i; continue;
      default: break;
    }
    uint32_t cp = 0;
    const size_t n = Utf8At(text, i, cp);
    if (IsBidiControl(cp)) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "\u27E8U+%04X\u27E9", cp);
      out += buf;
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

void AppendScriptJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    char buf[8];
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '<': out += "\\u003c"; ++i; continue;
      case '>': out += "\\u003e"; ++i; continue;
      case '&': out += "\\u0026"; ++i; continue;
      default: break;
    }
    if (c < 0x20) {
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
      ++i;
      continue;
    }
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(text[i + 2]) == 0xA8 || static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 3;
      continue;
    }
    out += static_cast<char>(c);
    ++i;
  }
  out += '"';
}

Result<std::vector<std::string>> WriteHtmlReport(const ReportContext& ctx, const json& model) {
  MFX_ASSIGN_OR_RETURN(auto db, core::SqliteDb::OpenReadOnly(ctx.case_db, "case database"));
  MFX_ASSIGN_OR_RETURN(auto out, ReportOutput::Create(ctx, kReportHtmlPath));
  const json& c = model["case"];
  const std::string title = "Case " + Get(c, "case_number") + " · Report " + Get(model, "report_id") + " r" +
                            Get(model, "revision");
  out.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
  out.Write(
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src "
      "'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n");
  out.Write("<meta name=\"referrer\" content=\"no-referrer\">\n");
  out.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
  out.Write("<meta name=\"generator\" content=\"mfx " + HtmlEscape(Get(model["tool"], "version")) + "\">\n");
  out.Write("<title>" + HtmlEscape(title) + "</title>\n<style>");
  out.Write(kHtmlReportCss);
  out.Write("</style>\n</head>\n<body>\n");
  out.Write("<header class=\"top\"><span class=\"title\">" + HtmlEscape(title) + "</span><span class=\"meta\">" +
            HtmlEscape("generated " + Get(model, "generated") + " · " + Get(model["tool"], "name") + " " +
                       Get(model["tool"], "version") + " (" + Get(model["tool"], "build") + ")") +
            "</span><span class=\"meta\">" +
            HtmlEscape("times: UTC and " + Get(model, "display_zone") +
                       (Get(model, "tzdata").empty() ? "" : " (tzdata " + Get(model, "tzdata") + ")")) +
            "</span></header>\n");
  out.Write(
      "<nav class=\"toc\"><a href=\"#summary\">Case and device</a><a href=\"#evidence\">Evidence and "
      "integrity</a><a href=\"#processing\">Processing</a><a href=\"#findings\">Findings</a><a "
      "href=\"#records\">Records</a><a href=\"#limitations\">Limitations</a><a href=\"#custody\">Custody "
      "log</a></nav>\n<main>\n");
  out.Write("<h1>Forensic examination report — iOS logical backup</h1>\n");
  out.Write("<p class=\"banner\">Every time is shown twice: in UTC (suffix Z) and in " +
            HtmlEscape(Get(model, "display_zone")) +
            " with the offset that applied at that moment. Every record names its source: file in the "
            "backup, table and row. This file is self-contained and makes no network requests.</p>\n");
  out.Write(CaseSection(model));
  out.Write(EvidenceSection(model));
  out.Write(ProcessingSection(model));
  out.Write(FindingsSection(model));
  out.Write(
      "<section id=\"records\"><h2>Records</h2><p class=\"note\">All records of the case database, "
      "uncapped. Click a column heading to sort; the search matches text, parties, source and times. "
      "Deleted (recovered) records are tinted.</p><div id=\"mfx-tabs\" class=\"tabs\"></div><div "
      "id=\"mfx-views\"></div><noscript><p class=\"banner warn\">The records viewer needs JavaScript; "
      "the same records are in exports/ and artifacts.sqlite.</p></noscript>"
      "<div id=\"mfx-status\" hidden></div></section>\n");
  out.Write(LimitationsSection(model));
  out.Write(CustodySection(model));
  out.Write("</main>\n<footer class=\"end\">End of report " + HtmlEscape(Get(model, "report_id")) + " revision " +
            HtmlEscape(Get(model, "revision")) + " · case database SHA-256 " +
            HtmlEscape(Get(model["integrity"]["case_db"], "sha256")) + " · custody head seq " +
            HtmlEscape(Get(model["integrity"]["custody_head"], "seq")) + " " +
            HtmlEscape(Get(model["integrity"]["custody_head"], "sha256")) + "</footer>\n");

  int64_t timed = 0;
  json kinds = json::array();
  for (const KindInfo& k : AllKinds()) {
    MFX_ASSIGN_OR_RETURN(int64_t n, db->QueryInt("SELECT count(*) FROM \"" + k.kind + "\""));
    if (n == 0) continue;
    MFX_RETURN_IF_ERROR(WriteKindData(out, *db, k, ctx, timed));
    kinds.push_back({{"kind", k.kind}, {"title", KindTitle(k.kind)}, {"total", n}});
  }
  const json meta = {{"zone", ctx.zone.name()},
                     {"report_id", Get(model, "report_id")},
                     {"kinds", kinds},
                     {"timed", timed}};
  // meta holds mfx's own strings and the zone name, escaped like the record data all the same.
  std::string meta_text;
  for (char ch : meta.dump()) {
    if (ch == '<') meta_text += "\\u003c";
    else if (ch == '>') meta_text += "\\u003e";
    else if (ch == '&') meta_text += "\\u0026";
    else meta_text += ch;
  }
  out.Write("<script type=\"application/json\" id=\"mfx-meta\">" + meta_text + "</script>\n<script>");
  out.Write(kHtmlReportJs);
  out.Write("</script>\n</body>\n</html>\n");
  MFX_ASSIGN_OR_RETURN(std::string rel, out.Close());
  return std::vector<std::string>{rel};
}

}  // namespace mfx::reports
