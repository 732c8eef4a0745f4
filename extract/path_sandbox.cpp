#include "extract/path_sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/bytes.h"

namespace mfx::extract {
namespace {

std::atomic<bool> g_force_walk{false};
// -1 unknown, 0 unavailable (ENOSYS, or refused by a seccomp filter), 1 available.
std::atomic<int> g_openat2{-1};

Error Errno(int e, std::string_view what) {
  return Error{e == ENOENT ? ErrorCode::kNotFound
               : (e == ELOOP || e == EXDEV) ? ErrorCode::kUnsafePath
                                            : ErrorCode::kIo,
               std::string(what) + ": " + std::strerror(e)};
}

std::vector<std::string_view> Components(std::string_view rel) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= rel.size()) {
    const size_t slash = rel.find('/', start);
    out.push_back(rel.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                     : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

// The structural checks shared by device paths and the sandbox's own arguments.
// Device paths may be 4096 bytes; the sandbox's own arguments a little more (".part" suffixes).
std::string PlainProblem(std::string_view path, size_t max_bytes = 4096 + 64) {
  if (path.empty()) return "empty path";
  if (path.size() > max_bytes) return "longer than " + std::to_string(max_bytes) + " bytes";
  if (path.find('\0') != std::string_view::npos) return "contains NUL";
  if (!IsValidUtf8(path)) return "not valid UTF-8";
  if (path.front() == '/') return "absolute path";
  if (path.find_first_of("\n\r\\") != std::string_view::npos) {
    return "contains a newline, carriage return or backslash";
  }
  for (std::string_view c : Components(path)) {
    if (c.empty()) return "empty path component";
    if (c == ".") return "'.' component";
    if (c == "..") return "'..' component";
  }
  return {};
}

long Openat2(int dirfd, const char* path, int flags, mode_t mode) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags);
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return ::syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

}  // namespace

std::string DevicePathProblem(std::string_view path, std::string_view udid) {
  if (std::string why = PlainProblem(path, 4096); !why.empty()) return why;
  const size_t slash = path.find('/');
  const std::string_view first = path.substr(0, slash);
  if (first != udid) {
    return "first component is not the device's UDID " + std::string(udid);
  }
  return {};
}

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void SandboxDir::ForceWalkForTesting(bool force) { g_force_walk = force; }

bool SandboxDir::UsingOpenat2() { return !g_force_walk && g_openat2.load() != 0; }

Result<SandboxDir> SandboxDir::Open(const std::filesystem::path& root) {
  const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return tl::unexpected(Errno(errno, root.string()));
  return SandboxDir(UniqueFd(fd), root);
}

Result<UniqueFd> SandboxDir::OpenBeneath(std::string_view rel, int flags, mode_t mode) {
  if (std::string why = PlainProblem(rel); !why.empty()) {
    return Fail(ErrorCode::kUnsafePath, SanitizeUtf8(rel) + ": " + why);
  }
  const std::string path(rel);
  flags |= O_NOFOLLOW | O_CLOEXEC;
  if (!g_force_walk && g_openat2.load() != 0) {
    const long fd = Openat2(root_.get(), path.c_str(), flags, mode);
    if (fd >= 0) {
      g_openat2 = 1;
      return UniqueFd(static_cast<int>(fd));
    }
    const int e = errno;
    if (e == ENAMETOOLONG) {
      // Longer than PATH_MAX as a whole: the walk below passes one component at a time.
    } else if (e != ENOSYS && e != EPERM && e != E2BIG) {
      return tl::unexpected(Errno(e, (path_ / path).string()));
    } else {
      g_openat2 = 0;  // unavailable here: the walk for the rest of the process
    }
  }
  // Component-wise: every directory opened with O_NOFOLLOW below the previous one.
  const std::vector<std::string_view> parts = Components(rel);
  UniqueFd current(::dup(root_.get()));
  if (!current) return tl::unexpected(Errno(errno, "dup"));
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string name(parts[i]);
    const int next =
        ::openat(current.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      const int e = errno;
      return tl::unexpected(Errno(e == ENOTDIR ? ELOOP : e, (path_ / path).string()));
    }
    current = UniqueFd(next);
  }
  const std::string leaf(parts.back());
  const int fd = ::openat(current.get(), leaf.c_str(), flags, mode);
  if (fd < 0) return tl::unexpected(Errno(errno, (path_ / path).string()));
  return UniqueFd(fd);
}

Status SandboxDir::MakeDirectories(std::string_view rel) {
  if (std::string why = PlainProblem(rel); !why.empty()) {
    return Fail(ErrorCode::kUnsafePath, SanitizeUtf8(rel) + ": " + why);
  }
  UniqueFd current(::dup(root_.get()));
  if (!current) return tl::unexpected(Errno(errno, "dup"));
  for (std::string_view part : Components(rel)) {
    const std::string name(part);
    if (::mkdirat(current.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
      return tl::unexpected(Errno(errno, (path_ / std::string(rel)).string()));
    }
    const int next =
        ::openat(current.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      const int e = errno;
      // A symlink or a file where a directory should be.
      return tl::unexpected(Errno(e == ENOTDIR ? EEXIST : e, (path_ / std::string(rel)).string()));
    }
    current = UniqueFd(next);
  }
  return {};
}

Result<std::pair<UniqueFd, std::string>> SandboxDir::Parent(std::string_view rel, bool create) {
  if (std::string why = PlainProblem(rel); !why.empty()) {
    return Fail(ErrorCode::kUnsafePath, SanitizeUtf8(rel) + ": " + why);
  }
  const size_t slash = rel.rfind('/');
  const std::string leaf(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
  if (slash == std::string_view::npos) {
    UniqueFd dir(::dup(root_.get()));
    if (!dir) return tl::unexpected(Errno(errno, "dup"));
    return std::make_pair(std::move(dir), leaf);
  }
  const std::string_view parent = rel.substr(0, slash);
  if (create) MFX_RETURN_IF_ERROR(MakeDirectories(parent));
  MFX_ASSIGN_OR_RETURN(UniqueFd dir, OpenBeneath(parent, O_RDONLY | O_DIRECTORY, 0));
  return std::make_pair(std::move(dir), leaf);
}

Result<UniqueFd> SandboxDir::CreateFile(std::string_view rel, mode_t mode) {
  MFX_ASSIGN_OR_RETURN(auto parent, Parent(rel, true));
  const int fd = ::openat(parent.first.get(), parent.second.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    const int e = errno;
    if (e == EEXIST) {
      return Fail(ErrorCode::kInvalidArgument,
                  (path_ / std::string(rel)).string() + ": already exists");
    }
    return tl::unexpected(Errno(e, (path_ / std::string(rel)).string()));
  }
  return UniqueFd(fd);
}

Result<UniqueFd> SandboxDir::OpenForRead(std::string_view rel) {
  MFX_ASSIGN_OR_RETURN(UniqueFd fd, OpenBeneath(rel, O_RDONLY, 0));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return tl::unexpected(Errno(errno, std::string(rel)));
  if (!S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kInvalidArgument,
                (path_ / std::string(rel)).string() + ": not a regular file");
  }
  return fd;
}

Result<struct stat> SandboxDir::Stat(std::string_view rel) {
  MFX_ASSIGN_OR_RETURN(auto parent, Parent(rel, false));
  struct stat st {};
  if (::fstatat(parent.first.get(), parent.second.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return tl::unexpected(Errno(errno, (path_ / std::string(rel)).string()));
  }
  return st;
}

Status SandboxDir::Rename(std::string_view from, std::string_view to, bool replace_file) {
  MFX_ASSIGN_OR_RETURN(auto source, Parent(from, false));
  MFX_ASSIGN_OR_RETURN(auto target, Parent(to, true));
  unsigned flags = RENAME_NOREPLACE;
  if (replace_file) {
    struct stat st {};
    if (::fstatat(target.first.get(), target.second.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (!S_ISREG(st.st_mode)) {
        return Fail(ErrorCode::kInvalidArgument,
                    (path_ / std::string(to)).string() + ": exists and is not a regular file");
      }
      flags = 0;
    }
  }
  if (::renameat2(source.first.get(), source.second.c_str(), target.first.get(),
                  target.second.c_str(), flags) != 0) {
    const int e = errno;
    if (e == EEXIST) {
      return Fail(ErrorCode::kInvalidArgument, (path_ / std::string(to)).string() +
                                                   ": already exists (not replaced)");
    }
    return tl::unexpected(Errno(e, (path_ / std::string(from)).string() + " → " + std::string(to)));
  }
  return {};
}

Result<std::vector<SandboxEntry>> SandboxDir::List(std::string_view rel) {
  MFX_ASSIGN_OR_RETURN(UniqueFd dir, OpenBeneath(rel, O_RDONLY | O_DIRECTORY, 0));
  const int dup_fd = ::dup(dir.get());
  if (dup_fd < 0) return tl::unexpected(Errno(errno, "dup"));
  DIR* stream = ::fdopendir(dup_fd);
  if (stream == nullptr) {
    ::close(dup_fd);
    return tl::unexpected(Errno(errno, std::string(rel)));
  }
  std::vector<SandboxEntry> entries;
  while (dirent* e = ::readdir(stream)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    SandboxEntry entry;
    entry.name = name;
    entry.directory = S_ISDIR(st.st_mode);
    entry.regular = S_ISREG(st.st_mode);
    entry.size = static_cast<uint64_t>(st.st_size);
    entry.mtime = st.st_mtim.tv_sec;
    entries.push_back(std::move(entry));
  }
  ::closedir(stream);
  return entries;
}

Result<std::vector<std::string>> SandboxDir::RemoveEmptyTree(std::string_view rel) {
  MFX_ASSIGN_OR_RETURN(struct stat st, Stat(rel));
  std::vector<std::string> kept;
  if (!S_ISDIR(st.st_mode)) {
    kept.emplace_back(rel);
    return kept;
  }
  MFX_ASSIGN_OR_RETURN(std::vector<SandboxEntry> entries, List(rel));
  for (const SandboxEntry& e : entries) {
    const std::string child = std::string(rel) + "/" + e.name;
    if (e.directory) {
      MFX_ASSIGN_OR_RETURN(std::vector<std::string> below, RemoveEmptyTree(child));
      kept.insert(kept.end(), below.begin(), below.end());
    } else {
      kept.push_back(child);
    }
  }
  if (kept.empty()) {
    MFX_ASSIGN_OR_RETURN(auto parent, Parent(rel, false));
    if (::unlinkat(parent.first.get(), parent.second.c_str(), AT_REMOVEDIR) != 0) {
      return tl::unexpected(Errno(errno, (path_ / std::string(rel)).string()));
    }
  }
  return kept;
}

Status SandboxDir::SyncDirectory(std::string_view rel) {
  UniqueFd dir;
  if (rel.empty()) {
    dir = UniqueFd(::dup(root_.get()));
  } else {
    MFX_ASSIGN_OR_RETURN(dir, OpenBeneath(rel, O_RDONLY | O_DIRECTORY, 0));
  }
  if (!dir || ::fsync(dir.get()) != 0) return tl::unexpected(Errno(errno, "fsync directory"));
  return {};
}

}  // namespace mfx::extract
