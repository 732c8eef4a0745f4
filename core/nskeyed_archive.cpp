#include "core/nskeyed_archive.h"

#include <vector>

namespace mfx::core {
namespace {

constexpr int kMaxDepth = 128;
// Shared sub-objects are expanded at every reference; a hostile archive where each object names
// the next twice would otherwise expand to 2^128 nodes.
constexpr size_t kMaxExpandedNodes = 2'000'000;

class Decoder {
 public:
  explicit Decoder(const PlistArray& objects)
      : objects_(objects), on_path_(objects.size(), false) {}

  Result<PlistValue> Resolve(const PlistValue& value, int depth) {
    if (depth > kMaxDepth) return Fail(ErrorCode::kCorrupt, "archive nested deeper than 128");
    if (++expanded_ > kMaxExpandedNodes) {
      return Fail(ErrorCode::kCorrupt, "archive expands to more than 2,000,000 values");
    }
    if (auto uid = value.AsUid()) return ResolveUid(uid->value, depth);
    if (const auto* array = value.AsArray()) {
      PlistArray out;
      out.reserve(array->size());
      for (const auto& item : *array) {
        MFX_ASSIGN_OR_RETURN(auto v, Resolve(item, depth + 1));
        out.push_back(std::move(v));
      }
      return PlistValue(std::move(out));
    }
    if (const auto* dict = value.AsDict()) return ResolveObject(*dict, depth);
    return value;
  }

 private:
  Result<PlistValue> ResolveUid(uint64_t index, int depth) {
    if (index >= objects_.size()) {
      return Fail(ErrorCode::kCorrupt, "UID " + std::to_string(index) + " is outside $objects (" +
                                           std::to_string(objects_.size()) + " entries)");
    }
    if (on_path_[index]) {
      return Fail(ErrorCode::kCorrupt, "UID " + std::to_string(index) + " refers to itself (cycle)");
    }
    const PlistValue& object = objects_[index];
    if (const auto* s = object.AsString(); s != nullptr && *s == "$null") return PlistValue();
    on_path_[index] = true;
    auto out = Resolve(object, depth + 1);
    on_path_[index] = false;
    if (!out) return tl::unexpected(WithContext(out.error(), "$objects[" + std::to_string(index) + "]"));
    return out;
  }

  // The class name of an object dict, from its $class UID → {$classname}.
  Result<std::string> ClassName(const PlistDict& object) {
    auto it = object.find("$class");
    if (it == object.end()) return std::string();
    auto uid = it->second.AsUid();
    if (!uid || uid->value >= objects_.size()) {
      return Fail(ErrorCode::kCorrupt, "$class is not a UID into $objects");
    }
    const PlistValue* name = objects_[uid->value].Find("$classname");
    if (name == nullptr || name->AsString() == nullptr) {
      return Fail(ErrorCode::kCorrupt, "class object without $classname");
    }
    return *name->AsString();
  }

  Result<PlistValue> ResolveObject(const PlistDict& object, int depth) {
    MFX_ASSIGN_OR_RETURN(std::string cls, ClassName(object));
    auto member = [&](std::string_view key) -> const PlistValue* {
      auto it = object.find(key);
      return it == object.end() ? nullptr : &it->second;
    };
    const PlistValue* keys = member("NS.keys");
    const PlistValue* objects = member("NS.objects");
    if (keys != nullptr && objects != nullptr) {
      MFX_ASSIGN_OR_RETURN(auto k, Resolve(*keys, depth + 1));
      MFX_ASSIGN_OR_RETURN(auto v, Resolve(*objects, depth + 1));
      const auto* ka = k.AsArray();
      const auto* va = v.AsArray();
      if (ka == nullptr || va == nullptr || ka->size() != va->size()) {
        return Fail(ErrorCode::kCorrupt, cls + ": NS.keys and NS.objects differ in length");
      }
      PlistDict out;
      for (size_t i = 0; i < ka->size(); ++i) {
        const auto* key = (*ka)[i].AsString();
        if (key == nullptr) return Fail(ErrorCode::kCorrupt, cls + ": dictionary key is not a string");
        out.insert_or_assign(*key, (*va)[i]);
      }
      return PlistValue(std::move(out));
    }
    if (objects != nullptr && keys == nullptr) return Resolve(*objects, depth + 1);
    if (const PlistValue* s = member("NS.string")) return Resolve(*s, depth + 1);
    if (const PlistValue* d = member("NS.data")) return Resolve(*d, depth + 1);
    if (const PlistValue* t = member("NS.time"); t != nullptr && t->AsReal()) {
      return PlistValue(PlistDate{*t->AsReal()});
    }
    PlistDict out;
    for (const auto& [key, value] : object) {
      if (key == "$class") continue;
      MFX_ASSIGN_OR_RETURN(auto v, Resolve(value, depth + 1));
      out.insert_or_assign(key, std::move(v));
    }
    if (!cls.empty()) out.insert_or_assign("$class", PlistValue(cls));
    return PlistValue(std::move(out));
  }

  const PlistArray& objects_;
  std::vector<bool> on_path_;
  size_t expanded_ = 0;
};

}  // namespace

Result<PlistValue> DecodeKeyedArchive(const PlistValue& archive, std::string_view top_key) {
  const PlistValue* archiver = archive.Find("$archiver");
  if (archiver == nullptr || archiver->AsString() == nullptr ||
      *archiver->AsString() != "NSKeyedArchiver") {
    return Fail(ErrorCode::kCorrupt, "not an NSKeyedArchiver archive ($archiver missing)");
  }
  const PlistValue* objects = archive.Find("$objects");
  const PlistValue* top = archive.Find("$top");
  if (objects == nullptr || objects->AsArray() == nullptr || top == nullptr || !top->is_dict()) {
    return Fail(ErrorCode::kCorrupt, "archive without $objects array or $top dict");
  }
  const PlistValue* root = top->Find(top_key);
  if (root == nullptr) {
    return Fail(ErrorCode::kCorrupt, "archive $top has no '" + std::string(top_key) + "'");
  }
  Decoder decoder(*objects->AsArray());
  return decoder.Resolve(*root, 0);
}

Result<PlistValue> DecodeKeyedArchiveBytes(ByteSpan bytes, std::string_view what,
                                           std::string_view top_key) {
  MFX_ASSIGN_OR_RETURN(auto archive, ParsePlist(bytes, what));
  auto out = DecodeKeyedArchive(archive, top_key);
  if (!out) return tl::unexpected(WithContext(out.error(), what));
  return out;
}

}  // namespace mfx::core
