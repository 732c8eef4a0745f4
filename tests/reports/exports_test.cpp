// The case database and the exports: records written through CaseDatabase and read back by
// WriteExports must equal RecordToJson of the same records (two independent code paths).
#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include <catch2/catch.hpp>

#include "core/sqlite_db.h"
#include "reports/case_db.h"
#include "reports/exports.h"
#include "reports/record_json.h"
#include "tests/test_support.h"

using namespace mfx;
using namespace mfx::reports;
using mfx::testing::TempDir;

namespace {

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

parsers::Message SampleMessage() {
  parsers::Message m;
  m.app = "Messages";
  m.parser = "sms/1.0";
  m.time = core::FromCocoaNanos(606704455800776064);
  m.read_time = core::FromCocoaNanos(0);  // unset: raw kept, no instant
  m.source = {"HomeDomain", "Library/SMS/sms.db", "3d0d7e5fb2ce288813306e4d4636395e047a3d28", "message",
              int64_t{42}, "message.attributedBody → typedstream@0x32"};
  m.direction = "incoming";
  m.party = "+15550100";
  // Characters JSON escapes, before and after runs of eight plain bytes (the writer skips those
  // a word at a time).
  m.chat = "chat123 \"quoted\", then a tab\there, a back\\slash, control \x01 and \x1f, 12345678\x7f\"";
  m.service = "iMessage";
  m.text = std::string("=cmd|' /C calc'!A0 \xEF\xBF\xBC \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xF0\x9F\x94\x91 bad:\xFF");
  m.attachments.push_back({"IMG_1.jpg", "image/jpeg", "~/Library/SMS/Attachments/ab/cd/IMG_1.jpg",
                           "MediaDomain/Library/SMS/Attachments/ab/cd/IMG_1.jpg", 1234});
  // A list of text is written by the case database without nlohmann::json: the same escapes,
  // and invalid UTF-8 replaced, as RecordToJson gives.
  m.chat_participants = {"+15550100", "friend@example.com",
                         "\"quoted\" back\\slash\ttab \x01 \x1f 12345678\x7f", "bad:\xFF", ""};
  m.latitude = 48.860346;
  return m;
}

parsers::WifiNetwork SampleWifi() {
  parsers::WifiNetwork w;
  w.app = "Wi-Fi";
  w.parser = "wifi/1.0";
  w.time = core::FromPlistDate(603504000.5);
  w.source = {"SystemPreferencesDomain", "com.apple.wifi.known-networks.plist", "0fa7", std::nullopt,
              std::string("wifi.network.ssid.Home/JoinedBySystemAt"), ""};
  w.ssid = "Home, \"quoted\"";
  return w;
}

}  // namespace

TEST_CASE("case database → exports equals RecordToJson", "[reports][exports]") {
  TempDir tmp;
  const auto db_path = tmp / "artifacts.sqlite";
  auto db = CaseDatabase::Create(db_path);
  REQUIRE(db);
  std::vector<std::string> expected_messages, expected_wifi;
  for (int i = 0; i < 3; ++i) {
    auto m = SampleMessage();
    std::get<int64_t>(m.source.rowid) += i;
    expected_messages.push_back(RecordToJson(m).dump());
    (*db)->Add(std::move(m));
  }
  auto w = SampleWifi();
  expected_wifi.push_back(RecordToJson(w).dump());
  (*db)->Add(std::move(w));
  parsers::ParserRun run;
  run.name = "sms";
  run.version = "1.0";
  run.status = parsers::ParserRun::Status::kOk;
  run.counts["messages"] = 3;
  REQUIRE((*db)->AddRuns({run}));
  REQUIRE((*db)->Finish());
  REQUIRE(std::filesystem::exists(db_path));
  REQUIRE_FALSE(std::filesystem::exists(db_path.string() + ".tmp"));

  auto zone = core::TimeZone::Load("Europe/Berlin");
  REQUIRE(zone);
  auto files = WriteExports(db_path, tmp / "exports", *zone);
  REQUIRE(files);
  CHECK(Lines(tmp / "exports/messages.jsonl") == expected_messages);
  CHECK(Lines(tmp / "exports/wifi_networks.jsonl") == expected_wifi);
  CHECK_FALSE(std::filesystem::exists(tmp / "exports/contacts.jsonl"));  // no records, no file

  auto first = nlohmann::json::parse(Lines(tmp / "exports/messages.jsonl")[0]);
  CHECK(first["time"] == "2020-03-24T01:00:55.800776Z");
  CHECK(first["read_time"].is_null());
  CHECK(first["raw_times"]["read_time"]["raw"] == "0");
  CHECK(first["raw_times"]["time"]["encoding"] == "cocoa_ns");
  CHECK(first["source"]["rowid"] == 42);
  CHECK(first["source"]["decode_chain"] == "message.attributedBody → typedstream@0x32");
  CHECK(first["latitude"] == 48.860346);
  CHECK(first["chat"] == "chat123 \"quoted\", then a tab\there, a back\\slash, control \x01 and \x1f, 12345678\x7f\"");
  auto wifi = nlohmann::json::parse(Lines(tmp / "exports/wifi_networks.jsonl")[0]);
  CHECK(wifi["source"]["table"].is_null());
  CHECK(wifi["source"]["rowid"] == "wifi.network.ssid.Home/JoinedBySystemAt");

  const auto csv = Lines(tmp / "exports/messages.csv");
  REQUIRE(csv.size() == 4);
  CHECK(csv[0].rfind("kind,app,time,time_local,direction,party,chat,service,text,read_time,read_time_local", 0) == 0);
  // 2020-03-24T01:00:55.800776Z in Berlin (CET, +01:00; `TZ=Europe/Berlin date -d @1585011655`).
  CHECK(csv[1].find("2020-03-24T02:00:55.800776+01:00") != std::string::npos);
  CHECK(csv[1].find(",'=cmd|") != std::string::npos);  // formula neutralised in CSV only
  CHECK(first["text"].get<std::string>().rfind("=cmd|", 0) == 0);

  const auto timeline = Lines(tmp / "exports/timeline.csv");
  REQUIRE(timeline.size() == 1 + 4);  // header + 3 messages + 1 wifi (read_time has no instant)
  CHECK(timeline[0].rfind("message,datetime,timestamp_desc", 0) == 0);
  CHECK(timeline[1].find("2020-02-16T00:00:00.500+00:00,Wi-Fi last joined") != std::string::npos);
  CHECK(timeline[2].find("Message sent/received") != std::string::npos);

  auto check = core::SqliteDb::OpenReadOnly(db_path);
  REQUIRE(check);
  CHECK((*check)->QueryInt("SELECT count(*) FROM runs WHERE status='ok'").value() == 1);
  auto mode = (*check)->Prepare("PRAGMA journal_mode");
  REQUIRE(mode);
  REQUIRE(mode->Step().value());
  CHECK(mode->Text(0) == "delete");  // not WAL: opens from read-only media
}

TEST_CASE("lists of plain strings: JSON as RecordToJson, CSV cell the items joined with '; '",
          "[reports][exports]") {
  // Lists without escapes take a shorter way than the others (no JSON parse); both must agree
  // with RecordToJson and with each other.
  TempDir tmp;
  const auto db_path = tmp / "artifacts.sqlite";
  auto db = CaseDatabase::Create(db_path);
  REQUIRE(db);
  const std::vector<std::vector<std::string>> lists = {
      {"", "a, b", "[x]", "\xC3\xA9 \xF0\x9F\x94\x91"},  // leading empty item: no separator for it
      {"+15550100", "", "z"},                            // empty item inside: "; ; "
      {"\"q\"", "plain"},                                // an escape: the nlohmann way
      {""},
  };
  // The cells by hand: ListCell joins with "; " once the cell is non-empty; CSV quotes cells
  // with a comma or a quote, and puts ' before one that starts like a formula (+).
  const std::vector<std::string> cells = {"\"a, b; [x]; \xC3\xA9 \xF0\x9F\x94\x91\"",
                                          "'+15550100; ; z", "\"\"\"q\"\"; plain\"", ""};
  std::vector<std::string> expected;
  for (size_t i = 0; i < lists.size(); ++i) {
    auto m = SampleMessage();
    m.chat = "c" + std::to_string(i);
    m.chat_participants = lists[i];
    std::get<int64_t>(m.source.rowid) = static_cast<int64_t>(i + 1);
    expected.push_back(RecordToJson(m).dump());
    (*db)->Add(std::move(m));
  }
  REQUIRE((*db)->Finish());
  REQUIRE(WriteExports(db_path, tmp / "exports", core::TimeZone::Utc()));
  CHECK(Lines(tmp / "exports/messages.jsonl") == expected);
  const auto csv = Lines(tmp / "exports/messages.csv");
  REQUIRE(csv.size() == 1 + lists.size());
  const auto header = csv[0];
  // chat_participants comes after chat_name; count the cells before it in the header.
  const size_t column = static_cast<size_t>(std::count(
      header.begin(),
      header.begin() + static_cast<std::ptrdiff_t>(header.find(",chat_participants,")) + 1, ','));
  for (size_t i = 0; i < lists.size(); ++i) {
    INFO(i);
    // The cell after the `column`-th comma that lies outside quotes.
    const std::string& line = csv[1 + i];
    size_t commas = 0, start = 0;
    bool quoted = false;
    for (size_t k = 0; k < line.size(); ++k) {
      if (line[k] == '"') quoted = !quoted;
      if (line[k] == ',' && !quoted && ++commas == column) {
        start = k + 1;
        break;
      }
    }
    REQUIRE(commas == column);
    INFO(line.substr(start, cells[i].size() + 8));
    CHECK(line.compare(start, cells[i].size() + 1, cells[i] + ",") == 0);
  }
}

TEST_CASE("exports do not depend on how two parsers' records interleaved", "[reports][exports]") {
  TempDir tmp;
  auto message = [](const char* parser, int64_t rowid, const char* text) {
    parsers::Message m = SampleMessage();
    m.parser = parser;
    m.text = text;
    m.source.rowid = rowid;
    return m;
  };
  auto build = [&](const std::string& name, const std::vector<std::pair<const char*, int64_t>>& order) {
    const auto db_path = tmp / (name + ".sqlite");
    auto db = CaseDatabase::Create(db_path);
    REQUIRE(db);
    for (const auto& [parser, rowid] : order) (*db)->Add(message(parser, rowid, parser));
    REQUIRE((*db)->Finish());
    auto zone = core::TimeZone::Load("UTC");
    REQUIRE(zone);
    REQUIRE(WriteExports(db_path, tmp / name, *zone));
    return std::make_pair(ReadAll(tmp / name / "messages.jsonl"), ReadAll(tmp / name / "timeline.jsonl"));
  };
  // The same records; the sms parser's in its own order both times, whatsapp's arriving earlier.
  const auto a = build("a", {{"sms/1.0", 1}, {"sms/1.0", 2}, {"whatsapp/1.0", 7}, {"sms/1.0", 3}});
  const auto b = build("b", {{"whatsapp/1.0", 7}, {"sms/1.0", 1}, {"sms/1.0", 2}, {"sms/1.0", 3}});
  CHECK(a.first == b.first);
  const auto lines = Lines(tmp / "a" / "messages.jsonl");
  REQUIRE(lines.size() == 4);
  CHECK(lines[3].find("whatsapp/1.0") != std::string::npos);
  CHECK(lines[0].find("\"rowid\":1") != std::string::npos);
  // The timeline too, byte for byte: its record_id is the record's line in messages.jsonl, not
  // the case database's id (which follows the arrival order).
  CHECK(a.second == b.second);
  for (const auto& line : Lines(tmp / "a" / "timeline.jsonl")) {
    const auto row = nlohmann::json::parse(line);
    const auto record = nlohmann::json::parse(lines.at(row["record_id"].get<size_t>() - 1));
    CHECK(record["parser"] == record["text"]);  // message() sets the text to the parser's name
    CHECK(row["source"]["rowid"] == record["source"]["rowid"]);
  }
}

// A floating calendar event (start_tz "_float": a birthday at midnight wherever the owner is) was
// moved into the display zone in the CSV *_local cells and the timeline, landing on the day before
// in New York. Its start and end stay at their wall-clock time; created stays an instant.
TEST_CASE("floating calendar times are not moved into the display zone", "[reports][exports]") {
  TempDir tmp;
  const auto db_path = tmp / "artifacts.sqlite";
  auto db = CaseDatabase::Create(db_path);
  REQUIRE(db);
  auto event = [](bool floating, int64_t rowid) {
    parsers::CalendarEvent e;
    e.app = "Calendar";
    e.parser = "calendar/1.0";
    e.time = core::FromCocoaSeconds(728611200);  // 2024-02-03T00:00:00 (GNU date: @1706918400)
    e.end = core::FromCocoaSeconds(728697600);   // 2024-02-04T00:00:00
    e.created = core::FromCocoaSeconds(728611200);
    e.title = floating ? "birthday" : "call";
    e.floating = floating;
    e.time_zone = floating ? "_float" : "America/New_York";
    e.source = {"HomeDomain", "Library/Calendar/Calendar.sqlitedb", "x", "CalendarItem", rowid, ""};
    return e;
  };
  (*db)->Add(event(true, 1));
  (*db)->Add(event(false, 2));
  REQUIRE((*db)->Finish());
  auto zone = core::TimeZone::Load("America/New_York");
  REQUIRE(zone);
  REQUIRE(WriteExports(db_path, tmp / "exports", *zone));

  const auto csv = Lines(tmp / "exports/calendar_events.csv");
  REQUIRE(csv.size() == 3);
  REQUIRE(csv[0].rfind("kind,app,time,time_local,title,end,end_local,", 0) == 0);
  CHECK(csv[1].rfind("calendar_events,Calendar,2024-02-03T00:00:00Z,2024-02-03T00:00:00,birthday,"
                     "2024-02-04T00:00:00Z,2024-02-04T00:00:00,", 0) == 0);
  // created is an instant: 19:00 the day before in New York (EST, -05:00).
  CHECK(csv[1].find("2024-02-02T19:00:00-05:00") != std::string::npos);
  CHECK(csv[2].rfind("calendar_events,Calendar,2024-02-03T00:00:00Z,2024-02-02T19:00:00-05:00,call,"
                     "2024-02-04T00:00:00Z,2024-02-03T19:00:00-05:00,", 0) == 0);
  // JSONL keeps the stored value as UTC, with the flag.
  auto first = nlohmann::json::parse(Lines(tmp / "exports/calendar_events.jsonl")[0]);
  CHECK(first["time"] == "2024-02-03T00:00:00Z");
  CHECK(first["floating"] == true);

  // Timeline: message, datetime, timestamp_desc, timestamp, datetime_local, … (no quoted cells here).
  std::map<std::string, std::string> local;  // "message|timestamp_desc" → datetime_local
  for (const auto& line : Lines(tmp / "exports/timeline.csv")) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    REQUIRE(cells.size() > 5);
    local[cells[0] + "|" + cells[2]] = cells[4];
  }
  CHECK(local["Event birthday|Event start"] == "2024-02-03T00:00:00");
  CHECK(local["Event birthday|Event end"] == "2024-02-04T00:00:00");
  CHECK(local["Event birthday|calendar_events created"] == "2024-02-02T19:00:00-05:00");
  CHECK(local["Event call|Event start"] == "2024-02-02T19:00:00-05:00");
  CHECK(local["Event call|Event end"] == "2024-02-03T19:00:00-05:00");
}

TEST_CASE("CSV cells", "[reports][exports]") {
  CHECK(CsvCell("plain") == "plain");
  CHECK(CsvCell("a,b") == "\"a,b\"");
  CHECK(CsvCell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvCell("line\nbreak") == "\"line\nbreak\"");
  CHECK(CsvCell("=1+1") == "'=1+1");
  CHECK(CsvCell("@SUM(A1)") == "'@SUM(A1)");
  CHECK(CsvCell("-12.5") == "-12.5");
  CHECK(CsvCell("+15550100") == "+15550100");
  CHECK(CsvCell("+1 (555) 0100") == "'+1 (555) 0100");
  // Longer cells are scanned eight bytes at a time: a character to quote in a later word, in the
  // tail after the last whole word, or nowhere.
  CHECK(CsvCell("0123456789abc,def") == "\"0123456789abc,def\"");
  CHECK(CsvCell("012345678\rend") == "\"012345678\rend\"");
  CHECK(CsvCell("01234567890123456\"") == "\"01234567890123456\"\"\"");
  CHECK(CsvCell("\"\"0123456789\"x\"") == "\"\"\"\"\"0123456789\"\"x\"\"\"");
  CHECK(CsvCell("0123456789abcdef\xC3\xA9ghij") == "0123456789abcdef\xC3\xA9ghij");
  // A number is what strtod(3) reads to the end, in its short forms and its others.
  CHECK(CsvCell("-1e5") == "-1e5");
  CHECK(CsvCell("+.5") == "+.5");
  CHECK(CsvCell("-7.") == "-7.");
  CHECK(CsvCell("-inf") == "-inf");
  CHECK(CsvCell("+0x1A") == "+0x1A");
  CHECK(CsvCell("\t5") == "\t5");  // strtod skips leading white space
  CHECK(CsvCell("-") == "'-");
  CHECK(CsvCell("+") == "'+");
  CHECK(CsvCell("-.") == "'-.");
  CHECK(CsvCell("-1e") == "'-1e");
  CHECK(CsvCell("-1.5e-3x") == "'-1.5e-3x");
  CHECK(CsvCell("+1-2") == "'+1-2");
}

// The timeline's order is (time, kind, parser, record, column), whatever order the records reached
// the case database in: ties at one instant across kinds, parsers and two columns of one record,
// and an instant before 1970 (a negative count of microseconds) first.
TEST_CASE("timeline rows are ordered by time, kind, parser, record and column",
          "[reports][exports]") {
  TempDir tmp;
  const auto db_path = tmp / "artifacts.sqlite";
  auto db = CaseDatabase::Create(db_path);
  REQUIRE(db);
  const int64_t t = 606704455800776064;  // Cocoa ns: 2020-03-24T01:00:55.800776Z
  auto message = [&](const char* parser, const char* text, int64_t time_ns, int64_t read_ns) {
    parsers::Message m = SampleMessage();
    m.parser = parser;
    m.text = text;
    m.party = std::nullopt;
    m.chat = std::nullopt;
    m.time = core::FromCocoaNanos(time_ns);
    m.read_time = core::FromCocoaNanos(read_ns);
    return m;
  };
  auto wifi = SampleWifi();
  wifi.time = core::FromCocoaNanos(t);
  // Arrival order differs from the expected order on purpose.
  (*db)->Add(message("whatsapp/1.0", "B", t, 0));
  (*db)->Add(std::move(wifi));
  (*db)->Add(message("sms/1.0", "A", t, t));  // sent and read at the same instant
  (*db)->Add(message("whatsapp/1.0", "D", t - 1000, 0));
  (*db)->Add(
      message("sms/1.0", "C", -978307201500000000, 0));  // 1969-12-31T23:59:58.5Z: Unix −1.5 s
  REQUIRE((*db)->Finish());
  auto zone = core::TimeZone::Load("UTC");
  REQUIRE(zone);
  REQUIRE(WriteExports(db_path, tmp / "exports", *zone));

  std::vector<std::string> got;
  for (const auto& line : Lines(tmp / "exports/timeline.jsonl")) {
    auto j = nlohmann::json::parse(line);
    got.push_back(j["datetime"].get<std::string>() + " " + j["timestamp_desc"].get<std::string>() +
                  " " + j["message"].get<std::string>());
  }
  const std::vector<std::string> expected = {
      "1969-12-31T23:59:58.500Z Message sent/received incoming : C",
      "2020-03-24T01:00:55.800775Z Message sent/received incoming : D",
      "2020-03-24T01:00:55.800776Z Message sent/received incoming : A",
      "2020-03-24T01:00:55.800776Z Message read incoming : A",
      "2020-03-24T01:00:55.800776Z Message sent/received incoming : B",
      "2020-03-24T01:00:55.800776Z Wi-Fi last joined Wi-Fi network Home, \"quoted\"",
  };
  CHECK(got == expected);
  CHECK(Lines(tmp / "exports/timeline.csv").size() == 1 + expected.size());
}

// The timeline rows of one record, written alone through the case database.
template <class Record>
std::vector<std::string> TimelineOf(Record record, const TempDir& tmp) {
  const auto db_path = tmp / "artifacts.sqlite";
  auto db = CaseDatabase::Create(db_path);
  REQUIRE(db);
  (*db)->Add(std::move(record));
  REQUIRE((*db)->Finish());
  auto zone = core::TimeZone::Load("UTC");
  REQUIRE(zone);
  REQUIRE(WriteExports(db_path, tmp / "exports", *zone));
  return Lines(tmp / "exports/timeline.jsonl");
}

// A message or a call whose direction the source does not tell (iOS ≤ 5 flags; a call without
// ZORIGINATED) still has its timeline message: SQL's NULL || text is NULL, which used to leave
// the cell empty.
TEST_CASE("timeline message of a record without a direction", "[reports][exports]") {
  TempDir tmp;
  parsers::Message m = SampleMessage();
  m.direction = std::nullopt;
  m.chat = std::nullopt;
  m.text = "hello";
  const auto lines = TimelineOf(std::move(m), tmp);
  REQUIRE(lines.size() == 1);
  CHECK(nlohmann::json::parse(lines[0])["message"] == "direction unknown +15550100: hello");
  CHECK(nlohmann::json::parse(Lines(tmp / "exports/messages.jsonl").at(0))["direction"].is_null());
}

TEST_CASE("timeline message of a call without a direction", "[reports][exports]") {
  TempDir tmp;
  parsers::Call c;
  c.app = "Phone";
  c.parser = "calls/1.0";
  c.time = core::FromCocoaSeconds(606704455.0);
  c.source = {"HomeDomain", "Library/CallHistoryDB/CallHistory.storedata", "5a4935c7", "ZCALLRECORD",
              int64_t{7}, ""};
  c.party = "+15550100";
  c.call_type = "voice";
  c.duration_s = 12.0;
  const auto lines = TimelineOf(std::move(c), tmp);
  REQUIRE(lines.size() == 1);
  CHECK(nlohmann::json::parse(lines[0])["message"] ==
        "direction unknown voice call +15550100 (12.0 s)");
}

// A large case's timeline is sorted in runs written to a file and merged; a small one in memory.
// Both must give the same bytes, in the timeline's order, each row pointing at its record. The
// records' times are drawn so that many rows tie on time (across kinds, parsers and columns), and
// their ids do not follow their times.
TEST_CASE("the timeline sorted in runs on disk equals the one sorted in memory",
          "[reports][exports]") {
  TempDir tmp;
  const auto db_path = tmp / "artifacts.sqlite";
  auto db = CaseDatabase::Create(db_path);
  REQUIRE(db);
  uint64_t lcg = 12345;
  auto next = [&lcg](uint64_t n) {
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int64_t>((lcg >> 33) % n);
  };
  // (kind, source rowid, timestamp_desc) → the time written, as the generator's own record.
  std::map<std::tuple<std::string, int64_t, std::string>, int64_t> expected;
  auto at = [&](int64_t cocoa) { return core::FromCocoaSecondsInt(cocoa); };
  for (int64_t i = 1; i <= 300; ++i) {
    parsers::Message m = SampleMessage();
    m.parser = i % 3 == 0 ? "whatsapp/1.0" : "sms/1.0";
    m.source.rowid = i;
    m.text = i % 7 == 0    ? "with, a \"quote\"\nand a line"
             : i % 11 == 0 ? "bad:\xFF"
                           : "text " + std::to_string(i);
    const int64_t t = 700000000 + next(120);
    m.time = at(t);
    expected[{"messages", i, "Message sent/received"}] = t;
    m.read_time = std::nullopt;
    if (i % 2 == 0) {
      const int64_t read = t + next(5);
      m.read_time = at(read);
      expected[{"messages", i, "Message read"}] = read;
    }
    if (i % 3 == 0) {
      const int64_t delivered = t + next(3);
      m.delivered_time = at(delivered);
      expected[{"messages", i, "Message delivered"}] = delivered;
    }
    (*db)->Add(std::move(m));
    if (i % 3 == 0) {  // contacts arrive between the messages
      parsers::Contact c;
      c.app = "Contacts";
      c.parser = "contacts/1.0";
      c.source = {
          "HomeDomain", "Library/AddressBook/AddressBook.sqlitedb", "ab", "ABPerson", i, ""};
      c.first_name = "Name, " + std::to_string(i);
      const int64_t created = 700000000 + next(120), modified = created + next(60);
      c.time = at(created);
      c.modified = at(modified);
      expected[{"contacts", i, "Contact created"}] = created;
      expected[{"contacts", i, "Contact modified"}] = modified;
      (*db)->Add(std::move(c));
    }
  }
  REQUIRE((*db)->Finish());
  auto zone = core::TimeZone::Load("America/New_York");
  REQUIRE(zone);
  REQUIRE(WriteExports(db_path, tmp / "memory", *zone));
  ExportTuning small;
  small.timeline_sort_bytes = 4096;  // a few dozen rows per run
  REQUIRE(WriteExports(db_path, tmp / "runs", *zone, small));

  for (const char* name : {"timeline.jsonl", "timeline.csv", "messages.jsonl", "contacts.jsonl"}) {
    INFO(name);
    CHECK(ReadAll(tmp / "runs" / name) == ReadAll(tmp / "memory" / name));
  }
  // Nothing of the sort is left beside the exports.
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(tmp / "runs")) {
    files.insert(e.path().filename().string());
  }
  CHECK(files == std::set<std::string>{"contacts.csv", "contacts.jsonl", "messages.csv",
                                       "messages.jsonl", "timeline.csv", "timeline.jsonl"});

  std::map<std::string, std::vector<std::string>> records;
  for (const char* kind : {"messages", "contacts"}) {
    records[kind] = Lines(tmp / "runs" / (std::string(kind) + ".jsonl"));
  }
  const auto lines = Lines(tmp / "runs" / "timeline.jsonl");
  CHECK(lines.size() == expected.size());
  std::map<std::tuple<std::string, int64_t, std::string>, int64_t> seen;
  std::tuple<std::string, std::string, std::string, int64_t> last;  // datetime, kind, parser, id
  for (const auto& line : lines) {
    const auto row = nlohmann::json::parse(line);
    const std::string kind = row["kind"];
    const auto record =
        nlohmann::json::parse(records.at(kind).at(row["record_id"].get<size_t>() - 1));
    const int64_t rowid = row["source"]["rowid"];
    CHECK(record["source"]["rowid"] == rowid);
    const std::string desc = row["timestamp_desc"];
    // Whole seconds only: the ISO texts all have one length, so their byte order is time order.
    const std::string datetime = row["datetime"];
    seen[{kind, rowid, desc}] = std::stoll(row["raw"].get<std::string>());  // Cocoa seconds
    // (time, kind, parser, record) never goes back; the timeline lists a record's columns in
    // column order, so only a tie on all four may repeat.
    const std::tuple<std::string, std::string, std::string, int64_t> key{
        datetime, kind, record["parser"].get<std::string>(), row["record_id"].get<int64_t>()};
    CHECK(last <= key);
    last = key;
  }
  CHECK(seen == expected);
}
