#pragma once
// Shared pieces of the command-line layer: errors to stderr, passwords, opening a backup the way
// every command does, exit codes.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/result.h"
#include "core/secret.h"
#include "parsers/backup/backup.h"

namespace mfx::cli {

namespace po = boost::program_options;

// Exit statuses shared by the commands (verify has its own, see verify_command.cpp).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Thrown for bad options; main prints "mfx COMMAND: message" and exits with kExitUsage.
struct UsageError {
  std::string message;
};

// Prints "mfx: <message>" on stderr and returns kExitFailure.
int Report(const Error& error);

// Parses argv for a command; --help prints usage and makes the command return 0.
struct ParsedArgs {
  po::variables_map vm;
  bool help = false;
};
ParsedArgs ParseArgs(const std::string& usage, const po::options_description& options,
                     const po::positional_options_description& positional,
                     const std::vector<std::string>& args);

// The password: first line of --password-file, else an echo-less prompt on the terminal when
// `prompt_allowed`; nullopt when neither is possible.
Result<std::optional<core::SecretBytes>> ObtainPassword(const po::variables_map& vm, bool prompt_allowed);

// Opens a backup for a command: first without a password; when it turns out to be encrypted,
// again with the password or key file (prompting on a terminal if none was given). With
// `need_payload`, a locked encrypted backup is an error naming --password-file.
// When `used_password` is given, the password that opened the backup is moved there (so a caller
// can guard against it ever being written).
Result<std::unique_ptr<parsers::backup::Backup>> OpenBackupForCommand(
    const std::filesystem::path& dir, const po::variables_map& vm, bool need_payload,
    std::optional<core::SecretBytes>* used_password = nullptr);

// Adds --password-file and --key-file.
void AddPasswordOptions(po::options_description& options);

}  // namespace mfx::cli
