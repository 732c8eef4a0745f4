#include "core/sqlite_db.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/crypto.h"
#include "core/file_util.h"

namespace mfx::core {

Result<std::unique_ptr<SqliteDb>> SqliteDb::OpenReadOnly(const std::filesystem::path& path,
                                                         std::string description) {
  if (description.empty()) description = path.string();
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Fail(ErrorCode::kIo, description + ": cannot open: " + msg);
  }
  std::unique_ptr<SqliteDb> out(new SqliteDb(db, description));
  // Reading the schema is the first real access: a non-database fails here, not later.
  char* err = nullptr;
  if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return Fail(ErrorCode::kCorrupt, description + ": " + msg);
  }
  return out;
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Result<Statement> SqliteDb::Prepare(std::string_view sql) const {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return Fail(rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ? ErrorCode::kCorrupt
                                                            : ErrorCode::kUnsupported,
                description_ + ": " + sqlite3_errmsg(db_) + " in: " + std::string(sql));
  }
  return Statement(stmt, this);
}

bool SqliteDb::HasTable(std::string_view table) const {
  auto st = Prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?1");
  if (!st) return false;
  st->Bind(1, table);
  auto row = st->Step();
  return row && *row;
}

std::vector<ColumnInfo> SqliteDb::Columns(std::string_view table) const {
  std::vector<ColumnInfo> out;
  auto st = Prepare("SELECT name, type, pk FROM pragma_table_info(?1)");
  if (!st) return out;
  st->Bind(1, table);
  while (true) {
    auto row = st->Step();
    if (!row || !*row) break;
    out.push_back({std::string(st->Text(0)), std::string(st->Text(1)), st->Int(2) != 0});
  }
  return out;
}

bool SqliteDb::HasColumn(std::string_view table, std::string_view column) const {
  for (const auto& c : Columns(table)) {
    if (strcasecmp(c.name.c_str(), std::string(column).c_str()) == 0) return true;
  }
  return false;
}

std::vector<std::string> SqliteDb::Tables() const {
  std::vector<std::string> out;
  auto st = Prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name");
  if (!st) return out;
  while (true) {
    auto row = st->Step();
    if (!row || !*row) break;
    out.emplace_back(st->Text(0));
  }
  return out;
}

Result<int64_t> SqliteDb::QueryInt(std::string_view sql) const {
  MFX_ASSIGN_OR_RETURN(auto st, Prepare(sql));
  MFX_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Fail(ErrorCode::kNotFound, description_ + ": no row from " + std::string(sql));
  return st.Int(0);
}

std::string SqliteDb::QuickCheck() const {
  auto st = Prepare("PRAGMA quick_check(1)");
  if (!st) return st.error().message;
  auto row = st->Step();
  if (!row) return row.error().message;
  if (!*row) return "no result";
  return std::string(st->Text(0));
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    db_ = other.db_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const ErrorCode code =
      (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) ? ErrorCode::kCorrupt : ErrorCode::kIo;
  return Fail(code, db_->description() + ": " + sqlite3_errmsg(db_->handle()));
}

Status Statement::Reset() {
  if (sqlite3_reset(stmt_) != SQLITE_OK) {
    return Fail(ErrorCode::kIo, db_->description() + ": " + sqlite3_errmsg(db_->handle()));
  }
  return {};
}

void Statement::Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void Statement::Bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}
int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }
int Statement::ColumnType(int i) const { return sqlite3_column_type(stmt_, i); }
int64_t Statement::Int(int i) const { return sqlite3_column_int64(stmt_, i); }
double Statement::Real(int i) const { return sqlite3_column_double(stmt_, i); }
std::string_view Statement::Text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  const int n = sqlite3_column_bytes(stmt_, i);
  return p ? std::string_view(p, static_cast<size_t>(n)) : std::string_view();
}
ByteSpan Statement::Blob(int i) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, i));
  const int n = sqlite3_column_bytes(stmt_, i);
  return p ? ByteSpan(p, static_cast<size_t>(n)) : ByteSpan();
}
std::optional<int64_t> Statement::OptInt(int i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}
std::optional<double> Statement::OptReal(int i) const {
  if (IsNull(i)) return std::nullopt;
  return Real(i);
}
std::optional<std::string> Statement::OptText(int i) const {
  if (IsNull(i)) return std::nullopt;
  return std::string(Text(i));
}
std::string Statement::ColumnName(int i) const {
  const char* n = sqlite3_column_name(stmt_, i);
  return n ? n : "";
}

Result<ScratchDir> ScratchDir::Create(const std::filesystem::path& parent, std::string_view prefix) {
  std::filesystem::path base = parent;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = (tmp && *tmp) ? tmp : "/tmp";
  }
  std::error_code ec;
  std::filesystem::create_directories(base, ec);
  std::string templ = (base / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr) {
    return Fail(ErrorCode::kIo, base.string() + ": cannot create scratch folder: " +
                                    std::strerror(errno));
  }
  return ScratchDir(templ);
}

ScratchDir::~ScratchDir() {
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

Result<CopiedFile> CopyFileOut(const Env& env, std::string_view path,
                               const std::filesystem::path& dest) {
  MFX_ASSIGN_OR_RETURN(auto file, env.Open(path));
  const int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Fail(ErrorCode::kIo, dest.string() + ": " + std::strerror(errno));
  Hasher hasher(HashAlgorithm::kSha256);
  std::vector<uint8_t> buffer(1 << 20);
  uint64_t total = 0;
  Status status = ForEachChunk(*file, buffer, [&](ByteSpan chunk) -> Status {
    hasher.Update(chunk);
    size_t done = 0;
    while (done < chunk.size()) {
      const ssize_t n = ::write(fd, chunk.data() + done, chunk.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Fail(ErrorCode::kIo, dest.string() + ": write: " + std::strerror(errno));
      }
      done += static_cast<size_t>(n);
    }
    total += chunk.size();
    return {};
  });
  if (::close(fd) != 0 && status) {
    status = Fail(ErrorCode::kIo, dest.string() + ": close: " + std::strerror(errno));
  }
  if (!status) return tl::unexpected(status.error());
  CopiedFile out;
  out.source = std::string(path);
  out.copy = dest;
  out.size = total;
  out.sha256 = hasher.FinishHex();
  return out;
}

namespace {

// A rollback journal is hot when it is non-empty and its header is not zeroed (SQLite zeroes or
// deletes it when the transaction commits); the 8-byte magic starts a live header.
bool IsHotJournal(const std::filesystem::path& journal) {
  const int fd = ::open(journal.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  uint8_t magic[8] = {};
  const bool whole = ::pread(fd, magic, sizeof magic, 0) == static_cast<ssize_t>(sizeof magic);
  ::close(fd);
  static constexpr uint8_t kJournalMagic[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
  return whole && std::memcmp(magic, kJournalMagic, sizeof magic) == 0;
}

Status RollBackJournal(const std::filesystem::path& copy, const std::string& description) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(copy.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc == SQLITE_OK) {
    // The first read finds the hot journal and rolls the transaction back.
    rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  }
  const std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  sqlite3_close_v2(db);
  if (rc != SQLITE_OK) {
    return Fail(ErrorCode::kCorrupt, description + ": the hot rollback journal could not be rolled back on the "
                                                   "working copy: " + msg);
  }
  return {};
}

}  // namespace

Result<DatabaseCopy> CopyDatabaseToScratch(const Env& env, std::string_view path,
                                           const std::filesystem::path& dir,
                                           std::string_view target_name) {
  DatabaseCopy out;
  out.db_path = dir / std::string(target_name);
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string source = std::string(path) + suffix;
    if (*suffix != '\0' && !env.Exists(source)) continue;
    auto dest = dir / (std::string(target_name) + suffix);
    MFX_ASSIGN_OR_RETURN(CopiedFile copied, CopyFileOut(env, source, dest));
    // Re-read the copy: what SQLite will see must be what the evidence held.
    MFX_ASSIGN_OR_RETURN(copied.copy_sha256, HashFileHex(dest));
    if (copied.copy_sha256 != copied.sha256) {
      return Fail(ErrorCode::kIntegrity, dest.string() + ": copy hash differs from " + source);
    }
    out.files.push_back(std::move(copied));
  }
  const auto journal = dir / (std::string(target_name) + "-journal");
  if (out.files.size() > 1 && out.files.back().copy == journal && IsHotJournal(journal)) {
    MFX_RETURN_IF_ERROR(RollBackJournal(out.db_path, std::string(path)));
    MFX_ASSIGN_OR_RETURN(out.rolled_back_sha256, HashFileHex(out.db_path));
  }
  return out;
}

bool HasSqliteMagic(ByteSpan bytes) {
  static constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with the NUL
  return bytes.size() >= 16 && std::memcmp(bytes.data(), kMagic, 16) == 0;
}

std::optional<SqliteHeader> ParseSqliteHeader(ByteSpan b) {
  if (b.size() < 100 || !HasSqliteMagic(b)) return std::nullopt;
  SqliteHeader h;
  const uint16_t raw_page = LoadBe16(b.data() + 16);
  h.page_size = raw_page == 1 ? 65536u : raw_page;
  h.write_version = b[18];
  h.read_version = b[19];
  h.page_count = LoadBe32(b.data() + 28);
  h.page_count_valid = LoadBe32(b.data() + 24) == LoadBe32(b.data() + 92);
  return h;
}

}  // namespace mfx::core
