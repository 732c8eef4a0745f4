// The backup view's "BackupRoot/" pseudo-domain: the root plists, read-only and as stored, for
// parsers of device identity and installed apps; the manifest's entries are not affected.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "parsers/backup/backup.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

using namespace mfx;
using namespace mfx::parsers::backup;

namespace {

Bytes ReadDisk(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("backup view: root plists under BackupRoot/", "[parsers][backup][root]") {
  for (const char* name : {"ios17-plain", "ios9-encrypted"}) {
    DYNAMIC_SECTION(name) {
      const auto sample = mfx::testing::LoadSample(name);
      OpenOptions o;
      core::SecretBytes pw;
      if (!sample.password_file.empty()) {
        std::ifstream in(sample.password_file);
        std::string line;
        std::getline(in, line);
        pw = core::SecretBytes::FromString(line);
        o.password = &pw;
      }
      auto b = Backup::Open(sample.dir, o);
      REQUIRE(b);
      const core::Env& env = (*b)->env();
      for (const char* file : {"Info.plist", "Manifest.plist", "Status.plist"}) {
        INFO(file);
        const std::string path = std::string("BackupRoot/") + file;
        auto f = env.Open(path);
        REQUIRE(f);
        auto bytes = core::ReadAll(**f, 64 << 20);
        REQUIRE(bytes);
        CHECK(*bytes == ReadDisk(sample.dir / file));  // as stored: root plists are never encrypted
        CHECK((*f)->Describe() == path);
        auto st = env.Stat(path);
        REQUIRE(st);
        CHECK(st->size == bytes->size());
      }
      const auto all = env.List();
      CHECK(std::is_sorted(all.begin(), all.end()));
      CHECK(std::count(all.begin(), all.end(), "BackupRoot/Info.plist") == 1);
      CHECK(env.List("BackupRoot/") == std::vector<std::string>{"BackupRoot/Info.plist", "BackupRoot/Manifest.plist",
                                                               "BackupRoot/Status.plist"});
      CHECK(env.List("BackupRoot/M") == std::vector<std::string>{"BackupRoot/Manifest.plist"});
      // Only those three names: nothing else of the folder is reachable this way.
      for (const char* other : {"BackupRoot/Manifest.db", "BackupRoot/../Info.plist", "BackupRoot/", "BackupRoot",
                                "BackupRootX/Info.plist"}) {
        INFO(other);
        CHECK_FALSE(env.Open(other));
        CHECK_FALSE(env.Exists(other));
      }
      // The manifest view itself is unchanged.
      CHECK((*b)->Find("BackupRoot/Info.plist") == nullptr);
      CHECK(all.size() == sample.record["counts"]["files"].get<size_t>() + 3);
    }
  }
}
