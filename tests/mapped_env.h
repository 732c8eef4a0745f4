#pragma once
// MappedEnv: an Env whose "domain/relativePath" names point at files on disk — used to present
// real device databases from ../shared/realdata (which keep device paths) to parsers as if they
// came from a backup. Map(env_path, file) also maps the -wal, -shm and -journal siblings that
// exist next to the file.

#include <filesystem>
#include <map>
#include <memory>

#include "core/env.h"
#include "core/folder_env.h"

namespace mfx::testing {

class MappedEnv final : public core::Env {
 public:
  void Map(const std::string& env_path, const std::filesystem::path& file);

  Result<std::unique_ptr<core::RandomAccessFile>> Open(std::string_view path) const override;
  Result<core::FileStat> Stat(std::string_view path) const override;
  std::vector<std::string> List(std::string_view prefix = {}) const override;
  std::string Describe() const override { return "mapped test env"; }

 private:
  std::map<std::string, std::filesystem::path, std::less<>> files_;
  mutable std::map<std::string, std::unique_ptr<core::FolderEnv>, std::less<>> folders_;
};

}  // namespace mfx::testing
