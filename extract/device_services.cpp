#include "extract/device_services.h"

#include <thread>

#include "extract/device_errors.h"

namespace mfx::extract {
namespace {

constexpr const char* kLockFile = "/com.apple.itunes.lock_sync";
constexpr const char* kSyncWillStart = "com.apple.itunes-mobdev.syncWillStart";
constexpr const char* kSyncLockRequest = "com.apple.itunes-mobdev.syncLockRequest";
constexpr const char* kSyncDidStart = "com.apple.itunes-mobdev.syncDidStart";
constexpr const char* kSyncDidFinish = "com.apple.itunes-mobdev.syncDidFinish";

}  // namespace

void DeviceSignals::AddPrompt(bool presented) {
  std::lock_guard lock(mu_);
  const std::string now = IsoUtcFromMicros(HostUnixMicros());
  if (presented) {
    prompts_.push_back({{"presented", now}, {"dismissed", nullptr}});
  } else if (!prompts_.empty() && prompts_.back()["dismissed"].is_null()) {
    prompts_.back()["dismissed"] = now;
  } else {
    prompts_.push_back({{"presented", nullptr}, {"dismissed", now}});
  }
}

nlohmann::json DeviceSignals::Prompts() const {
  std::lock_guard lock(mu_);
  return prompts_;
}

std::vector<std::string> DeviceSignals::Relayed() const {
  std::lock_guard lock(mu_);
  return relayed_;
}

Result<std::unique_ptr<NotificationWatcher>> NotificationWatcher::Start(idevice_t device,
                                                                        LockdownSession& session,
                                                                        DeviceSignals& signals) {
  MFX_ASSIGN_OR_RETURN(ServiceDescriptorPtr service,
                       session.StartService("com.apple.mobile.notification_proxy", false));
  np_client_t raw = nullptr;
  const np_error_t rc = np_client_new(device, service.get(), &raw);
  NpPtr client(raw);
  if (rc != NP_E_SUCCESS || !client) {
    return tl::unexpected(NotificationProxyError(rc, "connecting to notification_proxy"));
  }
  std::unique_ptr<NotificationWatcher> watcher(new NotificationWatcher(std::move(client), signals));
  static const char* kObserved[] = {kSyncCancelRequest,
                                    "com.apple.itunes-client.syncSuspendRequest",
                                    "com.apple.itunes-client.syncResumeRequest",
                                    "com.apple.mobile.backup.domain_changed",
                                    kPasscodePresented,
                                    kPasscodeDismissed,
                                    nullptr};
  if (np_error_t e = np_observe_notifications(watcher->client_.get(), kObserved); e != NP_E_SUCCESS) {
    return tl::unexpected(NotificationProxyError(e, "observing notifications"));
  }
  if (np_error_t e = np_set_notify_callback(watcher->client_.get(), &OnNotification, watcher.get());
      e != NP_E_SUCCESS) {
    return tl::unexpected(NotificationProxyError(e, "starting the notification thread"));
  }
  return watcher;
}

NotificationWatcher::~NotificationWatcher() {
  // np_client_free stops and joins the polling thread before `this` goes away.
  client_.reset();
}

void NotificationWatcher::OnNotification(const char* name, void* self) {
  auto* watcher = static_cast<NotificationWatcher*>(self);
  DeviceSignals& s = watcher->signals_;
  const std::string n = name != nullptr ? name : "";
  if (n.empty()) {
    // 1.3.0 calls back with "" when the proxy connection dies.
    s.proxy_died = true;
    return;
  }
  {
    std::lock_guard lock(s.mu_);
    s.relayed_.push_back(n);
  }
  if (n == kSyncCancelRequest) {
    s.cancelled_on_device = true;
    if (s.notice) s.notice("The phone cancelled the backup (the owner tapped Cancel, or the phone ended the sync).");
    if (s.wake) s.wake();
  } else if (n == kPasscodePresented) {
    s.passcode_showing = true;
    s.AddPrompt(true);
    if (s.notice) {
      s.notice("THE PHONE ASKS FOR ITS PASSCODE: ask the owner to enter it on the phone now (the "
               "backup waits; the phone gives up after about 3 minutes).");
    }
  } else if (n == kPasscodeDismissed) {
    s.passcode_showing = false;
    s.AddPrompt(false);
    if (s.notice) s.notice("The passcode prompt on the phone was dismissed; the backup goes on.");
  }
}

Status NotificationWatcher::Post(const char* name) {
  const np_error_t rc = np_post_notification(client_.get(), name);
  if (rc != NP_E_SUCCESS) return tl::unexpected(NotificationProxyError(rc, std::string("posting ") + name));
  return {};
}

Result<std::unique_ptr<SyncLock>> SyncLock::Acquire(idevice_t device, LockdownSession& session,
                                                    NotificationWatcher& notifications,
                                                    int busy_retries) {
  std::unique_ptr<SyncLock> lock(new SyncLock());
  MFX_ASSIGN_OR_RETURN(ServiceDescriptorPtr service, session.StartService("com.apple.afc", false));
  afc_client_t raw = nullptr;
  const afc_error_t rc = afc_client_new(device, service.get(), &raw);
  lock->afc_.reset(raw);
  if (rc != AFC_E_SUCCESS || !lock->afc_) return tl::unexpected(AfcError(rc, "connecting to AFC"));
  MFX_RETURN_IF_ERROR(notifications.Post(kSyncWillStart));
  afc_error_t opened = afc_file_open(lock->afc_.get(), kLockFile, AFC_FOPEN_RDONLY, &lock->handle_);
  if (opened == AFC_E_OBJECT_NOT_FOUND) {
    // Only now, and recorded: AFC_FOPEN_RW creates the lock file on the phone.
    opened = afc_file_open(lock->afc_.get(), kLockFile, AFC_FOPEN_RW, &lock->handle_);
    lock->created_file_ = opened == AFC_E_SUCCESS;
  }
  if (opened != AFC_E_SUCCESS) {
    return tl::unexpected(AfcError(opened, std::string("opening the sync lock ") + kLockFile));
  }
  MFX_RETURN_IF_ERROR(notifications.Post(kSyncLockRequest));
  for (int i = 0; i <= busy_retries; ++i) {
    const afc_error_t locked = afc_file_lock(lock->afc_.get(), lock->handle_, AFC_LOCK_EX);
    if (locked == AFC_E_SUCCESS) {
      lock->locked_ = true;
      break;
    }
    if (locked != AFC_E_OP_WOULD_BLOCK) {
      return tl::unexpected(AfcError(locked, "locking the sync lock"));
    }
    ++lock->busy_polls_;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!lock->locked_) {
    return Fail(ErrorCode::kDevice,
                "the phone's sync lock stayed busy (another computer or iTunes is syncing it)");
  }
  MFX_RETURN_IF_ERROR(notifications.Post(kSyncDidStart));
  return lock;
}

std::string SyncLock::Release(NotificationWatcher* notifications) {
  std::string problems;
  auto add = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (afc_ && locked_) {
    const afc_error_t e = afc_file_lock(afc_.get(), handle_, AFC_LOCK_UN);
    if (e != AFC_E_SUCCESS) add("unlock: " + AfcErrorText(e));
    locked_ = false;
  }
  if (afc_ && handle_ != 0) {
    const afc_error_t e = afc_file_close(afc_.get(), handle_);
    if (e != AFC_E_SUCCESS) add("close: " + AfcErrorText(e));
    handle_ = 0;
  }
  afc_.reset();
  if (notifications != nullptr) {
    if (auto posted = notifications->Post(kSyncDidFinish); !posted) add(posted.error().message);
  }
  return problems;
}

SyncLock::~SyncLock() { Release(nullptr); }

Result<std::unique_ptr<MuxEventWatcher>> MuxEventWatcher::Start(idevice_t device,
                                                                DeviceSignals& signals) {
  uint32_t handle = 0;
  if (idevice_error_t e = idevice_get_handle(device, &handle); e != IDEVICE_E_SUCCESS) {
    return tl::unexpected(IdeviceError(e, "reading the usbmux device handle"));
  }
  std::unique_ptr<MuxEventWatcher> watcher(new MuxEventWatcher(handle, signals));
  const int rc = usbmuxd_events_subscribe(&watcher->context_, &OnEvent, watcher.get());
  if (rc != 0) return tl::unexpected(UsbmuxdError(rc, "subscribing to usbmuxd events"));
  return watcher;
}

MuxEventWatcher::~MuxEventWatcher() {
  if (context_ != nullptr) usbmuxd_events_unsubscribe(context_);
}

void MuxEventWatcher::OnEvent(const usbmuxd_event_t* event, void* self) {
  auto* watcher = static_cast<MuxEventWatcher*>(self);
  if (event == nullptr || event->event != UE_DEVICE_REMOVE) return;
  if (event->device.handle != watcher->handle_) return;
  watcher->signals_.detached = true;
  if (watcher->signals_.wake) watcher->signals_.wake();
}

}  // namespace mfx::extract
