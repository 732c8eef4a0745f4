// The consent gate and the pairing state machine of mfx acquire, against the emulator's scripted
// consent states: the operator's instructions, the custody events, and — from the emulator's
// record — that nothing paired with or changed the phone before consent was recorded.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/extract/acquire_harness.h"

namespace mfx::extract::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json Small(const json& consent) {
  return json{{"name", "consent"},
              {"consent", consent},
              {"content",
               {{"files", json::array({{{"domain", "HomeDomain"},
                                        {"relativePath", "c.txt"},
                                        {"text", "consent"}}})}}}};
}

std::vector<std::string> Outcomes(const AcquireRun& run) {
  std::vector<std::string> out;
  for (const json& e : run.Events("pairing")) out.push_back(e["detail"]["outcome"]);
  return out;
}

// Device traffic that can pair or change the phone, from the emulator's record.
size_t PairRequests(const json& record) { return Events(record, "pair").size(); }
size_t Sessions(const json& record) { return Events(record, "start_session").size(); }

TEST_CASE("consent: trust pending, then accepted — the examiner is told to ask for Trust",
          "[extract][acquire][consent]") {
  EmulatorProcess emulator(Small({{"state", "trust_pending"}, {"pending_polls", 2}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  REQUIRE(run.tool.exit_code == 0);
  CHECK(run.tool.Says("ask the owner to tap Trust"));
  CHECK(Outcomes(run) == std::vector<std::string>{"pending", "trusted"});
  const json trusted = run.Events("pairing").back();
  CHECK(trusted["changes"]["what"].get<std::string>().find("pairing record created") != std::string::npos);
  CHECK(trusted["authority_ref"] == "CF-TEST-1");
  // Consent came first, then the first Pair request.
  const auto names = run.EventNames();
  CHECK(std::find(names.begin(), names.end(), "consent_recorded") <
        std::find(names.begin(), names.end(), "pairing"));
  const json record = emulator.StopAndReadRecord();
  CHECK(PairRequests(record) == 3);
  CHECK(Events(record, "usbmuxd_save_pair_record").size() == 1);
}

TEST_CASE("consent: denied — the owner refused, stop, nothing acquired",
          "[extract][acquire][consent]") {
  EmulatorProcess emulator(Small({{"state", "denied"}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("The owner refused"));
  CHECK(run.tool.Says("stopping"));
  CHECK(Outcomes(run) == std::vector<std::string>{"denied"});
  const json failed = run.Events("acquisition_failed").at(0);
  CHECK(failed["detail"]["stage"] == "pairing");
  CHECK(failed["detail"]["pairing_outcome"] == "denied");
  CHECK_FALSE(fs::exists(run.case_dir / "evidence" / "E-01"));
  const json record = emulator.StopAndReadRecord();
  CHECK(Events(record, "usbmuxd_save_pair_record").empty());
  CHECK(Sessions(record) == 0);
}

TEST_CASE("consent: locked — ask the owner to unlock, then trusted", "[extract][acquire][consent]") {
  EmulatorProcess emulator(Small({{"state", "locked"}, {"locked_polls", 2}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  REQUIRE(run.tool.exit_code == 0);
  CHECK(run.tool.Says("ask the owner to unlock it"));
  CHECK(Outcomes(run) == std::vector<std::string>{"locked", "trusted"});
}

TEST_CASE("consent: locked until the pairing timeout — stopped, recorded",
          "[extract][acquire][consent]") {
  EmulatorProcess emulator(Small({{"state", "locked"}, {"locked_polls", -1}}));
  const AcquireRun run = RunAcquire(emulator, {"--pair-timeout", "1"});
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("stayed locked"));
  CHECK(Outcomes(run) == std::vector<std::string>{"locked", "locked"});
  CHECK(run.Events("pairing").back()["detail"]["reason"] == "timeout");
  CHECK(run.Events("acquisition_failed").at(0)["detail"]["pairing_outcome"] == "locked");
}

TEST_CASE("consent: pairing prohibited on this connection", "[extract][acquire][consent]") {
  EmulatorProcess emulator(Small({{"state", "prohibited"}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("prohibited"));
  CHECK(Outcomes(run) == std::vector<std::string>{"error"});
  CHECK(run.Events("acquisition_failed").at(0)["detail"]["pairing_outcome"] == "prohibited");
}

TEST_CASE("consent: a stale pair record needs --re-pair (a new Trust), then works",
          "[extract][acquire][consent]") {
  EmulatorProcess emulator(Small({{"state", "stale_record"}}));
  const AcquireRun first = RunAcquire(emulator);
  INFO(first.Output());
  CHECK(first.tool.exit_code == 1);
  CHECK(first.tool.Says("--re-pair"));
  CHECK(first.Events("pairing").at(0)["detail"]["reason"] == "stale pair record (InvalidHostID)");
  CHECK(first.Events("acquisition_failed").at(0)["detail"]["pairing_outcome"] == "stale_record");

  const AcquireRun second = RunAcquire(emulator, {"--re-pair"});
  INFO(second.Output());
  CHECK(second.tool.exit_code == 0);
  // The second run appends to the same case: validate failed, then a new pairing.
  std::vector<std::string> outcomes;
  for (const json& e : second.Events("pairing")) outcomes.push_back(e["detail"]["outcome"]);
  CHECK(outcomes == std::vector<std::string>{"error", "error", "trusted"});
  CHECK(second.Events("consent_recorded").size() == 2);
  CHECK(second.Events("consent_recorded").back()["detail"]["already_in_case"] == true);
}

TEST_CASE("consent: escrow locked — the backup service is refused, the examiner told to unlock",
          "[extract][acquire][consent]") {
  EmulatorProcess emulator(Small({{"state", "escrow_locked"}}));
  const AcquireRun run = RunAcquire(emulator);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("EscrowLocked"));
  CHECK(run.tool.Says("unlock the phone"));
  const json failed = run.Events("acquisition_failed").at(0);
  CHECK(failed["detail"]["stage"] == "backup_service");
  CHECK_FALSE(fs::exists(run.case_dir / "evidence" / "E-01"));
}

TEST_CASE("refused: no consent, withdrawn consent, bad form — before the case or the phone",
          "[extract][acquire][consent]") {
  EmulatorProcess emulator(Small({{"state", "unpaired"}}));
  SECTION("missing consent option") {
    const ToolResult r = emulator.Run({MfxBinary(), "acquire", "--case",
                                       (emulator.dir() / "case").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.Says("consent"));
  }
  SECTION("withdrawn") {
    json consent = ConsentJson();
    consent["withdrawn"] = {{"time", "2025-01-12T08:00:00Z"}, {"how", "e-mail"}};
    const AcquireRun run = RunAcquire(emulator, {}, consent);
    CHECK(run.tool.exit_code == 1);
    CHECK(run.tool.Says("refused"));
    CHECK(run.tool.Says("withdrawn"));
    CHECK_FALSE(fs::exists(run.case_dir));
  }
  SECTION("incomplete record") {
    json consent = ConsentJson();
    consent.erase("witness");
    consent["consenting_person"].erase("relationship");
    const AcquireRun run = RunAcquire(emulator, {}, consent);
    CHECK(run.tool.exit_code == 1);
    CHECK(run.tool.Says("witness.name: required"));
    CHECK(run.tool.Says("consenting_person.relationship"));
    CHECK_FALSE(fs::exists(run.case_dir));
  }
  SECTION("temporary password outside the scope") {
    json consent = ConsentJson();
    consent["scope"]["temporary_backup_encryption"] = false;
    const AcquireRun run = RunAcquire(
        emulator, {"--temp-password", "--key-out", (emulator.dir() / "k.key").string()}, consent);
    CHECK(run.tool.exit_code == 1);
    CHECK(run.tool.Says("does not allow a temporary backup password"));
  }
  // None of it reached the phone in a way that could pair.
  const json record = emulator.StopAndReadRecord();
  CHECK(PairRequests(record) == 0);
  CHECK(Sessions(record) == 0);
}

TEST_CASE("refused: the form names another phone — compared before pairing, nothing paired",
          "[extract][acquire][consent]") {
  // An unpaired phone: a handshake by mistake would pair implicitly (the consent trap).
  EmulatorProcess emulator(Small({{"state", "unpaired"}}));
  json consent = ConsentJson();
  consent["device"]["udid"] = "00008030-000000000000000E";
  const AcquireRun run = RunAcquire(emulator, {}, consent);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  CHECK(run.tool.Says("consent form describes another device"));
  CHECK(run.Events("consent_recorded").empty());
  const json failed = run.Events("acquisition_failed").at(0);
  CHECK(failed["detail"]["stage"] == "consent_check");
  CHECK(failed["detail"]["comparison"]["mismatched"].size() == 1);
  const json record = emulator.StopAndReadRecord();
  CHECK(PairRequests(record) == 0);
  CHECK(Sessions(record) == 0);
  CHECK(Events(record, "usbmuxd_save_pair_record").empty());
}

TEST_CASE("refused: a serial number on the form that the session shows to be another phone",
          "[extract][acquire][consent]") {
  EmulatorProcess emulator(Small({{"state", "paired"}}));
  json consent = ConsentJson();
  consent["device"]["serial_number"] = "F99ZZ0000000";
  const AcquireRun run = RunAcquire(emulator, {}, consent);
  INFO(run.Output());
  CHECK(run.tool.exit_code == 1);
  const json identified = run.Events("device_identified").at(0);
  CHECK(identified["detail"]["consent_check"]["mismatched"].size() == 1);
  CHECK(run.Events("acquisition_failed").at(0)["detail"]["stage"] == "consent_check");
  CHECK(run.Events("acquisition_started").empty());
}

}  // namespace
}  // namespace mfx::extract::test
