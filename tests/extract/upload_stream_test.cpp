// The DLMessageUploadFiles stream parser on byte fixtures: piece boundaries, empty files, end
// markers, truncation at every byte, idle sources, 4096-byte names, protocol errors.
#include <catch2/catch.hpp>

#include "tests/extract/stream_fixtures.h"

namespace mfx::extract::test {
namespace {

const std::string kA = Pattern(70000, 1);
const std::string kB = Pattern(5, 2);

Bytes TwoFiles() {
  return StreamBuilder()
      .File("U/Snapshot/aa/a", kA, 32768)
      .File("U/Snapshot/bb/b", kB, 32768, "/var/mobile/b")
      .Terminator()
      .bytes();
}

TEST_CASE("upload stream: two files arrive whole whatever the piece size",
          "[extract][upload_stream]") {
  const size_t piece = GENERATE(1, 3, 4, 5, 7, 4096, 16384, 32769, 1 << 20);
  FixtureSource source(TwoFiles(), piece);
  RecordingSink sink;
  const UploadBatchResult r = ReadUploadBatch(source, sink);
  INFO("piece " << piece);
  CHECK(r.end == UploadBatchResult::End::kBatchEnd);
  CHECK(r.files == 2);
  CHECK(r.payload_bytes == kA.size() + kB.size());
  REQUIRE(sink.files.size() == 2);
  CHECK(sink.files[0].destination == "U/Snapshot/aa/a");
  CHECK(sink.files[0].device_path == "/var/mobile/x");
  CHECK(sink.files[0].data == kA);
  CHECK(sink.files[0].end == FileEnd::kComplete);
  CHECK(sink.files[1].data == kB);
  CHECK(sink.files[1].device_path == "/var/mobile/b");
  CHECK(sink.files[1].end == FileEnd::kComplete);
  CHECK(source.position() == TwoFiles().size());  // nothing read past the terminator
}

TEST_CASE("upload stream: an empty file is a name and the end marker", "[extract][upload_stream]") {
  FixtureSource source(StreamBuilder().File("U/e", "").Terminator().bytes(), 2);
  RecordingSink sink;
  CHECK(ReadUploadBatch(source, sink).end == UploadBatchResult::End::kBatchEnd);
  REQUIRE(sink.files.size() == 1);
  CHECK(sink.files[0].data.empty());
  CHECK(sink.files[0].end == FileEnd::kComplete);
}

TEST_CASE("upload stream: an empty batch is only the terminator", "[extract][upload_stream]") {
  FixtureSource source(StreamBuilder().Terminator().bytes(), 1);
  RecordingSink sink;
  const UploadBatchResult r = ReadUploadBatch(source, sink);
  CHECK(r.end == UploadBatchResult::End::kBatchEnd);
  CHECK(r.files == 0);
  CHECK(sink.files.empty());
}

TEST_CASE("upload stream: 0x0B after data ends the file as a remote error, not complete",
          "[extract][upload_stream]") {
  // 1.3.0 takes this for a normal end of file (its last_code quirk); mfx must not.
  const Bytes stream = StreamBuilder()
                           .Name("/d")
                           .Name("U/x")
                           .Block(0x0C, kA.substr(0, 40000))
                           .Block(0x0B, "Input/output error")
                           .File("U/y", kB)
                           .Terminator()
                           .bytes();
  FixtureSource source(stream, 777);
  RecordingSink sink;
  CHECK(ReadUploadBatch(source, sink).end == UploadBatchResult::End::kBatchEnd);
  REQUIRE(sink.files.size() == 2);
  CHECK(sink.files[0].end == FileEnd::kRemoteError);
  CHECK(sink.files[0].text == "Input/output error");
  CHECK(sink.files[0].data == kA.substr(0, 40000));
  CHECK(sink.files[1].end == FileEnd::kComplete);
}

TEST_CASE("upload stream: 0x06 is a local error with its text", "[extract][upload_stream]") {
  FixtureSource source(
      StreamBuilder().Name("/d").Name("U/x").Block(0x06, "No such file").Terminator().bytes(), 3);
  RecordingSink sink;
  CHECK(ReadUploadBatch(source, sink).end == UploadBatchResult::End::kBatchEnd);
  REQUIRE(sink.files.size() == 1);
  CHECK(sink.files[0].end == FileEnd::kLocalError);
  CHECK(sink.files[0].text == "No such file");
}

TEST_CASE("upload stream: cut at every byte, no file is ever complete unless its marker arrived",
          "[extract][upload_stream]") {
  const std::string a = Pattern(300, 3);
  const std::string b = Pattern(100, 4);
  const Bytes full = StreamBuilder().File("U/a", a, 128).File("U/b", b, 64).Terminator().bytes();
  // Where each file's end marker ends in the stream (computed from the fixture layout).
  const size_t a_header = 4 + 13 + 4 + 3;  // device path "/var/mobile/x", destination "U/a"
  const size_t a_blocks = (4 + 1 + 128) * 2 + (4 + 1 + 44);
  const size_t a_end = a_header + a_blocks + 5;
  const size_t b_end = a_end + a_header + (4 + 1 + 64) + (4 + 1 + 36) + 5;
  REQUIRE(b_end + 4 == full.size());
  for (size_t cut = 0; cut < full.size(); ++cut) {
    const Bytes prefix(full.begin(), full.begin() + static_cast<long>(cut));
    FixtureSource source(prefix, 1 + cut % 5);
    RecordingSink sink;
    const UploadBatchResult r = ReadUploadBatch(source, sink);
    INFO("cut at " << cut);
    REQUIRE(r.end == UploadBatchResult::End::kStreamEnded);
    CHECK(r.source_end == SourceEnd::kClosed);
    for (const ReceivedFile& f : sink.files) {
      CHECK(f.ended);
      const std::string& expected = f.destination == "U/a" ? a : b;
      // What was handed on is exactly a prefix of the file, and complete only when it all came.
      CHECK(expected.compare(0, f.data.size(), f.data) == 0);
      if (f.end == FileEnd::kComplete) CHECK(f.data == expected);
    }
    const bool a_complete = !sink.files.empty() && sink.files[0].end == FileEnd::kComplete;
    CHECK(a_complete == (cut >= a_end));
    const bool b_complete = sink.files.size() > 1 && sink.files[1].end == FileEnd::kComplete;
    CHECK(b_complete == (cut >= b_end));
    if (!sink.files.empty() && !a_complete) CHECK(sink.files[0].end == FileEnd::kCut);
  }
}

TEST_CASE("upload stream: a cut mid-block keeps exactly the bytes that arrived",
          "[extract][upload_stream]") {
  // The header announces a whole 32 KiB block but only 10000 bytes come (a cable pull).
  Bytes stream = StreamBuilder().Name("/d").Name("U/x").Block(0x0C, kA.substr(0, 32768)).bytes();
  const Bytes header = StreamBuilder().U32(32769).bytes();
  stream.insert(stream.end(), header.begin(), header.end());
  stream.push_back(0x0C);
  stream.insert(stream.end(), kA.begin() + 32768, kA.begin() + 32768 + 10000);
  FixtureSource source(stream, 4096);
  RecordingSink sink;
  const UploadBatchResult r = ReadUploadBatch(source, sink);
  CHECK(r.end == UploadBatchResult::End::kStreamEnded);
  REQUIRE(sink.files.size() == 1);
  CHECK(sink.files[0].end == FileEnd::kCut);
  CHECK(sink.files[0].data == kA.substr(0, 42768));
}

TEST_CASE("upload stream: idle between frames is waited for; idle inside a block of a lossy "
          "source ends the stream",
          "[extract][upload_stream]") {
  const Bytes stream = StreamBuilder().File("U/a", kA, 32768).Terminator().bytes();
  SECTION("idle at the start and between files: waited for") {
    FixtureSource source(stream, 1000, SourceEnd::kClosed, true);
    source.IdleAt(0);
    source.IdleAt(stream.size() - 4);
    RecordingSink sink;
    CHECK(ReadUploadBatch(source, sink).end == UploadBatchResult::End::kBatchEnd);
    CHECK(sink.files.at(0).data == kA);
  }
  SECTION("idle inside a block of a lossless source: waited for") {
    FixtureSource source(stream, 1000, SourceEnd::kClosed, false);
    source.IdleAt(5029);  // a piece boundary: 29 header bytes, then 1000-byte pieces
    RecordingSink sink;
    CHECK(ReadUploadBatch(source, sink).end == UploadBatchResult::End::kBatchEnd);
    CHECK(sink.files.at(0).end == FileEnd::kComplete);
  }
  SECTION("idle inside a block of a lossy source: the stream cannot be trusted") {
    FixtureSource source(stream, 1000, SourceEnd::kClosed, true);
    source.IdleAt(5029);  // a piece boundary: 29 header bytes, then 1000-byte pieces
    RecordingSink sink;
    const UploadBatchResult r = ReadUploadBatch(source, sink);
    CHECK(r.end == UploadBatchResult::End::kStreamEnded);
    CHECK(r.source_end == SourceEnd::kIdle);
    CHECK(sink.files.at(0).end == FileEnd::kCut);
    CHECK(kA.compare(0, sink.files[0].data.size(), sink.files[0].data) == 0);
  }
}

TEST_CASE("upload stream: a stall or cancel ends the stream with its reason",
          "[extract][upload_stream]") {
  const Bytes stream = StreamBuilder().File("U/a", kA, 32768).Terminator().bytes();
  const Bytes prefix(stream.begin(), stream.begin() + 20000);
  const SourceEnd end = GENERATE(SourceEnd::kStalled, SourceEnd::kCancelled);
  FixtureSource source(prefix, 4096, end);
  RecordingSink sink;
  const UploadBatchResult r = ReadUploadBatch(source, sink);
  CHECK(r.end == UploadBatchResult::End::kStreamEnded);
  CHECK(r.source_end == end);
  CHECK(sink.files.at(0).end == FileEnd::kCut);
}

TEST_CASE("upload stream: 4096-byte names pass through whole; longer ones too (the sink refuses)",
          "[extract][upload_stream]") {
  const std::string long_name = "U/" + std::string(4094, 'n');
  REQUIRE(long_name.size() == 4096);
  const std::string longer = "U/" + std::string(70000, 'm');
  const Bytes stream = StreamBuilder()
                           .File(long_name, "abc", 2, std::string(4096, 'p'))
                           .File(longer, kB)
                           .File("U/after", kB)
                           .Terminator()
                           .bytes();
  FixtureSource source(stream, 333);
  RecordingSink sink;
  sink.refuse.insert(longer);
  const UploadBatchResult r = ReadUploadBatch(source, sink);
  CHECK(r.end == UploadBatchResult::End::kBatchEnd);
  REQUIRE(sink.files.size() == 3);
  CHECK(sink.files[0].destination == long_name);
  CHECK(sink.files[0].device_path.size() == 4096);
  CHECK(sink.files[0].data == "abc");
  CHECK_FALSE(sink.files[1].accepted);
  CHECK(sink.files[1].discarded == kB.size());
  CHECK(sink.files[1].data.empty());
  CHECK(sink.files[2].data == kB);  // the stream stayed in step after the refused file
}

TEST_CASE("upload stream: protocol errors", "[extract][upload_stream]") {
  SECTION("a name longer than 1 MiB") {
    FixtureSource source(StreamBuilder().U32(kMaxNameBytes + 1).bytes(), 4);
    RecordingSink sink;
    const UploadBatchResult r = ReadUploadBatch(source, sink);
    CHECK(r.end == UploadBatchResult::End::kProtocolError);
    CHECK(sink.files.empty());
  }
  SECTION("a zero-length block") {
    FixtureSource source(StreamBuilder().Name("/d").Name("U/x").U32(0).bytes(), 4);
    RecordingSink sink;
    const UploadBatchResult r = ReadUploadBatch(source, sink);
    CHECK(r.end == UploadBatchResult::End::kProtocolError);
    CHECK(sink.files.at(0).end == FileEnd::kCut);
  }
  SECTION("an unknown block code") {
    FixtureSource source(
        StreamBuilder().Name("/d").Name("U/x").Block(0x0C, "ab").Block(0x42, "").bytes(), 4);
    RecordingSink sink;
    const UploadBatchResult r = ReadUploadBatch(source, sink);
    CHECK(r.end == UploadBatchResult::End::kProtocolError);
    CHECK(r.message.find("0x42") != std::string::npos);
    CHECK(sink.files.at(0).end == FileEnd::kCut);
  }
}

TEST_CASE("upload stream: a sink that cannot store a file ends it as a local error and the "
          "stream stays in step",
          "[extract][upload_stream]") {
  FixtureSource source(StreamBuilder().File("U/a", kA, 1000).File("U/b", kB).Terminator().bytes(),
                       512);
  RecordingSink sink;
  sink.fail_after = 3000;
  CHECK(ReadUploadBatch(source, sink).end == UploadBatchResult::End::kBatchEnd);
  REQUIRE(sink.files.size() == 2);
  CHECK(sink.files[0].end == FileEnd::kLocalError);
  CHECK(sink.files[0].data.size() + sink.files[0].discarded == kA.size());
  CHECK(sink.files[1].end == FileEnd::kComplete);
  CHECK(sink.files[1].data == kB);
}

}  // namespace
}  // namespace mfx::extract::test
