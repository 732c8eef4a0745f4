// mfx acquire against the emulator through the real libimobiledevice: a full backup whose files
// match the emulator's own record of what it sent, the custody log of a clean run, the case
// sealed, and the acquired backup read by mfx analyze like any backup.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "tests/extract/acquire_harness.h"

namespace mfx::extract::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json BackupScenario() {
  return json{{"name", "full backup"},
              {"clock_offset_seconds", -42.5},
              {"content",
               {{"files", json::array({
                              {{"domain", "HomeDomain"},
                               {"relativePath", "Library/SMS/sms.db"},
                               {"size", 300000},
                               {"seed", 1}},
                              {{"domain", "CameraRollDomain"},
                               {"relativePath", "Media/DCIM/100APPLE/IMG_0001.JPG"},
                               {"size", 1100000},
                               {"seed", 2}},
                              {{"domain", "HomeDomain"},
                               {"relativePath", "Library/Notes/empty.txt"},
                               {"text", ""}},
                              {{"domain", "HomeDomain"},
                               {"relativePath", "Library/Notes/n.txt"},
                               {"text", "hello"}},
                              {{"domain", "HomeDomain"},
                               {"relativePath", "Library/link"},
                               {"type", "symlink"},
                               {"target", "/var/x"}},
                          })}}},
              {"protocol", {{"batch_files", 2}}}};
}

TEST_CASE("acquire: a full backup arrives as the emulator sent it, hashed, registered, sealed",
          "[extract][acquire]") {
  EmulatorProcess emulator(BackupScenario());
  const AcquireRun run = RunAcquire(emulator, {"--full"});
  INFO(run.Output() + emulator.TranscriptTail());
  REQUIRE(run.tool.exit_code == 0);
  CHECK(run.tool.Says("acquisition: completed"));
  const json record = emulator.StopAndReadRecord();
  const json& sent = LastBackup(record);
  REQUIRE(sent["outcome"]["result"] == "success");

  // Every file the emulator sent is in the ledger at its final place with the same SHA-256, and
  // on disk with those bytes.
  const json ledger = run.Ledger();
  REQUIRE(ledger["status"] == "completed");
  std::map<std::string, json> by_path;
  for (const json& f : ledger["files"]) by_path[f["path"].get<std::string>()] = f;
  size_t content = 0;
  for (const json& f : sent["files"]) {
    REQUIRE(f["status"] == "complete");
    if (f["kind"] == "content") ++content;
    const std::string final_path = f["final_path"].get<std::string>();
    INFO(f["destination"].get<std::string>() << " → " << final_path);
    if (final_path.empty()) {
      // Replaced by a later upload to the same destination (the first Status.plist): the ledger
      // lists it as superseded, with the hash it arrived with.
      bool listed = false;
      for (const json& s : ledger["superseded"]) listed |= s["sha256"] == f["sha256"];
      CHECK(listed);
      continue;
    }
    REQUIRE(by_path.count(final_path) == 1);
    CHECK(by_path[final_path]["sha256"] == f["sha256"]);
    CHECK(by_path[final_path]["size"] == f["bytes_sent"]);
    CHECK(Sha256OfFile(run.AttemptDir() / final_path) == f["sha256"].get<std::string>());
  }
  CHECK(content == 4);
  CHECK(ledger["incomplete"].empty());
  CHECK(ledger["refused"].empty());
  // The first Status.plist ("uploading") was replaced by the final one: listed, not lost.
  CHECK(ledger["superseded"].size() == 1);
  CHECK(ledger["verification"]["ok"] == true);
  CHECK(ledger["verification"]["manifest_checked"] == true);
  CHECK(ledger["verification"]["manifest_files"] == 4);
  // Info.plist is made by the host and says so.
  CHECK(by_path[std::string(kEmulatorUdid) + "/Info.plist"]["origin"] == "host");
  // Nothing but what a backup holds: no .part, no -wal/-shm beside Manifest.db (never opened in
  // place), the snapshot folder removed.
  for (const fs::path& p : RegularFilesBelow(run.AttemptDir())) {
    const std::string s = p.string();
    CHECK(s.find(".part") == std::string::npos);
    CHECK(s.find("-wal") == std::string::npos);
    CHECK(s.find("-shm") == std::string::npos);
  }
  CHECK_FALSE(fs::exists(run.AttemptDir() / kEmulatorUdid / "Snapshot"));

  // Custody, in order.
  const std::vector<std::string> expected = {
      "case_created",        "consent_recorded",      "pairing",
      "device_identified",   "acquisition_started",   "acquisition_completed",
      "evidence_registered", "sealed_unsigned"};
  CHECK(run.EventNames() == expected);
  const json identified = run.Events("device_identified").at(0);
  CHECK(identified["detail"]["serial_number"] == "F17ZK0AAN72J");
  CHECK(identified["detail"]["imei"] == "356789105123456");
  CHECK(identified["detail"]["phone_number"] == "+1 (555) 010-0199");
  CHECK(identified["detail"]["clock"]["time_zone"] == "Europe/Berlin");
  const int64_t skew = identified["detail"]["clock"]["skew_ms"];
  CHECK(skew < -40000);
  CHECK(skew > -45000);
  CHECK(identified["detail"]["consent_check"]["mismatched"].empty());
  CHECK(identified["authority_ref"] == "CF-TEST-1");
  const json pairing = run.Events("pairing").at(0);
  CHECK(pairing["detail"]["outcome"] == "trusted");
  CHECK(pairing["detail"]["action"] == "validate");
  const json completed = run.Events("acquisition_completed").at(0);
  CHECK(completed["evidence_id"] == "E-01");
  CHECK(completed["detail"]["files"] == ledger["totals"]["complete_files"]);
  CHECK(completed["detail"]["bytes"] == ledger["totals"]["complete_bytes"]);
  CHECK(completed["detail"]["result"] == "complete");
  CHECK(completed["hashes"][0]["value"] ==
        Sha256OfFile(run.AttemptDir() / "attempt.json"));
  const json registered = run.Events("evidence_registered").at(0);
  // The exhibit is every file of its folder: the received files and the ledger.
  CHECK(registered["detail"]["files_by_kind"]["complete"] == ledger["totals"]["complete_files"]);
  CHECK(registered["detail"]["files_by_kind"]["ledger"] == 1);
  CHECK(registered["detail"]["files"] == ledger["totals"]["complete_files"].get<int>() + 1);

  // The exhibit's hash list is what arrived: sha256sum -c inside the exhibit folder.
  const std::string list = ReadFile(run.case_dir / "evidence" / "E-01.sha256");
  for (const json& f : ledger["files"]) {
    CHECK(list.find(f["sha256"].get<std::string>() + "  attempt-1/" + f["path"].get<std::string>()) !=
          std::string::npos);
  }
  CHECK(fs::exists(run.case_dir / "manifest.sha256"));
  CHECK(fs::exists(run.case_dir / "consent" / "CF-TEST-1.json"));
  // The host created the sync lock file on the phone; the custody log names that change.
  CHECK(Events(record, "afc_created_file").size() == 1);
  CHECK(run.Events("acquisition_started").at(0)["changes"]["what"].get<std::string>().find(
            "lock_sync") != std::string::npos);
  // mfx verify finds nothing changed (exit 2 only because the case is unsigned).
  const ToolResult verify = emulator.Run({MfxBinary(), "verify", "--case", run.case_dir.string()});
  INFO(verify.Output());
  CHECK(verify.exit_code == 2);
}

TEST_CASE("acquire: the acquired backup is read by mfx analyze like the backup it replays",
          "[extract][acquire][analyze]") {
  // A backup with app data from the sample generator (an independent Python implementation of
  // the format), replayed by the emulator as the phone's content.
  EmulatorProcess emulator(json{{"name", "no content yet"}});
  const fs::path original = emulator.dir() / "sample";
  const ToolResult generated =
      emulator.Run({"/usr/bin/python3", std::string(MFX_SAMPLES_DIR) + "/generate_backup.py", "--out",
                    original.string(), "--record", (emulator.dir() / "sample.json").string(),
                    "--style", "ios17", "--seed", "acquire-analyze"},
                   120000);
  INFO(generated.Output());
  REQUIRE(generated.exit_code == 0);
  emulator.Stop();
  EmulatorProcess phone(json{{"name", "replay of a generated backup"},
                             {"content", {{"replay_backup", original.string()}}}});
  const AcquireRun run = RunAcquire(phone);
  INFO(run.Output());
  REQUIRE(run.tool.exit_code == 0);
  const fs::path acquired = run.AttemptDir() / kEmulatorUdid;

  // The same parsers over the original and over what mfx acquired: the same records. Info.plist
  // is made by the host from the (emulated) phone's lockdown values and Manifest.plist by the
  // emulator, so the kinds read from them (device_info, apps, and the timeline that merges all)
  // differ by design and are left out.
  const fs::path case_a = phone.dir() / "analyze-original";
  const fs::path case_b = phone.dir() / "analyze-acquired";
  const ToolResult a = phone.Run({MfxBinary(), "analyze", original.string(), "--case",
                                  case_a.string(), "--format", "jsonl"},
                                 180000);
  INFO(a.Output());
  REQUIRE(a.exit_code == 0);
  const ToolResult b = phone.Run({MfxBinary(), "analyze", acquired.string(), "--case",
                                  case_b.string(), "--format", "jsonl"},
                                 180000);
  INFO(b.Output());
  REQUIRE(b.exit_code == 0);
  const std::set<std::string> host_made = {"apps.jsonl", "device_info.jsonl", "timeline.jsonl"};
  size_t kinds = 0;
  size_t records = 0;
  for (const auto& entry : fs::directory_iterator(case_a / "exports")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".jsonl" || host_made.count(name) != 0) continue;
    INFO(name);
    const std::string mine = ReadFile(case_b / "exports" / name);
    CHECK(mine == ReadFile(entry.path()));
    ++kinds;
    records += static_cast<size_t>(std::count(mine.begin(), mine.end(), '\n'));
  }
  CHECK(kinds >= 5);
  CHECK(records > 20);
  // analyze left the acquired evidence as it was.
  const json ledger = run.Ledger();
  for (const json& f : ledger["files"]) {
    CHECK(Sha256OfFile(run.AttemptDir() / f["path"].get<std::string>()) ==
          f["sha256"].get<std::string>());
  }
}

}  // namespace
}  // namespace mfx::extract::test
