#pragma once
// The operator's view of a running acquisition: files, bytes, the device's own percentage and the
// current file on one redrawn line (on a terminal), and notices that must not be missed ("enter
// the passcode on the phone") printed above it. Off a terminal: a log line every 30 s and the
// notices, so piped logs stay readable (CONTRACT.md).
//
// No total is known up front (the device decides the batches, DEVICE.md §6): the bar shows the
// device's percentage.
//
// Thread-safe: the transfer callbacks come from the receive loop, notices also from the
// notification_proxy thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "extract/attempt_writer.h"

namespace mfx::extract {

class AcquisitionProgress : public TransferObserver {
 public:
  enum class Mode { kAuto, kTerminal, kQuiet, kLog };
  explicit AcquisitionProgress(std::FILE* out = stderr, Mode mode = Mode::kAuto);
  ~AcquisitionProgress() override;
  AcquisitionProgress(const AcquisitionProgress&) = delete;
  AcquisitionProgress& operator=(const AcquisitionProgress&) = delete;

  // Starts the refresher; Stop() prints a final line.
  void Start(const std::string& label);
  void Stop();

  void FileStarted(const std::string& destination) override;
  void BytesReceived(uint64_t n) override;
  void FileFinished(bool complete) override;
  void SetDevicePercent(double percent);
  // A line above the bar (or a plain line off a terminal), shown at once.
  void Notice(const std::string& text);
  // Shown on the bar while set ("waiting for the passcode on the phone").
  void SetWaiting(const std::string& text);

  uint64_t files() const { return files_.load(); }
  uint64_t bytes() const { return bytes_.load(); }

 private:
  void Run();
  void DrawLocked(bool final_line);

  std::FILE* out_;
  bool terminal_ = false;
  bool quiet_ = false;
  std::string label_;
  std::atomic<uint64_t> files_{0};
  std::atomic<uint64_t> incomplete_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<int> percent_x10_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::string current_;
  std::string waiting_;
  bool running_ = false;
  bool stop_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_log_;
  std::thread thread_;
};

}  // namespace mfx::extract
