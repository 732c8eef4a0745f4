#pragma once
// Timestamps that keep their raw value. Every converted time in mfx carries the value exactly as
// the source stored it, the encoding (epoch + unit) it was read with, and the UTC instant in
// microseconds since 1970-01-01T00:00:00Z. A raw value that means "not set" (0 in sms.db
// date_read, -1, …) or falls outside years 0001–9999 has no instant.
//
// Epochs: Unix 1970-01-01, Cocoa/"Mac absolute" 2001-01-01 (= Unix + 978307200 s),
// WebKit/Chromium 1601-01-01 (= Unix − 11644473600 s).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mfx::core {

enum class TimeEncoding {
  kUnixSeconds,
  kUnixMillis,
  kUnixMicros,
  kCocoaSeconds,
  kCocoaNanos,
  kWebKitMicros,
  kPlistDate,  // a plist <date>: Cocoa seconds as a float64
  kText,       // parsed from text (ISO 8601, GeneralizedTime)
};

std::string_view TimeEncodingName(TimeEncoding e);  // "unix_s", "cocoa_s", "cocoa_ns", …

struct Timestamp {
  std::variant<std::monostate, int64_t, double, std::string> raw;
  TimeEncoding encoding = TimeEncoding::kUnixSeconds;
  std::optional<int64_t> unix_micros;
  // Sub-second digits the encoding can carry (0 for integer seconds, 6 for floats and finer).
  int max_fraction_digits = 0;

  bool has_instant() const { return unix_micros.has_value(); }
  // ISO 8601 UTC with 'Z', or "" without an instant.
  std::string ToIsoUtc() const;
  void AppendIsoUtc(std::string& out) const;  // ToIsoUtc() appended to `out`
  // The raw value as text ("606704455800776064", "670009446.123"), for exports and reports.
  std::string RawText() const;
  void AppendRawText(std::string& out) const;  // RawText() appended to `out`
};

// What a zero raw value means.
enum class Zero { kIsUnset, kIsEpoch };

Timestamp FromUnixSeconds(int64_t v, Zero zero = Zero::kIsUnset);
Timestamp FromUnixSecondsReal(double v, Zero zero = Zero::kIsUnset);
Timestamp FromUnixMillis(int64_t v, Zero zero = Zero::kIsUnset);
Timestamp FromUnixMicros(int64_t v, Zero zero = Zero::kIsUnset);
Timestamp FromCocoaSeconds(double v, Zero zero = Zero::kIsUnset);
Timestamp FromCocoaSecondsInt(int64_t v, Zero zero = Zero::kIsUnset);
Timestamp FromCocoaNanos(int64_t v, Zero zero = Zero::kIsUnset);
// sms.db stores Cocoa seconds before iOS 11 and nanoseconds since, in the same column type.
// Values beyond ±1e13 cannot be seconds (year > 318,000) and are read as nanoseconds.
Timestamp FromCocoaSecondsOrNanos(int64_t v, Zero zero = Zero::kIsUnset);
Timestamp FromWebKitMicros(int64_t v, Zero zero = Zero::kIsUnset);
Timestamp FromPlistDate(double cocoa_seconds);

// Parses "YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)" and GeneralizedTime "YYYYMMDDHHMMSS[.f]Z".
std::optional<Timestamp> ParseIsoTime(std::string_view text);

// Formats microseconds since the Unix epoch as ISO 8601 UTC: "2026-03-14T09:26:53.589Z".
// Fraction: none when whole seconds, else 3 or 6 digits (the fewest that are exact), never more
// than max_fraction_digits.
std::string FormatIsoUtc(int64_t unix_micros, int max_fraction_digits = 6);
// The same, appended to `out` (no allocation once `out` has room).
void AppendIsoUtc(std::string& out, int64_t unix_micros, int max_fraction_digits = 6);

// Days since 1970-01-01 → civil date, and back (proleptic Gregorian).
struct CivilDate {
  int64_t year;
  unsigned month;  // 1–12
  unsigned day;    // 1–31
};
CivilDate CivilFromDays(int64_t days);
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

inline constexpr int64_t kCocoaEpochUnixSeconds = 978307200;
inline constexpr int64_t kWebKitEpochOffsetSeconds = 11644473600;

}  // namespace mfx::core
