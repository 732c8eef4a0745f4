#pragma once
// The attempt ledger: attempt.json in each attempt folder, the truth about one acquisition run.
//
// Schema "mfx-attempt/1":
//   {
//     "schema": "mfx-attempt/1", "evidence_id": "E-01", "attempt": 2, "udid": "…",
//     "started": "…Z", "ended": "…Z" | null, "duration_ms": N,
//     "status": "in_progress" | "completed" | "incomplete" | "interrupted" | "failed",
//     "cause": null | {"kind": "cable_pulled" | "detached" | "stall" | "cancelled_on_device" |
//                      "cancelled_by_examiner" | "device_error" | "protocol_error" |
//                      "local_error", "message": "…", "error_code": N | null},
//     "request": {"full": true, "encrypted": bool, "hashing": true},
//     "device_percent": last progress the device reported (0–100),
//     "totals": {"complete_files", "complete_bytes", "incomplete_files",
//                "incomplete_bytes_received", "refused_files", "superseded_files"},
//     "files": [ {"seq", "path" (now, relative to the attempt folder), "received_as" (the
//                 destination the device gave), "device_path", "size", "sha256", "completed"
//                 (UTC), "origin": "device" | "host"} ],            — complete files only
//     "incomplete": [ {"seq", "destination", "part_path", "bytes_received", "sha256_of_received",
//                      "end": "cut" | "remote_error" | "local_error", "reason"} ],
//     "superseded": [ {"seq", "destination", "size", "sha256", "replaced_by_seq"} ],
//     "refused": [ {"seq", "destination" (sanitised), "why", "bytes_discarded"} ],
//     "operations": [ {"op": "mkdir" | "move" | "remove" | "download" | "copy" | "list" |
//                      "free_space" | "purge", …, "result": "ok" | "<error>"} ],
//     "passcode_prompts": [ {"presented": "…Z", "dismissed": "…Z" | null} ],
//     "verification": null | {…}
//   }
// Complete = its 0x00 end marker arrived, the bytes were fsynced and the .part was renamed;
// sizes and hashes are of the bytes as received. An incomplete file keeps its bytes in
// `part_path` and is never counted as received.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mfx::extract {

inline constexpr const char* kAttemptSchema = "mfx-attempt/1";
inline constexpr const char* kAttemptLedger = "attempt.json";

struct LedgerFile {
  uint64_t seq = 0;
  std::string path;         // current location, relative to the attempt folder
  std::string received_as;  // the destination as the device sent it
  std::string device_path;
  uint64_t size = 0;
  std::string sha256;       // empty when hashing is off (benchmark only)
  std::string completed;    // UTC
  std::string origin = "device";
  uint64_t replaced_by_seq = 0;  // non-zero: a later file of the same destination replaced it
};

struct LedgerIncomplete {
  uint64_t seq = 0;
  std::string destination;
  std::string part_path;
  uint64_t bytes_received = 0;
  std::string sha256_of_received;
  std::string end;  // FileEndName
  std::string reason;
};

struct LedgerRefused {
  uint64_t seq = 0;
  std::string destination;
  std::string why;
  uint64_t bytes_discarded = 0;
};

struct Ledger {
  std::string evidence_id;
  int attempt = 0;
  std::string udid;
  std::string started;
  std::string ended;
  int64_t duration_ms = 0;
  std::string status = "in_progress";
  nlohmann::json cause;  // null or {kind, message, error_code}
  bool full = true;
  bool encrypted = false;
  bool hashing = true;
  double device_percent = 0;
  std::vector<LedgerFile> files;  // complete files, including superseded ones (replaced_by_seq)
  std::vector<LedgerIncomplete> incomplete;
  std::vector<LedgerRefused> refused;
  nlohmann::json operations = nlohmann::json::array();
  nlohmann::json passcode_prompts = nlohmann::json::array();
  nlohmann::json verification;

  // Complete files still in place (not superseded).
  std::vector<const LedgerFile*> CurrentFiles() const;
  uint64_t CompleteBytes() const;
  uint64_t IncompleteBytes() const;
  nlohmann::json Totals() const;
  nlohmann::json ToJson() const;
};

}  // namespace mfx::extract
