#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace mfx::core {
namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

const EVP_MD* MdFor(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kMd5: return EVP_md5();
    case HashAlgorithm::kSha1: return EVP_sha1();
    case HashAlgorithm::kSha256: return EVP_sha256();
  }
  return nullptr;
}

std::string OpenSslError(std::string_view what) {
  std::string out(what);
  if (const unsigned long e = ERR_get_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out += ": ";
    out += buf;
  }
  ERR_clear_error();
  return out;
}

const EVP_CIPHER* CbcFor(size_t key_size) {
  switch (key_size) {
    case 16: return EVP_aes_128_cbc();
    case 32: return EVP_aes_256_cbc();
    default: return nullptr;
  }
}

const EVP_CIPHER* WrapFor(size_t key_size) {
  switch (key_size) {
    case 16: return EVP_aes_128_wrap();
    case 24: return EVP_aes_192_wrap();
    case 32: return EVP_aes_256_wrap();
    default: return nullptr;
  }
}

Status CbcRun(bool encrypt, std::span<const uint8_t> key, std::span<const uint8_t, kAesBlock> iv,
              ByteSpan in, std::span<uint8_t> out) {
  if (in.size() % kAesBlock != 0 || out.size() < in.size()) {
    return Fail(ErrorCode::kInvalidArgument, "AES-CBC input is not a whole number of blocks");
  }
  const EVP_CIPHER* cipher = CbcFor(key.size());
  if (cipher == nullptr) return Fail(ErrorCode::kInvalidArgument, "AES-CBC key size");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data(), encrypt) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
    return Fail(ErrorCode::kCrypto, OpenSslError("AES-CBC init"));
  }
  size_t done = 0;
  while (done < in.size()) {
    // EVP lengths are int: feed at most 1 GiB per call.
    const size_t chunk = std::min<size_t>(in.size() - done, size_t{1} << 30);
    int n = 0;
    if (EVP_CipherUpdate(ctx.get(), out.data() + done, &n, in.data() + done,
                         static_cast<int>(chunk)) != 1) {
      return Fail(ErrorCode::kCrypto, OpenSslError("AES-CBC update"));
    }
    done += chunk;
  }
  return {};
}

}  // namespace

void SecretBytes::Wipe() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

void SecretBytes::resize(size_t n) {
  if (n < bytes_.size()) OPENSSL_cleanse(bytes_.data() + n, bytes_.size() - n);
  bytes_.resize(n);
}

size_t DigestSize(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kMd5: return 16;
    case HashAlgorithm::kSha1: return 20;
    case HashAlgorithm::kSha256: return 32;
  }
  return 0;
}

struct Hasher::Impl {
  MdCtx ctx;
  const EVP_MD* md;
};

Hasher::Hasher(HashAlgorithm alg) : impl_(std::make_unique<Impl>()) {
  impl_->md = MdFor(alg);
  impl_->ctx.reset(EVP_MD_CTX_new());
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx.get(), impl_->md, nullptr) != 1) std::abort();
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::Update(ByteSpan data) {
  if (!data.empty()) EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size());
}

Bytes Hasher::Finish() {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &n);
  out.resize(n);
  EVP_DigestInit_ex(impl_->ctx.get(), impl_->md, nullptr);
  return out;
}

Bytes Hash(HashAlgorithm alg, ByteSpan data) {
  Hasher h(alg);
  h.Update(data);
  return h.Finish();
}
std::string Sha256Hex(ByteSpan data) { return HexEncode(Hash(HashAlgorithm::kSha256, data)); }
std::string Sha1Hex(ByteSpan data) { return HexEncode(Hash(HashAlgorithm::kSha1, data)); }

Result<SecretBytes> Pbkdf2(HashAlgorithm prf, ByteSpan password, ByteSpan salt,
                           uint32_t iterations, size_t key_length) {
  if (iterations == 0 || iterations > 0x7FFFFFFF) {
    return Fail(ErrorCode::kInvalidArgument, "PBKDF2 iteration count " + std::to_string(iterations));
  }
  SecretBytes key(key_length);
  // OpenSSL accepts a null pointer only with length 0; give it a valid address for empty input.
  static const uint8_t kEmpty = 0;
  if (PKCS5_PBKDF2_HMAC(password.empty() ? reinterpret_cast<const char*>(&kEmpty)
                                         : reinterpret_cast<const char*>(password.data()),
                        static_cast<int>(password.size()), salt.empty() ? &kEmpty : salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), MdFor(prf),
                        static_cast<int>(key_length), key.data()) != 1) {
    return Fail(ErrorCode::kCrypto, OpenSslError("PBKDF2"));
  }
  return key;
}

Result<SecretBytes> AesKeyUnwrap(std::span<const uint8_t> kek, ByteSpan wrapped) {
  const EVP_CIPHER* cipher = WrapFor(kek.size());
  if (cipher == nullptr) return Fail(ErrorCode::kInvalidArgument, "key-unwrap KEK size");
  if (wrapped.size() < 24 || wrapped.size() % 8 != 0) {
    return Fail(ErrorCode::kCorrupt,
                "wrapped key of " + std::to_string(wrapped.size()) + " bytes (RFC 3394 needs 8·(n+1), n ≥ 2)");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Fail(ErrorCode::kCrypto, "out of memory");
  // EVP refuses wrap modes unless the context explicitly allows them.
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, kek.data(), nullptr) != 1) {
    return Fail(ErrorCode::kCrypto, OpenSslError("key-unwrap init"));
  }
  SecretBytes out(wrapped.size());  // OpenSSL may write up to the input length
  int n = 0;
  if (EVP_DecryptUpdate(ctx.get(), out.data(), &n, wrapped.data(),
                        static_cast<int>(wrapped.size())) != 1 ||
      n <= 0) {
    ERR_clear_error();
    return Fail(ErrorCode::kIntegrity, "RFC 3394 integrity check failed");
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<Bytes> AesKeyWrap(std::span<const uint8_t> kek, std::span<const uint8_t> key) {
  const EVP_CIPHER* cipher = WrapFor(kek.size());
  if (cipher == nullptr || key.size() < 16 || key.size() % 8 != 0) {
    return Fail(ErrorCode::kInvalidArgument, "key-wrap sizes");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  Bytes out(key.size() + 8 + kAesBlock);
  int n = 0;
  if (EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, kek.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &n, key.data(), static_cast<int>(key.size())) != 1) {
    return Fail(ErrorCode::kCrypto, OpenSslError("key-wrap"));
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

Status AesCbcDecrypt(std::span<const uint8_t> key, std::span<const uint8_t, kAesBlock> iv,
                     ByteSpan in, std::span<uint8_t> out) {
  return CbcRun(false, key, iv, in, out);
}

Status AesCbcEncrypt(std::span<const uint8_t> key, std::span<const uint8_t, kAesBlock> iv,
                     ByteSpan in, std::span<uint8_t> out) {
  return CbcRun(true, key, iv, in, out);
}

struct AesCbcDecryptor::Impl {
  CipherCtx ctx;
};
AesCbcDecryptor::AesCbcDecryptor() : impl_(std::make_unique<Impl>()) {}
AesCbcDecryptor::~AesCbcDecryptor() = default;
AesCbcDecryptor::AesCbcDecryptor(AesCbcDecryptor&&) noexcept = default;
AesCbcDecryptor& AesCbcDecryptor::operator=(AesCbcDecryptor&&) noexcept = default;

Result<AesCbcDecryptor> AesCbcDecryptor::Create(std::span<const uint8_t> key,
                                                std::span<const uint8_t, kAesBlock> iv) {
  const EVP_CIPHER* cipher = CbcFor(key.size());
  if (cipher == nullptr) return Fail(ErrorCode::kInvalidArgument, "AES-CBC key size");
  AesCbcDecryptor d;
  d.impl_->ctx.reset(EVP_CIPHER_CTX_new());
  if (!d.impl_->ctx ||
      EVP_DecryptInit_ex(d.impl_->ctx.get(), cipher, nullptr, key.data(), iv.data()) != 1 ||
      EVP_CIPHER_CTX_set_padding(d.impl_->ctx.get(), 0) != 1) {
    return Fail(ErrorCode::kCrypto, OpenSslError("AES-CBC init"));
  }
  return d;
}

Status AesCbcDecryptor::Update(ByteSpan in, std::span<uint8_t> out) {
  if (in.size() % kAesBlock != 0 || out.size() < in.size()) {
    return Fail(ErrorCode::kInvalidArgument, "AES-CBC input is not a whole number of blocks");
  }
  size_t done = 0;
  while (done < in.size()) {
    const size_t chunk = std::min<size_t>(in.size() - done, size_t{1} << 30);
    int n = 0;
    if (EVP_DecryptUpdate(impl_->ctx.get(), out.data() + done, &n, in.data() + done,
                          static_cast<int>(chunk)) != 1) {
      return Fail(ErrorCode::kCrypto, OpenSslError("AES-CBC update"));
    }
    done += chunk;
  }
  return {};
}

Result<size_t> Pkcs7PadLength(std::span<const uint8_t, kAesBlock> last_block) {
  const uint8_t n = last_block[kAesBlock - 1];
  if (n == 0 || n > kAesBlock) {
    return Fail(ErrorCode::kCorrupt, "bad PKCS#7 padding byte " + std::to_string(n));
  }
  for (size_t i = kAesBlock - n; i < kAesBlock; ++i) {
    if (last_block[i] != n) return Fail(ErrorCode::kCorrupt, "inconsistent PKCS#7 padding");
  }
  return size_t{n};
}

Status RandomBytes(std::span<uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return Fail(ErrorCode::kCrypto, OpenSslError("RAND_bytes"));
  }
  return {};
}

}  // namespace mfx::core
