#include "core/time.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace mfx::core {
namespace {

// Years 0001-01-01 .. 9999-12-31 in Unix seconds.
constexpr int64_t kMinUnixSeconds = -62135596800;
constexpr int64_t kMaxUnixSeconds = 253402300799;
constexpr int64_t kMicros = 1'000'000;

std::optional<int64_t> CheckedMicros(long double unix_seconds) {
  if (!std::isfinite(static_cast<double>(unix_seconds)) || unix_seconds < kMinUnixSeconds ||
      unix_seconds > kMaxUnixSeconds) {
    return std::nullopt;
  }
  return static_cast<int64_t>(std::llround(unix_seconds * 1e6L));
}

std::optional<int64_t> CheckedMicrosInt(int64_t value, int64_t per_second, int64_t epoch_shift_s) {
  // value / per_second + epoch_shift_s, range-checked before multiplying.
  const int64_t whole = value / per_second;
  int64_t rem = value % per_second;
  int64_t secs = whole + epoch_shift_s;
  if (secs < kMinUnixSeconds - 1 || secs > kMaxUnixSeconds) return std::nullopt;
  // Sub-second part in micros, truncating below a microsecond (toward −∞ for negatives).
  int64_t sub;
  if (per_second >= kMicros) {
    const int64_t div = per_second / kMicros;
    sub = rem / div;
    if (rem < 0 && rem % div != 0) sub -= 1;
  } else {
    sub = rem * (kMicros / per_second);
  }
  const int64_t micros = secs * kMicros + sub;
  if (micros < kMinUnixSeconds * kMicros || micros > (kMaxUnixSeconds + 1) * kMicros - 1) {
    return std::nullopt;
  }
  return micros;
}

Timestamp Make(std::variant<std::monostate, int64_t, double, std::string> raw, TimeEncoding enc,
               std::optional<int64_t> micros, int digits) {
  Timestamp t;
  t.raw = std::move(raw);
  t.encoding = enc;
  t.unix_micros = micros;
  t.max_fraction_digits = digits;
  return t;
}

Timestamp FromInt(int64_t v, Zero zero, TimeEncoding enc, int64_t per_second, int64_t shift,
                  int digits) {
  if (v == 0 && zero == Zero::kIsUnset) return Make(v, enc, std::nullopt, digits);
  return Make(v, enc, CheckedMicrosInt(v, per_second, shift), digits);
}

Timestamp FromReal(double v, Zero zero, TimeEncoding enc, int64_t shift) {
  if (v == 0 && zero == Zero::kIsUnset) return Make(v, enc, std::nullopt, 6);
  return Make(v, enc, CheckedMicros(static_cast<long double>(v) + shift), 6);
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::string_view TimeEncodingName(TimeEncoding e) {
  switch (e) {
    case TimeEncoding::kUnixSeconds: return "unix_s";
    case TimeEncoding::kUnixMillis: return "unix_ms";
    case TimeEncoding::kUnixMicros: return "unix_us";
    case TimeEncoding::kCocoaSeconds: return "cocoa_s";
    case TimeEncoding::kCocoaNanos: return "cocoa_ns";
    case TimeEncoding::kWebKitMicros: return "webkit_us";
    case TimeEncoding::kPlistDate: return "plist_date";
    case TimeEncoding::kText: return "text";
  }
  return "unknown";
}

CivilDate CivilFromDays(int64_t z) {
  // Howard Hinnant's days → civil algorithm.
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string FormatIsoUtc(int64_t unix_micros, int max_fraction_digits) {
  std::string out;
  out.reserve(28);
  AppendIsoUtc(out, unix_micros, max_fraction_digits);
  return out;
}

void AppendIsoUtc(std::string& out, int64_t unix_micros, int max_fraction_digits) {
  int64_t secs = unix_micros / kMicros;
  int64_t frac = unix_micros % kMicros;
  if (frac < 0) {
    frac += kMicros;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  const CivilDate date = CivilFromDays(days);
  // Digits written by hand (this runs for every timestamp of every record); years outside
  // 0000–9999 keep printf's form.
  auto digits = [](char* at, int64_t v, int n) {
    for (int i = n - 1; i >= 0; --i, v /= 10) at[i] = static_cast<char>('0' + v % 10);
  };
  if (date.year >= 0 && date.year <= 9999) {
    char buf[] = "0000-00-00T00:00:00";
    digits(buf, date.year, 4);
    digits(buf + 5, date.month, 2);
    digits(buf + 8, date.day, 2);
    digits(buf + 11, sod / 3600, 2);
    digits(buf + 14, sod / 60 % 60, 2);
    digits(buf + 17, sod % 60, 2);
    out.append(buf, 19);
  } else {
    char buf[64];
    const int n = std::snprintf(
        buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
        static_cast<long long>(date.year), date.month, date.day, static_cast<long long>(sod / 3600),
        static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60));
    out.append(buf, static_cast<size_t>(n));
  }
  if (frac != 0 && max_fraction_digits > 0) {
    const bool millis = max_fraction_digits <= 3 || frac % 1000 == 0;
    char buf[8];
    buf[0] = '.';
    if (millis && frac / 1000 != 0) {
      digits(buf + 1, frac / 1000, 3);
      out.append(buf, 4);
    } else if (!millis) {
      digits(buf + 1, frac, 6);
      out.append(buf, 7);
    }
  }
  out += 'Z';
}

std::string Timestamp::ToIsoUtc() const {
  std::string out;
  AppendIsoUtc(out);
  return out;
}

void Timestamp::AppendIsoUtc(std::string& out) const {
  if (unix_micros) core::AppendIsoUtc(out, *unix_micros, max_fraction_digits);
}

std::string Timestamp::RawText() const {
  std::string out;
  AppendRawText(out);
  return out;
}

void Timestamp::AppendRawText(std::string& out) const {
  struct V {
    std::string& out;
    void operator()(std::monostate) const {}
    void operator()(int64_t v) const {
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
    }
    // The shortest form that reads back as the same double, in plain notation as a database
    // tool shows it (778000000, not 7.78e+08); exponent form only where plain would not fit.
    void operator()(double v) const {
      char buf[400];
      auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
      if (r.ec != std::errc()) r = std::to_chars(buf, buf + sizeof(buf), v);
      out.append(buf, r.ptr);
    }
    void operator()(const std::string& v) const { out += v; }
  };
  std::visit(V{out}, raw);
}

Timestamp FromUnixSeconds(int64_t v, Zero z) {
  return FromInt(v, z, TimeEncoding::kUnixSeconds, 1, 0, 0);
}
Timestamp FromUnixSecondsReal(double v, Zero z) {
  return FromReal(v, z, TimeEncoding::kUnixSeconds, 0);
}
Timestamp FromUnixMillis(int64_t v, Zero z) {
  return FromInt(v, z, TimeEncoding::kUnixMillis, 1000, 0, 3);
}
Timestamp FromUnixMicros(int64_t v, Zero z) {
  return FromInt(v, z, TimeEncoding::kUnixMicros, kMicros, 0, 6);
}
Timestamp FromCocoaSeconds(double v, Zero z) {
  return FromReal(v, z, TimeEncoding::kCocoaSeconds, kCocoaEpochUnixSeconds);
}
Timestamp FromCocoaSecondsInt(int64_t v, Zero z) {
  return FromInt(v, z, TimeEncoding::kCocoaSeconds, 1, kCocoaEpochUnixSeconds, 0);
}
Timestamp FromCocoaNanos(int64_t v, Zero z) {
  return FromInt(v, z, TimeEncoding::kCocoaNanos, 1'000'000'000, kCocoaEpochUnixSeconds, 6);
}
Timestamp FromCocoaSecondsOrNanos(int64_t v, Zero z) {
  if (v > 10'000'000'000'000 || v < -10'000'000'000'000) return FromCocoaNanos(v, z);
  return FromCocoaSecondsInt(v, z);
}
Timestamp FromWebKitMicros(int64_t v, Zero z) {
  return FromInt(v, z, TimeEncoding::kWebKitMicros, kMicros, -kWebKitEpochOffsetSeconds, 6);
}
Timestamp FromPlistDate(double cocoa_seconds) {
  Timestamp t = FromReal(cocoa_seconds, Zero::kIsEpoch, TimeEncoding::kPlistDate,
                         kCocoaEpochUnixSeconds);
  return t;
}

std::optional<Timestamp> ParseIsoTime(std::string_view s) {
  int64_t y, mo, d, h, mi, sec;
  size_t pos;
  bool generalized = false;
  if (ParseDigits(s, 0, 4, y) && s.size() > 4 && s[4] == '-') {
    if (!ParseDigits(s, 5, 2, mo) || s.size() < 19 || s[7] != '-' || !ParseDigits(s, 8, 2, d) ||
        (s[10] != 'T' && s[10] != ' ') || !ParseDigits(s, 11, 2, h) || s[13] != ':' ||
        !ParseDigits(s, 14, 2, mi) || s[16] != ':' || !ParseDigits(s, 17, 2, sec)) {
      return std::nullopt;
    }
    pos = 19;
  } else if (ParseDigits(s, 0, 4, y) && ParseDigits(s, 4, 2, mo) && ParseDigits(s, 6, 2, d) &&
             ParseDigits(s, 8, 2, h) && ParseDigits(s, 10, 2, mi) && ParseDigits(s, 12, 2, sec)) {
    pos = 14;
    generalized = true;
  } else {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  int64_t micros = 0;
  int digits = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int64_t scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-') && !generalized) {
    int64_t oh, om;
    const int sign = s[pos] == '-' ? -1 : 1;
    if (!ParseDigits(s, pos + 1, 2, oh)) return std::nullopt;
    size_t mpos = pos + 3;
    if (mpos < s.size() && s[mpos] == ':') ++mpos;
    if (!ParseDigits(s, mpos, 2, om)) return std::nullopt;
    offset_s = sign * (oh * 3600 + om * 60);
    pos = mpos + 2;
  } else {
    return std::nullopt;  // no zone: refuse rather than guess local time
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const int64_t unix_s = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  Timestamp t;
  t.raw = std::string(s);
  t.encoding = TimeEncoding::kText;
  t.unix_micros = unix_s * kMicros + micros;
  t.max_fraction_digits = digits > 3 ? 6 : (digits > 0 ? 3 : 0);
  return t;
}

}  // namespace mfx::core
