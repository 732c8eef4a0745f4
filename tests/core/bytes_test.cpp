// core/bytes: UTF-8 validation against a reference written from the Unicode standard's table of
// well-formed byte sequences (Table 3-7), one byte at a time.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>

#include "core/bytes.h"

namespace mfx {
namespace {

bool ReferenceValid(const std::string& s) {
  size_t i = 0;
  auto in = [&](size_t k, int lo, int hi) {
    if (i + k >= s.size()) return false;
    const int b = static_cast<unsigned char>(s[i + k]);
    return b >= lo && b <= hi;
  };
  while (i < s.size()) {
    const int b = static_cast<unsigned char>(s[i]);
    if (b <= 0x7F) {
      i += 1;
    } else if (b >= 0xC2 && b <= 0xDF && in(1, 0x80, 0xBF)) {
      i += 2;
    } else if (b == 0xE0 && in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF)) {
      i += 3;
    } else if (((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) && in(1, 0x80, 0xBF) &&
               in(2, 0x80, 0xBF)) {
      i += 3;
    } else if (b == 0xED && in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF)) {
      i += 3;
    } else if (b == 0xF0 && in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF)) {
      i += 4;
    } else if (b >= 0xF1 && b <= 0xF3 && in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) &&
               in(3, 0x80, 0xBF)) {
      i += 4;
    } else if (b == 0xF4 && in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF)) {
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

TEST_CASE("IsValidUtf8: a bad or non-ASCII sequence is seen at every offset", "[core][bytes]") {
  const std::string pieces[] = {"\xFF", "\xC3\xA9", "\xC3", "\xE2\x82\xAC", "\xED\xA0\x80",
                                "\xF0\x9F\x98\x80", "\xF4\x90\x80\x80", "\x80", "\xC0\xAF"};
  for (const std::string& piece : pieces) {
    for (size_t before = 0; before <= 17; ++before) {
      for (size_t after : {size_t{0}, size_t{1}, size_t{9}}) {
        const std::string s = std::string(before, 'a') + piece + std::string(after, 'b');
        CAPTURE(before, after, piece.size());
        CHECK(IsValidUtf8(s) == ReferenceValid(s));
      }
    }
  }
  CHECK(IsValidUtf8(std::string(40, 'x')));
  CHECK_FALSE(IsValidUtf8(std::string(40, 'x') + "\xE2\x82"));
}

TEST_CASE("IsValidUtf8 agrees with the reference on random text", "[core][bytes]") {
  std::mt19937 rng(20261125);
  for (int n = 0; n < 20000; ++n) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) {
      // Mostly ASCII, sometimes lead and continuation bytes.
      const unsigned r = rng() % 16;
      c = static_cast<char>(r < 11 ? 0x20 + rng() % 0x5F : r < 13 ? 0x80 + rng() % 0x40 : 0xC0 + rng() % 0x40);
    }
    CAPTURE(s);
    CHECK(IsValidUtf8(s) == ReferenceValid(s));
    // The valid prefix: valid itself, and one byte more (or the whole rest) is not.
    const size_t n_valid = ValidUtf8PrefixLength(s);
    CHECK(ReferenceValid(s.substr(0, n_valid)));
    if (n_valid < s.size()) {
      for (size_t k = n_valid + 1; k <= std::min(s.size(), n_valid + 4); ++k) CHECK_FALSE(ReferenceValid(s.substr(0, k)));
    }
  }
}

}  // namespace
}  // namespace mfx
