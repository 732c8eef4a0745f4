// The WhatsApp parser: generated ChatStorage/CallHistory/ContactsV2 against the generator's record
// (plain and encrypted), the real josh_ios15 databases checked by hand, a damaged row, an unknown
// schema, provenance.
#include <catch2/catch.hpp>

#include "tests/mapped_env.h"
#include "tests/parsers/pim_test_helpers.h"
#include "tests/parsers/sms/messaging_fixtures.h"

using namespace mfx;
using mfx::testing::MappedEnv;
using mfx::testing::ParseEnv;
using mfx::testing::TempDir;
using mfx::testing::messaging::FromPath;
using mfx::testing::messaging::GetGenerated;
using mfx::testing::messaging::Records;
using mfx::testing::pim::CheckProvenance;
using mfx::testing::pim::ExecSql;
using mfx::testing::pim::Expected;
using mfx::testing::pim::ExtractPlain;
using mfx::testing::pim::Issues;
using mfx::testing::pim::RequireSame;
using nlohmann::json;
using Kind = mfx::parsers::ParserIssue::Kind;

namespace {

const std::string kDomain = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared";

const nlohmann::ordered_json* ByRowid(const std::vector<nlohmann::ordered_json>& records,
                                      int64_t rowid) {
  for (const auto& r : records) {
    if (r.at("source").at("rowid") == rowid) return &r;
  }
  return nullptr;
}

parsers::EvidenceFacts Ios15() {
  parsers::EvidenceFacts f;
  f.ios_version = "15.3.1";
  f.ios_major = 15;
  return f;
}

// The josh_ios15 WhatsApp app-group files (each with its -wal and -shm).
std::filesystem::path JoshFile(const std::string& artifact, const std::string& name) {
  return testing::RealDataDir() / "ileapp-corpus" / ("whatsApp." + artifact + ".josh_ios15_ffs") /
         "filesystem2/mobile/Containers/Shared/AppGroup/694FBBC5-2E69-480A-A25B-FF8CC038BEF8" /
         name;
}

}  // namespace

TEST_CASE("whatsapp: generated backups match the generator's record", "[parsers][whatsapp]") {
  for (bool encrypt : {false, true}) {
    DYNAMIC_SECTION((encrypt ? "encrypted" : "plain")) {
      const auto& gen = GetGenerated("ios17", encrypt);
      const auto* run = gen.parsed.Run("whatsapp");
      REQUIRE(run);
      for (const auto& i : run->issues) INFO(i.message);
      CHECK(run->status == parsers::ParserRun::Status::kOk);
      CHECK(run->issues.empty());
      RequireSame(Expected(gen.backup, "whatsapp", "messages"),
                  FromPath(Records(gen.parsed, "messages"), "ChatStorage.sqlite"));
      RequireSame(Expected(gen.backup, "whatsapp", "calls"), Records(gen.parsed, "calls"));
      RequireSame(Expected(gen.backup, "whatsapp", "contacts"), Records(gen.parsed, "contacts"));
    }
  }
}

TEST_CASE("whatsapp: no content in an iOS 9-era backup, nothing invented", "[parsers][whatsapp]") {
  const auto& gen = GetGenerated("ios9", false);
  const auto* run = gen.parsed.Run("whatsapp");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kNoInput);
  CHECK(FromPath(Records(gen.parsed, "messages"), "ChatStorage.sqlite").empty());
}

TEST_CASE("whatsapp: every record carries its provenance", "[parsers][whatsapp]") {
  const auto& gen = GetGenerated("ios17", true);
  const auto messages = FromPath(Records(gen.parsed, "messages"), "ChatStorage.sqlite");
  REQUIRE_FALSE(messages.empty());
  CheckProvenance(messages, "ZWAMESSAGE");
  CheckProvenance(Records(gen.parsed, "calls"), "ZWACDCALLEVENT");
  CheckProvenance(Records(gen.parsed, "contacts"), "ZWAADDRESSBOOKCONTACT");
  for (const auto& r : messages) {
    CHECK(r["source"]["domain"] == kDomain);
    CHECK(r["source"]["file_id"] ==
          "7c7fba66680ef796b916b067077cc246adacf01d");  // FORMATS.md §5.16
    CHECK(r["parser"] == "whatsapp/1.0");
  }
}

// Expected values below were read from the corpus files with the sqlite3 CLI, on copies that keep
// their -wal and -shm, e.g.
//   sqlite3 ChatStorage.sqlite "SELECT Z_PK, ZISFROMME, ZMESSAGETYPE, ZMESSAGEDATE, ZFROMJID,
//     ZTOJID, ZTEXT FROM ZWAMESSAGE"
//   sqlite3 ChatStorage.sqlite "SELECT m.Z_PK, mi.ZMEDIALOCALPATH, mi.ZLATITUDE, mi.ZLONGITUDE,
//     mi.ZFILESIZE FROM ZWAMESSAGE m JOIN ZWAMEDIAITEM mi ON mi.Z_PK = m.ZMEDIAITEM"
//   sqlite3 CallHistory.sqlite "SELECT e.Z_PK, a.ZINCOMING, a.ZVIDEO, a.ZMISSED, e.ZOUTCOME,
//     e.ZDATE, e.ZDURATION, p.ZJIDSTRING FROM ZWACDCALLEVENT e JOIN ZWAAGGREGATECALLEVENT a ON
//     a.Z_PK = e.Z1CALLEVENTS JOIN ZWACDCALLEVENTPARTICIPANT p ON p.Z1PARTICIPANTS = e.Z_PK"
//   sqlite3 ContactsV2.sqlite "SELECT Z_PK, ZFULLNAME, ZGIVENNAME, ZPHONENUMBER,
//     ZPHONENUMBERLABEL, ZWHATSAPPID FROM ZWAADDRESSBOOKCONTACT"
// and the UTC times with strftime('%Y-%m-%dT%H:%M:%f', ZMESSAGEDATE + 978307200, 'unixepoch')
// (to the millisecond; the microseconds are the stored fraction).
TEST_CASE("whatsapp: the real josh_ios15 databases", "[parsers][whatsapp][realdata]") {
  MFX_REQUIRE_REALDATA();
  MappedEnv env;
  env.Map(kDomain + "/ChatStorage.sqlite", JoshFile("whatsAppMessages", "ChatStorage.sqlite"));
  env.Map(kDomain + "/CallHistory.sqlite", JoshFile("whatsAppCallHistory", "CallHistory.sqlite"));
  env.Map(kDomain + "/ContactsV2.sqlite", JoshFile("whatsAppContacts", "ContactsV2.sqlite"));
  auto result = ParseEnv(env, Ios15(), {"whatsapp"});
  const auto* run = result.Run("whatsapp");
  REQUIRE(run);
  for (const auto& i : run->issues) INFO(i.message);
  CHECK(run->status == parsers::ParserRun::Status::kOk);

  SECTION("messages: 32 ZWAMESSAGE rows in 5 chats") {
    const auto& m = Records(result, "messages");
    REQUIRE(m.size() == 32);
    CheckProvenance(m, "ZWAMESSAGE");
    CHECK_FALSE(ByRowid(m, 28));  // a gap in Z_PK: the message deleted in the chat ("It's gone")

    const auto* m12 = ByRowid(m, 12);  // 704735807.221498 = 2023-05-02T15:56:47.221
    REQUIRE(m12);
    CHECK((*m12)["time"] == "2023-05-02T15:56:47.221498Z");
    CHECK((*m12)["raw_times"]["time"]["encoding"] == "cocoa_s");
    CHECK((*m12)["direction"] == "outgoing");
    CHECK((*m12)["party"] == "19198887386@s.whatsapp.net");  // ZTOJID
    CHECK((*m12)["chat"] == "19198887386@s.whatsapp.net");
    CHECK((*m12)["chat_name"] == "This Is DFIR Two");
    CHECK((*m12)["text"] == "I\xE2\x80\x99m here!");
    CHECK((*m12)["service"] == "WhatsApp");
    CHECK((*m12)["guid"] == "3AD2D4F6C4FC636222C7");

    const auto* m13 = ByRowid(m, 13);  // 704735850 stored as INTEGER = 2023-05-02T15:57:30
    REQUIRE(m13);
    CHECK((*m13)["time"] == "2023-05-02T15:57:30Z");
    CHECK((*m13)["direction"] == "incoming");
    CHECK((*m13)["party"] == "19198887386@s.whatsapp.net");  // ZFROMJID

    const auto* m29 = ByRowid(m, 29);
    REQUIRE(m29);
    CHECK((*m29)["text"] == "Done. It\xE2\x80\x99s gone. \xF0\x9F\x98\x80");

    // An image: the media item's ZLATITUDE/ZLONGITUDE are 452.0/603.0, its pixel size.
    const auto* m21 = ByRowid(m, 21);  // 704736382.967263 = 2023-05-02T16:06:22.967
    REQUIRE(m21);
    CHECK((*m21)["time"] == "2023-05-02T16:06:22.967263Z");
    CHECK((*m21)["message_type"] == "image");
    CHECK((*m21)["latitude"].is_null());
    CHECK((*m21)["longitude"].is_null());
    REQUIRE((*m21)["attachments"].size() == 1);
    CHECK((*m21)["attachments"][0]["path"] ==
          "Media/19198887386@s.whatsapp.net/d/0/d041d159-fd7d-4abb-9192-0e97c10ddb00.jpg");
    CHECK((*m21)["attachments"][0]["name"] == "d041d159-fd7d-4abb-9192-0e97c10ddb00.jpg");
    CHECK((*m21)["attachments"][0]["size"] == 42073);
    CHECK((*m21)["attachments"][0]["backup_path"].is_null());  // the corpus has no media files

    // A shared location (ZMESSAGETYPE 5): real coordinates, no attachment.
    const auto* m30 = ByRowid(m, 30);  // 706026136.876948 = 2023-05-17T14:22:16.877
    REQUIRE(m30);
    CHECK((*m30)["time"] == "2023-05-17T14:22:16.876948Z");
    CHECK((*m30)["message_type"] == "location");
    CHECK((*m30)["latitude"].get<double>() == Approx(35.6385040283203).epsilon(1e-12));
    CHECK((*m30)["longitude"].get<double>() == Approx(-78.8760528564453).epsilon(1e-12));
    CHECK((*m30)["attachments"].empty());

    // A text message whose media item is a link preview (no file): no attachment.
    const auto* m16 = ByRowid(m, 16);
    REQUIRE(m16);
    CHECK((*m16)["attachments"].empty());
    CHECK((*m16)["message_type"] == "text");

    // A group event in "Our Test Group": from the group itself, no single sender.
    const auto* m2 = ByRowid(m, 2);  // 670009446 = 2022-03-26T17:44:06
    REQUIRE(m2);
    CHECK((*m2)["time"] == "2022-03-26T17:44:06Z");
    CHECK((*m2)["message_type"] == "group event");
    CHECK((*m2)["chat"] == "120363023356659014@g.us");
    CHECK((*m2)["chat_name"] == "Our Test Group");
    CHECK((*m2)["party"].is_null());
    CHECK((*m2)["chat_participants"] ==
          json::array({"205690463334636@lid", "19195794674@s.whatsapp.net"}));  // members 4, 7
  }

  SECTION("calls: 4 ZWACDCALLEVENT rows") {
    const auto& c = Records(result, "calls");
    REQUIRE(c.size() == 4);
    CheckProvenance(c, "ZWACDCALLEVENT");
    const auto* c1 =
        ByRowid(c, 1);  // 704736730.067211 = 2023-05-02T16:12:10.067, 95.1159973144531 s
    REQUIRE(c1);
    CHECK((*c1)["app"] == "WhatsApp");
    CHECK((*c1)["time"] == "2023-05-02T16:12:10.067211Z");
    CHECK((*c1)["direction"] == "outgoing");  // aggregate 1: ZINCOMING 0
    CHECK((*c1)["call_type"] == "voice");
    CHECK((*c1)["answered"] == true);  // ZOUTCOME 0
    CHECK((*c1)["duration_s"].get<double>() == Approx(95.1159973144531));
    CHECK((*c1)["party"] == "19198887386@s.whatsapp.net");
    CHECK((*c1)["end_time"] == "2023-05-02T16:13:45.183208Z");
    const auto* c3 = ByRowid(c, 3);
    REQUIRE(c3);
    CHECK((*c3)["direction"] == "outgoing");
    CHECK((*c3)["call_type"] == "video");  // aggregate 3: ZVIDEO 1
    const auto* c4 = ByRowid(c, 4);
    REQUIRE(c4);
    CHECK((*c4)["direction"] == "incoming");
    CHECK((*c4)["call_type"] == "video");
  }

  SECTION("contacts: 9 ZWAADDRESSBOOKCONTACT rows") {
    const auto& k = Records(result, "contacts");
    REQUIRE(k.size() == 9);
    CheckProvenance(k, "ZWAADDRESSBOOKCONTACT");
    const auto* k7 = ByRowid(k, 7);
    REQUIRE(k7);
    CHECK((*k7)["display_name"] == "Josh Hickman");
    CHECK((*k7)["first_name"] == "Josh");
    CHECK((*k7)["phones"] == json::array({"(919) 391-2507"}));
    CHECK((*k7)["phone_labels"] == json::array({"TextNow"}));
    CHECK((*k7)["im_ids"] == json::array({"19193912507@s.whatsapp.net"}));
    const auto* k2 = ByRowid(k, 2);
    REQUIRE(k2);
    CHECK((*k2)["phone_labels"] == json::array({"Mobile"}));  // stored _$!<Mobile>!$_
    const auto* k1 = ByRowid(k, 1);  // an address-book entry with no number and no WhatsApp id
    REQUIRE(k1);
    CHECK((*k1)["display_name"] == "This Is DFIR");
    CHECK((*k1)["phones"].empty());
    CHECK((*k1)["im_ids"].empty());
    const auto* k9 = ByRowid(k, 9);  // no given name
    REQUIRE(k9);
    CHECK((*k9)["display_name"] == "Apple Inc.");
    CHECK((*k9)["first_name"].is_null());
    // The "About" line, only on row 5 (sqlite3 ContactsV2.sqlite "SELECT Z_PK, ZABOUTTEXT,
    // ZABOUTTIMESTAMP FROM ZWAADDRESSBOOKCONTACT WHERE ZABOUTTEXT IS NOT NULL" → 5|Hey there! I am
    // using WhatsApp.|704735655; + 978307200 = 1683042855, as iLEAPP reports it; GNU date -u -d
    // @1683042855 → 2023-05-02T15:54:15).
    const auto* k5 = ByRowid(k, 5);
    REQUIRE(k5);
    CHECK((*k5)["status_text"] == "Hey there! I am using WhatsApp.");
    CHECK((*k5)["status_time"] == "2023-05-02T15:54:15Z");
    CHECK((*k7)["status_text"].is_null());
    CHECK((*k7)["status_time"].is_null());
  }
}

TEST_CASE("whatsapp: the mvs_ios_2023 ContactsV2 holds no contacts",
          "[parsers][whatsapp][realdata]") {
  MFX_REQUIRE_REALDATA();
  // sqlite3 ContactsV2.sqlite "SELECT count(*) FROM ZWAADDRESSBOOKCONTACT" → 0 (with its -wal).
  const auto dir =
      testing::RealDataDir() / "ileapp-corpus" / "whatsApp.whatsAppCallHistory.mvs_ios_2023" /
      "private/var/mobile/Containers/Shared/AppGroup/B651B3B1-8FA4-4FD9-B0E4-C6F8F8EBC5FD";
  MappedEnv env;
  env.Map(kDomain + "/ContactsV2.sqlite", dir / "ContactsV2.sqlite");
  auto result = ParseEnv(env, {}, {"whatsapp"});
  const auto* run = result.Run("whatsapp");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kOk);
  CHECK(Records(result, "contacts").empty());
}

TEST_CASE("whatsapp: a damaged row is reported, the others survive",
          "[parsers][whatsapp][corruption]") {
  const auto& g = GetGenerated("ios17", false).backup;
  const json& expected = Expected(g, "whatsapp", "messages");
  TempDir tmp;
  const auto db = tmp / "ChatStorage.sqlite";
  ExtractPlain(g, kDomain, "ChatStorage.sqlite", db);
  ExecSql(db, "UPDATE ZWAMESSAGE SET ZMESSAGEDATE = x'00ff' WHERE Z_PK = 3");
  MappedEnv env;
  env.Map(kDomain + "/ChatStorage.sqlite", db);
  mfx::testing::messaging::MapFiles(env, g, kDomain, "Message/", tmp.path());
  auto result = ParseEnv(env, Ios15(), {"whatsapp"});
  const auto* run = result.Run("whatsapp");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kPartial);
  const auto corrupt = Issues(*run, Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 1);
  CHECK(corrupt[0]->table == "ZWAMESSAGE");
  CHECK(corrupt[0]->rowid == "3");
  CHECK_THAT(corrupt[0]->message, Catch::Contains("ZMESSAGEDATE"));
  json others = json::array();
  for (const auto& e : expected) {
    if (e["source"]["rowid"] != 3) others.push_back(e);
  }
  RequireSame(others, Records(result, "messages"));
}

// Status posts (ZSESSIONTYPE 3, status@broadcast) carry no ZGROUPMEMBER: their sender is only in
// ZFROMJID, which used to be ignored for every chat that is not one-to-one (party null).
TEST_CASE("whatsapp: a status post names its sender; a group message without a member names none",
          "[parsers][whatsapp]") {
  const auto& g = GetGenerated("ios17", false).backup;
  TempDir tmp;
  const auto db = tmp / "ChatStorage.sqlite";
  ExtractPlain(g, kDomain, "ChatStorage.sqlite", db);
  ExecSql(db,
          "INSERT INTO ZWACHATSESSION (Z_PK, Z_ENT, Z_OPT, ZSESSIONTYPE, ZCONTACTJID, ZPARTNERNAME) "
          "  VALUES (900, (SELECT Z_ENT FROM ZWACHATSESSION LIMIT 1), 1, 3, 'status@broadcast', 'Status');"
          "INSERT INTO ZWAMESSAGE (Z_PK, Z_ENT, Z_OPT, ZISFROMME, ZMESSAGETYPE, ZMESSAGEDATE, ZCHATSESSION, ZFROMJID, ZTEXT)"
          "  VALUES (900, (SELECT Z_ENT FROM ZWAMESSAGE LIMIT 1), 1, 0, 0, 700000000, 900,"
          "          '12025550999@s.whatsapp.net', 'status post');"
          "INSERT INTO ZWAMESSAGE (Z_PK, Z_ENT, Z_OPT, ZISFROMME, ZMESSAGETYPE, ZMESSAGEDATE, ZCHATSESSION, ZFROMJID, ZTEXT)"
          "  SELECT 901, (SELECT Z_ENT FROM ZWAMESSAGE LIMIT 1), 1, 0, 0, 700000001, Z_PK, ZCONTACTJID, 'no member'"
          "  FROM ZWACHATSESSION WHERE ZSESSIONTYPE = 1 LIMIT 1");
  MappedEnv env;
  env.Map(kDomain + "/ChatStorage.sqlite", db);
  mfx::testing::messaging::MapFiles(env, g, kDomain, "Message/", tmp.path());
  auto result = ParseEnv(env, Ios15(), {"whatsapp"});
  const auto& records = Records(result, "messages");
  const auto* status = ByRowid(records, 900);
  const auto* group = ByRowid(records, 901);
  REQUIRE(status);
  REQUIRE(group);
  CHECK((*status)["party"] == "12025550999@s.whatsapp.net");
  CHECK((*status)["direction"] == "incoming");
  CHECK((*status)["chat"] == "status@broadcast");
  CHECK((*group)["party"].is_null());
  std::vector<nlohmann::ordered_json> others;
  for (const auto& r : records) {
    if (r["source"]["rowid"] != 900 && r["source"]["rowid"] != 901) others.push_back(r);
  }
  RequireSame(Expected(g, "whatsapp", "messages"), others);
}

// Newer ContactsV2 stores the family name apart (ZLASTNAME); it was not read.
TEST_CASE("whatsapp: a contact's family name is read where the store has one", "[parsers][whatsapp]") {
  const auto& g = GetGenerated("ios17", false).backup;
  TempDir tmp;
  const auto db = tmp / "ContactsV2.sqlite";
  ExtractPlain(g, kDomain, "ContactsV2.sqlite", db);
  ExecSql(db, "ALTER TABLE ZWAADDRESSBOOKCONTACT ADD COLUMN ZLASTNAME VARCHAR;"
              "UPDATE ZWAADDRESSBOOKCONTACT SET ZLASTNAME = 'Example' WHERE Z_PK = (SELECT min(Z_PK) FROM "
              "ZWAADDRESSBOOKCONTACT)");
  MappedEnv env;
  env.Map(kDomain + "/ContactsV2.sqlite", db);
  auto result = ParseEnv(env, Ios15(), {"whatsapp"});
  json expected = Expected(g, "whatsapp", "contacts");
  REQUIRE_FALSE(expected.empty());
  int64_t first = expected[0]["source"]["rowid"].get<int64_t>();
  for (const auto& e : expected) first = std::min(first, e["source"]["rowid"].get<int64_t>());
  for (auto& e : expected) {
    if (e["source"]["rowid"] == first) e["last_name"] = "Example";
  }
  RequireSame(expected, Records(result, "contacts"));
}

TEST_CASE("whatsapp: an unknown schema is unsupported with its columns",
          "[parsers][whatsapp][corruption]") {
  const auto& g = GetGenerated("ios17", false).backup;
  TempDir tmp;
  const auto db = tmp / "ChatStorage.sqlite";
  ExtractPlain(g, kDomain, "ChatStorage.sqlite", db);
  ExecSql(db, "ALTER TABLE ZWAMESSAGE RENAME COLUMN ZISFROMME TO ZISFROMYOU");
  MappedEnv env;
  env.Map(kDomain + "/ChatStorage.sqlite", db);
  auto result = ParseEnv(env, Ios15(), {"whatsapp"});
  const auto* run = result.Run("whatsapp");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kUnsupported);
  const auto unsupported = Issues(*run, Kind::kUnsupported);
  REQUIRE(unsupported.size() == 1);
  CHECK_THAT(unsupported[0]->message,
             Catch::Contains("ZWAMESSAGE lacks ZISFROMME") && Catch::Contains("ZISFROMYOU"));
  CHECK(Records(result, "messages").empty());
}
