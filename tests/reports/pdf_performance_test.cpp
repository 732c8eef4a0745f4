// Rendering time of a large report: five kinds of 5,000 rows (the default table cap), laid out
// once to count pages, then drawn. Tagged [slow]; it still runs in CI.

#include <catch2/catch.hpp>

#include <chrono>

#include "reports/pdf_report.h"
#include "tests/reports/pdf_fixtures.h"
#include "tests/reports/pdf_tools.h"
#include "tests/test_support.h"

namespace mfx::testing {
namespace {

namespace fs = std::filesystem;
using namespace pdf_fixtures;
using namespace pdf_tools;

TEST_CASE("PDF report: five 5,000-row tables render completely", "[reports][pdf][slow]") {
  TempDir dir;
  const nlohmann::json model = LargeModel(5, 5000);
  const auto start = std::chrono::steady_clock::now();
  const fs::path pdf = Render(model, dir.path());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int pages = PageCount(pdf);
  WARN("25,000 rows: " << pages << " pages, " << fs::file_size(pdf) / 1024 << " KiB, " << seconds << " s");
  // Time is printed, never asserted: speed targets live in scripts/bench (about 2 ms of CPU per
  // row on the development machine). What is asserted is that the whole of a large report renders.
  CHECK(pages > 1000);
  // The last page closes the report and knows the total.
  const std::string last = Run("pdftotext -layout -enc UTF-8 -f " + std::to_string(pages) + " -l " +
                               std::to_string(pages) + " " + ShellQuote(pdf.string()) + " -");
  CHECK(last.find("End of report 2026-0042-R r1") != std::string::npos);
  CHECK(last.find("Page " + std::to_string(pages) + " of " + std::to_string(pages)) != std::string::npos);
  // Row 5000 of the last kind is there.
  const std::string text = Run("pdftotext -enc UTF-8 " + ShellQuote(pdf.string()) + " -");
  CHECK(text.find("Message 5000") != std::string::npos);
}

}  // namespace
}  // namespace mfx::testing
