#pragma once
// Helpers shared by the test binaries: where the samples and shared real data are, temp folders.

#include <filesystem>
#include <memory>
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

// A TempDir for the rest of the test process, for the fixtures that share one case or key set
// between a binary's tests (as a function-local static). It is removed when the process exits,
// but not by a forked child that exits: the folder is its parent's. These fixtures used to leak
// `new TempDir()`, which left about 70 folders of up to 6 MB in /tmp at every run of the suite.
class ProcessTempDir {
 public:
  ProcessTempDir();
  ~ProcessTempDir();
  ProcessTempDir(const ProcessTempDir&) = delete;
  ProcessTempDir& operator=(const ProcessTempDir&) = delete;
  const std::filesystem::path& path() const { return dir_->path(); }
  std::filesystem::path operator/(const std::string& name) const { return *dir_ / name; }

 private:
  long owner_;  // the pid that made it
  std::unique_ptr<TempDir> dir_;
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
