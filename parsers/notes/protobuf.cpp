#include "parsers/notes/protobuf.h"

#include <string>

namespace mfx::parsers::notes {

Result<uint64_t> ProtoReader::Varint() {
  uint64_t v = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= data_.size()) {
      return Fail(ErrorCode::kCorrupt, "protobuf: varint runs past the end at offset " + std::to_string(base_ + pos_));
    }
    const uint8_t b = data_[pos_++];
    if (i == 9 && b > 1) {
      return Fail(ErrorCode::kCorrupt, "protobuf: varint overflows 64 bits at offset " + std::to_string(base_ + pos_ - 1));
    }
    v |= uint64_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80) == 0) return v;
  }
  return Fail(ErrorCode::kCorrupt, "protobuf: varint longer than 10 bytes at offset " + std::to_string(base_ + pos_));
}

Result<std::optional<ProtoField>> ProtoReader::Next() {
  if (pos_ >= data_.size()) return std::optional<ProtoField>();
  const size_t key_at = pos_;
  MFX_ASSIGN_OR_RETURN(uint64_t key, Varint());
  const uint64_t number = key >> 3;
  if (number == 0 || number > 0x1FFFFFFF) {
    return Fail(ErrorCode::kCorrupt, "protobuf: invalid field number at offset " + std::to_string(base_ + key_at));
  }
  ProtoField f;
  f.number = static_cast<uint32_t>(number);
  switch (key & 7) {
    case 0: {
      f.type = WireType::kVarint;
      f.offset = base_ + pos_;
      MFX_ASSIGN_OR_RETURN(f.value, Varint());
      break;
    }
    case 1:
    case 5: {
      const size_t n = (key & 7) == 1 ? 8 : 4;
      f.type = n == 8 ? WireType::kFixed64 : WireType::kFixed32;
      f.offset = base_ + pos_;
      if (data_.size() - pos_ < n) {
        return Fail(ErrorCode::kCorrupt, "protobuf: fixed field runs past the end at offset " + std::to_string(f.offset));
      }
      f.value = n == 8 ? LoadLe64(data_.data() + pos_) : LoadLe32(data_.data() + pos_);
      pos_ += n;
      break;
    }
    case 2: {
      f.type = WireType::kLengthDelimited;
      MFX_ASSIGN_OR_RETURN(uint64_t len, Varint());
      f.offset = base_ + pos_;
      if (len > data_.size() - pos_) {
        return Fail(ErrorCode::kCorrupt, "protobuf: field " + std::to_string(f.number) + " declares " +
                                             std::to_string(len) + " bytes but " +
                                             std::to_string(data_.size() - pos_) + " remain at offset " +
                                             std::to_string(f.offset));
      }
      f.bytes = data_.subspan(pos_, static_cast<size_t>(len));
      pos_ += static_cast<size_t>(len);
      break;
    }
    default:
      return Fail(ErrorCode::kCorrupt, "protobuf: unsupported wire type " + std::to_string(key & 7) +
                                           " at offset " + std::to_string(base_ + key_at));
  }
  return std::optional<ProtoField>(f);
}

Result<std::optional<ProtoField>> FindBytesField(ByteSpan message, size_t base_offset, uint32_t number) {
  ProtoReader r(message, base_offset);
  for (;;) {
    MFX_ASSIGN_OR_RETURN(auto f, r.Next());
    if (!f) return std::optional<ProtoField>();
    if (f->number == number && f->type == WireType::kLengthDelimited) return f;
  }
}

}  // namespace mfx::parsers::notes
