#include "extract/emulator/record.h"

#include <fstream>
#include <system_error>

#include "extract/emulator/log.h"

namespace mfx::extract::emulator {
namespace {

using nlohmann::ordered_json;

constexpr size_t kMaxEvents = 20000;

}  // namespace

ordered_json SentFile::ToJson() const {
  ordered_json out{{"kind", kind},
                   {"domain", domain},
                   {"relativePath", relative_path},
                   {"file_id", file_id},
                   {"device_path", device_path},
                   {"destination", destination},
                   {"final_path", final_path},
                   {"size", size},
                   {"bytes_sent", bytes_sent},
                   {"sha256", sha256},
                   {"status", status},
                   {"encrypted", encrypted}};
  if (encrypted) {
    out["plaintext_size"] = plaintext_size;
    out["plaintext_sha256"] = plaintext_sha256;
  }
  if (status == "truncated") {
    out["whole_blocks_bytes"] = whole_blocks_bytes;
    out["whole_blocks_sha256"] = whole_blocks_sha256;
  }
  return out;
}

Record::Record(std::filesystem::path path, std::string scenario_name, std::string udid)
    : path_(std::move(path)), start_(std::chrono::steady_clock::now()) {
  root_ = ordered_json{{"format", "mfx-emulator-record"},
                       {"version", 1},
                       {"scenario", std::move(scenario_name)},
                       {"udid", std::move(udid)},
                       {"events", ordered_json::array()},
                       {"faults", ordered_json::array()},
                       {"forbidden_requests", ordered_json::array()},
                       {"backups", ordered_json::array()}};
}

double Record::Now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Record::AddEvent(const std::string& kind, ordered_json details) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (root_["events"].size() >= kMaxEvents) return;
  ordered_json event{{"t", Now()}, {"kind", kind}};
  for (auto& [key, value] : details.items()) event[key] = value;
  root_["events"].push_back(std::move(event));
}

void Record::AddFault(const std::string& fault, int attempt, ordered_json details) {
  std::lock_guard<std::mutex> lock(mutex_);
  ordered_json entry{{"fault", fault}, {"t", Now()}, {"attempt", attempt}};
  for (auto& [key, value] : details.items()) entry[key] = value;
  root_["faults"].push_back(std::move(entry));
}

void Record::AddForbiddenRequest(const std::string& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  root_["forbidden_requests"].push_back(ordered_json{{"request", request}, {"t", Now()}});
}

void Record::SetEncryptionInfo(ordered_json info) {
  std::lock_guard<std::mutex> lock(mutex_);
  root_["encryption"] = std::move(info);
}

int Record::BeginBackup(const std::string& request, bool encrypted) {
  std::lock_guard<std::mutex> lock(mutex_);
  ordered_json& backups = root_["backups"];
  const int attempt = static_cast<int>(backups.size()) + 1;
  backups.push_back(ordered_json{{"attempt", attempt},
                                 {"request", request},
                                 {"encrypted", encrypted},
                                 {"started", Now()},
                                 {"files", ordered_json::array()},
                                 {"outcome", nullptr}});
  return attempt;
}

ordered_json* Record::Backup(int attempt) {
  ordered_json& backups = root_["backups"];
  if (attempt < 1 || static_cast<size_t>(attempt) > backups.size()) return nullptr;
  return &backups[static_cast<size_t>(attempt - 1)];
}

void Record::AddFile(int attempt, const SentFile& file) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (ordered_json* backup = Backup(attempt)) (*backup)["files"].push_back(file.ToJson());
}

void Record::SetFinalPath(int attempt, const std::string& destination,
                          const std::string& final_path) {
  std::lock_guard<std::mutex> lock(mutex_);
  ordered_json* backup = Backup(attempt);
  if (backup == nullptr) return;
  // The latest upload to a destination is the one that ends up there (Status.plist is sent twice).
  ordered_json& files = (*backup)["files"];
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    if ((*it)["destination"] == destination) {
      (*it)["final_path"] = final_path;
      break;
    }
  }
}

void Record::EndBackup(int attempt, ordered_json outcome) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ordered_json* backup = Backup(attempt)) {
      outcome["ended"] = Now();
      (*backup)["outcome"] = std::move(outcome);
    }
  }
  Write();
}

bool Record::Write() {
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    root_["written"] = Now();
    text = root_.dump(2);
  }
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  const std::filesystem::path temp = path_.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text << '\n';
    if (!out) {
      LogLoud("record", "cannot write " + temp.string());
      return false;
    }
  }
  std::error_code error;
  std::filesystem::rename(temp, path_, error);
  if (error) {
    LogLoud("record", "cannot rename record: " + error.message());
    return false;
  }
  return true;
}

}  // namespace mfx::extract::emulator
