// Calls (CallHistory.storedata, legacy call_history.db): generated backups against the generator's
// record, damaged rows and unknown schemas. The iLEAPP corpus holds no native call history, so
// there is no real-data case here; the schemas the generator uses are real device schemas.
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
const std::string kPath = "Library/CallHistoryDB/CallHistory.storedata";
const std::string kLegacyDomain = "WirelessDomain";
const std::string kLegacyPath = "Library/CallHistory/call_history.db";

bool HasWarning(const parsers::ParserRun& run, const std::string& text) {
  for (const auto* w : pim::Issues(run, Kind::kWarning)) {
    if (w->message.find(text) != std::string::npos) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("calls: generated backups, both eras, plain and encrypted", "[parsers][calls]") {
  TempDir tmp;
  struct Case {
    const char* style;
    bool encrypt;
  };
  for (Case c :
       {Case{"ios17", true}, Case{"ios9", true}, Case{"ios17", false}, Case{"ios9", false}}) {
    const std::string tag = std::string(c.style) + (c.encrypt ? "-enc" : "-plain");
    DYNAMIC_SECTION(tag) {
      auto g = GenerateBackup(tmp.path(), tag, {.style = c.style, .encrypt = c.encrypt});
      auto result = ParseBackup(g.dir, g.password_file, {"calls"});
      const auto* run = result.Run("calls");
      REQUIRE(run);
      CHECK(pim::Issues(*run, Kind::kCorruptRow).empty());
      CHECK(pim::Issues(*run, Kind::kUnsupported).empty());
      const json& expected = pim::Expected(g, "calls", "calls");
      REQUIRE(expected.size() >= 7);
      pim::RequireSame(expected, result.records["calls"]);
      pim::CheckProvenance(result.records["calls"], "ZCALLRECORD", "call");
      // ZCALLTYPE 2 is not a known value: reported, kept raw.
      CHECK(HasWarning(*run, "ZCALLTYPE value(s) 2"));
      if (std::string(c.style) == "ios9") {
        CHECK(HasWarning(*run, "legacy call_history.db"));
      }
    }
  }
}

TEST_CASE("calls: a damaged row is reported and skipped, the rest survives", "[parsers][calls]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios17"});
  // Row 3: no usable direction — still a call (it used to be dropped): kept, direction null.
  // Row 7: ZORIGINATED NULL, the same. Row 5: its time is not a number — skipped.
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                                  "UPDATE ZCALLRECORD SET ZORIGINATED = 'yes' WHERE Z_PK = 3;"
                                  "UPDATE ZCALLRECORD SET ZORIGINATED = NULL WHERE Z_PK = 7;"
                                  "UPDATE ZCALLRECORD SET ZDATE = x'00ff' WHERE Z_PK = 5;",
                                  "calls");
  const auto* run = result.Run("calls");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kPartial);
  auto corrupt = pim::Issues(*run, Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 1);
  CHECK(corrupt[0]->rowid == "5");
  CHECK(corrupt[0]->message.find("ZDATE") != std::string::npos);
  CHECK(HasWarning(*run, "2 calls have a ZORIGINATED that is neither 0 nor 1 (Z_PK 3, 7)"));
  json expected = json::array();
  for (json e : pim::Expected(g, "calls", "calls")) {
    if (e["source"]["rowid"] == 5) continue;
    if (e["source"]["rowid"] == 3 || e["source"]["rowid"] == 7) e["direction"] = nullptr;
    expected.push_back(e);
  }
  REQUIRE(expected.size() >= 6);
  pim::RequireSame(expected, result.records["calls"]);
}

// Calls not yet merged into the main store sit in CallHistoryTemp.storedata (same schema); it was
// never read.
TEST_CASE("calls: CallHistoryTemp.storedata is read beside the main store", "[parsers][calls]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios17"});
  const auto main_db = tmp / "CallHistory.storedata";
  const auto temp_db = tmp / "CallHistoryTemp.storedata";
  pim::ExtractPlain(g, kDomain, kPath, main_db);
  pim::ExtractPlain(g, kDomain, kPath, temp_db);
  pim::ExecSql(temp_db, "DELETE FROM ZCALLRECORD WHERE Z_PK <> 2;"
                        "UPDATE ZCALLRECORD SET ZADDRESS = '+19998887777' WHERE Z_PK = 2");
  testing::MappedEnv env;
  env.Map(kDomain + "/" + kPath, main_db);
  env.Map(kDomain + "/Library/CallHistoryDB/CallHistoryTemp.storedata", temp_db);
  auto result = ParseEnv(env, {}, {"calls"});
  const json& expected = pim::Expected(g, "calls", "calls");
  std::vector<nlohmann::ordered_json> main_records, temp_records;
  for (const auto& r : result.records["calls"]) {
    (r["source"]["path"] == kPath ? main_records : temp_records).push_back(r);
  }
  pim::RequireSame(expected, main_records);
  REQUIRE(temp_records.size() == 1);
  CHECK(temp_records[0]["party"] == "+19998887777");
  CHECK(temp_records[0]["source"]["path"] == "Library/CallHistoryDB/CallHistoryTemp.storedata");
  CHECK(temp_records[0]["source"]["rowid"] == 2);
}

TEST_CASE("calls: unknown schemas are unsupported, with their columns, and yield nothing",
          "[parsers][calls]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios9"});

  SECTION("ZCALLRECORD without ZORIGINATED") {
    auto result = pim::ParseAltered(
        g, kDomain, kPath, tmp.path(),
        "ALTER TABLE ZCALLRECORD RENAME COLUMN ZORIGINATED TO ZDIRECTION", "calls");
    const auto* run = result.Run("calls");
    REQUIRE(run);
    CHECK(run->status == parsers::ParserRun::Status::kUnsupported);
    auto un = pim::Issues(*run, Kind::kUnsupported);
    REQUIRE(un.size() == 1);
    CHECK(un[0]->message.find("missing ZORIGINATED") != std::string::npos);
    CHECK(un[0]->message.find("ZDIRECTION") != std::string::npos);
    CHECK(result.records["calls"].empty());
  }
  SECTION("legacy call table without flags") {
    const std::filesystem::path db = tmp / "call_history.db";
    pim::ExtractPlain(g, kLegacyDomain, kLegacyPath, db);
    pim::ExecSql(db,
                 "DROP TRIGGER timer_outgoing_trigger; DROP TRIGGER timer_incoming_trigger;"
                 "ALTER TABLE call DROP COLUMN flags");
    testing::MappedEnv env;
    env.Map(kLegacyDomain + "/" + kLegacyPath, db);
    auto result = ParseEnv(env, {}, {"calls"});
    const auto* run = result.Run("calls");
    REQUIRE(run);
    CHECK(run->status == parsers::ParserRun::Status::kUnsupported);
    auto un = pim::Issues(*run, Kind::kUnsupported);
    REQUIRE(un.size() == 1);
    CHECK(un[0]->message.find("missing flags") != std::string::npos);
    CHECK(un[0]->message.find("call(ROWID, address, date") != std::string::npos);
    CHECK(result.records["calls"].empty());
  }
}
