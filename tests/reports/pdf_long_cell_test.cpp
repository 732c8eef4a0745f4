// Never truncate silently (SP 800-101r1; CUSTODY.md §2): a 10,000-character message and a
// 2,000-character URL must appear entirely, split across pages with "continued on page N".
// The content column is read back from pdftotext's word boxes: every word whose box lies in the
// column under the "Content" header, page by page, top to bottom.

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

// Text of one column of the messages table: words between the column's header word and the next
// header word, below the header row, on every page that repeats the header.
std::string ColumnText(const std::vector<Word>& words, const std::string& header, const std::string& next_header) {
  std::string out;
  int page = 0;
  double x0 = 0, x1 = 0, top = 0;
  bool in_table = false;
  std::vector<Word> page_words;
  auto flush = [&] {
    std::stable_sort(page_words.begin(), page_words.end(), [](const Word& a, const Word& b) {
      if (std::abs(a.y0 - b.y0) > 2) return a.y0 < b.y0;
      return a.x0 < b.x0;
    });
    for (const auto& w : page_words) out += w.text;
    page_words.clear();
  };
  for (size_t i = 0; i < words.size(); ++i) {
    const Word& w = words[i];
    if (w.page != page) {
      flush();
      page = w.page;
      in_table = false;
    }
    if (!in_table && w.text == header) {
      for (size_t j = i + 1; j < words.size() && words[j].page == page; ++j) {
        if (words[j].text == next_header && std::abs(words[j].y0 - w.y0) < 2) {
          in_table = true;
          x0 = w.x0 - 1;
          x1 = words[j].x0 - 1;
          top = w.y1 + 1;
          break;
        }
      }
      continue;
    }
    const bool in_body = w.y1 <= w.page_height - 62 + 2;  // above the running footer
    if (in_table && in_body && w.x0 >= x0 && w.x1 <= x1 && w.y0 > top && w.text.rfind("continued", 0) != 0) {
      page_words.push_back(w);
    }
  }
  flush();
  return out;
}

TEST_CASE("PDF report: a 10,000-character message and a 2,000-character URL appear entirely", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(LongCellModel(), dir.path());
  const auto words = Words(pdf);
  const std::string content = ColumnText(words, "Content", "Source");
  const std::string expected = "short" + NoSpace(LongMessage()) + LongUrl() + "after";
  INFO("got " << content.size() << " bytes, expected " << expected.size());
  CHECK(content.size() == expected.size());
  // Compare in slices so a failure names where the text differs.
  size_t first_diff = 0;
  while (first_diff < std::min(content.size(), expected.size()) && content[first_diff] == expected[first_diff]) {
    ++first_diff;
  }
  INFO("first difference at " << first_diff << ": got '" << content.substr(first_diff, 60) << "' expected '"
                              << expected.substr(first_diff, 60) << "'");
  CHECK(content == expected);

  // The message spans pages: the split is announced and the header row repeats.
  const std::vector<std::string> pages = Pages(pdf);
  int continued = 0;
  for (size_t p = 0; p < pages.size(); ++p) {
    const std::string note = "continued on page " + std::to_string(p + 2);
    if (pages[p].find(note) == std::string::npos) continue;
    ++continued;
    INFO("page " << p + 2);
    REQUIRE(p + 1 < pages.size());
    CHECK(pages[p + 1].find("8.1 Messages (SMS/iMessage) (continued)") != std::string::npos);
    CHECK(pages[p + 1].find("Content") != std::string::npos);
  }
  CHECK(continued >= 2);
}

TEST_CASE("PDF report: long cells never overlap other text", "[reports][pdf]") {
  TempDir dir;
  const fs::path pdf = Render(LongCellModel(), dir.path());
  const auto overlaps = Overlaps(Words(pdf));
  for (const auto& [a, b] : overlaps) {
    UNSCOPED_INFO("page " << a.page << ": '" << a.text << "' overlaps '" << b.text << "'");
  }
  CHECK(overlaps.empty());
  // Body text stays inside the body (PageSetup: top margin 66 pt, bottom margin 62 pt); only the
  // running header (above 48 pt) and footer (below the rule at height - 46 pt) are outside it.
  for (const auto& w : Words(pdf)) {
    const double footer_rule = w.page_height - 62 + 16;
    if (w.y1 < 48 || w.y0 > footer_rule) continue;
    INFO("page " << w.page << " '" << w.text << "' at y " << w.y0 << ".." << w.y1);
    CHECK(w.y0 >= 66 - 2);
    CHECK(w.y1 <= w.page_height - 62 + 2);
  }
}

}  // namespace
}  // namespace mfx::testing

namespace mfx::testing {
namespace {

// Beyond PdfOptions::max_cell_chars a cell is cut, never silently: the text printed is exactly the
// value's first max_cell_chars characters, followed by a note with the count of the rest and the
// export that holds the whole value. Values at or under the cap are untouched.
TEST_CASE("PDF report: a cell beyond the character cap is cut with a note saying how much follows", "[reports][pdf]") {
  TempDir dir;
  reports::PdfOptions options;
  options.max_cell_chars = 3000;
  json model = LongCellModel();
  // A multi-byte character right at the cut: the cut counts characters, not bytes.
  std::string message = LongMessage();
  message.replace(2999, 1, "\u00E9");
  model["tables"][0]["rows"][1] = SmsRow(2, message);
  const fs::path pdf = Render(model, dir.path(), "report.pdf", options);
  const std::string content = ColumnText(Words(pdf), "Content", "Source");
  // The first 3,000 characters (2,999 ASCII + é), then the note; nothing of the rest.
  const std::string head = "short" + NoSpace(message.substr(0, 3001)) + NoSpace("\u27E8\u2026 7,000 more characters not printed (10,000 in all); the whole value is in ");
  INFO(content.substr(0, 200) << " … " << content.substr(content.size() > 2400 ? content.size() - 2400 : 0, 300));
  CHECK(content.starts_with(head));
  CHECK(content.find(NoSpace(message.substr(3001, 40))) == std::string::npos);
  CHECK(content.find(".jsonl") != std::string::npos);
  // The 2,000-character URL is under the cap and appears whole, then the last row.
  CHECK(content.ends_with(LongUrl() + "after"));
}

}  // namespace
}  // namespace mfx::testing
