// The backup keybag of Manifest.plist (FORMATS.md §2.1–2.3) and the keys it protects.
//
// Encrypted: an iOS 10.2+ style keybag (VERS 5, TYPE 1 backup, DPWT/DPIC/DPSL) whose class keys are
// RFC 3394-wrapped with KEK = PBKDF2-SHA1(PBKDF2-SHA256(password, DPSL, DPIC, 32), SALT, ITER, 32).
// Classes 1, 2, 3, 4, 6, 7, 8 are WRAP 2 (password only); 5, 9, 10, 11 are WRAP 3, whose
// password-unwrapped value is still encrypted with the device UID on a real phone and is useless
// off the device: here it is random bytes, and those classes never protect a file. Unencrypted
// backups carry a keybag too (real ones do), with WRAP 1 (device-only) classes.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "extract/emulator/secret.h"

namespace mfx::extract::emulator {

struct BackupKeybag {
  std::vector<uint8_t> bytes;  // the TLV blob (Manifest.plist BackupKeyBag)
  std::map<uint32_t, std::vector<uint8_t>> class_keys;  // usable (WRAP 2) class keys, plaintext
  std::vector<uint8_t> kek;                             // password-derived key (encrypted only)
};

BackupKeybag MakeEncryptedKeybag(const SecretString& password, uint32_t dpic, uint32_t iter);
BackupKeybag MakeUnencryptedKeybag();

// `class` as u32 LE followed by the 40-byte wrap of `key` under the class key: the layout of
// ManifestKey and of MBFile EncryptionKey (FORMATS.md §1.3, §1.6).
std::vector<uint8_t> WrapWithClass(const BackupKeybag& keybag, uint32_t protection_class,
                                   const std::vector<uint8_t>& key);

}  // namespace mfx::extract::emulator
