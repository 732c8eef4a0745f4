// The sms.db parser: generated backups of both eras (plain and encrypted) against the generator's
// record, the real iOS 13 schema, damaged rows, unknown and trimmed schemas, provenance.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "core/plist.h"
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

constexpr const char* kSmsPath = "Library/SMS/sms.db";

std::vector<nlohmann::ordered_json> SmsRecords(const testing::ParseResult& r) {
  return FromPath(Records(r, "messages"), kSmsPath);
}

const nlohmann::ordered_json* ByRowid(const std::vector<nlohmann::ordered_json>& records,
                                      int64_t rowid) {
  for (const auto& r : records) {
    if (r.at("source").at("rowid") == rowid) return &r;
  }
  return nullptr;
}

parsers::EvidenceFacts Ios17() {
  parsers::EvidenceFacts f;
  f.ios_version = "17.3";
  f.ios_major = 17;
  return f;
}

// sms.db (+ its -wal) of the plain ios17 backup, copied out for damaging; opening the copy
// read-write folds the WAL into it.
std::filesystem::path DamageableCopy(const TempDir& tmp) {
  const auto& g = GetGenerated("ios17", false).backup;
  const auto db = tmp / "sms.db";
  ExtractPlain(g, "HomeDomain", kSmsPath, db);
  ExtractPlain(g, "HomeDomain", std::string(kSmsPath) + "-wal", tmp / "sms.db-wal");
  return db;
}

// Parses a database copy; with_media also presents the attachments of the plain ios17 backup.
testing::ParseResult ParseCopy(const std::filesystem::path& db, bool with_media = false) {
  MappedEnv env;
  env.Map(std::string("HomeDomain/") + kSmsPath, db);
  if (with_media) {
    mfx::testing::messaging::MapFiles(env, GetGenerated("ios17", false).backup, "MediaDomain",
                                      "Library/SMS/Attachments/", db.parent_path());
  }
  return ParseEnv(env, Ios17(), {"sms"});
}

}  // namespace

TEST_CASE("sms: generated backups match the generator's record", "[parsers][sms]") {
  for (const char* style : {"ios17", "ios9"}) {
    for (bool encrypt : {false, true}) {
      if (encrypt && std::string(style) == "ios9") continue;  // one encrypted era is enough here
      DYNAMIC_SECTION(style << (encrypt ? " encrypted" : " plain")) {
        const auto& gen = GetGenerated(style, encrypt);
        const auto* run = gen.parsed.Run("sms");
        REQUIRE(run);
        CHECK(run->status == parsers::ParserRun::Status::kOk);
        // The only issue: the GUIDs of deleted messages the generator left in
        // sync_deleted_messages, reported (they are not messages).
        const int deleted = gen.backup.record["expected"]["sms"]["sync_deleted_messages"];
        const auto warnings = Issues(*run, Kind::kWarning);
        CHECK(run->issues.size() == warnings.size());
        REQUIRE(warnings.size() == (deleted > 0 ? 1u : 0u));
        if (deleted > 0) {
          CHECK_THAT(warnings[0]->message,
                     Catch::Contains("sync_deleted_messages lists " + std::to_string(deleted)));
        }
        const auto records = SmsRecords(gen.parsed);
        RequireSame(Expected(gen.backup, "sms", "messages"), records);

        // Text decoded from attributedBody names where it was found, as the generator wrote it.
        const json& chains = gen.backup.record["expected"]["sms"]["decode_chains"];
        size_t decoded = 0;
        for (const auto& r : records) {
          const std::string rowid = r["source"]["rowid"].dump();
          INFO("rowid " << rowid);
          if (chains.contains(rowid)) {
            CHECK(r["source"]["decode_chain"] == chains[rowid]);
            ++decoded;
          } else {
            CHECK_FALSE(r["source"].contains("decode_chain"));
          }
        }
        CHECK(decoded == chains.size());
        if (std::string(style) == "ios17") {
          CHECK(decoded >= 6);  // 127/128/200/70,000-byte and RTL bodies, the edited message
          // Rows only in sms.db-wal are read (the runner copies the WAL beside the database).
          for (const auto& rowid : gen.backup.record["expected"]["sms"]["wal_rows"]) {
            CHECK(ByRowid(records, rowid.get<int64_t>()));
          }
        }
      }
    }
  }
}

TEST_CASE("sms: every record carries its provenance", "[parsers][sms]") {
  const auto& gen = GetGenerated("ios17", true);
  const auto records = SmsRecords(gen.parsed);
  REQUIRE_FALSE(records.empty());
  CheckProvenance(records, "message");
  for (const auto& r : records) {
    CHECK(r["source"]["domain"] == "HomeDomain");
    CHECK(r["parser"] == "sms/1.0");
    CHECK(r["source"]["file_id"] == "3d0d7e5fb2ce288813306e4d4636395e047a3d28");  // FORMATS.md §5.3
  }
}

TEST_CASE("sms: the real iOS 13 schema is accepted and its time units are read",
          "[parsers][sms][realdata]") {
  MFX_REQUIRE_REALDATA();
  // The exact CREATE statements of the real iOS 13 sms.db (sqlite_sequence and sqlite_stat1 are
  // SQLite's own and cannot be created).
  std::ifstream in(testing::RealDataDir() / "schemas" / "sms.db.ios13.sql");
  std::string line, schema;
  while (std::getline(in, line)) {
    if (line.rfind("CREATE", 0) == 0 && line.find("sqlite_sequence") == std::string::npos &&
        line.find("sqlite_stat1") == std::string::npos) {
      schema += line + "\n";
    }
  }
  REQUIRE(schema.find("CREATE TABLE message (") != std::string::npos);
  TempDir tmp;
  const auto db = tmp / "sms.db";
  ExecSql(db, schema);
  // Values of the real iOS 13 sms.db (FORMATS.md §4): message.date 606704455800776064 ns =
  // 2020-03-24T01:00:55.800776Z; attachment.created_date 599938164 is seconds in the same DB.
  ExecSql(
      db,
      "INSERT INTO handle (ROWID, id, service) VALUES (1, '+12025550199', 'SMS');"
      "INSERT INTO chat (ROWID, guid, style, chat_identifier, service_name) "
      "  VALUES (1, 'SMS;-;+12025550199', 45, '+12025550199', 'SMS');"
      "INSERT INTO chat_handle_join VALUES (1, 1);"
      "INSERT INTO message (ROWID, guid, text, handle_id, service, is_from_me, date, date_read, "
      "  date_delivered) VALUES (1, 'G1', 'hello', 1, 'SMS', 0, 606704455800776064, 0, 0);"
      "INSERT INTO chat_message_join VALUES (1, 1, 606704455800776064);"
      "INSERT INTO attachment (ROWID, guid, created_date, filename, mime_type, transfer_name, "
      "  total_bytes, original_guid) VALUES (1, 'A1', 599938164, "
      "  '~/Library/SMS/Attachments/0a/10/A1/IMG_0001.JPG', 'image/jpeg', 'IMG_0001.JPG', 1234, "
      "'A1');"
      "INSERT INTO message_attachment_join VALUES (1, 1);");
  auto result = ParseCopy(db);
  const auto* run = result.Run("sms");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kOk);
  const auto records = SmsRecords(result);
  REQUIRE(records.size() == 1);
  const auto& m = records[0];
  CHECK(m["time"] == "2020-03-24T01:00:55.800776Z");
  CHECK(m["raw_times"]["time"]["raw"] == "606704455800776064");
  CHECK(m["raw_times"]["time"]["encoding"] == "cocoa_ns");
  CHECK(m["read_time"].is_null());
  CHECK(m["raw_times"]["read_time"]["raw"] == "0");
  CHECK(m["party"] == "+12025550199");
  CHECK(m["chat"] == "+12025550199");
  CHECK(m["service"] == "SMS");
  CHECK(m["message_type"] == "attachment");
  REQUIRE(m["attachments"].size() == 1);
  CHECK(m["attachments"][0]["name"] == "IMG_0001.JPG");
  CHECK(m["attachments"][0]["path"] == "~/Library/SMS/Attachments/0a/10/A1/IMG_0001.JPG");
  CHECK(m["attachments"][0]["backup_path"].is_null());  // the file is not in this Env
  CHECK(m["attachments"][0]["size"] == 1234);
}

TEST_CASE("sms: a damaged row is reported, the others survive", "[parsers][sms][corruption]") {
  const auto& g = GetGenerated("ios17", false).backup;
  const json& expected = Expected(g, "sms", "messages");
  const json& chains = g.record["expected"]["sms"]["decode_chains"];
  REQUIRE(chains.contains("5"));  // message 5: text NULL, a 200-byte body in attributedBody
  TempDir tmp;
  const auto db = DamageableCopy(tmp);

  SECTION("attributedBody that is not a typedstream: reported, the message kept without text") {
    ExecSql(db,
            "UPDATE message SET attributedBody = x'040b73747265616d747970656481e8038401' "
            "WHERE ROWID = 5");
    auto result = ParseCopy(db, /*with_media=*/true);
    const auto* run = result.Run("sms");
    REQUIRE(run);
    CHECK(run->status == parsers::ParserRun::Status::kPartial);
    const auto corrupt = Issues(*run, Kind::kCorruptRow);
    REQUIRE(corrupt.size() == 1);
    CHECK(corrupt[0]->table == "message");
    CHECK(corrupt[0]->rowid == "5");
    CHECK_THAT(corrupt[0]->message, Catch::Contains("attributedBody"));
    const auto records = SmsRecords(result);
    CHECK(records.size() == expected.size());
    const auto* m5 = ByRowid(records, 5);
    REQUIRE(m5);
    CHECK((*m5)["text"].is_null());
    CHECK((*m5)["guid"] == expected[4]["guid"]);
    // Every other message is exactly as the generator wrote it.
    json others = json::array();
    std::vector<nlohmann::ordered_json> rest;
    for (const auto& e : expected) {
      if (e["source"]["rowid"] != 5) others.push_back(e);
    }
    for (const auto& r : records) {
      if (r["source"]["rowid"] != 5) rest.push_back(r);
    }
    RequireSame(others, rest);
  }

  SECTION("a date that is text: the row is reported and skipped") {
    ExecSql(db, "UPDATE message SET date = 'yesterday' WHERE ROWID = 2");
    auto result = ParseCopy(db);
    const auto* run = result.Run("sms");
    REQUIRE(run);
    const auto corrupt = Issues(*run, Kind::kCorruptRow);
    REQUIRE(corrupt.size() == 1);
    CHECK(corrupt[0]->rowid == "2");
    CHECK_THAT(corrupt[0]->message, Catch::Contains("date"));
    const auto records = SmsRecords(result);
    CHECK(records.size() == expected.size() - 1);
    CHECK_FALSE(ByRowid(records, 2));
    CHECK(ByRowid(records, 1));
    CHECK(ByRowid(records, 3));
  }
}

// iOS 16+ keeps every version of an edited iMessage in message_summary_info ("ec"), and the parts
// the sender unsent ("rp"); only the last text and date_edited used to come out.
TEST_CASE("sms: the versions of an edited message and its unsent parts are read", "[parsers][sms]") {
  const auto& g = GetGenerated("ios17", false).backup;
  const json& expected = Expected(g, "sms", "messages");
  TempDir tmp;
  const auto db = DamageableCopy(tmp);
  // The versions' texts are the attributedBody blobs of messages 5 and 6, whose texts the
  // generator recorded.
  auto body = [&](int rowid) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, "SELECT attributedBody FROM message WHERE ROWID = ?1", -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_int(st, 1, rowid);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, 0));
    Bytes out(p, p + sqlite3_column_bytes(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    REQUIRE_FALSE(out.empty());
    return out;
  };
  auto text_of = [&](int rowid) {
    for (const auto& e : expected) {
      if (e["source"]["rowid"] == rowid) return e["text"].get<std::string>();
    }
    FAIL("no message " << rowid);
    return std::string();
  };
  core::PlistDict version1{{"d", core::PlistValue(690513474.25)}, {"t", core::PlistValue(body(5))}};
  core::PlistDict version2{{"d", core::PlistValue(690513494.5)}, {"t", core::PlistValue(body(6))}};
  core::PlistDict summary{
      {"ec", core::PlistDict{{"0", core::PlistArray{core::PlistValue(version1), core::PlistValue(version2)}}}},
      {"rp", core::PlistArray{core::PlistValue(int64_t{1})}},
      {"amc", core::PlistValue(int64_t{0})},
      {"ust", core::PlistValue(true)}};
  core::PlistDict plain{{"amc", core::PlistValue(int64_t{0})}, {"ust", core::PlistValue(true)},
                        {"otr", core::PlistDict{{"0", core::PlistDict{{"lo", core::PlistValue(int64_t{0})},
                                                                     {"le", core::PlistValue(int64_t{5})}}}}}};
  auto hex = [](const Bytes& b) {
    std::string s;
    char buf[3];
    for (uint8_t c : b) {
      std::snprintf(buf, sizeof buf, "%02x", c);
      s += buf;
    }
    return s;
  };
  ExecSql(db, "UPDATE message SET message_summary_info = x'" +
                  hex(core::WritePlist(core::PlistValue(summary), true).value()) + "' WHERE ROWID = 3;" +
                  "UPDATE message SET message_summary_info = x'" +
                  hex(core::WritePlist(core::PlistValue(plain), true).value()) + "' WHERE ROWID = 4");
  auto result = ParseCopy(db, /*with_media=*/true);
  const auto* run = result.Run("sms");
  REQUIRE(run);
  for (const auto* w : Issues(*run, Kind::kWarning)) CHECK_THAT(w->message, !Catch::Contains("message_summary_info"));
  const auto records = SmsRecords(result);
  const auto* m3 = ByRowid(records, 3);
  REQUIRE(m3);
  const auto& history = (*m3)["edit_history"];
  REQUIRE(history.size() == 2);
  CHECK(history[0]["part"] == 0);
  CHECK(history[0]["time"] == "2022-11-19T01:17:54.250Z");  // Cocoa 690513474.25 (GNU date)
  CHECK(history[0]["time_raw"] == "690513474.25");
  CHECK(history[0]["text"] == text_of(5));
  CHECK(history[1]["time"] == "2022-11-19T01:18:14.500Z");
  CHECK(history[1]["text"] == text_of(6));
  CHECK((*m3)["unsent_parts"] == json::array({"1"}));
  const auto* m4 = ByRowid(records, 4);
  REQUIRE(m4);
  CHECK((*m4)["edit_history"].empty());
  CHECK((*m4)["unsent_parts"].empty());
  RequireSame(expected, records);  // everything else as the generator wrote it
}

TEST_CASE("sms: an unknown schema is unsupported with its columns, no records",
          "[parsers][sms][corruption]") {
  TempDir tmp;
  const auto db = DamageableCopy(tmp);
  ExecSql(db, "ALTER TABLE message RENAME COLUMN is_from_me TO is_from_someone");
  auto result = ParseCopy(db);
  const auto* run = result.Run("sms");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kUnsupported);
  const auto unsupported = Issues(*run, Kind::kUnsupported);
  REQUIRE(unsupported.size() == 1);
  CHECK_THAT(unsupported[0]->message, Catch::Contains("lacks is_from_me") &&
                                          Catch::Contains("is_from_someone") &&
                                          Catch::Contains("attributedBody"));
  CHECK(SmsRecords(result).empty());
}

// iOS ≤ 5 (no handle table, no is_from_me): SMS rows by address/flags with Unix-second dates,
// iOS 5 iMessage rows (is_madrid = 1) by madrid_handle/madrid_flags with Cocoa-second dates. The
// table is the iOS 5 message table as public parsers of that era show it; the expected times
// were worked out by hand (`date -u -d @1330000000` = 2012-02-23T12:26:40Z = Cocoa 351692800).
TEST_CASE("sms: the iOS 5 schema (SMS and madrid iMessage rows) is read", "[parsers][sms]") {
  TempDir tmp;
  const auto db = tmp / "sms.db";
  ExecSql(
      db,
      "CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, address TEXT, date "
      "INTEGER, text TEXT, flags INTEGER, replace INTEGER, svc_center TEXT, group_id INTEGER, "
      "association_id INTEGER, height INTEGER, UIFlags INTEGER, version INTEGER, subject TEXT, "
      "country TEXT, headers BLOB, recipients BLOB, read INTEGER, madrid_attributedBody BLOB, "
      "madrid_handle TEXT, madrid_version INTEGER, madrid_guid TEXT, madrid_type INTEGER, "
      "madrid_roomname TEXT, madrid_service TEXT, madrid_account TEXT, madrid_flags INTEGER, "
      "madrid_attachmentInfo BLOB, madrid_url TEXT, madrid_error INTEGER, is_madrid INTEGER, "
      "madrid_date_read INTEGER, madrid_date_delivered INTEGER, madrid_account_guid TEXT);"
      "CREATE TABLE msg_pieces (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, message_id INTEGER, "
      "data BLOB, part_id INTEGER, preview_part INTEGER, content_type TEXT, height INTEGER, "
      "version INTEGER, flags INTEGER, content_id TEXT, content_loc TEXT, headers BLOB);"
      "INSERT INTO message (ROWID, address, date, text, flags, is_madrid) VALUES "
      "(1, '+15550001', 1330000000, 'sms in', 2, 0),"
      "(2, '+15550001', 1330000100, 'sms out', 3, 0),"
      "(3, '+15550002', 1330000200, 'sms failed', 33, 0),"
      "(6, '+15550003', 1330000300, 'deleted?', 129, 0),"
      "(7, '+15550003', 'noon', 'bad date', 2, 0);"
      "INSERT INTO message (ROWID, date, text, flags, is_madrid, madrid_handle, madrid_flags, "
      "madrid_date_read, madrid_date_delivered, madrid_guid, madrid_service, madrid_roomname) "
      "VALUES (4, 351692800, 'imsg in', 0, 1, 'friend@example.com', 12289, 351692900, 0, "
      "'G-4', 'iMessage', NULL),"
      "(5, 351692900, 'imsg out', 0, 1, 'friend@example.com', 36869, 0, 351693000, 'G-5', "
      "NULL, 'chat123456');"
      "INSERT INTO msg_pieces (message_id, data, content_type) VALUES (3, x'00', 'image/jpeg');"
      "CREATE TABLE msg_group (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, type INTEGER, "
      "newest_message INTEGER, unread_count INTEGER, hash INTEGER);"
      "CREATE TABLE group_member (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, group_id INTEGER, "
      "address TEXT, country TEXT);"
      "INSERT INTO msg_group (ROWID, type) VALUES (1, 0), (2, 0);"
      "INSERT INTO group_member (group_id, address) VALUES (1, '+15550001'), (2, '+15550002'), "
      "(2, '+15550009');"
      "UPDATE message SET group_id = 1 WHERE ROWID IN (1, 2);"
      "UPDATE message SET group_id = 2 WHERE ROWID = 3;");
  MappedEnv env;
  env.Map(std::string("HomeDomain/") + kSmsPath, db);
  parsers::EvidenceFacts ios5;
  ios5.ios_version = "5.1.1";
  ios5.ios_major = 5;
  const auto result = ParseEnv(env, ios5, {"sms"});
  const auto* run = result.Run("sms");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kPartial);  // row 7 is damaged
  const auto records = SmsRecords(result);
  REQUIRE(records.size() == 6);  // row 7 is reported and skipped

  auto check = [&](int64_t rowid, const char* time, const json& direction, const char* party,
                   const char* service, const char* text) {
    const auto* r = ByRowid(records, rowid);
    REQUIRE(r);
    INFO("row " << rowid);
    CHECK((*r)["time"] == time);
    CHECK((*r)["direction"] == direction);
    CHECK((*r)["party"] == party);
    CHECK((*r)["service"] == service);
    CHECK((*r)["text"] == text);
    return r;
  };
  const auto* sms_in = check(1, "2012-02-23T12:26:40Z", "incoming", "+15550001", "SMS", "sms in");
  CHECK((*sms_in)["raw_times"]["time"]["raw"] == "1330000000");
  CHECK((*sms_in)["raw_times"]["time"]["encoding"] == "unix_s");
  check(2, "2012-02-23T12:28:20Z", "outgoing", "+15550001", "SMS", "sms out");
  const auto* failed =
      check(3, "2012-02-23T12:30:00Z", "outgoing", "+15550002", "SMS", "sms failed");
  CHECK((*failed)["chat_participants"] == json::array({"+15550002", "+15550009"}));
  CHECK((*sms_in)["chat_participants"] == json::array({"+15550001"}));
  CHECK((*ByRowid(records, 6))["chat_participants"].empty());  // no group_id
  check(6, "2012-02-23T12:31:40Z", nullptr, "+15550003", "SMS", "deleted?");
  const auto* im_in =
      check(4, "2012-02-23T12:26:40Z", "incoming", "friend@example.com", "iMessage", "imsg in");
  CHECK((*im_in)["read_time"] == "2012-02-23T12:28:20Z");
  CHECK((*im_in)["delivered_time"].is_null());
  CHECK((*im_in)["guid"] == "G-4");
  CHECK((*im_in)["raw_times"]["time"]["raw"] == "351692800");
  CHECK((*im_in)["raw_times"]["time"]["encoding"] == "cocoa_s");
  const auto* im_out =
      check(5, "2012-02-23T12:28:20Z", "outgoing", "friend@example.com", "iMessage", "imsg out");
  CHECK((*im_out)["delivered_time"] == "2012-02-23T12:30:00Z");
  CHECK((*im_out)["read_time"].is_null());
  CHECK((*im_out)["chat"] == "chat123456");

  const auto corrupt = Issues(*run, Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 1);
  CHECK(corrupt[0]->rowid == "7");
  std::string warnings;
  for (const auto* w : Issues(*run, Kind::kWarning)) warnings += w->message + "\n";
  CHECK_THAT(warnings,
             Catch::Contains("flags 129 (1 rows)") && Catch::Contains("msg_pieces holds 1"));
}

TEST_CASE(
    "sms: a trimmed sms.db without chat and message_attachment_join still yields every message",
    "[parsers][sms][corruption]") {
  const auto& g = GetGenerated("ios17", false).backup;
  const json& expected = Expected(g, "sms", "messages");
  TempDir tmp;
  const auto db = DamageableCopy(tmp);
  ExecSql(db, "DROP TABLE chat; DROP TABLE message_attachment_join;");
  auto result = ParseCopy(db);
  const auto* run = result.Run("sms");
  REQUIRE(run);
  CHECK(run->status == parsers::ParserRun::Status::kOk);
  const auto records = SmsRecords(result);
  REQUIRE(records.size() == expected.size());
  for (size_t i = 0; i < records.size(); ++i) {
    INFO("rowid " << records[i]["source"]["rowid"]);
    CHECK(records[i]["chat"].is_null());
    CHECK(records[i]["attachments"].empty());
    CHECK(records[i]["text"] == expected[i]["text"]);
    CHECK(records[i]["time"] == expected[i]["time"]);
    CHECK(records[i]["direction"] == expected[i]["direction"]);
  }
}

TEST_CASE("sms: traces of a deleted message are reported, nothing is invented",
          "[parsers][sms][corruption]") {
  const auto& g = GetGenerated("ios17", false).backup;
  const json& expected = Expected(g, "sms", "messages");
  const int64_t last = expected.back()["source"]["rowid"];
  TempDir tmp;
  const auto db = DamageableCopy(tmp);
  // The device's own delete triggers copy the GUID into deleted_messages and
  // sync_deleted_messages; AUTOINCREMENT keeps the used ROWID in sqlite_sequence.
  ExecSql(db, "DELETE FROM message WHERE ROWID = " + std::to_string(last));
  auto result = ParseCopy(db);
  const auto* run = result.Run("sms");
  REQUIRE(run);
  CHECK(SmsRecords(result).size() == expected.size() - 1);
  std::string all;
  for (const auto* w : Issues(*run, Kind::kWarning)) all += w->message + "\n";
  CHECK_THAT(all, Catch::Contains("deleted_messages lists 1 GUIDs") &&
                      Catch::Contains("sync_deleted_messages lists 3 GUIDs") &&
                      Catch::Contains("up to " + std::to_string(last)) &&
                      Catch::Contains("highest left is " + std::to_string(last - 1)));
}

// Not run by default: `parsers_tests "[.perf][sms]"` prints the parse time of 100,000 messages.
TEST_CASE("sms: 100,000 messages", "[.perf][sms]") {
  TempDir tmp;
  const auto db = DamageableCopy(tmp);
  ExecSql(db,
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
          "INSERT INTO message (guid, text, attributedBody, handle_id, service, is_from_me, date, "
          "  date_read, date_delivered) "
          "SELECT 'perf-' || i, CASE WHEN i % 2 THEN 'hello ' || i END, "
          "  (SELECT attributedBody FROM message WHERE ROWID = 4), 1 + i % 4, 'iMessage', i % 2, "
          "  700000000000000000 + i, 0, 0 FROM n;"
          "INSERT INTO chat_message_join (chat_id, message_id, message_date) "
          "  SELECT 1 + ROWID % 4, ROWID, date FROM message WHERE guid LIKE 'perf-%';"
          "INSERT INTO message_attachment_join (message_id, attachment_id) "
          "  SELECT ROWID, 1 FROM message WHERE guid LIKE 'perf-%' AND ROWID % 10 = 0;");
  const auto started = std::chrono::steady_clock::now();
  auto result = ParseCopy(db, /*with_media=*/true);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto* run = result.Run("sms");
  REQUIRE(run);
  CHECK(run->counts.at("messages") >= 100000);
  WARN("parsed " << run->counts.at("messages") << " messages in " << seconds << " s (parser "
                 << run->seconds << " s)");
}
