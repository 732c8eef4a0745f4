#include "parsers/backup/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/file_util.h"
#include "core/sqlite_db.h"
#include "parsers/backup/manifest_readers.h"

namespace mfx::parsers::backup {
namespace {

using core::RandomAccessFile;

constexpr uint64_t kMaxMbdbSize = 1ull << 30;
constexpr std::array<uint8_t, 16> kZeroIv{};

// Plaintext signatures: a ciphertext block matching one by chance has probability ≤ 2^-64.
bool HasStrongPlaintextMagic(ByteSpan head) {
  if (core::HasSqliteMagic(head)) return true;
  return head.size() >= 8 && std::memcmp(head.data(), "bplist00", 8) == 0;
}

// Weaker signatures, used only to vote on a whole backup (FORMATS §2.8).
bool HasPlaintextMagic(ByteSpan head) {
  if (HasStrongPlaintextMagic(head)) return true;
  auto starts = [&](std::string_view m) {
    return head.size() >= m.size() && std::memcmp(head.data(), m.data(), m.size()) == 0;
  };
  return starts("<?xml") || starts("\xFF\xD8\xFF") || starts("\x89PNG") || starts("%PDF") ||
         (head.size() >= 8 && std::memcmp(head.data() + 4, "ftyp", 4) == 0);
}

// AES-256-CBC (zero IV) ciphertext of a whole file, decrypted on demand. Block i needs only
// ciphertext blocks i-1 and i, so any offset is cheap to reach; the size is known after
// decrypting the final block and checking its PKCS#7 padding.
class DecryptingFile final : public RandomAccessFile {
 public:
  static Result<std::unique_ptr<RandomAccessFile>> Open(std::unique_ptr<RandomAccessFile> blob,
                                                        core::SecretBytes key, std::string name) {
    const uint64_t n = blob->Size();
    std::unique_ptr<DecryptingFile> f(new DecryptingFile(std::move(blob), std::move(key), name));
    if (n == 0) return std::unique_ptr<RandomAccessFile>(std::move(f));  // nothing to decrypt
    if (n % core::kAesBlock != 0) {
      return Fail(ErrorCode::kCorrupt, name + ": stored size " + std::to_string(n) +
                                           " is not a multiple of 16, so it is not AES-CBC "
                                           "ciphertext (damaged or truncated)");
    }
    std::array<uint8_t, 32> tail{};
    const uint64_t tail_start = n >= 32 ? n - 32 : 0;
    const size_t tail_len = static_cast<size_t>(n - tail_start);
    MFX_ASSIGN_OR_RETURN(size_t got, f->blob_->ReadAt(tail_start, std::span(tail).first(tail_len)));
    if (got != tail_len) return Fail(ErrorCode::kIo, name + ": short read");
    std::array<uint8_t, 16> last{};
    std::span<const uint8_t, 16> iv =
        tail_len == 32 ? std::span<const uint8_t, 16>(tail.data(), 16) : std::span<const uint8_t, 16>(kZeroIv);
    MFX_RETURN_IF_ERROR(core::AesCbcDecrypt(f->key_.span(), iv,
                                            ByteSpan(tail.data() + tail_len - 16, 16), last));
    auto pad = core::Pkcs7PadLength(last);
    if (!pad) {
      return Fail(ErrorCode::kCorrupt, name + ": " + pad.error().message +
                                           " after decryption: wrong file key or damaged file");
    }
    f->plain_size_ = n - *pad;
    return std::unique_ptr<RandomAccessFile>(std::move(f));
  }

  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) const override {
    if (offset >= plain_size_ || out.empty()) return size_t{0};
    const uint64_t len = std::min<uint64_t>(out.size(), plain_size_ - offset);
    const uint64_t first = offset / core::kAesBlock;
    const uint64_t last = (offset + len - 1) / core::kAesBlock;
    const uint64_t read_from = first == 0 ? 0 : (first - 1) * core::kAesBlock;
    const uint64_t read_to = (last + 1) * core::kAesBlock;
    const size_t skip = static_cast<size_t>(offset - first * core::kAesBlock);
    const size_t blocks_len = static_cast<size_t>(read_to - first * core::kAesBlock);
    if (skip == 0 && out.size() >= blocks_len) {
      // A block-aligned read with room for the whole blocks (a sequential reader's case; the
      // last block's padding lands past `len`): the ciphertext is read into the caller's buffer
      // and decrypted there, so the bytes pass through the cache once instead of through a
      // second buffer (decryption was memory-bound that way: 2.5× slower than `openssl speed`).
      std::array<uint8_t, core::kAesBlock> iv = kZeroIv;
      if (first != 0) {
        MFX_ASSIGN_OR_RETURN(size_t got_iv, blob_->ReadAt(read_from, iv));
        if (got_iv != iv.size()) return ShortCiphertext(read_from + got_iv);
      }
      const std::span<uint8_t> blocks = out.first(blocks_len);
      MFX_ASSIGN_OR_RETURN(size_t got, blob_->ReadAt(first * core::kAesBlock, blocks));
      if (got != blocks.size()) return ShortCiphertext(first * core::kAesBlock + got);
      MFX_RETURN_IF_ERROR(core::AesCbcDecrypt(key_.span(), iv, blocks, blocks));
      return static_cast<size_t>(len);
    }
    thread_local std::vector<uint8_t> cipher;
    thread_local std::vector<uint8_t> plain;
    cipher.resize(static_cast<size_t>(read_to - read_from));
    MFX_ASSIGN_OR_RETURN(size_t got, blob_->ReadAt(read_from, cipher));
    if (got != cipher.size()) return ShortCiphertext(read_from + got);
    const size_t iv_len = first == 0 ? 0 : core::kAesBlock;
    std::span<const uint8_t, 16> iv = first == 0 ? std::span<const uint8_t, 16>(kZeroIv)
                                                 : std::span<const uint8_t, 16>(cipher.data(), 16);
    const ByteSpan blocks = ByteSpan(cipher).subspan(iv_len);
    plain.resize(blocks.size());
    MFX_RETURN_IF_ERROR(core::AesCbcDecrypt(key_.span(), iv, blocks, plain));
    std::memcpy(out.data(), plain.data() + skip, static_cast<size_t>(len));
    return static_cast<size_t>(len);
  }
  uint64_t Size() const override { return plain_size_; }
  std::string Describe() const override { return name_; }

 private:
  DecryptingFile(std::unique_ptr<RandomAccessFile> blob, core::SecretBytes key, std::string name)
      : blob_(std::move(blob)), key_(std::move(key)), name_(std::move(name)) {}
  tl::unexpected<Error> ShortCiphertext(uint64_t at) const {
    return Fail(ErrorCode::kIo,
                name_ + ": ciphertext shorter than expected at offset " + std::to_string(at));
  }
  std::unique_ptr<RandomAccessFile> blob_;
  core::SecretBytes key_;
  std::string name_;
  uint64_t plain_size_ = 0;
};

// A plaintext blob under its backup name.
class NamedFile final : public RandomAccessFile {
 public:
  NamedFile(std::unique_ptr<RandomAccessFile> f, std::string name) : f_(std::move(f)), name_(std::move(name)) {}
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) const override {
    return f_->ReadAt(offset, out);
  }
  uint64_t Size() const override { return f_->Size(); }
  std::string Describe() const override { return name_; }

 private:
  std::unique_ptr<RandomAccessFile> f_;
  std::string name_;
};

std::string JoinClasses(const std::vector<uint32_t>& v) {
  std::string out;
  for (uint32_t c : v) out += (out.empty() ? "" : ", ") + std::to_string(c);
  return out;
}

}  // namespace

std::string_view NoteLevelName(BackupNote::Level level) {
  switch (level) {
    case BackupNote::Level::kInfo: return "info";
    case BackupNote::Level::kWarning: return "warning";
    case BackupNote::Level::kError: return "error";
  }
  return "info";
}

// The "domain/relativePath" Env over a Backup, plus the root plists under kBackupRootDomain.
class Backup::View final : public core::Env {
 public:
  explicit View(const Backup& b) : b_(b) {}
  Result<std::unique_ptr<RandomAccessFile>> Open(std::string_view path) const override {
    if (auto root = RootFileName(path)) {
      MFX_ASSIGN_OR_RETURN(auto f, b_.folder_env_->Open(*root));
      return std::unique_ptr<RandomAccessFile>(new NamedFile(std::move(f), std::string(path)));
    }
    const ManifestEntry* e = b_.Find(path);
    if (e == nullptr) return Fail(ErrorCode::kNotFound, std::string(path) + ": not in the backup manifest");
    return b_.OpenEntry(*e);
  }
  Result<core::FileStat> Stat(std::string_view path) const override {
    if (auto root = RootFileName(path)) {
      MFX_ASSIGN_OR_RETURN(core::FileStat st, b_.folder_env_->Stat(*root));
      if (st.kind != core::FileKind::kRegular) {
        return Fail(ErrorCode::kNotFound, std::string(path) + ": not a regular file in the backup folder");
      }
      return st;
    }
    const ManifestEntry* e = b_.Find(path);
    if (e == nullptr) return Fail(ErrorCode::kNotFound, std::string(path) + ": not in the backup manifest");
    core::FileStat st;
    st.kind = core::FileKind::kRegular;
    st.mode = e->mode;
    st.mtime_unix = e->mtime.value_or(0);
    MFX_ASSIGN_OR_RETURN(auto f, b_.OpenEntry(*e));
    st.size = f->Size();
    return st;
  }
  std::vector<std::string> List(std::string_view prefix) const override {
    std::vector<std::string> out;
    auto it = std::lower_bound(b_.file_paths_.begin(), b_.file_paths_.end(), prefix);
    for (; it != b_.file_paths_.end() && it->starts_with(prefix); ++it) out.push_back(*it);
    bool added = false;
    for (std::string_view name : kBackupRootFiles) {
      std::string path = std::string(kBackupRootDomain) + "/" + std::string(name);
      if (path.starts_with(prefix) && Stat(path)) {
        out.push_back(std::move(path));
        added = true;
      }
    }
    if (added) std::sort(out.begin(), out.end());
    return out;
  }
  std::string Describe() const override { return "backup " + b_.folder_.string(); }

 private:
  // "BackupRoot/Info.plist" → "Info.plist"; nullopt for every other path.
  static std::optional<std::string_view> RootFileName(std::string_view path) {
    if (!path.starts_with(kBackupRootDomain) || path.size() <= kBackupRootDomain.size() ||
        path[kBackupRootDomain.size()] != '/') {
      return std::nullopt;
    }
    const std::string_view name = path.substr(kBackupRootDomain.size() + 1);
    for (std::string_view n : kBackupRootFiles) {
      if (n == name) return n;
    }
    return std::nullopt;
  }

  const Backup& b_;
};

Backup::~Backup() = default;

const core::Env& Backup::env() const { return *view_; }

void Backup::Note(BackupNote::Level level, std::string message) {
  notes_.push_back({level, std::move(message)});
}

Result<std::unique_ptr<Backup>> Backup::Open(const std::filesystem::path& folder,
                                             const OpenOptions& options) {
  std::unique_ptr<Backup> b(new Backup());
  b->folder_ = folder;
  MFX_ASSIGN_OR_RETURN(b->folder_env_, core::FolderEnv::Create(folder));
  MFX_RETURN_IF_ERROR(b->Load(options));
  b->view_ = std::make_unique<View>(*b);
  return b;
}

Status Backup::LoadPlists() {
  auto load = [&](std::string_view name) -> std::optional<core::PlistValue> {
    if (!folder_env_->Exists(name)) return std::nullopt;
    auto bytes = core::ReadFile(*folder_env_, name, kMaxRootPlistBytes);
    if (!bytes) {
      Note(BackupNote::Level::kError, std::string(name) + ": " + bytes.error().message);
      return std::nullopt;
    }
    auto plist = core::ParsePlist(*bytes, name);
    if (!plist) {
      Note(BackupNote::Level::kError, plist.error().message);
      return std::nullopt;
    }
    return std::move(*plist);
  };
  if (auto p = load("Info.plist")) {
    if (auto info = ParseInfoPlist(*p)) info_ = std::move(*info);
    else Note(BackupNote::Level::kError, info.error().message);
  } else if (!folder_env_->Exists("Info.plist")) {
    Note(BackupNote::Level::kWarning, "Info.plist is missing: device identity comes from Manifest.plist only");
  }
  if (auto p = load("Status.plist")) {
    if (auto st = ParseStatusPlist(*p)) status_ = std::move(*st);
    else Note(BackupNote::Level::kError, st.error().message);
  }
  if (auto p = load("Manifest.plist")) {
    if (auto mp = ParseManifestPlist(*p)) manifest_plist_ = std::move(*mp);
    else Note(BackupNote::Level::kError, mp.error().message);
  } else if (!folder_env_->Exists("Manifest.plist")) {
    Note(BackupNote::Level::kWarning,
         "Manifest.plist is missing: no keybag, so an encrypted backup cannot be decrypted");
  }
  if (info_) identity_ = info_->identity;
  if (manifest_plist_) MergeIdentity(identity_, manifest_plist_->lockdown);
  if (status_ && status_->snapshot_state && *status_->snapshot_state != "finished") {
    Note(BackupNote::Level::kWarning, "Status.plist SnapshotState is '" + *status_->snapshot_state +
                                          "', not 'finished': a partial backup, expect missing files");
  }
  if (manifest_plist_ && manifest_plist_->is_encrypted.value_or(false)) {
    encryption_.was_encrypted_evidence.push_back("Manifest.plist IsEncrypted");
  }
  if (manifest_plist_ && manifest_plist_->manifest_key) {
    encryption_.was_encrypted_evidence.push_back("Manifest.plist ManifestKey");
  }
  return {};
}

Status Backup::Unlock(const OpenOptions& options) {
  if (!manifest_plist_ || !manifest_plist_->keybag) {
    return Fail(ErrorCode::kNotFound,
                "the backup is encrypted but Manifest.plist (and its BackupKeyBag) is missing: "
                "nothing can be decrypted without it");
  }
  MFX_ASSIGN_OR_RETURN(Keybag kb, ParseKeybag(*manifest_plist_->keybag));
  encryption_.keybag = kb;
  core::SecretBytes kek;
  const bool have_key_file = !options.key_file.empty() && std::filesystem::exists(options.key_file);
  if (have_key_file) {
    MFX_ASSIGN_OR_RETURN(kek, ReadKeyFile(options.key_file));
    encryption_.key_from_key_file = true;
  } else if (options.password != nullptr) {
    MFX_ASSIGN_OR_RETURN(kek, DeriveKek(kb, *options.password));
  } else {
    return {};  // locked: info still works; payload reads will say a password is needed
  }
  auto keys = UnlockKeybag(kb, kek.span());
  if (!keys) {
    if (keys.error().code == ErrorCode::kWrongPassword && have_key_file) {
      return Fail(ErrorCode::kWrongPassword, "the key file " + options.key_file.string() +
                                                 " does not unlock this backup (wrong key file)");
    }
    if (keys.error().code == ErrorCode::kWrongPassword) {
      return Fail(ErrorCode::kWrongPassword, "wrong password for this backup");
    }
    return tl::unexpected(keys.error());
  }
  class_keys_ = std::move(*keys);
  encryption_.unlocked = true;
  for (const auto& [cls, key] : class_keys_.keys) encryption_.classes_unlocked.push_back(cls);
  encryption_.classes_not_recoverable = class_keys_.not_recoverable;
  encryption_.classes_unsupported = class_keys_.unsupported;
  if (!class_keys_.not_recoverable.empty()) {
    Note(BackupNote::Level::kInfo,
         "protection classes " + JoinClasses(class_keys_.not_recoverable) +
             " are wrapped with the device UID key (WRAP 3) and cannot be decrypted off the device");
  }
  if (!class_keys_.unsupported.empty()) {
    Note(BackupNote::Level::kWarning, "protection classes " + JoinClasses(class_keys_.unsupported) +
                                          " use asymmetric keys (KTYP 1), which mfx does not unwrap");
  }
  if (!have_key_file && !options.key_file.empty()) {
    MFX_RETURN_IF_ERROR(WriteKeyFile(options.key_file, kek.span()));
    encryption_.key_file_written = true;
  }
  return {};
}

Status Backup::LoadManifestDb(const OpenOptions& options) {
  MFX_ASSIGN_OR_RETURN(auto scratch, core::ScratchDir::Create(options.scratch_parent, "mfx-manifest-"));
  MFX_ASSIGN_OR_RETURN(auto file, folder_env_->Open("Manifest.db"));
  std::array<uint8_t, 16> head{};
  MFX_ASSIGN_OR_RETURN(size_t got, file->ReadAt(0, head));
  std::filesystem::path db_path;
  if (got == 16 && core::HasSqliteMagic(head)) {
    // Plaintext now, whatever Manifest.plist claims (a backup decrypted by another tool keeps
    // IsEncrypted true: UFADE #30, iLEAPP PR #1636).
    MFX_ASSIGN_OR_RETURN(auto copy, core::CopyDatabaseToScratch(*folder_env_, "Manifest.db",
                                                                scratch.path(), "Manifest.db"));
    db_path = copy.db_path;
  } else {
    encryption_.manifest_encrypted = true;
    if (!manifest_plist_ || !manifest_plist_->manifest_key) {
      return Fail(ErrorCode::kCorrupt,
                  "Manifest.db is not SQLite and Manifest.plist has no ManifestKey: it is neither "
                  "a plaintext nor a decryptable manifest");
    }
    if (!encryption_.unlocked) {
      return {};  // entries stay empty; the caller reports that a password is needed
    }
    const Bytes& mk = *manifest_plist_->manifest_key;
    if (mk.size() != 44) {
      return Fail(ErrorCode::kCorrupt, "ManifestKey has " + std::to_string(mk.size()) + " bytes, not 44");
    }
    const uint32_t cls = LoadLe32(mk.data());
    auto ck = class_keys_.keys.find(cls);
    if (ck == class_keys_.keys.end()) {
      return Fail(ErrorCode::kUnsupported, "ManifestKey uses protection class " + std::to_string(cls) +
                                               ", whose key is not available");
    }
    auto key = core::AesKeyUnwrap(ck->second.span(), ByteSpan(mk).subspan(4));
    if (!key) return Fail(ErrorCode::kCorrupt, "ManifestKey does not unwrap: " + key.error().message);
    const uint64_t n = file->Size();
    if (n == 0 || n % core::kAesBlock != 0) {
      return Fail(ErrorCode::kCorrupt, "encrypted Manifest.db has " + std::to_string(n) +
                                           " bytes, not a whole number of AES blocks");
    }
    // Decrypt the whole file with a zero IV and no padding removal (FORMATS §2.4).
    db_path = scratch.path() / "Manifest.db";
    const int fd = ::open(db_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Fail(ErrorCode::kIo, db_path.string() + ": " + std::strerror(errno));
    MFX_ASSIGN_OR_RETURN(auto dec, core::AesCbcDecryptor::Create(key->span(), kZeroIv));
    std::vector<uint8_t> in(1 << 20), out(1 << 20);
    uint64_t off = 0;
    Status st;
    while (st && off < n) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(in.size(), n - off));
      auto r = file->ReadAt(off, std::span(in).first(want));
      if (!r || *r != want) {
        st = Fail(ErrorCode::kIo, "Manifest.db: short read");
        break;
      }
      st = dec.Update(ByteSpan(in).first(want), out);
      if (st && ::write(fd, out.data(), want) != static_cast<ssize_t>(want)) {
        st = Fail(ErrorCode::kIo, db_path.string() + ": write failed");
      }
      off += want;
    }
    OPENSSL_cleanse(out.data(), out.size());
    ::close(fd);
    MFX_RETURN_IF_ERROR(st);
    std::array<uint8_t, 100> header{};
    const int hfd = ::open(db_path.c_str(), O_RDONLY | O_CLOEXEC);
    const ssize_t hn = hfd >= 0 ? ::read(hfd, header.data(), header.size()) : -1;
    if (hfd >= 0) ::close(hfd);
    auto hdr = core::ParseSqliteHeader(ByteSpan(header.data(), hn > 0 ? static_cast<size_t>(hn) : 0));
    if (!hdr) {
      return Fail(ErrorCode::kCorrupt,
                  "Manifest.db did not decrypt to SQLite: the ManifestKey or the file is damaged");
    }
    if (hdr->page_count_valid && uint64_t{hdr->page_count} * hdr->page_size != n) {
      Note(BackupNote::Level::kWarning,
           "decrypted Manifest.db: header says " + std::to_string(hdr->page_count) + " pages of " +
               std::to_string(hdr->page_size) + " bytes but the file has " + std::to_string(n) +
               " bytes (decrypted but not fully? mvt #571)");
    }
  }
  MFX_ASSIGN_OR_RETURN(auto db, core::SqliteDb::OpenReadOnly(db_path, "Manifest.db"));
  if (const std::string check = db->QuickCheck(); check != "ok") {
    Note(BackupNote::Level::kWarning, "Manifest.db integrity check: " + check);
  }
  MFX_ASSIGN_OR_RETURN(auto result, ReadManifestDb(*db));
  entries_ = std::move(result.entries);
  for (auto& p : result.problems) Note(BackupNote::Level::kWarning, std::move(p));
  return {};
}

Status Backup::LoadMbdb() {
  MFX_ASSIGN_OR_RETURN(Bytes bytes, core::ReadFile(*folder_env_, "Manifest.mbdb", kMaxMbdbSize));
  MFX_ASSIGN_OR_RETURN(auto result, ParseMbdb(bytes));
  entries_ = std::move(result.entries);
  for (auto& p : result.problems) Note(BackupNote::Level::kError, std::move(p));
  return {};
}

void Backup::LocateBlobs() {
  blobs_.assign(entries_.size(), BlobInfo{});
  size_t missing = 0;
  std::string examples;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const ManifestEntry& e = entries_[i];
    if (e.kind != EntryKind::kFile) continue;
    if (e.file_id.size() < 2) {
      Note(BackupNote::Level::kError, e.Path() + ": manifest row has no usable fileID");
      continue;
    }
    const std::string nested = e.file_id.substr(0, 2) + "/" + e.file_id;
    const std::string flat = e.file_id;
    const bool nested_first = format_ == ManifestFormat::kManifestDb;
    for (const std::string& candidate : nested_first ? std::array{nested, flat} : std::array{flat, nested}) {
      auto st = folder_env_->Stat(candidate);
      if (st && st->kind == core::FileKind::kRegular) {
        blobs_[i] = {candidate, st->size, true};
        break;
      }
    }
    if (blobs_[i].present && blobs_[i].size == 0 && e.recorded_size.value_or(0) > 0) {
      Note(BackupNote::Level::kWarning, e.Path() + ": payload " + blobs_[i].path +
                                            " is empty but the manifest records " +
                                            std::to_string(*e.recorded_size) + " bytes");
    }
    if (!blobs_[i].present) {
      ++missing;
      if (missing <= 5) examples += (examples.empty() ? "" : "; ") + e.Path() + " (" + e.file_id + ")";
    }
    const std::string expected_id = ComputeFileId(e.domain, e.relative_path);
    if (expected_id != e.file_id) {
      Note(BackupNote::Level::kWarning, e.Path() + ": fileID " + e.file_id + " is not SHA-1(domain-path) " +
                                            expected_id);
    }
  }
  if (missing > 0) {
    Note(BackupNote::Level::kWarning, std::to_string(missing) +
                                          " files listed in the manifest have no payload in the "
                                          "backup folder, e.g. " + examples);
  }
}

void Backup::DecideBlobEncryption() {
  if (encryption_.manifest_encrypted) {
    encryption_.blobs_encrypted = true;
    encryption_.blobs_decision = "Manifest.db is encrypted, so the payload files are too";
    return;
  }
  if (!encryption_.was_encrypted) {
    encryption_.blobs_decision = "no sign of encryption";
    return;
  }
  // The manifest is plaintext but something says "encrypted": either an iOS ≤ 10.1 encrypted
  // backup (plaintext manifest, encrypted payloads) or a copy decrypted by another tool that kept
  // the flags. The payloads vote: one with a plaintext signature against one that looks like
  // ciphertext (whole AES blocks, no signature). A single damaged, cut-off or plaintext payload
  // must not decide for the whole backup (OpenEntry still decides each file on its own bytes).
  size_t sampled = 0, plaintext = 0, cipher_like = 0;
  for (size_t i = 0; i < entries_.size() && sampled < 64; ++i) {
    if (entries_[i].kind != EntryKind::kFile || !blobs_[i].present || blobs_[i].size < 16) continue;
    auto f = folder_env_->Open(blobs_[i].path);
    if (!f) continue;
    std::array<uint8_t, 16> head{};
    auto got = (*f)->ReadAt(0, head);
    if (!got || *got != 16) continue;
    ++sampled;
    if (HasPlaintextMagic(head)) {
      ++plaintext;
    } else if (blobs_[i].size % 16 == 0) {
      ++cipher_like;
    }
  }
  const std::string votes = std::to_string(sampled) + " sampled payload files: " + std::to_string(plaintext) +
                            " with a plaintext signature, " + std::to_string(cipher_like) +
                            " like ciphertext (whole AES blocks, no signature)";
  if (cipher_like > 0 && cipher_like >= plaintext) {
    encryption_.blobs_encrypted = true;
    encryption_.blobs_decision = votes + ": the files are encrypted";
    if (cipher_like < sampled) {
      Note(BackupNote::Level::kWarning, "the backup's files are encrypted, but not all look it (" + votes +
                                            "); each file is checked on its own when read");
    }
  } else if (plaintext > 0) {
    encryption_.blobs_encrypted = false;
    encryption_.blobs_decision = votes + ": the backup was decrypted by another tool and kept its "
                                         "encryption flags";
    Note(BackupNote::Level::kInfo, "the backup says it is encrypted but its files are plaintext now (" +
                                       encryption_.blobs_decision + ")");
  } else {
    encryption_.blobs_encrypted = false;
    encryption_.blobs_decision = sampled == 0 ? "no payload large enough to test; read as plaintext"
                                              : votes + "; read as plaintext";
    Note(BackupNote::Level::kWarning, "encryption flags are set but " + encryption_.blobs_decision);
  }
}

void Backup::NoteUnlistedAndResized() {
  std::unordered_set<std::string> known = {"Info.plist",      "Manifest.plist",  "Status.plist",
                                           "Manifest.db",     "Manifest.db-wal", "Manifest.db-shm",
                                           "Manifest.db-journal", "Manifest.mbdb"};
  for (size_t i = 0; i < entries_.size(); ++i) {
    const BlobInfo& blob = blobs_[i];
    if (!blob.present) continue;
    known.insert(blob.path);
    const ManifestEntry& e = entries_[i];
    if (e.kind != EntryKind::kFile || !e.recorded_size) continue;
    // An encrypted payload is the plaintext plus 1–16 bytes of PKCS#7 padding.
    const bool padded = encryption_.blobs_encrypted && e.encryption_key.has_value();
    const uint64_t expected = padded ? (*e.recorded_size / 16 + 1) * 16 : *e.recorded_size;
    if (blob.size != expected && !(padded && blob.size == *e.recorded_size)) {
      size_differences_.push_back({e.Path(), blob.size, *e.recorded_size});
    }
  }
  for (std::string& path : folder_env_->List()) {
    if (!known.count(path)) unlisted_files_.push_back(std::move(path));
  }
  auto examples = [](auto begin, auto end, auto describe) {
    std::string out;
    size_t n = 0;
    for (auto it = begin; it != end && n < 5; ++it, ++n) out += (n ? "; " : "") + describe(*it);
    return out;
  };
  if (!unlisted_files_.empty()) {
    Note(BackupNote::Level::kInfo,
         std::to_string(unlisted_files_.size()) + " files in the backup folder are named by no manifest row (e.g. " +
             examples(unlisted_files_.begin(), unlisted_files_.end(), [](const std::string& s) { return s; }) +
             "): hashed as evidence, not read as backup content");
  }
  if (!size_differences_.empty()) {
    Note(BackupNote::Level::kInfo,
         std::to_string(size_differences_.size()) +
             " payloads differ in size from what the manifest records (e.g. " +
             examples(size_differences_.begin(), size_differences_.end(),
                      [](const SizeDifference& d) {
                        return d.path + ": " + std::to_string(d.stored) + " bytes stored, " +
                               std::to_string(d.recorded) + " recorded";
                      }) +
             "): databases that were being written during the backup often keep a stale size; the "
             "stored bytes are what is read and hashed");
  }
}

Status Backup::Load(const OpenOptions& options) {
  MFX_RETURN_IF_ERROR(LoadPlists());
  const bool has_db = folder_env_->Exists("Manifest.db");
  const bool has_mbdb = folder_env_->Exists("Manifest.mbdb");
  if (!has_db && !has_mbdb) {
    return Fail(ErrorCode::kNotFound, folder_.string() +
                                          ": neither Manifest.db nor Manifest.mbdb: not an "
                                          "iTunes/Finder backup folder");
  }
  if (has_db && has_mbdb) {
    Note(BackupNote::Level::kWarning, "both Manifest.db and Manifest.mbdb are present; Manifest.db is used");
  }
  format_ = has_db ? ManifestFormat::kManifestDb : ManifestFormat::kMbdb;

  // Unlock first when the keybag says so: an encrypted Manifest.db needs the class keys.
  const bool claims_encrypted = !encryption_.was_encrypted_evidence.empty();
  if (claims_encrypted && (options.password != nullptr || !options.key_file.empty())) {
    MFX_RETURN_IF_ERROR(Unlock(options));
  }
  MFX_RETURN_IF_ERROR(format_ == ManifestFormat::kManifestDb ? LoadManifestDb(options) : LoadMbdb());
  // Locked: the manifest's rows are unknown, so its file counts are unknown too (not zero), and
  // no payload can be called unlisted.
  const bool manifest_locked = encryption_.manifest_encrypted && !encryption_.unlocked;
  if (manifest_locked) {
    Note(BackupNote::Level::kWarning,
         "the backup is encrypted: its manifest (the list of files) is unreadable without "
         "--password-file (or --key-file)");
  }

  size_t with_keys = 0;
  for (const auto& e : entries_) with_keys += e.encryption_key.has_value();
  if (with_keys > 0) {
    encryption_.was_encrypted_evidence.push_back(std::to_string(with_keys) + " manifest rows carry an EncryptionKey");
  }
  encryption_.was_encrypted = !encryption_.was_encrypted_evidence.empty() || encryption_.manifest_encrypted;
  // A plaintext manifest whose rows carry keys (no Manifest.plist flag) may still need unlocking.
  if (encryption_.was_encrypted && !encryption_.unlocked && !claims_encrypted &&
      (options.password != nullptr || !options.key_file.empty()) && manifest_plist_ && manifest_plist_->keybag) {
    MFX_RETURN_IF_ERROR(Unlock(options));
  }
  LocateBlobs();
  DecideBlobEncryption();
  if (!manifest_locked) NoteUnlistedAndResized();
  if (!encryption_.was_encrypted && (options.password != nullptr)) {
    Note(BackupNote::Level::kInfo, "a password was given but the backup is not encrypted; it was not used");
  }
  if (encryption_.blobs_encrypted && !encryption_.unlocked && !encryption_.manifest_encrypted) {
    Note(BackupNote::Level::kWarning,
         "the backup's files are encrypted: give --password-file (or --key-file) to read them");
  }

  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].kind != EntryKind::kFile) continue;
    std::string path = entries_[i].Path();
    if (!by_path_.emplace(path, i).second) {
      Note(BackupNote::Level::kWarning, path + ": listed more than once in the manifest; the first row is used");
      continue;
    }
    file_paths_.push_back(std::move(path));
  }
  std::sort(file_paths_.begin(), file_paths_.end());
  return {};
}

const ManifestEntry* Backup::Find(std::string_view path) const {
  auto it = by_path_.find(std::string(path));
  return it == by_path_.end() ? nullptr : &entries_[it->second];
}

Result<core::SecretBytes> Backup::FileKey(const ManifestEntry& e) const {
  if (!e.encryption_key || e.encryption_key->size() != 44) {
    return Fail(ErrorCode::kCorrupt, e.Path() + ": encrypted backup but the manifest row has no "
                                                "44-byte EncryptionKey");
  }
  const uint32_t prefix = LoadLe32(e.encryption_key->data());
  std::vector<uint32_t> candidates;
  if (e.protection_class && *e.protection_class != 0) candidates.push_back(*e.protection_class);
  if (std::find(candidates.begin(), candidates.end(), prefix) == candidates.end()) candidates.push_back(prefix);
  std::string tried;
  for (uint32_t cls : candidates) {
    auto ck = class_keys_.keys.find(cls);
    if (ck == class_keys_.keys.end()) {
      tried += " class " + std::to_string(cls) + ": key not available;";
      continue;
    }
    auto key = core::AesKeyUnwrap(ck->second.span(), ByteSpan(*e.encryption_key).subspan(4));
    if (key) return key;
    tried += " class " + std::to_string(cls) + ": does not unwrap;";
  }
  const bool off_device = std::any_of(candidates.begin(), candidates.end(), [&](uint32_t c) {
    return std::find(class_keys_.not_recoverable.begin(), class_keys_.not_recoverable.end(), c) !=
           class_keys_.not_recoverable.end();
  });
  return Fail(off_device ? ErrorCode::kUnsupported : ErrorCode::kCorrupt,
              e.Path() + ": no file key:" + tried);
}

Result<std::unique_ptr<RandomAccessFile>> Backup::OpenEntry(const ManifestEntry& e) const {
  const size_t index = IndexOf(e);
  if (e.kind != EntryKind::kFile) {
    return Fail(ErrorCode::kInvalidArgument, e.Path() + ": a " + std::string(EntryKindName(e.kind)) +
                                                 ", not a regular file");
  }
  const BlobInfo& blob = blobs_[index];
  if (!blob.present) {
    return Fail(ErrorCode::kNotFound, e.Path() + ": payload " + e.file_id + " is missing from the backup folder");
  }
  MFX_ASSIGN_OR_RETURN(auto raw, folder_env_->Open(blob.path));
  if (!encryption_.blobs_encrypted) return std::unique_ptr<RandomAccessFile>(new NamedFile(std::move(raw), e.Path()));
  if (!encryption_.unlocked) {
    return Fail(ErrorCode::kInvalidArgument, e.Path() + ": the backup is encrypted; a password is needed");
  }
  if (blob.size >= 16) {
    std::array<uint8_t, 16> head{};
    auto got = raw->ReadAt(0, head);
    // Plaintext inside an encrypted backup (a partially decrypted copy): read as is. A size that
    // is not whole AES blocks cannot be ciphertext, so a weaker signature is enough there; without
    // one, DecryptingFile reports the payload as damaged or truncated.
    const bool whole_blocks = blob.size % core::kAesBlock == 0;
    if (got && *got == 16 && (HasStrongPlaintextMagic(head) || (!whole_blocks && HasPlaintextMagic(head)))) {
      return std::unique_ptr<RandomAccessFile>(new NamedFile(std::move(raw), e.Path()));
    }
  }
  MFX_ASSIGN_OR_RETURN(auto key, FileKey(e));
  return DecryptingFile::Open(std::move(raw), std::move(key), e.Path());
}

Status WriteKeyFile(const std::filesystem::path& path, std::span<const uint8_t> kek) {
  std::string text = HexEncode(kek) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    OPENSSL_cleanse(text.data(), text.size());
    return Fail(ErrorCode::kIo, path.string() + ": cannot create key file: " + std::strerror(errno));
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  OPENSSL_cleanse(text.data(), text.size());
  if (!ok) return Fail(ErrorCode::kIo, path.string() + ": cannot write key file");
  return {};
}

Result<core::SecretBytes> ReadKeyFile(const std::filesystem::path& path) {
  MFX_ASSIGN_OR_RETURN(std::string line, core::ReadFirstLine(path));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
  auto bytes = HexDecode(line);
  OPENSSL_cleanse(line.data(), line.size());
  if (!bytes || bytes->size() != 32) {
    if (bytes) OPENSSL_cleanse(bytes->data(), bytes->size());
    return Fail(ErrorCode::kInvalidArgument,
                path.string() + ": a key file holds the 32-byte derived key as 64 hex characters");
  }
  core::SecretBytes key(*bytes);
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return key;
}

}  // namespace mfx::parsers::backup
