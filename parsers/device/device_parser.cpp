#include "parsers/device/device_parser.h"

#include "core/plist.h"
#include "parsers/backup/backup.h"
#include "parsers/backup/backup_plists.h"

namespace mfx::parsers::device {
namespace {

Result<core::PlistValue> ReadPlist(const ParserInput& in) {
  MFX_ASSIGN_OR_RETURN(Bytes bytes, core::ReadAll(*in.file, backup::kMaxRootPlistBytes));
  return core::ParsePlist(bytes, in.domain + "/" + in.path);
}

// Root plists are not manifest files: they have no fileID.
Provenance RootSource(const ParserInput& in) {
  Provenance p = in.PlistSource("");
  p.file_id.clear();
  return p;
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  std::optional<backup::InfoPlist> info;
  std::optional<backup::ManifestPlist> manifest;
  const ParserInput* info_in = inputs.First("info");
  const ParserInput* manifest_in = inputs.First("manifest");
  if (info_in != nullptr) {
    auto parsed = ReadPlist(*info_in).and_then(backup::ParseInfoPlist);
    if (parsed) info = std::move(*parsed);
    else ctx.Corrupt(*info_in, "", "", parsed.error().message);
  }
  if (manifest_in != nullptr) {
    auto parsed = ReadPlist(*manifest_in).and_then(backup::ParseManifestPlist);
    if (parsed) manifest = std::move(*parsed);
    else ctx.Corrupt(*manifest_in, "", "", parsed.error().message);
  }
  if (!info && !manifest) return {};

  // Info.plist first, Lockdown fills what it lacks (the backup reader's own rule).
  backup::DeviceIdentity id = info ? info->identity : backup::DeviceIdentity{};
  if (manifest) backup::MergeIdentity(id, manifest->lockdown);

  DeviceInfo r;
  r.app = "Device";
  if (info) {
    r.time = info->last_backup_date;
    r.source = RootSource(*info_in);
    r.itunes_version = info->itunes_version;
  } else {
    r.time = manifest->date;
    r.source = RootSource(*manifest_in);
  }
  r.device_name = id.device_name;
  r.udid = id.udid;
  r.serial_number = id.serial_number;
  r.product_type = id.product_type;
  r.ios_version = id.product_version;
  r.build_version = id.build_version;
  r.imei = id.imei;
  r.imei2 = id.imei2;
  r.meid = id.meid;
  r.iccid = id.iccid;
  r.phone_number = id.phone_number;
  r.product_name = id.product_name;
  if (manifest) r.passcode_set = manifest->was_passcode_set;
  ctx.sink().Add(std::move(r));
  return {};
}

}  // namespace

ParserModule DeviceParser() {
  const std::string root(backup::kBackupRootDomain);
  return ParserModule{
      "device",
      "1.0",
      "Device",
      {
          {"info", root, "Info.plist", InputSpec::Kind::kFile},
          {"manifest", root, "Manifest.plist", InputSpec::Kind::kFile},
      },
      Parse,
  };
}

}  // namespace mfx::parsers::device
