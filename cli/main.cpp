// mfx — the one binary. Dispatches to a command; the only place, with cli/*, that parses argv and
// prints to the user.
#include <csignal>
#include <cstring>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "mfx/version.h"

namespace {

struct Command {
  int (*run)(const std::vector<std::string>&);
  const char* summary;
};

const std::map<std::string, Command>& Commands() {
  static const std::map<std::string, Command> kCommands = {
      {"devices", {mfx::cli::DevicesCommand, "attached iOS devices (usbmuxd) and Apple/Android USB devices"}},
      {"device-info", {mfx::cli::DeviceInfoCommand, "identity and clock of a connected iOS device"}},
      {"acquire", {mfx::cli::AcquireCommand, "consented logical acquisition (backup) into a case"}},
      {"analyze", {mfx::cli::AnalyzeCommand, "register a backup as evidence, parse it, write the case"}},
      {"report", {mfx::cli::ReportCommand, "(re)generate reports from the case database"}},
      {"verify", {mfx::cli::VerifyCommand, "check a case folder: hashes, custody chain, signature"}},
      {"backup", {mfx::cli::BackupCommand, "info | ls | export: read a backup folder"}},
  };
  return kCommands;
}

void Usage(std::ostream& out) {
  out << "mfx " << mfx::kVersion << " (" << mfx::kGitSha << ") — mobile-device forensics\n\n"
      << "usage: mfx COMMAND [options]   (mfx COMMAND --help for each)\n\n";
  for (const auto& [name, cmd] : Commands()) out << "  " << name << "\t" << cmd.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  // A TLS write to a vanished device must be an error, not a signal that kills the process.
  std::signal(SIGPIPE, SIG_IGN);
  // No SQLite memory statistics (mfx never reads them): otherwise every SQLite allocation takes a
  // process-wide mutex, which the parser and export threads then contend on.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    Usage(std::cerr);
    return mfx::cli::kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    Usage(std::cout);
    return mfx::cli::kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "mfx " << mfx::kVersion << " (" << mfx::kGitSha << ")\n";
    return mfx::cli::kExitOk;
  }
  auto it = Commands().find(args[0]);
  if (it == Commands().end()) {
    std::cerr << "mfx: unknown command '" << args[0] << "' (mfx --help lists them)\n";
    return mfx::cli::kExitUsage;
  }
  try {
    return it->second.run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const mfx::cli::UsageError& e) {
    std::cerr << "mfx " << args[0] << ": " << e.message << "\n";
    return mfx::cli::kExitUsage;
  } catch (const std::bad_alloc&) {
    std::cerr << "mfx: out of memory\n";
    return mfx::cli::kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "mfx: internal error (a bug; please report it): " << e.what() << "\n";
    return mfx::cli::kExitFailure;
  }
}
