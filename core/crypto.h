#pragma once
// Cryptography on OpenSSL 3 EVP: streaming hashes, PBKDF2, AES-256-CBC (no padding; callers
// strip PKCS#7 themselves so a bad pad is reported, not hidden), RFC 3394 AES key unwrap.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret.h"

namespace mfx::core {

enum class HashAlgorithm { kMd5, kSha1, kSha256 };

size_t DigestSize(HashAlgorithm alg);

// Streaming hash. Not thread-safe; one per stream.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm alg);  // aborts only if OpenSSL lacks the algorithm (a bug)
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  void Update(ByteSpan data);
  // Returns the digest and resets the hasher for a new stream.
  Bytes Finish();
  std::string FinishHex() { return HexEncode(Finish()); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Bytes Hash(HashAlgorithm alg, ByteSpan data);
std::string Sha256Hex(ByteSpan data);
std::string Sha1Hex(ByteSpan data);

// PBKDF2-HMAC (PKCS5_PBKDF2_HMAC). iterations must be ≥ 1.
Result<SecretBytes> Pbkdf2(HashAlgorithm prf, ByteSpan password, ByteSpan salt,
                           uint32_t iterations, size_t key_length);

// RFC 3394 AES key unwrap with the default IV A6A6…: kek is 16/24/32 bytes, wrapped is 8·(n+1).
// An integrity-check failure (wrong key-encryption key) is reported as kIntegrity.
Result<SecretBytes> AesKeyUnwrap(std::span<const uint8_t> kek, ByteSpan wrapped);
// RFC 3394 wrap; used by tests and the device emulator's self-checks.
Result<Bytes> AesKeyWrap(std::span<const uint8_t> kek, std::span<const uint8_t> key);

inline constexpr size_t kAesBlock = 16;

// AES-256-CBC decryption without padding removal. in.size() must be a multiple of 16.
// Decrypting block i needs only ciphertext block i-1 as IV, which is what makes random access
// into encrypted backup files cheap.
Status AesCbcDecrypt(std::span<const uint8_t> key, std::span<const uint8_t, kAesBlock> iv,
                     ByteSpan in, std::span<uint8_t> out);
// AES-256-CBC encryption without padding (tests, the emulator). in.size() % 16 == 0.
Status AesCbcEncrypt(std::span<const uint8_t> key, std::span<const uint8_t, kAesBlock> iv,
                     ByteSpan in, std::span<uint8_t> out);

// Streaming AES-256-CBC decryptor that keeps its OpenSSL context between calls (one per stream).
class AesCbcDecryptor {
 public:
  static Result<AesCbcDecryptor> Create(std::span<const uint8_t> key,
                                        std::span<const uint8_t, kAesBlock> iv);
  ~AesCbcDecryptor();
  AesCbcDecryptor(AesCbcDecryptor&&) noexcept;
  AesCbcDecryptor& operator=(AesCbcDecryptor&&) noexcept;
  // in.size() % 16 == 0; out.size() >= in.size(). Chains across calls.
  Status Update(ByteSpan in, std::span<uint8_t> out);

 private:
  AesCbcDecryptor();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Validates PKCS#7 padding on the final 16-byte block and returns the pad length (1–16).
Result<size_t> Pkcs7PadLength(std::span<const uint8_t, kAesBlock> last_block);

// Cryptographically secure random bytes.
Status RandomBytes(std::span<uint8_t> out);

}  // namespace mfx::core
