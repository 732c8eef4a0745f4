// Safari history and bookmarks: generated backups against the generator's record, the iOS 26
// epoch rule, damaged rows, unknown schemas, and the real device schemas.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>

#include "parsers/safari/safari_parser.h"
#include "tests/mapped_env.h"
#include "tests/parsers/artifact_test_helpers.h"

using namespace mfx;
using namespace mfx::testing;
using namespace mfx::testing::artifacts;
using nlohmann::json;
using Kind = parsers::ParserIssue::Kind;

namespace {

constexpr const char* kHistory = "HomeDomain/Library/Safari/History.db";
constexpr const char* kBookmarks = "HomeDomain/Library/Safari/Bookmarks.db";

parsers::EvidenceFacts Facts(int major) {
  parsers::EvidenceFacts f;
  f.ios_major = major;
  f.ios_version = major ? std::to_string(major) + ".0" : "";
  return f;
}

// The expected records without those of the given rowids.
json Without(const json& expected, std::vector<int64_t> rowids) {
  json out = json::array();
  for (const auto& e : expected) {
    const int64_t id = e["source"]["rowid"].get<int64_t>();
    if (std::find(rowids.begin(), rowids.end(), id) == rowids.end()) out.push_back(e);
  }
  return out;
}

std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("safari: generated backups match the generator's record", "[parsers][safari]") {
  for (auto [style, encrypt] : {std::pair{"ios17", false}, {"ios9", false}, {"ios17", true}}) {
    DYNAMIC_SECTION(style << (encrypt ? " encrypted" : " plain")) {
      const Generated& g = GetGenerated(style, encrypt);
      const auto& history = Records(g.parsed, "web_history");
      const auto& bookmarks = Records(g.parsed, "bookmarks");
      RequireSame(Expected(g.backup, "safari", "web_history"), history);
      RequireSame(Expected(g.backup, "safari", "bookmarks"), bookmarks);
      CHECK(history.size() == (std::string(style) == "ios17" ? 9u : 7u));
      CheckSqliteProvenance(history, {"history_visits"});
      CheckSqliteProvenance(bookmarks, {"bookmarks"});
      const parsers::ParserRun* run = g.parsed.Run("safari");
      REQUIRE(run != nullptr);
      CHECK(run->status == parsers::ParserRun::Status::kOk);
      CHECK(run->issues.empty());
    }
  }
}

TEST_CASE("safari: the visit_time epoch follows the iOS version (iOS 26 drift)", "[parsers][safari]") {
  // 1750000000.5 as Unix = 2025-06-15T15:06:40.5Z; as Cocoa = 2056-06-15T15:06:40.5Z
  // (python3: datetime.fromtimestamp(1750000000.5 [+ 978307200], timezone.utc)).
  CHECK(parsers::safari::VisitTime(1750000000.5, 26).ToIsoUtc() == "2025-06-15T15:06:40.500Z");
  CHECK(parsers::safari::VisitTime(1750000000.5, 26).encoding == core::TimeEncoding::kUnixSeconds);
  CHECK(parsers::safari::VisitTime(1750000000.5, 17).ToIsoUtc() == "2056-06-15T15:06:40.500Z");
  CHECK(parsers::safari::VisitTime(1750000000.5, 17).encoding == core::TimeEncoding::kCocoaSeconds);
  CHECK(parsers::safari::VisitTime(1750000000.5, 0).ToIsoUtc() == "2025-06-15T15:06:40.500Z");
  // A Cocoa value written before the change stays Cocoa on iOS 26: 731000000.25 = 2024-03-01T15:33:20.25Z.
  CHECK(parsers::safari::VisitTime(731000000.25, 26).ToIsoUtc() == "2024-03-01T15:33:20.250Z");
  CHECK(parsers::safari::VisitTime(731000000.25, 26).encoding == core::TimeEncoding::kCocoaSeconds);

  // The same through the parser: one visit rewritten as Unix seconds, parsed as iOS 26 and 17.
  const Generated& g = GetGenerated("ios17", false);
  TempDir tmp;
  const auto db = tmp / "History.db";
  ExtractPlain(g.backup, "HomeDomain", "Library/Safari/History.db", db);
  ExecSql(db, "UPDATE history_visits SET visit_time = 1750000000.5 WHERE id = 4");
  MappedEnv env;
  env.Map(kHistory, db);
  for (int major : {26, 17}) {
    auto r = ParseEnv(env, Facts(major), {"safari"});
    const auto& visits = Records(r, "web_history");
    REQUIRE(visits.size() == 7);
    for (const auto& v : visits) {
      if (v["source"]["rowid"] != 4) continue;
      CHECK(v["time"] == (major == 26 ? "2025-06-15T15:06:40.500Z" : "2056-06-15T15:06:40.500Z"));
      CHECK(v["raw_times"]["time"]["encoding"] == (major == 26 ? "unix_s" : "cocoa_s"));
      CHECK(v["raw_times"]["time"]["raw"] == "1750000000.5");
    }
  }
}

TEST_CASE("safari: a damaged row is reported and skipped, the rest survives", "[parsers][safari]") {
  const Generated& g = GetGenerated("ios17", false);
  TempDir tmp;
  const auto history = tmp / "History.db";
  const auto bookmarks = tmp / "Bookmarks.db";
  ExtractPlain(g.backup, "HomeDomain", "Library/Safari/History.db", history);
  ExtractPlain(g.backup, "HomeDomain", "Library/Safari/Bookmarks.db", bookmarks);
  // Visit 2 points at an item that does not exist; visit 3's time is text.
  ExecSql(history, "UPDATE history_visits SET history_item = 999 WHERE id = 2; "
                   "UPDATE history_visits SET visit_time = 'not a time' WHERE id = 3");
  // Reading-list item 8: its extra_attributes plist is cut in half.
  ExecSql(bookmarks, "UPDATE bookmarks SET extra_attributes = substr(extra_attributes, 1, 20) WHERE id = 8");
  MappedEnv env;
  env.Map(kHistory, history);
  env.Map(kBookmarks, bookmarks);
  auto r = ParseEnv(env, Facts(17), {"safari"});

  const json main_only = [&] {
    json out = json::array();
    for (const auto& e : Expected(g.backup, "safari", "web_history")) {
      if (e["source"]["path"] == "Library/Safari/History.db") out.push_back(e);
    }
    return out;
  }();
  RequireSame(Without(main_only, {2, 3}), Records(r, "web_history"));
  RequireSame(Without(Expected(g.backup, "safari", "bookmarks"), {8}), Records(r, "bookmarks"));
  const auto corrupt = Issues(r, "safari", Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 3);
  CHECK(corrupt[0]->table == "history_visits");
  CHECK(corrupt[0]->rowid == "2");
  CHECK_THAT(corrupt[0]->message, Catch::Contains("history_item 999"));
  CHECK(corrupt[1]->rowid == "3");
  CHECK_THAT(corrupt[1]->message, Catch::Contains("visit_time"));
  CHECK(corrupt[2]->table == "bookmarks");
  CHECK(corrupt[2]->rowid == "8");
  CHECK(r.Run("safari")->status == parsers::ParserRun::Status::kPartial);
}

TEST_CASE("safari: an unknown schema is unsupported, with its columns, and yields nothing", "[parsers][safari]") {
  TempDir tmp;
  const auto db = tmp / "History.db";
  ExecSql(db, "CREATE TABLE history_items (id INTEGER PRIMARY KEY, url TEXT, visit_count INTEGER);"
              "CREATE TABLE history_visits (id INTEGER PRIMARY KEY, history_item INTEGER, "
              "visited_at REAL, title TEXT, load_successful INTEGER);"
              "INSERT INTO history_items VALUES (1, 'https://example.com/', 1);"
              "INSERT INTO history_visits VALUES (1, 1, 731000000.0, 'x', 1);");
  MappedEnv env;
  env.Map("AppDomain-com.apple.mobilesafari/Library/Safari/History.db", db);
  auto r = ParseEnv(env, Facts(9), {"safari"});
  CHECK(Records(r, "web_history").empty());
  const auto unsupported = Issues(r, "safari", Kind::kUnsupported);
  REQUIRE(unsupported.size() == 1);
  CHECK_THAT(unsupported[0]->message, Catch::Contains("missing visit_time"));
  CHECK_THAT(unsupported[0]->message, Catch::Contains("visited_at REAL"));
  CHECK(r.Run("safari")->status == parsers::ParserRun::Status::kUnsupported);
}

TEST_CASE("safari: the real device schemas are accepted", "[parsers][safari][realdata]") {
  MFX_REQUIRE_REALDATA();
  // Databases made from the exact CREATE statements of real devices (realdata/schemas), one visit
  // each: 731000000.25 Cocoa = 2024-03-01T15:33:20.25Z (python3, see above).
  for (const char* schema : {"History.db.ios9.sql", "History.db.safari.sql"}) {
    DYNAMIC_SECTION(schema) {
      TempDir tmp;
      const auto db = tmp / "History.db";
      std::string sql;
      std::istringstream lines(ReadText(RealDataDir() / "schemas" / schema));
      for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("CREATE TABLE") && !line.starts_with("CREATE TABLE sqlite_sequence")) sql += line + "\n";
      }
      const bool newer = std::string(schema) == "History.db.safari.sql";
      sql += std::string("INSERT INTO history_items (id, url, visit_count, daily_visit_counts, "
                         "should_recompute_derived_visit_counts") + (newer ? ", visit_count_score" : "") +
             ") VALUES (5, 'https://example.com/', 1, x'00', 0" + (newer ? ", 0" : "") + ");"
             "INSERT INTO history_visits (id, history_item, visit_time, title) VALUES (9, 5, 731000000.25, 'Ex');";
      ExecSql(db, sql);
      MappedEnv env;
      env.Map(kHistory, db);
      auto r = ParseEnv(env, Facts(newer ? 17 : 9), {"safari"});
      const auto& v = Records(r, "web_history");
      REQUIRE(v.size() == 1);
      CHECK(v[0]["time"] == "2024-03-01T15:33:20.250Z");
      CHECK(v[0]["url"] == "https://example.com/");
      CHECK(v[0]["title"] == "Ex");
      CHECK(v[0]["load_successful"] == true);
      CHECK(v[0]["source"]["rowid"] == 9);
      CHECK(r.Run("safari")->issues.empty());
    }
  }
}

TEST_CASE("safari: 50,000 visits of 10,000 items parse in one pass", "[parsers][safari][scale]") {
  const Generated& g = GetGenerated("ios17", false);
  TempDir tmp;
  const auto db = tmp / "History.db";
  ExtractPlain(g.backup, "HomeDomain", "Library/Safari/History.db", db);
  ExecSql(db, "WITH RECURSIVE n(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 10099) "
              "INSERT INTO history_items (id, url, visit_count, daily_visit_counts, "
              "should_recompute_derived_visit_counts, visit_count_score) "
              "SELECT i, 'https://example.com/page/' || i, 5, x'00', 0, 0 FROM n;"
              "WITH RECURSIVE n(i) AS (SELECT 1000 UNION ALL SELECT i + 1 FROM n WHERE i < 50999) "
              "INSERT INTO history_visits (id, history_item, visit_time, title) "
              "SELECT i, 100 + (i % 10000), 700000000.0 + i, 'Page ' || i FROM n;");
  MappedEnv env;
  env.Map(kHistory, db);
  const auto started = std::chrono::steady_clock::now();
  auto r = ParseEnv(env, Facts(17), {"safari"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(Records(r, "web_history").size() == 50007);
  CHECK(Records(r, "web_history").back()["url"] == "https://example.com/page/1099");
  WARN("50,007 visits parsed in " << seconds << " s (printed, not asserted: speed targets live in scripts/bench)");
}
