// Fuzzes the Notes protobuf reader: the bounded wire-format walker and the Document → Note →
// note_text decoder (parsers/notes/protobuf.h, note_body.h).
#include <cstdint>

#include "parsers/notes/note_body.h"
#include "parsers/notes/protobuf.h"

namespace {

// Walks every field, descending into length-delimited payloads a few levels (as a schema-less
// dump would), so nested garbage is read too.
void Walk(mfx::ByteSpan bytes, size_t base, int depth) {
  mfx::parsers::notes::ProtoReader r(bytes, base);
  for (int i = 0; i < 10000; ++i) {
    auto f = r.Next();
    if (!f || !*f) return;
    if ((*f)->type == mfx::parsers::notes::WireType::kLengthDelimited && depth < 4) {
      Walk((*f)->bytes, (*f)->offset, depth + 1);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const mfx::ByteSpan in(data, size);
  Walk(in, 0, 0);
  auto body = mfx::parsers::notes::DecodeNoteProto(in);
  if (body && body->text_offset > size) __builtin_trap();  // offsets stay inside the input
  return 0;
}
