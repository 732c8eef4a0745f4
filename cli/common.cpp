#include "cli/common.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <openssl/crypto.h>

#include "core/file_util.h"

namespace mfx::cli {

int Report(const Error& error) {
  std::cerr << "mfx: " << error.ToString() << "\n";
  return kExitFailure;
}

ParsedArgs ParseArgs(const std::string& usage, const po::options_description& options,
                     const po::positional_options_description& positional,
                     const std::vector<std::string>& args) {
  po::options_description all = options;
  all.add_options()("help,h", "show this help");
  ParsedArgs out;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), out.vm);
    if (out.vm.count("help")) {
      std::cout << usage << "\n\n" << all << "\n";
      out.help = true;
      return out;
    }
    po::notify(out.vm);
  } catch (const po::error& e) {
    throw UsageError{e.what()};
  }
  return out;
}

void AddPasswordOptions(po::options_description& options) {
  options.add_options()
      ("password-file", po::value<std::string>(), "file whose first line is the backup password")
      ("key-file", po::value<std::string>(),
       "derived-key file (64 hex characters): read when it exists (no 10M-round derivation), "
       "written (mode 0600) after a successful unlock with the password otherwise");
}

namespace {

// Reads a line from the controlling terminal with echo off.
std::optional<std::string> PromptNoEcho(const char* prompt) {
  std::FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr) return std::nullopt;
  const int fd = ::fileno(tty);
  termios old{};
  if (::tcgetattr(fd, &old) != 0) {
    std::fclose(tty);
    return std::nullopt;
  }
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(fd, TCSAFLUSH, &quiet);
  std::fputs(prompt, tty);
  std::fflush(tty);
  std::string line;
  for (int c; (c = std::fgetc(tty)) != EOF && c != '\n';) line.push_back(static_cast<char>(c));
  ::tcsetattr(fd, TCSAFLUSH, &old);
  std::fputs("\n", tty);
  std::fclose(tty);
  return line;
}

}  // namespace

Result<std::optional<core::SecretBytes>> ObtainPassword(const po::variables_map& vm, bool prompt_allowed) {
  if (vm.count("password-file")) {
    MFX_ASSIGN_OR_RETURN(std::string line, core::ReadFirstLine(vm["password-file"].as<std::string>()));
    core::SecretBytes secret = core::SecretBytes::FromString(line);
    if (!line.empty()) OPENSSL_cleanse(line.data(), line.size());
    return std::optional<core::SecretBytes>(std::move(secret));
  }
  if (prompt_allowed && ::isatty(STDIN_FILENO)) {
    auto line = PromptNoEcho("Backup password: ");
    if (line) {
      core::SecretBytes secret = core::SecretBytes::FromString(*line);
      if (!line->empty()) OPENSSL_cleanse(line->data(), line->size());
      return std::optional<core::SecretBytes>(std::move(secret));
    }
  }
  return std::optional<core::SecretBytes>();
}

Result<std::unique_ptr<parsers::backup::Backup>> OpenBackupForCommand(
    const std::filesystem::path& dir, const po::variables_map& vm, bool need_payload,
    std::optional<core::SecretBytes>* used_password) {
  using parsers::backup::Backup;
  parsers::backup::OpenOptions options;
  if (vm.count("key-file")) options.key_file = vm["key-file"].as<std::string>();
  MFX_ASSIGN_OR_RETURN(auto password, ObtainPassword(vm, /*prompt_allowed=*/false));
  if (password) options.password = &*password;
  auto keep = [&] {
    if (used_password != nullptr && password) *used_password = std::move(password);
  };
  MFX_ASSIGN_OR_RETURN(auto backup, Backup::Open(dir, options));
  const auto& enc = backup->encryption();
  const bool locked = (enc.manifest_encrypted || enc.blobs_encrypted) && !enc.unlocked;
  if (!locked) {
    keep();
    return backup;
  }
  if (options.password == nullptr) {
    MFX_ASSIGN_OR_RETURN(auto prompted, ObtainPassword(vm, /*prompt_allowed=*/true));
    if (prompted) {
      password = std::move(prompted);
      options.password = &*password;
      auto reopened = Backup::Open(dir, options);
      keep();
      return reopened;
    }
  }
  if (need_payload) {
    return Fail(ErrorCode::kInvalidArgument,
                dir.string() + ": the backup is encrypted: give --password-file FILE (or --key-file FILE)");
  }
  return backup;
}

}  // namespace mfx::cli
