// Expected instants were computed with GNU date(1) and Python's datetime, independently of mfx.
#include <catch2/catch.hpp>

#include <string>

#include "core/time.h"

using namespace mfx::core;

TEST_CASE("Cocoa nanoseconds (sms.db) keep microseconds", "[core][time]") {
  // FORMATS §4: 606704455800776064 = 2020-03-24T01:00:55.8Z (real iOS 13 sms.db).
  Timestamp t = FromCocoaNanos(606704455800776064);
  REQUIRE(t.has_instant());
  CHECK(t.ToIsoUtc() == "2020-03-24T01:00:55.800776Z");
  CHECK(t.RawText() == "606704455800776064");
  CHECK(TimeEncodingName(t.encoding) == "cocoa_ns");
}

TEST_CASE("Cocoa seconds, integer and real", "[core][time]") {
  CHECK(FromCocoaSecondsInt(603504000).ToIsoUtc() == "2020-02-16T00:00:00Z");
  CHECK(FromCocoaSeconds(670009446.0).ToIsoUtc() == "2022-03-26T17:44:06Z");
  CHECK(FromCocoaSeconds(670009446.589).ToIsoUtc() == "2022-03-26T17:44:06.589Z");
  CHECK(FromCocoaSeconds(-31536000.5).ToIsoUtc() == "2000-01-01T23:59:59.500Z");
  CHECK(FromCocoaSecondsOrNanos(603504000).ToIsoUtc() == "2020-02-16T00:00:00Z");
  CHECK(FromCocoaSecondsOrNanos(606704455800776064).ToIsoUtc() == "2020-03-24T01:00:55.800776Z");
}

// A REAL raw value reads as a database tool shows it: 778000000.0 came out as "7.78e+08".
TEST_CASE("a real raw value is written in plain notation, exactly", "[core][time]") {
  CHECK(FromCocoaSeconds(778000000.0).RawText() == "778000000");
  CHECK(FromCocoaSeconds(778100000.0).RawText() == "778100000");
  CHECK(FromCocoaSeconds(692837000.831478).RawText() == "692837000.831478");
  CHECK(FromCocoaSeconds(-1.5).RawText() == "-1.5");
  CHECK(FromCocoaSeconds(0.25, Zero::kIsEpoch).RawText() == "0.25");
  CHECK(std::stod(FromCocoaSeconds(1e300).RawText()) == 1e300);  // still exact when huge
}

TEST_CASE("Unix and WebKit epochs", "[core][time]") {
  CHECK(FromUnixSeconds(1339531490).ToIsoUtc() == "2012-06-12T20:04:50Z");
  CHECK(FromUnixMillis(1339531490123).ToIsoUtc() == "2012-06-12T20:04:50.123Z");
  CHECK(FromWebKitMicros(13300000000123456).ToIsoUtc() == "2022-06-18T04:26:40.123456Z");
}

TEST_CASE("zero means unset unless told otherwise; absurd values keep only the raw", "[core][time]") {
  Timestamp unset = FromCocoaNanos(0);
  CHECK_FALSE(unset.has_instant());
  CHECK(unset.RawText() == "0");
  CHECK(FromCocoaSeconds(0, Zero::kIsEpoch).ToIsoUtc() == "2001-01-01T00:00:00Z");
  Timestamp huge = FromUnixSeconds(999999999999999);
  CHECK_FALSE(huge.has_instant());
  CHECK(huge.RawText() == "999999999999999");
  CHECK_FALSE(FromCocoaSeconds(1e300).has_instant());
}

TEST_CASE("ISO 8601 and GeneralizedTime parse to the same instant", "[core][time]") {
  auto a = ParseIsoTime("2020-10-16T19:15:52.16974Z");
  auto b = ParseIsoTime("20201016191552.16974Z");
  auto c = ParseIsoTime("2020-10-16T21:15:52.16974+02:00");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(*a->unix_micros == *b->unix_micros);
  CHECK(*a->unix_micros == *c->unix_micros);
  CHECK(a->ToIsoUtc() == "2020-10-16T19:15:52.169740Z");
  CHECK_FALSE(ParseIsoTime("2020-10-16T19:15:52"));  // no zone: refuse to guess
  CHECK_FALSE(ParseIsoTime("garbage"));
}

TEST_CASE("civil date conversion round-trips over four centuries", "[core][time]") {
  for (int64_t d = -146097; d <= 146097 * 2; d += 37) {
    const CivilDate c = CivilFromDays(d);
    CHECK(DaysFromCivil(c.year, c.month, c.day) == d);
  }
  CHECK(FormatIsoUtc(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatIsoUtc(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(FormatIsoUtc(951782400LL * 1000000) == "2000-02-29T00:00:00Z");
}

TEST_CASE("the appending forms add to what is there, as FormatIsoUtc and RawText give it",
          "[core][time]") {
  // The case database formats every time into reused buffers with these.
  std::string out = "x";
  AppendIsoUtc(out, 1710064299713835, 6);  // 2024-03-10T09:51:39.713835Z (date -u -d @1710064299)
  CHECK(out == "x2024-03-10T09:51:39.713835Z");
  AppendIsoUtc(out, -1500000, 6);  // 1.5 s before the epoch
  CHECK(out == "x2024-03-10T09:51:39.713835Z1969-12-31T23:59:58.500Z");
  out.clear();
  const auto t = FromCocoaNanos(731757099713835226);
  t.AppendRawText(out);
  out += '|';
  t.AppendIsoUtc(out);
  out += '|';
  FromCocoaSeconds(-1.5).AppendRawText(out);
  out += '|';
  Timestamp none;
  none.AppendRawText(out);
  CHECK(out == "731757099713835226|2024-03-10T09:51:39.713835Z|-1.5|");
  CHECK(t.RawText() == "731757099713835226");
}
