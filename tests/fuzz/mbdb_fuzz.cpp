// Fuzzes the Manifest.mbdb record parser.
#include <cstdint>

#include "parsers/backup/manifest_readers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = mfx::parsers::backup::ParseMbdb(mfx::ByteSpan(data, size));
  if (r) (void)r->entries.size();
  return 0;
}
