#include "extract/discovery.h"

#include <cctype>

namespace mfx::extract {
namespace {

std::string Normalized(std::string_view id) {
  std::string out;
  for (char c : id) {
    if (c != '-') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

bool SameDevice(const UsbPhone& usb, const std::string& udid) {
  return !usb.serial.empty() && Normalized(usb.serial) == Normalized(udid);
}

nlohmann::json MuxDeviceReport::ToJson() const {
  nlohmann::json out = identity ? identity->ToJson() : nlohmann::json{{"udid", udid}};
  out["udid"] = udid;
  out["connection"] = network ? "network" : "usb";
  out["paired"] = paired;
  out["error"] = error.empty() ? nlohmann::json() : nlohmann::json(error);
  return out;
}

nlohmann::json DevicesReport::ToJson() const {
  nlohmann::json ios_list = nlohmann::json::array();
  for (const MuxDeviceReport& d : ios) ios_list.push_back(d.ToJson());
  nlohmann::json usb_list = nlohmann::json::array();
  for (const UsbPhone& p : usb) {
    nlohmann::json j = p.ToJson();
    std::string seen;
    for (const MuxDeviceReport& d : ios) {
      if (SameDevice(p, d.udid)) seen = d.udid;
    }
    j["usbmuxd_udid"] = seen.empty() ? nlohmann::json() : nlohmann::json(seen);
    usb_list.push_back(j);
  }
  return nlohmann::json{
      {"usbmuxd",
       {{"reachable", usbmuxd_reachable},
        {"error", usbmuxd_error.empty() ? nlohmann::json() : nlohmann::json(usbmuxd_error)}}},
      {"ios_devices", ios_list},
      {"usb",
       {{"available", usb_available},
        {"error", usb_error.empty() ? nlohmann::json() : nlohmann::json(usb_error)}}},
      {"usb_devices", usb_list}};
}

DevicesReport DiscoverDevices() {
  DevicesReport report;
  if (auto entries = ListMuxEntries(); entries) {
    report.usbmuxd_reachable = true;
    for (const MuxEntry& entry : *entries) {
      MuxDeviceReport device;
      device.udid = entry.udid;
      device.network = entry.network;
      if (auto record = ReadPairRecordInfo(entry.udid); record) {
        device.paired = record->exists;
      } else {
        device.error = record.error().message;
      }
      if (!entry.network) {
        auto opened = OpenDevice(entry.udid);
        if (!opened) {
          device.error = opened.error().message;
        } else if (auto lockdown = PlainLockdown::Connect(opened->get()); !lockdown) {
          device.error = lockdown.error().message;
        } else if (auto id = ReadPublicIdentity(*lockdown, entry.udid); !id) {
          device.error = id.error().message;
        } else {
          device.identity = std::move(*id);
        }
      }
      report.ios.push_back(std::move(device));
    }
  } else {
    report.usbmuxd_error = entries.error().message;
  }
  if (auto phones = EnumerateUsbPhones(); phones) {
    report.usb_available = true;
    report.usb = std::move(*phones);
  } else {
    report.usb_error = phones.error().message;
  }
  return report;
}

}  // namespace mfx::extract
