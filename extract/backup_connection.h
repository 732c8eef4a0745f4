#pragma once
// A mobilebackup2 connection (DEVICE.md §6 steps 1, 3–5): lockdown session (pair record
// required), StartService with the EscrowBag, DeviceLink version exchange
// (mobilebackup2_client_new) and Hello with protocol versions 2.0 / 2.1.
//
// The objects are declared so that they are torn down in the right order: the mobilebackup2
// client (DLMessageDisconnect) before the session and the device handle.

#include <optional>
#include <string>

#include "core/result.h"
#include "extract/device_handles.h"
#include "extract/device_session.h"

namespace mfx::extract {

struct BackupConnection {
  IdevicePtr device;
  std::optional<LockdownSession> session;
  Mobilebackup2Ptr client;
  double protocol_version = 0;

  BackupConnection() = default;
  BackupConnection(BackupConnection&&) = default;
  BackupConnection& operator=(BackupConnection&&) = default;
  ~BackupConnection() {
    client.reset();
    session.reset();
    device.reset();
  }
};

// `lockdown_code` receives the lockdown error of a failed StartService (LOCKDOWN_E_ESCROW_LOCKED,
// …) or session start.
Result<BackupConnection> ConnectBackupService(const std::string& udid,
                                              lockdownd_error_t* lockdown_code = nullptr);
// The same on an existing device handle and session (which stay owned by the caller): the
// returned connection's `device` and `session` are empty.
Result<Mobilebackup2Ptr> StartBackupService(idevice_t device, LockdownSession& session,
                                            double* protocol_version,
                                            lockdownd_error_t* lockdown_code = nullptr);

}  // namespace mfx::extract
