// The attributedBody typedstream decoder on hand-built blobs (FORMATS.md §5.3): the layout of the
// real blobs, written byte by byte here, with text lengths around every length-encoding boundary.
#include <catch2/catch.hpp>

#include <string>

#include "parsers/sms/typedstream.h"

using mfx::Bytes;
using mfx::ErrorCode;
using mfx::parsers::sms::DecodeAttributedBodyText;

namespace {

void Put(Bytes& b, std::initializer_list<int> bytes) {
  for (int x : bytes) b.push_back(static_cast<uint8_t>(x));
}
void Put(Bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }

// A typedstream integer: one byte for -110…127, 0x81 + 2 bytes, 0x82 + 4 bytes.
void PutLength(Bytes& b, size_t n, bool big_endian = false) {
  auto put = [&](uint64_t v, int width) {
    for (int i = 0; i < width; ++i) {
      const int shift = big_endian ? 8 * (width - 1 - i) : 8 * i;
      b.push_back(static_cast<uint8_t>(v >> shift));
    }
  };
  if (n <= 127) {
    b.push_back(static_cast<uint8_t>(n));
  } else if (n <= 32767) {
    b.push_back(0x81);
    put(n, 2);
  } else {
    b.push_back(0x82);
    put(n, 4);
  }
}

struct Blob {
  Bytes bytes;
  size_t text_offset = 0;
};

// The header and class chains of the real blobs (FORMATS.md §5.3), then the text, then the end
// of the string object, the first attribute run and the ends of both objects.
// mutable_root: NSMutableAttributedString → NSMutableString (NSObject is reference 0x95);
// otherwise NSAttributedString → NSString (NSObject is 0x94).
Blob Make(std::string_view text, bool mutable_root = true, size_t declared = std::string::npos,
          bool big_endian = false) {
  Blob out;
  Bytes& b = out.bytes;
  Put(b, {0x04, 0x0B});
  Put(b, big_endian ? "typedstream" : "streamtyped");
  if (big_endian) {
    Put(b, {0x81, 0x03, 0xE8});
  } else {
    Put(b, {0x81, 0xE8, 0x03});
  }
  Put(b, {0x84, 0x01, '@'});
  if (mutable_root) {
    Put(b, {0x84, 0x84, 0x84, 0x19});
    Put(b, "NSMutableAttributedString");
    Put(b, {0x00, 0x84, 0x84, 0x12});
    Put(b, "NSAttributedString");
    Put(b, {0x00, 0x84, 0x84, 0x08});
    Put(b, "NSObject");
    Put(b, {0x00, 0x85, 0x92, 0x84, 0x84, 0x84, 0x0F});
    Put(b, "NSMutableString");
    Put(b, {0x01, 0x84, 0x84, 0x08});
    Put(b, "NSString");
    Put(b, {0x01, 0x95});
  } else {
    Put(b, {0x84, 0x84, 0x84, 0x12});
    Put(b, "NSAttributedString");
    Put(b, {0x00, 0x84, 0x84, 0x08});
    Put(b, "NSObject");
    Put(b, {0x00, 0x85, 0x92, 0x84, 0x84, 0x84, 0x08});
    Put(b, "NSString");
    Put(b, {0x01, 0x94});
  }
  Put(b, {0x84, 0x01, '+'});
  PutLength(b, declared == std::string::npos ? text.size() : declared, big_endian);
  out.text_offset = b.size();
  Put(b, text);
  Put(b, {0x86, 0x84, 0x02, 'i', 'I', 0x01});
  PutLength(b, text.size(), big_endian);  // run length: ASCII here, so UTF-16 units = bytes
  Put(b, {0x86});
  return out;
}

std::string Repeat(std::string_view unit, size_t bytes) {
  std::string s;
  while (s.size() < bytes) s += unit;
  s.resize(bytes);
  return s;
}

}  // namespace

TEST_CASE("typedstream: short text, both root classes", "[parsers][sms][typedstream]") {
  for (bool mutable_root : {true, false}) {
    const Blob blob = Make("Noter test", mutable_root);
    auto r = DecodeAttributedBodyText(blob.bytes);
    REQUIRE(r);
    CHECK(r->text == "Noter test");
    CHECK(r->offset == blob.text_offset);
    CHECK(r->declared_length == 10);
    CHECK_FALSE(r->clamped);
    CHECK_FALSE(r->invalid_utf8);
    CHECK(r->class_name == (mutable_root ? "NSMutableString" : "NSString"));
  }
  // The layout of the real "AttributedBodyTextOnly" blob puts the text at 0x7a.
  CHECK(Make("Noter test").text_offset == 0x7a);
}

TEST_CASE("typedstream: lengths 127, 128, 300, 32767, 32768 and 70000 are read whole",
          "[parsers][sms][typedstream]") {
  for (size_t n : {0u, 1u, 127u, 128u, 300u, 32767u, 32768u, 70000u}) {
    DYNAMIC_SECTION(n << " bytes") {
      const std::string text = Repeat("Lorem ipsum dolor sit amet. ", n);
      const Blob blob = Make(text);
      // The length prefix as written: 1 byte below 128, 0x81 + u16 up to 32767, then 0x82 + u32.
      const uint8_t prefix = blob.bytes[blob.text_offset - (n <= 127 ? 1 : n <= 32767 ? 3 : 5)];
      CHECK(prefix == (n <= 127 ? n : n <= 32767 ? 0x81 : 0x82));
      auto r = DecodeAttributedBodyText(blob.bytes);
      REQUIRE(r);
      CHECK(r->text.size() == n);
      CHECK(r->text == text);
      CHECK(r->declared_length == n);
      CHECK(r->offset == blob.text_offset);
      CHECK_FALSE(r->clamped);
    }
  }
}

TEST_CASE("typedstream: Hebrew, emoji and U+FFFC placeholders survive",
          "[parsers][sms][typedstream]") {
  const std::string hebrew =
      "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xF0\x9F\x91\x8B\xF0\x9F\x8F\xBD "
      "\xD7\xA2\xD7\x95\xD7\x9C\xD7\x9D";  // שלום 👋🏽 עולם
  const std::string fffc = "\xEF\xBF\xBC";
  const std::string multipart = fffc + "test 1" + fffc + "test 2 " + fffc + "test 3";
  std::string long_hebrew;
  for (int i = 0; i < 40; ++i) long_hebrew += hebrew;  // > 128 bytes, whole code points
  for (const std::string& text : {hebrew, multipart, long_hebrew}) {
    for (bool mutable_root : {true, false}) {
      auto r = DecodeAttributedBodyText(Make(text, mutable_root).bytes);
      REQUIRE(r);
      CHECK(r->text == text);
      CHECK_FALSE(r->invalid_utf8);
    }
  }
}

TEST_CASE("typedstream: big-endian 'typedstream' signature", "[parsers][sms][typedstream]") {
  const std::string text = Repeat("big endian ", 200);
  const Blob blob = Make(text, true, std::string::npos, /*big_endian=*/true);
  auto r = DecodeAttributedBodyText(blob.bytes);
  REQUIRE(r);
  CHECK(r->text == text);
  CHECK(r->offset == blob.text_offset);
}

TEST_CASE("typedstream: a declared length past the end is clamped and flagged (ExtraData)",
          "[parsers][sms][typedstream]") {
  // Like the ExtraData sample: 81 9D 00 declares 157 bytes, 17 text bytes precede 0x86.
  const Blob blob = Make("This is parsing  ", true, 157);
  REQUIRE(blob.bytes.size() - blob.text_offset < 157);
  auto r = DecodeAttributedBodyText(blob.bytes);
  REQUIRE(r);
  CHECK(r->clamped);
  CHECK(r->declared_length == 157);
  CHECK(r->offset == blob.text_offset);
  // The text ends where the bytes stop being text (0x86, the end of the string object); the
  // attribute structures after it used to come out as text ("…NSDictionary…NSNumber…").
  CHECK(r->text == "This is parsing  ");
  CHECK_FALSE(r->invalid_utf8);
}

TEST_CASE("typedstream: invalid UTF-8 in the text is replaced and flagged",
          "[parsers][sms][typedstream]") {
  auto r = DecodeAttributedBodyText(Make("ab\xFF\xFE"
                                         "cd")
                                        .bytes);
  REQUIRE(r);
  CHECK(r->invalid_utf8);
  CHECK(r->text ==
        "ab\xEF\xBF\xBD\xEF\xBF\xBD"
        "cd");
}

TEST_CASE("typedstream: malformed blobs are errors naming the offset",
          "[parsers][sms][typedstream]") {
  SECTION("empty") {
    auto r = DecodeAttributedBodyText({});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kCorrupt);
  }
  SECTION("not a typedstream") {
    Bytes b = Make("x").bytes;
    b[5] = 'X';  // "stXeamtyped"
    auto r = DecodeAttributedBodyText(b);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("not a typedstream"));
  }
  SECTION("a reference past the object table") {
    Bytes b = Make("x").bytes;
    // The superclass reference of NSString (0x95 = NSObject, object 3) becomes object 14.
    const size_t at = 0x75;
    REQUIRE(b[at] == 0x95);
    b[at] = 0xA0;
    auto r = DecodeAttributedBodyText(b);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kCorrupt);
    CHECK_THAT(r.error().message, Catch::Contains("reference 14") && Catch::Contains("0x75"));
  }
  SECTION("a tag where a length belongs") {
    Blob blob = Make("hello");
    blob.bytes[blob.text_offset - 1] = 0x86;
    auto r = DecodeAttributedBodyText(blob.bytes);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kCorrupt);
  }
  SECTION("no NSString at all") {
    Bytes b = Make("x").bytes;
    b.resize(0x10);  // header only
    auto r = DecodeAttributedBodyText(b);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("no NSString"));
  }
}

TEST_CASE("typedstream: every truncation and many byte flips end in a result or an error",
          "[parsers][sms][typedstream]") {
  const std::string text = Repeat("truncate me ", 300);
  const Blob blob = Make(text);
  for (size_t n = 0; n < blob.bytes.size(); ++n) {
    Bytes cut(blob.bytes.begin(), blob.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = DecodeAttributedBodyText(cut);
    // Cut before the text: an error; inside it: the part that is there, flagged; after it: whole.
    if (n < blob.text_offset) {
      CHECK_FALSE(r);
    } else {
      REQUIRE(r);
      CHECK(r->clamped == (n < blob.text_offset + text.size()));
      CHECK(r->text == text.substr(0, n - blob.text_offset));
    }
  }
  uint32_t state = 12345;
  for (int i = 0; i < 20000; ++i) {
    Bytes b = blob.bytes;
    for (int k = 0; k < 3; ++k) {
      state = state * 1103515245u + 12345u;
      b[(state >> 8) % std::min<size_t>(b.size(), 160)] = static_cast<uint8_t>(state >> 24);
    }
    (void)DecodeAttributedBodyText(b);
  }
}
