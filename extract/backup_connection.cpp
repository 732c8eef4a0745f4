#include "extract/backup_connection.h"

#include "extract/device_errors.h"

namespace mfx::extract {

Result<Mobilebackup2Ptr> StartBackupService(idevice_t device, LockdownSession& session,
                                            double* protocol_version,
                                            lockdownd_error_t* lockdown_code) {
  MFX_ASSIGN_OR_RETURN(ServiceDescriptorPtr service,
                       session.StartService("com.apple.mobilebackup2", true, lockdown_code));
  mobilebackup2_client_t raw = nullptr;
  const mobilebackup2_error_t rc = mobilebackup2_client_new(device, service.get(), &raw);
  Mobilebackup2Ptr client(raw);
  if (rc != MOBILEBACKUP2_E_SUCCESS || !client) {
    return tl::unexpected(Mobilebackup2Error(rc, "connecting to mobilebackup2 (DeviceLink version exchange)"));
  }
  double versions[] = {2.0, 2.1};
  double remote = 0;
  const mobilebackup2_error_t hello = mobilebackup2_version_exchange(client.get(), versions, 2, &remote);
  if (hello != MOBILEBACKUP2_E_SUCCESS) {
    return tl::unexpected(Mobilebackup2Error(hello, "mobilebackup2 Hello"));
  }
  if (protocol_version != nullptr) *protocol_version = remote;
  return client;
}

Result<BackupConnection> ConnectBackupService(const std::string& udid,
                                              lockdownd_error_t* lockdown_code) {
  BackupConnection c;
  MFX_ASSIGN_OR_RETURN(c.device, OpenDevice(udid));
  MFX_ASSIGN_OR_RETURN(LockdownSession session,
                       LockdownSession::Open(c.device.get(), udid, lockdown_code));
  c.session.emplace(std::move(session));
  MFX_ASSIGN_OR_RETURN(c.client, StartBackupService(c.device.get(), *c.session,
                                                    &c.protocol_version, lockdown_code));
  return c;
}

}  // namespace mfx::extract
