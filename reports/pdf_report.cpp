#include "reports/pdf_report.h"

#include <cairo-pdf.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <system_error>

#include "core/time.h"
#include "core/timezone.h"
#include "reports/pdf_layout.h"
#include "reports/pdf_text.h"

namespace mfx::reports {

namespace {

using nlohmann::json;
using pdf::Cell;
using pdf::Column;
using pdf::Flow;
using pdf::Rgb;
using pdf::RowOptions;
using pdf::StyleId;
using pdf::TextStyle;
using pdf::Typesetter;
using pdf::VisibleText;

// The model schema this renderer reads (report_model.h's kReportModelSchema; not included here
// so the two headers can be used apart).
constexpr const char* kModelSchema = "mfx-report/1";

constexpr Rgb kInk{0.10, 0.11, 0.13};
constexpr Rgb kAccent{0.09, 0.20, 0.37};
constexpr Rgb kGrey{0.36, 0.38, 0.42};
constexpr Rgb kLightGrey{0.55, 0.57, 0.60};
constexpr Rgb kRule{0.72, 0.75, 0.80};
constexpr Rgb kHeaderFill{0.86, 0.89, 0.94};
constexpr Rgb kZebra{0.953, 0.960, 0.973};
constexpr Rgb kNoticeFill{1.0, 0.962, 0.875};
constexpr Rgb kAlert{0.62, 0.09, 0.09};

const json& Null() {
  static const json kNull;
  return kNull;
}

// Member access that never throws and never asserts: a missing key or a non-object gives null.
const json& Get(const json& j, const std::string& key) {
  if (!j.is_object()) return Null();
  const auto it = j.find(key);
  return it == j.end() ? Null() : *it;
}

std::string Str(const json& j);

std::string Join(const json& arr, std::string_view sep) {
  std::string out;
  for (const auto& v : arr) {
    if (!out.empty()) out += sep;
    out += Str(v);
  }
  return out;
}

std::string Humanize(const std::string& key);

// Any JSON value as report text: strings as they are, numbers in full, true/false as yes/no,
// arrays joined, objects as "key: value; …" — never the exception nlohmann throws for invalid
// UTF-8 (such bytes become markers in MakeVisible instead).
std::string Str(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "";
    case json::value_t::string: return j.get_ref<const std::string&>();
    case json::value_t::boolean: return j.get<bool>() ? "yes" : "no";
    case json::value_t::array: return Join(j, ", ");
    case json::value_t::object: {
      std::string out;
      for (const auto& [k, v] : j.items()) {
        if (v.is_null()) continue;
        if (!out.empty()) out += "; ";
        out += Humanize(k) + ": " + Str(v);
      }
      return out;
    }
    default: return j.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

std::string Str(const json& j, const std::string& key) { return Str(Get(j, key)); }

std::string OrNot(std::string s, std::string fallback = "not recorded") { return s.empty() ? fallback : s; }

std::string Humanize(const std::string& key) {
  static const std::map<std::string, std::string> kKnown = {
      {"udid", "UDID"},
      {"imei", "IMEI"},
      {"imei2", "IMEI 2"},
      {"meid", "MEID"},
      {"iccid", "ICCID"},
      {"ios_version", "iOS version"},
      {"build_version", "iOS build"},
      {"product_type", "Product type"},
      {"serial_number", "Serial number"},
      {"phone_number", "Phone number"},
      {"device_name", "Device name"},
      {"sha256", "SHA-256"},
      {"id", "Id"},
      {"utc", "UTC"},
      {"url", "URL"},
      {"wifi_address", "Wi-Fi address"},
      {"bluetooth_address", "Bluetooth address"},
  };
  if (const auto it = kKnown.find(key); it != kKnown.end()) return it->second;
  std::string out = key;
  std::replace(out.begin(), out.end(), '_', ' ');
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  for (const char* acronym : {" sha256", " utc", " url", " id"}) {
    const std::string a(acronym);
    if (out.size() >= a.size() && out.compare(out.size() - a.size(), a.size(), a) == 0) {
      out.replace(out.size() - a.size(), a.size(),
                  a == " sha256" ? " SHA-256" : a == " utc" ? " UTC" : a == " url" ? " URL" : " id");
    }
  }
  return out;
}

// An object's members with `preferred` keys first, in that order, then the rest (nlohmann keeps
// keys sorted, which would put "build_version" before "device_name").
std::vector<std::pair<std::string, const json*>> Ordered(const json& obj, std::initializer_list<const char*> preferred) {
  std::vector<std::pair<std::string, const json*>> out;
  if (!obj.is_object()) return out;
  for (const char* k : preferred) {
    if (const auto it = obj.find(k); it != obj.end()) out.emplace_back(k, &*it);
  }
  for (const auto& [k, v] : obj.items()) {
    if (std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == k; }) == out.end()) {
      out.emplace_back(k, &v);
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string WithThousands(uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Bytes(const json& j) {
  if (!j.is_number_unsigned() && !j.is_number_integer()) return Str(j);
  const auto v = j.get<uint64_t>();
  char buf[64];
  const double gib = static_cast<double>(v) / (1024.0 * 1024.0 * 1024.0);
  const double mib = static_cast<double>(v) / (1024.0 * 1024.0);
  if (gib >= 1) {
    std::snprintf(buf, sizeof buf, " (%.2f GiB)", gib);
  } else if (mib >= 1) {
    std::snprintf(buf, sizeof buf, " (%.1f MiB)", mib);
  } else {
    buf[0] = 0;
  }
  return WithThousands(v) + " bytes" + buf;
}

std::string Count(const json& j) {
  if (j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0)) {
    return WithThousands(j.get<uint64_t>());
  }
  return Str(j);
}

std::string Plural(uint64_t n, const std::string& one, const std::string& many) {
  return WithThousands(n) + " " + (n == 1 ? one : many);
}

// "2026-03-14T09:41:07.512Z" → "2026-03-14T09:41:07Z" for cairo's CREATE_DATE (cairo 1.16
// copies the digits it understands; a fraction would end up in the PDF date).
std::string PdfDate(const std::string& iso) {
  std::string out = iso;
  const size_t dot = out.find('.');
  if (dot != std::string::npos) {
    size_t end = dot + 1;
    while (end < out.size() && out[end] >= '0' && out[end] <= '9') ++end;
    out.erase(dot, end - dot);
  }
  return out;
}

struct Styles {
  StyleId title, subtitle, h1, h2, h3, body, body_bold, body_italic, label, value, mono, code, small,
      cell, cell_bold, cell_mono, cell_grey, cell_alert, cell_right, header_cell, note, header, footer, toc,
      toc_bold, toc_number, end_mark, agency;
};

// Arabic and Hebrew fonts named right after the Latin family: left to fontconfig's fallback,
// both went to DejaVu Sans (whose Arabic is a basic design). CJK is deliberately not listed: the
// language tag then lets fonts-noto-cjk's rules pick JP or SC glyph forms; emoji go to Noto Color
// Emoji through fontconfig's emoji rules.
std::string WithFallbacks(const std::string& description) {
  for (const char* family : {"Noto Serif", "Noto Sans"}) {
    const std::string f = family;
    if (description.rfind(f + " ", 0) == 0) {
      return f + ", Noto Sans Arabic, Noto Sans Hebrew" + description.substr(f.size());
    }
  }
  return description;
}

Styles MakeStyles(Typesetter& ts) {
  Styles s;
  auto add = [&](const std::string& font, Rgb color, PangoAlignment align = PANGO_ALIGN_LEFT, double spacing = 0) {
    return ts.AddStyle(TextStyle{WithFallbacks(font), color, align, spacing});
  };
  s.title = add("Noto Serif Bold 22", kAccent);
  s.subtitle = add("Noto Serif 12", kGrey);
  s.agency = add("Noto Sans Bold 9.5", kAccent);
  s.h1 = add("Noto Serif Bold 15", kAccent);
  s.h2 = add("Noto Sans Bold 10.5", kAccent);
  s.h3 = add("Noto Sans Bold 9", kInk);
  s.body = add("Noto Sans 9", kInk, PANGO_ALIGN_LEFT, 1.15);
  s.body_bold = add("Noto Sans Bold 9", kInk, PANGO_ALIGN_LEFT, 1.15);
  s.body_italic = add("Noto Sans Italic 8.5", kGrey, PANGO_ALIGN_LEFT, 1.1);
  s.label = add("Noto Sans 8", kGrey);
  s.value = add("Noto Sans 8.5", kInk);
  s.mono = add("DejaVu Sans Mono 7.5", kInk);
  s.code = add("DejaVu Sans Mono 7.5", kAccent);
  s.small = add("Noto Sans 7.5", kGrey);
  s.cell = add("Noto Sans 7.5", kInk);
  s.cell_bold = add("Noto Sans Bold 7.5", kInk);
  s.cell_mono = add("DejaVu Sans Mono 6.5", kInk);
  s.cell_grey = add("Noto Sans 7", kGrey);
  s.cell_alert = add("Noto Sans Bold 7.5", kAlert);
  s.cell_right = add("Noto Sans 7.5", kInk, PANGO_ALIGN_RIGHT);
  s.header_cell = add("Noto Sans Bold 7.5", kAccent);
  s.note = add("Noto Sans Italic 7", kGrey);
  s.header = add("Noto Sans 7", kGrey);
  s.footer = add("Noto Sans 7", kGrey, PANGO_ALIGN_CENTER);
  s.toc = add("Noto Sans 9.5", kInk);
  s.toc_bold = add("Noto Sans Bold 9.5", kAccent);
  s.toc_number = add("Noto Sans 9.5", kInk, PANGO_ALIGN_RIGHT);
  s.end_mark = add("Noto Serif Italic 9", kGrey, PANGO_ALIGN_CENTER);
  return s;
}

struct TocEntry {
  int level;
  std::string title;
  std::string dest;
};

class Builder {
 public:
  Builder(const json& model, const PdfOptions& options, Typesetter& ts)
      : m_(model), options_(options), ts_(ts), s_(MakeStyles(ts)), flow_(ts, pdf::PageSetup{}, s_.note) {
    case_ = Get(m_, "case");
    case_no_ = OrNot(Str(case_, "case_number"), "(no case number)");
    report_id_ = OrNot(Str(m_, "report_id"), "(no report id)");
    revision_ = OrNot(Str(m_, "revision"), "1");
    examiner_ = Str(case_, "examiner");
    initials_ = OrNot(pdf::InitialsOf(examiner_), "-");
    for (const auto& e : Get(m_, "evidence")) {
      const std::string id = Str(e, "id");
      if (id.empty()) continue;
      exhibits_.push_back(id);
      exhibit_hash_[id] = Str(e, "hash_list_sha256");
    }
    for (const auto& e : Get(Get(m_, "integrity"), "exhibits")) {
      const std::string id = Str(e, "id");
      if (!id.empty() && exhibit_hash_[id].empty()) exhibit_hash_[id] = Str(e, "hash_list_sha256");
      if (!id.empty() && std::find(exhibits_.begin(), exhibits_.end(), id) == exhibits_.end()) {
        exhibits_.push_back(id);
      }
    }
    if (auto zone = core::TimeZone::Load(Str(m_, "display_zone")); zone) zone_ = std::move(*zone);
  }

  void Build() {
    Plan();
    flow_.SetExhibit(exhibits_.empty() ? "" : exhibits_.front());
    Cover();
    Contents();
    Authority();
    Evidence();
    Acquisition();
    Integrity();
    Processing();
    FindingsSummary();
    FindingsTables();
    Limitations();
    Appendices();
    EndMark();
  }

  Flow& flow() { return flow_; }

  pdf::PageDecor Decor() const {
    pdf::PageDecor d;
    d.header_style = s_.header;
    d.footer_style = s_.footer;
    d.rule = kRule;
    d.header = [this](int, int, const std::string& exhibit) {
      return "Case " + case_no_ + " \u00B7 Report " + report_id_ + " r" + revision_ + " \u00B7 Exhibit " +
             (exhibit.empty() ? std::string("none registered") : exhibit);
    };
    d.footer = [this](int page, int pages, const std::string& exhibit) {
      std::string hash;
      if (const auto it = exhibit_hash_.find(exhibit); it != exhibit_hash_.end()) hash = it->second.substr(0, 16);
      return "Page " + std::to_string(page) + " of " + std::to_string(pages) + " \u00B7 Evidence SHA-256 " +
             (hash.empty() ? std::string("(none)") : hash) + " \u00B7 " + initials_;
    };
    return d;
  }

  std::string Title() const {
    return pdf::AsciiOnly("Forensic examination report, case " + case_no_ + ", report " + report_id_ + " r" +
                          revision_);
  }
  const std::string& examiner() const { return examiner_; }

 private:
  const VisibleText* T(std::string_view raw) { return flow_.Own(raw); }

  // ---- building blocks ------------------------------------------------------------------------

  void Section(int number, const std::string& title, const std::string& dest) {
    const std::string full = std::to_string(number) + "  " + title;
    flow_.Heading(T(full), s_.h1, 1, dest, std::to_string(number) + " " + title, 14, 8, kAccent);
  }
  void Section(const std::string& label, const std::string& dest, int outline_level) {
    flow_.Heading(T(label), outline_level == 1 ? s_.h1 : s_.h2, outline_level, dest, label,
                  outline_level == 1 ? 14 : 10, outline_level == 1 ? 8 : 4,
                  outline_level == 1 ? std::optional<Rgb>(kAccent) : std::nullopt);
  }
  void Sub(const std::string& title, const std::string& dest = "") {
    // Headings put two spaces after their number; outline entries one.
    std::string outline = title;
    for (size_t p = outline.find("  "); p != std::string::npos; p = outline.find("  ", p)) outline.erase(p, 1);
    flow_.Heading(T(title), s_.h2, dest.empty() ? 0 : 2, dest, outline, 10, 4);
  }
  void Minor(const std::string& title) { flow_.Heading(T(title), s_.h3, 0, "", title, 6, 2); }
  void Para(const std::string& text, StyleId style, double after = 5) { flow_.Paragraph(T(text), style, after); }
  void Para(const std::string& text) { Para(text, s_.body); }

  void KV(const std::string& label, const std::string& value, std::optional<StyleId> value_style = {}) {
    const double w = flow_.BodyWidth();
    const double lw = 150;
    RowOptions o;
    o.pad_y = 1.6;
    flow_.Row({{0, lw}, {lw + 8, w - lw - 8}},
              {{T(label), s_.label}, {T(OrNot(value)), value.empty() ? s_.body_italic : value_style.value_or(s_.value)}},
              o);
  }
  void KVHash(const std::string& label, const std::string& hex) { KV(label, hex, s_.mono); }

  void Bullet(const std::string& text, StyleId style, double indent = 0) {
    RowOptions o;
    o.paragraph = true;
    o.pad_y = 1;
    const double w = flow_.BodyWidth();
    flow_.Row({{indent, 12}, {indent + 12, w - indent - 12}}, {{T("\u2022"), style}, {T(text), style}}, o);
  }

  void Notice(const std::string& text) {
    RowOptions o;
    o.fill = kNoticeFill;
    o.pad_x = 6;
    o.pad_y = 4;
    flow_.Row({{0, flow_.BodyWidth()}}, {{T(text), s_.body}}, o);
    flow_.Space(6);
  }

  struct TableSpec {
    std::vector<std::string> labels;
    std::vector<double> widths;  // points; empty = automatic
    std::vector<StyleId> styles;
    std::string caption;  // shown on continuation pages
    bool number_rows = false;
  };

  // Column widths from measured text: natural widths of the header words and of up to 150 rows
  // spread over the table; columns that fit stay natural, the others share what is left.
  std::vector<double> AutoWidths(const std::vector<std::string>& labels, const std::vector<StyleId>& styles,
                                 const json& rows, size_t row_count, size_t skip_first_model_col, double pad,
                                 const std::vector<bool>& low_priority_in = {}) {
    const size_t n = labels.size();
    std::vector<bool> low_priority = low_priority_in;
    low_priority.resize(n, false);
    const double total = flow_.BodyWidth();
    std::vector<double> min_w(n, 0), nat(n, 0);
    for (size_t c = 0; c < n; ++c) {
      size_t start = 0;
      const std::string& l = labels[c];
      while (start <= l.size()) {
        size_t end = l.find(' ', start);
        if (end == std::string::npos) end = l.size();
        const VisibleText word = pdf::MakeVisible(l.substr(start, end - start));
        min_w[c] = std::max(min_w[c], flow_.NaturalWidth(word, s_.header_cell) + 2 * pad);
        start = end + 1;
      }
      nat[c] = std::max(min_w[c], flow_.NaturalWidth(pdf::MakeVisible(l), s_.header_cell) + 2 * pad);
    }
    const size_t sample = std::min<size_t>(row_count, 150);
    for (size_t k = 0; k < sample; ++k) {
      const size_t r = sample == row_count ? k : k * row_count / sample;
      const json& row = rows.at(r);
      for (size_t c = 0; c < n; ++c) {
        std::string text;
        if (skip_first_model_col && c == 0) {
          text = std::to_string(row_count);
        } else {
          const size_t mc = c - skip_first_model_col;
          text = row.is_array() && mc < row.size() ? Str(row[mc]) : "";
        }
        if (text.size() > 600) text.resize(600);
        const double w = flow_.NaturalWidth(pdf::MakeVisible(text), styles[c]) + 2 * pad;
        nat[c] = std::max(nat[c], std::min(w, total));
      }
    }
    std::vector<double> w(n, 0);
    double sum_nat = 0;
    for (double v : nat) sum_nat += v;
    if (sum_nat <= total) {
      for (size_t c = 0; c < n; ++c) w[c] = nat[c] + (total - sum_nat) * nat[c] / sum_nat;
      return w;
    }
    // Too wide: water-filling. Find the level L with sum(min(nat, L)) = total; columns narrower
    // than L keep their natural width (times, numbers, status stay on one line), the wide ones
    // (content) get L. Provenance columns are capped first so content wins the space.
    for (size_t c = 0; c < n; ++c) {
      if (low_priority[c]) nat[c] = std::max(min_w[c], std::min(nat[c], 0.2 * total));
    }
    double lo = 0, hi = total;
    for (int iter = 0; iter < 50; ++iter) {
      const double mid = (lo + hi) / 2;
      double sum = 0;
      for (size_t c = 0; c < n; ++c) sum += std::max(min_w[c], std::min(nat[c], mid));
      (sum > total ? hi : lo) = mid;
    }
    double used = 0;
    for (size_t c = 0; c < n; ++c) {
      w[c] = std::max(min_w[c], std::min(nat[c], lo));
      used += w[c];
    }
    if (used < total) {  // the capped columns take back what is left, in proportion
      double capped = 0;
      for (size_t c = 0; c < n; ++c) capped += nat[c] > lo ? w[c] : 0;
      for (size_t c = 0; c < n; ++c) {
        if (nat[c] > lo && capped > 0) w[c] += (total - used) * w[c] / capped;
      }
    }
    return w;
  }

  static std::vector<Column> Columns(const std::vector<double>& widths) {
    std::vector<Column> cols;
    double x = 0;
    for (double w : widths) {
      cols.push_back({x, w});
      x += w;
    }
    return cols;
  }

  static constexpr double kCellPadX = 3;
  static constexpr double kCellPadY = 2.2;

  void BeginTable(const std::vector<Column>& cols, const std::vector<std::string>& labels, const std::string& caption) {
    std::vector<Cell> header;
    for (const auto& l : labels) header.push_back({T(l), s_.header_cell});
    RowOptions ho;
    ho.fill = kHeaderFill;
    ho.pad_x = kCellPadX;
    ho.pad_y = kCellPadY + 0.6;
    ho.rule_below = kAccent;
    flow_.BeginTable(cols, header, ho, caption.empty() ? nullptr : T(caption + " (continued)"));
  }

  void TableRow(const std::vector<Column>& cols, std::vector<Cell> cells, size_t index, const std::string& label,
                bool rule = true) {
    RowOptions o;
    o.pad_x = kCellPadX;
    o.pad_y = kCellPadY;
    if (index % 2 == 1) o.fill = kZebra;
    if (rule) o.rule_below = Rgb{0.85, 0.87, 0.90};
    if (!label.empty()) o.continued_label = T(label);
    flow_.Row(cols, cells, o);
  }

  // A small table of strings (sections 2–7, appendices).
  void SimpleTable(const TableSpec& spec, const std::vector<std::vector<std::string>>& rows) {
    std::vector<double> widths = spec.widths;
    if (widths.empty()) {
      json jrows = json::array();
      for (const auto& r : rows) jrows.push_back(r);
      widths = AutoWidths(spec.labels, spec.styles, jrows, rows.size(), 0, kCellPadX);
    }
    const auto cols = Columns(widths);
    BeginTable(cols, spec.labels, spec.caption);
    for (size_t r = 0; r < rows.size(); ++r) {
      std::vector<Cell> cells;
      for (size_t c = 0; c < spec.labels.size(); ++c) {
        cells.push_back({T(c < rows[r].size() ? rows[r][c] : ""), spec.styles[c]});
      }
      TableRow(cols, std::move(cells), r, rows[r].empty() ? "" : rows[r][0]);
    }
    flow_.EndTable();
    flow_.Space(8);
  }

  // ---- plan and contents ----------------------------------------------------------------------

  void Plan() {
    toc_.push_back({1, "1 Cover", "s1"});
    toc_.push_back({1, "2 Authority and consent", "s2"});
    toc_.push_back({1, "3 Evidence and device", "s3"});
    size_t i = 0;
    for (const auto& e : Get(m_, "evidence")) {
      toc_.push_back({2, "Exhibit " + OrNot(Str(e, "id"), "(no id)"), "s3-" + std::to_string(i++)});
    }
    toc_.push_back({1, std::string("4 ") + (AnyAcquired() ? "Acquisition" : "Registration"), "s4"});
    toc_.push_back({1, "5 Integrity and how to verify", "s5"});
    toc_.push_back({1, "6 Processing", "s6"});
    toc_.push_back({1, "7 Findings summary", "s7"});
    toc_.push_back({1, "8 Findings by kind", "s8"});
    i = 0;
    for (const auto& t : Get(m_, "tables")) {
      toc_.push_back({2, "8." + std::to_string(i + 1) + " " + TableTitle(t), "s8-" + std::to_string(i)});
      ++i;
    }
    toc_.push_back({1, "9 Limitations", "s9"});
    toc_.push_back({1, "10 Appendices", "s10"});
    toc_.push_back({2, "A Custody log", "aA"});
    toc_.push_back({2, "B Manifest reference", "aB"});
    toc_.push_back({2, "C Validation", "aC"});
    toc_.push_back({2, "D Certification template", "aD"});
    toc_.push_back({2, "E Glossary, emoji and control characters", "aE"});
  }

  bool AnyAcquired() const {
    for (const auto& e : Get(m_, "evidence")) {
      if (Str(e, "kind") == "acquired") return true;
    }
    return false;
  }

  static std::string TableTitle(const json& t) {
    return OrNot(Str(t, "title"), Humanize(OrNot(Str(t, "kind"), "records")));
  }

  void Contents() {
    flow_.NewPage();
    flow_.Heading(T("Contents"), s_.h1, 0, "", "", 0, 10, kAccent);
    for (const auto& e : toc_) {
      if (e.level == 1) flow_.Space(3);
      flow_.ContentsLine(T(e.title), e.level == 1 ? s_.toc_bold : s_.toc, s_.toc_number, e.dest,
                         e.level == 1 ? 0 : 16);
      flow_.Space(1.5);
    }
  }

  // ---- 1 cover ----------------------------------------------------------------------------------

  std::string GeneratedText() const {
    const std::string generated = Str(m_, "generated");
    if (generated.empty()) return "";
    std::string out = generated + " (UTC)";
    if (zone_ && zone_->name() != "UTC") {
      if (auto t = core::ParseIsoTime(generated); t && t->unix_micros) {
        out += " \u00B7 " + zone_->FormatLocal(*t->unix_micros, 0) + " (" + zone_->name() + ")";
      }
    }
    return out;
  }

  std::string ToolText() const {
    const json& tool = Get(m_, "tool");
    std::string out = OrNot(Str(tool, "name"), "mfx");
    if (!Str(tool, "version").empty()) out += " " + Str(tool, "version");
    if (!Str(tool, "build").empty()) out += " (build " + Str(tool, "build") + ")";
    return out;
  }

  std::string DeviceLine(const json& d) const {
    std::string out = Str(d, "device_name");
    std::string model = Str(d, "product_type");
    if (!Str(d, "ios_version").empty()) {
      model += (model.empty() ? "" : ", ") + std::string("iOS ") + Str(d, "ios_version");
      if (!Str(d, "build_version").empty()) model += " (" + Str(d, "build_version") + ")";
    }
    if (!model.empty()) out += (out.empty() ? "" : " \u2014 ") + model;
    return out;
  }

  void Cover() {
    const std::string agency = Str(case_, "agency");
    if (!agency.empty()) flow_.Paragraph(T(agency), s_.agency, 1);
    if (!Str(case_, "agency_address").empty()) flow_.Paragraph(T(Str(case_, "agency_address")), s_.small, 0);
    flow_.Space(26);
    flow_.Heading(T("Forensic Examination Report"), s_.title, 1, "s1", "1 Cover", 0, 2);
    Para("Apple iPhone logical backup \u2014 registration, processing and findings", s_.subtitle, 6);
    flow_.Rule(kAccent, 1.2, 10);

    KV("Case number", Str(case_, "case_number"));
    KV("Report", report_id_ + ", revision " + revision_ + AmendedText());
    KV("Generated", GeneratedText());
    std::string examiner = examiner_;
    if (!Str(case_, "examiner_id").empty()) examiner += " (id " + Str(case_, "examiner_id") + ")";
    KV("Examiner", examiner);
    KV("Agency", agency);
    KV("Requested by", Str(case_, "requestor"));
    KV("Tool", ToolText());
    if (!Str(case_, "description").empty()) KV("Case description", Str(case_, "description"));

    Sub("Device identifiers");
    const json& evidence = Get(m_, "evidence");
    if (!evidence.is_array() || evidence.empty()) Para("No exhibit is registered in this case.", s_.body_italic);
    for (const auto& e : evidence) {
      const json& d = Get(e, "device");
      Minor("Exhibit " + OrNot(Str(e, "id"), "(no id)") + (DeviceLine(d).empty() ? "" : ": " + DeviceLine(d)));
      for (const char* key : {"serial_number", "udid", "imei", "imei2", "meid", "iccid", "phone_number"}) {
        const std::string v = Str(d, key);
        if (!v.empty() || std::string(key) == "serial_number" || std::string(key) == "udid") {
          KV(Humanize(key), v, std::string(key) == "udid" ? std::optional<StyleId>(s_.mono) : std::nullopt);
        }
      }
    }

    Sub("Integrity values");
    for (const auto& id : exhibits_) {
      KVHash("Exhibit " + id + " hash list SHA-256", OrNot(exhibit_hash_[id]));
    }
    const json& integrity = Get(m_, "integrity");
    KVHash("Case database SHA-256 (" + OrNot(Str(Get(integrity, "case_db"), "path"), "artifacts.sqlite") + ")",
           Str(Get(integrity, "case_db"), "sha256"));
    const json& head = Get(integrity, "custody_head");
    KVHash("Custody log head, entry " + OrNot(Str(head, "seq"), "?") + " SHA-256", Str(head, "sha256"));
    flow_.Space(4);
    Para("These values exist before this PDF is written. The root hash of the case (manifest.sha256) is not printed "
         "here: the manifest lists this PDF, so its hash cannot appear inside it. It is shown by the signature "
         "(manifest.sha256.p7s), by the custody event report_signed and by mfx verify (section 5).",
         s_.body_italic, 4);

    Sub("Request and result");
    Para(RequestAndResult());

    Sub("Signature");
    const json& sig = Get(m_, "signature");
    KV("Examiner", examiner);
    KV("Digital signature", "manifest.sha256.p7s (CMS, detached) over manifest.sha256" +
                                (Str(sig, "signer").empty() ? std::string() : "; signer " + Str(sig, "signer")));
    KV("Certificate SHA-256", OrNot(Str(sig, "cert_sha256"), "see VERIFY.txt"),
       Str(sig, "cert_sha256").empty() ? std::nullopt : std::optional<StyleId>(s_.mono));
    KV("Timestamp", "see VERIFY.txt");
    flow_.Space(14);
    const double w = flow_.BodyWidth();
    RowOptions o;
    o.pad_y = 2;
    flow_.Row({{0, w * 0.55}, {w * 0.6, w * 0.4}},
              {{T("Signature: ______________________________"), s_.body},
               {T("Date: ____________________"), s_.body}},
              o);
  }

  std::string AmendedText() const {
    const json& r = Get(m_, "replaces");
    if (!r.is_object()) return "";
    std::string out = " \u2014 amends " + OrNot(Str(r, "report_id"), report_id_) + " r" + OrNot(Str(r, "revision"), "?");
    if (!Str(r, "sha256").empty()) out += " (SHA-256 " + Str(r, "sha256") + ")";
    return out;
  }

  std::string RequestAndResult() const {
    std::string req = Str(case_, "requestor");
    std::string out = req.empty() ? std::string("The request for this examination is not recorded. ")
                                  : "Requested by " + req + ". ";
    const json& evidence = Get(m_, "evidence");
    std::vector<std::string> items;
    for (const auto& e : evidence) {
      std::string s = OrNot(Str(e, "id"), "(no id)");
      const std::string dev = DeviceLine(Get(e, "device"));
      if (!dev.empty()) s += " (" + dev + ")";
      items.push_back(s);
    }
    if (items.empty()) {
      out += "No exhibit is registered. ";
    } else {
      std::string list;
      for (size_t i = 0; i < items.size(); ++i) list += (i ? "; " : "") + items[i];
      out += OrNot(examiner_, "The examiner") + " registered " + (items.size() == 1 ? "exhibit " : "exhibits ") +
             list + ", hashed every file of it and processed it with " + ToolText() + ". ";
    }
    const json& findings = Get(m_, "findings");
    const json& counts = Get(findings, "counts");
    const size_t kinds = counts.is_object() ? counts.size() : 0;
    out += "The parsers recorded " + OrNot(Count(Get(findings, "total")), "an unrecorded number of") + " records of " +
           Plural(kinds, "kind", "kinds") + " (section 7).";
    size_t failed = 0, issues = 0;
    for (const auto& p : Get(Get(m_, "processing"), "parsers")) {
      const std::string status = Lower(Str(p, "status"));
      if (!Str(p, "error").empty() || (status != "ok" && status != "success" && status != "no_input" &&
                                       status != "not_found" && !status.empty())) {
        ++failed;
      }
      const json& is = Get(p, "issues");
      if (is.is_array()) issues += is.size();
    }
    if (failed) out += " " + Plural(failed, "parser", "parsers") + " did not complete normally (section 6).";
    if (issues) out += " " + Plural(issues, "row or input was", "rows or inputs were") + " reported as damaged or unsupported (section 6).";
    out += " The results relate only to the items examined.";
    return out;
  }

  // ---- 2 authority --------------------------------------------------------------------------------

  void Authority() {
    flow_.NewPage();
    Section(2, "Authority and consent", "s2");
    const json& a = Get(m_, "authority");
    const std::string basis = Str(a, "basis");
    KV("Basis recorded", OrNot(basis, "none recorded"));
    const json& consents = Get(a, "consents");
    if (!consents.is_array() || consents.empty()) {
      Notice("No consent record, warrant or other authority is recorded in this case. mfx records authority; it "
             "does not judge it. The authority for this examination must be established outside this report.");
      return;
    }
    for (const auto& c : consents) {
      Minor("Consent " + OrNot(Str(c, "id"), "(no id)"));
      KV("Record", Str(c, "record_path"));
      KVHash("Record SHA-256", Str(c, "record_sha256"));
      if (Get(c, "record_sha256_matches").is_boolean()) {
        KV("Record unchanged since it was recorded",
           Get(c, "record_sha256_matches").get<bool>() ? "yes" : "NO \u2014 the record differs from its recorded hash");
      }
      if (!Str(c, "withdrawn").empty()) KV("Withdrawn", Str(c, "withdrawn"), s_.cell_alert);
      KV("Signed form", OrNot(Str(c, "form_path"), "none attached"));
      if (!Str(c, "form_sha256").empty()) KVHash("Form SHA-256", Str(c, "form_sha256"));
      const json& summary = Get(c, "summary");
      if (summary.is_object()) {
        for (const auto& [k, v] : summary.items()) KV(Humanize(k), Str(v));
      }
    }
    Para("mfx records consent as given to it (CUSTODY.md §9); it does not judge the consent's validity.",
         s_.body_italic);
  }

  // ---- 3 evidence ---------------------------------------------------------------------------------

  void Evidence() {
    Section(3, "Evidence and device", "s3");
    const json& evidence = Get(m_, "evidence");
    if (!evidence.is_array() || evidence.empty()) {
      Notice("No exhibit is registered in this case.");
      return;
    }
    size_t i = 0;
    for (const auto& e : evidence) {
      const std::string id = OrNot(Str(e, "id"), "(no id)");
      flow_.SetExhibit(Str(e, "id"));
      Sub("Exhibit " + id, "s3-" + std::to_string(i++));
      KV("Exhibit", id);
      KV("Root exhibit", Str(e, "root_id"));
      const std::string kind = Str(e, "kind");
      KV("Kind", kind == "ingested"   ? "ingested backup (made outside mfx)"
                 : kind == "acquired" ? "acquired by mfx from the device"
                                      : kind);
      KV("Location", Str(e, "location"));
      KV("Registered", Str(e, "registered"));
      KV("Files", Count(Get(e, "files")));
      KV("Bytes", Bytes(Get(e, "bytes")));
      KV("Hash list", Str(e, "hash_list"));
      KVHash("Hash list SHA-256", Str(e, "hash_list_sha256"));
      if (!Str(e, "host").empty()) KV("Registered on host", Str(e, "host"));
      if (!Str(e, "custody_before_registration").empty()) {
        Para(Str(e, "custody_before_registration"), s_.body_italic);
      } else if (kind == "ingested") {
        Para("This backup was made outside mfx. Who made it, when and with what, and its custody before registration "
             "at " + OrNot(Str(e, "registered"), "an unrecorded time") +
                 ", are outside mfx's knowledge; from registration on, every file is covered by the hash list above.",
             s_.body_italic);
      }
      const json& d = Get(e, "device");
      Minor("Device (Info.plist / lockdown)");
      if (!d.is_object() || d.empty()) {
        Para("No device identity is recorded for this exhibit.", s_.body_italic);
      } else {
        for (const auto& [k, v] : Ordered(d, {"device_name", "product_type", "ios_version", "build_version",
                                               "serial_number", "udid", "imei", "imei2", "meid", "iccid",
                                               "phone_number"})) {
          KV(Humanize(k), Str(*v), k == "udid" ? std::optional<StyleId>(s_.mono) : std::nullopt);
        }
      }
      const json& b = Get(e, "backup");
      if (b.is_object() && !b.empty()) {
        Minor(kind == "acquired" ? "Acquisition" : "Backup (Info.plist, Manifest.plist, Status.plist)");
        for (const auto& [k, v] : b.items()) KV(Humanize(k), Str(v));
      }
      const json& enc = Get(e, "encryption");
      if (enc.is_object() && !enc.empty()) {
        Minor("Encryption");
        for (const auto& [k, v] : enc.items()) KV(Humanize(k), Str(v));
      }
      const json& nh = Get(e, "not_hashed");
      if (nh.is_array() && !nh.empty()) {
        Minor("Not hashed (links and special files, not followed)");
        for (const auto& p : nh) Bullet(Str(p), s_.body);
      }
    }
    flow_.SetExhibit(exhibits_.empty() ? "" : exhibits_.front());
  }

  // ---- 4 acquisition / registration -----------------------------------------------------------------

  void Acquisition() {
    Section(4, AnyAcquired() ? "Acquisition" : "Registration", "s4");
    // The model lists acquisition events and registrations apart; here they are one sequence.
    std::vector<const json*> events;
    std::set<std::string> seen;
    for (const char* key : {"acquisition", "registration"}) {
      for (const auto& ev : Get(m_, key)) {
        const std::string seq = Str(ev, "seq");
        if (!seq.empty() && !seen.insert(seq).second) continue;
        events.push_back(&ev);
      }
    }
    std::stable_sort(events.begin(), events.end(), [](const json* a, const json* b) {
      const json& sa = Get(*a, "seq");
      const json& sb = Get(*b, "seq");
      if (sa.is_number() && sb.is_number()) return sa.get<double>() < sb.get<double>();
      return false;
    });
    if (events.empty()) {
      Notice("No acquisition or registration events are recorded.");
      return;
    }
    Para("Custody events of acquisition and registration, in order (host clock, UTC).");
    std::vector<std::vector<std::string>> rows;
    for (const json* ev : events) {
      rows.push_back({Str(*ev, "seq"), Str(*ev, "time"), Str(*ev, "event"), Str(*ev, "evidence_id"),
                      Str(*ev, "detail")});
    }
    const double w = flow_.BodyWidth();
    SimpleTable({{"Seq", "Time (UTC)", "Event", "Exhibit", "Detail"},
                 {30, 104, 96, 40, w - 270},
                 {s_.cell_right, s_.cell, s_.cell_bold, s_.cell, s_.cell},
                 "Acquisition and registration events"},
                rows);
  }

  // ---- 5 integrity ----------------------------------------------------------------------------------

  void Integrity() {
    Section(5, "Integrity and how to verify", "s5");
    const json& integrity = Get(m_, "integrity");
    Sub("Values");
    const json& db = Get(integrity, "case_db");
    KV("Case database", OrNot(Str(db, "path"), "artifacts.sqlite") +
                            (Get(db, "bytes").is_number() ? ", " + Bytes(Get(db, "bytes")) : std::string()));
    KVHash("Case database SHA-256", Str(db, "sha256"));
    const json& head = Get(integrity, "custody_head");
    KV("Custody log head", "entry " + OrNot(Str(head, "seq"), "?") + " of custody.jsonl");
    KVHash("Custody head entry SHA-256", Str(head, "sha256"));
    if (Get(integrity, "custody_chain_ok").is_boolean()) {
      const bool ok = Get(integrity, "custody_chain_ok").get<bool>();
      KV("Custody chain when this report was generated",
         ok ? "verified (every entry hash recomputed and linked)" : "DOES NOT VERIFY \u2014 see Limitations",
         ok ? s_.value : s_.cell_alert);
    }
    const json& ex = Get(integrity, "exhibits");
    if (ex.is_array() && !ex.empty()) {
      Minor("Exhibit hash lists");
      std::vector<std::vector<std::string>> rows;
      for (const auto& e : ex) rows.push_back({Str(e, "id"), Str(e, "hash_list"), Str(e, "hash_list_sha256")});
      const double w = flow_.BodyWidth();
      SimpleTable({{"Exhibit", "Hash list", "SHA-256 of the hash list"},
                   {50, 130, w - 180},
                   {s_.cell_bold, s_.cell, s_.cell_mono},
                   "Exhibit hash lists"},
                  rows);
    }
    Minor("Verification history");
    const json& ver = Get(integrity, "verifications");
    if (!ver.is_array() || ver.empty()) {
      Para("No verification run is recorded in the custody log at the time of this report.", s_.body_italic);
    } else {
      std::vector<std::string> keys;
      for (const auto& v : ver) {
        for (const auto& [k, val] : Ordered(v, {"seq", "time", "event", "evidence_id", "what", "result",
                                                "files_checked", "actor", "summary"})) {
          if (val->is_null() || val->is_object() || k == "detail") continue;
          if (std::find(keys.begin(), keys.end(), k) == keys.end() && keys.size() < 7) keys.push_back(k);
        }
      }
      if (keys.empty()) keys.push_back("value");
      std::vector<std::string> labels;
      std::vector<StyleId> styles;
      for (const auto& k : keys) {
        labels.push_back(Humanize(k));
        styles.push_back(k.find("sha") != std::string::npos ? s_.cell_mono : s_.cell);
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& v : ver) {
        std::vector<std::string> r;
        for (const auto& k : keys) r.push_back(v.is_object() ? Str(v, k) : Str(v));
        rows.push_back(std::move(r));
      }
      SimpleTable({labels, {}, styles, "Verification history"}, rows);
    }

    Sub("How to verify");
    Para("VERIFY.txt at the root of the case folder gives the exact steps, the expected signer and what is not "
         "signed; it is itself listed in the signed manifest. In short:");
    Step("1.", "With mfx, read-only:", "mfx verify --case <case folder>");
    Para("Exit 0: nothing changed and the signer is trusted; 1: an integrity finding (changed, missing or extra file, "
         "broken custody chain, report inconsistency); 2: trust (unsigned, signer not anchored); 3: structure.",
         s_.small, 4);
    Step("2.", "Without mfx, at the case root (bash, coreutils, OpenSSL):",
         "openssl cms -verify -binary -inform DER -in manifest.sha256.p7s -content manifest.sha256 "
         "-CAfile LAB_ROOT.pem -purpose any -out /dev/null");
    Step("", "", "sha256sum --strict --quiet -c manifest.sha256");
    for (const auto& id : exhibits_) {
      Step("3.", "The exhibit: the hash of its hash list must equal the value on the cover (" +
                     OrNot(exhibit_hash_[id].substr(0, 16), "?") + "\u2026), then every file against the list:",
           "sha256sum evidence/" + id + ".sha256");
      Step("", "", "cd <exhibit folder> && sha256sum --strict -c <case folder>/evidence/" + id + ".sha256");
    }
    Step("4.", "The custody log: the entry " + OrNot(Str(head, "seq"), "?") +
                   " must carry the custody head above; VERIFY.txt spells out the chain rule.",
         "sed -n '" + (Get(head, "seq").is_number() ? std::to_string(Get(head, "seq").get<int64_t>() + 1) : std::string("N")) +
             "p' custody.jsonl");
    flow_.Space(4);
  }

  void Step(const std::string& number, const std::string& text, const std::string& command) {
    const double w = flow_.BodyWidth();
    RowOptions o;
    o.paragraph = true;
    o.pad_y = 1;
    if (!text.empty()) flow_.Row({{0, 16}, {16, w - 16}}, {{T(number), s_.body_bold}, {T(text), s_.body}}, o);
    if (!command.empty()) {
      RowOptions c;
      c.fill = Rgb{0.95, 0.96, 0.97};
      c.pad_x = 5;
      c.pad_y = 3;
      flow_.Row({{16, w - 16}}, {{T(command), s_.code}}, c);
      flow_.Space(3);
    }
  }

  // ---- 6 processing ---------------------------------------------------------------------------------

  static bool StatusIsAlert(const std::string& status) {
    const std::string s = Lower(status);
    return s.find("fail") != std::string::npos || s.find("error") != std::string::npos ||
           s.find("unsupported") != std::string::npos || s.find("deleted") != std::string::npos ||
           s.find("partial") != std::string::npos;
  }

  void Processing() {
    Section(6, "Processing", "s6");
    const json& proc = Get(m_, "processing");
    const json& parsers = Get(proc, "parsers");
    if (!parsers.is_array() || parsers.empty()) {
      Notice("No parser run is recorded.");
    } else {
      Para("Each parser read copies of its input databases (hashed before use) and wrote records to the case "
           "database. Counts are records written; inputs are the files read, with their SHA-256.");
      const double w = flow_.BodyWidth();
      const std::vector<double> widths = {90, 150, 40, w - 280};
      const auto cols = Columns(widths);
      // Inputs go in rows of their own under the parser, wide enough for a SHA-256 on one line.
      const std::vector<Column> input_cols = {{0, 90}, {90, w - 90}};
      BeginTable(cols, {"Parser (version)", "Status", "Time (s)", "Records written"}, "Parsers");
      size_t r = 0;
      for (const auto& p : parsers) {
        std::string name = OrNot(Str(p, "name"), "(unnamed)");
        if (!Str(p, "version").empty()) name += " (" + Str(p, "version") + ")";
        std::string counts;
        const json& c = Get(p, "counts");
        if (c.is_object()) {
          for (const auto& [k, v] : c.items()) counts += (counts.empty() ? "" : "\n") + k + ": " + Count(v);
        }
        std::string status = OrNot(Str(p, "status"), "not recorded");
        if (!Str(p, "error").empty()) status += "\n" + Str(p, "error");
        const std::string secs = Get(p, "seconds").is_number() ? FormatSeconds(Get(p, "seconds").get<double>())
                                                               : Str(p, "seconds");
        TableRow(cols,
                 {{T(name), s_.cell_bold},
                  {T(status), StatusIsAlert(Str(p, "status")) || !Str(p, "error").empty() ? s_.cell_alert : s_.cell},
                  {T(secs), s_.cell_right},
                  {T(OrNot(counts, "none")), s_.cell}},
                 r, Str(p, "name"), false);
        const json& in = Get(p, "inputs");
        if (!in.is_array() || in.empty()) {
          TableRow(input_cols, {{T("input"), s_.cell_grey}, {T("no input found"), s_.cell_grey}}, r, "");
        }
        size_t k = 0;
        for (const auto& i : in) {
          std::string text = Str(i, "path");
          if (!Get(i, "size").is_null()) text += " · " + Bytes(Get(i, "size"));
          text += "\nSHA-256 " + OrNot(Str(i, "sha256"), "(not recorded)");
          TableRow(input_cols, {{T("input"), s_.cell_grey}, {T(text), s_.cell_mono}}, r, "", ++k == in.size());
        }
        ++r;
      }
      flow_.EndTable();
      flow_.Space(8);

      std::vector<std::vector<std::string>> issue_rows;
      for (const auto& p : parsers) {
        for (const auto& is : Get(p, "issues")) {
          std::string where = Str(is, "table");
          if (!Str(is, "rowid").empty()) where += (where.empty() ? "" : ", ") + std::string("rowid ") + Str(is, "rowid");
          issue_rows.push_back({Str(p, "name"), Str(is, "kind"), Str(is, "input"), where, Str(is, "message")});
        }
      }
      Minor("Failures, damaged rows and unsupported schemas");
      uint64_t issues_total = 0;
      for (const auto& p : parsers) {
        const json& t = Get(p, "issues_total");
        issues_total += t.is_number() ? t.get<uint64_t>() : Get(p, "issues").size();
      }
      if (issues_total > issue_rows.size()) {
        Para(Plural(issues_total, "issue was", "issues were") + " reported; the first " +
                 WithThousands(issue_rows.size()) + " are listed. All are recorded in the case database.",
             s_.body_italic);
      }
      if (issue_rows.empty()) {
        Para("No parser reported a damaged row, an unreadable input or an unsupported schema.", s_.body_italic);
      } else {
        SimpleTable({{"Parser", "Kind", "Input", "Table, row", "Message"},
                     {64, 60, 120, 70, w - 314},
                     {s_.cell_bold, s_.cell_alert, s_.cell, s_.cell, s_.cell},
                     "Parser issues"},
                    issue_rows);
      }
    }
    const json& info = Get(proc, "case_info");
    if (info.is_object() && !info.empty()) {
      Minor("Backup facts recorded by the parsers");
      for (const auto& [k, v] : info.items()) KV(Humanize(k), Str(v));
    }
    Sub("Time-zone statement");
    Para(OrNot(Str(proc, "timezone_statement"),
               "Times are stored in UTC. Local times are shown in " + OrNot(Str(m_, "display_zone"), "UTC") +
                   " with the offset in force at each instant."));
    KV("Display zone", OrNot(Str(m_, "display_zone"), "UTC"));
    KV("tzdata version", Str(m_, "tzdata"));
  }

  static std::string FormatSeconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, s < 10 ? "%.2f" : "%.1f", s);
    return buf;
  }

  // ---- 7 findings summary -----------------------------------------------------------------------------

  void FindingsSummary() {
    Section(7, "Findings summary", "s7");
    const json& findings = Get(m_, "findings");
    const json& counts = Get(findings, "counts");
    std::map<std::string, const json*> table_of;
    for (const auto& t : Get(m_, "tables")) table_of[Str(t, "kind")] = &t;
    if (!counts.is_object() || counts.empty()) {
      Notice("The parsers recorded no findings.");
      return;
    }
    Para("Records in the case database by kind. Section 8 lists them; above the table cap the full list is in the "
         "export named here, with its SHA-256.");
    const double w = flow_.BodyWidth();
    std::vector<std::vector<std::string>> rows;
    for (const auto& [kind, n] : counts.items()) {
      std::string title = Humanize(kind), shown = "not tabulated", exp;
      if (const auto it = table_of.find(kind); it != table_of.end()) {
        const json& t = *it->second;
        title = TableTitle(t);
        const std::string total = Count(Get(t, "total"));
        const std::string sh = Count(Get(t, "shown"));
        shown = sh == total || sh.empty() ? "all" : sh + " of " + total;
        exp = Str(t, "export");
        if (!Str(t, "export_sha256").empty()) exp += "\n" + Str(t, "export_sha256");
      }
      rows.push_back({title + "\n" + kind, Count(n), Count(Get(Get(findings, "deleted"), kind)), shown, exp});
    }
    rows.push_back({"Total", Count(Get(findings, "total")), "", "", ""});
    SimpleTable({{"Kind", "Records", "Of them deleted", "In this report", "Export file and its SHA-256"},
                 {110, 42, 44, 50, w - 246},
                 {s_.cell_bold, s_.cell_right, s_.cell_right, s_.cell, s_.cell_mono},
                 "Findings summary"},
                rows);
  }

  // ---- 8 tables -----------------------------------------------------------------------------------------

  static bool IsIndexColumn(const std::string& name) {
    const std::string n = Lower(name);
    return n == "#" || n == "n" || n == "index" || n == "row" || n == "no";
  }

  StyleId ColumnStyle(const std::string& name) const {
    const std::string n = Lower(name);
    if (n.find("sha") != std::string::npos || n.find("hash") != std::string::npos) return s_.cell_mono;
    if (n.find("source") != std::string::npos || n.find("provenance") != std::string::npos) return s_.cell_grey;
    if (IsIndexColumn(n)) return s_.cell_right;
    return s_.cell;
  }

  void FindingsTables() {
    const json& tables = Get(m_, "tables");
    flow_.SetLandscape(true);
    flow_.NewPage();
    Section(8, "Findings by kind", "s8");
    if (!tables.is_array() || tables.empty()) {
      Notice("No findings tables are in the report model.");
    } else {
      Para("One table per kind. UTC, and local time in " + OrNot(Str(m_, "display_zone"), "UTC") +
           " with the offset in force at that instant. Source: the file, table and row the record came from. "
           "Control characters in evidence text are shown as \u27E8U+202E\u27E9 instead of being applied; long "
           "cells continue across pages, and a value longer than " + WithThousands(options_.max_cell_chars) +
           " characters is printed up to there with a note naming how much follows and the export that holds "
           "all of it.");
    }
    size_t i = 0;
    for (const auto& t : tables) {
      if (i > 0) flow_.NewPage();
      const std::string evidence_id = Str(t, "evidence_id");
      flow_.SetExhibit(!evidence_id.empty() ? evidence_id : exhibits_.empty() ? "" : exhibits_.front());
      FindingsTable(t, i);
      ++i;
    }
    flow_.SetExhibit(exhibits_.empty() ? "" : exhibits_.front());
    flow_.SetLandscape(false);
  }

  // Cuts `text` after options_.max_cell_chars code points (never inside a UTF-8 sequence) and
  // appends what was left out and where the whole value is.
  void CapCell(std::string& text, const std::string& kind, const std::string& export_path, size_t row) const {
    if (text.size() <= options_.max_cell_chars) return;  // bytes ≥ code points
    size_t chars = 0, cut = std::string::npos;
    for (size_t i = 0; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
      if (chars == options_.max_cell_chars) cut = i;
      ++chars;
    }
    if (cut == std::string::npos) return;
    const uint64_t left = chars - options_.max_cell_chars;
    std::string jsonl = export_path;
    if (jsonl.ends_with(".csv")) jsonl.replace(jsonl.size() - 4, 4, ".jsonl");
    text.resize(cut);
    text += " \u27E8\u2026 " + WithThousands(left) + " more characters not printed (" + WithThousands(chars) +
            " in all); the whole value is in " + jsonl + " and " + export_path + ", the " + kind +
            " record with this row's source (#" + std::to_string(row) + " here)\u27E9";
  }

  void FindingsTable(const json& t, size_t index) {
    const std::string title = TableTitle(t);
    Sub("8." + std::to_string(index + 1) + "  " + title, "s8-" + std::to_string(index));
    const json& columns = Get(t, "columns");
    const json& rows = Get(t, "rows");
    const size_t model_rows = rows.is_array() ? rows.size() : 0;
    const size_t drawn = std::min(model_rows, options_.max_table_rows);
    const json& total_j = Get(t, "total");
    const uint64_t total = total_j.is_number() ? total_j.get<uint64_t>() : model_rows;
    const std::string kind = OrNot(Str(t, "kind"), "records");
    const std::string export_path = OrNot(Str(t, "export"), "exports/" + kind + ".csv");
    std::string cut_sentence;
    if (drawn < total) {
      // The model's own note when the cut is the model's; this renderer's when it cut further.
      cut_sentence = !Str(t, "note").empty() && drawn == model_rows
                         ? Str(t, "note")
                         : WithThousands(drawn) + " of " + WithThousands(total) + " shown; full list " + export_path +
                               ", SHA-256 " + OrNot(Str(t, "export_sha256"), "(not recorded)");
      if (!cut_sentence.empty() && cut_sentence.back() != '.') cut_sentence += '.';
      Notice(cut_sentence);
    } else {
      Para(Plural(total, "record", "records") + "; all are listed." +
               (Str(t, "export").empty() ? "" : " Also exported to " + Str(t, "export") + "."),
           s_.small, 4);
    }
    if (drawn == 0) return;

    std::vector<std::string> labels, names;
    for (const auto& c : columns) {
      names.push_back(Str(c, "name"));
      labels.push_back(OrNot(Str(c, "label"), Humanize(Str(c, "name"))));
    }
    if (names.empty()) {  // no column list: as many as the widest row
      size_t width = 0;
      for (size_t r = 0; r < drawn; ++r) width = std::max(width, rows[r].is_array() ? rows[r].size() : 1);
      for (size_t c = 0; c < width; ++c) {
        names.push_back("column " + std::to_string(c + 1));
        labels.push_back(names.back());
      }
    }
    const size_t number = names.empty() || !IsIndexColumn(names.front()) ? 1 : 0;
    if (number) {
      names.insert(names.begin(), "#");
      labels.insert(labels.begin(), "#");
    }
    std::vector<StyleId> styles;
    for (const auto& n : names) styles.push_back(ColumnStyle(n));
    std::vector<size_t> status_cols;
    for (size_t c = 0; c < names.size(); ++c) {
      const std::string n = Lower(names[c]);
      if (n.find("status") != std::string::npos || n.find("deleted") != std::string::npos) status_cols.push_back(c);
    }
    std::vector<bool> low_priority;
    for (const auto& n : names) {
      const std::string l = Lower(n);
      low_priority.push_back(l.find("source") != std::string::npos || l.find("provenance") != std::string::npos);
    }
    const auto cols = Columns(AutoWidths(labels, styles, rows, drawn, number, kCellPadX, low_priority));
    BeginTable(cols, labels, "8." + std::to_string(index + 1) + " " + title);
    for (size_t r = 0; r < drawn; ++r) {
      const json& row = rows[r];
      std::vector<Cell> cells;
      std::string label;
      for (size_t c = 0; c < names.size(); ++c) {
        std::string text;
        if (number && c == 0) {
          text = std::to_string(r + 1);
        } else {
          const size_t mc = c - number;
          text = row.is_array() ? (mc < row.size() ? Str(row[mc]) : "") : (mc == 0 ? Str(row) : "");
        }
        if (!(number && c == 0)) CapCell(text, kind, export_path, r + 1);
        pdf::CountEmoji(text, emoji_);
        pdf::CountControls(text, controls_);
        if (emoji_first_.size() < emoji_.size()) {
          for (const auto& [seq, n] : emoji_) {
            if (!emoji_first_.count(seq)) emoji_first_[seq] = "8." + std::to_string(index + 1) + " #" + std::to_string(r + 1);
          }
        }
        StyleId style = styles[c];
        if (std::find(status_cols.begin(), status_cols.end(), c) != status_cols.end() && StatusIsAlert(text)) {
          style = s_.cell_alert;
        }
        if (c == 0) label = text;
        cells.push_back({T(text), style});
      }
      TableRow(cols, std::move(cells), r, label);
    }
    flow_.EndTable();
    if (drawn < total) {
      flow_.Space(4);
      Para("End of the rows shown: " + cut_sentence, s_.note, 4);
    }
  }

  // ---- 9 limitations --------------------------------------------------------------------------------------

  void Limitations() {
    flow_.NewPage();
    Section(9, "Limitations", "s9");
    const json& lim = Get(m_, "limitations");
    if (lim.is_array()) {
      for (const auto& l : lim) Bullet(Str(l), s_.body);
    }
    Minor("About this document");
    Bullet("Emoji are drawn from a colour bitmap font; they may be missing from the PDF's text layer (copy, search). "
           "Appendix E lists the code points of every emoji in the findings tables.",
           s_.body);
    Bullet("Control characters found in evidence text (bidirectional embeddings, overrides and isolates, C0/C1 "
           "controls) and bytes that are not UTF-8 are printed as \u27E8U+202E\u27E9 / \u27E80xC3\u27E9 on a tinted "
           "background instead of being applied, so text cannot be reordered or hidden; appendix E counts them.",
           s_.body);
    Bullet("Rows beyond a table's cap are not printed; the report names the export that holds all of them and its "
           "SHA-256. Long cells are never cut: they continue on the next page.",
           s_.body);
  }

  // ---- 10 appendices ----------------------------------------------------------------------------------------

  void Appendices() {
    flow_.SetLandscape(true);
    flow_.NewPage();
    Section(10, "Appendices", "s10");
    Sub("A  Custody log", "aA");
    const json& custody = Get(m_, "custody");
    if (!custody.is_array() || custody.empty()) {
      Para("The report model carries no custody entries.", s_.body_italic);
    } else {
      Para("Every event of custody.jsonl up to the head stated on the cover, hash-chained: each entry's SHA-256 is "
           "computed over its canonical JSON and the next entry names it as prev_sha256.",
           s_.small, 4);
      std::vector<std::vector<std::string>> rows;
      for (const auto& e : custody) {
        rows.push_back({Str(e, "seq"), Str(e, "time"), Str(e, "event"), Str(e, "evidence_id"), Str(e, "actor"),
                        Str(e, "summary"), Str(e, "entry_sha256")});
      }
      const double w = flow_.BodyWidth();
      SimpleTable({{"Seq", "Time (UTC)", "Event", "Exhibit", "Actor", "Summary", "Entry SHA-256"},
                   {30, 100, 100, 38, 84, w - 352 - 262, 262},
                   {s_.cell_right, s_.cell, s_.cell_bold, s_.cell, s_.cell, s_.cell, s_.cell_mono},
                   "A Custody log"},
                  rows);
    }
    flow_.SetLandscape(false);
    flow_.NewPage();
    Sub("B  Manifest reference", "aB");
    Para("manifest.sha256 is the signed root of the case. It lists, in sha256sum format, every file of the case "
         "folder except itself, its signature and timestamp files (manifest.sha256.*) and the live custody.jsonl; "
         "manifest.json records the same list together with the custody head and the hash of the custody log's "
         "prefix at sealing. manifest.sha256.p7s is a detached CMS signature over the exact bytes of "
         "manifest.sha256 (the examiner's certificate), optionally timestamped (manifest.sha256.p7s.tsr).");
    Para("This PDF is one of the files the manifest lists, so the manifest's hash cannot be printed in it. The "
         "root hash is shown by the signature, by the custody event report_signed that follows this report's "
         "report_generated event, and by mfx verify. Verifying the signature and then the manifest (section 5) "
         "proves that this PDF, the case database, the exports and the hash lists are unchanged.");

    Sub("C  Validation", "aC");
    Para("Tool: " + ToolText() + ". This report does not contain validation results. The tool version and build "
         "above identify the code that produced it; the test results for that build belong with the laboratory's "
         "validation records.");

    Sub("D  Certification template", "aD");
    Para("Template, to be reviewed by counsel for the jurisdiction before use (for example a certification under "
         "Federal Rules of Evidence 902(14) and 902(11)).",
         s_.body_italic);
    std::string exhibits;
    for (const auto& id : exhibits_) {
      exhibits += (exhibits.empty() ? "" : "; ") + id + " (hash list SHA-256 " + OrNot(exhibit_hash_[id]) + ")";
    }
    Para("I, ______________________, am qualified by training and experience to examine digital devices and am "
         "employed by " + OrNot(Str(case_, "agency"), "______________________") +
         ". I examined the exhibits " + OrNot(exhibits, "______") +
         " in case " + case_no_ + " with the process described in this report (" + report_id_ + " r" + revision_ +
         "). I compared the SHA-256 values of the copies with the values recorded at registration and they were "
         "identical. I declare under penalty of perjury that the foregoing is true and correct (28 U.S.C. \u00A7 "
         "1746).");
    flow_.Space(10);
    const double w = flow_.BodyWidth();
    RowOptions o;
    o.pad_y = 2;
    flow_.Row({{0, w * 0.55}, {w * 0.6, w * 0.4}},
              {{T("Signature: ______________________________"), s_.body}, {T("Date: ____________________"), s_.body}},
              o);

    flow_.NewPage();
    Sub("E  Glossary, emoji and control characters", "aE");
    Glossary();
    Minor("Emoji in the findings tables");
    if (emoji_.empty()) {
      Para("No emoji occur in the findings tables.", s_.body_italic);
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& [seq, n] : emoji_) rows.push_back({seq, pdf::CodePoints(seq), WithThousands(n), emoji_first_[seq]});
      SimpleTable({{"Emoji", "Code points", "Occurrences", "First at"},
                   {40, w - 40 - 60 - 80, 60, 80},
                   {s_.cell, s_.cell_mono, s_.cell_right, s_.cell},
                   "Emoji"},
                  rows);
    }
    Minor("Control characters shown as markers");
    if (controls_.empty()) {
      Para("No control characters occur in the findings tables.", s_.body_italic);
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& [cp, n] : controls_) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
        rows.push_back({std::string("\u27E8") + buf + "\u27E9", std::string(pdf::ControlName(cp)), WithThousands(n)});
      }
      SimpleTable({{"Marker", "Character", "Occurrences"}, {80, w - 140, 60}, {s_.cell_alert, s_.cell, s_.cell_right},
                   "Control characters"},
                  rows);
    }
  }

  void Glossary() {
    const std::vector<std::pair<std::string, std::string>> terms = {
        {"SHA-256", "A cryptographic hash: a 64-hex-digit value that changes completely if one byte of the file "
                    "changes."},
        {"Exhibit, hash list", "An item of evidence (E-01, …). Its hash list (evidence/E-01.sha256) holds the SHA-256 "
                               "of every file; the SHA-256 of that list identifies the exhibit as a whole."},
        {"Custody log, head", "custody.jsonl: one hash-chained event per step. The head is the last entry at the "
                              "time of the report; its SHA-256 pins every entry before it."},
        {"Manifest", "manifest.sha256: the list of every case file with its SHA-256; the signed root (appendix B)."},
        {"Logical backup", "What iOS hands to a backup client (mobilebackup2). It does not contain the whole file "
                           "system; deleted data is mostly absent."},
        {"UTC, offset", "Times are stored in Coordinated Universal Time (suffix Z); local times carry the offset from "
                        "UTC in force at that instant (+01:00)."},
        {"Source, rowid", "Where a record came from: backup domain and path, database table and the SQLite row id."},
        {"\u27E8U+202E\u27E9", "A control character found in evidence, printed as its code point on a tinted "
                              "background instead of being applied."},
    };
    for (const auto& [term, def] : terms) {
      if (term.rfind("\u27E8", 0) == 0) {  // shown as the report shows a marker
        VisibleText marker{term, {{0u, static_cast<uint32_t>(term.size())}}, ""};
        const double w = flow_.BodyWidth();
        RowOptions o;
        o.pad_y = 1.6;
        flow_.Row({{0, 150}, {158, w - 158}}, {{flow_.Own(std::move(marker)), s_.label}, {T(def), s_.body}}, o);
      } else {
        KV(term, def, s_.body);
      }
    }
    flow_.Space(6);
  }

  void EndMark() {
    flow_.Space(24);
    flow_.NeedRoom(40);
    flow_.Rule(kRule, 0.5, 6);
    flow_.Paragraph(T("End of report " + report_id_ + " r" + revision_ + " \u2014 case " + case_no_), s_.end_mark, 0);
  }

  const json& m_;
  const PdfOptions& options_;
  Typesetter& ts_;
  Styles s_;
  Flow flow_;
  json case_;
  std::string case_no_, report_id_, revision_, examiner_, initials_;
  std::vector<std::string> exhibits_;
  std::map<std::string, std::string> exhibit_hash_;
  std::optional<core::TimeZone> zone_;
  std::vector<TocEntry> toc_;
  std::map<std::string, uint64_t> emoji_;
  std::map<std::string, std::string> emoji_first_;
  std::map<char32_t, uint64_t> controls_;
};

}  // namespace

Status RenderPdf(const json& model, const std::filesystem::path& out, const PdfOptions& options) {
  if (!model.is_object()) return Fail(ErrorCode::kInvalidArgument, "PDF report: the report model is not a JSON object");
  const std::string schema = Str(model, "schema");
  if (schema != kModelSchema) {
    return Fail(ErrorCode::kUnsupported, "PDF report: report model schema '" + schema + "' is not " + kModelSchema);
  }
  MFX_ASSIGN_OR_RETURN(std::unique_ptr<Typesetter> ts, Typesetter::Create(options.check_fonts));
  Builder builder(model, options, *ts);
  builder.Build();  // pass 1: measure and place

  std::filesystem::path partial = out;
  partial += ".partial";
  auto cleanup = [&] {
    std::error_code ec;
    std::filesystem::remove(partial, ec);
  };
  pdf::SurfacePtr surface(cairo_pdf_surface_create(partial.c_str(), pdf::PageSetup{}.width, pdf::PageSetup{}.height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    cleanup();
    return Fail(ErrorCode::kIo, partial.string() + ": " + cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  cairo_pdf_surface_restrict_to_version(surface.get(), CAIRO_PDF_VERSION_1_5);
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, builder.Title().c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_AUTHOR, builder.examiner().c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_SUBJECT,
                                 pdf::AsciiOnly("Case " + Str(Get(model, "case"), "case_number")).c_str());
  const json& tool = Get(model, "tool");
  cairo_pdf_surface_set_metadata(
      surface.get(), CAIRO_PDF_METADATA_CREATOR,
      pdf::AsciiOnly(OrNot(Str(tool, "name"), "mfx") + " " + Str(tool, "version") + " " + Str(tool, "build")).c_str());
  const std::string generated = Str(model, "generated");
  if (!generated.empty()) {
    const std::string date = PdfDate(generated);
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_MOD_DATE, date.c_str());
  }
  if (auto st = builder.flow().Render(surface.get(), builder.Decor()); !st) {  // pass 2: draw
    surface.reset();
    cleanup();
    return st;
  }
  cairo_surface_finish(surface.get());
  const cairo_status_t status = cairo_surface_status(surface.get());
  surface.reset();
  if (status != CAIRO_STATUS_SUCCESS) {
    cleanup();
    return Fail(ErrorCode::kIo, partial.string() + ": cairo: " + cairo_status_to_string(status));
  }
  std::error_code ec;
  std::filesystem::rename(partial, out, ec);
  if (ec) {
    cleanup();
    return Fail(ErrorCode::kIo, out.string() + ": " + ec.message());
  }
  return {};
}

Result<std::vector<std::string>> WritePdfReport(const ReportContext& ctx, const json& model) {
  const std::filesystem::path dir = ctx.folder.root() / "report";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(ErrorCode::kIo, dir.string() + ": " + ec.message());
  MFX_RETURN_IF_ERROR(RenderPdf(model, ctx.folder.root() / kPdfReportPath, PdfOptions{}));
  return std::vector<std::string>{kPdfReportPath};
}

}  // namespace mfx::reports
