#include "extract/emulator/usbmuxd_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "extract/emulator/byte_order.h"
#include "extract/emulator/emulator.h"
#include "extract/emulator/log.h"

namespace mfx::extract::emulator {
namespace {

constexpr uint32_t kHeaderSize = 16;
constexpr uint32_t kMessagePlist = 8;
constexpr uint32_t kProtocolPlist = 1;
constexpr uint16_t kLockdownPort = 62078;

// Result numbers (usbmuxd src/usbmuxd-proto.h).
constexpr uint64_t kResultOk = 0;
constexpr uint64_t kResultBadCommand = 1;
constexpr uint64_t kResultBadDevice = 2;
constexpr uint64_t kResultConnectionRefused = 3;
constexpr uint64_t kResultNotFound = 2;  // usbmuxd answers ENOENT for a missing pair record

void SendPacket(Channel& channel, uint32_t tag, plist_t message) {
  const std::string xml = ToXml(message);
  std::vector<uint8_t> packet;
  AppendLe32(packet, kHeaderSize + static_cast<uint32_t>(xml.size()));
  AppendLe32(packet, kProtocolPlist);
  AppendLe32(packet, kMessagePlist);
  AppendLe32(packet, tag);
  packet.insert(packet.end(), xml.begin(), xml.end());
  channel.WriteAll(packet);
}

void SendResult(Channel& channel, uint32_t tag, uint64_t number) {
  PlistPtr result = NewDict();
  Set(result.get(), "MessageType", NewString("Result"));
  Set(result.get(), "Number", NewUint(number));
  SendPacket(channel, tag, result.get());
}

// libusbmuxd inserts the dash of a 24-character UDID itself (sanitize_udid), so usbmuxd reports
// such a UDID without it.
std::string UsbSerialNumber(const std::string& udid) {
  if (udid.size() == 25 && udid[8] == '-') return udid.substr(0, 8) + udid.substr(9);
  return udid;
}

std::string SafeFileName(const std::string& id) {
  std::string out;
  for (char c : id)
    out.push_back((std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_');
  return out;
}

}  // namespace

UsbmuxServer::UsbmuxServer(Emulator& emulator) : emulator_(emulator) {
  if (const auto& record = emulator_.device().initial_pair_record()) {
    pair_records_[emulator_.device().udid()] = *record;
  }
}

UsbmuxServer::~UsbmuxServer() { CloseListeners(); }

void UsbmuxServer::Bind(const std::filesystem::path& socket_path, int tcp_port) {
  socket_path_ = socket_path;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = socket_path.string();
  if (path.size() >= sizeof(address.sun_path)) {
    ::close(fd);
    throw std::runtime_error(fmt::format("socket path too long ({} bytes): {}", path.size(), path));
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, 64) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error(fmt::format("cannot listen on {}: {}", path, std::strerror(error)));
  }
  listen_fds_.push_back(fd);

  if (tcp_port > 0) {
    const int tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(static_cast<uint16_t>(tcp_port));
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (tcp < 0 || ::bind(tcp, reinterpret_cast<sockaddr*>(&in), sizeof(in)) != 0 ||
        ::listen(tcp, 64) != 0) {
      const int error = errno;
      if (tcp >= 0) ::close(tcp);
      throw std::runtime_error(
          fmt::format("cannot listen on 127.0.0.1:{}: {}", tcp_port, std::strerror(error)));
    }
    listen_fds_.push_back(tcp);
  }
}

void UsbmuxServer::CloseListeners() {
  for (int fd : listen_fds_) ::close(fd);
  listen_fds_.clear();
  if (!socket_path_.empty()) {
    ::unlink(socket_path_.c_str());
    socket_path_.clear();
  }
}

void UsbmuxServer::AcceptFrom(int listen_fd) {
  const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  emulator_.Spawn([this, fd] {
    Channel channel(fd);
    Emulator::ChannelRegistration registration(emulator_, channel, ChannelKind::kMuxClient);
    try {
      Serve(channel);
    } catch (const ConnectionClosed& e) {
      Log("usbmuxd", "client connection ended: {}", e.what());
    }
  });
}

PlistPtr UsbmuxServer::DeviceProperties() const {
  const Scenario& scenario = emulator_.scenario();
  PlistPtr properties = NewDict();
  Set(properties.get(), "ConnectionSpeed", NewUint(480000000));
  Set(properties.get(), "ConnectionType", NewString("USB"));
  Set(properties.get(), "DeviceID", NewUint(scenario.device_id));
  Set(properties.get(), "LocationID", NewUint(scenario.location_id));
  Set(properties.get(), "ProductID", NewUint(scenario.product_id));
  Set(properties.get(), "SerialNumber", NewString(UsbSerialNumber(emulator_.device().udid())));
  return properties;
}

PlistPtr UsbmuxServer::AttachedEvent() const {
  PlistPtr event = NewDict();
  Set(event.get(), "DeviceID", NewUint(emulator_.scenario().device_id));
  Set(event.get(), "MessageType", NewString("Attached"));
  Set(event.get(), "Properties", DeviceProperties());
  return event;
}

void UsbmuxServer::Enqueue(PlistPtr event) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Listener* listener : listeners_) {
    {
      std::lock_guard<std::mutex> listener_lock(listener->mutex);
      listener->events.push_back(Copy(static_cast<plist_t>(event.get())));
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(listener->wake_fd, &one, sizeof(one));
  }
}

void UsbmuxServer::BroadcastDetached() {
  PlistPtr event = NewDict();
  Set(event.get(), "DeviceID", NewUint(emulator_.scenario().device_id));
  Set(event.get(), "MessageType", NewString("Detached"));
  Enqueue(std::move(event));
}

void UsbmuxServer::BroadcastPaired() {
  PlistPtr event = NewDict();
  Set(event.get(), "DeviceID", NewUint(emulator_.scenario().device_id));
  Set(event.get(), "MessageType", NewString("Paired"));
  Enqueue(std::move(event));
}

void UsbmuxServer::StorePairRecord(const std::string& id, std::vector<uint8_t> data) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pair_records_[id] = data;
  }
  // A readable copy for whoever debugs a test; the state folder is the emulator's own.
  const std::filesystem::path dir = emulator_.options().state_dir / "usbmuxd";
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  PlistPtr plist = ParsePlist(data);
  std::ofstream out(dir / (SafeFileName(id) + ".plist"), std::ios::binary | std::ios::trunc);
  if (plist) {
    out << ToXml(plist.get());
  } else {
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
  }
}

std::optional<std::vector<uint8_t>> UsbmuxServer::FindPairRecord(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = pair_records_.find(id);
  if (it == pair_records_.end()) return std::nullopt;
  return it->second;
}

void UsbmuxServer::Serve(Channel& channel) {
  while (!emulator_.stopping()) {
    uint8_t header[kHeaderSize];
    channel.ReadExact(header, sizeof(header));
    const uint32_t length = ReadLe32(header);
    const uint32_t version = ReadLe32(header + 4);
    const uint32_t message = ReadLe32(header + 8);
    const uint32_t tag = ReadLe32(header + 12);
    if (length < kHeaderSize || length > (1u << 20)) {
      throw ConnectionClosed(fmt::format("bad usbmuxd packet length {}", length));
    }
    std::vector<uint8_t> payload(length - kHeaderSize);
    channel.ReadExact(payload.data(), payload.size());
    if (version != kProtocolPlist || message != kMessagePlist) {
      // libusbmuxd 2.0.2 always starts with the plist protocol; the binary one is not emulated.
      Log("usbmuxd", "binary protocol packet (version {}, message {}) refused", version, message);
      SendResult(channel, tag, kResultBadCommand);
      continue;
    }
    PlistPtr request = ParsePlist(payload);
    const std::string type = GetString(request.get(), "MessageType").value_or("");
    Log("usbmuxd", "{} (tag {}, {})", type, tag,
        GetString(request.get(), "ProgName").value_or("unknown program"));

    if (type == "ListDevices") {
      PlistPtr reply = NewDict();
      PlistPtr list = NewArray();
      if (emulator_.attached()) Append(list.get(), AttachedEvent());
      Set(reply.get(), "DeviceList", std::move(list));
      SendPacket(channel, tag, reply.get());
    } else if (type == "Listen") {
      ServeListen(channel, tag);
      return;
    } else if (type == "Connect") {
      const uint64_t device_id = GetUint(request.get(), "DeviceID").value_or(0);
      // PortNumber is htons(port) stored in a plist integer (DEVICE.md §8.4 pitfall 2).
      const auto wire = static_cast<uint16_t>(GetUint(request.get(), "PortNumber").value_or(0));
      const uint16_t port = ntohs(wire);
      if (device_id != emulator_.scenario().device_id || !emulator_.attached()) {
        Log("usbmuxd", "Connect to unknown or detached device {}", device_id);
        SendResult(channel, tag, kResultBadDevice);
        continue;
      }
      std::optional<ServiceTicket> ticket;
      if (port != kLockdownPort) {
        ticket = emulator_.device().ClaimService(port);
        if (!ticket) {
          Log("usbmuxd", "Connect to port {}: nothing listening (service ports are single-use)",
              port);
          SendResult(channel, tag, kResultConnectionRefused);
          continue;
        }
      }
      SendResult(channel, tag, kResultOk);
      emulator_.ServeDevicePort(channel, port, std::move(ticket));
      return;
    } else if (type == "ReadBUID") {
      PlistPtr reply = NewDict();
      Set(reply.get(), "BUID", NewString(emulator_.device().system_buid()));
      SendPacket(channel, tag, reply.get());
    } else if (type == "ReadPairRecord") {
      const std::string id = GetString(request.get(), "PairRecordID").value_or("");
      const std::optional<std::vector<uint8_t>> record = FindPairRecord(id);
      emulator_.record().AddEvent("usbmuxd_read_pair_record",
                                  {{"id", id}, {"found", record.has_value()}});
      if (!record) {
        SendResult(channel, tag, kResultNotFound);
      } else {
        PlistPtr reply = NewDict();
        Set(reply.get(), "PairRecordData", NewData(*record));
        SendPacket(channel, tag, reply.get());
      }
    } else if (type == "SavePairRecord") {
      const std::string id = GetString(request.get(), "PairRecordID").value_or("");
      const std::optional<std::vector<uint8_t>> data = GetData(request.get(), "PairRecordData");
      if (id.empty() || !data) {
        SendResult(channel, tag, kResultBadCommand);
        continue;
      }
      StorePairRecord(id, *data);
      emulator_.record().AddEvent("usbmuxd_save_pair_record", {{"id", id}});
      SendResult(channel, tag, kResultOk);
      if (GetUint(request.get(), "DeviceID")) BroadcastPaired();
    } else if (type == "DeletePairRecord") {
      const std::string id = GetString(request.get(), "PairRecordID").value_or("");
      size_t erased = 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        erased = pair_records_.erase(id);
      }
      emulator_.record().AddEvent("usbmuxd_delete_pair_record",
                                  {{"id", id}, {"found", erased > 0}});
      SendResult(channel, tag, erased > 0 ? kResultOk : kResultNotFound);
    } else if (type == "ListListeners") {
      PlistPtr reply = NewDict();
      Set(reply.get(), "ListenerList", NewArray());
      SendPacket(channel, tag, reply.get());
    } else {
      SendResult(channel, tag, kResultBadCommand);
    }
  }
}

void UsbmuxServer::ServeListen(Channel& channel, uint32_t tag) {
  Listener listener;
  listener.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (listener.wake_fd < 0) throw ConnectionClosed("eventfd failed");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    listeners_.insert(&listener);
  }
  struct Cleanup {
    UsbmuxServer* server;
    Listener* listener;
    ~Cleanup() {
      std::lock_guard<std::mutex> lock(server->mutex_);
      server->listeners_.erase(listener);
      ::close(listener->wake_fd);
    }
  } cleanup{this, &listener};

  SendResult(channel, tag, kResultOk);
  if (emulator_.attached()) SendPacket(channel, 0, AttachedEvent().get());
  while (!emulator_.stopping()) {
    const Channel::WaitResult wait = channel.WaitReadable(500, listener.wake_fd);
    if (wait == Channel::WaitResult::kReadable) {
      uint8_t byte = 0;
      channel.ReadExact(&byte, 1);  // the client never sends after Listen: this is its EOF
    } else if (wait == Channel::WaitResult::kWoken) {
      uint64_t count = 0;
      [[maybe_unused]] ssize_t n = ::read(listener.wake_fd, &count, sizeof(count));
      std::deque<PlistPtr> events;
      {
        std::lock_guard<std::mutex> lock(listener.mutex);
        events.swap(listener.events);
      }
      for (PlistPtr& event : events) SendPacket(channel, 0, static_cast<plist_t>(event.get()));
    }
  }
}

}  // namespace mfx::extract::emulator
