// mfx devices and mfx device-info: usbmuxd (the emulator) and passive libusb enumeration (a
// hand-written umockdev description of an iPhone, a Samsung with ADB, an iPhone in recovery mode
// and a keyboard). Neither command may pair with or change a phone.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/extract/acquire_harness.h"

namespace mfx::extract::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Umockdev() {
  const std::string tool = MFX_UMOCKDEV_RUN;
  if (tool.empty()) throw std::runtime_error("umockdev-run not found at build time (scripts/setup)");
  return tool;
}

const std::string kPhones = std::string(MFX_EXTRACT_TEST_DATA) + "/phones.umockdev";

// umockdev preloads its library: an ASan build must not insist on coming first.
std::vector<std::string> UnderUmockdev(const std::vector<std::string>& argv,
                                       const std::string& mux = "") {
  std::vector<std::string> out = {"/usr/bin/env", "ASAN_OPTIONS=verify_asan_link_order=0"};
  if (!mux.empty()) out.push_back("USBMUXD_SOCKET_ADDRESS=" + mux);
  out.insert(out.end(), {Umockdev(), "--device", kPhones, "--"});
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

json Find(const json& list, const std::string& key, const std::string& value) {
  for (const json& item : list) {
    if (item.value(key, "") == value) return item;
  }
  return json();
}

TEST_CASE("devices: usbmuxd and libusb side by side; the iPhone is recognised on both",
          "[extract][devices]") {
  EmulatorProcess emulator(json{{"name", "devices"}});
  const ToolResult r = emulator.Run(UnderUmockdev({MfxBinary(), "devices", "--json"}));
  INFO(r.Output());
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.out);
  CHECK(out["usbmuxd"]["reachable"] == true);
  REQUIRE(out["ios_devices"].size() == 1);
  const json& ios = out["ios_devices"][0];
  CHECK(ios["udid"] == kEmulatorUdid);
  CHECK(ios["device_name"] == "Emulated iPhone");
  CHECK(ios["product_type"] == "iPhone12,1");
  CHECK(ios["ios_version"] == "16.7.8");
  CHECK(ios["paired"] == true);
  CHECK(out["usb"]["available"] == true);
  const json& usb = out["usb_devices"];
  CHECK(usb.size() == 3);  // the keyboard and the hub are not phones
  const json iphone = Find(usb, "usb_id", "05ac:12a8");
  CHECK(iphone["kind"] == "apple_usbmux");
  CHECK(iphone["vendor"] == "Apple");
  CHECK(iphone["serial"] == "00008030001A35E02E38802E");
  CHECK(iphone["usbmuxd_udid"] == kEmulatorUdid);
  const json samsung = Find(usb, "usb_id", "04e8:6860");
  CHECK(samsung["kind"] == "android_adb");
  CHECK(samsung["vendor"] == "Samsung");
  CHECK(samsung["usbmuxd_udid"].is_null());
  CHECK(Find(usb, "usb_id", "05ac:1281")["kind"] == "apple_recovery");
  const json record = emulator.StopAndReadRecord();
  CHECK(Events(record, "pair").empty());
  CHECK(Events(record, "start_session").empty());
}

TEST_CASE("devices: without usbmuxd the phones are still listed from the USB bus",
          "[extract][devices]") {
  EmulatorProcess emulator(json{{"name", "devices"}});
  const std::string absent = "UNIX:" + (emulator.dir() / "no-such-usbmuxd.sock").string();
  SECTION("json") {
    const ToolResult r = emulator.Run(UnderUmockdev({MfxBinary(), "devices", "--json"}, absent));
    INFO(r.Output());
    REQUIRE(r.exit_code == 0);
    const json out = json::parse(r.out);
    CHECK(out["usbmuxd"]["reachable"] == false);
    CHECK(out["usbmuxd"]["error"].get<std::string>().find("usbmuxd") != std::string::npos);
    CHECK(out["ios_devices"].empty());
    CHECK(Find(out["usb_devices"], "usb_id", "05ac:12a8")["kind"] == "apple_usbmux");
  }
  SECTION("text") {
    const ToolResult r = emulator.Run(UnderUmockdev({MfxBinary(), "devices"}, absent));
    INFO(r.Output());
    CHECK(r.Says("usbmuxd not reachable"));
    CHECK(r.Says("05ac:12a8  Apple  apple_usbmux"));
    CHECK(r.Says("04e8:6860  Samsung  android_adb"));
    CHECK(r.Says("(no lockdown in this mode)"));
  }
}

TEST_CASE("device-info: identity and clock of a paired phone", "[extract][devices]") {
  EmulatorProcess emulator(json{{"name", "info"}, {"clock_offset_seconds", 7.25}});
  const ToolResult r = emulator.Run({MfxBinary(), "device-info", "--json"});
  INFO(r.Output());
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.out);
  CHECK(out["session"] == true);
  const json& id = out["identity"];
  CHECK(id["udid"] == kEmulatorUdid);
  CHECK(id["serial_number"] == "F17ZK0AAN72J");
  CHECK(id["imei"] == "356789105123456");
  CHECK(id["meid"] == "35678910512345");
  CHECK(id["phone_number"] == "+1 (555) 010-0199");
  CHECK(id["product_type"] == "iPhone12,1");
  CHECK(id["ios_version"] == "16.7.8");
  CHECK(id["build_version"] == "20H343");
  CHECK(id["device_name"] == "Emulated iPhone");
  CHECK(id["clock"]["time_zone"] == "Europe/Berlin");
  CHECK(id["clock"]["time_zone_offset"]["seconds"] == 3600);
  const int64_t skew = id["clock"]["skew_ms"];
  CHECK(skew > 6000);
  CHECK(skew < 8500);
  CHECK(id["clock"]["device"]["type"] == "real");
  CHECK(id["clock"]["host_before"].get<std::string>() <= id["clock"]["host_after"].get<std::string>());

  const ToolResult text = emulator.Run({MfxBinary(), "device-info"});
  CHECK(text.Says("Clock skew:"));
  CHECK(text.Says("IMEI:             356789105123456"));
}

TEST_CASE("device-info: an odd phone number type and a second IMEI", "[extract][devices]") {
  EmulatorProcess emulator(json{{"name", "info"},
                                {"identity",
                                 {{"PhoneNumber", 15550100199},
                                  {"InternationalMobileEquipmentIdentity2", "359999999999999"}}}});
  const ToolResult r = emulator.Run({MfxBinary(), "device-info", "--json"});
  INFO(r.Output());
  REQUIRE(r.exit_code == 0);
  const json id = json::parse(r.out)["identity"];
  CHECK(id["phone_number"] == "15550100199");
  CHECK(id["imei2"] == "359999999999999");
  CHECK(id["notes"].dump().find("PhoneNumber is an integer") != std::string::npos);
}

TEST_CASE("device-info: an unpaired phone shows its public identity and is not paired",
          "[extract][devices]") {
  EmulatorProcess emulator(json{{"name", "info"}, {"consent", {{"state", "unpaired"}}}});
  const ToolResult r = emulator.Run({MfxBinary(), "device-info", "--json"});
  INFO(r.Output());
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.out);
  CHECK(out["paired"] == false);
  CHECK(out["session"] == false);
  CHECK(out["public_identity"]["product_type"] == "iPhone12,1");
  CHECK(out["limited"].get<std::string>().find("not paired") != std::string::npos);
  const json record = emulator.StopAndReadRecord();
  CHECK(Events(record, "pair").empty());
  CHECK(Events(record, "usbmuxd_save_pair_record").empty());
}

}  // namespace
}  // namespace mfx::extract::test
