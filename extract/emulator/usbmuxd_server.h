// The emulated usbmuxd: the plist protocol of usbmuxd 1.1.1 as libusbmuxd 2.0.2 speaks it
// (DEVICE.md §4): ListDevices, Listen (+ Attached / Detached / Paired events), Connect (the socket
// becomes a tunnel to a device port), ReadBUID and the pair-record store (Read / Save / Delete),
// which stands in for /var/lib/lockdown and lives only in memory and the state folder.
//
// Headers are little-endian; replies are XML plists; data replies carry no MessageType.
#pragma once

#include <sys/types.h>

#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "extract/emulator/channel.h"
#include "extract/emulator/plist_util.h"

namespace mfx::extract::emulator {

class Emulator;

class UsbmuxServer {
 public:
  explicit UsbmuxServer(Emulator& emulator);
  ~UsbmuxServer();
  UsbmuxServer(const UsbmuxServer&) = delete;
  UsbmuxServer& operator=(const UsbmuxServer&) = delete;

  // Binds the unix socket (replacing a stale socket file) and, if tcp_port > 0, 127.0.0.1:tcp_port.
  // Throws std::runtime_error.
  void Bind(const std::filesystem::path& socket_path, int tcp_port);
  std::vector<int> listen_fds() const { return listen_fds_; }
  // Accepts one pending client on `listen_fd` and serves it on a new thread.
  void AcceptFrom(int listen_fd);
  void CloseListeners();

  // Event fan-out to Listen connections.
  void BroadcastDetached();
  void BroadcastPaired();

  // Host pair records by PairRecordID (the UDID as libusbmuxd spells it).
  void StorePairRecord(const std::string& id, std::vector<uint8_t> data);
  std::optional<std::vector<uint8_t>> FindPairRecord(const std::string& id) const;

 private:
  struct Listener {
    std::mutex mutex;
    std::deque<PlistPtr> events;
    int wake_fd = -1;
  };

  void Serve(Channel& channel);
  void ServeListen(Channel& channel, uint32_t tag);
  void Enqueue(PlistPtr event);
  PlistPtr AttachedEvent() const;
  PlistPtr DeviceProperties() const;

  Emulator& emulator_;
  std::vector<int> listen_fds_;
  std::filesystem::path socket_path_;

  mutable std::mutex mutex_;
  std::map<std::string, std::vector<uint8_t>> pair_records_;
  std::set<Listener*> listeners_;
};

}  // namespace mfx::extract::emulator
