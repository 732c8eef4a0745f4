// Fuzzes the plist decoder (libplist binary + XML → owned tree).
#include <cstdint>

#include "core/plist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = mfx::core::ParsePlist(mfx::ByteSpan(data, size), "fuzz");
  if (p) (void)p->TypeName();
  return 0;
}
