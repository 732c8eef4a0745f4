#pragma once
// One row of a backup manifest (Manifest.db Files row + its MBFile, or one Manifest.mbdb record),
// in a form shared by both eras.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"

namespace mfx::parsers::backup {

enum class EntryKind { kFile, kDirectory, kSymlink, kUnknown };
std::string_view EntryKindName(EntryKind kind);  // "file", "dir", "symlink", "unknown"

enum class ManifestFormat { kNone, kManifestDb, kMbdb };

struct ManifestEntry {
  std::string domain;
  std::string relative_path;  // as stored; mbdb bytes are not guaranteed UTF-8 and are kept raw
  std::string file_id;        // lowercase hex SHA-1 of domain + "-" + relativePath
  EntryKind kind = EntryKind::kUnknown;
  std::optional<int64_t> flags;  // Manifest.db Files.flags; absent for mbdb
  uint32_t mode = 0;             // POSIX mode with type bits
  std::optional<uint64_t> recorded_size;  // what the manifest says; can be stale either way
  uint64_t inode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<int64_t> birth;  // Unix seconds
  std::optional<int64_t> mtime;
  std::optional<int64_t> ctime;
  std::optional<int64_t> atime;  // mbdb only
  std::optional<uint32_t> protection_class;  // as recorded (MBFile ProtectionClass / mbdb byte)
  std::optional<Bytes> encryption_key;  // 44 bytes: u32 LE class + RFC 3394-wrapped key
  std::string target;                          // symlink target
  std::vector<std::pair<std::string, Bytes>> xattrs;   // MBFile ExtendedAttributes
  std::vector<std::pair<std::string, Bytes>> properties;  // mbdb properties, raw bytes
  std::optional<Bytes> digest;  // MBFile Digest / mbdb data hash (SHA-1 of the stored blob)
  // Where the row came from: Manifest.db rowid, or mbdb record number and byte offset.
  int64_t source_row = 0;
  std::optional<uint64_t> source_offset;
  std::string decode_error;  // non-empty when the MBFile blob could not be decoded

  // "domain/relativePath" (the Env path), or "domain" for a domain root.
  std::string Path() const {
    return relative_path.empty() ? domain : domain + "/" + relative_path;
  }
  // The class to use for decryption: ProtectionClass when recorded, else the key's prefix.
  std::optional<uint32_t> EffectiveClass() const;
};

// fileID = SHA-1 of UTF-8 bytes of domain + "-" + relativePath (FORMATS §1.8).
std::string ComputeFileId(std::string_view domain, std::string_view relative_path);

}  // namespace mfx::parsers::backup
