#pragma once
// `mfx devices`: every attached phone we can see, from two independent sources.
//
//   usbmuxd  — iOS devices it serves (idevice_get_device_list_extended), each with its pre-session
//              public identity (plain lockdown connection: no session, no pairing) and whether
//              usbmuxd holds a pair record for it (usbmuxd_read_pair_record).
//   libusb   — passive enumeration (usb_enumeration.h): Apple and Android phones even when
//              usbmuxd is absent or the phone is untrusted, in recovery or in DFU.
//
// Nothing here can pair with or change a device.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "extract/device_identity.h"
#include "extract/usb_enumeration.h"

namespace mfx::extract {

struct MuxDeviceReport {
  std::string udid;
  bool network = false;
  bool paired = false;  // usbmuxd holds a pair record (the phone may still have revoked it)
  std::optional<PublicIdentity> identity;
  std::string error;  // why the identity could not be read ("" when it was)
  nlohmann::json ToJson() const;
};

struct DevicesReport {
  bool usbmuxd_reachable = false;
  std::string usbmuxd_error;
  std::vector<MuxDeviceReport> ios;
  bool usb_available = false;
  std::string usb_error;
  std::vector<UsbPhone> usb;
  nlohmann::json ToJson() const;
};

DevicesReport DiscoverDevices();

// True when a libusb-listed Apple device is the usbmuxd device `udid` (sysfs serial = UDID
// without dashes, case-insensitive).
bool SameDevice(const UsbPhone& usb, const std::string& udid);

}  // namespace mfx::extract
