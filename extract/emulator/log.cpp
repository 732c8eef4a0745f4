#include "extract/emulator/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>

namespace mfx::extract::emulator {
namespace {

struct TranscriptState {
  std::mutex mutex;
  std::FILE* file = nullptr;
  bool echo = false;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

TranscriptState& State() {
  static TranscriptState state;
  return state;
}

void Write(std::string_view component, std::string_view text, bool force_stderr) {
  TranscriptState& state = State();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - state.start).count();
  const std::string line = fmt::format("{:10.3f} [{}] {}\n", seconds, component, text);
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.file != nullptr) {
    std::fwrite(line.data(), 1, line.size(), state.file);
    std::fflush(state.file);
  }
  if (state.echo || force_stderr) {
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

}  // namespace

void OpenTranscript(const std::filesystem::path& path, bool echo_to_stderr) {
  TranscriptState& state = State();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.file != nullptr) {
    std::fclose(state.file);
  }
  state.file = std::fopen(path.c_str(), "w");
  state.echo = echo_to_stderr;
}

void LogLine(std::string_view component, std::string_view text) { Write(component, text, false); }

void LogLoud(std::string_view component, std::string_view text) { Write(component, text, true); }

}  // namespace mfx::extract::emulator
