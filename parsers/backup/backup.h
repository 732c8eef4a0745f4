#pragma once
// A backup folder opened read-only: its plists, its manifest (either era), its encryption, and an
// Env that maps "domain/relativePath" to the payload bytes, decrypted on the fly when the backup
// is encrypted and unlocked.
//
// Nothing in the backup folder is ever written: files are opened through a FolderEnv
// (O_RDONLY|O_NOFOLLOW, no atime update where permitted), and an encrypted Manifest.db is
// decrypted into a private scratch folder that is removed before Open returns.
//
// Damage does not stop Open: missing blobs, stale sizes, a missing Manifest.plist, undecodable
// rows or records become notes(); only a backup with no usable manifest at all, or a wrong
// password, fails.
//
// The root plists (Info.plist, Manifest.plist, Status.plist) have no manifest row, yet parsers of
// device identity and installed apps need them. env() therefore also presents them, read-only and
// as stored, under the reserved pseudo-domain kBackupRootDomain: "BackupRoot/Info.plist",
// "BackupRoot/Manifest.plist", "BackupRoot/Status.plist" (when the file exists in the folder).
// No real backup domain has that name; entries(), Find() and exports are not affected.
//
// Thread-safety: after Open, every const method may be called from several threads.

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/env.h"
#include "core/folder_env.h"
#include "core/secret.h"
#include "parsers/backup/backup_plists.h"
#include "parsers/backup/keybag.h"
#include "parsers/backup/manifest_entry.h"

namespace mfx::parsers::backup {

// The pseudo-domain of the backup folder's root plists in Backup::env() (see above).
inline constexpr std::string_view kBackupRootDomain = "BackupRoot";
inline constexpr std::array<std::string_view, 3> kBackupRootFiles = {"Info.plist", "Manifest.plist",
                                                                     "Status.plist"};

struct BackupNote {
  enum class Level { kInfo, kWarning, kError };
  Level level = Level::kInfo;
  std::string message;
};
std::string_view NoteLevelName(BackupNote::Level level);

struct EncryptionState {
  // "Was encrypted" and "is encrypted now" are separate facts (FORMATS §2.8).
  bool was_encrypted = false;
  std::vector<std::string> was_encrypted_evidence;  // "IsEncrypted", "ManifestKey", "EncryptionKey"
  bool manifest_encrypted = false;  // Manifest.db is ciphertext on disk
  bool blobs_encrypted = false;     // payload files need decryption
  std::string blobs_decision;       // why blobs_encrypted was decided, for the report
  bool unlocked = false;            // class keys are available
  std::optional<Keybag> keybag;
  std::vector<uint32_t> classes_unlocked;
  std::vector<uint32_t> classes_not_recoverable;
  std::vector<uint32_t> classes_unsupported;
  bool key_from_key_file = false;
  bool key_file_written = false;
};

struct OpenOptions {
  // The backup password (UTF-8). Not copied beyond the derivation.
  const core::SecretBytes* password = nullptr;
  // A file holding the 32-byte derived key as 64 hex characters. When it exists it is used
  // instead of the password (no 10M-round derivation); when it does not and a password is given,
  // the derived key is written there (mode 0600, O_EXCL).
  std::filesystem::path key_file;
  // Where a decrypted Manifest.db is placed while it is read ($TMPDIR when empty).
  std::filesystem::path scratch_parent;
};

// A payload whose stored size is not what the manifest records (after AES padding when encrypted).
struct SizeDifference {
  std::string path;  // domain/relativePath
  uint64_t stored = 0;
  uint64_t recorded = 0;
};

struct BlobInfo {
  std::string path;  // relative to the backup folder ("3d/3d0d…" or "3d0d…"); empty when absent
  uint64_t size = 0;
  bool present = false;
};

class Backup {
 public:
  static Result<std::unique_ptr<Backup>> Open(const std::filesystem::path& folder,
                                              const OpenOptions& options = {});
  ~Backup();

  const std::filesystem::path& folder() const { return folder_; }
  ManifestFormat manifest_format() const { return format_; }
  const std::optional<InfoPlist>& info() const { return info_; }
  const std::optional<StatusPlist>& status() const { return status_; }
  const std::optional<ManifestPlist>& manifest_plist() const { return manifest_plist_; }
  // Info.plist identity, completed from Manifest.plist Lockdown.
  const DeviceIdentity& identity() const { return identity_; }
  const EncryptionState& encryption() const { return encryption_; }
  const std::vector<ManifestEntry>& entries() const { return entries_; }
  const BlobInfo& blob(size_t entry_index) const { return blobs_[entry_index]; }
  const std::vector<BackupNote>& notes() const { return notes_; }
  // Regular files of the folder that no manifest row names and that are not its root files
  // (hashed as evidence, never read as backup content), relative to the folder, sorted.
  const std::vector<std::string>& unlisted_files() const { return unlisted_files_; }
  const std::vector<SizeDifference>& size_differences() const { return size_differences_; }

  // "domain/relativePath" → payload; regular files only.
  const core::Env& env() const;
  // The backup folder itself, file by file (for hashing it as evidence).
  const core::Env& folder_env() const { return *folder_env_; }

  const ManifestEntry* Find(std::string_view path) const;
  size_t IndexOf(const ManifestEntry& entry) const { return static_cast<size_t>(&entry - entries_.data()); }

  // The payload of a regular-file entry, decrypted when the backup is encrypted. Errors name the
  // entry: kNotFound (blob missing), kInvalidArgument (encrypted and locked), kCorrupt (bad
  // padding or key), kUnsupported (class key not recoverable off-device).
  Result<std::unique_ptr<core::RandomAccessFile>> OpenEntry(const ManifestEntry& entry) const;

 private:
  class View;
  Backup() = default;
  Status Load(const OpenOptions& options);
  Status LoadPlists();
  Status Unlock(const OpenOptions& options);
  Status LoadManifestDb(const OpenOptions& options);
  Status LoadMbdb();
  void LocateBlobs();
  void DecideBlobEncryption();
  void NoteUnlistedAndResized();
  void Note(BackupNote::Level level, std::string message);
  Result<core::SecretBytes> FileKey(const ManifestEntry& entry) const;

  std::filesystem::path folder_;
  std::unique_ptr<core::FolderEnv> folder_env_;
  std::unique_ptr<View> view_;
  ManifestFormat format_ = ManifestFormat::kNone;
  std::optional<InfoPlist> info_;
  std::optional<StatusPlist> status_;
  std::optional<ManifestPlist> manifest_plist_;
  DeviceIdentity identity_;
  EncryptionState encryption_;
  ClassKeys class_keys_;
  std::vector<ManifestEntry> entries_;
  std::vector<BlobInfo> blobs_;
  std::unordered_map<std::string, size_t> by_path_;  // regular files only
  std::vector<std::string> file_paths_;              // sorted, for List()
  std::vector<BackupNote> notes_;
  std::vector<std::string> unlisted_files_;
  std::vector<SizeDifference> size_differences_;
};

// Writes the derived key as 64 hex characters + newline, mode 0600, refusing to overwrite.
Status WriteKeyFile(const std::filesystem::path& path, std::span<const uint8_t> kek);
Result<core::SecretBytes> ReadKeyFile(const std::filesystem::path& path);

}  // namespace mfx::parsers::backup
