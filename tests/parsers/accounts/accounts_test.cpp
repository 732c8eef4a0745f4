// Accounts (Accounts3.sqlite): generated backups against the generator's record, real device
// databases checked by hand, damaged rows and unknown schemas.
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
const std::string kPath = "Library/Accounts/Accounts3.sqlite";

json ByPk(const std::vector<nlohmann::ordered_json>& recs, int64_t pk) {
  for (const auto& r : recs) {
    if (r["source"]["rowid"] == pk) return json(r);
  }
  return nullptr;
}
}  // namespace

TEST_CASE("accounts: generated backups, both eras, plain and encrypted", "[parsers][accounts]") {
  TempDir tmp;
  struct Case {
    const char* style;
    bool encrypt;
  };
  for (Case c : {Case{"ios17", false}, Case{"ios9", false}, Case{"ios17", true}}) {
    const std::string tag = std::string(c.style) + (c.encrypt ? "-enc" : "-plain");
    DYNAMIC_SECTION(tag) {
      auto g = GenerateBackup(tmp.path(), tag, {.style = c.style, .encrypt = c.encrypt});
      auto result = ParseBackup(g.dir, g.password_file, {"accounts"});
      const auto* run = result.Run("accounts");
      REQUIRE(run);
      CHECK(run->status == parsers::ParserRun::Status::kOk);
      const json& expected = pim::Expected(g, "accounts", "accounts");
      REQUIRE(expected.size() >= 5);
      pim::RequireSame(expected, result.records["accounts"]);
      pim::CheckProvenance(result.records["accounts"], "ZACCOUNT");
    }
  }
}

TEST_CASE("accounts: a damaged row is reported and skipped, the rest survives",
          "[parsers][accounts]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios9"});
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                                  "UPDATE ZACCOUNT SET ZDATE = 'soon' WHERE Z_PK = 2", "accounts");
  const auto* run = result.Run("accounts");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kPartial);
  auto corrupt = pim::Issues(*run, Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 1);
  CHECK(corrupt[0]->rowid == "2");
  json expected = json::array();
  for (const auto& e : pim::Expected(g, "accounts", "accounts")) {
    if (e["source"]["rowid"] != 2) expected.push_back(e);
  }
  pim::RequireSame(expected, result.records["accounts"]);
}

TEST_CASE("accounts: an unknown schema is unsupported, with its columns, and yields nothing",
          "[parsers][accounts]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios17"});
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                                  "DROP INDEX IF EXISTS ZACCOUNT_ZACCOUNTTYPE_INDEX;"
                                  "ALTER TABLE ZACCOUNT DROP COLUMN ZACCOUNTTYPE",
                                  "accounts");
  const auto* run = result.Run("accounts");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kUnsupported);
  auto un = pim::Issues(*run, Kind::kUnsupported);
  REQUIRE(un.size() == 1);
  CHECK(un[0]->message.find("ZACCOUNT.ZACCOUNTTYPE") != std::string::npos);
  CHECK(un[0]->message.find("ZACCOUNT(Z_PK, Z_ENT") != std::string::npos);
  CHECK(result.records["accounts"].empty());
}

// Real device databases (iLEAPP test corpus), read by hand with the sqlite3 CLI on copies that keep
// their -wal/-shm:
//   sqlite3 -header Accounts3.sqlite "select a.Z_PK, a.ZDATE, a.ZUSERNAME, a.ZACCOUNTDESCRIPTION,
//     t.ZACCOUNTTYPEDESCRIPTION, t.ZIDENTIFIER, a.ZIDENTIFIER, a.ZOWNINGBUNDLEID, a.ZPARENTACCOUNT,
//     a.ZACTIVE from ZACCOUNT a left join ZACCOUNTTYPE t on a.ZACCOUNTTYPE = t.Z_PK order by
//     a.Z_PK"
// josh_ios15: 19 rows; belkasoft_ctf6: 16 (Z_PK 6 and 17 absent); mvs_ios_2023: 16.
// ZDATE 704051992.309041 + 978307200 = 1682359192.309041 = 2023-04-24T17:59:52.309041Z.
TEST_CASE("accounts: real Accounts3 databases", "[parsers][accounts][realdata]") {
  MFX_REQUIRE_REALDATA();
  const auto corpus = testing::RealDataDir() / "ileapp-corpus";
  const std::string env_path = kDomain + "/" + kPath;

  SECTION("josh_ios15") {
    testing::MappedEnv env;
    env.Map(env_path, corpus /
                          "accountData.accountData.josh_ios15_ffs/filesystem2/mobile/Library/"
                          "Accounts/Accounts3.sqlite");
    auto result = ParseEnv(env, {}, {"accounts"});
    REQUIRE(result.Run("accounts")->status == parsers::ParserRun::Status::kOk);
    const auto& recs = result.records["accounts"];
    REQUIRE(recs.size() == 19);
    pim::CheckProvenance(recs, "ZACCOUNT");
    json gmail = ByPk(recs, 16);
    CHECK(gmail["username"] == "thisisdfir@gmail.com");
    CHECK(gmail["description"] == "Gmail");
    CHECK(gmail["account_type"] == "Gmail");
    CHECK(gmail["account_type_identifier"] == "com.apple.account.Google");
    CHECK(gmail["identifier"] == "56AB9BA6-2343-41BF-9B3A-CF187043AC5C");
    CHECK(gmail["owning_bundle_id"] == "com.apple.mobilemail");
    CHECK(gmail["time"] == "2023-04-24T17:59:52.309041Z");
    CHECK(gmail["active"] == true);
    json carddav = ByPk(recs, 17);  // ZPARENTACCOUNT 16
    CHECK(carddav["account_type"] == "CardDAV");
    CHECK(carddav["username"].is_null());
    CHECK(carddav["parent_identifier"] == "56AB9BA6-2343-41BF-9B3A-CF187043AC5C");
    json store = ByPk(recs, 1);
    CHECK(store["username"] == "local");
    CHECK(store["account_type"] == "iTunes Store");
    CHECK(store["owning_bundle_id"] == "locationd");
    CHECK(store["active"] == false);
    CHECK(store["parent_identifier"].is_null());
  }
  SECTION("belkasoft_ctf6") {
    testing::MappedEnv env;
    env.Map(env_path, corpus /
                          "accountData.accountData.belkasoft_ctf6_ios_device1/private/var/mobile/"
                          "Library/Accounts/Accounts3.sqlite");
    auto result = ParseEnv(env, {}, {"accounts"});
    const auto& recs = result.records["accounts"];
    REQUIRE(recs.size() == 16);
    json icloud = ByPk(recs, 8);
    CHECK(icloud["username"] == "billthemegakill@icloud.com");
    CHECK(icloud["description"] == "iCloud");
    CHECK(icloud["account_type_identifier"] == "com.apple.account.AppleAccount");
    CHECK(icloud["identifier"] == "9990A8F4-F5F6-4313-AAC8-CA4A7B4901FB");
    json gc = ByPk(recs, 18);
    CHECK(gc["account_type"] == "Game Center");
    CHECK(ByPk(recs, 6).is_null());
  }
  SECTION("mvs_ios_2023") {
    testing::MappedEnv env;
    env.Map(env_path, corpus /
                          "accountData.accountData.mvs_ios_2023/private/var/mobile/Library/"
                          "Accounts/Accounts3.sqlite");
    auto result = ParseEnv(env, {}, {"accounts"});
    const auto& recs = result.records["accounts"];
    REQUIRE(recs.size() == 16);
    json holidays = ByPk(recs, 16);
    CHECK(holidays["description"] == "US Holidays");
    CHECK(holidays["account_type"] == "Holiday Calendar");
    CHECK(holidays["owning_bundle_id"] == "dataaccessd");
  }
}
