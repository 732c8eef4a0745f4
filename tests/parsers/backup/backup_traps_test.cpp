// Tolerance: each trap the generator can plant (FORMATS §2.5, §2.8, §8) is read with a note, never
// a crash, and what survives is exactly what the generator wrote.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "core/crypto.h"
#include "core/file_util.h"
#include "core/folder_env.h"
#include "core/plist.h"
#include "parsers/backup/backup.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

using namespace mfx;
using namespace mfx::parsers::backup;
using mfx::testing::GenerateBackup;
using mfx::testing::TempDir;
using nlohmann::json;

namespace {

std::unique_ptr<Backup> OpenGenerated(const mfx::testing::GeneratedBackup& g, const char* password) {
  OpenOptions o;
  core::SecretBytes pw = core::SecretBytes::FromString(password ? password : "");
  if (password) o.password = &pw;
  auto b = Backup::Open(g.dir, o);
  if (!b) FAIL(b.error().ToString());
  return std::move(*b);
}

std::string PayloadSha256(const Backup& b, const ManifestEntry& e) {
  auto f = b.OpenEntry(e);
  if (!f) return "ERROR " + f.error().ToString();
  core::Hasher h(core::HashAlgorithm::kSha256);
  std::vector<uint8_t> buf(4096);
  auto s = core::ForEachChunk(**f, buf, [&](ByteSpan c) -> Status {
    h.Update(c);
    return {};
  });
  if (!s) return "ERROR " + s.error().ToString();
  return h.FinishHex();
}

// Every payload present in the record reads back with its hash.
size_t CheckPayloads(const Backup& b, const json& record) {
  size_t n = 0;
  for (const json& f : record["files"]) {
    if (f["kind"] != "file" || !f["blob_present"].get<bool>() || f["sha256"].is_null()) continue;
    if (f["blob_size"].get<uint64_t>() == 0 && f["size"].get<uint64_t>() > 0) continue;  // zero-length-blob
    if (std::find(f["traps"].begin(), f["traps"].end(), "truncated-blob") != f["traps"].end()) continue;
    const ManifestEntry* e = b.Find(f["domain"].get<std::string>() + "/" + f["relative_path"].get<std::string>());
    if (e == nullptr) continue;  // e.g. a path listed twice
    INFO(e->Path());
    CHECK(PayloadSha256(b, *e) == f["sha256"].get<std::string>());
    ++n;
  }
  return n;
}

bool HasNote(const Backup& b, std::string_view text) {
  for (const auto& n : b.notes()) {
    if (n.message.find(text) != std::string::npos) return true;
  }
  return false;
}

const json& TrappedFile(const json& record, const std::string& trap) {
  for (const json& f : record["files"]) {
    for (const json& t : f["traps"]) {
      if (t == trap) return f;
    }
  }
  FAIL("no file carries trap " << trap);
  static json none;
  return none;
}

}  // namespace

TEST_CASE("traps in both eras, plain and encrypted", "[parsers][backup][traps]") {
  TempDir tmp;
  for (const char* style : {"ios17", "ios9"}) {
    for (bool encrypt : {false, true}) {
      const std::string tag = std::string(style) + (encrypt ? "-enc" : "-plain");
      DYNAMIC_SECTION(tag) {
        auto g = GenerateBackup(tmp.path(), tag, {.style = style, .encrypt = encrypt,
            .traps = {"missing-blob", "stale-size-smaller", "stale-size-larger", "zero-length-blob",
                      "partial-snapshot"}});
        auto b = OpenGenerated(g, encrypt ? "test-password" : nullptr);
        CHECK(CheckPayloads(*b, g.record) > 10);

        const json& missing = TrappedFile(g.record, "missing-blob");
        const ManifestEntry* m = b->Find(missing["domain"].get<std::string>() + "/" +
                                         missing["relative_path"].get<std::string>());
        REQUIRE(m);
        auto r = b->OpenEntry(*m);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::kNotFound);
        CHECK(HasNote(*b, "have no payload"));

        // Stale sizes both ways: the real size is read, never truncated to the manifest's.
        for (const char* trap : {"stale-size-smaller", "stale-size-larger"}) {
          const json& f = TrappedFile(g.record, trap);
          CHECK(f["recorded_size"] != f["size"]);
          const ManifestEntry* e = b->Find(f["domain"].get<std::string>() + "/" + f["relative_path"].get<std::string>());
          REQUIRE(e);
          CHECK(e->recorded_size == f["recorded_size"].get<uint64_t>());
          auto file = b->OpenEntry(*e);
          REQUIRE(file);
          CHECK((*file)->Size() == f["size"].get<uint64_t>());
        }

        const json& z = TrappedFile(g.record, "zero-length-blob");
        const ManifestEntry* ze = b->Find(z["domain"].get<std::string>() + "/" + z["relative_path"].get<std::string>());
        REQUIRE(ze);
        auto zf = b->OpenEntry(*ze);
        REQUIRE(zf);
        CHECK((*zf)->Size() == 0);
        CHECK(HasNote(*b, "is empty but the manifest records"));
        CHECK(HasNote(*b, "SnapshotState is 'uploading'"));

        // The payloads whose stored size is not the recorded one are listed: exactly the trapped ones.
        std::set<std::string> resized;
        for (const auto& d : b->size_differences()) resized.insert(d.path);
        std::set<std::string> trapped;
        for (const char* trap : {"stale-size-smaller", "stale-size-larger", "zero-length-blob"}) {
          const json& f = TrappedFile(g.record, trap);
          trapped.insert(f["domain"].get<std::string>() + "/" + f["relative_path"].get<std::string>());
        }
        CHECK(resized == trapped);
        CHECK(HasNote(*b, "payloads differ in size from what the manifest records"));
        CHECK(b->unlisted_files().empty());
      }
    }
  }
}

TEST_CASE("a backup decrypted by another tool that kept its encryption flags", "[parsers][backup][traps]") {
  TempDir tmp;
  for (const char* style : {"ios17", "ios9"}) {
    DYNAMIC_SECTION(style) {
      auto g = GenerateBackup(tmp.path(), style, {.style = style, .traps = {"decrypted-flagged"}});
      auto b = OpenGenerated(g, nullptr);  // no password needed: it is plaintext now
      CHECK(b->encryption().was_encrypted);
      CHECK_FALSE(b->encryption().manifest_encrypted);
      CHECK_FALSE(b->encryption().blobs_encrypted);
      CHECK(CheckPayloads(*b, g.record) > 10);
    }
  }
}

// One damaged or plaintext payload used to decide for the whole backup (any plaintext signature or
// any size that is not whole AES blocks among the sampled payloads meant "plaintext"), so a single
// cut-off blob in an iOS ≤ 9 encrypted backup turned every other file into raw ciphertext.
TEST_CASE("one cut-off or plaintext payload does not decide for the whole backup", "[parsers][backup][traps]") {
  TempDir tmp;
  for (const char* style : {"ios9", "ios17"}) {
    for (const char* trap : {"truncated-blob", "plaintext-blob"}) {
      DYNAMIC_SECTION(style << " " << trap) {
        auto g = GenerateBackup(tmp.path(), std::string(style) + trap,
                                {.style = style, .encrypt = true, .traps = {trap}});
        auto b = OpenGenerated(g, "test-password");
        CHECK(b->encryption().blobs_encrypted);
        CHECK(CheckPayloads(*b, g.record) > 10);  // the plaintext blob included, by its own hash
        const json& f = TrappedFile(g.record, trap);
        const ManifestEntry* e = b->Find(f["domain"].get<std::string>() + "/" + f["relative_path"].get<std::string>());
        REQUIRE(e);
        auto r = b->OpenEntry(*e);
        if (std::string(trap) == "truncated-blob") {
          CHECK(f["blob_size"].get<uint64_t>() % 16 == 11);
          REQUIRE_FALSE(r);
          CHECK(r.error().code == ErrorCode::kCorrupt);
          CHECK_THAT(r.error().message, Catch::Contains("not a multiple of 16") && Catch::Contains(e->Path()));
        } else {
          REQUIRE(r);
          CHECK((*r)->Size() == f["size"].get<uint64_t>());
        }
      }
    }
  }
  SECTION("unencrypted: the cut-off file reads as the bytes that are there") {
    auto g = GenerateBackup(tmp.path(), "plain-cut", {.style = "ios9", .traps = {"truncated-blob"}});
    auto b = OpenGenerated(g, nullptr);
    CHECK_FALSE(b->encryption().blobs_encrypted);
    CHECK(CheckPayloads(*b, g.record) > 10);
    const json& f = TrappedFile(g.record, "truncated-blob");
    const ManifestEntry* e = b->Find(f["domain"].get<std::string>() + "/" + f["relative_path"].get<std::string>());
    REQUIRE(e);
    auto r = b->OpenEntry(*e);
    REQUIRE(r);
    CHECK((*r)->Size() == f["size"].get<uint64_t>() - 5);
    CHECK(PayloadSha256(*b, *e) == f["blob_sha256"].get<std::string>());
  }
}

TEST_CASE("files the manifest does not name are listed, not read", "[parsers][backup][traps]") {
  TempDir tmp;
  for (const char* style : {"ios17", "ios9"}) {
    DYNAMIC_SECTION(style) {
      auto g = GenerateBackup(tmp.path(), style, {.style = style});
      std::filesystem::create_directories(g.dir / "e7");
      const std::string stray = "e7/e794f6ffcc3c222535f47684a63d5178da3c4500";
      REQUIRE(core::WriteFileAtomic(g.dir / stray, AsBytes(std::string("SQLite format 3"))));
      REQUIRE(core::WriteFileAtomic(g.dir / "DDNABackup.plist", AsBytes(std::string("<plist/>"))));
      auto b = OpenGenerated(g, nullptr);
      CHECK(b->unlisted_files() == std::vector<std::string>{"DDNABackup.plist", stray});
      CHECK(HasNote(*b, "2 files in the backup folder are named by no manifest row"));
      CHECK(b->size_differences().empty());
    }
  }
}

TEST_CASE("Manifest.plist missing", "[parsers][backup][traps]") {
  TempDir tmp;
  SECTION("plain: everything still reads") {
    auto g = GenerateBackup(tmp.path(), "p", {.traps = {"no-manifest-plist"}});
    auto b = OpenGenerated(g, nullptr);
    CHECK(HasNote(*b, "Manifest.plist is missing"));
    CHECK(CheckPayloads(*b, g.record) > 10);
  }
  SECTION("encrypted: a clear error, not a crash") {
    auto g = GenerateBackup(tmp.path(), "e", {.encrypt = true, .traps = {"no-manifest-plist"}});
    core::SecretBytes pw = core::SecretBytes::FromString("test-password");
    OpenOptions o;
    o.password = &pw;
    auto r = Backup::Open(g.dir, o);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("Manifest.plist"));
  }
}

TEST_CASE("ProtectionClass absent, flags 0, NS.data indirection", "[parsers][backup][traps]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "x", {.encrypt = true,
      .traps = {"no-protection-class", "flags-zero", "nsdata-indirection"}});
  auto b = OpenGenerated(g, "test-password");
  for (const auto& e : b->entries()) CHECK_FALSE(e.protection_class.has_value());
  CHECK(CheckPayloads(*b, g.record) > 10);
  const json& f0 = TrappedFile(g.record, "flags-zero");
  const ManifestEntry* e0 = b->Find(f0["domain"].get<std::string>() + "/" + f0["relative_path"].get<std::string>());
  REQUIRE(e0);
  CHECK(e0->flags == 0);
  CHECK(e0->kind == EntryKind::kFile);
}

// Info.plist carries the icons and iTunesMetadata of every app; 64 MiB used to be the limit, and
// a larger one lost IMEI, ICCID and the phone number with a note saying "Info.plist is missing".
TEST_CASE("an Info.plist beyond 64 MiB is read whole", "[parsers][backup][traps]") {
  TempDir tmp;
  auto g = GenerateBackup(tmp.path(), "big-info", {.traps = {"binary-info-plist"}});
  const auto path = g.dir / "Info.plist";
  auto env = core::FolderEnv::Create(g.dir);
  REQUIRE(env);
  auto original = core::ReadFile(**env, "Info.plist", 1 << 20);
  REQUIRE(original);
  auto info = core::ParsePlist(*original);
  REQUIRE(info);
  auto dict = *info->AsDict();
  core::PlistDict apps;
  apps["com.example.big"] = core::PlistDict{{"PlaceholderIcon", core::PlistValue(Bytes(80u << 20, 0x5A))}};
  dict["Applications"] = apps;
  auto big = core::WritePlist(core::PlistValue(dict), true);
  REQUIRE(big);
  REQUIRE(big->size() > (64u << 20));
  std::filesystem::remove(path);
  REQUIRE(core::WriteFileAtomic(path, *big));

  auto b = OpenGenerated(g, nullptr);
  CHECK_FALSE(HasNote(*b, "Info.plist is missing"));
  CHECK_FALSE(HasNote(*b, "exceeds"));
  const json& device = g.record["device"];
  CHECK(b->identity().imei == device["IMEI"].get<std::string>());
  CHECK(b->identity().iccid == device["ICCID"].get<std::string>());
  CHECK(b->identity().phone_number == device["PhoneNumber"].get<std::string>());
}

TEST_CASE("Info.plist as XML or binary gives the same identity", "[parsers][backup][traps]") {
  TempDir tmp;
  for (const char* trap : {"xml-info-plist", "binary-info-plist"}) {
    auto g = GenerateBackup(tmp.path(), trap, {.traps = {trap}});
    auto b = OpenGenerated(g, nullptr);
    REQUIRE(b->info());
    CHECK(b->identity().udid == g.record["device"]["UniqueDeviceID"].get<std::string>());
    REQUIRE(b->info()->last_backup_date);
    CHECK(b->info()->last_backup_date->ToIsoUtc().substr(0, 19) ==
          g.record["info_plist"]["values"]["Last Backup Date"].get<std::string>().substr(0, 19));
  }
}
