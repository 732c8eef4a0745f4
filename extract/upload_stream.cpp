#include "extract/upload_stream.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

namespace mfx::extract {
namespace {

constexpr uint8_t kCodeSuccess = 0x00;
constexpr uint8_t kCodeLocalError = 0x06;
constexpr uint8_t kCodeRemoteError = 0x0B;
constexpr uint8_t kCodeFileData = 0x0C;

constexpr size_t kBuffer = 64 << 10;

class Reader {
 public:
  Reader(RawSource& source, UploadBatchResult& result) : source_(source), result_(result) {}

  // Fills `out` completely. `at_boundary`: no byte of the current frame has been read yet, so an
  // idle source is simply waited for.
  bool Fill(std::span<uint8_t> out, bool at_boundary) {
    size_t got = 0;
    while (got < out.size()) {
      const RawRead r = source_.Read(out.subspan(got));
      if (r.bytes > 0) {
        got += r.bytes;
        continue;
      }
      if (r.end == SourceEnd::kIdle) {
        if ((at_boundary && got == 0) || !source_.PartialReadsMayBeLost()) continue;
        return End(SourceEnd::kIdle,
                   "no data inside a block for the transport's receive timeout; bytes of a "
                   "partial read may have been dropped by libimobiledevice, so the stream "
                   "cannot be trusted any further");
      }
      return End(r.end == SourceEnd::kNone ? SourceEnd::kClosed : r.end,
                 std::string("the stream ended (") + std::string(SourceEndName(r.end)) + ")");
    }
    return true;
  }

  bool U32(uint32_t& value, bool at_boundary) {
    std::array<uint8_t, 4> b{};
    if (!Fill(b, at_boundary)) return false;
    value = LoadBe32(b.data());
    return true;
  }

  bool Text(size_t length, std::string& out, size_t keep) {
    out.clear();
    std::vector<uint8_t> buffer(std::min(length, kBuffer));
    size_t left = length;
    while (left > 0) {
      const size_t n = std::min(left, buffer.size());
      if (!Fill(std::span<uint8_t>(buffer.data(), n), false)) return false;
      const size_t room = out.size() < keep ? keep - out.size() : 0;
      out.append(reinterpret_cast<const char*>(buffer.data()), std::min(room, n));
      left -= n;
    }
    return true;
  }

  bool End(SourceEnd end, std::string message) {
    result_.end = UploadBatchResult::End::kStreamEnded;
    result_.source_end = end;
    result_.message = std::move(message);
    return false;
  }

  bool Protocol(std::string message) {
    result_.end = UploadBatchResult::End::kProtocolError;
    result_.message = std::move(message);
    return false;
  }

  RawSource& source_;
  UploadBatchResult& result_;
};

}  // namespace

std::string_view SourceEndName(SourceEnd end) {
  switch (end) {
    case SourceEnd::kNone:
      return "none";
    case SourceEnd::kIdle:
      return "idle";
    case SourceEnd::kClosed:
      return "connection closed";
    case SourceEnd::kStalled:
      return "stalled";
    case SourceEnd::kCancelled:
      return "cancelled";
  }
  return "?";
}

std::string_view FileEndName(FileEnd end) {
  switch (end) {
    case FileEnd::kComplete:
      return "complete";
    case FileEnd::kRemoteError:
      return "remote_error";
    case FileEnd::kLocalError:
      return "local_error";
    case FileEnd::kCut:
      return "cut";
  }
  return "?";
}

UploadBatchResult ReadUploadBatch(RawSource& source, UploadSink& sink) {
  UploadBatchResult result;
  Reader reader(source, result);
  std::vector<uint8_t> buffer(kBuffer);
  while (true) {
    uint32_t name_length = 0;
    if (!reader.U32(name_length, true)) return result;
    if (name_length == 0) {
      result.end = UploadBatchResult::End::kBatchEnd;
      return result;
    }
    if (name_length > kMaxNameBytes) {
      reader.Protocol("device path length " + std::to_string(name_length) + " exceeds " +
                      std::to_string(kMaxNameBytes) + " bytes");
      return result;
    }
    std::string device_path;
    if (!reader.Text(name_length, device_path, kMaxNameBytes)) return result;
    uint32_t destination_length = 0;
    if (!reader.U32(destination_length, false)) return result;
    if (destination_length > kMaxNameBytes) {
      reader.Protocol("destination length " + std::to_string(destination_length) + " exceeds " +
                      std::to_string(kMaxNameBytes) + " bytes");
      return result;
    }
    std::string destination;
    if (!reader.Text(destination_length, destination, kMaxNameBytes)) return result;

    ++result.files;
    const bool keeping = sink.BeginFile(device_path, destination);
    bool failed = false;
    uint64_t discarded = 0;
    while (true) {
      uint32_t length = 0;
      if (!reader.U32(length, false)) {
        sink.EndFile(FileEnd::kCut, result.message, discarded);
        return result;
      }
      if (length == 0) {
        sink.EndFile(FileEnd::kCut, "protocol error: zero-length block", discarded);
        reader.Protocol("zero-length block in the file stream of " + SanitizeUtf8(destination));
        return result;
      }
      uint8_t code = 0;
      if (!reader.Fill(std::span<uint8_t>(&code, 1), false)) {
        sink.EndFile(FileEnd::kCut, result.message, discarded);
        return result;
      }
      const uint64_t payload = length - 1;
      if (code == kCodeFileData) {
        uint64_t left = payload;
        while (left > 0) {
          const size_t n = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
          // Read the piece the source can give; hand each piece on as it arrives.
          size_t got = 0;
          while (got < n) {
            const RawRead r = source.Read(std::span<uint8_t>(buffer.data() + got, n - got));
            if (r.bytes == 0) {
              if (r.end == SourceEnd::kIdle && !source.PartialReadsMayBeLost()) continue;
              // Every piece that arrived was handed on already (below).
              if (r.end == SourceEnd::kIdle) {
                reader.End(SourceEnd::kIdle,
                           "no data inside a block for the transport's receive timeout; bytes of "
                           "a partial read may have been dropped, so the stream cannot be "
                           "trusted any further");
              } else {
                reader.End(r.end == SourceEnd::kNone ? SourceEnd::kClosed : r.end,
                           std::string("the stream ended (") + std::string(SourceEndName(r.end)) +
                               ")");
              }
              sink.EndFile(FileEnd::kCut, result.message, discarded);
              return result;
            }
            const bool kept =
                keeping && !failed && sink.FileData(ByteSpan(buffer.data() + got, r.bytes));
            if (!kept) {
              if (keeping) failed = true;  // the sink could not store it: the rest is discarded
              discarded += r.bytes;
            }
            result.payload_bytes += r.bytes;
            got += r.bytes;
          }
          left -= n;
        }
        continue;
      }
      if (code == kCodeSuccess || code == kCodeRemoteError || code == kCodeLocalError) {
        std::string text;
        if (!reader.Text(static_cast<size_t>(payload), text, kMaxErrorTextBytes)) {
          sink.EndFile(FileEnd::kCut, result.message, discarded);
          return result;
        }
        if (code == kCodeSuccess) {
          sink.EndFile(failed ? FileEnd::kLocalError : FileEnd::kComplete,
                       failed ? "the host could not store the file" : "", discarded);
        } else {
          sink.EndFile(code == kCodeRemoteError ? FileEnd::kRemoteError : FileEnd::kLocalError,
                       SanitizeUtf8(text), discarded);
        }
        break;
      }
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02X", code);
      sink.EndFile(FileEnd::kCut, std::string("protocol error: unknown block code ") + hex,
                   discarded);
      reader.Protocol(std::string("unknown block code ") + hex + " in the file stream of " +
                      SanitizeUtf8(destination));
      return result;
    }
  }
}

}  // namespace mfx::extract
