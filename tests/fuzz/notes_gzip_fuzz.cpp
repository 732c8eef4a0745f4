// Fuzzes the Notes body path: ZICNOTEDATA.ZDATA → gzip (zlib, bounded output) → protobuf.
#include <cstdint>

#include "parsers/notes/gzip.h"
#include "parsers/notes/note_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const mfx::ByteSpan in(data, size);
  auto out = mfx::parsers::notes::Gunzip(in, 1u << 20);
  if (out && out->size() > (1u << 20)) __builtin_trap();  // the bound holds
  (void)mfx::parsers::notes::DecodeNoteData(in);
  return 0;
}
