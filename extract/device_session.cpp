#include "extract/device_session.h"

#include <usbmuxd.h>

#include <chrono>
#include <cstring>

#include "core/time.h"
#include "extract/device_errors.h"

namespace mfx::extract {

Result<PairRecordInfo> ReadPairRecordInfo(const std::string& udid) {
  char* data = nullptr;
  uint32_t size = 0;
  const int rc = usbmuxd_read_pair_record(udid.c_str(), &data, &size);
  CString owned(data);
  PairRecordInfo info;
  if (rc < 0 || data == nullptr || size == 0) {
    // libusbmuxd reports a missing record as -ENOENT (usbmuxd's Result 2); anything else that is
    // not a transport error is also "no record": the handshake would pair.
    if (rc == -ECONNREFUSED || rc == -ENOTCONN || rc == -EPIPE) {
      return tl::unexpected(UsbmuxdError(rc, "reading the pair record of " + udid));
    }
    return info;
  }
  plist_t node = nullptr;
  if (size >= 8 && std::memcmp(data, "bplist00", 8) == 0) {
    plist_from_bin(data, size, &node);
  } else {
    plist_from_xml(data, size, &node);
  }
  PlistPtr record(node);
  info.exists = true;
  if (auto host_id = PlistStringValue(PlistMember(node, "HostID"))) {
    info.has_host_id = !host_id->empty();
    info.host_id = *host_id;
  }
  if (auto escrow = PlistDataValue(PlistMember(node, "EscrowBag"))) {
    info.has_escrow_bag = !escrow->empty();
  }
  return info;
}

Result<std::vector<MuxEntry>> ListMuxEntries() {
  idevice_info_t* list = nullptr;
  int count = 0;
  const idevice_error_t rc = idevice_get_device_list_extended(&list, &count);
  if (rc != IDEVICE_E_SUCCESS) return tl::unexpected(IdeviceError(rc, "listing devices"));
  std::vector<MuxEntry> out;
  for (int i = 0; i < count; ++i) {
    if (list[i] == nullptr || list[i]->udid == nullptr) continue;
    out.push_back(MuxEntry{list[i]->udid, list[i]->conn_type == CONNECTION_NETWORK});
  }
  idevice_device_list_extended_free(list);
  return out;
}

Result<std::string> ResolveUdid(const std::optional<std::string>& requested) {
  MFX_ASSIGN_OR_RETURN(std::vector<MuxEntry> entries, ListMuxEntries());
  std::vector<std::string> usb;
  for (const MuxEntry& e : entries) {
    if (!e.network) usb.push_back(e.udid);
  }
  if (requested) {
    for (const std::string& u : usb) {
      if (u == *requested) return u;
    }
    return Fail(ErrorCode::kNotFound,
                "device " + *requested + ": not attached over USB (mfx devices lists what is)");
  }
  if (usb.empty()) {
    return Fail(ErrorCode::kNotFound,
                "no iOS device attached over USB (is it plugged in, unlocked and in normal mode? "
                "mfx devices also lists phones usbmuxd cannot see)");
  }
  if (usb.size() > 1) {
    std::string names;
    for (const std::string& u : usb) names += (names.empty() ? "" : ", ") + u;
    return Fail(ErrorCode::kInvalidArgument,
                "several iOS devices are attached (" + names + "): choose one with --udid");
  }
  return usb.front();
}

Result<IdevicePtr> OpenDevice(const std::string& udid) {
  idevice_t device = nullptr;
  const idevice_error_t rc = idevice_new_with_options(&device, udid.c_str(), IDEVICE_LOOKUP_USBMUX);
  IdevicePtr owned(device);
  if (rc != IDEVICE_E_SUCCESS || !owned) {
    return tl::unexpected(IdeviceError(rc, "opening device " + udid));
  }
  return owned;
}

Result<PlainLockdown> PlainLockdown::Connect(idevice_t device, const char* label) {
  lockdownd_client_t client = nullptr;
  const lockdownd_error_t rc = lockdownd_client_new(device, &client, label);
  LockdownPtr owned(client);
  if (rc != LOCKDOWN_E_SUCCESS || !owned) {
    return tl::unexpected(LockdownError(rc, "connecting to lockdownd"));
  }
  return PlainLockdown(std::move(owned));
}

Result<std::string> PlainLockdown::QueryType() {
  char* type = nullptr;
  const lockdownd_error_t rc = lockdownd_query_type(client_.get(), &type);
  CString owned(type);
  if (rc != LOCKDOWN_E_SUCCESS) return tl::unexpected(LockdownError(rc, "lockdownd QueryType"));
  return std::string(type != nullptr ? type : "");
}

Result<PlistPtr> PlainLockdown::GetValue(const char* key, lockdownd_error_t* refused) {
  plist_t value = nullptr;
  const lockdownd_error_t rc = lockdownd_get_value(client_.get(), nullptr, key, &value);
  PlistPtr owned(value);
  if (refused != nullptr) *refused = rc;
  if (rc == LOCKDOWN_E_SUCCESS) return owned;
  if (rc == LOCKDOWN_E_GET_PROHIBITED || rc == LOCKDOWN_E_MISSING_VALUE ||
      rc == LOCKDOWN_E_MISSING_KEY || rc == LOCKDOWN_E_UNKNOWN_ERROR) {
    return PlistPtr();
  }
  return tl::unexpected(
      LockdownError(rc, std::string("pre-session GetValue ") + (key ? key : "(all)")));
}

Result<LockdownSession> LockdownSession::Open(idevice_t device, const std::string& udid,
                                              lockdownd_error_t* code, const char* label) {
  if (code != nullptr) *code = LOCKDOWN_E_SUCCESS;
  // The consent rule: the handshake pairs when usbmuxd has no record, so look right before it.
  MFX_ASSIGN_OR_RETURN(PairRecordInfo record, ReadPairRecordInfo(udid));
  if (!record.exists) {
    if (code != nullptr) *code = LOCKDOWN_E_MISSING_PAIR_RECORD;
    return Fail(ErrorCode::kInvalidArgument,
                "device " + udid +
                    ": usbmuxd holds no pair record; starting a session now would pair with the "
                    "phone implicitly, which only the pairing step may do (after consent)");
  }
  lockdownd_client_t client = nullptr;
  const lockdownd_error_t rc = lockdownd_client_new_with_handshake(device, &client, label);
  LockdownPtr owned(client);
  if (code != nullptr) *code = rc;
  if (rc != LOCKDOWN_E_SUCCESS || !owned) {
    return tl::unexpected(LockdownError(rc, "starting a lockdown session with " + udid));
  }
  return LockdownSession(std::move(owned));
}

Result<PlistPtr> LockdownSession::GetValue(const char* domain, const char* key) {
  plist_t value = nullptr;
  const lockdownd_error_t rc = lockdownd_get_value(client_.get(), domain, key, &value);
  PlistPtr owned(value);
  if (rc == LOCKDOWN_E_SUCCESS) return owned;
  if (rc == LOCKDOWN_E_MISSING_VALUE || rc == LOCKDOWN_E_MISSING_KEY ||
      rc == LOCKDOWN_E_GET_PROHIBITED) {
    return PlistPtr();
  }
  return tl::unexpected(LockdownError(rc, std::string("GetValue ") + (domain ? domain : "-") + "/" +
                                              (key ? key : "(all)")));
}

Result<ServiceDescriptorPtr> LockdownSession::StartService(const char* service,
                                                           bool with_escrow_bag,
                                                           lockdownd_error_t* code) {
  lockdownd_service_descriptor_t descriptor = nullptr;
  const lockdownd_error_t rc =
      with_escrow_bag
          ? lockdownd_start_service_with_escrow_bag(client_.get(), service, &descriptor)
          : lockdownd_start_service(client_.get(), service, &descriptor);
  ServiceDescriptorPtr owned(descriptor);
  if (code != nullptr) *code = rc;
  if (rc != LOCKDOWN_E_SUCCESS || !owned) {
    return tl::unexpected(LockdownError(rc, std::string("starting service ") + service));
  }
  return owned;
}

int64_t HostUnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IsoUtcFromMicros(int64_t micros) { return core::FormatIsoUtc(micros, 3); }

}  // namespace mfx::extract
