// The emulator's own record of what it did: the ground truth tests compare the host against.
//
// JSON written to <state-dir>/record.json (atomically: temp file + rename) after every backup
// attempt, on SIGUSR1 and at exit:
//   {
//     "format": "mfx-emulator-record", "version": 1, "scenario": name, "udid": UDID,
//     "events":  [ {"t": seconds since start, "kind": "...", ...details} ],
//     "faults":  [ {"fault": "drop_after_bytes", "attempt": 1, "at_bytes": N, ...} ],
//     "forbidden_requests": [ {"request": "Restore", "t": ...} ],
//     "backups": [ { "attempt": 1, "request": "Backup", "encrypted": bool,
//                    "files": [ SentFile as below ],
//                    "outcome": {"result": "success" | "error" | "aborted", "error_code": N,
//                                "readback_ok": bool, "reason": "..."} } ],
//     "encryption": { "password": ..., "class_keys": {"1": hex, ...} }   (encrypted scenarios)
//   }
// A SentFile is {"kind": "content" | "manifest_db" | "manifest_plist" | "status_plist" |
// "malicious", "domain", "relativePath", "file_id", "device_path", "destination" (as sent),
// "final_path" (after MoveItems, relative to the backup root; "" if never moved),
// "size" (bytes meant to be sent), "bytes_sent", "sha256" (of the bytes actually sent),
// "status": "complete" | "truncated" | "remote_error" | "not_sent",
// for encrypted files "plaintext_size", "plaintext_sha256", and for truncated files
// "whole_blocks_bytes", "whole_blocks_sha256" (the prefix sent in complete blocks: what a host
// reading whole blocks through libimobiledevice over TLS can have kept)}.
//
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>

namespace mfx::extract::emulator {

struct SentFile {
  std::string kind = "content";
  std::string domain;
  std::string relative_path;
  std::string file_id;
  std::string device_path;
  std::string destination;
  std::string final_path;
  uint64_t size = 0;
  uint64_t bytes_sent = 0;
  std::string sha256;
  std::string status = "not_sent";
  bool encrypted = false;
  uint64_t plaintext_size = 0;
  std::string plaintext_sha256;
  // Truncated files only: the prefix made of blocks that were sent whole.
  uint64_t whole_blocks_bytes = 0;
  std::string whole_blocks_sha256;

  nlohmann::ordered_json ToJson() const;
};

class Record {
 public:
  Record(std::filesystem::path path, std::string scenario_name, std::string udid);

  void AddEvent(const std::string& kind,
                nlohmann::ordered_json details = nlohmann::ordered_json::object());
  void AddFault(const std::string& fault, int attempt,
                nlohmann::ordered_json details = nlohmann::ordered_json::object());
  void AddForbiddenRequest(const std::string& request);
  void SetEncryptionInfo(nlohmann::ordered_json info);

  // Starts a backup attempt and returns its number (1-based).
  int BeginBackup(const std::string& request, bool encrypted);
  void AddFile(int attempt, const SentFile& file);
  void SetFinalPath(int attempt, const std::string& destination, const std::string& final_path);
  void EndBackup(int attempt, nlohmann::ordered_json outcome);

  // Writes the JSON file now. Returns false (and logs) on I/O failure.
  bool Write();

 private:
  double Now() const;
  nlohmann::ordered_json* Backup(int attempt);

  std::mutex mutex_;
  std::mutex write_mutex_;  // serialises the temp-file + rename sequence
  std::filesystem::path path_;
  nlohmann::ordered_json root_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace mfx::extract::emulator
