// Arabic, Hebrew, Chinese, Japanese and emoji message texts, and bidi controls, in the PDF report
// (CUSTODY.md §2, CFTT MDT-CA-10). What poppler's pdftotext gives back for right-to-left text was
// checked by hand: each run between punctuation comes back in logical order, and the runs of one
// right-to-left sentence come back right to left (so "مرحبا، كيف حالك اليوم؟" is read as
// "كيف حالك اليوم؟" … "مرحبا"); the tests assert exactly that. Emoji are painted as images and
// are absent from the text layer (asserted), so appendix E lists their code points.

#include <catch2/catch.hpp>

#include "reports/pdf_report.h"
#include "tests/reports/pdf_fixtures.h"
#include "tests/reports/pdf_tools.h"
#include "tests/test_support.h"

namespace mfx::testing {
namespace {

namespace fs = std::filesystem;
using namespace pdf_fixtures;
using namespace pdf_tools;

// The page that holds the messages table.
std::string TablePage(const std::vector<std::string>& pages) {
  for (const auto& p : pages) {
    if (p.find("8.1 Messages (SMS/iMessage)") != std::string::npos && p.find("rowid 1001") != std::string::npos) {
      return p;
    }
  }
  return "";
}

TEST_CASE("PDF report: CJK, Hebrew and Arabic texts are in the text layer, in logical order", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(MultilingualModel(), dir.path());
  const std::string page = TablePage(Pages(pdf, /*layout=*/false));
  INFO(page);
  REQUIRE(!page.empty());
  // Left-to-right scripts come back whole.
  CHECK(page.find(kChinese) != std::string::npos);
  CHECK(page.find(kJapanese) != std::string::npos);
  // Right-to-left: each run whole and in logical order.
  for (const char* run : {"מה שלומך היום", "שלום", "كيف حالك اليوم؟", "مرحبا"}) {
    INFO(run);
    CHECK(page.find(run) != std::string::npos);
  }
  // Not as visual-order (reversed) strings.
  CHECK(page.find("םויה ךמולש המ") == std::string::npos);
  CHECK(page.find("ابحرم") == std::string::npos);
}

TEST_CASE("PDF report: Arabic, Hebrew and CJK are set in the Noto fonts", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(MultilingualModel(), dir.path());
  const auto fonts = Fonts(pdf);
  for (const char* f : {"NotoSansArabic", "NotoSansHebrew", "NotoSansCJKsc", "NotoSansCJKjp"}) {
    INFO(f);
    CHECK(HasFont(fonts, f));
  }
}

TEST_CASE("PDF report: emoji are drawn as sharp images and listed by code point", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(MultilingualModel(), dir.path());
  const std::string text = Run("pdftotext -enc UTF-8 " + ShellQuote(pdf.string()) + " -");
  // The text layer has the words around the emoji, not the emoji.
  CHECK(text.find("See you there") != std::string::npos);
  CHECK(text.find("\U0001F600") == std::string::npos);
  // Images: one per distinct emoji run, far above the 72 ppi of cairo's own glyph bitmaps.
  const std::string images = Run("pdfimages -list " + ShellQuote(pdf.string()));
  INFO(images);
  std::istringstream in(images);
  std::string line;
  std::getline(in, line);
  std::getline(in, line);
  int count = 0;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::vector<std::string> f;
    for (std::string w; l >> w;) f.push_back(w);
    if (f.size() < 14 || f[2] != "image") continue;
    ++count;
    CHECK(std::stoi(f[12]) >= 288);  // x-ppi
  }
  CHECK(count >= 2);
  // Appendix E lists each sequence with its code points.
  const std::string squashed = Squash(text);
  for (const char* cps : {"U+1F600", "U+1F44D", "U+1F1E9 U+1F1EA", "U+1F469 U+200D U+1F4BB"}) {
    INFO(cps);
    CHECK(squashed.find(cps) != std::string::npos);
  }
  // A report without emoji has no images.
  const fs::path plain = Render(SmallModel(), dir.path(), "plain.pdf");
  const std::string plain_images = Run("pdfimages -list " + ShellQuote(plain.string()));
  CHECK(std::count(plain_images.begin(), plain_images.end(), '\n') == 2);
}

TEST_CASE("PDF report: bidi controls in evidence are shown, not applied", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(MultilingualModel(), dir.path());
  const std::string text = Squash(Run("pdftotext -enc UTF-8 " + ShellQuote(pdf.string()) + " -"));
  // The override would have displayed "invoice_exe.pdf"; the reader sees what is stored.
  CHECK(text.find("invoice_\u27E8U+202E\u27E9fdp.exe and \u27E8U+2066\u27E9isolated\u27E8U+2069\u27E9 text") !=
        std::string::npos);
  CHECK(text.find("\u202E") == std::string::npos);
  CHECK(text.find("RIGHT-TO-LEFT OVERRIDE") != std::string::npos);
  CHECK(text.find("LEFT-TO-RIGHT ISOLATE") != std::string::npos);
  CHECK(text.find("POP DIRECTIONAL ISOLATE") != std::string::npos);
}

TEST_CASE("PDF report: the multilingual pages render", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(MultilingualModel(), dir.path());
  const auto pngs = RenderPng(pdf, dir / "png", 60);
  CHECK(static_cast<int>(pngs.size()) == PageCount(pdf));
}

}  // namespace
}  // namespace mfx::testing
