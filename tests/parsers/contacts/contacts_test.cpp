// Contacts (AddressBook.sqlitedb): generated backups against the generator's record, real device
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
const std::string kPath = "Library/AddressBook/AddressBook.sqlitedb";

const json* FindBySource(const std::vector<nlohmann::ordered_json>& recs, int64_t rowid) {
  static json hold;
  for (const auto& r : recs) {
    if (r["source"]["rowid"] == rowid) {
      hold = json(r);
      return &hold;
    }
  }
  return nullptr;
}
}  // namespace

TEST_CASE("contacts: generated backups, both eras, plain and encrypted", "[parsers][contacts]") {
  TempDir tmp;
  struct Case {
    const char* style;
    bool encrypt;
  };
  for (Case c :
       {Case{"ios17", false}, Case{"ios9", false}, Case{"ios17", true}, Case{"ios9", true}}) {
    const std::string tag = std::string(c.style) + (c.encrypt ? "-enc" : "-plain");
    DYNAMIC_SECTION(tag) {
      auto g = GenerateBackup(tmp.path(), tag, {.style = c.style, .encrypt = c.encrypt});
      auto result = ParseBackup(g.dir, g.password_file, {"contacts"});
      const auto* run = result.Run("contacts");
      REQUIRE(run);
      CHECK(run->status == parsers::ParserRun::Status::kOk);
      const json& expected = pim::Expected(g, "contacts", "contacts");
      REQUIRE(expected.size() >= 8);
      pim::RequireSame(expected, result.records["contacts"]);
      pim::CheckProvenance(result.records["contacts"], "ABPerson");
      for (const auto& r : result.records["contacts"]) {
        CHECK(r["source"]["file_id"] == pim::FileEntry(g, kDomain, kPath)["file_id"]);
      }
      // The orphaned multi-value of a deleted person is reported, not attached to anyone.
      bool orphan_noted = false;
      for (const auto* w : pim::Issues(*run, Kind::kWarning)) {
        orphan_noted |= w->message.find("no ABPerson row") != std::string::npos;
      }
      CHECK(orphan_noted);
    }
  }
}

TEST_CASE(
    "contacts: ios17 content lives in the -wal; without it only the main file's person remains",
    "[parsers][contacts]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios17"});
  const std::filesystem::path main = tmp / "AddressBook.sqlitedb";
  pim::ExtractPlain(g, kDomain, kPath, main);
  testing::MappedEnv env;
  env.Map(kDomain + "/" + kPath, main);  // no -wal next to it
  auto result = ParseEnv(env, {}, {"contacts"});
  REQUIRE(result.records["contacts"].size() == 1);
  pim::ExtractPlain(g, kDomain, kPath + "-wal", tmp / "AddressBook.sqlitedb-wal");
  testing::MappedEnv env2;
  env2.Map(kDomain + "/" + kPath, main);
  auto full = ParseEnv(env2, {}, {"contacts"});
  CHECK(full.records["contacts"].size() == pim::Expected(g, "contacts", "contacts").size());
}

TEST_CASE("contacts: a damaged row is reported and skipped, the rest survives",
          "[parsers][contacts]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios9"});
  auto result = pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                                  "UPDATE ABPerson SET CreationDate = 'not a date' WHERE ROWID = 2",
                                  "contacts");
  const auto* run = result.Run("contacts");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kPartial);
  auto corrupt = pim::Issues(*run, Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 1);
  CHECK(corrupt[0]->table == "ABPerson");
  CHECK(corrupt[0]->rowid == "2");
  json expected = json::array();
  for (const auto& e : pim::Expected(g, "contacts", "contacts")) {
    if (e["source"]["rowid"] != 2) expected.push_back(e);
  }
  pim::RequireSame(expected, result.records["contacts"]);
  CHECK(FindBySource(result.records["contacts"], 2) == nullptr);
}

TEST_CASE("contacts: an unknown schema is unsupported, with its columns, and yields nothing",
          "[parsers][contacts]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "b", {.style = "ios9"});
  // Rename a needed column by editing the schema text (ALTER TABLE would have to parse the FTS
  // table, whose tokenizer stock SQLite does not have).
  auto result =
      pim::ParseAltered(g, kDomain, kPath, tmp.path(),
                        "PRAGMA writable_schema=ON; UPDATE sqlite_master SET sql = replace(sql, "
                        "'CreationDate INTEGER', 'CreatedAt INTEGER') WHERE name = 'ABPerson';",
                        "contacts");
  const auto* run = result.Run("contacts");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kUnsupported);
  auto un = pim::Issues(*run, Kind::kUnsupported);
  REQUIRE(un.size() == 1);
  CHECK(un[0]->message.find("ABPerson.CreationDate") != std::string::npos);
  CHECK(un[0]->message.find("CreatedAt") != std::string::npos);  // the column list as found
  CHECK(result.records["contacts"].empty());
}

// Real device databases (iLEAPP test corpus). Expected values were read by hand with the sqlite3
// CLI on copies that keep their -wal/-shm (cp AddressBook.sqlitedb* /tmp/x/), e.g.
//   sqlite3 AddressBook.sqlitedb "select ROWID, First, Last, Organization, CreationDate,
//     ModificationDate from ABPerson order by ROWID"
//   sqlite3 AddressBook.sqlitedb "select m.record_id, m.property, m.identifier, l.value, m.value
//     from ABMultiValue m left join ABMultiValueLabel l on l.ROWID = m.label
//     order by m.record_id, m.property, m.identifier"
//   sqlite3 AddressBook.sqlitedb "select e.parent_id, k.value, e.value from ABMultiValueEntry e
//     join ABMultiValueEntryKey k on k.ROWID = e.key"
// CreationDate 703260029 + 978307200 = 1681567229 = 2023-04-15T14:00:29Z (date -u -d @1681567229).
TEST_CASE("contacts: real AddressBook databases", "[parsers][contacts][realdata]") {
  MFX_REQUIRE_REALDATA();
  const auto corpus = testing::RealDataDir() / "ileapp-corpus";
  const std::string env_path = kDomain + "/" + kPath;

  SECTION("josh_ios15: 9 persons, WAL merged") {
    testing::MappedEnv env;
    env.Map(env_path, corpus /
                          "addressBook.addressBook.josh_ios15_ffs/filesystem2/mobile/Library/"
                          "AddressBook/AddressBook.sqlitedb");
    auto result = ParseEnv(env, {}, {"contacts"});
    REQUIRE(result.Run("contacts")->status == parsers::ParserRun::Status::kOk);
    const auto& recs = result.records["contacts"];
    REQUIRE(recs.size() == 9);
    pim::CheckProvenance(recs, "ABPerson");

    const json* p1 = FindBySource(recs, 1);
    REQUIRE(p1);
    CHECK((*p1)["first_name"] == "This Is");
    CHECK((*p1)["last_name"] == "DFIR Two");
    CHECK((*p1)["time"] == "2023-04-15T14:00:29Z");      // CreationDate 703260029
    CHECK((*p1)["modified"] == "2023-04-24T17:59:55Z");  // ModificationDate 704051995
    CHECK((*p1)["phones"] == json::array({"(919) 888-7386"}));
    CHECK((*p1)["phone_labels"] == json::array({"Mobile"}));
    CHECK((*p1)["emails"] == json::array({"thisisdfirtwo@gmail.com"}));
    CHECK((*p1)["email_labels"] == json::array({"Home"}));

    const json* apple = FindBySource(recs, 2);
    REQUIRE(apple);
    CHECK((*apple)["first_name"].is_null());
    CHECK((*apple)["organization"] == "Apple Inc.");
    CHECK((*apple)["phones"] == json::array({"1-800-MY-APPLE"}));
    CHECK((*apple)["phone_labels"] == json::array({"Main"}));
    CHECK((*apple)["addresses"] ==
          json::array({"One Apple Park Way, Cupertino, CA, 95014, United States"}));
    CHECK((*apple)["address_labels"] == json::array({"Work"}));
    CHECK((*apple)["urls"] == json::array({"http://www.apple.com"}));
    CHECK((*apple)["url_labels"] == json::array({"HomePage"}));

    const json* josh = FindBySource(recs, 7);
    REQUIRE(josh);
    CHECK((*josh)["first_name"] == "Josh");
    CHECK((*josh)["last_name"] == "Hickman");
    // Two phones in identifier order, a custom label kept plain, an e-mail without a label.
    CHECK((*josh)["phones"] == json::array({"(919) 579-0479", "(919) 391-2507"}));
    CHECK((*josh)["phone_labels"] == json::array({"Mobile", "TextNow"}));
    CHECK((*josh)["emails"] == json::array({"joshuahickman957@gmail.com"}));
    CHECK((*josh)["email_labels"] == json::array({""}));

    const json* thom = FindBySource(recs, 8);
    REQUIRE(thom);
    CHECK((*thom)["last_name"] == "De'Fer");
  }

  SECTION("belkasoft_ctf6: everything is in the -wal; 1 person") {
    testing::MappedEnv env;
    env.Map(env_path, corpus /
                          "addressBook.addressBook.belkasoft_ctf6_ios_device1/private/var/mobile/"
                          "Library/AddressBook/AddressBook.sqlitedb");
    auto result = ParseEnv(env, {}, {"contacts"});
    REQUIRE(result.Run("contacts")->status == parsers::ParserRun::Status::kOk);
    const auto& recs = result.records["contacts"];
    REQUIRE(recs.size() == 1);
    CHECK(recs[0]["first_name"] == "William");
    CHECK(recs[0]["last_name"] == "Phorger");
    CHECK(recs[0]["time"] == "2024-04-05T22:07:44Z");  // CreationDate 734047664
    CHECK(recs[0]["emails"] == json::array({"billthemegakill@icloud.com"}));
    CHECK(recs[0]["email_labels"] == json::array({"Home"}));
    CHECK(recs[0]["phones"].empty());
    pim::CheckProvenance(recs, "ABPerson");
  }

  SECTION("mvs_ios_2023: a valid database with no persons") {
    testing::MappedEnv env;
    env.Map(env_path, corpus /
                          "addressBook.addressBook.mvs_ios_2023/private/var/mobile/Library/"
                          "AddressBook/AddressBook.sqlitedb");
    auto result = ParseEnv(env, {}, {"contacts"});
    CHECK(result.Run("contacts")->status == parsers::ParserRun::Status::kOk);
    CHECK(result.records["contacts"].empty());
  }
}
