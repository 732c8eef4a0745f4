// The emulated iPhone's state, shared by all its connections: identity (lockdown values), the
// device key and the hosts it trusts, the scripted consent state machine, backup-encryption
// settings, single-use service ports and the notification hub.
//
// Thread-safe: every public method may be called from any connection thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "extract/emulator/pki.h"
#include "extract/emulator/plist_util.h"
#include "extract/emulator/record.h"
#include "extract/emulator/scenario.h"
#include "extract/emulator/secret.h"

namespace mfx::extract::emulator {

// A host the device has paired with: its root certificate (the TLS client certificate it must
// present), the device certificate it made for us (our TLS server certificate) and the escrow bag
// handed out at pairing.
struct TrustedHost {
  std::string host_id;
  X509Ptr root_certificate;
  X509Ptr device_certificate;
  std::vector<uint8_t> escrow_bag;
};

struct ServiceTicket {
  std::string service;
  std::string host_id;
  bool ssl = false;
};

// Receives relayed notifications (implemented by notification_proxy connections). Deliver() is
// called from other threads and must only queue.
class NotificationSink {
 public:
  virtual ~NotificationSink() = default;
  virtual bool Observes(const std::string& name) const = 0;
  virtual void Deliver(const std::string& name) = 0;
};

// Outcome of a Pair / ValidatePair / Unpair request: `error` is the lockdown Error name, empty on
// success.
struct PairOutcome {
  std::string error;
  std::vector<uint8_t> escrow_bag;
};

class DeviceState {
 public:
  DeviceState(const Scenario& scenario, Record& record);

  const Scenario& scenario() const { return scenario_; }
  Record& record() { return record_; }
  const std::string& udid() const { return udid_; }
  EVP_PKEY* device_key() const { return device_key_.get(); }
  const std::string& system_buid() const { return system_buid_; }

  // Lockdown GetValue. Returns the value, or the Error name ("MissingValue", "GetProhibited").
  // Before StartSession only a public subset of the NULL domain is answered (DEVICE.md §2.3).
  std::variant<PlistPtr, std::string> GetValue(const std::optional<std::string>& domain,
                                               const std::optional<std::string>& key,
                                               bool in_session);
  // Lockdown SetValue / RemoveValue (session only); returns the Error name or "".
  std::string SetValue(const std::optional<std::string>& domain, const std::string& key,
                       plist_t value);
  std::string RemoveValue(const std::optional<std::string>& domain, const std::string& key);

  // Pair requests run the scenario's consent state machine (each request is one "poll").
  PairOutcome Pair(plist_t pair_record);
  PairOutcome ValidatePair(plist_t pair_record);
  PairOutcome Unpair(plist_t pair_record);
  std::shared_ptr<const TrustedHost> FindTrustedHost(const std::string& host_id) const;
  // True when the scenario makes mobilebackup2 refuse to start (escrow_locked).
  bool EscrowLocked() const;

  // The host-side pair record the emulated usbmuxd starts with (binary plist), if the scenario
  // has one (paired, stale_record, escrow_locked).
  const std::optional<std::vector<uint8_t>>& initial_pair_record() const {
    return initial_pair_record_;
  }

  // Single-use service ports handed out by StartService.
  uint16_t RegisterService(const std::string& service, const std::string& host_id, bool ssl);
  std::optional<ServiceTicket> ClaimService(uint16_t port);

  // Notification hub: posting relays `name` to every sink that observes it.
  void AddSink(NotificationSink* sink);
  void RemoveSink(NotificationSink* sink);
  void RelayNotification(const std::string& name);

  // Backup encryption (domain com.apple.mobile.backup, key WillEncrypt).
  bool WillEncrypt() const;
  SecretString BackupPassword() const;
  // ChangePassword semantics: enable = new only, disable = old only, change = both. Returns ""
  // on success or an error description.
  std::string ChangePassword(const std::optional<SecretString>& old_password,
                             const std::optional<SecretString>& new_password);

  // True the first time it is called for `fault`: each scripted fault fires once per run, so that
  // a retry after it (a re-plug) can succeed.
  bool FireOnce(const std::string& fault);
  bool HasFired(const std::string& fault) const;

 private:
  PlistPtr BuildValue(const std::string& domain, const std::string& key) const;
  PlistPtr BuildDomain(const std::string& domain, bool in_session) const;
  PairOutcome Accept(plist_t pair_record);

  const Scenario& scenario_;
  Record& record_;
  std::string udid_;
  EvpPkeyPtr device_key_;
  std::string device_public_key_pem_;
  std::string system_buid_;
  std::optional<std::vector<uint8_t>> initial_pair_record_;

  mutable std::mutex mutex_;
  std::map<std::string, PlistPtr> domains_;  // "" = NULL domain
  std::map<std::string, std::shared_ptr<const TrustedHost>> trusted_hosts_;
  int pair_requests_ = 0;
  int locked_answers_ = 0;
  int pending_answers_ = 0;
  std::map<uint16_t, ServiceTicket> services_;
  std::set<NotificationSink*> sinks_;
  std::set<std::string> fired_faults_;
  bool will_encrypt_ = false;
  SecretString password_;
};

}  // namespace mfx::extract::emulator
