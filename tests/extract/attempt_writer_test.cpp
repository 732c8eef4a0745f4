// The attempt writer and the path sandbox on a temp folder: .part files renamed only on their end
// marker, hashes as received, refused device paths (.., absolute, other UDID, planted symlinks),
// long names, removals that keep evidence, moves tracked in the ledger.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "core/crypto.h"
#include "extract/attempt_writer.h"
#include "extract/path_sandbox.h"
#include "tests/extract/emulator/emulator_harness.h"
#include "tests/extract/stream_fixtures.h"

namespace mfx::extract::test {
namespace {

namespace fs = std::filesystem;
constexpr const char* kUdid = "00008030-001A35E02E38802E";

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "mfx-aw-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::unique_ptr<AttemptWriter> MakeWriter(const fs::path& dir) {
  Ledger ledger;
  ledger.evidence_id = "E-01";
  ledger.attempt = 1;
  ledger.udid = kUdid;
  auto writer = AttemptWriter::Open(dir, ledger);
  REQUIRE(writer);
  return std::move(*writer);
}

std::string U(const std::string& rest) { return std::string(kUdid) + "/" + rest; }

TEST_CASE("device paths: what the sandbox refuses", "[extract][sandbox]") {
  CHECK(DevicePathProblem(U("Snapshot/ab/abcdef"), kUdid).empty());
  CHECK(DevicePathProblem(U("Status.plist"), kUdid).empty());
  CHECK_FALSE(DevicePathProblem("", kUdid).empty());
  CHECK(DevicePathProblem(U("../../escaped.txt"), kUdid) == "'..' component");
  CHECK(DevicePathProblem(U("a/./b"), kUdid) == "'.' component");
  CHECK(DevicePathProblem(U("a//b"), kUdid) == "empty path component");
  CHECK(DevicePathProblem("/etc/passwd", kUdid) == "absolute path");
  CHECK(DevicePathProblem(std::string(kUdid) + "/a\0b", kUdid).empty());  // std::string stops at NUL
  CHECK(DevicePathProblem(std::string(U("a")) + std::string(1, '\0') + "b", kUdid) == "contains NUL");
  CHECK(DevicePathProblem(U("bad\xff"), kUdid) == "not valid UTF-8");
  CHECK(DevicePathProblem(U("a\nb"), kUdid).find("newline") != std::string::npos);
  CHECK(DevicePathProblem(U("a\\b"), kUdid).find("backslash") != std::string::npos);
  CHECK(DevicePathProblem("OTHERUDID/x", kUdid).find("UDID") != std::string::npos);
  CHECK(DevicePathProblem(kUdid, kUdid).empty());
  const std::string at_limit = U(std::string(4096 - std::string(kUdid).size() - 1, 'x'));
  REQUIRE(at_limit.size() == 4096);
  CHECK(DevicePathProblem(at_limit, kUdid).empty());
  CHECK(DevicePathProblem(at_limit + "y", kUdid) == "longer than 4096 bytes");
}

TEST_CASE("attempt writer: a file becomes visible only on its end marker, hashed as received",
          "[extract][attempt_writer]") {
  TempDir dir;
  auto writer = MakeWriter(dir.path());
  const std::string data = Pattern(100000, 9);
  const std::string cut = Pattern(50000, 10);
  const Bytes stream = StreamBuilder()
                           .File(U("Snapshot/aa/aa11"), data, 32768)
                           .File(U("Snapshot/bb/empty"), "")
                           .Name("/d")
                           .Name(U("Snapshot/cc/cut"))
                           .Block(0x0C, cut)
                           .bytes();  // the cable is pulled here
  FixtureSource source(stream, 16384);
  const UploadBatchResult r = ReadUploadBatch(source, *writer);
  CHECK(r.end == UploadBatchResult::End::kStreamEnded);
  writer->AbandonOpenFile("cable pulled");
  REQUIRE(writer->Save());

  CHECK(ReadFile(dir.path() / U("Snapshot/aa/aa11")) == data);
  CHECK(fs::file_size(dir.path() / U("Snapshot/bb/empty")) == 0);
  CHECK_FALSE(fs::exists(dir.path() / U("Snapshot/cc/cut")));
  REQUIRE(fs::exists(dir.path() / U("Snapshot/cc/cut.part")));
  CHECK(fs::file_size(dir.path() / U("Snapshot/cc/cut.part")) == cut.size());

  const Ledger& l = writer->ledger();
  REQUIRE(l.files.size() == 2);
  CHECK(l.files[0].path == U("Snapshot/aa/aa11"));
  CHECK(l.files[0].size == data.size());
  CHECK(l.files[0].sha256 == core::Sha256Hex(AsBytes(data)));
  CHECK(l.files[1].sha256 == core::Sha256Hex(ByteSpan()));
  REQUIRE(l.incomplete.size() == 1);
  CHECK(l.incomplete[0].destination == U("Snapshot/cc/cut"));
  CHECK(l.incomplete[0].part_path == U("Snapshot/cc/cut.part"));
  CHECK(l.incomplete[0].bytes_received == cut.size());
  CHECK(l.incomplete[0].sha256_of_received == core::Sha256Hex(AsBytes(cut)));
  CHECK(l.incomplete[0].end == "cut");
  // The ledger on disk says the same.
  const auto json = nlohmann::json::parse(ReadFile(dir.path() / "attempt.json"));
  CHECK(json["totals"]["complete_files"] == 2);
  CHECK(json["totals"]["incomplete_files"] == 1);
  CHECK(json["totals"]["incomplete_bytes_received"] == cut.size());
  CHECK(json["files"].size() == 2);
}

// Files that fill the 1 MiB buffer are written with O_DIRECT where the folder's filesystem allows
// (whole blocks direct, the tail buffered): the bytes must be exactly what was received, in blocks
// that do not line up with the buffer, and so must a large file cut off mid-way.
TEST_CASE("attempt writer: large files, whole and cut, land byte-exact", "[extract][attempt_writer]") {
  TempDir dir;
  auto writer = MakeWriter(dir.path());
  const std::string big = Pattern((7u << 19) + 777, 21);  // 3.5 MiB + 777
  const std::string exact = Pattern(2u << 20, 22);        // exactly two buffers
  const std::string cut = Pattern((9u << 18) + 5, 23);    // 2.25 MiB + 5, then the cable
  const Bytes stream = StreamBuilder()
                           .File(U("Snapshot/aa/big"), big, (3u << 19) + 3)  // 1.5 MiB + 3 blocks
                           .File(U("Snapshot/bb/exact"), exact, 65536)
                           .Name("/d")
                           .Name(U("Snapshot/cc/cut"))
                           .Block(0x0C, cut)
                           .bytes();
  FixtureSource source(stream, 100003);
  const UploadBatchResult r = ReadUploadBatch(source, *writer);
  CHECK(r.end == UploadBatchResult::End::kStreamEnded);
  writer->AbandonOpenFile("cable pulled");
  REQUIRE(writer->Save());
  CHECK(ReadFile(dir.path() / U("Snapshot/aa/big")) == big);
  CHECK(ReadFile(dir.path() / U("Snapshot/bb/exact")) == exact);
  CHECK(ReadFile(dir.path() / U("Snapshot/cc/cut.part")) == cut);
  const Ledger& l = writer->ledger();
  REQUIRE(l.files.size() == 2);
  CHECK(l.files[0].sha256 == core::Sha256Hex(AsBytes(big)));
  CHECK(l.files[1].sha256 == core::Sha256Hex(AsBytes(exact)));
  REQUIRE(l.incomplete.size() == 1);
  CHECK(l.incomplete[0].bytes_received == cut.size());
  CHECK(l.incomplete[0].sha256_of_received == core::Sha256Hex(AsBytes(cut)));
}

TEST_CASE("attempt writer: hostile destinations stay inside the attempt folder",
          "[extract][attempt_writer][sandbox]") {
  const bool walk = GENERATE(false, true);
  SandboxDir::ForceWalkForTesting(walk);
  TempDir dir;
  const fs::path attempt = dir.path() / "attempt-1";
  fs::create_directories(attempt / kUdid);
  // A link planted inside, pointing out (as a previous hostile upload might have tried).
  fs::create_directory_symlink(dir.path(), attempt / kUdid / "link");
  auto writer = MakeWriter(attempt);
  const Bytes stream = StreamBuilder()
                           .File(U("../../escaped.txt"), "evil")
                           .File("/tmp/absolute-escape.txt", "evil")
                           .File("OTHER-UDID/x", "evil")
                           .File(U("link/through-link.txt"), "evil")
                           .File(U("fine.txt"), "good")
                           .Terminator()
                           .bytes();
  FixtureSource source(stream, 64);
  CHECK(ReadUploadBatch(source, *writer).end == UploadBatchResult::End::kBatchEnd);
  INFO("openat walk: " << walk);
  CHECK_FALSE(fs::exists(dir.path() / "escaped.txt"));
  CHECK_FALSE(fs::exists(dir.path().parent_path() / "escaped.txt"));
  CHECK_FALSE(fs::exists(dir.path() / "through-link.txt"));
  CHECK(ReadFile(attempt / U("fine.txt")) == "good");
  const Ledger& l = writer->ledger();
  REQUIRE(l.refused.size() == 4);
  CHECK(l.refused[0].why == "'..' component");
  CHECK(l.refused[1].why == "absolute path");
  CHECK(l.refused[2].why.find("UDID") != std::string::npos);
  CHECK(l.refused[3].why.find("cannot be created") != std::string::npos);
  for (const auto& r : l.refused) CHECK(r.bytes_discarded == 4);
  CHECK(writer->TakeBatchProblems().size() == 4);
  CHECK(l.files.size() == 1);
  SandboxDir::ForceWalkForTesting(false);
}

TEST_CASE("attempt writer: a 4096-byte destination is stored (walked component by component)",
          "[extract][attempt_writer][sandbox]") {
  TempDir dir;
  auto writer = MakeWriter(dir.path());
  std::string destination = kUdid;
  while (destination.size() + 201 < 4096) destination += "/" + std::string(200, 'd');
  destination += "/" + std::string(4096 - destination.size() - 1, 'f');
  REQUIRE(destination.size() == 4096);
  FixtureSource source(StreamBuilder().File(destination, "deep").Terminator().bytes(), 100);
  CHECK(ReadUploadBatch(source, *writer).end == UploadBatchResult::End::kBatchEnd);
  REQUIRE(writer->ledger().files.size() == 1);
  CHECK(writer->ledger().files[0].path == destination);
  CHECK(writer->ledger().refused.empty());
}

TEST_CASE("attempt writer: moves follow the files; removals keep received files",
          "[extract][attempt_writer]") {
  TempDir dir;
  auto writer = MakeWriter(dir.path());
  FixtureSource source(StreamBuilder()
                           .File(U("Snapshot/aa/aa1"), "one")
                           .File(U("Snapshot/bb/bb2"), "two")
                           .File(U("Status.plist"), "first")
                           .File(U("Status.plist"), "second")
                           .Terminator()
                           .bytes(),
                       7);
  CHECK(ReadUploadBatch(source, *writer).end == UploadBatchResult::End::kBatchEnd);
  CHECK(writer->CreateDirectory(U("aa")).code == 0);
  CHECK(writer->Move(U("Snapshot/aa/aa1"), U("aa/aa1")).code == 0);
  CHECK(writer->Move(U("Snapshot/zz/missing"), U("zz/missing")).code == -6);  // ENOENT, as 1.3.0
  CHECK(writer->Move(U("../x"), U("y")).code != 0);
  // Remove the snapshot: bb2 is still in it and stays.
  CHECK(writer->Remove(U("Snapshot")).code == 0);
  CHECK(fs::exists(dir.path() / U("Snapshot/bb/bb2")));
  CHECK_FALSE(fs::exists(dir.path() / U("Snapshot/aa")));  // emptied by the move: removed
  CHECK(ReadFile(dir.path() / U("aa/aa1")) == "one");
  CHECK(ReadFile(dir.path() / U("Status.plist")) == "second");

  const Ledger& l = writer->ledger();
  const auto current = l.CurrentFiles();
  REQUIRE(current.size() == 3);
  CHECK(current[0]->path == U("aa/aa1"));
  CHECK(current[0]->received_as == U("Snapshot/aa/aa1"));
  const auto json = l.ToJson();
  REQUIRE(json["superseded"].size() == 1);
  CHECK(json["superseded"][0]["sha256"] == core::Sha256Hex(AsBytes(std::string("first"))));
  bool kept = false;
  for (const auto& op : json["operations"]) {
    kept |= op["op"] == "remove" && op["result"] == "kept" && op["kept_files"] == 1;
  }
  CHECK(kept);
}

}  // namespace
}  // namespace mfx::extract::test
