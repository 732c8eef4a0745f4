#pragma once
// The evidence Env: the only door through which mfx reads evidence. It has no write methods.
//
// Modelled on leveldb's Env. A path is a '/'-separated name relative to the Env's root: a plain
// folder uses file-system paths, a backup view uses "domain/relativePath". Implementations:
// FolderEnv (a directory on disk), MemoryEnv (tests), parsers/backup BackupEnv (a backup, plain
// or decrypted on the fly).
//
// Thread-safety: every method of Env and RandomAccessFile is const and safe to call from several
// threads at once (reads use pread-style positional I/O).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace mfx::core {

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  // Reads up to out.size() bytes starting at offset into out. Returns the number of bytes read,
  // which is smaller than out.size() only at end of file (0 at or past the end).
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) const = 0;

  // The logical size: for a decrypting view, the plaintext size after padding is stripped.
  virtual uint64_t Size() const = 0;

  // Where the bytes come from, for messages: "/cases/b/3d/3d0d…" or "HomeDomain/Library/SMS/sms.db".
  virtual std::string Describe() const = 0;
};

enum class FileKind { kRegular, kDirectory, kSymlink, kOther };

struct FileStat {
  FileKind kind = FileKind::kRegular;
  uint64_t size = 0;
  int64_t mtime_unix = 0;  // seconds
  uint32_t mode = 0;       // POSIX mode with type bits, when known
};

class Env {
 public:
  virtual ~Env() = default;

  virtual Result<std::unique_ptr<RandomAccessFile>> Open(std::string_view path) const = 0;
  virtual Result<FileStat> Stat(std::string_view path) const = 0;

  // Regular files whose path starts with prefix (all when empty), sorted bytewise.
  virtual std::vector<std::string> List(std::string_view prefix = {}) const = 0;

  virtual std::string Describe() const = 0;

  bool Exists(std::string_view path) const { return Stat(path).has_value(); }
};

// Reads a whole file; refuses files larger than max_size (kInvalidArgument naming the file), so
// callers only slurp what is small by nature (plists, keybags).
Result<Bytes> ReadAll(const RandomAccessFile& file, uint64_t max_size);
Result<Bytes> ReadFile(const Env& env, std::string_view path, uint64_t max_size);

// Streams a file in chunks of chunk_size to sink(span); stops at the first sink error.
template <class Sink>
Status ForEachChunk(const RandomAccessFile& file, std::span<uint8_t> buffer, Sink&& sink) {
  uint64_t offset = 0;
  for (;;) {
    auto got = file.ReadAt(offset, buffer);
    if (!got) return tl::unexpected(got.error());
    if (*got == 0) return {};
    if (auto s = sink(std::span<const uint8_t>(buffer.data(), *got)); !s) return s;
    offset += *got;
    if (*got < buffer.size()) return {};
  }
}

}  // namespace mfx::core
