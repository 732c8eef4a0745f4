#include "reports/case_db.h"

#include <deque>
#include <exception>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "reports/json_text.h"
#include "reports/record_json.h"
#include "reports/record_schema.h"

namespace mfx::reports {
namespace {

constexpr int64_t kCommitEvery = 20000;

template <class R>
size_t KindIndex() {
  const auto& kinds = AllKinds();
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (kinds[i].kind == R::kKind) return i;
  }
  return 0;
}

}  // namespace

// Text made for one insert (times formatted, lists as JSON), kept until that insert's
// sqlite3_step so that it is bound without a copy; the slots keep their capacity from record to
// record, so formatting a time allocates nothing.
class CaseDatabase::TextSlots {
 public:
  std::string& Next() {
    if (used_ == slots_.size()) slots_.emplace_back();  // a deque: earlier slots stay in place
    std::string& s = slots_[used_++];
    s.clear();
    return s;
  }
  void Reset() { used_ = 0; }

 private:
  std::deque<std::string> slots_;
  size_t used_ = 0;
};

namespace {

using TextSlots = CaseDatabase::TextSlots;

// A temporary: SQLite takes a copy.
void BindText(sqlite3_stmt* st, int i, std::string_view s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

// Text that outlives the statement's next step (a field of the record being inserted, a static
// name): bound without a copy. SQLite reads it only during sqlite3_step; every parameter is bound
// again before the next one. (Copying every field was a tenth of the writer thread's time.)
void BindKept(sqlite3_stmt* st, int i, std::string_view s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

void BindTime(sqlite3_stmt* st, int& i, const parsers::OptTime& t, TextSlots& slots) {
  if (t && t->has_instant()) {
    std::string& iso = slots.Next();
    t->AppendIsoUtc(iso);
    BindKept(st, i, iso);
    sqlite3_bind_int64(st, i + 1, *t->unix_micros);
  } else {
    sqlite3_bind_null(st, i);
    sqlite3_bind_null(st, i + 1);
  }
  if (t) {
    std::string& raw = slots.Next();
    t->AppendRawText(raw);
    BindKept(st, i + 2, raw);
    BindKept(st, i + 3, core::TimeEncodingName(t->encoding));
  } else {
    sqlite3_bind_null(st, i + 2);
    sqlite3_bind_null(st, i + 3);
  }
  i += 4;
}

class BindVisitor {
 public:
  BindVisitor(sqlite3_stmt* st, int& index, TextSlots& slots) : st_(st), i_(index), slots_(slots) {}
  void operator()(std::string_view, const std::string& v) { BindKept(st_, i_++, v); }
  void operator()(std::string_view, const parsers::OptString& v) {
    if (v) BindKept(st_, i_, *v);
    else sqlite3_bind_null(st_, i_);
    ++i_;
  }
  void operator()(std::string_view, int64_t v) { sqlite3_bind_int64(st_, i_++, v); }
  void operator()(std::string_view, const std::optional<int64_t>& v) {
    if (v) sqlite3_bind_int64(st_, i_, *v);
    else sqlite3_bind_null(st_, i_);
    ++i_;
  }
  void operator()(std::string_view, const std::optional<double>& v) {
    if (v) sqlite3_bind_double(st_, i_, *v);
    else sqlite3_bind_null(st_, i_);
    ++i_;
  }
  void operator()(std::string_view, bool v) { sqlite3_bind_int(st_, i_++, v ? 1 : 0); }
  void operator()(std::string_view, const std::optional<bool>& v) {
    if (v) sqlite3_bind_int(st_, i_, *v ? 1 : 0);
    else sqlite3_bind_null(st_, i_);
    ++i_;
  }
  void operator()(std::string_view, const parsers::OptTime& v) { BindTime(st_, i_, v, slots_); }
  // Lists as JSON text, the same text RecordJsonVisitor gives (an empty list without building it,
  // a list of text without nlohmann::json).
  void operator()(std::string_view, const std::vector<std::string>& v) {
    std::string& text = slots_.Next();
    text += '[';
    for (const std::string& item : v) {
      if (text.size() > 1) text += ',';
      if (IsValidUtf8(item)) {
        AppendJsonString(text, item);
      } else {
        AppendJsonString(text, SanitizeUtf8(item));
      }
    }
    text += ']';
    BindKept(st_, i_++, text);
  }
  template <class T>
  void operator()(std::string_view name, const std::vector<T>& v) {
    if (v.empty()) {
      BindKept(st_, i_++, "[]");
      return;
    }
    OrderedJson tmp, raw;
    RecordJsonVisitor(tmp, raw)(name, v);
    std::string& text = slots_.Next();
    text = tmp[std::string(name)].dump();
    BindKept(st_, i_++, text);
  }

 private:
  sqlite3_stmt* st_;
  int& i_;
  TextSlots& slots_;
};

std::string CreateTableSql(const KindInfo& k) {
  std::string sql = "CREATE TABLE \"" + k.kind +
                    "\" (id INTEGER PRIMARY KEY, parser TEXT NOT NULL, app TEXT, time TIMESTAMP, "
                    "time_us INTEGER, time_raw TEXT, time_encoding TEXT, deleted BOOLEAN NOT NULL, "
                    "src_domain TEXT, src_path TEXT, src_file_id TEXT, src_table TEXT, src_rowid, "
                    "src_decode_chain TEXT";
  for (const auto& f : k.fields) {
    sql += ", \"" + f.name + "\" " + std::string(ColumnTypeName(f.type));
    if (f.type == ColumnType::kTimestamp) {
      sql += ", \"" + f.name + "_us\" INTEGER, \"" + f.name + "_raw\" TEXT, \"" + f.name + "_encoding\" TEXT";
    }
  }
  return sql + ")";
}

std::string InsertSql(const KindInfo& k) {
  int n = 13;  // common columns without id
  for (const auto& f : k.fields) n += f.type == ColumnType::kTimestamp ? 4 : 1;
  std::string sql = "INSERT INTO \"" + k.kind + "\" VALUES (NULL";
  for (int i = 0; i < n; ++i) sql += ",?";
  return sql + ")";
}

}  // namespace

Result<std::unique_ptr<CaseDatabase>> CaseDatabase::Create(const std::filesystem::path& path) {
  std::unique_ptr<CaseDatabase> c(new CaseDatabase());
  c->path_ = path;
  c->tmp_path_ = path.string() + ".tmp";
  std::error_code ec;
  std::filesystem::remove(c->tmp_path_, ec);
  // NOMUTEX: every use of the connection is under db_mu_ (or before/after the writer thread), so
  // SQLite's own per-call locking would only be paid twice.
  if (sqlite3_open_v2(c->tmp_path_.c_str(), &c->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return Fail(ErrorCode::kIo, c->tmp_path_.string() + ": " + sqlite3_errmsg(c->db_));
  }
  MFX_RETURN_IF_ERROR(c->Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192"));
  MFX_RETURN_IF_ERROR(c->Exec(
      "CREATE TABLE case_info (key TEXT PRIMARY KEY, value TEXT);"
      "CREATE TABLE runs (parser TEXT PRIMARY KEY, version TEXT, status TEXT, seconds REAL, "
      "counts JSON, error TEXT);"
      "CREATE TABLE run_inputs (parser TEXT, path TEXT, file_id TEXT, sha256 TEXT, size INTEGER, "
      "copies JSON);"
      "CREATE TABLE issues (parser TEXT, kind TEXT, input TEXT, table_name TEXT, rowid TEXT, message TEXT);"));
  for (const KindInfo& k : AllKinds()) {
    MFX_RETURN_IF_ERROR(c->Exec(CreateTableSql(k)));
    sqlite3_stmt* st = nullptr;
    const std::string sql = InsertSql(k);
    if (sqlite3_prepare_v2(c->db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      return Fail(ErrorCode::kInternal, "case db: " + std::string(sqlite3_errmsg(c->db_)));
    }
    c->inserts_.push_back(st);
  }
  c->slots_ = std::make_unique<TextSlots>();
  MFX_RETURN_IF_ERROR(c->Exec("BEGIN"));
  c->pending_.reserve(kMaxPending);
  c->writer_ = std::thread([raw = c.get()] { raw->WriterLoop(); });
  return c;
}

CaseDatabase::~CaseDatabase() {
  StopWriter();
  for (auto* st : inserts_) sqlite3_finalize(st);
  if (db_) sqlite3_close(db_);
}

Status CaseDatabase::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return Fail(ErrorCode::kIo, path_.string() + ": " + msg);
  }
  return {};
}

void CaseDatabase::Enqueue(AnyRecord&& record) {
  std::unique_lock lock(queue_mu_);
  if (!spent_.empty()) {
    std::vector<AnyRecord> spent;
    spent.swap(spent_);
    lock.unlock();
    spent.clear();  // the records are destroyed on this thread; the buffer is kept
    lock.lock();
    if (spare_.capacity() == 0) spare_.swap(spent);
  }
  if (stop_) {  // after Finish(), a caller's bug: refused, not queued for a stopped writer
    std::lock_guard db(db_mu_);
    if (!failed_) {
      failed_ = true;
      first_error_ = Error{ErrorCode::kInternal, path_.string() + ": a record was added after Finish()"};
    }
    return;
  }
  room_.wait(lock, [&] { return pending_.size() < kMaxPending; });
  pending_.push_back(std::move(record));
  if (pending_.size() == 1) ready_.notify_one();
}

void CaseDatabase::WriterLoop() {
  std::vector<AnyRecord> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      ready_.wait(lock, [&] { return !pending_.empty() || stop_; });
      if (pending_.empty()) return;  // stop_ and nothing left
      batch.swap(pending_);
      if (pending_.capacity() == 0) pending_.swap(spare_);
      writing_ = true;
    }
    room_.notify_all();
    {
      std::lock_guard db(db_mu_);
      try {
        for (AnyRecord& r : batch) {
          std::visit(
              [&](const auto& record) {
                if constexpr (!std::is_same_v<std::decay_t<decltype(record)>, std::monostate>)
                  Insert(record);
              },
              r);
        }
      } catch (const std::exception& e) {
        // No exception may leave this thread; Finish() reports the first failure.
        if (!failed_) {
          failed_ = true;
          first_error_ = Error{ErrorCode::kInternal, path_.string() + ": " + e.what()};
        }
      }
    }
    {
      std::lock_guard lock(queue_mu_);
      writing_ = false;
      if (spent_.empty()) batch.swap(spent_);  // else the parsers are not adding: freed here
    }
    batch.clear();
    idle_.notify_all();
  }
}

void CaseDatabase::Drain() {
  std::unique_lock lock(queue_mu_);
  idle_.wait(lock, [&] { return pending_.empty() && !writing_; });
}

void CaseDatabase::StopWriter() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard lock(queue_mu_);
    stop_ = true;
  }
  ready_.notify_one();
  writer_.join();
}

template <class R>
void CaseDatabase::Insert(const R& r) {
  if (failed_) return;
  sqlite3_stmt* st = inserts_[KindIndex<R>()];
  int i = 1;
  // The record lives until after sqlite3_step: its own text is bound without a copy.
  BindKept(st, i++, r.parser);
  BindKept(st, i++, r.app);
  slots_->Reset();
  BindTime(st, i, r.time, *slots_);
  sqlite3_bind_int(st, i++, r.deleted ? 1 : 0);
  BindKept(st, i++, r.source.domain);
  BindKept(st, i++, r.source.path);
  BindKept(st, i++, r.source.file_id);
  if (r.source.table) BindKept(st, i, *r.source.table);
  else sqlite3_bind_null(st, i);
  ++i;
  if (const auto* n = std::get_if<int64_t>(&r.source.rowid)) sqlite3_bind_int64(st, i, *n);
  else if (const auto* s = std::get_if<std::string>(&r.source.rowid)) BindKept(st, i, *s);
  else sqlite3_bind_null(st, i);
  ++i;
  if (r.source.decode_chain.empty()) sqlite3_bind_null(st, i);
  else BindKept(st, i, r.source.decode_chain);
  ++i;
  r.VisitFields(BindVisitor(st, i, *slots_));
  if (sqlite3_step(st) != SQLITE_DONE) {
    failed_ = true;
    first_error_ = Error{ErrorCode::kIo, path_.string() + ": insert into " + std::string(R::kKind) + ": " +
                                             sqlite3_errmsg(db_)};
  }
  sqlite3_reset(st);  // no sqlite3_clear_bindings: every parameter is bound again next time
  if (++since_commit_ >= kCommitEvery) {
    since_commit_ = 0;
    sqlite3_exec(db_, "COMMIT; BEGIN", nullptr, nullptr, nullptr);
  }
}

#define MFX_CASE_DB_ADD_DEF_(Type) \
  void CaseDatabase::Add(parsers::Type&& record) { Enqueue(AnyRecord(std::move(record))); }
MFX_RECORD_TYPES(MFX_CASE_DB_ADD_DEF_)
#undef MFX_CASE_DB_ADD_DEF_

Status CaseDatabase::SetInfo(const std::string& key, const std::string& value) {
  Drain();
  std::lock_guard lock(db_mu_);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO case_info VALUES (?, ?)", -1, &st, nullptr);
  BindText(st, 1, key);
  BindText(st, 2, value);
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Fail(ErrorCode::kIo, path_.string() + ": " + sqlite3_errmsg(db_));
  return {};
}

Status CaseDatabase::AddRuns(const std::vector<parsers::ParserRun>& runs) {
  Drain();
  std::lock_guard lock(db_mu_);
  sqlite3_stmt* run_st = nullptr;
  sqlite3_stmt* in_st = nullptr;
  sqlite3_stmt* issue_st = nullptr;
  sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?)", -1, &run_st, nullptr);
  sqlite3_prepare_v2(db_, "INSERT INTO run_inputs VALUES (?,?,?,?,?,?)", -1, &in_st, nullptr);
  sqlite3_prepare_v2(db_, "INSERT INTO issues VALUES (?,?,?,?,?,?)", -1, &issue_st, nullptr);
  static constexpr const char* kIssueKinds[] = {"corrupt_row", "unsupported", "warning", "missing_input"};
  bool ok = true;
  for (const auto& r : runs) {
    BindText(run_st, 1, r.name);
    BindText(run_st, 2, r.version);
    BindText(run_st, 3, parsers::ParserStatusName(r.status));
    sqlite3_bind_double(run_st, 4, r.seconds);
    BindText(run_st, 5, nlohmann::json(r.counts).dump());
    BindText(run_st, 6, r.error);
    ok &= sqlite3_step(run_st) == SQLITE_DONE;
    sqlite3_reset(run_st);
    for (const auto& in : r.inputs) {
      nlohmann::json copies = nlohmann::json::array();
      for (const auto& c : in.copies) {
        copies.push_back({{"source", SanitizeUtf8(c.source)}, {"size", c.size}, {"sha256", c.sha256},
                          {"copy_sha256", c.copy_sha256}});
      }
      BindText(in_st, 1, r.name);
      BindText(in_st, 2, in.path);
      BindText(in_st, 3, in.file_id);
      BindText(in_st, 4, in.sha256);
      sqlite3_bind_int64(in_st, 5, static_cast<int64_t>(in.size));
      BindText(in_st, 6, copies.dump());
      ok &= sqlite3_step(in_st) == SQLITE_DONE;
      sqlite3_reset(in_st);
    }
    for (const auto& i : r.issues) {
      BindText(issue_st, 1, r.name);
      BindText(issue_st, 2, kIssueKinds[static_cast<int>(i.kind)]);
      BindText(issue_st, 3, i.input);
      BindText(issue_st, 4, i.table);
      BindText(issue_st, 5, i.rowid);
      BindText(issue_st, 6, i.message);
      ok &= sqlite3_step(issue_st) == SQLITE_DONE;
      sqlite3_reset(issue_st);
    }
  }
  sqlite3_finalize(run_st);
  sqlite3_finalize(in_st);
  sqlite3_finalize(issue_st);
  if (!ok) return Fail(ErrorCode::kIo, path_.string() + ": writing the run tables failed");
  return {};
}

Status CaseDatabase::Finish() {
  StopWriter();  // inserts everything still queued first
  {
    std::lock_guard lock(db_mu_);
    if (failed_) return tl::unexpected(first_error_);
  }
  MFX_RETURN_IF_ERROR(Exec("COMMIT"));
  for (const KindInfo& k : AllKinds()) {
    MFX_RETURN_IF_ERROR(Exec("CREATE INDEX \"" + k.kind + "_time\" ON \"" + k.kind + "\"(time_us)"));
    // The outputs read each kind in (parser, id) order: this index gives it without a sort.
    MFX_RETURN_IF_ERROR(Exec("CREATE INDEX \"" + k.kind + "_parser\" ON \"" + k.kind + "\"(parser)"));
  }
  MFX_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL"));
  for (auto* st : inserts_) sqlite3_finalize(st);
  inserts_.clear();
  if (sqlite3_close(db_) != SQLITE_OK) return Fail(ErrorCode::kIo, path_.string() + ": close failed");
  db_ = nullptr;
  std::error_code ec;
  std::filesystem::rename(tmp_path_, path_, ec);
  if (ec) return Fail(ErrorCode::kIo, path_.string() + ": " + ec.message());
  return {};
}

}  // namespace mfx::reports
