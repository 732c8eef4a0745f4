// End to end: `mfx analyze --format pdf` on a generated backup writes report/report.pdf from the
// report model (report/report.json), and the PDF carries the case's own integrity values —
// checked against values computed here with the stock sha256sum and by reading custody.jsonl,
// not against the model alone.

#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/reports/pdf_tools.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

namespace mfx::testing {
namespace {

namespace fs = std::filesystem;
using namespace pdf_tools;

std::string Sha256sum(const fs::path& file) {
  const std::string out = Run("sha256sum " + ShellQuote(file.string()));
  return out.substr(0, 64);
}

TEST_CASE("PDF report: mfx analyze writes the PDF with the case's integrity values", "[reports][pdf][case]") {
  TempDir dir;
  const GeneratedBackup backup = GenerateBackup(dir.path(), "backup", GenerateOptions{});
  const fs::path case_dir = dir / "CASE";
  std::string output;
  const int rc = RunCommand(ShellQuote(MFX_BINARY) + " analyze " + ShellQuote(backup.dir.string()) + " --case " +
                                ShellQuote(case_dir.string()) +
                                " --case-number 2026-0042 --examiner 'Jane Q. Doe' --tz Europe/Berlin"
                                " --format pdf,csv 2>&1",
                            &output);
  INFO(output);
  REQUIRE(rc == 0);
  const fs::path pdf = case_dir / "report" / "report.pdf";
  REQUIRE(fs::exists(pdf));
  REQUIRE(fs::exists(case_dir / "report" / "report.json"));
  const nlohmann::json model = nlohmann::json::parse(ReadFileBytes(case_dir / "report" / "report.json"));

  // Independent values.
  const std::string exhibit_hash = Sha256sum(case_dir / "evidence" / "E-01.sha256");
  const std::string db_hash = Sha256sum(case_dir / "artifacts.sqlite");
  const int64_t head_seq = model.at("integrity").at("custody_head").at("seq").get<int64_t>();
  std::string head_hash;
  {
    std::ifstream in(case_dir / "custody.jsonl");
    for (std::string line; std::getline(in, line);) {
      const auto e = nlohmann::json::parse(line);
      if (e.at("seq").get<int64_t>() == head_seq) head_hash = e.at("entry_sha256").get<std::string>();
    }
  }
  REQUIRE(head_hash.size() == 64);

  const std::vector<std::string> pages = Pages(pdf);
  REQUIRE(!pages.empty());
  const std::string cover = pages[0];
  INFO(cover);
  CHECK(cover.find(exhibit_hash) != std::string::npos);
  CHECK(cover.find(db_hash) != std::string::npos);
  CHECK(cover.find(head_hash) != std::string::npos);
  CHECK(cover.find("Jane Q. Doe") != std::string::npos);

  const std::string report_id = model.at("report_id").get<std::string>();
  const std::string header = "Case 2026-0042 \u00B7 Report " + report_id + " r" +
                             std::to_string(model.at("revision").get<int>()) + " \u00B7 Exhibit E-01";
  for (size_t p = 0; p < pages.size(); ++p) {
    INFO("page " << p + 1);
    CHECK(pages[p].find(header) != std::string::npos);
    CHECK(pages[p].find("Page " + std::to_string(p + 1) + " of " + std::to_string(pages.size()) +
                        " \u00B7 Evidence SHA-256 " + exhibit_hash.substr(0, 16) + " \u00B7 JQD") != std::string::npos);
  }
  // One table per kind the model holds, under its title.
  const std::string text = Squash(Run("pdftotext -enc UTF-8 " + ShellQuote(pdf.string()) + " -"));
  REQUIRE(!model.at("tables").empty());
  for (const auto& t : model.at("tables")) {
    const std::string title = t.at("title").get<std::string>();
    INFO(title);
    CHECK(text.find(title) != std::string::npos);
  }
  // The sealed manifest lists the PDF and the PDF matches it.
  const std::string manifest = ReadFileBytes(case_dir / "manifest.sha256");
  CHECK(manifest.find("  report/report.pdf\n") != std::string::npos);
  std::string check;
  CHECK(RunCommand("cd " + ShellQuote(case_dir.string()) + " && sha256sum --strict --quiet -c manifest.sha256 2>&1",
                   &check) == 0);
  INFO(check);
}

}  // namespace
}  // namespace mfx::testing
