#include "core/memory_env.h"

#include <algorithm>
#include <cstring>

namespace mfx::core {
namespace {

class MemoryFile final : public RandomAccessFile {
 public:
  MemoryFile(std::shared_ptr<const Bytes> bytes, std::string name)
      : bytes_(std::move(bytes)), name_(std::move(name)) {}
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) const override {
    if (offset >= bytes_->size()) return size_t{0};
    const size_t n = std::min<uint64_t>(out.size(), bytes_->size() - offset);
    std::memcpy(out.data(), bytes_->data() + offset, n);
    return n;
  }
  uint64_t Size() const override { return bytes_->size(); }
  std::string Describe() const override { return name_; }

 private:
  std::shared_ptr<const Bytes> bytes_;
  std::string name_;
};

}  // namespace

std::unique_ptr<RandomAccessFile> MakeMemoryFile(std::shared_ptr<const Bytes> bytes,
                                                 std::string name) {
  return std::make_unique<MemoryFile>(std::move(bytes), std::move(name));
}

void MemoryEnv::Add(std::string path, Bytes contents, int64_t mtime_unix) {
  files_[std::move(path)] = Entry{std::make_shared<const Bytes>(std::move(contents)), mtime_unix};
}

Result<std::unique_ptr<RandomAccessFile>> MemoryEnv::Open(std::string_view path) const {
  auto it = files_.find(path);
  if (it == files_.end()) return Fail(ErrorCode::kNotFound, std::string(path) + ": no such file");
  return MakeMemoryFile(it->second.contents, std::string(path));
}

Result<FileStat> MemoryEnv::Stat(std::string_view path) const {
  auto it = files_.find(path);
  if (it == files_.end()) return Fail(ErrorCode::kNotFound, std::string(path) + ": no such file");
  return FileStat{FileKind::kRegular, it->second.contents->size(), it->second.mtime_unix, 0100444};
}

std::vector<std::string> MemoryEnv::List(std::string_view prefix) const {
  std::vector<std::string> out;
  for (const auto& [path, entry] : files_) {
    if (path.starts_with(prefix)) out.push_back(path);
  }
  return out;
}

}  // namespace mfx::core
