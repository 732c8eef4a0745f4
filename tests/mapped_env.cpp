#include "tests/mapped_env.h"

namespace mfx::testing {

void MappedEnv::Map(const std::string& env_path, const std::filesystem::path& file) {
  files_[env_path] = file;
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::filesystem::path sibling = file.string() + suffix;
    if (std::filesystem::exists(sibling)) files_[env_path + suffix] = sibling;
  }
}

Result<std::unique_ptr<core::RandomAccessFile>> MappedEnv::Open(std::string_view path) const {
  auto it = files_.find(path);
  if (it == files_.end()) return Fail(ErrorCode::kNotFound, std::string(path) + ": not mapped");
  const std::string dir = it->second.parent_path().string();
  auto f = folders_.find(dir);
  if (f == folders_.end()) {
    MFX_ASSIGN_OR_RETURN(auto env, core::FolderEnv::Create(dir));
    f = folders_.emplace(dir, std::move(env)).first;
  }
  return f->second->Open(it->second.filename().string());
}

Result<core::FileStat> MappedEnv::Stat(std::string_view path) const {
  auto it = files_.find(path);
  if (it == files_.end()) return Fail(ErrorCode::kNotFound, std::string(path) + ": not mapped");
  std::error_code ec;
  core::FileStat st;
  st.size = std::filesystem::file_size(it->second, ec);
  return st;
}

std::vector<std::string> MappedEnv::List(std::string_view prefix) const {
  std::vector<std::string> out;
  for (const auto& [p, f] : files_) {
    if (p.starts_with(prefix)) out.push_back(p);
  }
  return out;
}

}  // namespace mfx::testing
