// The scenario: everything one emulator run plays, loaded from a JSON file.
//
// Format (all keys optional unless noted; unknown keys are rejected so that typos fail loudly):
//   {
//     "name": "text for the transcript",
//     "identity": { lockdown values of the NULL domain, by their lockdown key names, e.g.
//                   "UniqueDeviceID", "ProductType", "ProductVersion", "BuildVersion",
//                   "SerialNumber", "InternationalMobileEquipmentIdentity", "PhoneNumber",
//                   "DeviceName", "TimeZone", "TimeZoneOffsetFromUTC", ... (strings, numbers,
//                   bools; null removes a default) },
//     "domains": { "<lockdown domain>": { key: value } },
//     "clock_offset_seconds": device clock minus host clock (TimeIntervalSince1970),
//     "usb": { "device_id": 3, "product_id": 4776, "location_id": 336592896 },
//     "consent": { "state": "paired" | "unpaired" | "trust_pending" | "denied" | "locked" |
//                  "prohibited" | "stale_record" | "escrow_locked",
//                  "pending_polls": N, "locked_polls": N, "record_without_escrow_bag": bool },
//     "content": { "files": [ { "domain", "relativePath", one of "text" | "base64" | "hex" |
//                               "size" (+ "seed"), "type": "file" | "directory" | "symlink",
//                               "target", "mode" (int or octal string), "mtime", "protection_class"
//                               } ],
//                  "replay_backup": "<folder of a plain Manifest.db backup>" },
//     "encryption": { "password": "...", "dpic": 10000000, "iter": 10000, "manifest_key_class": 4
//     }, "protocol": { "dl_version": 400, "dl_minor": 0, "protocol_version": 2.1,
//                   "block_size": 32768, "batch_files": 10, "tls_max_version": "1.2" },
//     "faults": { "drop_after_bytes", "stall_after_bytes", "detach_after_bytes",
//                 "sync_cancel_after_bytes": N content bytes uploaded,
//                 "error_code": 104 | 205 | 208 | ..., "error_description": "...",
//                 "passcode_prompt": { "outcome": "dismissed" | "timeout", "delay_ms": N },
//                 "malicious_paths": [ { "destination": "...", "text" | "base64" | "hex" } ],
//                 "purge_disk_space": { "bytes": N, "wait_ms": N (-1 = until the host answers) },
//                 "end_marker_error": { "file_index": N, "after_bytes": N, "message": "..." },
//                 "start_delay_ms": N, "afc_lock_busy_polls": N }
//   }
// Relative paths are resolved against the scenario file's folder.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "extract/emulator/secret.h"

namespace mfx::extract::emulator {

class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ConsentState {
  kPaired,  // the host record (with EscrowBag) is in the emulated usbmuxd; the device trusts it
  kTrustPending,  // no record; Pair answers PairingDialogResponsePending `pending_polls` times,
                  // then OK
  kDenied,      // no record; Pair answers UserDeniedPairing (after `pending_polls` pending answers)
  kLocked,      // no record; Pair answers PasswordProtected (`locked_polls` times, -1 = always)
  kProhibited,  // no record; Pair answers PairingProhibitedOverThisConnection
  kStaleRecord,   // a record exists but the device does not know its HostID: InvalidHostID
  kEscrowLocked,  // paired, but StartService of mobilebackup2 answers EscrowLocked
};

struct ConsentSpec {
  ConsentState state = ConsentState::kPaired;
  int pending_polls = 0;
  int locked_polls = -1;
  bool record_without_escrow_bag = false;
};

enum class EntryKind { kFile, kDirectory, kSymlink };

struct FileSpec {
  std::string domain;
  std::string relative_path;
  EntryKind kind = EntryKind::kFile;
  std::optional<std::vector<uint8_t>> bytes;  // literal content
  uint64_t size = 0;                          // generated content when `bytes` is empty
  uint64_t seed = 0;
  std::filesystem::path source_file;                // replayed content (set by the replay loader)
  std::optional<std::vector<uint8_t>> mbfile_blob;  // replay: the original Files.file blob
  uint32_t mode = 0100644;
  int64_t mtime = 1700000000;
  int protection_class = 3;
  std::string symlink_target;
};

struct ContentSpec {
  std::vector<FileSpec> files;
  std::filesystem::path replay_backup;
};

struct EncryptionSpec {
  bool enabled = false;
  SecretString password;
  uint32_t dpic = 10000000;  // PBKDF2-SHA256 rounds (iOS 10.2+)
  uint32_t iter = 10000;     // PBKDF2-SHA1 rounds
  uint32_t manifest_key_class = 4;
};

struct ProtocolSpec {
  uint64_t dl_version_major = 400;  // Debian's client offers 400, upstream 1.3.0 300 (DEVICE.md §1)
  uint64_t dl_version_minor = 0;
  double protocol_version = 2.1;
  uint32_t block_size = 32768;
  uint32_t batch_files = 10;
  std::string tls_max_version;  // empty = TLS 1.3
};

struct PasscodePromptSpec {
  enum class Outcome { kDismissed, kTimeout };
  Outcome outcome = Outcome::kDismissed;
  int delay_ms = 1000;
};

struct MaliciousFileSpec {
  std::string destination;
  std::vector<uint8_t> bytes;
};

struct EndMarkerErrorSpec {
  size_t file_index = 0;
  uint64_t after_bytes = 0;
  std::string message = "Input/output error";
};

struct FaultSpec {
  std::optional<uint64_t> drop_after_bytes;
  std::optional<uint64_t> stall_after_bytes;
  std::optional<uint64_t> detach_after_bytes;
  std::optional<uint64_t> sync_cancel_after_bytes;
  std::optional<int64_t> error_code;
  std::string error_description;
  std::optional<PasscodePromptSpec> passcode_prompt;
  std::vector<MaliciousFileSpec> malicious_paths;
  std::optional<uint64_t> purge_disk_space_bytes;
  int purge_wait_ms = -1;
  std::optional<EndMarkerErrorSpec> end_marker_error;
  int start_delay_ms = 0;
  int afc_lock_busy_polls = 0;
};

struct Scenario {
  std::string name;
  nlohmann::json identity = nlohmann::json::object();  // NULL-domain lockdown values
  std::map<std::string, nlohmann::json> domains;       // other lockdown domains
  double clock_offset_seconds = 0;
  uint32_t device_id = 3;
  uint32_t product_id = 0x12a8;
  uint32_t location_id = 0x14100000;
  ConsentSpec consent;
  ContentSpec content;
  EncryptionSpec encryption;
  ProtocolSpec protocol;
  FaultSpec faults;

  // Convenience accessors on `identity`.
  std::string Udid() const;
  std::string IdentityString(const std::string& key) const;
};

// Throws ScenarioError naming the key at fault.
Scenario LoadScenario(const std::filesystem::path& path);
Scenario ParseScenario(const nlohmann::json& document, const std::filesystem::path& base_dir);

std::string_view ConsentStateName(ConsentState state);

}  // namespace mfx::extract::emulator
