#pragma once
// Helpers shared by the tests of the contacts, calls, voicemail, calendar and accounts parsers:
// expected records from the generator's record, files taken out of a plain generated backup and
// damaged with SQL, issue look-ups, and the provenance check every record must pass.

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "tests/mapped_env.h"
#include "tests/parser_harness.h"
#include "tests/sample_generator.h"

namespace mfx::testing::pim {

// record["expected"][module]["records"][kind]
inline const nlohmann::json& Expected(const GeneratedBackup& g, const std::string& module,
                                      const std::string& kind) {
  return g.record.at("expected").at(module).at("records").at(kind);
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
inline void ExtractPlain(const GeneratedBackup& g, const std::string& domain,
                         const std::string& path, const std::filesystem::path& dest) {
  REQUIRE_FALSE(g.record.at("encrypted").get<bool>());
  const auto& f = FileEntry(g, domain, path);
  std::filesystem::copy_file(g.dir / f.at("blob_path").get<std::string>(), dest,
                             std::filesystem::copy_options::overwrite_existing);
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

// One parser run over a database of a plain generated backup, taken out to `dir` and changed by
// `sql` first (a damaged row, an unknown schema): the evidence itself is never touched.
inline ParseResult ParseAltered(const GeneratedBackup& g, const std::string& domain,
                                const std::string& path, const std::filesystem::path& dir,
                                const std::string& sql, const std::string& parser) {
  const std::filesystem::path db = dir / std::filesystem::path(path).filename();
  ExtractPlain(g, domain, path, db);
  ExecSql(db, sql);
  MappedEnv env;
  env.Map(domain + "/" + path, db);
  return ParseEnv(env, {}, {parser});
}

inline std::vector<const parsers::ParserIssue*> Issues(const parsers::ParserRun& run,
                                                       parsers::ParserIssue::Kind kind) {
  std::vector<const parsers::ParserIssue*> out;
  for (const auto& i : run.issues) {
    if (i.kind == kind) out.push_back(&i);
  }
  return out;
}

inline std::string Sha1Hex(const std::string& s) {
  core::Hasher h(core::HashAlgorithm::kSha1);
  h.Update(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  return h.FinishHex();
}

// Every record names its domain, path, file id (SHA-1 of "domain-path", computed here), table and
// rowid (an integer primary key).
inline void CheckProvenance(const std::vector<nlohmann::ordered_json>& records,
                            const std::string& table_a, const std::string& table_b = "") {
  for (const auto& r : records) {
    const auto& s = r.at("source");
    INFO(s.dump());
    const std::string domain = s.at("domain").get<std::string>();
    const std::string path = s.at("path").get<std::string>();
    CHECK_FALSE(domain.empty());
    CHECK_FALSE(path.empty());
    CHECK(s.at("file_id") == Sha1Hex(domain + "-" + path));
    CHECK((s.at("table") == table_a || (!table_b.empty() && s.at("table") == table_b)));
    CHECK(s.at("rowid").is_number_integer());
    CHECK(r.at("deleted") == false);
    CHECK_FALSE(r.at("parser").get<std::string>().empty());
  }
}

// CompareRecords with the differences printed.
inline void RequireSame(const nlohmann::json& expected,
                        const std::vector<nlohmann::ordered_json>& actual) {
  const auto diffs = CompareRecords(expected, actual);
  std::string all;
  for (const auto& d : diffs) all += d + "\n";
  INFO(all);
  CHECK(diffs.empty());
  CHECK(actual.size() == expected.size());
}

}  // namespace mfx::testing::pim
