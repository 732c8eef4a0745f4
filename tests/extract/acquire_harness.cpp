#include "tests/extract/acquire_harness.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <openssl/evp.h>

namespace mfx::extract::test {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Sha256(const std::string& bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 15]);
  }
  return hex;
}

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

json ConsentJson() {
  return json{
      {"schema", "mfx-consent/1"},
      {"consent_id", "CF-TEST-1"},
      {"form",
       {{"reference", "consent form #TEST-1 (scan)"},
        {"sha256", Sha256(kConsentFormBytes)},
        {"template", "Lab consent v3"},
        {"pages", 2},
        {"signed", true}}},
      {"language", "en"},
      {"interpreter", nullptr},
      {"consenting_person",
       {{"name", "Jane Roe"},
        {"relationship", "owner"},
        {"identity_checked", "passport X1234567"},
        {"contact", "+1 555 0100"}}},
      {"device",
       {{"udid", kEmulatorUdid},
        {"serial_number", "F17ZK0AAN72J"},
        {"imei", "356789105123456"},
        {"product_type", "iPhone12,1"},
        {"model", "iPhone 11, black"}}},
      {"scope",
       {{"purpose", "investigation 2025-TEST"},
        {"data", "all data on the phone"},
        {"deleted_data_recovery", false},
        {"temporary_backup_encryption", true},
        {"retention", "until the case closes"}}},
      {"given", {{"time", "2025-01-10T09:20:00+01:00"}, {"place", "Lab 2"}}},
      {"obtained_by", {{"name", "E. Xaminer"}, {"role", "examiner"}}},
      {"witness", {{"name", "W. Itness"}, {"role", "colleague"}, {"signed", true}}},
      {"withdrawn", nullptr}};
}

std::string MfxBinary() { return MFX_BINARY; }

std::vector<json> AcquireRun::Events(const std::string& name) const {
  std::vector<json> out;
  for (const json& e : custody) {
    if (e.value("event", "") == name) out.push_back(e);
  }
  return out;
}

std::vector<std::string> AcquireRun::EventNames() const {
  std::vector<std::string> out;
  for (const json& e : custody) out.push_back(e.value("event", ""));
  return out;
}

fs::path AcquireRun::AttemptDir(int attempt, const std::string& id) const {
  const fs::path evidence = case_dir / "evidence" / id;
  if (attempt > 0) return evidence / ("attempt-" + std::to_string(attempt));
  int newest = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(evidence, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("attempt-", 0) == 0) newest = std::max(newest, std::atoi(name.c_str() + 8));
  }
  return evidence / ("attempt-" + std::to_string(newest));
}

json AcquireRun::Ledger(int attempt, const std::string& id) const {
  const std::string text = ReadFile(AttemptDir(attempt, id) / "attempt.json");
  if (text.empty()) return json();
  return json::parse(text);
}

std::vector<std::string> FastOptions() {
  return {"--pair-poll", "0.2", "--pair-timeout", "10", "--stall-timeout", "4",
          "--reconnect-timeout", "4"};
}

AcquireRun RunAcquire(EmulatorProcess& emulator, const std::vector<std::string>& extra,
                      const json& consent, const std::string& case_name, int timeout_ms) {
  AcquireRun run;
  run.case_dir = emulator.dir() / case_name;
  const fs::path consent_file = emulator.dir() / "consent.json";
  const fs::path form_file = emulator.dir() / "consent-form.pdf";
  std::ofstream(consent_file) << consent.dump(2);
  std::ofstream(form_file, std::ios::binary) << kConsentFormBytes;
  std::vector<std::string> argv = {MfxBinary(),          "acquire",
                                   "--case",             run.case_dir.string(),
                                   "--consent",          consent_file.string(),
                                   "--consent-form",     form_file.string(),
                                   "--examiner",         "E. Xaminer"};
  std::vector<std::string> fast = FastOptions();
  for (size_t i = 0; i < fast.size(); i += 2) {
    if (std::find(extra.begin(), extra.end(), fast[i]) == extra.end()) {
      argv.push_back(fast[i]);
      argv.push_back(fast[i + 1]);
    }
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  run.tool = emulator.Run(argv, timeout_ms);
  run.custody = ReadCustody(run.case_dir);
  return run;
}

std::vector<json> ReadCustody(const fs::path& case_dir) {
  std::vector<json> out;
  std::istringstream in(ReadFile(case_dir / "custody.jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

const json* SentFile(const json& attempt, const std::string& status, const std::string& kind) {
  for (const json& file : attempt["files"]) {
    if (file["status"] == status && file["kind"] == kind) return &file;
  }
  return nullptr;
}

json LiteralFile(const std::string& domain, const std::string& path, const std::string& bytes) {
  return json{{"domain", domain}, {"relativePath", path}, {"base64", Base64(bytes)}};
}

}  // namespace mfx::extract::test
