#pragma once
// A small, bounded reader of the protobuf wire format (no schema): enough to walk the Notes
// document (FORMATS §5.10). Untrusted input: every length is checked against the buffer, varints
// are at most 10 bytes, groups (wire types 3/4) and unknown wire types are errors, nothing
// allocates or recurses. Fields are views into the caller's buffer, which must outlive them.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.h"
#include "core/result.h"

namespace mfx::parsers::notes {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

struct ProtoField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t value = 0;  // kVarint, kFixed64, kFixed32 (little-endian)
  ByteSpan bytes;      // kLengthDelimited: the payload
  size_t offset = 0;   // where the value (the payload, for kLengthDelimited) starts, counted from
                       // the reader's base offset
};

class ProtoReader {
 public:
  // Reads `message`; reported offsets are base_offset + the position inside message.
  explicit ProtoReader(ByteSpan message, size_t base_offset = 0)
      : data_(message), base_(base_offset) {}

  // The next field, nullopt at the end of the message, or kCorrupt naming the offset.
  Result<std::optional<ProtoField>> Next();

 private:
  Result<uint64_t> Varint();
  ByteSpan data_;
  size_t pos_ = 0;
  size_t base_ = 0;
};

// The first field `number` of length-delimited type in message (nullopt when absent).
Result<std::optional<ProtoField>> FindBytesField(ByteSpan message, size_t base_offset, uint32_t number);

}  // namespace mfx::parsers::notes
