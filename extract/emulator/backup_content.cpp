#include "extract/emulator/backup_content.h"

#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "extract/emulator/byte_order.h"
#include "extract/emulator/device_state.h"
#include "extract/emulator/log.h"
#include "extract/emulator/plist_util.h"

namespace mfx::extract::emulator {
namespace {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

void Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string text = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    throw ScenarioError(fmt::format("Manifest.db: {}: {}", sql, text));
  }
}

std::vector<uint8_t> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

uint64_t CipherSize(uint64_t plain) { return (plain / 16 + 1) * 16; }

// Device roots of the common domains (FORMATS.md §1.9); only informational on the wire.
std::string DeviceRoot(const std::string& domain) {
  static const std::map<std::string, std::string> roots = {
      {"HomeDomain", "/private/var/mobile"},
      {"MediaDomain", "/private/var/mobile"},
      {"CameraRollDomain", "/private/var/mobile"},
      {"HealthDomain", "/private/var/mobile"},
      {"KeyboardDomain", "/private/var/mobile"},
      {"RootDomain", "/private/var/root"},
      {"SystemPreferencesDomain", "/private/var/preferences"},
      {"WirelessDomain", "/private/var/wireless"},
      {"KeychainDomain", "/private/var/protected/trustd/private"},
      {"DatabaseDomain", "/private/var/db"},
      {"InstallDomain", "/private/var/installd"},
      {"ManagedPreferencesDomain", "/private/var/Managed Preferences"},
      {"MobileDeviceDomain", "/private/var/MobileDevice"},
      {"NetworkDomain", "/private/var/networkd"},
      {"ProtectedDomain", "/private/var/protected"},
  };
  const auto it = roots.find(domain);
  if (it != roots.end()) return it->second;
  const size_t dash = domain.find('-');
  const std::string family = domain.substr(0, dash);
  const std::string id = dash == std::string::npos ? "" : domain.substr(dash + 1);
  if (family == "AppDomain") return "/private/var/mobile/Containers/Data/Application/" + id;
  if (family == "AppDomainGroup") return "/private/var/mobile/Containers/Shared/AppGroup/" + id;
  if (family == "AppDomainPlugin")
    return "/private/var/mobile/Containers/Data/PluginKitPlugin/" + id;
  if (family == "SysContainerDomain") return "/private/var/containers/Data/System/" + id;
  if (family == "SysSharedContainerDomain")
    return "/private/var/containers/Shared/SystemGroup/" + id;
  return "/private/var/mobile";
}

// Deterministic pseudo-random content (SplitMix64), so that a scenario can ask for large files
// without listing their bytes.
class SeededStream : public ByteStream {
 public:
  SeededStream(uint64_t size, uint64_t seed)
      : left_(size), state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  size_t Read(uint8_t* out, size_t size) override {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(size, left_));
    size_t i = 0;
    // The bytes of each word go out low byte first. Whole words are stored in one go: the
    // emulator shares the benchmark machine's cores with mfx, so its per-byte cost is kept low.
    while (i < n && have_ > 0) TakeByte(out + i++);
    for (; n - i >= 8; i += 8) {
      const uint64_t word = NextWord();
      for (int b = 0; b < 8; ++b) out[i + static_cast<size_t>(b)] = static_cast<uint8_t>(word >> (8 * b));
    }
    while (i < n) {
      if (have_ == 0) {
        word_ = NextWord();
        have_ = 8;
      }
      TakeByte(out + i++);
    }
    left_ -= n;
    digest_.Update(std::span<const uint8_t>(out, n));
    return n;
  }
  std::string PlaintextSha256() override { return digest_.FinishHex(); }

 private:
  uint64_t NextWord() {  // SplitMix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  void TakeByte(uint8_t* out) {
    *out = static_cast<uint8_t>(word_);
    word_ >>= 8;
    --have_;
  }

  uint64_t left_;
  uint64_t state_;
  uint64_t word_ = 0;
  int have_ = 0;
  Digest digest_;
};

class MemoryStream : public ByteStream {
 public:
  explicit MemoryStream(const std::vector<uint8_t>& bytes) : bytes_(bytes) {}
  size_t Read(uint8_t* out, size_t size) override {
    const size_t n = std::min(size, bytes_.size() - offset_);
    std::copy_n(bytes_.data() + offset_, n, out);
    offset_ += n;
    digest_.Update(std::span<const uint8_t>(out, n));
    return n;
  }
  std::string PlaintextSha256() override { return digest_.FinishHex(); }

 private:
  const std::vector<uint8_t>& bytes_;
  size_t offset_ = 0;
  Digest digest_;
};

class FileStream : public ByteStream {
 public:
  explicit FileStream(const std::filesystem::path& path) : in_(path, std::ios::binary) {
    if (!in_) throw ScenarioError("cannot open replay file " + path.string());
  }
  size_t Read(uint8_t* out, size_t size) override {
    in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(size));
    const auto n = static_cast<size_t>(in_.gcount());
    digest_.Update(std::span<const uint8_t>(out, n));
    return n;
  }
  std::string PlaintextSha256() override { return digest_.FinishHex(); }

 private:
  std::ifstream in_;
  Digest digest_;
};

class EncryptingStream : public ByteStream {
 public:
  EncryptingStream(std::unique_ptr<ByteStream> plain, const std::vector<uint8_t>& key)
      : plain_(std::move(plain)), encryptor_(key, /*padding=*/true) {}
  size_t Read(uint8_t* out, size_t size) override {
    while (buffer_.size() - offset_ < size && !finished_) {
      uint8_t chunk[16384];
      const size_t n = plain_->Read(chunk, sizeof(chunk));
      if (offset_ > 0) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<long>(offset_));
        offset_ = 0;
      }
      if (n == 0) {
        encryptor_.Finish(buffer_);
        finished_ = true;
      } else {
        encryptor_.Update(std::span<const uint8_t>(chunk, n), buffer_);
      }
    }
    const size_t n = std::min(size, buffer_.size() - offset_);
    std::copy_n(buffer_.data() + offset_, n, out);
    offset_ += n;
    return n;
  }
  std::string PlaintextSha256() override { return plain_->PlaintextSha256(); }

 private:
  std::unique_ptr<ByteStream> plain_;
  AesCbcEncryptor encryptor_;
  std::vector<uint8_t> buffer_;
  size_t offset_ = 0;
  bool finished_ = false;
};

uint32_t FlagsFor(EntryKind kind) {
  return kind == EntryKind::kFile ? 1 : kind == EntryKind::kDirectory ? 2 : 4;
}

uint32_t UsableClass(int protection_class) {
  // Only password-wrapped classes can protect files in a backup the host can decrypt.
  if (protection_class >= 1 && protection_class <= 4)
    return static_cast<uint32_t>(protection_class);
  return 4;
}

}  // namespace

std::string BackupContent::FileId(const std::string& domain, const std::string& relative_path) {
  return Sha1Hex(domain + "-" + relative_path);
}

BackupContent::BackupContent(const Scenario& scenario, DeviceState& device,
                             const std::filesystem::path& work_dir, bool encrypted,
                             const SecretString& password)
    : scenario_(scenario), encrypted_(encrypted) {
  status_uuid_ = NewUuid();
  backup_date_ =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (encrypted_) {
    keybag_ = MakeEncryptedKeybag(password, scenario.encryption.dpic, scenario.encryption.iter);
    manifest_key_ = RandomBytes(32);
  } else {
    keybag_ = MakeUnencryptedKeybag();
  }

  if (!scenario.content.replay_backup.empty()) LoadReplay(scenario.content.replay_backup);
  for (const FileSpec& spec : scenario.content.files) entries_.push_back(spec);

  // Folder rows for every ancestor of every entry, and each domain's root row ("").
  std::set<std::pair<std::string, std::string>> present;
  for (const FileSpec& spec : entries_) present.insert({spec.domain, spec.relative_path});
  std::vector<FileSpec> folders;
  for (const FileSpec& spec : entries_) {
    std::string path = spec.relative_path;
    while (true) {
      const size_t slash = path.rfind('/');
      path = slash == std::string::npos ? "" : path.substr(0, slash);
      if (present.insert({spec.domain, path}).second) {
        FileSpec folder;
        folder.domain = spec.domain;
        folder.relative_path = path;
        folder.kind = EntryKind::kDirectory;
        folder.mode = 040755;
        folder.mtime = spec.mtime;
        folder.protection_class = 0;
        folders.push_back(folder);
      }
      if (path.empty()) break;
    }
  }
  entries_.insert(entries_.begin(), folders.rbegin(), folders.rend());

  for (const FileSpec& spec : entries_) {
    if (spec.kind != EntryKind::kFile) continue;
    BackupFile file;
    file.domain = spec.domain;
    file.relative_path = spec.relative_path;
    file.file_id = FileId(spec.domain, spec.relative_path);
    file.device_path =
        DeviceRoot(spec.domain) + (spec.relative_path.empty() ? "" : "/" + spec.relative_path);
    file.spec = spec;
    file.plaintext_size = spec.bytes ? spec.bytes->size() : spec.size;
    file.sent_size = encrypted_ ? CipherSize(file.plaintext_size) : file.plaintext_size;
    if (encrypted_) file.file_key = RandomBytes(32);
    files_.push_back(std::move(file));
  }

  BuildManifestDb(work_dir);
  BuildManifestPlist(device);
  Log("backup", "content: {} files, {} Manifest.db rows, Manifest.db {} bytes{}", files_.size(),
      entries_.size(), manifest_db_.size(), encrypted_ ? ", encrypted" : "");
}

void BackupContent::LoadReplay(const std::filesystem::path& folder) {
  const std::filesystem::path db_path = folder / "Manifest.db";
  const std::vector<uint8_t> header = [&] {
    std::vector<uint8_t> bytes(16);
    std::ifstream in(db_path, std::ios::binary);
    in.read(reinterpret_cast<char*>(bytes.data()), 16);
    bytes.resize(static_cast<size_t>(in.gcount()));
    return bytes;
  }();
  if (header.size() < 16 ||
      std::string(header.begin(), header.end()) != std::string("SQLite format 3\0", 16)) {
    throw ScenarioError(
        "replay_backup: " + db_path.string() +
        " is missing or not a plain SQLite file (encrypted backups cannot be replayed)");
  }
  sqlite3* raw = nullptr;
  const std::string uri = "file:" + db_path.string() + "?mode=ro&immutable=1";
  if (sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) !=
      SQLITE_OK) {
    SqlitePtr close(raw);
    throw ScenarioError("replay_backup: cannot open " + db_path.string());
  }
  SqlitePtr db(raw);
  sqlite3_stmt* raw_statement = nullptr;
  if (sqlite3_prepare_v2(
          db.get(), "SELECT fileID, domain, relativePath, flags, file FROM Files ORDER BY rowid",
          -1, &raw_statement, nullptr) != SQLITE_OK) {
    throw ScenarioError("replay_backup: no Files table in " + db_path.string());
  }
  StatementPtr statement(raw_statement);
  int skipped = 0;
  while (sqlite3_step(statement.get()) == SQLITE_ROW) {
    auto text = [&](int column) {
      const unsigned char* value = sqlite3_column_text(statement.get(), column);
      return value != nullptr ? std::string(reinterpret_cast<const char*>(value)) : std::string();
    };
    FileSpec spec;
    const std::string file_id = text(0);
    spec.domain = text(1);
    spec.relative_path = text(2);
    const int flags = sqlite3_column_int(statement.get(), 3);
    const void* blob = sqlite3_column_blob(statement.get(), 4);
    const int blob_size = sqlite3_column_bytes(statement.get(), 4);
    if (blob != nullptr && blob_size > 0) {
      const auto* bytes = static_cast<const uint8_t*>(blob);
      spec.mbfile_blob = std::vector<uint8_t>(bytes, bytes + blob_size);
    }
    spec.kind = flags == 2   ? EntryKind::kDirectory
                : flags == 4 ? EntryKind::kSymlink
                             : EntryKind::kFile;
    if (spec.kind == EntryKind::kFile) {
      std::filesystem::path blob_path = folder / file_id.substr(0, 2) / file_id;
      if (!std::filesystem::is_regular_file(blob_path)) blob_path = folder / file_id;
      if (!std::filesystem::is_regular_file(blob_path)) {
        ++skipped;
        continue;
      }
      spec.source_file = blob_path;
      spec.size = std::filesystem::file_size(blob_path);
    }
    spec.mode = spec.kind == EntryKind::kDirectory ? 040755
                : spec.kind == EntryKind::kSymlink ? 0120755
                                                   : 0100644;
    entries_.push_back(std::move(spec));
  }
  Log("backup", "replaying {}: {} rows, {} files without a blob skipped", folder.string(),
      entries_.size(), skipped);
}

std::vector<uint8_t> BackupContent::MbFileArchive(
    const FileSpec& spec, uint64_t size, const std::vector<uint8_t>& encryption_key) const {
  PlistPtr objects = NewArray();
  Append(objects.get(), NewString("$null"));
  PlistPtr file = NewDict();
  Append(objects.get(), NewString(""));  // placeholder for the MBFile dict at index 1
  Append(objects.get(), NewString(spec.relative_path));  // index 2
  uint64_t next = 3;
  Set(file.get(), "Birth", NewUint(static_cast<uint64_t>(spec.mtime)));
  Set(file.get(), "Flags", NewUint(0));
  Set(file.get(), "GroupID", NewUint(501));
  Set(file.get(), "InodeNumber", NewUint(++next_inode_));
  Set(file.get(), "LastModified", NewUint(static_cast<uint64_t>(spec.mtime)));
  Set(file.get(), "LastStatusChange", NewUint(static_cast<uint64_t>(spec.mtime)));
  Set(file.get(), "Mode", NewUint(spec.mode));
  Set(file.get(), "ProtectionClass",
      NewUint(static_cast<uint64_t>(encryption_key.empty()
                                        ? spec.protection_class
                                        : static_cast<int>(ReadLe32(encryption_key.data())))));
  Set(file.get(), "RelativePath", NewUid(2));
  Set(file.get(), "Size", NewUint(size));
  Set(file.get(), "UserID", NewUint(501));
  if (spec.kind == EntryKind::kSymlink) {
    Append(objects.get(), NewString(spec.symlink_target));
    Set(file.get(), "Target", NewUid(next++));
  }
  if (!encryption_key.empty()) {
    PlistPtr data = NewDict();
    Set(data.get(), "NS.data", NewData(encryption_key));
    const uint64_t data_index = next++;
    Set(data.get(), "$class", NewUid(data_index + 1));
    Append(objects.get(), std::move(data));
    PlistPtr data_class = NewDict();
    Set(data_class.get(), "$classname", NewString("NSMutableData"));
    PlistPtr classes = NewArray();
    for (const char* name : {"NSMutableData", "NSData", "NSObject"})
      Append(classes.get(), NewString(name));
    Set(data_class.get(), "$classes", std::move(classes));
    Append(objects.get(), std::move(data_class));
    ++next;
    Set(file.get(), "EncryptionKey", NewUid(data_index));
  }
  Set(file.get(), "$class", NewUid(next));
  PlistPtr file_class = NewDict();
  Set(file_class.get(), "$classname", NewString("MBFile"));
  PlistPtr classes = NewArray();
  Append(classes.get(), NewString("MBFile"));
  Append(classes.get(), NewString("NSObject"));
  Set(file_class.get(), "$classes", std::move(classes));
  Append(objects.get(), std::move(file_class));
  plist_array_set_item(static_cast<plist_t>(objects.get()), static_cast<plist_t>(file.release()),
                       1);

  PlistPtr root = NewDict();
  Set(root.get(), "$version", NewUint(100000));
  Set(root.get(), "$archiver", NewString("NSKeyedArchiver"));
  PlistPtr top = NewDict();
  Set(top.get(), "root", NewUid(1));
  Set(root.get(), "$top", std::move(top));
  Set(root.get(), "$objects", std::move(objects));
  return ToBinary(root.get());
}

void BackupContent::BuildManifestDb(const std::filesystem::path& work_dir) {
  std::filesystem::create_directories(work_dir);
  const std::filesystem::path path = work_dir / fmt::format("Manifest-{}.db", status_uuid_);
  std::filesystem::remove(path);
  sqlite3* raw = nullptr;
  if (sqlite3_open(path.c_str(), &raw) != SQLITE_OK) {
    SqlitePtr close(raw);
    throw ScenarioError("cannot create " + path.string());
  }
  {
    SqlitePtr db(raw);
    // Real Manifest.db files are in WAL mode (header bytes 18-19 = 2, FORMATS.md §1.5).
    Exec(db.get(), "PRAGMA journal_mode=WAL");
    Exec(db.get(),
         "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags "
         "INTEGER, file BLOB);"
         "CREATE INDEX FilesDomainIdx ON Files(domain);"
         "CREATE INDEX FilesRelativePathIdx ON Files(relativePath);"
         "CREATE INDEX FilesFlagsIdx ON Files(flags);"
         "CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);"
         "BEGIN");
    sqlite3_stmt* raw_statement = nullptr;
    sqlite3_prepare_v2(db.get(), "INSERT OR REPLACE INTO Files VALUES (?, ?, ?, ?, ?)", -1,
                       &raw_statement, nullptr);
    StatementPtr insert(raw_statement);
    std::map<std::string, const BackupFile*> by_id;
    for (const BackupFile& file : files_) by_id[file.file_id] = &file;
    for (const FileSpec& spec : entries_) {
      const std::string id = FileId(spec.domain, spec.relative_path);
      std::vector<uint8_t> blob;
      const auto it = by_id.find(id);
      const BackupFile* file =
          spec.kind == EntryKind::kFile && it != by_id.end() ? it->second : nullptr;
      if (spec.mbfile_blob && !encrypted_) {
        blob = *spec.mbfile_blob;  // replay keeps the original metadata verbatim
      } else {
        std::vector<uint8_t> key_blob;
        if (file != nullptr && encrypted_) {
          key_blob = WrapWithClass(keybag_, UsableClass(spec.protection_class), file->file_key);
        }
        blob = MbFileArchive(spec, file != nullptr ? file->plaintext_size : 0, key_blob);
      }
      sqlite3_bind_text(insert.get(), 1, id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert.get(), 2, spec.domain.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert.get(), 3, spec.relative_path.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int(insert.get(), 4, static_cast<int>(FlagsFor(spec.kind)));
      sqlite3_bind_blob(insert.get(), 5, blob.data(), static_cast<int>(blob.size()),
                        SQLITE_TRANSIENT);
      if (sqlite3_step(insert.get()) != SQLITE_DONE)
        throw ScenarioError("Manifest.db insert failed");
      sqlite3_reset(insert.get());
    }
    insert.reset();
    Exec(db.get(), "COMMIT");
  }
  std::vector<uint8_t> plain = ReadWholeFile(path);
  std::filesystem::remove(path);
  if (plain.size() % 16 != 0) throw ScenarioError("Manifest.db size is not a multiple of 16");
  manifest_db_ =
      encrypted_ ? AesCbcEncrypt(manifest_key_, plain, /*padding=*/false) : std::move(plain);
}

void BackupContent::BuildManifestPlist(DeviceState& device) {
  PlistPtr manifest = NewDict();
  Set(manifest.get(), "BackupKeyBag", NewData(keybag_.bytes));
  Set(manifest.get(), "Date", NewDateFromUnix(backup_date_));
  Set(manifest.get(), "IsEncrypted", NewBool(encrypted_));
  PlistPtr lockdown = NewDict();
  for (const char* key : {"BuildVersion", "DeviceName", "ProductType", "ProductVersion",
                          "SerialNumber", "UniqueDeviceID"}) {
    auto value = device.GetValue(std::nullopt, std::string(key), true);
    if (auto* node = std::get_if<PlistPtr>(&value)) Set(lockdown.get(), key, std::move(*node));
  }
  for (const char* domain : {"com.apple.mobile.data_sync", "com.apple.mobile.wireless_lockdown"}) {
    auto value = device.GetValue(std::string(domain), std::nullopt, true);
    if (auto* node = std::get_if<PlistPtr>(&value)) Set(lockdown.get(), domain, std::move(*node));
  }
  Set(manifest.get(), "Lockdown", std::move(lockdown));
  Set(manifest.get(), "Applications", NewDict());
  if (encrypted_) {
    const uint32_t manifest_class =
        UsableClass(static_cast<int>(scenario_.encryption.manifest_key_class));
    Set(manifest.get(), "ManifestKey",
        NewData(WrapWithClass(keybag_, manifest_class, manifest_key_)));
  }
  Set(manifest.get(), "SystemDomainsVersion", NewString("24.0"));
  Set(manifest.get(), "Version", NewString("10.0"));
  const bool passcode = scenario_.identity.value("PasswordProtected", false);
  Set(manifest.get(), "WasPasscodeSet", NewBool(passcode));
  manifest_plist_ = ToBinary(manifest.get());
}

std::vector<uint8_t> BackupContent::StatusPlist(const std::string& snapshot_state) const {
  PlistPtr status = NewDict();
  Set(status.get(), "BackupState", NewString("new"));
  Set(status.get(), "Date", NewDateFromUnix(backup_date_));
  Set(status.get(), "IsFullBackup", NewBool(true));
  Set(status.get(), "SnapshotState", NewString(snapshot_state));
  Set(status.get(), "UUID", NewString(status_uuid_));
  Set(status.get(), "Version", NewString("3.3"));
  return ToBinary(status.get());
}

std::unique_ptr<ByteStream> BackupContent::Open(const BackupFile& file) const {
  std::unique_ptr<ByteStream> plain;
  if (file.spec.bytes) {
    plain = std::make_unique<MemoryStream>(*file.spec.bytes);
  } else if (!file.spec.source_file.empty()) {
    plain = std::make_unique<FileStream>(file.spec.source_file);
  } else {
    plain = std::make_unique<SeededStream>(file.spec.size, file.spec.seed);
  }
  if (!encrypted_) return plain;
  return std::make_unique<EncryptingStream>(std::move(plain), file.file_key);
}

nlohmann::ordered_json BackupContent::EncryptionInfo() const {
  nlohmann::ordered_json info{{"encrypted", encrypted_}};
  if (!encrypted_) return info;
  nlohmann::ordered_json keys = nlohmann::ordered_json::object();
  for (const auto& [protection_class, key] : keybag_.class_keys)
    keys[std::to_string(protection_class)] = HexEncode(key);
  info["kek"] = HexEncode(keybag_.kek);
  info["class_keys"] = std::move(keys);
  info["manifest_key"] = HexEncode(manifest_key_);
  info["dpic"] = scenario_.encryption.dpic;
  info["iter"] = scenario_.encryption.iter;
  return info;
}

}  // namespace mfx::extract::emulator
