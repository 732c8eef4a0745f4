#include "extract/emulator/mobilebackup2_service.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "extract/emulator/backup_content.h"
#include "extract/emulator/byte_order.h"
#include "extract/emulator/emulator.h"
#include "extract/emulator/framing.h"
#include "extract/emulator/log.h"

namespace mfx::extract::emulator {
namespace {

using nlohmann::ordered_json;

constexpr const char* kEmptyParameter = "___EmptyParameterString___";

// File stream block codes (DEVICE.md §6).
constexpr uint8_t kCodeSuccess = 0x00;
constexpr uint8_t kCodeLocalError = 0x06;
constexpr uint8_t kCodeRemoteError = 0x0B;
constexpr uint8_t kCodeFileData = 0x0C;

constexpr size_t kMovesPerMessage = 1000;

// MBErrorDomain descriptions as reported from real devices (DEVICE.md §6, reported).
std::string DefaultErrorDescription(int64_t code) {
  switch (code) {
    case 104:
      return "Multiple errors uploading files (MBErrorDomain/104)";
    case 105:
      return "Insufficient free disk space on drive to back up (MBErrorDomain/105)";
    case 205:
      return "Error reading backup properties (MBErrorDomain/205)";
    case 207:
      return "Invalid password (MBErrorDomain/207)";
    case 208:
      return "Device locked (MBErrorDomain/208)";
    default:
      return fmt::format("Error (MBErrorDomain/{})", code);
  }
}

struct StatusResponse {
  int64_t code = 0;
  std::string text;
  PlistPtr payload;
};

// Raised inside the backup flow when the attempt ends early but the connection stays usable
// (for example the passcode prompt timed out): the final ProcessMessage has been sent.
struct AttemptEnded {
  ordered_json outcome;
};

struct UploadItem {
  SentFile meta;
  const BackupFile* file = nullptr;             // content file (streamed), or
  const std::vector<uint8_t>* bytes = nullptr;  // metadata / malicious bytes
  size_t content_index = 0;                     // index among content files (end_marker_error)
};

class Mobilebackup2Connection {
 public:
  Mobilebackup2Connection(Emulator& emulator, Channel& channel)
      : emulator_(emulator),
        device_(emulator.device()),
        scenario_(emulator.scenario()),
        faults_(scenario_.faults),
        channel_(channel) {}

  void Serve() {
    if (!VersionExchange()) return;
    while (!emulator_.stopping()) {
      auto [message, name] = ReceiveDl();
      if (name == "DLMessageDisconnect") {
        Log("mobilebackup2", "host sent DLMessageDisconnect");
        return;
      }
      if (name != "DLMessageProcessMessage") {
        Log("mobilebackup2", "unexpected {} outside an operation: ignored", name);
        continue;
      }
      plist_t body = plist_array_get_item(message.get(), 1);
      const std::string request = GetString(body, "MessageName").value_or("");
      Log("mobilebackup2", "request {}", request);
      if (request == "Hello") {
        Hello(body);
      } else if (request == "Backup") {
        Backup(body);
      } else if (request == "ChangePassword") {
        ChangePassword(body);
      } else if (request == "Info" || request == "List") {
        SendProcessMessage(
            0, "", fmt::format("mfx emulator: {} is not emulated beyond this reply\n", request));
      } else if (request == "Restore" || request == "Unback" || request == "EnableCloudBackup") {
        LogLoud("mobilebackup2",
                fmt::format("REFUSED {}: a forensic acquisition must never send it", request));
        emulator_.record().AddForbiddenRequest(request);
        SendProcessMessage(
            1, fmt::format("{} refused by the mfx device emulator (MBErrorDomain/1)", request));
      } else {
        SendProcessMessage(1, fmt::format("Unknown request {} (MBErrorDomain/1)", request));
      }
    }
  }

 private:
  // --- DeviceLink framing -------------------------------------------------------------------

  void SendDl(PlistPtr array) {
    SendPlistFrame(channel_, static_cast<plist_t>(array.get()), PlistFormat::kBinary);
  }

  std::pair<PlistPtr, std::string> ReceiveDl(int timeout_ms = -1) {
    std::optional<PlistPtr> frame = ReceivePlistFrame(channel_, timeout_ms);
    if (!frame) return {nullptr, ""};
    plist_t node = frame->get();
    std::string name;
    if (plist_get_node_type(node) == PLIST_ARRAY && plist_array_get_size(node) > 0) {
      name = StringValue(plist_array_get_item(node, 0)).value_or("");
    }
    if (name.size() < 9 || name.compare(0, 2, "DL") != 0) {
      throw ConnectionClosed("host sent a message that is not a DeviceLink message");
    }
    return {std::move(*frame), name};
  }

  static PlistPtr DlMessage(const char* name) {
    PlistPtr array = NewArray();
    Append(array.get(), NewString(name));
    return array;
  }

  // Waits for the host's DLMessageStatusResponse to the command just sent.
  StatusResponse AwaitStatus(const std::string& what, int timeout_ms = -1) {
    auto [message, name] = ReceiveDl(timeout_ms);
    if (!message) throw ConnectionClosed("timeout");
    if (name == "DLMessageDisconnect") throw ConnectionClosed("host disconnected during " + what);
    if (name != "DLMessageStatusResponse") {
      throw ConnectionClosed(fmt::format("expected a status response to {}, got {}", what, name));
    }
    StatusResponse status;
    // The code is an unsigned plist integer even when negative (DEVICE.md §6).
    status.code =
        static_cast<int64_t>(UintValue(plist_array_get_item(message.get(), 1)).value_or(0));
    status.text = StringValue(plist_array_get_item(message.get(), 2)).value_or("");
    if (status.text == kEmptyParameter) status.text.clear();
    plist_t payload = plist_array_get_item(message.get(), 3);
    if (payload != nullptr && StringValue(payload).value_or("") != kEmptyParameter) {
      status.payload = Copy(payload);
    }
    Log("mobilebackup2", "  status for {}: {}{}", what, status.code,
        status.text.empty() ? "" : " " + status.text);
    return status;
  }

  void SendProcessMessage(int64_t code, const std::string& description,
                          const std::string& content = "") {
    PlistPtr array = DlMessage("DLMessageProcessMessage");
    PlistPtr body = NewDict();
    Set(body.get(), "ErrorCode", NewSignedAsUint(code));
    if (!description.empty()) Set(body.get(), "ErrorDescription", NewString(description));
    if (!content.empty()) Set(body.get(), "Content", NewString(content));
    Set(body.get(), "MessageName", NewString("Response"));
    Append(array.get(), std::move(body));
    Log("mobilebackup2", "ProcessMessage ErrorCode {}{}", code,
        description.empty() ? "" : " " + description);
    SendDl(std::move(array));
  }

  void WriteBe32(uint32_t value) {
    std::vector<uint8_t> bytes;
    AppendBe32(bytes, value);
    channel_.WriteAll(bytes);
  }

  void WriteName(const std::string& name) {
    std::vector<uint8_t> bytes;
    AppendBe32(bytes, static_cast<uint32_t>(name.size()));
    bytes.insert(bytes.end(), name.begin(), name.end());
    channel_.WriteAll(bytes);
  }

  void WriteCode(uint8_t code, const std::string& text) {
    std::vector<uint8_t> bytes;
    AppendBe32(bytes, static_cast<uint32_t>(text.size() + 1));
    bytes.push_back(code);
    bytes.insert(bytes.end(), text.begin(), text.end());
    channel_.WriteAll(bytes);
  }

  uint32_t ReadBe32Value() {
    uint8_t bytes[4];
    channel_.ReadExact(bytes, sizeof(bytes));
    return ReadBe32(bytes);
  }

  bool SleepUnlessStopping(int ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
      if (emulator_.stopping()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  // --- Handshake ------------------------------------------------------------------------------

  bool VersionExchange() {
    const ProtocolSpec& protocol = scenario_.protocol;
    PlistPtr exchange = DlMessage("DLMessageVersionExchange");
    Append(exchange.get(), NewUint(protocol.dl_version_major));
    Append(exchange.get(), NewUint(protocol.dl_version_minor));
    SendDl(std::move(exchange));
    auto [reply, name] = ReceiveDl();
    const std::string verdict = name == "DLMessageVersionExchange"
                                    ? StringValue(plist_array_get_item(reply.get(), 1)).value_or("")
                                    : name;
    emulator_.record().AddEvent("dl_version_exchange",
                                {{"offered", protocol.dl_version_major}, {"host", verdict}});
    if (verdict != "DLVersionsOk") {
      Log("mobilebackup2", "host rejected DL version {}: {}", protocol.dl_version_major, verdict);
      return false;
    }
    Log("mobilebackup2", "DL version {}.{} accepted (host major {})", protocol.dl_version_major,
        protocol.dl_version_minor, UintValue(plist_array_get_item(reply.get(), 2)).value_or(0));
    SendDl(DlMessage("DLMessageDeviceReady"));
    return true;
  }

  void Hello(plist_t body) {
    const double ours = scenario_.protocol.protocol_version;
    double chosen = 0;
    plist_t versions = plist_dict_get_item(body, "SupportedProtocolVersions");
    for (uint32_t i = 0; versions != nullptr && i < plist_array_get_size(versions); ++i) {
      double version = 0;
      plist_get_real_val(plist_array_get_item(versions, i), &version);
      if (version <= ours + 1e-9) chosen = std::max(chosen, version);
    }
    PlistPtr array = DlMessage("DLMessageProcessMessage");
    PlistPtr reply = NewDict();
    Set(reply.get(), "ErrorCode", NewUint(chosen > 0 ? 0 : 1));
    Set(reply.get(), "MessageName", NewString("Response"));
    if (chosen > 0) Set(reply.get(), "ProtocolVersion", NewReal(chosen));
    Append(array.get(), std::move(reply));
    SendDl(std::move(array));
  }

  void ChangePassword(plist_t body) {
    std::optional<SecretString> old_password;
    std::optional<SecretString> new_password;
    if (auto value = GetString(body, "OldPassword")) old_password = SecretString(*value);
    if (auto value = GetString(body, "NewPassword")) new_password = SecretString(*value);
    const std::string error = device_.ChangePassword(old_password, new_password);
    if (error.empty()) {
      device_.RelayNotification("com.apple.mobile.backup.domain_changed");
      SendProcessMessage(0, "");
    } else if (error == "Incorrect backup password") {
      SendProcessMessage(207, DefaultErrorDescription(207));
    } else {
      SendProcessMessage(1, error + " (MBErrorDomain/1)");
    }
  }

  // --- Backup ---------------------------------------------------------------------------------

  void Backup(plist_t body) {
    target_ = GetString(body, "TargetIdentifier").value_or(device_.udid());
    const bool encrypted = device_.WillEncrypt();
    attempt_ = emulator_.record().BeginBackup("Backup", encrypted);
    uploaded_content_bytes_ = 0;
    uploaded_total_bytes_ = 0;
    emulator_.record().AddEvent(
        "backup_request",
        {{"attempt", attempt_},
         {"target", target_},
         {"source", GetString(body, "SourceIdentifier").value_or("")},
         {"force_full",
          GetBool(plist_dict_get_item(body, "Options"), "ForceFullBackup").value_or(false)}});
    try {
      content_ = std::make_unique<BackupContent>(scenario_, device_, emulator_.WorkDir(), encrypted,
                                                 device_.BackupPassword());
      if (encrypted) emulator_.record().SetEncryptionInfo(content_->EncryptionInfo());
      RunBackup();
    } catch (const AttemptEnded& ended) {
      emulator_.record().EndBackup(attempt_, ended.outcome);
    } catch (const ConnectionClosed& e) {
      emulator_.record().EndBackup(attempt_, {{"result", "aborted"}, {"reason", e.what()}});
      throw;
    } catch (const std::exception& e) {
      LogLoud("mobilebackup2", fmt::format("backup content failed: {}", e.what()));
      SendProcessMessage(1, fmt::format("Emulator error: {} (MBErrorDomain/1)", e.what()));
      emulator_.record().EndBackup(attempt_,
                                   {{"result", "error"}, {"error_code", 1}, {"reason", e.what()}});
    }
    content_.reset();
  }

  double Progress() const {
    if (total_bytes_ == 0) return 0;
    return std::min(100.0, 100.0 * static_cast<double>(uploaded_total_bytes_) /
                               static_cast<double>(total_bytes_));
  }

  void RunBackup() {
    const std::string& t = target_;
    total_bytes_ = content_->manifest_db().size() + content_->manifest_plist().size();
    for (const BackupFile& file : content_->files()) total_bytes_ += file.sent_size;

    if (faults_.start_delay_ms > 0 && device_.FireOnce("start_delay_ms")) {
      emulator_.record().AddFault("start_delay_ms", attempt_,
                                  {{"delay_ms", faults_.start_delay_ms}});
      Log("mobilebackup2", "fault: slow start, silent for {} ms", faults_.start_delay_ms);
      if (!SleepUnlessStopping(faults_.start_delay_ms)) throw ConnectionClosed("stopping");
    }
    if (faults_.passcode_prompt && device_.FireOnce("passcode_prompt")) PasscodePrompt();

    // 1. Incremental probe: the previous Status.plist (a first backup gets ENOENT).
    DownloadFiles({t + "/Status.plist"}, 0);

    // 2. Free space and the state of the backup folder.
    SendDl(DlMessage("DLMessageGetFreeDiskSpace"));
    const StatusResponse space = AwaitStatus("GetFreeDiskSpace");
    const uint64_t free_bytes = UintValue(static_cast<plist_t>(space.payload.get())).value_or(0);
    emulator_.record().AddEvent("host_free_disk_space",
                                {{"bytes", free_bytes}, {"code", space.code}});
    {
      PlistPtr list = DlMessage("DLContentsOfDirectory");
      Append(list.get(), NewString(t));
      SendDl(std::move(list));
      const StatusResponse listing = AwaitStatus("ContentsOfDirectory");
      std::vector<std::string> names;
      plist_t dict = static_cast<plist_t>(listing.payload.get());
      if (dict != nullptr && plist_get_node_type(dict) == PLIST_DICT) {
        names = DictKeys(dict);
      }
      Log("mobilebackup2", "  {} holds {} entries", t, names.size());
      emulator_.record().AddEvent("host_directory_listing", {{"path", t}, {"names", names}});
    }
    if (free_bytes < total_bytes_) {
      SendProcessMessage(105, DefaultErrorDescription(105));
      throw AttemptEnded{{{"result", "error"},
                          {"error_code", 105},
                          {"reason", "host reports too little free space"}}};
    }
    if (faults_.purge_disk_space_bytes && device_.FireOnce("purge_disk_space")) PurgeDiskSpace();

    // 3. Folders: Snapshot staging and final two-hex-digit folders (the host renames into them).
    std::set<std::string> prefixes;
    for (const BackupFile& file : content_->files()) prefixes.insert(file.file_id.substr(0, 2));
    CreateDirectory(t + "/Snapshot");
    for (const std::string& prefix : prefixes) {
      CreateDirectory(t + "/Snapshot/" + prefix);
      CreateDirectory(t + "/" + prefix);
    }

    // 4. Status.plist while the snapshot is being written.
    const std::vector<uint8_t> status_uploading = content_->StatusPlist("uploading");
    UploadItem status_item = MetadataItem("status_plist", t + "/Status.plist", status_uploading);
    UploadBatch({&status_item}, false);

    // 5. The files, in batches; malicious destinations ride in the last batch.
    std::vector<UploadItem> items;
    for (size_t i = 0; i < content_->files().size(); ++i) {
      const BackupFile& file = content_->files()[i];
      UploadItem item;
      item.file = &file;
      item.content_index = i;
      item.meta.kind = "content";
      item.meta.domain = file.domain;
      item.meta.relative_path = file.relative_path;
      item.meta.file_id = file.file_id;
      item.meta.device_path = file.device_path;
      item.meta.destination = t + "/Snapshot/" + file.file_id.substr(0, 2) + "/" + file.file_id;
      item.meta.size = file.sent_size;
      item.meta.encrypted = content_->encrypted();
      item.meta.plaintext_size = file.plaintext_size;
      items.push_back(std::move(item));
    }
    for (const MaliciousFileSpec& malicious : faults_.malicious_paths) {
      UploadItem item = MetadataItem("malicious", malicious.destination, malicious.bytes);
      item.meta.device_path = "/private/var/mobile/Media/malicious";
      items.push_back(std::move(item));
    }
    if (!faults_.malicious_paths.empty()) {
      emulator_.record().AddFault("malicious_paths", attempt_,
                                  {{"count", faults_.malicious_paths.size()}});
    }
    const size_t batch_files = scenario_.protocol.batch_files;
    for (size_t start = 0; start < items.size(); start += batch_files) {
      std::vector<UploadItem*> batch;
      for (size_t i = start; i < std::min(items.size(), start + batch_files); ++i)
        batch.push_back(&items[i]);
      UploadBatch(batch, true);
    }

    // 6. Manifest.db and Manifest.plist into the snapshot.
    UploadItem db_item =
        MetadataItem("manifest_db", t + "/Snapshot/Manifest.db", content_->manifest_db());
    UploadItem plist_item =
        MetadataItem("manifest_plist", t + "/Snapshot/Manifest.plist", content_->manifest_plist());
    UploadBatch({&db_item, &plist_item}, false);

    // 7. Snapshot -> final places, then the snapshot folder goes.
    std::vector<std::pair<std::string, std::string>> moves;
    for (const UploadItem& item : items) {
      // Files that ended with an error marker are in the manifest and are moved like the rest;
      // only files never (fully) started stay out.
      if (item.file == nullptr ||
          (item.meta.status != "complete" && item.meta.status != "remote_error")) {
        continue;
      }
      moves.emplace_back(item.meta.destination,
                         t + "/" + item.file->file_id.substr(0, 2) + "/" + item.file->file_id);
    }
    moves.emplace_back(db_item.meta.destination, t + "/Manifest.db");
    moves.emplace_back(plist_item.meta.destination, t + "/Manifest.plist");
    for (size_t start = 0; start < moves.size(); start += kMovesPerMessage) {
      PlistPtr array = DlMessage("DLMessageMoveItems");
      PlistPtr dict = NewDict();
      const size_t end = std::min(moves.size(), start + kMovesPerMessage);
      for (size_t i = start; i < end; ++i)
        Set(dict.get(), moves[i].first, NewString(moves[i].second));
      Append(array.get(), std::move(dict));
      Append(array.get(), NewDict());
      Append(array.get(), NewReal(Progress()));
      SendDl(std::move(array));
      const StatusResponse moved = AwaitStatus("MoveItems");
      if (moved.code == 0) {
        for (size_t i = start; i < end; ++i)
          emulator_.record().SetFinalPath(attempt_, moves[i].first, moves[i].second);
      }
    }
    {
      PlistPtr array = DlMessage("DLMessageRemoveItems");
      PlistPtr paths = NewArray();
      Append(paths.get(), NewString(t + "/Snapshot"));
      Append(array.get(), std::move(paths));
      Append(array.get(), NewDict());
      Append(array.get(), NewReal(Progress()));
      SendDl(std::move(array));
      AwaitStatus("RemoveItems");
    }

    // 8. The final Status.plist, then read back what the host stored.
    const std::vector<uint8_t> status_finished = content_->StatusPlist("finished");
    UploadItem final_status = MetadataItem("status_plist", t + "/Status.plist", status_finished);
    UploadBatch({&final_status}, false);
    emulator_.record().SetFinalPath(attempt_, final_status.meta.destination,
                                    final_status.meta.destination);

    const std::vector<std::string> readback = {t + "/Status.plist", t + "/Manifest.plist",
                                               t + "/Manifest.db"};
    const std::map<std::string, std::vector<uint8_t>> expected = {
        {readback[0], status_finished},
        {readback[1], content_->manifest_plist()},
        {readback[2], content_->manifest_db()}};
    const std::map<std::string, std::optional<std::vector<uint8_t>>> got =
        DownloadFiles(readback, 100.0);
    bool readback_ok = true;
    std::vector<std::string> mismatches;
    for (const auto& [path, bytes] : expected) {
      const auto it = got.find(path);
      if (it == got.end() || !it->second || *it->second != bytes) {
        readback_ok = false;
        mismatches.push_back(path);
      }
    }
    if (!readback_ok) Log("mobilebackup2", "read-back mismatch: {}", fmt::join(mismatches, ", "));

    // 9. The end.
    int64_t code = 0;
    std::string description;
    if (!readback_ok) {
      code = 205;
      description = DefaultErrorDescription(205);
    }
    if (faults_.error_code && device_.FireOnce("error_code")) {
      code = *faults_.error_code;
      description = faults_.error_description.empty() ? DefaultErrorDescription(code)
                                                      : faults_.error_description;
      emulator_.record().AddFault("error_code", attempt_, {{"code", code}});
    }
    SendProcessMessage(code, description);
    emulator_.record().EndBackup(attempt_, {{"result", code == 0 ? "success" : "error"},
                                            {"error_code", code},
                                            {"readback_ok", readback_ok},
                                            {"readback_mismatches", mismatches},
                                            {"content_files", content_->files().size()},
                                            {"content_bytes", uploaded_content_bytes_}});
  }

  void PasscodePrompt() {
    const PasscodePromptSpec& prompt = *faults_.passcode_prompt;
    emulator_.record().AddFault(
        "passcode_prompt", attempt_,
        {{"outcome",
          prompt.outcome == PasscodePromptSpec::Outcome::kDismissed ? "dismissed" : "timeout"},
         {"delay_ms", prompt.delay_ms}});
    device_.RelayNotification("com.apple.LocalAuthentication.ui.presented");
    if (!SleepUnlessStopping(prompt.delay_ms)) throw ConnectionClosed("stopping");
    if (prompt.outcome == PasscodePromptSpec::Outcome::kTimeout) {
      SendProcessMessage(208, DefaultErrorDescription(208));
      throw AttemptEnded{
          {{"result", "error"}, {"error_code", 208}, {"reason", "passcode not entered"}}};
    }
    device_.RelayNotification("com.apple.LocalAuthentication.ui.dismissed");
  }

  void PurgeDiskSpace() {
    PlistPtr array = DlMessage("DLMessagePurgeDiskSpace");
    Append(array.get(), NewUint(*faults_.purge_disk_space_bytes));
    SendDl(std::move(array));
    emulator_.record().AddFault("purge_disk_space", attempt_,
                                {{"bytes", *faults_.purge_disk_space_bytes}});
    Log("mobilebackup2", "fault: PurgeDiskSpace sent; 1.3.0 never answers it");
    auto [message, name] = ReceiveDl(faults_.purge_wait_ms);
    if (!message) {
      emulator_.record().AddEvent("purge_disk_space_unanswered",
                                  {{"waited_ms", faults_.purge_wait_ms}});
      return;
    }
    if (name != "DLMessageStatusResponse")
      throw ConnectionClosed("unexpected answer to PurgeDiskSpace: " + name);
    const int64_t code =
        static_cast<int64_t>(UintValue(plist_array_get_item(message.get(), 1)).value_or(0));
    emulator_.record().AddEvent("purge_disk_space_answered", {{"code", code}});
  }

  void CreateDirectory(const std::string& path) {
    PlistPtr array = DlMessage("DLMessageCreateDirectory");
    Append(array.get(), NewString(path));
    SendDl(std::move(array));
    AwaitStatus("CreateDirectory " + path);
  }

  // DLMessageDownloadFiles: the host sends each file; nullopt for a file it reported as an error.
  std::map<std::string, std::optional<std::vector<uint8_t>>> DownloadFiles(
      const std::vector<std::string>& paths, double progress) {
    PlistPtr array = DlMessage("DLMessageDownloadFiles");
    PlistPtr list = NewArray();
    for (const std::string& path : paths) Append(list.get(), NewString(path));
    Append(array.get(), std::move(list));
    Append(array.get(), NewDict());
    Append(array.get(), NewReal(progress));
    SendDl(std::move(array));
    std::map<std::string, std::optional<std::vector<uint8_t>>> files;
    while (true) {
      const uint32_t name_length = ReadBe32Value();
      if (name_length == 0) break;
      if (name_length > 65536) throw ConnectionClosed("host sent an absurd file name length");
      std::string name(name_length, '\0');
      channel_.ReadExact(reinterpret_cast<uint8_t*>(name.data()), name.size());
      std::vector<uint8_t> data;
      bool ok = true;
      std::string error;
      while (true) {
        const uint32_t length = ReadBe32Value();
        if (length == 0) throw ConnectionClosed("zero-length block in a host file stream");
        uint8_t code = 0;
        channel_.ReadExact(&code, 1);
        std::vector<uint8_t> payload(length - 1);
        channel_.ReadExact(payload.data(), payload.size());
        if (code == kCodeFileData) {
          data.insert(data.end(), payload.begin(), payload.end());
          continue;
        }
        if (code != kCodeSuccess) {
          ok = false;
          error = std::string(payload.begin(), payload.end());
        }
        break;
      }
      Log("mobilebackup2", "  host sent {}: {}", name,
          ok ? fmt::format("{} bytes", data.size()) : "error " + error);
      files[name] = ok ? std::optional<std::vector<uint8_t>>(std::move(data)) : std::nullopt;
    }
    AwaitStatus("DownloadFiles");
    return files;
  }

  UploadItem MetadataItem(const std::string& kind, const std::string& destination,
                          const std::vector<uint8_t>& bytes) {
    UploadItem item;
    item.bytes = &bytes;
    item.meta.kind = kind;
    item.meta.device_path =
        "/private/var/mobile/Library/Backup/" + destination.substr(destination.rfind('/') + 1);
    item.meta.destination = destination;
    item.meta.size = bytes.size();
    return item;
  }

  // Sends one DLMessageUploadFiles batch and waits for the host's status.
  void UploadBatch(const std::vector<UploadItem*>& batch, bool content_batch) {
    uint64_t batch_bytes = 0;
    for (const UploadItem* item : batch) batch_bytes += item->meta.size;
    PlistPtr array = DlMessage("DLMessageUploadFiles");
    Append(array.get(), NewDict());
    Append(array.get(), NewReal(Progress()));
    Append(array.get(), NewUint(batch_bytes));
    SendDl(std::move(array));
    for (UploadItem* item : batch) {
      UploadOne(*item, content_batch && item->file != nullptr);
      emulator_.record().AddFile(attempt_, item->meta);
    }
    WriteBe32(0);
    const StatusResponse status = AwaitStatus(fmt::format("UploadFiles ({} files)", batch.size()));
    if (status.code != 0) {
      emulator_.record().AddEvent(
          "upload_batch_error",
          {{"attempt", attempt_}, {"code", status.code}, {"text", status.text}});
    }
  }

  // The next content-byte count at which a scripted fault fires, if any is pending.
  std::optional<std::pair<uint64_t, std::string>> NextThreshold() const {
    std::optional<std::pair<uint64_t, std::string>> next;
    auto consider = [&](const std::optional<uint64_t>& at, const char* name) {
      if (at && !device_.HasFired(name) && (!next || *at < next->first)) {
        next = std::make_pair(*at, std::string(name));
      }
    };
    consider(faults_.drop_after_bytes, "drop_after_bytes");
    consider(faults_.stall_after_bytes, "stall_after_bytes");
    consider(faults_.detach_after_bytes, "detach_after_bytes");
    consider(faults_.sync_cancel_after_bytes, "sync_cancel_after_bytes");
    return next;
  }

  void UploadOne(UploadItem& item, bool is_content) {
    WriteName(item.meta.device_path);
    WriteName(item.meta.destination);
    std::unique_ptr<ByteStream> stream =
        item.file != nullptr ? content_->Open(*item.file) : nullptr;
    size_t memory_offset = 0;
    Digest sent_digest;
    // Bytes in blocks that went out whole: over TLS, libimobiledevice 1.3.0 drops a block it
    // could not read completely (idevice_connection_receive_timeout returns nothing on a short
    // read), so this is what a 1.3.0 host keeps of a file cut mid-block.
    Digest whole_blocks_digest;
    uint64_t whole_blocks_bytes = 0;
    uint64_t sent = 0;
    const uint32_t block_size = scenario_.protocol.block_size;
    std::vector<uint8_t> block(block_size);

    std::optional<uint64_t> error_marker_at;
    if (is_content && faults_.end_marker_error &&
        faults_.end_marker_error->file_index == item.content_index &&
        device_.FireOnce("end_marker_error")) {
      error_marker_at = faults_.end_marker_error->after_bytes;
    }

    std::string triggered;
    while (true) {
      size_t n = 0;
      if (stream) {
        // Fill a whole block where possible (streams may return short reads).
        while (n < block_size) {
          const size_t got = stream->Read(block.data() + n, block_size - n);
          if (got == 0) break;
          n += got;
        }
      } else {
        n = std::min<size_t>(block_size, item.bytes->size() - memory_offset);
        std::copy_n(item.bytes->data() + memory_offset, n, block.data());
        memory_offset += n;
      }
      if (n == 0) break;
      size_t send = n;
      if (error_marker_at && sent + send > *error_marker_at)
        send = static_cast<size_t>(*error_marker_at - sent);
      size_t header_length = send;
      if (is_content) {
        if (auto next = NextThreshold(); next && uploaded_content_bytes_ + send >= next->first) {
          const size_t cut = static_cast<size_t>(next->first - uploaded_content_bytes_);
          if (next->second == "sync_cancel_after_bytes") {
            send = cut;
            header_length = send;
          } else {
            // A cable pull cuts mid-block: the header announces the whole block.
            send = cut;
          }
          triggered = next->second;
        }
      }
      if (send > 0 || header_length > 0) {
        std::vector<uint8_t> out;
        AppendBe32(out, static_cast<uint32_t>(header_length + 1));
        out.push_back(kCodeFileData);
        out.insert(out.end(), block.begin(), block.begin() + static_cast<long>(send));
        channel_.WriteAll(out);
        sent_digest.Update(std::span<const uint8_t>(block.data(), send));
        if (send == header_length) {
          whole_blocks_digest.Update(std::span<const uint8_t>(block.data(), send));
          whole_blocks_bytes += send;
        }
        sent += send;
        if (is_content) uploaded_content_bytes_ += send;
        uploaded_total_bytes_ += send;
      }
      if (!triggered.empty()) {
        if (device_.FireOnce(triggered)) {
          item.meta.status = "truncated";
          item.meta.bytes_sent = sent;
          item.meta.sha256 = sent_digest.FinishHex();
          item.meta.whole_blocks_bytes = whole_blocks_bytes;
          item.meta.whole_blocks_sha256 = whole_blocks_digest.FinishHex();
          emulator_.record().AddFile(attempt_, item.meta);
          emulator_.record().AddFault(triggered, attempt_,
                                      {{"at_bytes", uploaded_content_bytes_},
                                       {"file", item.meta.destination},
                                       {"file_bytes_sent", sent}});
          Interrupt(triggered);
        }
        triggered.clear();
      }
      if (error_marker_at && sent >= *error_marker_at) break;
    }

    if (error_marker_at) {
      const std::string& message = faults_.end_marker_error->message;
      WriteCode(kCodeRemoteError, message);
      item.meta.status = "remote_error";
      emulator_.record().AddFault(
          "end_marker_error", attempt_,
          {{"file", item.meta.destination}, {"after_bytes", sent}, {"message", message}});
    } else {
      WriteCode(kCodeSuccess, "");
      item.meta.status = "complete";
    }
    item.meta.bytes_sent = sent;
    item.meta.sha256 = sent_digest.FinishHex();
    if (stream && item.meta.encrypted) item.meta.plaintext_sha256 = stream->PlaintextSha256();
    if (stream && !item.meta.encrypted) item.meta.plaintext_sha256.clear();
  }

  [[noreturn]] void Interrupt(const std::string& fault) {
    Log("mobilebackup2", "fault {} at {} content bytes", fault, uploaded_content_bytes_);
    if (fault == "drop_after_bytes") {
      // Cable pull: the connection just ends.
      channel_.ShutdownSocket();
      throw ConnectionClosed("fault drop_after_bytes: connection cut");
    }
    if (fault == "sync_cancel_after_bytes") {
      // The user cancelled on the phone: the device tells the host (syncCancelRequest), gives a
      // polling host time to notice (libimobiledevice polls every 500 ms), then its backup agent
      // stops and the connection ends.
      device_.RelayNotification("com.apple.itunes-client.syncCancelRequest");
      SleepUnlessStopping(1500);
      channel_.ShutdownSocket();
      throw ConnectionClosed("fault sync_cancel_after_bytes: backup cancelled on the device");
    }
    if (fault == "detach_after_bytes") {
      emulator_.Detach("fault detach_after_bytes");
      throw ConnectionClosed("fault detach_after_bytes: device detached");
    }
    // stall_after_bytes: the socket stays open and nothing more is sent.
    while (!emulator_.stopping()) {
      if (channel_.WaitReadable(200) == Channel::WaitResult::kReadable) {
        uint8_t byte = 0;
        channel_.ReadExact(&byte, 1);
      }
    }
    throw ConnectionClosed("fault stall_after_bytes: stalled until shutdown");
  }

  Emulator& emulator_;
  DeviceState& device_;
  const Scenario& scenario_;
  const FaultSpec& faults_;
  Channel& channel_;
  std::string target_;
  int attempt_ = 0;
  std::unique_ptr<BackupContent> content_;
  uint64_t total_bytes_ = 0;
  uint64_t uploaded_total_bytes_ = 0;
  uint64_t uploaded_content_bytes_ = 0;
};

}  // namespace

void ServeMobilebackup2(Emulator& emulator, Channel& channel) {
  Mobilebackup2Connection connection(emulator, channel);
  connection.Serve();
}

}  // namespace mfx::extract::emulator
