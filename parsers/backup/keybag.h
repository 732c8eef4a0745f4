#pragma once
// The backup keybag (Manifest.plist BackupKeyBag): TLV parsing, the password → KEK derivation,
// and class-key unwrapping. FORMATS §2.1–2.3.
//
// Format: items of a 4-byte ASCII tag, a u32 BE length and the value; integer tags hold a u32 BE.
// The global section runs until the second UUID; each later UUID opens a class record.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret.h"

namespace mfx::parsers::backup {

struct KeybagClass {
  uint32_t protection_class = 0;  // CLAS & 0xF
  uint32_t wrap = 0;              // bit 1: device UID key, bit 2: password-derived key
  uint32_t key_type = 0;          // KTYP: 0 AES, 1 Curve25519
  Bytes uuid;
  Bytes wrapped_key;  // WPKY
  Bytes public_key;   // PBKY (asymmetric classes only)
};

struct Keybag {
  uint32_t version = 0;
  uint32_t type = 0;  // TYPE & 0x3FFFFFFF: 0 system, 1 backup, 2 escrow, 3 OTA
  uint32_t wrap = 0;
  Bytes uuid;
  Bytes hmck;
  Bytes salt;  // SALT, for the PBKDF2-SHA1 stage
  uint32_t iterations = 0;  // ITER
  // iOS 10.2+: the PBKDF2-SHA256 stage. Absent in older keybags.
  std::optional<Bytes> dp_salt;  // DPSL
  std::optional<uint32_t> dp_iterations;  // DPIC
  std::optional<uint32_t> dp_wrap;        // DPWT
  std::vector<KeybagClass> classes;       // in file order
  std::vector<std::string> unknown_tags;  // tags mfx does not interpret, for the report

  bool two_stage() const { return dp_salt.has_value() && dp_iterations.has_value(); }
};

// Parses the TLV. kCorrupt names the byte offset of a truncated or impossible item.
Result<Keybag> ParseKeybag(ByteSpan bytes);

// KEK = PBKDF2-HMAC-SHA1(stage1, SALT, ITER, 32) where stage1 is PBKDF2-HMAC-SHA256(password,
// DPSL, DPIC, 32) for iOS 10.2+ keybags and the password itself for older ones.
Result<core::SecretBytes> DeriveKek(const Keybag& keybag, const core::SecretBytes& password);

struct ClassKeys {
  std::map<uint32_t, core::SecretBytes> keys;   // protection class → 32-byte class key
  std::vector<uint32_t> not_recoverable;        // WRAP ≠ 2 (needs the device UID key)
  std::vector<uint32_t> unsupported;            // KTYP 1 (asymmetric) classes
};

// Unwraps every WRAP == 2 class key with the KEK. A KEK that fails the RFC 3394 check on the first
// such class is a wrong password (or wrong key file): kWrongPassword. WRAP == 3 classes also pass
// the check with the right KEK but stay encrypted with the device UID key, so they are listed as
// not recoverable instead of unwrapped (FORMATS §2.3).
Result<ClassKeys> UnlockKeybag(const Keybag& keybag, std::span<const uint8_t> kek);

}  // namespace mfx::parsers::backup
