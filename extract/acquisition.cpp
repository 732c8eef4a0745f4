#include "extract/acquisition.h"

#include <usbmuxd.h>

#include <algorithm>
#include <map>
#include <cctype>
#include <cstdlib>
#include <cstdio>
#include <thread>

#include "core/crypto.h"
#include "core/file_util.h"
#include "core/plist.h"
#include "core/time.h"
#include "extract/backup_connection.h"
#include "extract/backup_host.h"
#include "extract/device_errors.h"
#include "extract/device_services.h"
#include "extract/encryption_control.h"
#include "extract/pairing.h"
#include "extract/verification.h"
#include "mfx/version.h"

namespace mfx::extract {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

json HashRef(const std::string& of, const std::string& value) {
  return json{{"alg", "SHA-256"}, {"of", of}, {"value", value}};
}

int64_t Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string EncryptionName(EncryptionMode mode, bool will_encrypt) {
  switch (mode) {
    case EncryptionMode::kTemporary:
      return "temporary_password";
    case EncryptionMode::kOwnerPassword:
      return will_encrypt ? "owner_password" : "none";
    case EncryptionMode::kAsIs:
      return will_encrypt ? "owner_password_not_given" : "none";
  }
  return "none";
}

std::string CauseKind(BackupEnd end) {
  switch (end) {
    case BackupEnd::kFinished:
      return "device_error";
    case BackupEnd::kDeviceDisconnected:
      return "device_disconnected";
    case BackupEnd::kConnectionLost:
      return "connection_lost";
    case BackupEnd::kDetached:
      return "detached";
    case BackupEnd::kStalled:
      return "stall";
    case BackupEnd::kCancelledOnDevice:
      return "cancelled_on_device";
    case BackupEnd::kCancelledByExaminer:
      return "cancelled_by_examiner";
    case BackupEnd::kProtocolError:
      return "protocol_error";
    case BackupEnd::kLocalError:
      return "local_error";
  }
  return "unknown";
}

// What an MBErrorDomain code means for the examiner (reported codes, DEVICE.md §6).
std::string DeviceErrorAdvice(int64_t code) {
  switch (code) {
    case 104:
      return "the phone could not read some of its files";
    case 105:
      return "the phone thinks there is not enough free space on this computer";
    case 205:
      return "the phone's manifest does not match what the host stored";
    case 207:
      return "wrong backup password";
    case 208:
      return "the phone is locked or its passcode was not entered in time: ask the owner to "
             "unlock it and enter the passcode when asked, then run mfx acquire again";
    default:
      return "";
  }
}

class AcquisitionRun {
 public:
  AcquisitionRun(const ConsentRecord& consent, const AcquireOptions& options,
                 AcquisitionHooks& hooks)
      : consent_(consent), o_(options), hooks_(hooks) {
    if (o_.progress == nullptr) {
      own_progress_ = std::make_unique<AcquisitionProgress>(stderr, AcquisitionProgress::Mode::kQuiet);
      progress_ = own_progress_.get();
    } else {
      progress_ = o_.progress;
    }
  }

  Result<AcquireResult> Go();

 private:
  Status Event(std::string_view name, json detail, json extra = json::object()) {
    json fields = std::move(extra);
    if (!o_.evidence_id.empty()) {
      fields["evidence_id"] = o_.evidence_id;
      fields["root_evidence_id"] = o_.evidence_id;
    }
    if (!consent_.consent_id.empty() && consent_recorded_) fields["authority_ref"] = consent_.consent_id;
    fields["detail"] = std::move(detail);
    return hooks_.RecordEvent(name, std::move(fields));
  }

  // acquisition_failed + the result.
  Result<AcquireResult> Failed(AcquireStatus status, const std::string& stage,
                               const std::string& message, json more = json::object()) {
    result_.status = status;
    result_.message = message;
    json detail = {{"stage", stage}, {"reason", SanitizeUtf8(message)}, {"udid", udid_}};
    for (auto& [k, v] : more.items()) detail[k] = v;
    MFX_RETURN_IF_ERROR(Event("acquisition_failed", detail));
    return result_;
  }

  Result<bool> EnsureSession();
  void ReleaseDevice(std::string* lock_state);
  Result<bool> RemoveTemporaryPassword(BackupHost* live_host);

  const ConsentRecord& consent_;
  const AcquireOptions& o_;
  AcquisitionHooks& hooks_;
  std::unique_ptr<AcquisitionProgress> own_progress_;
  AcquisitionProgress* progress_ = nullptr;
  AcquireResult result_;
  std::string udid_;
  bool consent_recorded_ = false;
  IdevicePtr device_;
  std::optional<LockdownSession> session_;
  std::optional<core::SecretBytes> temporary_;
  DeviceSignals signals_;
  std::unique_ptr<NotificationWatcher> notifications_;
  std::unique_ptr<MuxEventWatcher> mux_events_;
  std::unique_ptr<SyncLock> sync_lock_;
  std::unique_ptr<AttemptWriter> writer_;
};

// Step 3: a trusted lockdown session, pairing (after consent) when needed.
Result<bool> AcquisitionRun::EnsureSession() {
  MFX_ASSIGN_OR_RETURN(PairRecordInfo record, ReadPairRecordInfo(udid_));
  PairingOptions pairing;
  pairing.poll_interval = o_.pair_poll;
  pairing.timeout = o_.pair_timeout;
  pairing.evidence_id = o_.evidence_id;
  pairing.authority = consent_.consent_id;
  auto pair = [&]() -> Result<bool> {
    MFX_ASSIGN_OR_RETURN(PairingResult paired, RunPairing(device_.get(), udid_, pairing, hooks_));
    if (paired.outcome != PairingOutcome::kTrusted) {
      MFX_RETURN_IF_ERROR(Failed(paired.outcome == PairingOutcome::kDenied ? AcquireStatus::kRefused
                                                                           : AcquireStatus::kFailed,
                                 "pairing", paired.message,
                                 {{"pairing_outcome", std::string(PairingOutcomeName(paired.outcome))},
                                  {"polls", paired.polls}}));
      return false;
    }
    return true;
  };
  bool paired_now = false;
  if (!record.exists) {
    hooks_.Tell(Notice::kInfo, "This computer is not paired with the phone: asking it to trust us.");
    MFX_ASSIGN_OR_RETURN(bool ok, pair());
    if (!ok) return false;
    paired_now = true;
  }
  lockdownd_error_t code = LOCKDOWN_E_SUCCESS;
  auto session = LockdownSession::Open(device_.get(), udid_, &code);
  if (!session && code == LOCKDOWN_E_INVALID_HOST_ID) {
    const std::string stale =
        "the phone no longer trusts this computer's pair record (InvalidHostID: it was reset, or "
        "the owner chose \"Reset Location & Privacy\" / untrusted this computer)";
    MFX_RETURN_IF_ERROR(Event("pairing", {{"action", "validate"},
                                          {"outcome", "error"},
                                          {"udid", udid_},
                                          {"reason", "stale pair record (InvalidHostID)"},
                                          {"re_pair", o_.re_pair}}));
    if (!o_.re_pair) {
      hooks_.Tell(Notice::kWarning,
                  "The pair record is stale: " + stale +
                      ". Pairing again shows \"Trust This Computer?\" on the phone, a new consent "
                      "step: if the consent covers it, run mfx acquire again with --re-pair.");
      MFX_RETURN_IF_ERROR(Failed(AcquireStatus::kFailed, "pairing",
                                 "stale pair record: " + stale + "; run again with --re-pair",
                                 {{"pairing_outcome", "stale_record"}}));
      return false;
    }
    hooks_.Tell(Notice::kInfo, "The pair record is stale: deleting this computer's copy and pairing again.");
    if (const int rc = usbmuxd_delete_pair_record(udid_.c_str()); rc < 0) {
      MFX_RETURN_IF_ERROR(Failed(AcquireStatus::kFailed, "pairing",
                                 UsbmuxdError(rc, "deleting the stale pair record").message));
      return false;
    }
    MFX_ASSIGN_OR_RETURN(bool ok, pair());
    if (!ok) return false;
    paired_now = true;
    session = LockdownSession::Open(device_.get(), udid_, &code);
  }
  if (!session) {
    std::string message = session.error().message;
    if (code == LOCKDOWN_E_PASSWORD_PROTECTED) {
      message += " — ask the owner to unlock the phone, then run mfx acquire again";
    }
    if (code != LOCKDOWN_E_MISSING_PAIR_RECORD) {
      MFX_RETURN_IF_ERROR(Event("pairing", {{"action", "validate"},
                                            {"outcome", code == LOCKDOWN_E_PASSWORD_PROTECTED ? "locked" : "error"},
                                            {"udid", udid_},
                                            {"lockdown_error", LockdownErrorText(code)}}));
    }
    MFX_RETURN_IF_ERROR(Failed(AcquireStatus::kFailed, "session", message));
    return false;
  }
  if (!paired_now) {
    MFX_RETURN_IF_ERROR(Event("pairing", {{"action", "validate"},
                                          {"outcome", "trusted"},
                                          {"udid", udid_},
                                          {"reason", "existing pair record accepted by the phone "
                                                     "(StartSession); no new pairing"}}));
  }
  session_.emplace(std::move(*session));
  return true;
}

void AcquisitionRun::ReleaseDevice(std::string* lock_state) {
  // A passcode prompt still showing: its dismissal may be on its way (libimobiledevice polls
  // notifications every ~1.5 s); give it the time to arrive so the log says when it went.
  if (notifications_ && signals_.passcode_showing.load()) {
    const auto until = Clock::now() + std::chrono::milliseconds(2500);
    while (Clock::now() < until && signals_.passcode_showing.load() && !signals_.proxy_died.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::string problems;
  if (sync_lock_) {
    problems = sync_lock_->Release(notifications_.get());
    sync_lock_.reset();
    if (!problems.empty()) {
      // The connections may be gone with the phone: one short try on a fresh connection.
      if (auto device = OpenDevice(udid_); device) {
        if (auto session = LockdownSession::Open(device->get(), udid_); session) {
          DeviceSignals scratch;
          if (auto np = NotificationWatcher::Start(device->get(), *session, scratch); np) {
            if ((*np)->Post("com.apple.itunes-mobdev.syncDidFinish")) {
              problems += "; syncDidFinish posted on a new connection";
            }
          }
        }
      }
    }
    *lock_state = problems.empty() ? "released" : "release incomplete: " + problems;
  } else {
    *lock_state = "not held";
  }
  mux_events_.reset();
  notifications_.reset();
}

Result<bool> AcquisitionRun::RemoveTemporaryPassword(BackupHost* live_host) {
  const auto started = Clock::now();
  const auto deadline = started + o_.reconnect_timeout;
  int tries = 0;
  bool reconnected = false;
  bool told = false;
  std::string last_problem;
  bool removed = false;
  if (live_host != nullptr) {
    ++tries;
    const PasswordChange change = ChangeBackupPassword(*live_host, udid_, &*temporary_, nullptr);
    removed = change.ok;
    if (!change.ok) last_problem = "ChangePassword: error " + std::to_string(change.error_code) + " " + change.description;
  }
  while (!removed && Clock::now() < deadline) {
    auto connection = ConnectBackupService(udid_);
    if (!connection) {
      last_problem = connection.error().message;
      if (!told) {
        hooks_.Tell(Notice::kInstruction,
                    "The temporary backup password is still set on the phone. Reconnect the phone "
                    "(plug it in, unlock it) so mfx can remove it; waiting up to " +
                        std::to_string(Ms(o_.reconnect_timeout) / 1000) + " s…");
        told = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    reconnected = true;
    ++tries;
    DeviceSignals signals;
    BackupHostOptions options;
    options.stall_timeout = std::min<std::chrono::milliseconds>(o_.passcode_timeout, std::chrono::minutes(2));
    options.passcode_timeout = o_.passcode_timeout;
    BackupHost host(connection->client.get(), udid_, *writer_, signals, nullptr, options);
    const PasswordChange change = ChangeBackupPassword(host, udid_, &*temporary_, nullptr);
    if (change.ok) {
      removed = true;
      break;
    }
    last_problem = "ChangePassword: error " + std::to_string(change.error_code) + " " + change.description;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  // Read back what the phone says now.
  std::optional<bool> will_encrypt;
  if (auto read = ReadWillEncrypt(udid_); read) will_encrypt = *read;
  if (removed && will_encrypt.value_or(false)) {
    removed = false;
    last_problem = "the phone accepted the removal but still reports WillEncrypt = true";
  }
  if (!removed && will_encrypt && !*will_encrypt) {
    // The phone no longer encrypts (e.g. the first reply was lost): it is removed.
    removed = true;
  }
  json detail = {{"udid", udid_},
                 {"outcome", removed ? "removed" : "failed"},
                 {"tries", tries},
                 {"reconnected", reconnected},
                 {"elapsed_ms", Ms(Clock::now() - started)},
                 {"read_back_will_encrypt", will_encrypt ? json(*will_encrypt) : json()}};
  if (removed) {
    MFX_RETURN_IF_ERROR(Event(
        "temp_password_removed", detail,
        {{"changes",
          {{"what", "temporary backup password removed: the phone's backup encryption is off "
                    "again, as before the acquisition"},
           {"why", "revert step of the temporary password"},
           {"by", "mfx acquire"}}}}));
    hooks_.Tell(Notice::kInfo, "The temporary backup password was removed from the phone.");
  } else {
    detail["reason"] = SanitizeUtf8(last_problem);
    detail["what_to_do"] =
        "the phone still encrypts its backups with a temporary password that mfx no longer "
        "holds; the owner can clear it on the phone (Settings > General > Transfer or Reset "
        "iPhone > Reset > Reset All Settings); record this in the report";
    MFX_RETURN_IF_ERROR(Event("temp_password_removal_failed", detail));
    hooks_.Tell(Notice::kAlarm,
                "WARNING: THE TEMPORARY BACKUP PASSWORD COULD NOT BE REMOVED FROM THE PHONE (" +
                    SanitizeUtf8(last_problem) +
                    "). The phone will keep encrypting its backups with a password nobody knows "
                    "until the owner resets it (Settings > General > Transfer or Reset iPhone > "
                    "Reset > Reset All Settings). This is recorded in the custody log.");
  }
  return removed;
}

Result<AcquireResult> AcquisitionRun::Go() {
  const auto started = Clock::now();
  // Scope before anything: a temporary password needs the consent's explicit permission.
  if (o_.encryption == EncryptionMode::kTemporary && !consent_.temporary_backup_encryption) {
    return Failed(AcquireStatus::kRefused, "consent_scope",
                  "the consent record " + consent_.consent_id +
                      " does not allow a temporary backup password "
                      "(scope.temporary_backup_encryption is false)");
  }

  // 1. The device, touched only in ways that cannot pair or change it.
  auto udid = ResolveUdid(o_.udid);
  if (!udid) return Failed(AcquireStatus::kFailed, "device", udid.error().message);
  udid_ = *udid;
  result_.udid = udid_;
  auto device = OpenDevice(udid_);
  if (!device) return Failed(AcquireStatus::kFailed, "device", device.error().message);
  device_ = std::move(*device);
  PublicIdentity pub;
  {
    auto plain = PlainLockdown::Connect(device_.get());
    if (!plain) return Failed(AcquireStatus::kFailed, "device", plain.error().message);
    auto type = plain->QueryType();
    if (!type) return Failed(AcquireStatus::kFailed, "device", type.error().message);
    if (*type != "com.apple.mobile.lockdown") {
      return Failed(AcquireStatus::kFailed, "device",
                    "the device's lockdown service answers QueryType with '" + SanitizeUtf8(*type) + "'");
    }
    auto read = ReadPublicIdentity(*plain, udid_);
    if (!read) return Failed(AcquireStatus::kFailed, "device", read.error().message);
    pub = std::move(*read);
  }

  // 2. The consent gate, against what the phone says before any session.
  DeviceFacts facts;
  facts.udid = pub.udid;
  facts.product_type = pub.product_type;
  const DeviceComparison before = CompareDevice(consent_.device, facts);
  if (!before.ok()) {
    std::string list;
    for (const std::string& m : before.mismatched) list += "\n  " + m;
    hooks_.Tell(Notice::kWarning, "The consent form describes another device:" + list);
    return Failed(AcquireStatus::kRefused, "consent_check",
                  "the device on the consent form is not the attached phone: " + before.mismatched.front(),
                  {{"comparison", before.ToJson()}, {"public_identity", pub.ToJson()}});
  }
  MFX_RETURN_IF_ERROR(hooks_.RecordConsent(consent_));
  consent_recorded_ = true;

  // 3. Pairing / session.
  MFX_ASSIGN_OR_RETURN(bool have_session, EnsureSession());
  if (!have_session) return result_;

  // 4. Identity and clock, and the rest of the form.
  auto identity = ReadDeviceIdentity(*session_, udid_);
  if (!identity) return Failed(AcquireStatus::kFailed, "identity", identity.error().message);
  const DeviceIdentity& id = *identity;
  facts.serial_number = id.serial_number;
  facts.imei = id.imei;
  facts.imei2 = id.imei2;
  facts.meid = id.meid;
  facts.phone_number = id.phone_number;
  facts.product_type = id.pub.product_type;
  const DeviceComparison after = CompareDevice(consent_.device, facts);
  result_.identity = id.ToJson();
  json identified = id.ToJson();
  identified["consent_check"] = after.ToJson();
  MFX_RETURN_IF_ERROR(Event(
      "device_identified", identified,
      {{"item",
        {{"description", SanitizeUtf8("Apple " + id.pub.product_type.value_or("iOS device") + " \"" +
                                      id.pub.device_name.value_or("") + "\", UDID " + udid_)},
         {"state", id.password_protected.value_or(false) ? "passcode set" : "no passcode reported"},
         {"seal", nullptr}}}}));
  if (!after.ok()) {
    std::string list;
    for (const std::string& m : after.mismatched) list += "\n  " + m;
    hooks_.Tell(Notice::kWarning, "The consent form describes another device:" + list);
    return Failed(AcquireStatus::kRefused, "consent_check",
                  "the device on the consent form is not the attached phone: " + after.mismatched.front(),
                  {{"comparison", after.ToJson()}});
  }
  if (id.clock.device_seconds && std::llabs(id.clock.skew_ms) > 60000) {
    hooks_.Tell(Notice::kWarning, "The phone's clock differs from this computer's by " +
                                      std::to_string(id.clock.skew_ms / 1000) +
                                      " s (recorded; times in the evidence are not corrected).");
  }

  // 5. Encryption.
  const bool will_encrypt = id.will_encrypt.value_or(false);
  if (o_.encryption == EncryptionMode::kTemporary && will_encrypt) {
    return Failed(AcquireStatus::kFailed, "encryption",
                  "the phone already encrypts its backups with a password mfx does not know; it "
                  "cannot be changed from the computer: ask the owner for it and use "
                  "--password-file instead of --temp-password");
  }
  if (o_.encryption == EncryptionMode::kOwnerPassword && !will_encrypt) {
    hooks_.Tell(Notice::kWarning,
                "The phone does not encrypt its backups: the password given is not needed (the "
                "backup will hold less: no keychain, Health, call history or Safari history).");
  }
  if (o_.encryption == EncryptionMode::kAsIs && will_encrypt) {
    hooks_.Tell(Notice::kWarning,
                "The phone encrypts its backups with the owner's password: mfx analyze will need "
                "it (--password-file) to read the backup.");
  }

  // 6. Services and the attempt folder.
  signals_.notice = [this](const std::string& text) { progress_->Notice(text); };
  if (auto np = NotificationWatcher::Start(device_.get(), *session_, signals_); np) {
    notifications_ = std::move(*np);
  } else {
    hooks_.Tell(Notice::kWarning, "notification_proxy is not available (" + np.error().message +
                                      "): passcode prompts and cancels on the phone will not be "
                                      "seen");
  }
  if (auto events = MuxEventWatcher::Start(device_.get(), signals_); events) {
    mux_events_ = std::move(*events);
  }
  json lock_detail = json::object();
  json changes;
  if (notifications_) {
    auto lock = SyncLock::Acquire(device_.get(), *session_, *notifications_);
    if (!lock) {
      if (lock.error().message.find("busy") != std::string::npos) {
        std::string lock_state;
        ReleaseDevice(&lock_state);
        return Failed(AcquireStatus::kFailed, "sync_lock", lock.error().message);
      }
      hooks_.Tell(Notice::kWarning, "The phone's sync lock could not be taken (" +
                                        lock.error().message + "); going on without it.");
      lock_detail = {{"held", false}, {"problem", SanitizeUtf8(lock.error().message)}};
    } else {
      sync_lock_ = std::move(*lock);
      lock_detail = {{"held", true},
                     {"created_lock_file", sync_lock_->created_file()},
                     {"busy_polls", sync_lock_->busy_polls()}};
      if (sync_lock_->created_file()) {
        changes = {{"what", "created the sync lock file /com.apple.itunes.lock_sync on the phone "
                            "(AFC; it did not exist)"},
                   {"why", "a backup holds the phone's sync lock, as iTunes does"},
                   {"by", "mfx acquire"}};
      }
    }
  }
  double protocol_version = 0;
  lockdownd_error_t service_code = LOCKDOWN_E_SUCCESS;
  auto client = StartBackupService(device_.get(), *session_, &protocol_version, &service_code);
  if (!client) {
    std::string lock_state;
    ReleaseDevice(&lock_state);
    std::string message = client.error().message;
    if (service_code == LOCKDOWN_E_ESCROW_LOCKED) {
      message = "the phone refused the backup service (EscrowLocked): unlock the phone and run "
                "mfx acquire again; if it persists, the pair record's EscrowBag is missing or "
                "stale (re-pair after consent with --re-pair)";
      hooks_.Tell(Notice::kInstruction, message);
    }
    return Failed(AcquireStatus::kFailed, "backup_service", message,
                  {{"lockdown_error", LockdownErrorText(service_code)}, {"sync_lock", lock_state}});
  }
  Mobilebackup2Ptr mb = std::move(*client);
  // The session is not needed any more (iOS closes idle lockdown sessions anyway).
  session_.reset();

  MFX_ASSIGN_OR_RETURN(std::vector<AttemptSummary> earlier, ListAttempts(o_.evidence_dir));
  int attempt = 1;
  for (const AttemptSummary& a : earlier) attempt = std::max(attempt, a.attempt + 1);
  std::error_code ec;
  fs::create_directories(o_.evidence_dir, ec);
  result_.attempt_dir = o_.evidence_dir / ("attempt-" + std::to_string(attempt));
  if (!fs::create_directory(result_.attempt_dir, ec) || ec) {
    std::string lock_state;
    ReleaseDevice(&lock_state);
    return Failed(AcquireStatus::kFailed, "attempt_folder",
                  result_.attempt_dir.string() + ": cannot create (" +
                      (ec ? ec.message() : std::string("already exists")) + ")");
  }
  result_.attempt = attempt;
  result_.backup_dir = result_.attempt_dir / udid_;
  const std::string attempt_label =
      (o_.evidence_label.empty() ? o_.evidence_dir.filename().string() : o_.evidence_label) +
      "/attempt-" + std::to_string(attempt);
  Ledger ledger;
  ledger.evidence_id = o_.evidence_id;
  ledger.attempt = attempt;
  ledger.udid = udid_;
  ledger.full = o_.full;
  ledger.encrypted = will_encrypt || o_.encryption == EncryptionMode::kTemporary;
  AttemptWriterOptions writer_options;
  writer_options.hash = o_.hash;
  writer_options.observer = progress_;
  MFX_ASSIGN_OR_RETURN(writer_, AttemptWriter::Open(result_.attempt_dir, ledger, writer_options));

  BackupHostOptions host_options;
  host_options.full = o_.full;
  host_options.stall_timeout = o_.stall_timeout;
  host_options.passcode_timeout = o_.passcode_timeout;
  host_options.examiner_cancelled = [this] { return hooks_.Cancelled(); };
  auto host = std::make_unique<BackupHost>(mb.get(), udid_, *writer_, signals_, progress_, host_options);

  // 5b. The temporary password, now that a backup connection is up.
  bool temporary_set = false;
  if (o_.encryption == EncryptionMode::kTemporary) {
    MFX_ASSIGN_OR_RETURN(core::SecretBytes password, GenerateTemporaryPassword());
    temporary_ = std::move(password);
    hooks_.GuardSecret(*temporary_);
    hooks_.Tell(Notice::kInfo, "Setting a temporary backup password on the phone (the phone may "
                               "ask the owner for its passcode)…");
    const PasswordChange change = ChangeBackupPassword(*host, udid_, nullptr, &*temporary_);
    std::optional<bool> read_back;
    if (auto read = ReadWillEncrypt(udid_); read) read_back = *read;
    temporary_set = change.ok || read_back.value_or(false);
    json detail = {{"udid", udid_},
                   {"prior_encryption", false},
                   {"reason", "an encrypted backup includes the keychain, Health, call history "
                              "and Safari history; consent scope allows a temporary password"},
                   {"outcome", change.ok ? "set" : "failed"},
                   {"device_error_code", change.error_code},
                   {"device_message", SanitizeUtf8(change.description)},
                   {"read_back_will_encrypt", read_back ? json(*read_back) : json()}};
    json extra = json::object();
    if (temporary_set) {
      extra["changes"] = {{"what", "temporary backup password set on the phone (backup encryption on)"},
                          {"why", "to include protected data classes in the backup"},
                          {"by", "mfx acquire (random password held in memory only)"}};
    }
    MFX_RETURN_IF_ERROR(Event("temp_password_set", detail, extra));
    if (!change.ok) {
      writer_->ledger().status = "failed";
      writer_->ledger().cause = {{"kind", "encryption"}, {"message", SanitizeUtf8(change.description)}, {"error_code", change.error_code}};
      MFX_RETURN_IF_ERROR(writer_->Save());
      if (temporary_set) {
        MFX_ASSIGN_OR_RETURN(bool removed, RemoveTemporaryPassword(nullptr));
        result_.temporary_password_left = !removed;
      }
      std::string lock_state;
      ReleaseDevice(&lock_state);
      return Failed(AcquireStatus::kFailed, "encryption",
                    "the phone did not accept the temporary backup password: " + change.description,
                    {{"attempt", attempt}});
    }
  }

  // Info.plist is made by the host (DEVICE.md §6 step 7).
  if (auto info = writer_->WriteHostFile(udid_ + "/Info.plist", BuildInfoPlist(id)); !info) {
    hooks_.Tell(Notice::kWarning, "Info.plist could not be written: " + info.error().message);
  }
  MFX_RETURN_IF_ERROR(writer_->Save());
  auto free_bytes = writer_->FreeBytes();
  json started_detail = {
      {"udid", udid_},
      {"attempt", attempt},
      {"mode", o_.full ? "full" : "full (no incremental state in a new attempt folder)"},
      {"encryption", EncryptionName(o_.encryption, will_encrypt || temporary_set)},
      {"target", attempt_label},
      {"free_disk_bytes", free_bytes ? json(*free_bytes) : json()},
      {"protocol_version", ShortestReal(protocol_version)},
      {"sync_lock", lock_detail},
      {"stall_timeout_s", Ms(o_.stall_timeout) / 1000},
      {"passcode_timeout_s", Ms(o_.passcode_timeout) / 1000},
      {"hashing", o_.hash},
      {"tool", std::string("mfx ") + kVersion + " (" + kGitSha + "), libimobiledevice 1.3.0 API"}};
  MFX_RETURN_IF_ERROR(Event("acquisition_started", started_detail,
                            changes.is_null() ? json::object() : json{{"changes", changes}}));
  hooks_.Tell(Notice::kInfo, "Backup started into " + attempt_label +
                                 ". If the phone asks for its passcode, the owner must enter it.");

  const auto backup_started = Clock::now();
  progress_->Start("acquire");
  const BackupRunResult run = host->Run();
  progress_->Stop();
  writer_->AbandonOpenFile(run.description);
  const int64_t duration_ms = Ms(Clock::now() - backup_started);

  // 7. The end, whatever happened.
  std::string lock_state;
  ReleaseDevice(&lock_state);
  const bool finished_ok = run.end == BackupEnd::kFinished && run.error_code == 0;
  std::optional<VerificationResult> verification;
  if (finished_ok) {
    VerifyOptions verify;
    verify.scratch = o_.scratch;
    if (temporary_set) {
      verify.password = &*temporary_;
      verify.key_file = o_.key_file;
    } else if (o_.encryption == EncryptionMode::kOwnerPassword && will_encrypt) {
      verify.password = o_.owner_password;
    }
    verification = VerifyAcquiredBackup(result_.backup_dir, writer_->ledger(), verify);
    writer_->ledger().verification = verification->ToJson();
    result_.key_file_written = verification->key_file_written;
  }
  bool temporary_removed = true;
  if (temporary_set) {
    MFX_ASSIGN_OR_RETURN(temporary_removed,
                         RemoveTemporaryPassword(run.end == BackupEnd::kFinished ? host.get() : nullptr));
    result_.temporary_password_left = !temporary_removed;
  }
  host.reset();
  mb.reset();  // DLMessageDisconnect

  Ledger& l = writer_->ledger();
  l.ended = IsoUtcFromMicros(HostUnixMicros());
  l.duration_ms = duration_ms;
  l.passcode_prompts = signals_.Prompts();
  json cause;
  if (!finished_ok) {
    cause = {{"kind", CauseKind(run.end)},
             {"message", SanitizeUtf8(run.description)},
             {"error_code", run.end == BackupEnd::kFinished ? json(run.error_code) : json()}};
    if (run.end == BackupEnd::kFinished) {
      const std::string advice = DeviceErrorAdvice(run.error_code);
      cause["message"] = SanitizeUtf8("the phone ended the backup with ErrorCode " +
                                      std::to_string(run.error_code) +
                                      (run.description.empty() ? "" : " (" + run.description + ")") +
                                      (advice.empty() ? "" : ": " + advice));
    }
    l.cause = cause;
    l.status = "interrupted";
    result_.status = AcquireStatus::kInterrupted;
  } else if (verification && !verification->ok) {
    l.status = "incomplete";
    result_.status = AcquireStatus::kIncomplete;
  } else {
    l.status = "completed";
    result_.status = AcquireStatus::kCompleted;
  }
  MFX_RETURN_IF_ERROR(writer_->Save());
  const std::string ledger_label = attempt_label + "/" + kAttemptLedger;
  auto ledger_sha = core::HashFileHex(result_.attempt_dir / kAttemptLedger);
  json hashes = json::array();
  if (ledger_sha) hashes.push_back(HashRef(ledger_label, *ledger_sha));

  json incomplete = json::array();
  for (const LedgerIncomplete& f : l.incomplete) {
    if (incomplete.size() >= 50) break;
    incomplete.push_back({{"destination", SanitizeUtf8(f.destination)},
                          {"part_path", SanitizeUtf8(f.part_path)},
                          {"bytes_received", f.bytes_received},
                          {"end", f.end},
                          {"reason", SanitizeUtf8(f.reason)}});
  }
  json device_state = {
      {"sync_lock", lock_state},
      {"temporary_encryption", !temporary_set ? "not set" : temporary_removed ? "removed" : "STILL SET"},
      {"pairing_record", "kept on the phone and in usbmuxd"}};
  json detail = {{"udid", udid_},
                 {"attempt", attempt},
                 {"retries", attempt - 1},
                 {"ledger", ledger_label},
                 {"files", l.CurrentFiles().size()},
                 {"bytes", l.CompleteBytes()},
                 {"incomplete_files", l.incomplete.size()},
                 {"incomplete_bytes_received", l.IncompleteBytes()},
                 {"incomplete", incomplete},
                 {"refused_paths", l.refused.size()},
                 {"duration_ms", duration_ms},
                 {"device_percent", static_cast<int64_t>(l.device_percent)},
                 {"passcode_prompts", l.passcode_prompts},
                 {"device_state", device_state},
                 {"encryption", EncryptionName(o_.encryption, will_encrypt || temporary_set)},
                 {"key_file_written", result_.key_file_written}};
  if (verification) {
    json v = verification->ToJson();
    detail["verification"] = {{"ok", verification->ok},
                              {"snapshot_state", v["snapshot_state"]},
                              {"manifest_checked", verification->manifest_checked},
                              {"manifest_files", verification->manifest_files},
                              {"verified_files", verification->verified_files},
                              {"problems", v["problems"]}};
  }
  result_.detail = {{"acquisition", "logical backup (mobilebackup2 over usbmuxd/lockdownd)"},
                    {"status", std::string(AcquireStatusName(result_.status))},
                    {"attempt", attempt},
                    {"backup", "attempt-" + std::to_string(attempt) + "/" + udid_},
                    {"duration_ms", Ms(Clock::now() - started)},
                    {"encryption", detail["encryption"]},
                    {"consent_id", consent_.consent_id}};
  if (result_.status == AcquireStatus::kInterrupted) {
    detail["cause"] = cause;
    MFX_RETURN_IF_ERROR(Event("acquisition_interrupted", detail, {{"hashes", hashes}}));
    result_.message = "the acquisition was interrupted: " + cause["message"].get<std::string>();
  } else {
    detail["result"] = result_.status == AcquireStatus::kCompleted ? "complete" : "incomplete";
    MFX_RETURN_IF_ERROR(Event("acquisition_completed", detail, {{"hashes", hashes}}));
    result_.message = result_.status == AcquireStatus::kCompleted
                          ? "backup complete and verified"
                          : "the phone finished, but the backup is INCOMPLETE: " +
                                (verification->problems.empty() ? std::string("see the ledger")
                                                                : verification->problems.front());
  }
  return result_;
}

}  // namespace

std::string_view AcquireStatusName(AcquireStatus status) {
  switch (status) {
    case AcquireStatus::kCompleted:
      return "completed";
    case AcquireStatus::kIncomplete:
      return "incomplete";
    case AcquireStatus::kInterrupted:
      return "interrupted";
    case AcquireStatus::kFailed:
      return "failed";
    case AcquireStatus::kRefused:
      return "refused";
  }
  return "?";
}

Result<AcquireResult> Acquire(const ConsentRecord& consent, const AcquireOptions& options,
                              AcquisitionHooks& hooks) {
  AcquisitionRun run(consent, options, hooks);
  return run.Go();
}

Result<std::vector<AttemptSummary>> ListAttempts(const fs::path& evidence_dir) {
  std::vector<AttemptSummary> out;
  std::error_code ec;
  if (!fs::exists(evidence_dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(evidence_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("attempt-", 0) != 0 || !entry.is_directory(ec)) continue;
    AttemptSummary a;
    a.dir = entry.path();
    a.attempt = std::atoi(name.c_str() + 8);
    if (a.attempt <= 0) continue;
    if (auto text = core::ReadTextFile(entry.path() / kAttemptLedger, 256 << 20); text) {
      const json j = json::parse(*text, nullptr, false);
      if (j.is_object()) {
        a.udid = j.value("udid", "");
        a.status = j.value("status", "");
      }
    }
    out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(),
            [](const AttemptSummary& x, const AttemptSummary& y) { return x.attempt < y.attempt; });
  return out;
}

Result<std::vector<EvidenceFile>> CollectEvidenceFiles(const fs::path& evidence_dir) {
  MFX_ASSIGN_OR_RETURN(std::vector<AttemptSummary> attempts, ListAttempts(evidence_dir));
  std::vector<EvidenceFile> files;
  for (const AttemptSummary& a : attempts) {
    MFX_ASSIGN_OR_RETURN(std::string text, core::ReadTextFile(a.dir / kAttemptLedger, 1u << 30));
    const json j = json::parse(text, nullptr, false);
    if (!j.is_object()) {
      return Fail(ErrorCode::kCorrupt, (a.dir / kAttemptLedger).string() + ": not JSON");
    }
    if (!j.value("request", json::object()).value("hashing", true)) {
      return Fail(ErrorCode::kInvalidArgument,
                  (a.dir / kAttemptLedger).string() +
                      ": made without hashing (benchmark mode); not evidence");
    }
    // What the ledger says about each file still on disk.
    std::map<std::string, EvidenceFile> known;
    for (const json& f : j.value("files", json::array())) {
      if (!f.value("path", json()).is_string() || f["path"].get<std::string>().empty()) continue;
      known[f["path"].get<std::string>()] =
          EvidenceFile{"", f.value("size", uint64_t{0}), f.value("sha256", ""), "complete"};
    }
    for (const json& f : j.value("incomplete", json::array())) {
      known[f.value("part_path", "")] = EvidenceFile{
          "", f.value("bytes_received", uint64_t{0}),
          f.value("sha256_of_received", json()).is_string() ? f["sha256_of_received"].get<std::string>() : "",
          "partial"};
    }
    const std::string prefix = a.dir.filename().string() + "/";
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(a.dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
      const std::string rel = fs::relative(it->path(), a.dir, ec).generic_string();
      EvidenceFile e;
      if (auto k = known.find(rel); k != known.end() && !k->second.sha256.empty()) {
        e = k->second;
      } else {
        MFX_ASSIGN_OR_RETURN(e.sha256, core::HashFileHex(it->path()));
        e.size = it->file_size(ec);
        e.kind = rel == kAttemptLedger ? "ledger" : "unaccounted";
      }
      e.path = prefix + rel;
      files.push_back(std::move(e));
    }
    if (ec) return Fail(ErrorCode::kIo, a.dir.string() + ": " + ec.message());
  }
  return files;
}

Bytes BuildInfoPlist(const DeviceIdentity& id) {
  core::PlistDict d;
  auto put = [&](const char* key, const std::optional<std::string>& v) {
    if (v && !v->empty()) d[key] = core::PlistValue(std::string(*v));
  };
  put("Build Version", id.pub.build_version);
  put("Device Name", id.pub.device_name);
  put("Display Name", id.pub.device_name);
  put("ICCID", id.iccid);
  put("IMEI", id.imei);
  put("IMEI 2", id.imei2);
  put("MEID", id.meid);
  put("Phone Number", id.phone_number);
  put("Product Name", id.product_name);
  put("Product Type", id.pub.product_type);
  put("Product Version", id.pub.product_version);
  put("Serial Number", id.serial_number);
  d["Target Identifier"] = core::PlistValue(id.pub.udid);
  d["Target Type"] = core::PlistValue(std::string("Device"));
  std::string upper = id.pub.udid;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  d["Unique Identifier"] = core::PlistValue(upper);
  Bytes guid(16);
  if (!core::RandomBytes(guid)) guid.assign(16, 0);
  std::string guid_hex = HexEncode(guid);
  for (char& c : guid_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  d["GUID"] = core::PlistValue(guid_hex);
  d["Installed Applications"] = core::PlistValue(core::PlistArray{});
  d["Last Backup Date"] = core::PlistValue(
      core::PlistDate{static_cast<double>(HostUnixMicros()) / 1e6 - 978307200.0});
  d["iTunes Version"] = core::PlistValue(std::string("mfx ") + kVersion);
  auto bytes = core::WritePlist(core::PlistValue(std::move(d)), false);
  return bytes ? *bytes : Bytes{};
}

}  // namespace mfx::extract
