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

TEST_CASE("a WAL database is copied with its WAL and the copy shows the WAL rows", "[core][sqlite]") {
  TempDir tmp;
  const auto live = tmp / "live/db.sqlite";
  std::filesystem::create_directories(live.parent_path());
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(live.c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer,
                       "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                       "CREATE TABLE t(x); INSERT INTO t VALUES (1),(2),(3);",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
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
