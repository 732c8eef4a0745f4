#pragma once
// Opening a device and talking to its lockdownd under the consent rule (DEVICE.md §2.2).
//
// Until consent is recorded only these may run: ReadPairRecordInfo (usbmuxd_read_pair_record),
// PlainLockdown::Connect (lockdownd_client_new: no session, no TLS, sends nothing),
// PlainLockdown::QueryType and PlainLockdown::GetValue (pre-session GetValue of the NULL domain).
// None of them can pair or change the device.
//
// LockdownSession::Open is the first call that starts a session (TLS). It uses
// lockdownd_client_new_with_handshake, which pairs implicitly when usbmuxd holds no pair record
// for the device; Open therefore re-reads the record right before the handshake and refuses
// (kInvalidArgument) when there is none. Pairing itself is pairing.h's job, after consent.
//
// Threading: the objects are not thread-safe; one thread per object.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "extract/device_handles.h"
#include "extract/plist_handle.h"

namespace mfx::extract {

inline constexpr const char* kLockdownLabel = "mfx";

// What usbmuxd holds for a device, read with usbmuxd_read_pair_record (no device traffic).
struct PairRecordInfo {
  bool exists = false;
  bool has_host_id = false;
  bool has_escrow_bag = false;
  std::string host_id;  // not secret: the device echoes it in every StartSession
};
Result<PairRecordInfo> ReadPairRecordInfo(const std::string& udid);

// A USB device known to usbmuxd.
struct MuxEntry {
  std::string udid;
  bool network = false;
};
// idevice_get_device_list_extended. kNotFound when usbmuxd cannot be reached.
Result<std::vector<MuxEntry>> ListMuxEntries();

// The UDID to work on: `requested` when given (it must be listed by usbmuxd), otherwise the only
// USB device usbmuxd lists (kInvalidArgument naming the UDIDs when there are several).
Result<std::string> ResolveUdid(const std::optional<std::string>& requested);

// idevice_new_with_options(..., IDEVICE_LOOKUP_USBMUX): a handle, no traffic yet.
Result<IdevicePtr> OpenDevice(const std::string& udid);

class PlainLockdown {
 public:
  static Result<PlainLockdown> Connect(idevice_t device, const char* label = kLockdownLabel);
  PlainLockdown(PlainLockdown&&) = default;
  PlainLockdown& operator=(PlainLockdown&&) = default;

  Result<std::string> QueryType();
  // Pre-session GetValue in the NULL domain. nullptr (not an error) when the device refuses it
  // before a session (GetProhibited) or does not have it (MissingValue); `refused` then says which.
  Result<PlistPtr> GetValue(const char* key, lockdownd_error_t* refused = nullptr);
  lockdownd_client_t get() const { return client_.get(); }

 private:
  explicit PlainLockdown(LockdownPtr client) : client_(std::move(client)) {}
  LockdownPtr client_;
};

class LockdownSession {
 public:
  // Re-checks the pair record, then lockdownd_client_new_with_handshake. On failure `code` gets
  // the lockdownd error (LOCKDOWN_E_INVALID_HOST_ID for a stale record, …).
  static Result<LockdownSession> Open(idevice_t device, const std::string& udid,
                                      lockdownd_error_t* code = nullptr,
                                      const char* label = kLockdownLabel);
  LockdownSession(LockdownSession&&) = default;
  LockdownSession& operator=(LockdownSession&&) = default;

  // GetValue inside the session; domain/key may be nullptr (whole domain). nullptr when absent.
  Result<PlistPtr> GetValue(const char* domain, const char* key);
  // StartService; `with_escrow_bag` for mobilebackup2 (the record's EscrowBag is sent).
  Result<ServiceDescriptorPtr> StartService(const char* service, bool with_escrow_bag,
                                            lockdownd_error_t* code = nullptr);
  lockdownd_client_t get() const { return client_.get(); }

 private:
  explicit LockdownSession(LockdownPtr client) : client_(std::move(client)) {}
  LockdownPtr client_;
};

// Host UTC now in microseconds since 1970 (CLOCK_REALTIME).
int64_t HostUnixMicros();
std::string IsoUtcFromMicros(int64_t micros);

}  // namespace mfx::extract
