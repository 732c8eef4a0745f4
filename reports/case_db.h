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
// Thread-safety: Add() may be called from several parser threads at once.

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "parsers/runner.h"

namespace mfx::reports {

class CaseDatabase final : public parsers::RecordSink {
 public:
  static Result<std::unique_ptr<CaseDatabase>> Create(const std::filesystem::path& path);
  ~CaseDatabase() override;

#define MFX_CASE_DB_ADD_(Type) void Add(parsers::Type&& record) override;
  MFX_RECORD_TYPES(MFX_CASE_DB_ADD_)
#undef MFX_CASE_DB_ADD_

  Status SetInfo(const std::string& key, const std::string& value);
  Status AddRuns(const std::vector<parsers::ParserRun>& runs);
  // Commits, switches to a rollback journal, closes and renames into place.
  Status Finish();

  int64_t records() const { return records_; }

 private:
  CaseDatabase() = default;
  template <class R>
  void Insert(const R& record);
  Status Exec(const std::string& sql);

  std::filesystem::path path_;
  std::filesystem::path tmp_path_;
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> inserts_;  // one per kind, AllKinds() order
  std::mutex mu_;
  Error first_error_;
  bool failed_ = false;
  int64_t records_ = 0;
  int64_t since_commit_ = 0;
};

}  // namespace mfx::reports
