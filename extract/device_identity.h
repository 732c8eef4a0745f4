#pragma once
// What a phone says about itself through lockdownd (DEVICE.md §2.3), and its clock against ours
// (CUSTODY.md §6).
//
// Two readings:
//   ReadPublicIdentity  — before any session, on a plain lockdown connection: only the public
//                         subset a device answers pre-session (UDID, ProductType, versions, name).
//                         Used by `mfx devices` and by the consent gate before pairing.
//   ReadDeviceIdentity  — inside a session (after pairing): the full identity report, including
//                         serial, IMEI(s), MEID, ICCID, phone number, time zone and the clock.
//
// Values of an unexpected plist type are not guessed at: they are kept as text where that is
// lossless (an integer phone number) and named in `notes`.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "extract/device_session.h"

namespace mfx::extract {

struct PublicIdentity {
  std::string udid;  // UniqueDeviceID
  std::optional<std::string> device_name, product_type, product_version, build_version,
      device_class, hardware_model;
  nlohmann::json ToJson() const;
};
Result<PublicIdentity> ReadPublicIdentity(PlainLockdown& lockdown, const std::string& udid);

// The device clock read between two host clock readings.
struct ClockReading {
  int64_t host_before_us = 0;  // host UTC just before the GetValue request
  int64_t host_after_us = 0;   // just after the answer
  std::optional<double> device_seconds;  // TimeIntervalSince1970 as a number
  std::string device_raw;      // the value as sent, in shortest round-trip text ("1700000000.25")
  std::string device_type;     // "real" (current iOS) or "uint" (old)
  int64_t skew_ms = 0;         // device − host midpoint, rounded to ms
  int64_t round_trip_ms = 0;
  std::optional<std::string> time_zone;            // TimeZone ("Europe/Berlin")
  std::optional<double> time_zone_offset_seconds;  // TimeZoneOffsetFromUTC
  std::optional<bool> uses_24_hour_clock;
  nlohmann::json ToJson() const;  // integers and strings only (custody-safe)
};

struct DeviceIdentity {
  PublicIdentity pub;
  std::optional<std::string> serial_number, imei, imei2, meid, iccid, imsi, phone_number,
      model_number, product_name, activation_state, wifi_address, bluetooth_address;
  std::optional<bool> password_protected;
  std::optional<bool> will_encrypt;  // com.apple.mobile.backup / WillEncrypt
  ClockReading clock;
  std::vector<std::string> notes;
  nlohmann::json ToJson() const;  // custody-safe: strings, integers, bools, null
};
Result<DeviceIdentity> ReadDeviceIdentity(LockdownSession& session, const std::string& udid);

// Reads only the clock (used again at the start of the acquisition).
Result<ClockReading> ReadClock(LockdownSession& session);

// "1700000000.25" — shortest text that round-trips the double.
std::string ShortestReal(double value);

}  // namespace mfx::extract
