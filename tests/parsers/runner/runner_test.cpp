// The parser runner: module order, and the order of the runs it returns.
#include <catch2/catch.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "core/memory_env.h"
#include "parsers/backup/manifest_entry.h"
#include "parsers/runner.h"
#include "tests/parser_harness.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

namespace mfx::parsers {
namespace {

ParserModule FileModule(const std::string& name, const std::string& path,
                        std::vector<std::string>& started, std::mutex& mu) {
  ParserModule m;
  m.name = name;
  m.version = "1";
  InputSpec in;
  in.name = "in";
  in.domain = "HomeDomain";
  in.path = path;
  in.kind = InputSpec::Kind::kFile;
  m.inputs.push_back(std::move(in));
  m.parse = [name, &started, &mu](const ParserInputs&, ParserContext&) -> Status {
    std::lock_guard lock(mu);
    started.push_back(name);
    return {};
  };
  return m;
}

TEST_CASE("modules start largest input first; runs stay in registration order",
          "[parsers][runner]") {
  core::MemoryEnv env;
  env.Add("HomeDomain/small.bin", Bytes(10, 1));
  env.Add("HomeDomain/big.bin", Bytes(1000, 2));
  env.Add("HomeDomain/mid.bin", Bytes(100, 3));
  env.Add("HomeDomain/mid.bin-wal", Bytes(950, 4));  // a WAL counts with its database

  std::vector<std::string> started;
  std::mutex mu;
  const std::vector<ParserModule> modules = {
      FileModule("small", "small.bin", started, mu), FileModule("big", "big.bin", started, mu),
      FileModule("mid", "mid.bin", started, mu), FileModule("none", "absent.bin", started, mu)};

  mfx::testing::TempDir scratch;
  RunOptions options;
  options.scratch = scratch.path();
  options.threads = 1;  // one worker: the start order is the schedule
  mfx::testing::CollectingSink sink;
  const std::vector<ParserRun> runs = RunParsers(modules, env, EvidenceFacts{}, sink, options);

  CHECK(started == std::vector<std::string>{"mid", "big", "small"});
  REQUIRE(runs.size() == 4);
  CHECK(runs[0].name == "small");
  CHECK(runs[1].name == "big");
  CHECK(runs[2].name == "mid");
  CHECK(runs[3].name == "none");
  CHECK(runs[3].status == ParserRun::Status::kNoInput);
  for (size_t i = 0; i < 3; ++i) CHECK(runs[i].status == ParserRun::Status::kOk);
}

// A database the manifest lists whose payload is missing from the folder (an incomplete copy) was
// "no input", as if the device had none; it is a failed run naming the missing file.
TEST_CASE("an input listed in the manifest without its payload is reported missing, not absent",
          "[parsers][runner]") {
  mfx::testing::TempDir tmp;
  auto g = mfx::testing::GenerateBackup(tmp.path(), "b", {.style = "ios17"});
  const std::string domain = "HomeDomain", path = "Library/AddressBook/AddressBook.sqlitedb";
  const std::string id = backup::ComputeFileId(domain, path);
  REQUIRE(std::filesystem::remove(g.dir / id.substr(0, 2) / id));
  auto r = mfx::testing::ParseBackup(g.dir, {}, {"contacts", "calls"});
  const ParserRun* contacts = r.Run("contacts");
  REQUIRE(contacts);
  CHECK(contacts->status == ParserRun::Status::kFailed);
  CHECK_THAT(contacts->error, Catch::Contains(domain + "/" + path) && Catch::Contains("missing"));
  bool named = false;
  for (const auto& i : contacts->issues) {
    named |= i.kind == ParserIssue::Kind::kMissingInput && i.input == domain + "/" + path;
  }
  CHECK(named);
  CHECK(r.records["contacts"].empty());
  const ParserRun* calls = r.Run("calls");  // untouched: still parsed
  REQUIRE(calls);
  CHECK(calls->status == ParserRun::Status::kOk);
  CHECK_FALSE(r.records["calls"].empty());
}

}  // namespace
}  // namespace mfx::parsers
