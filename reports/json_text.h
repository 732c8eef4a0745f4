#pragma once
// JSON text written by hand where building nlohmann::json values would cost more than the rest of
// the work (exports, the case database's list columns), escaped exactly as nlohmann::json::dump
// escapes it, so that both give the same bytes.

#include <cstdint>
#include <string>
#include <string_view>

namespace mfx::reports {

// Whether any of the eight bytes of `w` equals `b` (the "has a zero byte" word trick, exact as a
// yes/no answer): the text writers scan plain text eight bytes at a time with it.
constexpr bool WordHasByte(uint64_t w, unsigned char b) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint64_t x = w ^ (kOnes * b);
  return ((x - kOnes) & ~x & kHigh) != 0;
}

// Appends s (valid UTF-8) as a JSON string, quotes included.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace mfx::reports
