#include "extract/usb_enumeration.h"

#include <libusb.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "core/bytes.h"
#include "extract/device_errors.h"

namespace mfx::extract {
namespace {

constexpr uint16_t kAppleVendor = 0x05ac;

struct ContextFree {
  void operator()(libusb_context* c) const { libusb_exit(c); }
};
using ContextPtr = std::unique_ptr<libusb_context, ContextFree>;

struct DeviceListFree {
  void operator()(libusb_device** list) const { libusb_free_device_list(list, 1); }
};
using DeviceListPtr = std::unique_ptr<libusb_device*, DeviceListFree>;

struct ConfigFree {
  void operator()(libusb_config_descriptor* c) const { libusb_free_config_descriptor(c); }
};
using ConfigPtr = std::unique_ptr<libusb_config_descriptor, ConfigFree>;

std::string Triple(uint8_t cls, uint8_t sub, uint8_t proto) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%02x/%02x/%02x", cls, sub, proto);
  return buffer;
}

std::string PortPath(libusb_device* device) {
  uint8_t ports[8];
  const int n = libusb_get_port_numbers(device, ports, sizeof(ports));
  std::string path = std::to_string(libusb_get_bus_number(device));
  if (n <= 0) return path + "-0";
  for (int i = 0; i < n; ++i) path += (i == 0 ? "-" : ".") + std::to_string(ports[i]);
  return path;
}

// The world-readable sysfs attribute; no device I/O.
std::string SysfsSerial(const std::string& port_path) {
  std::ifstream in("/sys/bus/usb/devices/" + port_path + "/serial");
  std::string serial;
  std::getline(in, serial);
  while (!serial.empty() && (serial.back() == '\n' || serial.back() == '\r' || serial.back() == ' '))
    serial.pop_back();
  return SanitizeUtf8(serial);
}

}  // namespace

std::string_view UsbPhoneKindName(UsbPhoneKind kind) {
  switch (kind) {
    case UsbPhoneKind::kAppleUsbmux:
      return "apple_usbmux";
    case UsbPhoneKind::kAppleRecovery:
      return "apple_recovery";
    case UsbPhoneKind::kAppleDfu:
      return "apple_dfu";
    case UsbPhoneKind::kAppleWtf:
      return "apple_wtf";
    case UsbPhoneKind::kAndroidAdb:
      return "android_adb";
    case UsbPhoneKind::kAndroidMtp:
      return "android_mtp";
  }
  return "unknown";
}

std::string_view PhoneVendorName(uint16_t vendor_id) {
  switch (vendor_id) {
    case 0x05ac:
      return "Apple";
    case 0x18d1:
      return "Google";
    case 0x04e8:
      return "Samsung";
    case 0x22b8:
      return "Motorola";
    case 0x2717:
      return "Xiaomi";
    case 0x12d1:
      return "Huawei";
    case 0x0bb4:
      return "HTC";
    case 0x1004:
      return "LG";
    case 0x0fce:
      return "Sony";
    case 0x2a70:
      return "OnePlus";
    case 0x05c6:
      return "Qualcomm";
    case 0x0e8d:
      return "MediaTek";
    case 0x2d95:
      return "vivo";
    case 0x22d9:
      return "OPPO";
    default:
      return "";
  }
}

nlohmann::json UsbPhone::ToJson() const {
  char ids[16];
  std::snprintf(ids, sizeof(ids), "%04x:%04x", vendor_id, product_id);
  return nlohmann::json{{"usb_id", ids},
                        {"vendor", vendor.empty() ? nlohmann::json() : nlohmann::json(vendor)},
                        {"kind", std::string(UsbPhoneKindName(kind))},
                        {"bus", bus},
                        {"address", address},
                        {"port", port_path},
                        {"serial", serial.empty() ? nlohmann::json() : nlohmann::json(serial)},
                        {"interfaces", interfaces}};
}

Result<std::vector<UsbPhone>> EnumerateUsbPhones() {
  libusb_context* raw_context = nullptr;
  const int init = libusb_init(&raw_context);
  ContextPtr context(raw_context);
  if (init != LIBUSB_SUCCESS) return tl::unexpected(LibusbError(init, "initialising libusb"));
  libusb_device** raw_list = nullptr;
  const ssize_t count = libusb_get_device_list(context.get(), &raw_list);
  DeviceListPtr list(raw_list);
  if (count < 0) {
    return tl::unexpected(LibusbError(static_cast<int>(count), "listing USB devices"));
  }
  std::vector<UsbPhone> phones;
  for (ssize_t i = 0; i < count; ++i) {
    libusb_device* device = raw_list[i];
    libusb_device_descriptor descriptor{};
    if (libusb_get_device_descriptor(device, &descriptor) != LIBUSB_SUCCESS) continue;
    UsbPhone phone;
    phone.vendor_id = descriptor.idVendor;
    phone.product_id = descriptor.idProduct;
    phone.bus = libusb_get_bus_number(device);
    phone.address = libusb_get_device_address(device);
    phone.port_path = PortPath(device);
    phone.vendor = std::string(PhoneVendorName(descriptor.idVendor));

    bool usbmux = false;
    bool adb = false;
    bool mtp = false;
    // Every configuration's descriptors are cached by libusb from sysfs: no device I/O.
    for (uint8_t c = 0; c < descriptor.bNumConfigurations; ++c) {
      libusb_config_descriptor* raw_config = nullptr;
      if (libusb_get_config_descriptor(device, c, &raw_config) != LIBUSB_SUCCESS) continue;
      ConfigPtr config(raw_config);
      for (uint8_t n = 0; n < config->bNumInterfaces; ++n) {
        const libusb_interface& interface = config->interface[n];
        for (int a = 0; a < interface.num_altsetting; ++a) {
          const libusb_interface_descriptor& alt = interface.altsetting[a];
          const std::string triple =
              Triple(alt.bInterfaceClass, alt.bInterfaceSubClass, alt.bInterfaceProtocol);
          bool known = false;
          for (const std::string& t : phone.interfaces) known |= t == triple;
          if (!known) phone.interfaces.push_back(triple);
          usbmux |= alt.bInterfaceClass == 0xff && alt.bInterfaceSubClass == 0xfe &&
                    alt.bInterfaceProtocol == 0x02;
          adb |= alt.bInterfaceClass == 0xff && alt.bInterfaceSubClass == 0x42 &&
                 alt.bInterfaceProtocol == 0x01;
          mtp |= alt.bInterfaceClass == 0x06 && alt.bInterfaceSubClass == 0x01 &&
                 alt.bInterfaceProtocol == 0x01;
        }
      }
    }

    const uint16_t pid = descriptor.idProduct;
    if (descriptor.idVendor == kAppleVendor && pid >= 0x1280 && pid <= 0x1283) {
      phone.kind = UsbPhoneKind::kAppleRecovery;
    } else if (descriptor.idVendor == kAppleVendor && pid == 0x1227) {
      phone.kind = UsbPhoneKind::kAppleDfu;
    } else if (descriptor.idVendor == kAppleVendor && pid == 0x1222) {
      phone.kind = UsbPhoneKind::kAppleWtf;
    } else if (descriptor.idVendor == kAppleVendor && usbmux) {
      phone.kind = UsbPhoneKind::kAppleUsbmux;
    } else if (adb) {
      phone.kind = UsbPhoneKind::kAndroidAdb;
    } else if (mtp && !phone.vendor.empty() && descriptor.idVendor != kAppleVendor) {
      phone.kind = UsbPhoneKind::kAndroidMtp;
    } else {
      continue;  // not a phone we recognise (keyboards, hubs, cameras, …)
    }
    phone.serial = SysfsSerial(phone.port_path);
    phones.push_back(std::move(phone));
  }
  return phones;
}

}  // namespace mfx::extract
