// Expected offsets come from GNU date(1) with TZ set (same tzdata, independent code):
//   TZ=Europe/Berlin date -d 2026-03-29T01:00:00Z +%z  →  +0200, and so on.
#include <catch2/catch.hpp>

#include "core/timezone.h"

using namespace mfx::core;

TEST_CASE("offsets from TZif transitions and the POSIX footer rule", "[core][timezone]") {
  struct Case {
    const char* zone;
    int64_t t;
    int32_t offset;
    const char* abbr;
  };
  const Case cases[] = {
      {"Europe/Berlin", 1773480413, 3600, "CET"},
      {"Europe/Berlin", 1774745999, 3600, "CET"},
      {"Europe/Berlin", 1774746000, 7200, "CEST"},
      {"America/New_York", 1793512799, -4 * 3600, "EDT"},
      {"America/New_York", 1793512800, -5 * 3600, "EST"},
      {"Europe/Berlin", 4118126400, 7200, "CEST"},  // 2100: past the last transition → footer rule
      {"Europe/Berlin", 4131345600, 3600, "CET"},
      {"Australia/Lord_Howe", 4102444800, 11 * 3600, "+11"},  // 30-minute DST
      {"Australia/Lord_Howe", 4118083200, 10 * 3600 + 1800, "+1030"},
      {"Asia/Kolkata", 1767225600, 5 * 3600 + 1800, "IST"},
      {"America/New_York", -615513600, -4 * 3600, "EDT"},  // 1950
      {"America/Sao_Paulo", 1767225600, -3 * 3600, "-03"},
      {"Australia/Sydney", 3788121600, 11 * 3600, "AEDT"},  // southern-hemisphere rule, 2090
  };
  for (const Case& c : cases) {
    INFO(c.zone << " @ " << c.t);
    auto z = TimeZone::Load(c.zone);
    REQUIRE(z);
    CHECK(z->OffsetAt(c.t) == c.offset);
    CHECK(z->AbbreviationAt(c.t) == c.abbr);
  }
}

TEST_CASE("local formatting with an explicit offset", "[core][timezone]") {
  auto z = TimeZone::Load("Europe/Berlin");
  REQUIRE(z);
  const int64_t us = 1773480413LL * 1000000 + 589000;  // 2026-03-14T09:26:53.589Z
  CHECK(z->FormatIsoLocal(us) == "2026-03-14T10:26:53.589+01:00");
  CHECK(z->FormatLocal(us) == "2026-03-14 10:26:53.589 +01:00");
  CHECK(TimeZone::Utc().FormatIsoLocal(us) == "2026-03-14T09:26:53.589+00:00");
  auto k = TimeZone::Load("Asia/Kolkata");
  REQUIRE(k);
  CHECK(k->FormatIsoLocal(1767225600LL * 1000000) == "2026-01-01T05:30:00+05:30");
}

TEST_CASE("offsets with seconds and west of UTC; the appending form", "[core][timezone]") {
  // GNU date: TZ=… date -d @T "+%Y-%m-%dT%H:%M:%S %::z".
  struct Case {
    const char* zone;
    int64_t t;
    const char* iso;
  };
  const Case cases[] = {
      {"Europe/Amsterdam", -2000000000, "1906-08-16T20:46:12+00:19:32"},  // local mean time
      {"Africa/Monrovia", -1000000000, "1938-04-24T21:28:50-00:44:30"},
      {"Europe/Dublin", -1800000000, "1912-12-17T15:34:39-00:25:21"},
      {"America/St_Johns", 1767225600, "2025-12-31T20:30:00-03:30"},
  };
  for (const Case& c : cases) {
    INFO(c.zone << " @ " << c.t);
    auto z = TimeZone::Load(c.zone);
    REQUIRE(z);
    CHECK(z->FormatIsoLocal(c.t * 1000000) == c.iso);
    std::string out = "kept,";
    z->AppendIsoLocal(out, c.t * 1000000 + 250000);
    std::string expected = std::string("kept,") + c.iso;
    expected.insert(5 + 19, ".250");  // whole milliseconds: three digits, as FormatIsoUtc
    CHECK(out == expected);
  }
  CHECK(FormatOffset(0) == "+00:00");
  CHECK(FormatOffset(-(3 * 3600 + 1800)) == "-03:30");
  CHECK(FormatOffset(14 * 3600) == "+14:00");
  CHECK(FormatOffset(-(44 * 60 + 30)) == "-00:44:30");
  std::string out = "x";
  AppendOffset(out, 5 * 3600 + 45 * 60);
  CHECK(out == "x+05:45");
}

TEST_CASE("unknown or hostile zone names are refused", "[core][timezone]") {
  CHECK(TimeZone::Load("Mars/Olympus").error().code == mfx::ErrorCode::kNotFound);
  CHECK_FALSE(TimeZone::Load("../../etc/passwd"));
  CHECK_FALSE(TimeZone::Load("/etc/localtime"));
  CHECK(TimeZone::Load("UTC")->OffsetAt(0) == 0);
  CHECK_FALSE(TimeZone::TzdataVersion().empty());
}
