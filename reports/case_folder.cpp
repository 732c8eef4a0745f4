#include "reports/case_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "core/crypto.h"
#include "core/file_util.h"
#include "mfx/version.h"
#include "reports/case_files.h"
#include "reports/custody_host.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using parsers::backup::Backup;
using parsers::backup::DeviceIdentity;

json Opt(const std::optional<std::string>& s) { return s ? json(SanitizeUtf8(*s)) : json(); }
json OrNull(const std::string& s) { return s.empty() ? json() : json(s); }

json IdentityJson(const DeviceIdentity& id) {
  return {{"udid", Opt(id.udid)},
          {"serial_number", Opt(id.serial_number)},
          {"product_type", Opt(id.product_type)},
          {"product_name", Opt(id.product_name)},
          {"ios_version", Opt(id.product_version)},
          {"build_version", Opt(id.build_version)},
          {"device_name", Opt(id.device_name)},
          {"imei", Opt(id.imei)},
          {"imei2", Opt(id.imei2)},
          {"meid", Opt(id.meid)},
          {"iccid", Opt(id.iccid)},
          {"phone_number", Opt(id.phone_number)}};
}

json TimeJson(const std::optional<core::Timestamp>& t) {
  if (!t || !t->has_instant()) return nullptr;
  return t->ToIsoUtc();
}

std::string ManifestFormatName(parsers::backup::ManifestFormat f) {
  switch (f) {
    case parsers::backup::ManifestFormat::kManifestDb:
      return "Manifest.db";
    case parsers::backup::ManifestFormat::kMbdb:
      return "Manifest.mbdb";
    case parsers::backup::ManifestFormat::kNone:
      return "none";
  }
  return "none";
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A member by value, or `fallback` (nlohmann 3.11's value(key, json) can return a reference to
// its default argument, which dangles when used beyond the full expression).
json Member(const json& j, const char* key, json fallback = nullptr) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  return it != j.end() ? *it : fallback;
}

bool ValidConsentId(const std::string& id) {
  if (id.empty() || id.size() > 64 || id.front() == '.') return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

json EvidenceItemToJson(const EvidenceItem& e) {
  return {{"id", e.id},
          {"root_id", e.root_id},
          {"kind", e.kind},
          {"location", e.location},
          {"hash_list", e.hash_list},
          {"hash_list_sha256", e.hash_list_sha256},
          {"files", e.files},
          {"bytes", e.bytes},
          {"registered", e.registered},
          {"registered_seq", e.registered_seq}};
}

EvidenceItem EvidenceItemFromJson(const json& j) {
  EvidenceItem e;
  e.id = Str(j, "id");
  e.root_id = Str(j, "root_id");
  e.kind = Str(j, "kind");
  e.location = Str(j, "location");
  e.hash_list = Str(j, "hash_list");
  e.hash_list_sha256 = Str(j, "hash_list_sha256");
  e.files = j.value("files", uint64_t{0});
  e.bytes = j.value("bytes", uint64_t{0});
  e.registered = Str(j, "registered");
  e.registered_seq = j.value("registered_seq", int64_t{-1});
  return e;
}

Result<std::unique_ptr<CaseFolder>> CaseFolder::CreateOrOpen(const fs::path& dir,
                                                             const CaseOptions& options) {
  std::unique_ptr<CaseFolder> folder(new CaseFolder());
  MFX_RETURN_IF_ERROR(folder->Load(dir, options));
  return folder;
}

CaseFolder::~CaseFolder() {
  if (locked_) (void)RemoveScratch();  // never another process's scratch (a refused open)
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

Status CaseFolder::Load(const fs::path& dir, const CaseOptions& options) {
  std::error_code ec;
  if (dir.empty()) return Fail(ErrorCode::kInvalidArgument, "no case folder given");
  if (fs::is_symlink(fs::symlink_status(dir, ec))) {
    return Fail(ErrorCode::kUnsafePath, dir.string() + ": the case folder is a symlink");
  }
  bool existed = fs::exists(dir, ec);
  if (existed && !fs::is_directory(dir, ec)) {
    return Fail(ErrorCode::kInvalidArgument, dir.string() + ": exists and is not a folder");
  }
  if (!existed && !fs::create_directories(dir, ec)) {
    return Fail(ErrorCode::kIo, dir.string() + ": cannot create: " + ec.message());
  }
  root_ = fs::canonical(dir, ec);
  if (ec) return Fail(ErrorCode::kIo, dir.string() + ": " + ec.message());
  dir_fd_ = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) return Fail(ErrorCode::kIo, root_.string() + ": " + std::strerror(errno));
  if (::flock(dir_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Fail(ErrorCode::kInvalidArgument,
                root_.string() + ": the case is in use by another mfx process");
  }
  locked_ = true;

  const fs::path case_json_path = root_ / kCaseJson;
  const bool have_case = fs::exists(case_json_path, ec);
  created_ = !have_case;
  const HostFacts host = ReadHostFacts();
  if (have_case) {
    MFX_ASSIGN_OR_RETURN(std::string text, core::ReadTextFile(case_json_path, 64 << 20));
    case_json_ = json::parse(text, nullptr, false);
    if (case_json_.is_discarded() || !case_json_.is_object() ||
        case_json_.value("schema", "") != kCaseSchema) {
      return Fail(ErrorCode::kCorrupt,
                  case_json_path.string() + ": not an mfx case.json (" + kCaseSchema + ")");
    }
    case_number_ = Str(case_json_, "case_number");
    if (!options.case_number.empty() && options.case_number != case_number_) {
      return Fail(ErrorCode::kInvalidArgument, root_.string() + ": the case folder holds case '" +
                                                   case_number_ + "', not '" + options.case_number +
                                                   "'");
    }
    if (!fs::exists(root_ / kCustodyFileName, ec)) {
      return Fail(ErrorCode::kIntegrity, (root_ / kCustodyFileName).string() +
                                             ": the custody log of this case is missing");
    }
    if (const auto it = case_json_.find("evidence"); it != case_json_.end() && it->is_array()) {
      for (const json& e : *it) evidence_.push_back(EvidenceItemFromJson(e));
    }
  } else {
    if (existed && !fs::is_empty(root_, ec)) {
      return Fail(ErrorCode::kInvalidArgument,
                  root_.string() + ": the folder is not empty and holds no case.json (not a case)");
    }
    case_number_ = options.case_number.empty() ? root_.filename().string() : options.case_number;
    case_json_ = {{"schema", kCaseSchema},
                  {"case_number", SanitizeUtf8(case_number_)},
                  {"case_number_source", options.case_number.empty() ? "folder_name" : "given"},
                  {"created", HostNow().utc},
                  {"tool", {{"name", "mfx"}, {"version", kVersion}, {"build", kGitSha}}},
                  {"examiner", {{"name", nullptr}, {"id", nullptr}, {"role", "examiner"}}},
                  {"agency", {{"name", nullptr}, {"address", nullptr}}},
                  {"requestor", nullptr},
                  {"location", nullptr},
                  {"description", nullptr},
                  {"evidence", json::array()},
                  {"consent", json::array()}};
  }

  // Options complete / override what case.json holds.
  json changes = json::object();
  auto apply = [&](const std::string& value, json& slot, const std::string& name) {
    if (value.empty()) return;
    const json v = SanitizeUtf8(value);
    if (slot != v) {
      if (have_case) changes[name] = {{"from", slot}, {"to", v}};
      slot = v;
    }
  };
  apply(options.examiner, case_json_["examiner"]["name"], "examiner");
  apply(options.examiner_id, case_json_["examiner"]["id"], "examiner_id");
  apply(options.examiner_role, case_json_["examiner"]["role"], "examiner_role");
  apply(options.agency, case_json_["agency"]["name"], "agency");
  apply(options.agency_address, case_json_["agency"]["address"], "agency_address");
  apply(options.requestor, case_json_["requestor"], "requestor");
  apply(options.location, case_json_["location"], "location");
  apply(options.description, case_json_["description"], "description");
  if (case_json_["examiner"]["name"].is_null() && !host.user.empty()) {
    case_json_["examiner"]["name"] = host.user;
    case_json_["examiner"]["name_source"] = "login";
  }
  location_ = Str(case_json_, "location");

  const json& ex = case_json_["examiner"];
  CustodyIdentity identity;
  identity.case_number = case_number_;
  identity.actor = {{"name", Member(ex, "name")},
                    {"id", Member(ex, "id")},
                    {"role", Member(ex, "role", "examiner")},
                    {"org", Member(case_json_["agency"], "name")},
                    {"cert_sha256", nullptr}};
  MFX_ASSIGN_OR_RETURN(custody_, CustodyLog::Open(root_ / kCustodyFileName, identity));
  custody_->set_secret_guard(&guard_);

  if (created_) {
    fs::create_directories(root_ / kEvidenceDir, ec);
    if (ec) return Fail(ErrorCode::kIo, (root_ / kEvidenceDir).string() + ": " + ec.message());
    MFX_RETURN_IF_ERROR(WriteCaseJson());
    const HostTime now = HostNow();
    json detail = {{"case_number", case_number_},
                   {"examiner", case_json_["examiner"]},
                   {"agency", case_json_["agency"]},
                   {"requestor", case_json_["requestor"]},
                   {"description", case_json_["description"]},
                   {"host", {{"os", host.os}, {"name", host.name}, {"user", OrNull(host.user)}}},
                   {"time_zone", OrNull(host.time_zone)},
                   {"tzdata", OrNull(host.tzdata)},
                   {"utc_offset", now.utc_offset},
                   {"clock", HostClockJson()},
                   {"libraries", LibraryVersions()}};
    MFX_RETURN_IF_ERROR(RecordEvent("case_created", {{"detail", detail}}));
  } else if (!changes.empty()) {
    MFX_RETURN_IF_ERROR(WriteCaseJson());
    MFX_RETURN_IF_ERROR(RecordEvent("case_updated", {{"detail", {{"changes", changes}}}}));
  }
  return {};
}

const EvidenceItem* CaseFolder::FindEvidence(std::string_view id) const {
  for (const EvidenceItem& e : evidence_) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

std::string CaseFolder::NextEvidenceId() const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "E-%02zu", evidence_.size() + 1);
  return buf;
}

Result<std::string> CaseFolder::WriteJsonFile(std::string_view relative, const json& value) {
  const json clean = SanitizeJsonStrings(value);
  MFX_RETURN_IF_ERROR(CheckNoSecretFieldNames(clean, std::string(relative)));
  std::string text;
  try {
    text = clean.dump(2) + "\n";
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kInternal, std::string(relative) + ": " + e.what());
  }
  MFX_RETURN_IF_ERROR(guard_.Check(text, relative));
  MFX_RETURN_IF_ERROR(core::WriteFileAtomic(Path(relative), AsBytes(text)));
  return core::Sha256Hex(AsBytes(text));
}

Status CaseFolder::WriteCaseJson() {
  json list = json::array();
  for (const EvidenceItem& e : evidence_) list.push_back(EvidenceItemToJson(e));
  case_json_["evidence"] = list;
  case_json_["updated"] = HostNow().utc;
  MFX_RETURN_IF_ERROR(WriteJsonFile(kCaseJson, case_json_));
  return {};
}

Result<CustodyHead> CaseFolder::RecordEvent(std::string_view event, json fields) {
  if (fields.is_null()) fields = json::object();
  if (fields.is_object() && !fields.contains("location") && !location_.empty()) {
    fields["location"] = location_;
  }
  return custody_->Append(event, std::move(fields));
}

Result<EvidenceItem> CaseFolder::FinishRegistration(EvidenceItem item,
                                                    const std::string& hash_list_text,
                                                    json evidence_json, json detail) {
  item.hash_list = std::string(kEvidenceDir) + "/" + item.id + ".sha256";
  item.hash_list_sha256 = core::Sha256Hex(AsBytes(hash_list_text));
  item.registered = HostNow().utc;
  std::error_code ec;
  fs::create_directories(root_ / kEvidenceDir, ec);
  MFX_RETURN_IF_ERROR(guard_.Check(hash_list_text, item.hash_list));
  MFX_RETURN_IF_ERROR(core::WriteFileAtomic(Path(item.hash_list), AsBytes(hash_list_text)));
  detail["kind"] = item.kind;
  detail["location"] = item.location;
  detail["files"] = item.files;
  detail["bytes"] = item.bytes;
  detail["hash_list"] = item.hash_list;
  MFX_ASSIGN_OR_RETURN(
      CustodyHead head,
      RecordEvent("evidence_registered",
                  {{"evidence_id", item.id},
                   {"root_evidence_id", item.root_id},
                   {"hashes", json::array({HashRef(item.hash_list, item.hash_list_sha256)})},
                   {"detail", detail}}));
  item.registered_seq = head.seq;
  evidence_json["schema"] = kEvidenceSchema;
  const json item_json = EvidenceItemToJson(item);
  for (const auto& [k, v] : item_json.items()) evidence_json[k] = v;
  MFX_RETURN_IF_ERROR(
      WriteJsonFile(std::string(kEvidenceDir) + "/" + item.id + ".json", evidence_json));
  evidence_.push_back(item);
  MFX_RETURN_IF_ERROR(WriteCaseJson());
  return item;
}

Result<EvidenceItem> CaseFolder::RegisterIngestedBackup(const Backup& backup,
                                                        const RegisterOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  const fs::path folder = fs::canonical(backup.folder(), ec);
  if (ec) return Fail(ErrorCode::kNotFound, backup.folder().string() + ": " + ec.message());
  if (IsWithin(folder, root_) || IsWithin(root_, folder)) {
    return Fail(ErrorCode::kInvalidArgument,
                folder.string() + ": an ingested backup must lie outside the case folder " +
                    root_.string() + " (and the case outside the backup)");
  }
  MFX_ASSIGN_OR_RETURN(std::vector<TreeEntry> tree, WalkTree(folder));
  std::vector<std::string> paths;
  json not_hashed = json::array();
  for (const TreeEntry& e : tree) {
    if (e.kind == TreeEntryKind::kRegular) {
      paths.push_back(e.path);
    } else {
      not_hashed.push_back({{"path", SanitizeUtf8(e.path)},
                            {"kind", e.kind == TreeEntryKind::kSymlink ? "symlink" : "special"}});
    }
  }
  uint64_t total = 0;
  for (const TreeEntry& e : tree) total += e.size;
  std::vector<FileHash> hashes;
  {
    core::Progress progress("hash " + folder.filename().string(), paths.size(), total,
                            options.progress);
    MFX_ASSIGN_OR_RETURN(hashes, HashFiles(folder, paths, options.threads, &progress));
    progress.Finish();
  }
  std::string list;
  EvidenceItem item;
  for (const FileHash& h : hashes) {
    if (!h.error.empty()) {
      return Fail(ErrorCode::kIo,
                  "cannot hash evidence file " + (folder / h.path).string() + ": " + h.error);
    }
    list += Sha256sumLine(h.sha256, h.path);
    ++item.files;
    item.bytes += h.size;
  }
  const std::string list_sha = core::Sha256Hex(AsBytes(list));
  const int64_t duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - started)
                                  .count();

  for (const EvidenceItem& e : evidence_) {
    if (e.kind == "ingested" && e.hash_list_sha256 == list_sha) {
      MFX_RETURN_IF_ERROR(RecordEvent(
          "hash_verified", {{"evidence_id", e.id},
                            {"root_evidence_id", e.root_id},
                            {"hashes", json::array({HashRef(e.hash_list, list_sha)})},
                            {"detail",
                             {{"what", "the backup was registered again; its files were re-hashed"},
                              {"location", folder.string()},
                              {"result", "match"},
                              {"files", item.files},
                              {"bytes", item.bytes},
                              {"duration_ms", duration_ms}}}}));
      EvidenceItem same = e;
      same.already_registered = true;
      return same;
    }
  }
  for (const EvidenceItem& e : evidence_) {
    if (e.kind == "ingested" && e.location == folder.string()) {
      MFX_RETURN_IF_ERROR(RecordEvent(
          "hash_mismatch", {{"evidence_id", e.id},
                            {"root_evidence_id", e.root_id},
                            {"hashes", json::array({HashRef(e.hash_list, e.hash_list_sha256)})},
                            {"detail",
                             {{"what",
                               "the backup folder of this exhibit was registered again and its "
                               "files differ; registered as a new exhibit"},
                              {"location", folder.string()},
                              {"result", "mismatch"},
                              {"expected_hash_list_sha256", e.hash_list_sha256},
                              {"actual_hash_list_sha256", list_sha},
                              {"new_evidence_id", NextEvidenceId()}}}}));
    }
  }

  item.id = NextEvidenceId();
  item.root_id = item.id;
  item.kind = "ingested";
  item.location = folder.string();

  const auto& enc = backup.encryption();
  json encryption = {{"was_encrypted", enc.was_encrypted},
                     {"evidence", enc.was_encrypted_evidence},
                     {"manifest_encrypted", enc.manifest_encrypted},
                     {"files_encrypted", enc.blobs_encrypted},
                     {"unlocked", enc.unlocked}};
  json backup_json = {
      {"manifest_format", ManifestFormatName(backup.manifest_format())},
      {"last_backup_date", backup.info() ? TimeJson(backup.info()->last_backup_date) : json()},
      {"itunes_version", backup.info() ? Opt(backup.info()->itunes_version) : json()},
      {"snapshot_state", backup.status() ? Opt(backup.status()->snapshot_state) : json()},
      {"is_full_backup", backup.status() && backup.status()->is_full_backup
                             ? json(*backup.status()->is_full_backup)
                             : json()}};
  const json identity = IdentityJson(backup.identity());
  HostFacts host = ReadHostFacts();
  json evidence_json = {{"host", host.name},
                        {"identity", identity},
                        {"backup", backup_json},
                        {"encryption", encryption},
                        {"not_hashed", not_hashed},
                        {"custody_before_registration",
                         "outside mfx's knowledge: the backup was made before it was registered"}};
  json detail = {{"identity", identity},
                 {"backup", backup_json},
                 {"encryption", encryption},
                 {"not_hashed", not_hashed.size()},
                 {"duration_ms", duration_ms},
                 {"threads", options.threads == 0 ? DefaultThreads() : options.threads}};
  return FinishRegistration(std::move(item), list, std::move(evidence_json), std::move(detail));
}

Result<RehashResult> CaseFolder::ReverifyEvidence(std::string_view id,
                                                  const std::vector<std::string>& paths,
                                                  std::string_view what,
                                                  const RegisterOptions& options) {
  MFX_ASSIGN_OR_RETURN(RehashPlan plan, PlanRehash(id, paths));
  MFX_ASSIGN_OR_RETURN(std::vector<FileHash> hashes, RunRehash(plan, options));
  return RecordRehash(plan, hashes, what);
}

Result<CaseFolder::RehashPlan> CaseFolder::PlanRehash(std::string_view id,
                                                      const std::vector<std::string>& paths) const {
  const EvidenceItem* item = FindEvidence(id);
  if (item == nullptr)
    return Fail(ErrorCode::kNotFound, "no exhibit '" + std::string(id) + "' in this case");
  MFX_ASSIGN_OR_RETURN(std::string list_text,
                       core::ReadTextFile(Path(item->hash_list), size_t{1} << 30));
  const Sha256sumParse list = ParseSha256sumList(list_text, /*allow_escapes=*/true);
  if (!list.errors.empty()) {
    return Fail(ErrorCode::kCorrupt, item->hash_list + ": " + list.errors.front());
  }
  RehashPlan plan;
  plan.id = item->id;
  plan.root_id = item->root_id;
  plan.hash_list = item->hash_list;
  plan.hash_list_sha256 = core::Sha256Hex(AsBytes(list_text));
  for (const Sha256sumEntry& e : list.entries) plan.expected.emplace(e.path, e.sha256);
  if (paths.empty()) {
    for (const auto& [path, sha] : plan.expected) plan.todo.push_back(path);
  } else {
    for (const std::string& p : paths) {
      if (plan.expected.count(p))
        plan.todo.push_back(p);
      else
        plan.unlisted.push_back(p);
    }
    std::sort(plan.todo.begin(), plan.todo.end());
    plan.todo.erase(std::unique(plan.todo.begin(), plan.todo.end()), plan.todo.end());
  }
  plan.asked = paths.empty() ? plan.expected.size() : paths.size();
  plan.location = item->kind == "acquired" ? Path(item->location) : fs::path(item->location);
  return plan;
}

Result<std::vector<FileHash>> CaseFolder::RunRehash(const RehashPlan& plan,
                                                    const RegisterOptions& options) {
  core::Progress progress("re-hash " + plan.id, plan.todo.size(), 0, options.progress);
  MFX_ASSIGN_OR_RETURN(auto hashes,
                       HashFiles(plan.location, plan.todo, options.threads, &progress));
  progress.Finish();
  return hashes;
}

Result<RehashResult> CaseFolder::RecordRehash(const RehashPlan& plan,
                                              const std::vector<FileHash>& hashes,
                                              std::string_view what) {
  RehashResult result;
  result.id = plan.id;
  result.unlisted = plan.unlisted;
  for (const FileHash& h : hashes) {
    if (!h.error.empty()) {
      result.missing.push_back(h.path);
    } else {
      ++result.checked;
      const auto it = plan.expected.find(h.path);
      if (it == plan.expected.end() || h.sha256 != it->second) result.mismatched.push_back(h.path);
    }
  }
  auto first = [](const std::vector<std::string>& v) {
    json out = json::array();
    for (size_t i = 0; i < v.size() && i < 100; ++i) out.push_back(v[i]);
    return out;
  };
  json detail = {{"what", std::string(what)},
                 {"location", plan.location.string()},
                 {"result", result.ok() ? "match" : "mismatch"},
                 {"files_checked", result.checked},
                 {"files_asked", plan.asked},
                 {"mismatched", first(result.mismatched)},
                 {"missing", first(result.missing)},
                 {"unlisted", first(result.unlisted)}};
  MFX_ASSIGN_OR_RETURN(
      CustodyHead head,
      RecordEvent(result.ok() ? "hash_verified" : "hash_mismatch",
                  {{"evidence_id", plan.id},
                   {"root_evidence_id", plan.root_id},
                   {"hashes", json::array({HashRef(plan.hash_list, plan.hash_list_sha256)})},
                   {"detail", detail}}));
  result.event_seq = head.seq;
  return result;
}

Result<EvidenceItem> CaseFolder::RegisterAcquiredEvidence(const AcquiredEvidence& acquired) {
  if (acquired.id.empty() || FindEvidence(acquired.id) != nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "evidence id '" + acquired.id + "' is empty or taken");
  }
  if (!UnsafeRelativePath(acquired.id).empty() || acquired.id.find('/') != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                "evidence id '" + acquired.id + "' is not a plain name");
  }
  const std::string location = std::string(kEvidenceDir) + "/" + acquired.id;
  std::error_code ec;
  if (!fs::is_directory(Path(location), ec)) {
    return Fail(ErrorCode::kNotFound,
                Path(location).string() + ": the acquired exhibit's folder is missing");
  }
  std::vector<AcquiredFile> files = acquired.files;
  std::sort(files.begin(), files.end(),
            [](const AcquiredFile& a, const AcquiredFile& b) { return a.path < b.path; });
  EvidenceItem item;
  item.id = acquired.id;
  item.root_id = acquired.id;
  item.kind = "acquired";
  item.location = location;
  std::string list;
  for (const AcquiredFile& f : files) {
    if (auto why = UnsafeRelativePath(f.path); !why.empty()) {
      return Fail(ErrorCode::kUnsafePath, location + "/" + SanitizeUtf8(f.path) + ": " + why);
    }
    list += Sha256sumLine(f.sha256, f.path);
    ++item.files;
    item.bytes += f.size;
  }
  json evidence_json = {{"host", ReadHostFacts().name},
                        {"identity", acquired.device},
                        {"acquisition", acquired.detail}};
  json detail = acquired.detail;
  if (!detail.is_object()) detail = json::object();
  detail["identity"] = acquired.device;
  return FinishRegistration(std::move(item), list, std::move(evidence_json), std::move(detail));
}

Result<fs::path> CaseFolder::ScratchDir() {
  const fs::path p = root_ / kScratchDir;
  if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(ErrorCode::kIo, p.string() + ": " + std::strerror(errno));
  }
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(p, ec))) {
    return Fail(ErrorCode::kUnsafePath, p.string() + ": not a folder");
  }
  return p;
}

Status CaseFolder::RemoveScratch() {
  if (root_.empty()) return {};
  std::error_code ec;
  fs::remove_all(root_ / kScratchDir, ec);
  if (ec)
    return Fail(ErrorCode::kIo,
                (root_ / kScratchDir).string() + ": cannot remove: " + ec.message());
  return {};
}

Result<ConsentSummary> CaseFolder::AddConsentRecord(const fs::path& record_json,
                                                    const fs::path& form) {
  MFX_ASSIGN_OR_RETURN(std::string text, core::ReadTextFile(record_json, 16 << 20));
  const json record = json::parse(text, nullptr, false);
  if (record.is_discarded() || !record.is_object()) {
    return Fail(ErrorCode::kCorrupt, record_json.string() + ": not a JSON object");
  }
  const std::string id = Str(record, "consent_id");
  if (!ValidConsentId(id)) {
    return Fail(ErrorCode::kInvalidArgument,
                record_json.string() + ": \"consent_id\" must be 1–64 of [A-Za-z0-9._-]");
  }
  MFX_RETURN_IF_ERROR(CheckNoSecretFieldNames(record, record_json.filename().string()));
  MFX_RETURN_IF_ERROR(guard_.Check(text, record_json.string()));
  std::error_code ec;
  fs::create_directories(root_ / kConsentDir, ec);
  ConsentSummary s;
  s.id = id;
  s.record_path = std::string(kConsentDir) + "/" + id + ".json";
  if (fs::exists(Path(s.record_path), ec)) {
    return Fail(ErrorCode::kInvalidArgument, "consent record '" + id + "' is already in the case");
  }
  MFX_RETURN_IF_ERROR(core::WriteFileAtomic(Path(s.record_path), AsBytes(text)));
  s.record_sha256 = core::Sha256Hex(AsBytes(text));
  json hashes = json::array({HashRef(s.record_path, s.record_sha256)});
  if (!form.empty()) {
    MFX_ASSIGN_OR_RETURN(std::string bytes, core::ReadTextFile(form, size_t{512} << 20));
    s.form_path = std::string(kConsentDir) + "/" + id + "-form" + form.extension().string();
    if (!UnsafeRelativePath(s.form_path).empty())
      s.form_path = std::string(kConsentDir) + "/" + id + "-form";
    MFX_RETURN_IF_ERROR(core::WriteFileAtomic(Path(s.form_path), AsBytes(bytes)));
    s.form_sha256 = core::Sha256Hex(AsBytes(bytes));
    hashes.push_back(HashRef(s.form_path, s.form_sha256));
  }
  json summary = {{"id", id},
                  {"record", s.record_path},
                  {"record_sha256", s.record_sha256},
                  {"form", OrNull(s.form_path)},
                  {"form_sha256", OrNull(s.form_sha256)},
                  {"scope", Member(record, "scope")},
                  {"withdrawn", false}};
  case_json_["consent"].push_back(summary);
  MFX_RETURN_IF_ERROR(WriteCaseJson());
  json detail = {{"consent_id", id}};
  if (record.contains("scope")) detail["scope"] = SanitizeJsonStrings(record["scope"]);
  auto appended = RecordEvent("consent_recorded",
                              {{"authority_ref", id}, {"hashes", hashes}, {"detail", detail}});
  if (!appended) {
    // The scope may hold floats or keys outside [a-z0-9_]: record the event without it.
    detail.erase("scope");
    detail["scope_in_record"] = true;
    MFX_RETURN_IF_ERROR(RecordEvent(
        "consent_recorded", {{"authority_ref", id}, {"hashes", hashes}, {"detail", detail}}));
  }
  return s;
}

void CaseFolder::GuardSecret(const core::SecretBytes& secret) { guard_.Add(secret); }

}  // namespace mfx::reports
