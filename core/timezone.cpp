#include "core/timezone.h"

#include <charconv>
#include <cstdio>
#include <cstring>

#include "core/bytes.h"
#include "core/file_util.h"
#include "core/time.h"

namespace mfx::core {

// A POSIX TZ string: "CET-1CEST,M3.5.0,M10.5.0/3" (std, offset, [dst[offset][,start[/time],end[/time]]]).
struct TimeZone::Rule {
  struct When {
    char kind = 0;  // 'M' month/week/day, 'J' Julian 1..365 without Feb 29, 'D' zero-based day
    int month = 0, week = 0, day = 0;
    int32_t time = 7200;  // seconds after local midnight
  };
  std::string std_abbr, dst_abbr;
  int32_t std_offset = 0;  // east-positive seconds
  int32_t dst_offset = 0;
  bool has_dst = false;
  When start, end;
};

namespace {

bool ParseAbbr(const std::string& s, size_t& i, std::string& out) {
  if (i < s.size() && s[i] == '<') {
    const size_t close = s.find('>', i);
    if (close == std::string::npos) return false;
    out = s.substr(i + 1, close - i - 1);
    i = close + 1;
    return true;
  }
  const size_t start = i;
  while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
  out = s.substr(start, i - start);
  return out.size() >= 3;
}

// [+-]hh[:mm[:ss]] → seconds (POSIX sign: positive = west).
bool ParseHms(const std::string& s, size_t& i, int32_t& out) {
  int sign = 1;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
  int32_t parts[3] = {0, 0, 0};
  for (int p = 0; p < 3; ++p) {
    if (p > 0) {
      if (i >= s.size() || s[i] != ':') break;
      ++i;
    }
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    int32_t v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) v = v * 10 + (s[i++] - '0');
    parts[p] = v;
  }
  out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

bool ParseWhen(const std::string& s, size_t& i, TimeZone::Rule::When& w) {
  auto num = [&](int& v) {
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) v = v * 10 + (s[i++] - '0');
    return true;
  };
  if (i < s.size() && s[i] == 'M') {
    ++i;
    w.kind = 'M';
    if (!num(w.month) || i >= s.size() || s[i++] != '.' || !num(w.week) || i >= s.size() ||
        s[i++] != '.' || !num(w.day)) {
      return false;
    }
  } else if (i < s.size() && s[i] == 'J') {
    ++i;
    w.kind = 'J';
    if (!num(w.day)) return false;
  } else {
    w.kind = 'D';
    if (!num(w.day)) return false;
  }
  if (i < s.size() && s[i] == '/') {
    ++i;
    if (!ParseHms(s, i, w.time)) return false;
  }
  return true;
}

std::optional<TimeZone::Rule> ParseRule(const std::string& s) {
  TimeZone::Rule r;
  size_t i = 0;
  int32_t off;
  if (!ParseAbbr(s, i, r.std_abbr) || !ParseHms(s, i, off)) return std::nullopt;
  r.std_offset = -off;
  if (i == s.size()) return r;
  if (!ParseAbbr(s, i, r.dst_abbr)) return std::nullopt;
  r.has_dst = true;
  r.dst_offset = r.std_offset + 3600;
  if (i < s.size() && s[i] != ',') {
    if (!ParseHms(s, i, off)) return std::nullopt;
    r.dst_offset = -off;
  }
  if (i >= s.size() || s[i++] != ',' || !ParseWhen(s, i, r.start) || i >= s.size() || s[i++] != ',' ||
      !ParseWhen(s, i, r.end)) {
    return std::nullopt;
  }
  return r;
}

// Seconds from the start of `year` (UTC-like local reckoning) to the rule moment, local time.
int64_t LocalSecondsOfWhen(int64_t year, const TimeZone::Rule::When& w) {
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int64_t day;  // zero-based day of year
  if (w.kind == 'J') {
    day = w.day - 1;
    if (leap && w.day >= 60) ++day;
  } else if (w.kind == 'D') {
    day = w.day;
  } else {
    static const int kDaysBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    static const int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int64_t first = DaysFromCivil(year, static_cast<unsigned>(w.month), 1);
    const int64_t weekday_first = ((first % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday (4)
    int64_t d = (w.day - weekday_first + 7) % 7 + (w.week - 1) * 7;
    const int month_len = kMonthDays[w.month - 1] + ((w.month == 2 && leap) ? 1 : 0);
    while (d >= month_len) d -= 7;
    day = kDaysBefore[w.month - 1] + ((w.month > 2 && leap) ? 1 : 0) + d;
  }
  return day * 86400 + w.time;
}

}  // namespace

TimeZone TimeZone::Utc() {
  TimeZone z;
  z.name_ = "UTC";
  z.types_.push_back({0, false, "UTC"});
  return z;
}

Result<TimeZone> TimeZone::Load(const std::string& name, const std::string& zoneinfo_dir) {
  if (name == "UTC" || name == "Etc/UTC" || name == "Z") return Utc();
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "time zone '" + name + "' is not a zone name");
  }
  auto text = ReadTextFile(zoneinfo_dir + "/" + name, 1 << 20);
  if (!text) return Fail(ErrorCode::kNotFound, "unknown time zone '" + name + "' (not in " + zoneinfo_dir + ")");
  const auto* b = reinterpret_cast<const uint8_t*>(text->data());
  const size_t n = text->size();
  auto bad = [&](const char* why) {
    return Fail(ErrorCode::kCorrupt, zoneinfo_dir + "/" + name + ": " + why);
  };
  if (n < 44 || std::memcmp(b, "TZif", 4) != 0) return bad("not a TZif file");
  auto counts = [&](size_t at, uint32_t c[6]) {
    for (int k = 0; k < 6; ++k) c[k] = LoadBe32(b + at + 20 + 4 * k);
  };
  uint32_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  counts(0, c);
  size_t v1_len = size_t{c[3]} * 5 + size_t{c[4]} * 6 + c[5] + size_t{c[2]} * 8 + c[1] + c[0];
  const char version = static_cast<char>(b[4]);
  size_t pos = 44;
  int time_size = 4;
  if (version >= '2') {
    pos = 44 + v1_len;
    if (n < pos + 44 || std::memcmp(b + pos, "TZif", 4) != 0) return bad("no version-2 header");
    counts(pos, c);
    pos += 44;
    time_size = 8;
  }
  const size_t need = size_t{c[3]} * (time_size + 1) + size_t{c[4]} * 6 + c[5];
  if (n < pos + need) return bad("truncated");
  TimeZone z;
  z.name_ = name;
  const size_t data_start = pos;
  for (uint32_t k = 0; k < c[3]; ++k) {
    const uint8_t* p = b + pos + size_t{k} * time_size;
    z.transitions_.push_back(time_size == 8 ? static_cast<int64_t>(LoadBe64(p))
                                            : static_cast<int64_t>(static_cast<int32_t>(LoadBe32(p))));
  }
  pos += size_t{c[3]} * time_size;
  for (uint32_t k = 0; k < c[3]; ++k) z.transition_types_.push_back(b[pos + k]);
  pos += c[3];
  const size_t abbr_at = pos + size_t{c[4]} * 6;
  for (uint32_t k = 0; k < c[4]; ++k) {
    const uint8_t* p = b + pos + size_t{k} * 6;
    const uint8_t idx = p[5];
    std::string abbr;
    if (idx < c[5]) abbr = std::string(reinterpret_cast<const char*>(b + abbr_at + idx));
    z.types_.push_back({static_cast<int32_t>(LoadBe32(p)), p[4] != 0, abbr});
  }
  for (uint8_t t : z.transition_types_) {
    if (t >= z.types_.size()) return bad("transition type out of range");
  }
  if (z.types_.empty()) return bad("no local time types");
  if (version >= '2') {
    size_t foot = data_start + need + size_t{c[2]} * 12 + c[1] + c[0];
    if (foot < n && b[foot] == '\n') {
      const size_t end = text->find('\n', foot + 1);
      if (end != std::string::npos) {
        if (auto rule = ParseRule(text->substr(foot + 1, end - foot - 1))) {
          z.footer_ = std::make_shared<const Rule>(*rule);
        }
      }
    }
  }
  return z;
}

TimeZone::Type TimeZone::FooterType(int64_t t) const {
  const Rule& r = *footer_;
  if (!r.has_dst) return {r.std_offset, false, r.std_abbr};
  const int64_t days = (t + r.std_offset) / 86400 - ((t + r.std_offset) % 86400 < 0 ? 1 : 0);
  const int64_t year = CivilFromDays(days).year;
  const int64_t year_start = DaysFromCivil(year, 1, 1) * 86400;
  // Transition instants in UTC: start happens in standard time, end in daylight time.
  const int64_t start = year_start + LocalSecondsOfWhen(year, r.start) - r.std_offset;
  const int64_t end = year_start + LocalSecondsOfWhen(year, r.end) - r.dst_offset;
  const bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? Type{r.dst_offset, true, r.dst_abbr} : Type{r.std_offset, false, r.std_abbr};
}

size_t TimeZone::Index(int64_t t, bool* use_footer) const {
  *use_footer = false;
  if (transitions_.empty()) {
    *use_footer = footer_ != nullptr;
    return 0;
  }
  if (t < transitions_.front()) {
    // Before the first transition: the first non-DST type (RFC 8536 §3.2), else type 0.
    for (size_t k = 0; k < types_.size(); ++k) {
      if (!types_[k].dst) return k;
    }
    return 0;
  }
  if (t >= transitions_.back() && footer_) {
    *use_footer = true;
    return 0;
  }
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  return transition_types_[static_cast<size_t>(it - transitions_.begin()) - 1];
}

int32_t TimeZone::OffsetAt(int64_t t) const {
  bool footer;
  const size_t i = Index(t, &footer);
  return footer ? FooterType(t).offset : types_[i].offset;
}

std::string TimeZone::AbbreviationAt(int64_t t) const {
  bool footer;
  const size_t i = Index(t, &footer);
  return footer ? FooterType(t).abbr : types_[i].abbr;
}

void AppendOffset(std::string& out, int32_t off) {
  // By hand, not snprintf: this runs for every local time the exports write.
  const int64_t a = off < 0 ? -int64_t{off} : int64_t{off};
  auto two = [&](int64_t v) {
    if (v < 10) out += '0';
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, v);
    out.append(digits, r.ptr);
  };
  out += off < 0 ? '-' : '+';
  two(a / 3600);
  out += ':';
  two(a / 60 % 60);
  if (a % 60 != 0) {
    out += ':';
    two(a % 60);
  }
}

std::string FormatOffset(int32_t off) {
  std::string out;
  AppendOffset(out, off);
  return out;
}

void TimeZone::AppendIsoLocal(std::string& out, int64_t unix_micros,
                              int max_fraction_digits) const {
  const int64_t secs = unix_micros / 1000000 - (unix_micros % 1000000 < 0 ? 1 : 0);
  const int32_t off = OffsetAt(secs);
  AppendIsoUtc(out, unix_micros + int64_t{off} * 1000000, max_fraction_digits);
  out.pop_back();  // the 'Z'
  AppendOffset(out, off);
}

std::string TimeZone::FormatIsoLocal(int64_t unix_micros, int max_fraction_digits) const {
  std::string out;
  AppendIsoLocal(out, unix_micros, max_fraction_digits);
  return out;
}

std::string TimeZone::FormatLocal(int64_t unix_micros, int max_fraction_digits) const {
  std::string s = FormatIsoLocal(unix_micros, max_fraction_digits);
  const size_t sign = s.find_last_of("+-");
  s[10] = ' ';
  return s.substr(0, sign) + " " + s.substr(sign);
}

std::string TimeZone::TzdataVersion(const std::string& zoneinfo_dir) {
  auto text = ReadTextFile(zoneinfo_dir + "/tzdata.zi", 64 << 20);
  if (!text) return {};
  const std::string prefix = "# version ";
  if (text->rfind(prefix, 0) != 0) return {};
  const size_t end = text->find('\n');
  return text->substr(prefix.size(), end - prefix.size());
}

}  // namespace mfx::core
