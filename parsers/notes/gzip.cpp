#include "parsers/notes/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

namespace mfx::parsers::notes {

bool LooksLikeGzip(ByteSpan b) { return b.size() >= 3 && b[0] == 0x1F && b[1] == 0x8B && b[2] == 0x08; }

Result<Bytes> Gunzip(ByteSpan gz, size_t max_out) {
  if (!LooksLikeGzip(gz)) return Fail(ErrorCode::kCorrupt, "not gzip (no 1F 8B 08 header)");
  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper only (header and CRC-32/ISIZE trailer are checked by zlib).
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Fail(ErrorCode::kInternal, "inflateInit2 failed");
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, &inflateEnd);
  Bytes out;
  std::array<uint8_t, 16384> chunk{};
  size_t consumed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    // zlib counts in uInt: feed the input in pieces that fit.
    if (zs.avail_in == 0 && consumed < gz.size()) {
      const size_t n = std::min<size_t>(gz.size() - consumed, 1u << 30);
      zs.next_in = const_cast<Bytef*>(gz.data() + consumed);
      zs.avail_in = static_cast<uInt>(n);
      consumed += n;
    }
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      if (rc == Z_BUF_ERROR && zs.avail_in == 0 && consumed == gz.size()) {
        return Fail(ErrorCode::kCorrupt, "gzip stream is truncated after " + std::to_string(out.size()) + " bytes");
      }
      return Fail(ErrorCode::kCorrupt, std::string("gzip data is damaged: ") + (zs.msg ? zs.msg : "inflate error"));
    }
    const size_t produced = chunk.size() - zs.avail_out;
    if (out.size() + produced > max_out) {
      return Fail(ErrorCode::kCorrupt, "gzip output exceeds " + std::to_string(max_out) + " bytes");
    }
    out.insert(out.end(), chunk.data(), chunk.data() + produced);
    if (rc == Z_OK && produced == 0 && zs.avail_in == 0 && consumed == gz.size()) {
      return Fail(ErrorCode::kCorrupt, "gzip stream is truncated after " + std::to_string(out.size()) + " bytes");
    }
  }
  return out;
}

}  // namespace mfx::parsers::notes
