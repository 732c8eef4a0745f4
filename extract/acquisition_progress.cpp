#include "extract/acquisition_progress.h"

#include <unistd.h>

#include "core/progress.h"

namespace mfx::extract {

AcquisitionProgress::AcquisitionProgress(std::FILE* out, Mode mode) : out_(out) {
  terminal_ = mode == Mode::kTerminal || (mode == Mode::kAuto && ::isatty(::fileno(out)));
  quiet_ = mode == Mode::kQuiet;
}

AcquisitionProgress::~AcquisitionProgress() { Stop(); }

void AcquisitionProgress::Start(const std::string& label) {
  std::lock_guard lock(mu_);
  if (running_) return;
  label_ = label;
  running_ = true;
  stop_ = false;
  start_ = last_log_ = std::chrono::steady_clock::now();
  if (!quiet_) thread_ = std::thread([this] { Run(); });
}

void AcquisitionProgress::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  if (!quiet_) DrawLocked(true);
  running_ = false;
}

void AcquisitionProgress::FileStarted(const std::string& destination) {
  if (!terminal_) return;
  std::lock_guard lock(mu_);
  current_ = destination;
}

void AcquisitionProgress::BytesReceived(uint64_t n) { bytes_.fetch_add(n, std::memory_order_relaxed); }

void AcquisitionProgress::FileFinished(bool complete) {
  (complete ? files_ : incomplete_).fetch_add(1, std::memory_order_relaxed);
}

void AcquisitionProgress::SetDevicePercent(double percent) {
  if (percent < 0) percent = 0;
  if (percent > 100) percent = 100;
  percent_x10_.store(static_cast<int>(percent * 10 + 0.5));
}

void AcquisitionProgress::Notice(const std::string& text) {
  std::lock_guard lock(mu_);
  if (terminal_) {
    std::fprintf(out_, "\r\x1b[K%s\n", text.c_str());
    if (running_ && !stop_) DrawLocked(false);
  } else {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
}

void AcquisitionProgress::SetWaiting(const std::string& text) {
  std::lock_guard lock(mu_);
  waiting_ = text;
}

void AcquisitionProgress::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(200));
    if (stop_) break;
    const auto now = std::chrono::steady_clock::now();
    if (terminal_) {
      DrawLocked(false);
    } else if (now - last_log_ >= std::chrono::seconds(30)) {
      last_log_ = now;
      DrawLocked(false);
    }
  }
}

void AcquisitionProgress::DrawLocked(bool final_line) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double percent = percent_x10_.load() / 10.0;
  const uint64_t bytes = bytes_.load();
  const uint64_t files = files_.load();
  const uint64_t incomplete = incomplete_.load();
  const double rate = secs > 0 ? static_cast<double>(bytes) / secs : 0;
  std::string extra = waiting_.empty() ? current_ : "** " + waiting_ + " **";
  char line[768];
  if (terminal_ && !final_line) {
    constexpr int kWidth = 20;
    const int fill = static_cast<int>(percent / 100 * kWidth + 0.5);
    std::string bar(static_cast<size_t>(std::min(fill, kWidth)), '#');
    bar.resize(kWidth, '.');
    if (extra.size() > 48) extra = "…" + extra.substr(extra.size() - 47);
    std::snprintf(line, sizeof(line), "\r%s [%s] %5.1f%% %llu files %s %s/s %.0fs %s\x1b[K",
                  label_.c_str(), bar.c_str(), percent, static_cast<unsigned long long>(files),
                  core::HumanBytes(bytes).c_str(), core::HumanBytes(static_cast<uint64_t>(rate)).c_str(),
                  secs, extra.c_str());
  } else {
    std::snprintf(line, sizeof(line),
                  "%s%s: device %.1f%%, %llu files complete%s, %s received in %.1fs (%s/s)%s%s\n",
                  terminal_ ? "\r\x1b[K" : "", label_.c_str(), percent,
                  static_cast<unsigned long long>(files),
                  incomplete > 0 ? (", " + std::to_string(incomplete) + " incomplete").c_str() : "",
                  core::HumanBytes(bytes).c_str(), secs,
                  core::HumanBytes(static_cast<uint64_t>(rate)).c_str(),
                  waiting_.empty() || final_line ? "" : ", ",
                  waiting_.empty() || final_line ? "" : waiting_.c_str());
  }
  std::fputs(line, out_);
  std::fflush(out_);
}

}  // namespace mfx::extract
