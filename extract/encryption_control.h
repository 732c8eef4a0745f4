#pragma once
// Backup encryption on the phone (DEVICE.md §2.5): the temporary examiner password.
//
// Setting one changes the phone's configuration, so it needs its own consent scope
// (scope.temporary_backup_encryption) and a custody event, and it must be removed afterwards
// whatever happened. The password is random (24 characters from a CSPRNG), lives only in a
// SecretBytes and is never written anywhere; it is sent to the phone inside the TLS-protected
// mobilebackup2 channel (libplist copies it into a plist node, which is freed without wiping —
// a limit of the C API).
//
// ChangePassword semantics: enable = NewPassword only, disable = OldPassword only. The result
// arrives as DLMessageProcessMessage with an ErrorCode; iOS ≥ 13 may first ask for the passcode
// on the phone (reported), which the backup host's notification handling covers.

#include <optional>
#include <string>

#include "core/result.h"
#include "core/secret.h"
#include "extract/backup_host.h"

namespace mfx::extract {

// 24 characters of [A-Za-z0-9] (≈ 143 bits).
Result<core::SecretBytes> GenerateTemporaryPassword();

struct PasswordChange {
  bool ok = false;
  int64_t error_code = 0;
  std::string description;  // the device's ErrorDescription or the connection problem
};

// Enables (`old_password` null) or disables (`new_password` null) backup encryption over a
// connected backup host.
PasswordChange ChangeBackupPassword(BackupHost& host, const std::string& udid,
                                    const core::SecretBytes* old_password,
                                    const core::SecretBytes* new_password);

// com.apple.mobile.backup / WillEncrypt, read in a fresh lockdown session.
Result<bool> ReadWillEncrypt(const std::string& udid);

}  // namespace mfx::extract
