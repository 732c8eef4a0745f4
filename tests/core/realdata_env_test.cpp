// Every real device file in ../shared/realdata read through the evidence Env: the bytes an Env
// read returns hash to the same SHA-256 as an independent whole-file read, every plist decodes,
// and every SQLite database opens through a working copy (with its -wal/-shm).
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "core/file_util.h"
#include "core/folder_env.h"
#include "core/plist.h"
#include "core/sqlite_db.h"
#include "tests/test_support.h"

using namespace mfx;
using namespace mfx::core;

TEST_CASE("real device files read through the Env", "[core][env][realdata]") {
  MFX_REQUIRE_REALDATA();
  const auto root = mfx::testing::RealDataDir() / "ileapp-corpus";
  auto env = FolderEnv::Create(root);
  REQUIRE(env);
  const auto files = (*env)->List();
  REQUIRE(files.size() > 40);
  size_t plists = 0, databases = 0;
  mfx::testing::TempDir tmp;
  for (const std::string& rel : files) {
    INFO(rel);
    auto f = (*env)->Open(rel);
    REQUIRE(f);
    Hasher h(HashAlgorithm::kSha256);
    std::vector<uint8_t> buf(1 << 16);
    REQUIRE(ForEachChunk(**f, buf, [&](ByteSpan c) -> Status {
      h.Update(c);
      return {};
    }));
    CHECK(h.FinishHex() == HashFileHex(root / rel).value());
    if (rel.ends_with(".plist") || rel.ends_with(".plist.backup")) {
      auto bytes = ReadAll(**f, 64 << 20);
      REQUIRE(bytes);
      auto p = ParsePlist(*bytes, rel);
      CHECK(p);
      ++plists;
    }
    std::array<uint8_t, 16> head{};
    if ((*f)->ReadAt(0, head).value_or(0) == 16 && HasSqliteMagic(head) && !rel.ends_with("-wal") &&
        !rel.ends_with("-shm")) {
      const auto dir = tmp / std::to_string(databases);
      std::filesystem::create_directories(dir);
      auto copy = CopyDatabaseToScratch(**env, rel, dir, "db");
      REQUIRE(copy);
      auto db = SqliteDb::OpenReadOnly(copy->db_path);
      REQUIRE(db);
      CHECK_FALSE((*db)->Tables().empty());  // WAL-only databases too: the WAL was copied and read
      ++databases;
    }
  }
  CHECK(plists >= 10);
  CHECK(databases >= 15);
}
