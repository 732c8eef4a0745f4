#include "extract/backup_host.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "extract/device_errors.h"
#include "extract/plist_handle.h"

namespace mfx::extract {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// 16 KiB: the largest TLS record payload. libimobiledevice 1.3.0 reads over TLS all-or-nothing
// (idevice_connection_receive_timeout drops a partial read), so a cut stream loses at most the
// piece being read; with 32 KiB pieces a cut costs up to a whole device block.
constexpr uint32_t kPiece = 16384;
constexpr size_t kDownloadBlock = 32768;
constexpr const char* kUnsupported = "Operation not supported";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

// EOF or a reset on the socket, without consuming anything.
bool PeerClosed(int fd) {
  if (fd < 0) return true;
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
  return false;
}

std::optional<double> PercentAt(plist_t message, uint32_t index) {
  if (plist_get_node_type(message) != PLIST_ARRAY || plist_array_get_size(message) <= index) {
    return std::nullopt;
  }
  return PlistRealValue(plist_array_get_item(message, index));
}

void AppendBe32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

}  // namespace

std::string_view BackupEndName(BackupEnd end) {
  switch (end) {
    case BackupEnd::kFinished:
      return "finished";
    case BackupEnd::kDeviceDisconnected:
      return "device_disconnected";
    case BackupEnd::kConnectionLost:
      return "connection_lost";
    case BackupEnd::kDetached:
      return "detached";
    case BackupEnd::kStalled:
      return "stalled";
    case BackupEnd::kCancelledOnDevice:
      return "cancelled_on_device";
    case BackupEnd::kCancelledByExaminer:
      return "cancelled_by_examiner";
    case BackupEnd::kProtocolError:
      return "protocol_error";
    case BackupEnd::kLocalError:
      return "local_error";
  }
  return "?";
}

json BackupRunResult::ToJson() const {
  return json{{"end", std::string(BackupEndName(end))},
              {"error_code", error_code},
              {"description", SanitizeUtf8(description)}};
}

int Mobilebackup2SocketFd(mobilebackup2_client_t client) {
  // libimobiledevice 1.3.0 keeps each layer's private struct to one member, the layer below
  // (src/mobilebackup2.h → device_link_service.h → property_list_service.h → service.h);
  // mobilebackup2_receive_raw walks the same chain (client->parent->parent->parent). The public
  // idevice_connection_get_fd does the rest.
  struct ServicePrivate {
    idevice_connection_t connection;
  };
  struct PropertyListServicePrivate {
    ServicePrivate* parent;
  };
  struct DeviceLinkPrivate {
    PropertyListServicePrivate* parent;
  };
  struct Mobilebackup2Private {
    DeviceLinkPrivate* parent;
  };
  auto* mb = reinterpret_cast<Mobilebackup2Private*>(client);
  if (mb == nullptr || mb->parent == nullptr || mb->parent->parent == nullptr ||
      mb->parent->parent->parent == nullptr || mb->parent->parent->parent->connection == nullptr) {
    return -1;
  }
  int fd = -1;
  if (idevice_connection_get_fd(mb->parent->parent->parent->connection, &fd) != IDEVICE_E_SUCCESS) {
    return -1;
  }
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return -1;
  return fd;
}

class BackupHost::Source : public RawSource {
 public:
  explicit Source(BackupHost& host) : host_(host) {}

  RawRead Read(std::span<uint8_t> out) override {
    if (host_.shut_down_.load()) return {0, Reason()};
    const uint32_t want = static_cast<uint32_t>(std::min<size_t>(out.size(), kPiece));
    uint32_t got = 0;
    mobilebackup2_receive_raw(host_.client_, reinterpret_cast<char*>(out.data()), want, &got);
    if (got > 0) {
      host_.Touch();
      return {got, SourceEnd::kNone};
    }
    return {0, Reason()};
  }
  bool PartialReadsMayBeLost() const override { return true; }

 private:
  SourceEnd Reason() const {
    if (host_.cancelled_.load()) return SourceEnd::kCancelled;
    if (host_.stalled_.load()) return SourceEnd::kStalled;
    if (host_.signals_.detached.load() || host_.shut_down_.load() || PeerClosed(host_.fd_)) {
      return SourceEnd::kClosed;
    }
    return SourceEnd::kIdle;
  }
  BackupHost& host_;
};

BackupHost::BackupHost(mobilebackup2_client_t client, std::string udid, AttemptWriter& writer,
                       DeviceSignals& signals, AcquisitionProgress* progress,
                       BackupHostOptions options)
    : client_(client),
      udid_(std::move(udid)),
      writer_(writer),
      signals_(signals),
      progress_(progress),
      options_(std::move(options)) {
  fd_ = Mobilebackup2SocketFd(client_);
}

BackupHost::~BackupHost() { StopWatchdog(); }

void BackupHost::Touch() { last_progress_ms_.store(NowMs()); }

void BackupHost::StartWatchdog() {
  Touch();
  watchdog_stop_ = false;
  watchdog_ = std::thread([this] {
    while (!watchdog_stop_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (shut_down_.load()) continue;
      const bool examiner = options_.examiner_cancelled && options_.examiner_cancelled();
      const auto limit = signals_.passcode_showing.load() ? options_.passcode_timeout
                                                          : options_.stall_timeout;
      const bool stalled = NowMs() - last_progress_ms_.load() > limit.count();
      if (examiner) cancelled_ = true;
      if (stalled) stalled_ = true;
      if (examiner || stalled || signals_.detached.load()) {
        // Wakes a receive blocked in libimobiledevice (up to its 30 s timeout otherwise).
        shut_down_ = true;
        if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
      }
    }
  });
}

void BackupHost::StopWatchdog() {
  watchdog_stop_ = true;
  if (watchdog_.joinable()) watchdog_.join();
}

bool BackupHost::SendRaw(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    uint32_t sent = 0;
    const uint32_t chunk = static_cast<uint32_t>(std::min<size_t>(size, 1u << 20));
    if (mobilebackup2_send_raw(client_, p, chunk, &sent) != MOBILEBACKUP2_E_SUCCESS || sent == 0) {
      send_failed_ = true;
      return false;
    }
    p += sent;
    size -= sent;
  }
  return true;
}

bool BackupHost::SendStatus(int64_t code, const std::string& text, plist_t payload) {
  const mobilebackup2_error_t rc = mobilebackup2_send_status_response(
      client_, static_cast<int>(code), text.empty() ? nullptr : text.c_str(), payload);
  if (rc != MOBILEBACKUP2_E_SUCCESS) send_failed_ = true;
  return rc == MOBILEBACKUP2_E_SUCCESS;
}

BackupRunResult BackupHost::Classify(BackupEnd fallback, std::string description) {
  BackupRunResult r;
  r.end = fallback;
  r.description = std::move(description);
  if (fallback == BackupEnd::kConnectionLost || fallback == BackupEnd::kProtocolError) {
    // The reasons may arrive just after the connection ends: the notification thread polls every
    // ~1.5 s, usbmuxd's Detached comes on another socket.
    const auto until = Clock::now() + std::chrono::milliseconds(2500);
    while (Clock::now() < until && !signals_.detached.load() &&
           !signals_.cancelled_on_device.load() && !cancelled_.load() && !stalled_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (cancelled_.load()) {
    r.end = BackupEnd::kCancelledByExaminer;
    r.description = "stopped by the examiner (Ctrl-C)";
  } else if (stalled_.load()) {
    r.end = BackupEnd::kStalled;
    const auto limit = signals_.passcode_showing.load() ? options_.passcode_timeout
                                                        : options_.stall_timeout;
    r.description = "no data from the phone for " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(limit).count()) +
                    " s" + (signals_.passcode_showing.load() ? " while it showed its passcode prompt" : "");
  } else if (signals_.detached.load()) {
    r.end = BackupEnd::kDetached;
    r.description = "usbmuxd reported the phone removed (cable pulled or phone restarted)";
  } else if (signals_.cancelled_on_device.load()) {
    r.end = BackupEnd::kCancelledOnDevice;
    r.description = "the phone cancelled the backup (syncCancelRequest)";
  } else if (fallback == BackupEnd::kConnectionLost) {
    r.description = "the connection to the phone ended: " + r.description;
  }
  return r;
}

bool BackupHost::HandleDownload(plist_t message) {
  plist_t paths = plist_array_get_item(message, 1);
  if (auto p = PercentAt(message, 3); p && progress_) progress_->SetDevicePercent(*p);
  json errors = json::object();
  PlistPtr multi(plist_new_dict());
  std::vector<uint8_t> buffer(kDownloadBlock + 5);
  for (uint32_t i = 0; paths != nullptr && plist_get_node_type(paths) == PLIST_ARRAY &&
                       i < plist_array_get_size(paths);
       ++i) {
    const std::string path = PlistStringValue(plist_array_get_item(paths, i)).value_or("");
    if (path.empty()) continue;
    std::vector<uint8_t> head;
    AppendBe32(head, static_cast<uint32_t>(path.size()));
    head.insert(head.end(), path.begin(), path.end());
    if (!SendRaw(head.data(), head.size())) return false;
    DlFileError error;
    auto fd = writer_.OpenForDownload(path, &error);
    if (!fd) {
      std::vector<uint8_t> out;
      AppendBe32(out, static_cast<uint32_t>(error.text.size() + 1));
      out.push_back(0x06);
      out.insert(out.end(), error.text.begin(), error.text.end());
      if (!SendRaw(out.data(), out.size())) return false;
      PlistPtr entry(plist_new_dict());
      plist_dict_set_item(Raw(entry), "DLFileErrorString", plist_new_string(error.text.c_str()));
      plist_dict_set_item(Raw(entry), "DLFileErrorCode",
                          plist_new_uint(static_cast<uint64_t>(error.code)));
      plist_dict_set_item(Raw(multi), path.c_str(), plist_copy(Raw(entry)));
      writer_.FinishDownload(path, 0, "", "error: " + error.text);
      continue;
    }
    core::Hasher hasher(core::HashAlgorithm::kSha256);
    uint64_t total = 0;
    std::string result = "ok";
    while (true) {
      const ssize_t n = ::read(fd->get(), buffer.data() + 5, kDownloadBlock);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        result = std::string("read error: ") + std::strerror(errno);
        break;
      }
      if (n == 0) break;
      buffer[0] = static_cast<uint8_t>((n + 1) >> 24);
      buffer[1] = static_cast<uint8_t>((n + 1) >> 16);
      buffer[2] = static_cast<uint8_t>((n + 1) >> 8);
      buffer[3] = static_cast<uint8_t>(n + 1);
      buffer[4] = 0x0C;
      if (!SendRaw(buffer.data(), static_cast<size_t>(n) + 5)) return false;
      hasher.Update(ByteSpan(buffer.data() + 5, static_cast<size_t>(n)));
      total += static_cast<uint64_t>(n);
    }
    const uint8_t end[5] = {0, 0, 0, 1, 0x00};
    if (!SendRaw(end, sizeof(end))) return false;
    writer_.FinishDownload(path, total, hasher.FinishHex(), result);
  }
  const uint8_t terminator[4] = {0, 0, 0, 0};
  if (!SendRaw(terminator, sizeof(terminator))) return false;
  if (plist_dict_get_size(Raw(multi)) == 0) return SendStatus(0, "", nullptr);
  return SendStatus(-13, "Multi status", Raw(multi));
}

bool BackupHost::HandleUpload(plist_t message, BackupRunResult* ended) {
  if (auto p = PercentAt(message, 2); p && progress_) progress_->SetDevicePercent(*p);
  if (auto p = PercentAt(message, 2)) writer_.ledger().device_percent = *p;
  Source source(*this);
  const UploadBatchResult batch = ReadUploadBatch(source, writer_);
  if (batch.end != UploadBatchResult::End::kBatchEnd) {
    writer_.AbandonOpenFile(batch.message);
    if (batch.end == UploadBatchResult::End::kProtocolError) {
      *ended = Classify(BackupEnd::kProtocolError, batch.message);
    } else {
      *ended = Classify(BackupEnd::kConnectionLost, batch.message);
    }
    return false;
  }
  const std::vector<std::string> problems = writer_.TakeBatchProblems();
  if (problems.empty()) return SendStatus(0, "", nullptr);
  std::string text = "mfx refused or could not store " + std::to_string(problems.size()) +
                     " file(s): " + problems.front();
  if (text.size() > 1024) text = text.substr(0, 1024) + "…";
  return SendStatus(-1, SanitizeUtf8(text), nullptr);
}

BackupRunResult BackupHost::Serve() {
  auto last_save = Clock::now();
  while (true) {
    plist_t raw_message = nullptr;
    char* raw_name = nullptr;
    const mobilebackup2_error_t rc = mobilebackup2_receive_message(client_, &raw_message, &raw_name);
    PlistPtr message(raw_message);
    CString name_owner(raw_name);
    if (rc == MOBILEBACKUP2_E_RECEIVE_TIMEOUT && !shut_down_.load()) continue;  // the watchdog decides
    if (rc != MOBILEBACKUP2_E_SUCCESS || !message) {
      if (rc == MOBILEBACKUP2_E_PLIST_ERROR && !shut_down_.load() && !PeerClosed(fd_)) {
        return Classify(BackupEnd::kProtocolError, "the device sent a message that is not DeviceLink");
      }
      return Classify(BackupEnd::kConnectionLost, Mobilebackup2ErrorText(rc));
    }
    Touch();
    const std::string dl = raw_name != nullptr ? raw_name : "";
    plist_t m = Raw(message);
    bool ok = true;
    if (dl == "DLMessageDownloadFiles") {
      ok = HandleDownload(m);
    } else if (dl == "DLMessageUploadFiles") {
      BackupRunResult ended;
      if (!HandleUpload(m, &ended)) {
        if (!send_failed_) return ended;
        ok = false;
      }
      if (Clock::now() - last_save > std::chrono::seconds(30)) {
        writer_.Save();
        last_save = Clock::now();
      }
    } else if (dl == "DLMessageGetFreeDiskSpace") {
      auto free_bytes = writer_.FreeBytes();
      writer_.LogOperation({{"op", "free_space"},
                            {"bytes", free_bytes ? json(*free_bytes) : json()},
                            {"result", free_bytes ? "ok" : SanitizeUtf8(free_bytes.error().message)}});
      if (free_bytes) {
        PlistPtr value(plist_new_uint(*free_bytes));
        ok = SendStatus(0, "", Raw(value));
      } else {
        ok = SendStatus(-1, free_bytes.error().message, nullptr);
      }
    } else if (dl == "DLContentsOfDirectory") {
      const std::string path = PlistStringValue(plist_array_get_item(m, 1)).value_or("");
      DlFileError error;
      auto entries = writer_.ListDirectory(path, &error);
      PlistPtr dict(plist_new_dict());
      if (entries) {
        for (const SandboxEntry& e : *entries) {
          PlistPtr item(plist_new_dict());
          plist_dict_set_item(Raw(item), "DLFileType",
                              plist_new_string(e.directory ? "DLFileTypeDirectory"
                                               : e.regular ? "DLFileTypeRegular"
                                                           : "DLFileTypeUnknown"));
          plist_dict_set_item(Raw(item), "DLFileSize", plist_new_uint(e.size));
          // Cocoa epoch: 2001-01-01.
          plist_dict_set_item(Raw(item), "DLFileModificationDate",
                              plist_new_date(static_cast<int32_t>(e.mtime - 978307200), 0));
          plist_dict_set_item(Raw(dict), e.name.c_str(), plist_copy(Raw(item)));
        }
      }
      ok = SendStatus(error.code, error.text, Raw(dict));
    } else if (dl == "DLMessageCreateDirectory") {
      const std::string path = PlistStringValue(plist_array_get_item(m, 1)).value_or("");
      const DlFileError error = writer_.CreateDirectory(path);
      ok = SendStatus(error.code, error.text, nullptr);
    } else if (dl == "DLMessageMoveFiles" || dl == "DLMessageMoveItems") {
      if (auto p = PercentAt(m, 3); p && progress_) progress_->SetDevicePercent(*p);
      plist_t moves = plist_array_get_item(m, 1);
      DlFileError last;
      for (const std::string& from : PlistKeys(moves)) {
        const std::string to =
            PlistStringValue(plist_dict_get_item(moves, from.c_str())).value_or("");
        const DlFileError e = writer_.Move(from, to);
        if (e.code != 0) last = e;
      }
      ok = SendStatus(last.code, last.text, nullptr);
    } else if (dl == "DLMessageRemoveFiles" || dl == "DLMessageRemoveItems") {
      if (auto p = PercentAt(m, 3); p && progress_) progress_->SetDevicePercent(*p);
      plist_t paths = plist_array_get_item(m, 1);
      DlFileError last;
      for (uint32_t i = 0; paths != nullptr && plist_get_node_type(paths) == PLIST_ARRAY &&
                           i < plist_array_get_size(paths);
           ++i) {
        const std::string path = PlistStringValue(plist_array_get_item(paths, i)).value_or("");
        const DlFileError e = writer_.Remove(path);
        if (e.code != 0) last = e;
      }
      ok = SendStatus(last.code, last.text, nullptr);
    } else if (dl == "DLMessageCopyItem") {
      const std::string from = PlistStringValue(plist_array_get_item(m, 1)).value_or("");
      const std::string to = PlistStringValue(plist_array_get_item(m, 2)).value_or("");
      const DlFileError error = writer_.Copy(from, to);
      ok = SendStatus(error.code, error.text, nullptr);
    } else if (dl == "DLMessagePurgeDiskSpace") {
      // 1.3.0 never answers and the device waits forever (DEVICE.md §7).
      writer_.LogOperation({{"op", "purge"}, {"result", kUnsupported}});
      ok = SendStatus(-1, kUnsupported, nullptr);
    } else if (dl == "DLMessageProcessMessage") {
      plist_t body = plist_array_get_item(m, 1);
      BackupRunResult r;
      r.end = BackupEnd::kFinished;
      // ErrorCode is an unsigned plist integer even when negative.
      r.error_code = static_cast<int64_t>(PlistUintValue(PlistMember(body, "ErrorCode")).value_or(0));
      r.description = PlistStringValue(PlistMember(body, "ErrorDescription")).value_or("");
      return r;
    } else if (dl == "DLMessageDisconnect") {
      return Classify(BackupEnd::kDeviceDisconnected,
                      "the device ended the session (DLMessageDisconnect) before finishing");
    } else {
      writer_.LogOperation({{"op", "unknown"}, {"message", SanitizeUtf8(dl)}, {"result", kUnsupported}});
      if (progress_) progress_->Notice("mfx: the phone sent an unknown request " + SanitizeUtf8(dl) + "; answered \"not supported\"");
      ok = SendStatus(-1, kUnsupported, nullptr);
    }
    if (!ok) return Classify(BackupEnd::kConnectionLost, "sending an answer to the phone failed");
  }
}

BackupRunResult BackupHost::Run() {
  PlistPtr options(plist_new_dict());
  if (options_.full) plist_dict_set_item(Raw(options), "ForceFullBackup", plist_new_bool(1));
  const mobilebackup2_error_t rc = mobilebackup2_send_request(
      client_, "Backup", udid_.c_str(), udid_.c_str(), options_.full ? Raw(options) : nullptr);
  if (rc != MOBILEBACKUP2_E_SUCCESS) {
    return BackupRunResult{BackupEnd::kConnectionLost, 0,
                           "sending the Backup request: " + Mobilebackup2ErrorText(rc)};
  }
  StartWatchdog();
  BackupRunResult result = Serve();
  StopWatchdog();
  return result;
}

BackupRunResult BackupHost::RunChangePassword(plist_t options) {
  const mobilebackup2_error_t rc = mobilebackup2_send_message(client_, "ChangePassword", options);
  if (rc != MOBILEBACKUP2_E_SUCCESS) {
    return BackupRunResult{BackupEnd::kConnectionLost, 0,
                           "sending ChangePassword: " + Mobilebackup2ErrorText(rc)};
  }
  StartWatchdog();
  BackupRunResult result = Serve();
  StopWatchdog();
  return result;
}

}  // namespace mfx::extract
