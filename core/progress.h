#pragma once
// Progress reporting for long work. On a terminal it draws a one-line bar on stderr, refreshed
// by a background thread at most 5 times a second; otherwise it stays quiet apart from a log line
// every 30 s, so logs piped to a file stay readable. Add() and SetCurrent() are thread-safe and
// cheap (atomics; the current name is copied under a mutex only when it changes).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace mfx::core {

class Progress {
 public:
  enum class Mode { kAuto, kTerminal, kQuiet };
  Progress(std::string label, uint64_t total_items, uint64_t total_bytes, Mode mode = Mode::kAuto,
           std::FILE* out = stderr);
  ~Progress();  // calls Finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(uint64_t items, uint64_t bytes);
  void SetCurrent(const std::string& name);
  // Stops the refresher and prints a final line.
  void Finish();

  uint64_t items() const { return items_.load(); }
  uint64_t bytes() const { return bytes_.load(); }

 private:
  void Run();
  void Draw(bool final_line);

  std::string label_;
  uint64_t total_items_;
  uint64_t total_bytes_;
  bool terminal_;
  std::FILE* out_;
  std::atomic<uint64_t> items_{0};
  std::atomic<uint64_t> bytes_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::string current_;
  bool done_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
};

// "1.5 GiB", "312 KiB", "17 B"
std::string HumanBytes(uint64_t bytes);

}  // namespace mfx::core
