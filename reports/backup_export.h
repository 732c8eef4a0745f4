#pragma once
// `mfx backup export`: writes a backup's files as DEST/<domain>/<relativePath>.
//
// Safety: every path is checked component by component; a path that would leave DEST ("..",
// absolute, empty or overlong components, a component that is also a file) is refused and the file
// is still written, under DEST/_mfx_unsafe_paths/<fileID>, with a line in the summary. Directories
// are created with mkdirat/openat(O_NOFOLLOW) below a descriptor of DEST, files with
// O_CREAT|O_EXCL|O_NOFOLLOW, and symlinks from the backup are never created (they are listed), so
// nothing the backup says can redirect a write. DEST must be empty and must not lie inside the
// backup folder.
//
// Streaming: files are copied in 1 MiB chunks (decrypted on the fly) and hashed (SHA-256) while
// written, on up to `threads` workers. Modification times are kept.
//
// Direct I/O: a file of 4 MiB or more is written with O_DIRECT, from the buffer to the device
// without passing through the page cache (the tail that is not a whole 4 KiB block, buffered). On
// the development machine's ext4 a buffered export of 2.1 GiB spent 5.3 s of kernel CPU on page-cache
// writeback (624 MiB/s); `dd oflag=direct` writes the same bytes for 0.17 s. It also keeps a large
// export from evicting everything else from memory. A filesystem that refuses O_DIRECT gets
// buffered writes; `direct_io = false` (`--no-direct-io`) asks for buffered writes everywhere.

#include <filesystem>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/result.h"
#include "parsers/backup/backup.h"

namespace mfx::reports {

struct ExportOptions {
  std::string domain;  // only this domain when non-empty
  unsigned threads = 2;
  bool direct_io = true;
  core::Progress::Mode progress = core::Progress::Mode::kAuto;
};

struct ExportedFile {
  std::string source;  // domain/relativePath
  std::string dest;    // relative to DEST
  uint64_t size = 0;
  std::string sha256;
};

struct ExportSummary {
  std::vector<ExportedFile> exported;
  std::vector<std::string> refused;     // unsafe paths, each with where the file went instead
  std::vector<std::string> missing;     // manifest rows without a payload
  std::vector<std::string> failed;      // payloads that could not be read/decrypted/written
  std::vector<std::string> symlinks;    // "path -> target", not created
  // Exported, but the size differs from the manifest's (stale sizes are common; an empty payload
  // for a non-empty file is not).
  std::vector<std::string> size_differences;
  uint64_t bytes = 0;
  uint64_t directories = 0;
  double seconds = 0;
};

inline constexpr const char* kUnsafeFolder = "_mfx_unsafe_paths";
inline constexpr const char* kExportHashList = "mfx-export.sha256";
inline constexpr const char* kExportReport = "mfx-export-report.txt";

// Why a domain + relative path cannot be used as a destination, or "" when it can.
std::string UnsafePathReason(std::string_view domain, std::string_view relative_path);

Result<ExportSummary> ExportBackup(const parsers::backup::Backup& backup,
                                   const std::filesystem::path& dest, const ExportOptions& options);

}  // namespace mfx::reports
