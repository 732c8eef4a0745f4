#pragma once
// The services around a backup (DEVICE.md §2.4, §6 steps 2 and 6): notification_proxy (what the
// phone tells us: cancel, passcode prompt shown / dismissed), the AFC sync lock, and usbmuxd's
// device events (the authoritative "unplugged" signal).
//
// Thread-safety: DeviceSignals is shared between the receive loop, the watchdog, the
// notification_proxy thread and the usbmuxd listener thread; its members are atomics or guarded.

#include <usbmuxd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "extract/device_handles.h"
#include "extract/device_session.h"

namespace mfx::extract {

inline constexpr const char* kSyncCancelRequest = "com.apple.itunes-client.syncCancelRequest";
inline constexpr const char* kPasscodePresented = "com.apple.LocalAuthentication.ui.presented";
inline constexpr const char* kPasscodeDismissed = "com.apple.LocalAuthentication.ui.dismissed";

struct DeviceSignals {
  std::atomic<bool> passcode_showing{false};
  std::atomic<bool> cancelled_on_device{false};
  std::atomic<bool> detached{false};
  std::atomic<bool> proxy_died{false};
  // Called (from any thread) when something happened the receive loop must wake up for.
  std::function<void()> wake;
  // Called from the notification thread for operator notices.
  std::function<void(const std::string&)> notice;

  void AddPrompt(bool presented);
  nlohmann::json Prompts() const;  // [{presented, dismissed}]
  std::vector<std::string> Relayed() const;

 private:
  mutable std::mutex mu_;
  nlohmann::json prompts_ = nlohmann::json::array();
  std::vector<std::string> relayed_;
  friend class NotificationWatcher;
};

// notification_proxy: observes syncCancelRequest, syncSuspend/Resume, domain_changed and the
// iOS ≥ 16.1 passcode prompt names (1.3.0 does not observe those by itself), and posts the sync
// notifications. libimobiledevice polls for relays every ~1.5 s.
class NotificationWatcher {
 public:
  static Result<std::unique_ptr<NotificationWatcher>> Start(idevice_t device,
                                                            LockdownSession& session,
                                                            DeviceSignals& signals);
  ~NotificationWatcher();
  Status Post(const char* name);

 private:
  NotificationWatcher(NpPtr client, DeviceSignals& signals)
      : client_(std::move(client)), signals_(signals) {}
  static void OnNotification(const char* name, void* self);
  NpPtr client_;
  DeviceSignals& signals_;
};

// The sync lock a backup holds on the phone ("/com.apple.itunes.lock_sync", DEVICE.md §2.4).
// The file is opened read-only first; only when it does not exist is it opened with
// AFC_FOPEN_RW, which creates it on the phone — `created_file` then says so (a change to the
// device, for the custody log).
class SyncLock {
 public:
  static Result<std::unique_ptr<SyncLock>> Acquire(idevice_t device, LockdownSession& session,
                                                   NotificationWatcher& notifications,
                                                   int busy_retries = 50);
  ~SyncLock();
  bool created_file() const { return created_file_; }
  int busy_polls() const { return busy_polls_; }
  // AFC unlock + close, then syncDidFinish. Best effort; returns what failed ("" when all went).
  std::string Release(NotificationWatcher* notifications);

 private:
  SyncLock() = default;
  AfcPtr afc_;
  uint64_t handle_ = 0;
  bool locked_ = false;
  bool created_file_ = false;
  int busy_polls_ = 0;
};

// usbmuxd device events for one device (usbmuxd_events_subscribe): sets signals.detached when it
// is removed.
class MuxEventWatcher {
 public:
  static Result<std::unique_ptr<MuxEventWatcher>> Start(idevice_t device, DeviceSignals& signals);
  ~MuxEventWatcher();

 private:
  MuxEventWatcher(uint32_t handle, DeviceSignals& signals) : handle_(handle), signals_(signals) {}
  static void OnEvent(const usbmuxd_event_t* event, void* self);
  uint32_t handle_;
  DeviceSignals& signals_;
  usbmuxd_subscription_context_t context_ = nullptr;
};

}  // namespace mfx::extract
