#include "parsers/sms/typedstream.h"

#include <cstdio>
#include <optional>
#include <string_view>
#include <vector>

namespace mfx::parsers::sms {
namespace {

// Tags, as unsigned bytes (the format reads them as signed: -127 … -122).
constexpr uint8_t kTagInt16 = 0x81;
constexpr uint8_t kTagInt32 = 0x82;
constexpr uint8_t kTagFloat = 0x83;
constexpr uint8_t kTagNew = 0x84;
constexpr uint8_t kTagNil = 0x85;
constexpr uint8_t kTagEnd = 0x86;
constexpr uint8_t kFirstTag = 0x80;  // -128 … -111 are reserved for tags
constexpr uint8_t kLastTag = 0x91;
constexpr int64_t kFirstReference = -110;  // signed value of the first reference (byte 0x92)

constexpr int64_t kNoText = -1;  // a group outside any NSString object
constexpr int kMaxDepth = 64;    // objects within objects, types within types
constexpr size_t kMaxTables = 1 << 20;

std::string Hex(size_t offset) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%zx", offset);
  return buf;
}

struct ObjectEntry {
  enum class Kind { kClass, kObject, kCString } kind;
  uint32_t name = 0;             // class: shared-string index of its name
  std::optional<uint32_t> link;  // class: its superclass; object: its class
};

// Length of the single type encoding at the start of enc ("i", "[582c]", "{_NSRange=QQ}", "^v").
Result<size_t> TypeLength(std::string_view enc, int depth) {
  if (enc.empty()) return Fail(ErrorCode::kCorrupt, "typedstream: empty type encoding");
  if (depth > kMaxDepth)
    return Fail(ErrorCode::kCorrupt, "typedstream: type encoding nests too deep");
  const char c = enc[0];
  if (c == '[') {
    size_t i = 1;
    while (i < enc.size() && enc[i] >= '0' && enc[i] <= '9') ++i;
    MFX_ASSIGN_OR_RETURN(const size_t n, TypeLength(enc.substr(i), depth + 1));
    i += n;
    if (i >= enc.size() || enc[i] != ']') {
      return Fail(ErrorCode::kCorrupt,
                  "typedstream: unterminated array type '" + std::string(enc) + "'");
    }
    return i + 1;
  }
  if (c == '{' || c == '(') {
    int open = 0;
    for (size_t i = 0; i < enc.size(); ++i) {
      if (enc[i] == '{' || enc[i] == '(' || enc[i] == '[') ++open;
      if (enc[i] == '}' || enc[i] == ')' || enc[i] == ']') {
        if (--open == 0) return i + 1;
      }
    }
    return Fail(ErrorCode::kCorrupt, "typedstream: unterminated type '" + std::string(enc) + "'");
  }
  if (c == '^') {
    MFX_ASSIGN_OR_RETURN(const size_t n, TypeLength(enc.substr(1), depth + 1));
    return n + 1;
  }
  return 1;
}

class Reader {
 public:
  explicit Reader(ByteSpan data) : data_(data), budget_(2 * data.size() + 256) {}

  Result<TypedstreamText> Run() {
    MFX_RETURN_IF_ERROR(Header());
    while (pos_ < data_.size()) {
      const size_t at = pos_;
      MFX_ASSIGN_OR_RETURN(const uint8_t head, Byte());
      if (head == kTagEnd) return Corrupt("end-of-object tag outside an object", at);
      MFX_RETURN_IF_ERROR(Group(head, 0, kNoText));
      if (found_) return std::move(*found_);
    }
    return Fail(ErrorCode::kCorrupt, "typedstream: no NSString text in the archive");
  }

 private:
  tl::unexpected<Error> Corrupt(std::string_view what, size_t at) const {
    return Fail(ErrorCode::kCorrupt, "typedstream: " + std::string(what) + " at offset " + Hex(at));
  }

  Status Need(size_t n) const {
    if (n > data_.size() - pos_) {
      return Corrupt(
          "needs " + std::to_string(n) + " bytes, " + std::to_string(data_.size() - pos_) + " left",
          pos_);
    }
    return {};
  }

  Result<uint8_t> Byte() {
    MFX_RETURN_IF_ERROR(Need(1));
    return data_[pos_++];
  }

  uint64_t Load(size_t n) {  // n bytes at pos_ in the stream's byte order; Need(n) was checked
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t b = data_[pos_ + (big_endian_ ? i : n - 1 - i)];
      v = (v << 8) | b;
    }
    pos_ += n;
    return v;
  }

  // The rest of an integer whose head byte has been read.
  Result<int64_t> IntegerAfter(uint8_t head) {
    if (head == kTagInt16) {
      MFX_RETURN_IF_ERROR(Need(2));
      return static_cast<int16_t>(Load(2));
    }
    if (head == kTagInt32) {
      MFX_RETURN_IF_ERROR(Need(4));
      return static_cast<int32_t>(Load(4));
    }
    if (head >= kFirstTag && head <= kLastTag) {
      return Corrupt("tag " + Hex(head) + " where an integer belongs", pos_ - 1);
    }
    return static_cast<int8_t>(head);
  }

  Result<int64_t> Integer() {
    MFX_ASSIGN_OR_RETURN(const uint8_t head, Byte());
    return IntegerAfter(head);
  }

  Result<uint32_t> Reference(uint8_t head, size_t table_size, std::string_view table) {
    const size_t at = pos_ - 1;
    MFX_ASSIGN_OR_RETURN(const int64_t v, IntegerAfter(head));
    const int64_t index = v - kFirstReference;
    if (index < 0 || static_cast<uint64_t>(index) >= table_size) {
      return Corrupt("reference " + std::to_string(index) + " beyond the " + std::string(table) +
                         " table (" + std::to_string(table_size) + " entries)",
                     at);
    }
    return static_cast<uint32_t>(index);
  }

  Status Spend() {
    if (budget_ == 0) return Corrupt("more values than the input can hold", pos_);
    --budget_;
    return {};
  }

  std::string_view SharedText(uint32_t index) const {
    const auto [offset, length] = strings_[index];
    return AsString(data_.subspan(offset, length));
  }

  Status Header() {
    MFX_ASSIGN_OR_RETURN(const uint8_t version, Byte());
    if (version != 3 && version != 4) {
      return Corrupt("not a typedstream (streamer version " + std::to_string(version) + ")", 0);
    }
    MFX_ASSIGN_OR_RETURN(const int64_t length, Integer());
    if (length != 11) return Corrupt("not a typedstream (signature length)", 1);
    MFX_RETURN_IF_ERROR(Need(11));
    const std::string_view signature = AsString(data_.subspan(pos_, 11));
    if (signature == "typedstream") {
      big_endian_ = true;
    } else if (signature != "streamtyped") {
      return Corrupt("not a typedstream (signature)", pos_);
    }
    pos_ += 11;
    MFX_ASSIGN_OR_RETURN(const int64_t system_version, Integer());
    (void)system_version;
    return {};
  }

  // A shared string (type encodings, class names): new, nil or a reference. nullopt for nil.
  Result<std::optional<uint32_t>> SharedString(uint8_t head) {
    if (head == kTagNil) return std::nullopt;
    if (head != kTagNew) return Reference(head, strings_.size(), "shared-string");
    const size_t at = pos_;
    MFX_ASSIGN_OR_RETURN(const int64_t length, Integer());
    if (length < 0) return Corrupt("negative string length", at);
    MFX_RETURN_IF_ERROR(Need(static_cast<size_t>(length)));
    if (strings_.size() >= kMaxTables) return Corrupt("too many shared strings", at);
    strings_.emplace_back(pos_, static_cast<size_t>(length));
    pos_ += static_cast<size_t>(length);
    return static_cast<uint32_t>(strings_.size() - 1);
  }

  Result<std::optional<uint32_t>> Class(uint8_t head, int depth) {
    if (head == kTagNil) return std::nullopt;
    const size_t at = pos_ - 1;
    if (head != kTagNew) {
      MFX_ASSIGN_OR_RETURN(const uint32_t index, Reference(head, objects_.size(), "object"));
      if (objects_[index].kind != ObjectEntry::Kind::kClass) {
        return Corrupt("reference to a non-class where a class belongs", at);
      }
      return index;
    }
    if (depth > kMaxDepth) return Corrupt("class chain too deep", at);
    MFX_ASSIGN_OR_RETURN(const uint8_t name_head, Byte());
    MFX_ASSIGN_OR_RETURN(const std::optional<uint32_t> name, SharedString(name_head));
    if (!name) return Corrupt("class without a name", at);
    MFX_ASSIGN_OR_RETURN(const int64_t version, Integer());
    (void)version;
    if (objects_.size() >= kMaxTables) return Corrupt("too many objects", at);
    const uint32_t index = static_cast<uint32_t>(objects_.size());
    objects_.push_back({ObjectEntry::Kind::kClass, *name, std::nullopt});
    MFX_ASSIGN_OR_RETURN(const uint8_t super_head, Byte());
    MFX_ASSIGN_OR_RETURN(const std::optional<uint32_t> super, Class(super_head, depth + 1));
    objects_[index].link = super;
    return index;
  }

  bool ChainHas(std::optional<uint32_t> cls, std::string_view name) const {
    for (int hops = 0; cls && hops <= kMaxDepth; ++hops) {
      const ObjectEntry& e = objects_[*cls];
      if (SharedText(e.name) == name) return true;
      cls = e.link;
    }
    return false;
  }

  Result<std::optional<uint32_t>> Object(uint8_t head, int depth) {
    if (head == kTagNil) return std::nullopt;
    const size_t at = pos_ - 1;
    if (head != kTagNew) {
      MFX_ASSIGN_OR_RETURN(const uint32_t index, Reference(head, objects_.size(), "object"));
      return index;
    }
    if (depth > kMaxDepth) return Corrupt("objects nest too deep", at);
    if (objects_.size() >= kMaxTables) return Corrupt("too many objects", at);
    const uint32_t index = static_cast<uint32_t>(objects_.size());
    objects_.push_back({ObjectEntry::Kind::kObject, 0, std::nullopt});
    MFX_ASSIGN_OR_RETURN(const uint8_t class_head, Byte());
    MFX_ASSIGN_OR_RETURN(const std::optional<uint32_t> cls, Class(class_head, depth + 1));
    if (!cls) return Corrupt("object without a class", at);
    objects_[index].link = cls;
    const int64_t text_class = ChainHas(cls, "NSString") ? int64_t{*cls} : kNoText;
    for (;;) {
      MFX_ASSIGN_OR_RETURN(const uint8_t group_head, Byte());
      if (group_head == kTagEnd) break;
      MFX_RETURN_IF_ERROR(Group(group_head, depth + 1, text_class));
      if (found_) break;
    }
    return index;
  }

  // A group: a type-encoding string, then one value per type. text_class (the object table index
  // of the class, else kNoText) is set when the group belongs to an NSString object: its first
  // '+' value is the text.
  Status Group(uint8_t head, int depth, int64_t text_class) {
    const size_t at = pos_ - 1;
    MFX_ASSIGN_OR_RETURN(const std::optional<uint32_t> types, SharedString(head));
    if (!types) return Corrupt("nil type encoding", at);
    std::string_view enc = SharedText(*types);
    if (enc.empty()) return Corrupt("empty type encoding", at);
    while (!enc.empty() && !found_) {
      MFX_ASSIGN_OR_RETURN(const size_t n, TypeLength(enc, 0));
      MFX_RETURN_IF_ERROR(Value(enc.substr(0, n), depth, text_class));
      enc.remove_prefix(n);
    }
    return {};
  }

  Status Text(int64_t cls) {
    const size_t at = pos_;
    MFX_ASSIGN_OR_RETURN(const int64_t length, Integer());
    if (length < 0) return Corrupt("negative text length", at);
    TypedstreamText t;
    t.offset = pos_;
    t.declared_length = static_cast<uint64_t>(length);
    size_t take = static_cast<size_t>(length);
    if (t.declared_length > data_.size() - pos_) {
      // The length is wrong, so the end of the text is unknown: it ends where the bytes stop
      // being UTF-8 (the object's end marker 0x86 cannot start a character), never in the
      // attribute structures that follow (the ExtraData sample: 157 declared, 17 of text).
      take = ValidUtf8PrefixLength(AsString(data_.subspan(pos_)));
      t.clamped = true;
    }
    const std::string_view raw = AsString(data_.subspan(pos_, take));
    pos_ += take;
    if (IsValidUtf8(raw)) {
      t.text.assign(raw);
    } else {
      t.invalid_utf8 = true;
      t.text = SanitizeUtf8(raw);
    }
    t.class_name = SharedText(objects_[static_cast<size_t>(cls)].name);
    found_ = std::move(t);
    return {};
  }

  Status Value(std::string_view type, int depth, int64_t text_class) {
    MFX_RETURN_IF_ERROR(Spend());
    const size_t at = pos_;
    switch (type[0]) {
      case 'c':
      case 'C':
      case 's':
      case 'S':
      case 'i':
      case 'I':
      case 'l':
      case 'L':
      case 'q':
      case 'Q':
      case 'B': {
        MFX_ASSIGN_OR_RETURN(const int64_t v, Integer());
        (void)v;
        return {};
      }
      case 'f':
      case 'd': {
        MFX_ASSIGN_OR_RETURN(const uint8_t head, Byte());
        if (head != kTagFloat) {
          MFX_ASSIGN_OR_RETURN(const int64_t v, IntegerAfter(head));
          (void)v;
          return {};
        }
        const size_t n = type[0] == 'f' ? 4 : 8;
        MFX_RETURN_IF_ERROR(Need(n));
        pos_ += n;
        return {};
      }
      case '+': {  // a byte string: length, then the bytes (nil allowed)
        if (pos_ < data_.size() && data_[pos_] == kTagNil) {
          ++pos_;
          return {};
        }
        if (text_class != kNoText) return Text(text_class);
        MFX_ASSIGN_OR_RETURN(const int64_t length, Integer());
        if (length < 0) return Corrupt("negative byte-string length", at);
        MFX_RETURN_IF_ERROR(Need(static_cast<size_t>(length)));
        pos_ += static_cast<size_t>(length);
        return {};
      }
      case '*': {  // a C string: shared, and registered in the object table
        MFX_ASSIGN_OR_RETURN(const uint8_t head, Byte());
        if (head == kTagNil) return {};
        if (head != kTagNew) {
          MFX_ASSIGN_OR_RETURN(const uint32_t index, Reference(head, objects_.size(), "object"));
          (void)index;
          return {};
        }
        MFX_ASSIGN_OR_RETURN(const uint8_t string_head, Byte());
        MFX_ASSIGN_OR_RETURN(const std::optional<uint32_t> s, SharedString(string_head));
        if (!s) return Corrupt("nil C string after a new tag", at);
        if (objects_.size() >= kMaxTables) return Corrupt("too many objects", at);
        objects_.push_back({ObjectEntry::Kind::kCString, *s, std::nullopt});
        return {};
      }
      case '%':
      case ':': {  // atom, selector: shared strings
        MFX_ASSIGN_OR_RETURN(const uint8_t head, Byte());
        MFX_ASSIGN_OR_RETURN(const std::optional<uint32_t> s, SharedString(head));
        (void)s;
        return {};
      }
      case '@': {
        MFX_ASSIGN_OR_RETURN(const uint8_t head, Byte());
        MFX_ASSIGN_OR_RETURN(const std::optional<uint32_t> o, Object(head, depth + 1));
        (void)o;
        return {};
      }
      case '#': {
        MFX_ASSIGN_OR_RETURN(const uint8_t head, Byte());
        MFX_ASSIGN_OR_RETURN(const std::optional<uint32_t> c, Class(head, depth + 1));
        (void)c;
        return {};
      }
      case '[': {
        size_t i = 1;
        uint64_t count = 0;
        while (i < type.size() && type[i] >= '0' && type[i] <= '9') {
          count = count * 10 + static_cast<uint64_t>(type[i] - '0');
          if (count > data_.size() + 1)
            return Corrupt("array of impossible size '" + std::string(type) + "'", at);
          ++i;
        }
        const std::string_view element = type.substr(i, type.size() - i - 1);
        if (element == "c" || element == "C") {  // raw bytes
          MFX_RETURN_IF_ERROR(Need(static_cast<size_t>(count)));
          pos_ += static_cast<size_t>(count);
          return {};
        }
        if (count > budget_)
          return Corrupt("array larger than the input '" + std::string(type) + "'", at);
        for (uint64_t k = 0; k < count; ++k)
          MFX_RETURN_IF_ERROR(Value(element, depth + 1, kNoText));
        return {};
      }
      case '{': {
        if (depth > kMaxDepth) return Corrupt("structures nest too deep", at);
        std::string_view members = type.substr(1, type.size() - 2);
        const size_t eq = members.find('=');
        members = eq == std::string_view::npos ? std::string_view() : members.substr(eq + 1);
        while (!members.empty()) {
          MFX_ASSIGN_OR_RETURN(const size_t n, TypeLength(members, 0));
          MFX_RETURN_IF_ERROR(Value(members.substr(0, n), depth + 1, kNoText));
          members.remove_prefix(n);
        }
        return {};
      }
      default:
        return Fail(ErrorCode::kUnsupported, "typedstream: type '" + std::string(type) +
                                                 "' is not read by mfx (offset " + Hex(at) + ")");
    }
  }

  ByteSpan data_;
  size_t pos_ = 0;
  bool big_endian_ = false;
  size_t budget_;
  std::vector<std::pair<size_t, size_t>> strings_;  // offset and length in data_
  std::vector<ObjectEntry> objects_;
  std::optional<TypedstreamText> found_;
};

}  // namespace

Result<TypedstreamText> DecodeAttributedBodyText(ByteSpan blob) { return Reader(blob).Run(); }

}  // namespace mfx::parsers::sms
