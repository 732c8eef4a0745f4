#include "reports/verify.h"

#include <openssl/err.h>

#include <algorithm>
#include <set>

#include "core/crypto.h"
#include "core/file_util.h"
#include "reports/case_files.h"
#include "reports/custody_host.h"
#include "reports/seal.h"
#include "reports/seal_openssl.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr size_t kMaxManifestBytes = size_t{1} << 30;

bool IsNotListed(std::string_view path) {
  return path == kManifestSha256 || path.starts_with(std::string(kManifestSha256) + ".") ||
         path == kCustodyFileName;
}

class Checker {
 public:
  Checker(fs::path root, const VerifyOptions& options)
      : root_(std::move(root)), options_(options) {}

  VerifyReport Run();

 private:
  void Add(std::string code, FindingClass kind, std::string path, std::string message,
           std::string expected = {}, std::string actual = {}, std::optional<int64_t> seq = {}) {
    report_.findings.push_back(Finding{std::move(code), kind, std::move(path), seq,
                                       std::move(expected), std::move(actual), std::move(message)});
  }
  bool LoadManifestSha256();
  bool LoadManifestJson();
  void CheckSignature();
  void CheckFiles();
  void CheckEvidence();
  void CheckCustody();
  void Record();

  fs::path root_;
  const VerifyOptions& options_;
  VerifyReport report_;
  std::string manifest_text_;
  std::map<std::string, std::string> listed_;  // manifest.sha256: path → sha256
  json manifest_;                              // manifest.json, object or null
  CustodyChainReport chain_;
  bool have_chain_ = false;
  bool have_list_ = false;  // manifest.sha256 was read (and the signature checked)
};

bool Checker::LoadManifestSha256() {
  auto text = core::ReadTextFile(root_ / kManifestSha256, kMaxManifestBytes);
  if (!text) {
    Add(text.error().code == ErrorCode::kNotFound ? "manifest_missing" : "manifest_unreadable",
        FindingClass::kStructure, kManifestSha256,
        "the signed root manifest.sha256 cannot be read: " + text.error().message);
    return false;
  }
  manifest_text_ = std::move(*text);
  report_.manifest_sha256 = core::Sha256Hex(AsBytes(manifest_text_));
  const Sha256sumParse parsed = ParseSha256sumList(manifest_text_, /*allow_escapes=*/false);
  for (const std::string& e : parsed.errors) {
    Add("manifest_malformed", FindingClass::kStructure, kManifestSha256, e);
  }
  std::string prev;
  for (const Sha256sumEntry& e : parsed.entries) {
    if (auto why = UnsafeRelativePath(e.path); !why.empty()) {
      Add("manifest_unsafe_path", FindingClass::kStructure, e.path,
          "manifest.sha256 lists an unsafe path: " + why);
      continue;
    }
    if (IsNotListed(e.path)) {
      Add("manifest_lists_excluded", FindingClass::kStructure, e.path,
          "manifest.sha256 lists a file that is never listed (itself, its signature files or the "
          "live custody log)");
      continue;
    }
    if (!prev.empty() && !(prev < e.path)) {
      Add(prev == e.path ? "manifest_duplicate" : "manifest_unsorted", FindingClass::kStructure,
          e.path,
          prev == e.path ? "listed twice in manifest.sha256"
                         : "manifest.sha256 is not in LC_ALL=C order here");
    }
    prev = e.path;
    listed_.emplace(e.path, e.sha256);
  }
  report_.files_listed = listed_.size();
  return true;
}

bool Checker::LoadManifestJson() {
  auto text = core::ReadTextFile(root_ / kManifestJson, kMaxManifestBytes);
  if (!text) {
    Add(text.error().code == ErrorCode::kNotFound ? "manifest_json_missing"
                                                  : "manifest_json_unreadable",
        FindingClass::kStructure, kManifestJson,
        "manifest.json cannot be read: " + text.error().message);
    return false;
  }
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    Add("manifest_json_malformed", FindingClass::kStructure, kManifestJson,
        "manifest.json is not a JSON object");
    return false;
  }
  if (j.value("schema", "") != kManifestSchema) {
    Add("unknown_schema", FindingClass::kStructure, kManifestJson,
        "manifest.json has an unknown schema", kManifestSchema,
        j.contains("schema") ? j["schema"].dump() : "");
    return false;
  }
  manifest_ = std::move(j);
  report_.case_number = manifest_.value("case_number", "");
  report_.report_id = manifest_.value("report_id", "");
  report_.revision = manifest_.value("revision", 0);
  report_.sealed = manifest_.value("created", "");
  return true;
}

void Checker::CheckSignature() {
  SignatureCheck& sig = report_.signature;
  const json expected_signer =
      manifest_.is_object() && manifest_.contains("signer") ? manifest_["signer"] : json();
  std::error_code ec;
  const fs::path p7s = root_ / kManifestP7s;
  if (!fs::exists(fs::symlink_status(p7s, ec))) {
    if (expected_signer.is_object()) {
      Add("signature_missing", FindingClass::kIntegrity, kManifestP7s,
          "manifest.json names a signer, but the signature file is missing",
          expected_signer.value("subject", ""), "");
    } else {
      Add("unsigned", FindingClass::kTrust, kManifestP7s,
          "the case was sealed without a signature: nothing vouches for who sealed it");
    }
    return;
  }
  sig.present = true;
  auto der = core::ReadTextFile(p7s, 16 << 20);
  if (!der) {
    Add("signature_unreadable", FindingClass::kIntegrity, kManifestP7s, der.error().message);
    return;
  }
  sig.p7s_sha256 = core::Sha256Hex(AsBytes(*der));
  ssl::BioPtr der_bio = ssl::MemoryBio(AsBytes(*der));
  ssl::CmsPtr cms(d2i_CMS_bio(der_bio.get(), nullptr));
  if (!cms) {
    ERR_clear_error();
    Add("signature_malformed", FindingClass::kIntegrity, kManifestP7s, "not a DER CMS signature");
    return;
  }
  {
    ssl::BioPtr content = ssl::MemoryBio(AsBytes(manifest_text_));
    if (CMS_verify(cms.get(), nullptr, nullptr, content.get(), nullptr,
                   CMS_BINARY | CMS_DETACHED | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
      Add("signature_mismatch", FindingClass::kIntegrity, kManifestP7s,
          "the signature does not match the bytes of manifest.sha256: " + ssl::ErrorText());
      return;
    }
  }
  sig.matches = true;
  ssl::X509StackViewPtr signers(CMS_get0_signers(cms.get()));
  if (signers && sk_X509_num(signers.get()) > 0) {
    X509* cert = sk_X509_value(signers.get(), 0);
    sig.subject = ssl::SubjectText(cert);
    sig.cert_sha256 = ssl::CertSha256(cert);
  }
  sig.signing_time = ssl::CmsSigningTime(cms.get());
  if (expected_signer.is_object() && expected_signer.value("cert_sha256", "") != sig.cert_sha256) {
    Add("signer_unexpected", FindingClass::kTrust, kManifestP7s,
        "the signer is not the one manifest.json names (re-signed by someone else?)",
        expected_signer.value("subject", "") + " " + expected_signer.value("cert_sha256", ""),
        sig.subject + " " + sig.cert_sha256);
  } else if (!expected_signer.is_object()) {
    Add("signer_unexpected", FindingClass::kTrust, kManifestP7s,
        "manifest.json names no signer, but a signature is present", "", sig.subject);
  }
  if (options_.trust.empty()) {
    Add("signer_not_anchored", FindingClass::kTrust, kManifestP7s,
        "no trust anchor given (--trust LAB_ROOT.pem): the signer cannot be trusted", "",
        sig.subject);
    return;
  }
  ssl::StorePtr store(X509_STORE_new());
  for (const fs::path& t : options_.trust) {
    if (X509_STORE_load_file(store.get(), t.c_str()) != 1) {
      Add("trust_unreadable", FindingClass::kTrust, t.string(),
          "the trust anchor file cannot be read: " + ssl::ErrorText());
    }
  }
  X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
  ssl::BioPtr content = ssl::MemoryBio(AsBytes(manifest_text_));
  if (CMS_verify(cms.get(), nullptr, store.get(), content.get(), nullptr,
                 CMS_BINARY | CMS_DETACHED) != 1) {
    Add("signer_not_anchored", FindingClass::kTrust, kManifestP7s,
        "the signer's certificate does not chain to a --trust anchor: " + ssl::ErrorText(), "",
        sig.subject);
    return;
  }
  sig.trusted = true;
}

void Checker::CheckFiles() {
  std::vector<std::string> paths;
  paths.reserve(listed_.size());
  for (const auto& [path, sha] : listed_) paths.push_back(path);
  std::vector<FileHash> hashes;
  {
    core::Progress progress("verify", paths.size(), 0, options_.progress);
    auto hashed = HashFiles(root_, paths, options_.threads, &progress);
    progress.Finish();
    if (!hashed) {
      Add("case_unreadable", FindingClass::kStructure, root_.string(), hashed.error().message);
      return;
    }
    hashes = std::move(*hashed);
  }
  for (const FileHash& h : hashes) {
    const std::string& expected = listed_[h.path];
    if (!h.error.empty()) {
      if (h.missing) {
        Add("missing", FindingClass::kIntegrity, h.path, "a sealed file is missing", expected, "");
      } else {
        Add("unreadable", FindingClass::kIntegrity, h.path,
            "a sealed file cannot be read: " + h.error, expected, "");
      }
      continue;
    }
    ++report_.files_checked;
    if (h.sha256 != expected) {
      Add("changed", FindingClass::kIntegrity, h.path,
          "the file's SHA-256 differs from manifest.sha256", expected, h.sha256);
    }
  }
  auto tree = WalkTree(root_);
  if (!tree) {
    Add("case_unreadable", FindingClass::kStructure, root_.string(), tree.error().message);
    return;
  }
  for (const TreeEntry& e : *tree) {
    if (e.kind != TreeEntryKind::kRegular) {
      Add("special_file", FindingClass::kIntegrity, e.path,
          e.kind == TreeEntryKind::kSymlink ? "a symbolic link in the case folder"
                                            : "a device, FIFO or socket in the case folder");
      continue;
    }
    if (IsNotListed(e.path) || listed_.count(e.path)) continue;
    Add("extra", FindingClass::kIntegrity, e.path,
        "a file that manifest.sha256 does not list (added after sealing)");
  }
  // manifest.json.files must equal manifest.sha256 minus manifest.json.
  if (manifest_.is_object()) {
    std::map<std::string, std::string> in_json;
    const auto files = manifest_.find("files");
    if (files == manifest_.end() || !files->is_array()) {
      Add("manifest_json_malformed", FindingClass::kStructure, kManifestJson,
          "manifest.json has no \"files\" array");
      return;
    }
    for (const json& f : *files) {
      if (!f.is_object()) continue;
      in_json[f.value("path", "")] = f.value("sha256", "");
    }
    for (const auto& [path, sha] : listed_) {
      if (path == kManifestJson) continue;
      const auto it = in_json.find(path);
      if (it == in_json.end()) {
        Add("manifest_json_mismatch", FindingClass::kIntegrity, path,
            "listed in manifest.sha256 but not in manifest.json files");
      } else if (it->second != sha) {
        Add("manifest_json_mismatch", FindingClass::kIntegrity, path,
            "manifest.json and manifest.sha256 disagree on the hash", sha, it->second);
      }
    }
    for (const auto& [path, sha] : in_json) {
      if (!listed_.count(path)) {
        Add("manifest_json_mismatch", FindingClass::kIntegrity, path,
            "in manifest.json files but not in manifest.sha256", sha, "");
      }
    }
  }
}

void Checker::CheckEvidence() {
  if (!manifest_.is_object()) return;
  const auto exhibits = manifest_.find("exhibits");
  if (exhibits == manifest_.end() || !exhibits->is_array()) {
    Add("manifest_json_malformed", FindingClass::kStructure, kManifestJson,
        "manifest.json has no \"exhibits\" array");
    return;
  }
  std::set<std::string> known;
  for (const json& x : *exhibits) {
    ExhibitCheck check;
    check.id = x.value("id", "");
    check.kind = x.value("kind", "");
    known.insert(check.id);
    const std::string hash_list = x.value("hash_list", "");
    const std::string hash_list_sha = x.value("hash_list_sha256", "");
    if (check.id.empty() || !UnsafeRelativePath(hash_list).empty()) {
      Add("manifest_json_malformed", FindingClass::kStructure, kManifestJson,
          "an exhibit without id or hash list");
      continue;
    }
    if (const auto it = listed_.find(hash_list);
        have_list_ && (it == listed_.end() || it->second != hash_list_sha)) {
      Add("exhibit_hash_list_mismatch", FindingClass::kIntegrity, hash_list,
          "exhibit " + check.id + ": manifest.json's hash-list hash differs from the sealed file's",
          hash_list_sha, it == listed_.end() ? "" : it->second);
    }
    auto text = core::ReadTextFile(root_ / hash_list, kMaxManifestBytes);
    if (!text) {
      Add("evidence_unchecked", FindingClass::kStructure, hash_list,
          "exhibit " + check.id + ": its hash list cannot be read; the exhibit is unchecked");
      report_.exhibits.push_back(check);
      continue;
    }
    const Sha256sumParse list = ParseSha256sumList(*text, /*allow_escapes=*/true);
    for (const std::string& e : list.errors) {
      Add("evidence_list_malformed", FindingClass::kStructure, hash_list,
          "exhibit " + check.id + ": " + e);
    }
    check.listed = list.entries.size();
    fs::path location;
    std::string display_prefix;
    if (auto o = options_.evidence.find(check.id); o != options_.evidence.end()) {
      location = o->second;
      display_prefix = location.string() + "/";
    } else if (check.kind == "acquired") {
      location = root_ / x.value("location", "");
      display_prefix = x.value("location", "") + "/";
    } else {
      location = x.value("location", "");
      display_prefix = location.string() + "/";
    }
    check.location = location.string();
    std::error_code ec;
    if (location.empty() || !fs::is_directory(location, ec)) {
      Add("evidence_unreachable", FindingClass::kStructure, location.string(),
          "exhibit " + check.id + " cannot be reached here: give --evidence " + check.id +
              "=DIR; its files are unchecked");
      report_.exhibits.push_back(check);
      continue;
    }
    check.reachable = true;
    std::vector<std::string> paths;
    std::map<std::string, std::string> expected;
    for (const Sha256sumEntry& e : list.entries) {
      if (!expected.emplace(e.path, e.sha256).second) continue;
      paths.push_back(e.path);
    }
    core::Progress progress("evidence " + check.id, paths.size(), 0, options_.progress);
    auto hashed = HashFiles(location, paths, options_.threads, &progress);
    progress.Finish();
    if (!hashed) {
      Add("evidence_unreachable", FindingClass::kStructure, location.string(),
          hashed.error().message);
      report_.exhibits.push_back(check);
      continue;
    }
    for (const FileHash& h : *hashed) {
      const std::string shown = display_prefix + h.path;
      if (!h.error.empty()) {
        Add(h.missing ? "evidence_missing" : "evidence_unreadable", FindingClass::kIntegrity, shown,
            "exhibit " + check.id + ": " +
                (h.missing ? "a file of the hash list is missing" : h.error),
            expected[h.path], "");
        continue;
      }
      ++check.checked;
      if (h.sha256 != expected[h.path]) {
        Add("evidence_changed", FindingClass::kIntegrity, shown,
            "exhibit " + check.id + ": the file differs from its registered hash", expected[h.path],
            h.sha256);
      }
    }
    // Files in the exhibit folder that were not there at registration; links and special files
    // are fine only when evidence/<id>.json recorded them as not hashed.
    std::set<std::string> not_hashed;
    if (auto ej = core::ReadTextFile(root_ / kEvidenceDir / (check.id + ".json"), 64 << 20); ej) {
      const json j = json::parse(*ej, nullptr, false);
      if (j.is_object() && j.contains("not_hashed") && j["not_hashed"].is_array()) {
        for (const json& n : j["not_hashed"]) {
          if (n.is_object()) not_hashed.insert(n.value("path", ""));
        }
      }
    }
    if (auto tree = WalkTree(location); tree) {
      for (const TreeEntry& e : *tree) {
        if (expected.count(e.path) || not_hashed.count(e.path)) continue;
        Add("evidence_extra", FindingClass::kIntegrity, display_prefix + e.path,
            "exhibit " + check.id + ": a file that was not there when the exhibit was registered");
      }
    }
    report_.exhibits.push_back(check);
  }
  for (const auto& [id, dir] : options_.evidence) {
    if (!known.count(id)) {
      Add("evidence_unknown", FindingClass::kStructure, dir.string(),
          "--evidence names exhibit " + id + ", which the case does not have");
    }
  }
}

void Checker::CheckCustody() {
  auto chain = VerifyCustodyChain(root_ / kCustodyFileName);
  if (!chain) {
    Add(chain.error().code == ErrorCode::kNotFound ? "missing" : "unreadable",
        FindingClass::kIntegrity, kCustodyFileName,
        "the custody log cannot be read: " + chain.error().message);
    return;
  }
  chain_ = std::move(*chain);
  have_chain_ = true;
  report_.custody_lines = chain_.entries.size();
  for (Finding& f : chain_.findings) report_.findings.push_back(std::move(f));
  chain_.findings.clear();
  if (!manifest_.is_object()) return;
  const auto pin = manifest_.find("custody");
  if (pin == manifest_.end() || !pin->is_object()) {
    Add("manifest_json_malformed", FindingClass::kStructure, kManifestJson,
        "manifest.json has no custody pin");
    return;
  }
  const int64_t head_seq = pin->value("head_seq", int64_t{-1});
  const uint64_t prefix_lines = pin->value("prefix_lines", uint64_t{0});
  const std::string head_sha = pin->value("head_sha256", "");
  const std::string prefix_sha = pin->value("prefix_sha256", "");
  report_.pinned_head_seq = head_seq;
  if (head_seq < 0 || prefix_lines != static_cast<uint64_t>(head_seq) + 1) {
    Add("manifest_json_malformed", FindingClass::kStructure, kManifestJson,
        "the custody pin is inconsistent");
    return;
  }
  if (chain_.entries.size() < prefix_lines) {
    Add("custody_truncated", FindingClass::kIntegrity, kCustodyFileName,
        "the custody log is shorter than the head pinned at sealing (lines were cut)",
        std::to_string(prefix_lines) + " lines", std::to_string(chain_.entries.size()) + " lines",
        head_seq);
  } else {
    const uint64_t end = chain_.entries[prefix_lines - 1].end_offset;
    const std::string actual =
        core::Sha256Hex(AsBytes(std::string_view(chain_.bytes).substr(0, end)));
    if (actual != prefix_sha) {
      Add("custody_prefix", FindingClass::kIntegrity, kCustodyFileName,
          "the custody lines up to the pinned head are not the ones sealed", prefix_sha, actual,
          head_seq);
    }
    const std::string& stored = chain_.entries[static_cast<size_t>(head_seq)].entry_sha256;
    if (stored != head_sha) {
      Add("custody_head", FindingClass::kIntegrity, kCustodyFileName,
          "the pinned head line's entry_sha256 differs from manifest.json", head_sha, stored,
          head_seq);
    }
  }
  const CustodyEntry* last_seal = nullptr;
  for (const CustodyEntry& e : chain_.entries) {
    if (e.seq <= head_seq) continue;
    report_.after_seal.emplace_back(e.seq, e.event);
    if (e.event == "report_signed" || e.event == "sealed_unsigned") last_seal = &e;
  }
  auto hash_of = [](const CustodyEntry& e, std::string_view of) -> std::string {
    const auto hashes = e.value.find("hashes");
    if (hashes == e.value.end() || !hashes->is_array()) return {};
    for (const json& h : *hashes) {
      if (h.is_object() && h.value("of", "") == of) return h.value("value", "");
    }
    return {};
  };
  if (last_seal == nullptr) {
    Add("seal_unrecorded", FindingClass::kIntegrity, kCustodyFileName,
        "no report_signed / sealed_unsigned event follows the pinned head (custody lines were "
        "cut)");
    return;
  }
  const std::string root_hash = hash_of(*last_seal, kManifestSha256);
  if (!report_.manifest_sha256.empty() && root_hash != report_.manifest_sha256) {
    Add("custody_root_mismatch", FindingClass::kIntegrity, kManifestSha256,
        "the last seal event in the custody log names another manifest.sha256", root_hash,
        report_.manifest_sha256, last_seal->seq);
  }
  if (!have_list_) return;  // the signature was not checked: nothing to compare with
  if (report_.signature.present) {
    const std::string p7s = hash_of(*last_seal, kManifestP7s);
    if (last_seal->event != "report_signed" || p7s != report_.signature.p7s_sha256) {
      Add("signature_unrecorded", FindingClass::kTrust, kManifestP7s,
          "the last report_signed event does not name this signature file (re-signed?)", p7s,
          report_.signature.p7s_sha256, last_seal->seq);
    }
  } else if (last_seal->event == "report_signed") {
    Add("signature_missing", FindingClass::kIntegrity, kManifestP7s,
        "the custody log records a signature for this seal, but manifest.sha256.p7s is missing",
        hash_of(*last_seal, kManifestP7s), "", last_seal->seq);
  }
}

void Checker::Record() {
  if (!have_chain_) {
    report_.record_error = "the custody log is missing or unreadable: nothing recorded";
    return;
  }
  std::string case_number = report_.case_number;
  if (case_number.empty()) {
    if (auto t = core::ReadTextFile(root_ / kCaseJson, 64 << 20); t) {
      const json j = json::parse(*t, nullptr, false);
      if (j.is_object()) case_number = j.value("case_number", "");
    }
  }
  const HostFacts host = ReadHostFacts();
  CustodyIdentity identity;
  identity.case_number = case_number;
  identity.actor = {{"name", host.user.empty() ? json() : json(host.user)}, {"role", "verifier"}};
  auto log = CustodyLog::Open(root_ / kCustodyFileName, identity);
  if (!log) {
    report_.record_error = log.error().ToString();
    return;
  }
  std::map<std::string, int> codes;
  for (const Finding& f : report_.findings) ++codes[f.code];
  json first = json::array();
  for (size_t i = 0; i < report_.findings.size() && i < 20; ++i)
    first.push_back(FindingToText(report_.findings[i]));
  json detail = {{"exit", report_.exit_code},
                 {"findings", report_.findings.size()},
                 {"codes", codes},
                 {"first_findings", first},
                 {"files_checked", report_.files_checked},
                 {"signer_subject", report_.signature.subject},
                 {"trusted", report_.signature.trusted},
                 {"revision", report_.revision}};
  json hashes = json::array();
  if (!report_.manifest_sha256.empty())
    hashes.push_back(HashRef(kManifestSha256, report_.manifest_sha256));
  // codes keys come from mfx's own finding codes ([a-z_]); no evidence text reaches a key.
  auto head = (*log)->Append(report_.exit_code == 0 ? "verified" : "verification_failed",
                             {{"hashes", hashes}, {"detail", detail}});
  if (!head) {
    report_.record_error = head.error().ToString();
    return;
  }
  report_.recorded = true;
  report_.recorded_seq = head->seq;
}

VerifyReport Checker::Run() {
  report_.case_dir = root_.string();
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) {
    Add("case_missing", FindingClass::kStructure, root_.string(), "not a case folder");
    report_.exit_code = ExitCodeFor(report_.findings);
    return report_;
  }
  have_list_ = LoadManifestSha256();
  const bool have_list = have_list_;
  LoadManifestJson();
  if (have_list) CheckSignature();
  if (fs::exists(root_ / (std::string(kManifestP7s) + ".tsr"), ec)) {
    Add("timestamp_unchecked", FindingClass::kStructure, std::string(kManifestP7s) + ".tsr",
        "this mfx cannot check RFC 3161 timestamps yet; the timestamp is unchecked");
  }
  if (have_list) CheckFiles();
  CheckEvidence();
  CheckCustody();
  if (have_list && manifest_.is_object() && have_chain_) {
    SealedCaseView view{root_, &manifest_, &listed_, &chain_.entries, report_.pinned_head_seq};
    CheckReportConsistency(view, report_.findings);
  }
  report_.exit_code = ExitCodeFor(report_.findings);
  if (options_.record) Record();
  return report_;
}

}  // namespace

Result<VerifyReport> VerifyCase(const fs::path& case_dir, const VerifyOptions& options) {
  for (const fs::path& t : options.trust) {
    std::error_code ec;
    if (!fs::is_regular_file(t, ec)) {
      return Fail(ErrorCode::kInvalidArgument,
                  t.string() + ": --trust must name a readable PEM file");
    }
    if (IsWithin(t, case_dir)) {
      return Fail(
          ErrorCode::kInvalidArgument,
          t.string() + ": a trust anchor must come from the lab, never from the case folder");
    }
  }
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(case_dir, ec), ec);
  if (root.empty()) root = case_dir;
  Checker checker(root, options);
  return checker.Run();
}

json VerifyReportToJson(const VerifyReport& r) {
  json findings = json::array();
  for (const Finding& f : r.findings) findings.push_back(FindingToJson(f));
  json exhibits = json::array();
  for (const ExhibitCheck& x : r.exhibits) {
    exhibits.push_back({{"id", x.id},
                        {"kind", x.kind},
                        {"location", SanitizeUtf8(x.location)},
                        {"listed", x.listed},
                        {"checked", x.checked},
                        {"reachable", x.reachable}});
  }
  json after = json::array();
  for (const auto& [seq, event] : r.after_seal) after.push_back({{"seq", seq}, {"event", event}});
  json summary = {
      {"case", SanitizeUtf8(r.case_dir)},
      {"case_number", SanitizeUtf8(r.case_number)},
      {"report_id", SanitizeUtf8(r.report_id)},
      {"revision", r.revision},
      {"sealed", r.sealed},
      {"manifest_sha256", r.manifest_sha256},
      {"signature",
       {{"present", r.signature.present},
        {"matches", r.signature.matches},
        {"trusted", r.signature.trusted},
        {"subject", SanitizeUtf8(r.signature.subject)},
        {"cert_sha256", r.signature.cert_sha256},
        {"signing_time", r.signature.signing_time},
        {"p7s_sha256", r.signature.p7s_sha256}}},
      {"files_listed", r.files_listed},
      {"files_checked", r.files_checked},
      {"exhibits", exhibits},
      {"custody",
       {{"lines", r.custody_lines}, {"pinned_head_seq", r.pinned_head_seq}, {"after_seal", after}}},
      {"recorded", r.recorded},
      {"recorded_seq", r.recorded ? json(r.recorded_seq) : json()},
      {"record_error", r.record_error.empty() ? json() : json(SanitizeUtf8(r.record_error))}};
  return {{"exit", r.exit_code}, {"findings", findings}, {"summary", summary}};
}

std::string VerifyReportToText(const VerifyReport& r) {
  std::string t;
  t += "case:       " + SanitizeUtf8(r.case_dir) + "\n";
  if (!r.case_number.empty()) {
    t += "sealed:     case " + SanitizeUtf8(r.case_number) + ", report " +
         SanitizeUtf8(r.report_id) + " revision " + std::to_string(r.revision) + ", " + r.sealed +
         "\n";
  }
  if (!r.manifest_sha256.empty()) t += "root hash:  " + r.manifest_sha256 + " (manifest.sha256)\n";
  const SignatureCheck& s = r.signature;
  if (!s.present) {
    t += "signature:  none (unsigned)\n";
  } else {
    t += "signature:  " + std::string(s.matches ? "matches manifest.sha256" : "DOES NOT MATCH") +
         (s.subject.empty() ? "" : "; signer " + SanitizeUtf8(s.subject)) +
         (s.cert_sha256.empty() ? "" : "\n            certificate SHA-256 " + s.cert_sha256) +
         (s.signing_time.empty() ? "" : "\n            signingTime " + s.signing_time) +
         "\n            " + (s.trusted ? "trusted (chains to --trust)" : "NOT trusted") + "\n";
  }
  t += "files:      " + std::to_string(r.files_checked) + " of " + std::to_string(r.files_listed) +
       " listed files re-hashed\n";
  for (const ExhibitCheck& x : r.exhibits) {
    t += "exhibit:    " + x.id + " (" + x.kind + ") " + SanitizeUtf8(x.location) + ": " +
         (x.reachable
              ? std::to_string(x.checked) + " of " + std::to_string(x.listed) + " files re-hashed"
              : std::string("NOT REACHED")) +
         "\n";
  }
  t += "custody:    " + std::to_string(r.custody_lines) + " lines";
  if (r.pinned_head_seq >= 0) t += ", pinned head seq " + std::to_string(r.pinned_head_seq);
  t += "\n";
  for (const auto& [seq, event] : r.after_seal) {
    t += "            after seal: seq " + std::to_string(seq) + " " + event + "\n";
  }
  if (r.recorded) t += "recorded:   custody seq " + std::to_string(r.recorded_seq) + "\n";
  if (!r.record_error.empty()) t += "record:     FAILED: " + SanitizeUtf8(r.record_error) + "\n";
  static const char* kMeaning[] = {"OK: nothing changed, signed by a trusted signer",
                                   "INTEGRITY FAILURE", "TRUST FAILURE", "STRUCTURE FAILURE"};
  t += "result:     " + std::string(kMeaning[std::clamp(r.exit_code, 0, 3)]) + " (exit " +
       std::to_string(r.exit_code) + ", " + std::to_string(r.findings.size()) + " findings)\n";
  for (const Finding& f : r.findings) {
    t += "  " + std::string(FindingClassName(f.kind)) + " " + FindingToText(f) + "\n";
  }
  return t;
}

}  // namespace mfx::reports
