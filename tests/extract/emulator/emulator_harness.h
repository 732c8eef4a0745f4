// Test harness: runs mfx-emulator with a scenario in a private temp folder and runs the stock
// libimobiledevice tools against it (USBMUXD_SOCKET_ADDRESS set per child process only).
//
// Ground truth for every assertion is the emulator's own record (record.json) or the scenario
// itself, never the code under test. All paths come from compile definitions.
//
// Not thread-safe; one EmulatorProcess per test case. The temp folder is removed at destruction
// unless MFX_KEEP_TEST_DIRS is set in the environment.
#pragma once

#include <plist/plist.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mfx::extract::test {

struct ToolResult {
  int exit_code = -1;  // exit status, or 128 + signal
  bool timed_out = false;
  std::string out;
  std::string err;
  std::string Output() const { return "--- stdout\n" + out + "\n--- stderr\n" + err; }
  bool Says(const std::string& text) const {
    return out.find(text) != std::string::npos || err.find(text) != std::string::npos;
  }
};

class EmulatorProcess {
 public:
  // Writes the scenario, starts the emulator, waits for its READY line. Throws std::runtime_error.
  explicit EmulatorProcess(const nlohmann::json& scenario);
  ~EmulatorProcess();
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& address() const { return address_; }
  // Runs a tool with USBMUXD_SOCKET_ADDRESS pointing at this emulator; kills it after timeout.
  ToolResult Run(const std::vector<std::string>& argv, int timeout_ms = 60000);
  // A fresh empty folder below dir() (for backups).
  std::filesystem::path MakeDir(const std::string& name);
  // SIGTERM and wait; returns the exit status (0 = clean).
  int Stop();
  // Stops the emulator (if running) and returns its record; throws if it did not exit cleanly.
  nlohmann::json StopAndReadRecord();
  // The record as of now (SIGUSR1, then waits until it is rewritten).
  nlohmann::json RecordNow();
  std::string TranscriptTail(size_t lines = 40) const;

 private:
  std::filesystem::path dir_;
  std::string address_;
  int pid_ = -1;
  int exit_status_ = -1;
};

std::string Sha256OfFile(const std::filesystem::path& path);
std::string Sha1Hex(const std::string& text);
std::string ReadFile(const std::filesystem::path& path);
std::vector<std::filesystem::path> RegularFilesBelow(const std::filesystem::path& root);
// fileID = SHA-1(domain + "-" + relativePath) (FORMATS.md §1.8), computed independently here.
std::string FileId(const std::string& domain, const std::string& relative_path);
// A stock tool's path from the compile definitions; throws if the build found none.
std::string Tool(const char* path_from_build, const char* name);

struct PlistFree {
  void operator()(void* node) const { plist_free(static_cast<plist_t>(node)); }
};
using PlistHandle = std::unique_ptr<void, PlistFree>;
PlistHandle ReadPlistFile(const std::filesystem::path& path);
std::optional<std::string> PlistString(plist_t dict, const char* key);
std::optional<bool> PlistBool(plist_t dict, const char* key);

// The newest backup attempt in a record.
const nlohmann::json& LastBackup(const nlohmann::json& record);
// Number of faults of a kind in a record.
size_t FaultCount(const nlohmann::json& record, const std::string& fault);
// Events of a kind in a record.
std::vector<nlohmann::json> Events(const nlohmann::json& record, const std::string& kind);

}  // namespace mfx::extract::test

#define MFX_IDEVICEBACKUP2_TOOL ::mfx::extract::test::Tool(IDEVICEBACKUP2, "idevicebackup2")
#define MFX_IDEVICEINFO_TOOL ::mfx::extract::test::Tool(IDEVICEINFO, "ideviceinfo")
#define MFX_IDEVICEPAIR_TOOL ::mfx::extract::test::Tool(IDEVICEPAIR, "idevicepair")
#define MFX_IDEVICE_ID_TOOL ::mfx::extract::test::Tool(IDEVICE_ID, "idevice_id")
