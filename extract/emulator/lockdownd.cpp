#include "extract/emulator/lockdownd.h"

#include <fmt/format.h>

#include "extract/emulator/crypto_util.h"
#include "extract/emulator/emulator.h"
#include "extract/emulator/framing.h"
#include "extract/emulator/log.h"

namespace mfx::extract::emulator {
namespace {

constexpr const char* kNotificationProxy = "com.apple.mobile.notification_proxy";
constexpr const char* kAfc = "com.apple.afc";
constexpr const char* kMobilebackup2 = "com.apple.mobilebackup2";

PlistPtr Reply(const std::string& request) {
  PlistPtr reply = NewDict();
  Set(reply.get(), "Request", NewString(request));
  return reply;
}

PlistPtr ErrorReply(const std::string& request, const std::string& error) {
  PlistPtr reply = Reply(request);
  Set(reply.get(), "Error", NewString(error));
  return reply;
}

class LockdownConnection {
 public:
  LockdownConnection(Emulator& emulator, Channel& channel)
      : emulator_(emulator), device_(emulator.device()), channel_(channel) {}

  void Serve() {
    while (!emulator_.stopping()) {
      std::optional<PlistPtr> message = ReceivePlistFrame(channel_);
      if (!message) continue;
      plist_t request = message->get();
      const std::string name = GetString(request, "Request").value_or("");
      const std::string label = GetString(request, "Label").value_or("");
      Log("lockdownd", "{} {}{}", name, label, session_id_.empty() ? "" : " (in session)");
      if (name == "Goodbye") {
        Send(Reply(name));
        return;
      }
      PlistPtr reply = Handle(name, request);
      if (reply) Send(std::move(reply));
      if (after_reply_) {
        auto action = std::move(after_reply_);
        after_reply_ = nullptr;
        action();
      }
    }
  }

 private:
  void Send(PlistPtr reply) {
    const std::optional<std::string> error = GetString(reply.get(), "Error");
    if (error) Log("lockdownd", "  -> Error {}", *error);
    SendPlistFrame(channel_, reply.get(), PlistFormat::kXml);
  }

  PlistPtr Handle(const std::string& name, plist_t request) {
    if (name == "QueryType") {
      PlistPtr reply = Reply(name);
      Set(reply.get(), "Type", NewString("com.apple.mobile.lockdown"));
      return reply;
    }
    if (name == "GetValue") return GetValue(request);
    if (name == "SetValue" || name == "RemoveValue") return ChangeValue(name, request);
    if (name == "Pair" || name == "ValidatePair" || name == "Unpair") return Pair(name, request);
    if (name == "StartSession") return StartSession(request);
    if (name == "StopSession") return StopSession(request);
    if (name == "StartService") return StartService(request);
    if (name == "EnterRecovery" || name == "Activate" || name == "Deactivate") {
      LogLoud("lockdownd", fmt::format("refused state-changing request {}", name));
      emulator_.record().AddForbiddenRequest(name);
      return ErrorReply(name, "InvalidRequest");
    }
    return ErrorReply(name.empty() ? "Unknown" : name, "InvalidRequest");
  }

  PlistPtr GetValue(plist_t request) {
    const std::optional<std::string> domain = GetString(request, "Domain");
    const std::optional<std::string> key = GetString(request, "Key");
    PlistPtr reply = Reply("GetValue");
    if (domain) Set(reply.get(), "Domain", NewString(*domain));
    if (key) Set(reply.get(), "Key", NewString(*key));
    auto value = device_.GetValue(domain, key, !session_id_.empty());
    if (auto* error = std::get_if<std::string>(&value)) {
      Log("lockdownd", "  GetValue {}/{} -> {}", domain.value_or("-"), key.value_or("-"), *error);
      Set(reply.get(), "Error", NewString(*error));
    } else {
      Set(reply.get(), "Value", std::move(std::get<PlistPtr>(value)));
    }
    return reply;
  }

  PlistPtr ChangeValue(const std::string& name, plist_t request) {
    if (session_id_.empty()) return ErrorReply(name, "SessionInactive");
    const std::optional<std::string> domain = GetString(request, "Domain");
    const std::optional<std::string> key = GetString(request, "Key");
    if (!key) return ErrorReply(name, "MissingKey");
    std::string error;
    if (name == "SetValue") {
      plist_t value = plist_dict_get_item(request, "Value");
      if (value == nullptr) return ErrorReply(name, "MissingValue");
      error = device_.SetValue(domain, *key, value);
    } else {
      error = device_.RemoveValue(domain, *key);
    }
    PlistPtr reply = error.empty() ? Reply(name) : ErrorReply(name, error);
    if (domain) Set(reply.get(), "Domain", NewString(*domain));
    Set(reply.get(), "Key", NewString(*key));
    return reply;
  }

  PlistPtr Pair(const std::string& name, plist_t request) {
    plist_t record = plist_dict_get_item(request, "PairRecord");
    if (record == nullptr || plist_get_node_type(record) != PLIST_DICT) {
      return ErrorReply(name, "InvalidPairRecord");
    }
    PairOutcome outcome = name == "Pair"           ? device_.Pair(record)
                          : name == "ValidatePair" ? device_.ValidatePair(record)
                                                   : device_.Unpair(record);
    if (!outcome.error.empty()) return ErrorReply(name, outcome.error);
    PlistPtr reply = Reply(name);
    if (name == "Pair") Set(reply.get(), "EscrowBag", NewData(outcome.escrow_bag));
    return reply;
  }

  PlistPtr StartSession(plist_t request) {
    const std::string host_id = GetString(request, "HostID").value_or("");
    if (host_id.empty()) return ErrorReply("StartSession", "MissingHostID");
    if (!session_id_.empty()) return ErrorReply("StartSession", "SessionActive");
    std::shared_ptr<const TrustedHost> host = device_.FindTrustedHost(host_id);
    emulator_.record().AddEvent("start_session",
                                {{"host_id", host_id}, {"trusted", host != nullptr}});
    if (!host) return ErrorReply("StartSession", "InvalidHostID");
    session_id_ = NewUuid();
    host_ = host;
    PlistPtr reply = Reply("StartSession");
    Set(reply.get(), "EnableSessionSSL", NewBool(true));
    Set(reply.get(), "SessionID", NewString(session_id_));
    // With EnableSessionSSL the client starts TLS right after reading this (plain) reply.
    after_reply_ = [this] { StartTlsForHost(emulator_, channel_, *host_, "lockdown session"); };
    return reply;
  }

  PlistPtr StopSession(plist_t request) {
    const std::string id = GetString(request, "SessionID").value_or("");
    if (session_id_.empty()) return ErrorReply("StopSession", "SessionInactive");
    if (id != session_id_) return ErrorReply("StopSession", "InvalidSessionID");
    session_id_.clear();
    host_.reset();
    // The reply goes inside TLS; then the client shuts TLS down and goes on in plain text or
    // closes the socket (DEVICE.md §8.4 pitfall 7).
    after_reply_ = [this] { channel_.EndTls(1000); };
    return Reply("StopSession");
  }

  PlistPtr StartService(plist_t request) {
    const std::string service = GetString(request, "Service").value_or("");
    if (session_id_.empty()) return ErrorReply("StartService", "SessionInactive");
    bool ssl = true;
    if (service == kNotificationProxy || service == kMobilebackup2) {
      ssl = true;
    } else if (service == kAfc) {
      ssl = false;
    } else {
      emulator_.record().AddEvent("start_service",
                                  {{"service", service}, {"result", "InvalidService"}});
      PlistPtr reply = ErrorReply("StartService", "InvalidService");
      Set(reply.get(), "Service", NewString(service));
      return reply;
    }
    if (service == kMobilebackup2) {
      const std::optional<std::vector<uint8_t>> escrow = GetData(request, "EscrowBag");
      std::string refusal;
      if (device_.EscrowLocked()) {
        refusal = "scenario escrow_locked";
      } else if (!escrow) {
        refusal = "no EscrowBag sent";
      } else if (*escrow != host_->escrow_bag) {
        refusal = "EscrowBag does not match the one issued at pairing";
      }
      if (!refusal.empty()) {
        Log("lockdownd", "  mobilebackup2 refused: {}", refusal);
        emulator_.record().AddEvent(
            "start_service", {{"service", service}, {"result", "EscrowLocked"}, {"why", refusal}});
        PlistPtr reply = ErrorReply("StartService", "EscrowLocked");
        Set(reply.get(), "Service", NewString(service));
        return reply;
      }
    }
    const uint16_t port = device_.RegisterService(service, host_->host_id, ssl);
    emulator_.record().AddEvent("start_service",
                                {{"service", service}, {"port", port}, {"result", "ok"}});
    PlistPtr reply = Reply("StartService");
    Set(reply.get(), "EnableServiceSSL", NewBool(ssl));
    Set(reply.get(), "Port", NewUint(port));
    Set(reply.get(), "Service", NewString(service));
    return reply;
  }

  Emulator& emulator_;
  DeviceState& device_;
  Channel& channel_;
  std::string session_id_;
  std::shared_ptr<const TrustedHost> host_;
  std::function<void()> after_reply_;
};

}  // namespace

void StartTlsForHost(Emulator& emulator, Channel& channel, const TrustedHost& host,
                     std::string_view purpose) {
  SslCtxPtr ctx =
      MakeDeviceTlsContext(emulator.device().device_key(), host.device_certificate.get(),
                           emulator.scenario().protocol.tls_max_version);
  channel.StartTls(ctx.get());
  X509* peer = channel.PeerCertificate();
  const bool matches = peer != nullptr && host.root_certificate &&
                       CertificateDer(peer) == CertificateDer(host.root_certificate.get());
  Log("tls", "{}: {}, client certificate {}", purpose, channel.TlsDescription(),
      peer == nullptr ? "missing"
      : matches       ? "= trusted RootCertificate"
                      : "UNKNOWN");
  emulator.record().AddEvent("tls", {{"purpose", std::string(purpose)},
                                     {"protocol", SSL_get_version(channel.ssl())},
                                     {"client_certificate_ok", matches}});
  if (!matches) {
    throw ConnectionClosed("host did not present the RootCertificate of its pair record");
  }
}

void ServeLockdown(Emulator& emulator, Channel& channel) {
  LockdownConnection connection(emulator, channel);
  connection.Serve();
}

}  // namespace mfx::extract::emulator
