// mfx backup info / ls / export, run as a user would, checked against the generator's records.
#include <sys/stat.h>

#include <fstream>
#include <set>

#include <catch2/catch.hpp>

#include "core/file_util.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

using mfx::testing::GeneratedBackup;
using mfx::testing::RunCommand;
using mfx::testing::ShellQuote;
using mfx::testing::TempDir;
using nlohmann::json;

namespace {

std::string Mfx(const std::string& args) { return ShellQuote(MFX_BINARY) + " " + args; }

std::string PasswordArg(const GeneratedBackup& g) {
  return g.password_file.empty() ? "" : " --password-file " + ShellQuote(g.password_file.string());
}

// Every payload of the record exported with its SHA-256 and modification time.
void CheckExport(const GeneratedBackup& g, const std::filesystem::path& dest) {
  size_t files = 0;
  for (const json& f : g.record["files"]) {
    if (f["kind"] != "file" || !f["blob_present"].get<bool>()) continue;
    const auto p = dest / f["domain"].get<std::string>() / f["relative_path"].get<std::string>();
    INFO(p.string());
    REQUIRE(std::filesystem::exists(p));
    CHECK(mfx::core::HashFileHex(p).value() == f["sha256"].get<std::string>());
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    if (!f["mtime"].is_null()) CHECK(st.st_mtim.tv_sec == f["mtime"].get<int64_t>());
    ++files;
  }
  CHECK(files == g.record["counts"]["files"].get<size_t>());
}

// Makes a tree read-only (files and folders), as evidence on write-blocked media.
void MakeReadOnly(const std::filesystem::path& root) {
  for (auto& e : std::filesystem::recursive_directory_iterator(root)) {
    std::filesystem::permissions(e.path(), std::filesystem::perms::owner_write | std::filesystem::perms::group_write |
                                               std::filesystem::perms::others_write,
                                 std::filesystem::perm_options::remove);
  }
  std::filesystem::permissions(root, std::filesystem::perms::owner_write, std::filesystem::perm_options::remove);
}

}  // namespace

TEST_CASE("every committed sample exports byte-exact with its modification times", "[cli][export]") {
  for (const char* name : {"ios17-plain", "ios17-encrypted", "ios9-plain", "ios9-encrypted"}) {
    SECTION(name) {
      auto g = mfx::testing::LoadSample(name);
      TempDir tmp;
      std::string out;
      const int rc = RunCommand(Mfx("backup export " + ShellQuote(g.dir.string()) + " " +
                                    ShellQuote((tmp / "out").string()) + PasswordArg(g)), &out);
      INFO(out);
      REQUIRE(rc == 0);
      CheckExport(g, tmp / "out");
      CHECK(std::filesystem::exists(tmp / "out/mfx-export.sha256"));
      // The hash list verifies with stock sha256sum.
      CHECK(RunCommand("cd " + ShellQuote((tmp / "out").string()) + " && sha256sum --quiet -c mfx-export.sha256") == 0);
    }
  }
}

// Files of 4 MiB and more are written with O_DIRECT (whole 4 KiB blocks; the tail buffered): the
// exported bytes and times must be the same as through the page cache.
TEST_CASE("large files export byte-exact with direct I/O and without", "[cli][export]") {
  TempDir tmp;
  for (bool encrypt : {true, false}) {
    DYNAMIC_SECTION((encrypt ? "encrypted" : "plain")) {
      auto g = mfx::testing::GenerateBackup(
          tmp.path(), encrypt ? "enc" : "plain",
          {.style = encrypt ? "ios17" : "ios9", .encrypt = encrypt,
           .extra_args = {"--bulk-bytes", "13000003", "--bulk-files", "3"}});
      size_t large = 0, unaligned = 0;
      for (const json& f : g.record["files"]) {
        if (f["kind"] != "file" || f["size"].get<uint64_t>() < (4u << 20)) continue;
        ++large;
        unaligned += f["size"].get<uint64_t>() % 4096 != 0;
      }
      REQUIRE(large >= 2);
      REQUIRE(unaligned >= 1);
      for (const char* mode : {"", " --no-direct-io"}) {
        const auto dest = tmp / (std::string(encrypt ? "enc" : "plain") + (*mode ? "-buffered" : "-direct"));
        std::string out;
        const int rc = RunCommand(Mfx("backup export " + ShellQuote(g.dir.string()) + " " + ShellQuote(dest.string()) +
                                      PasswordArg(g) + mode),
                                  &out);
        INFO(mode << ": " << out);
        REQUIRE(rc == 0);
        CheckExport(g, dest);
      }
    }
  }
}

TEST_CASE("evidence is never written: every command on a read-only copy leaves every byte", "[cli][immutability]") {
  TempDir tmp;
  for (const char* name : {"ios17-encrypted", "ios9-encrypted", "ios17-plain", "ios9-plain"}) {
    auto sample = mfx::testing::LoadSample(name);
    const auto copy = tmp / name;
    mfx::testing::CopyTree(sample.dir, copy);
    const auto before = mfx::testing::HashTree(copy);
    const auto stat_before = std::filesystem::last_write_time(copy);
    MakeReadOnly(copy);
    GeneratedBackup g = sample;
    g.dir = copy;
    const std::string b = ShellQuote(copy.string());
    for (const std::string& cmd :
         {"backup info " + b + PasswordArg(g), "backup info --json " + b + PasswordArg(g),
          "backup ls " + b + PasswordArg(g), "backup ls --all --json " + b + PasswordArg(g),
          "backup export " + b + " " + ShellQuote((tmp / (std::string(name) + "-out")).string()) + PasswordArg(g)}) {
      std::string out;
      INFO(cmd);
      CHECK(RunCommand(Mfx(cmd), &out) == 0);
    }
    CHECK(mfx::testing::HashTree(copy) == before);
    CHECK(std::filesystem::last_write_time(copy) == stat_before);
    std::set<std::string> names;
    for (auto& e : std::filesystem::recursive_directory_iterator(copy)) names.insert(e.path().filename().string());
    CHECK_FALSE(names.count("Manifest.db-wal"));  // nothing created next to the evidence
    CHECK_FALSE(names.count("Manifest.db-shm"));
  }
}

TEST_CASE("paths from the backup cannot escape the export folder", "[cli][export][security]") {
  TempDir tmp;
  for (const char* style : {"ios17", "ios9"}) {
    DYNAMIC_SECTION(style) {
      auto g = mfx::testing::GenerateBackup(tmp.path(), style, {.style = style, .traps = {"evil-paths"}});
      const auto dest = tmp / (std::string(style) + "-out/inner");
      std::string out;
      REQUIRE(RunCommand(Mfx("backup export " + ShellQuote(g.dir.string()) + " " + ShellQuote(dest.string())), &out) == 0);
      INFO(out);
      CHECK(out.find("refused path 'HomeDomain/../../escape.txt'") != std::string::npos);
      CHECK(out.find("refused path 'HomeDomain//etc/evil'") != std::string::npos);
      // Nothing landed outside DEST: scan the whole temp folder for the trap's names.
      for (auto& e : std::filesystem::recursive_directory_iterator(tmp.path())) {
        const std::string n = e.path().filename().string();
        if (n == "escape.txt" || n == "evil" || n == "b") {
          CHECK(e.path().string().rfind(g.dir.string(), 0) == 0);  // only inside the backup? never
        }
      }
      CHECK_FALSE(std::filesystem::exists(tmp / (std::string(style) + "-out/escape.txt")));
      CHECK_FALSE(std::filesystem::exists("/etc/evil"));
      // The refused files are still exported, under their fileID, with their content.
      size_t refused = 0;
      for (const json& f : g.record["files"]) {
        bool evil = false;
        for (const json& t : f["traps"]) evil |= t == "evil-paths";
        if (!evil || f["kind"] != "file") continue;
        const auto safe = dest / "_mfx_unsafe_paths" / f["file_id"].get<std::string>();
        const auto normal = dest / f["domain"].get<std::string>() / f["relative_path"].get<std::string>();
        const auto& where = std::filesystem::exists(safe) ? safe : normal;
        INFO(f["relative_path"].get<std::string>());
        REQUIRE(std::filesystem::exists(where));
        CHECK(std::filesystem::canonical(where).string().rfind(std::filesystem::canonical(dest).string(), 0) == 0);
        CHECK(mfx::core::HashFileHex(where).value() == f["sha256"].get<std::string>());
        refused += std::filesystem::exists(safe);
      }
      CHECK(refused >= 3);
    }
  }
}

TEST_CASE("passwords: wrong, missing, and the exit status", "[cli][password]") {
  TempDir tmp;
  auto g = mfx::testing::LoadSample("ios9-encrypted");
  std::ofstream(tmp / "wrong.txt") << "not-the-password\n";
  std::string out;
  CHECK(RunCommand(Mfx("backup ls " + ShellQuote(g.dir.string()) + " --password-file " +
                       ShellQuote((tmp / "wrong.txt").string()) + " </dev/null"), &out) == 1);
  CHECK(out.find("wrong password") != std::string::npos);
  CHECK(out.find("not-the-password") == std::string::npos);
  CHECK(RunCommand(Mfx("backup export " + ShellQuote(g.dir.string()) + " " + ShellQuote((tmp / "x").string()) +
                       " </dev/null"), &out) == 1);
  CHECK(out.find("--password-file") != std::string::npos);
  CHECK(RunCommand(Mfx("backup info " + ShellQuote(g.dir.string()) + " </dev/null"), &out) == 0);
  CHECK(out.find("encrypted:       yes") != std::string::npos);

  // Without the password an iOS 10+ manifest is unreadable: its counts are unknown, not zero, no
  // payload is "named by no manifest row", and nothing says "error" on a command that succeeded.
  auto locked = mfx::testing::LoadSample("ios17-encrypted");
  CHECK(RunCommand(Mfx("backup info " + ShellQuote(locked.dir.string()) + " </dev/null"), &out) ==
        0);
  CHECK(out.find("files:           unknown") != std::string::npos);
  CHECK(out.find("named by no manifest row") == std::string::npos);
  CHECK(out.find("error") == std::string::npos);
  REQUIRE(RunCommand(Mfx("backup info --json " + ShellQuote(locked.dir.string()) + " </dev/null"),
                     &out) == 0);
  const json info = json::parse(out);
  CHECK(info["manifest_readable"] == false);
  CHECK(info["counts"]["files"].is_null());
  CHECK(info["unlisted_files"].empty());
  REQUIRE(
      RunCommand(Mfx("backup info --json " + ShellQuote(locked.dir.string()) + PasswordArg(locked)),
                 &out) == 0);
  const json unlocked = json::parse(out);
  CHECK(unlocked["manifest_readable"] == true);
  CHECK(unlocked["counts"]["files"] == locked.record["counts"]["files"]);
  CHECK(unlocked["unlisted_files"].empty());
}

TEST_CASE("export refuses a destination inside the evidence or already in use", "[cli][export]") {
  TempDir tmp;
  auto g = mfx::testing::LoadSample("ios17-plain");
  mfx::testing::CopyTree(g.dir, tmp / "b");
  std::string out;
  CHECK(RunCommand(Mfx("backup export " + ShellQuote((tmp / "b").string()) + " " +
                       ShellQuote((tmp / "b/exported").string())), &out) == 1);
  CHECK(out.find("inside the backup folder") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(tmp / "b/exported"));
  std::filesystem::create_directories(tmp / "used");
  std::ofstream(tmp / "used/file") << "x";
  CHECK(RunCommand(Mfx("backup export " + ShellQuote((tmp / "b").string()) + " " +
                       ShellQuote((tmp / "used").string())), &out) == 1);
  CHECK(out.find("not an empty folder") != std::string::npos);
}

TEST_CASE("info and ls agree with the record", "[cli][info]") {
  auto g = mfx::testing::LoadSample("ios17-encrypted");
  std::string out;
  REQUIRE(RunCommand(Mfx("backup info --json " + ShellQuote(g.dir.string()) + PasswordArg(g)), &out) == 0);
  const json info = json::parse(out);
  CHECK(info["device"]["udid"] == g.record["device"]["UniqueDeviceID"]);
  CHECK(info["counts"]["files"] == g.record["counts"]["files"]);
  CHECK(info["encryption"]["was_encrypted"] == true);
  CHECK(info["encryption"]["unlocked"] == true);
  REQUIRE(RunCommand(Mfx("backup ls --json " + ShellQuote(g.dir.string()) + PasswordArg(g)), &out) == 0);
  std::map<std::string, json> by_path;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    json j = json::parse(line);
    by_path[j["path"].get<std::string>()] = j;
  }
  for (const json& f : g.record["files"]) {
    if (f["kind"] != "file") continue;
    const std::string path = f["domain"].get<std::string>() + "/" + f["relative_path"].get<std::string>();
    REQUIRE(by_path.count(path));
    CHECK(by_path[path]["size"] == f["size"]);
    CHECK(by_path[path]["file_id"] == f["file_id"]);
  }
  for (const char* cmd : {"--help", "backup --help", "backup export --help", "backup ls --help", "backup info --help"}) {
    CHECK(RunCommand(Mfx(cmd)) == 0);
  }
  CHECK(RunCommand(Mfx("nonsense")) == 2);
  CHECK(RunCommand(Mfx("backup ls --bogus x")) == 2);
}
