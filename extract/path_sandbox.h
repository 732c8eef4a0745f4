#pragma once
// Where device-supplied paths may land: below one directory, never elsewhere (DEVICE.md §7.4).
//
// 1.3.0 joins the device's destination onto the backup folder as text, so "<udid>/../../x" writes
// outside it. mfx checks every device path (DevicePathProblem) and then opens it below a directory
// file descriptor without following any symlink: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
// where the kernel has it (Linux ≥ 5.6), otherwise a component-wise openat walk with O_NOFOLLOW.
// Either way a path can neither climb out nor pass through a link planted inside.
//
// Not thread-safe per object; every method works relative to the root descriptor, so renaming the
// root folder meanwhile does not redirect writes.

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace mfx::extract {

// Why a device path is refused, or "" when it is acceptable: empty, longer than 4096 bytes, not
// valid UTF-8, containing NUL, absolute, with an empty, "." or ".." component, with a newline,
// carriage return or backslash (names the case seal cannot list), or whose first component is not
// `udid` (every destination of a backup lies below <udid>/).
std::string DevicePathProblem(std::string_view path, std::string_view udid);

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = other.Release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset();

 private:
  int fd_ = -1;
};

struct SandboxEntry {
  std::string name;
  bool directory = false;
  bool regular = false;
  uint64_t size = 0;
  int64_t mtime = 0;
};

class SandboxDir {
 public:
  // Opens an existing directory (O_DIRECTORY | O_NOFOLLOW).
  static Result<SandboxDir> Open(const std::filesystem::path& root);
  SandboxDir(SandboxDir&&) = default;
  SandboxDir& operator=(SandboxDir&&) = default;

  // Relative paths below are '/'-separated and must pass the plain checks of DevicePathProblem
  // (the UDID rule aside); a violation is kUnsafePath.

  // Creates every missing directory of `rel` (mode 0755).
  Status MakeDirectories(std::string_view rel);
  // Creates a new regular file (O_CREAT | O_EXCL | O_NOFOLLOW, write-only), creating missing
  // parent directories. EEXIST is kInvalidArgument.
  Result<UniqueFd> CreateFile(std::string_view rel, mode_t mode = 0644);
  // Opens an existing regular file for reading (no symlink anywhere on the way).
  Result<UniqueFd> OpenForRead(std::string_view rel);
  // lstat of `rel`; kNotFound when absent.
  Result<struct stat> Stat(std::string_view rel);
  // rename(2) below the root. `replace_file`: an existing regular file at `to` is replaced
  // (atomically); otherwise an existing `to` is kInvalidArgument (RENAME_NOREPLACE).
  Status Rename(std::string_view from, std::string_view to, bool replace_file);
  // Removes `rel` if it is a directory tree holding only (empty) directories; returns the
  // regular files that kept it (nothing is deleted then beyond empty directories).
  Result<std::vector<std::string>> RemoveEmptyTree(std::string_view rel);
  Result<std::vector<SandboxEntry>> List(std::string_view rel);
  // fsync of the directory holding `rel` (or of `rel` itself when it is a directory).
  Status SyncDirectory(std::string_view rel);
  int fd() const { return root_.get(); }
  const std::filesystem::path& path() const { return path_; }

  // Tests: use the openat walk even where openat2 works.
  static void ForceWalkForTesting(bool force);
  // True when openat2 is in use in this process.
  static bool UsingOpenat2();

 private:
  SandboxDir(UniqueFd root, std::filesystem::path path)
      : root_(std::move(root)), path_(std::move(path)) {}
  // Opens `rel` below the root with `flags` (O_NOFOLLOW is added), never through a symlink.
  Result<UniqueFd> OpenBeneath(std::string_view rel, int flags, mode_t mode);
  // The parent directory of `rel` (created when `create`) and the last component.
  Result<std::pair<UniqueFd, std::string>> Parent(std::string_view rel, bool create);

  UniqueFd root_;
  std::filesystem::path path_;
};

}  // namespace mfx::extract
