// Known-answer tests from the standards (NIST FIPS 180 examples, RFC 6070, RFC 7914 §11,
// RFC 3394 §4.6, NIST SP 800-38A F.2.5), never values produced by the code under test.
#include <catch2/catch.hpp>

#include "core/crypto.h"

using namespace mfx;
using namespace mfx::core;

namespace {
Bytes Hex(std::string_view h) { return *HexDecode(h); }
}  // namespace

TEST_CASE("hashes match the FIPS 180 / RFC 1321 'abc' examples", "[core][crypto]") {
  CHECK(Sha256Hex(AsBytes("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha1Hex(AsBytes("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(HexEncode(Hash(HashAlgorithm::kMd5, AsBytes("abc"))) == "900150983cd24fb0d6963f7d28e17f72");
}

TEST_CASE("streaming hash equals one-shot hash across arbitrary splits", "[core][crypto]") {
  std::string data(100000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
  Hasher h(HashAlgorithm::kSha256);
  for (size_t off = 0, step = 1; off < data.size(); off += step, step = step * 3 % 4099 + 1) {
    h.Update(AsBytes(std::string_view(data).substr(off, step)));
  }
  CHECK(h.FinishHex() == Sha256Hex(AsBytes(data)));
}

TEST_CASE("PBKDF2-HMAC-SHA1 matches RFC 6070", "[core][crypto]") {
  auto k1 = Pbkdf2(HashAlgorithm::kSha1, AsBytes("password"), AsBytes("salt"), 1, 20);
  REQUIRE(k1);
  CHECK(HexEncode(k1->span()) == "0c60c80f961f0e71f3a9b524af6012062fe037a6");
  auto k4096 = Pbkdf2(HashAlgorithm::kSha1, AsBytes("password"), AsBytes("salt"), 4096, 20);
  REQUIRE(k4096);
  CHECK(HexEncode(k4096->span()) == "4b007901b765489abead49d926f721d065a429c1");
}

TEST_CASE("PBKDF2-HMAC-SHA256 matches RFC 7914 section 11", "[core][crypto]") {
  auto k = Pbkdf2(HashAlgorithm::kSha256, AsBytes("passwd"), AsBytes("salt"), 1, 64);
  REQUIRE(k);
  CHECK(HexEncode(k->span()) ==
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  CHECK_FALSE(Pbkdf2(HashAlgorithm::kSha256, AsBytes("x"), AsBytes("y"), 0, 32));
}

TEST_CASE("RFC 3394 unwrap: 256-bit key under a 256-bit KEK (section 4.6)", "[core][crypto]") {
  const Bytes kek = Hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  const Bytes wrapped =
      Hex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21");
  auto key = AesKeyUnwrap(kek, wrapped);
  REQUIRE(key);
  CHECK(HexEncode(key->span()) ==
        "00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f");

  SECTION("a wrong KEK fails the integrity check") {
    Bytes bad = kek;
    bad[0] ^= 1;
    auto r = AesKeyUnwrap(bad, wrapped);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kIntegrity);
  }
  SECTION("a damaged wrapped key fails the integrity check") {
    Bytes bad = wrapped;
    bad[17] ^= 0x80;
    auto r = AesKeyUnwrap(kek, bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kIntegrity);
  }
  SECTION("a wrapped key of the wrong length is corrupt") {
    auto r = AesKeyUnwrap(kek, ByteSpan(wrapped).first(39));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kCorrupt);
  }
  SECTION("wrap round-trips") {
    auto w = AesKeyWrap(kek, *HexDecode("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f"));
    REQUIRE(w);
    CHECK(*w == wrapped);
  }
}

TEST_CASE("AES-256-CBC matches NIST SP 800-38A F.2.5/F.2.6", "[core][crypto]") {
  const Bytes key = Hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  const Bytes iv_bytes = Hex("000102030405060708090a0b0c0d0e0f");
  std::span<const uint8_t, 16> iv(iv_bytes.data(), 16);
  const Bytes plain = Hex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  const Bytes cipher = Hex(
      "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
      "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b");
  Bytes out(cipher.size());
  REQUIRE(AesCbcDecrypt(key, iv, cipher, out));
  CHECK(out == plain);
  REQUIRE(AesCbcEncrypt(key, iv, plain, out));
  CHECK(out == cipher);

  SECTION("block i decrypts with ciphertext block i-1 as IV (random access)") {
    for (size_t block = 1; block < 4; ++block) {
      std::span<const uint8_t, 16> prev(cipher.data() + (block - 1) * 16, 16);
      Bytes one(16);
      REQUIRE(AesCbcDecrypt(key, prev, ByteSpan(cipher).subspan(block * 16, 16), one));
      CHECK(one == Bytes(plain.begin() + block * 16, plain.begin() + block * 16 + 16));
    }
  }
  SECTION("the streaming decryptor chains across uneven calls") {
    auto d = AesCbcDecryptor::Create(key, iv);
    REQUIRE(d);
    Bytes got(64);
    REQUIRE(d->Update(ByteSpan(cipher).first(16), std::span(got).first(16)));
    REQUIRE(d->Update(ByteSpan(cipher).subspan(16, 48), std::span(got).subspan(16)));
    CHECK(got == plain);
  }
  SECTION("partial blocks are refused") {
    CHECK_FALSE(AesCbcDecrypt(key, iv, ByteSpan(cipher).first(15), out));
  }
}

TEST_CASE("PKCS#7 padding is validated, not trusted", "[core][crypto]") {
  std::array<uint8_t, 16> block{};
  block.fill(0x10);
  CHECK(Pkcs7PadLength(block).value() == 16);
  block.fill(0xAA);
  block[15] = 3;
  block[14] = 3;
  block[13] = 3;
  CHECK(Pkcs7PadLength(block).value() == 3);
  block[14] = 2;
  CHECK_FALSE(Pkcs7PadLength(block));
  block[15] = 0;
  CHECK_FALSE(Pkcs7PadLength(block));
  block[15] = 17;
  CHECK_FALSE(Pkcs7PadLength(block));
}

TEST_CASE("SecretBytes wipes on move and clones on request", "[core][crypto]") {
  SecretBytes a = SecretBytes::FromString("hunter2");
  SecretBytes b = std::move(a);
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from secret must be empty
  CHECK(b.size() == 7);
  SecretBytes c = b.Clone();
  CHECK(AsString(c.span()) == "hunter2");
}
