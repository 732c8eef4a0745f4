#pragma once
// File-tree helpers shared by the case folder, sealing and verify: a walk that never follows
// links, parallel streaming SHA-256, and the GNU sha256sum list format.
//
// Order: every list is sorted bytewise (std::string's operator<), which is `LC_ALL=C sort`.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/progress.h"
#include "core/result.h"

namespace mfx::reports {

enum class TreeEntryKind { kRegular, kSymlink, kOther };  // kOther: device, FIFO, socket

struct TreeEntry {
  std::string path;  // relative to the root, '/'-separated
  TreeEntryKind kind = TreeEntryKind::kRegular;
  uint64_t size = 0;
};

// Every non-directory entry below root, without following symlinks (a symlink to a directory is
// listed as a symlink, never entered). Sorted bytewise. Fails when root cannot be read.
Result<std::vector<TreeEntry>> WalkTree(const std::filesystem::path& root);

struct FileHash {
  std::string path;
  uint64_t size = 0;
  std::string sha256;  // "" when error is set
  std::string error;   // why the file could not be hashed ("" on success)
  bool missing = false;
};

// A SHA-256 this process took of a file it had just written or read, with the size and
// modification time (ns) the file had then. The seal reuses it while both still match, rather
// than reading the file a second time (mfx verify always re-reads everything).
struct KnownHash {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string sha256;
};

// `sha256` stamped with the size and mtime `file` has now (lstat: a symlink is never followed);
// nullopt when it cannot be stat'ed or is not a regular file.
std::optional<KnownHash> StampHash(const std::filesystem::path& file, std::string sha256);

// Whether two stamps saw the file in the same state (size and mtime; the hashes are not compared).
inline bool SameState(const KnownHash& a, const KnownHash& b) {
  return a.size == b.size && a.mtime_ns == b.mtime_ns;
}

// Streams root/<path> for each path through SHA-256 on `threads` workers (0 = the machine's
// cores). Files are opened beneath root without following any symlink (FolderEnv). Results are
// in the order of `paths`; per-file failures are reported in FileHash::error, not as a Result
// error (which only means root itself cannot be opened).
Result<std::vector<FileHash>> HashFiles(const std::filesystem::path& root,
                                        const std::vector<std::string>& paths, unsigned threads = 0,
                                        core::Progress* progress = nullptr);

// One sha256sum line: "<hex>  <path>\n", GNU-escaped ("\\" prefix, "\\n", "\\r", "\\\\") when
// the path holds a newline, carriage return or backslash — exactly what coreutils 9.1 writes.
std::string Sha256sumLine(std::string_view sha256_hex, std::string_view path);

struct Sha256sumEntry {
  std::string sha256;
  std::string path;  // unescaped
};
struct Sha256sumParse {
  std::vector<Sha256sumEntry> entries;
  std::vector<std::string> errors;  // "line 3: …"
};
// Parses a sha256sum list strictly: lowercase 64-hex, two spaces (text mode; '*' binary mode is
// refused), LF line ends, a final newline. Escaped lines are accepted (and unescaped) only when
// allow_escapes.
Sha256sumParse ParseSha256sumList(std::string_view text, bool allow_escapes);

// Why a manifest path is unsafe ("" when fine): empty, absolute, "./" or "." / ".." components,
// empty components, newline, carriage return, backslash or NUL.
std::string UnsafeRelativePath(std::string_view path);

// True when `inner` is `outer` or lies below it (both made absolute and canonical where they
// exist).
bool IsWithin(const std::filesystem::path& inner, const std::filesystem::path& outer);

unsigned DefaultThreads();

}  // namespace mfx::reports
