#include "cli/case_options.h"

#include <iostream>

#include <openssl/crypto.h>

#include "core/file_util.h"

namespace mfx::cli {

void AddCaseIdentityOptions(po::options_description& options) {
  options.add_options()
      ("case-number", po::value<std::string>(), "case number (a new case without one takes the folder name)")
      ("examiner", po::value<std::string>(), "examiner name (default: the login name)")
      ("examiner-id", po::value<std::string>(), "examiner id / badge")
      ("agency", po::value<std::string>(), "agency or laboratory")
      ("location", po::value<std::string>(), "where the work is done (stamped on custody events)");
}

void AddOutputOptions(po::options_description& options) {
  options.add_options()
      ("tz", po::value<std::string>()->default_value("UTC"),
       "zone for human-readable times (CSV, HTML, PDF), e.g. Europe/Berlin; JSONL is always UTC")
      ("format", po::value<std::string>()->default_value("all"), "html,pdf,csv,jsonl,case,kml or all")
      ("sign-key", po::value<std::string>(), "examiner private key (PEM) to sign manifest.sha256")
      ("sign-cert", po::value<std::string>(), "examiner X.509 certificate (PEM)")
      ("sign-chain", po::value<std::string>(), "intermediate certificates to embed (PEM)")
      ("sign-passphrase-file", po::value<std::string>(), "file whose first line unlocks --sign-key");
}

reports::CaseOptions CaseOptionsFrom(const po::variables_map& vm) {
  auto get = [&](const char* name) { return vm.count(name) ? vm[name].as<std::string>() : std::string(); };
  reports::CaseOptions o;
  o.case_number = get("case-number");
  o.examiner = get("examiner");
  o.examiner_id = get("examiner-id");
  o.agency = get("agency");
  o.location = get("location");
  return o;
}

Result<reports::OutputOptions> OutputOptionsFrom(const po::variables_map& vm,
                                                 std::optional<core::SecretBytes>& passphrase) {
  reports::OutputOptions out;
  auto zone = core::TimeZone::Load(vm["tz"].as<std::string>());
  if (!zone) return Fail(ErrorCode::kInvalidArgument, "--tz: " + zone.error().message);
  out.zone = std::move(*zone);
  MFX_ASSIGN_OR_RETURN(out.formats, reports::ParseFormats(vm["format"].as<std::string>()));
  if (vm.count("sign-key") != vm.count("sign-cert")) {
    return Fail(ErrorCode::kInvalidArgument, "--sign-key and --sign-cert go together");
  }
  if (vm.count("sign-key")) {
    reports::SigningKey key;
    key.key_pem = vm["sign-key"].as<std::string>();
    key.cert_pem = vm["sign-cert"].as<std::string>();
    if (vm.count("sign-chain")) key.chain_pem = vm["sign-chain"].as<std::string>();
    if (vm.count("sign-passphrase-file")) {
      MFX_ASSIGN_OR_RETURN(std::string line, core::ReadFirstLine(vm["sign-passphrase-file"].as<std::string>()));
      passphrase = core::SecretBytes::FromString(line);
      if (!line.empty()) OPENSSL_cleanse(line.data(), line.size());
      key.passphrase = &*passphrase;
    }
    out.signing = key;
  }
  return out;
}

void PrintOutputs(const reports::CaseFolder& folder, const reports::OutputResult& out) {
  const auto root = folder.root().string();
  std::cout << "case database:  " << root << "/artifacts.sqlite\n";
  if (!out.exports.records.empty()) std::cout << "exports:        " << root << "/exports/\n";
  for (const auto& r : out.reports) std::cout << "report:         " << root << "/" << r << "\n";
  for (const auto& u : out.unavailable) std::cout << "not written:    " << u << " (not available in this build)\n";
  std::cout << "sealed:         revision " << out.seal.revision << ", manifest.sha256 " << out.seal.manifest_sha256
            << (out.seal.p7s_sha256.empty() ? " (unsigned: give --sign-key/--sign-cert to sign)" : ", signed by " + out.seal.signer_subject)
            << "\n";
  std::cout << "verify:         mfx verify --case " << root << "   (or by hand: " << root << "/VERIFY.txt)\n";
}

}  // namespace mfx::cli
