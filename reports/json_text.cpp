#include "reports/json_text.h"

#include <cstdint>
#include <cstring>

namespace mfx::reports {

namespace {

// Whether any of the eight bytes in `w` needs a JSON escape (< 0x20, '"' or '\\'): the
// "has a byte less than n" and "has a zero byte" word tricks, exact as yes/no answers.
bool NeedsJsonEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  return ((w - kOnes * 0x20) & ~w & kHigh) != 0 || WordHasByte(w, '"') || WordHasByte(w, '\\');
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    // Plain text eight bytes at a time.
    while (s.size() - i >= 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (NeedsJsonEscape(w)) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s, run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(s, run, std::string_view::npos);
  out += '"';
}

}  // namespace mfx::reports
