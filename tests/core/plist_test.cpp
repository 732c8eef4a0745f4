#include <catch2/catch.hpp>

#include <bit>

#include "core/bytes.h"
#include "core/nskeyed_archive.h"
#include "core/plist.h"

using namespace mfx;
using namespace mfx::core;

TEST_CASE("XML plist: types and dates in UTC", "[core][plist]") {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>Product Version</key><string>9.3.6</string>
  <key>IsEncrypted</key><true/>
  <key>Count</key><integer>-5</integer>
  <key>Big</key><integer>4294967296</integer>
  <key>Ratio</key><real>0.25</real>
  <key>Blob</key><data>AAEC/w==</data>
  <key>Last Backup Date</key><date>2020-03-24T01:00:55Z</date>
  <key>List</key><array><string>a</string><string>b</string></array>
</dict></plist>)";
  auto p = ParsePlist(AsBytes(xml), "Info.plist");
  REQUIRE(p);
  CHECK(*p->Find("Product Version")->AsString() == "9.3.6");
  CHECK(p->Find("IsEncrypted")->AsBool() == true);
  CHECK(p->Find("Count")->AsInt() == -5);
  CHECK(p->Find("Big")->AsInt() == 4294967296LL);
  CHECK(p->Find("Ratio")->AsReal() == 0.25);
  CHECK(*p->Find("Blob")->AsData() == Bytes{0, 1, 2, 255});
  // 2020-03-24T01:00:55Z = Cocoa 606704455 (GNU date: @1585011655 − 978307200).
  CHECK(p->Find("Last Backup Date")->AsDate()->cocoa_seconds == 606704455.0);
  CHECK(p->Find("List")->AsArray()->size() == 2);
  CHECK(p->Find("missing") == nullptr);
}

TEST_CASE("binary plist round-trip through libplist", "[core][plist]") {
  PlistDict d;
  d["s"] = std::string("héllo ☕");
  d["i"] = int64_t{1234567890123};
  d["neg"] = int64_t{-1};
  d["b"] = false;
  d["data"] = Bytes{0xDE, 0xAD};
  d["uid"] = PlistUid{7};
  d["date"] = PlistDate{603504000.5};
  d["arr"] = PlistArray{PlistValue(int64_t{1}), PlistValue(std::string("x"))};
  auto bin = WritePlist(PlistValue(d), true);
  REQUIRE(bin);
  CHECK(AsString(*bin).substr(0, 8) == "bplist00");
  auto back = ParsePlist(*bin);
  REQUIRE(back);
  CHECK(*back->Find("s")->AsString() == "héllo ☕");
  CHECK(back->Find("i")->AsInt() == 1234567890123LL);
  CHECK(back->Find("neg")->AsInt() == -1);
  CHECK(back->Find("b")->AsBool() == false);
  CHECK(back->Find("uid")->AsUid()->value == 7);
  CHECK(back->Find("date")->AsDate()->cocoa_seconds == 603504000.5);
}

// libplist 2.2's plist_get_date_val gives int32 seconds: 2070 and NSDate's distantFuture came out
// as 1932-12-13, and -1.5 as -0.5. The dates are written here byte by byte (bplist00: an array of
// date objects, marker 0x33 + big-endian float64), so the expected values are the stored ones.
TEST_CASE("binary plist dates outside 1933-2069 and with negative fractions keep their value", "[core][plist]") {
  const std::vector<double> values = {2200000000.0,   // 2070-09-18T23:06:40Z
                                      63113904000.0,  // NSDate distantFuture, year 4001
                                      -63114076800.0, // NSDate distantPast, year 0001
                                      -1.5,           // 2000-12-31T23:59:58.5Z
                                      -978307200.25,  // 1969-12-31T23:59:59.75Z
                                      606704455.125};
  Bytes bin(AsBytes(std::string_view("bplist00")).begin(), AsBytes(std::string_view("bplist00")).end());
  std::vector<uint8_t> offsets;
  offsets.push_back(static_cast<uint8_t>(bin.size()));
  bin.push_back(static_cast<uint8_t>(0xA0 | values.size()));  // array, object refs 1..n
  for (size_t i = 0; i < values.size(); ++i) bin.push_back(static_cast<uint8_t>(i + 1));
  for (double v : values) {
    offsets.push_back(static_cast<uint8_t>(bin.size()));
    bin.push_back(0x33);
    const auto bits = std::bit_cast<uint64_t>(v);
    for (int shift = 56; shift >= 0; shift -= 8) bin.push_back(static_cast<uint8_t>(bits >> shift));
  }
  const auto table = bin.size();
  bin.insert(bin.end(), offsets.begin(), offsets.end());
  Bytes trailer(32, 0);
  trailer[6] = 1;                                      // offset size
  trailer[7] = 1;                                      // object reference size
  trailer[15] = static_cast<uint8_t>(offsets.size());  // number of objects
  trailer[23] = 0;                                     // top object
  trailer[31] = static_cast<uint8_t>(table);           // offset table offset
  bin.insert(bin.end(), trailer.begin(), trailer.end());
  auto p = ParsePlist(bin, "dates.plist");
  REQUIRE(p);
  const auto* arr = p->AsArray();
  REQUIRE(arr);
  REQUIRE(arr->size() == values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    INFO(i);
    REQUIRE((*arr)[i].AsDate());
    CHECK((*arr)[i].AsDate()->cocoa_seconds == values[i]);
  }
}

TEST_CASE("garbage and truncated plists are errors, not crashes", "[core][plist]") {
  CHECK_FALSE(ParsePlist(AsBytes("not a plist")));
  CHECK_FALSE(ParsePlist(AsBytes("")));
  PlistDict d;
  d["k"] = std::string("v");
  auto bin = WritePlist(PlistValue(d), true);
  REQUIRE(bin);
  for (size_t cut = 8; cut < bin->size(); ++cut) {
    auto r = ParsePlist(ByteSpan(*bin).first(cut));
    if (!r) CHECK(r.error().code == ErrorCode::kCorrupt);
  }
  CHECK_FALSE(ParsePlist(AsBytes("<?xml version=\"1.0\"?><plist><dict><key>a</key>")));
}

namespace {
// Builds an NSKeyedArchiver archive by hand, the way Manifest.db MBFile blobs are laid out.
PlistValue MbFileArchive(bool extra_indirection) {
  PlistArray objects;
  objects.emplace_back(std::string("$null"));  // 0
  PlistDict file;
  file["$class"] = PlistUid{3};
  file["RelativePath"] = PlistUid{2};
  file["Size"] = int64_t{176128};
  file["Mode"] = int64_t{0100644};
  file["EncryptionKey"] = PlistUid{4};
  file["Target"] = PlistUid{0};  // $null
  objects.emplace_back(file);                           // 1
  objects.emplace_back(std::string("Library/SMS/sms.db"));  // 2
  PlistDict cls;
  cls["$classname"] = std::string("MBFile");
  cls["$classes"] = PlistArray{PlistValue(std::string("MBFile")), PlistValue(std::string("NSObject"))};
  objects.emplace_back(cls);  // 3
  PlistDict key;
  key["$class"] = PlistUid{5};
  key["NS.data"] = extra_indirection ? PlistValue(PlistUid{6}) : PlistValue(Bytes(44, 0x11));
  objects.emplace_back(key);  // 4
  PlistDict data_cls;
  data_cls["$classname"] = std::string("NSMutableData");
  data_cls["$classes"] = PlistArray{PlistValue(std::string("NSMutableData")), PlistValue(std::string("NSData"))};
  objects.emplace_back(data_cls);  // 5
  objects.emplace_back(Bytes(44, 0x11));  // 6
  PlistDict top;
  top["root"] = PlistUid{1};
  PlistDict archive;
  archive["$archiver"] = std::string("NSKeyedArchiver");
  archive["$version"] = int64_t{100000};
  archive["$objects"] = objects;
  archive["$top"] = top;
  return PlistValue(archive);
}
}  // namespace

// libplist 2.2 aborts the process (an assert) when a string read through plist_get_string_val or
// a key read through plist_get_key_val holds U+0000, which a binary plist's UTF-16 string can (found
// by the plist fuzzer). The bytes below were written by Python's plistlib (an independent writer):
// plistlib.dumps({"k\x00\u00e9": "v\x00\u00e9", "plain": "x"}, fmt=FMT_BINARY).
TEST_CASE("binary plist: U+0000 inside UTF-16 strings and keys is read, not a crash", "[core][plist]") {
  auto bytes = HexDecode(
      "62706c6973743030d20102030463006b000000e955706c61696e630076000000e95178080d141a2100000000000001010000"
      "00000000000500000000000000000000000000000023");
  REQUIRE(bytes);
  auto p = ParsePlist(*bytes, "nul.plist");
  REQUIRE(p);
  REQUIRE(p->is_dict());
  CHECK(p->AsDict()->size() == 2);
  // The value keeps its U+0000; the key's U+0000 is shown as U+FFFD (libplist cannot read it).
  const PlistValue* v = p->Find("k\uFFFD\u00e9");
  REQUIRE(v != nullptr);
  REQUIRE(v->AsString() != nullptr);
  CHECK(*v->AsString() == std::string("v\0\u00e9", 4));
  REQUIRE(p->Find("plain") != nullptr);
  CHECK(*p->Find("plain")->AsString() == "x");
}

TEST_CASE("NSKeyedArchiver: UIDs resolve into a tree", "[core][nskeyed]") {
  for (bool indirection : {false, true}) {
    auto tree = DecodeKeyedArchive(MbFileArchive(indirection));
    REQUIRE(tree);
    CHECK(*tree->Find("$class")->AsString() == "MBFile");
    CHECK(*tree->Find("RelativePath")->AsString() == "Library/SMS/sms.db");
    CHECK(tree->Find("Size")->AsInt() == 176128);
    CHECK(tree->Find("Target")->is_null());
    REQUIRE(tree->Find("EncryptionKey")->AsData() != nullptr);
    CHECK(tree->Find("EncryptionKey")->AsData()->size() == 44);
  }
}

TEST_CASE("NSKeyedArchiver: NSDictionary, NSArray, NSDate", "[core][nskeyed]") {
  PlistArray objects{PlistValue(std::string("$null"))};
  PlistDict dict;
  dict["$class"] = PlistUid{2};
  dict["NS.keys"] = PlistArray{PlistValue(PlistUid{3})};
  dict["NS.objects"] = PlistArray{PlistValue(PlistUid{4})};
  objects.emplace_back(dict);  // 1
  PlistDict cls;
  cls["$classname"] = std::string("NSDictionary");
  objects.emplace_back(cls);                       // 2
  objects.emplace_back(std::string("when"));       // 3
  PlistDict date;
  date["$class"] = PlistUid{5};
  date["NS.time"] = 603504000.25;
  objects.emplace_back(date);  // 4
  PlistDict date_cls;
  date_cls["$classname"] = std::string("NSDate");
  objects.emplace_back(date_cls);  // 5
  PlistDict archive;
  archive["$archiver"] = std::string("NSKeyedArchiver");
  archive["$objects"] = objects;
  archive["$top"] = PlistDict{{"root", PlistValue(PlistUid{1})}};
  auto tree = DecodeKeyedArchive(PlistValue(archive));
  REQUIRE(tree);
  REQUIRE(tree->Find("when"));
  CHECK(tree->Find("when")->AsDate()->cocoa_seconds == 603504000.25);
}

TEST_CASE("NSKeyedArchiver: hostile graphs are reported", "[core][nskeyed]") {
  SECTION("cycle") {
    PlistArray objects{PlistValue(std::string("$null"))};
    PlistDict self;
    self["me"] = PlistUid{1};
    objects.emplace_back(self);
    PlistDict archive{{"$archiver", PlistValue(std::string("NSKeyedArchiver"))},
                      {"$objects", PlistValue(objects)},
                      {"$top", PlistValue(PlistDict{{"root", PlistValue(PlistUid{1})}})}};
    auto r = DecodeKeyedArchive(PlistValue(archive));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kCorrupt);
    CHECK_THAT(r.error().message, Catch::Contains("cycle"));
  }
  SECTION("UID out of range") {
    PlistDict archive{{"$archiver", PlistValue(std::string("NSKeyedArchiver"))},
                      {"$objects", PlistValue(PlistArray{})},
                      {"$top", PlistValue(PlistDict{{"root", PlistValue(PlistUid{9})}})}};
    auto r = DecodeKeyedArchive(PlistValue(archive));
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("outside $objects"));
  }
  SECTION("exponential sharing is bounded") {
    PlistArray objects{PlistValue(std::string("$null"))};
    for (uint64_t i = 1; i <= 60; ++i) {
      PlistDict node;
      node["a"] = PlistUid{i + 1};
      node["b"] = PlistUid{i + 1};
      objects.emplace_back(node);
    }
    objects.emplace_back(std::string("leaf"));
    PlistDict archive{{"$archiver", PlistValue(std::string("NSKeyedArchiver"))},
                      {"$objects", PlistValue(objects)},
                      {"$top", PlistValue(PlistDict{{"root", PlistValue(PlistUid{1})}})}};
    auto r = DecodeKeyedArchive(PlistValue(archive));
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("expands"));
  }
  SECTION("not an archive") {
    CHECK_FALSE(DecodeKeyedArchive(PlistValue(PlistDict{})));
  }
}
