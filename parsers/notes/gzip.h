#pragma once
// gzip decompression of untrusted blobs (Notes ZICNOTEDATA.ZDATA), through zlib, with a hard cap on
// the output size so a small blob cannot expand without bound.

#include <cstddef>

#include "core/bytes.h"
#include "core/result.h"

namespace mfx::parsers::notes {

inline constexpr size_t kMaxNoteBodyBytes = 64u << 20;

// True when the bytes start with the gzip magic 1F 8B 08 (deflate).
bool LooksLikeGzip(ByteSpan bytes);

// Decompresses one gzip member. kCorrupt on a bad header, bad data, a CRC/length mismatch or a
// truncated stream; kCorrupt as well when the output would exceed max_out.
Result<Bytes> Gunzip(ByteSpan gz, size_t max_out = kMaxNoteBodyBytes);

}  // namespace mfx::parsers::notes
