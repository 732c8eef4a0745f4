#pragma once
// CaseFolder: the one door through which mfx writes a case (CONTRACT.md "The case folder",
// CUSTODY.md §4). Evidence is read through an Env and never written; everything mfx produces
// goes below the case root.
//
// What this class writes:
//   case.json               case number, examiner, agency, requestor, evidence items, consent
//                           summaries (rewritten atomically whenever they change)
//   custody.jsonl           the custody log (custody_log.h); CreateOrOpen appends `case_created`
//                           on a new case (host OS and name, tool, tzdata, clock, UTC offset)
//   evidence/<id>.sha256    an exhibit's hash list: sha256sum format, paths relative to the
//                           backup root, LC_ALL=C order — `sha256sum --strict -c` it inside the
//                           backup folder
//   evidence/<id>.json      the exhibit's source: external path, Info.plist identity, encryption
//                           state, files, bytes, hash-list hash
//   consent/<id>.json (+ form)   consent records (AddConsentRecord)
//   .scratch/               working copies (ScratchDir), mode 0700 — NOT part of the sealed case:
//                           removed by RemoveScratch(), by SealCase() before it lists files and
//                           by the destructor. Chosen over $TMPDIR so decrypted working copies
//                           never leave the examiner's case volume and /tmp (often a small tmpfs)
//                           never has to hold a large database; verify reports a left-over
//                           .scratch as an extra file.
//
// Exhibit ids are "E-01", "E-02", … in registration order. The same backup registered again
// (identical hash list) is recognised: no new id, a `hash_verified` custody event instead.
//
// Concurrency: a CaseFolder holds an exclusive flock on the case directory for its lifetime, so a
// second mfx process writing the same case fails fast (kInvalidArgument "in use"). Methods are not
// thread-safe; call them from one thread (hashing inside them is parallel).
//
// Typical use (mfx analyze; error handling with MFX_ASSIGN_OR_RETURN elided):
//   auto folder = CaseFolder::CreateOrOpen(case_dir, {.case_number = n, .examiner = name});
//   if (password) folder->GuardSecret(*password);            // only hashes are kept
//   EvidenceItem e = folder->RegisterIngestedBackup(*backup);  // E-01, evidence/E-01.sha256
//   folder->RecordEvent("decryption_opened", {{"evidence_id", e.id}, {"detail", {…}}});
//   std::filesystem::path scratch = folder->ScratchDir();     // working copies of databases
//   … run parsers; folder->RecordEvent("parsed", {{"evidence_id", e.id}, {"detail", {…}}});
//   folder->ReverifyEvidence(e.id, opened_blob_paths, "after parsing");
//   … write artifacts.sqlite, exports/, report/ (BeginRevision first when regenerating) …
//   folder->RecordEvent("report_generated", {{"detail", {{"outputs", [{path, sha256}…]}}}});
//   SealResult s = SealCase(*folder, {.signing = SigningKey{key, cert}});   // seal.h
//
// Secrets: no method takes a password or key. GuardSecret() registers the backup password / key
// so that every custody line, case.json and evidence/<id>.json is checked not to contain it
// (custody_guard.h).

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/progress.h"
#include "core/result.h"
#include "core/secret.h"
#include "parsers/backup/backup.h"
#include "reports/case_files.h"
#include "reports/custody_guard.h"
#include "reports/custody_log.h"

namespace mfx::reports {

inline constexpr const char* kCaseJson = "case.json";
inline constexpr const char* kCaseSchema = "mfx-case/1";
inline constexpr const char* kEvidenceSchema = "mfx-evidence/1";
inline constexpr const char* kEvidenceDir = "evidence";
inline constexpr const char* kConsentDir = "consent";
inline constexpr const char* kScratchDir = ".scratch";

// What the examiner says about the case. Empty strings mean "not given": on an existing case the
// stored value stays; a given value replaces it (recorded by a `case_updated` custody event),
// except case_number, which must match (kInvalidArgument otherwise).
struct CaseOptions {
  std::string case_number;  // new case without one: the case folder's name
  std::string examiner;     // name; without one: the login name of the process owner
  std::string examiner_id;
  std::string examiner_role;  // default "examiner"
  std::string agency;
  std::string agency_address;
  std::string requestor;
  std::string location;     // where the work is done ("Lab 2, bench 3"): stamped on events
  std::string description;  // free text about the case
};

struct EvidenceItem {
  std::string id;       // "E-01"
  std::string root_id;  // the exhibit it derives from (itself for backups)
  std::string kind;  // "ingested" (backup folder outside the case) or "acquired" (evidence/<id>/)
  std::string location;   // ingested: absolute path of the backup folder; acquired: "evidence/E-01"
  std::string hash_list;  // "evidence/E-01.sha256"
  std::string hash_list_sha256;  // SHA-256 of that file: the exhibit's hash
  uint64_t files = 0;
  uint64_t bytes = 0;
  std::string registered;           // UTC time of registration
  int64_t registered_seq = -1;      // custody seq of `evidence_registered`
  bool already_registered = false;  // RegisterIngestedBackup found this exhibit already present
};

struct RegisterOptions {
  unsigned threads = 0;  // hashing workers; 0 = all cores
  core::Progress::Mode progress = core::Progress::Mode::kAuto;
};

// A file of an acquired exhibit, hashed as it arrived.
struct AcquiredFile {
  std::string path;  // relative to evidence/<id>/
  uint64_t size = 0;
  std::string sha256;
};

struct AcquiredEvidence {
  std::string id;  // from NextEvidenceId(); the files are in evidence/<id>/
  std::vector<AcquiredFile> files;
  nlohmann::json device = nlohmann::json::object();  // identity as read from lockdownd
  nlohmann::json detail = nlohmann::json::object();  // full/incremental, duration_ms, retries, …
};

// The outcome of re-hashing an exhibit (or some of its files) against its hash list.
struct RehashResult {
  std::string id;
  uint64_t checked = 0;
  std::vector<std::string> mismatched;  // paths (relative to the exhibit root) whose hash differs
  std::vector<std::string> missing;     // listed paths that are gone or unreadable
  std::vector<std::string> unlisted;    // asked-for paths the hash list does not hold
  int64_t event_seq = -1;               // the `hash_verified` / `hash_mismatch` custody event
  bool ok() const { return mismatched.empty() && missing.empty() && unlisted.empty(); }
};

struct ConsentSummary {
  std::string id;
  std::string record_path;  // "consent/<id>.json"
  std::string record_sha256;
  std::string form_path;  // "consent/<id>-form.<ext>" or ""
  std::string form_sha256;
};

class CaseFolder {
 public:
  // Creates dir (and parents) or opens an existing case there. A folder that exists, is not empty
  // and has no case.json is refused (kInvalidArgument), as is a case.json with another case number.
  static Result<std::unique_ptr<CaseFolder>> CreateOrOpen(const std::filesystem::path& dir,
                                                          const CaseOptions& options);
  ~CaseFolder();  // removes .scratch, releases the lock
  CaseFolder(const CaseFolder&) = delete;
  CaseFolder& operator=(const CaseFolder&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path Path(std::string_view relative) const {
    return root_ / std::string(relative);
  }
  const std::string& case_number() const { return case_number_; }
  bool created() const { return created_; }  // true when CreateOrOpen made a new case
  const nlohmann::json& case_json() const { return case_json_; }
  const std::vector<EvidenceItem>& evidence() const { return evidence_; }
  const EvidenceItem* FindEvidence(std::string_view id) const;
  CustodyLog& custody() { return *custody_; }

  // Hashes every file of the backup folder (streaming SHA-256, parallel) into
  // evidence/<id>.sha256, writes evidence/<id>.json and case.json, and appends
  // `evidence_registered`. Refuses a backup folder inside the case or containing it. Symlinks and
  // special files in the backup folder are not followed; they are listed in evidence/<id>.json
  // under "not_hashed". Returns the existing item (already_registered) when the same hash list is
  // already registered.
  Result<EvidenceItem> RegisterIngestedBackup(const parsers::backup::Backup& backup,
                                              const RegisterOptions& options = {});

  // Re-hashes exhibit `id` where it was registered — every file of its hash list, or only
  // `paths` (relative to the exhibit root, e.g. the blobs the parsers opened) — and appends
  // `hash_verified` (all equal) or `hash_mismatch`. `what` says why ("after parsing"). A mismatch
  // is a successful call with !ok(); errors are for an unknown id or an unreadable hash list.
  Result<RehashResult> ReverifyEvidence(std::string_view id,
                                        const std::vector<std::string>& paths = {},
                                        std::string_view what = "re-hash of the exhibit",
                                        const RegisterOptions& options = {});

  // ReverifyEvidence in three steps, so that the hashing can run on another thread while the
  // case goes on being written (analyze re-hashes the files the parsers opened while the case
  // database builds its indexes). PlanRehash reads the exhibit's hash list; RunRehash touches
  // no case state (it may run on any thread); RecordRehash compares and appends the event.
  struct RehashPlan {
    std::string id, root_id;
    std::filesystem::path location;
    std::vector<std::string> todo;  // listed paths to hash, sorted
    std::map<std::string, std::string> expected;
    std::vector<std::string> unlisted;
    size_t asked = 0;  // paths asked for (all listed ones when none were)
    std::string hash_list, hash_list_sha256;
  };
  Result<RehashPlan> PlanRehash(std::string_view id,
                                const std::vector<std::string>& paths = {}) const;
  static Result<std::vector<FileHash>> RunRehash(const RehashPlan& plan,
                                                 const RegisterOptions& options = {});
  Result<RehashResult> RecordRehash(const RehashPlan& plan, const std::vector<FileHash>& hashes,
                                    std::string_view what);

  // For acquisition: the id the next exhibit will get ("E-03") — acquire writes into
  // evidence/<id>/ — and the registration of the received files (hashes as received).
  std::string NextEvidenceId() const;
  Result<EvidenceItem> RegisterAcquiredEvidence(const AcquiredEvidence& acquired);

  // Appends a custody event (see CustodyLog::Append for `fields`); `location` defaults to
  // CaseOptions::location.
  Result<CustodyHead> RecordEvent(std::string_view event,
                                  nlohmann::json fields = nlohmann::json::object());

  // CASE/.scratch (created 0700 on first call) for working copies; see the header comment.
  Result<std::filesystem::path> ScratchDir();
  Status RemoveScratch();

  // Copies a consent record (JSON, CUSTODY.md §9; must hold "consent_id") and, optionally, the
  // signed form into consent/, summarises both with their SHA-256 in case.json and appends
  // `consent_recorded`.
  Result<ConsentSummary> AddConsentRecord(const std::filesystem::path& record_json,
                                          const std::filesystem::path& form = {});

  // Registers a secret (backup password, derived key) that must never appear in what this class
  // writes. Only hashes are kept.
  void GuardSecret(const core::SecretBytes& secret);
  const SecretGuard& secret_guard() const { return guard_; }

  // Rewrites case.json from the current state (atomic).
  Status WriteCaseJson();

 private:
  CaseFolder() = default;
  Status Load(const std::filesystem::path& dir, const CaseOptions& options);
  Result<std::string> WriteJsonFile(std::string_view relative, const nlohmann::json& value);
  Result<EvidenceItem> FinishRegistration(EvidenceItem item, const std::string& hash_list_text,
                                          nlohmann::json evidence_json, nlohmann::json detail);

  std::filesystem::path root_;
  int dir_fd_ = -1;
  bool locked_ = false;  // holds the flock on the case directory
  bool created_ = false;
  std::string case_number_;
  std::string location_;
  nlohmann::json case_json_;
  std::vector<EvidenceItem> evidence_;
  std::unique_ptr<CustodyLog> custody_;
  SecretGuard guard_;
};

nlohmann::json EvidenceItemToJson(const EvidenceItem& item);
EvidenceItem EvidenceItemFromJson(const nlohmann::json& j);

}  // namespace mfx::reports
