#pragma once
// Fixtures shared by the custody / case / seal / verify tests: a test PKI made with the stock
// `openssl` command (CA, examiners, a rogue CA), and sealed sample cases built from committed
// sample backups. Header-only: tests/reports/CMakeLists.txt compiles *_test.cpp only.

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "parsers/backup/backup.h"
#include "reports/case_folder.h"
#include "reports/seal.h"
#include "reports/verify.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

namespace mfx::testing {

namespace fs = std::filesystem;

inline std::string ReadAllText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteAllText(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Runs a command through bash (VERIFY.txt uses process substitution), in `dir`.
inline int RunBash(const fs::path& dir, const std::string& script, std::string* output = nullptr) {
  return RunCommand("cd " + ShellQuote(dir.string()) + " && bash -c " + ShellQuote(script), output);
}

inline void MustRun(const std::string& cmd) {
  std::string out;
  if (RunCommand(cmd, &out) != 0) throw std::runtime_error("command failed: " + cmd + "\n" + out);
}

struct TestPki {
  fs::path dir;
  fs::path ca_pem, ca_key;
  fs::path examiner_pem, examiner_key;          // ECDSA P-256, signed by ca, EKU codeSigning
  fs::path examiner2_pem, examiner2_key;        // a second examiner of the same lab
  fs::path rsa_pem, rsa_key;                    // RSA-2048 examiner, signed by ca
  fs::path rogue_ca_pem, rogue_pem, rogue_key;  // another CA and its examiner
  fs::path ed_pem, ed_key;                      // Ed25519 (refused for CMS)
  fs::path enc_key;                             // examiner_key encrypted with "pem pass phrase"
};

// Made once per test process with the stock openssl command.
inline const TestPki& Pki() {
  static ProcessTempDir holder;
  static const TestPki pki = [] {
    TestPki p;
    p.dir = holder / "pki";
    fs::create_directories(p.dir);
    const std::string d = ShellQuote(p.dir.string()) + "/";
    WriteAllText(p.dir / "ca.ext",
                 "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    WriteAllText(
        p.dir / "ee.ext",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n"
        "extendedKeyUsage=codeSigning\n");
    auto ca = [&](const std::string& name, const std::string& cn) {
      MustRun("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
              name + ".key -out " + d + name + ".pem -subj " + ShellQuote("/CN=" + cn) +
              " -days 3650"
              " -addext basicConstraints=critical,CA:TRUE -addext "
              "keyUsage=critical,keyCertSign,cRLSign");
    };
    auto ee = [&](const std::string& name, const std::string& ca_name, const std::string& subj,
                  const std::string& newkey, int serial) {
      MustRun("openssl req -new -newkey " + newkey + " -nodes -keyout " + d + name + ".key -out " +
              d + name + ".csr -subj " + ShellQuote(subj));
      MustRun("openssl x509 -req -in " + d + name + ".csr -CA " + d + ca_name + ".pem -CAkey " + d +
              ca_name + ".key -set_serial " + std::to_string(serial) + " -days 365 -out " + d +
              name + ".pem -extfile " + d + "ee.ext");
    };
    ca("ca", "MFX Test Lab Root");
    ca("rogue-ca", "Somebody Else Root");
    ee("examiner", "ca", "/CN=Examiner One/O=MFX Test Lab", "ec -pkeyopt ec_paramgen_curve:P-256",
       11);
    ee("examiner2", "ca", "/CN=Examiner Two/O=MFX Test Lab", "ec -pkeyopt ec_paramgen_curve:P-256",
       12);
    ee("rsa", "ca", "/CN=Examiner RSA/O=MFX Test Lab", "rsa:2048", 13);
    ee("rogue", "rogue-ca", "/CN=Examiner One/O=MFX Test Lab",
       "ec -pkeyopt ec_paramgen_curve:P-256", 14);
    MustRun("openssl req -x509 -newkey ed25519 -nodes -keyout " + d + "ed.key -out " + d +
            "ed.pem -subj /CN=Ed -days 30");
    MustRun("openssl pkey -in " + d + "examiner.key -aes256 -passout pass:'pem pass phrase' -out " +
            d + "enc.key");
    p.ca_pem = p.dir / "ca.pem";
    p.ca_key = p.dir / "ca.key";
    p.examiner_pem = p.dir / "examiner.pem";
    p.examiner_key = p.dir / "examiner.key";
    p.examiner2_pem = p.dir / "examiner2.pem";
    p.examiner2_key = p.dir / "examiner2.key";
    p.rsa_pem = p.dir / "rsa.pem";
    p.rsa_key = p.dir / "rsa.key";
    p.rogue_ca_pem = p.dir / "rogue-ca.pem";
    p.rogue_pem = p.dir / "rogue.pem";
    p.rogue_key = p.dir / "rogue.key";
    p.ed_pem = p.dir / "ed.pem";
    p.ed_key = p.dir / "ed.key";
    p.enc_key = p.dir / "enc.key";
    return p;
  }();
  return pki;
}

inline reports::SigningKey ExaminerKey() {
  return reports::SigningKey{Pki().examiner_key, Pki().examiner_pem, {}, nullptr};
}

inline reports::CaseOptions TestCaseOptions(const std::string& number = "2026-0042") {
  reports::CaseOptions o;
  o.case_number = number;
  o.examiner = "Examiner One";
  o.examiner_id = "EX-1";
  o.agency = "MFX Test Lab";
  o.location = "Lab 2, bench 3";
  return o;
}

inline std::unique_ptr<parsers::backup::Backup> OpenPlainBackup(const fs::path& dir) {
  auto b = parsers::backup::Backup::Open(dir);
  if (!b) throw std::runtime_error("Backup::Open " + dir.string() + ": " + b.error().ToString());
  return std::move(*b);
}

// Writes stand-ins for what analyze/report produce and records `report_generated` for them.
inline void WriteFakeOutputs(reports::CaseFolder& folder) {
  const std::vector<std::pair<std::string, std::string>> outputs = {
      {"artifacts.sqlite", "SQLite format 3\0 fake case database"},
      {"exports/messages.jsonl", "{\"kind\":\"messages\",\"text\":\"héllo 👋\"}\n"},
      {"exports/messages.csv", "kind,text\nmessages,héllo\n"},
      {"report/report.json", "{\"report_id\":\"2026-0042-R\"}\n"},
      {"report/report.html", "<!doctype html><title>report</title>\n"},
  };
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [path, text] : outputs) {
    WriteAllText(folder.Path(path), text);
    list.push_back({{"path", path}, {"sha256", *core::HashFileHex(folder.Path(path))}});
  }
  auto head = folder.RecordEvent(
      "report_generated",
      {{"detail", {{"report_id", "2026-0042-R"}, {"revision", 1}, {"outputs", list}}}});
  if (!head) throw std::runtime_error(head.error().ToString());
}

struct SealedCase {
  fs::path case_dir;
  fs::path backup_dir;  // the ingested (copied) backup
  reports::SealResult seal;
};

// parent/<name>/{backup, CASE}: copies a committed sample (so tests may damage it), registers it,
// writes fake outputs and seals (signed by the test examiner when `sign`).
inline SealedCase BuildSealedCase(const fs::path& parent, bool sign,
                                  const std::string& sample = "ios17-plain") {
  SealedCase c;
  c.backup_dir = parent / "backup";
  c.case_dir = parent / "CASE";
  fs::create_directories(parent);
  CopyTree(LoadSample(sample).dir, c.backup_dir);
  auto folder = reports::CaseFolder::CreateOrOpen(c.case_dir, TestCaseOptions());
  if (!folder) throw std::runtime_error(folder.error().ToString());
  auto backup = OpenPlainBackup(c.backup_dir);
  reports::RegisterOptions ro;
  ro.progress = core::Progress::Mode::kQuiet;
  auto item = (*folder)->RegisterIngestedBackup(*backup, ro);
  if (!item) throw std::runtime_error(item.error().ToString());
  WriteFakeOutputs(**folder);
  reports::SealOptions so;
  so.progress = core::Progress::Mode::kQuiet;
  if (sign) so.signing = ExaminerKey();
  auto seal = reports::SealCase(**folder, so);
  if (!seal) throw std::runtime_error(seal.error().ToString());
  c.seal = *seal;
  return c;
}

inline reports::VerifyOptions TrustingOptions(const fs::path& anchor = Pki().ca_pem) {
  reports::VerifyOptions o;
  o.trust = {anchor};
  o.progress = core::Progress::Mode::kQuiet;
  return o;
}

inline reports::VerifyReport Verify(const fs::path& case_dir,
                                    const reports::VerifyOptions& o = TrustingOptions()) {
  auto r = reports::VerifyCase(case_dir, o);
  if (!r) throw std::runtime_error(r.error().ToString());
  return *r;
}

inline bool HasFinding(const reports::VerifyReport& r, const std::string& code,
                       const std::string& path = "", std::optional<int64_t> seq = {}) {
  for (const auto& f : r.findings) {
    if (f.code != code) continue;
    if (!path.empty() && f.path != path) continue;
    if (seq && f.seq != seq) continue;
    return true;
  }
  return false;
}

inline std::string FindingsText(const reports::VerifyReport& r) {
  return reports::VerifyReportToText(r);
}

}  // namespace mfx::testing
