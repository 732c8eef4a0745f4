#include "core/direct_io.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

namespace mfx::core {

AlignedBuffer::AlignedBuffer(size_t size)
    : data_(static_cast<uint8_t*>(std::aligned_alloc(kDirectIoAlign, size))), size_(size) {
  if (!data_) throw std::bad_alloc();
}

bool DirectIoWorthwhile(const std::filesystem::path& dir) {
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0) return false;
  return fs.f_type != TMPFS_MAGIC && fs.f_type != RAMFS_MAGIC;
}

DirectWriter::DirectWriter(int fd, bool want_direct) : fd_(fd) {
  if (want_direct) direct_ = SetDirect(true);
}

Status DirectWriter::Write(std::span<const uint8_t> data, const std::string& name) {
  if (direct_) {
    const size_t whole = data.size() & ~(kDirectIoAlign - 1);
    if (whole > 0 && reinterpret_cast<uintptr_t>(data.data()) % kDirectIoAlign == 0) {
      const ssize_t n = ::write(fd_, data.data(), whole);
      if (n == static_cast<ssize_t>(whole)) {
        data = data.subspan(whole);
      } else if (n > 0) {
        data = data.subspan(static_cast<size_t>(n));  // short: the rest buffered below
      } else if (errno != EINVAL) {
        return Fail(ErrorCode::kIo, name + ": write: " + std::strerror(errno));
      }
    }
    // From here on the file is written through the page cache (a partial block, or EINVAL from a
    // filesystem or device that cannot take this direct write).
    if (!data.empty()) direct_ = !SetDirect(false);
  }
  return WriteAllFd(fd_, data, name);
}

bool DirectWriter::SetDirect(bool on) {
  const int flags = ::fcntl(fd_, F_GETFL);
  return flags >= 0 && ::fcntl(fd_, F_SETFL, on ? (flags | O_DIRECT) : (flags & ~O_DIRECT)) == 0;
}

Status WriteAllFd(int fd, std::span<const uint8_t> data, const std::string& name) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrorCode::kIo, name + ": write: " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace mfx::core
