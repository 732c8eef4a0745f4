#pragma once
// Passive USB enumeration with libusb: "a phone is attached" even when usbmuxd is absent, the
// phone does not trust this computer, or it is in recovery / DFU (DEVICE.md §9).
//
// Passive means: descriptors only (libusb reads them from sysfs without opening the device), no
// libusb_open, no claimed interface, no control transfer — usbmuxd owns the iPhone's usbmux
// interface and must not be disturbed. The serial number comes from the world-readable sysfs
// `serial` attribute when there is one.
//
// Recognised: Apple (VID 0x05ac) with the usbmux interface ff/fe/02, and Apple recovery (0x1280–
// 0x1283), DFU (0x1227) and WTF (0x1222) product IDs (libirecovery's constants); Android by the
// ADB interface ff/42/01 on any vendor, and an MTP interface (06/01/01) on a known Android vendor
// as a hint (PTP cameras share that class, hence the vendor check).

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace mfx::extract {

enum class UsbPhoneKind {
  kAppleUsbmux,    // normal mode, usbmux interface present: lockdown is possible via usbmuxd
  kAppleRecovery,  // recovery mode: no lockdown
  kAppleDfu,       // DFU mode: no lockdown
  kAppleWtf,       // WTF (older DFU stage)
  kAndroidAdb,     // USB debugging on
  kAndroidMtp,     // MTP only (USB debugging off): a hint
};
std::string_view UsbPhoneKindName(UsbPhoneKind kind);

struct UsbPhone {
  uint16_t vendor_id = 0;
  uint16_t product_id = 0;
  uint8_t bus = 0;
  uint8_t address = 0;
  std::string port_path;  // "1-4.2" (the sysfs name)
  std::string vendor;     // "Apple", "Samsung", … ("" when unknown)
  UsbPhoneKind kind = UsbPhoneKind::kAppleUsbmux;
  std::string serial;     // from sysfs; for an iPhone the UDID without its dash
  std::vector<std::string> interfaces;  // "ff/fe/02", …
  nlohmann::json ToJson() const;
};

// Enumerates the USB bus. kDevice when libusb cannot initialise (no USB bus, no sysfs).
Result<std::vector<UsbPhone>> EnumerateUsbPhones();

// Label for a USB vendor id used by phones ("Samsung"); "" when not in the list (DEVICE.md §9).
std::string_view PhoneVendorName(uint16_t vendor_id);

}  // namespace mfx::extract
