// mfx analyze end to end: every record the generator says it wrote appears in
// exports/<kind>.jsonl, field for field (matched by source), the evidence is untouched, and the
// case verifies.
#include <fstream>

#include <catch2/catch.hpp>

#include "core/file_util.h"
#include "tests/parser_harness.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

using mfx::testing::RunCommand;
using mfx::testing::ShellQuote;
using mfx::testing::TempDir;
using nlohmann::json;

namespace {

std::string Mfx(const std::string& args) { return ShellQuote(MFX_BINARY) + " " + args; }

std::map<std::string, std::vector<nlohmann::ordered_json>> LoadExports(const std::filesystem::path& dir) {
  std::map<std::string, std::vector<nlohmann::ordered_json>> out;
  if (!std::filesystem::exists(dir)) return out;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!name.ends_with(".jsonl") || name == "timeline.jsonl") continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      out[name.substr(0, name.size() - 6)].push_back(nlohmann::ordered_json::parse(line));
    }
  }
  return out;
}

// Compares every module's expected records with the exports; returns how many were compared.
size_t CompareAll(const json& record, const std::map<std::string, std::vector<nlohmann::ordered_json>>& exports) {
  std::map<std::string, json> expected_by_kind;
  for (auto& [module, expected] : record["expected"].items()) {
    if (!expected.is_object() || !expected.contains("records")) continue;
    for (auto& [kind, records] : expected["records"].items()) {
      for (const auto& r : records) expected_by_kind[kind].push_back(r);
    }
  }
  size_t compared = 0;
  for (auto& [kind, expected] : expected_by_kind) {
    INFO("kind " << kind);
    static const std::vector<nlohmann::ordered_json> kNone;
    auto it = exports.find(kind);
    const auto diffs = mfx::testing::CompareRecords(expected, it == exports.end() ? kNone : it->second);
    for (const auto& d : diffs) UNSCOPED_INFO(d);
    CHECK(diffs.empty());
    compared += expected.size();
  }
  return compared;
}

}  // namespace

TEST_CASE("analyze: exports equal the generator's records, field for field", "[cli][analyze]") {
  TempDir tmp;
  for (const char* style : {"ios17", "ios9"}) {
    for (bool encrypt : {false, true}) {
      const std::string name = std::string(style) + (encrypt ? "-enc" : "-plain");
      DYNAMIC_SECTION(name) {
        auto g = mfx::testing::GenerateBackup(tmp.path(), name, {.style = style, .encrypt = encrypt});
        const auto case_dir = tmp / (name + "-case");
        std::string out;
        const int rc = RunCommand(Mfx("analyze " + ShellQuote(g.dir.string()) + " --case " +
                                      ShellQuote(case_dir.string()) + " --case-number T-" + name +
                                      (encrypt ? " --password-file " + ShellQuote(g.password_file.string()) : "")),
                                  &out);
        INFO(out);
        REQUIRE(rc == 0);
        const size_t compared = CompareAll(g.record, LoadExports(case_dir / "exports"));
        CHECK(compared > 0);
        // Every exported record has its provenance.
        for (auto& [kind, records] : LoadExports(case_dir / "exports")) {
          for (const auto& r : records) {
            CHECK_FALSE(r["source"]["domain"].get<std::string>().empty());
            CHECK_FALSE(r["source"]["path"].get<std::string>().empty());
            CHECK_FALSE(r["parser"].get<std::string>().empty());
          }
        }
        // The password never reaches the case folder or the output.
        if (encrypt) {
          CHECK(out.find("test-password") == std::string::npos);
          std::string grep;
          CHECK(RunCommand("grep -rl " + ShellQuote("test-password") + " " + ShellQuote(case_dir.string()), &grep) == 1);
        }
        // The sealed case verifies (exit 2 = unsigned, everything else intact).
        CHECK(RunCommand(Mfx("verify --case " + ShellQuote(case_dir.string())), &out) == 2);
        CHECK(RunCommand("cd " + ShellQuote(case_dir.string()) + " && sha256sum --quiet --strict -c manifest.sha256") == 0);
      }
    }
  }
}

TEST_CASE("analyze never writes to the evidence", "[cli][analyze][immutability]") {
  TempDir tmp;
  for (const char* name : {"ios17-encrypted", "ios9-plain"}) {
    auto sample = mfx::testing::LoadSample(name);
    const auto copy = tmp / name;
    mfx::testing::CopyTree(sample.dir, copy);
    const auto before = mfx::testing::HashTree(copy);
    for (auto& e : std::filesystem::recursive_directory_iterator(copy)) {
      std::filesystem::permissions(e.path(), std::filesystem::perms::all & ~std::filesystem::perms::owner_write &
                                                 ~std::filesystem::perms::group_write & ~std::filesystem::perms::others_write,
                                   std::filesystem::perm_options::replace);
    }
    std::filesystem::permissions(copy, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec,
                                 std::filesystem::perm_options::replace);
    std::string out;
    const std::string pw = sample.password_file.empty() ? "" : " --password-file " + ShellQuote(sample.password_file.string());
    const int rc = RunCommand(Mfx("analyze " + ShellQuote(copy.string()) + " --case " +
                                  ShellQuote((tmp / (std::string(name) + "-case")).string()) + pw), &out);
    INFO(out);
    CHECK(rc == 0);
    std::filesystem::permissions(copy, std::filesystem::perms::owner_all, std::filesystem::perm_options::add);
    CHECK(mfx::testing::HashTree(copy) == before);
  }
}

// A backup decrypted by another tool that kept its flags was reported "encrypted and was not
// unlocked", as if its content had not been read; it was read, and the report now says how it
// came to be plaintext.
TEST_CASE("analyze: a decrypted copy that kept its flags is described truthfully", "[cli][analyze]") {
  TempDir tmp;
  auto g = mfx::testing::GenerateBackup(tmp.path(), "flagged", {.style = "ios17", .traps = {"decrypted-flagged"}});
  const auto case_dir = tmp / "case";
  std::string out;
  const int rc = RunCommand(Mfx("analyze " + ShellQuote(g.dir.string()) + " --case " + ShellQuote(case_dir.string()) +
                                " --format jsonl"),
                            &out);
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(CompareAll(g.record, LoadExports(case_dir / "exports")) > 50);
  std::string info;
  REQUIRE(RunCommand(Mfx("backup info " + ShellQuote(g.dir.string())), &info) == 0);
  CHECK_THAT(info, Catch::Contains("files plaintext now (no password needed)"));
  CHECK_THAT(info, !Catch::Contains("locked"));
  REQUIRE(RunCommand(Mfx("report --case " + ShellQuote(case_dir.string()) + " --format html"), &out) == 0);
  std::ifstream in(case_dir / "report" / "report.json");
  const json model = json::parse(in);
  const std::string limits = model["limitations"].dump();
  CHECK_THAT(limits, Catch::Contains("decrypted before it reached mfx"));
  CHECK_THAT(limits, !Catch::Contains("was not unlocked"));
}
