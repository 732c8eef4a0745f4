#pragma once
// Property lists, decoded through libplist (binary "bplist00" and XML) into an owned tree.
//
// The tree (PlistValue) owns its data and has no libplist handles, so decoders can keep parts of
// it freely. Integers are kept as int64 (binary plists store 8-byte signed values; libplist hands
// them out as uint64). Dates stay in their native unit: seconds since 2001-01-01 UTC.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace mfx::core {

struct PlistUid {
  uint64_t value = 0;
  bool operator==(const PlistUid&) const = default;
};
struct PlistDate {
  double cocoa_seconds = 0;  // seconds since 2001-01-01T00:00:00Z, as the plist stores it
  bool operator==(const PlistDate&) const = default;
};

class PlistValue;
using PlistArray = std::vector<PlistValue>;
using PlistDict = std::map<std::string, PlistValue, std::less<>>;

class PlistValue {
 public:
  using Storage = std::variant<std::monostate, bool, int64_t, double, std::string, Bytes, PlistDate,
                               PlistUid, PlistArray, PlistDict>;
  PlistValue() = default;
  template <class T>
    requires std::is_constructible_v<Storage, T&&>
  PlistValue(T&& v) : v_(std::forward<T>(v)) {}  // NOLINT(google-explicit-constructor)

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_dict() const { return std::holds_alternative<PlistDict>(v_); }
  bool is_array() const { return std::holds_alternative<PlistArray>(v_); }

  // Typed access; nullptr / nullopt when the value is of another type.
  const PlistDict* AsDict() const { return std::get_if<PlistDict>(&v_); }
  const PlistArray* AsArray() const { return std::get_if<PlistArray>(&v_); }
  const std::string* AsString() const { return std::get_if<std::string>(&v_); }
  const Bytes* AsData() const { return std::get_if<Bytes>(&v_); }
  std::optional<int64_t> AsInt() const;  // also accepts a whole real
  std::optional<double> AsReal() const;  // also accepts an integer
  std::optional<bool> AsBool() const;
  std::optional<PlistDate> AsDate() const;
  std::optional<PlistUid> AsUid() const;

  // Dict member access; nullptr when this is not a dict or the key is absent.
  const PlistValue* Find(std::string_view key) const;

  const Storage& storage() const { return v_; }
  Storage& storage() { return v_; }
  std::string_view TypeName() const;

 private:
  Storage v_;
};

// Decodes a binary or XML plist. Errors (kCorrupt) name `what`.
Result<PlistValue> ParsePlist(ByteSpan bytes, std::string_view what = "plist");

// True when the bytes start like a plist ("bplist00" or "<?xml" / "<plist").
bool LooksLikePlist(ByteSpan bytes);

// Serialises to XML or binary through libplist (for test fixtures and for the host-written
// Info.plist of an acquisition).
Result<Bytes> WritePlist(const PlistValue& value, bool binary);

}  // namespace mfx::core
