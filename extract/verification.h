#pragma once
// After the device says ErrorCode 0: is the acquired backup whole? (DEVICE.md §7.9)
//
//   - Status.plist says SnapshotState "finished";
//   - every Manifest.db row with flags 1 (a regular file) has a complete file (in the ledger, not
//     a .part) of the size the manifest records (for encrypted backups: that size padded to whole
//     AES blocks, PKCS#7);
//   - no .part file remains in the backup folder.
//
// The manifest is read through parsers/backup: Backup::Open copies Manifest.db (and any
// -wal/-shm) into a scratch folder before opening it, so the evidence is never opened in place
// (a read-only open of a WAL-mode database creates -wal/-shm beside it). An encrypted Manifest.db
// needs the password (the owner's, or the temporary one); without it the rows cannot be checked,
// which the result says.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/secret.h"
#include "extract/ledger.h"

namespace mfx::extract {

struct VerifyOptions {
  const core::SecretBytes* password = nullptr;  // for an encrypted backup
  // When set (and the backup is encrypted and opens), the derived key is written there (0600,
  // O_EXCL) for a later `mfx analyze --key-file`.
  std::filesystem::path key_file;
  std::filesystem::path scratch;  // where Manifest.db is copied; $TMPDIR when empty
};

struct VerificationResult {
  bool ok = false;
  std::string snapshot_state;  // "" when Status.plist is missing or unreadable
  bool manifest_checked = false;
  bool encrypted = false;
  bool key_file_written = false;
  uint64_t manifest_files = 0;  // rows with flags 1
  uint64_t verified_files = 0;
  std::vector<std::string> missing;        // "HomeDomain/Library/x (fileID)"
  std::vector<std::string> size_mismatch;  // "… (manifest N bytes, file M)"
  std::vector<std::string> part_files;     // relative to the backup folder
  std::vector<std::string> problems;       // everything that makes ok false, in words
  std::vector<std::string> notes;
  nlohmann::json ToJson() const;  // lists capped at 100 entries each
};

// `backup_dir` = <attempt>/<udid>; `prefix` = "<udid>/" (ledger paths are relative to the attempt
// folder).
VerificationResult VerifyAcquiredBackup(const std::filesystem::path& backup_dir,
                                        const Ledger& ledger, const VerifyOptions& options);

}  // namespace mfx::extract
