#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include <catch2/catch.hpp>

#include "core/folder_env.h"
#include "core/memory_env.h"
#include "core/sqlite_db.h"
#include "tests/test_support.h"

using namespace mfx;
using namespace mfx::core;
using mfx::testing::TempDir;

namespace {
void WriteFile(const std::filesystem::path& p, std::string_view data) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}
}  // namespace

TEST_CASE("FolderEnv reads files and refuses to leave its root", "[core][env]") {
  TempDir tmp;
  WriteFile(tmp / "root/a/b.txt", "hello world");
  WriteFile(tmp / "outside.txt", "secret");
  std::filesystem::create_symlink(tmp / "outside.txt", tmp / "root/link.txt");
  std::filesystem::create_directory_symlink(tmp.path(), tmp / "root/dirlink");

  auto env = FolderEnv::Create(tmp / "root");
  REQUIRE(env);
  auto f = (*env)->Open("a/b.txt");
  REQUIRE(f);
  CHECK((*f)->Size() == 11);
  std::array<uint8_t, 5> buf{};
  CHECK((*f)->ReadAt(6, buf).value() == 5);
  CHECK(AsString(buf) == "world");
  CHECK((*f)->ReadAt(20, buf).value() == 0);

  CHECK_FALSE((*env)->Open("../outside.txt"));
  CHECK_FALSE((*env)->Open("a/../../outside.txt"));
  CHECK_FALSE((*env)->Open((tmp / "outside.txt").string()));
  CHECK_FALSE((*env)->Open("link.txt"));
  CHECK_FALSE((*env)->Open("dirlink/outside.txt"));
  CHECK((*env)->Open("missing").error().code == ErrorCode::kNotFound);
  CHECK((*env)->List() == std::vector<std::string>{"a/b.txt"});
}

TEST_CASE("MemoryEnv lists and reads", "[core][env]") {
  MemoryEnv env;
  env.Add("x/1", Bytes{1, 2, 3});
  env.Add("y/2", Bytes{});
  CHECK(env.List("x/") == std::vector<std::string>{"x/1"});
  auto all = ReadFile(env, "x/1", 10);
  REQUIRE(all);
  CHECK(*all == Bytes{1, 2, 3});
  CHECK_FALSE(ReadFile(env, "x/1", 2));  // over the caller's limit
}

namespace {

// A database at live/db.sqlite below tmp, with `sql` run on a connection that stays open (the
// caller closes it), as an app on the device holds its database.
sqlite3* LiveWriter(const TempDir& tmp, const char* sql) {
  const auto live = tmp / "live/db.sqlite";
  std::filesystem::create_directories(live.parent_path());
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(live.c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  return writer;
}

}  // namespace

TEST_CASE("a WAL database is copied with its WAL and the copy shows the WAL rows", "[core][sqlite]") {
  TempDir tmp;
  const auto live = tmp / "live/db.sqlite";
  sqlite3* writer = LiveWriter(tmp,
                               "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                               "CREATE TABLE t(x); INSERT INTO t VALUES (1),(2),(3);");
  // The writer stays open, so every row is only in the -wal file, as on a live device.
  REQUIRE(std::filesystem::exists(live.string() + "-wal"));

  auto env = FolderEnv::Create(live.parent_path());
  REQUIRE(env);
  auto copy = CopyDatabaseToScratch(**env, "db.sqlite", tmp.path(), "copy.sqlite");
  REQUIRE(copy);
  REQUIRE(copy->files.size() >= 2);
  CHECK(copy->files[1].source == "db.sqlite-wal");
  for (const auto& f : copy->files) CHECK(f.sha256 == f.copy_sha256);

  auto db = SqliteDb::OpenReadOnly(copy->db_path);
  REQUIRE(db);
  CHECK((*db)->QueryInt("SELECT count(*) FROM t").value() == 3);
  sqlite3_close(writer);
}

// A rollback-journal database caught mid-transaction (the phone lost power, or the backup copied
// it while an app was writing): a read-only connection refused the whole database ("attempt to
// write a readonly database"), so every row was lost. The working copy is rolled back instead.
TEST_CASE("a hot rollback journal is rolled back on the working copy, never in the evidence", "[core][sqlite]") {
  TempDir tmp;
  const auto live = tmp / "live/db.sqlite";
  sqlite3* writer = LiveWriter(tmp,
                               "PRAGMA journal_mode=DELETE; PRAGMA cache_size=1;"
                               "CREATE TABLE t(x); INSERT INTO t VALUES ('a'),('b'),('c');"
                               "BEGIN; DELETE FROM t WHERE x = 'a';"
                               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                               "  INSERT INTO t SELECT hex(randomblob(100)) FROM n;");
  // The transaction is open and its pages have spilled into the database file: snapshot the
  // files as a crash would leave them.
  auto disk = FolderEnv::Create(live.parent_path());
  REQUIRE(disk);
  MemoryEnv env;
  for (const char* name : {"db.sqlite", "db.sqlite-journal"}) {
    auto bytes = ReadFile(**disk, name, 64 << 20);
    REQUIRE(bytes);
    env.Add(name, *bytes);
  }
  REQUIRE(sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(writer);

  auto evidence_before = ReadFile(env, "db.sqlite", 64 << 20).value();
  auto copy = CopyDatabaseToScratch(env, "db.sqlite", tmp.path(), "copy.sqlite");
  REQUIRE(copy);
  REQUIRE(copy->files.size() == 2);
  CHECK(copy->files[1].source == "db.sqlite-journal");
  CHECK_FALSE(copy->rolled_back_sha256.empty());
  CHECK(copy->rolled_back_sha256 != copy->files[0].sha256);
  CHECK(ReadFile(env, "db.sqlite", 64 << 20).value() == evidence_before);

  auto db = SqliteDb::OpenReadOnly(copy->db_path);
  REQUIRE(db);
  CHECK((*db)->QueryInt("SELECT count(*) FROM t").value() == 3);  // as last committed
  CHECK((*db)->QueryInt("SELECT count(*) FROM t WHERE x = 'a'").value() == 1);
}

TEST_CASE("a committed journal (zeroed header) is left as it is", "[core][sqlite]") {
  TempDir tmp;
  MemoryEnv env;
  {
    const auto live = tmp / "db.sqlite";
    sqlite3* writer = nullptr;
    REQUIRE(sqlite3_open(live.c_str(), &writer) == SQLITE_OK);
    REQUIRE(sqlite3_exec(writer, "CREATE TABLE t(x); INSERT INTO t VALUES (1),(2);", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(writer);
    auto disk = FolderEnv::Create(tmp.path());
    REQUIRE(disk);
    env.Add("db.sqlite", ReadFile(**disk, "db.sqlite", 1 << 20).value());
    env.Add("db.sqlite-journal", Bytes(512, 0));  // PRAGMA journal_mode=PERSIST leaves this
  }
  std::filesystem::create_directories(tmp / "scratch");
  auto copy = CopyDatabaseToScratch(env, "db.sqlite", tmp / "scratch", "copy.sqlite");
  REQUIRE(copy);
  CHECK(copy->rolled_back_sha256.empty());
  auto db = SqliteDb::OpenReadOnly(copy->db_path);
  REQUIRE(db);
  CHECK((*db)->QueryInt("SELECT count(*) FROM t").value() == 2);
}

TEST_CASE("WAL-only real AddressBook: content is seen only with the WAL", "[core][sqlite][realdata]") {
  MFX_REQUIRE_REALDATA();
  // belkasoft_ctf6: the main file is a 4 KiB header; everything is in the WAL. Checked by hand
  // with the sqlite3 3.40 CLI on a copy: 1 ABPerson row, 1 ABMultiValue row with the WAL;
  // 0 schema entries with immutable=1 (main file alone).
  auto env = FolderEnv::Create(mfx::testing::RealDataDir() /
                             "ileapp-corpus/addressBook.addressBook.belkasoft_ctf6_ios_device1/"
                             "private/var/mobile/Library/AddressBook");
  REQUIRE(env);
  TempDir tmp;
  auto copy = CopyDatabaseToScratch(**env, "AddressBook.sqlitedb", tmp.path(), "ab.sqlite");
  REQUIRE(copy);
  CHECK(copy->files.size() == 3);  // db, -wal, -shm
  auto db = SqliteDb::OpenReadOnly(copy->db_path);
  REQUIRE(db);
  CHECK((*db)->QueryInt("SELECT count(*) FROM ABPerson").value() == 1);
  CHECK((*db)->QueryInt("SELECT count(*) FROM ABMultiValue").value() == 1);
  CHECK((*db)->HasColumn("ABPerson", "First"));
}

TEST_CASE("SQLite header facts", "[core][sqlite]") {
  Bytes h(100, 0);
  std::memcpy(h.data(), "SQLite format 3", 16);
  h[16] = 0x10;  // 4096
  h[18] = 2;
  h[19] = 2;
  h[31] = 43;  // page count
  h[27] = 9;
  h[95] = 9;  // offset 24 == offset 92 → page count valid
  auto hdr = ParseSqliteHeader(h);
  REQUIRE(hdr);
  CHECK(hdr->page_size == 4096);
  CHECK(hdr->write_version == 2);
  CHECK(hdr->page_count == 43);
  CHECK(hdr->page_count_valid);
  h[0] = 'X';
  CHECK_FALSE(ParseSqliteHeader(h));
}
