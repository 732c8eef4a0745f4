// report/report.html: the summary values of the model, self-containment (CSP, no external
// URL), hostile text rendered as text, and the records viewer in headless Chromium on a small case
// and on 200,000 messages (counts against the case database, search, load time, screenshot).
#include <chrono>
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "core/file_util.h"
#include "reports/html_report.h"
#include "reports/report_model.h"
#include "tests/reports/report_model_fixtures.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
using testing::DomAttribute;
using testing::ReadAllText;
using testing::ReadJsonFile;
using testing::TempDir;
namespace fs = std::filesystem;

#define MFX_REQUIRE_CHROMIUM()                                   \
  do {                                                           \
    if (!testing::HaveChromium()) {                              \
      WARN("SKIPPED: /usr/bin/chromium is not installed");       \
      return;                                                    \
    }                                                            \
  } while (0)

std::string Thousands(int64_t n) {
  std::string d = std::to_string(n), out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) out += ',';
    out += d[i];
  }
  return out;
}

// The HTML outside the embedded JSON blocks (where every tag and attribute lives).
std::string Markup(const std::string& html) {
  std::string out;
  size_t at = 0;
  for (;;) {
    const size_t start = html.find("<script type=\"application/json\"", at);
    if (start == std::string::npos) break;
    out.append(html, at, start - at);
    const size_t end = html.find("</script>", start);
    REQUIRE(end != std::string::npos);
    at = end + 9;
  }
  out.append(html, at, std::string::npos);
  return out;
}

TEST_CASE("report.html states the model's summary values and is self-contained", "[reports][html]") {
  const auto& c = testing::SharedAnalyzedCase();
  const std::string html = ReadAllText(c.case_dir / "report" / "report.html");
  const json m = ReadJsonFile(c.case_dir / "report" / "report.json");
  // Values an examiner reads off the first screens, as report.json states them.
  std::vector<std::string> expected = {
      m["case"]["case_number"], m["case"]["examiner"], m["report_id"],
      m["integrity"]["case_db"]["sha256"], m["integrity"]["custody_head"]["sha256"],
      m["evidence"][0]["hash_list_sha256"], m["tool"]["version"], "Europe/Berlin"};
  for (const char* f : {"udid", "serial_number", "imei", "product_type", "ios_version", "device_name"}) {
    const json& v = m["evidence"][0]["device"][f];
    if (v.is_string()) expected.push_back(v);
  }
  for (const json& p : m["processing"]["parsers"]) expected.push_back(p["name"]);
  for (const json& e : m["custody"]) expected.push_back(e["entry_sha256"]);
  for (const auto& v : expected) {
    INFO(v);
    CHECK(html.find(HtmlEscape(v)) != std::string::npos);
  }
  // Counts per kind in the findings table.
  for (const json& t : m["tables"]) {
    CHECK(html.find("href=\"#view=" + t["kind"].get<std::string>() + "\"") != std::string::npos);
  }
  // One file, no fetches: the CSP forbids them and no tag points anywhere.
  CHECK(html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src "
                  "'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">") != std::string::npos);
  const std::string markup = Markup(html);
  for (const char* attr : {"src=\"", "href=\"", "src='", "href='", "url("}) {
    for (const char* scheme : {"http:", "https:", "//", "file:", "ftp:"}) {
      INFO(attr << scheme);
      CHECK(markup.find(std::string(attr) + scheme) == std::string::npos);
    }
  }
  CHECK(markup.find("<link") == std::string::npos);
  CHECK(markup.find("@import") == std::string::npos);
  // Each kind's rows embedded once.
  for (const json& t : m["tables"]) {
    const std::string id = "id=\"mfx-data-" + t["kind"].get<std::string>() + "\"";
    const size_t first = html.find(id);
    CHECK(first != std::string::npos);
    CHECK(html.find(id, first + 1) == std::string::npos);
  }
}

TEST_CASE("report.html renders in headless Chromium with the database's counts", "[reports][html]") {
  MFX_REQUIRE_CHROMIUM();
  const auto& c = testing::SharedAnalyzedCase();
  const fs::path html = c.case_dir / "report" / "report.html";
  const fs::path db = c.case_dir / "artifacts.sqlite";
  const int64_t messages = testing::QueryInt(db, "SELECT count(*) FROM messages");
  REQUIRE(messages > 0);
  const auto run = testing::RunChromium(html, "#view=messages");
  REQUIRE(run.rc == 0);
  CHECK_FALSE(DomAttribute(run.dom, "mfx-status", "data-ready-ms").empty());
  CHECK(DomAttribute(run.dom, "mfx-status", "data-view") == "messages");
  CHECK(DomAttribute(run.dom, "mfx-status", "data-total") == std::to_string(messages));
  CHECK(run.dom.find("of " + Thousands(messages) + "</span>") != std::string::npos);
  // Every tab shows its kind's count.
  const json m = ReadJsonFile(c.case_dir / "report" / "report.json");
  for (const json& t : m["tables"]) {
    INFO(t["kind"]);
    CHECK(run.dom.find(t["title"].get<std::string>() + "<span class=\"count\">" +
                       Thousands(t["total"].get<int64_t>()) + "</span>") != std::string::npos);
  }
  // A search for a word of the messages finds the rows whose text holds it (a word that no
  // other column holds, so SQL over the text alone is the expected count).
  auto d = core::SqliteDb::OpenReadOnly(db);
  REQUIRE(d);
  auto st = (*d)->Prepare("SELECT text FROM messages WHERE text IS NOT NULL ORDER BY id");
  REQUIRE(st);
  std::string needle;
  int64_t matches = 0;
  while (needle.empty() && *st->Step()) {
    const std::string text(st->Text(0));
    static const std::regex kWord("[A-Za-z]{5,}");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kWord);
         it != std::sregex_iterator(); ++it) {
      std::string w = it->str();
      for (char& ch : w) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      const int64_t elsewhere = testing::QueryInt(
          db, "SELECT count(*) FROM messages WHERE instr(lower(coalesce(party,'') || ' ' || coalesce(chat,'') || ' ' || "
              "coalesce(chat_name,'') || ' ' || src_domain || '/' || src_path || ' ' || coalesce(attachments,'') || ' ' || "
              "coalesce(reaction,'') || ' ' || service || ' ' || coalesce(message_type,'') || ' ' || coalesce(src_table,'') "
              "|| ' ' || coalesce(src_decode_chain,'')), '" + w + "') > 0");
      static const std::set<std::string> kLabels = {"deleted", "intact", "recovered", "attachment", "location",
                                                    "reaction", "edited", "unsent", "unknown"};
      if (elsewhere != 0 || kLabels.count(w)) continue;
      needle = w;
      matches = testing::QueryInt(db, "SELECT count(*) FROM messages WHERE instr(lower(text), '" + w + "') > 0");
      break;
    }
  }
  REQUIRE_FALSE(needle.empty());
  const auto searched = testing::RunChromium(html, "#view=messages&q=" + needle);
  REQUIRE(searched.rc == 0);
  INFO("search: " << needle);
  CHECK(DomAttribute(searched.dom, "mfx-status", "data-matches") == std::to_string(matches));
  // The conversation view and the timeline render too.
  const auto conv = testing::RunChromium(html, "#view=conversations");
  CHECK(DomAttribute(conv.dom, "mfx-status", "data-view") == "conversations");
  CHECK(conv.dom.find("class=\"msg") != std::string::npos);
  const auto tl = testing::RunChromium(html, "#view=timeline");
  CHECK(DomAttribute(tl.dom, "mfx-status", "data-view") == "timeline");
  int64_t timed = 0;
  for (const json& t : m["tables"]) {
    timed += testing::QueryInt(db, "SELECT count(*) FROM \"" + t["kind"].get<std::string>() + "\" WHERE time_us IS NOT NULL");
  }
  CHECK(DomAttribute(tl.dom, "mfx-status", "data-total") == std::to_string(timed));
  // Screenshots for a human look (build tree).
  const fs::path shots = testing::BuildTreeDir() / "html-screenshots";
  fs::create_directories(shots);
  CHECK(testing::RunChromium(html, "", shots / "small-summary.png").rc == 0);
  CHECK(testing::RunChromium(html, "#view=messages", shots / "small-messages.png", "1440,2400").rc == 0);
  CHECK(testing::RunChromium(html, "#view=conversations", shots / "small-conversations.png", "1440,2400").rc == 0);
}

TEST_CASE("hostile message text is shown as text and never runs", "[reports][html]") {
  TempDir tmp;
  testing::SyntheticOptions o;
  o.messages = 3;
  const std::string img = "<img src=x onerror=\"document.title='pwned-img'\">";
  const std::string close = "</script><script>document.title='pwned-script'</script>";
  const std::string comment = "<!-- <script>document.title='pwned-comment'</script>";
  const std::string bidi = "file\xE2\x80\xAEgnp.exe";  // U+202E RIGHT-TO-LEFT OVERRIDE
  o.extra_texts = {img, close, comment, bidi, "line\u2028separator & \"quote\""};
  auto c = testing::MakeSyntheticCase(tmp / "CASE", o);
  testing::WriteReports(c, {"html"});
  const fs::path html = c.case_dir / "report" / "report.html";
  const std::string text = ReadAllText(html);
  // In the file: escaped inside the JSON block, no raw markup of it anywhere.
  CHECK(text.find("onerror=\\\"document.title") != std::string::npos);
  CHECK(text.find("\\u003cimg src=x") != std::string::npos);
  CHECK(text.find("<img src=x") == std::string::npos);
  CHECK(text.find("</script><script>document.title") == std::string::npos);
  MFX_REQUIRE_CHROMIUM();
  for (const std::string& q : {std::string("onerror"), std::string("pwned-script"), std::string("pwned-comment")}) {
    const auto run = testing::RunChromium(html, "#view=messages&q=" + q);
    REQUIRE(run.rc == 0);
    INFO(q);
    CHECK(DomAttribute(run.dom, "mfx-status", "data-matches") == "1");
    CHECK(run.dom.find("pwned") != std::string::npos);         // the text is there …
    CHECK(run.dom.find("<title>pwned") == std::string::npos);  // … and did nothing
    CHECK(run.dom.find("<img src=\"x\"") == std::string::npos);
    CHECK(run.dom.find("<img src=x") == std::string::npos);
  }
  const auto run = testing::RunChromium(html, "#view=messages&q=img%20src");
  // The dumped DOM serialises text nodes escaped: the payload is a text node in a cell.
  CHECK(run.dom.find("&lt;img src=x onerror=\"document.title='pwned-img'\"&gt;") != std::string::npos);
  const auto b = testing::RunChromium(html, "#view=messages&q=gnp.exe");
  CHECK(b.dom.find("file\u27E8U+202E\u27E9gnp.exe") != std::string::npos);
}

TEST_CASE("200,000 messages: the report loads, counts and searches in headless Chromium",
          "[reports][html][large]") {
  TempDir tmp;
  testing::SyntheticOptions o;
  o.messages = 200000;
  o.chats = 400;
  o.needle_every = 997;
  o.contacts = 500;
  o.calls = 2000;
  o.photos = 300;
  const auto t0 = std::chrono::steady_clock::now();
  auto c = testing::MakeSyntheticCase(tmp / "CASE", o);
  const auto t1 = std::chrono::steady_clock::now();
  auto zone = core::TimeZone::Load("Europe/Berlin");
  REQUIRE(zone);
  const auto written = testing::WriteReports(c, {"html"}, *zone);
  const auto t2 = std::chrono::steady_clock::now();
  CHECK(written == std::vector<std::string>{"report/report.json", "report/report.html"});
  const fs::path html = c.case_dir / "report" / "report.html";
  const auto html_bytes = fs::file_size(html);
  const json m = ReadJsonFile(c.case_dir / "report" / "report.json");
  CHECK(m["findings"]["counts"]["messages"] == 200000);
  for (const json& t : m["tables"]) {
    if (t["kind"] == "messages") {
      CHECK(t["shown"] == kDefaultTableCap);  // the model is capped, the HTML is not
      CHECK(t["note"].get<std::string>().rfind("5000 of 200000 shown; ", 0) == 0);
    }
  }
  MFX_REQUIRE_CHROMIUM();
  const auto load = testing::RunChromium(html, "");
  REQUIRE(load.rc == 0);
  const std::string ready = DomAttribute(load.dom, "mfx-status", "data-ready-ms");
  REQUIRE_FALSE(ready.empty());
  CHECK(DomAttribute(load.dom, "mfx-status", "data-view") == "messages");
  CHECK(DomAttribute(load.dom, "mfx-status", "data-total") == "200000");
  CHECK(load.dom.find("Showing 1\u2013100 of 200,000</span>") != std::string::npos);
  // Only the visible page is in the DOM.
  size_t rows = 0;
  for (size_t at = load.dom.find("<tr"); at != std::string::npos; at = load.dom.find("<tr", at + 3)) ++rows;
  CHECK(rows < 2000);
  const auto search = testing::RunChromium(html, "#view=messages&q=needle-7f3a");
  REQUIRE(search.rc == 0);
  CHECK(DomAttribute(search.dom, "mfx-status", "data-matches") == std::to_string(c.needles));
  const auto sorted_tl = testing::RunChromium(html, "#view=timeline&q=needle-7f3a");
  CHECK(DomAttribute(sorted_tl.dom, "mfx-status", "data-matches") == std::to_string(c.needles));
  const fs::path shots = testing::BuildTreeDir() / "html-screenshots";
  fs::create_directories(shots);
  const auto shot = testing::RunChromium(html, "#view=messages", shots / "large-messages.png");
  CHECK(shot.rc == 0);
  CHECK(fs::exists(shots / "large-messages.png"));
  const double db_s = std::chrono::duration<double>(t1 - t0).count();
  const double write_s = std::chrono::duration<double>(t2 - t1).count();
  WARN("200k messages: case db " << db_s << " s; report.json + report.html written in " << write_s
                                 << " s; report.html " << html_bytes / (1024 * 1024) << " MiB; Chromium: first view ready "
                                 << ready << " ms after navigation start (script "
                                 << DomAttribute(load.dom, "mfx-status", "data-script-ms") << " ms), whole headless run "
                                 << load.wall_ms << " ms; search run " << search.wall_ms
                                 << " ms (script " << DomAttribute(search.dom, "mfx-status", "data-script-ms") << " ms)");
  // Times are printed, not asserted (speed targets live in scripts/bench; the target is < 3 s on a
  // desk). What keeps the page responsive is asserted above: only the visible page is in the DOM.
}

TEST_CASE("HtmlEscape and AppendScriptJsonString", "[reports][html]") {
  CHECK(HtmlEscape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  CHECK(HtmlEscape("a\xE2\x80\xAE" "b\xE2\x81\xA6" "c") == "a\u27E8U+202E\u27E9b\u27E8U+2066\u27E9c");
  CHECK(HtmlEscape("ümlaut ✓ 👋 עברית") == "ümlaut ✓ 👋 עברית");
  std::string out;
  AppendScriptJsonString(out, "</script>&\"\\\n\x01\xE2\x80\xA8");
  CHECK(out == "\"\\u003c/script\\u003e\\u0026\\\"\\\\\\n\\u0001\\u2028\"");
  CHECK(json::parse(out) == "</script>&\"\\\n\x01\xE2\x80\xA8");
}

}  // namespace
}  // namespace mfx::reports
