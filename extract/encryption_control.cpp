#include "extract/encryption_control.h"

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "extract/plist_handle.h"

namespace mfx::extract {

Result<core::SecretBytes> GenerateTemporaryPassword() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  core::SecretBytes password(24);
  core::SecretBytes random(64);
  MFX_RETURN_IF_ERROR(core::RandomBytes(random.mutable_span()));
  size_t out = 0;
  for (size_t i = 0; i < random.size() && out < password.size(); ++i) {
    // Rejection sampling keeps the characters uniform (248 = 4 × 62).
    if (random.data()[i] >= 248) continue;
    password.data()[out++] = static_cast<uint8_t>(kAlphabet[random.data()[i] % 62]);
  }
  if (out < password.size()) return GenerateTemporaryPassword();
  return password;
}

PasswordChange ChangeBackupPassword(BackupHost& host, const std::string& udid,
                                    const core::SecretBytes* old_password,
                                    const core::SecretBytes* new_password) {
  PlistPtr options(plist_new_dict());
  plist_dict_set_item(Raw(options), "TargetIdentifier", plist_new_string(udid.c_str()));
  auto add = [&](const char* key, const core::SecretBytes* secret) {
    if (secret == nullptr) return;
    std::string text(reinterpret_cast<const char*>(secret->data()), secret->size());
    plist_dict_set_item(Raw(options), key, plist_new_string(text.c_str()));
    OPENSSL_cleanse(text.data(), text.size());
  };
  add("OldPassword", old_password);
  add("NewPassword", new_password);
  const BackupRunResult r = host.RunChangePassword(Raw(options));
  PasswordChange change;
  change.error_code = r.error_code;
  change.description = r.description;
  change.ok = r.end == BackupEnd::kFinished && r.error_code == 0;
  if (r.end != BackupEnd::kFinished) {
    change.description = std::string(BackupEndName(r.end)) + ": " + r.description;
  }
  return change;
}

Result<bool> ReadWillEncrypt(const std::string& udid) {
  MFX_ASSIGN_OR_RETURN(IdevicePtr device, OpenDevice(udid));
  MFX_ASSIGN_OR_RETURN(LockdownSession session, LockdownSession::Open(device.get(), udid));
  MFX_ASSIGN_OR_RETURN(PlistPtr value, session.GetValue("com.apple.mobile.backup", "WillEncrypt"));
  return PlistBoolValue(Raw(value)).value_or(false);
}

}  // namespace mfx::extract
