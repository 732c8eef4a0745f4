#include "extract/emulator/afc_service.h"

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "extract/emulator/byte_order.h"
#include "extract/emulator/emulator.h"
#include "extract/emulator/log.h"

namespace mfx::extract::emulator {
namespace {

constexpr char kMagic[] = "CFA6LPAA";
constexpr size_t kHeaderSize = 40;

// Operations (libimobiledevice src/afc.h).
constexpr uint64_t kOpStatus = 0x01;
constexpr uint64_t kOpData = 0x02;
constexpr uint64_t kOpReadDir = 0x03;
constexpr uint64_t kOpRemovePath = 0x08;
constexpr uint64_t kOpMakeDir = 0x09;
constexpr uint64_t kOpGetFileInfo = 0x0A;
constexpr uint64_t kOpGetDeviceInfo = 0x0B;
constexpr uint64_t kOpFileOpen = 0x0D;
constexpr uint64_t kOpFileOpenResult = 0x0E;
constexpr uint64_t kOpFileRead = 0x0F;
constexpr uint64_t kOpFileWrite = 0x10;
constexpr uint64_t kOpFileSeek = 0x11;
constexpr uint64_t kOpFileTell = 0x12;
constexpr uint64_t kOpFileTellResult = 0x13;
constexpr uint64_t kOpFileClose = 0x14;
constexpr uint64_t kOpFileSetSize = 0x15;
constexpr uint64_t kOpRenamePath = 0x18;
constexpr uint64_t kOpFileLock = 0x1B;
constexpr uint64_t kOpRemovePathAndContents = 0x22;

// Status codes (libimobiledevice/afc.h).
constexpr uint64_t kSuccess = 0;
constexpr uint64_t kInvalidArg = 7;
constexpr uint64_t kObjectNotFound = 8;
constexpr uint64_t kObjectIsDir = 9;
constexpr uint64_t kOpNotSupported = 15;
constexpr uint64_t kObjectExists = 16;
constexpr uint64_t kWouldBlock = 19;
constexpr uint64_t kDirNotEmpty = 33;

// File open modes.
constexpr uint64_t kModeReadOnly = 1;
constexpr uint64_t kModeWriteOnlyTruncate = 3;
constexpr uint64_t kModeReadWriteTruncate = 4;

// Lock operations: SH 1|4, EX 2|4, UN 8|4.
constexpr uint64_t kLockExclusive = 2;
constexpr uint64_t kLockUnlock = 8;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string CString(const std::vector<uint8_t>& data, size_t offset) {
  if (offset >= data.size()) return "";
  const auto* start = reinterpret_cast<const char*>(data.data() + offset);
  return std::string(start, strnlen(start, data.size() - offset));
}

}  // namespace

AfcFileSystem::AfcFileSystem() {
  for (const char* dir : {"/", "/Books", "/DCIM", "/Downloads", "/iTunes_Control",
                          "/iTunes_Control/iTunes", "/Photos", "/PublicStaging"}) {
    nodes_[dir] = Node{true, {}, NowNs()};
  }
}

std::string AfcFileSystem::Normalize(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (const std::string& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

std::optional<AfcFileSystem::Node> AfcFileSystem::Stat(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = nodes_.find(path);
  if (it == nodes_.end()) return std::nullopt;
  return it->second;
}

bool AfcFileSystem::CreateFile(const std::string& path, bool truncate, bool* created) {
  std::lock_guard<std::mutex> lock(mutex_);
  *created = false;
  const auto parent = nodes_.find(Parent(path));
  if (parent == nodes_.end() || !parent->second.directory) return false;
  auto it = nodes_.find(path);
  if (it == nodes_.end()) {
    nodes_[path] = Node{false, {}, NowNs()};
    *created = true;
  } else if (it->second.directory) {
    return false;
  } else if (truncate) {
    it->second.data.clear();
    it->second.mtime_ns = NowNs();
  }
  return true;
}

bool AfcFileSystem::MakeDirectory(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string partial;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    partial += "/" + path.substr(start, end - start);
    auto it = nodes_.find(partial);
    if (it == nodes_.end()) {
      nodes_[partial] = Node{true, {}, NowNs()};
    } else if (!it->second.directory) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

uint64_t AfcFileSystem::Remove(const std::string& path, bool recursive) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = nodes_.find(path);
  if (it == nodes_.end() || path == "/") return path == "/" ? kInvalidArg : kObjectNotFound;
  const std::string prefix = path + "/";
  auto child = nodes_.lower_bound(prefix);
  const bool has_children =
      child != nodes_.end() && child->first.compare(0, prefix.size(), prefix) == 0;
  if (has_children && !recursive) return kDirNotEmpty;
  while (child != nodes_.end() && child->first.compare(0, prefix.size(), prefix) == 0) {
    child = nodes_.erase(child);
  }
  nodes_.erase(path);
  return kSuccess;
}

uint64_t AfcFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = nodes_.find(from);
  if (it == nodes_.end()) return kObjectNotFound;
  if (nodes_.count(to) != 0) return kObjectExists;
  const auto parent = nodes_.find(Parent(to));
  if (parent == nodes_.end() || !parent->second.directory) return kObjectNotFound;
  std::map<std::string, Node> moved;
  const std::string prefix = from + "/";
  for (auto child = nodes_.begin(); child != nodes_.end();) {
    if (child->first == from || child->first.compare(0, prefix.size(), prefix) == 0) {
      moved[to + child->first.substr(from.size())] = std::move(child->second);
      child = nodes_.erase(child);
    } else {
      ++child;
    }
  }
  nodes_.merge(moved);
  return kSuccess;
}

std::optional<std::vector<std::string>> AfcFileSystem::List(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = nodes_.find(path);
  if (it == nodes_.end() || !it->second.directory) return std::nullopt;
  std::vector<std::string> names = {".", ".."};
  const std::string prefix = path == "/" ? "/" : path + "/";
  for (auto child = nodes_.upper_bound(path); child != nodes_.end(); ++child) {
    if (child->first.compare(0, prefix.size(), prefix) != 0) break;
    const std::string rest = child->first.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string::npos) names.push_back(rest);
  }
  return names;
}

std::vector<uint8_t> AfcFileSystem::Read(const std::string& path, uint64_t offset,
                                         uint64_t length) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = nodes_.find(path);
  if (it == nodes_.end() || offset >= it->second.data.size()) return {};
  const uint64_t end = std::min<uint64_t>(it->second.data.size(), offset + length);
  return std::vector<uint8_t>(it->second.data.begin() + static_cast<long>(offset),
                              it->second.data.begin() + static_cast<long>(end));
}

void AfcFileSystem::Write(const std::string& path, uint64_t offset, const uint8_t* data,
                          size_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return;
  std::vector<uint8_t>& content = it->second.data;
  if (content.size() < offset + size) content.resize(offset + size);
  std::memcpy(content.data() + offset, data, size);
  it->second.mtime_ns = NowNs();
}

uint64_t AfcFileSystem::Lock(const std::string& path, uint64_t handle, uint64_t operation) {
  std::lock_guard<std::mutex> lock(mutex_);
  if ((operation & kLockUnlock) != 0) {
    const auto it = exclusive_locks_.find(path);
    if (it != exclusive_locks_.end() && it->second == handle) exclusive_locks_.erase(it);
    return kSuccess;
  }
  const auto it = exclusive_locks_.find(path);
  if (it != exclusive_locks_.end() && it->second != handle) return kWouldBlock;
  if ((operation & kLockExclusive) != 0) exclusive_locks_[path] = handle;
  return kSuccess;
}

void AfcFileSystem::ReleaseLocks(uint64_t handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = exclusive_locks_.begin(); it != exclusive_locks_.end();) {
    it = it->second == handle ? exclusive_locks_.erase(it) : std::next(it);
  }
}

uint64_t AfcFileSystem::NextHandle() {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_handle_++;
}

namespace {

class AfcConnection {
 public:
  AfcConnection(Emulator& emulator, Channel& channel)
      : emulator_(emulator), fs_(emulator.afc()), channel_(channel) {}

  ~AfcConnection() {
    for (const auto& [handle, open] : open_files_) fs_.ReleaseLocks(handle);
  }

  void Serve() {
    while (!emulator_.stopping()) {
      uint8_t header[kHeaderSize];
      channel_.ReadExact(header, sizeof(header));
      if (std::memcmp(header, kMagic, 8) != 0) throw ConnectionClosed("bad AFC magic");
      const uint64_t entire = ReadLe64(header + 8);
      const uint64_t this_length = ReadLe64(header + 16);
      packet_num_ = ReadLe64(header + 24);
      const uint64_t operation = ReadLe64(header + 32);
      if (this_length < kHeaderSize || entire < this_length || entire > (64u << 20)) {
        throw ConnectionClosed("bad AFC packet lengths");
      }
      std::vector<uint8_t> data(this_length - kHeaderSize);
      channel_.ReadExact(data.data(), data.size());
      std::vector<uint8_t> payload(entire - this_length);
      channel_.ReadExact(payload.data(), payload.size());
      Handle(operation, data, payload);
    }
  }

 private:
  struct OpenFile {
    std::string path;
    uint64_t position = 0;
  };

  void Send(uint64_t operation, const std::vector<uint8_t>& body) {
    std::vector<uint8_t> packet(kMagic, kMagic + 8);
    AppendLe64(packet, kHeaderSize + body.size());
    AppendLe64(packet, kHeaderSize + body.size());
    AppendLe64(packet, packet_num_);
    AppendLe64(packet, operation);
    packet.insert(packet.end(), body.begin(), body.end());
    channel_.WriteAll(packet);
  }

  void SendStatus(uint64_t code) {
    std::vector<uint8_t> body;
    AppendLe64(body, code);
    Send(kOpStatus, body);
  }

  void SendStrings(const std::vector<std::string>& strings) {
    std::vector<uint8_t> body;
    for (const std::string& s : strings) {
      body.insert(body.end(), s.begin(), s.end());
      body.push_back(0);
    }
    Send(kOpData, body);
  }

  OpenFile* FindHandle(const std::vector<uint8_t>& data) {
    if (data.size() < 8) return nullptr;
    const auto it = open_files_.find(ReadLe64(data.data()));
    return it == open_files_.end() ? nullptr : &it->second;
  }

  void Handle(uint64_t operation, const std::vector<uint8_t>& data,
              const std::vector<uint8_t>& payload) {
    switch (operation) {
      case kOpGetFileInfo: {
        const std::string path = AfcFileSystem::Normalize(CString(data, 0));
        const std::optional<AfcFileSystem::Node> node = fs_.Stat(path);
        Log("afc", "GetFileInfo {} -> {}", path, node ? "found" : "not found");
        if (!node) return SendStatus(kObjectNotFound);
        const std::string mtime = std::to_string(node->mtime_ns);
        return SendStrings({"st_size", std::to_string(node->data.size()), "st_blocks",
                            std::to_string((node->data.size() + 511) / 512), "st_nlink", "1",
                            "st_ifmt", node->directory ? "S_IFDIR" : "S_IFREG", "st_mtime", mtime,
                            "st_birthtime", mtime});
      }
      case kOpGetDeviceInfo:
        return SendStrings({"Model", emulator_.scenario().IdentityString("ProductType"),
                            "FSTotalBytes", "64000000000", "FSFreeBytes", "31000000000",
                            "FSBlockSize", "4096"});
      case kOpReadDir: {
        const std::string path = AfcFileSystem::Normalize(CString(data, 0));
        const auto names = fs_.List(path);
        if (!names) return SendStatus(kObjectNotFound);
        return SendStrings(*names);
      }
      case kOpMakeDir: {
        const std::string path = AfcFileSystem::Normalize(CString(data, 0));
        const bool ok = fs_.MakeDirectory(path);
        emulator_.record().AddEvent("afc_make_directory", {{"path", path}, {"ok", ok}});
        Log("afc", "MakeDir {}", path);
        return SendStatus(ok ? kSuccess : kObjectExists);
      }
      case kOpRemovePath:
      case kOpRemovePathAndContents: {
        const std::string path = AfcFileSystem::Normalize(CString(data, 0));
        const uint64_t status = fs_.Remove(path, operation == kOpRemovePathAndContents);
        emulator_.record().AddEvent("afc_remove", {{"path", path}, {"status", status}});
        return SendStatus(status);
      }
      case kOpRenamePath: {
        const std::string from = AfcFileSystem::Normalize(CString(data, 0));
        const std::string to = AfcFileSystem::Normalize(CString(data, CString(data, 0).size() + 1));
        const uint64_t status = fs_.Rename(from, to);
        emulator_.record().AddEvent("afc_rename", {{"from", from}, {"to", to}, {"status", status}});
        return SendStatus(status);
      }
      case kOpFileOpen: {
        if (data.size() < 9) return SendStatus(kInvalidArg);
        const uint64_t mode = ReadLe64(data.data());
        const std::string path = AfcFileSystem::Normalize(CString(data, 8));
        const std::optional<AfcFileSystem::Node> node = fs_.Stat(path);
        if (node && node->directory) return SendStatus(kObjectIsDir);
        if (mode == kModeReadOnly) {
          if (!node) return SendStatus(kObjectNotFound);
        } else {
          bool created = false;
          const bool truncate = mode == kModeWriteOnlyTruncate || mode == kModeReadWriteTruncate;
          if (!fs_.CreateFile(path, truncate, &created)) return SendStatus(kObjectNotFound);
          if (created) {
            // AFC_FOPEN_RW creates missing files: on a real phone this writes to the device.
            Log("afc", "file created by the host: {}", path);
            emulator_.record().AddEvent("afc_created_file", {{"path", path}});
          }
        }
        const uint64_t handle = fs_.NextHandle();
        open_files_[handle] = OpenFile{path, 0};
        Log("afc", "FileRefOpen {} mode {} -> handle {}", path, mode, handle);
        std::vector<uint8_t> body;
        AppendLe64(body, handle);
        return Send(kOpFileOpenResult, body);
      }
      case kOpFileRead: {
        OpenFile* file = FindHandle(data);
        if (file == nullptr || data.size() < 16) return SendStatus(kInvalidArg);
        const std::vector<uint8_t> bytes =
            fs_.Read(file->path, file->position, ReadLe64(data.data() + 8));
        file->position += bytes.size();
        return Send(kOpData, bytes);
      }
      case kOpFileWrite: {
        OpenFile* file = FindHandle(data);
        if (file == nullptr) return SendStatus(kInvalidArg);
        fs_.Write(file->path, file->position, payload.data(), payload.size());
        file->position += payload.size();
        emulator_.record().AddEvent("afc_write", {{"path", file->path}, {"bytes", payload.size()}});
        return SendStatus(kSuccess);
      }
      case kOpFileSeek: {
        OpenFile* file = FindHandle(data);
        if (file == nullptr || data.size() < 24) return SendStatus(kInvalidArg);
        const uint64_t whence = ReadLe64(data.data() + 8);
        const auto offset = static_cast<int64_t>(ReadLe64(data.data() + 16));
        const std::optional<AfcFileSystem::Node> node = fs_.Stat(file->path);
        const int64_t base = whence == 0   ? 0
                             : whence == 1 ? static_cast<int64_t>(file->position)
                                           : static_cast<int64_t>(node ? node->data.size() : 0);
        if (base + offset < 0) return SendStatus(kInvalidArg);
        file->position = static_cast<uint64_t>(base + offset);
        return SendStatus(kSuccess);
      }
      case kOpFileTell: {
        OpenFile* file = FindHandle(data);
        if (file == nullptr) return SendStatus(kInvalidArg);
        std::vector<uint8_t> body;
        AppendLe64(body, file->position);
        return Send(kOpFileTellResult, body);
      }
      case kOpFileSetSize:
        return SendStatus(kOpNotSupported);
      case kOpFileLock: {
        OpenFile* file = FindHandle(data);
        if (file == nullptr || data.size() < 16) return SendStatus(kInvalidArg);
        const uint64_t handle = ReadLe64(data.data());
        const uint64_t lock_op = ReadLe64(data.data() + 8);
        uint64_t status = kSuccess;
        if ((lock_op & kLockExclusive) != 0 &&
            busy_answers_ < emulator_.scenario().faults.afc_lock_busy_polls) {
          ++busy_answers_;
          status = kWouldBlock;
        } else {
          status = fs_.Lock(file->path, handle, lock_op);
        }
        Log("afc", "FileRefLock {} op {} -> {}", file->path, lock_op, status);
        emulator_.record().AddEvent("afc_lock",
                                    {{"path", file->path}, {"op", lock_op}, {"status", status}});
        return SendStatus(status);
      }
      case kOpFileClose: {
        if (data.size() < 8) return SendStatus(kInvalidArg);
        const uint64_t handle = ReadLe64(data.data());
        fs_.ReleaseLocks(handle);
        open_files_.erase(handle);
        return SendStatus(kSuccess);
      }
      default:
        Log("afc", "unsupported operation 0x{:x}", operation);
        return SendStatus(kOpNotSupported);
    }
  }

  Emulator& emulator_;
  AfcFileSystem& fs_;
  Channel& channel_;
  uint64_t packet_num_ = 0;
  int busy_answers_ = 0;
  std::map<uint64_t, OpenFile> open_files_;
};

}  // namespace

void ServeAfc(Emulator& emulator, Channel& channel) {
  AfcConnection connection(emulator, channel);
  connection.Serve();
}

}  // namespace mfx::extract::emulator
