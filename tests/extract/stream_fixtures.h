// Byte fixtures for the upload-stream parser and the attempt writer: a builder for the
// DLMessageUploadFiles byte stream, a source that plays bytes back in chosen pieces, and a sink
// that records what it was given. The expected values of every test come from the fixture
// itself, never from the parser.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "extract/upload_stream.h"

namespace mfx::extract::test {

class StreamBuilder {
 public:
  StreamBuilder& U32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes_.push_back(static_cast<uint8_t>(v >> shift));
    return *this;
  }
  StreamBuilder& Name(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    return *this;
  }
  StreamBuilder& Block(uint8_t code, std::string_view payload) {
    U32(static_cast<uint32_t>(payload.size() + 1));
    bytes_.push_back(code);
    bytes_.insert(bytes_.end(), payload.begin(), payload.end());
    return *this;
  }
  // A file: names, data in blocks of `block` bytes, the 0x00 end marker.
  StreamBuilder& File(std::string_view destination, std::string_view data, size_t block = 32768,
                      std::string_view device_path = "/var/mobile/x") {
    Name(device_path).Name(destination);
    for (size_t at = 0; at < data.size(); at += block) Block(0x0C, data.substr(at, block));
    return Block(0x00, "");
  }
  StreamBuilder& Terminator() { return U32(0); }
  const Bytes& bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }

 private:
  Bytes bytes_;
};

// Plays `bytes` back at most `piece` bytes per read; at the end returns `end` (kClosed: a cable
// pull). Positions in `idle_at` return one kIdle first.
class FixtureSource : public RawSource {
 public:
  FixtureSource(Bytes bytes, size_t piece, SourceEnd end = SourceEnd::kClosed, bool lossy = false)
      : bytes_(std::move(bytes)), piece_(piece), end_(end), lossy_(lossy) {}
  RawRead Read(std::span<uint8_t> out) override {
    if (idle_at_.count(pos_) != 0) {
      idle_at_.erase(pos_);
      return {0, SourceEnd::kIdle};
    }
    if (pos_ >= bytes_.size()) return {0, end_};
    const size_t n = std::min({out.size(), piece_, bytes_.size() - pos_});
    std::copy_n(bytes_.begin() + static_cast<long>(pos_), n, out.begin());
    pos_ += n;
    return {n, SourceEnd::kNone};
  }
  bool PartialReadsMayBeLost() const override { return lossy_; }
  void IdleAt(size_t position) { idle_at_.insert(position); }
  size_t position() const { return pos_; }

 private:
  Bytes bytes_;
  size_t piece_;
  SourceEnd end_;
  bool lossy_;
  size_t pos_ = 0;
  std::set<size_t> idle_at_;
};

struct ReceivedFile {
  std::string device_path;
  std::string destination;
  bool accepted = false;
  std::string data;
  bool ended = false;
  FileEnd end = FileEnd::kCut;
  std::string text;
  uint64_t discarded = 0;
};

class RecordingSink : public UploadSink {
 public:
  bool BeginFile(std::string_view device_path, std::string_view destination) override {
    ReceivedFile f;
    f.device_path = std::string(device_path);
    f.destination = std::string(destination);
    f.accepted = refuse.count(f.destination) == 0;
    files.push_back(std::move(f));
    return files.back().accepted;
  }
  bool FileData(ByteSpan bytes) override {
    ReceivedFile& f = files.back();
    if (fail_after >= 0 && static_cast<int64_t>(f.data.size() + bytes.size()) > fail_after) return false;
    f.data.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return true;
  }
  void EndFile(FileEnd end, std::string_view text, uint64_t discarded) override {
    ReceivedFile& f = files.back();
    f.ended = true;
    f.end = end;
    f.text = std::string(text);
    f.discarded = discarded;
  }
  std::vector<ReceivedFile> files;
  std::set<std::string> refuse;
  int64_t fail_after = -1;
};

// Deterministic bytes.
inline std::string Pattern(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x & 0xff);
  }
  return out;
}

}  // namespace mfx::extract::test
