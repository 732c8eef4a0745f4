#include "reports/pdf_layout.h"

#include <cairo-pdf.h>

#include <algorithm>
#include <cstdio>
#include <map>

namespace mfx::reports::pdf {

namespace {

struct FontOptionsDestroy {
  void operator()(cairo_font_options_t* p) const { cairo_font_options_destroy(p); }
};

constexpr double kNoteHeight = 11;  // room under a split row for "continued on page N"
constexpr double kEps = 0.01;

double ToPt(int pango_units) { return static_cast<double>(pango_units) / PANGO_SCALE; }

guint16 Channel(double v) { return static_cast<guint16>(std::clamp(v, 0.0, 1.0) * 65535.0 + 0.5); }

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

const std::vector<RequiredFont>& RequiredFonts() {
  static const std::vector<RequiredFont> kFonts = {
      {"Noto Sans", "fonts-noto-core", U'A'},
      {"Noto Serif", "fonts-noto-core", U'A'},
      {"Noto Sans Arabic", "fonts-noto-core", 0x0627},
      {"Noto Sans Hebrew", "fonts-noto-core", 0x05D0},
      {"Noto Sans CJK SC", "fonts-noto-cjk", 0x4E2D},
      {"Noto Sans CJK JP", "fonts-noto-cjk", 0x3042},
      {"Noto Color Emoji", "fonts-noto-color-emoji", 0x1F600},
      {"DejaVu Sans", "fonts-dejavu-core", 0x27E8},  // the ⟨ ⟩ around control markers
      {"DejaVu Sans Mono", "fonts-dejavu-core", U'0'},
  };
  return kFonts;
}

Result<std::unique_ptr<Typesetter>> Typesetter::Create(bool check_fonts) {
  std::unique_ptr<Typesetter> ts(new Typesetter());
  ts->font_map_.reset(pango_cairo_font_map_new());
  if (!ts->font_map_) return Fail(ErrorCode::kInternal, "PDF report: pango has no cairo font map");
  pango_cairo_font_map_set_resolution(PANGO_CAIRO_FONT_MAP(ts->font_map_.get()), 72.0);
  ts->context_.reset(pango_font_map_create_context(ts->font_map_.get()));
  // PDF font options, as cairo's PDF surface reports them: unhinted outlines and metrics, so
  // text measured here is placed identically when drawn.
  std::unique_ptr<cairo_font_options_t, FontOptionsDestroy> options(cairo_font_options_create());
  cairo_font_options_set_hint_style(options.get(), CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(options.get(), CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias(options.get(), CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options(ts->context_.get(), options.get());
  pango_cairo_context_set_resolution(ts->context_.get(), 72.0);
  pango_context_set_round_glyph_positions(ts->context_.get(), FALSE);
  pango_context_set_language(ts->context_.get(), pango_language_from_string("en"));

  if (check_fonts) MFX_RETURN_IF_ERROR(ts->CheckFonts(RequiredFonts()));
  return ts;
}

Status Typesetter::CheckFonts(const std::vector<RequiredFont>& fonts) const {
  std::string missing;
  for (const RequiredFont& f : fonts) {
    FontDescPtr desc(pango_font_description_new());
    pango_font_description_set_family(desc.get(), f.family.c_str());
    pango_font_description_set_size(desc.get(), 10 * PANGO_SCALE);
    FontPtr font(pango_context_load_font(context_.get(), desc.get()));
    std::string got = "nothing";
    bool ok = false;
    if (font) {
      FontDescPtr actual(pango_font_describe(font.get()));
      const char* family = pango_font_description_get_family(actual.get());
      got = family ? family : "";
      ok = g_ascii_strcasecmp(got.c_str(), f.family.c_str()) == 0 &&
           (f.sample == 0 || pango_font_has_char(font.get(), static_cast<gunichar>(f.sample)));
    }
    if (!ok) {
      if (!missing.empty()) missing += "; ";
      missing += "'" + f.family + "' (resolves to '" + got + "'; Debian package " + f.package + ")";
    }
  }
  if (!missing.empty()) {
    return Fail(ErrorCode::kNotFound,
                "PDF report: required fonts are not installed: " + missing +
                    ". Without them Arabic, Hebrew, CJK or emoji text would print as empty boxes or in the "
                    "wrong glyphs; install the packages (scripts/setup) and run again");
  }
  return {};
}

std::string Typesetter::ResolvedFamily(const std::string& family) const {
  FontDescPtr desc(pango_font_description_from_string(family.c_str()));
  FontPtr font(pango_context_load_font(context_.get(), desc.get()));
  if (!font) return "";
  FontDescPtr actual(pango_font_describe(font.get()));
  const char* f = pango_font_description_get_family(actual.get());
  return f ? f : "";
}

bool Typesetter::IsEmojiFont(PangoFont* font) const {
  if (!font) return false;
  const auto it = emoji_font_.find(font);
  if (it != emoji_font_.end()) return it->second;
  FontDescPtr desc(pango_font_describe(font));
  const char* family = pango_font_description_get_family(desc.get());
  const bool emoji = family && g_ascii_strcasecmp(family, "Noto Color Emoji") == 0;
  emoji_font_.emplace(font, emoji);
  return emoji;
}

const Typesetter::EmojiImage& Typesetter::Emoji(const std::string& text, double size_points) const {
  const auto key = std::make_pair(text, static_cast<int>(size_points * 100));
  if (const auto it = emoji_images_.find(key); it != emoji_images_.end()) return it->second;
  EmojiImage image;
  // Noto Color Emoji's bitmaps are 136×128 at 109 ppem: render near that, never below 4×.
  image.scale = std::max(4.0, 109.0 / std::max(size_points, 1.0));
  FontDescPtr desc(pango_font_description_from_string("Noto Color Emoji"));
  pango_font_description_set_size(desc.get(), pango_units_from_double(size_points * image.scale));
  LayoutPtr layout(pango_layout_new(context_.get()));
  pango_layout_set_font_description(layout.get(), desc.get());
  pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
  PangoRectangle ink, logical;
  pango_layout_get_pixel_extents(layout.get(), &ink, &logical);
  const int w = std::max(1, logical.width);
  const int h = std::max(1, logical.height);
  image.surface.reset(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h));
  CairoPtr cr(cairo_create(image.surface.get()));
  pango_cairo_show_layout(cr.get(), layout.get());
  cairo_surface_flush(image.surface.get());
  image.baseline = ToPt(pango_layout_get_baseline(layout.get())) / image.scale;
  return emoji_images_.emplace(key, std::move(image)).first->second;
}

StyleId Typesetter::AddStyle(TextStyle style) {
  Style s;
  s.desc.reset(pango_font_description_from_string(style.font.c_str()));
  s.style = std::move(style);
  styles_.push_back(std::move(s));
  return static_cast<StyleId>(styles_.size() - 1);
}

LayoutPtr Typesetter::Layout(const VisibleText& text, StyleId style_id, double width) const {
  const Style& s = styles_.at(style_id);
  LayoutPtr layout(pango_layout_new(context_.get()));
  pango_layout_set_font_description(layout.get(), s.desc.get());
  pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_width(layout.get(), width > 0 ? pango_units_from_double(width) : -1);
  pango_layout_set_alignment(layout.get(), s.style.align);
  if (s.style.line_spacing > 0) pango_layout_set_line_spacing(layout.get(), static_cast<float>(s.style.line_spacing));
  pango_layout_set_text(layout.get(), text.text.data(), static_cast<int>(text.text.size()));
  AttrListPtr attrs(pango_attr_list_new());
  // Pango >= 1.44 inserts a hyphen where it breaks inside a word: in a hash, a phone number or a
  // path that would print a character the evidence does not contain.
  pango_attr_list_insert(attrs.get(), pango_attr_insert_hyphens_new(FALSE));
  {
    if (!text.language.empty()) {
      PangoAttribute* a = pango_attr_language_new(pango_language_from_string(text.language.c_str()));
      a->start_index = 0;
      a->end_index = PANGO_ATTR_INDEX_TO_TEXT_END;
      pango_attr_list_insert(attrs.get(), a);
    }
    for (const auto& [begin, end] : text.markers) {
      PangoAttribute* fg = pango_attr_foreground_new(Channel(0.62), Channel(0.05), Channel(0.05));
      fg->start_index = begin;
      fg->end_index = end;
      pango_attr_list_insert(attrs.get(), fg);
      PangoAttribute* bg = pango_attr_background_new(Channel(1.0), Channel(0.93), Channel(0.70));
      bg->start_index = begin;
      bg->end_index = end;
      pango_attr_list_insert(attrs.get(), bg);
    }
  }
  pango_layout_set_attributes(layout.get(), attrs.get());
  return layout;
}

Flow::Flow(const Typesetter& typesetter, PageSetup setup, StyleId note_style)
    : ts_(typesetter), setup_(setup), note_style_(note_style) {
  StartPage();
}

const VisibleText* Flow::Own(VisibleText text) {
  texts_.push_back(std::move(text));
  return &texts_.back();
}

std::vector<Flow::LineBox> Flow::Lines(const VisibleText& text, StyleId style, double width) const {
  std::vector<LineBox> lines;
  LayoutPtr layout = ts_.Layout(text, style, width);
  LayoutIterPtr it(pango_layout_get_iter(layout.get()));
  do {
    int y0 = 0, y1 = 0;
    pango_layout_iter_get_line_yrange(it.get(), &y0, &y1);
    lines.push_back({static_cast<float>(ToPt(y0)), static_cast<float>(ToPt(y1)),
                     static_cast<float>(ToPt(pango_layout_iter_get_baseline(it.get())))});
  } while (pango_layout_iter_next_line(it.get()));
  return lines;
}

double Flow::Height(const VisibleText& text, StyleId style, double width) const {
  const auto lines = Lines(text, style, width);
  return lines.empty() ? 0 : lines.back().bottom;
}

double Flow::NaturalWidth(const VisibleText& text, StyleId style) const {
  LayoutPtr layout = ts_.Layout(text, style, -1);
  PangoRectangle logical;
  pango_layout_get_extents(layout.get(), nullptr, &logical);
  return ToPt(logical.width);
}

void Flow::StartPage() {
  pages_.push_back(Page{exhibit_, setup_.width, setup_.height, {}});
  y_ = BodyTop();
  page_has_content_ = false;
  if (table_) table_->header_on_page = false;
}

void Flow::BreakPage() {
  const size_t old = pages_.size() - 1;
  const double old_y = y_;
  StartPage();
  if (keep_ && keep_->page == old && keep_->y > BodyTop() + 0.5) {
    auto& from = pages_[old].items;
    auto& to = pages_.back().items;
    const double dy = BodyTop() - keep_->y;
    for (size_t i = keep_->item; i < from.size(); ++i) {
      Shift(from[i], dy);
      to.push_back(std::move(from[i]));
    }
    from.resize(keep_->item);
    y_ = old_y + dy;
    page_has_content_ = true;
    keep_ = Keep{pages_.size() - 1, 0, BodyTop()};
  } else if (keep_) {
    keep_.reset();
  }
}

void Flow::Shift(Item& item, double dy) {
  const auto d = static_cast<float>(dy);
  std::visit(
      [d](auto& i) {
        using T = std::decay_t<decltype(i)>;
        if constexpr (std::is_same_v<T, TextItem>) {
          i.y_origin += d;
        } else if constexpr (std::is_same_v<T, LineItem>) {
          i.y1 += d;
          i.y2 += d;
        } else {
          i.y += d;
        }
      },
      item);
}

void Flow::Space(double points) {
  if (!page_has_content_) return;
  y_ = std::min(y_ + points, BodyBottom());
}

void Flow::NewPage() {
  keep_.reset();
  if (page_has_content_) StartPage();
}

void Flow::NeedRoom(double points) {
  if (page_has_content_ && Remaining() < points) BreakPage();
}

void Flow::SetExhibit(const std::string& exhibit_id) {
  exhibit_ = exhibit_id;
  if (!page_has_content_) pages_.back().exhibit = exhibit_id;
}

void Flow::SetLandscape(bool landscape) {
  if ((setup_.width > setup_.height) == landscape) return;
  std::swap(setup_.width, setup_.height);
  keep_.reset();
  if (page_has_content_) {
    StartPage();
  } else {
    pages_.back().width = setup_.width;
    pages_.back().height = setup_.height;
    y_ = BodyTop();
  }
}

void Flow::Heading(const VisibleText* text, StyleId style, int outline_level, const std::string& dest,
                   const std::string& outline_title, double space_before, double space_after,
                   std::optional<Rgb> rule) {
  Space(space_before);
  // The heading with its rule must fit with at least a few lines of what follows.
  NeedRoom(Height(*text, style, BodyWidth()) + 48);
  std::optional<Keep> keep = keep_;
  if (!keep) keep = Keep{pages_.size() - 1, pages_.back().items.size(), y_};
  if (!dest.empty()) {
    pages_.back().items.push_back(DestItem{dest, static_cast<float>(setup_.margin_left), static_cast<float>(y_)});
  }
  if (outline_level > 0 && !dest.empty()) outlines_.push_back({outline_level, outline_title, dest});
  PlaceRow({{0, BodyWidth()}}, {{text, style}}, RowOptions{}, false);
  if (rule) {
    const auto y = static_cast<float>(y_ + 2);
    pages_.back().items.push_back(LineItem{static_cast<float>(setup_.margin_left), y,
                                           static_cast<float>(setup_.margin_left + BodyWidth()), y, 0.8f, *rule});
    y_ += 2;
  }
  // PlaceRow may have moved the group to a new page; it is then at the top of that page.
  if (keep->page != pages_.size() - 1) keep = Keep{pages_.size() - 1, 0, BodyTop()};
  keep_ = keep;
  Space(space_after);
}

void Flow::Paragraph(const VisibleText* text, StyleId style, double space_after, double indent) {
  RowOptions o;
  o.paragraph = true;
  PlaceRow({{indent, BodyWidth() - indent}}, {{text, style}}, o, false);
  Space(space_after);
}

void Flow::Row(const std::vector<Column>& columns, const std::vector<Cell>& cells, const RowOptions& options) {
  PlaceRow(columns, cells, options, false);
}

void Flow::Rule(Rgb color, double width, double space_after) {
  if (!page_has_content_) return;
  const auto y = static_cast<float>(y_);
  pages_.back().items.push_back(LineItem{static_cast<float>(setup_.margin_left), y,
                                         static_cast<float>(setup_.margin_left + BodyWidth()), y,
                                         static_cast<float>(width), color});
  Space(space_after);
}

void Flow::BeginTable(const std::vector<Column>& columns, const std::vector<Cell>& header,
                      const RowOptions& header_options, const VisibleText* caption) {
  TableState t;
  t.columns = columns;
  t.header = header;
  t.header_options = header_options;
  t.caption = caption;
  double h = 0;
  for (size_t i = 0; i < header.size() && i < columns.size(); ++i) {
    if (header[i].text) {
      h = std::max(h, Height(*header[i].text, header[i].style, columns[i].width - 2 * header_options.pad_x));
    }
  }
  t.header_height = h + 2 * header_options.pad_y;
  if (caption) t.caption_height = Height(*caption, note_style_, BodyWidth()) + 2;
  table_ = std::move(t);
}

void Flow::EndTable() { table_.reset(); }

bool Flow::TableContinues() const {
  return table_ && table_->first_page != SIZE_MAX && table_->first_page < pages_.size() - 1;
}

void Flow::PlaceTableHeader() {
  TableState& t = *table_;
  // The caption only on pages the table continues onto: on its first page the heading above
  // names it.
  if (t.caption && TableContinues()) {
    pages_.back().items.push_back(TextItem{t.caption, note_style_, static_cast<float>(setup_.margin_left),
                                           static_cast<float>(y_), static_cast<float>(BodyWidth()), 0, 1u << 30});
    y_ += t.caption_height;
  }
  if (t.first_page == SIZE_MAX) t.first_page = pages_.size() - 1;
  t.header_on_page = true;
  PlaceRow(t.columns, t.header, t.header_options, true);
}

void Flow::PlaceRow(const std::vector<Column>& columns, const std::vector<Cell>& cells, const RowOptions& o,
                    bool is_header) {
  struct CellLines {
    std::vector<LineBox> lines;
    size_t next = 0;
  };
  const size_t n = std::min(columns.size(), cells.size());
  std::vector<CellLines> cl(n);
  for (size_t i = 0; i < n; ++i) {
    if (cells[i].text && !cells[i].text->text.empty()) {
      cl[i].lines = Lines(*cells[i].text, cells[i].style, columns[i].width - 2 * o.pad_x);
    }
  }
  // Cells start on a common baseline (a label in 8 pt beside a hash in 7.5 pt mono): each cell
  // is lowered by the difference between its first baseline and the deepest one.
  std::vector<double> drop(n, 0);
  auto align = [&] {
    double deepest = 0;
    for (size_t i = 0; i < n; ++i) {
      const auto& c = cl[i];
      if (c.next < c.lines.size()) deepest = std::max(deepest, double(c.lines[c.next].baseline - c.lines[c.next].top));
    }
    for (size_t i = 0; i < n; ++i) {
      const auto& c = cl[i];
      drop[i] = c.next < c.lines.size() ? deepest - (c.lines[c.next].baseline - c.lines[c.next].top) : 0;
    }
  };
  auto remaining = [&](size_t i) {
    const auto& c = cl[i];
    return c.next < c.lines.size() ? static_cast<double>(c.lines.back().bottom - c.lines[c.next].top) + drop[i]
                                   : 0.0;
  };
  const double split_limit = BodyHeight() / 3;
  const double note_h = (is_header || o.paragraph) ? 0 : kNoteHeight;
  bool first = true;
  for (;;) {
    align();
    double content = 0;
    for (size_t i = 0; i < n; ++i) content = std::max(content, remaining(i));
    const double need = content + 2 * o.pad_y;
    const bool header_due = table_ && !is_header && !table_->header_on_page;
    const double header_need =
        header_due ? table_->header_height + (TableContinues() && table_->caption ? table_->caption_height : 0) : 0;
    const double avail = BodyBottom() - y_;
    // Moving on is pointless when the page holds only a heading group kept with this row.
    const bool can_move =
        page_has_content_ && !(keep_ && keep_->page == pages_.size() - 1 && keep_->y <= BodyTop() + 0.5);
    std::vector<size_t> take(n, 0);
    bool more = false;
    if (need + header_need <= avail + kEps) {
      for (size_t i = 0; i < n; ++i) take[i] = cl[i].lines.size() - cl[i].next;
    } else {
      if (can_move && !o.paragraph && need <= split_limit) {
        BreakPage();
        continue;
      }
      const double room = avail - header_need - 2 * o.pad_y - note_h;
      bool any = false;
      for (size_t i = 0; i < n; ++i) {
        auto& c = cl[i];
        size_t k = 0;
        while (c.next + k < c.lines.size() &&
               c.lines[c.next + k].bottom - c.lines[c.next].top + drop[i] <= room + kEps) {
          ++k;
        }
        take[i] = k;
        any |= k > 0;
      }
      if (o.paragraph && n == 1) {
        // Orphans and widows: two lines at least on each side when the paragraph allows it.
        const size_t total = cl[0].lines.size() - cl[0].next;
        if (total - take[0] < 2 && take[0] > 2) take[0] = total - 2;
        if (take[0] < 2 && can_move) {
          BreakPage();
          continue;
        }
        any = take[0] > 0;
      }
      if (!any) {
        if (can_move) {
          BreakPage();
          continue;
        }
        for (size_t i = 0; i < n; ++i) take[i] = cl[i].next < cl[i].lines.size() ? 1 : 0;
      }
      for (size_t i = 0; i < n; ++i) more |= cl[i].next + take[i] < cl[i].lines.size();
    }

    if (header_due) PlaceTableHeader();
    const double top = y_;
    auto& items = pages_.back().items;
    double h = 0;
    for (size_t i = 0; i < n; ++i) {
      if (take[i] == 0) continue;
      const auto& c = cl[i];
      h = std::max(h, static_cast<double>(c.lines[c.next + take[i] - 1].bottom - c.lines[c.next].top) + drop[i]);
    }
    const bool label = !first && o.continued_label && n > 0 && take[0] == 0;
    std::vector<LineBox> label_lines;
    if (label) {
      label_lines = Lines(*o.continued_label, note_style_, columns[0].width - 2 * o.pad_x);
      h = std::max(h, static_cast<double>(label_lines.back().bottom));
    }
    h += 2 * o.pad_y;
    const double left = setup_.margin_left;
    if (o.fill && n > 0) {
      items.push_back(RectItem{static_cast<float>(left + columns[0].x), static_cast<float>(top),
                               static_cast<float>(columns[n - 1].x + columns[n - 1].width - columns[0].x),
                               static_cast<float>(h), *o.fill});
    }
    for (size_t i = 0; i < n; ++i) {
      if (take[i] == 0) continue;
      auto& c = cl[i];
      items.push_back(TextItem{cells[i].text, cells[i].style, static_cast<float>(left + columns[i].x + o.pad_x),
                               static_cast<float>(top + o.pad_y + drop[i] - c.lines[c.next].top),
                               static_cast<float>(columns[i].width - 2 * o.pad_x), static_cast<uint32_t>(c.next),
                               static_cast<uint32_t>(c.next + take[i])});
      c.next += take[i];
    }
    if (label) {
      items.push_back(TextItem{o.continued_label, note_style_, static_cast<float>(left + columns[0].x + o.pad_x),
                               static_cast<float>(top + o.pad_y), static_cast<float>(columns[0].width - 2 * o.pad_x),
                               0, static_cast<uint32_t>(label_lines.size())});
    }
    if (o.rule_below && n > 0) {
      const auto y = static_cast<float>(top + h);
      items.push_back(LineItem{static_cast<float>(left + columns[0].x), y,
                               static_cast<float>(left + columns[n - 1].x + columns[n - 1].width), y, 0.4f,
                               *o.rule_below});
    }
    y_ = top + h;
    if (!is_header) {
      page_has_content_ = true;
      keep_.reset();
    }
    if (!more) break;
    if (note_h > 0) {
      const VisibleText* note = Own(MakeVisible("continued on page " + std::to_string(pages_.size() + 1)));
      items.push_back(TextItem{note, note_style_, static_cast<float>(left), static_cast<float>(y_ + 1),
                               static_cast<float>(BodyWidth()), 0, 1});
      y_ += note_h;
    }
    BreakPage();
    first = false;
  }
}

void Flow::ContentsLine(const VisibleText* title, StyleId style, StyleId number_style, const std::string& dest,
                        double indent) {
  const double number_w = 36;
  const double h = Height(*title, style, BodyWidth() - indent - number_w - 8);
  NeedRoom(h);
  const double top = y_;
  PlaceRow({{indent, BodyWidth() - indent - number_w - 8}}, {{title, style}}, RowOptions{}, false);
  auto& items = pages_.back().items;
  items.push_back(PageRefItem{dest, number_style, static_cast<float>(setup_.margin_left + BodyWidth() - number_w),
                              static_cast<float>(top), static_cast<float>(number_w)});
  items.push_back(LinkItem{dest, static_cast<float>(setup_.margin_left + indent), static_cast<float>(top),
                           static_cast<float>(BodyWidth() - indent), static_cast<float>(y_ - top)});
}

void Flow::DrawText(cairo_t* cr, const TextItem& t) const {
  LayoutPtr layout = ts_.Layout(*t.text, t.style, t.width);
  const Rgb& c = ts_.style(t.style).color;
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
  LayoutIterPtr it(pango_layout_get_iter(layout.get()));
  uint32_t index = 0;
  do {
    if (index >= t.line_end) break;
    if (index >= t.line_begin) {
      PangoRectangle logical;
      pango_layout_iter_get_line_extents(it.get(), nullptr, &logical);
      const int baseline = pango_layout_iter_get_baseline(it.get());
      PangoLayoutLine* line = pango_layout_iter_get_line_readonly(it.get());
      const double line_x = t.x + ToPt(logical.x);
      const double baseline_y = t.y_origin + ToPt(baseline);
      // Emoji runs: blank their glyphs (advances kept) so pango draws the rest of the line, then
      // paint them from high-resolution images. The layout is this call's own, so the glyphs
      // need no restoring.
      struct EmojiRun {
        double x;
        std::string text;
        double size;
      };
      std::vector<EmojiRun> emoji;
      double run_x = 0;
      for (GSList* l = line->runs; l; l = l->next) {
        auto* run = static_cast<PangoGlyphItem*>(l->data);
        PangoFont* font = run->item->analysis.font;
        if (ts_.IsEmojiFont(font)) {
          FontDescPtr desc(pango_font_describe(font));
          emoji.push_back({run_x, std::string(pango_layout_get_text(layout.get()) + run->item->offset,
                                              static_cast<size_t>(run->item->length)),
                           ToPt(pango_font_description_get_size(desc.get()))});
          for (int g = 0; g < run->glyphs->num_glyphs; ++g) run->glyphs->glyphs[g].glyph = PANGO_GLYPH_EMPTY;
        }
        run_x += ToPt(pango_glyph_string_get_width(run->glyphs));
      }
      cairo_move_to(cr, line_x, baseline_y);
      pango_cairo_show_layout_line(cr, line);
      for (const EmojiRun& e : emoji) {
        const Typesetter::EmojiImage& img = ts_.Emoji(e.text, e.size);
        cairo_save(cr);
        cairo_translate(cr, line_x + e.x, baseline_y - img.baseline);
        cairo_scale(cr, 1 / img.scale, 1 / img.scale);
        cairo_set_source_surface(cr, img.surface.get(), 0, 0);
        cairo_paint(cr);
        cairo_restore(cr);
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
      }
    }
    ++index;
  } while (pango_layout_iter_next_line(it.get()));
}

Status Flow::Render(cairo_surface_t* surface, const PageDecor& decor) const {
  CairoPtr cr(cairo_create(surface));
  std::map<std::string, int> dest_page;
  for (size_t p = 0; p < pages_.size(); ++p) {
    for (const Item& item : pages_[p].items) {
      if (const auto* d = std::get_if<DestItem>(&item)) dest_page.emplace(d->name, static_cast<int>(p + 1));
    }
  }
  const int total = PageCount();
  const double left = setup_.margin_left;
  for (size_t p = 0; p < pages_.size(); ++p) {
    const int page = static_cast<int>(p + 1);
    // Before anything is drawn on the page (cairo_pdf_surface_set_size's contract).
    cairo_pdf_surface_set_size(surface, pages_[p].width, pages_[p].height);
    const double width = pages_[p].width - setup_.margin_left - setup_.margin_right;
    const double page_height = pages_[p].height;
    cairo_t* c = cr.get();
    // Running header and footer.
    if (decor.header) {
      const VisibleText h = MakeVisible(decor.header(page, total, pages_[p].exhibit));
      DrawText(c, TextItem{&h, decor.header_style, static_cast<float>(left), static_cast<float>(setup_.margin_top - 34),
                           static_cast<float>(width), 0, 1u << 30});
      cairo_set_source_rgb(c, decor.rule.r, decor.rule.g, decor.rule.b);
      cairo_set_line_width(c, 0.5);
      cairo_move_to(c, left, setup_.margin_top - 18);
      cairo_line_to(c, left + width, setup_.margin_top - 18);
      cairo_stroke(c);
    }
    if (decor.footer) {
      const double rule_y = page_height - setup_.margin_bottom + 16;
      cairo_set_source_rgb(c, decor.rule.r, decor.rule.g, decor.rule.b);
      cairo_set_line_width(c, 0.5);
      cairo_move_to(c, left, rule_y);
      cairo_line_to(c, left + width, rule_y);
      cairo_stroke(c);
      const VisibleText f = MakeVisible(decor.footer(page, total, pages_[p].exhibit));
      DrawText(c, TextItem{&f, decor.footer_style, static_cast<float>(left), static_cast<float>(rule_y + 5),
                           static_cast<float>(width), 0, 1u << 30});
    }
    for (const Item& item : pages_[p].items) {
      std::visit(
          [&](const auto& i) {
            using T = std::decay_t<decltype(i)>;
            if constexpr (std::is_same_v<T, TextItem>) {
              DrawText(c, i);
            } else if constexpr (std::is_same_v<T, RectItem>) {
              cairo_set_source_rgb(c, i.fill.r, i.fill.g, i.fill.b);
              cairo_rectangle(c, i.x, i.y, i.w, i.h);
              cairo_fill(c);
            } else if constexpr (std::is_same_v<T, LineItem>) {
              cairo_set_source_rgb(c, i.color.r, i.color.g, i.color.b);
              cairo_set_line_width(c, i.width);
              cairo_move_to(c, i.x1, i.y1);
              cairo_line_to(c, i.x2, i.y2);
              cairo_stroke(c);
            } else if constexpr (std::is_same_v<T, DestItem>) {
              const std::string attrs = "name='" + i.name + "' x=" + Num(i.x) + " y=" + Num(i.y);
              cairo_tag_begin(c, CAIRO_TAG_DEST, attrs.c_str());
              cairo_tag_end(c, CAIRO_TAG_DEST);
            } else if constexpr (std::is_same_v<T, LinkItem>) {
              const std::string attrs = "rect=[" + Num(i.x) + " " + Num(i.y) + " " + Num(i.w) + " " + Num(i.h) +
                                        "] dest='" + i.dest + "'";
              cairo_tag_begin(c, CAIRO_TAG_LINK, attrs.c_str());
              cairo_tag_end(c, CAIRO_TAG_LINK);
            } else if constexpr (std::is_same_v<T, PageRefItem>) {
              const auto found = dest_page.find(i.dest);
              const VisibleText number = MakeVisible(found == dest_page.end() ? "?" : std::to_string(found->second));
              DrawText(c, TextItem{&number, i.style, i.x, i.y, i.width, 0, 1u << 30});
            }
          },
          item);
    }
    cairo_show_page(c);
  }
  int parents[8] = {CAIRO_PDF_OUTLINE_ROOT, CAIRO_PDF_OUTLINE_ROOT, CAIRO_PDF_OUTLINE_ROOT, CAIRO_PDF_OUTLINE_ROOT,
                    CAIRO_PDF_OUTLINE_ROOT, CAIRO_PDF_OUTLINE_ROOT, CAIRO_PDF_OUTLINE_ROOT, CAIRO_PDF_OUTLINE_ROOT};
  for (const Outline& o : outlines_) {
    const int level = std::clamp(o.level, 1, 7);
    const int parent = parents[level - 1];
    const std::string link = "dest='" + o.dest + "'";
    const int id = cairo_pdf_surface_add_outline(surface, parent, o.title.c_str(), link.c_str(),
                                                 level == 1 ? CAIRO_PDF_OUTLINE_FLAG_OPEN
                                                            : static_cast<cairo_pdf_outline_flags_t>(0));
    for (int l = level; l < 8; ++l) parents[l] = id;
  }
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
    return Fail(ErrorCode::kIo, std::string("PDF report: cairo: ") + cairo_status_to_string(cairo_status(cr.get())));
  }
  return {};
}

}  // namespace mfx::reports::pdf
