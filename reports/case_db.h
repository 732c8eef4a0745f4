#pragma once
// The case database (CASE/artifacts.sqlite): every parsed record with its provenance, one table
// per record kind (layout: record_schema.h), plus the run tables — per parser status, counts,
// inputs with their hashes, and every issue (corrupt rows, unsupported schemas) — and case_info
// (key/value facts the reports need, so that reports never re-read evidence).
//
// Written to "<path>.tmp" and renamed by Finish(), so a crash never leaves a half database under
// the final name. The result is in rollback-journal mode (not WAL), so it opens from read-only
// media (FORMATS §3.2: a WAL output could not be opened from write-blocked media, iLEAPP #1917).
//
// Thread-safety: Add() may be called from several parser threads at once. Add() only queues
// the record: one writer thread of its own does every INSERT, so the parser threads never wait
// on each other for the connection (with a lock around the inserts instead, two parsers with
// large outputs ran at ≈ 1.3 cores between them on a 2-core machine). The queue is bounded
// (kMaxPending records), so a fast parser waits for the writer rather than piling up memory;
// each parser's records are inserted in the order it gave them. The `id` of a record is the order
// it reached the database, so between parsers running side by side it can differ from run to
// run; every output orders by parser, then id, and is the same whatever the interleaving.

#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/result.h"
#include "parsers/runner.h"

namespace mfx::reports {

class CaseDatabase final : public parsers::RecordSink {
 public:
  static Result<std::unique_ptr<CaseDatabase>> Create(const std::filesystem::path& path);
  ~CaseDatabase() override;
  class TextSlots;  // text kept for one insert (case_db.cpp)

#define MFX_CASE_DB_ADD_(Type) void Add(parsers::Type&& record) override;
  MFX_RECORD_TYPES(MFX_CASE_DB_ADD_)
#undef MFX_CASE_DB_ADD_

  Status SetInfo(const std::string& key, const std::string& value);
  Status AddRuns(const std::vector<parsers::ParserRun>& runs);
  // Commits, switches to a rollback journal, closes and renames into place.
  Status Finish();

 private:
#define MFX_CASE_DB_ALT_(Type) , parsers::Type
  using AnyRecord = std::variant<std::monostate MFX_RECORD_TYPES(MFX_CASE_DB_ALT_)>;
#undef MFX_CASE_DB_ALT_
  static constexpr size_t kMaxPending = 8192;

  CaseDatabase() = default;
  void Enqueue(AnyRecord&& record);
  void WriterLoop();
  // Waits until every queued record is inserted.
  void Drain();
  void StopWriter();
  template <class R>
  void Insert(const R& record);  // writer thread, under db_mu_
  Status Exec(const std::string& sql);

  std::filesystem::path path_;
  std::filesystem::path tmp_path_;
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> inserts_;  // one per kind, AllKinds() order
  std::unique_ptr<TextSlots> slots_;    // the writer's, for the insert in progress
  std::mutex db_mu_;                    // the connection and the fields below
  Error first_error_;
  bool failed_ = false;
  int64_t since_commit_ = 0;

  std::mutex queue_mu_;  // the queue
  std::condition_variable ready_, room_, idle_;
  std::vector<AnyRecord> pending_;
  // Records already inserted, left for the next Add() to destroy on its parser's thread: the
  // writer is the parse phase's busiest thread (freeing the records was a tenth of its time), and
  // glibc frees faster on the thread that allocated the memory, which here is often the case (a
  // batch holds the records of every parser thread).
  std::vector<AnyRecord> spent_;
  std::vector<AnyRecord> spare_;  // an emptied batch's buffer, handed back for the next one
  bool writing_ = false;  // the writer holds a batch taken from pending_
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace mfx::reports
