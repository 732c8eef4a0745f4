// Device identity: the record of generated backups and of the committed sample against the
// Info.plist / Manifest.plist values the generator wrote; Manifest.plist alone; a damaged Info.plist.
#include <catch2/catch.hpp>

#include "core/memory_env.h"
#include "core/plist.h"
#include "tests/parsers/artifact_test_helpers.h"

using namespace mfx;
using namespace mfx::testing;
using namespace mfx::testing::artifacts;
using nlohmann::json;
using Kind = parsers::ParserIssue::Kind;

namespace {

json Opt(const json& values, const char* key) { return values.contains(key) ? values[key] : json(); }

// The DeviceInfo the generator's Info.plist / Manifest.plist values call for.
void CheckDevice(const json& record, const std::vector<nlohmann::ordered_json>& devices) {
  REQUIRE(devices.size() == 1);
  const json d(devices[0]);
  const json& info = record.at("info_plist").at("values");
  const json& manifest = record.at("manifest_plist").at("values");
  INFO(d.dump());
  CHECK(d["kind"] == "device_info");
  CHECK(d["time"] == info.at("Last Backup Date"));
  CHECK(d["raw_times"]["time"]["encoding"] == "plist_date");
  CHECK(d["device_name"] == info.at("Device Name"));
  CHECK(d["udid"] == info.at("Unique Identifier"));
  CHECK(d["serial_number"] == info.at("Serial Number"));
  CHECK(d["product_type"] == info.at("Product Type"));
  CHECK(d["product_name"] == info.at("Product Name"));
  CHECK(d["ios_version"] == info.at("Product Version"));
  CHECK(d["build_version"] == info.at("Build Version"));
  CHECK(d["imei"] == info.at("IMEI"));
  CHECK(d["imei2"] == Opt(info, "IMEI 2"));
  CHECK(d["meid"] == info.at("MEID"));
  CHECK(d["iccid"] == info.at("ICCID"));
  CHECK(d["phone_number"] == info.at("Phone Number"));
  CHECK(d["itunes_version"] == info.at("iTunes Version"));
  CHECK(d["passcode_set"] == manifest.at("WasPasscodeSet"));
  CHECK(d["source"]["domain"] == "BackupRoot");
  CHECK(d["source"]["path"] == "Info.plist");
  CHECK(d["source"]["table"].is_null());
  CHECK(d["source"]["rowid"] == "");
  CheckPlistProvenance(devices, true);
}

}  // namespace

TEST_CASE("device: generated backups give one record from Info.plist", "[parsers][device]") {
  for (auto [style, encrypt] : {std::pair{"ios17", false}, {"ios9", false}, {"ios17", true}}) {
    DYNAMIC_SECTION(style << (encrypt ? " encrypted" : " plain")) {
      const Generated& g = GetGenerated(style, encrypt);
      CheckDevice(g.backup.record, Records(g.parsed, "device_info"));
      CHECK(g.parsed.Run("device")->issues.empty());
    }
  }
}

TEST_CASE("device: the committed samples", "[parsers][device]") {
  for (const char* name : {"ios17-plain", "ios9-plain"}) {
    DYNAMIC_SECTION(name) {
      const GeneratedBackup s = LoadSample(name);
      auto r = ParseBackup(s.dir, s.password_file, {"device"});
      CheckDevice(s.record, Records(r, "device_info"));
    }
  }
}

TEST_CASE("device: Manifest.plist alone, and a damaged Info.plist", "[parsers][device]") {
  core::PlistDict lockdown;
  lockdown["DeviceName"] = std::string("Lockdown Name");
  lockdown["UniqueDeviceID"] = std::string("00008030-000239A23691802E");
  lockdown["ProductVersion"] = std::string("14.3");
  core::PlistDict manifest;
  manifest["Lockdown"] = core::PlistValue(lockdown);
  manifest["Date"] = core::PlistDate{700000000.0};  // 2023-03-08T20:26:40Z (python3 datetime)
  manifest["WasPasscodeSet"] = false;
  auto bytes = core::WritePlist(core::PlistValue(manifest), true);
  REQUIRE(bytes);
  core::MemoryEnv env;
  env.Add("BackupRoot/Manifest.plist", *bytes);
  SECTION("no Info.plist") {
    auto r = ParseEnv(env, {}, {"device"});
    const auto& d = Records(r, "device_info");
    REQUIRE(d.size() == 1);
    CHECK(d[0]["device_name"] == "Lockdown Name");
    CHECK(d[0]["udid"] == "00008030-000239A23691802E");
    CHECK(d[0]["ios_version"] == "14.3");
    CHECK(d[0]["passcode_set"] == false);
    CHECK(d[0]["time"] == "2023-03-08T20:26:40Z");
    CHECK(d[0]["source"]["path"] == "Manifest.plist");
    CHECK(r.Run("device")->issues.empty());
  }
  SECTION("a damaged Info.plist is reported; Lockdown still names the device") {
    env.Add("BackupRoot/Info.plist", Bytes{'<', '?', 'x', 'm', 'l', ' ', 0xFF});
    auto r = ParseEnv(env, {}, {"device"});
    const auto& d = Records(r, "device_info");
    REQUIRE(d.size() == 1);
    CHECK(d[0]["device_name"] == "Lockdown Name");
    const auto corrupt = Issues(r, "device", Kind::kCorruptRow);
    REQUIRE(corrupt.size() == 1);
    CHECK(corrupt[0]->input == "BackupRoot/Info.plist");
    CHECK(r.Run("device")->status == parsers::ParserRun::Status::kPartial);
  }
}
