// The PDF layout engine (reports/pdf_layout.h) on its own: 72 dpi metrics, table header rows
// repeated on continuation pages, headings kept with what follows, paragraphs split between
// lines with every word kept, page orientation.

#include <catch2/catch.hpp>

#include <cairo-pdf.h>

#include "reports/pdf_layout.h"
#include "tests/reports/pdf_tools.h"
#include "tests/test_support.h"

namespace mfx::testing {
namespace {

namespace fs = std::filesystem;
using namespace reports::pdf;
using namespace pdf_tools;

struct Fixture {
  std::unique_ptr<Typesetter> ts;
  StyleId body = 0, bold = 0, note = 0, heading = 0;
  Fixture() {
    auto t = Typesetter::Create(true);
    REQUIRE(t);
    ts = std::move(*t);
    body = ts->AddStyle({"Noto Sans 9", {0, 0, 0}});
    bold = ts->AddStyle({"Noto Sans Bold 9", {0, 0, 0}});
    note = ts->AddStyle({"Noto Sans Italic 7", {0.4, 0.4, 0.4}});
    heading = ts->AddStyle({"Noto Serif Bold 15", {0, 0, 0.4}});
  }
};

fs::path RenderFlow(const Flow& flow, const fs::path& out) {
  SurfacePtr surface(cairo_pdf_surface_create(out.c_str(), 595.2756, 841.8898));
  PageDecor decor;
  decor.footer = [](int page, int pages, const std::string&) {
    return "Page " + std::to_string(page) + " of " + std::to_string(pages);
  };
  REQUIRE(flow.Render(surface.get(), decor));
  cairo_surface_finish(surface.get());
  REQUIRE(cairo_surface_status(surface.get()) == CAIRO_STATUS_SUCCESS);
  return out;
}

TEST_CASE("PDF layout: text is measured at 72 dpi (pango-cairo's default is 96)", "[reports][pdf]") {
  Fixture f;
  Flow flow(*f.ts, PageSetup{}, f.note);
  // Noto Sans: ascender 1.069 em + descender 0.293 em = 1.362 em → 12.3 pt at 9 pt (16.3 at 96 dpi).
  const double h = flow.Height(MakeVisible("Hg"), f.body, 400);
  CHECK(h > 11.5);
  CHECK(h < 13.0);
  // Unwrapped width of 10 digits in DejaVu Sans Mono 10 (advance 0.602 em): 60.2 pt.
  const StyleId mono = f.ts->AddStyle({"DejaVu Sans Mono 10", {0, 0, 0}});
  CHECK(flow.NaturalWidth(MakeVisible("0123456789"), mono) == Approx(60.2).margin(0.3));
}

TEST_CASE("PDF layout: a long table repeats its header row on every page", "[reports][pdf]") {
  Fixture f;
  TempDir dir;
  Flow flow(*f.ts, PageSetup{}, f.note);
  const std::vector<Column> cols = {{0, 60}, {60, 200}, {260, 220}};
  RowOptions header;
  header.fill = Rgb{0.9, 0.9, 0.9};
  header.pad_x = 3;
  header.pad_y = 2;
  flow.Paragraph(flow.Own("Before the table."), f.body, 6);
  flow.BeginTable(cols, {{flow.Own("Number"), f.bold}, {flow.Own("Alpha"), f.bold}, {flow.Own("Beta"), f.bold}},
                  header, flow.Own("Table T (continued)"));
  RowOptions row;
  row.pad_x = 3;
  row.pad_y = 2;
  for (int i = 0; i < 300; ++i) {
    flow.Row(cols,
             {{flow.Own("row" + std::to_string(i)), f.body},
              {flow.Own("alpha " + std::to_string(i)), f.body},
              {flow.Own(i % 10 == 0 ? std::string(400, 'x') : "beta"), f.body}},
             row);
  }
  flow.EndTable();
  REQUIRE(flow.PageCount() >= 5);
  const fs::path pdf = RenderFlow(flow, dir / "t.pdf");
  const auto pages = Pages(pdf, false);
  REQUIRE(static_cast<int>(pages.size()) == flow.PageCount());
  int last = -1;
  for (size_t p = 0; p < pages.size(); ++p) {
    INFO("page " << p + 1);
    CHECK(pages[p].find("Number") != std::string::npos);
    CHECK(pages[p].find("Alpha") != std::string::npos);
    CHECK((pages[p].find("Table T (continued)") != std::string::npos) == (p > 0));
    CHECK(pages[p].find("Page " + std::to_string(p + 1) + " of " + std::to_string(pages.size())) !=
          std::string::npos);
    // Rows continue in order from page to page, none lost or repeated.
    for (long n : NumbersAfter(pages[p], "row")) {
      CHECK(n == last + 1);
      last = static_cast<int>(n);
    }
  }
  CHECK(last == 299);
}

TEST_CASE("PDF layout: a heading at the foot of a page moves with what follows", "[reports][pdf]") {
  Fixture f;
  TempDir dir;
  Flow flow(*f.ts, PageSetup{}, f.note);
  // Fill the page until the heading fits (it asks for its height + 48 pt) but the six-line row
  // after it does not.
  int filler = 0;
  while (flow.Remaining() > 85) flow.Paragraph(flow.Own("Filler line " + std::to_string(filler++)), f.body, 0);
  REQUIRE(flow.PageCount() == 1);
  flow.Heading(flow.Own("Kept Heading"), f.heading, 1, "kept", "Kept Heading", 0, 4);
  REQUIRE(flow.PageCount() == 1);
  flow.Row({{0, 400}}, {{flow.Own("First row after the heading.\nb\nc\nd\ne\nf"), f.body}}, RowOptions{});
  const fs::path pdf = RenderFlow(flow, dir / "k.pdf");
  const auto pages = Pages(pdf, false);
  REQUIRE(pages.size() == 2);
  CHECK(pages[0].find("Kept Heading") == std::string::npos);
  CHECK(pages[1].find("Kept Heading") != std::string::npos);
  CHECK(pages[1].find("First row after the heading.") != std::string::npos);
  CHECK(Dests(pdf).at("kept") == 2);
}

TEST_CASE("PDF layout: a paragraph longer than a page splits between lines, every word kept", "[reports][pdf]") {
  Fixture f;
  TempDir dir;
  Flow flow(*f.ts, PageSetup{}, f.note);
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "word" + std::to_string(i) + " ";
  flow.Paragraph(flow.Own(text), f.body);
  REQUIRE(flow.PageCount() >= 3);
  const fs::path pdf = RenderFlow(flow, dir / "p.pdf");
  const std::string all = Run("pdftotext -enc UTF-8 " + ShellQuote(pdf.string()) + " -");
  int last = -1;
  for (long n : NumbersAfter(all, "word")) {
    if (n != last + 1) FAIL("word" << n << " follows word" << last);
    last = static_cast<int>(n);
  }
  CHECK(last == 2999);
  CHECK(Overlaps(Words(pdf)).empty());
}

TEST_CASE("PDF layout: landscape pages and rows split with a note", "[reports][pdf]") {
  Fixture f;
  TempDir dir;
  Flow flow(*f.ts, PageSetup{}, f.note);
  flow.Paragraph(flow.Own("Portrait page."), f.body);
  flow.SetLandscape(true);
  CHECK(flow.BodyWidth() == Approx(841.8898 - 112));
  RowOptions o;
  o.continued_label = flow.Own("7");
  std::string tall;
  for (int i = 0; i < 400; ++i) tall += "line " + std::to_string(i) + "\n";
  flow.Row({{0, 40}, {40, 300}}, {{flow.Own("7"), f.bold}, {flow.Own(tall), f.body}}, o);
  flow.SetLandscape(false);
  flow.Paragraph(flow.Own("Back to portrait."), f.body);
  const fs::path pdf = RenderFlow(flow, dir / "l.pdf");
  const auto pages = Pages(pdf, false);
  REQUIRE(static_cast<int>(pages.size()) == flow.PageCount());
  REQUIRE(pages.size() >= 4);
  for (size_t p = 1; p + 1 < pages.size(); ++p) {
    INFO("page " << p + 1);
    if (p + 2 < pages.size()) CHECK(pages[p].find("continued on page " + std::to_string(p + 2)) != std::string::npos);
  }
  const auto pngs = RenderPng(pdf, dir / "png", 20);
  REQUIRE(pngs.size() == pages.size());
  const auto info = Run("pdfinfo -f 1 -l 3 " + ShellQuote(pdf.string()));
  CHECK(info.find("Page    1 size:  595.276 x 841.89") != std::string::npos);
  CHECK(info.find("Page    2 size:  841.89 x 595.276") != std::string::npos);
}

}  // namespace
}  // namespace mfx::testing
