#pragma once
// Reading a rendered PDF back with poppler-utils (Debian poppler-utils): text per page
// (pdftotext, form feeds between pages), metadata (pdfinfo), fonts (pdffonts), named
// destinations, word boxes (pdftotext -bbox) and page images (pdftoppm). Header-only.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/result.h"
#include "reports/pdf_report.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

namespace mfx::testing::pdf_tools {

namespace fs = std::filesystem;

inline std::string ReadFileBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::string Run(const std::string& cmd) {
  std::string out;
  const int rc = RunCommand(cmd, &out);
  INFO(cmd << "\n" << out);
  REQUIRE(rc == 0);
  return out;
}

// pdftotext of the whole document, split at form feeds (one string per page).
inline std::vector<std::string> Pages(const fs::path& pdf, bool layout = true) {
  const std::string text =
      Run("pdftotext " + std::string(layout ? "-layout " : "") + "-enc UTF-8 " + ShellQuote(pdf.string()) + " -");
  std::vector<std::string> pages;
  size_t start = 0;
  for (;;) {
    const size_t ff = text.find('\f', start);
    if (ff == std::string::npos) break;
    pages.push_back(text.substr(start, ff - start));
    start = ff + 1;
  }
  return pages;
}

// Collapses every run of whitespace to one space (wrapped lines become one sentence).
inline std::string Squash(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

inline std::string NoSpace(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r' && c != '\f') out += c;
  }
  return out;
}

inline std::map<std::string, std::string> Info(const fs::path& pdf) {
  std::map<std::string, std::string> info;
  std::istringstream in(Run("pdfinfo -isodates " + ShellQuote(pdf.string())));
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t v = colon + 1;
    while (v < line.size() && line[v] == ' ') ++v;
    info[line.substr(0, colon)] = line.substr(v);
  }
  return info;
}

inline int PageCount(const fs::path& pdf) { return std::stoi(Info(pdf).at("Pages")); }

// Every number that follows `prefix` directly ("row" in "row12 row13" → 12, 13), in order.
// (No std::regex here: GCC 12's <regex> trips -Wmaybe-uninitialized under the sanitizers.)
inline std::vector<long> NumbersAfter(const std::string& text, const std::string& prefix) {
  std::vector<long> out;
  for (size_t p = text.find(prefix); p != std::string::npos; p = text.find(prefix, p + 1)) {
    size_t q = p + prefix.size();
    size_t end = q;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end > q) out.push_back(std::stol(text.substr(q, end - q)));
  }
  return out;
}

// Named destinations: name → page ("   3 [ XYZ   56  776 null      ] \"s2\"").
inline std::map<std::string, int> Dests(const fs::path& pdf) {
  std::map<std::string, int> dests;
  std::istringstream in(Run("pdfinfo -dests " + ShellQuote(pdf.string())));
  for (std::string line; std::getline(in, line);) {
    const size_t close = line.rfind('"');
    const size_t open = close == std::string::npos || close == 0 ? std::string::npos : line.rfind('"', close - 1);
    if (open == std::string::npos || line.find('[') == std::string::npos) continue;
    std::istringstream l(line);
    int page = 0;
    if (!(l >> page)) continue;
    dests[line.substr(open + 1, close - open - 1)] = page;
  }
  return dests;
}

struct Font {
  std::string name;  // without the subset prefix: "NotoSans-Regular"
  std::string type;
  bool embedded = false;
};

inline std::vector<Font> Fonts(const fs::path& pdf) {
  std::vector<Font> fonts;
  std::istringstream in(Run("pdffonts " + ShellQuote(pdf.string())));
  std::string line;
  std::getline(in, line);
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::vector<std::string> f;
    for (std::string w; l >> w;) f.push_back(w);
    if (f.size() < 7) continue;
    Font font;
    font.name = f[0].find('+') == 6 ? f[0].substr(7) : f[0];
    // columns from the right: emb sub uni object ID
    font.embedded = f[f.size() - 5] == "yes";
    font.type = f[1];
    fonts.push_back(font);
  }
  return fonts;
}

inline bool HasFont(const std::vector<Font>& fonts, const std::string& prefix) {
  return std::any_of(fonts.begin(), fonts.end(),
                     [&](const Font& f) { return f.name.rfind(prefix, 0) == 0 && f.embedded; });
}

// A word of pdftotext -bbox, in points from the page's top-left.
struct Word {
  int page = 0;  // 1-based
  double page_height = 0;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  std::string text;
};

inline std::string Unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + 1)) {
      s.replace(p, std::char_traits<char>::length(from), to);
    }
  }
  return s;
}

// The value of attribute `name` in an XML start tag line, or "".
inline std::string Attribute(const std::string& line, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const size_t p = line.find(key);
  if (p == std::string::npos) return "";
  const size_t q = line.find('"', p + key.size());
  return q == std::string::npos ? "" : line.substr(p + key.size(), q - p - key.size());
}

inline std::vector<Word> Words(const fs::path& pdf) {
  const std::string html = Run("pdftotext -bbox -enc UTF-8 " + ShellQuote(pdf.string()) + " -");
  std::vector<Word> words;
  int page = 0;
  double height = 0;
  std::istringstream in(html);
  for (std::string line; std::getline(in, line);) {
    if (line.find("<page ") != std::string::npos) {
      ++page;
      height = std::stod(Attribute(line, "height"));
      continue;
    }
    const size_t open = line.find("<word ");
    if (open == std::string::npos) continue;
    const size_t gt = line.find('>', open);
    const size_t end = line.find("</word>", gt);
    if (gt == std::string::npos || end == std::string::npos) continue;
    words.push_back({page, height, std::stod(Attribute(line, "xMin")), std::stod(Attribute(line, "yMin")),
                     std::stod(Attribute(line, "xMax")), std::stod(Attribute(line, "yMax")),
                     Unescape(line.substr(gt + 1, end - gt - 1))});
  }
  return words;
}

// Pairs of words on one page whose boxes overlap by more than `fraction` of the smaller box —
// text drawn over text.
inline std::vector<std::pair<Word, Word>> Overlaps(const std::vector<Word>& words, double fraction = 0.25) {
  std::vector<std::pair<Word, Word>> out;
  for (size_t i = 0; i < words.size(); ++i) {
    for (size_t j = i + 1; j < words.size() && words[j].page == words[i].page; ++j) {
      const Word& a = words[i];
      const Word& b = words[j];
      const double w = std::min(a.x1, b.x1) - std::max(a.x0, b.x0);
      const double h = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
      if (w <= 0 || h <= 0) continue;
      const double smaller = std::min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0));
      if (smaller > 0 && w * h > fraction * smaller) out.emplace_back(a, b);
    }
  }
  return out;
}

// Renders every page with pdftoppm at `dpi`; returns the PNG paths in page order.
inline std::vector<fs::path> RenderPng(const fs::path& pdf, const fs::path& dir, int dpi = 60) {
  fs::create_directories(dir);
  Run("pdftoppm -r " + std::to_string(dpi) + " -png " + ShellQuote(pdf.string()) + " " +
      ShellQuote((dir / "page").string()));
  std::vector<fs::path> pngs;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".png") pngs.push_back(e.path());
  }
  std::sort(pngs.begin(), pngs.end());
  return pngs;
}

// Renders `model` to dir/name and fails the test on an error.
inline fs::path Render(const nlohmann::json& model, const fs::path& dir, const std::string& name = "report.pdf",
                       const reports::PdfOptions& options = {}) {
  const fs::path out = dir / name;
  const Status st = reports::RenderPdf(model, out, options);
  INFO((st ? std::string("ok") : st.error().ToString()));
  REQUIRE(st);
  REQUIRE(fs::exists(out));
  return out;
}

}  // namespace mfx::testing::pdf_tools
