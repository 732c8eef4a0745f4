#include "extract/emulator/emulator.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "extract/emulator/afc_service.h"
#include "extract/emulator/lockdownd.h"
#include "extract/emulator/log.h"
#include "extract/emulator/mobilebackup2_service.h"
#include "extract/emulator/notification_proxy.h"
#include "extract/emulator/usbmuxd_server.h"

namespace mfx::extract::emulator {
namespace {

constexpr uint16_t kLockdownPort = 62078;

void WriteTextFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace

Emulator::Emulator(Scenario scenario, EmulatorOptions options)
    : scenario_(std::move(scenario)), options_(std::move(options)) {
  options_.state_dir = std::filesystem::absolute(options_.state_dir);
  if (!options_.socket_path.empty())
    options_.socket_path = std::filesystem::absolute(options_.socket_path);
  if (options_.socket_path.empty()) options_.socket_path = options_.state_dir / "mux.sock";
  std::filesystem::create_directories(options_.state_dir);
  std::filesystem::create_directories(options_.state_dir / "pki");
  std::filesystem::create_directories(WorkDir());
  OpenTranscript(options_.state_dir / "transcript.log", options_.verbose);
  Log("emulator", "scenario \"{}\", UDID {}, consent {}", scenario_.name, scenario_.Udid(),
      ConsentStateName(scenario_.consent.state));
  record_ = std::make_unique<Record>(options_.state_dir / "record.json", scenario_.name,
                                     scenario_.Udid());
  device_ = std::make_unique<DeviceState>(scenario_, *record_);
  WriteTextFile(options_.state_dir / "pki" / "device_private_key.pem",
                PrivateKeyToPem(device_->device_key()));
  WriteTextFile(options_.state_dir / "pki" / "device_public_key.pem",
                RsaPublicKeyToPkcs1Pem(device_->device_key()));
  afc_ = std::make_unique<AfcFileSystem>();
  usbmux_ = std::make_unique<UsbmuxServer>(*this);
  record_->AddEvent("start", {{"consent", std::string(ConsentStateName(scenario_.consent.state))},
                              {"system_buid", device_->system_buid()}});
}

Emulator::~Emulator() {
  if (!stopping_) Stop();
}

void Emulator::Start() {
  usbmux_->Bind(options_.socket_path, options_.tcp_port);
  Log("emulator", "listening on {}{}", Address(),
      options_.tcp_port > 0 ? fmt::format(" and 127.0.0.1:{}", options_.tcp_port) : "");
  record_->Write();
}

std::string Emulator::Address() const { return "UNIX:" + options_.socket_path.string(); }

void Emulator::RunUntilSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0)
    throw std::runtime_error("signalfd failed (block the signals before starting threads)");
  while (true) {
    std::vector<pollfd> fds = {{signal_fd, POLLIN, 0}};
    for (int fd : usbmux_->listen_fds()) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      if (::read(signal_fd, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
        if (info.ssi_signo == SIGUSR1) {
          Log("emulator", "SIGUSR1: writing the record");
          record_->Write();
          continue;
        }
        Log("emulator", "signal {}: stopping", info.ssi_signo);
        break;
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) != 0) usbmux_->AcceptFrom(fds[i].fd);
    }
  }
  ::close(signal_fd);
  Stop();
}

void Emulator::Stop() {
  stopping_ = true;
  usbmux_->CloseListeners();
  ShutdownChannels(std::nullopt);
  std::vector<Worker> workers;
  bool all_ended = true;
  {
    std::unique_lock<std::mutex> lock(threads_mutex_);
    if (!threads_done_.wait_for(lock, std::chrono::seconds(10),
                                [this] { return live_threads_ == 0; })) {
      all_ended = false;
      LogLoud("emulator", fmt::format("{} connection thread(s) did not end", live_threads_));
    }
    workers.swap(workers_);
  }
  for (Worker& worker : workers) {
    if (all_ended || worker.done->load()) {
      worker.thread.join();
    } else {
      worker.thread.detach();  // stuck in a system call; the process is about to exit anyway
    }
  }
  record_->AddEvent("stop");
  record_->Write();
}

void Emulator::Detach(const std::string& reason) {
  if (!attached_.exchange(false)) return;
  Log("emulator", "device detached: {}", reason);
  record_->AddEvent("detached", {{"reason", reason}});
  usbmux_->BroadcastDetached();
  ShutdownChannels(ChannelKind::kDeviceTunnel);
}

void Emulator::Spawn(std::function<void()> body) {
  std::lock_guard<std::mutex> lock(threads_mutex_);
  // Reap finished workers so that a long run does not accumulate thread objects.
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  ++live_threads_;
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread thread([this, done, body = std::move(body)] {
    try {
      body();
    } catch (const std::exception& e) {
      LogLoud("emulator", fmt::format("connection thread failed: {}", e.what()));
    }
    {
      std::lock_guard<std::mutex> done_lock(threads_mutex_);
      --live_threads_;
      threads_done_.notify_all();
    }
    done->store(true);
  });
  workers_.push_back(Worker{std::move(thread), std::move(done)});
}

Emulator::ChannelRegistration::ChannelRegistration(Emulator& emulator, Channel& channel,
                                                   ChannelKind kind)
    : emulator_(emulator), channel_(channel) {
  std::lock_guard<std::mutex> lock(emulator_.channels_mutex_);
  emulator_.channels_[&channel_] = kind;
  if (emulator_.stopping_) channel_.ShutdownSocket();
}

Emulator::ChannelRegistration::~ChannelRegistration() {
  std::lock_guard<std::mutex> lock(emulator_.channels_mutex_);
  emulator_.channels_.erase(&channel_);
}

void Emulator::ShutdownChannels(std::optional<ChannelKind> kind) {
  std::lock_guard<std::mutex> lock(channels_mutex_);
  for (const auto& [channel, channel_kind] : channels_) {
    if (!kind || channel_kind == *kind) channel->ShutdownSocket();
  }
}

void Emulator::ServeDevicePort(Channel& channel, uint16_t port,
                               std::optional<ServiceTicket> ticket) {
  {
    std::lock_guard<std::mutex> lock(channels_mutex_);
    channels_[&channel] = ChannelKind::kDeviceTunnel;
  }
  if (port == kLockdownPort) {
    Log("emulator", "tunnel to lockdownd");
    ServeLockdown(*this, channel);
    return;
  }
  Log("emulator", "tunnel to {} on port {}{}", ticket->service, port, ticket->ssl ? " (TLS)" : "");
  if (ticket->ssl) {
    std::shared_ptr<const TrustedHost> host = device_->FindTrustedHost(ticket->host_id);
    if (!host) throw ConnectionClosed("the host that started this service is no longer trusted");
    StartTlsForHost(*this, channel, *host, ticket->service);
  }
  if (ticket->service == "com.apple.mobile.notification_proxy") {
    ServeNotificationProxy(*this, channel);
  } else if (ticket->service == "com.apple.afc") {
    ServeAfc(*this, channel);
  } else if (ticket->service == "com.apple.mobilebackup2") {
    ServeMobilebackup2(*this, channel);
  }
}

}  // namespace mfx::extract::emulator
