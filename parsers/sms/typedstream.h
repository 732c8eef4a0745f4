#pragma once
// Decoder for "typedstream" archives (NSArchiver, the NeXT format), the encoding of sms.db
// message.attributedBody: an NS(Mutable)AttributedString whose first member is the NSString that
// holds the message text (FORMATS.md §5.3; iOS 16+ rows keep the body only there).
//
// The stream is read structurally, not by searching for byte patterns: a header (streamer
// version, the 11-byte signature "streamtyped" = little-endian or "typedstream" = big-endian, the
// system version), then groups of typed values, each group a type-encoding string followed by one
// value per type. Tags (as signed bytes): -127 (0x81) a 2-byte integer follows, -126 (0x82) a
// 4-byte integer, -125 (0x83) a float/double, -124 (0x84) a new string/object/class, -123 (0x85)
// nil, -122 (0x86) end of object. Any other head byte of a string, object or class position is a
// back-reference: (signed value + 110) indexes the shared-string table (type encodings, class
// names) or the object table (objects, classes, C strings) — which table depends on the position,
// so no reference byte is ever hard-coded.
//
// The text is the first '+' (byte string) value of the first object whose class chain contains
// NSString. Its length is a typedstream integer (0x81 + u16 for lengths ≥ 128, 0x82 + u32 beyond
// 32,767; reading it as one byte truncates long messages).
//
// Hostile input: every read is bounds-checked, nesting is capped, and the number of values read is
// bounded by the input size, so decoding never crashes, never loops and never allocates more than a
// small multiple of the input. Thread-safe (no shared state).

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/result.h"

namespace mfx::parsers::sms {

struct TypedstreamText {
  std::string text;              // UTF-8; invalid sequences become U+FFFD (invalid_utf8 is set)
  size_t offset = 0;             // byte offset of the first text byte in the blob
  uint64_t declared_length = 0;  // the length the stream declares for the text
  bool clamped = false;          // the declared length ran past the end of the blob: text holds
                                 // the UTF-8 text that was there, up to the first non-text byte
  bool invalid_utf8 = false;
  std::string class_name;  // the string object's class ("NSMutableString", "NSString", …)
};

// Returns the message text of an attributedBody blob. Fails with kCorrupt (naming the byte offset)
// when the bytes are not a typedstream, a structure before the text is malformed, or no NSString
// value is present; kUnsupported for a type encoding mfx does not read (unions, pointers).
Result<TypedstreamText> DecodeAttributedBodyText(ByteSpan blob);

}  // namespace mfx::parsers::sms
