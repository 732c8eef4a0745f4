// Unit tests of the emulator's scenario loader and small helpers.
#include <catch2/catch.hpp>

#include "extract/emulator/afc_service.h"
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
