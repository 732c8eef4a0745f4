#pragma once
// Owning handles for libimobiledevice's C objects (STYLE.md: every C handle in a unique_ptr with a
// deleter from the moment it is created).
//
// Freeing has protocol effects worth knowing:
//   - lockdownd_client_free sends StopSession when a session is open;
//   - mobilebackup2_client_free sends DLMessageDisconnect;
//   - np_client_free joins the notification thread (up to ~1.5 s: it polls every 500 ms + 1 s);
//   - service descriptors are freed only with lockdownd_service_descriptor_free (Debian's struct
//     has an extra member, DEVICE.md §1: never build or copy one).

#include <libimobiledevice/afc.h>
#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>
#include <libimobiledevice/mobilebackup2.h>
#include <libimobiledevice/notification_proxy.h>

#include <cstdlib>
#include <memory>

namespace mfx::extract {

struct IdeviceFree {
  void operator()(idevice_t d) const { idevice_free(d); }
};
using IdevicePtr = std::unique_ptr<std::remove_pointer_t<idevice_t>, IdeviceFree>;

struct LockdownFree {
  void operator()(lockdownd_client_t c) const { lockdownd_client_free(c); }
};
using LockdownPtr = std::unique_ptr<std::remove_pointer_t<lockdownd_client_t>, LockdownFree>;

struct ServiceDescriptorFree {
  void operator()(lockdownd_service_descriptor_t s) const { lockdownd_service_descriptor_free(s); }
};
using ServiceDescriptorPtr =
    std::unique_ptr<std::remove_pointer_t<lockdownd_service_descriptor_t>, ServiceDescriptorFree>;

struct Mobilebackup2Free {
  void operator()(mobilebackup2_client_t c) const { mobilebackup2_client_free(c); }
};
using Mobilebackup2Ptr =
    std::unique_ptr<std::remove_pointer_t<mobilebackup2_client_t>, Mobilebackup2Free>;

struct NpFree {
  void operator()(np_client_t c) const { np_client_free(c); }
};
using NpPtr = std::unique_ptr<std::remove_pointer_t<np_client_t>, NpFree>;

struct AfcFree {
  void operator()(afc_client_t c) const { afc_client_free(c); }
};
using AfcPtr = std::unique_ptr<std::remove_pointer_t<afc_client_t>, AfcFree>;

// Strings and buffers libimobiledevice / libusbmuxd allocate with malloc.
struct CFree {
  void operator()(void* p) const { std::free(p); }
};
using CString = std::unique_ptr<char, CFree>;

}  // namespace mfx::extract
