#include "extract/emulator/crypto_util.h"

#include <openssl/rand.h>

#include <cctype>

#include <fmt/format.h>

namespace mfx::extract::emulator {
namespace {

void Check(int ok, const char* what) {
  if (ok != 1) throw CryptoError(fmt::format("OpenSSL {} failed", what));
}

}  // namespace

Digest::Digest(Kind kind) : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw CryptoError("EVP_MD_CTX_new failed");
  Check(EVP_DigestInit_ex(ctx_.get(), kind == Kind::kSha1 ? EVP_sha1() : EVP_sha256(), nullptr),
        "DigestInit");
}

void Digest::Update(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  Check(EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()), "DigestUpdate");
}

std::vector<uint8_t> Digest::Finish() {
  std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  Check(EVP_DigestFinal_ex(ctx_.get(), out.data(), &length), "DigestFinal");
  out.resize(length);
  return out;
}

std::string Digest::FinishHex() { return HexEncode(Finish()); }

std::string Sha256Hex(std::span<const uint8_t> bytes) {
  Digest digest;
  digest.Update(bytes);
  return digest.FinishHex();
}

std::string Sha1Hex(std::string_view bytes) {
  Digest digest(Digest::Kind::kSha1);
  digest.Update(bytes);
  return digest.FinishHex();
}

std::vector<uint8_t> RandomBytes(size_t count) {
  std::vector<uint8_t> out(count);
  if (count > 0) Check(RAND_bytes(out.data(), static_cast<int>(count)), "RAND_bytes");
  return out;
}

std::string HexEncode(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

std::string NewUuid() {
  std::vector<uint8_t> b = RandomBytes(16);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  std::string hex = HexEncode(b);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string Base64Encode(std::span<const uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(length));
  return out;
}

std::vector<uint8_t> Base64Decode(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ') clean.push_back(c);
  }
  if (clean.size() % 4 != 0) throw CryptoError("base64 length is not a multiple of 4");
  std::vector<uint8_t> out(clean.size() / 4 * 3 + 1);
  const int length =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()),
                      static_cast<int>(clean.size()));
  if (length < 0) throw CryptoError("invalid base64");
  size_t size = static_cast<size_t>(length);
  // EVP_DecodeBlock does not strip the bytes that '=' padding stands for.
  if (!clean.empty() && clean.back() == '=') --size;
  if (clean.size() >= 2 && clean[clean.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

std::vector<uint8_t> AesKeyWrap(std::span<const uint8_t> kek, std::span<const uint8_t> key) {
  if (kek.size() != 32 || key.size() % 8 != 0 || key.size() < 16) {
    throw CryptoError("AesKeyWrap: bad key sizes");
  }
  std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw CryptoError("EVP_CIPHER_CTX_new failed");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  Check(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_wrap(), nullptr, kek.data(), nullptr),
        "wrap init");
  std::vector<uint8_t> out(key.size() + 8);
  int length = 0;
  Check(EVP_EncryptUpdate(ctx.get(), out.data(), &length, key.data(), static_cast<int>(key.size())),
        "wrap");
  int tail = 0;
  Check(EVP_EncryptFinal_ex(ctx.get(), out.data() + length, &tail), "wrap final");
  out.resize(static_cast<size_t>(length + tail));
  return out;
}

std::vector<uint8_t> Pbkdf2(std::string_view digest_name, std::span<const uint8_t> password,
                            std::span<const uint8_t> salt, uint32_t iterations, size_t length) {
  const EVP_MD* md = digest_name == "sha1" ? EVP_sha1() : EVP_sha256();
  std::vector<uint8_t> out(length);
  Check(PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                          static_cast<int>(password.size()), salt.data(),
                          static_cast<int>(salt.size()), static_cast<int>(iterations), md,
                          static_cast<int>(length), out.data()),
        "PBKDF2");
  return out;
}

AesCbcEncryptor::AesCbcEncryptor(std::span<const uint8_t> key, bool padding)
    : ctx_(EVP_CIPHER_CTX_new()) {
  if (!ctx_ || key.size() != 32) throw CryptoError("AesCbcEncryptor: bad key");
  const uint8_t iv[16] = {};
  Check(EVP_EncryptInit_ex(ctx_.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv), "CBC init");
  EVP_CIPHER_CTX_set_padding(ctx_.get(), padding ? 1 : 0);
}

void AesCbcEncryptor::Update(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  if (in.empty()) return;
  const size_t start = out.size();
  out.resize(start + in.size() + 16);
  int length = 0;
  Check(EVP_EncryptUpdate(ctx_.get(), out.data() + start, &length, in.data(),
                          static_cast<int>(in.size())),
        "CBC update");
  out.resize(start + static_cast<size_t>(length));
}

void AesCbcEncryptor::Finish(std::vector<uint8_t>& out) {
  const size_t start = out.size();
  out.resize(start + 16);
  int length = 0;
  Check(EVP_EncryptFinal_ex(ctx_.get(), out.data() + start, &length), "CBC final");
  out.resize(start + static_cast<size_t>(length));
}

std::vector<uint8_t> AesCbcEncrypt(std::span<const uint8_t> key, std::span<const uint8_t> plain,
                                   bool padding) {
  AesCbcEncryptor encryptor(key, padding);
  std::vector<uint8_t> out;
  encryptor.Update(plain, out);
  encryptor.Finish(out);
  return out;
}

}  // namespace mfx::extract::emulator
