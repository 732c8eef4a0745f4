#include "extract/emulator/plist_util.h"

#include <cstdlib>
#include <cstring>

namespace mfx::extract::emulator {
namespace {

// Seconds between the Unix epoch and the Cocoa epoch 2001-01-01T00:00:00Z.
constexpr double kCocoaEpochOffset = 978307200.0;

}  // namespace

PlistPtr NewData(std::span<const uint8_t> bytes) {
  return PlistPtr(plist_new_data(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

PlistPtr NewDateFromUnix(double unix_seconds) {
  const double cocoa = unix_seconds - kCocoaEpochOffset;
  int32_t sec = static_cast<int32_t>(cocoa);
  int32_t usec = static_cast<int32_t>((cocoa - sec) * 1e6);
  if (usec < 0) {
    sec -= 1;
    usec += 1000000;
  }
  return PlistPtr(plist_new_date(sec, usec));
}

void Set(plist_t dict, std::string_view key, PlistPtr value) {
  plist_dict_set_item(dict, std::string(key).c_str(), static_cast<plist_t>(value.release()));
}

void Append(plist_t array, PlistPtr value) {
  plist_array_append_item(array, static_cast<plist_t>(value.release()));
}

std::optional<std::string> StringValue(plist_t node) {
  if (node == nullptr || plist_get_node_type(node) != PLIST_STRING) return std::nullopt;
  const char* ptr = plist_get_string_ptr(node, nullptr);
  return ptr != nullptr ? std::optional<std::string>(ptr) : std::nullopt;
}

std::optional<uint64_t> UintValue(plist_t node) {
  if (node == nullptr || plist_get_node_type(node) != PLIST_UINT) return std::nullopt;
  uint64_t value = 0;
  plist_get_uint_val(node, &value);
  return value;
}

std::optional<std::string> GetString(plist_t dict, std::string_view key) {
  if (dict == nullptr || plist_get_node_type(dict) != PLIST_DICT) return std::nullopt;
  return StringValue(plist_dict_get_item(dict, std::string(key).c_str()));
}

std::optional<uint64_t> GetUint(plist_t dict, std::string_view key) {
  if (dict == nullptr || plist_get_node_type(dict) != PLIST_DICT) return std::nullopt;
  return UintValue(plist_dict_get_item(dict, std::string(key).c_str()));
}

std::optional<bool> GetBool(plist_t dict, std::string_view key) {
  if (dict == nullptr || plist_get_node_type(dict) != PLIST_DICT) return std::nullopt;
  plist_t node = plist_dict_get_item(dict, std::string(key).c_str());
  if (node == nullptr || plist_get_node_type(node) != PLIST_BOOLEAN) return std::nullopt;
  uint8_t value = 0;
  plist_get_bool_val(node, &value);
  return value != 0;
}

std::optional<std::vector<uint8_t>> GetData(plist_t dict, std::string_view key) {
  if (dict == nullptr || plist_get_node_type(dict) != PLIST_DICT) return std::nullopt;
  plist_t node = plist_dict_get_item(dict, std::string(key).c_str());
  if (node == nullptr || plist_get_node_type(node) != PLIST_DATA) return std::nullopt;
  uint64_t length = 0;
  const char* ptr = plist_get_data_ptr(node, &length);
  const auto* bytes = reinterpret_cast<const uint8_t*>(ptr);
  return std::vector<uint8_t>(bytes, bytes + length);
}

std::vector<std::string> DictKeys(plist_t dict) {
  std::vector<std::string> keys;
  if (dict == nullptr || plist_get_node_type(dict) != PLIST_DICT) return keys;
  plist_dict_iter raw_iter = nullptr;
  plist_dict_new_iter(dict, &raw_iter);
  // libplist 2.2 allocates the iterator with malloc and has no free function for it.
  std::unique_ptr<void, decltype(&std::free)> iter(raw_iter, &std::free);
  while (true) {
    char* key = nullptr;
    plist_t value = nullptr;
    plist_dict_next_item(dict, iter.get(), &key, &value);
    std::unique_ptr<char, decltype(&std::free)> owned_key(key, &std::free);
    if (value == nullptr) break;
    if (owned_key) keys.emplace_back(owned_key.get());
  }
  return keys;
}

PlistPtr ParsePlist(std::span<const uint8_t> bytes) {
  plist_t node = nullptr;
  const char* data = reinterpret_cast<const char*>(bytes.data());
  const auto size = static_cast<uint32_t>(bytes.size());
  if (bytes.size() >= 8 && std::memcmp(data, "bplist00", 8) == 0) {
    plist_from_bin(data, size, &node);
  } else if (bytes.size() >= 5 && std::memcmp(data, "<?xml", 5) == 0) {
    plist_from_xml(data, size, &node);
  }
  return PlistPtr(node);
}

std::vector<uint8_t> ToBinary(plist_t node) {
  char* out = nullptr;
  uint32_t length = 0;
  plist_to_bin(node, &out, &length);
  std::vector<uint8_t> bytes(reinterpret_cast<uint8_t*>(out),
                             reinterpret_cast<uint8_t*>(out) + length);
  plist_to_bin_free(out);
  return bytes;
}

std::string ToXml(plist_t node) {
  char* out = nullptr;
  uint32_t length = 0;
  plist_to_xml(node, &out, &length);
  std::string xml(out, length);
  plist_to_xml_free(out);
  return xml;
}

std::string_view TypeName(plist_t node) {
  if (node == nullptr) return "null";
  switch (plist_get_node_type(node)) {
    case PLIST_BOOLEAN:
      return "bool";
    case PLIST_UINT:
      return "uint";
    case PLIST_REAL:
      return "real";
    case PLIST_STRING:
      return "string";
    case PLIST_ARRAY:
      return "array";
    case PLIST_DICT:
      return "dict";
    case PLIST_DATE:
      return "date";
    case PLIST_DATA:
      return "data";
    case PLIST_KEY:
      return "key";
    case PLIST_UID:
      return "uid";
    default:
      return "none";
  }
}

}  // namespace mfx::extract::emulator
