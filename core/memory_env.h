#pragma once
// MemoryEnv: an Env over files held in memory, for tests and for small derived views.

#include <map>

#include "core/env.h"

namespace mfx::core {

class MemoryEnv final : public Env {
 public:
  void Add(std::string path, Bytes contents, int64_t mtime_unix = 0);

  Result<std::unique_ptr<RandomAccessFile>> Open(std::string_view path) const override;
  Result<FileStat> Stat(std::string_view path) const override;
  std::vector<std::string> List(std::string_view prefix = {}) const override;
  std::string Describe() const override { return "memory"; }

 private:
  struct Entry {
    std::shared_ptr<const Bytes> contents;
    int64_t mtime_unix;
  };
  std::map<std::string, Entry, std::less<>> files_;
};

// A RandomAccessFile over bytes it shares ownership of.
std::unique_ptr<RandomAccessFile> MakeMemoryFile(std::shared_ptr<const Bytes> bytes,
                                                 std::string name);

}  // namespace mfx::core
