// mfx acquire --case DIR --consent FILE [--udid U] [--password-file F | --temp-password] [--full]
// (CONTRACT.md): a consented logical acquisition into the case folder.
//
// The CLI half: options, the consent record (validated before the case is touched), the case
// folder (custody log, consent copy, secret guard), the exhibit id and its attempt folders, then
// extract::Acquire, the registration of what was received (hashes as received) and the seal.
//
// Exhibit and attempts: every run writes a new evidence/<id>/attempt-N. An interrupted run is not
// registered (its files stay, sealed, and the next run on the same phone continues with
// attempt-N+1 under the same id); a run that reaches the phone's end registers the exhibit with
// the complete files of all its attempts. A leftover interrupted exhibit of another phone is
// registered as it is (status interrupted) before a new id is taken.
#include <atomic>
#include <csignal>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/case_options.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/file_util.h"
#include "extract/acquisition.h"
#include "extract/consent.h"
#include "extract/device_session.h"
#include "reports/case_files.h"
#include "reports/case_folder.h"
#include "reports/seal.h"

namespace mfx::cli {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::atomic<bool> g_interrupted{false};

extern "C" void OnInterrupt(int) { g_interrupted = true; }

// The examiner's Ctrl-C stops the acquisition cleanly (the attempt is kept and recorded).
class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction action {};
    action.sa_handler = OnInterrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~InterruptGuard() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

class CliHooks : public extract::AcquisitionHooks {
 public:
  CliHooks(reports::CaseFolder& folder, extract::AcquisitionProgress& progress)
      : folder_(folder), progress_(progress) {}

  Status RecordConsent(const extract::ConsentRecord& record) override {
    // A consent already in the case (a second attempt under the same consent) is not copied
    // again; the run still records that it acts under it.
    for (const json& c : folder_.case_json().value("consent", json::array())) {
      if (c.value("id", "") != record.consent_id) continue;
      if (c.value("record_sha256", "") != record.sha256) {
        return Fail(ErrorCode::kInvalidArgument,
                    "consent record '" + record.consent_id + "' is already in the case with "
                    "another content (SHA-256 " + c.value("record_sha256", "") + "); " +
                    record.path.string() + " has " + record.sha256);
      }
      json hashes = json::array({{{"alg", "SHA-256"},
                                  {"of", c.value("record", "")},
                                  {"value", record.sha256}}});
      auto ev = folder_.RecordEvent(
          "consent_recorded",
          {{"authority_ref", record.consent_id},
           {"hashes", hashes},
           {"detail", {{"consent_id", record.consent_id},
                       {"already_in_case", true},
                       {"record", c.value("record", "")},
                       {"what", "a new acquisition run under the consent already recorded"}}}});
      if (!ev) return tl::unexpected(ev.error());
      return {};
    }
    auto added = folder_.AddConsentRecord(record.path, record.form_file);
    if (!added) return tl::unexpected(added.error());
    return {};
  }

  Status RecordEvent(std::string_view event, json fields) override {
    auto appended = folder_.RecordEvent(event, std::move(fields));
    if (!appended) return tl::unexpected(appended.error());
    return {};
  }

  void GuardSecret(const core::SecretBytes& secret) override { folder_.GuardSecret(secret); }

  void Tell(extract::Notice level, const std::string& message) override {
    const char* prefix = "";
    switch (level) {
      case extract::Notice::kInfo:
        prefix = "mfx: ";
        break;
      case extract::Notice::kInstruction:
        prefix = ">>> ";
        break;
      case extract::Notice::kWarning:
        prefix = "mfx: warning: ";
        break;
      case extract::Notice::kAlarm:
        prefix = "\n!!! ";
        break;
    }
    progress_.Notice(prefix + message + (level == extract::Notice::kAlarm ? "\n" : ""));
  }

  bool Cancelled() const override { return g_interrupted.load(); }

 private:
  reports::CaseFolder& folder_;
  extract::AcquisitionProgress& progress_;
};

std::chrono::milliseconds Seconds(const po::variables_map& vm, const char* name) {
  const double s = vm[name].as<double>();
  if (!(s > 0)) throw UsageError{std::string("--") + name + " must be a positive number of seconds"};
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

// An interrupted exhibit of another phone blocks its id: register it as it is.
Status SettleLeftover(reports::CaseFolder& folder, const std::string& udid) {
  for (int guard = 0; guard < 100; ++guard) {
    const std::string id = folder.NextEvidenceId();
    const fs::path dir = folder.Path(std::string(reports::kEvidenceDir) + "/" + id);
    MFX_ASSIGN_OR_RETURN(auto attempts, extract::ListAttempts(dir));
    std::string other;
    for (const auto& a : attempts) {
      if (!a.udid.empty() && a.udid != udid) other = a.udid;
    }
    if (other.empty()) return {};
    MFX_ASSIGN_OR_RETURN(auto files, extract::CollectEvidenceFiles(dir));
    reports::AcquiredEvidence leftover;
    leftover.id = id;
    json kinds = json::object();
    for (const auto& f : files) {
      leftover.files.push_back({f.path, f.size, f.sha256});
      kinds[f.kind] = kinds.value(f.kind, 0) + 1;
    }
    leftover.device = {{"udid", other}};
    leftover.detail = {{"acquisition", "logical backup (mobilebackup2)"},
                       {"status", "interrupted"},
                       {"attempts", attempts.size()},
                       {"files_by_kind", kinds},
                       {"note", "registered as left by interrupted runs, before an acquisition "
                                "of another phone took the next id"}};
    std::cerr << "mfx: " << id << " holds an interrupted acquisition of " << other
              << "; registering it as it is before acquiring " << udid << "\n";
    MFX_RETURN_IF_ERROR(folder.RegisterAcquiredEvidence(leftover));
  }
  return Fail(ErrorCode::kInternal, "too many leftover exhibits");
}

}  // namespace

int AcquireCommand(const std::vector<std::string>& args) {
  po::options_description opts("mfx acquire options");
  opts.add_options()
      ("case", po::value<std::string>()->required(), "case folder (created when new)")
      ("consent", po::value<std::string>()->required(), "consent record (JSON, see mfx acquire --help)")
      ("consent-form", po::value<std::string>(), "the signed consent form (its SHA-256 must match the record)")
      ("udid", po::value<std::string>(), "the phone (default: the only one attached)")
      ("password-file", po::value<std::string>(),
       "file whose first line is the owner's backup password (used to verify and later decrypt; never stored)")
      ("temp-password", "set a random temporary backup password for the acquisition (consent scope must allow it) and remove it afterwards")
      ("key-out", po::value<std::string>(),
       "with --temp-password: where to write the backup's derived key (outside the case) for mfx analyze --key-file")
      ("full", "ask for a full backup (ForceFullBackup); every attempt starts empty anyway")
      ("re-pair", "replace a stale pair record (the phone shows Trust again: a new consent step)")
      ("pair-timeout", po::value<double>()->default_value(180), "seconds to wait for Trust / unlock")
      ("pair-poll", po::value<double>()->default_value(1), "seconds between pairing polls")
      ("stall-timeout", po::value<double>()->default_value(120), "seconds without data before the backup counts as stalled")
      ("passcode-timeout", po::value<double>()->default_value(360), "the same while the phone shows its passcode prompt")
      ("reconnect-timeout", po::value<double>()->default_value(120), "seconds to wait for the phone to come back to remove a temporary password")
      ("sign-key", po::value<std::string>(), "examiner private key (PEM) to sign manifest.sha256")
      ("sign-cert", po::value<std::string>(), "examiner X.509 certificate (PEM)")
      ("sign-chain", po::value<std::string>(), "intermediate certificates to embed (PEM)")
      ("sign-passphrase-file", po::value<std::string>(), "file whose first line unlocks --sign-key");
  AddCaseIdentityOptions(opts);
  po::options_description hidden;
  hidden.add_options()("no-hash-benchmark", "throughput measurement only: do not hash (not evidence; nothing registered or sealed)");
  po::options_description all;
  all.add(opts).add(hidden);
  auto parsed = ParseArgs(
      "usage: mfx acquire --case DIR --consent FILE [--udid U] [--password-file F | --temp-password --key-out F] [--full]\n"
      "Consented logical acquisition of an iPhone (mobilebackup2) into CASE/evidence/<id>/attempt-N,\n"
      "every file hashed as it arrives. Refuses without a valid consent record (mfx-consent/1, see\n"
      "extract/README.md) or when the form names another device. Pairing (Trust This Computer?) happens\n"
      "only after the consent is recorded. Ctrl-C stops cleanly; the attempt is kept and recorded.",
      all, {}, args);
  if (parsed.help) return kExitOk;
  const auto& vm = parsed.vm;

  if (vm.count("password-file") && vm.count("temp-password")) {
    throw UsageError{"--password-file and --temp-password exclude each other"};
  }
  if (vm.count("temp-password") && !vm.count("key-out")) {
    throw UsageError{"--temp-password needs --key-out FILE: the temporary password is never stored, "
                     "so the backup's derived key must go somewhere outside the case for mfx analyze"};
  }
  if (vm.count("key-out") && !vm.count("temp-password")) {
    throw UsageError{"--key-out goes with --temp-password"};
  }
  const fs::path case_dir = vm["case"].as<std::string>();
  fs::path key_out;
  if (vm.count("key-out")) {
    key_out = fs::absolute(vm["key-out"].as<std::string>());
    if (reports::IsWithin(key_out, fs::absolute(case_dir))) {
      throw UsageError{"--key-out " + key_out.string() +
                       " lies inside the case folder: a key must never enter the sealed case"};
    }
    std::error_code ec;
    if (fs::exists(key_out, ec)) throw UsageError{"--key-out " + key_out.string() + " already exists"};
  }
  const bool hash = vm.count("no-hash-benchmark") == 0;

  // 1. The consent record, before the case or the phone is touched.
  auto consent = extract::LoadConsentRecord(
      vm["consent"].as<std::string>(),
      vm.count("consent-form") ? fs::path(vm["consent-form"].as<std::string>()) : fs::path());
  if (!consent) {
    std::cerr << "mfx acquire: refused: " << consent.error().message << "\n";
    return kExitFailure;
  }
  if (vm.count("temp-password") && !consent->temporary_backup_encryption) {
    std::cerr << "mfx acquire: refused: the consent record " << consent->consent_id
              << " does not allow a temporary backup password (scope.temporary_backup_encryption "
                 "is false)\n";
    return kExitFailure;
  }
  auto password = ObtainPassword(vm, false);
  if (!password) return Report(password.error());

  // 2. The case.
  auto folder = reports::CaseFolder::CreateOrOpen(case_dir, CaseOptionsFrom(vm));
  if (!folder) return Report(folder.error());
  reports::CaseFolder& c = **folder;
  if (*password) c.GuardSecret(**password);

  std::optional<std::string> requested;
  if (vm.count("udid")) requested = vm["udid"].as<std::string>();
  if (auto udid = extract::ResolveUdid(requested); udid) {
    if (auto settled = SettleLeftover(c, *udid); !settled) return Report(settled.error());
    requested = *udid;
  }
  const std::string id = c.NextEvidenceId();
  const std::string label = std::string(reports::kEvidenceDir) + "/" + id;
  auto scratch = c.ScratchDir();
  if (!scratch) return Report(scratch.error());

  extract::AcquisitionProgress progress(stderr);
  CliHooks hooks(c, progress);
  extract::AcquireOptions options;
  options.udid = requested;
  options.evidence_dir = c.Path(label);
  options.evidence_id = id;
  options.evidence_label = label;
  options.full = vm.count("full") != 0;
  options.encryption = vm.count("temp-password")  ? extract::EncryptionMode::kTemporary
                       : *password                ? extract::EncryptionMode::kOwnerPassword
                                                  : extract::EncryptionMode::kAsIs;
  options.owner_password = *password ? &**password : nullptr;
  options.key_file = key_out;
  options.scratch = *scratch;
  options.re_pair = vm.count("re-pair") != 0;
  options.pair_timeout = Seconds(vm, "pair-timeout");
  options.pair_poll = Seconds(vm, "pair-poll");
  options.stall_timeout = Seconds(vm, "stall-timeout");
  options.passcode_timeout = Seconds(vm, "passcode-timeout");
  options.reconnect_timeout = Seconds(vm, "reconnect-timeout");
  options.hash = hash;
  options.progress = &progress;

  InterruptGuard interrupt;
  auto result = extract::Acquire(*consent, options, hooks);
  if (!result) return Report(result.error());
  const extract::AcquireResult& r = *result;

  // 3. Registration (hashes as received) and the seal.
  std::optional<reports::EvidenceItem> item;
  if (hash && (r.status == extract::AcquireStatus::kCompleted ||
               r.status == extract::AcquireStatus::kIncomplete)) {
    auto files = extract::CollectEvidenceFiles(options.evidence_dir);
    if (!files) return Report(files.error());
    reports::AcquiredEvidence acquired;
    acquired.id = id;
    json kinds = json::object();
    for (const auto& f : *files) {
      acquired.files.push_back({f.path, f.size, f.sha256});
      kinds[f.kind] = kinds.value(f.kind, 0) + 1;
    }
    acquired.device = r.identity;
    acquired.detail = r.detail;
    // The hash list holds every file of the exhibit folder; these counts say what they are
    // (only "complete" files were received whole; the ledgers list each one).
    acquired.detail["files_by_kind"] = kinds;
    auto registered = c.RegisterAcquiredEvidence(acquired);
    if (!registered) return Report(registered.error());
    item = *registered;
  }
  std::optional<reports::SealResult> seal;
  if (hash && r.attempt > 0) {
    std::optional<core::SecretBytes> passphrase;
    reports::SealOptions seal_options;
    if (vm.count("sign-key") != vm.count("sign-cert")) {
      throw UsageError{"--sign-key and --sign-cert go together"};
    }
    if (vm.count("sign-key")) {
      reports::SigningKey key;
      key.key_pem = vm["sign-key"].as<std::string>();
      key.cert_pem = vm["sign-cert"].as<std::string>();
      if (vm.count("sign-chain")) key.chain_pem = vm["sign-chain"].as<std::string>();
      if (vm.count("sign-passphrase-file")) {
        auto line = core::ReadFirstLine(vm["sign-passphrase-file"].as<std::string>());
        if (!line) return Report(line.error());
        passphrase = core::SecretBytes::FromString(*line);
        key.passphrase = &*passphrase;
      }
      seal_options.signing = key;
    }
    auto sealed = reports::SealCase(c, seal_options);
    if (!sealed) return Report(sealed.error());
    seal = *sealed;
  }

  // 4. Summary.
  std::cout << "acquisition: " << extract::AcquireStatusName(r.status) << " — " << r.message << "\n";
  if (r.attempt > 0) {
    std::cout << "attempt:      " << label << "/attempt-" << r.attempt << " (ledger attempt.json)\n"
              << "backup:       " << r.backup_dir.string() << "\n";
  }
  if (item) {
    std::cout << "evidence:     " << item->id << ", " << item->files << " files, " << item->bytes
              << " bytes, hash list " << item->hash_list << " (SHA-256 " << item->hash_list_sha256 << ")\n";
    std::cout << "analyze:      mfx analyze " << r.backup_dir.string() << " --case OTHER_CASE"
              << (options.encryption == extract::EncryptionMode::kTemporary ? " --key-file " + key_out.string()
                  : options.encryption == extract::EncryptionMode::kOwnerPassword ? " --password-file F"
                                                                                    : "")
              << "\n";
  }
  if (r.key_file_written) std::cout << "key file:     " << key_out.string() << " (keep it safe; never in the case)\n";
  if (seal) {
    std::cout << "sealed:       revision " << seal->revision << ", manifest.sha256 " << seal->manifest_sha256
              << (seal->p7s_sha256.empty() ? " (unsigned)" : ", signed by " + seal->signer_subject) << "\n";
  }
  if (!hash) std::cout << "benchmark mode: nothing was hashed, registered or sealed; the files are not evidence\n";
  if (r.temporary_password_left) {
    std::cerr << "mfx acquire: THE TEMPORARY BACKUP PASSWORD IS STILL SET ON THE PHONE (see above)\n";
  }
  return r.status == extract::AcquireStatus::kCompleted && !r.temporary_password_left ? kExitOk
                                                                                       : kExitFailure;
}

}  // namespace mfx::cli
