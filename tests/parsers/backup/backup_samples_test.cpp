// Every committed sample and generated variants read back exactly as the generator recorded them.
// Ground truth: the generator's record (samples/*.record.json), never mfx output.
#include <fstream>

#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "core/file_util.h"
#include "parsers/backup/backup.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

using namespace mfx;
using namespace mfx::parsers::backup;
using mfx::testing::GeneratedBackup;
using nlohmann::json;

namespace {

struct Opened {
  std::unique_ptr<Backup> backup;
  core::SecretBytes password;
};

Opened OpenWithRecordPassword(const GeneratedBackup& g, const std::filesystem::path& key_file = {}) {
  Opened o;
  OpenOptions options;
  if (g.record.value("encrypted", false) || !g.password_file.empty()) {
    auto line = core::ReadFirstLine(g.password_file);
    REQUIRE(line);
    o.password = core::SecretBytes::FromString(*line);
    options.password = &o.password;
  }
  options.key_file = key_file;
  auto b = Backup::Open(g.dir, options);
  if (!b) FAIL(b.error().ToString());
  o.backup = std::move(*b);
  return o;
}

std::string StreamSha256(const core::RandomAccessFile& f, uint64_t* size) {
  core::Hasher h(core::HashAlgorithm::kSha256);
  std::vector<uint8_t> buf(65536 + 7);  // an odd size: reads straddle AES blocks
  uint64_t total = 0;
  REQUIRE(core::ForEachChunk(f, buf, [&](ByteSpan c) -> Status {
    h.Update(c);
    total += c.size();
    return {};
  }));
  *size = total;
  return h.FinishHex();
}

std::string Hex(const Bytes& b) { return HexEncode(b); }

// Compares every manifest row and payload with the record.
void CheckAgainstRecord(const Backup& b, const json& record) {
  const json& files = record["files"];
  CHECK(b.entries().size() == files.size());
  std::map<std::string, const ManifestEntry*> by_key;
  for (const auto& e : b.entries()) by_key[e.domain + "\x1F" + e.relative_path] = &e;
  size_t checked_payloads = 0;
  for (const json& f : files) {
    const std::string domain = f["domain"];
    const std::string rel = f["relative_path"];
    INFO(domain << "/" << rel);
    auto it = by_key.find(domain + "\x1F" + rel);
    REQUIRE(it != by_key.end());
    const ManifestEntry& e = *it->second;
    CHECK(e.file_id == f["file_id"].get<std::string>());
    CHECK(std::string(EntryKindName(e.kind)) == f["kind"].get<std::string>());
    CHECK(e.mode == f["mode"].get<uint32_t>());
    if (!f["mtime"].is_null()) CHECK(e.mtime == f["mtime"].get<int64_t>());
    if (!f["ctime"].is_null()) CHECK(e.ctime == f["ctime"].get<int64_t>());
    if (!f["birth"].is_null()) CHECK(e.birth == f["birth"].get<int64_t>());
    if (!f["atime"].is_null()) CHECK(e.atime == f["atime"].get<int64_t>());
    CHECK(e.inode == f["inode"].get<uint64_t>());
    CHECK(e.uid == f["uid"].get<uint32_t>());
    CHECK(e.gid == f["gid"].get<uint32_t>());
    if (f["protection_class"].is_null()) {
      CHECK_FALSE(e.protection_class.has_value());
    } else {
      CHECK(e.protection_class == f["protection_class"].get<uint32_t>());
    }
    if (!f["recorded_size"].is_null()) CHECK(e.recorded_size == f["recorded_size"].get<uint64_t>());
    if (!f["target"].is_null()) CHECK(e.target == f["target"].get<std::string>());
    if (!f["encryption_key_hex"].is_null()) {
      REQUIRE(e.encryption_key);
      CHECK(Hex(*e.encryption_key) == f["encryption_key_hex"].get<std::string>());
    }
    for (auto& [name, hex] : f["xattrs"].items()) {
      auto x = std::find_if(e.xattrs.begin(), e.xattrs.end(), [&](auto& p) { return p.first == name; });
      REQUIRE(x != e.xattrs.end());
      CHECK(Hex(x->second) == hex.get<std::string>());
    }
    CHECK(e.xattrs.size() == f["xattrs"].size());
    for (auto& [name, hex] : f["properties"].items()) {
      auto p = std::find_if(e.properties.begin(), e.properties.end(), [&](auto& q) { return q.first == name; });
      REQUIRE(p != e.properties.end());
      CHECK(Hex(p->second) == hex.get<std::string>());
    }
    CHECK(e.properties.size() == f["properties"].size());
    if (f["kind"] == "file" && f["blob_present"].get<bool>()) {
      auto file = b.OpenEntry(e);
      REQUIRE(file);
      uint64_t size = 0;
      CHECK(StreamSha256(**file, &size) == f["sha256"].get<std::string>());
      CHECK(size == f["size"].get<uint64_t>());
      CHECK((*file)->Size() == f["size"].get<uint64_t>());
      ++checked_payloads;
    }
  }
  CHECK(checked_payloads > 0);
}

void CheckIdentity(const Backup& b, const json& record) {
  const json& d = record["device"];
  REQUIRE(b.identity().udid);
  CHECK(*b.identity().udid == d["UniqueDeviceID"].get<std::string>());
  CHECK(b.identity().serial_number == d["SerialNumber"].get<std::string>());
  CHECK(b.identity().product_type == d["ProductType"].get<std::string>());
  CHECK(b.identity().product_version == d["ProductVersion"].get<std::string>());
  CHECK(b.identity().build_version == d["BuildVersion"].get<std::string>());
  CHECK(b.identity().imei == d["IMEI"].get<std::string>());
  CHECK(b.identity().phone_number == d["PhoneNumber"].get<std::string>());
}

}  // namespace

TEST_CASE("committed samples read back exactly as the generator recorded them",
          "[parsers][backup][samples]") {
  for (const char* name : {"ios17-plain", "ios9-plain", "ios9-encrypted", "ios17-encrypted"}) {
    SECTION(name) {
      auto g = mfx::testing::LoadSample(name);
      auto o = OpenWithRecordPassword(g);
      const Backup& b = *o.backup;
      CHECK(b.manifest_format() == (g.record["manifest_kind"] == "Manifest.mbdb" ? ManifestFormat::kMbdb
                                                                        : ManifestFormat::kManifestDb));
      CHECK(b.encryption().was_encrypted == g.record["encrypted"].get<bool>());
      CHECK(b.encryption().blobs_encrypted == g.record["encrypted"].get<bool>());
      if (g.record["encrypted"].get<bool>()) {
        CHECK(b.encryption().unlocked);
        // WRAP 3 classes are listed, never "unwrapped" (FORMATS §2.3).
        CHECK(b.encryption().classes_not_recoverable.size() == 4);
        CHECK(b.encryption().classes_unlocked.size() == 7);
      }
      CheckIdentity(b, g.record);
      CheckAgainstRecord(b, g.record);
      for (const auto& n : b.notes()) CHECK(n.level != BackupNote::Level::kError);
    }
  }
}

TEST_CASE("the derived key matches the generator's and a key file skips the derivation",
          "[parsers][backup][keyfile]") {
  mfx::testing::TempDir tmp;
  auto g = mfx::testing::GenerateBackup(tmp.path(), "enc", {.encrypt = true});
  auto mp = core::ReadFile(**core::FolderEnv::Create(g.dir), "Manifest.plist", 1 << 20);
  REQUIRE(mp);
  auto plist = core::ParsePlist(*mp);
  REQUIRE(plist);
  auto kb = ParseKeybag(*plist->Find("BackupKeyBag")->AsData());
  REQUIRE(kb);
  CHECK(kb->two_stage());
  CHECK(kb->dp_iterations == 1000u);
  core::SecretBytes pw = core::SecretBytes::FromString("test-password");
  auto kek = DeriveKek(*kb, pw);
  REQUIRE(kek);
  CHECK(HexEncode(kek->span()) == g.record["kek_hex"].get<std::string>());

  const auto key_file = tmp / "derived.key";
  {
    auto o = OpenWithRecordPassword(g, key_file);
    CHECK(o.backup->encryption().key_file_written);
  }
  REQUIRE(std::filesystem::exists(key_file));
  CHECK((std::filesystem::status(key_file).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  auto text = core::ReadFirstLine(key_file);
  REQUIRE(text);
  CHECK(*text == g.record["kek_hex"].get<std::string>());

  OpenOptions by_key;
  by_key.key_file = key_file;  // no password at all
  auto b = Backup::Open(g.dir, by_key);
  REQUIRE(b);
  CHECK((*b)->encryption().key_from_key_file);
  CheckAgainstRecord(**b, g.record);

  SECTION("a wrong key file is reported as such") {
    const auto bad = tmp / "bad.key";
    std::ofstream(bad) << std::string(64, 'a') << "\n";
    OpenOptions o;
    o.key_file = bad;
    auto r = Backup::Open(g.dir, o);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kWrongPassword);
    CHECK_THAT(r.error().message, Catch::Contains("key file"));
  }
}

TEST_CASE("a wrong password says 'wrong password'", "[parsers][backup][password]") {
  mfx::testing::TempDir tmp;
  for (const char* style : {"ios17", "ios9"}) {
    auto g = mfx::testing::GenerateBackup(tmp.path(), style, {.style = style, .encrypt = true});
    core::SecretBytes wrong = core::SecretBytes::FromString("test-passwore");
    OpenOptions o;
    o.password = &wrong;
    auto r = Backup::Open(g.dir, o);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kWrongPassword);
    CHECK_THAT(r.error().message, Catch::Contains("wrong password"));
  }
}

TEST_CASE("without a password an encrypted backup still gives its identity", "[parsers][backup][password]") {
  auto g = mfx::testing::LoadSample("ios17-encrypted");
  auto b = Backup::Open(g.dir, {});
  REQUIRE(b);
  CHECK((*b)->encryption().manifest_encrypted);
  CHECK_FALSE((*b)->encryption().unlocked);
  CHECK((*b)->entries().empty());
  CheckIdentity(**b, g.record);
  auto g9 = mfx::testing::LoadSample("ios9-encrypted");
  auto b9 = Backup::Open(g9.dir, {});
  REQUIRE(b9);
  CHECK((*b9)->entries().size() == g9.record["files"].size());  // mbdb is plaintext
  const ManifestEntry* any = nullptr;
  for (const auto& e : (*b9)->entries()) if (e.kind == EntryKind::kFile) any = &e;
  REQUIRE(any);
  auto f = (*b9)->OpenEntry(*any);
  REQUIRE_FALSE(f);
  CHECK_THAT(f.error().message, Catch::Contains("password"));
}

TEST_CASE("encrypted payloads read the same bytes at any offset and with any buffer size",
          "[parsers][backup][samples]") {
  // Aligned reads with room for every block decrypt straight into the caller's buffer; the others
  // go through a scratch buffer. Both must give the generator's bytes (SHA-256 of a whole read
  // with a buffer larger than the file, then pieces compared with that whole).
  for (const char* name : {"ios17-encrypted", "ios9-encrypted"}) {
    SECTION(name) {
      auto g = mfx::testing::LoadSample(name);
      auto o = OpenWithRecordPassword(g);
      const Backup& b = *o.backup;
      int checked = 0;
      for (const json& f : g.record["files"]) {
        if (f["kind"] != "file" || !f["blob_present"].get<bool>() || f["size"].get<uint64_t>() < 40)
          continue;
        const ManifestEntry* e = b.Find(f["domain"].get<std::string>() + "/" +
                                        f["relative_path"].get<std::string>());
        REQUIRE(e);
        auto file = b.OpenEntry(*e);
        REQUIRE(file);
        const uint64_t size = (*file)->Size();
        std::vector<uint8_t> whole(static_cast<size_t>(size) + 64, 0xEE);
        auto got = (*file)->ReadAt(0, whole);
        REQUIRE(got);
        REQUIRE(*got == size);
        whole.resize(static_cast<size_t>(size));
        CHECK(core::Sha256Hex(whole) == f["sha256"].get<std::string>());
        for (const uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{15}, uint64_t{16},
                                      uint64_t{17}, uint64_t{32}, size - 17, size - 16, size - 1}) {
          for (const size_t want : {size_t{1}, size_t{16}, size_t{17}, size_t{48}, size_t{4096}}) {
            CAPTURE(f["relative_path"].get<std::string>(), offset, want);
            std::vector<uint8_t> piece(want, 0xEE);
            auto n = (*file)->ReadAt(offset, piece);
            REQUIRE(n);
            const size_t expect = static_cast<size_t>(std::min<uint64_t>(want, size - offset));
            REQUIRE(*n == expect);
            CHECK(std::equal(piece.begin(), piece.begin() + static_cast<std::ptrdiff_t>(expect),
                             whole.begin() + static_cast<std::ptrdiff_t>(offset)));
          }
        }
        if (++checked == 8) break;
      }
      CHECK(checked > 0);
    }
  }
}
