// Conformance: the consent states as the stock idevicepair / ideviceinfo / idevicebackup2 see them.
#include <catch2/catch.hpp>

#include "tests/extract/emulator/emulator_harness.h"

namespace mfx::extract::test {
namespace {

using nlohmann::json;

json ConsentScenario(const json& consent) {
  return json{
      {"name", "consent"},
      {"consent", consent},
      {"content",
       {{"files",
         json::array(
             {{{"domain", "HomeDomain"}, {"relativePath", "c.txt"}, {"text", "consent"}}})}}}};
}

std::vector<std::string> PairResults(const json& record) {
  std::vector<std::string> results;
  for (const json& event : Events(record, "pair")) results.push_back(event["result"]);
  return results;
}

TEST_CASE("trust pending for two polls, then accepted: idevicepair pairs and the record works",
          "[extract][emulator][conformance][consent]") {
  EmulatorProcess emulator(ConsentScenario({{"state", "trust_pending"}, {"pending_polls", 2}}));
  for (int poll = 0; poll < 2; ++poll) {
    const ToolResult pending = emulator.Run({MFX_IDEVICEPAIR_TOOL, "pair"});
    INFO(pending.Output());
    CHECK(pending.exit_code != 0);
    CHECK(pending.Says("Please accept the trust dialog"));
  }
  const ToolResult paired = emulator.Run({MFX_IDEVICEPAIR_TOOL, "pair"});
  INFO(paired.Output() + emulator.TranscriptTail());
  REQUIRE(paired.exit_code == 0);
  CHECK(paired.Says("SUCCESS: Paired with device"));

  // The host-made record (its certificates, its HostID) now carries TLS and the backup.
  const ToolResult validate = emulator.Run({MFX_IDEVICEPAIR_TOOL, "validate"});
  INFO(validate.Output());
  CHECK(validate.exit_code == 0);
  CHECK(validate.Says("SUCCESS: Validated pairing"));
  const ToolResult info = emulator.Run({MFX_IDEVICEINFO_TOOL, "-k", "SerialNumber"});
  CHECK(info.exit_code == 0);
  CHECK(info.out == "F17ZK0AAN72J\n");
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.Says("Backup Successful."));

  const json record = emulator.StopAndReadRecord();
  CHECK(PairResults(record) == std::vector<std::string>{"PairingDialogResponsePending",
                                                        "PairingDialogResponsePending",
                                                        "accepted"});
  CHECK(Events(record, "usbmuxd_save_pair_record").size() == 1);
  for (const json& tls : Events(record, "tls")) CHECK(tls["client_certificate_ok"] == true);
}

TEST_CASE("an unpaired device pairs implicitly when a handshake tool runs (the consent trap)",
          "[extract][emulator][conformance][consent]") {
  // lockdownd_client_new_with_handshake pairs when no record exists (DEVICE.md §2.2).
  EmulatorProcess emulator(ConsentScenario({{"state", "unpaired"}}));
  const ToolResult info = emulator.Run({MFX_IDEVICEINFO_TOOL, "-k", "DeviceName"});
  CHECK(info.exit_code == 0);
  const json record = emulator.StopAndReadRecord();
  CHECK(PairResults(record) == std::vector<std::string>{"accepted"});
}

TEST_CASE("denied: the user tapped Don't Trust", "[extract][emulator][conformance][consent]") {
  EmulatorProcess emulator(ConsentScenario({{"state", "denied"}}));
  const ToolResult pair = emulator.Run({MFX_IDEVICEPAIR_TOOL, "pair"});
  INFO(pair.Output());
  CHECK(pair.exit_code != 0);
  CHECK(pair.Says("said that the user denied the trust dialog"));
  const ToolResult info = emulator.Run({MFX_IDEVICEINFO_TOOL});
  CHECK(info.exit_code != 0);
  CHECK(info.Says("User denied pairing (-18)"));
  const json record = emulator.StopAndReadRecord();
  CHECK(PairResults(record) == std::vector<std::string>{"UserDeniedPairing", "UserDeniedPairing"});
  CHECK(Events(record, "usbmuxd_save_pair_record").empty());
}

TEST_CASE("locked: PasswordProtected until unlocked", "[extract][emulator][conformance][consent]") {
  EmulatorProcess emulator(ConsentScenario({{"state", "locked"}, {"locked_polls", 1}}));
  const ToolResult locked = emulator.Run({MFX_IDEVICEPAIR_TOOL, "pair"});
  INFO(locked.Output());
  CHECK(locked.exit_code != 0);
  CHECK(locked.Says("because a passcode is set"));
  const ToolResult paired = emulator.Run({MFX_IDEVICEPAIR_TOOL, "pair"});
  INFO(paired.Output());
  CHECK(paired.exit_code == 0);
  const json record = emulator.StopAndReadRecord();
  CHECK(PairResults(record) == std::vector<std::string>{"PasswordProtected", "accepted"});
}

TEST_CASE("prohibited: pairing is blocked on this connection",
          "[extract][emulator][conformance][consent]") {
  EmulatorProcess emulator(ConsentScenario({{"state", "prohibited"}}));
  const ToolResult pair = emulator.Run({MFX_IDEVICEPAIR_TOOL, "pair"});
  INFO(pair.Output());
  CHECK(pair.exit_code != 0);
  CHECK(pair.Says("-36"));
  const ToolResult info = emulator.Run({MFX_IDEVICEINFO_TOOL});
  CHECK(info.Says("Pairing prohibited over this connection (-36)"));
}

TEST_CASE("stale record: the device does not know the host's HostID",
          "[extract][emulator][conformance][consent]") {
  EmulatorProcess emulator(ConsentScenario({{"state", "stale_record"}}));
  const ToolResult validate = emulator.Run({MFX_IDEVICEPAIR_TOOL, "validate"});
  INFO(validate.Output());
  CHECK(validate.exit_code != 0);
  CHECK(validate.Says("is not paired with this host"));
  const ToolResult info = emulator.Run({MFX_IDEVICEINFO_TOOL});
  CHECK(info.Says("Invalid HostID (-21)"));
  // Re-pairing is a new consent step; afterwards the new record works.
  const ToolResult pair = emulator.Run({MFX_IDEVICEPAIR_TOOL, "pair"});
  CHECK(pair.exit_code == 0);
  CHECK(emulator.Run({MFX_IDEVICEINFO_TOOL, "-k", "DeviceName"}).exit_code == 0);
  const json record = emulator.StopAndReadRecord();
  const std::vector<json> sessions = Events(record, "start_session");
  REQUIRE(sessions.size() >= 3);
  CHECK(sessions[0]["trusted"] == false);
  CHECK(sessions.back()["trusted"] == true);
}

TEST_CASE("escrow locked: lockdown works, mobilebackup2 does not start",
          "[extract][emulator][conformance][consent]") {
  EmulatorProcess emulator(ConsentScenario({{"state", "escrow_locked"}}));
  CHECK(emulator.Run({MFX_IDEVICEINFO_TOOL, "-k", "DeviceName"}).exit_code == 0);
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.exit_code != 0);
  CHECK(backup.Says("Could not start service com.apple.mobilebackup2"));
  const json record = emulator.StopAndReadRecord();
  bool refused = false;
  for (const json& event : Events(record, "start_service")) {
    if (event["service"] == "com.apple.mobilebackup2") refused = event["result"] == "EscrowLocked";
  }
  CHECK(refused);
  CHECK(record["backups"].empty());
}

TEST_CASE("a pair record without EscrowBag: the client cannot even ask for mobilebackup2",
          "[extract][emulator][conformance][consent]") {
  EmulatorProcess emulator(
      ConsentScenario({{"state", "paired"}, {"record_without_escrow_bag", true}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.exit_code != 0);
  CHECK(backup.Says("Could not start service com.apple.mobilebackup2"));
  const json record = emulator.StopAndReadRecord();
  for (const json& event : Events(record, "start_service"))
    CHECK(event["service"] != "com.apple.mobilebackup2");
}

}  // namespace
}  // namespace mfx::extract::test
