#pragma once
// The three root plists of a backup folder: Info.plist (host-written identity), Manifest.plist
// (keybag, encryption flag, Lockdown subset, apps), Status.plist (backup state). FORMATS §1.2–1.4.
// Every field is optional: real backups miss keys, and a missing Manifest.plist is tolerated.

#include <optional>
#include <string>
#include <vector>

#include "core/plist.h"
#include "core/result.h"
#include "core/time.h"

namespace mfx::parsers::backup {

// The largest Info.plist / Manifest.plist / Status.plist read: real Info.plists carry the icons and
// iTunesMetadata of every app, so tens of MB are normal.
inline constexpr uint64_t kMaxRootPlistBytes = 256ull << 20;

struct DeviceIdentity {
  std::optional<std::string> udid;  // compare case-insensitively: letter case varies
  std::optional<std::string> target_identifier;
  std::optional<std::string> serial_number;
  std::optional<std::string> product_type;     // "iPhone12,1"
  std::optional<std::string> product_name;     // "iPhone 11"
  std::optional<std::string> product_version;  // "17.3"
  std::optional<std::string> build_version;    // "21D50"
  std::optional<std::string> device_name;
  std::optional<std::string> display_name;
  std::optional<std::string> imei;
  std::optional<std::string> imei2;
  std::optional<std::string> meid;
  std::optional<std::string> iccid;
  std::optional<std::string> phone_number;
  std::optional<std::string> guid;
};

struct InfoPlist {
  DeviceIdentity identity;
  std::optional<core::Timestamp> last_backup_date;
  std::optional<std::string> itunes_version;
  std::vector<std::string> installed_applications;
  core::PlistValue raw;  // the whole plist, for the apps parser and reports
};

struct StatusPlist {
  std::optional<std::string> uuid;
  std::optional<bool> is_full_backup;
  std::optional<std::string> version;
  std::optional<std::string> backup_state;
  std::optional<std::string> snapshot_state;  // "finished" for a complete backup
  std::optional<core::Timestamp> date;
  core::PlistValue raw;
};

struct ManifestPlist {
  std::optional<bool> is_encrypted;
  std::optional<bool> was_passcode_set;
  std::optional<std::string> version;
  std::optional<std::string> system_domains_version;
  std::optional<core::Timestamp> date;
  std::optional<Bytes> keybag;        // BackupKeyBag
  std::optional<Bytes> manifest_key;  // ManifestKey: u32 LE class + 40-byte wrapped key
  DeviceIdentity lockdown;                  // from the Lockdown dict
  core::PlistValue raw;
};

Result<InfoPlist> ParseInfoPlist(const core::PlistValue& plist);
Result<StatusPlist> ParseStatusPlist(const core::PlistValue& plist);
Result<ManifestPlist> ParseManifestPlist(const core::PlistValue& plist);

// Fills the fields of `into` that are empty from `from` (Info.plist first, Lockdown second).
void MergeIdentity(DeviceIdentity& into, const DeviceIdentity& from);

}  // namespace mfx::parsers::backup
