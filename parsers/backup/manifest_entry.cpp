#include "parsers/backup/manifest_entry.h"

#include "core/crypto.h"

namespace mfx::parsers::backup {

std::string_view EntryKindName(EntryKind kind) {
  switch (kind) {
    case EntryKind::kFile: return "file";
    case EntryKind::kDirectory: return "dir";
    case EntryKind::kSymlink: return "symlink";
    case EntryKind::kUnknown: return "unknown";
  }
  return "unknown";
}

std::optional<uint32_t> ManifestEntry::EffectiveClass() const {
  if (protection_class && *protection_class != 0) return protection_class;
  if (encryption_key && encryption_key->size() >= 4) return LoadLe32(encryption_key->data());
  return protection_class;
}

std::string ComputeFileId(std::string_view domain, std::string_view relative_path) {
  std::string joined;
  joined.reserve(domain.size() + 1 + relative_path.size());
  joined.append(domain).append("-").append(relative_path);
  return core::Sha1Hex(AsBytes(joined));
}

}  // namespace mfx::parsers::backup
