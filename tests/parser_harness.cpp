#include "tests/parser_harness.h"

#include <set>

#include "core/file_util.h"
#include "core/sqlite_db.h"
#include "parsers/backup/backup.h"
#include "reports/record_json.h"

namespace mfx::testing {

#define MFX_COLLECT_DEF_(Type)                                       \
  void CollectingSink::Add(parsers::Type&& r) {                     \
    auto j = reports::RecordToJson(r);                               \
    std::lock_guard lock(mu);                                        \
    by_kind[std::string(parsers::Type::kKind)].push_back(std::move(j)); \
  }
MFX_RECORD_TYPES(MFX_COLLECT_DEF_)
#undef MFX_COLLECT_DEF_

const parsers::ParserRun* ParseResult::Run(const std::string& name) const {
  for (const auto& r : runs) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

ParseResult ParseEnv(const core::Env& env, const parsers::EvidenceFacts& facts,
                     const std::vector<std::string>& modules) {
  auto scratch = core::ScratchDir::Create({}, "mfx-parse-test-");
  if (!scratch) throw std::runtime_error(scratch.error().ToString());
  CollectingSink sink;
  parsers::RunOptions options;
  options.scratch = scratch->path();
  options.only = modules;
  ParseResult out;
  out.runs = parsers::RunParsers(parsers::BuiltinParsers(), env, facts, sink, options);
  out.records = std::move(sink.by_kind);
  return out;
}

ParseResult ParseBackup(const std::filesystem::path& backup_dir,
                        const std::filesystem::path& password_file,
                        const std::vector<std::string>& modules) {
  parsers::backup::OpenOptions options;
  core::SecretBytes password;
  if (!password_file.empty()) {
    auto line = core::ReadFirstLine(password_file);
    if (!line) throw std::runtime_error(line.error().ToString());
    password = core::SecretBytes::FromString(*line);
    options.password = &password;
  }
  auto backup = parsers::backup::Backup::Open(backup_dir, options);
  if (!backup) throw std::runtime_error(backup.error().ToString());
  parsers::EvidenceFacts facts;
  facts.ios_version = (*backup)->identity().product_version.value_or("");
  facts.ios_major = facts.ios_version.empty() ? 0 : std::atoi(facts.ios_version.c_str());
  facts.was_encrypted = (*backup)->encryption().was_encrypted;
  return ParseEnv((*backup)->env(), facts, modules);
}

namespace {
std::string SourceKey(const nlohmann::json& s) {
  return s.value("domain", "") + "|" + s.value("path", "") + "|" +
         (s.contains("table") && !s["table"].is_null() ? s["table"].get<std::string>() : "") + "|" +
         (s.contains("rowid") ? s["rowid"].dump() : "null");
}
}  // namespace

std::vector<std::string> CompareRecords(const nlohmann::json& expected,
                                        const std::vector<nlohmann::ordered_json>& actual) {
  std::vector<std::string> diffs;
  std::map<std::string, const nlohmann::ordered_json*> by_source;
  for (const auto& a : actual) {
    const std::string key = SourceKey(nlohmann::json(a["source"]));
    if (!by_source.emplace(key, &a).second) diffs.push_back("two records from the same source " + key);
  }
  std::set<std::string> files;
  std::set<std::string> matched;
  for (const auto& e : expected) {
    const std::string key = SourceKey(e["source"]);
    files.insert(e["source"].value("domain", "") + "|" + e["source"].value("path", ""));
    auto it = by_source.find(key);
    if (it == by_source.end()) {
      diffs.push_back("missing record " + key);
      continue;
    }
    matched.insert(key);
    const nlohmann::json a(*it->second);
    for (auto& [field, value] : e.items()) {
      if (field == "source") continue;
      if (!a.contains(field)) {
        diffs.push_back(key + ": no field '" + field + "'");
      } else if (a[field] != value) {
        diffs.push_back(key + ": " + field + " = " + a[field].dump() + ", expected " + value.dump());
      }
    }
  }
  for (const auto& [key, a] : by_source) {
    const nlohmann::json s((*a)["source"]);
    if (files.count(s.value("domain", "") + "|" + s.value("path", "")) && !matched.count(key)) {
      diffs.push_back("unexpected record " + key);
    }
  }
  return diffs;
}

}  // namespace mfx::testing
