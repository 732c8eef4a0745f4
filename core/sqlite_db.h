#pragma once
// Read-only SQLite access for evidence databases.
//
// Evidence databases are never opened in place: CopyDatabaseToScratch copies the database and
// its -wal, -shm and -journal siblings out of an Env into a scratch folder (hashing the bytes as
// they are copied), and SqliteDb::OpenReadOnly opens the copy with SQLITE_OPEN_READONLY
// (= "mode=ro"): WAL content is seen, nothing is checkpointed, and never immutable=1, which would
// hide the WAL. See docs: FORMATS §3.2.

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/env.h"
#include "core/result.h"

namespace mfx::core {

struct ColumnInfo {
  std::string name;
  std::string type;  // declared type, as written in CREATE TABLE
  bool primary_key = false;
};

class Statement;

class SqliteDb {
 public:
  // Opens a database file read-only. Fails with kCorrupt when it is not SQLite.
  static Result<std::unique_ptr<SqliteDb>> OpenReadOnly(const std::filesystem::path& path,
                                                        std::string description = {});
  ~SqliteDb();

  Result<Statement> Prepare(std::string_view sql) const;
  bool HasTable(std::string_view table) const;
  // Columns in declaration order (PRAGMA table_info); empty when the table is absent.
  std::vector<ColumnInfo> Columns(std::string_view table) const;
  bool HasColumn(std::string_view table, std::string_view column) const;
  std::vector<std::string> Tables() const;
  // Runs a query that returns one integer (COUNT(*) and the like).
  Result<int64_t> QueryInt(std::string_view sql) const;
  // PRAGMA quick_check: "ok" or the first problem.
  std::string QuickCheck() const;

  sqlite3* handle() const { return db_; }
  const std::string& description() const { return description_; }

 private:
  SqliteDb(sqlite3* db, std::string description) : db_(db), description_(std::move(description)) {}
  sqlite3* db_;
  std::string description_;
};

// A prepared statement. Step() returns true while a row is available.
class Statement {
 public:
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), db_(other.db_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Result<bool> Step();
  Status Reset();
  void Bind(int index, int64_t value);
  void Bind(int index, std::string_view value);

  int ColumnCount() const;
  int ColumnType(int i) const;  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL
  bool IsNull(int i) const { return ColumnType(i) == SQLITE_NULL; }
  int64_t Int(int i) const;
  double Real(int i) const;
  std::string_view Text(int i) const;  // valid until the next Step/Reset
  ByteSpan Blob(int i) const;          // valid until the next Step/Reset
  std::optional<int64_t> OptInt(int i) const;
  std::optional<double> OptReal(int i) const;
  std::optional<std::string> OptText(int i) const;
  std::string ColumnName(int i) const;

 private:
  friend class SqliteDb;
  Statement(sqlite3_stmt* stmt, const SqliteDb* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_;
  const SqliteDb* db_;
};

// A scratch folder (0700) that is removed with everything in it when the object dies.
class ScratchDir {
 public:
  // Creates a fresh folder below parent (or $TMPDIR / /tmp when empty).
  static Result<ScratchDir> Create(const std::filesystem::path& parent = {},
                                   std::string_view prefix = "mfx-");
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  // Keep the folder on destruction (for debugging or when a case owns it).
  void Release() { path_.clear(); }

 private:
  explicit ScratchDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

struct CopiedFile {
  std::string source;  // Env path
  std::filesystem::path copy;
  uint64_t size = 0;
  std::string sha256;         // of the bytes read from the evidence
  std::string copy_sha256;    // re-read from the copy after writing
};

struct DatabaseCopy {
  std::filesystem::path db_path;  // the copy to open
  std::vector<CopiedFile> files;  // the db first, then -wal, -shm, -journal when present
  // Set when the evidence held a hot rollback journal (a transaction cut off before it committed):
  // SQLite rolled it back on the working copy, and this is the copy's SHA-256 afterwards.
  std::string rolled_back_sha256;
};

// Copies env path (+ "-wal", "-shm", "-journal" when present in the Env) into dir under
// target_name. Hashes the source bytes while copying and the copy after writing; a difference is
// kIntegrity. A hot rollback journal cannot be honoured by a read-only connection (SQLite refuses
// to read the database at all), so the copy alone is opened read-write once, SQLite rolls the
// unfinished transaction back as the device would have on its next open, and the copy's new hash
// is kept in rolled_back_sha256. The evidence is never touched.
Result<DatabaseCopy> CopyDatabaseToScratch(const Env& env, std::string_view path,
                                           const std::filesystem::path& dir,
                                           std::string_view target_name);

// Streams one Env file to a new file (O_EXCL, 0600), returning its size and SHA-256.
Result<CopiedFile> CopyFileOut(const Env& env, std::string_view path,
                               const std::filesystem::path& dest);

// SQLite header facts (FORMATS §3.1) read from the first 100 bytes.
struct SqliteHeader {
  uint32_t page_size = 0;
  uint8_t write_version = 0;  // 1 rollback journal, 2 WAL
  uint8_t read_version = 0;
  uint32_t page_count = 0;     // at offset 28
  bool page_count_valid = false;  // offset 24 == offset 92
};
bool HasSqliteMagic(ByteSpan bytes);
std::optional<SqliteHeader> ParseSqliteHeader(ByteSpan first_100_bytes);

}  // namespace mfx::core
