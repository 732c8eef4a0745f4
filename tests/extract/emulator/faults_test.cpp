// Scripted faults, observed through the stock idevicebackup2 (whose 1.3.0 failure modes are
// documented in DEVICE.md §7). The emulator's record says what it did; the host side shows what
// a client made of it.
#include <catch2/catch.hpp>

#include "tests/extract/emulator/emulator_harness.h"

namespace mfx::extract::test {
namespace {

using nlohmann::json;

constexpr const char* kUdid = "00008030-001A35E02E38802E";

json FaultScenario(const json& faults) {
  return json{{"name", "faults"},
              {"content",
               {{"files", json::array({
                              {{"domain", "HomeDomain"},
                               {"relativePath", "Library/SMS/sms.db"},
                               {"size", 100000},
                               {"seed", 1}},
                              {{"domain", "CameraRollDomain"},
                               {"relativePath", "Media/DCIM/100APPLE/IMG_0001.JPG"},
                               {"size", 300000},
                               {"seed", 2}},
                              {{"domain", "HomeDomain"},
                               {"relativePath", "Library/Notes/notes.txt"},
                               {"text", "hello"}},
                          })}}},
              {"faults", faults}};
}

const json* FileWithStatus(const json& attempt, const std::string& status) {
  for (const json& file : attempt["files"]) {
    if (file["status"] == status) return &file;
  }
  return nullptr;
}

std::vector<json> Relays(const json& record, const std::string& name) {
  std::vector<json> out;
  for (const json& event : Events(record, "relay_notification")) {
    if (event["name"] == name) out.push_back(event);
  }
  return out;
}

TEST_CASE("cable pull mid-file: 1.3.0 aborts and keeps the truncated file it received",
          "[extract][emulator][faults]") {
  EmulatorProcess emulator(FaultScenario({{"drop_after_bytes", 150000}}));
  const std::filesystem::path dir = emulator.MakeDir("backup");
  const ToolResult backup =
      emulator.Run({MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", dir.string()});
  INFO(backup.Output() + emulator.TranscriptTail());
  CHECK(backup.exit_code != 0);
  CHECK(backup.Says("Backup Aborted."));
  const json record = emulator.StopAndReadRecord();
  CHECK(FaultCount(record, "drop_after_bytes") == 1);
  const json& attempt = LastBackup(record);
  CHECK(attempt["outcome"]["result"] == "aborted");
  const json* truncated = FileWithStatus(attempt, "truncated");
  REQUIRE(truncated != nullptr);
  CHECK((*truncated)["bytes_sent"] == 50000);
  // DEVICE.md §7: the host keeps the truncated file under its snapshot name. Over TLS 1.3.0 reads
  // whole blocks only (a short read returns nothing), so what it keeps is the prefix of blocks
  // that arrived whole: one 32 KiB block here, not the 50000 bytes sent.
  CHECK((*truncated)["whole_blocks_bytes"] == 32768);
  const std::filesystem::path host_file = dir / (*truncated)["destination"].get<std::string>();
  REQUIRE(std::filesystem::exists(host_file));
  CHECK(std::filesystem::file_size(host_file) == 32768);
  CHECK(Sha256OfFile(host_file) == (*truncated)["whole_blocks_sha256"].get<std::string>());
  // The backup never finished: Status.plist is still the one sent before the files.
  PlistHandle status = ReadPlistFile(dir / kUdid / "Status.plist");
  REQUIRE(status);
  CHECK(PlistString(static_cast<plist_t>(status.get()), "SnapshotState") == "uploading");
}

TEST_CASE("stall mid-file: 1.3.0 waits and never finishes", "[extract][emulator][faults]") {
  EmulatorProcess emulator(FaultScenario({{"stall_after_bytes", 150000}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()}, 4000);
  INFO(backup.Output());
  CHECK(backup.timed_out);
  const json record = emulator.StopAndReadRecord();
  CHECK(FaultCount(record, "stall_after_bytes") == 1);
  const json* truncated = FileWithStatus(LastBackup(record), "truncated");
  REQUIRE(truncated != nullptr);
  CHECK((*truncated)["bytes_sent"] == 50000);
}

TEST_CASE("detach: usbmuxd reports the device gone and every connection is cut",
          "[extract][emulator][faults]") {
  EmulatorProcess emulator(FaultScenario({{"detach_after_bytes", 120000}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.exit_code != 0);
  CHECK_FALSE(backup.Says("Backup Successful."));
  const ToolResult list = emulator.Run({MFX_IDEVICE_ID_TOOL, "-l"});
  CHECK(list.out.find(kUdid) == std::string::npos);
  const json record = emulator.StopAndReadRecord();
  CHECK(FaultCount(record, "detach_after_bytes") == 1);
  CHECK(Events(record, "detached").size() == 1);
}

TEST_CASE("ProcessMessage error codes at the end of a backup reach the host",
          "[extract][emulator][faults]") {
  const int code = GENERATE(104, 205, 208);
  EmulatorProcess emulator(FaultScenario({{"error_code", code}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.exit_code == (256 - code) % 256);
  CHECK(backup.Says("ErrorCode " + std::to_string(code) + ": "));
  CHECK(backup.Says("Backup Failed (Error Code " + std::to_string(code) + ")."));
  const json record = emulator.StopAndReadRecord();
  CHECK(LastBackup(record)["outcome"]["error_code"] == code);
}

TEST_CASE("0x0B right after data: 1.3.0 silently takes it as the end of the file",
          "[extract][emulator][faults]") {
  EmulatorProcess emulator(
      FaultScenario({{"end_marker_error", {{"file_index", 1}, {"after_bytes", 40000}}}}));
  const std::filesystem::path dir = emulator.MakeDir("backup");
  const ToolResult backup =
      emulator.Run({MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", dir.string()});
  INFO(backup.Output());
  CHECK(backup.Says("Backup Successful."));  // the last_code quirk: no error is reported
  const json record = emulator.StopAndReadRecord();
  const json* failed = FileWithStatus(LastBackup(record), "remote_error");
  REQUIRE(failed != nullptr);
  CHECK((*failed)["bytes_sent"] == 40000);
  CHECK((*failed)["size"] == 300000);
  const std::filesystem::path host_file = dir / (*failed)["final_path"].get<std::string>();
  CHECK(std::filesystem::file_size(host_file) == 40000);
  CHECK(Sha256OfFile(host_file) == (*failed)["sha256"].get<std::string>());
}

TEST_CASE("passcode prompt: presented then dismissed, the backup goes on",
          "[extract][emulator][faults]") {
  EmulatorProcess emulator(
      FaultScenario({{"passcode_prompt", {{"outcome", "dismissed"}, {"delay_ms", 300}}}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.Says("Backup Successful."));
  const json record = emulator.StopAndReadRecord();
  CHECK(FaultCount(record, "passcode_prompt") == 1);
  // 1.3.0 does not observe these names, so nobody receives them (DEVICE.md §2.4).
  REQUIRE(Relays(record, "com.apple.LocalAuthentication.ui.presented").size() == 1);
  REQUIRE(Relays(record, "com.apple.LocalAuthentication.ui.dismissed").size() == 1);
  CHECK(Relays(record, "com.apple.LocalAuthentication.ui.presented")[0]["observers"] == 0);
}

TEST_CASE("passcode prompt not answered: ErrorCode 208 Device locked",
          "[extract][emulator][faults]") {
  EmulatorProcess emulator(
      FaultScenario({{"passcode_prompt", {{"outcome", "timeout"}, {"delay_ms", 300}}}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.Says("ErrorCode 208: Device locked"));
  CHECK(backup.Says("Received 0 files from device."));
  const json record = emulator.StopAndReadRecord();
  CHECK(LastBackup(record)["outcome"]["error_code"] == 208);
}

TEST_CASE("malicious destination: 1.3.0 writes outside the backup folder",
          "[extract][emulator][faults]") {
  // Stays inside this test's temp folder: backup/<udid>/../../ is the temp folder itself.
  const std::string destination = std::string(kUdid) + "/../../escaped.txt";
  EmulatorProcess emulator(
      FaultScenario({{"malicious_paths", {{{"destination", destination}, {"text", "evil"}}}}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.Says("Backup Successful."));
  CHECK(ReadFile(emulator.dir() / "escaped.txt") == "evil");
  const json record = emulator.StopAndReadRecord();
  CHECK(FaultCount(record, "malicious_paths") == 1);
  bool recorded = false;
  for (const json& file : LastBackup(record)["files"]) {
    recorded |= file["kind"] == "malicious" && file["destination"] == destination;
  }
  CHECK(recorded);
}

TEST_CASE("PurgeDiskSpace: 1.3.0 never answers and the backup hangs",
          "[extract][emulator][faults]") {
  EmulatorProcess emulator(FaultScenario({{"purge_disk_space", {{"bytes", 1000000}}}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()}, 4000);
  CHECK(backup.timed_out);
  const json record = emulator.StopAndReadRecord();
  CHECK(FaultCount(record, "purge_disk_space") == 1);
  CHECK(Events(record, "purge_disk_space_answered").empty());
}

TEST_CASE("PurgeDiskSpace with a device that gives up waiting: the backup completes",
          "[extract][emulator][faults]") {
  EmulatorProcess emulator(
      FaultScenario({{"purge_disk_space", {{"bytes", 1000000}, {"wait_ms", 300}}}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.Says("Backup Successful."));
  const json record = emulator.StopAndReadRecord();
  CHECK(Events(record, "purge_disk_space_unanswered").size() == 1);
}

TEST_CASE("sync cancelled on the phone: the host is told and the backup ends",
          "[extract][emulator][faults]") {
  EmulatorProcess emulator(FaultScenario({{"sync_cancel_after_bytes", 150000}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.exit_code != 0);
  CHECK(backup.Says("Backup Aborted."));
  const json record = emulator.StopAndReadRecord();
  CHECK(FaultCount(record, "sync_cancel_after_bytes") == 1);
  const std::vector<json> relays = Relays(record, "com.apple.itunes-client.syncCancelRequest");
  REQUIRE(relays.size() == 1);
  CHECK(relays[0]["observers"] == 1);  // idevicebackup2 observes it
}

TEST_CASE("sync lock busy: the host retries AFC_LOCK_EX and then backs up",
          "[extract][emulator][faults]") {
  EmulatorProcess emulator(FaultScenario({{"afc_lock_busy_polls", 3}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.Says("Backup Successful."));
  const json record = emulator.StopAndReadRecord();
  std::vector<uint64_t> exclusive;
  for (const json& event : Events(record, "afc_lock")) {
    if (event["op"] == 6) exclusive.push_back(event["status"]);
  }
  CHECK(exclusive == std::vector<uint64_t>{19, 19, 19, 0});  // AFC_E_OP_WOULD_BLOCK x3, then OK
}

TEST_CASE("a fault fires once: the retry after a cable pull succeeds",
          "[extract][emulator][faults]") {
  EmulatorProcess emulator(FaultScenario({{"drop_after_bytes", 10}}));
  const ToolResult first = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("first").string()});
  CHECK(first.exit_code != 0);
  const ToolResult second = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("second").string()});
  INFO(second.Output());
  CHECK(second.Says("Backup Successful."));
  const json record = emulator.StopAndReadRecord();
  REQUIRE(record["backups"].size() == 2);
  CHECK(record["backups"][0]["outcome"]["result"] == "aborted");
  CHECK(record["backups"][1]["outcome"]["result"] == "success");
}

TEST_CASE("slow start beyond the 30 s receive timeout: 1.3.0 keeps waiting and succeeds",
          "[extract][emulator][faults][slow]") {
  EmulatorProcess emulator(FaultScenario({{"start_delay_ms", 31000}}));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()}, 90000);
  INFO(backup.Output());
  CHECK(backup.Says("Backup Successful."));
  const json record = emulator.StopAndReadRecord();
  CHECK(FaultCount(record, "start_delay_ms") == 1);
}

}  // namespace
}  // namespace mfx::extract::test
