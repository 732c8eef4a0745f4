#include "extract/device_identity.h"

#include <charconv>
#include <cmath>

namespace mfx::extract {
namespace {

using nlohmann::json;

json Opt(const std::optional<std::string>& v) { return v ? json(SanitizeUtf8(*v)) : json(); }
json Opt(const std::optional<bool>& v) { return v ? json(*v) : json(); }

// A lockdown value expected to be a string. Other types: integers become their decimal text,
// data its hex (both lossless); anything else is dropped; all three are noted.
std::optional<std::string> TextValue(plist_t node, const char* key,
                                     std::vector<std::string>* notes) {
  if (node == nullptr) return std::nullopt;
  if (auto s = PlistStringValue(node)) return s;
  const std::string type = PlistTypeName(node);
  if (auto u = PlistUintValue(node)) {
    if (notes) notes->push_back(std::string(key) + " is an integer, not a string; kept as its digits");
    return std::to_string(*u);
  }
  if (auto d = PlistDataValue(node)) {
    if (notes) notes->push_back(std::string(key) + " is data, not a string; kept as hex");
    return HexEncode(*d);
  }
  if (notes) notes->push_back(std::string(key) + " has type " + type + "; not used");
  return std::nullopt;
}

}  // namespace

std::string ShortestReal(double value) {
  char buffer[64];
  const auto r = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, r.ptr);
}

json PublicIdentity::ToJson() const {
  return json{{"udid", SanitizeUtf8(udid)},          {"device_name", Opt(device_name)},
              {"product_type", Opt(product_type)},   {"ios_version", Opt(product_version)},
              {"build_version", Opt(build_version)}, {"device_class", Opt(device_class)},
              {"hardware_model", Opt(hardware_model)}};
}

Result<PublicIdentity> ReadPublicIdentity(PlainLockdown& lockdown, const std::string& udid) {
  PublicIdentity id;
  id.udid = udid;
  auto text = [&](const char* key) -> Result<std::optional<std::string>> {
    MFX_ASSIGN_OR_RETURN(PlistPtr value, lockdown.GetValue(key));
    return TextValue(Raw(value), key, nullptr);
  };
  MFX_ASSIGN_OR_RETURN(std::optional<std::string> reported, text("UniqueDeviceID"));
  if (reported && !reported->empty()) id.udid = *reported;
  MFX_ASSIGN_OR_RETURN(id.device_name, text("DeviceName"));
  MFX_ASSIGN_OR_RETURN(id.product_type, text("ProductType"));
  MFX_ASSIGN_OR_RETURN(id.product_version, text("ProductVersion"));
  MFX_ASSIGN_OR_RETURN(id.build_version, text("BuildVersion"));
  MFX_ASSIGN_OR_RETURN(id.device_class, text("DeviceClass"));
  MFX_ASSIGN_OR_RETURN(id.hardware_model, text("HardwareModel"));
  return id;
}

json ClockReading::ToJson() const {
  json tz_offset;
  if (time_zone_offset_seconds) {
    // Custody JSON carries integers only: the offset in whole seconds plus its raw text.
    tz_offset = json{{"seconds", static_cast<int64_t>(std::llround(*time_zone_offset_seconds))},
                     {"raw", ShortestReal(*time_zone_offset_seconds)}};
  }
  json device;
  if (device_seconds) {
    device = json{{"raw", device_raw},
                  {"type", device_type},
                  {"utc", IsoUtcFromMicros(static_cast<int64_t>(std::llround(*device_seconds * 1e6)))}};
  }
  return json{{"host_before", IsoUtcFromMicros(host_before_us)},
              {"host_after", IsoUtcFromMicros(host_after_us)},
              {"device", device},
              {"skew_ms", device_seconds ? json(skew_ms) : json()},
              {"round_trip_ms", round_trip_ms},
              {"time_zone", Opt(time_zone)},
              {"time_zone_offset", tz_offset},
              {"uses_24_hour_clock", Opt(uses_24_hour_clock)}};
}

Result<ClockReading> ReadClock(LockdownSession& session) {
  ClockReading clock;
  clock.host_before_us = HostUnixMicros();
  MFX_ASSIGN_OR_RETURN(PlistPtr value, session.GetValue(nullptr, "TimeIntervalSince1970"));
  clock.host_after_us = HostUnixMicros();
  clock.round_trip_ms = (clock.host_after_us - clock.host_before_us + 500) / 1000;
  if (auto real = PlistRealValue(Raw(value))) {
    clock.device_seconds = *real;
    clock.device_raw = ShortestReal(*real);
    clock.device_type = "real";
  } else if (auto uint = PlistUintValue(Raw(value))) {
    clock.device_seconds = static_cast<double>(*uint);
    clock.device_raw = std::to_string(*uint);
    clock.device_type = "uint";
  }
  if (clock.device_seconds) {
    const double midpoint_us =
        (static_cast<double>(clock.host_before_us) + static_cast<double>(clock.host_after_us)) / 2;
    clock.skew_ms = static_cast<int64_t>(std::llround((*clock.device_seconds * 1e6 - midpoint_us) / 1000));
  }
  MFX_ASSIGN_OR_RETURN(PlistPtr zone, session.GetValue(nullptr, "TimeZone"));
  clock.time_zone = PlistStringValue(Raw(zone));
  MFX_ASSIGN_OR_RETURN(PlistPtr offset, session.GetValue(nullptr, "TimeZoneOffsetFromUTC"));
  if (auto real = PlistRealValue(Raw(offset))) clock.time_zone_offset_seconds = *real;
  if (auto uint = PlistUintValue(Raw(offset))) {
    clock.time_zone_offset_seconds = static_cast<double>(static_cast<int64_t>(*uint));
  }
  MFX_ASSIGN_OR_RETURN(PlistPtr h24, session.GetValue(nullptr, "Uses24HourClock"));
  clock.uses_24_hour_clock = PlistBoolValue(Raw(h24));
  return clock;
}

json DeviceIdentity::ToJson() const {
  json out = pub.ToJson();
  out["serial_number"] = Opt(serial_number);
  out["imei"] = Opt(imei);
  out["imei2"] = Opt(imei2);
  out["meid"] = Opt(meid);
  out["iccid"] = Opt(iccid);
  out["imsi"] = Opt(imsi);
  out["phone_number"] = Opt(phone_number);
  out["model_number"] = Opt(model_number);
  out["product_name"] = Opt(product_name);
  out["activation_state"] = Opt(activation_state);
  out["wifi_address"] = Opt(wifi_address);
  out["bluetooth_address"] = Opt(bluetooth_address);
  out["passcode_set"] = Opt(password_protected);  // PasswordProtected (key names with "password" are refused by the case)
  out["backup_encryption"] = Opt(will_encrypt);
  out["clock"] = clock.ToJson();
  json n = json::array();
  for (const std::string& note : notes) n.push_back(SanitizeUtf8(note));
  out["notes"] = n;
  return out;
}

Result<DeviceIdentity> ReadDeviceIdentity(LockdownSession& session, const std::string& udid) {
  DeviceIdentity id;
  id.pub.udid = udid;
  // The whole NULL domain in one request, then the clock separately (it needs tight host
  // readings around it).
  MFX_ASSIGN_OR_RETURN(PlistPtr all, session.GetValue(nullptr, nullptr));
  plist_t dict = Raw(all);
  auto text = [&](const char* key) { return TextValue(PlistMember(dict, key), key, &id.notes); };
  if (auto reported = text("UniqueDeviceID"); reported && !reported->empty()) {
    if (*reported != udid) {
      id.notes.push_back("UniqueDeviceID " + *reported + " differs from the usbmuxd UDID " + udid);
    }
    id.pub.udid = *reported;
  }
  id.pub.device_name = text("DeviceName");
  id.pub.product_type = text("ProductType");
  id.pub.product_version = text("ProductVersion");
  id.pub.build_version = text("BuildVersion");
  id.pub.device_class = text("DeviceClass");
  id.pub.hardware_model = text("HardwareModel");
  id.serial_number = text("SerialNumber");
  id.imei = text("InternationalMobileEquipmentIdentity");
  id.imei2 = text("InternationalMobileEquipmentIdentity2");
  id.meid = text("MobileEquipmentIdentifier");
  id.iccid = text("IntegratedCircuitCardIdentity");
  id.imsi = text("InternationalMobileSubscriberIdentity");
  id.phone_number = text("PhoneNumber");
  id.model_number = text("ModelNumber");
  id.product_name = text("ProductName");
  id.activation_state = text("ActivationState");
  id.wifi_address = text("WiFiAddress");
  id.bluetooth_address = text("BluetoothAddress");
  id.password_protected = PlistBoolValue(PlistMember(dict, "PasswordProtected"));
  MFX_ASSIGN_OR_RETURN(PlistPtr encrypt, session.GetValue("com.apple.mobile.backup", "WillEncrypt"));
  id.will_encrypt = PlistBoolValue(Raw(encrypt));
  MFX_ASSIGN_OR_RETURN(id.clock, ReadClock(session));
  return id;
}

}  // namespace mfx::extract
