// Voicemail (voicemail.db + <ROWID>.amr): generated backups against the generator's record (the
// mixed Unix/Cocoa epochs are pinned through raw_times), real device databases, damaged rows and
// unknown schemas.
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
const std::string kPath = "Library/Voicemail/voicemail.db";
}  // namespace

TEST_CASE("voicemail: generated backups, both eras, plain and encrypted", "[parsers][voicemail]") {
  TempDir tmp;
  struct Case {
    const char* style;
    bool encrypt;
  };
  for (Case c : {Case{"ios17", false}, Case{"ios9", false}, Case{"ios9", true}}) {
    const std::string tag = std::string(c.style) + (c.encrypt ? "-enc" : "-plain");
    DYNAMIC_SECTION(tag) {
      auto g = GenerateBackup(tmp.path(), tag, {.style = c.style, .encrypt = c.encrypt});
      auto result = ParseBackup(g.dir, g.password_file, {"voicemail"});
      const auto* run = result.Run("voicemail");
      REQUIRE(run);
      CHECK(run->status == parsers::ParserRun::Status::kOk);
      const json& expected = pim::Expected(g, "voicemail", "voicemails");
      REQUIRE(expected.size() >= 3);
      pim::RequireSame(expected, result.records["voicemails"]);
      pim::CheckProvenance(result.records["voicemails"], "voicemail", "deleted");
      // At least one audio file is found and one voicemail was trashed (Cocoa) while its date is
      // Unix: both conversions are exercised.
      int with_audio = 0, trashed = 0;
      for (const auto& e : expected) {
        with_audio += e["backup_path"].is_string();
        trashed += e["trashed_time"].is_string();
      }
      CHECK(with_audio >= 1);
      CHECK(trashed >= 1);
    }
  }
}

TEST_CASE("voicemail: a damaged row is reported and skipped, the rest survives",
          "[parsers][voicemail]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios17"});
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                                  "UPDATE voicemail SET trashed_date = 'yesterday' WHERE ROWID = 2",
                                  "voicemail");
  const auto* run = result.Run("voicemail");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kPartial);
  auto corrupt = pim::Issues(*run, Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 1);
  CHECK(corrupt[0]->table == "voicemail");
  CHECK(corrupt[0]->rowid == "2");
  json expected = json::array();
  for (json e : pim::Expected(g, "voicemail", "voicemails")) {
    if (e["source"]["table"] == "voicemail" && e["source"]["rowid"] == 2) continue;
    e.erase("backup_path");  // the audio files are not in this mapped env
    expected.push_back(e);
  }
  pim::RequireSame(expected, result.records["voicemails"]);
}

// SQLite keeps a REAL where the writer gave one; such rows used to be dropped as corrupt.
TEST_CASE("voicemail: times stored as REAL are read", "[parsers][voicemail]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios17"});
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                                  "UPDATE voicemail SET date = 1710000000.25 WHERE ROWID = 1;"
                                  "UPDATE voicemail SET trashed_date = 730000000.5 WHERE ROWID = 2",
                                  "voicemail");
  const auto* run = result.Run("voicemail");
  REQUIRE(run);
  CHECK(pim::Issues(*run, Kind::kCorruptRow).empty());
  json expected = json::array();
  for (json e : pim::Expected(g, "voicemail", "voicemails")) {
    e.erase("backup_path");
    if (e["source"]["table"] == "voicemail" && e["source"]["rowid"] == 1) {
      e["time"] = "2024-03-09T16:00:00.250Z";  // GNU date -u -d @1710000000.25
      e["raw_times"]["time"]["raw"] = "1710000000.25";
    }
    if (e["source"]["table"] == "voicemail" && e["source"]["rowid"] == 2) {
      e["trashed_time"] = "2024-02-19T01:46:40.500Z";  // Cocoa 730000000.5 = Unix 1708307200.5
      e["raw_times"]["trashed_time"]["raw"] = "730000000.5";
    }
    expected.push_back(e);
  }
  pim::RequireSame(expected, result.records["voicemails"]);
}

TEST_CASE("voicemail: an unknown schema is unsupported, with its columns, and yields nothing",
          "[parsers][voicemail]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios9"});
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                                  "ALTER TABLE voicemail RENAME COLUMN trashed_date TO trash_time",
                                  "voicemail");
  const auto* run = result.Run("voicemail");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kUnsupported);
  auto un = pim::Issues(*run, Kind::kUnsupported);
  REQUIRE(un.size() == 1);
  CHECK(un[0]->message.find("missing trashed_date") != std::string::npos);
  CHECK(un[0]->message.find("trash_time") != std::string::npos);
  CHECK(result.records["voicemails"].empty());
}

// Real device databases (iLEAPP test corpus), checked by hand with the sqlite3 CLI on copies:
//   sqlite3 voicemail.db "select count(*) from voicemail; select count(*) from deleted; .schema"
// All three have the iOS 15/16 schema (voicemail + deleted + map, with receiver and label) and
// 0 rows in voicemail and in deleted (map has 1 row in josh_ios15 and mvs).
TEST_CASE("voicemail: real voicemail.db files", "[parsers][voicemail][realdata]") {
  MFX_REQUIRE_REALDATA();
  const auto corpus = testing::RealDataDir() / "ileapp-corpus";
  for (const char* rel :
       {"voicemail.voicemail.josh_ios15_ffs/filesystem2/mobile/Library/Voicemail/voicemail.db",
        "voicemail.voicemail.mvs_ios_2023/private/var/mobile/Library/Voicemail/voicemail.db",
        "voicemail.voicemail.belkasoft_ctf6_ios_device1/private/var/mobile/Library/"
        "Voicemail/voicemail.db"}) {
    DYNAMIC_SECTION(rel) {
      testing::MappedEnv env;
      env.Map(kDomain + "/" + kPath, corpus / rel);
      auto result = ParseEnv(env, {}, {"voicemail"});
      const auto* run = result.Run("voicemail");
      REQUIRE(run);
      CHECK(run->status == parsers::ParserRun::Status::kOk);  // schema accepted, not unsupported
      CHECK(run->issues.empty());
      CHECK(result.records["voicemails"].empty());
    }
  }
}
