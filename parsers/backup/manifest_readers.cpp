#include "parsers/backup/manifest_readers.h"

#include <sys/stat.h>

#include "core/nskeyed_archive.h"
#include "core/time.h"

namespace mfx::parsers::backup {
namespace {

using core::PlistValue;

EntryKind KindFromMode(uint32_t mode) {
  switch (mode & 0170000) {
    case 0100000: return EntryKind::kFile;
    case 0040000: return EntryKind::kDirectory;
    case 0120000: return EntryKind::kSymlink;
    default: return EntryKind::kUnknown;
  }
}

std::optional<int64_t> IntField(const PlistValue& dict, std::string_view key) {
  const PlistValue* v = dict.Find(key);
  if (v == nullptr) return std::nullopt;
  if (auto i = v->AsInt()) return i;
  // MVT also accepts NSDate values for the time fields.
  if (auto d = v->AsDate()) {
    return static_cast<int64_t>(d->cocoa_seconds) + core::kCocoaEpochUnixSeconds;
  }
  return std::nullopt;
}

// Manifest.db flags: 1 file, 2 directory, 4 symlink. 0 occurs (pyiosbackup vector): then the
// MBFile Mode decides.
EntryKind KindFromFlags(int64_t flags, uint32_t mode) {
  switch (flags) {
    case 1: return EntryKind::kFile;
    case 2: return EntryKind::kDirectory;
    case 4: return EntryKind::kSymlink;
    default: return KindFromMode(mode);
  }
}

// A bounded big-endian reader over the mbdb bytes.
class MbdbReader {
 public:
  explicit MbdbReader(ByteSpan b) : b_(b) {}
  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= b_.size(); }

  bool String(std::optional<std::string>& out) {
    uint16_t len;
    if (!U16(len)) return false;
    if (len == 0xFFFF) {
      out.reset();
      return true;
    }
    if (b_.size() - pos_ < len) return false;
    out.emplace(reinterpret_cast<const char*>(b_.data() + pos_), len);
    pos_ += len;
    return true;
  }
  bool U8(uint8_t& v) {
    if (b_.size() - pos_ < 1) return false;
    v = b_[pos_++];
    return true;
  }
  bool U16(uint16_t& v) {
    if (b_.size() - pos_ < 2) return false;
    v = LoadBe16(b_.data() + pos_);
    pos_ += 2;
    return true;
  }
  bool U32(uint32_t& v) {
    if (b_.size() - pos_ < 4) return false;
    v = LoadBe32(b_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool U64(uint64_t& v) {
    if (b_.size() - pos_ < 8) return false;
    v = LoadBe64(b_.data() + pos_);
    pos_ += 8;
    return true;
  }

 private:
  ByteSpan b_;
  size_t pos_ = 0;
};

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

Status DecodeMbFile(ByteSpan blob, ManifestEntry& entry) {
  MFX_ASSIGN_OR_RETURN(PlistValue file, core::DecodeKeyedArchiveBytes(blob, "MBFile"));
  if (!file.is_dict()) return Fail(ErrorCode::kCorrupt, "MBFile root is not an object");
  if (const PlistValue* cls = file.Find("$class"); cls && cls->AsString() && *cls->AsString() != "MBFile") {
    return Fail(ErrorCode::kUnsupported, "root object is a " + *cls->AsString() + ", not an MBFile");
  }
  if (auto v = IntField(file, "Mode")) entry.mode = static_cast<uint32_t>(*v);
  if (auto v = IntField(file, "Size"); v && *v >= 0) entry.recorded_size = static_cast<uint64_t>(*v);
  if (auto v = IntField(file, "ProtectionClass")) entry.protection_class = static_cast<uint32_t>(*v);
  entry.birth = IntField(file, "Birth");
  entry.mtime = IntField(file, "LastModified");
  entry.ctime = IntField(file, "LastStatusChange");
  if (auto v = IntField(file, "InodeNumber")) entry.inode = static_cast<uint64_t>(*v);
  if (auto v = IntField(file, "UserID")) entry.uid = static_cast<uint32_t>(*v);
  if (auto v = IntField(file, "GroupID")) entry.gid = static_cast<uint32_t>(*v);
  if (const PlistValue* k = file.Find("EncryptionKey"); k && k->AsData()) {
    entry.encryption_key = *k->AsData();
  }
  if (const PlistValue* d = file.Find("Digest"); d && d->AsData()) entry.digest = *d->AsData();
  if (const PlistValue* t = file.Find("Target"); t && t->AsString()) entry.target = *t->AsString();
  if (const PlistValue* x = file.Find("ExtendedAttributes"); x && x->AsData()) {
    // A nested binary plist: a dict of xattr name → raw bytes.
    auto nested = core::ParsePlist(*x->AsData(), "ExtendedAttributes");
    if (!nested || !nested->is_dict()) {
      return Fail(ErrorCode::kCorrupt, "ExtendedAttributes is not a plist dict");
    }
    for (const auto& [name, value] : *nested->AsDict()) {
      if (const auto* data = value.AsData()) {
        entry.xattrs.emplace_back(name, *data);
      } else if (const auto* s = value.AsString()) {
        entry.xattrs.emplace_back(name, Bytes(s->begin(), s->end()));
      }
    }
  }
  return {};
}

Result<ManifestReadResult> ReadManifestDb(const core::SqliteDb& db) {
  if (!db.HasTable("Files")) {
    return Fail(ErrorCode::kUnsupported,
                db.description() + ": no Files table (tables: " + [&] {
                  std::string t;
                  for (const auto& n : db.Tables()) t += (t.empty() ? "" : ", ") + n;
                  return t;
                }() + ")");
  }
  for (const char* col : {"fileID", "domain", "relativePath", "flags", "file"}) {
    if (!db.HasColumn("Files", col)) {
      return Fail(ErrorCode::kUnsupported, db.description() + ": Files has no column " + col);
    }
  }
  MFX_ASSIGN_OR_RETURN(auto st, db.Prepare(
      "SELECT rowid, fileID, domain, relativePath, flags, file FROM Files ORDER BY rowid"));
  ManifestReadResult out;
  for (;;) {
    auto row = st.Step();
    if (!row) {
      out.problems.push_back("Manifest.db: reading stopped after " +
                             std::to_string(out.entries.size()) + " rows: " + row.error().message);
      break;
    }
    if (!*row) break;
    ManifestEntry e;
    e.source_row = st.Int(0);
    e.file_id = std::string(st.Text(1));
    e.domain = std::string(st.Text(2));
    e.relative_path = std::string(st.Text(3));
    e.flags = st.OptInt(4);
    if (st.ColumnType(5) == SQLITE_BLOB) {
      if (auto s = DecodeMbFile(st.Blob(5), e); !s) {
        e.decode_error = s.error().message;
        out.problems.push_back("Manifest.db Files rowid " + std::to_string(e.source_row) + " (" +
                               e.Path() + "): MBFile not decoded: " + s.error().message);
      }
    } else {
      e.decode_error = "no MBFile blob";
    }
    e.kind = KindFromFlags(e.flags.value_or(0), e.mode);
    if (e.flags && *e.flags == 0 && e.kind == EntryKind::kFile) {
      // pyiosbackup's vector has flags 0 on its only file; tools that select flags=1 miss it.
      out.problems.push_back("Manifest.db Files rowid " + std::to_string(e.source_row) + " (" +
                             e.Path() + "): flags 0, taken as a regular file from its Mode");
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

Result<ManifestReadResult> ParseMbdb(ByteSpan bytes) {
  static constexpr uint8_t kMagic[] = {'m', 'b', 'd', 'b'};
  if (bytes.size() < 6 || !std::equal(std::begin(kMagic), std::end(kMagic), bytes.begin())) {
    return Fail(ErrorCode::kCorrupt, "Manifest.mbdb: no 'mbdb' signature");
  }
  if (bytes[4] != 5 || bytes[5] != 0) {
    return Fail(ErrorCode::kUnsupported, "Manifest.mbdb: version " + std::to_string(bytes[4]) +
                                             "." + std::to_string(bytes[5]) + " (mfx reads 5.0)");
  }
  ManifestReadResult out;
  MbdbReader r(bytes.subspan(6));
  int64_t index = 0;
  while (!r.at_end()) {
    const size_t start = r.pos() + 6;
    ManifestEntry e;
    e.source_row = index;
    e.source_offset = start;
    std::optional<std::string> domain, path, target, hash, key;
    uint16_t mode;
    uint64_t inode, size;
    uint32_t uid, gid, mtime, atime, ctime;
    uint8_t pclass, nprops;
    bool ok = r.String(domain) && r.String(path) && r.String(target) && r.String(hash) &&
              r.String(key) && r.U16(mode) && r.U64(inode) && r.U32(uid) && r.U32(gid) &&
              r.U32(mtime) && r.U32(atime) && r.U32(ctime) && r.U64(size) && r.U8(pclass) &&
              r.U8(nprops);
    for (int p = 0; ok && p < nprops; ++p) {
      std::optional<std::string> name, value;
      ok = r.String(name) && r.String(value);
      if (ok) e.properties.emplace_back(name.value_or(""), ToBytes(value.value_or("")));
    }
    if (!ok) {
      out.problems.push_back("Manifest.mbdb: record " + std::to_string(index) + " at offset " +
                             std::to_string(start) + " is truncated; " +
                             std::to_string(bytes.size() - start) +
                             " trailing bytes not read (mbdb has no index to resynchronise on)");
      break;
    }
    e.domain = domain.value_or("");
    e.relative_path = path.value_or("");
    e.target = target.value_or("");
    if (hash && !hash->empty()) e.digest = ToBytes(*hash);
    if (key && !key->empty()) e.encryption_key = ToBytes(*key);
    e.mode = mode;
    e.inode = inode;
    e.uid = uid;
    e.gid = gid;
    e.mtime = mtime;
    e.atime = atime;
    e.ctime = ctime;
    e.recorded_size = size;
    e.protection_class = pclass;
    e.kind = KindFromMode(mode);
    e.file_id = ComputeFileId(e.domain, e.relative_path);
    out.entries.push_back(std::move(e));
    ++index;
  }
  return out;
}

}  // namespace mfx::parsers::backup
