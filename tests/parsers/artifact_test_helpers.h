#pragma once
// Helpers shared by the tests of the safari, notes, photos, wifi, apps and device parsers:
// generated backups (made once per test binary and reused), expected records from the generator's
// record, a file of a plain generated backup taken out for damaging, issue look-ups, and the
// provenance checks.

#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "tests/parser_harness.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

namespace mfx::testing::artifacts {

// The parsers these tests run (all of them see every generated backup).
inline const std::vector<std::string>& Modules() {
  static const std::vector<std::string> m = {"device", "apps", "safari", "notes", "photos", "wifi"};
  return m;
}

struct Generated {
  GeneratedBackup backup;
  ParseResult parsed;
};

// A backup generated once per (style, encrypt) for the whole test binary, and its parse.
inline const Generated& GetGenerated(const std::string& style, bool encrypt) {
  static TempDir dir;  // removed at exit, with the backups in it
  static std::map<std::string, std::unique_ptr<Generated>> cache;
  const std::string name = style + (encrypt ? "-enc" : "-plain");
  auto& slot = cache[name];
  if (!slot) {
    GenerateOptions o;
    o.style = style;
    o.encrypt = encrypt;
    o.seed = "artifacts-" + name;
    auto g = std::make_unique<Generated>();
    g->backup = GenerateBackup(dir.path(), name, o);
    g->parsed = ParseBackup(g->backup.dir, g->backup.password_file, Modules());
    slot = std::move(g);
  }
  return *slot;
}

// record["expected"][module]["records"][kind]
inline const nlohmann::json& Expected(const GeneratedBackup& g, const std::string& module,
                                      const std::string& kind) {
  return g.record.at("expected").at(module).at("records").at(kind);
}

inline const std::vector<nlohmann::ordered_json>& Records(const ParseResult& r, const std::string& kind) {
  static const std::vector<nlohmann::ordered_json> none;
  auto it = r.records.find(kind);
  return it == r.records.end() ? none : it->second;
}

// The generator's file entry (domain, relative path).
inline const nlohmann::json& FileEntry(const GeneratedBackup& g, const std::string& domain,
                                       const std::string& path) {
  for (const auto& f : g.record.at("files")) {
    if (f.at("domain") == domain && f.at("relative_path") == path) return f;
  }
  FAIL("the generator wrote no " << domain << "/" << path);
  static nlohmann::json none;
  return none;
}

// Copies a file of a PLAIN generated backup (its blob is the plaintext) to dest.
inline void ExtractPlain(const GeneratedBackup& g, const std::string& domain, const std::string& path,
                         const std::filesystem::path& dest) {
  REQUIRE_FALSE(g.record.at("encrypted").get<bool>());
  const auto& f = FileEntry(g, domain, path);
  std::filesystem::copy_file(g.dir / f.at("blob_path").get<std::string>(), dest,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(dest, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// Runs SQL on a test copy (never on evidence).
inline void ExecSql(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  INFO(sql << ": " << msg);
  REQUIRE(rc == SQLITE_OK);
}

inline std::vector<const parsers::ParserIssue*> Issues(const ParseResult& r, const std::string& module,
                                                      parsers::ParserIssue::Kind kind) {
  std::vector<const parsers::ParserIssue*> out;
  const parsers::ParserRun* run = r.Run(module);
  if (run == nullptr) return out;
  for (const auto& i : run->issues) {
    if (i.kind == kind) out.push_back(&i);
  }
  return out;
}

inline std::string Sha1Hex(const std::string& s) {
  core::Hasher h(core::HashAlgorithm::kSha1);
  h.Update(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  return h.FinishHex();
}

// CompareRecords with the differences printed; the counts must match too.
inline void RequireSame(const nlohmann::json& expected, const std::vector<nlohmann::ordered_json>& actual) {
  const auto diffs = CompareRecords(expected, actual);
  std::string all;
  for (const auto& d : diffs) all += d + "\n";
  INFO(all);
  CHECK(diffs.empty());
  CHECK(actual.size() == expected.size());
}

// A record of an SQLite input: domain, path, file id (SHA-1 of "domain-path", computed here),
// one of the tables, an integer rowid.
inline void CheckSqliteProvenance(const std::vector<nlohmann::ordered_json>& records,
                                  const std::vector<std::string>& tables) {
  for (const auto& r : records) {
    const auto& s = r.at("source");
    INFO(s.dump());
    const std::string domain = s.at("domain").get<std::string>();
    const std::string path = s.at("path").get<std::string>();
    CHECK_FALSE(domain.empty());
    CHECK_FALSE(path.empty());
    CHECK(s.at("file_id") == Sha1Hex(domain + "-" + path));
    CHECK(std::find(tables.begin(), tables.end(), s.at("table").get<std::string>()) != tables.end());
    CHECK(s.at("rowid").is_number_integer());
    CHECK(r.at("deleted") == false);
    CHECK_FALSE(r.at("parser").get<std::string>().empty());
  }
}

// A record of a plist: table null, rowid = a key path string. Root plists have no file id.
inline void CheckPlistProvenance(const std::vector<nlohmann::ordered_json>& records, bool root_plist) {
  for (const auto& r : records) {
    const auto& s = r.at("source");
    INFO(s.dump());
    const std::string domain = s.at("domain").get<std::string>();
    const std::string path = s.at("path").get<std::string>();
    CHECK_FALSE(domain.empty());
    CHECK(s.at("table").is_null());
    CHECK(s.at("rowid").is_string());
    if (root_plist) {
      CHECK(domain == "BackupRoot");
      CHECK(s.at("file_id") == "");
    } else {
      CHECK_FALSE(path.empty());
      CHECK(s.at("file_id") == Sha1Hex(domain + "-" + path));
    }
    CHECK(r.at("deleted") == false);
    CHECK_FALSE(r.at("parser").get<std::string>().empty());
  }
}

// For records of the real-data corpus.
inline std::filesystem::path Corpus() { return RealDataDir() / "ileapp-corpus"; }

}  // namespace mfx::testing::artifacts
