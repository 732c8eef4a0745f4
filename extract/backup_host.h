#pragma once
// Our own mobilebackup2 host loop (DEVICE.md §6–7), on libimobiledevice's
// mobilebackup2_receive_message / _receive_raw / _send_raw / _send_status_response — written for
// mfx, not taken from idevicebackup2 (LGPL, and it counts truncated files as received).
//
// What it does differently from 1.3.0's tool:
//   - uploads go through upload_stream.h into the AttemptWriter (.part files, hashes, ledger);
//   - a watchdog independent of libimobiledevice's 30 s receive timeout: no byte and no message
//     for `stall_timeout` (longer, `passcode_timeout`, while the phone shows its passcode prompt)
//     ends the attempt as stalled; so does the examiner's Ctrl-C or usbmuxd's "device removed".
//     It wakes a blocked receive by shutting the connection's socket down;
//   - PurgeDiskSpace is answered with StatusResponse(-1, "Operation not supported");
//     GetFreeDiskSpace with the real free space of the case volume;
//   - every end is classified (finished with an ErrorCode, cable pulled, detached, stalled,
//     cancelled on the phone or by the examiner, protocol or local error).
//
// Threading: Run() blocks the calling thread; the watchdog runs on its own thread for the
// duration of Run().

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "extract/acquisition_progress.h"
#include "extract/attempt_writer.h"
#include "extract/device_handles.h"
#include "extract/device_services.h"

namespace mfx::extract {

struct BackupHostOptions {
  bool full = true;
  std::chrono::milliseconds stall_timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds passcode_timeout{std::chrono::minutes(6)};
  std::function<bool()> examiner_cancelled;  // thread-safe; may be empty
};

enum class BackupEnd {
  kFinished,             // DLMessageProcessMessage arrived (error_code says how it went)
  kDeviceDisconnected,   // the device sent DLMessageDisconnect before finishing
  kConnectionLost,       // the connection ended (cable pulled, phone rebooted, …)
  kDetached,             // usbmuxd reported the device removed
  kStalled,              // the watchdog gave up
  kCancelledOnDevice,    // syncCancelRequest from the phone
  kCancelledByExaminer,  // Ctrl-C
  kProtocolError,        // the device sent something we cannot follow
  kLocalError,           // we could not answer (disk, …)
};
std::string_view BackupEndName(BackupEnd end);

struct BackupRunResult {
  BackupEnd end = BackupEnd::kProtocolError;
  int64_t error_code = 0;       // kFinished: the device's ErrorCode (0 = success)
  std::string description;      // the device's ErrorDescription, or what went wrong
  nlohmann::json ToJson() const;
};

// The usbmux/TLS socket under a mobilebackup2 client (for the watchdog).
int Mobilebackup2SocketFd(mobilebackup2_client_t client);

class BackupHost {
 public:
  BackupHost(mobilebackup2_client_t client, std::string udid, AttemptWriter& writer,
             DeviceSignals& signals, AcquisitionProgress* progress, BackupHostOptions options);
  ~BackupHost();
  BackupHost(const BackupHost&) = delete;
  BackupHost& operator=(const BackupHost&) = delete;

  // Sends the Backup request and serves the device until the operation ends.
  BackupRunResult Run();

  // Runs a DL exchange for ChangePassword (`options` already holds Old/NewPassword): sends it and
  // serves the device until its ProcessMessage. Used by encryption_control.h.
  BackupRunResult RunChangePassword(plist_t options);

  // Marks progress (any byte or message from the device).
  void Touch();

 private:
  class Source;
  BackupRunResult Serve();
  BackupRunResult Classify(BackupEnd fallback, std::string description);
  bool HandleUpload(plist_t message, BackupRunResult* ended);
  bool HandleDownload(plist_t message);
  bool SendStatus(int64_t code, const std::string& text, plist_t payload);
  bool SendRaw(const void* data, size_t size);
  void StartWatchdog();
  void StopWatchdog();

  mobilebackup2_client_t client_;
  std::string udid_;
  AttemptWriter& writer_;
  DeviceSignals& signals_;
  AcquisitionProgress* progress_;
  BackupHostOptions options_;
  int fd_ = -1;
  std::atomic<int64_t> last_progress_ms_{0};
  std::atomic<bool> stalled_{false};
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> shut_down_{false};
  std::atomic<bool> watchdog_stop_{false};
  std::thread watchdog_;
  bool send_failed_ = false;
};

}  // namespace mfx::extract
