#pragma once
// Translating the device libraries' error codes into mfx Errors, one function per library enum
// (STYLE.md: "one error-translation function per library"). Every message names what was being
// done (`what`) and the library's own name of the code, so a log line can be matched with the
// libimobiledevice source.
//
// libimobiledevice 1.3.0 has lockdownd_strerror but nothing for AFC, notification_proxy or
// mobilebackup2: those strings are our own.

#include <libimobiledevice/afc.h>
#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>
#include <libimobiledevice/mobilebackup2.h>
#include <libimobiledevice/notification_proxy.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace mfx::extract {

Error IdeviceError(idevice_error_t code, std::string_view what);
Error LockdownError(lockdownd_error_t code, std::string_view what);
Error Mobilebackup2Error(mobilebackup2_error_t code, std::string_view what);
Error NotificationProxyError(np_error_t code, std::string_view what);
Error AfcError(afc_error_t code, std::string_view what);
// libusbmuxd returns negative errno values.
Error UsbmuxdError(int negative_errno, std::string_view what);
// libusb_error values.
Error LibusbError(int code, std::string_view what);

// The bare texts, for operator messages and tests.
std::string AfcErrorText(afc_error_t code);
std::string Mobilebackup2ErrorText(mobilebackup2_error_t code);
std::string LockdownErrorText(lockdownd_error_t code);

}  // namespace mfx::extract
