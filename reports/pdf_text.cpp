#include "reports/pdf_text.h"

#include <cstdio>

namespace mfx::reports::pdf {

namespace {

constexpr char32_t kBad = 0xFFFFFFFF;

// Decodes one code point at `i`; advances `i`. Overlong forms, surrogates and values beyond
// U+10FFFF are invalid: the first byte is reported as kBad and decoding resumes at the next byte.
char32_t Next(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++i;
    return kBad;
  }
  if (i + len > s.size()) {
    ++i;
    return kBad;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kBad;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kBad;
  }
  i += len;
  return cp;
}

std::string Hex(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

bool IsKana(char32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) || (c >= 0xFF66 && c <= 0xFF9F);
}
bool IsHangul(char32_t c) {
  return (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F);
}
bool IsHan(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x3FFFF);
}

// BMP characters whose default presentation is emoji (Emoji_Presentation=Yes, Unicode 15).
bool IsEmojiPresentationBmp(char32_t c) {
  switch (c) {
    case 0x231A: case 0x231B: case 0x23E9: case 0x23EA: case 0x23EB: case 0x23EC: case 0x23F0:
    case 0x23F3: case 0x25FD: case 0x25FE: case 0x2614: case 0x2615: case 0x267F: case 0x2693:
    case 0x26A1: case 0x26AA: case 0x26AB: case 0x26BD: case 0x26BE: case 0x26C4: case 0x26C5:
    case 0x26CE: case 0x26D4: case 0x26EA: case 0x26F2: case 0x26F3: case 0x26F5: case 0x26FA:
    case 0x26FD: case 0x2705: case 0x270A: case 0x270B: case 0x2728: case 0x274C: case 0x274E:
    case 0x2753: case 0x2754: case 0x2755: case 0x2757: case 0x2795: case 0x2796: case 0x2797:
    case 0x27B0: case 0x27BF: case 0x2B1B: case 0x2B1C: case 0x2B50: case 0x2B55:
      return true;
    default:
      return (c >= 0x2648 && c <= 0x2653);
  }
}

// Symbols that are emoji only with U+FE0F (Extended_Pictographic with text presentation).
bool IsTextDefaultPictograph(char32_t c) {
  return c == 0x00A9 || c == 0x00AE || c == 0x203C || c == 0x2049 || c == 0x2122 || c == 0x2139 ||
         (c >= 0x2194 && c <= 0x21AA) || (c >= 0x2300 && c <= 0x23FF) || c == 0x24C2 ||
         (c >= 0x25AA && c <= 0x25FE) || (c >= 0x2600 && c <= 0x27BF) || (c >= 0x2934 && c <= 0x2935) ||
         (c >= 0x2B05 && c <= 0x2B55) || c == 0x3030 || c == 0x303D || c == 0x3297 || c == 0x3299;
}

bool IsSupplementaryPictograph(char32_t c) {
  return (c >= 0x1F000 && c <= 0x1FAFF && !(c >= 0x1F1E6 && c <= 0x1F1FF) &&
          !(c >= 0x1F3FB && c <= 0x1F3FF));
}
bool IsRegionalIndicator(char32_t c) { return c >= 0x1F1E6 && c <= 0x1F1FF; }
bool IsSkinTone(char32_t c) { return c >= 0x1F3FB && c <= 0x1F3FF; }
bool IsTag(char32_t c) { return c >= 0xE0020 && c <= 0xE007F; }

}  // namespace

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::vector<char32_t> DecodeUtf8(std::string_view utf8) {
  std::vector<char32_t> out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) out.push_back(Next(utf8, i));
  return out;
}

bool IsMarkedControl(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

std::string_view ControlName(char32_t cp) {
  switch (cp) {
    case 0x202A: return "LEFT-TO-RIGHT EMBEDDING";
    case 0x202B: return "RIGHT-TO-LEFT EMBEDDING";
    case 0x202C: return "POP DIRECTIONAL FORMATTING";
    case 0x202D: return "LEFT-TO-RIGHT OVERRIDE";
    case 0x202E: return "RIGHT-TO-LEFT OVERRIDE";
    case 0x2066: return "LEFT-TO-RIGHT ISOLATE";
    case 0x2067: return "RIGHT-TO-LEFT ISOLATE";
    case 0x2068: return "FIRST STRONG ISOLATE";
    case 0x2069: return "POP DIRECTIONAL ISOLATE";
    case 0x0000: return "NULL";
    case 0x001B: return "ESCAPE";
    case 0x007F: return "DELETE";
    default: return "control character";
  }
}

VisibleText MakeVisible(std::string_view utf8) {
  VisibleText out;
  out.text.reserve(utf8.size());
  bool kana = false, hangul = false, han = false;
  for (size_t i = 0; i < utf8.size();) {
    const size_t start = i;
    const char32_t cp = Next(utf8, i);
    if (cp == kBad || IsMarkedControl(cp)) {
      char buf[16];
      if (cp == kBad) {
        std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned char>(utf8[start]));
      } else {
        std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
      }
      const auto begin = static_cast<uint32_t>(out.text.size());
      out.text += "\u27E8";
      out.text += buf;
      out.text += "\u27E9";
      out.markers.emplace_back(begin, static_cast<uint32_t>(out.text.size()));
      continue;
    }
    kana |= IsKana(cp);
    hangul |= IsHangul(cp);
    han |= IsHan(cp);
    out.text.append(utf8.substr(start, i - start));
  }
  if (kana) {
    out.language = "ja";
  } else if (hangul) {
    out.language = "ko";
  } else if (han) {
    out.language = "zh-cn";
  }
  return out;
}

std::string CodePoints(std::string_view utf8) {
  std::string out;
  for (char32_t cp : DecodeUtf8(utf8)) {
    if (!out.empty()) out += ' ';
    out += cp == kBad ? std::string("(invalid)") : Hex(cp);
  }
  return out;
}

void CountEmoji(std::string_view utf8, std::map<std::string, uint64_t>& counts) {
  const std::vector<char32_t> cps = DecodeUtf8(utf8);
  const size_t n = cps.size();
  size_t i = 0;
  auto emit = [&](size_t from, size_t to) {
    std::string seq;
    for (size_t k = from; k < to; ++k) AppendUtf8(seq, cps[k]);
    ++counts[seq];
  };
  // A pictograph (or a keycap base / text-default symbol) followed by its modifiers.
  auto pictograph_at = [&](size_t k) -> bool {
    const char32_t c = cps[k];
    const bool vs16 = k + 1 < n && cps[k + 1] == 0xFE0F;
    const bool keycap_next = (k + 1 < n && cps[k + 1] == 0x20E3) || (vs16 && k + 2 < n && cps[k + 2] == 0x20E3);
    if (IsSupplementaryPictograph(c) || IsEmojiPresentationBmp(c)) return true;
    if (IsTextDefaultPictograph(c) && vs16) return true;
    if (((c >= '0' && c <= '9') || c == '#' || c == '*') && keycap_next) return true;
    return false;
  };
  while (i < n) {
    if (IsRegionalIndicator(cps[i]) && i + 1 < n && IsRegionalIndicator(cps[i + 1])) {
      emit(i, i + 2);
      i += 2;
      continue;
    }
    if (!pictograph_at(i)) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    for (;;) {
      while (j < n && (cps[j] == 0xFE0F || cps[j] == 0xFE0E || cps[j] == 0x20E3 || IsSkinTone(cps[j]) ||
                       IsTag(cps[j]))) {
        ++j;
      }
      if (j + 1 < n && cps[j] == 0x200D && pictograph_at(j + 1)) {
        j += 2;
        continue;
      }
      break;
    }
    emit(i, j);
    i = j;
  }
}

void CountControls(std::string_view utf8, std::map<char32_t, uint64_t>& counts) {
  for (size_t i = 0; i < utf8.size();) {
    const char32_t cp = Next(utf8, i);
    if (cp != kBad && IsMarkedControl(cp)) ++counts[cp];
  }
}

std::string InitialsOf(std::string_view name) {
  std::string out;
  bool at_word_start = true;
  for (size_t i = 0; i < name.size();) {
    const size_t start = i;
    const char32_t cp = Next(name, i);
    const bool separator = cp == ' ' || cp == '\t' || cp == '-' || cp == '.' || cp == ',' || cp == kBad;
    if (separator) {
      at_word_start = true;
      continue;
    }
    if (at_word_start) {
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp >= 'a' && cp <= 'z' ? cp - 'a' + 'A' : cp));
      } else {
        out.append(name.substr(start, i - start));
      }
      at_word_start = false;
    }
  }
  return out;
}

std::string AsciiOnly(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const char32_t cp = Next(utf8, i);
    if (cp == kBad || cp >= 0x7F) {
      out.push_back('?');
    } else if (cp < 0x20) {
      out.push_back(' ');
    } else {
      out.push_back(static_cast<char>(cp));
    }
  }
  return out;
}

}  // namespace mfx::reports::pdf
