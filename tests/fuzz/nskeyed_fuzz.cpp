// Fuzzes NSKeyedArchiver decoding (UID graph resolution) and the MBFile reader built on it.
#include <cstdint>

#include "core/nskeyed_archive.h"
#include "parsers/backup/manifest_readers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mfx::ByteSpan bytes(data, size);
  (void)mfx::core::DecodeKeyedArchiveBytes(bytes, "fuzz");
  mfx::parsers::backup::ManifestEntry entry;
  (void)mfx::parsers::backup::DecodeMbFile(bytes, entry);
  return 0;
}
