// Conformance: the stock ideviceinfo / idevice_id against the emulator (identity over TLS).
#include <catch2/catch.hpp>

#include "tests/extract/emulator/emulator_harness.h"

namespace mfx::extract::test {
namespace {

using nlohmann::json;

json IdentityScenario() {
  return json{{"name", "identity"},
              {"identity",
               {{"UniqueDeviceID", "00008101-000A1B2C3D4E5F60"},
                {"ProductType", "iPhone13,2"},
                {"ProductVersion", "17.5.1"},
                {"BuildVersion", "21F90"},
                {"SerialNumber", "G6TZX1ABCD12"},
                {"InternationalMobileEquipmentIdentity", "353912110123456"},
                {"PhoneNumber", "+49 151 23456789"},
                {"DeviceName", "Jane's iPhone \xc3\xa9"},
                {"TimeZone", "America/New_York"},
                {"TimeZoneOffsetFromUTC", -14400.0}}},
              {"clock_offset_seconds", -3600.5},
              {"consent", {{"state", "paired"}}}};
}

TEST_CASE("ideviceinfo reads the full identity over TLS from a pre-paired device",
          "[extract][emulator][conformance]") {
  EmulatorProcess emulator(IdentityScenario());

  const ToolResult ids = emulator.Run({MFX_IDEVICE_ID_TOOL, "-l"});
  INFO(ids.Output());
  REQUIRE(ids.exit_code == 0);
  CHECK(ids.out == "00008101-000A1B2C3D4E5F60\n");

  const ToolResult info = emulator.Run({MFX_IDEVICEINFO_TOOL});
  INFO(info.Output() + emulator.TranscriptTail());
  REQUIRE(info.exit_code == 0);
  for (const char* line :
       {"UniqueDeviceID: 00008101-000A1B2C3D4E5F60\n", "ProductType: iPhone13,2\n",
        "ProductVersion: 17.5.1\n", "BuildVersion: 21F90\n", "SerialNumber: G6TZX1ABCD12\n",
        "InternationalMobileEquipmentIdentity: 353912110123456\n",
        "PhoneNumber: +49 151 23456789\n", "DeviceName: Jane's iPhone \xc3\xa9\n",
        "TimeZone: America/New_York\n", "TimeZoneOffsetFromUTC: -14400.000000\n"}) {
    CHECK(info.out.find(line) != std::string::npos);
  }
  // The device clock runs an hour behind the host's.
  const size_t at = info.out.find("TimeIntervalSince1970: ");
  REQUIRE(at != std::string::npos);
  const double device_clock = std::stod(info.out.substr(at + 23));
  const double host_clock =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(device_clock - host_clock == Approx(-3600.5).margin(30));

  const ToolResult encrypt =
      emulator.Run({MFX_IDEVICEINFO_TOOL, "-q", "com.apple.mobile.backup", "-k", "WillEncrypt"});
  CHECK(encrypt.exit_code == 0);
  CHECK(encrypt.out == "false\n");

  const json record = emulator.StopAndReadRecord();
  REQUIRE(emulator.Stop() == 0);
  const std::vector<json> sessions = Events(record, "start_session");
  REQUIRE(sessions.size() >= 2);
  for (const json& session : sessions) CHECK(session["trusted"] == true);
  const std::vector<json> tls = Events(record, "tls");
  REQUIRE(!tls.empty());
  for (const json& handshake : tls) {
    CHECK(handshake["client_certificate_ok"] == true);
    CHECK(handshake["protocol"] == "TLSv1.3");
  }
  // Paired scenarios never ask the device to pair again.
  CHECK(Events(record, "pair").empty());
}

TEST_CASE("a 40-digit UDID on an iOS 9 device: TLS is capped at 1.0 by the client and still works",
          "[extract][emulator][conformance]") {
  json scenario = IdentityScenario();
  scenario["identity"]["UniqueDeviceID"] = "5e8dfbc7a1b2c3d4e5f60718293a4b5c6d7e8f90";
  scenario["identity"]["ProductVersion"] = "9.3.6";
  EmulatorProcess emulator(scenario);
  const ToolResult info = emulator.Run({MFX_IDEVICEINFO_TOOL, "-k", "UniqueDeviceID"});
  INFO(info.Output() + emulator.TranscriptTail());
  REQUIRE(info.exit_code == 0);
  CHECK(info.out == "5e8dfbc7a1b2c3d4e5f60718293a4b5c6d7e8f90\n");
  const json record = emulator.StopAndReadRecord();
  const std::vector<json> tls = Events(record, "tls");
  REQUIRE(!tls.empty());
  CHECK(tls.front()["protocol"] == "TLSv1");
}

TEST_CASE("the device's TLS cap is honoured (scenario tls_max_version 1.2)",
          "[extract][emulator][conformance]") {
  json scenario = IdentityScenario();
  scenario["protocol"] = {{"tls_max_version", "1.2"}};
  EmulatorProcess emulator(scenario);
  const ToolResult info = emulator.Run({MFX_IDEVICEINFO_TOOL, "-k", "DeviceName"});
  INFO(info.Output() + emulator.TranscriptTail());
  REQUIRE(info.exit_code == 0);
  const json record = emulator.StopAndReadRecord();
  const std::vector<json> tls = Events(record, "tls");
  REQUIRE(!tls.empty());
  CHECK(tls.front()["protocol"] == "TLSv1.2");
}

TEST_CASE("the emulator stops cleanly on SIGTERM and leaves only its own folder",
          "[extract][emulator]") {
  EmulatorProcess emulator(json{{"name", "stop"}});
  const std::filesystem::path socket = emulator.dir() / "state" / "mux.sock";
  CHECK(emulator.address() == "UNIX:" + socket.string());
  CHECK(std::filesystem::exists(socket));
  CHECK(emulator.Stop() == 0);
  CHECK_FALSE(std::filesystem::exists(socket));
  CHECK(std::filesystem::exists(emulator.dir() / "state" / "record.json"));
  const ToolResult list = emulator.Run({MFX_IDEVICE_ID_TOOL, "-l"});
  CHECK(list.exit_code != 0);
}

}  // namespace
}  // namespace mfx::extract::test
