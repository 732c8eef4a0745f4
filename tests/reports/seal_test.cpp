// Sealing: manifest.sha256 / manifest.json / VERIFY.txt / manifest.sha256.p7s, checked with the
// stock tools (find, sort, sha256sum, openssl) that VERIFY.txt tells a reader to use.
#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "reports/case_outputs.h"
#include "reports/seal.h"
#include "tests/reports/case_fixtures.h"
#include "tests/reports/report_model_fixtures.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
using testing::ReadAllText;
using testing::RunBash;
using testing::SplitLines;
using testing::TempDir;
namespace fs = std::filesystem;

std::string Sha256Of(const fs::path& p) {
  std::string out;
  REQUIRE(testing::RunCommand("sha256sum " + testing::ShellQuote(p.string()), &out) == 0);
  return out.substr(0, 64);
}

std::vector<json> Events(const fs::path& case_dir) {
  std::vector<json> out;
  for (const auto& l : SplitLines(ReadAllText(case_dir / "custody.jsonl")))
    out.push_back(json::parse(l));
  return out;
}

SealOptions QuietSeal() {
  SealOptions o;
  o.progress = core::Progress::Mode::kQuiet;
  return o;
}

// tmp/CASE with the ios17-plain sample (copied to tmp/backup) registered, nothing sealed yet.
std::unique_ptr<CaseFolder> CaseWithPlainSample(const TempDir& tmp) {
  testing::CopyTree(testing::LoadSample("ios17-plain").dir, tmp / "backup");
  auto folder = CaseFolder::CreateOrOpen(tmp / "CASE", testing::TestCaseOptions());
  REQUIRE(folder);
  RegisterOptions ro;
  ro.progress = core::Progress::Mode::kQuiet;
  REQUIRE((*folder)->RegisterIngestedBackup(*testing::OpenPlainBackup(tmp / "backup"), ro));
  return std::move(*folder);
}

TEST_CASE("an unsigned seal: manifest.sha256, manifest.json, VERIFY.txt, sealed_unsigned",
          "[reports][seal]") {
  TempDir tmp;
  const auto c = testing::BuildSealedCase(tmp.path(), /*sign=*/false);
  const fs::path& dir = c.case_dir;
  CHECK(c.seal.revision == 1);
  CHECK(c.seal.p7s_sha256.empty());
  CHECK_FALSE(fs::exists(dir / "manifest.sha256.p7s"));

  // manifest.sha256 lists exactly what find(1) sees, minus the three exclusions, in C order.
  std::string expected_paths;
  REQUIRE(RunBash(dir,
                  "find . -type f ! -path './manifest.sha256*' ! -path ./custody.jsonl -printf "
                  "'%P\\n' | LC_ALL=C sort",
                  &expected_paths) == 0);
  std::string listed_paths;
  REQUIRE(RunBash(dir, "cut -c67- manifest.sha256", &listed_paths) == 0);
  CHECK(listed_paths == expected_paths);
  std::string out;
  CHECK(RunBash(dir, "LC_ALL=C sort -c -u <(cut -c67- manifest.sha256)", &out) == 0);
  CHECK(RunBash(dir, "sha256sum --strict --quiet -c manifest.sha256", &out) == 0);
  CHECK(out.empty());
  const std::string list = ReadAllText(dir / "manifest.sha256");
  CHECK(list.find("./") == std::string::npos);
  for (const char* must :
       {"case.json", "evidence/E-01.sha256", "evidence/E-01.json", "VERIFY.txt", "manifest.json",
        "artifacts.sqlite", "exports/messages.jsonl", "report/report.json"}) {
    CHECK(list.find(std::string("  ") + must + "\n") != std::string::npos);
  }
  CHECK(c.seal.manifest_sha256 == Sha256Of(dir / "manifest.sha256"));
  CHECK(c.seal.files == SplitLines(list).size());

  const json m = json::parse(ReadAllText(dir / "manifest.json"));
  CHECK(m["schema"] == "mfx-manifest/1");
  CHECK(m["case_number"] == "2026-0042");
  CHECK(m["revision"] == 1);
  CHECK(m["algorithm"] == "SHA-256");
  CHECK(m["signer"].is_null());
  CHECK(m["tool"]["name"] == "mfx");
  CHECK(m["tool"]["libraries"].contains("openssl"));
  CHECK(m["tool"]["libraries"].contains("sqlite"));
  CHECK(m["not_listed"] == json::array({"manifest.sha256", "manifest.sha256.*", "custody.jsonl"}));
  // files = manifest.sha256 minus manifest.json
  std::map<std::string, std::string> from_list;
  for (const auto& l : SplitLines(list)) from_list[l.substr(66)] = l.substr(0, 64);
  from_list.erase("manifest.json");
  std::map<std::string, std::string> from_json;
  for (const auto& f : m["files"]) {
    from_json[f["path"]] = f["sha256"];
    CHECK(f["size"] == fs::file_size(dir / f["path"].get<std::string>()));
  }
  CHECK(from_json == from_list);
  for (const auto& f : m["files"]) {
    const std::string p = f["path"];
    if (p.starts_with("evidence/")) CHECK(f["role"] == "evidence");
    if (p == "case.json") CHECK(f["role"] == "case");
    if (p == "artifacts.sqlite") CHECK(f["role"] == "database");
    if (p.starts_with("report/")) CHECK(f["role"] == "report");
    if (p.starts_with("exports/")) CHECK(f["role"] == "export");
  }
  REQUIRE(m["exhibits"].size() == 1);
  CHECK(m["exhibits"][0]["id"] == "E-01");
  CHECK(m["exhibits"][0]["hash_list_sha256"] == Sha256Of(dir / "evidence/E-01.sha256"));
  CHECK(m["exhibits"][0]["location"] == fs::canonical(c.backup_dir).string());

  // The custody pin: prefix = the first prefix_lines lines; the next line is the seal event.
  const auto events = Events(dir);
  const int64_t head_seq = m["custody"]["head_seq"];
  CHECK(m["custody"]["prefix_lines"] == head_seq + 1);
  CHECK(m["custody"]["head_sha256"] == events[static_cast<size_t>(head_seq)]["entry_sha256"]);
  REQUIRE(RunBash(dir, "head -n " + std::to_string(head_seq + 1) + " custody.jsonl | sha256sum",
                  &out) == 0);
  CHECK(m["custody"]["prefix_sha256"] == out.substr(0, 64));
  CHECK(events[static_cast<size_t>(head_seq)]["event"] == "report_generated");
  REQUIRE(events.size() == static_cast<size_t>(head_seq) + 2);
  const json& sealed = events.back();
  CHECK(sealed["event"] == "sealed_unsigned");
  CHECK(sealed["hashes"][0]["of"] == "manifest.sha256");
  CHECK(sealed["hashes"][0]["value"] == c.seal.manifest_sha256);

  const std::string verify_txt = ReadAllText(dir / "VERIFY.txt");
  CHECK(verify_txt.find("WITHOUT a signature") != std::string::npos);
  CHECK(verify_txt.find("2026-0042") != std::string::npos);
  CHECK(verify_txt.find(m["custody"]["prefix_sha256"].get<std::string>()) != std::string::npos);

  const auto r = testing::Verify(dir);
  INFO(testing::FindingsText(r));
  CHECK(r.exit_code == 2);
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].code == "unsigned");
}

// The indented commands of VERIFY.txt that begin with one of the prefixes.
std::vector<std::string> Commands(const std::string& verify_txt, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : SplitLines(verify_txt)) {
    if (l.rfind("   " + prefix, 0) == 0) out.push_back(l.substr(3));
  }
  return out;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

TEST_CASE("a signed seal passes every stock-tool step VERIFY.txt lists", "[reports][seal]") {
  TempDir tmp;
  const auto c = testing::BuildSealedCase(tmp.path(), /*sign=*/true);
  const fs::path& dir = c.case_dir;
  const std::string verify_txt = ReadAllText(dir / "VERIFY.txt");
  const json m = json::parse(ReadAllText(dir / "manifest.json"));
  const std::string ca = testing::ShellQuote(testing::Pki().ca_pem.string());
  std::string out;

  // 1. openssl cms -verify … -purpose any
  const auto cms = Commands(verify_txt, "openssl cms -verify");
  REQUIRE(cms.size() == 1);
  CHECK(RunBash(dir, Replace(cms[0], "LAB_ROOT.pem", ca), &out) == 0);
  CHECK(out.find("CMS Verification successful") != std::string::npos);
  // The examiner certificate carries only codeSigning: S/MIME's default purpose rejects it,
  // which is why VERIFY.txt says -purpose any.
  CHECK(RunBash(dir, Replace(Replace(cms[0], "LAB_ROOT.pem", ca), " -purpose any", ""), &out) != 0);
  // Another lab's root does not vouch for it.
  CHECK(RunBash(dir,
                Replace(cms[0], "LAB_ROOT.pem",
                        testing::ShellQuote(testing::Pki().rogue_ca_pem.string())),
                &out) != 0);
  // The signer shown by openssl is the expected one, with the stated fingerprint.
  REQUIRE(RunBash(dir, "openssl pkcs7 -inform DER -in manifest.sha256.p7s -print_certs -noout",
                  &out) == 0);
  CHECK(out.find("Examiner One") != std::string::npos);
  REQUIRE(RunBash(dir,
                  "openssl x509 -in " + testing::ShellQuote(testing::Pki().examiner_pem.string()) +
                      " -outform DER | sha256sum",
                  &out) == 0);
  const std::string cert_sha = out.substr(0, 64);
  CHECK(m["signer"]["cert_sha256"] == cert_sha);
  CHECK(verify_txt.find(cert_sha) != std::string::npos);

  // 3. sha256sum -c
  const auto check = Commands(verify_txt, "sha256sum --strict --quiet -c manifest.sha256");
  REQUIRE(check.size() == 1);
  CHECK(RunBash(dir, check[0], &out) == 0);
  CHECK(out.empty());
  // 4. extras and links
  const auto comm = Commands(verify_txt, "LC_ALL=C comm");
  REQUIRE(comm.size() == 1);
  CHECK(RunBash(dir, comm[0], &out) == 0);
  CHECK(out.empty());
  const auto find = Commands(verify_txt, "find . ! -type f");
  REQUIRE(find.size() == 1);
  CHECK(RunBash(dir, find[0], &out) == 0);
  CHECK(out.empty());
  // …and step 4 does see an added file.
  testing::WriteAllText(dir / "report" / "added.txt", "x");
  CHECK(RunBash(dir, comm[0], &out) == 0);
  CHECK(out == "report/added.txt\n");
  fs::remove(dir / "report" / "added.txt");
  // 5. custody prefix
  const auto head = Commands(verify_txt, "head -n");
  REQUIRE(head.size() == 1);
  CHECK(RunBash(dir, head[0], &out) == 0);
  CHECK(out.substr(0, 64) == m["custody"]["prefix_sha256"]);
  // 6. the exhibit hash list, and the exhibit against it
  const auto list_hash = Commands(verify_txt, "sha256sum evidence/E-01.sha256");
  REQUIRE(list_hash.size() == 1);
  CHECK(RunBash(dir, list_hash[0], &out) == 0);
  CHECK(out.substr(0, 64) == m["exhibits"][0]["hash_list_sha256"]);
  const auto exhibit = Commands(verify_txt, "(cd ");
  REQUIRE(exhibit.size() == 1);
  CHECK(RunBash(dir, exhibit[0], &out) == 0);
  CHECK(out.empty());

  // The custody log names the signature and the signer.
  const auto events = Events(dir);
  const json& signed_event = events.back();
  CHECK(signed_event["event"] == "report_signed");
  CHECK(signed_event["actor"]["cert_sha256"] == cert_sha);
  CHECK(signed_event["detail"]["cert_sha256"] == cert_sha);
  CHECK(signed_event["detail"]["signer_subject"].get<std::string>().find("CN=Examiner One") !=
        std::string::npos);
  CHECK_FALSE(signed_event["detail"]["signing_time"].get<std::string>().empty());
  std::set<std::pair<std::string, std::string>> hashes;
  for (const auto& h : signed_event["hashes"]) hashes.emplace(h["of"], h["value"]);
  CHECK(hashes.count({"manifest.sha256", Sha256Of(dir / "manifest.sha256")}));
  CHECK(hashes.count({"manifest.sha256.p7s", Sha256Of(dir / "manifest.sha256.p7s")}));

  const auto r = testing::Verify(dir);
  INFO(testing::FindingsText(r));
  CHECK(r.exit_code == 0);
  CHECK(r.findings.empty());
  CHECK(r.signature.trusted);
  CHECK(r.signature.cert_sha256 == cert_sha);
}

TEST_CASE("RSA keys and encrypted keys sign; Ed25519 and foreign keys are refused",
          "[reports][seal]") {
  TempDir tmp;
  auto folder = CaseWithPlainSample(tmp);
  const auto& pki = testing::Pki();
  SealOptions o = QuietSeal();

  o.signing = SigningKey{pki.ed_key, pki.ed_pem, {}, nullptr};
  auto ed = SealCase(*folder, o);
  REQUIRE_FALSE(ed);
  CHECK(ed.error().code == ErrorCode::kUnsupported);
  CHECK_FALSE(fs::exists(tmp / "CASE" / "manifest.sha256"));

  o.signing = SigningKey{pki.examiner2_key, pki.examiner_pem, {}, nullptr};
  auto foreign = SealCase(*folder, o);
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().message.find("does not belong") != std::string::npos);

  const auto wrong = core::SecretBytes::FromString("not the pass phrase");
  o.signing = SigningKey{pki.enc_key, pki.examiner_pem, {}, &wrong};
  CHECK_FALSE(SealCase(*folder, o));
  CHECK_FALSE(fs::exists(tmp / "CASE" / "manifest.json"));

  const auto right = core::SecretBytes::FromString("pem pass phrase");
  o.signing = SigningKey{pki.enc_key, pki.examiner_pem, {}, &right};
  auto enc = SealCase(*folder, o);
  REQUIRE(enc);
  CHECK(testing::Verify(tmp / "CASE").exit_code == 0);

  o.signing = SigningKey{pki.rsa_key, pki.rsa_pem, {}, nullptr};
  auto rsa = SealCase(*folder, o);
  REQUIRE(rsa);
  CHECK(rsa->revision == 2);
  CHECK(rsa->history == "history/r1");
  const auto r = testing::Verify(tmp / "CASE");
  INFO(testing::FindingsText(r));
  CHECK(r.exit_code == 0);
  CHECK(r.signature.subject.find("Examiner RSA") != std::string::npos);
}

TEST_CASE("re-sealing after a report regeneration keeps the old revision in history/",
          "[reports][seal]") {
  TempDir tmp;
  const auto c = testing::BuildSealedCase(tmp.path(), /*sign=*/true);
  const fs::path& dir = c.case_dir;
  const std::string old_root = c.seal.manifest_sha256;
  const std::string old_report = ReadAllText(dir / "report" / "report.json");
  auto folder = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
  REQUIRE(folder);

  auto next = BeginRevision(**folder);
  REQUIRE(next);
  CHECK(*next == 2);
  CHECK_FALSE(fs::exists(dir / "report"));
  CHECK_FALSE(fs::exists(dir / "manifest.sha256"));
  CHECK_FALSE(fs::exists(dir / "VERIFY.txt"));
  CHECK(ReadAllText(dir / "history/r1/report/report.json") == old_report);
  CHECK(Sha256Of(dir / "history/r1/manifest.sha256") == old_root);
  CHECK(fs::exists(dir / "history/r1/manifest.sha256.p7s"));
  auto again = BeginRevision(**folder);  // idempotent
  REQUIRE(again);
  CHECK(*again == 2);

  testing::WriteAllText(dir / "report" / "report.json",
                        "{\"report_id\":\"2026-0042-R\",\"revision\":2}\n");
  REQUIRE((*folder)->RecordEvent("report_generated", {{"detail", {{"revision", 2}}}}));
  SealOptions o = QuietSeal();
  o.signing = testing::ExaminerKey();
  auto seal = SealCase(**folder, o);
  REQUIRE(seal);
  CHECK(seal->revision == 2);
  const std::string list = ReadAllText(dir / "manifest.sha256");
  for (const char* p :
       {"history/r1/manifest.sha256", "history/r1/manifest.sha256.p7s", "history/r1/manifest.json",
        "history/r1/VERIFY.txt", "history/r1/report/report.json", "report/report.json"}) {
    CHECK(list.find(std::string("  ") + p + "\n") != std::string::npos);
  }
  CHECK(json::parse(ReadAllText(dir / "manifest.json"))["revision"] == 2);
  auto r = testing::Verify(dir);
  INFO(testing::FindingsText(r));
  CHECK(r.exit_code == 0);

  // Sealing again without BeginRevision archives only the seal; report/ stays.
  auto third = SealCase(**folder, o);
  REQUIRE(third);
  CHECK(third->revision == 3);
  CHECK(fs::exists(dir / "history/r2/manifest.sha256"));
  CHECK_FALSE(fs::exists(dir / "history/r2/report"));
  CHECK(fs::exists(dir / "report/report.json"));
  r = testing::Verify(dir);
  INFO(testing::FindingsText(r));
  CHECK(r.exit_code == 0);
}

TEST_CASE("sealing refuses links, a damaged custody log and never leaves a half seal",
          "[reports][seal]") {
  TempDir tmp;
  const auto c = testing::BuildSealedCase(tmp.path(), /*sign=*/true);
  const fs::path& dir = c.case_dir;
  const std::string root_before = ReadAllText(dir / "manifest.sha256");
  auto folder = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
  REQUIRE(folder);
  SealOptions o = QuietSeal();
  o.signing = testing::ExaminerKey();

  SECTION("a symlink") {
    fs::create_symlink("/etc/passwd", dir / "exports" / "link");
    auto r = SealCase(**folder, o);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kUnsafePath);
    CHECK(ReadAllText(dir / "manifest.sha256") == root_before);  // the old seal stays
    CHECK_FALSE(fs::exists(dir / "history"));
  }
  SECTION("a name with a newline") {
    testing::WriteAllText(dir / "exports" / "bad\nname", "x");
    CHECK_FALSE(SealCase(**folder, o));
    CHECK(ReadAllText(dir / "manifest.sha256") == root_before);
  }
  SECTION("a broken custody line") {
    std::string log = ReadAllText(dir / "custody.jsonl");
    log.replace(log.find("\"seq\":1,"), 8, "\"seq\":9,");
    testing::WriteAllText(dir / "custody.jsonl", log);
    auto r = SealCase(**folder, o);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kIntegrity);
    CHECK(ReadAllText(dir / "manifest.sha256") == root_before);
  }
  SECTION("the scratch folder is removed before sealing") {
    REQUIRE((*folder)->ScratchDir());
    testing::WriteAllText(dir / ".scratch" / "sms.db", "working copy");
    auto r = SealCase(**folder, o);
    REQUIRE(r);
    CHECK_FALSE(fs::exists(dir / ".scratch"));
    CHECK(ReadAllText(dir / "manifest.sha256").find(".scratch") == std::string::npos);
  }
}

TEST_CASE("the seal reuses a hash taken as a file was written only while its size and mtime match",
          "[reports][seal]") {
  TempDir tmp;
  auto folder = CaseWithPlainSample(tmp);
  testing::WriteFakeOutputs(*folder);
  const std::string rel = "exports/messages.jsonl";
  const fs::path file = tmp / "CASE" / rel;
  const std::string real = Sha256Of(file);
  // A stand-in value, so that the manifest shows which of the two the seal used.
  const std::string stand_in(64, 'a');
  auto listed = [&] {
    for (const auto& line : SplitLines(ReadAllText(tmp / "CASE" / "manifest.sha256"))) {
      if (line.size() > 66 && line.substr(66) == rel) return line.substr(0, 64);
    }
    return std::string();
  };

  SealOptions o = QuietSeal();
  const std::optional<KnownHash> stamp = StampHash(file, stand_in);
  REQUIRE(stamp);
  CHECK(stamp->size == fs::file_size(file));
  o.known_hashes[rel] = *stamp;
  REQUIRE(SealCase(*folder, o));
  CHECK(listed() == stand_in);  // unchanged file: not read again

  // Same size, other mtime: read again.
  const auto t = fs::last_write_time(file);
  fs::last_write_time(file, t - std::chrono::seconds(5));
  REQUIRE(SealCase(*folder, o));
  CHECK(listed() == real);

  // Same mtime, other size: read again.
  o.known_hashes[rel] = *StampHash(file, stand_in);
  { std::ofstream(file, std::ios::app) << "x"; }
  fs::last_write_time(file, t - std::chrono::seconds(5));
  REQUIRE(SealCase(*folder, o));
  CHECK(listed() == Sha256Of(file));
  CHECK(listed() != real);
}

TEST_CASE(
    "the outputs reuse the caller's hash of the case database only while its size and mtime match",
    "[reports][seal]") {
  TempDir tmp;
  testing::SyntheticOptions so;
  so.messages = 20;
  testing::SyntheticCase c = testing::MakeSyntheticCase(tmp / "CASE", so);
  const fs::path db = c.db();
  const std::string real = Sha256Of(db);
  // A stand-in value, so that the outputs show which of the two was used.
  const std::string stand_in(64, 'b');
  auto listed = [&] {
    std::string sha;
    for (const json& e : Events(c.case_dir)) {
      if (e["event"] != "report_generated") continue;
      for (const json& o : e["detail"]["outputs"]) {
        if (o["path"] == "artifacts.sqlite") sha = o["sha256"];
      }
    }
    return sha;  // the last report_generated event's
  };
  OutputOptions o;
  o.formats = {"jsonl"};
  o.known_hashes["artifacts.sqlite"] = *StampHash(db, stand_in);
  REQUIRE(WriteOutputsAndSeal(*c.folder, o));
  CHECK(listed() == stand_in);  // unchanged since the caller hashed it: not read again

  // Same size, other mtime: read again.
  fs::last_write_time(db, fs::last_write_time(db) - std::chrono::seconds(5));
  REQUIRE(WriteOutputsAndSeal(*c.folder, o));
  CHECK(listed() == real);

  // No known hash: read.
  o.known_hashes.clear();
  REQUIRE(WriteOutputsAndSeal(*c.folder, o));
  CHECK(listed() == real);
}

}  // namespace
}  // namespace mfx::reports
