// Fuzzes the attributedBody typedstream decoder (parsers/sms/typedstream.h): any bytes must end in
// a text or an error, bounded in time and memory.
#include <cstdint>

#include "parsers/sms/typedstream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = mfx::parsers::sms::DecodeAttributedBodyText(mfx::ByteSpan(data, size));
  if (r && r->offset + r->text.size() > size && !r->invalid_utf8) __builtin_trap();
  return 0;
}
