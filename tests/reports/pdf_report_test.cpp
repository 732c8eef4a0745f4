// The PDF report of a small hand-built model (tests/reports/pdf_fixtures.h), read back with
// poppler-utils: cover values, section titles, running header and footer on every page, the
// capped-table sentence, outline destinations, metadata, embedded fonts, every page rendering.
// Expected strings come from the fixture, written by hand from the model schema.

#include <catch2/catch.hpp>

#include <fstream>

#include "reports/case_folder.h"
#include "reports/pdf_layout.h"
#include "reports/pdf_report.h"
#include "tests/reports/pdf_fixtures.h"
#include "tests/reports/pdf_tools.h"
#include "tests/test_support.h"

namespace mfx::testing {
namespace {

namespace fs = std::filesystem;
using namespace pdf_fixtures;
using namespace pdf_tools;

const std::string kHeader = "Case 2026-0042 \u00B7 Report 2026-0042-R r1 \u00B7 Exhibit E-01";

std::string Footer(int page, int pages) {
  return "Page " + std::to_string(page) + " of " + std::to_string(pages) + " \u00B7 Evidence SHA-256 " +
         kExhibitHash.substr(0, 16) + " \u00B7 JQD";
}

TEST_CASE("PDF report: every page has the header, Page X of Y and the evidence hash", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(SmallModel(), dir.path());
  const std::vector<std::string> pages = Pages(pdf);
  const int n = PageCount(pdf);
  REQUIRE(n >= 8);
  REQUIRE(static_cast<int>(pages.size()) == n);
  for (int p = 0; p < n; ++p) {
    INFO("page " << p + 1 << ":\n" << pages[p]);
    CHECK(pages[p].find(kHeader) != std::string::npos);
    CHECK(pages[p].find(Footer(p + 1, n)) != std::string::npos);
    // The end-of-report mark closes the last page and only it.
    CHECK((pages[p].find("End of report 2026-0042-R r1") != std::string::npos) == (p == n - 1));
  }
}

TEST_CASE("PDF report: the cover states identity, people, device and the integrity values", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(SmallModel(), dir.path());
  const std::vector<std::string> pages = Pages(pdf);
  const std::string cover = pages.at(0);
  INFO(cover);
  for (const std::string& s :
       {std::string("Forensic Examination Report"), std::string("2026-0042-R, revision 1"),
        std::string("2026-03-14T09:41:07.512Z (UTC)"), std::string("2026-03-14 10:41:07 +01:00 (Europe/Berlin)"),
        std::string("Jane Q. Doe (id DF-117)"), std::string("Example County Digital Forensics Unit"),
        std::string("12 Harbour Road, Example City"), std::string("Det. Sam Okafor, Example County Police"),
        std::string("mfx 0.1.0 (build abc123def456)"), std::string("Alex's iPhone"), std::string("iPhone12,1"),
        std::string("iOS 17.4.1 (21E237)"), std::string("F2LXK0QJHG7F"), std::string("00008030-001A2B3C4D5E802E"),
        std::string("356789104512345"), std::string("356789104598765"), std::string("8949020000012345678"),
        std::string("+49 151 23456789"), kExhibitHash, kDbHash, kHeadHash,
        std::string("Custody log head, entry 14 SHA-256"), std::string("Request and result"),
        std::string("Signature: ____")}) {
    CHECK(cover.find(s) != std::string::npos);
  }
  // The request/result paragraph, as one sentence however it wraps.
  const std::string squashed = Squash(cover);
  CHECK(squashed.find("Requested by Det. Sam Okafor, Example County Police. Jane Q. Doe registered exhibit E-01") !=
        std::string::npos);
  CHECK(squashed.find("The parsers recorded 9 records of 2 kinds (section 7).") != std::string::npos);
  CHECK(squashed.find("1 parser did not complete normally (section 6).") != std::string::npos);
  // No root hash: the manifest lists the PDF (CUSTODY §0) — and the cover says so.
  CHECK(squashed.find("The root hash of the case (manifest.sha256) is not printed here") != std::string::npos);
}

TEST_CASE("PDF report: sections in order, each an outline entry with a destination", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(SmallModel(), dir.path());
  const std::string text = Squash(Run("pdftotext -enc UTF-8 " + ShellQuote(pdf.string()) + " -"));
  // Headings in reading order (after the contents page, which lists them too).
  const std::vector<std::string> headings = {
      "2 Authority and consent", "3 Evidence and device", "Exhibit E-01", "4 Registration",
      "5 Integrity and how to verify", "6 Processing", "7 Findings summary", "8 Findings by kind",
      "8.1 Messages (SMS/iMessage)", "8.2 Calls", "9 Limitations", "10 Appendices", "A Custody log",
      "B Manifest reference", "C Validation", "D Certification template", "E Glossary, emoji and control characters"};
  size_t at = text.find("Contents");
  REQUIRE(at != std::string::npos);
  at = text.find("E Glossary, emoji and control characters", at);  // the last contents line
  REQUIRE(at != std::string::npos);
  for (const auto& h : headings) {
    const size_t next = text.find(h, at + 1);
    INFO(h);
    CHECK(next != std::string::npos);
    if (next != std::string::npos) at = next;
  }
  const auto dests = Dests(pdf);
  for (const char* d : {"s1", "s2", "s3", "s3-0", "s4", "s5", "s6", "s7", "s8", "s8-0", "s8-1", "s9", "s10", "aA",
                        "aB", "aC", "aD", "aE"}) {
    INFO(d);
    CHECK(dests.count(d) == 1);
  }
  CHECK(dests.at("s1") == 1);
  // The outline: cairo writes plain ASCII titles as literal strings (others as UTF-16).
  const std::string bytes = ReadFileBytes(pdf);
  for (const char* t : {"/Title (1 Cover)", "/Title (2 Authority and consent)", "/Title (8.2 Calls)",
                        "/Title (A Custody log)", "/Title (10 Appendices)", "/Outlines"}) {
    INFO(t);
    CHECK(bytes.find(t) != std::string::npos);
  }
  // The contents page numbers agree with the destinations.
  const std::vector<std::string> pages = Pages(pdf);
  const std::string contents = pages.at(1);
  INFO(contents);
  CHECK(contents.find("Contents") != std::string::npos);
  const auto numbers = NumbersAfter(Squash(contents), "6 Processing ");
  REQUIRE(numbers.size() == 1);
  CHECK(numbers[0] == dests.at("s6"));
}

TEST_CASE("PDF report: section contents from the model", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(SmallModel(), dir.path());
  const std::string text = Squash(Run("pdftotext -enc UTF-8 " + ShellQuote(pdf.string()) + " -"));
  for (const std::string& s : {
           // 2: consent record with hashes
           std::string("CF-77"), std::string("consent/CF-77.json"),
           std::string("11aa22bb33cc44dd55ee66ff77889900aabbccddeeff00112233445566778899"),
           std::string("Alex Example"),
           // 3: exhibit and backup
           std::string("ingested backup (made outside mfx)"), std::string("5,120,339,968 bytes (4.77 GiB)"),
           std::string("18,234"), std::string("Snapshot/link-to-elsewhere (symlink)"),
           // 4: acquisition and registration merged by seq
           std::string("decryption_opened"), std::string("evidence_registered"),
           // 5: how to verify
           std::string("mfx verify --case <case folder>"), std::string("sha256sum --strict --quiet -c manifest.sha256"),
           std::string("sha256sum evidence/E-01.sha256"), std::string("VERIFY.txt"),
           std::string("all 18234 files equal"),
           // 6: parsers, inputs with SHA-256, failures, unsupported schema, time-zone statement
           std::string("sms (3)"), std::string("whatsapp (2)"), std::string("unsupported"),
           std::string("ChatStorage.sqlite: unknown schema (ZWAMESSAGE has no ZTEXT)"),
           std::string("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
           std::string("attributedBody is not a typedstream"), std::string("damaged_row"),
           std::string("The device's time-zone setting was Europe/Berlin."),
           // 7: counts
           std::string("Findings summary"), std::string("5 of 7"),
           // 9, 10
           std::string("A logical backup does not contain the whole file system"),
           std::string("manifest.sha256 is the signed root of the case"),
           std::string("28 U.S.C. \u00A7 1746")}) {
    INFO(s);
    CHECK(text.find(s) != std::string::npos);
  }
  // Appendix A: every custody entry hash, whole (no hyphen inserted at a break).
  const std::string nospace = NoSpace(text);
  for (int i = 0; i < 8; ++i) {
    std::string hash;
    for (int k = 0; k < 64; ++k) hash += "0123456789abcdef"[(i * 7 + k * 3) % 16];
    INFO(hash);
    CHECK(nospace.find(hash) != std::string::npos);
  }
}

TEST_CASE("PDF report: a capped table says how many rows are shown and where the rest is", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(SmallModel(), dir.path());
  const std::string text = Squash(Run("pdftotext -enc UTF-8 " + ShellQuote(pdf.string()) + " -"));
  const std::string sentence = "5 of 7 shown; full list exports/sms_message.csv, SHA-256 " + kSmsExportHash;
  // Stated above the table and again after its last row.
  const size_t first = text.find(sentence);
  REQUIRE(first != std::string::npos);
  CHECK(text.find("End of the rows shown: " + sentence, first + 1) != std::string::npos);
  // Rows 1–5 are there; the uncapped calls table says all are listed.
  for (int i = 1; i <= 5; ++i) CHECK(text.find("Message number " + std::to_string(i)) != std::string::npos);
  CHECK(text.find("2 records; all are listed.") != std::string::npos);

  // A cap below the model's: the renderer cuts further and says so itself.
  reports::PdfOptions options;
  options.max_table_rows = 2;
  const fs::path cut = Render(SmallModel(), dir.path(), "cut.pdf", options);
  const std::string cut_text = Squash(Run("pdftotext -enc UTF-8 " + ShellQuote(cut.string()) + " -"));
  CHECK(cut_text.find("2 of 7 shown; full list exports/sms_message.csv, SHA-256 " + kSmsExportHash) !=
        std::string::npos);
  CHECK(cut_text.find("Message number 3") == std::string::npos);
}

TEST_CASE("PDF report: metadata, fonts, determinism", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(SmallModel(), dir.path());
  const auto info = Info(pdf);
  CHECK(info.at("Title") == "Forensic examination report, case 2026-0042, report 2026-0042-R r1");
  CHECK(info.at("Author") == "Jane Q. Doe");
  CHECK(info.at("Creator") == "mfx 0.1.0 abc123def456");
  CHECK(info.at("CreationDate") == "2026-03-14T09:41:07Z");  // the model's `generated`
  CHECK(info.at("Page size").find("595.276 x 841.89") != std::string::npos);  // A4

  const auto fonts = Fonts(pdf);
  CHECK(HasFont(fonts, "NotoSans-Regular"));
  CHECK(HasFont(fonts, "NotoSans-Bold"));
  CHECK(HasFont(fonts, "NotoSerif-Bold"));
  CHECK(HasFont(fonts, "DejaVuSansMono"));
  for (const auto& f : fonts) {
    INFO(f.name);
    CHECK(f.embedded);
  }

  // The same model gives the same bytes (a fixed CreationDate, no random ids): golden-testable.
  const fs::path again = Render(SmallModel(), dir.path(), "again.pdf");
  CHECK(ReadFileBytes(pdf) == ReadFileBytes(again));
}

TEST_CASE("PDF report: every page renders; portrait A4 and landscape table pages", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(SmallModel(), dir.path());
  const auto pngs = RenderPng(pdf, dir / "png", 60);
  REQUIRE(static_cast<int>(pngs.size()) == PageCount(pdf));
  bool landscape = false;
  for (const auto& p : pngs) {
    INFO(p);
    CHECK(fs::file_size(p) > 2000);  // more than a blank page
    // PNG IHDR: width and height at bytes 16..23, big-endian.
    const std::string b = ReadFileBytes(p);
    const auto be32 = [&](size_t o) {
      return (uint32_t(uint8_t(b[o])) << 24) | (uint32_t(uint8_t(b[o + 1])) << 16) |
             (uint32_t(uint8_t(b[o + 2])) << 8) | uint32_t(uint8_t(b[o + 3]));
    };
    landscape |= be32(16) > be32(20);
  }
  CHECK(landscape);  // section 8 and appendix A
}

TEST_CASE("PDF report: no text overlaps other text", "[reports][pdf]") {
  TempDir dir;
  for (const auto& [name, model] : {std::pair<std::string, nlohmann::json>{"small", SmallModel()},
                                    {"multilingual", MultilingualModel()}}) {
    const fs::path pdf = Render(model, dir.path(), name + ".pdf");
    const auto overlaps = Overlaps(Words(pdf));
    for (const auto& [a, b] : overlaps) {
      UNSCOPED_INFO(name << " page " << a.page << ": '" << a.text << "' (" << a.x0 << "," << a.y0 << ") overlaps '"
                         << b.text << "' (" << b.x0 << "," << b.y0 << ")");
    }
    CHECK(overlaps.empty());
  }
}

TEST_CASE("PDF report: missing optional fields print as not recorded", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(nlohmann::json{{"schema", "mfx-report/1"}}, dir.path());
  const std::vector<std::string> pages = Pages(pdf);
  REQUIRE(!pages.empty());
  CHECK(pages[0].find("Case (no case number) \u00B7 Report (no report id) r1 \u00B7 Exhibit none registered") !=
        std::string::npos);
  CHECK(pages[0].find("Evidence SHA-256 (none)") != std::string::npos);
  const std::string text = Squash(Run("pdftotext -enc UTF-8 " + ShellQuote(pdf.string()) + " -"));
  CHECK(text.find("not recorded") != std::string::npos);
  CHECK(text.find("No consent record, warrant or other authority is recorded") != std::string::npos);
  CHECK(text.find("No exhibit is registered in this case.") != std::string::npos);

  // Wrong types where strings are expected do not throw.
  nlohmann::json odd = SmallModel();
  odd["case"]["examiner"] = 42;
  odd["evidence"] = "not an array";
  odd["tables"][0]["rows"][0] = nlohmann::json::array({1, true, nullptr, {{"k", "v"}}});
  odd["tables"][1]["rows"] = nlohmann::json::object();
  Render(odd, dir.path(), "odd.pdf");
}

TEST_CASE("PDF report: refused models and unwritable outputs leave nothing behind", "[reports][pdf]") {
  TempDir dir;
  const fs::path out = dir / "r.pdf";
  auto st = reports::RenderPdf(nlohmann::json::array(), out);
  REQUIRE(!st);
  CHECK(st.error().code == ErrorCode::kInvalidArgument);
  st = reports::RenderPdf(nlohmann::json{{"schema", "mfx-report/2"}}, out);
  REQUIRE(!st);
  CHECK(st.error().code == ErrorCode::kUnsupported);
  CHECK(st.error().message.find("mfx-report/2") != std::string::npos);
  st = reports::RenderPdf(SmallModel(), dir / "no-such-dir" / "r.pdf");
  REQUIRE(!st);
  CHECK(st.error().code == ErrorCode::kIo);
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 0);
}

TEST_CASE("PDF report: a missing font family is named with its package", "[reports][pdf]") {
  auto ts = reports::pdf::Typesetter::Create(true);  // the real list resolves on this machine
  REQUIRE(ts);
  const Status st = (*ts)->CheckFonts({{"Noto Sans", "fonts-noto-core", U'A'},
                                       {"No Such Family Mfx", "fonts-mfx-missing", U'A'},
                                       {"Noto Sans", "fonts-noto-core", 0x4E2D}});  // Noto Sans has no Han
  REQUIRE(!st);
  CHECK(st.error().code == ErrorCode::kNotFound);
  CHECK(st.error().message.find("'No Such Family Mfx'") != std::string::npos);
  CHECK(st.error().message.find("fonts-mfx-missing") != std::string::npos);
  CHECK(st.error().message.find("fonts-noto-core") != std::string::npos);
}

TEST_CASE("PDF report: WritePdfReport writes report/report.pdf in the case folder", "[reports][pdf]") {
  TempDir dir;
  auto folder = reports::CaseFolder::CreateOrOpen(dir / "case", {.case_number = "2026-0042", .examiner = "Jane Q. Doe"});
  REQUIRE(folder);
  const core::TimeZone utc = core::TimeZone::Utc();
  reports::ReportContext ctx{**folder, (*folder)->Path("artifacts.sqlite"), utc, "2026-0042-R", 1};
  auto written = reports::WritePdfReport(ctx, SmallModel());
  REQUIRE(written);
  CHECK(*written == std::vector<std::string>{"report/report.pdf"});
  CHECK(fs::exists((*folder)->Path("report/report.pdf")));
  CHECK(!fs::exists((*folder)->Path("report/report.pdf.partial")));
  CHECK(PageCount((*folder)->Path("report/report.pdf")) >= 8);
}

}  // namespace
}  // namespace mfx::testing
