// Backup encryption during mfx acquire: the temporary password (set, used, removed whatever
// happens — also after a fault mid-way — and its failed removal made loud), and the owner's own
// password. The emulator's WillEncrypt state and its ChangePassword events are the truth.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "tests/extract/acquire_harness.h"
#include "tests/extract/stream_fixtures.h"

namespace mfx::extract::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json EncryptionScenario(const json& faults = json::object(), const json& encryption = nullptr) {
  json s = {{"name", "encryption"},
            {"content",
             {{"files", json::array({LiteralFile("HomeDomain", "Library/SMS/sms.db", Pattern(200000, 5)),
                                     LiteralFile("HomeDomain", "Library/Notes/n.txt", "note")})}}},
            {"faults", faults}};
  // Small KDF rounds: the 10M default takes seconds per derivation.
  s["encryption"] = encryption.is_null() ? json{{"dpic", 1000}, {"iter", 100}} : encryption;
  return s;
}

std::vector<json> PasswordChanges(const json& record) { return Events(record, "change_password"); }

TEST_CASE("temporary password: set for the backup, removed after, key file for analyze",
          "[extract][acquire][encryption]") {
  EmulatorProcess emulator(EncryptionScenario());
  const fs::path key = emulator.dir() / "keys" / "E-01.key";
  fs::create_directories(key.parent_path());
  const AcquireRun run = RunAcquire(emulator, {"--temp-password", "--key-out", key.string()});
  INFO(run.Output());
  REQUIRE(run.tool.exit_code == 0);
  const json record = emulator.StopAndReadRecord();
  CHECK(LastBackup(record)["encrypted"] == true);
  const std::vector<json> changes = PasswordChanges(record);
  REQUIRE(changes.size() == 2);
  CHECK(changes[0]["enable"] == true);
  CHECK(changes[0]["result"] == "ok");
  CHECK(changes[1]["disable"] == true);
  CHECK(changes[1]["result"] == "ok");
  CHECK(changes[1]["will_encrypt"] == false);

  const json set = run.Events("temp_password_set").at(0);
  CHECK(set["detail"]["outcome"] == "set");
  CHECK(set["detail"]["prior_encryption"] == false);
  CHECK(set["detail"]["read_back_will_encrypt"] == true);
  CHECK(set["changes"]["what"].get<std::string>().find("temporary backup password") != std::string::npos);
  const json removed = run.Events("temp_password_removed").at(0);
  CHECK(removed["detail"]["read_back_will_encrypt"] == false);
  CHECK(removed["detail"]["reconnected"] == false);
  const auto names = run.EventNames();
  const auto at = [&](const char* n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  CHECK(at("temp_password_set") < at("acquisition_started"));
  CHECK(at("temp_password_removed") < at("acquisition_completed"));

  // The key file exists outside the case, and neither it nor anything secret is in the case.
  REQUIRE(fs::exists(key));
  CHECK((fs::status(key).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
        fs::perms::none);
  const std::string key_hex = ReadFile(key).substr(0, 64);
  REQUIRE(key_hex.size() == 64);
  for (const fs::path& p : RegularFilesBelow(run.case_dir)) {
    const std::string text = ReadFile(run.case_dir / p);
    CHECK(text.find(key_hex) == std::string::npos);
  }
  CHECK(run.Ledger()["verification"]["manifest_checked"] == true);
  CHECK(run.Ledger()["verification"]["ok"] == true);

  // mfx analyze opens the encrypted acquisition with the key file.
  const ToolResult analyze = emulator.Run(
      {MfxBinary(), "analyze", (run.AttemptDir() / kEmulatorUdid).string(), "--case",
       (emulator.dir() / "analysis").string(), "--key-file", key.string(), "--format", "jsonl"},
      180000);
  INFO(analyze.Output());
  CHECK(analyze.exit_code == 0);
  const std::vector<json> analysis = ReadCustody(emulator.dir() / "analysis");
  bool opened = false;
  for (const json& e : analysis) {
    if (e["event"] == "decryption_opened") opened = e["detail"]["unlocked"] == true;
  }
  CHECK(opened);
}

TEST_CASE("temporary password: removed after a cable pull mid-way, over a new connection",
          "[extract][acquire][encryption]") {
  EmulatorProcess emulator(EncryptionScenario({{"drop_after_bytes", 100000}}));
  const fs::path key = emulator.dir() / "k.key";
  const AcquireRun run = RunAcquire(emulator, {"--temp-password", "--key-out", key.string()});
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  const json record = emulator.StopAndReadRecord();
  const std::vector<json> changes = PasswordChanges(record);
  REQUIRE(changes.size() == 2);
  CHECK(changes.back()["disable"] == true);
  CHECK(changes.back()["result"] == "ok");
  CHECK(changes.back()["will_encrypt"] == false);
  const json removed = run.Events("temp_password_removed").at(0);
  CHECK(removed["detail"]["reconnected"] == true);
  CHECK(run.Events("acquisition_interrupted").at(0)["detail"]["device_state"]["temporary_encryption"] ==
        "removed");
  CHECK_FALSE(fs::exists(key));  // no keybag arrived: nothing to derive
}

TEST_CASE("temporary password: the phone is gone; the failed removal is loud and recorded",
          "[extract][acquire][encryption]") {
  EmulatorProcess emulator(EncryptionScenario({{"detach_after_bytes", 100000}}));
  const AcquireRun run = RunAcquire(
      emulator, {"--temp-password", "--key-out", (emulator.dir() / "k.key").string(),
                 "--reconnect-timeout", "2"});
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("THE TEMPORARY BACKUP PASSWORD COULD NOT BE REMOVED"));
  CHECK(run.tool.Says("Reset All Settings"));
  const json failed = run.Events("temp_password_removal_failed").at(0);
  CHECK(failed["detail"]["outcome"] == "failed");
  CHECK(run.Events("temp_password_removed").empty());
  CHECK(run.Events("acquisition_interrupted").at(0)["detail"]["device_state"]["temporary_encryption"] ==
        "STILL SET");
  const json record = emulator.StopAndReadRecord();
  CHECK(PasswordChanges(record).size() == 1);  // enabled, never disabled: the record agrees
}

TEST_CASE("temporary password: refused when the phone already has the owner's password",
          "[extract][acquire][encryption]") {
  EmulatorProcess emulator(EncryptionScenario(
      json::object(), {{"password", "owner-secret"}, {"dpic", 1000}, {"iter", 100}}));
  const AcquireRun run = RunAcquire(
      emulator, {"--temp-password", "--key-out", (emulator.dir() / "k.key").string()});
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("already encrypts its backups"));
  CHECK(run.Events("acquisition_failed").at(0)["detail"]["stage"] == "encryption");
  const json record = emulator.StopAndReadRecord();
  CHECK(PasswordChanges(record).empty());
}

TEST_CASE("owner's password: the encrypted backup is verified with it and never stored",
          "[extract][acquire][encryption]") {
  const std::string password = "owner-secret-42";
  EmulatorProcess emulator(EncryptionScenario(
      json::object(), {{"password", password}, {"dpic", 1000}, {"iter", 100}}));
  const fs::path password_file = emulator.dir() / "pw.txt";
  std::ofstream(password_file) << password << "\n";
  const AcquireRun run = RunAcquire(emulator, {"--password-file", password_file.string()});
  INFO(run.Output());
  REQUIRE(run.tool.exit_code == 0);
  const json ledger = run.Ledger();
  CHECK(ledger["request"]["encrypted"] == true);
  CHECK(ledger["verification"]["manifest_checked"] == true);
  CHECK(ledger["verification"]["encrypted"] == true);
  CHECK(run.Events("acquisition_started").at(0)["detail"]["encryption"] == "owner_password");
  for (const fs::path& p : RegularFilesBelow(run.case_dir)) {
    CHECK(ReadFile(run.case_dir / p).find(password) == std::string::npos);
  }
  const json record = emulator.StopAndReadRecord();
  CHECK(PasswordChanges(record).empty());  // nothing changed on the phone
}

}  // namespace
}  // namespace mfx::extract::test
