#include "reports/custody_guard.h"

#include <algorithm>
#include <cctype>

#include <openssl/crypto.h>

#include "core/crypto.h"

namespace mfx::reports {
namespace {

std::vector<std::string> Words(const std::string& key) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : key) {
    if (c == '_' || c == '-' || c == '.' || c == ' ') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

Status Walk(const nlohmann::json& v, const std::string& where) {
  if (v.is_object()) {
    for (const auto& [key, child] : v.items()) {
      const std::string path = where.empty() ? key : where + "." + key;
      if (IsSecretFieldName(key)) {
        return Fail(
            ErrorCode::kInvalidArgument,
            "field '" + SanitizeUtf8(path) +
                "' names secret material (passwords and keys never go into the case folder)");
      }
      MFX_RETURN_IF_ERROR(Walk(child, path));
    }
  } else if (v.is_array()) {
    size_t i = 0;
    for (const auto& child : v) {
      MFX_RETURN_IF_ERROR(Walk(child, where + "[" + std::to_string(i++) + "]"));
    }
  }
  return {};
}

}  // namespace

bool IsSecretFieldName(std::string_view key_view) {
  std::string key(key_view);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* bad : {"password", "passphrase", "passwd", "secret", "privkey"}) {
    if (key.find(bad) != std::string::npos) return true;
  }
  const std::vector<std::string> words = Words(key);
  if (words.empty()) return false;
  for (const std::string& w : words) {
    if (w == "kek" || w == "dek" || w == "pin") return true;
  }
  const std::string& last = words.back();
  return last == "key" || last == "keys" || last == "passcode";
}

Status CheckNoSecretFieldNames(const nlohmann::json& value, std::string_view where) {
  return Walk(value, std::string(where));
}

void SecretGuard::AddPattern(ByteSpan bytes, std::string form) {
  Pattern p{bytes.size(), core::Sha256Hex(bytes), std::move(form)};
  for (const Pattern& q : patterns_) {
    if (q.sha256_hex == p.sha256_hex) return;
  }
  patterns_.push_back(std::move(p));
}

bool SecretGuard::Add(const core::SecretBytes& secret) {
  if (secret.size() < kMinGuardedSecret) return false;
  const std::string_view raw = AsString(secret.span());
  AddPattern(secret.span(), "raw");
  // JSON-escaped (without quotes): how the secret would look inside a JSON string.
  std::string json;
  if (IsValidUtf8(raw)) {
    json = nlohmann::json(std::string(raw)).dump();
    json = json.substr(1, json.size() - 2);
    if (json != raw) AddPattern(AsBytes(json), "json");
    std::string ascii = nlohmann::json(std::string(raw)).dump(-1, ' ', true);
    ascii = ascii.substr(1, ascii.size() - 2);
    if (ascii != raw && ascii != json) AddPattern(AsBytes(ascii), "json-ascii");
  }
  std::string hex = HexEncode(secret.span());
  AddPattern(AsBytes(hex), "hex");
  std::string upper = hex;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  AddPattern(AsBytes(upper), "HEX");
  for (std::string* s : {&json, &hex, &upper}) {
    if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  }
  return true;
}

Status SecretGuard::Check(std::string_view text, std::string_view what) const {
  for (const Pattern& p : patterns_) {
    if (p.length == 0 || text.size() < p.length) continue;
    for (size_t i = 0; i + p.length <= text.size(); ++i) {
      if (core::Sha256Hex(AsBytes(text.substr(i, p.length))) == p.sha256_hex) {
        return Fail(ErrorCode::kInvalidArgument,
                    std::string(what) + " would contain a registered secret (" + p.form +
                        " form, at byte " + std::to_string(i) + "): refused");
      }
    }
  }
  return {};
}

}  // namespace mfx::reports
