#include "parsers/backup/keybag.h"

#include "core/crypto.h"

namespace mfx::parsers::backup {
namespace {

constexpr uint32_t kWrapPasscode = 2;
constexpr size_t kMaxItemLength = 1 << 20;

bool IsIntTag(std::string_view tag) {
  return tag == "VERS" || tag == "TYPE" || tag == "WRAP" || tag == "ITER" || tag == "DPWT" ||
         tag == "DPIC" || tag == "CLAS" || tag == "KTYP";
}

}  // namespace

Result<Keybag> ParseKeybag(ByteSpan bytes) {
  Keybag kb;
  KeybagClass* current = nullptr;
  int uuid_count = 0;
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 8) {
      return Fail(ErrorCode::kCorrupt, "keybag: truncated item header at offset " + std::to_string(pos));
    }
    const std::string tag(reinterpret_cast<const char*>(bytes.data() + pos), 4);
    const uint32_t len = LoadBe32(bytes.data() + pos + 4);
    if (len > kMaxItemLength || len > bytes.size() - pos - 8) {
      return Fail(ErrorCode::kCorrupt, "keybag: item '" + SanitizeUtf8(tag) + "' at offset " +
                                           std::to_string(pos) + " claims " + std::to_string(len) +
                                           " bytes past the end");
    }
    const ByteSpan value = bytes.subspan(pos + 8, len);
    std::optional<uint32_t> int_value;
    if (IsIntTag(tag)) {
      if (len != 4) {
        return Fail(ErrorCode::kCorrupt, "keybag: integer item '" + tag + "' at offset " +
                                             std::to_string(pos) + " has length " + std::to_string(len));
      }
      int_value = LoadBe32(value.data());
    }
    if (tag == "UUID") {
      ++uuid_count;
      if (uuid_count == 1) {
        kb.uuid.assign(value.begin(), value.end());
      } else {
        kb.classes.emplace_back();
        current = &kb.classes.back();
        current->uuid.assign(value.begin(), value.end());
      }
    } else if (current != nullptr) {
      if (tag == "CLAS") current->protection_class = *int_value & 0xF;
      else if (tag == "WRAP") current->wrap = *int_value;
      else if (tag == "KTYP") current->key_type = *int_value;
      else if (tag == "WPKY") current->wrapped_key.assign(value.begin(), value.end());
      else if (tag == "PBKY") current->public_key.assign(value.begin(), value.end());
      else kb.unknown_tags.push_back(SanitizeUtf8(tag));
    } else {
      if (tag == "VERS") kb.version = *int_value;
      else if (tag == "TYPE") kb.type = *int_value & 0x3FFFFFFF;
      else if (tag == "WRAP") kb.wrap = *int_value;
      else if (tag == "HMCK") kb.hmck.assign(value.begin(), value.end());
      else if (tag == "SALT") kb.salt.assign(value.begin(), value.end());
      else if (tag == "ITER") kb.iterations = *int_value;
      else if (tag == "DPSL") kb.dp_salt = Bytes(value.begin(), value.end());
      else if (tag == "DPIC") kb.dp_iterations = *int_value;
      else if (tag == "DPWT") kb.dp_wrap = *int_value;
      else kb.unknown_tags.push_back(SanitizeUtf8(tag));
    }
    pos += 8 + len;
  }
  if (uuid_count == 0) return Fail(ErrorCode::kCorrupt, "keybag: no UUID item");
  if (kb.salt.empty() || kb.iterations == 0) {
    return Fail(ErrorCode::kCorrupt, "keybag: SALT or ITER missing from the global section");
  }
  if (kb.dp_salt.has_value() != kb.dp_iterations.has_value()) {
    return Fail(ErrorCode::kCorrupt, "keybag: DPSL and DPIC must appear together");
  }
  if (kb.classes.empty()) return Fail(ErrorCode::kCorrupt, "keybag: no class keys");
  return kb;
}

Result<core::SecretBytes> DeriveKek(const Keybag& keybag, const core::SecretBytes& password) {
  if (keybag.two_stage()) {
    MFX_ASSIGN_OR_RETURN(core::SecretBytes stage1,
                         core::Pbkdf2(core::HashAlgorithm::kSha256, password.span(),
                                      *keybag.dp_salt, *keybag.dp_iterations, 32));
    return core::Pbkdf2(core::HashAlgorithm::kSha1, stage1.span(), keybag.salt,
                        keybag.iterations, 32);
  }
  return core::Pbkdf2(core::HashAlgorithm::kSha1, password.span(), keybag.salt, keybag.iterations,
                      32);
}

Result<ClassKeys> UnlockKeybag(const Keybag& keybag, std::span<const uint8_t> kek) {
  if (kek.size() != 32) {
    return Fail(ErrorCode::kInvalidArgument, "derived key must be 32 bytes, got " + std::to_string(kek.size()));
  }
  ClassKeys out;
  bool unlocked_any = false;
  for (const KeybagClass& cls : keybag.classes) {
    if (cls.key_type != 0) {
      out.unsupported.push_back(cls.protection_class);
      continue;
    }
    if (cls.wrap != kWrapPasscode) {
      out.not_recoverable.push_back(cls.protection_class);
      continue;
    }
    auto key = core::AesKeyUnwrap(kek, cls.wrapped_key);
    if (!key) {
      if (key.error().code == ErrorCode::kIntegrity && !unlocked_any) {
        return Fail(ErrorCode::kWrongPassword,
                    "the password (or key file) does not unlock this backup: the key of protection "
                    "class " + std::to_string(cls.protection_class) +
                    " failed its RFC 3394 integrity check");
      }
      return Fail(ErrorCode::kCorrupt, "keybag: class " + std::to_string(cls.protection_class) +
                                           " key does not unwrap although class keys before it "
                                           "did: the keybag is damaged (" +
                                           key.error().message + ")");
    }
    unlocked_any = true;
    out.keys.insert_or_assign(cls.protection_class, std::move(*key));
  }
  if (!unlocked_any) {
    return Fail(ErrorCode::kUnsupported, "keybag has no password-wrapped (WRAP 2) class key");
  }
  return out;
}

}  // namespace mfx::parsers::backup
