#pragma once
// The body of a modern note (FORMATS §5.10): ZICNOTEDATA.ZDATA = gzip of a protobuf
//   top level:  1 = varint, 2 = Document
//   Document:   2 = version, 3 = Note
//   Note:       2 = note_text (UTF-8), 5 = AttributeRun (repeated)
//   AttributeRun: 1 = length, 12 = AttachmentInfo {1 = identifier, 2 = type UTI}
// [threeplanetssoftware/apple_cloud_notes_parser proto/notestore.proto, confirmed on josh_ios17].
// U+FFFC in the text marks where an attachment sits.

#include <cstddef>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace mfx::parsers::notes {

struct NoteBody {
  std::string text;
  size_t text_offset = 0;  // where note_text starts in the decompressed protobuf
  std::vector<std::string> attachments;  // "<type UTI>:<identifier>" in document order
};

// Decodes the (already decompressed) protobuf. kCorrupt when the wire format is broken or the
// Document → Note path is absent. A Note without field 2 is an empty note ("").
Result<NoteBody> DecodeNoteProto(ByteSpan proto);

// gzip, then DecodeNoteProto.
Result<NoteBody> DecodeNoteData(ByteSpan zdata);

}  // namespace mfx::parsers::notes
