#include "reports/seal.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>

#include "core/crypto.h"
#include "core/file_util.h"
#include "mfx/version.h"
#include "reports/case_files.h"
#include "reports/custody_host.h"
#include "reports/seal_openssl.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

bool IsNotListed(std::string_view path) {
  return path == kManifestSha256 || path.starts_with(std::string(kManifestSha256) + ".") ||
         path == kCustodyFileName;
}

// Root-level files that make up a seal.
bool IsSealFile(std::string_view name) {
  return name == kManifestJson || name == kVerifyTxt || name == kManifestSha256 ||
         name.starts_with(std::string(kManifestSha256) + ".");
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out.push_back(c);
  }
  return out + "'";
}

int RevisionOf(const fs::path& manifest_json) {
  auto text = core::ReadTextFile(manifest_json, 256 << 20);
  if (!text) return 0;
  const json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return 0;
  const auto it = j.find("revision");
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

int MaxHistoryRevision(const fs::path& root) {
  int max = 0;
  std::error_code ec;
  for (fs::directory_iterator it(root / kHistoryDir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() < 2 || name[0] != 'r') continue;
    if (!std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    max = std::max(max, std::atoi(name.c_str() + 1));
  }
  return max;
}

// Moves the current seal (and report/ when with_report) into history/r<N>/; returns the next
// revision number.
Result<int> ArchiveRevision(const fs::path& root, bool with_report, std::string* moved_to) {
  std::error_code ec;
  const int history_max = MaxHistoryRevision(root);
  if (!fs::exists(root / kManifestJson, ec)) return history_max + 1;
  int current = RevisionOf(root / kManifestJson);
  if (current <= history_max) current = history_max + 1;
  const std::string rel = std::string(kHistoryDir) + "/r" + std::to_string(current);
  const fs::path dest = root / rel;
  if (fs::exists(dest, ec))
    return Fail(ErrorCode::kInvalidArgument, dest.string() + ": already exists");
  fs::create_directories(dest, ec);
  if (ec) return Fail(ErrorCode::kIo, dest.string() + ": " + ec.message());
  std::vector<std::string> names;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (IsSealFile(name) || (with_report && name == kReportDir)) names.push_back(name);
  }
  if (ec) return Fail(ErrorCode::kIo, root.string() + ": " + ec.message());
  for (const std::string& name : names) {
    fs::rename(root / name, dest / name, ec);
    if (ec)
      return Fail(ErrorCode::kIo,
                  (root / name).string() + ": cannot move to " + rel + ": " + ec.message());
  }
  if (moved_to) *moved_to = rel;
  return current + 1;
}

int PassphraseCallback(char* buf, int size, int, void* user) {
  const auto* secret = static_cast<const core::SecretBytes*>(user);
  if (secret == nullptr || size <= 0) return -1;
  const int n = static_cast<int>(std::min<size_t>(secret->size(), static_cast<size_t>(size)));
  std::memcpy(buf, secret->data(), static_cast<size_t>(n));
  return n;
}

struct Signer {
  ssl::X509Ptr cert;
  std::vector<ssl::X509Ptr> chain;
  ssl::PkeyPtr key;
  std::string subject;
  std::string cert_sha256;
};

Result<Signer> LoadSigner(const SigningKey& k) {
  Signer s;
  MFX_ASSIGN_OR_RETURN(std::vector<ssl::X509Ptr> certs, ssl::ReadCertificates(k.cert_pem.string()));
  s.cert = std::move(certs.front());
  for (size_t i = 1; i < certs.size(); ++i) s.chain.push_back(std::move(certs[i]));
  if (!k.chain_pem.empty()) {
    MFX_ASSIGN_OR_RETURN(std::vector<ssl::X509Ptr> more,
                         ssl::ReadCertificates(k.chain_pem.string()));
    for (auto& c : more) s.chain.push_back(std::move(c));
  }
  ssl::BioPtr bio(BIO_new_file(k.key_pem.c_str(), "r"));
  if (!bio) return Fail(ErrorCode::kNotFound, k.key_pem.string() + ": cannot open the signing key");
  s.key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, PassphraseCallback,
                                      const_cast<core::SecretBytes*>(k.passphrase)));
  if (!s.key) {
    ERR_clear_error();
    return Fail(
        ErrorCode::kCrypto,
        k.key_pem.string() + ": cannot read the private key (PEM; wrong or missing passphrase?)");
  }
  const int type = EVP_PKEY_get_base_id(s.key.get());
  if (type == EVP_PKEY_ED25519 || type == EVP_PKEY_ED448) {
    return Fail(ErrorCode::kUnsupported,
                k.key_pem.string() +
                    ": Ed25519/Ed448 keys cannot sign CMS in OpenSSL 3.0; use ECDSA P-256 or RSA");
  }
  if (X509_check_private_key(s.cert.get(), s.key.get()) != 1) {
    ERR_clear_error();
    return Fail(
        ErrorCode::kInvalidArgument,
        k.key_pem.string() + ": the key does not belong to the certificate " + k.cert_pem.string());
  }
  s.subject = ssl::SubjectText(s.cert.get());
  s.cert_sha256 = ssl::CertSha256(s.cert.get());
  return s;
}

struct Signature {
  Bytes der;
  std::string signing_time;
};

Result<Signature> SignDetached(const Signer& s, ByteSpan data) {
  ssl::X509StackViewPtr chain(sk_X509_new_null());
  if (!chain) return Fail(ErrorCode::kCrypto, "sk_X509_new_null");
  for (const auto& c : s.chain) sk_X509_push(chain.get(), c.get());  // CMS takes its own references
  const unsigned flags = CMS_DETACHED | CMS_BINARY;
  ssl::CmsPtr cms(CMS_sign(nullptr, nullptr, chain.get(), nullptr, flags | CMS_PARTIAL));
  if (!cms) return Fail(ErrorCode::kCrypto, "CMS_sign: " + ssl::ErrorText());
  if (CMS_add1_signer(cms.get(), s.cert.get(), s.key.get(), EVP_sha256(), flags) == nullptr) {
    return Fail(ErrorCode::kCrypto, "CMS_add1_signer: " + ssl::ErrorText());
  }
  ssl::BioPtr in = ssl::MemoryBio(data);
  if (CMS_final(cms.get(), in.get(), nullptr, flags) != 1) {
    return Fail(ErrorCode::kCrypto, "CMS_final: " + ssl::ErrorText());
  }
  ssl::BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || i2d_CMS_bio(out.get(), cms.get()) != 1) {
    return Fail(ErrorCode::kCrypto, "i2d_CMS_bio: " + ssl::ErrorText());
  }
  char* p = nullptr;
  const long n = BIO_get_mem_data(out.get(), &p);
  Signature sig;
  sig.der.assign(reinterpret_cast<uint8_t*>(p), reinterpret_cast<uint8_t*>(p) + n);
  sig.signing_time = ssl::CmsSigningTime(cms.get());
  return sig;
}

struct VerifyTextInput {
  std::string case_number, report_id, created, case_root;
  int revision = 1;
  CustodyHead head;
  const std::vector<EvidenceItem>* exhibits = nullptr;
  std::string signer_subject, signer_cert_sha256;
};

std::string BuildVerifyText(const VerifyTextInput& in) {
  std::string t;
  auto line = [&](const std::string& s = {}) { t += s + "\n"; };
  line("HOW TO CHECK THIS CASE FOLDER (mfx " + std::string(kVersion) + ", build " + kGitSha + ")");
  line("=====================================================================");
  line();
  line("Case:        " + in.case_number);
  line("Report:      " + in.report_id + ", revision " + std::to_string(in.revision));
  line("Sealed:      " + in.created + " (host clock, UTC)");
  for (const EvidenceItem& e : *in.exhibits) {
    line("Exhibit " + e.id + ": " + e.kind + ", " + std::to_string(e.files) + " files, " +
         std::to_string(e.bytes) + " bytes, at " + e.location);
    line("             hash list " + e.hash_list + ", SHA-256 " + e.hash_list_sha256);
  }
  line();
  line("WHAT THE SEAL COVERS");
  line("manifest.sha256 lists the SHA-256 of every file in this folder except three kinds:");
  line("manifest.sha256 itself, the files named manifest.sha256.* (the signature and any");
  line("timestamp), and custody.jsonl, the custody log, which keeps growing after sealing.");
  line("The custody log is pinned by manifest.json instead: its first " +
       std::to_string(in.head.lines) + " lines hash to");
  line("  " + in.head.prefix_sha256);
  line("and line seq " + std::to_string(in.head.seq) + " carries entry_sha256");
  line("  " + in.head.sha256 + ".");
  line("Lines after seq " + std::to_string(in.head.seq) +
       " (signing, verifications, transfers) are not covered by this seal.");
  line();
  if (in.signer_subject.empty()) {
    line("SIGNATURE: NONE. This case was sealed WITHOUT a signature (no examiner key was given).");
    line("Step 1 cannot be done; the hashes below only show that the files agree with each");
    line("other, not who sealed them. `mfx verify` reports this with exit status 2.");
  } else {
    line("Expected signer:          " + in.signer_subject);
    line("Its certificate SHA-256:  " + in.signer_cert_sha256);
    line("LAB_ROOT.pem below is your laboratory's root certificate. Take it from the lab, never");
    line("from this folder: a certificate travelling with the evidence proves nothing.");
  }
  line();
  line("STEPS (bash, GNU coreutils and OpenSSL only; run them in this folder)");
  line();
  line("1. The signature over manifest.sha256:");
  if (in.signer_subject.empty()) {
    line("   (not possible: unsigned)");
  } else {
    line(
        "   openssl cms -verify -binary -inform DER -in manifest.sha256.p7s -content "
        "manifest.sha256 -CAfile LAB_ROOT.pem -purpose any -out /dev/null");
    line("   must print \"CMS Verification successful\". The signer's certificate is among those");
    line("   printed by");
    line("   openssl pkcs7 -inform DER -in manifest.sha256.p7s -print_certs -noout");
    line(
        "   and its fingerprint (openssl x509 -noout -fingerprint -sha256) must be the one above.");
  }
  line();
  line("2. The timestamp, when manifest.sha256.p7s.tsr exists (this seal has none):");
  line(
      "   openssl ts -verify -data manifest.sha256.p7s -in manifest.sha256.p7s.tsr -CAfile "
      "TSA_ROOT.pem [-untrusted manifest.sha256.p7s.tsa.pem]");
  line();
  line("3. Changed and missing files — prints nothing and exits 0 when all match:");
  line("   sha256sum --strict --quiet -c manifest.sha256");
  line();
  line("4. Files added since sealing — prints nothing when there are none:");
  line(
      "   LC_ALL=C comm -23 <(find . -type f ! -path './manifest.sha256*' ! -path ./custody.jsonl "
      "-printf '%P\\n' | LC_ALL=C sort) <(cut -c67- manifest.sha256)");
  line("   and links, devices or pipes (there must be none):");
  line("   find . ! -type f ! -type d");
  line();
  line("5. The custody log up to the seal — must print " + in.head.prefix_sha256 + ":");
  line("   head -n " + std::to_string(in.head.lines) + " custody.jsonl | sha256sum");
  line("   Then the chain, line by line: each line is one JSON object written in canonical form");
  line("   (no spaces, keys sorted, integers only). Its \"entry_sha256\" is the SHA-256 of the");
  line("   same object without the \"entry_sha256\" key, written in the same canonical form; its");
  line("   \"prev_sha256\" equals the previous line's \"entry_sha256\" (64 zeros on the first");
  line("   line); \"seq\" counts 0, 1, 2, … without gaps. `mfx verify` checks all of this.");
  line();
  line("6. Each exhibit against its hash list — the first command must print the hash stated");
  line("   above (and on the report's cover); the second prints nothing and exits 0:");
  for (const EvidenceItem& e : *in.exhibits) {
    line("   sha256sum " + e.hash_list);
    if (e.kind == "acquired") {
      line("   (cd " + ShellQuote(e.location) + " && sha256sum --strict --quiet -c ../" + e.id +
           ".sha256)");
    } else {
      line("   (cd " + ShellQuote(e.location) + " && sha256sum --strict --quiet -c \"$OLDPWD\"/" +
           e.hash_list + ")");
      line("   (an ingested backup stays where it was registered; if it was moved, cd to its new");
      line("   place; `mfx verify --evidence " + e.id + "=DIR` does the same)");
    }
  }
  if (in.exhibits->empty()) line("   (no exhibit is registered in this case)");
  line();
  line("All of it at once: mfx verify --case . --trust LAB_ROOT.pem");
  return t;
}

}  // namespace

std::string FileRole(std::string_view path) {
  auto under = [&](std::string_view dir) {
    return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
  };
  if (under(kEvidenceDir)) return "evidence";
  if (path == kCaseJson) return "case";
  if (path.starts_with("artifacts.sqlite")) return "database";
  if (under("exports")) return "export";
  if (under(kReportDir)) return "report";
  if (under(kConsentDir)) return "consent";
  if (under(kHistoryDir)) return "history";
  return "meta";
}

Result<int> BeginRevision(CaseFolder& folder) {
  return ArchiveRevision(folder.root(), /*with_report=*/true, nullptr);
}

Result<SealResult> SealCase(CaseFolder& folder, const SealOptions& options) {
  const fs::path& root = folder.root();
  SealResult result;
  result.report_id = options.report_id.empty() ? folder.case_number() + "-R" : options.report_id;

  std::optional<Signer> signer;
  if (options.signing) {
    MFX_ASSIGN_OR_RETURN(Signer s, LoadSigner(*options.signing));
    signer = std::move(s);
  }
  MFX_RETURN_IF_ERROR(folder.RemoveScratch());
  {
    MFX_ASSIGN_OR_RETURN(CustodyChainReport chain, VerifyCustodyChain(root / kCustodyFileName));
    if (!chain.findings.empty()) {
      return Fail(ErrorCode::kIntegrity, "refusing to seal: the custody log does not verify: " +
                                             FindingToText(chain.findings.front()));
    }
  }
  // Check the tree before anything moves, so a refusal leaves the previous seal in place.
  auto listable = [&]() -> Result<std::vector<TreeEntry>> {
    MFX_ASSIGN_OR_RETURN(std::vector<TreeEntry> tree, WalkTree(root));
    std::vector<TreeEntry> out;
    for (TreeEntry& e : tree) {
      if (IsNotListed(e.path)) continue;
      if (e.kind != TreeEntryKind::kRegular) {
        return Fail(
            ErrorCode::kUnsafePath,
            (root / e.path).string() + ": links, devices and pipes cannot be sealed; remove it");
      }
      if (auto why = UnsafeRelativePath(e.path); !why.empty()) {
        return Fail(ErrorCode::kUnsafePath,
                    (root / e.path).string() + ": cannot be listed in manifest.sha256: " + why);
      }
      out.push_back(std::move(e));
    }
    return out;
  };
  MFX_RETURN_IF_ERROR(listable());
  MFX_ASSIGN_OR_RETURN(result.revision,
                       ArchiveRevision(root, /*with_report=*/false, &result.history));
  MFX_ASSIGN_OR_RETURN(std::vector<TreeEntry> tree, listable());
  std::vector<std::string> paths;
  std::vector<FileHash> hashes;
  uint64_t total = 0;
  for (const TreeEntry& e : tree) {
    const auto known = options.known_hashes.find(e.path);
    if (known != options.known_hashes.end()) {
      const std::optional<KnownHash> now = StampHash(root / e.path, {});
      if (now && SameState(*now, known->second)) {
        hashes.push_back(FileHash{e.path, known->second.size, known->second.sha256, "", false});
        continue;
      }
    }
    paths.push_back(e.path);
    total += e.size;
  }
  {
    core::Progress progress("seal", paths.size(), total, options.progress);
    MFX_ASSIGN_OR_RETURN(std::vector<FileHash> read, HashFiles(root, paths, options.threads, &progress));
    progress.Finish();
    hashes.insert(hashes.end(), std::make_move_iterator(read.begin()), std::make_move_iterator(read.end()));
  }
  for (const FileHash& h : hashes) {
    if (!h.error.empty())
      return Fail(ErrorCode::kIo, "cannot hash " + (root / h.path).string() + ": " + h.error);
  }

  MFX_ASSIGN_OR_RETURN(result.pinned, folder.custody().Head());
  const std::string created = HostNow().utc;
  const HostFacts host = ReadHostFacts();
  if (signer) {
    result.signer_subject = signer->subject;
    result.signer_cert_sha256 = signer->cert_sha256;
  }

  // VERIFY.txt first: manifest.json lists it.
  VerifyTextInput vin{folder.case_number(), result.report_id,      created,
                      root.string(),        result.revision,       result.pinned,
                      &folder.evidence(),   result.signer_subject, result.signer_cert_sha256};
  const std::string verify_text = BuildVerifyText(vin);
  MFX_RETURN_IF_ERROR(folder.secret_guard().Check(verify_text, kVerifyTxt));
  MFX_RETURN_IF_ERROR(core::WriteFileAtomic(root / kVerifyTxt, AsBytes(verify_text)));
  hashes.push_back(
      FileHash{kVerifyTxt, verify_text.size(), core::Sha256Hex(AsBytes(verify_text)), "", false});
  std::sort(hashes.begin(), hashes.end(),
            [](const FileHash& a, const FileHash& b) { return a.path < b.path; });

  std::map<std::string, std::string> libraries = LibraryVersions();
  for (const auto& [k, v] : options.libraries) libraries[k] = v;
  json files = json::array();
  for (const FileHash& h : hashes) {
    files.push_back(
        {{"path", h.path}, {"size", h.size}, {"sha256", h.sha256}, {"role", FileRole(h.path)}});
  }
  json exhibits = json::array();
  for (const EvidenceItem& e : folder.evidence()) {
    exhibits.push_back({{"id", e.id},
                        {"root_id", e.root_id},
                        {"kind", e.kind},
                        {"location", e.location},
                        {"hash_list", e.hash_list},
                        {"hash_list_sha256", e.hash_list_sha256},
                        {"files", e.files},
                        {"bytes", e.bytes}});
  }
  json manifest = {
      {"schema", kManifestSchema},
      {"case_number", folder.case_number()},
      {"report_id", result.report_id},
      {"revision", result.revision},
      {"created", created},
      {"tool",
       {{"name", "mfx"},
        {"version", kVersion},
        {"build", kGitSha},
        {"host", {{"os", host.os}, {"name", host.name}}},
        {"libraries", libraries}}},
      {"algorithm", "SHA-256"},
      {"exhibits", exhibits},
      {"files", files},
      {"custody",
       {{"file", kCustodyFileName},
        {"head_seq", result.pinned.seq},
        {"head_sha256", result.pinned.sha256},
        {"prefix_lines", result.pinned.lines},
        {"prefix_sha256", result.pinned.prefix_sha256}}},
      {"not_listed",
       json::array({kManifestSha256, std::string(kManifestSha256) + ".*", kCustodyFileName})},
      {"signer",
       signer ? json{{"subject", signer->subject}, {"cert_sha256", signer->cert_sha256}} : json()},
      {"history", result.history.empty() ? json() : json(result.history)}};
  std::string manifest_text;
  try {
    manifest_text = SanitizeJsonStrings(manifest).dump(2) + "\n";
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kInternal, std::string("manifest.json: ") + e.what());
  }
  MFX_RETURN_IF_ERROR(folder.secret_guard().Check(manifest_text, kManifestJson));
  MFX_RETURN_IF_ERROR(core::WriteFileAtomic(root / kManifestJson, AsBytes(manifest_text)));
  result.manifest_json_sha256 = core::Sha256Hex(AsBytes(manifest_text));
  hashes.push_back(
      FileHash{kManifestJson, manifest_text.size(), result.manifest_json_sha256, "", false});
  std::sort(hashes.begin(), hashes.end(),
            [](const FileHash& a, const FileHash& b) { return a.path < b.path; });

  std::string list;
  for (const FileHash& h : hashes) {
    list += Sha256sumLine(h.sha256, h.path);
    result.bytes += h.size;
  }
  result.files = hashes.size();
  // Sign before writing, so a signing failure leaves no half-made seal behind the manifest.
  std::optional<Signature> signature;
  if (signer) {
    MFX_ASSIGN_OR_RETURN(Signature sig, SignDetached(*signer, AsBytes(list)));
    signature = std::move(sig);
  }
  MFX_RETURN_IF_ERROR(core::WriteFileAtomic(root / kManifestSha256, AsBytes(list)));
  result.manifest_sha256 = core::Sha256Hex(AsBytes(list));

  json hash_refs = json::array({HashRef(kManifestSha256, result.manifest_sha256),
                                HashRef(kManifestJson, result.manifest_json_sha256)});
  json detail = {{"report_id", result.report_id},
                 {"revision", result.revision},
                 {"files", result.files},
                 {"bytes", result.bytes},
                 {"pinned_head_seq", result.pinned.seq},
                 {"pinned_head_sha256", result.pinned.sha256},
                 {"history", result.history.empty() ? json() : json(result.history)}};
  if (signature) {
    const Signature& sig = *signature;
    MFX_RETURN_IF_ERROR(core::WriteFileAtomic(root / kManifestP7s, sig.der));
    result.p7s_sha256 = core::Sha256Hex(sig.der);
    hash_refs.push_back(HashRef(kManifestP7s, result.p7s_sha256));
    detail["signer_subject"] = signer->subject;
    detail["cert_sha256"] = signer->cert_sha256;
    detail["signing_time"] = sig.signing_time;
    detail["signature"] = "CMS detached, DER, SHA-256";
    json actor = folder.custody().identity().actor;
    actor["cert_sha256"] = signer->cert_sha256;
    MFX_ASSIGN_OR_RETURN(
        CustodyHead head,
        folder.RecordEvent("report_signed",
                           {{"actor", actor}, {"hashes", hash_refs}, {"detail", detail}}));
    result.seal_event_seq = head.seq;
  } else {
    detail["signed"] = false;
    MFX_ASSIGN_OR_RETURN(
        CustodyHead head,
        folder.RecordEvent("sealed_unsigned", {{"hashes", hash_refs}, {"detail", detail}}));
    result.seal_event_seq = head.seq;
  }
  return result;
}

}  // namespace mfx::reports
