#pragma once
// Time-zone conversion for display (--tz), from the system tzdata (TZif files in
// /usr/share/zoneinfo). libstdc++ 12 has no std::chrono zone database (GCC 13 added it), and
// localtime_r depends on the process-wide TZ, so mfx reads TZif itself: version 2+ 64-bit
// transitions, and the POSIX TZ footer rule for instants after the last transition.
//
// Stored times are always UTC; this is only used to show them in the examiner's chosen zone.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace mfx::core {

class TimeZone {
 public:
  // "UTC", "Europe/Berlin", "America/New_York", …  kNotFound for an unknown zone name.
  static Result<TimeZone> Load(const std::string& name,
                               const std::string& zoneinfo_dir = "/usr/share/zoneinfo");
  static TimeZone Utc();

  const std::string& name() const { return name_; }
  // Offset from UTC in seconds (east positive) at an instant, and its abbreviation.
  int32_t OffsetAt(int64_t unix_seconds) const;
  std::string AbbreviationAt(int64_t unix_seconds) const;

  // "2026-03-14 10:26:53.589 +01:00" (local wall clock with its offset), fraction as in
  // FormatIsoUtc.
  std::string FormatLocal(int64_t unix_micros, int max_fraction_digits = 6) const;
  // ISO 8601 with offset: "2026-03-14T10:26:53.589+01:00".
  std::string FormatIsoLocal(int64_t unix_micros, int max_fraction_digits = 6) const;
  // FormatIsoLocal() appended to `out`, without a temporary string (the exports call it for
  // every timestamp: 1.5M times for a 470k-record case).
  void AppendIsoLocal(std::string& out, int64_t unix_micros, int max_fraction_digits = 6) const;

  // The tzdata version (/usr/share/zoneinfo/tzdata.zi "# version 2024a"), "" when unknown.
  static std::string TzdataVersion(const std::string& zoneinfo_dir = "/usr/share/zoneinfo");

  struct Rule;  // a parsed POSIX TZ rule (public for the .cpp's helpers)

 private:
  struct Type {
    int32_t offset;
    bool dst;
    std::string abbr;
  };
  std::string name_;
  std::vector<int64_t> transitions_;
  std::vector<uint8_t> transition_types_;
  std::vector<Type> types_;
  std::shared_ptr<const Rule> footer_;
  size_t Index(int64_t t, bool* use_footer) const;
  Type FooterType(int64_t t) const;
};

// The "±HH:MM" suffix for an offset in seconds ("±HH:MM:SS" when it has seconds, as local mean
// times do).
std::string FormatOffset(int32_t offset_seconds);
// FormatOffset() appended to `out`.
void AppendOffset(std::string& out, int32_t offset_seconds);

}  // namespace mfx::core
