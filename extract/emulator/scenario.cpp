#include "extract/emulator/scenario.h"

#include <fmt/format.h>

#include <fstream>
#include <set>

#include "extract/emulator/crypto_util.h"

namespace mfx::extract::emulator {
namespace {

using nlohmann::json;

// A plausible iPhone 11 on iOS 16; every value can be overridden per scenario.
json DefaultIdentity() {
  return json{
      {"UniqueDeviceID", "00008030-001A35E02E38802E"},
      {"ProductType", "iPhone12,1"},
      {"ProductVersion", "16.7.8"},
      {"BuildVersion", "20H343"},
      {"ProductName", "iPhone OS"},
      {"DeviceClass", "iPhone"},
      {"HardwareModel", "N104AP"},
      {"ModelNumber", "MWLT2"},
      {"RegionInfo", "LL/A"},
      {"CPUArchitecture", "arm64e"},
      {"SerialNumber", "F17ZK0AAN72J"},
      {"InternationalMobileEquipmentIdentity", "356789105123456"},
      {"MobileEquipmentIdentifier", "35678910512345"},
      {"IntegratedCircuitCardIdentity", "8949000012345678901"},
      {"InternationalMobileSubscriberIdentity", "262011234567890"},
      {"PhoneNumber", "+1 (555) 010-0199"},
      {"DeviceName", "Emulated iPhone"},
      {"TimeZone", "Europe/Berlin"},
      {"TimeZoneOffsetFromUTC", 3600.0},
      {"Uses24HourClock", true},
      {"WiFiAddress", "a4:83:e7:12:34:56"},
      {"BluetoothAddress", "a4:83:e7:12:34:57"},
      {"EthernetAddress", "a4:83:e7:12:34:58"},
      {"ActivationState", "Activated"},
      {"PasswordProtected", true},
      {"BasebandVersion", "4.00.00"},
      {"FirmwareVersion", "iBoot-8422.141.2"},
  };
}

void CheckKeys(const json& object, const std::string& where, const std::set<std::string>& allowed) {
  if (!object.is_object()) throw ScenarioError(fmt::format("{}: expected a JSON object", where));
  for (const auto& [key, value] : object.items()) {
    if (allowed.count(key) == 0) {
      throw ScenarioError(fmt::format("{}: unknown key \"{}\"", where, key));
    }
  }
}

template <typename T>
T Get(const json& object, const char* key, const std::string& where, T fallback) {
  if (!object.contains(key) || object.at(key).is_null()) return fallback;
  try {
    return object.at(key).get<T>();
  } catch (const json::exception& e) {
    throw ScenarioError(fmt::format("{}.{}: {}", where, key, e.what()));
  }
}

template <typename T>
std::optional<T> GetOptional(const json& object, const char* key, const std::string& where) {
  if (!object.contains(key) || object.at(key).is_null()) return std::nullopt;
  return Get<T>(object, key, where, T{});
}

uint32_t ParseMode(const json& value, const std::string& where, EntryKind kind) {
  uint32_t mode = 0;
  if (value.is_number_unsigned() || value.is_number_integer()) {
    mode = value.get<uint32_t>();
  } else if (value.is_string()) {
    try {
      mode = static_cast<uint32_t>(std::stoul(value.get<std::string>(), nullptr, 8));
    } catch (const std::exception&) {
      throw ScenarioError(where + ".mode: not an octal number");
    }
  } else {
    throw ScenarioError(where + ".mode: expected an integer or an octal string");
  }
  if ((mode & 0170000) == 0) {
    mode |= kind == EntryKind::kDirectory ? 0040000
            : kind == EntryKind::kSymlink ? 0120000
                                          : 0100000;
  }
  return mode;
}

std::vector<uint8_t> HexDecode(const std::string& hex, const std::string& where) {
  if (hex.size() % 2 != 0) throw ScenarioError(where + ": odd hex length");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    try {
      out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    } catch (const std::exception&) {
      throw ScenarioError(where + ": invalid hex");
    }
  }
  return out;
}

// "text" | "base64" | "hex" → bytes; nullopt when none is given.
std::optional<std::vector<uint8_t>> LiteralBytes(const json& object, const std::string& where) {
  if (object.contains("text")) {
    const std::string text = Get<std::string>(object, "text", where, "");
    return std::vector<uint8_t>(text.begin(), text.end());
  }
  if (object.contains("base64")) {
    try {
      return Base64Decode(Get<std::string>(object, "base64", where, ""));
    } catch (const CryptoError& e) {
      throw ScenarioError(fmt::format("{}.base64: {}", where, e.what()));
    }
  }
  if (object.contains("hex"))
    return HexDecode(Get<std::string>(object, "hex", where, ""), where + ".hex");
  return std::nullopt;
}

FileSpec ParseFile(const json& entry, const std::string& where) {
  CheckKeys(entry, where,
            {"domain", "relativePath", "text", "base64", "hex", "size", "seed", "type", "target",
             "mode", "mtime", "protection_class"});
  FileSpec file;
  file.domain = Get<std::string>(entry, "domain", where, "");
  file.relative_path = Get<std::string>(entry, "relativePath", where, "");
  if (file.domain.empty()) throw ScenarioError(where + ".domain: required");
  const std::string type = Get<std::string>(entry, "type", where, "file");
  if (type == "file") {
    file.kind = EntryKind::kFile;
  } else if (type == "directory") {
    file.kind = EntryKind::kDirectory;
  } else if (type == "symlink") {
    file.kind = EntryKind::kSymlink;
  } else {
    throw ScenarioError(where + ".type: expected file, directory or symlink");
  }
  file.bytes = LiteralBytes(entry, where);
  file.size = file.bytes ? file.bytes->size() : Get<uint64_t>(entry, "size", where, 0);
  file.seed = Get<uint64_t>(entry, "seed", where, 0);
  file.symlink_target = Get<std::string>(entry, "target", where, "");
  file.mtime = Get<int64_t>(entry, "mtime", where, 1700000000);
  file.protection_class =
      Get<int>(entry, "protection_class", where, file.kind == EntryKind::kFile ? 3 : 0);
  file.mode = entry.contains("mode")               ? ParseMode(entry.at("mode"), where, file.kind)
              : file.kind == EntryKind::kDirectory ? 040755u
              : file.kind == EntryKind::kSymlink   ? 0120755u
                                                   : 0100644u;
  if (file.kind != EntryKind::kFile) file.size = 0;
  return file;
}

ConsentState ParseConsentState(const std::string& name) {
  if (name == "paired") return ConsentState::kPaired;
  if (name == "unpaired" || name == "trust_pending") return ConsentState::kTrustPending;
  if (name == "denied") return ConsentState::kDenied;
  if (name == "locked") return ConsentState::kLocked;
  if (name == "prohibited") return ConsentState::kProhibited;
  if (name == "stale_record") return ConsentState::kStaleRecord;
  if (name == "escrow_locked") return ConsentState::kEscrowLocked;
  throw ScenarioError("consent.state: unknown state \"" + name + "\"");
}

}  // namespace

std::string_view ConsentStateName(ConsentState state) {
  switch (state) {
    case ConsentState::kPaired:
      return "paired";
    case ConsentState::kTrustPending:
      return "trust_pending";
    case ConsentState::kDenied:
      return "denied";
    case ConsentState::kLocked:
      return "locked";
    case ConsentState::kProhibited:
      return "prohibited";
    case ConsentState::kStaleRecord:
      return "stale_record";
    case ConsentState::kEscrowLocked:
      return "escrow_locked";
  }
  return "unknown";
}

std::string Scenario::Udid() const { return IdentityString("UniqueDeviceID"); }

std::string Scenario::IdentityString(const std::string& key) const {
  if (!identity.contains(key) || !identity.at(key).is_string()) return "";
  return identity.at(key).get<std::string>();
}

Scenario ParseScenario(const json& document, const std::filesystem::path& base_dir) {
  CheckKeys(document, "scenario",
            {"name", "identity", "domains", "clock_offset_seconds", "usb", "consent", "content",
             "encryption", "protocol", "faults", "comment"});
  Scenario scenario;
  scenario.name = Get<std::string>(document, "name", "scenario", "unnamed");
  scenario.identity = DefaultIdentity();
  if (document.contains("identity")) {
    const json& identity = document.at("identity");
    if (!identity.is_object()) throw ScenarioError("identity: expected a JSON object");
    for (const auto& [key, value] : identity.items()) {
      if (value.is_null()) {
        scenario.identity.erase(key);
      } else {
        scenario.identity[key] = value;
      }
    }
  }
  if (scenario.Udid().empty()) throw ScenarioError("identity.UniqueDeviceID: must be a string");
  if (document.contains("domains")) {
    const json& domains = document.at("domains");
    if (!domains.is_object()) throw ScenarioError("domains: expected a JSON object");
    for (const auto& [name, values] : domains.items()) {
      if (!values.is_object()) throw ScenarioError("domains." + name + ": expected a JSON object");
      scenario.domains[name] = values;
    }
  }
  scenario.clock_offset_seconds = Get<double>(document, "clock_offset_seconds", "scenario", 0.0);

  if (document.contains("usb")) {
    const json& usb = document.at("usb");
    CheckKeys(usb, "usb", {"device_id", "product_id", "location_id"});
    scenario.device_id = Get<uint32_t>(usb, "device_id", "usb", scenario.device_id);
    scenario.product_id = Get<uint32_t>(usb, "product_id", "usb", scenario.product_id);
    scenario.location_id = Get<uint32_t>(usb, "location_id", "usb", scenario.location_id);
    if (scenario.device_id == 0) throw ScenarioError("usb.device_id: must be > 0");
  }

  if (document.contains("consent")) {
    const json& consent = document.at("consent");
    CheckKeys(consent, "consent",
              {"state", "pending_polls", "locked_polls", "record_without_escrow_bag"});
    scenario.consent.state =
        ParseConsentState(Get<std::string>(consent, "state", "consent", "paired"));
    scenario.consent.pending_polls = Get<int>(consent, "pending_polls", "consent", 0);
    scenario.consent.locked_polls = Get<int>(consent, "locked_polls", "consent", -1);
    scenario.consent.record_without_escrow_bag =
        Get<bool>(consent, "record_without_escrow_bag", "consent", false);
  }

  if (document.contains("content")) {
    const json& content = document.at("content");
    CheckKeys(content, "content", {"files", "replay_backup"});
    if (content.contains("files")) {
      const json& files = content.at("files");
      if (!files.is_array()) throw ScenarioError("content.files: expected an array");
      for (size_t i = 0; i < files.size(); ++i) {
        scenario.content.files.push_back(ParseFile(files[i], fmt::format("content.files[{}]", i)));
      }
    }
    const std::string replay = Get<std::string>(content, "replay_backup", "content", "");
    if (!replay.empty()) {
      std::filesystem::path path(replay);
      scenario.content.replay_backup = path.is_absolute() ? path : base_dir / path;
    }
  }

  if (document.contains("encryption")) {
    const json& encryption = document.at("encryption");
    CheckKeys(encryption, "encryption",
              {"password", "dpic", "iter", "manifest_key_class", "enabled"});
    const std::string password = Get<std::string>(encryption, "password", "encryption", "");
    scenario.encryption.enabled = Get<bool>(encryption, "enabled", "encryption", !password.empty());
    scenario.encryption.password = SecretString(password);
    scenario.encryption.dpic =
        Get<uint32_t>(encryption, "dpic", "encryption", scenario.encryption.dpic);
    scenario.encryption.iter =
        Get<uint32_t>(encryption, "iter", "encryption", scenario.encryption.iter);
    scenario.encryption.manifest_key_class =
        Get<uint32_t>(encryption, "manifest_key_class", "encryption", 4);
    if (scenario.encryption.enabled && password.empty()) {
      throw ScenarioError("encryption.password: required when encryption is enabled");
    }
    if (scenario.encryption.dpic == 0 || scenario.encryption.iter == 0) {
      throw ScenarioError("encryption: dpic and iter must be > 0");
    }
  }

  if (document.contains("protocol")) {
    const json& protocol = document.at("protocol");
    CheckKeys(protocol, "protocol",
              {"dl_version", "dl_minor", "protocol_version", "block_size", "batch_files",
               "tls_max_version"});
    ProtocolSpec& p = scenario.protocol;
    p.dl_version_major = Get<uint64_t>(protocol, "dl_version", "protocol", p.dl_version_major);
    p.dl_version_minor = Get<uint64_t>(protocol, "dl_minor", "protocol", p.dl_version_minor);
    p.protocol_version = Get<double>(protocol, "protocol_version", "protocol", p.protocol_version);
    p.block_size = Get<uint32_t>(protocol, "block_size", "protocol", p.block_size);
    p.batch_files = Get<uint32_t>(protocol, "batch_files", "protocol", p.batch_files);
    p.tls_max_version = Get<std::string>(protocol, "tls_max_version", "protocol", "");
    if (p.block_size == 0 || p.batch_files == 0) {
      throw ScenarioError("protocol: block_size and batch_files must be > 0");
    }
    if (!p.tls_max_version.empty() && p.tls_max_version != "1.0" && p.tls_max_version != "1.1" &&
        p.tls_max_version != "1.2" && p.tls_max_version != "1.3") {
      throw ScenarioError("protocol.tls_max_version: expected 1.0, 1.1, 1.2 or 1.3");
    }
  }

  if (document.contains("faults")) {
    const json& faults = document.at("faults");
    CheckKeys(
        faults, "faults",
        {"drop_after_bytes", "stall_after_bytes", "detach_after_bytes", "sync_cancel_after_bytes",
         "error_code", "error_description", "passcode_prompt", "malicious_paths",
         "purge_disk_space", "end_marker_error", "start_delay_ms", "afc_lock_busy_polls"});
    FaultSpec& f = scenario.faults;
    f.drop_after_bytes = GetOptional<uint64_t>(faults, "drop_after_bytes", "faults");
    f.stall_after_bytes = GetOptional<uint64_t>(faults, "stall_after_bytes", "faults");
    f.detach_after_bytes = GetOptional<uint64_t>(faults, "detach_after_bytes", "faults");
    f.sync_cancel_after_bytes = GetOptional<uint64_t>(faults, "sync_cancel_after_bytes", "faults");
    f.error_code = GetOptional<int64_t>(faults, "error_code", "faults");
    f.error_description = Get<std::string>(faults, "error_description", "faults", "");
    f.start_delay_ms = Get<int>(faults, "start_delay_ms", "faults", 0);
    f.afc_lock_busy_polls = Get<int>(faults, "afc_lock_busy_polls", "faults", 0);
    if (faults.contains("passcode_prompt")) {
      const json& prompt = faults.at("passcode_prompt");
      CheckKeys(prompt, "faults.passcode_prompt", {"outcome", "delay_ms"});
      PasscodePromptSpec spec;
      const std::string outcome =
          Get<std::string>(prompt, "outcome", "faults.passcode_prompt", "dismissed");
      if (outcome == "dismissed") {
        spec.outcome = PasscodePromptSpec::Outcome::kDismissed;
      } else if (outcome == "timeout") {
        spec.outcome = PasscodePromptSpec::Outcome::kTimeout;
      } else {
        throw ScenarioError("faults.passcode_prompt.outcome: expected dismissed or timeout");
      }
      spec.delay_ms = Get<int>(prompt, "delay_ms", "faults.passcode_prompt", 1000);
      f.passcode_prompt = spec;
    }
    if (faults.contains("malicious_paths")) {
      const json& list = faults.at("malicious_paths");
      if (!list.is_array()) throw ScenarioError("faults.malicious_paths: expected an array");
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string where = fmt::format("faults.malicious_paths[{}]", i);
        CheckKeys(list[i], where, {"destination", "text", "base64", "hex"});
        MaliciousFileSpec spec;
        spec.destination = Get<std::string>(list[i], "destination", where, "");
        if (spec.destination.empty()) throw ScenarioError(where + ".destination: required");
        spec.bytes = LiteralBytes(list[i], where).value_or(std::vector<uint8_t>{'x'});
        f.malicious_paths.push_back(std::move(spec));
      }
    }
    if (faults.contains("purge_disk_space")) {
      const json& purge = faults.at("purge_disk_space");
      CheckKeys(purge, "faults.purge_disk_space", {"bytes", "wait_ms"});
      f.purge_disk_space_bytes = Get<uint64_t>(purge, "bytes", "faults.purge_disk_space", 1 << 20);
      f.purge_wait_ms = Get<int>(purge, "wait_ms", "faults.purge_disk_space", -1);
    }
    if (faults.contains("end_marker_error")) {
      const json& marker = faults.at("end_marker_error");
      CheckKeys(marker, "faults.end_marker_error", {"file_index", "after_bytes", "message"});
      EndMarkerErrorSpec spec;
      spec.file_index = Get<size_t>(marker, "file_index", "faults.end_marker_error", 0);
      spec.after_bytes = Get<uint64_t>(marker, "after_bytes", "faults.end_marker_error", 0);
      spec.message = Get<std::string>(marker, "message", "faults.end_marker_error", spec.message);
      f.end_marker_error = spec;
    }
    if (f.error_code && *f.error_code == 0) throw ScenarioError("faults.error_code: 0 is success");
  }
  return scenario;
}

Scenario LoadScenario(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ScenarioError(fmt::format("{}: cannot open", path.string()));
  json document;
  try {
    document = json::parse(in);
  } catch (const json::parse_error& e) {
    throw ScenarioError(fmt::format("{}: {}", path.string(), e.what()));
  }
  Scenario scenario;
  try {
    scenario = ParseScenario(document, std::filesystem::absolute(path).parent_path());
  } catch (const ScenarioError& e) {
    throw ScenarioError(fmt::format("{}: {}", path.string(), e.what()));
  }
  // Fail at start-up rather than in the middle of a backup request.
  const std::filesystem::path& replay = scenario.content.replay_backup;
  if (!replay.empty() && !std::filesystem::is_regular_file(replay / "Manifest.db")) {
    throw ScenarioError(fmt::format("{}: content.replay_backup: no Manifest.db in {}", path.string(),
                                    replay.string()));
  }
  return scenario;
}

}  // namespace mfx::extract::emulator
