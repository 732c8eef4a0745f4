#include "extract/device_errors.h"

#include <libusb.h>

#include <cstring>
#include <string>

namespace mfx::extract {
namespace {

std::string Join(std::string_view what, const std::string& text) {
  return what.empty() ? text : std::string(what) + ": " + text;
}

}  // namespace

Error IdeviceError(idevice_error_t code, std::string_view what) {
  std::string text;
  ErrorCode kind = ErrorCode::kDevice;
  switch (code) {
    case IDEVICE_E_SUCCESS:
      text = "success";
      break;
    case IDEVICE_E_INVALID_ARG:
      text = "invalid argument (IDEVICE_E_INVALID_ARG)";
      kind = ErrorCode::kInternal;
      break;
    case IDEVICE_E_NO_DEVICE:
      text =
          "no such device, or usbmuxd is not reachable (IDEVICE_E_NO_DEVICE; is usbmuxd running? "
          "USBMUXD_SOCKET_ADDRESS set?)";
      kind = ErrorCode::kNotFound;
      break;
    case IDEVICE_E_NOT_ENOUGH_DATA:
      text = "not enough data (IDEVICE_E_NOT_ENOUGH_DATA)";
      break;
    case IDEVICE_E_SSL_ERROR:
      text = "TLS error (IDEVICE_E_SSL_ERROR)";
      break;
    case IDEVICE_E_TIMEOUT:
      text = "timed out (IDEVICE_E_TIMEOUT)";
      kind = ErrorCode::kTimeout;
      break;
    default:
      text = "error " + std::to_string(static_cast<int>(code)) + " (IDEVICE_E_UNKNOWN_ERROR)";
      break;
  }
  return Error{kind, Join(what, text)};
}

std::string LockdownErrorText(lockdownd_error_t code) {
  const char* text = lockdownd_strerror(code);
  return std::string(text != nullptr ? text : "unknown lockdown error") + " (" +
         std::to_string(static_cast<int>(code)) + ")";
}

Error LockdownError(lockdownd_error_t code, std::string_view what) {
  ErrorCode kind = ErrorCode::kDevice;
  switch (code) {
    case LOCKDOWN_E_INVALID_ARG:
      kind = ErrorCode::kInternal;
      break;
    case LOCKDOWN_E_RECEIVE_TIMEOUT:
      kind = ErrorCode::kTimeout;
      break;
    case LOCKDOWN_E_USER_DENIED_PAIRING:
      kind = ErrorCode::kCancelled;
      break;
    default:
      break;
  }
  return Error{kind, Join(what, "lockdownd: " + LockdownErrorText(code))};
}

std::string Mobilebackup2ErrorText(mobilebackup2_error_t code) {
  switch (code) {
    case MOBILEBACKUP2_E_SUCCESS:
      return "success";
    case MOBILEBACKUP2_E_INVALID_ARG:
      return "invalid argument (-1)";
    case MOBILEBACKUP2_E_PLIST_ERROR:
      return "malformed DeviceLink message (-2)";
    case MOBILEBACKUP2_E_MUX_ERROR:
      return "connection to the device lost (usbmux, -3)";
    case MOBILEBACKUP2_E_SSL_ERROR:
      return "TLS connection to the device lost (-4)";
    case MOBILEBACKUP2_E_RECEIVE_TIMEOUT:
      return "no message from the device within 30 s (-5)";
    case MOBILEBACKUP2_E_BAD_VERSION:
      return "the device's DeviceLink version is not supported (-6)";
    case MOBILEBACKUP2_E_REPLY_NOT_OK:
      return "the device refused the request (-7)";
    case MOBILEBACKUP2_E_NO_COMMON_VERSION:
      return "no mobilebackup2 protocol version in common (-8)";
    default:
      return "unknown mobilebackup2 error (" + std::to_string(static_cast<int>(code)) + ")";
  }
}

Error Mobilebackup2Error(mobilebackup2_error_t code, std::string_view what) {
  ErrorCode kind = ErrorCode::kDevice;
  if (code == MOBILEBACKUP2_E_RECEIVE_TIMEOUT) kind = ErrorCode::kTimeout;
  if (code == MOBILEBACKUP2_E_BAD_VERSION || code == MOBILEBACKUP2_E_NO_COMMON_VERSION)
    kind = ErrorCode::kUnsupported;
  if (code == MOBILEBACKUP2_E_INVALID_ARG) kind = ErrorCode::kInternal;
  return Error{kind, Join(what, "mobilebackup2: " + Mobilebackup2ErrorText(code))};
}

Error NotificationProxyError(np_error_t code, std::string_view what) {
  std::string text;
  switch (code) {
    case NP_E_SUCCESS:
      text = "success";
      break;
    case NP_E_INVALID_ARG:
      text = "invalid argument (-1)";
      break;
    case NP_E_PLIST_ERROR:
      text = "malformed message (-2)";
      break;
    case NP_E_CONN_FAILED:
      text = "connection failed (-3)";
      break;
    default:
      text = "unknown error (" + std::to_string(static_cast<int>(code)) + ")";
      break;
  }
  return Error{ErrorCode::kDevice, Join(what, "notification_proxy: " + text)};
}

std::string AfcErrorText(afc_error_t code) {
  // 1.3.0 has no afc_strerror; names follow afc.h, wording ours.
  switch (code) {
    case AFC_E_SUCCESS:
      return "success";
    case AFC_E_UNKNOWN_ERROR:
      return "unknown error (1)";
    case AFC_E_OP_HEADER_INVALID:
      return "invalid operation header (2)";
    case AFC_E_NO_RESOURCES:
      return "no resources (3)";
    case AFC_E_READ_ERROR:
      return "read error (4)";
    case AFC_E_WRITE_ERROR:
      return "write error (5)";
    case AFC_E_UNKNOWN_PACKET_TYPE:
      return "unknown packet type (6)";
    case AFC_E_INVALID_ARG:
      return "invalid argument (7)";
    case AFC_E_OBJECT_NOT_FOUND:
      return "no such file or directory (8)";
    case AFC_E_OBJECT_IS_DIR:
      return "is a directory (9)";
    case AFC_E_PERM_DENIED:
      return "permission denied (10)";
    case AFC_E_SERVICE_NOT_CONNECTED:
      return "service not connected (11)";
    case AFC_E_OP_TIMEOUT:
      return "operation timed out (12)";
    case AFC_E_TOO_MUCH_DATA:
      return "too much data (13)";
    case AFC_E_END_OF_DATA:
      return "end of data (14)";
    case AFC_E_OP_NOT_SUPPORTED:
      return "operation not supported (15)";
    case AFC_E_OBJECT_EXISTS:
      return "object exists (16)";
    case AFC_E_OBJECT_BUSY:
      return "object busy (17)";
    case AFC_E_NO_SPACE_LEFT:
      return "no space left on the device (18)";
    case AFC_E_OP_WOULD_BLOCK:
      return "operation would block: locked by another host (19)";
    case AFC_E_IO_ERROR:
      return "I/O error (20)";
    case AFC_E_OP_INTERRUPTED:
      return "operation interrupted (21)";
    case AFC_E_OP_IN_PROGRESS:
      return "operation in progress (22)";
    case AFC_E_INTERNAL_ERROR:
      return "internal error (23)";
    case AFC_E_MUX_ERROR:
      return "connection to the device lost (30)";
    case AFC_E_NO_MEM:
      return "out of memory (31)";
    case AFC_E_NOT_ENOUGH_DATA:
      return "not enough data (32)";
    case AFC_E_DIR_NOT_EMPTY:
      return "directory not empty (33)";
    default:
      return "unknown AFC error (" + std::to_string(static_cast<int>(code)) + ")";
  }
}

Error AfcError(afc_error_t code, std::string_view what) {
  return Error{code == AFC_E_OP_TIMEOUT ? ErrorCode::kTimeout : ErrorCode::kDevice,
               Join(what, "AFC: " + AfcErrorText(code))};
}

Error UsbmuxdError(int negative_errno, std::string_view what) {
  const int e = negative_errno < 0 ? -negative_errno : negative_errno;
  std::string text = "usbmuxd: " + std::string(std::strerror(e)) + " (" + std::to_string(e) + ")";
  if (e == ECONNREFUSED || e == ENOENT) {
    text += "; is usbmuxd running (or USBMUXD_SOCKET_ADDRESS pointing at it)?";
  }
  return Error{e == ETIMEDOUT ? ErrorCode::kTimeout : ErrorCode::kDevice, Join(what, text)};
}

Error LibusbError(int code, std::string_view what) {
  const char* name = libusb_error_name(code);
  const char* text = libusb_strerror(code);
  return Error{ErrorCode::kDevice, Join(what, std::string("libusb: ") + (text ? text : "error") +
                                                  " (" + (name ? name : "?") + ")")};
}

}  // namespace mfx::extract
