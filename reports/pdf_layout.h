#pragma once
// A small page-layout engine for the PDF report, on cairo 1.16 + pango 1.50 (CUSTODY.md §2).
//
// Two passes, because every page says "Page X of Y":
//   1. Flow. The report builder adds headings, paragraphs, key/value rows and table rows in
//      reading order. Each call measures its text with pango — every cell, never a fixed height —
//      and places it at once: a row that does not fit moves to the next page (table header rows
//      are repeated there), a row taller than about a third of a page or a paragraph is split
//      between text lines and marked "continued on page N". Nothing is truncated. What is placed
//      is recorded as light items (a pointer to the owned text, style, position, line range), not
//      as pango layouts, so memory grows with the text and not with pango's glyph data.
//   2. Render. With the page count known, each page is drawn: its items (re-shaped from the same
//      text, style and width on the same pango context, so lines break exactly as measured), the
//      running header and footer, named destinations and links; then the PDF outline.
//
// Units are PDF points (1/72 in). The pango font map is set to 72 dpi: pango-cairo assumes 96,
// which printed "Noto Sans 9" at 12 pt (CUSTODY §2).
//
// Ownership: Typesetter owns the font map and context; Flow owns every text given to it (stable
// addresses for the items) and refers to a Typesetter that must outlive it. Not thread-safe.

#include <cairo.h>
#include <pango/pangocairo.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"
#include "reports/pdf_text.h"

namespace mfx::reports::pdf {

// Deleters for the C handles (STYLE.md: each lives in a unique_ptr from its creation).
struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};
struct FontDescriptionFree {
  void operator()(PangoFontDescription* p) const { pango_font_description_free(p); }
};
struct CairoDestroy {
  void operator()(cairo_t* p) const { cairo_destroy(p); }
};
struct SurfaceDestroy {
  void operator()(cairo_surface_t* p) const { cairo_surface_destroy(p); }
};
struct LayoutIterFree {
  void operator()(PangoLayoutIter* p) const { pango_layout_iter_free(p); }
};
struct AttrListUnref {
  void operator()(PangoAttrList* p) const { pango_attr_list_unref(p); }
};
using FontMapPtr = std::unique_ptr<PangoFontMap, GObjectUnref>;
using ContextPtr = std::unique_ptr<PangoContext, GObjectUnref>;
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectUnref>;
using FontPtr = std::unique_ptr<PangoFont, GObjectUnref>;
using FontDescPtr = std::unique_ptr<PangoFontDescription, FontDescriptionFree>;
using CairoPtr = std::unique_ptr<cairo_t, CairoDestroy>;
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDestroy>;
using LayoutIterPtr = std::unique_ptr<PangoLayoutIter, LayoutIterFree>;
using AttrListPtr = std::unique_ptr<PangoAttrList, AttrListUnref>;

struct Rgb {
  double r = 0, g = 0, b = 0;
};

struct TextStyle {
  std::string font;  // pango description: "Noto Sans Bold 9"
  Rgb color;
  PangoAlignment align = PANGO_ALIGN_LEFT;
  double line_spacing = 0;  // pango line-spacing factor (1.0 = font's line height); 0 = default
};
using StyleId = uint16_t;

// A font family the report depends on, and where it comes from.
struct RequiredFont {
  std::string family;    // "Noto Sans CJK SC"
  std::string package;   // "fonts-noto-cjk"
  char32_t sample = 0;   // a character the family must cover (0 = no check)
};

// The fonts the report needs (CUSTODY §2): Noto Sans/Serif, Arabic, Hebrew, CJK SC/JP, Color
// Emoji, DejaVu Sans and DejaVu Sans Mono.
const std::vector<RequiredFont>& RequiredFonts();

class Typesetter {
 public:
  // A pango-cairo font map at 72 dpi with PDF font options (no hinting, unrounded positions).
  // With check_fonts, every RequiredFonts() family must resolve to itself and cover its sample
  // character; otherwise kNotFound naming the families and the Debian packages to install.
  static Result<std::unique_ptr<Typesetter>> Create(bool check_fonts = true);

  StyleId AddStyle(TextStyle style);
  const TextStyle& style(StyleId id) const { return styles_[id].style; }

  // A layout of `text` in `style`, wrapped at `width` points (PANGO_WRAP_WORD_CHAR: words first,
  // then anywhere — URLs and hex never overflow), or unwrapped with width <= 0. Markers get
  // their tint; the text's language tag is applied.
  LayoutPtr Layout(const VisibleText& text, StyleId style, double width) const;

  // Every family of `fonts` must resolve to itself (not to a fontconfig substitute) and cover its
  // sample character; otherwise kNotFound naming each missing family, what it resolved to, and
  // its Debian package.
  Status CheckFonts(const std::vector<RequiredFont>& fonts) const;

  // Which family pango actually loads for `family` (e.g. to name a missing one).
  std::string ResolvedFamily(const std::string& family) const;

  // Colour emoji. cairo 1.16 draws Noto Color Emoji glyphs as bitmaps at the glyph's size in
  // points — about 10×9 pixels at 7.5 pt, blurred when zoomed (CUSTODY §2). Emoji runs are
  // therefore painted from an ARGB image of the run rendered near the font's 109 ppem strike and
  // scaled down into place. One image per distinct run text and size, reused (cairo writes one
  // PDF image for each).
  struct EmojiImage {
    SurfacePtr surface;
    double scale = 1;     // image pixels per point
    double baseline = 0;  // baseline from the image top, points
  };
  bool IsEmojiFont(PangoFont* font) const;
  const EmojiImage& Emoji(const std::string& text, double size_points) const;

 private:
  Typesetter() = default;
  struct Style {
    TextStyle style;
    FontDescPtr desc;
  };
  FontMapPtr font_map_;
  ContextPtr context_;
  std::vector<Style> styles_;
  mutable std::map<PangoFont*, bool> emoji_font_;  // fonts stay alive in the font map's cache
  mutable std::map<std::pair<std::string, int>, EmojiImage> emoji_images_;
};

struct PageSetup {
  double width = 595.2756;  // A4
  double height = 841.8898;
  double margin_left = 56;
  double margin_right = 56;
  double margin_top = 66;
  double margin_bottom = 62;
};

// A column of a row, relative to the left margin.
struct Column {
  double x = 0;
  double width = 0;
};

struct Cell {
  const VisibleText* text = nullptr;  // owned by the Flow (Flow::Own); nullptr = empty cell
  StyleId style = 0;
};

struct RowOptions {
  std::optional<Rgb> fill;    // background (zebra rows, header rows)
  double pad_x = 0;           // cell padding, points
  double pad_y = 0;
  std::optional<Rgb> rule_below;  // hairline under the row
  // Paragraph text: splits freely between lines (at least two lines on each side when it can),
  // without "continued" notes. Otherwise a row moves whole to the next page unless it is taller
  // than a third of the page body, and a split row is marked "continued on page N".
  bool paragraph = false;
  // Shown (in the note style) in column 0 of a continuation fragment when column 0's own text
  // is already placed — the row number, so a continued cell names its row.
  const VisibleText* continued_label = nullptr;
};

// What the running header and footer say; called at render time.
struct PageDecor {
  std::function<std::string(int page, int pages, const std::string& exhibit)> header;
  std::function<std::string(int page, int pages, const std::string& exhibit)> footer;
  StyleId header_style = 0;
  StyleId footer_style = 0;
  Rgb rule{0.6, 0.6, 0.6};
};

class Flow {
 public:
  // `note_style` sets the "continued on page N" notes under split rows.
  Flow(const Typesetter& typesetter, PageSetup setup, StyleId note_style);

  // Takes ownership of a text; the pointer stays valid for the Flow's life.
  const VisibleText* Own(VisibleText text);
  const VisibleText* Own(std::string_view raw) { return Own(MakeVisible(raw)); }

  double BodyWidth() const { return setup_.width - setup_.margin_left - setup_.margin_right; }
  double BodyHeight() const { return setup_.height - setup_.margin_top - setup_.margin_bottom; }
  // Remaining room on the current page, points.
  double Remaining() const { return BodyBottom() - y_; }

  // Measures without placing: the height of `text` at `width`, and its unwrapped width.
  double Height(const VisibleText& text, StyleId style, double width) const;
  double NaturalWidth(const VisibleText& text, StyleId style) const;

  // Vertical gap; dropped at the top of a page.
  void Space(double points);
  // Starts a new page unless the current one is empty.
  void NewPage();
  // Ensures at least `points` of room, else starts a new page.
  void NeedRoom(double points);

  // A heading kept with what follows it (moved to the next page with it). outline_level >= 1
  // adds a PDF outline entry (1 = top level) pointing at a named destination `dest`.
  void Heading(const VisibleText* text, StyleId style, int outline_level, const std::string& dest,
               const std::string& outline_title, double space_before, double space_after,
               std::optional<Rgb> rule = std::nullopt);
  // A paragraph across the body (indent from the left margin).
  void Paragraph(const VisibleText* text, StyleId style, double space_after = 0, double indent = 0);
  // A row of cells at the given columns.
  void Row(const std::vector<Column>& columns, const std::vector<Cell>& cells, const RowOptions& options);
  // A horizontal rule across the body.
  void Rule(Rgb color, double width = 0.5, double space_after = 0);

  // Table mode: `header` is placed above the first row on each page the table reaches
  // (with `caption` — "SMS messages (continued)" — on continuation pages).
  void BeginTable(const std::vector<Column>& columns, const std::vector<Cell>& header,
                  const RowOptions& header_options, const VisibleText* caption);
  void EndTable();

  // A contents line: title linked to `dest`, with dest's page number at the right.
  void ContentsLine(const VisibleText* title, StyleId style, StyleId number_style, const std::string& dest,
                    double indent);

  // The exhibit the running header/footer name on this page and the following ones.
  void SetExhibit(const std::string& exhibit_id);

  // Switches the page orientation (wide tables go landscape); starts a new page unless the
  // current one is empty.
  void SetLandscape(bool landscape);

  int PageCount() const { return static_cast<int>(pages_.size()); }
  int CurrentPage() const { return static_cast<int>(pages_.size()); }  // 1-based

  // Draws every page onto a PDF surface, adds outline entries; the surface is not finished.
  Status Render(cairo_surface_t* pdf_surface, const PageDecor& decor) const;

 private:
  struct TextItem {
    const VisibleText* text;
    StyleId style;
    float x, y_origin, width;  // y_origin: page y of the layout's top
    uint32_t line_begin, line_end;
  };
  struct RectItem {
    float x, y, w, h;
    Rgb fill;
  };
  struct LineItem {
    float x1, y1, x2, y2, width;
    Rgb color;
  };
  struct DestItem {
    std::string name;
    float x, y;
  };
  struct LinkItem {
    std::string dest;
    float x, y, w, h;
  };
  struct PageRefItem {
    std::string dest;
    StyleId style;
    float x, y, width;
  };
  using Item = std::variant<TextItem, RectItem, LineItem, DestItem, LinkItem, PageRefItem>;
  struct Page {
    std::string exhibit;
    double width, height;
    std::vector<Item> items;
  };
  struct LineBox {
    float top, bottom, baseline;  // layout coordinates, points
  };
  struct Outline {
    int level;
    std::string title;
    std::string dest;
  };
  struct TableState {
    std::vector<Column> columns;
    std::vector<Cell> header;
    RowOptions header_options;
    const VisibleText* caption = nullptr;
    bool header_on_page = false;
    size_t first_page = SIZE_MAX;  // index of the page where the header was first placed
    double header_height = 0;
    double caption_height = 0;
  };
  struct Keep {
    size_t page;
    size_t item;
    double y;
  };

  double BodyTop() const { return setup_.margin_top; }
  double BodyBottom() const { return setup_.height - setup_.margin_bottom; }
  std::vector<LineBox> Lines(const VisibleText& text, StyleId style, double width) const;
  void StartPage();
  void BreakPage();  // new page, carrying a pending keep group along
  void PlaceRow(const std::vector<Column>& columns, const std::vector<Cell>& cells, const RowOptions& options,
                bool is_table_header);
  void PlaceTableHeader();
  bool TableContinues() const;
  static void Shift(Item& item, double dy);
  void DrawText(cairo_t* cr, const TextItem& item) const;

  const Typesetter& ts_;
  PageSetup setup_;
  std::deque<VisibleText> texts_;
  std::vector<Page> pages_;
  std::vector<Outline> outlines_;
  double y_ = 0;
  bool page_has_content_ = false;
  std::string exhibit_;
  std::optional<TableState> table_;
  std::optional<Keep> keep_;
  StyleId note_style_ = 0;
};

}  // namespace mfx::reports::pdf
