#include "extract/plist_handle.h"

#include <cstdlib>

namespace mfx::extract {
namespace {

std::string Base64(ByteSpan bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t{bytes[i]} << 16;
    if (i + 1 < bytes.size()) v |= uint32_t{bytes[i + 1]} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace

std::optional<std::string> PlistStringValue(plist_t node) {
  if (node == nullptr || plist_get_node_type(node) != PLIST_STRING) return std::nullopt;
  char* value = nullptr;
  plist_get_string_val(node, &value);
  std::string out = value != nullptr ? value : "";
  std::free(value);
  return out;
}

std::optional<uint64_t> PlistUintValue(plist_t node) {
  if (node == nullptr || plist_get_node_type(node) != PLIST_UINT) return std::nullopt;
  uint64_t value = 0;
  plist_get_uint_val(node, &value);
  return value;
}

std::optional<double> PlistRealValue(plist_t node) {
  if (node == nullptr || plist_get_node_type(node) != PLIST_REAL) return std::nullopt;
  double value = 0;
  plist_get_real_val(node, &value);
  return value;
}

std::optional<bool> PlistBoolValue(plist_t node) {
  if (node == nullptr || plist_get_node_type(node) != PLIST_BOOLEAN) return std::nullopt;
  uint8_t value = 0;
  plist_get_bool_val(node, &value);
  return value != 0;
}

std::optional<Bytes> PlistDataValue(plist_t node) {
  if (node == nullptr || plist_get_node_type(node) != PLIST_DATA) return std::nullopt;
  char* value = nullptr;
  uint64_t length = 0;
  plist_get_data_val(node, &value, &length);
  Bytes out(reinterpret_cast<uint8_t*>(value), reinterpret_cast<uint8_t*>(value) + length);
  std::free(value);
  return out;
}

plist_t PlistMember(plist_t dict, const char* key) {
  if (dict == nullptr || plist_get_node_type(dict) != PLIST_DICT) return nullptr;
  return plist_dict_get_item(dict, key);
}

const char* PlistTypeName(plist_t node) {
  if (node == nullptr) return "absent";
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
      return "unknown";
  }
}

std::vector<std::string> PlistKeys(plist_t dict) {
  std::vector<std::string> keys;
  if (dict == nullptr || plist_get_node_type(dict) != PLIST_DICT) return keys;
  plist_dict_iter it = nullptr;
  plist_dict_new_iter(dict, &it);
  if (it == nullptr) return keys;
  while (true) {
    char* key = nullptr;
    plist_t value = nullptr;
    plist_dict_next_item(dict, it, &key, &value);
    if (key == nullptr) break;
    keys.emplace_back(key);
    std::free(key);
  }
  std::free(it);
  return keys;
}

nlohmann::json PlistToJson(plist_t node) {
  using nlohmann::json;
  if (node == nullptr) return nullptr;
  switch (plist_get_node_type(node)) {
    case PLIST_BOOLEAN:
      return *PlistBoolValue(node);
    case PLIST_UINT:
      return *PlistUintValue(node);
    case PLIST_REAL:
      return *PlistRealValue(node);
    case PLIST_STRING:
      return SanitizeUtf8(*PlistStringValue(node));
    case PLIST_DATA:
      return json{{"base64", Base64(*PlistDataValue(node))}};
    case PLIST_DATE: {
      int32_t sec = 0;
      int32_t usec = 0;
      plist_get_date_val(node, &sec, &usec);
      return json{{"cocoa_seconds", static_cast<double>(sec) + usec / 1e6}};
    }
    case PLIST_ARRAY: {
      json out = json::array();
      for (uint32_t i = 0; i < plist_array_get_size(node); ++i)
        out.push_back(PlistToJson(plist_array_get_item(node, i)));
      return out;
    }
    case PLIST_DICT: {
      json out = json::object();
      for (const std::string& key : PlistKeys(node))
        out[SanitizeUtf8(key)] = PlistToJson(plist_dict_get_item(node, key.c_str()));
      return out;
    }
    default:
      return nullptr;
  }
}

}  // namespace mfx::extract
