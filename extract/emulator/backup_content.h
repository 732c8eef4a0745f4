// What a backup sends: the file list (from the scenario or replayed from a plain backup folder),
// each file's bytes as a stream, and the metadata files the device uploads — Manifest.db (SQLite,
// NSKeyedArchiver MBFile blobs), Manifest.plist and Status.plist (FORMATS.md §1, DEVICE.md §6).
//
// With encryption the content is what a device sends for an encrypted backup: every file
// AES-256-CBC (zero IV, PKCS#7) with its own key, wrapped into MBFile EncryptionKey; Manifest.db
// encrypted whole (no padding) under ManifestKey; Manifest.plist and Status.plist in clear.
//
// Built once per backup request (keys are fresh each time, as on a device). Not thread-safe; each
// backup attempt owns its BackupContent.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "extract/emulator/crypto_util.h"
#include "extract/emulator/keybag.h"
#include "extract/emulator/scenario.h"

namespace mfx::extract::emulator {

class DeviceState;

struct BackupFile {
  std::string domain;
  std::string relative_path;
  std::string file_id;      // SHA-1 of "domain-relativePath"
  std::string device_path;  // where it lives on the phone (informational; the host ignores it)
  FileSpec spec;            // source and metadata
  uint64_t plaintext_size = 0;
  uint64_t sent_size = 0;         // bytes on the wire (ciphertext size when encrypted)
  std::vector<uint8_t> file_key;  // per-file AES key (encrypted backups)
};

// A stream of the bytes to send for one file.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Fills up to `size` bytes; returns 0 at the end.
  virtual size_t Read(uint8_t* out, size_t size) = 0;
  // SHA-256 of the plaintext read so far (differs from the sent bytes only when encrypted).
  virtual std::string PlaintextSha256() = 0;
};

class BackupContent {
 public:
  // Throws ScenarioError (bad replay folder) or CryptoError.
  BackupContent(const Scenario& scenario, DeviceState& device,
                const std::filesystem::path& work_dir, bool encrypted,
                const SecretString& password);

  bool encrypted() const { return encrypted_; }
  // Regular files to upload, in upload order.
  const std::vector<BackupFile>& files() const { return files_; }
  const std::vector<uint8_t>& manifest_db() const { return manifest_db_; }
  const std::vector<uint8_t>& manifest_plist() const { return manifest_plist_; }
  std::vector<uint8_t> StatusPlist(const std::string& snapshot_state) const;
  std::unique_ptr<ByteStream> Open(const BackupFile& file) const;
  // The keys of an encrypted backup, for the record (tests decrypt with them).
  nlohmann::ordered_json EncryptionInfo() const;

  static std::string FileId(const std::string& domain, const std::string& relative_path);

 private:
  void LoadReplay(const std::filesystem::path& folder);
  std::vector<uint8_t> MbFileArchive(const FileSpec& spec, uint64_t size,
                                     const std::vector<uint8_t>& encryption_key) const;
  void BuildManifestDb(const std::filesystem::path& work_dir);
  void BuildManifestPlist(DeviceState& device);

  const Scenario& scenario_;
  bool encrypted_;
  BackupKeybag keybag_;
  std::vector<uint8_t> manifest_key_;  // plaintext key of Manifest.db (encrypted backups)
  std::vector<FileSpec> entries_;      // every Manifest.db row (files, folders, symlinks)
  std::vector<BackupFile> files_;
  std::vector<uint8_t> manifest_db_;
  std::vector<uint8_t> manifest_plist_;
  std::string status_uuid_;
  double backup_date_ = 0;
  mutable uint64_t next_inode_ = 100000;
};

}  // namespace mfx::extract::emulator
