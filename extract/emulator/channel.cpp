#include "extract/emulator/channel.h"

#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace mfx::extract::emulator {
namespace {

int AcceptAnyClientCertificate(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) {
  // The pair record's RootCertificate is self-signed and unknown to OpenSSL; the caller compares
  // the presented certificate with the one the device trusts after the handshake.
  return 1;
}

int TlsVersionFromName(std::string_view name) {
  if (name == "1.0") return TLS1_VERSION;
  if (name == "1.1") return TLS1_1_VERSION;
  if (name == "1.2") return TLS1_2_VERSION;
  if (name == "1.3") return TLS1_3_VERSION;
  return 0;
}

std::string OpenSslErrors() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "no OpenSSL error queued" : text;
}

}  // namespace

SslCtxPtr MakeDeviceTlsContext(EVP_PKEY* device_key, X509* device_cert,
                               std::string_view max_version) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) throw ConnectionClosed("SSL_CTX_new failed");
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TlsVersionFromName(max_version));
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, AcceptAnyClientCertificate);
  if (SSL_CTX_use_certificate(ctx.get(), device_cert) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), device_key) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    throw ConnectionClosed("device certificate does not fit the device key: " + OpenSslErrors());
  }
  return ctx;
}

Channel::Channel(int fd) : fd_(fd) {}

Channel::~Channel() {
  ssl_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void Channel::ShutdownSocket() { ::shutdown(fd_, SHUT_RDWR); }

void Channel::WriteAll(std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    if (ssl_) {
      ERR_clear_error();
      const int n =
          SSL_write(ssl_.get(), bytes.data() + done, static_cast<int>(bytes.size() - done));
      if (n <= 0) {
        throw ConnectionClosed(
            fmt::format("TLS write failed (SSL error {})", SSL_get_error(ssl_.get(), n)));
      }
      done += static_cast<size_t>(n);
    } else {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw ConnectionClosed(fmt::format("write failed: {}", std::strerror(errno)));
      }
      done += static_cast<size_t>(n);
    }
  }
}

size_t Channel::ReadSome(uint8_t* out, size_t size) {
  if (ssl_) {
    ERR_clear_error();
    const int n = SSL_read(ssl_.get(), out, static_cast<int>(size));
    if (n > 0) return static_cast<size_t>(n);
    const int error = SSL_get_error(ssl_.get(), n);
    if (error == SSL_ERROR_ZERO_RETURN) throw ConnectionClosed("peer ended TLS (close_notify)");
    throw ConnectionClosed(fmt::format("TLS read failed (SSL error {})", error));
  }
  while (true) {
    const ssize_t n = ::recv(fd_, out, size, 0);
    if (n > 0) return static_cast<size_t>(n);
    if (n == 0) throw ConnectionClosed("peer closed the connection");
    if (errno == EINTR) continue;
    throw ConnectionClosed(fmt::format("read failed: {}", std::strerror(errno)));
  }
}

Channel::WaitResult Channel::WaitReadable(int timeout_ms, int wake_fd) {
  if (ssl_ && SSL_pending(ssl_.get()) > 0) return WaitResult::kReadable;
  pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  const nfds_t count = wake_fd >= 0 ? 2 : 1;
  while (true) {
    const int n = ::poll(fds, count, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ConnectionClosed(fmt::format("poll failed: {}", std::strerror(errno)));
    }
    if (n == 0) return WaitResult::kTimeout;
    if (count == 2 && (fds[1].revents & POLLIN) != 0) return WaitResult::kWoken;
    return WaitResult::kReadable;
  }
}

bool Channel::ReadExact(uint8_t* out, size_t size, int first_byte_timeout_ms) {
  if (size == 0) return true;
  if (first_byte_timeout_ms >= 0 && WaitReadable(first_byte_timeout_ms) == WaitResult::kTimeout) {
    return false;
  }
  size_t done = 0;
  while (done < size) done += ReadSome(out + done, size - done);
  return true;
}

void Channel::StartTls(SSL_CTX* ctx) {
  ERR_clear_error();
  SslPtr ssl(SSL_new(ctx));
  if (!ssl || SSL_set_fd(ssl.get(), fd_) != 1) throw ConnectionClosed("SSL_new failed");
  const int result = SSL_accept(ssl.get());
  if (result != 1) {
    throw ConnectionClosed(fmt::format("TLS handshake failed (SSL error {}): {}",
                                       SSL_get_error(ssl.get(), result), OpenSslErrors()));
  }
  ssl_ = std::move(ssl);
}

void Channel::EndTls(int timeout_ms) {
  if (!ssl_) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  uint8_t scratch[512];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || WaitReadable(static_cast<int>(left.count())) == WaitResult::kTimeout) {
      break;
    }
    ERR_clear_error();
    const int n = SSL_read(ssl_.get(), scratch, sizeof(scratch));
    if (n <= 0) break;  // close_notify (ZERO_RETURN), EOF or error: TLS is over either way
  }
  ssl_.reset();
}

X509* Channel::PeerCertificate() const {
  return ssl_ ? SSL_get0_peer_certificate(ssl_.get()) : nullptr;
}

std::string Channel::TlsDescription() const {
  if (!ssl_) return "plain";
  return fmt::format("{} {}", SSL_get_version(ssl_.get()), SSL_get_cipher_name(ssl_.get()));
}

}  // namespace mfx::extract::emulator
