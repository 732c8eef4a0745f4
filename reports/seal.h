#pragma once
// Sealing a case (CUSTODY.md §0, §4): the last step of `analyze` and `report`.
//
//   [caller] write outputs (artifacts.sqlite, exports/, report/) → append `report_generated`
//   SealCase:
//     1. remove .scratch; refuse symlinks, devices, FIFOs and unsafe names in the case;
//        refuse a custody log whose chain does not verify (nothing is sealed over damage)
//     2. a previous seal (manifest.json present) is moved to history/r<N>/ (with report/ if the
//        caller has not moved it already, see BeginRevision)
//     3. pin the custody head: head_seq, head_sha256, prefix_lines, prefix_sha256
//     4. VERIFY.txt (plain-language checking with sha256sum and openssl only)
//     5. manifest.json (schema mfx-manifest/1): every file with size, SHA-256 and role, the
//        exhibits with their hash-list hashes, tool + host + library versions, the custody pin,
//        what is not listed, the expected signer
//     6. manifest.sha256: every file of the case except itself, manifest.sha256.* and the live
//        custody.jsonl; "<hex>  <path>", LC_ALL=C order, no "./" — the signed root
//     7. with a key + certificate: manifest.sha256.p7s, a detached CMS signature (DER,
//        CMS_DETACHED|CMS_BINARY, SHA-256, signingTime, signer certificate + chain), ECDSA P-256
//        or RSA (Ed25519 is refused: OpenSSL 3.0 cannot put it in CMS)
//     8. custody `report_signed` (root hash, .p7s hash, signer subject, certificate SHA-256), or
//        `sealed_unsigned` (root hash) without a key — `mfx verify` then exits 2
//
// Files written atomically; a crash leaves either the old seal or the new one plus a .tmp-mfx
// file that verify reports. The case must not be written by anyone else while SealCase runs (the
// CaseFolder lock covers other mfx processes).

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/secret.h"
#include "reports/case_files.h"
#include "reports/case_folder.h"
#include "reports/custody_log.h"

namespace mfx::reports {

inline constexpr const char* kManifestJson = "manifest.json";
inline constexpr const char* kManifestSha256 = "manifest.sha256";
inline constexpr const char* kManifestP7s = "manifest.sha256.p7s";
inline constexpr const char* kVerifyTxt = "VERIFY.txt";
inline constexpr const char* kManifestSchema = "mfx-manifest/1";
inline constexpr const char* kHistoryDir = "history";
inline constexpr const char* kReportDir = "report";

struct SigningKey {
  std::filesystem::path key_pem;    // examiner private key (PEM; PKCS#8 or traditional)
  std::filesystem::path cert_pem;   // examiner X.509 certificate (PEM)
  std::filesystem::path chain_pem;  // optional intermediates to embed (PEM, may hold several)
  // Passphrase of an encrypted key. Owned by the caller; used for the PEM decryption only.
  const core::SecretBytes* passphrase = nullptr;
};

struct SealOptions {
  std::string report_id;              // "" → "<case_number>-R" (stable across revisions)
  std::optional<SigningKey> signing;  // nullopt → sealed unsigned
  // Extra "library → version" entries merged over LibraryVersions() (e.g. a report writer that
  // links cairo statically).
  std::map<std::string, std::string> libraries;
  unsigned threads = 0;  // hashing workers; 0 = all cores
  core::Progress::Mode progress = core::Progress::Mode::kAuto;
  // Case-relative path → the hash this run took as it wrote or read the file. Used instead of
  // reading the file again while its size and mtime are unchanged.
  std::map<std::string, KnownHash> known_hashes;
};

struct SealResult {
  int revision = 1;
  std::string report_id;
  std::string manifest_sha256;  // SHA-256 of manifest.sha256: the root hash
  std::string manifest_json_sha256;
  std::string p7s_sha256;      // "" when unsigned
  std::string signer_subject;  // "" when unsigned
  std::string signer_cert_sha256;
  CustodyHead pinned;           // the head written into manifest.json
  int64_t seal_event_seq = -1;  // `report_signed` / `sealed_unsigned`
  uint64_t files = 0;           // lines of manifest.sha256
  uint64_t bytes = 0;
  std::string history;  // "history/r1" when a previous seal was moved there, else ""
};

// Moves the current revision's report/ folder and seal files into history/r<N>/ (N = the current
// manifest.json revision) so a regenerated report starts from an empty report/. Call it before
// writing a new report; returns the revision the new seal will get (1 for a case never sealed).
// Idempotent: calling it twice before sealing moves nothing the second time.
Result<int> BeginRevision(CaseFolder& folder);

Result<SealResult> SealCase(CaseFolder& folder, const SealOptions& options);

// The role of a case file in manifest.json: evidence, case, database, export, report, consent,
// history, meta.
std::string FileRole(std::string_view path);

}  // namespace mfx::reports
