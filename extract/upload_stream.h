#pragma once
// The file stream of DLMessageUploadFiles (DEVICE.md §6), parsed by us: what the device sends
// after the message, until the batch terminator.
//
//   repeat: u32 BE len + device path        (0 = end of batch)
//           u32 BE len + destination        (relative to the backup root)
//           blocks: u32 BE (n + 1), code, n bytes
//                   0x0C data · 0x00 end of file (success) · 0x0B remote error + text ·
//                   0x06 local error + text
//
// Differences from libimobiledevice 1.3.0's reader, on purpose:
//   - a 0x0B (or 0x06) after data ends the file as *failed*, with its text; 1.3.0 takes a 0x0B
//     right after data for a normal end of file (its last_code quirk);
//   - the end of the stream inside a file (cable pull, stall, cancel) ends that file as *cut*:
//     never complete, with exactly the bytes that arrived;
//   - names up to 4096 bytes are passed to the sink; longer ones (up to kMaxNameBytes, read to
//     stay in step with the stream) are refused, their blocks read and discarded; longer still is
//     a protocol error;
//   - block payloads are read in pieces (RawSource decides the size) and handed on as they come,
//     so memory does not depend on the device's block size.
//
// The parser is pure: a RawSource gives bytes, an UploadSink takes files. Both are interfaces so
// that unit tests can feed byte fixtures with any chunking.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/bytes.h"

namespace mfx::extract {

inline constexpr size_t kMaxDevicePathBytes = 4096;   // longer names are refused
inline constexpr size_t kMaxNameBytes = 1 << 20;      // longer names are a protocol error
inline constexpr size_t kMaxErrorTextBytes = 64 << 10;  // error texts are cut here (rest read)

// Why a source returned no bytes.
enum class SourceEnd {
  kNone,       // bytes were returned
  kIdle,       // nothing arrived within the transport's receive timeout; the stream is intact
  kClosed,     // the peer closed the connection (cable pull, device gone)
  kStalled,    // our watchdog gave up waiting
  kCancelled,  // the examiner or the device cancelled
};
std::string_view SourceEndName(SourceEnd end);

struct RawRead {
  size_t bytes = 0;
  SourceEnd end = SourceEnd::kNone;
};

class RawSource {
 public:
  virtual ~RawSource() = default;
  // Reads at least one and at most out.size() bytes, or returns 0 bytes with the reason.
  virtual RawRead Read(std::span<uint8_t> out) = 0;
  // True when a read that times out part-way may have consumed bytes it does not return
  // (libimobiledevice 1.3.0 over TLS: idevice_connection_receive_timeout is all-or-nothing). An
  // idle inside a block then means the stream can no longer be trusted.
  virtual bool PartialReadsMayBeLost() const { return false; }
};

enum class FileEnd {
  kComplete,     // 0x00 end marker
  kRemoteError,  // 0x0B from the device: it could not read the file
  kLocalError,   // 0x06 from the device, or the sink failed (disk full, …)
  kCut,          // the stream ended inside the file
};
std::string_view FileEndName(FileEnd end);

class UploadSink {
 public:
  virtual ~UploadSink() = default;
  // A new file. Return false to refuse it (the sink logs why); its blocks are then read and
  // discarded. EndFile follows every BeginFile.
  virtual bool BeginFile(std::string_view device_path, std::string_view destination) = 0;
  // Bytes of the accepted current file, in order. Return false when they cannot be kept (the
  // sink records why); the rest of the file is discarded and it ends as kLocalError.
  virtual bool FileData(ByteSpan bytes) = 0;
  // `text`: the device's error text (kRemoteError / kLocalError) or why the stream ended (kCut).
  // `discarded`: payload bytes read but not handed to FileData (refused or failed files).
  virtual void EndFile(FileEnd end, std::string_view text, uint64_t discarded) = 0;
};

struct UploadBatchResult {
  enum class End {
    kBatchEnd,       // the u32 0 terminator arrived: answer with a status response
    kStreamEnded,    // the source ended (see source_end)
    kProtocolError,  // the bytes do not follow the format (see message)
  };
  End end = End::kBatchEnd;
  SourceEnd source_end = SourceEnd::kNone;
  std::string message;
  uint64_t files = 0;  // files begun in this batch
  uint64_t payload_bytes = 0;
};

// Reads one batch. Waits through kIdle between frames (the source's watchdog bounds it); an idle
// inside a frame of a source whose partial reads may be lost ends the batch as kStreamEnded.
UploadBatchResult ReadUploadBatch(RawSource& source, UploadSink& sink);

}  // namespace mfx::extract
