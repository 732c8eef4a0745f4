#pragma once
// Helpers shared by the test binaries: where the samples and shared real data are, temp folders.

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

namespace mfx::testing {

inline std::filesystem::path SamplesDir() { return MFX_SAMPLES_DIR; }
inline std::filesystem::path SharedDir() { return MFX_SHARED_DIR; }
inline std::filesystem::path RealDataDir() { return SharedDir() / "realdata"; }
inline bool HaveRealData() { return std::filesystem::is_directory(RealDataDir()); }

// A fresh temporary folder removed at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace mfx::testing

// Skips the rest of a test that needs ../shared/realdata, with a message (a fresh user clone has
// no ../shared; CI has it).
#define MFX_REQUIRE_REALDATA()                                                          \
  do {                                                                                  \
    if (!::mfx::testing::HaveRealData()) {                                              \
      WARN("SKIPPED: " << ::mfx::testing::RealDataDir().string() << " is absent");     \
      return;                                                                           \
    }                                                                                   \
  } while (0)
