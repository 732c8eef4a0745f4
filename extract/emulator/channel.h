// One byte stream between a host process and the emulator: a connected socket, optionally wrapped
// in TLS with the emulator as the TLS *server* (the device side; DEVICE.md §5).
//
// Lockdown switches a connection from plain to TLS (StartSession) and back (StopSession) on the
// same file descriptor, so TLS is a state of the channel, not a different type.
//
// Errors: I/O failures and end-of-stream throw ConnectionClosed; handlers let it unwind to the
// connection thread, which ends the connection. Only ReadExact's first-byte timeout is reported by
// return value, because waiting is a normal protocol state.
//
// Thread-safety: one thread uses a channel; ShutdownSocket() may be called from any thread to wake
// that thread up (used for SIGTERM, cable-pull and detach faults).
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "extract/emulator/pki.h"

namespace mfx::extract::emulator {

class ConnectionClosed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

// A TLS server context as a device offers it: the device certificate and key, security level 0
// (pair certificates made by libimobiledevice 1.3.0 are SHA-1 signed), TLS 1.0 up to
// `max_version` ("1.0", "1.1", "1.2", "1.3"; empty = OpenSSL's maximum), a client certificate
// requested but checked by the caller (ChannelPeerMatches), no session tickets.
SslCtxPtr MakeDeviceTlsContext(EVP_PKEY* device_key, X509* device_cert,
                               std::string_view max_version);

class Channel {
 public:
  explicit Channel(int fd);  // takes ownership of fd
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  int fd() const { return fd_; }

  void WriteAll(std::span<const uint8_t> bytes);
  void WriteAll(const std::vector<uint8_t>& bytes) { WriteAll(std::span<const uint8_t>(bytes)); }

  // Reads exactly `size` bytes. Waits at most `first_byte_timeout_ms` for the first byte (-1 =
  // forever) and returns false if none came; later bytes are waited for without limit.
  bool ReadExact(uint8_t* out, size_t size, int first_byte_timeout_ms = -1);

  enum class WaitResult { kReadable, kWoken, kTimeout };
  // Waits until input is available (socket or buffered TLS bytes), `wake_fd` (if >= 0) becomes
  // readable, or the timeout (-1 = forever) passes. A closed peer counts as readable.
  WaitResult WaitReadable(int timeout_ms, int wake_fd = -1);

  // Runs the TLS server handshake on the socket; throws ConnectionClosed on failure.
  void StartTls(SSL_CTX* ctx);
  // Leaves TLS after the peer ended it (lockdown StopSession): consumes the peer's close_notify
  // (waiting at most `timeout_ms`) and drops the TLS state without sending ours, so that later
  // plain frames are not preceded by TLS bytes.
  void EndTls(int timeout_ms);
  bool tls_active() const { return ssl_ != nullptr; }
  // The host's certificate from the handshake (not owned), or nullptr.
  X509* PeerCertificate() const;
  SSL* ssl() const { return ssl_.get(); }
  std::string TlsDescription() const;

  // Wakes the owning thread from any other thread; later I/O fails with ConnectionClosed.
  void ShutdownSocket();

 private:
  size_t ReadSome(uint8_t* out, size_t size);

  int fd_;
  SslPtr ssl_;
};

}  // namespace mfx::extract::emulator
