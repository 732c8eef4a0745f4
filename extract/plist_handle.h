#pragma once
// libplist nodes as they come from libimobiledevice: an owning handle and typed readers.
//
// PlistPtr owns a plist_t from the moment it is created (plist_free on destruction). The readers
// never take ownership and return nullopt when the node is absent or of another type, so device
// values of an unexpected type are reported, not misread (DEVICE.md §2.3: PhoneNumber may not be a
// string; TimeIntervalSince1970 is REAL on current iOS and UINT on old).

#include <plist/plist.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bytes.h"

namespace mfx::extract {

struct PlistFree {
  void operator()(void* node) const { plist_free(static_cast<plist_t>(node)); }
};
using PlistPtr = std::unique_ptr<void, PlistFree>;

inline plist_t Raw(const PlistPtr& p) { return static_cast<plist_t>(p.get()); }

std::optional<std::string> PlistStringValue(plist_t node);
std::optional<uint64_t> PlistUintValue(plist_t node);
std::optional<double> PlistRealValue(plist_t node);
std::optional<bool> PlistBoolValue(plist_t node);
std::optional<Bytes> PlistDataValue(plist_t node);
// Member of a dict (nullptr when `dict` is not a dict or the key is absent).
plist_t PlistMember(plist_t dict, const char* key);
// "string", "uint", "real", "bool", "data", "date", "array", "dict", …
const char* PlistTypeName(plist_t node);
// Keys of a dict, in libplist's order.
std::vector<std::string> PlistKeys(plist_t dict);
// A JSON rendering for ledgers and identity reports: strings, numbers, bools; data as
// {"base64": …}; dates as {"cocoa_seconds": …}. Strings with invalid UTF-8 are sanitised.
nlohmann::json PlistToJson(plist_t node);

}  // namespace mfx::extract
