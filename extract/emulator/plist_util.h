// libplist helpers: ownership, typed lookups and (de)serialisation.
//
// Every plist_t the emulator creates lives in a PlistPtr from the moment it is made. Nodes handed
// to plist_dict_set_item / plist_array_append_item are released from their PlistPtr first (the
// container takes ownership), which the Set/Append helpers below do.
#pragma once

#include <plist/plist.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mfx::extract::emulator {

struct PlistDeleter {
  void operator()(void* node) const { plist_free(static_cast<plist_t>(node)); }
};
using PlistPtr = std::unique_ptr<void, PlistDeleter>;

inline PlistPtr NewDict() { return PlistPtr(plist_new_dict()); }
inline PlistPtr NewArray() { return PlistPtr(plist_new_array()); }
inline PlistPtr NewString(std::string_view s) {
  return PlistPtr(plist_new_string(std::string(s).c_str()));
}
inline PlistPtr NewUint(uint64_t v) { return PlistPtr(plist_new_uint(v)); }
// DeviceLink status codes travel as *unsigned* plist integers even when negative (DEVICE.md §6).
inline PlistPtr NewSignedAsUint(int64_t v) {
  return PlistPtr(plist_new_uint(static_cast<uint64_t>(v)));
}
inline PlistPtr NewBool(bool v) { return PlistPtr(plist_new_bool(v ? 1 : 0)); }
inline PlistPtr NewReal(double v) { return PlistPtr(plist_new_real(v)); }
inline PlistPtr NewUid(uint64_t v) { return PlistPtr(plist_new_uid(v)); }
PlistPtr NewData(std::span<const uint8_t> bytes);
inline PlistPtr NewData(std::string_view bytes) {
  return NewData(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}
// A plist date from Unix seconds (libplist stores dates relative to 2001-01-01).
PlistPtr NewDateFromUnix(double unix_seconds);
inline PlistPtr Copy(plist_t node) {
  return PlistPtr(node != nullptr ? plist_copy(node) : nullptr);
}

// Container setters: take ownership of `value`.
void Set(plist_t dict, std::string_view key, PlistPtr value);
void Append(plist_t array, PlistPtr value);

// Typed lookups; nullopt when the key is absent or of another type.
std::optional<std::string> GetString(plist_t dict, std::string_view key);
std::optional<uint64_t> GetUint(plist_t dict, std::string_view key);
std::optional<bool> GetBool(plist_t dict, std::string_view key);
std::optional<std::vector<uint8_t>> GetData(plist_t dict, std::string_view key);
std::optional<std::string> StringValue(plist_t node);
std::optional<uint64_t> UintValue(plist_t node);

// The keys of a dictionary, in its order; empty for anything else.
std::vector<std::string> DictKeys(plist_t dict);

// Parses XML or binary, chosen by the payload's first bytes; nullptr when it is neither.
PlistPtr ParsePlist(std::span<const uint8_t> bytes);
std::vector<uint8_t> ToBinary(plist_t node);
std::string ToXml(plist_t node);

// The node type as a short name, for transcripts.
std::string_view TypeName(plist_t node);

}  // namespace mfx::extract::emulator
