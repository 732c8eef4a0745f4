#include "parsers/backup/backup_plists.h"

namespace mfx::parsers::backup {
namespace {

using core::PlistValue;

std::optional<std::string> Str(const PlistValue& dict, std::string_view key) {
  const PlistValue* v = dict.Find(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* s = v->AsString()) return *s;
  // Some identifiers are stored as integers by some writers (e.g. anonymised IMEI 42).
  if (auto i = v->AsInt()) return std::to_string(*i);
  return std::nullopt;
}

std::optional<bool> Bool(const PlistValue& dict, std::string_view key) {
  const PlistValue* v = dict.Find(key);
  return v ? v->AsBool() : std::nullopt;
}

std::optional<core::Timestamp> Date(const PlistValue& dict, std::string_view key) {
  const PlistValue* v = dict.Find(key);
  if (v == nullptr) return std::nullopt;
  if (auto d = v->AsDate()) return core::FromPlistDate(d->cocoa_seconds);
  if (const auto* s = v->AsString()) {
    if (auto t = core::ParseIsoTime(*s)) return *t;
  }
  return std::nullopt;
}

std::optional<Bytes> Data(const PlistValue& dict, std::string_view key) {
  const PlistValue* v = dict.Find(key);
  if (v == nullptr || v->AsData() == nullptr) return std::nullopt;
  return *v->AsData();
}

Status RequireDict(const PlistValue& plist, std::string_view name) {
  if (!plist.is_dict()) {
    return Fail(ErrorCode::kCorrupt, std::string(name) + ": top level is a " +
                                         std::string(plist.TypeName()) + ", not a dict");
  }
  return {};
}

template <class T>
void Fill(std::optional<T>& into, const std::optional<T>& from) {
  if (!into && from) into = from;
}

}  // namespace

Result<InfoPlist> ParseInfoPlist(const PlistValue& plist) {
  MFX_RETURN_IF_ERROR(RequireDict(plist, "Info.plist"));
  InfoPlist out;
  DeviceIdentity& id = out.identity;
  id.udid = Str(plist, "Unique Identifier");
  id.target_identifier = Str(plist, "Target Identifier");
  id.serial_number = Str(plist, "Serial Number");
  id.product_type = Str(plist, "Product Type");
  id.product_name = Str(plist, "Product Name");
  id.product_version = Str(plist, "Product Version");
  id.build_version = Str(plist, "Build Version");
  id.device_name = Str(plist, "Device Name");
  id.display_name = Str(plist, "Display Name");
  id.imei = Str(plist, "IMEI");
  id.imei2 = Str(plist, "IMEI 2");
  id.meid = Str(plist, "MEID");
  id.iccid = Str(plist, "ICCID");
  id.phone_number = Str(plist, "Phone Number");
  id.guid = Str(plist, "GUID");
  out.last_backup_date = Date(plist, "Last Backup Date");
  out.itunes_version = Str(plist, "iTunes Version");
  if (const PlistValue* apps = plist.Find("Installed Applications"); apps && apps->AsArray()) {
    for (const auto& a : *apps->AsArray()) {
      if (const auto* s = a.AsString()) out.installed_applications.push_back(*s);
    }
  }
  out.raw = plist;
  return out;
}

Result<StatusPlist> ParseStatusPlist(const PlistValue& plist) {
  MFX_RETURN_IF_ERROR(RequireDict(plist, "Status.plist"));
  StatusPlist out;
  out.uuid = Str(plist, "UUID");
  out.is_full_backup = Bool(plist, "IsFullBackup");
  out.version = Str(plist, "Version");
  out.backup_state = Str(plist, "BackupState");
  out.snapshot_state = Str(plist, "SnapshotState");
  out.date = Date(plist, "Date");
  out.raw = plist;
  return out;
}

Result<ManifestPlist> ParseManifestPlist(const PlistValue& plist) {
  MFX_RETURN_IF_ERROR(RequireDict(plist, "Manifest.plist"));
  ManifestPlist out;
  out.is_encrypted = Bool(plist, "IsEncrypted");
  out.was_passcode_set = Bool(plist, "WasPasscodeSet");
  out.version = Str(plist, "Version");
  out.system_domains_version = Str(plist, "SystemDomainsVersion");
  out.date = Date(plist, "Date");
  out.keybag = Data(plist, "BackupKeyBag");
  out.manifest_key = Data(plist, "ManifestKey");
  if (const PlistValue* l = plist.Find("Lockdown"); l && l->is_dict()) {
    DeviceIdentity& id = out.lockdown;
    id.udid = Str(*l, "UniqueDeviceID");
    id.serial_number = Str(*l, "SerialNumber");
    id.product_type = Str(*l, "ProductType");
    id.product_version = Str(*l, "ProductVersion");
    id.build_version = Str(*l, "BuildVersion");
    id.device_name = Str(*l, "DeviceName");
  }
  out.raw = plist;
  return out;
}

void MergeIdentity(DeviceIdentity& into, const DeviceIdentity& from) {
  Fill(into.udid, from.udid);
  Fill(into.target_identifier, from.target_identifier);
  Fill(into.serial_number, from.serial_number);
  Fill(into.product_type, from.product_type);
  Fill(into.product_name, from.product_name);
  Fill(into.product_version, from.product_version);
  Fill(into.build_version, from.build_version);
  Fill(into.device_name, from.device_name);
  Fill(into.display_name, from.display_name);
  Fill(into.imei, from.imei);
  Fill(into.imei2, from.imei2);
  Fill(into.meid, from.meid);
  Fill(into.iccid, from.iccid);
  Fill(into.phone_number, from.phone_number);
  Fill(into.guid, from.guid);
}

}  // namespace mfx::parsers::backup
