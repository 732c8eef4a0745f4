#include "tests/extract/emulator/emulator_harness.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mfx::extract::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string DigestHex(const EVP_MD* md, const void* data, size_t size) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data, size, out, &length, md, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 15]);
  }
  return hex;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid` for at most `timeout_ms`; returns the decoded status or nullopt on timeout.
std::optional<int> WaitFor(int pid, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    const int r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return DecodeStatus(status);
    if (r < 0) return -1;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// fork + exec with stdout/stderr to files (or stdout to a pipe when out_pipe != nullptr).
int Spawn(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
          const std::string& socket_address, const std::filesystem::path& out_file,
          const std::filesystem::path& err_file, int* out_pipe) {
  int pipe_fds[2] = {-1, -1};
  if (out_pipe != nullptr && ::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const int pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (!socket_address.empty()) ::setenv("USBMUXD_SOCKET_ADDRESS", socket_address.c_str(), 1);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    if (out_pipe != nullptr) {
      ::dup2(pipe_fds[1], 1);
    } else {
      const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
    }
    const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(err, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  if (out_pipe != nullptr) {
    ::close(pipe_fds[1]);
    *out_pipe = pipe_fds[0];
  }
  return pid;
}

}  // namespace

std::string Tool(const char* path_from_build, const char* name) {
  if (path_from_build == nullptr || *path_from_build == '\0') {
    throw std::runtime_error(
        std::string("stock tool ") + name +
        " not found at build time: install libimobiledevice-utils (scripts/setup)");
  }
  return path_from_build;
}

EmulatorProcess::EmulatorProcess(const nlohmann::json& scenario) {
  std::string pattern = (std::filesystem::temp_directory_path() / "mfx-emu-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  {
    std::ofstream out(dir_ / "scenario.json");
    out << scenario.dump(2);
  }
  int out_pipe = -1;
  pid_ = Spawn({MFX_EMULATOR_PATH, "--scenario", (dir_ / "scenario.json").string(), "--state-dir",
                (dir_ / "state").string()},
               dir_, "", "", dir_ / "emulator.stderr", &out_pipe);
  std::string output;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (output.find('\n') == std::string::npos && Clock::now() < deadline) {
    pollfd fd{out_pipe, POLLIN, 0};
    if (::poll(&fd, 1, 100) > 0) {
      char buffer[256];
      const ssize_t n = ::read(out_pipe, buffer, sizeof(buffer));
      if (n <= 0) break;
      output.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(out_pipe);
  if (output.rfind("READY ", 0) != 0) {
    Stop();
    throw std::runtime_error("emulator did not become ready: '" + output + "' " +
                             ReadFile(dir_ / "emulator.stderr"));
  }
  address_ = output.substr(6, output.find('\n') - 6);
}

EmulatorProcess::~EmulatorProcess() {
  Stop();
  if (std::getenv("MFX_KEEP_TEST_DIRS") == nullptr) {
    std::error_code error;
    std::filesystem::remove_all(dir_, error);
  }
}

ToolResult EmulatorProcess::Run(const std::vector<std::string>& argv, int timeout_ms) {
  static int counter = 0;
  const std::string stem = "tool" + std::to_string(++counter);
  const std::filesystem::path out = dir_ / (stem + ".out");
  const std::filesystem::path err = dir_ / (stem + ".err");
  const int pid = Spawn(argv, dir_, address_, out, err, nullptr);
  ToolResult result;
  std::optional<int> status = WaitFor(pid, timeout_ms);
  if (!status) {
    result.timed_out = true;
    ::kill(pid, SIGKILL);
    status = WaitFor(pid, 10000);
  }
  result.exit_code = status.value_or(-1);
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

std::filesystem::path EmulatorProcess::MakeDir(const std::string& name) {
  const std::filesystem::path path = dir_ / name;
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path;
}

int EmulatorProcess::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    std::optional<int> status = WaitFor(pid_, 20000);
    if (!status) {
      ::kill(pid_, SIGKILL);
      status = WaitFor(pid_, 5000);
      exit_status_ = -2;
    } else {
      exit_status_ = *status;
    }
    pid_ = -1;
  }
  return exit_status_;
}

nlohmann::json EmulatorProcess::StopAndReadRecord() {
  // A clean exit is part of every contract: sanitizer reports (ASan, UBSan, LeakSanitizer) and
  // crashes show up here as a non-zero status.
  if (const int status = Stop(); status != 0) {
    throw std::runtime_error("emulator exited with status " + std::to_string(status) + ":\n" +
                             ReadFile(dir_ / "emulator.stderr"));
  }
  return nlohmann::json::parse(ReadFile(dir_ / "state" / "record.json"));
}

nlohmann::json EmulatorProcess::RecordNow() {
  const std::filesystem::path path = dir_ / "state" / "record.json";
  const double before = nlohmann::json::parse(ReadFile(path)).value("written", 0.0);
  if (pid_ > 0) ::kill(pid_, SIGUSR1);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    try {
      nlohmann::json record = nlohmann::json::parse(ReadFile(path));
      if (record.value("written", 0.0) > before) return record;
    } catch (const nlohmann::json::exception&) {
    }
  }
  return nlohmann::json::parse(ReadFile(path));
}

std::string EmulatorProcess::TranscriptTail(size_t lines) const {
  std::istringstream in(ReadFile(dir_ / "state" / "transcript.log"));
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string text = "--- emulator transcript (tail)\n";
  for (const std::string& l : tail) text += l + "\n";
  return text;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Sha256OfFile(const std::filesystem::path& path) {
  const std::string bytes = ReadFile(path);
  return DigestHex(EVP_sha256(), bytes.data(), bytes.size());
}

std::string Sha1Hex(const std::string& text) {
  return DigestHex(EVP_sha1(), text.data(), text.size());
}

std::string FileId(const std::string& domain, const std::string& relative_path) {
  return Sha1Hex(domain + "-" + relative_path);
}

std::vector<std::filesystem::path> RegularFilesBelow(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(std::filesystem::relative(entry.path(), root));
  }
  std::sort(files.begin(), files.end());
  return files;
}

PlistHandle ReadPlistFile(const std::filesystem::path& path) {
  const std::string bytes = ReadFile(path);
  plist_t node = nullptr;
  if (bytes.rfind("bplist00", 0) == 0) {
    plist_from_bin(bytes.data(), static_cast<uint32_t>(bytes.size()), &node);
  } else {
    plist_from_xml(bytes.data(), static_cast<uint32_t>(bytes.size()), &node);
  }
  return PlistHandle(node);
}

std::optional<std::string> PlistString(plist_t dict, const char* key) {
  plist_t node = dict != nullptr ? plist_dict_get_item(dict, key) : nullptr;
  if (node == nullptr || plist_get_node_type(node) != PLIST_STRING) return std::nullopt;
  char* value = nullptr;
  plist_get_string_val(node, &value);
  std::string out = value != nullptr ? value : "";
  std::free(value);
  return out;
}

std::optional<bool> PlistBool(plist_t dict, const char* key) {
  plist_t node = dict != nullptr ? plist_dict_get_item(dict, key) : nullptr;
  if (node == nullptr || plist_get_node_type(node) != PLIST_BOOLEAN) return std::nullopt;
  uint8_t value = 0;
  plist_get_bool_val(node, &value);
  return value != 0;
}

const nlohmann::json& LastBackup(const nlohmann::json& record) {
  const nlohmann::json& backups = record.at("backups");
  if (backups.empty()) throw std::runtime_error("the record has no backup attempt");
  return backups.back();
}

size_t FaultCount(const nlohmann::json& record, const std::string& fault) {
  size_t count = 0;
  for (const auto& entry : record.at("faults")) count += entry.value("fault", "") == fault ? 1 : 0;
  return count;
}

std::vector<nlohmann::json> Events(const nlohmann::json& record, const std::string& kind) {
  std::vector<nlohmann::json> out;
  for (const auto& event : record.at("events")) {
    if (event.value("kind", "") == kind) out.push_back(event);
  }
  return out;
}

}  // namespace mfx::extract::test
