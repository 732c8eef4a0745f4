#pragma once
// Text preparation for the PDF report: evidence strings made safe and visible before pango sees
// them, plus the small Unicode facts the report needs without a Unicode database (mfx links no
// ICU): script-based language hints, emoji sequences, initials, ASCII-only metadata.
//
// Pure functions on UTF-8 strings; no pango, no cairo, thread-safe.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mfx::reports::pdf {

// A string ready for typesetting.
//
// Bidi embedding/override/isolate controls (U+202A–202E, U+2066–2069), C0/C1 control characters
// other than TAB, LF and CR, and bytes that are not UTF-8 are NOT passed to pango: each is replaced
// by a visible marker "⟨U+202E⟩" / "⟨0xC3⟩" (so a right-to-left override in a message cannot
// reorder what the examiner reads, and nothing disappears). `markers` holds the byte ranges of the
// inserted markers in `text`, for styling them apart from evidence text that happens to contain
// the same characters.
struct VisibleText {
  std::string text;                                    // valid UTF-8
  std::vector<std::pair<uint32_t, uint32_t>> markers;  // [begin, end) byte offsets into text
  // Language tag for CJK font selection ("ja" when kana occur, "ko" for Hangul, "zh-cn" for Han
  // alone), or "" — fontconfig then picks the regional glyph forms (fonts-noto-cjk's rules).
  std::string language;
};

VisibleText MakeVisible(std::string_view utf8);

// True for the code points MakeVisible replaces by a marker.
bool IsMarkedControl(char32_t cp);

// Decodes UTF-8; invalid bytes come back as 0xFFFFFFFF (one per byte), never throws.
std::vector<char32_t> DecodeUtf8(std::string_view utf8);
void AppendUtf8(std::string& out, char32_t cp);

// "U+1F469 U+200D U+1F4BB".
std::string CodePoints(std::string_view utf8);

// Counts emoji sequences (a pictograph with its variation selectors, skin-tone modifiers, keycap
// and tag characters and ZWJ continuations; flag pairs) in `utf8` into `counts`, keyed by the
// sequence's UTF-8. Approximates Unicode's Extended_Pictographic with code point ranges and the
// emoji-presentation characters of the BMP; text-presentation symbols (©, ™, ↔ …) count only when
// followed by U+FE0F.
void CountEmoji(std::string_view utf8, std::map<std::string, uint64_t>& counts);

// Counts the controls MakeVisible would mark, keyed by code point.
void CountControls(std::string_view utf8, std::map<char32_t, uint64_t>& counts);

// Unicode name of a marked control ("RIGHT-TO-LEFT OVERRIDE"), or "control character".
std::string_view ControlName(char32_t cp);

// "Jane Q. Doe" → "JQD"; the first letter of each word, upper-cased when ASCII; "" for "".
std::string InitialsOf(std::string_view name);

// Non-ASCII code points become '?', controls become ' ' (PDF Info strings stay ASCII, CUSTODY §2).
std::string AsciiOnly(std::string_view utf8);

}  // namespace mfx::reports::pdf
