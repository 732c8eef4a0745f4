#pragma once
// Runs mfx parsers on a backup in tests and collects their records as export JSON — the same
// objects exports/<kind>.jsonl holds — to compare with the generator's expected records.

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parsers/runner.h"

namespace mfx::testing {

// A thread-safe sink that keeps every record as its export JSON, by kind.
class CollectingSink final : public parsers::RecordSink {
 public:
#define MFX_COLLECT_ADD_(Type) void Add(parsers::Type&& r) override;
  MFX_RECORD_TYPES(MFX_COLLECT_ADD_)
#undef MFX_COLLECT_ADD_
  std::map<std::string, std::vector<nlohmann::ordered_json>> by_kind;
  std::mutex mu;
};

struct ParseResult {
  std::map<std::string, std::vector<nlohmann::ordered_json>> records;  // kind → records
  std::vector<parsers::ParserRun> runs;
  const parsers::ParserRun* Run(const std::string& name) const;
};

// Opens the backup (password from password_file when given) and runs the named builtin modules
// (all when empty) over its Env.
ParseResult ParseBackup(const std::filesystem::path& backup_dir,
                        const std::filesystem::path& password_file = {},
                        const std::vector<std::string>& modules = {});

// Runs modules over any Env (e.g. a FolderEnv made to look like a backup for real-data tests).
ParseResult ParseEnv(const core::Env& env, const parsers::EvidenceFacts& facts,
                     const std::vector<std::string>& modules = {});

// Compares expected records (generator format: a list of objects with at least "source") with
// actual ones, matching by source {domain, path, table, rowid}: every expected field must be equal,
// and there must be no unexpected record from the same source files. Returns human-readable
// differences (empty = all good).
std::vector<std::string> CompareRecords(const nlohmann::json& expected,
                                        const std::vector<nlohmann::ordered_json>& actual);

}  // namespace mfx::testing
