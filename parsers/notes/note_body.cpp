#include "parsers/notes/note_body.h"

#include "parsers/notes/gzip.h"
#include "parsers/notes/protobuf.h"

namespace mfx::parsers::notes {
namespace {

// AttributeRun 12 = AttachmentInfo {1 identifier, 2 type UTI}.
Status ReadAttachment(const ProtoField& run, std::vector<std::string>& out) {
  MFX_ASSIGN_OR_RETURN(auto info, FindBytesField(run.bytes, run.offset, 12));
  if (!info) return {};
  std::string id, uti;
  ProtoReader r(info->bytes, info->offset);
  for (;;) {
    MFX_ASSIGN_OR_RETURN(auto f, r.Next());
    if (!f) break;
    if (f->type != WireType::kLengthDelimited) continue;
    if (f->number == 1) id = std::string(AsString(f->bytes));
    if (f->number == 2) uti = std::string(AsString(f->bytes));
  }
  out.push_back(uti + ":" + id);
  return {};
}

}  // namespace

Result<NoteBody> DecodeNoteProto(ByteSpan proto) {
  MFX_ASSIGN_OR_RETURN(auto doc, FindBytesField(proto, 0, 2));
  if (!doc) return Fail(ErrorCode::kCorrupt, "protobuf: no Document (field 2)");
  MFX_ASSIGN_OR_RETURN(auto note, FindBytesField(doc->bytes, doc->offset, 3));
  if (!note) return Fail(ErrorCode::kCorrupt, "protobuf: Document has no Note (field 3)");
  NoteBody body;
  bool have_text = false;
  ProtoReader r(note->bytes, note->offset);
  for (;;) {
    MFX_ASSIGN_OR_RETURN(auto f, r.Next());
    if (!f) break;
    if (f->type != WireType::kLengthDelimited) continue;
    if (f->number == 2 && !have_text) {
      body.text = std::string(AsString(f->bytes));
      body.text_offset = f->offset;
      have_text = true;
    } else if (f->number == 5) {
      MFX_RETURN_IF_ERROR(ReadAttachment(*f, body.attachments));
    }
  }
  if (!have_text) body.text_offset = note->offset;
  return body;
}

Result<NoteBody> DecodeNoteData(ByteSpan zdata) {
  MFX_ASSIGN_OR_RETURN(Bytes proto, Gunzip(zdata));
  return DecodeNoteProto(proto);
}

}  // namespace mfx::parsers::notes
