#pragma once
// Keeping secrets out of the case folder (CONTRACT.md: passwords never go "into a log, a report or
// the custody log"; CUSTODY.md §3.4).
//
// Two independent guards:
//  1. Field names. CheckNoSecretFieldNames refuses any JSON object key (at any depth) that names
//     secret material: a key containing "password", "passphrase", "passwd", "secret",
//     "passcode_value", "kek", "privkey", or whose last '_'-separated word is "key"/"keys"
//     ("class_key", "private_key", "manifest_key", "key"). "keybag", "key_file_used",
//     "was_passcode_set" are allowed: they describe state, not material.
//  2. Values. SecretGuard remembers the SHA-256 of secrets a caller registers (never the secret
//     itself) and finds any window of text equal to one of them: the raw bytes, their JSON-escaped
//     form, and their lowercase and uppercase hex. Secrets shorter than kMinGuardedSecret bytes are
//     not guarded (a 4-digit PIN would match ordinary numbers); the API shape (no SecretBytes
//     parameter anywhere in custody, case or seal) is the guard for those.
//
// Thread-safety: SecretGuard is safe for concurrent Check calls; Add must not race with Check.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret.h"

namespace mfx::reports {

inline constexpr size_t kMinGuardedSecret = 6;

// kInvalidArgument naming the path of the first offending key ("detail.backup_password").
Status CheckNoSecretFieldNames(const nlohmann::json& value, std::string_view where = "");
bool IsSecretFieldName(std::string_view key);

class SecretGuard {
 public:
  // Registers a secret (a password, a derived key). Returns false when it is too short to guard.
  bool Add(const core::SecretBytes& secret);
  // kInvalidArgument ("<what> would contain a registered secret (…)") when text holds one.
  Status Check(std::string_view text, std::string_view what) const;
  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    size_t length;
    std::string sha256_hex;
    std::string form;  // "raw", "json", "hex", "HEX": for the error message only
  };
  void AddPattern(ByteSpan bytes, std::string form);
  std::vector<Pattern> patterns_;
};

}  // namespace mfx::reports
