#pragma once
// Runs parser modules over an evidence Env: locates each module's inputs, makes working copies of
// SQLite databases (with -wal/-shm/-journal) in a scratch folder, hashes them, opens the copies
// read-only, calls the module, and catches failures per module. Modules run in parallel.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/sqlite_db.h"
#include "parsers/parser_module.h"

namespace mfx::parsers {

struct InputUse {
  std::string path;    // domain/relativePath
  std::string file_id;
  std::vector<core::CopiedFile> copies;  // SQLite inputs: db, -wal, … with source and copy hashes
  std::string rolled_back_sha256;        // SQLite inputs with a hot journal: the copy after rollback
  std::string sha256;  // file inputs: SHA-256 of the bytes the parser could read
  uint64_t size = 0;
};

struct ParserRun {
  enum class Status { kOk, kNoInput, kFailed, kUnsupported, kPartial };
  std::string name;
  std::string version;
  Status status = Status::kNoInput;
  std::vector<InputUse> inputs;
  std::map<std::string, int64_t> counts;  // record kind → records
  std::vector<ParserIssue> issues;
  std::string error;  // for kFailed
  double seconds = 0;
};
std::string_view ParserStatusName(ParserRun::Status s);

// Called (from worker threads, serialised by the runner) for each working copy made.
using WorkingCopyObserver = std::function<void(const ParserRun&, const InputUse&)>;

struct RunOptions {
  std::filesystem::path scratch;  // working copies go below it; must exist
  unsigned threads = 2;
  std::vector<std::string> only;  // run only these modules when non-empty
  WorkingCopyObserver on_working_copy;
};

// `sink` must be thread-safe. Working copies are deleted when their module finishes.
std::vector<ParserRun> RunParsers(const std::vector<ParserModule>& modules, const core::Env& env,
                                  const EvidenceFacts& facts, RecordSink& sink,
                                  const RunOptions& options);

// Every module mfx ships, in report order (parsers/builtin_parsers.cpp: the one explicit list).
const std::vector<ParserModule>& BuiltinParsers();

}  // namespace mfx::parsers
