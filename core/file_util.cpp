#include "core/file_util.h"

#include <openssl/crypto.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mfx::core {

Result<std::string> HashFileHex(const std::filesystem::path& path, HashAlgorithm alg) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return Fail(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                path.string() + ": " + std::strerror(err));
  }
  Hasher hasher(alg);
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Fail(ErrorCode::kIo, path.string() + ": read: " + std::strerror(err));
    }
    if (n == 0) break;
    hasher.Update(ByteSpan(buf.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return hasher.FinishHex();
}

Status WriteFileAtomic(const std::filesystem::path& path, ByteSpan bytes, unsigned mode) {
  const std::filesystem::path tmp = path.string() + ".tmp-mfx";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                        static_cast<mode_t>(mode));
  if (fd < 0) return Fail(ErrorCode::kIo, tmp.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Fail(ErrorCode::kIo, tmp.string() + ": write: " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Fail(ErrorCode::kIo, tmp.string() + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Fail(ErrorCode::kIo, path.string() + ": rename: " + std::strerror(errno));
  }
  return {};
}

Result<std::string> ReadTextFile(const std::filesystem::path& path, size_t max_size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return Fail(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                path.string() + ": " + std::strerror(err));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Fail(ErrorCode::kIo, path.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_size) {
      ::close(fd);
      return Fail(ErrorCode::kInvalidArgument, path.string() + ": larger than expected");
    }
  }
  ::close(fd);
  return out;
}

Result<std::string> ReadFirstLine(const std::filesystem::path& path) {
  MFX_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, 64 * 1024));
  const size_t end = text.find_first_of("\r\n");
  std::string line = text.substr(0, end);
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  return line;
}

}  // namespace mfx::core
