// Hashing, randomness and the AES primitives the emulator needs (OpenSSL 3).
//
// All functions throw CryptoError when OpenSSL fails; that is a bug or an exhausted system in the
// emulator, never a protocol condition.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mfx::extract::emulator {

class CryptoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EvpCipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

// Incremental SHA-256 (or SHA-1) of a byte stream.
class Digest {
 public:
  enum class Kind { kSha1, kSha256 };
  explicit Digest(Kind kind = Kind::kSha256);
  void Update(std::span<const uint8_t> bytes);
  void Update(std::string_view bytes) {
    Update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  // Lower-case hex of the digest; the object is spent afterwards.
  std::string FinishHex();
  std::vector<uint8_t> Finish();

 private:
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter> ctx_;
};

std::string Sha256Hex(std::span<const uint8_t> bytes);
std::string Sha1Hex(std::string_view bytes);

std::vector<uint8_t> RandomBytes(size_t count);
std::string HexEncode(std::span<const uint8_t> bytes);
// An upper-case RFC 4122 version-4 UUID string from the CSPRNG.
std::string NewUuid();

std::string Base64Encode(std::span<const uint8_t> bytes);
std::vector<uint8_t> Base64Decode(std::string_view text);  // throws CryptoError on bad input

// RFC 3394 AES key wrap with the default IV A6A6A6A6A6A6A6A6 (kek 32 bytes; key a multiple of 8).
std::vector<uint8_t> AesKeyWrap(std::span<const uint8_t> kek, std::span<const uint8_t> key);

std::vector<uint8_t> Pbkdf2(std::string_view digest_name, std::span<const uint8_t> password,
                            std::span<const uint8_t> salt, uint32_t iterations, size_t length);

// Streaming AES-256-CBC encryption with a zero IV, as used for backup files: feed plaintext in any
// chunk sizes, then Finish() for the last block(s). With padding, PKCS#7 is added (files); without,
// the input must be a multiple of 16 bytes (Manifest.db).
class AesCbcEncryptor {
 public:
  AesCbcEncryptor(std::span<const uint8_t> key, bool padding);
  void Update(std::span<const uint8_t> in, std::vector<uint8_t>& out);
  void Finish(std::vector<uint8_t>& out);

 private:
  std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxDeleter> ctx_;
};

// One-shot helper for small buffers.
std::vector<uint8_t> AesCbcEncrypt(std::span<const uint8_t> key, std::span<const uint8_t> plain,
                                   bool padding);

}  // namespace mfx::extract::emulator
