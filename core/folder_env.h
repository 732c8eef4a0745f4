#pragma once
// FolderEnv: a directory on disk as a read-only Env.
//
// Files are opened O_RDONLY|O_NOFOLLOW|O_NOATIME (atime untouched where permitted) below a
// directory descriptor with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), so no path — "..",
// absolute, or through a symlink — reaches outside the root. Reads use pread.

#include <filesystem>
#include <memory>

#include "core/env.h"

namespace mfx::core {

class FolderEnv final : public Env {
 public:
  // Fails with kNotFound / kIo when root is not a readable directory.
  static Result<std::unique_ptr<FolderEnv>> Create(const std::filesystem::path& root);
  ~FolderEnv() override;

  Result<std::unique_ptr<RandomAccessFile>> Open(std::string_view path) const override;
  Result<FileStat> Stat(std::string_view path) const override;
  std::vector<std::string> List(std::string_view prefix = {}) const override;
  std::string Describe() const override;

  const std::filesystem::path& root() const { return root_; }

 private:
  FolderEnv(std::filesystem::path root, int dir_fd) : root_(std::move(root)), dir_fd_(dir_fd) {}
  Result<int> OpenBeneath(std::string_view path, int flags) const;

  std::filesystem::path root_;
  int dir_fd_;
};

}  // namespace mfx::core
