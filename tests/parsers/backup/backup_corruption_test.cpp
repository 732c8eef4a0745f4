// leveldb-style corruption tests: damage one thing, assert both what is reported and what survives.
#include <fstream>

#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "core/file_util.h"
#include "core/plist.h"
#include "parsers/backup/backup.h"
#include "parsers/backup/keybag.h"
#include "parsers/backup/manifest_readers.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

using namespace mfx;
using namespace mfx::parsers::backup;
using mfx::testing::GenerateBackup;
using mfx::testing::TempDir;
using nlohmann::json;

namespace {

Bytes ReadBytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}
void WriteBytes(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(b.data()),
                                                              static_cast<std::streamsize>(b.size()));
}

// Rewrites Manifest.plist with its keybag changed by `edit`.
void EditKeybag(const std::filesystem::path& backup, const std::function<void(Bytes&)>& edit) {
  auto plist = core::ParsePlist(ReadBytes(backup / "Manifest.plist"));
  REQUIRE(plist);
  auto dict = *plist->AsDict();
  Bytes kb = *dict["BackupKeyBag"].AsData();
  edit(kb);
  dict["BackupKeyBag"] = kb;
  auto out = core::WritePlist(core::PlistValue(dict), true);
  REQUIRE(out);
  WriteBytes(backup / "Manifest.plist", *out);
}

// Offset of the value of the n-th (0-based) occurrence of tag in a keybag TLV.
size_t TagValueOffset(const Bytes& kb, std::string_view tag, int n) {
  size_t pos = 0;
  while (pos + 8 <= kb.size()) {
    const uint32_t len = LoadBe32(kb.data() + pos + 4);
    if (std::string_view(reinterpret_cast<const char*>(kb.data() + pos), 4) == tag && n-- == 0) return pos + 8;
    pos += 8 + len;
  }
  FAIL("tag not found");
  return 0;
}

Result<std::unique_ptr<Backup>> OpenWith(const std::filesystem::path& dir, const char* password) {
  core::SecretBytes pw = core::SecretBytes::FromString(password);
  OpenOptions o;
  o.password = &pw;
  return Backup::Open(dir, o);
}

}  // namespace

TEST_CASE("keybag damage", "[parsers][backup][corruption]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "k", {.encrypt = true});
  SECTION("a flipped bit in the first class key reads as a wrong password") {
    // Indistinguishable by design: the RFC 3394 check is the only test of the password.
    EditKeybag(g.dir, [](Bytes& kb) { kb[TagValueOffset(kb, "WPKY", 0) + 5] ^= 0x01; });
    auto r = OpenWith(g.dir, "test-password");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kWrongPassword);
  }
  SECTION("a flipped bit in a later class key is a damaged keybag") {
    EditKeybag(g.dir, [](Bytes& kb) { kb[TagValueOffset(kb, "WPKY", 2) + 5] ^= 0x01; });
    auto r = OpenWith(g.dir, "test-password");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kCorrupt);
    CHECK_THAT(r.error().message, Catch::Contains("keybag is damaged"));
  }
  SECTION("an item length past the end is reported with its offset") {
    EditKeybag(g.dir, [](Bytes& kb) { kb[TagValueOffset(kb, "SALT", 0) - 4] = 0x7F; });
    auto r = OpenWith(g.dir, "test-password");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kCorrupt);
    CHECK_THAT(r.error().message, Catch::Contains("offset"));
  }
}

TEST_CASE("keybag TLV parser on hand-made input", "[parsers][backup][keybag]") {
  auto item = [](std::string_view tag, Bytes value) {
    Bytes out(tag.begin(), tag.end());
    const uint32_t n = static_cast<uint32_t>(value.size());
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
    out.insert(out.end(), value.begin(), value.end());
    return out;
  };
  auto u32 = [](uint32_t v) {
    return Bytes{static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                 static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
  };
  Bytes kb;
  for (const Bytes& part : {item("VERS", u32(3)), item("TYPE", u32(0x40000001)), item("UUID", Bytes(16, 1)),
                            item("WRAP", u32(1)), item("SALT", Bytes(20, 2)), item("ITER", u32(10000)),
                            item("UUID", Bytes(16, 3)), item("CLAS", u32(0x0B)), item("WRAP", u32(3)),
                            item("KTYP", u32(0)), item("WPKY", Bytes(40, 4)), item("UUID", Bytes(16, 5)),
                            item("CLAS", u32(1)), item("WRAP", u32(2)), item("KTYP", u32(0)),
                            item("WPKY", Bytes(40, 6)), item("ZZZZ", Bytes(3, 7))}) {
    kb.insert(kb.end(), part.begin(), part.end());
  }
  auto parsed = ParseKeybag(kb);
  REQUIRE(parsed);
  CHECK(parsed->version == 3);
  CHECK(parsed->type == 1);  // high flag bits masked
  CHECK_FALSE(parsed->two_stage());
  REQUIRE(parsed->classes.size() == 2);
  CHECK(parsed->classes[0].protection_class == 11);
  CHECK(parsed->classes[0].wrap == 3);
  CHECK(parsed->classes[1].wrapped_key == Bytes(40, 6));
  CHECK(parsed->unknown_tags == std::vector<std::string>{"ZZZZ"});
  // A random KEK fails the first WRAP-2 class: "wrong password", never a crash.
  std::array<uint8_t, 32> kek{};
  auto unlocked = UnlockKeybag(*parsed, kek);
  REQUIRE_FALSE(unlocked);
  CHECK(unlocked.error().code == ErrorCode::kWrongPassword);
  for (size_t cut = 0; cut < kb.size(); cut += 7) {
    auto r = ParseKeybag(ByteSpan(kb).first(cut));
    if (!r) CHECK(r.error().code == ErrorCode::kCorrupt);
  }
}

TEST_CASE("mbdb: binary property values are kept as bytes; a cut record is reported", "[parsers][backup][mbdb]") {
  auto str = [](std::string_view s) {
    Bytes out{static_cast<uint8_t>(s.size() >> 8), static_cast<uint8_t>(s.size())};
    out.insert(out.end(), s.begin(), s.end());
    return out;
  };
  const Bytes null_str{0xFF, 0xFF};
  Bytes mbdb{'m', 'b', 'd', 'b', 5, 0};
  auto append = [&](const Bytes& b) { mbdb.insert(mbdb.end(), b.begin(), b.end()); };
  auto record = [&](std::string_view domain, std::string_view path, uint16_t mode, uint64_t size,
                    const std::vector<std::pair<std::string, std::string>>& props) {
    const size_t start = mbdb.size();
    append(str(domain));
    append(str(path));
    append(null_str);
    append(null_str);
    append(null_str);
    append({static_cast<uint8_t>(mode >> 8), static_cast<uint8_t>(mode)});
    append(Bytes(8, 0));                   // inode
    append({0, 0, 1, 0xF5, 0, 0, 1, 0xF5});  // uid, gid 501
    append({0x59, 0x20, 0x2A, 0x06});      // mtime 1495280134
    append(Bytes(8, 0));                   // atime, ctime
    for (int i = 7; i >= 0; --i) mbdb.push_back(static_cast<uint8_t>(size >> (8 * i)));
    mbdb.push_back(4);                     // protection class
    mbdb.push_back(static_cast<uint8_t>(props.size()));
    for (auto& [k, v] : props) {
      append(str(k));
      append(str(v));
    }
    return start;
  };
  record("CameraRollDomain", "Media/DCIM/100APPLE/IMG_0003.JPG", 0x81A4, 1234,
         {{"com.apple.assetsd.timeZoneOffset", std::string("\x10\x0E\x00\x00", 4)},
          {"com.apple.assetsd.dbRebuildUuid", std::string("\xFF\xFE\x80\x01", 4)}});
  const size_t second = record("HomeDomain", "", 0x41ED, 0, {});
  auto ok = ParseMbdb(mbdb);
  REQUIRE(ok);
  REQUIRE(ok->entries.size() == 2);
  CHECK(ok->problems.empty());
  const ManifestEntry& img = ok->entries[0];
  CHECK(img.kind == EntryKind::kFile);
  CHECK(img.uid == 501);
  CHECK(img.mtime == 1495280134);
  CHECK(img.recorded_size == 1234u);
  REQUIRE(img.properties.size() == 2);
  CHECK(img.properties[0].second == Bytes{0x10, 0x0E, 0x00, 0x00});
  CHECK(img.properties[1].second == Bytes{0xFF, 0xFE, 0x80, 0x01});
  CHECK(img.file_id == ComputeFileId("CameraRollDomain", "Media/DCIM/100APPLE/IMG_0003.JPG"));
  CHECK(ok->entries[1].kind == EntryKind::kDirectory);
  CHECK(ok->entries[1].source_offset == second);

  const size_t third = record("HomeDomain", "Library/SMS/sms.db", 0x81A4, 176128, {});
  Bytes cut(mbdb.begin(), mbdb.begin() + static_cast<long>(third + 30));
  auto partial = ParseMbdb(cut);
  REQUIRE(partial);
  CHECK(partial->entries.size() == 2);  // the two whole records survive
  REQUIRE(partial->problems.size() == 1);
  CHECK_THAT(partial->problems[0], Catch::Contains("record 2 at offset " + std::to_string(third)));

  Bytes bad_magic = mbdb;
  bad_magic[0] = 'X';
  CHECK_FALSE(ParseMbdb(bad_magic));
}

TEST_CASE("damaged manifests and payloads", "[parsers][backup][corruption]") {
  TempDir tmp;
  SECTION("a mbdb record length cut short: earlier records survive, the damage is reported") {
    auto g = GenerateBackup(tmp.path(), "m", {.style = "ios9"});
    Bytes mbdb = ReadBytes(g.dir / "Manifest.mbdb");
    mbdb.resize(mbdb.size() - 10);
    WriteBytes(g.dir / "Manifest.mbdb", mbdb);
    auto b = Backup::Open(g.dir, {});
    REQUIRE(b);
    CHECK((*b)->entries().size() == g.record["files"].size() - 1);
    bool reported = false;
    for (const auto& n : (*b)->notes()) {
      reported |= n.level == BackupNote::Level::kError && n.message.find("truncated") != std::string::npos;
    }
    CHECK(reported);
  }
  SECTION("a damaged page of a plaintext Manifest.db is reported, not fatal") {
    auto g = GenerateBackup(tmp.path(), "d", {});
    Bytes db = ReadBytes(g.dir / "Manifest.db");
    REQUIRE(db.size() > 3 * 4096);
    for (size_t i = db.size() - 4096 + 8; i < db.size() - 4096 + 200; ++i) db[i] = 0xA5;
    WriteBytes(g.dir / "Manifest.db", db);
    auto b = Backup::Open(g.dir, {});
    if (b) {
      CHECK_FALSE((*b)->notes().empty());
    } else {
      CHECK(b.error().code == ErrorCode::kCorrupt);
    }
  }
  SECTION("encrypted Manifest.db with a damaged first block: 'did not decrypt to SQLite'") {
    auto g = GenerateBackup(tmp.path(), "e", {.encrypt = true});
    Bytes db = ReadBytes(g.dir / "Manifest.db");
    db[3] ^= 0x40;
    WriteBytes(g.dir / "Manifest.db", db);
    auto r = OpenWith(g.dir, "test-password");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kCorrupt);
    CHECK_THAT(r.error().message, Catch::Contains("did not decrypt to SQLite"));
  }
  SECTION("ciphertext damage: last block → padding error; middle block → only that data changes") {
    auto g = GenerateBackup(tmp.path(), "c", {.encrypt = true});
    const json* target = nullptr;
    for (const json& f : g.record["files"]) {
      if (f["kind"] == "file" && f["size"].get<uint64_t>() > 100000) target = &f;
    }
    REQUIRE(target);
    const auto blob = g.dir / (*target)["blob_path"].get<std::string>();
    const Bytes original = ReadBytes(blob);

    Bytes last = original;
    last[last.size() - 1] ^= 0xFF;
    WriteBytes(blob, last);
    auto b = OpenWith(g.dir, "test-password");
    REQUIRE(b);
    const std::string path = (*target)["domain"].get<std::string>() + "/" + (*target)["relative_path"].get<std::string>();
    auto f = (*b)->OpenEntry(*(*b)->Find(path));
    REQUIRE_FALSE(f);
    CHECK(f.error().code == ErrorCode::kCorrupt);
    CHECK_THAT(f.error().message, Catch::Contains("padding"));

    Bytes middle = original;
    middle[50000] ^= 0x01;  // CBC: garbles block 3125 and flips one bit of block 3126
    WriteBytes(blob, middle);
    auto b2 = OpenWith(g.dir, "test-password");
    REQUIRE(b2);
    auto f2 = (*b2)->OpenEntry(*(*b2)->Find(path));
    REQUIRE(f2);
    CHECK((*f2)->Size() == (*target)["size"].get<uint64_t>());
    Bytes plain((*f2)->Size());
    REQUIRE((*f2)->ReadAt(0, plain));
    CHECK(core::Sha256Hex(plain) != (*target)["sha256"].get<std::string>());
  }
}
