#include "extract/emulator/keybag.h"

#include <span>
#include <string>

#include "extract/emulator/byte_order.h"
#include "extract/emulator/crypto_util.h"

namespace mfx::extract::emulator {
namespace {

class TlvWriter {
 public:
  void Bytes(const char* tag, std::span<const uint8_t> value) {
    out_.insert(out_.end(), tag, tag + 4);
    AppendBe32(out_, static_cast<uint32_t>(value.size()));
    out_.insert(out_.end(), value.begin(), value.end());
  }
  void U32(const char* tag, uint32_t value) {
    std::vector<uint8_t> bytes;
    AppendBe32(bytes, value);
    Bytes(tag, bytes);
  }
  std::vector<uint8_t> Take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

bool PasswordOnlyClass(uint32_t protection_class) {
  return protection_class != 5 && protection_class < 9;
}

}  // namespace

BackupKeybag MakeEncryptedKeybag(const SecretString& password, uint32_t dpic, uint32_t iter) {
  BackupKeybag keybag;
  const std::vector<uint8_t> salt = RandomBytes(20);
  const std::vector<uint8_t> dpsl = RandomBytes(20);
  const std::string& pw = password.reveal();
  const std::span<const uint8_t> pw_bytes(reinterpret_cast<const uint8_t*>(pw.data()), pw.size());
  const std::vector<uint8_t> stage1 = Pbkdf2("sha256", pw_bytes, dpsl, dpic, 32);
  keybag.kek = Pbkdf2("sha1", stage1, salt, iter, 32);

  TlvWriter tlv;
  tlv.U32("VERS", 5);
  tlv.U32("TYPE", 1);
  tlv.Bytes("UUID", RandomBytes(16));
  tlv.Bytes("HMCK", RandomBytes(40));
  tlv.U32("WRAP", 0);
  tlv.Bytes("SALT", salt);
  tlv.U32("ITER", iter);
  tlv.U32("DPWT", 1);
  tlv.U32("DPIC", dpic);
  tlv.Bytes("DPSL", dpsl);
  for (uint32_t protection_class = 11; protection_class >= 1; --protection_class) {
    const std::vector<uint8_t> key = RandomBytes(32);
    const bool password_only = PasswordOnlyClass(protection_class);
    if (password_only) keybag.class_keys[protection_class] = key;
    tlv.Bytes("UUID", RandomBytes(16));
    tlv.U32("CLAS", protection_class);
    tlv.U32("WRAP", password_only ? 2 : 3);
    tlv.U32("KTYP", 0);
    tlv.Bytes("WPKY", AesKeyWrap(keybag.kek, key));
  }
  keybag.bytes = tlv.Take();
  return keybag;
}

BackupKeybag MakeUnencryptedKeybag() {
  BackupKeybag keybag;
  TlvWriter tlv;
  tlv.U32("VERS", 5);
  tlv.U32("TYPE", 1);
  tlv.Bytes("UUID", RandomBytes(16));
  tlv.Bytes("HMCK", RandomBytes(40));
  tlv.U32("WRAP", 0);
  tlv.Bytes("SALT", RandomBytes(20));
  tlv.U32("ITER", 10000);
  for (uint32_t protection_class = 11; protection_class >= 1; --protection_class) {
    tlv.Bytes("UUID", RandomBytes(16));
    tlv.U32("CLAS", protection_class);
    tlv.U32("WRAP", 1);
    tlv.U32("KTYP", 0);
    tlv.Bytes("WPKY", RandomBytes(40));
  }
  keybag.bytes = tlv.Take();
  return keybag;
}

std::vector<uint8_t> WrapWithClass(const BackupKeybag& keybag, uint32_t protection_class,
                                   const std::vector<uint8_t>& key) {
  const auto it = keybag.class_keys.find(protection_class);
  if (it == keybag.class_keys.end()) throw CryptoError("no usable class key for this class");
  std::vector<uint8_t> out;
  AppendLe32(out, protection_class);
  const std::vector<uint8_t> wrapped = AesKeyWrap(it->second, key);
  out.insert(out.end(), wrapped.begin(), wrapped.end());
  return out;
}

}  // namespace mfx::extract::emulator
