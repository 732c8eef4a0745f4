// mfx devices [--json] and mfx device-info [--udid U] [--json] (CONTRACT.md).
//
// Neither command can pair with or change a phone: `devices` uses the usbmuxd list, plain
// (session-less) lockdown connections and passive libusb enumeration; `device-info` starts a
// lockdown session only when usbmuxd already holds a pair record, and otherwise reports the
// public identity and says what a session would add (pairing is `mfx acquire`'s job, after
// consent).
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "extract/device_identity.h"
#include "extract/device_session.h"
#include "extract/discovery.h"

namespace mfx::cli {
namespace {

using json = nlohmann::json;

std::string Or(const std::optional<std::string>& v, const char* fallback = "-") {
  return v && !v->empty() ? SanitizeUtf8(*v) : fallback;
}

std::string Hex4(uint16_t v) {
  char b[8];
  std::snprintf(b, sizeof(b), "%04x", v);
  return b;
}

}  // namespace

int DevicesCommand(const std::vector<std::string>& args) {
  po::options_description opts("mfx devices options");
  opts.add_options()("json", "machine-readable output");
  auto parsed = ParseArgs(
      "usage: mfx devices [--json]\n"
      "Lists iOS devices usbmuxd serves (UDID, name, model, iOS version, whether this computer "
      "holds a pair record) and, from a passive libusb scan, every Apple or Android phone on the "
      "USB bus — also when usbmuxd is absent, the phone does not trust this computer, or it is in "
      "recovery / DFU mode. Nothing here pairs with or changes a phone.",
      opts, {}, args);
  if (parsed.help) return kExitOk;
  const extract::DevicesReport report = extract::DiscoverDevices();
  if (parsed.vm.count("json")) {
    std::cout << report.ToJson().dump(2) << "\n";
  } else {
    std::cout << "iOS devices (usbmuxd):\n";
    if (!report.usbmuxd_reachable) {
      std::cout << "  usbmuxd not reachable: " << report.usbmuxd_error << "\n";
    } else if (report.ios.empty()) {
      std::cout << "  none\n";
    }
    for (const auto& d : report.ios) {
      std::cout << "  " << d.udid;
      if (d.identity) {
        std::cout << "  \"" << Or(d.identity->device_name, "") << "\"  " << Or(d.identity->product_type)
                  << "  iOS " << Or(d.identity->product_version) << " ("
                  << Or(d.identity->build_version) << ")";
      }
      std::cout << "  paired: " << (d.paired ? "yes" : "no") << "  (" << (d.network ? "network" : "usb")
                << ")";
      if (!d.error.empty()) std::cout << "  [" << d.error << "]";
      std::cout << "\n";
    }
    std::cout << "USB phones (libusb, passive):\n";
    if (!report.usb_available) {
      std::cout << "  USB enumeration not available: " << report.usb_error << "\n";
    } else if (report.usb.empty()) {
      std::cout << "  none\n";
    }
    for (const auto& p : report.usb) {
      std::cout << "  " << Hex4(p.vendor_id) << ":" << Hex4(p.product_id) << "  "
                << (p.vendor.empty() ? "unknown vendor" : p.vendor) << "  "
                << extract::UsbPhoneKindName(p.kind) << "  port " << p.port_path;
      if (!p.serial.empty()) std::cout << "  serial " << p.serial;
      for (const auto& d : report.ios) {
        if (extract::SameDevice(p, d.udid)) std::cout << "  = " << d.udid;
      }
      switch (p.kind) {
        case extract::UsbPhoneKind::kAppleRecovery:
        case extract::UsbPhoneKind::kAppleDfu:
        case extract::UsbPhoneKind::kAppleWtf:
          std::cout << "  (no lockdown in this mode)";
          break;
        case extract::UsbPhoneKind::kAndroidMtp:
          std::cout << "  (USB debugging off)";
          break;
        default:
          break;
      }
      std::cout << "\n";
    }
  }
  return report.usbmuxd_reachable || report.usb_available ? kExitOk : kExitFailure;
}

int DeviceInfoCommand(const std::vector<std::string>& args) {
  po::options_description opts("mfx device-info options");
  opts.add_options()("udid", po::value<std::string>(), "the device (default: the only one attached)")(
      "json", "machine-readable output");
  auto parsed = ParseArgs(
      "usage: mfx device-info [--udid U] [--json]\n"
      "Reads a phone's identity from lockdownd: UDID, serial, IMEI/MEID (and IMEI 2), phone "
      "number, model, iOS version and build, device name, time zone, and the device clock against "
      "this computer's (host UTC just before and after the reading; skew in ms). Serial, IMEI, "
      "number and clock need a trusted session: without a pair record only the public identity "
      "is shown (device-info never pairs; mfx acquire does, after consent).",
      opts, {}, args);
  if (parsed.help) return kExitOk;
  const auto& vm = parsed.vm;
  std::optional<std::string> requested;
  if (vm.count("udid")) requested = vm["udid"].as<std::string>();
  auto udid = extract::ResolveUdid(requested);
  if (!udid) return Report(udid.error());
  auto device = extract::OpenDevice(*udid);
  if (!device) return Report(device.error());
  extract::PublicIdentity pub;
  {
    auto plain = extract::PlainLockdown::Connect(device->get());
    if (!plain) return Report(plain.error());
    auto read = extract::ReadPublicIdentity(*plain, *udid);
    if (!read) return Report(read.error());
    pub = std::move(*read);
  }
  auto record = extract::ReadPairRecordInfo(*udid);
  if (!record) return Report(record.error());
  std::optional<extract::DeviceIdentity> identity;
  std::string why_public_only;
  if (!record->exists) {
    why_public_only =
        "this computer is not paired with the phone: serial, IMEI, phone number, time zone and "
        "clock need a trusted session (mfx acquire pairs after consent)";
  } else {
    lockdownd_error_t code = LOCKDOWN_E_SUCCESS;
    auto session = extract::LockdownSession::Open(device->get(), *udid, &code);
    if (!session) {
      why_public_only = session.error().message;
      if (code == LOCKDOWN_E_INVALID_HOST_ID) {
        why_public_only = "the phone no longer trusts this computer's pair record (stale, "
                          "InvalidHostID); only the public identity is available";
      }
    } else {
      auto read = extract::ReadDeviceIdentity(*session, *udid);
      if (!read) return Report(read.error());
      identity = std::move(*read);
    }
  }
  if (vm.count("json")) {
    json out = {{"udid", *udid},
                {"paired", record->exists},
                {"session", identity.has_value()},
                {"public_identity", pub.ToJson()},
                {"identity", identity ? identity->ToJson() : json()},
                {"limited", why_public_only.empty() ? json() : json(why_public_only)}};
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  const extract::PublicIdentity& p = identity ? identity->pub : pub;
  std::cout << "UDID:             " << p.udid << "\n"
            << "Device name:      " << Or(p.device_name) << "\n"
            << "Model:            " << Or(p.product_type) << (identity && identity->model_number ? " (" + *identity->model_number + ")" : "") << "\n"
            << "iOS:              " << Or(p.product_version) << " (" << Or(p.build_version) << ")\n"
            << "Paired:           " << (record->exists ? "yes (pair record in usbmuxd)" : "no") << "\n";
  if (!identity) {
    std::cout << "\n" << why_public_only << "\n";
    return kExitOk;
  }
  const extract::DeviceIdentity& id = *identity;
  const extract::ClockReading& c = id.clock;
  std::cout << "Serial number:    " << Or(id.serial_number) << "\n"
            << "IMEI:             " << Or(id.imei) << "\n"
            << "IMEI 2:           " << Or(id.imei2) << "\n"
            << "MEID:             " << Or(id.meid) << "\n"
            << "ICCID:            " << Or(id.iccid) << "\n"
            << "Phone number:     " << Or(id.phone_number) << "\n"
            << "Time zone:        " << Or(c.time_zone);
  if (c.time_zone_offset_seconds) {
    std::cout << " (UTC offset " << extract::ShortestReal(*c.time_zone_offset_seconds) << " s)";
  }
  std::cout << "\n"
            << "Backup encryption:" << (id.will_encrypt ? (*id.will_encrypt ? " on (owner's password)" : " off") : " unknown") << "\n"
            << "Host UTC before:  " << extract::IsoUtcFromMicros(c.host_before_us) << "\n";
  if (c.device_seconds) {
    std::cout << "Device clock:     "
              << extract::IsoUtcFromMicros(static_cast<int64_t>(*c.device_seconds * 1e6)) << " (raw "
              << c.device_raw << ", " << c.device_type << ")\n";
  } else {
    std::cout << "Device clock:     not reported\n";
  }
  std::cout << "Host UTC after:   " << extract::IsoUtcFromMicros(c.host_after_us) << "\n";
  if (c.device_seconds) {
    std::cout << "Clock skew:       " << c.skew_ms << " ms (device minus host; round trip " << c.round_trip_ms
              << " ms)\n";
  }
  for (const std::string& n : id.notes) std::cout << "Note:             " << n << "\n";
  return kExitOk;
}

}  // namespace mfx::cli
