#include "extract/emulator/notification_proxy.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>
#include <mutex>
#include <set>

#include "extract/emulator/emulator.h"
#include "extract/emulator/framing.h"
#include "extract/emulator/log.h"

namespace mfx::extract::emulator {
namespace {

class NotificationConnection : public NotificationSink {
 public:
  NotificationConnection(Emulator& emulator, Channel& channel)
      : emulator_(emulator), channel_(channel), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (wake_fd_ < 0) throw ConnectionClosed("eventfd failed");
    emulator_.device().AddSink(this);
  }
  ~NotificationConnection() override {
    emulator_.device().RemoveSink(this);
    ::close(wake_fd_);
  }

  bool Observes(const std::string& name) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return observed_.count(name) != 0;
  }

  void Deliver(const std::string& name) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_.push_back(name);
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
  }

  void Serve() {
    while (!emulator_.stopping()) {
      const Channel::WaitResult wait = channel_.WaitReadable(500, wake_fd_);
      if (wait == Channel::WaitResult::kWoken) {
        uint64_t count = 0;
        [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof(count));
        SendPending();
      } else if (wait == Channel::WaitResult::kReadable) {
        std::optional<PlistPtr> message = ReceivePlistFrame(channel_);
        if (message && !Handle(message->get())) return;
      }
    }
  }

 private:
  bool Handle(plist_t message) {
    const std::string command = GetString(message, "Command").value_or("");
    const std::string name = GetString(message, "Name").value_or("");
    if (command == "ObserveNotification") {
      Log("notification_proxy", "observe {}", name);
      std::lock_guard<std::mutex> lock(mutex_);
      observed_.insert(name);
    } else if (command == "PostNotification") {
      Log("notification_proxy", "host posts {}", name);
      emulator_.record().AddEvent("host_notification", {{"name", name}});
    } else if (command == "Shutdown") {
      PlistPtr death = NewDict();
      Set(death.get(), "Command", NewString("ProxyDeath"));
      SendPlistFrame(channel_, death.get(), PlistFormat::kXml);
      return false;
    } else {
      Log("notification_proxy", "unknown command '{}'", command);
    }
    return true;
  }

  void SendPending() {
    std::deque<std::string> names;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      names.swap(pending_);
    }
    for (const std::string& name : names) {
      PlistPtr relay = NewDict();
      Set(relay.get(), "Command", NewString("RelayNotification"));
      Set(relay.get(), "Name", NewString(name));
      SendPlistFrame(channel_, relay.get(), PlistFormat::kXml);
    }
  }

  Emulator& emulator_;
  Channel& channel_;
  int wake_fd_;
  mutable std::mutex mutex_;
  std::set<std::string> observed_;
  std::deque<std::string> pending_;
};

}  // namespace

void ServeNotificationProxy(Emulator& emulator, Channel& channel) {
  NotificationConnection connection(emulator, channel);
  connection.Serve();
}

}  // namespace mfx::extract::emulator
