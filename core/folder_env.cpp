#include "core/folder_env.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mfx::core {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

class PosixFile final : public RandomAccessFile {
 public:
  PosixFile(int fd, uint64_t size, std::string name) : fd_(fd), size_(size), name_(std::move(name)) {}
  ~PosixFile() override { ::close(fd_); }

  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) const override {
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                                static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Fail(ErrorCode::kIo, name_ + ": read at offset " + std::to_string(offset + done) +
                                        ": " + ErrnoText(errno));
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }
  uint64_t Size() const override { return size_; }
  std::string Describe() const override { return name_; }

 private:
  int fd_;
  uint64_t size_;
  std::string name_;
};

FileKind KindOf(mode_t mode) {
  if (S_ISREG(mode)) return FileKind::kRegular;
  if (S_ISDIR(mode)) return FileKind::kDirectory;
  if (S_ISLNK(mode)) return FileKind::kSymlink;
  return FileKind::kOther;
}

}  // namespace

Result<std::unique_ptr<FolderEnv>> FolderEnv::Create(const std::filesystem::path& root) {
  const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return Fail(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                root.string() + ": cannot open folder: " + ErrnoText(err));
  }
  return std::unique_ptr<FolderEnv>(new FolderEnv(root, fd));
}

FolderEnv::~FolderEnv() { ::close(dir_fd_); }

Result<int> FolderEnv::OpenBeneath(std::string_view path, int flags) const {
  const std::string name(path);
  if (name.empty() || name.find('\0') != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "invalid path '" + name + "'");
  }
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dir_fd_, name.c_str(), &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    const int err = errno;
    if (err == EPERM && (how.flags & O_NOATIME)) {  // O_NOATIME needs file ownership
      how.flags &= ~static_cast<uint64_t>(O_NOATIME);
      continue;
    }
    if (err == ENOSYS) break;  // kernel < 5.6: fall back below
    const ErrorCode code = (err == ENOENT || err == ENOTDIR) ? ErrorCode::kNotFound
                           : (err == EXDEV || err == ELOOP)  ? ErrorCode::kUnsafePath
                                                             : ErrorCode::kIo;
    return Fail(code, (root_ / name).string() + ": " + ErrnoText(err));
  }
  // Fallback without openat2: refuse "..", absolute paths and symlinks ourselves.
  if (name.front() == '/' || name == ".." || name.starts_with("../") || name.ends_with("/..") ||
      name.find("/../") != std::string::npos) {
    return Fail(ErrorCode::kUnsafePath, name + ": path leaves the evidence folder");
  }
  const int fd = ::openat(dir_fd_, name.c_str(), flags | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    const int err = errno;
    return Fail(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                (root_ / name).string() + ": " + ErrnoText(err));
  }
  return fd;
}

Result<std::unique_ptr<RandomAccessFile>> FolderEnv::Open(std::string_view path) const {
  MFX_ASSIGN_OR_RETURN(int fd, OpenBeneath(path, O_RDONLY | O_NOATIME));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Fail(ErrorCode::kInvalidArgument, (root_ / path).string() + ": not a regular file");
  }
  return std::make_unique<PosixFile>(fd, static_cast<uint64_t>(st.st_size),
                                     (root_ / path).string());
}

Result<FileStat> FolderEnv::Stat(std::string_view path) const {
  MFX_ASSIGN_OR_RETURN(int fd, OpenBeneath(path, O_PATH));
  struct stat st {};
  const int rc = ::fstat(fd, &st);
  ::close(fd);
  if (rc != 0) return Fail(ErrorCode::kIo, (root_ / path).string() + ": " + ErrnoText(errno));
  return FileStat{KindOf(st.st_mode), static_cast<uint64_t>(st.st_size),
                  static_cast<int64_t>(st.st_mtim.tv_sec), static_cast<uint32_t>(st.st_mode)};
}

std::vector<std::string> FolderEnv::List(std::string_view prefix) const {
  std::vector<std::string> out;
  std::error_code ec;
  // Symlinks are listed by neither: directory_iterator does not follow them by default.
  for (auto it = std::filesystem::recursive_directory_iterator(root_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::string rel = it->path().lexically_relative(root_).generic_string();
    if (rel.starts_with(prefix)) out.push_back(std::move(rel));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string FolderEnv::Describe() const { return "folder " + root_.string(); }

}  // namespace mfx::core
