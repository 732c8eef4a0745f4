// The emulated usbmuxd's Listen stream as libusbmuxd 2.0.2 (the client library) decodes it:
// Attached on subscribe, Paired after a pairing, Detached on a cable pull.
#include <usbmuxd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "tests/extract/emulator/emulator_harness.h"

namespace mfx::extract::test {
namespace {

using nlohmann::json;

struct EventLog {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<int, std::string>> events;

  bool WaitFor(int type, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, timeout, [&] {
      for (const auto& event : events) {
        if (event.first == type) return true;
      }
      return false;
    });
  }
};

void OnEvent(const usbmuxd_event_t* event, void* user_data) {
  auto* log = static_cast<EventLog*>(user_data);
  std::lock_guard<std::mutex> lock(log->mutex);
  log->events.emplace_back(event->event, event->device.udid);
  log->changed.notify_all();
}

TEST_CASE("Listen: libusbmuxd sees Attached, Paired and Detached", "[extract][emulator][usbmuxd]") {
  EmulatorProcess emulator(
      json{{"consent", {{"state", "unpaired"}}},
           {"content",
            {{"files", {{{"domain", "HomeDomain"}, {"relativePath", "x"}, {"size", 200000}}}}}},
           {"faults", {{"detach_after_bytes", 100000}}}});
  // libusbmuxd reads the variable on every connect, in this process too.
  ::setenv("USBMUXD_SOCKET_ADDRESS", emulator.address().c_str(), 1);
  EventLog log;
  usbmuxd_subscription_context_t context = nullptr;
  REQUIRE(usbmuxd_events_subscribe(&context, OnEvent, &log) == 0);

  CHECK(log.WaitFor(UE_DEVICE_ADD, std::chrono::seconds(10)));
  CHECK(emulator.Run({MFX_IDEVICEPAIR_TOOL, "pair"}).exit_code == 0);
  CHECK(log.WaitFor(UE_DEVICE_PAIRED, std::chrono::seconds(10)));
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  CHECK(backup.exit_code != 0);
  CHECK(log.WaitFor(UE_DEVICE_REMOVE, std::chrono::seconds(10)));

  usbmuxd_events_unsubscribe(context);
  ::unsetenv("USBMUXD_SOCKET_ADDRESS");
  std::lock_guard<std::mutex> lock(log.mutex);
  REQUIRE(log.events.size() == 3);
  for (const auto& event : log.events) CHECK(event.second == "00008030-001A35E02E38802E");
  CHECK(log.events[0].first == UE_DEVICE_ADD);
  CHECK(log.events[1].first == UE_DEVICE_PAIRED);
  CHECK(log.events[2].first == UE_DEVICE_REMOVE);
}

}  // namespace
}  // namespace mfx::extract::test
