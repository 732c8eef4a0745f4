#pragma once
// Writing large outputs with O_DIRECT: from an aligned buffer straight to the device, without the
// page cache. On the development machine (ext4 on a virtio disk) buffered writes of 2 GiB cost
// 4–5 s of kernel CPU in page-cache writeback, direct writes 0.2 s; a case's exports and a backup
// export are written once and read later, so keeping them in memory helps nothing and evicts
// everything else. Whole 4 KiB blocks go direct; a file's tail, and every write on a filesystem
// that refuses O_DIRECT, go through the page cache.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "core/result.h"

namespace mfx::core {

inline constexpr size_t kDirectIoAlign = 4096;

// A buffer of `size` bytes (a multiple of kDirectIoAlign) aligned for O_DIRECT; throws
// std::bad_alloc when it cannot be had.
class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t size);
  uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  std::span<uint8_t> span() const { return {data_.get(), size_}; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_;
};

// Whether direct writes are worth asking for in `dir`: not on memory-backed filesystems (tmpfs
// takes O_DIRECT since Linux 6.6 but copies anyway, more slowly: an export to /dev/shm ran at
// 1195 MiB/s direct against 1940 buffered), nor where the filesystem cannot be told.
bool DirectIoWorthwhile(const std::filesystem::path& dir);

// Sequential writes to one file (fd not owned): direct while the data comes in whole aligned
// blocks from aligned memory at aligned offsets, buffered from the first write that does not (a
// tail) or that the filesystem refuses (EINVAL). Errors name `name`.
class DirectWriter {
 public:
  DirectWriter(int fd, bool want_direct);
  Status Write(std::span<const uint8_t> data, const std::string& name);
  bool direct() const { return direct_; }

 private:
  bool SetDirect(bool on);
  int fd_;
  bool direct_ = false;
};

// write(2) until every byte is written (EINTR retried); errors name `name`.
Status WriteAllFd(int fd, std::span<const uint8_t> data, const std::string& name);

}  // namespace mfx::core
