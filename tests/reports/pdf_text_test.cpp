// Text preparation for the PDF report (reports/pdf_text.h): visible control characters, script
// language hints, emoji sequences, initials. Expected values are written from the Unicode
// charts, not from the code under test.

#include <catch2/catch.hpp>

#include "reports/pdf_text.h"

namespace mfx::reports::pdf {
namespace {

TEST_CASE("MakeVisible shows bidi controls as markers instead of applying them", "[reports][pdf]") {
  const VisibleText v = MakeVisible("invoice_\u202Efdp.exe");
  CHECK(v.text == "invoice_\u27E8U+202E\u27E9fdp.exe");
  REQUIRE(v.markers.size() == 1);
  CHECK(v.text.substr(v.markers[0].first, v.markers[0].second - v.markers[0].first) == "\u27E8U+202E\u27E9");
  // Every embedding, override and isolate control of UAX #9.
  for (char32_t cp : {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}) {
    std::string s = "a";
    AppendUtf8(s, cp);
    s += "b";
    const VisibleText m = MakeVisible(s);
    CHECK(m.markers.size() == 1);
    CHECK(m.text.find("U+" + std::string(cp < 0x2066 ? "202" : "206")) != std::string::npos);
  }
}

TEST_CASE("MakeVisible keeps tabs, newlines, marks and joiners; marks C0/C1 controls and bad bytes",
          "[reports][pdf]") {
  CHECK(MakeVisible("a\tb\nc\r\nd").text == "a\tb\nc\r\nd");
  CHECK(MakeVisible("a\tb\nc").markers.empty());
  // LRM/RLM and ZWJ stay: they shape text (emoji sequences) rather than reorder whole runs.
  const std::string family = "\U0001F469\u200D\U0001F4BB \u200Fx\u200E";
  CHECK(MakeVisible(family).text == family);
  CHECK(MakeVisible(std::string("a\0b", 3)).text == "a\u27E8U+0000\u27E9b");
  CHECK(MakeVisible("a\x1b[31m").text == "a\u27E8U+001B\u27E9[31m");
  CHECK(MakeVisible("x\u0085y").text == "x\u27E8U+0085\u27E9y");
  // Invalid UTF-8: a lone lead byte, a stray continuation byte, an overlong '/', a surrogate.
  CHECK(MakeVisible("caf\xC3").text == "caf\u27E80xC3\u27E9");
  CHECK(MakeVisible("\x80z").text == "\u27E80x80\u27E9z");
  CHECK(MakeVisible("\xC0\xAF").text == "\u27E80xC0\u27E9\u27E80xAF\u27E9");
  CHECK(MakeVisible("\xED\xA0\x80").markers.size() == 3);
}

TEST_CASE("MakeVisible tags CJK text with a language for regional glyph forms", "[reports][pdf]") {
  CHECK(MakeVisible("明日の午後三時に駅で会いましょう。").language == "ja");
  CHECK(MakeVisible("我们明天下午三点在车站见面。").language == "zh-cn");
  CHECK(MakeVisible("내일 만나요").language == "ko");
  CHECK(MakeVisible("Hello").language.empty());
  CHECK(MakeVisible("مرحبا").language.empty());
}

TEST_CASE("CountEmoji finds whole emoji sequences", "[reports][pdf]") {
  std::map<std::string, uint64_t> counts;
  CountEmoji("ok \U0001F44D\U0001F3FD and \U0001F44D\U0001F3FD", counts);  // thumbs up, medium skin tone
  CHECK(counts == std::map<std::string, uint64_t>{{"\U0001F44D\U0001F3FD", 2}});

  counts.clear();
  CountEmoji("\U0001F1E9\U0001F1EA\U0001F1EB\U0001F1F7", counts);  // two flags: DE, FR
  CHECK(counts.size() == 2);
  CHECK(counts.count("\U0001F1E9\U0001F1EA") == 1);

  counts.clear();
  CountEmoji("\U0001F469\u200D\U0001F4BB", counts);  // woman technologist (ZWJ sequence)
  CHECK(counts == std::map<std::string, uint64_t>{{"\U0001F469\u200D\U0001F4BB", 1}});

  counts.clear();
  CountEmoji("1\uFE0F\u20E3 and 2", counts);  // keycap one; a plain digit is not an emoji
  CHECK(counts == std::map<std::string, uint64_t>{{"1\uFE0F\u20E3", 1}});

  counts.clear();
  CountEmoji("\u00A9 2026, \u2764\uFE0F, \u2615", counts);  // © text style; heart with VS16; hot beverage
  CHECK(counts.count("\u00A9") == 0);
  CHECK(counts.count("\u2764\uFE0F") == 1);
  CHECK(counts.count("\u2615") == 1);

  counts.clear();
  CountEmoji("\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", counts);  // Scotland
  CHECK(counts.size() == 1);
}

TEST_CASE("CodePoints, CountControls, ControlName", "[reports][pdf]") {
  CHECK(CodePoints("\U0001F469\u200D\U0001F4BB") == "U+1F469 U+200D U+1F4BB");
  CHECK(CodePoints("A\xFF") == "U+0041 (invalid)");
  std::map<char32_t, uint64_t> c;
  CountControls("a\u202Eb\u202Ec\u2066d\te", c);
  CHECK(c == std::map<char32_t, uint64_t>{{0x202E, 2}, {0x2066, 1}});
  CHECK(ControlName(0x202E) == "RIGHT-TO-LEFT OVERRIDE");
  CHECK(ControlName(0x2069) == "POP DIRECTIONAL ISOLATE");
}

TEST_CASE("InitialsOf and AsciiOnly", "[reports][pdf]") {
  CHECK(InitialsOf("Jane Q. Doe") == "JQD");
  CHECK(InitialsOf("jean-luc picard") == "JLP");
  CHECK(InitialsOf("Zoë Ångström") == "ZÅ");
  CHECK(InitialsOf("") == "");
  CHECK(AsciiOnly("Case 2026-0042 \u2014 J\u00F6rg\n") == "Case 2026-0042 ? J?rg ");
}

}  // namespace
}  // namespace mfx::reports::pdf
