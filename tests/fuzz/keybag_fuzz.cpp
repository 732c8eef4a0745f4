// Fuzzes the keybag TLV parser and the unlock path with a fixed key-encryption key.
#include <array>
#include <cstdint>

#include "parsers/backup/keybag.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto kb = mfx::parsers::backup::ParseKeybag(mfx::ByteSpan(data, size));
  if (kb) {
    static const std::array<uint8_t, 32> kKek{};
    (void)mfx::parsers::backup::UnlockKeybag(*kb, kKek);
  }
  return 0;
}
