#include "core/plist.h"

#include <plist/plist.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

#include "core/bytes.h"

namespace mfx::core {
namespace {

struct PlistDeleter {
  void operator()(plist_t p) const { plist_free(p); }
};
using PlistHandle = std::unique_ptr<void, PlistDeleter>;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// A date node's seconds since 2001-01-01 (Cocoa), exactly as stored. libplist 2.2's
// plist_get_date_val hands out whole seconds as int32 (a date after 2069 or before 1933 wraps to
// 1932) and truncates negative fractions towards zero (-1.5 came out as -0.5); its binary writer
// keeps the node's double, so the date is written alone and the 8-byte value read back.
double DateSeconds(plist_t node) {
  char* bin = nullptr;
  uint32_t length = 0;
  plist_to_bin(node, &bin, &length);
  std::unique_ptr<char, FreeDeleter> owned(bin);
  // "bplist00", then the only object: marker 0x33 (date, 2^3 bytes) and a big-endian float64.
  if (bin == nullptr || length < 17 || static_cast<uint8_t>(bin[8]) != 0x33) {
    int32_t sec = 0, usec = 0;  // cannot happen with libplist 2.2; keep the library's reading
    plist_get_date_val(node, &sec, &usec);
    return static_cast<double>(sec) + static_cast<double>(usec) / 1e6;
  }
  return std::bit_cast<double>(LoadBe64(reinterpret_cast<const uint8_t*>(bin) + 9));
}

// Deep nesting in hostile input must not exhaust the stack.
constexpr int kMaxDepth = 256;

Result<PlistValue> Convert(plist_t node, int depth, std::string_view what) {
  if (depth > kMaxDepth) {
    return Fail(ErrorCode::kCorrupt, std::string(what) + ": nesting deeper than 256 levels");
  }
  switch (plist_get_node_type(node)) {
    case PLIST_BOOLEAN: {
      uint8_t b = 0;
      plist_get_bool_val(node, &b);
      return PlistValue(b != 0);
    }
    case PLIST_UINT: {
      uint64_t u = 0;
      plist_get_uint_val(node, &u);
      return PlistValue(static_cast<int64_t>(u));
    }
    case PLIST_REAL: {
      double d = 0;
      plist_get_real_val(node, &d);
      return PlistValue(d);
    }
    case PLIST_STRING:
    case PLIST_KEY: {
      if (plist_get_node_type(node) == PLIST_STRING) {
        // By pointer and length: plist_get_string_val asserts (aborts the process) on a string
        // holding U+0000, which a binary plist's UTF-16 string can; the character is kept.
        uint64_t length = 0;
        const char* p = plist_get_string_ptr(node, &length);
        return PlistValue(p != nullptr ? std::string(p, length) : std::string());
      }
      // A key outside a dict (libplist never makes one from a file; keys inside dicts are read
      // below): its U+0000 was replaced before parsing (PatchNulKeys).
      char* s = nullptr;
      plist_get_key_val(node, &s);
      std::unique_ptr<char, FreeDeleter> owned(s);
      return PlistValue(std::string(s ? s : ""));
    }
    case PLIST_DATA: {
      char* d = nullptr;
      uint64_t len = 0;
      plist_get_data_val(node, &d, &len);
      std::unique_ptr<char, FreeDeleter> owned(d);
      const auto* p = reinterpret_cast<const uint8_t*>(d);
      return PlistValue(p ? Bytes(p, p + len) : Bytes());
    }
    case PLIST_DATE:
      return PlistValue(PlistDate{DateSeconds(node)});
    case PLIST_UID: {
      uint64_t u = 0;
      plist_get_uid_val(node, &u);
      return PlistValue(PlistUid{u});
    }
    case PLIST_ARRAY: {
      PlistArray out;
      const uint32_t n = plist_array_get_size(node);
      out.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        // Moved straight out of the Result (a named copy first trips GCC 12's
        // -Wmaybe-uninitialized on std::variant at -O3).
        auto item = Convert(plist_array_get_item(node, i), depth + 1, what);
        if (!item) return tl::unexpected(std::move(item.error()));
        out.push_back(std::move(*item));
      }
      return PlistValue(std::move(out));
    }
    case PLIST_DICT: {
      PlistDict out;
      plist_dict_iter it = nullptr;
      plist_dict_new_iter(node, &it);
      std::unique_ptr<void, FreeDeleter> owned_it(it);
      for (;;) {
        char* key = nullptr;
        plist_t val = nullptr;
        plist_dict_next_item(node, it, &key, &val);
        if (val == nullptr) {
          std::free(key);
          break;
        }
        std::unique_ptr<char, FreeDeleter> owned_key(key);
        auto item = Convert(val, depth + 1, what);
        if (!item) return tl::unexpected(std::move(item.error()));
        out.insert_or_assign(std::string(key ? key : ""), std::move(*item));
      }
      return PlistValue(std::move(out));
    }
    case PLIST_NONE:
    default:
      return PlistValue();
  }
}

Result<plist_t> ToNode(const PlistValue& value, int depth) {
  if (depth > kMaxDepth) return Fail(ErrorCode::kInvalidArgument, "plist nesting too deep");
  struct Visitor {
    int depth;
    Result<plist_t> operator()(std::monostate) const {
      return Fail(ErrorCode::kInvalidArgument, "null cannot be written to a plist");
    }
    Result<plist_t> operator()(bool b) const { return plist_new_bool(b ? 1 : 0); }
    Result<plist_t> operator()(int64_t i) const {
      return plist_new_uint(static_cast<uint64_t>(i));
    }
    Result<plist_t> operator()(double d) const { return plist_new_real(d); }
    Result<plist_t> operator()(const std::string& s) const { return plist_new_string(s.c_str()); }
    Result<plist_t> operator()(const Bytes& b) const {
      return plist_new_data(reinterpret_cast<const char*>(b.data()), b.size());
    }
    Result<plist_t> operator()(const PlistDate& d) const {
      const double sec = std::floor(d.cocoa_seconds);
      return plist_new_date(static_cast<int32_t>(sec),
                            static_cast<int32_t>(std::llround((d.cocoa_seconds - sec) * 1e6)));
    }
    Result<plist_t> operator()(const PlistUid& u) const { return plist_new_uid(u.value); }
    Result<plist_t> operator()(const PlistArray& a) const {
      PlistHandle arr(plist_new_array());
      for (const auto& item : a) {
        MFX_ASSIGN_OR_RETURN(plist_t child, ToNode(item, depth + 1));
        plist_array_append_item(arr.get(), child);
      }
      return arr.release();
    }
    Result<plist_t> operator()(const PlistDict& d) const {
      PlistHandle dict(plist_new_dict());
      for (const auto& [k, v] : d) {
        MFX_ASSIGN_OR_RETURN(plist_t child, ToNode(v, depth + 1));
        plist_dict_set_item(dict.get(), k.c_str(), child);
      }
      return dict.release();
    }
  };
  return std::visit(Visitor{depth}, value.storage());
}

}  // namespace

std::optional<int64_t> PlistValue::AsInt() const {
  if (auto* i = std::get_if<int64_t>(&v_)) return *i;
  if (auto* d = std::get_if<double>(&v_)) {
    if (std::isfinite(*d) && std::floor(*d) == *d && std::fabs(*d) < 9.2e18) {
      return static_cast<int64_t>(*d);
    }
  }
  return std::nullopt;
}
std::optional<double> PlistValue::AsReal() const {
  if (auto* d = std::get_if<double>(&v_)) return *d;
  if (auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  return std::nullopt;
}
std::optional<bool> PlistValue::AsBool() const {
  if (auto* b = std::get_if<bool>(&v_)) return *b;
  return std::nullopt;
}
std::optional<PlistDate> PlistValue::AsDate() const {
  if (auto* d = std::get_if<PlistDate>(&v_)) return *d;
  return std::nullopt;
}
std::optional<PlistUid> PlistValue::AsUid() const {
  if (auto* u = std::get_if<PlistUid>(&v_)) return *u;
  return std::nullopt;
}

const PlistValue* PlistValue::Find(std::string_view key) const {
  const auto* dict = AsDict();
  if (dict == nullptr) return nullptr;
  auto it = dict->find(key);
  return it == dict->end() ? nullptr : &it->second;
}

std::string_view PlistValue::TypeName() const {
  static constexpr std::string_view kNames[] = {"null", "bool",  "integer", "real",  "string",
                                                "data", "date",  "uid",     "array", "dict"};
  return kNames[v_.index()];
}

bool LooksLikePlist(ByteSpan bytes) {
  const std::string_view s = AsString(bytes.first(std::min<size_t>(bytes.size(), 64)));
  if (s.starts_with("bplist00")) return true;
  const size_t start = s.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (start == std::string_view::npos) return false;
  return s.substr(start).starts_with("<?xml") || s.substr(start).starts_with("<plist") ||
         s.substr(start).starts_with("<!DOCTYPE plist");
}

namespace {

// A big-endian integer of 1 to 8 bytes (bplist offsets and refs; core/bytes.h has the fixed widths).
uint64_t ReadBE(const uint8_t* p, unsigned width) {
  uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i) v = (v << 8) | p[i];
  return v;
}

// libplist 2.2 aborts (an assert in plist_get_key_val) on a dict key whose UTF-16 text holds
// U+0000, and it has no other way to read a key. So before a binary plist reaches it, every
// UTF-16 object used as a dict key is checked and, in a private copy, each U+0000 unit becomes
// U+FFFD (same size: offsets stay valid). Reads `b`; writes the replacements to `out` (a copy of
// `b`) when given. Returns the number of such units; anything this scan cannot follow is left for
// libplist to judge.
size_t PatchNulKeys(ByteSpan b, uint8_t* out) {
  if (b.size() < 8 + 32) return 0;
  const uint8_t* t = b.data() + b.size() - 32;
  const unsigned offset_size = t[6], ref_size = t[7];
  if (offset_size < 1 || offset_size > 8 || ref_size < 1 || ref_size > 8) return 0;
  const uint64_t objects = LoadBe64(t + 8);
  const uint64_t table = LoadBe64(t + 24);
  const uint64_t end = b.size() - 32;
  if (objects == 0 || objects > end || table >= end || (end - table) / offset_size < objects) return 0;
  auto offset_of = [&](uint64_t index) -> uint64_t {
    return index < objects ? ReadBE(b.data() + table + index * offset_size, offset_size)
                           : end;
  };
  // The count of a marker's object and where its content starts; false when it runs off the end.
  auto count_of = [&](uint64_t at, uint64_t& count, uint64_t& content) {
    count = b[at] & 0x0F;
    content = at + 1;
    if (count != 0x0F) return true;
    if (content >= end || (b[content] & 0xF0) != 0x10) return false;
    const unsigned width = 1u << (b[content] & 0x0F);
    if (width > 8 || content + 1 + width > end) return false;
    count = ReadBE(b.data() + content + 1, width);
    content += 1 + width;
    return true;
  };
  size_t replaced = 0;
  for (uint64_t i = 0; i < objects; ++i) {
    const uint64_t at = offset_of(i);
    if (at >= end || (b[at] & 0xF0) != 0xD0) continue;
    uint64_t count = 0, keys = 0;
    if (!count_of(at, count, keys) || count > (end - keys) / ref_size) continue;
    for (uint64_t k = 0; k < count; ++k) {
      const uint64_t ref = ReadBE(b.data() + keys + k * ref_size, ref_size);
      const uint64_t key_at = offset_of(ref);
      if (key_at >= end || (b[key_at] & 0xF0) != 0x60) continue;
      uint64_t units = 0, text = 0;
      if (!count_of(key_at, units, text) || units > (end - text) / 2) continue;
      for (uint64_t u = 0; u < units; ++u) {
        const uint64_t unit = text + 2 * u;
        if (b[unit] == 0 && b[unit + 1] == 0) {
          if (out != nullptr) {
            out[unit] = 0xFF;
            out[unit + 1] = 0xFD;
          }
          ++replaced;
        }
      }
    }
  }
  return replaced;
}

}  // namespace

Result<PlistValue> ParsePlist(ByteSpan bytes, std::string_view what) {
  if (bytes.size() > std::numeric_limits<uint32_t>::max()) {
    return Fail(ErrorCode::kUnsupported, std::string(what) + ": plist larger than 4 GiB");
  }
  if (!LooksLikePlist(bytes)) {
    return Fail(ErrorCode::kCorrupt, std::string(what) + ": not a binary or XML property list");
  }
  plist_t root = nullptr;
  const auto* data = reinterpret_cast<const char*>(bytes.data());
  const auto len = static_cast<uint32_t>(bytes.size());
  if (plist_is_binary(data, len)) {
    if (PatchNulKeys(bytes, nullptr) > 0) {  // rare: copy only then
      Bytes patched(bytes.begin(), bytes.end());
      PatchNulKeys(bytes, patched.data());
      plist_from_bin(reinterpret_cast<const char*>(patched.data()), len, &root);
    } else {
      plist_from_bin(data, len, &root);
    }
  } else {
    plist_from_xml(data, len, &root);
  }
  if (root == nullptr) {
    return Fail(ErrorCode::kCorrupt, std::string(what) + ": libplist could not decode it");
  }
  PlistHandle owned(root);
  return Convert(root, 0, what);
}

Result<Bytes> WritePlist(const PlistValue& value, bool binary) {
  MFX_ASSIGN_OR_RETURN(plist_t node, ToNode(value, 0));
  PlistHandle owned(node);
  char* out = nullptr;
  uint32_t len = 0;
  if (binary) {
    plist_to_bin(node, &out, &len);
  } else {
    plist_to_xml(node, &out, &len);
  }
  if (out == nullptr) return Fail(ErrorCode::kInternal, "libplist could not serialise");
  Bytes bytes(reinterpret_cast<uint8_t*>(out), reinterpret_cast<uint8_t*>(out) + len);
  if (binary) {
    plist_to_bin_free(out);
  } else {
    plist_to_xml_free(out);
  }
  return bytes;
}

}  // namespace mfx::core
