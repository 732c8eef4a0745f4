// Running `mfx acquire` / `mfx devices` / `mfx analyze` against the emulator, and reading what
// they left: custody log, attempt ledgers. Ground truth stays the emulator's record.json.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/extract/emulator/emulator_harness.h"

namespace mfx::extract::test {

inline constexpr const char* kEmulatorUdid = "00008030-001A35E02E38802E";
inline constexpr const char* kConsentFormBytes = "%PDF-1.4 signed consent form of Jane Roe\n";

// A valid consent record for the emulator's default phone (CUSTODY.md §9).
nlohmann::json ConsentJson();

std::string MfxBinary();

struct AcquireRun {
  ToolResult tool;
  std::filesystem::path case_dir;
  std::vector<nlohmann::json> custody;  // every line of custody.jsonl
  std::string Output() const { return tool.Output(); }
  // Events of one name, in order.
  std::vector<nlohmann::json> Events(const std::string& name) const;
  std::vector<std::string> EventNames() const;
  // The ledger of evidence/E-01/attempt-N (N = 0: the newest).
  nlohmann::json Ledger(int attempt = 0, const std::string& id = "E-01") const;
  std::filesystem::path AttemptDir(int attempt = 0, const std::string& id = "E-01") const;
};

// Fast defaults for tests: polls at 0.2 s, short pairing, stall and reconnect limits.
std::vector<std::string> FastOptions();

// Writes `consent` beside the emulator, runs mfx acquire --case <dir>/<case_name> with it plus
// `extra` arguments (FastOptions() are added unless `extra` sets them).
AcquireRun RunAcquire(EmulatorProcess& emulator, const std::vector<std::string>& extra = {},
                      const nlohmann::json& consent = ConsentJson(),
                      const std::string& case_name = "case", int timeout_ms = 120000);

std::vector<nlohmann::json> ReadCustody(const std::filesystem::path& case_dir);

// The content file of a record's backup that ended in `status` (nullptr when none).
const nlohmann::json* SentFile(const nlohmann::json& attempt, const std::string& status,
                               const std::string& kind = "content");

// Literal content in a scenario (base64), so tests know every byte sent.
nlohmann::json LiteralFile(const std::string& domain, const std::string& path,
                           const std::string& bytes);
std::string Base64(const std::string& bytes);
std::string Sha256(const std::string& bytes);

}  // namespace mfx::extract::test
