#include "extract/emulator/device_state.h"

#include <chrono>

#include <fmt/format.h>

#include "extract/emulator/crypto_util.h"
#include "extract/emulator/log.h"

namespace mfx::extract::emulator {
namespace {

using nlohmann::json;

// What lockdownd answers before StartSession. Real devices are said to answer a public subset
// (DEVICE.md §2.3, not checked on hardware); pairing needs DevicePublicKey and WiFiAddress, the
// handshake needs ProductVersion.
const std::set<std::string>& PreSessionKeys() {
  static const std::set<std::string> keys = {
      "ActivationState", "BuildVersion",   "DeviceClass", "DeviceName",
      "DevicePublicKey", "HardwareModel",  "ProductName", "ProductType",
      "ProductVersion",  "UniqueDeviceID", "WiFiAddress", "HumanReadableProductVersionString"};
  return keys;
}

PlistPtr JsonToPlist(const json& value) {
  if (value.is_boolean()) return NewBool(value.get<bool>());
  if (value.is_number_unsigned()) return NewUint(value.get<uint64_t>());
  if (value.is_number_integer()) return NewSignedAsUint(value.get<int64_t>());
  if (value.is_number_float()) return NewReal(value.get<double>());
  if (value.is_string()) return NewString(value.get<std::string>());
  if (value.is_array()) {
    PlistPtr array = NewArray();
    for (const json& item : value) Append(array.get(), JsonToPlist(item));
    return array;
  }
  if (value.is_object()) {
    if (value.size() == 1 && value.contains("$data") && value.at("$data").is_string()) {
      return NewData(Base64Decode(value.at("$data").get<std::string>()));
    }
    if (value.size() == 1 && value.contains("$date") && value.at("$date").is_number()) {
      return NewDateFromUnix(value.at("$date").get<double>());
    }
    PlistPtr dict = NewDict();
    for (const auto& [key, item] : value.items()) Set(dict.get(), key, JsonToPlist(item));
    return dict;
  }
  return NewString("");
}

json DefaultDomains() {
  return json{
      {"com.apple.mobile.backup", {{"RequiresEncrypt", false}}},
      {"com.apple.disk_usage",
       {{"TotalDiskCapacity", 64000000000ull},
        {"TotalDataCapacity", 55000000000ull},
        {"TotalDataAvailable", 31000000000ull},
        {"AmountDataAvailable", 31000000000ull}}},
      {"com.apple.mobile.battery",
       {{"BatteryCurrentCapacity", 87}, {"BatteryIsCharging", true}, {"ExternalConnected", true}}},
      {"com.apple.international", {{"Locale", "en_US"}, {"Language", "en"}}},
      {"com.apple.iTunes", json::object()},
      {"com.apple.mobile.iTunes", {{"MinITunesVersion", "12.5.1"}}},
      {"com.apple.mobile.data_sync", json::object()},
      {"com.apple.mobile.wireless_lockdown", {{"EnableWifiConnections", false}}},
  };
}

std::string PemFromData(plist_t dict, const char* key) {
  const std::optional<std::vector<uint8_t>> data = GetData(dict, key);
  if (!data) return "";
  return std::string(data->begin(), data->end());
}

}  // namespace

DeviceState::DeviceState(const Scenario& scenario, Record& record)
    : scenario_(scenario), record_(record), udid_(scenario.Udid()) {
  device_key_ = GenerateRsaKey();
  device_public_key_pem_ = RsaPublicKeyToPkcs1Pem(device_key_.get());
  system_buid_ = NewUuid();

  domains_[""] = JsonToPlist(scenario.identity);
  json domains = DefaultDomains();
  for (const auto& [name, values] : scenario.domains) {
    for (const auto& [key, value] : values.items()) domains[name][key] = value;
  }
  for (const auto& [name, values] : domains.items()) domains_[name] = JsonToPlist(values);

  will_encrypt_ = scenario.encryption.enabled;
  password_ = scenario.encryption.password;

  const ConsentState state = scenario.consent.state;
  if (state == ConsentState::kPaired || state == ConsentState::kStaleRecord ||
      state == ConsentState::kEscrowLocked) {
    const HostPairing pairing = MakeHostPairing(device_key_.get(), system_buid_);
    const std::vector<uint8_t> escrow_bag = MakeEscrowBag();
    const std::string wifi = scenario.IdentityString("WiFiAddress");
    PlistPtr record_plist = MakePairRecordPlist(
        pairing, wifi,
        scenario.consent.record_without_escrow_bag ? std::vector<uint8_t>{} : escrow_bag);
    initial_pair_record_ = ToBinary(record_plist.get());
    if (state != ConsentState::kStaleRecord) {
      auto host = std::make_shared<TrustedHost>();
      host->host_id = pairing.host_id;
      host->root_certificate = CertificateFromPem(pairing.root_certificate_pem);
      host->device_certificate = CertificateFromPem(pairing.device_certificate_pem);
      host->escrow_bag = escrow_bag;
      trusted_hosts_[pairing.host_id] = std::move(host);
    }
    Log("device", "pre-made host pair record, HostID {} ({})", pairing.host_id,
        state == ConsentState::kStaleRecord ? "unknown to the device: stale" : "trusted");
  }
}

PlistPtr DeviceState::BuildValue(const std::string& domain, const std::string& key) const {
  if (domain.empty()) {
    if (key == "DevicePublicKey") return NewData(device_public_key_pem_);
    if (key == "TimeIntervalSince1970") {
      const double now =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      return NewReal(now + scenario_.clock_offset_seconds);
    }
  }
  if (domain == "com.apple.mobile.backup" && key == "WillEncrypt") return NewBool(will_encrypt_);
  const auto it = domains_.find(domain);
  if (it == domains_.end()) return nullptr;
  return Copy(plist_dict_get_item(static_cast<plist_t>(it->second.get()), key.c_str()));
}

PlistPtr DeviceState::BuildDomain(const std::string& domain, bool in_session) const {
  const auto it = domains_.find(domain);
  if (it == domains_.end()) return nullptr;
  PlistPtr dict = Copy(static_cast<plist_t>(it->second.get()));
  if (domain.empty()) {
    Set(dict.get(), "DevicePublicKey", BuildValue("", "DevicePublicKey"));
    Set(dict.get(), "TimeIntervalSince1970", BuildValue("", "TimeIntervalSince1970"));
    if (!in_session) {
      PlistPtr subset = NewDict();
      for (const std::string& key : PreSessionKeys()) {
        plist_t item = plist_dict_get_item(static_cast<plist_t>(dict.get()), key.c_str());
        if (item != nullptr) Set(subset.get(), key, Copy(item));
      }
      return subset;
    }
  }
  if (domain == "com.apple.mobile.backup") {
    Set(dict.get(), "WillEncrypt", NewBool(will_encrypt_));
  }
  return dict;
}

std::variant<PlistPtr, std::string> DeviceState::GetValue(const std::optional<std::string>& domain,
                                                          const std::optional<std::string>& key,
                                                          bool in_session) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string dom = domain.value_or("");
  if (!in_session) {
    if (!dom.empty()) return std::string("GetProhibited");
    if (key && PreSessionKeys().count(*key) == 0) return std::string("GetProhibited");
  }
  PlistPtr value = key ? BuildValue(dom, *key) : BuildDomain(dom, in_session);
  if (!value) return std::string("MissingValue");
  return value;
}

std::string DeviceState::SetValue(const std::optional<std::string>& domain, const std::string& key,
                                  plist_t value) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string dom = domain.value_or("");
  if (dom.empty() && (key == "UniqueDeviceID" || key == "DevicePublicKey" || key == "ProductType" ||
                      key == "SerialNumber" || key == "ProductVersion")) {
    return "ImmutableValue";
  }
  if (dom == "com.apple.mobile.backup" && key == "WillEncrypt") return "ImmutableValue";
  PlistPtr& dict = domains_[dom];
  if (!dict) dict = NewDict();
  Set(static_cast<plist_t>(dict.get()), key, Copy(value));
  record_.AddEvent("set_value", {{"domain", dom}, {"key", key}});
  return "";
}

std::string DeviceState::RemoveValue(const std::optional<std::string>& domain,
                                     const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string dom = domain.value_or("");
  auto it = domains_.find(dom);
  if (it == domains_.end() ||
      plist_dict_get_item(static_cast<plist_t>(it->second.get()), key.c_str()) == nullptr) {
    return "MissingValue";
  }
  if (dom.empty()) return "RemoveProhibited";
  plist_dict_remove_item(static_cast<plist_t>(it->second.get()), key.c_str());
  record_.AddEvent("remove_value", {{"domain", dom}, {"key", key}});
  return "";
}

PairOutcome DeviceState::Pair(plist_t pair_record) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++pair_requests_;
  const ConsentSpec& consent = scenario_.consent;
  std::string error;
  if (consent.state == ConsentState::kProhibited) {
    error = "PairingProhibitedOverThisConnection";
  } else if (consent.state == ConsentState::kLocked &&
             (consent.locked_polls < 0 || locked_answers_ < consent.locked_polls)) {
    ++locked_answers_;
    error = "PasswordProtected";
  } else if (pending_answers_ < consent.pending_polls) {
    ++pending_answers_;
    error = "PairingDialogResponsePending";
  } else if (consent.state == ConsentState::kDenied) {
    error = "UserDeniedPairing";
  }
  PairOutcome outcome;
  if (error.empty()) {
    outcome = Accept(pair_record);
  } else {
    outcome.error = error;
  }
  record_.AddEvent("pair", {{"poll", pair_requests_},
                            {"result", outcome.error.empty() ? "accepted" : outcome.error}});
  Log("lockdownd", "Pair poll {} -> {}", pair_requests_,
      outcome.error.empty() ? "accepted" : outcome.error);
  return outcome;
}

PairOutcome DeviceState::Accept(plist_t pair_record) {
  PairOutcome outcome;
  const std::optional<std::string> host_id = GetString(pair_record, "HostID");
  if (!host_id || host_id->empty()) {
    outcome.error = "MissingHostID";
    return outcome;
  }
  auto host = std::make_shared<TrustedHost>();
  host->host_id = *host_id;
  host->root_certificate = CertificateFromPem(PemFromData(pair_record, "RootCertificate"));
  host->device_certificate = CertificateFromPem(PemFromData(pair_record, "DeviceCertificate"));
  if (!host->root_certificate || !host->device_certificate ||
      !CertificateFromPem(PemFromData(pair_record, "HostCertificate"))) {
    outcome.error = "InvalidPairRecord";
    return outcome;
  }
  // The device certificate the host made must certify *our* key, or TLS could never work.
  if (!CertificateMatchesKey(host->device_certificate.get(), device_key_.get())) {
    outcome.error = "InvalidPairRecord";
    return outcome;
  }
  host->escrow_bag = MakeEscrowBag();
  outcome.escrow_bag = host->escrow_bag;
  trusted_hosts_[*host_id] = std::move(host);
  return outcome;
}

PairOutcome DeviceState::ValidatePair(plist_t pair_record) {
  std::lock_guard<std::mutex> lock(mutex_);
  PairOutcome outcome;
  const std::optional<std::string> host_id = GetString(pair_record, "HostID");
  if (!host_id || trusted_hosts_.count(*host_id) == 0) outcome.error = "InvalidHostID";
  record_.AddEvent("validate_pair", {{"result", outcome.error.empty() ? "ok" : outcome.error}});
  return outcome;
}

PairOutcome DeviceState::Unpair(plist_t pair_record) {
  std::lock_guard<std::mutex> lock(mutex_);
  PairOutcome outcome;
  const std::optional<std::string> host_id = GetString(pair_record, "HostID");
  if (!host_id || trusted_hosts_.erase(*host_id) == 0) outcome.error = "InvalidHostID";
  // A later pairing is a new consent: the trust dialog shows again.
  if (outcome.error.empty()) pending_answers_ = 0;
  record_.AddEvent("unpair", {{"result", outcome.error.empty() ? "ok" : outcome.error}});
  return outcome;
}

std::shared_ptr<const TrustedHost> DeviceState::FindTrustedHost(const std::string& host_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = trusted_hosts_.find(host_id);
  return it == trusted_hosts_.end() ? nullptr : it->second;
}

bool DeviceState::EscrowLocked() const {
  return scenario_.consent.state == ConsentState::kEscrowLocked;
}

uint16_t DeviceState::RegisterService(const std::string& service, const std::string& host_id,
                                      bool ssl) {
  std::lock_guard<std::mutex> lock(mutex_);
  uint16_t port = 0;
  do {
    const std::vector<uint8_t> r = RandomBytes(2);
    port = static_cast<uint16_t>(49152 + ((r[0] << 8 | r[1]) % 16000));
  } while (services_.count(port) != 0);
  services_[port] = ServiceTicket{service, host_id, ssl};
  return port;
}

std::optional<ServiceTicket> DeviceState::ClaimService(uint16_t port) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = services_.find(port);
  if (it == services_.end()) return std::nullopt;
  ServiceTicket ticket = it->second;
  services_.erase(it);
  return ticket;
}

void DeviceState::AddSink(NotificationSink* sink) {
  std::lock_guard<std::mutex> lock(mutex_);
  sinks_.insert(sink);
}

void DeviceState::RemoveSink(NotificationSink* sink) {
  std::lock_guard<std::mutex> lock(mutex_);
  sinks_.erase(sink);
}

void DeviceState::RelayNotification(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  int delivered = 0;
  for (NotificationSink* sink : sinks_) {
    if (sink->Observes(name)) {
      sink->Deliver(name);
      ++delivered;
    }
  }
  Log("notification_proxy", "relay {} to {} observer(s)", name, delivered);
  record_.AddEvent("relay_notification", {{"name", name}, {"observers", delivered}});
}

bool DeviceState::WillEncrypt() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return will_encrypt_;
}

SecretString DeviceState::BackupPassword() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return password_;
}

std::string DeviceState::ChangePassword(const std::optional<SecretString>& old_password,
                                        const std::optional<SecretString>& new_password) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string error;
  if (new_password && !old_password) {
    if (will_encrypt_) {
      error = "Backup encryption is already enabled";
    } else {
      will_encrypt_ = true;
      password_ = *new_password;
    }
  } else if (old_password && !new_password) {
    if (!will_encrypt_) {
      error = "Backup encryption is not enabled";
    } else if (!(*old_password == password_)) {
      error = "Incorrect backup password";
    } else {
      will_encrypt_ = false;
      password_ = SecretString();
    }
  } else if (old_password && new_password) {
    if (!will_encrypt_) {
      error = "Backup encryption is not enabled";
    } else if (!(*old_password == password_)) {
      error = "Incorrect backup password";
    } else {
      password_ = *new_password;
    }
  } else {
    error = "No password given";
  }
  record_.AddEvent("change_password", {{"enable", new_password.has_value() && !old_password},
                                       {"disable", old_password.has_value() && !new_password},
                                       {"result", error.empty() ? "ok" : error},
                                       {"will_encrypt", will_encrypt_}});
  return error;
}

bool DeviceState::HasFired(const std::string& fault) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fired_faults_.count(fault) != 0;
}

bool DeviceState::FireOnce(const std::string& fault) {
  std::lock_guard<std::mutex> lock(mutex_);
  return fired_faults_.insert(fault).second;
}

}  // namespace mfx::extract::emulator
