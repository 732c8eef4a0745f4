#pragma once
// A consented logical acquisition, start to end (DEVICE.md §2–7, CUSTODY.md §3.3).
//
//   1. device: resolve the UDID; plain lockdown (QueryType, public identity); usbmuxd pair record.
//      Nothing here can pair or change the phone.
//   2. consent gate: the record (already validated by LoadConsentRecord) is compared with the
//      phone's public identity (UDID, ProductType); a mismatch refuses. Only then
//      hooks.RecordConsent (consent_recorded).
//   3. pairing: an existing record must still be trusted (a stale one — InvalidHostID — needs
//      `re_pair`, a new consent step); without one, the Trust dialog state machine (pairing.h).
//      Each outcome is a `pairing` event.
//   4. identity in a session (serial, IMEI, number, clock vs host clock): `device_identified`;
//      the form's serial / IMEI / number are compared now (a mismatch refuses).
//   5. encryption: as the phone has it, with the owner's password (kept for decryption only), or
//      a temporary password (scope must allow it; refused when the phone already encrypts with a
//      password mfx does not know): `temp_password_set`.
//   6. notification_proxy, AFC sync lock, usbmuxd events, mobilebackup2 (EscrowBag); a new
//      attempt folder evidence/<id>/attempt-N with its ledger; Info.plist (host-made);
//      `acquisition_started`; the backup (backup_host.h).
//   7. the end, whatever happened: the open file is kept as .part; the sync lock released and
//      syncDidFinish posted (best effort); after ErrorCode 0 the backup is verified
//      (verification.h); the temporary password is removed — reconnecting if the connection is
//      gone — and `temp_password_removed` or `temp_password_removal_failed` (loud) recorded; the
//      ledger saved; `acquisition_completed` / `acquisition_interrupted` / `acquisition_failed`.
//
// How the examiner decrypts a backup made with a temporary password: the password never leaves
// memory and is never written, but right after the backup (step 7) mfx opens the acquired backup
// with it and writes the derived key (the backup keybag's KEK, 64 hex digits, mode 0600) to
// `key_file` — a path the examiner chose outside the case folder (e.g. on an encrypted key
// store). `mfx analyze BACKUP --key-file FILE` opens the backup with it. The key unlocks only this
// backup (its keybag salt), not the phone and not the owner's password; it is as sensitive as
// the evidence and must not be put into the sealed case, which the CLI refuses.
//
// Not thread-safe; one acquisition per process (SIGPIPE must be ignored: mfx's main does).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/secret.h"
#include "extract/acquisition_hooks.h"
#include "extract/acquisition_progress.h"
#include "extract/consent.h"
#include "extract/device_identity.h"

namespace mfx::extract {

enum class EncryptionMode {
  kAsIs,           // no password given: whatever the phone does (encrypted backups need the
                   // owner's password later)
  kOwnerPassword,  // the owner's existing backup password, for decryption later (never stored)
  kTemporary,      // mfx sets a random temporary password for the acquisition and removes it
};

struct AcquireOptions {
  std::optional<std::string> udid;
  std::filesystem::path evidence_dir;  // CASE/evidence/<id>; attempt-N is created below it
  std::string evidence_id;
  std::string evidence_label;          // "evidence/E-01", for custody and messages
  bool full = true;
  EncryptionMode encryption = EncryptionMode::kAsIs;
  const core::SecretBytes* owner_password = nullptr;  // kOwnerPassword
  std::filesystem::path key_file;  // kTemporary: where the derived key goes (outside the case)
  std::filesystem::path scratch;   // working copies (the case's .scratch)
  bool re_pair = false;            // a stale pair record may be replaced (new Trust dialog)
  std::chrono::milliseconds pair_timeout{std::chrono::minutes(3)};
  std::chrono::milliseconds pair_poll{1000};
  std::chrono::milliseconds stall_timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds passcode_timeout{std::chrono::minutes(6)};
  std::chrono::milliseconds reconnect_timeout{std::chrono::minutes(2)};
  bool hash = true;  // off only for the throughput benchmark
  AcquisitionProgress* progress = nullptr;
};

enum class AcquireStatus {
  kCompleted,    // ErrorCode 0 and the backup verified
  kIncomplete,   // ErrorCode 0 but verification found missing / short / partial files
  kInterrupted,  // the backup started and did not finish (cable, stall, device error, cancel)
  kFailed,       // could not start (connection, pairing, service, encryption)
  kRefused,      // the consent gate refused
};
std::string_view AcquireStatusName(AcquireStatus status);

struct AcquireResult {
  AcquireStatus status = AcquireStatus::kFailed;
  std::string message;  // one line for the examiner
  std::string udid;
  int attempt = 0;                     // 0 when no attempt folder was made
  std::filesystem::path attempt_dir;   // evidence/<id>/attempt-N
  std::filesystem::path backup_dir;    // …/attempt-N/<udid>
  nlohmann::json identity = nlohmann::json::object();
  nlohmann::json detail = nlohmann::json::object();  // for the evidence registration
  bool temporary_password_left = false;  // the phone still has mfx's temporary password
  bool key_file_written = false;
};

// Runs the acquisition. Errors are only for failures to write custody events or the ledger (the
// case is then in doubt); device trouble of every kind is a status.
Result<AcquireResult> Acquire(const ConsentRecord& consent, const AcquireOptions& options,
                              AcquisitionHooks& hooks);

// Every attempt folder below an exhibit folder, read from its ledger.
struct AttemptSummary {
  int attempt = 0;
  std::string udid;
  std::string status;
  std::filesystem::path dir;
};
Result<std::vector<AttemptSummary>> ListAttempts(const std::filesystem::path& evidence_dir);

// Every file of the exhibit folder, for its hash list (paths relative to evidence_dir,
// "attempt-2/<udid>/Manifest.db"): the complete files with their hashes as received, the partial
// files (.part) with the hash of the bytes received, each attempt's ledger, and — should a crash
// have left any — files no ledger accounts for (hashed now). `mfx verify` re-hashes the exhibit
// and reports any file missing from this list, so everything must be in it; what each one is
// stays in the ledgers. Attempts without hashes (benchmark) are refused (kInvalidArgument).
struct EvidenceFile {
  std::string path;
  uint64_t size = 0;
  std::string sha256;
  std::string kind;  // "complete", "partial", "ledger", "unaccounted"
};
Result<std::vector<EvidenceFile>> CollectEvidenceFiles(const std::filesystem::path& evidence_dir);

// Info.plist of a backup, made by the host from the identity (the device never sends one).
Bytes BuildInfoPlist(const DeviceIdentity& identity);

}  // namespace mfx::extract
