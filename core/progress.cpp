#include "core/progress.h"

#include <unistd.h>

namespace mfx::core {

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[unit]);
  }
  return buf;
}

Progress::Progress(std::string label, uint64_t total_items, uint64_t total_bytes, Mode mode,
                   std::FILE* out)
    : label_(std::move(label)),
      total_items_(total_items),
      total_bytes_(total_bytes),
      terminal_(mode == Mode::kTerminal || (mode == Mode::kAuto && ::isatty(::fileno(out)))),
      out_(out),
      start_(std::chrono::steady_clock::now()) {
  if (mode != Mode::kQuiet) thread_ = std::thread([this] { Run(); });
  else finished_ = true;
}

Progress::~Progress() { Finish(); }

void Progress::Add(uint64_t items, uint64_t bytes) {
  items_.fetch_add(items, std::memory_order_relaxed);
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
}

void Progress::SetCurrent(const std::string& name) {
  if (!terminal_) return;
  std::lock_guard lock(mu_);
  current_ = name;
}

void Progress::Run() {
  std::unique_lock lock(mu_);
  auto last_log = std::chrono::steady_clock::now();
  while (!done_) {
    cv_.wait_for(lock, std::chrono::milliseconds(200));
    if (done_) break;
    if (terminal_) {
      lock.unlock();
      Draw(false);
      lock.lock();
    } else if (std::chrono::steady_clock::now() - last_log > std::chrono::seconds(30)) {
      last_log = std::chrono::steady_clock::now();
      lock.unlock();
      Draw(false);
      lock.lock();
    }
  }
}

void Progress::Draw(bool final_line) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const uint64_t b = bytes_.load();
  const uint64_t i = items_.load();
  const double frac = total_bytes_ ? static_cast<double>(b) / static_cast<double>(total_bytes_)
                      : total_items_ ? static_cast<double>(i) / static_cast<double>(total_items_)
                                     : 0.0;
  std::string current;
  {
    std::lock_guard lock(mu_);
    current = current_;
  }
  char line[512];
  if (terminal_ && !final_line) {
    constexpr int kWidth = 24;
    const int fill = static_cast<int>(frac * kWidth + 0.5);
    std::string bar(static_cast<size_t>(std::min(fill, kWidth)), '#');
    bar.resize(kWidth, '.');
    if (current.size() > 40) current = "…" + current.substr(current.size() - 39);
    std::snprintf(line, sizeof(line), "\r%s [%s] %3.0f%% %llu/%llu files %s %.1fs %s\x1b[K",
                  label_.c_str(), bar.c_str(), frac * 100, static_cast<unsigned long long>(i),
                  static_cast<unsigned long long>(total_items_), HumanBytes(b).c_str(), secs,
                  current.c_str());
  } else {
    std::snprintf(line, sizeof(line), "%s%s: %llu/%llu files, %s in %.1fs\n",
                  terminal_ ? "\r\x1b[K" : "", label_.c_str(), static_cast<unsigned long long>(i),
                  static_cast<unsigned long long>(total_items_), HumanBytes(b).c_str(), secs);
  }
  std::fputs(line, out_);
  std::fflush(out_);
}

void Progress::Finish() {
  if (finished_) return;
  finished_ = true;
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  Draw(true);
}

}  // namespace mfx::core
