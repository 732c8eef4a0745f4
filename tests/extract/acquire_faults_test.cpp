// Every scripted fault, through mfx acquire: the custody log and the attempt folder must tell
// the truth — complete files hashed as the emulator recorded them, the cut file listed as
// incomplete with exactly the bytes received (a prefix of what was sent), never as received.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "tests/extract/acquire_harness.h"
#include "tests/extract/stream_fixtures.h"

namespace mfx::extract::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Known bytes for every file, so a cut file can be checked against the exact prefix sent.
const std::string kSms = Pattern(100000, 11);
const std::string kPhoto = Pattern(300000, 12);
const std::string kNote = "hello";

json FaultScenario(const json& faults) {
  return json{{"name", "faults"},
              {"content",
               {{"files", json::array({LiteralFile("HomeDomain", "Library/SMS/sms.db", kSms),
                                       LiteralFile("CameraRollDomain",
                                                   "Media/DCIM/100APPLE/IMG_0001.JPG", kPhoto),
                                       LiteralFile("HomeDomain", "Library/Notes/notes.txt", kNote)})}}},
              {"faults", faults}};
}

const std::string& ContentOf(const json& sent_file) {
  const std::string path = sent_file["relativePath"];
  if (path == "Library/SMS/sms.db") return kSms;
  if (path == "Library/Notes/notes.txt") return kNote;
  return kPhoto;
}

// The checks every interrupted attempt must pass.
void CheckInterruptedAttempt(const AcquireRun& run, const json& record, const std::string& cause) {
  const json ledger = run.Ledger();
  REQUIRE(ledger.is_object());
  CHECK(ledger["status"] == "interrupted");
  CHECK(ledger["cause"]["kind"] == cause);
  const json interrupted = run.Events("acquisition_interrupted").at(0);
  CHECK(interrupted["detail"]["cause"]["kind"] == cause);
  CHECK(interrupted["evidence_id"] == "E-01");
  CHECK(interrupted["hashes"][0]["value"] == Sha256OfFile(run.AttemptDir() / "attempt.json"));
  CHECK(run.Events("acquisition_completed").empty());
  CHECK(run.Events("evidence_registered").empty());  // not an exhibit yet: a retry continues it
  CHECK(fs::exists(run.case_dir / "manifest.sha256"));  // but sealed as it is

  // Complete files: exactly those the emulator finished, with its hashes.
  std::map<std::string, std::string> sent_complete;
  for (const json& f : LastBackup(record)["files"]) {
    if (f["status"] == "complete") sent_complete[f["destination"]] = f["sha256"];
  }
  for (const json& f : ledger["files"]) {
    if (f["origin"] == "host") continue;
    const std::string as = f["received_as"];
    INFO(as);
    REQUIRE(sent_complete.count(as) == 1);
    CHECK(sent_complete[as] == f["sha256"]);
    CHECK(Sha256OfFile(run.AttemptDir() / f["path"].get<std::string>()) == f["sha256"].get<std::string>());
  }
  CHECK(interrupted["detail"]["files"] == ledger["totals"]["complete_files"]);
}

// The cut file: incomplete, its bytes a prefix of what was sent, no fewer than 1.3.0 keeps.
void CheckCutFile(const AcquireRun& run, const json& record) {
  const json* truncated = SentFile(LastBackup(record), "truncated");
  REQUIRE(truncated != nullptr);
  const json ledger = run.Ledger();
  REQUIRE(ledger["incomplete"].size() == 1);
  const json& cut = ledger["incomplete"][0];
  CHECK(cut["destination"] == (*truncated)["destination"]);
  const uint64_t received = cut["bytes_received"];
  CHECK(received <= (*truncated)["bytes_sent"].get<uint64_t>());
  CHECK(received >= (*truncated)["whole_blocks_bytes"].get<uint64_t>());
  const std::string& content = ContentOf(*truncated);
  CHECK(cut["sha256_of_received"] == Sha256(content.substr(0, received)));
  const fs::path part = run.AttemptDir() / cut["part_path"].get<std::string>();
  REQUIRE(fs::exists(part));
  CHECK(fs::file_size(part) == received);
  CHECK_FALSE(fs::exists(run.AttemptDir() / (*truncated)["destination"].get<std::string>()));
  // Never in the ledger's complete files, and the custody event lists it with its bytes.
  for (const json& f : ledger["files"]) CHECK(f["received_as"] != (*truncated)["destination"]);
  const json listed = run.Events("acquisition_interrupted").at(0)["detail"]["incomplete"].at(0);
  CHECK(listed["bytes_received"] == received);
}

TEST_CASE("fault: cable pulled mid-file", "[extract][acquire][faults]") {
  EmulatorProcess emulator(FaultScenario({{"drop_after_bytes", 150000}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("interrupted"));
  const json record = emulator.StopAndReadRecord();
  CheckInterruptedAttempt(run, record, "connection_lost");
  CheckCutFile(run, record);
  // Over TLS 1.3.0 keeps only whole blocks (32768 of 50000); mfx reads 16 KiB pieces and keeps
  // every complete piece: more of the evidence, still exactly what arrived.
  CHECK(run.Ledger()["incomplete"][0]["bytes_received"].get<uint64_t>() > 32768);
  CHECK(run.Events("acquisition_interrupted").at(0)["detail"]["device_state"]["sync_lock"] ==
        "released");
}

TEST_CASE("fault: the phone stalls mid-file; the watchdog ends the wait",
          "[extract][acquire][faults]") {
  EmulatorProcess emulator(FaultScenario({{"stall_after_bytes", 150000}}));
  const AcquireRun run = RunAcquire(emulator, {"--stall-timeout", "2"});
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  const json record = emulator.StopAndReadRecord();
  CheckInterruptedAttempt(run, record, "stall");
  CheckCutFile(run, record);
  CHECK(run.Ledger()["cause"]["message"].get<std::string>().find("no data from the phone for 2 s") !=
        std::string::npos);
}

TEST_CASE("fault: usbmuxd reports the phone detached", "[extract][acquire][faults]") {
  EmulatorProcess emulator(FaultScenario({{"detach_after_bytes", 120000}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  const json record = emulator.StopAndReadRecord();
  CheckInterruptedAttempt(run, record, "detached");
  CheckCutFile(run, record);
}

TEST_CASE("fault: the phone cancels the sync", "[extract][acquire][faults]") {
  EmulatorProcess emulator(FaultScenario({{"sync_cancel_after_bytes", 150000}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("The phone cancelled the backup"));
  const json record = emulator.StopAndReadRecord();
  CheckInterruptedAttempt(run, record, "cancelled_on_device");
  const json relays = Events(record, "relay_notification");
  bool observed = false;
  for (const json& r : relays) {
    observed |= r["name"] == "com.apple.itunes-client.syncCancelRequest" && r["observers"] == 1;
  }
  CHECK(observed);
}

TEST_CASE("fault: ErrorCode 104 / 205 / 208 at the end of the backup", "[extract][acquire][faults]") {
  const int code = GENERATE(104, 205, 208);
  EmulatorProcess emulator(FaultScenario({{"error_code", code}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  const json record = emulator.StopAndReadRecord();
  CheckInterruptedAttempt(run, record, "device_error");
  const json cause = run.Ledger()["cause"];
  CHECK(cause["error_code"] == code);
  CHECK(cause["message"].get<std::string>().find("ErrorCode " + std::to_string(code)) != std::string::npos);
  if (code == 208) CHECK(cause["message"].get<std::string>().find("passcode") != std::string::npos);
  CHECK(run.Ledger()["incomplete"].empty());
}

TEST_CASE("fault: 0x0B mid-file is a failed file, and the backup is incomplete",
          "[extract][acquire][faults]") {
  EmulatorProcess emulator(
      FaultScenario({{"end_marker_error", {{"file_index", 1}, {"after_bytes", 40000}}}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("INCOMPLETE"));
  const json record = emulator.StopAndReadRecord();
  const json* failed = SentFile(LastBackup(record), "remote_error");
  REQUIRE(failed != nullptr);
  const json ledger = run.Ledger();
  CHECK(ledger["status"] == "incomplete");
  REQUIRE(ledger["incomplete"].size() == 1);
  const json& f = ledger["incomplete"][0];
  CHECK(f["end"] == "remote_error");
  CHECK(f["reason"] == "Input/output error");
  CHECK(f["bytes_received"] == 40000);
  CHECK(f["sha256_of_received"] == (*failed)["sha256"]);
  CHECK(ledger["verification"]["ok"] == false);
  CHECK(ledger["verification"]["missing_count"] == 1);
  // The device's MoveItems of that file found nothing to move; its .part stays (evidence).
  CHECK(fs::exists(run.AttemptDir() / f["part_path"].get<std::string>()));
  const json completed = run.Events("acquisition_completed").at(0);
  CHECK(completed["detail"]["result"] == "incomplete");
  CHECK(completed["detail"]["incomplete"].size() == 1);
  // Registered (the phone finished). The hash list holds every file of the exhibit folder — the
  // failed file only as its .part, with the hash of the bytes received; the registration says so.
  const std::string list = ReadFile(run.case_dir / "evidence" / "E-01.sha256");
  const std::string id = (*failed)["file_id"];
  CHECK(list.find(Sha256(kPhoto.substr(0, 40000)) + "  attempt-1/" + f["part_path"].get<std::string>() + "\n") !=
        std::string::npos);
  CHECK(list.find("/" + id + "\n") == std::string::npos);
  CHECK(run.Events("evidence_registered").at(0)["detail"]["files_by_kind"]["partial"] == 1);
}

TEST_CASE("fault: the phone asks for its passcode; the examiner is told, the backup goes on",
          "[extract][acquire][faults]") {
  EmulatorProcess emulator(
      FaultScenario({{"passcode_prompt", {{"outcome", "dismissed"}, {"delay_ms", 2500}}}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 0);
  CHECK(run.tool.Says("THE PHONE ASKS FOR ITS PASSCODE"));
  CHECK(run.tool.Says("passcode prompt on the phone was dismissed"));
  const json prompts = run.Ledger()["passcode_prompts"];
  REQUIRE(prompts.size() == 1);
  CHECK(prompts[0]["presented"].is_string());
  CHECK(prompts[0]["dismissed"].is_string());
  CHECK(run.Events("acquisition_completed").at(0)["detail"]["passcode_prompts"] == prompts);
  const json record = emulator.StopAndReadRecord();
  for (const json& r : Events(record, "relay_notification")) {
    if (r["name"] == "com.apple.LocalAuthentication.ui.presented") CHECK(r["observers"] == 1);
  }
}

TEST_CASE("fault: the passcode is never entered: ErrorCode 208", "[extract][acquire][faults]") {
  EmulatorProcess emulator(
      FaultScenario({{"passcode_prompt", {{"outcome", "timeout"}, {"delay_ms", 1500}}}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("THE PHONE ASKS FOR ITS PASSCODE"));
  const json record = emulator.StopAndReadRecord();
  CheckInterruptedAttempt(run, record, "device_error");
  CHECK(run.Ledger()["cause"]["error_code"] == 208);
}

TEST_CASE("fault: PurgeDiskSpace is answered \"not supported\" and the backup completes",
          "[extract][acquire][faults]") {
  EmulatorProcess emulator(FaultScenario({{"purge_disk_space", {{"bytes", 1000000}}}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 0);
  const json record = emulator.StopAndReadRecord();
  const std::vector<json> answered = Events(record, "purge_disk_space_answered");
  REQUIRE(answered.size() == 1);
  CHECK(answered[0]["code"] == -1);
  bool logged = false;
  const json ledger = run.Ledger();  // (a temporary in a range-for initialiser would dangle)
  for (const json& op : ledger["operations"]) logged |= op["op"] == "purge";
  CHECK(logged);
}

TEST_CASE("fault: destinations outside the backup stay inside the case, refused and logged",
          "[extract][acquire][faults]") {
  const std::string udid = kEmulatorUdid;
  EmulatorProcess emulator(FaultScenario(
      {{"malicious_paths",
        json::array({{{"destination", udid + "/../../escaped.txt"}, {"text", "evil"}},
                     {{"destination", udid + "/../../../../../../escaped-deep.txt"}, {"text", "evil"}},
                     {{"destination", "/tmp/mfx-absolute-escape.txt"}, {"text", "evil"}},
                     {{"destination", "OTHER/escaped.txt"}, {"text", "evil"}}})}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 0);
  CHECK_FALSE(fs::exists(emulator.dir() / "escaped.txt"));
  CHECK_FALSE(fs::exists(run.case_dir / "evidence" / "escaped.txt"));
  CHECK_FALSE(fs::exists(run.case_dir / "escaped.txt"));
  CHECK_FALSE(fs::exists("/tmp/mfx-absolute-escape.txt"));
  for (const fs::path& p : RegularFilesBelow(run.case_dir)) {
    CHECK(p.filename().string().find("escaped") == std::string::npos);
  }
  const json refused = run.Ledger()["refused"];
  REQUIRE(refused.size() == 4);
  CHECK(refused[0]["why"] == "'..' component");
  CHECK(refused[2]["why"] == "absolute path");
  const json record = emulator.StopAndReadRecord();
  CHECK(Events(record, "upload_batch_error").size() >= 1);  // the device was told
  CHECK(run.Events("acquisition_completed").at(0)["detail"]["refused_paths"] == 4);
}

TEST_CASE("fault: a retry after a cable pull is attempt-2 of the same exhibit",
          "[extract][acquire][faults]") {
  EmulatorProcess emulator(FaultScenario({{"drop_after_bytes", 150000}}));
  const AcquireRun first = RunAcquire(emulator);
  CHECK(first.tool.exit_code == 1);
  const AcquireRun second = RunAcquire(emulator);
  INFO(second.Output());
  REQUIRE(second.tool.exit_code == 0);
  CHECK(second.Ledger(1)["status"] == "interrupted");
  CHECK(second.Ledger(2)["status"] == "completed");
  const json completed = second.Events("acquisition_completed").at(0);
  CHECK(completed["detail"]["attempt"] == 2);
  CHECK(completed["detail"]["retries"] == 1);
  CHECK(completed["evidence_id"] == "E-01");
  // The exhibit's hash list covers both attempts: complete files, the cut file as its .part
  // (hash of the bytes received), both ledgers; the registration counts them by kind.
  const std::string list = ReadFile(second.case_dir / "evidence" / "E-01.sha256");
  CHECK(list.find("attempt-1/attempt.json") != std::string::npos);
  CHECK(list.find("attempt-2/attempt.json") != std::string::npos);
  const json cut = second.Ledger(1)["incomplete"].at(0);
  CHECK(list.find(cut["sha256_of_received"].get<std::string>() + "  attempt-1/" +
                  cut["part_path"].get<std::string>()) != std::string::npos);
  const json registered = second.Events("evidence_registered").at(0);
  CHECK(registered["evidence_id"] == "E-01");
  CHECK(registered["detail"]["files_by_kind"]["partial"] == 1);
  CHECK(registered["detail"]["files_by_kind"]["ledger"] == 2);
  // mfx verify agrees that the exhibit is what was registered (exit 2: unsigned only).
  const ToolResult verify = emulator.Run({MfxBinary(), "verify", "--case", second.case_dir.string()});
  INFO(verify.Output());
  CHECK(verify.exit_code == 2);
}

TEST_CASE("fault: a slow start beyond libimobiledevice's 30 s receive timeout is waited out",
          "[extract][acquire][faults][slow]") {
  EmulatorProcess emulator(FaultScenario({{"start_delay_ms", 31000}}));
  const AcquireRun run = RunAcquire(emulator, {"--stall-timeout", "45"}, ConsentJson(), "case",
                                    150000);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 0);
  CHECK(run.Ledger()["status"] == "completed");
}

}  // namespace
}  // namespace mfx::extract::test
