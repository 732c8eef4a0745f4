// Calendar (Calendar.sqlitedb): generated backups against the generator's record — floating
// all-day times kept as stored wall clock, never shifted — damaged rows and unknown schemas. The
// iLEAPP corpus holds no Calendar.sqlitedb; the generator uses the real iOS 9 / iOS 14 schemas.
#include <catch2/catch.hpp>

#include "tests/mapped_env.h"
#include "tests/parsers/pim_test_helpers.h"
#include "tests/test_support.h"

using namespace mfx;
using mfx::testing::GenerateBackup;
using mfx::testing::ParseBackup;
using mfx::testing::ParseEnv;
using mfx::testing::TempDir;
using nlohmann::json;
namespace pim = mfx::testing::pim;
using Kind = parsers::ParserIssue::Kind;

namespace {
const std::string kDomain = "HomeDomain";
const std::string kPath = "Library/Calendar/Calendar.sqlitedb";
}  // namespace

TEST_CASE("calendar: generated backups, both eras, plain and encrypted", "[parsers][calendar]") {
  TempDir tmp;
  struct Case {
    const char* style;
    bool encrypt;
  };
  for (Case c : {Case{"ios17", false}, Case{"ios9", false}, Case{"ios9", true}}) {
    const std::string tag = std::string(c.style) + (c.encrypt ? "-enc" : "-plain");
    DYNAMIC_SECTION(tag) {
      auto g = GenerateBackup(tmp.path(), tag, {.style = c.style, .encrypt = c.encrypt});
      auto result = ParseBackup(g.dir, g.password_file, {"calendar"});
      const auto* run = result.Run("calendar");
      REQUIRE(run);
      CHECK(run->status == parsers::ParserRun::Status::kOk);
      const json& expected = pim::Expected(g, "calendar", "calendar_events");
      REQUIRE(expected.size() >= 5);
      pim::RequireSame(expected, result.records["calendar_events"]);
      pim::CheckProvenance(result.records["calendar_events"], "CalendarItem");
      // A floating all-day event starts at a wall-clock midnight: "…T00:00:00Z" as stored.
      int floating = 0;
      for (const auto& r : result.records["calendar_events"]) {
        if (r["time_zone"] != "_float") continue;
        ++floating;
        CHECK(r["floating"] == true);
        CHECK(r["all_day"] == true);
        CHECK(r["time"].get<std::string>().ends_with("T00:00:00Z"));
        CHECK(r["end"].get<std::string>().ends_with("T00:00:00Z"));
      }
      CHECK(floating >= 2);
    }
  }
}

TEST_CASE("calendar: a damaged row is reported and skipped, the rest survives",
          "[parsers][calendar]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios17"});
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                                  "UPDATE CalendarItem SET start_date = 'tomorrow' WHERE ROWID = 3",
                                  "calendar");
  const auto* run = result.Run("calendar");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kPartial);
  auto corrupt = pim::Issues(*run, Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 1);
  CHECK(corrupt[0]->table == "CalendarItem");
  CHECK(corrupt[0]->rowid == "3");
  json expected = json::array();
  for (const auto& e : pim::Expected(g, "calendar", "calendar_events")) {
    if (e["source"]["rowid"] != 3) expected.push_back(e);
  }
  pim::RequireSame(expected, result.records["calendar_events"]);
}

// Up to iOS 12 CalendarItem also holds reminders (entity_type 3): they used to come out as events
// with no time.
TEST_CASE("calendar: reminders in CalendarItem are not events, and are said", "[parsers][calendar]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios9"});
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                                  "UPDATE CalendarItem SET entity_type = 3, start_date = NULL, end_date = NULL,"
                                  " due_date = 500000000 WHERE ROWID = 2",
                                  "calendar");
  const auto* run = result.Run("calendar");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kOk);
  auto warnings = pim::Issues(*run, Kind::kWarning);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0]->message, Catch::Contains("1 CalendarItem rows are reminders"));
  json expected = json::array();
  for (const auto& e : pim::Expected(g, "calendar", "calendar_events")) {
    if (e["source"]["rowid"] != 2) expected.push_back(e);
  }
  REQUIRE(expected.size() + 1 == pim::Expected(g, "calendar", "calendar_events").size());
  pim::RequireSame(expected, result.records["calendar_events"]);
}

// A trimmed or damaged database without the Calendar and Location tables used to lose every event
// as "unsupported"; the events are CalendarItem's, only their calendar and place are missing.
TEST_CASE("calendar: events without the Calendar and Location tables", "[parsers][calendar]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios17"});
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(), "DROP TABLE Location; DROP TABLE Calendar",
                                  "calendar");
  const auto* run = result.Run("calendar");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kOk);
  CHECK(pim::Issues(*run, Kind::kWarning).size() == 2);
  json expected = json::array();
  for (json e : pim::Expected(g, "calendar", "calendar_events")) {
    for (const char* f : {"calendar", "account", "location", "location_address", "latitude", "longitude"}) {
      e[f] = nullptr;
    }
    expected.push_back(e);
  }
  REQUIRE_FALSE(expected.empty());
  pim::RequireSame(expected, result.records["calendar_events"]);
}

TEST_CASE("calendar: an unknown schema is unsupported, with its columns, and yields nothing",
          "[parsers][calendar]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios9"});
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                                  "ALTER TABLE CalendarItem RENAME COLUMN start_tz TO start_zone",
                                  "calendar");
  const auto* run = result.Run("calendar");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kUnsupported);
  auto un = pim::Issues(*run, Kind::kUnsupported);
  REQUIRE(un.size() == 1);
  CHECK(un[0]->message.find("CalendarItem.start_tz") != std::string::npos);
  CHECK(un[0]->message.find("start_zone") != std::string::npos);
  CHECK(result.records["calendar_events"].empty());
}
