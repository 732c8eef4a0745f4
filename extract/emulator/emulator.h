// The emulator process: one emulated iPhone behind an emulated usbmuxd.
//
// Owns the scenario, the record, the device state, the AFC file system and the usbmuxd server, and
// runs one thread per client connection. A usbmuxd `Connect` turns that connection into a tunnel
// to a device port: 62078 is lockdownd, other ports are the single-use service ports lockdownd
// hands out (notification_proxy, AFC, mobilebackup2).
//
// Lifetime: construct, Start() (binds the socket; afterwards clients may connect), then
// RunUntilSignal() on the main thread, which returns after SIGTERM / SIGINT once every connection
// thread has ended. SIGUSR1 writes the record without stopping.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "extract/emulator/channel.h"
#include "extract/emulator/device_state.h"
#include "extract/emulator/record.h"
#include "extract/emulator/scenario.h"

namespace mfx::extract::emulator {

class AfcFileSystem;
class UsbmuxServer;

struct EmulatorOptions {
  std::filesystem::path state_dir;    // keys, pair records, work files, record.json, transcript
  std::filesystem::path socket_path;  // default: <state_dir>/mux.sock
  int tcp_port = 0;                   // additionally listen on 127.0.0.1:<port> when > 0
  bool verbose = false;               // echo the transcript to stderr
};

enum class ChannelKind { kMuxClient, kDeviceTunnel };

class Emulator {
 public:
  Emulator(Scenario scenario, EmulatorOptions options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Creates the state folder layout and binds the listening socket(s). Throws std::runtime_error.
  void Start();
  // "UNIX:<socket path>", the value for USBMUXD_SOCKET_ADDRESS.
  std::string Address() const;
  // Accepts clients until SIGTERM / SIGINT; then stops and waits for all connections.
  void RunUntilSignal();

  const Scenario& scenario() const { return scenario_; }
  const EmulatorOptions& options() const { return options_; }
  Record& record() { return *record_; }
  DeviceState& device() { return *device_; }
  AfcFileSystem& afc() { return *afc_; }
  UsbmuxServer& usbmux() { return *usbmux_; }
  std::filesystem::path WorkDir() const { return options_.state_dir / "work"; }

  bool stopping() const { return stopping_.load(); }
  bool attached() const { return attached_.load(); }
  // Cable pull of the whole device: usbmuxd reports Detached, every tunnel is cut, later Connects
  // fail. Used by the detach fault.
  void Detach(const std::string& reason);

  // Runs `body` on a new connection thread; Stop waits for all of them.
  void Spawn(std::function<void()> body);

  // Keeps a channel known so that Stop / Detach can cut it; unregisters on destruction.
  class ChannelRegistration {
   public:
    ChannelRegistration(Emulator& emulator, Channel& channel, ChannelKind kind);
    ~ChannelRegistration();
    ChannelRegistration(const ChannelRegistration&) = delete;
    ChannelRegistration& operator=(const ChannelRegistration&) = delete;

   private:
    Emulator& emulator_;
    Channel& channel_;
  };

  // Serves a usbmuxd tunnel to `port` after the Connect reply (called by the usbmuxd server).
  void ServeDevicePort(Channel& channel, uint16_t port, std::optional<ServiceTicket> ticket);

 private:
  void Stop();
  void ShutdownChannels(std::optional<ChannelKind> kind);

  Scenario scenario_;
  EmulatorOptions options_;
  std::unique_ptr<Record> record_;
  std::unique_ptr<DeviceState> device_;
  std::unique_ptr<AfcFileSystem> afc_;
  std::unique_ptr<UsbmuxServer> usbmux_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> attached_{true};

  // Connection threads are joined, not detached: OpenSSL frees a thread's state only when the
  // thread really ends, after its body returned (LeakSanitizer sees the difference).
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex threads_mutex_;
  std::condition_variable threads_done_;
  int live_threads_ = 0;
  std::vector<Worker> workers_;

  std::mutex channels_mutex_;
  std::map<Channel*, ChannelKind> channels_;
};

}  // namespace mfx::extract::emulator
