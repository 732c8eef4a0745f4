#pragma once
// Runs the sample generator (samples/generate_backup.py, an independent Python implementation of
// the backup format) into a temporary folder and loads its record — the ground truth of tests.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mfx::testing {

struct GeneratedBackup {
  std::filesystem::path dir;     // the backup root
  std::filesystem::path record_path;
  std::filesystem::path password_file;  // empty for plain backups
  nlohmann::json record;
};

struct GenerateOptions {
  std::string style = "ios17";  // or "ios9"
  bool encrypt = false;
  std::string password = "test-password";
  std::vector<std::string> traps;
  std::vector<std::string> extra_args;  // passed through (e.g. content options)
  std::string seed = "mfx-test";
  int dpic = 1000;  // small: tests need not pay for 10M rounds
};

// Generates into parent/<name>; throws std::runtime_error (with the generator's stderr) on failure.
GeneratedBackup GenerateBackup(const std::filesystem::path& parent, const std::string& name,
                               const GenerateOptions& options);

// A committed sample: samples/backups/<name> with its record (and .password when encrypted).
GeneratedBackup LoadSample(const std::string& name);

// Copies a folder tree (for tests that damage or make read-only a copy of a sample).
void CopyTree(const std::filesystem::path& from, const std::filesystem::path& to);

// SHA-256 of every regular file below root, keyed by relative path.
std::map<std::string, std::string> HashTree(const std::filesystem::path& root);

// Runs a command line through /bin/sh, capturing stdout+stderr; returns the exit status.
int RunCommand(const std::string& command, std::string* output = nullptr);

std::string ShellQuote(const std::string& s);

}  // namespace mfx::testing
