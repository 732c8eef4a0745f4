// Unit tests of the emulator's scenario loader and small helpers.
#include <catch2/catch.hpp>
#include <stdlib.h>

#include <filesystem>

#include "extract/emulator/afc_service.h"
#include "extract/emulator/backup_content.h"
#include "extract/emulator/device_state.h"
#include "extract/emulator/record.h"
#include "extract/emulator/scenario.h"

namespace mfx::extract::emulator {
namespace {

using nlohmann::json;

TEST_CASE("an empty scenario is a paired iPhone with no content", "[extract][emulator][scenario]") {
  const Scenario scenario = ParseScenario(json::object(), "/");
  CHECK(scenario.Udid() == "00008030-001A35E02E38802E");
  CHECK(scenario.consent.state == ConsentState::kPaired);
  CHECK(scenario.content.files.empty());
  CHECK_FALSE(scenario.encryption.enabled);
  CHECK(scenario.protocol.dl_version_major == 400);
  CHECK(scenario.protocol.block_size == 32768);
}

TEST_CASE("identity overrides and removals", "[extract][emulator][scenario]") {
  const Scenario scenario = ParseScenario(
      json{{"identity", {{"PhoneNumber", nullptr}, {"DeviceName", "X"}, {"Custom", 7}}}}, "/");
  CHECK_FALSE(scenario.identity.contains("PhoneNumber"));
  CHECK(scenario.IdentityString("DeviceName") == "X");
  CHECK(scenario.identity["Custom"] == 7);
}

TEST_CASE("file entries: literal, generated, modes", "[extract][emulator][scenario]") {
  const Scenario scenario = ParseScenario(
      json{{"content",
            {{"files",
              {{{"domain", "HomeDomain"}, {"relativePath", "a"}, {"text", "abc"}},
               {{"domain", "HomeDomain"}, {"relativePath", "b"}, {"hex", "00ff"}, {"mode", "0600"}},
               {{"domain", "HomeDomain"}, {"relativePath", "c"}, {"base64", "AAEC"}},
               {{"domain", "HomeDomain"}, {"relativePath", "d"}, {"size", 5}, {"seed", 3}},
               {{"domain", "HomeDomain"}, {"relativePath", "e"}, {"type", "directory"}}}}}}},
      "/");
  const auto& files = scenario.content.files;
  REQUIRE(files.size() == 5);
  CHECK(*files[0].bytes == std::vector<uint8_t>{'a', 'b', 'c'});
  CHECK(*files[1].bytes == std::vector<uint8_t>{0x00, 0xff});
  CHECK(files[1].mode == 0100600);
  CHECK(*files[2].bytes == std::vector<uint8_t>{0, 1, 2});
  CHECK_FALSE(files[3].bytes.has_value());
  CHECK(files[3].size == 5);
  CHECK(files[4].kind == EntryKind::kDirectory);
  CHECK(files[4].mode == 040755);
}

TEST_CASE("scenario errors name the key at fault", "[extract][emulator][scenario]") {
  CHECK_THROWS_WITH(ParseScenario(json{{"fualts", json::object()}}, "/"),
                    Catch::Contains("\"fualts\""));
  CHECK_THROWS_WITH(ParseScenario(json{{"faults", {{"drop_after", 1}}}}, "/"),
                    Catch::Contains("drop_after"));
  CHECK_THROWS_WITH(ParseScenario(json{{"consent", {{"state", "maybe"}}}}, "/"),
                    Catch::Contains("maybe"));
  CHECK_THROWS_WITH(ParseScenario(json{{"encryption", {{"enabled", true}}}}, "/"),
                    Catch::Contains("encryption.password"));
  CHECK_THROWS_WITH(ParseScenario(json{{"protocol", {{"tls_max_version", "2.0"}}}}, "/"),
                    Catch::Contains("tls_max_version"));
  CHECK_THROWS_WITH(ParseScenario(json{{"content", {{"files", {{{"relativePath", "x"}}}}}}}, "/"),
                    Catch::Contains("content.files[0].domain"));
  CHECK_THROWS_WITH(ParseScenario(json{{"faults", {{"error_code", 0}}}}, "/"),
                    Catch::Contains("error_code"));
}

TEST_CASE("relative replay folders are resolved against the scenario's folder",
          "[extract][emulator][scenario]") {
  const Scenario scenario =
      ParseScenario(json{{"content", {{"replay_backup", "old/backup"}}}}, "/cases/x");
  CHECK(scenario.content.replay_backup == std::filesystem::path("/cases/x/old/backup"));
}

TEST_CASE("AFC paths are normalised inside the AFC root", "[extract][emulator][afc]") {
  CHECK(AfcFileSystem::Normalize("com.apple.itunes.lock_sync") == "/com.apple.itunes.lock_sync");
  CHECK(AfcFileSystem::Normalize("/a/./b//c/") == "/a/b/c");
  CHECK(AfcFileSystem::Normalize("/a/../../etc/passwd") == "/etc/passwd");
  CHECK(AfcFileSystem::Normalize("") == "/");
}

}  // namespace
}  // namespace mfx::extract::emulator

namespace mfx::extract::emulator {
namespace {

// SplitMix64 written out again here, byte by byte, as the reference the emulator's word-wise
// generator must match whatever the sizes of the reads that drain it.
std::vector<uint8_t> SplitMix64Bytes(uint64_t seed, size_t size) {
  std::vector<uint8_t> out;
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  while (out.size() < size) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (int b = 0; b < 8 && out.size() < size; ++b, z >>= 8) out.push_back(static_cast<uint8_t>(z));
  }
  return out;
}

TEST_CASE("seeded content is the SplitMix64 byte stream whatever the read sizes",
          "[extract][emulator][scenario]") {
  std::string pattern = (std::filesystem::temp_directory_path() / "mfx-seeded-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  const std::filesystem::path dir = pattern;
  const size_t size = 4099;  // not a multiple of 8
  const Scenario scenario = ParseScenario(
      json{{"content",
            {{"files",
              {{{"domain", "HomeDomain"}, {"relativePath", "big"}, {"size", size}, {"seed", 7}}}}}}},
      "/");
  Record record(dir / "record.json", "seeded", scenario.Udid());
  DeviceState device(scenario, record);
  const BackupContent content(scenario, device, dir, false, SecretString());
  REQUIRE(content.files().size() == 1);

  for (const size_t step : {size_t{1}, size_t{3}, size_t{8}, size_t{13}, size_t{4096}}) {
    CAPTURE(step);
    auto stream = content.Open(content.files()[0]);
    std::vector<uint8_t> got;
    std::vector<uint8_t> buffer(step);
    size_t call = 0;
    while (true) {
      // Alternate the read size with a 5-byte read, so that reads start mid-word.
      const size_t want = (call++ % 2 == 0) ? step : std::min<size_t>(5, step);
      const size_t n = stream->Read(buffer.data(), want);
      if (n == 0) break;
      got.insert(got.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    }
    CHECK(got == SplitMix64Bytes(7, size));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mfx::extract::emulator
