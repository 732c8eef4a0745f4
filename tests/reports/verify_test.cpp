// mfx verify: tamper tests (seeded byte flips in every kind of file, deletions, additions,
// custody edits, a cut log, re-signing), trust, structure, evidence and the command line.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "reports/verify.h"
#include "tests/reports/case_fixtures.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
using testing::HasFinding;
using testing::ReadAllText;
using testing::SplitLines;
using testing::TempDir;
using testing::Verify;
using testing::WriteAllText;
namespace fs = std::filesystem;

// One pristine signed case per test binary run; each test copies it.
const testing::SealedCase& Pristine() {
  static testing::ProcessTempDir holder;
  static const testing::SealedCase c = testing::BuildSealedCase(holder.path(), /*sign=*/true);
  return c;
}

fs::path FreshCopy(const TempDir& tmp, const std::string& name = "CASE") {
  const fs::path dest = tmp / name;
  testing::CopyTree(Pristine().case_dir, dest);
  return dest;
}

void FlipByte(const fs::path& file, uint64_t offset, uint8_t mask) {
  std::string bytes = ReadAllText(file);
  REQUIRE(!bytes.empty());
  bytes[offset % bytes.size()] = static_cast<char>(bytes[offset % bytes.size()] ^ mask);
  WriteAllText(file, bytes);
}

std::string LinesText(const std::vector<std::string>& lines) {
  std::string t;
  for (const auto& l : lines) t += l + "\n";
  return t;
}

TEST_CASE("a freshly sealed, signed case verifies clean", "[reports][verify]") {
  TempDir tmp;
  const fs::path dir = FreshCopy(tmp);  // the case may move: all paths are relative
  const auto r = Verify(dir);
  INFO(testing::FindingsText(r));
  CHECK(r.exit_code == 0);
  CHECK(r.findings.empty());
  CHECK(r.signature.present);
  CHECK(r.signature.matches);
  CHECK(r.signature.trusted);
  CHECK(r.files_checked == r.files_listed);
  REQUIRE(r.exhibits.size() == 1);
  CHECK(r.exhibits[0].reachable);
  CHECK(r.exhibits[0].checked == r.exhibits[0].listed);
  CHECK(r.exhibits[0].listed > 20);
  REQUIRE(r.after_seal.size() == 1);
  CHECK(r.after_seal[0].second == "report_signed");
  const json j = VerifyReportToJson(r);
  CHECK(j["exit"] == 0);
  CHECK(j["findings"].empty());
}

TEST_CASE("one flipped byte in any case file is caught and named", "[reports][verify]") {
  std::mt19937_64 rng(20260314);
  TempDir tmp;
  const fs::path pristine = Pristine().case_dir;
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(pristine)) {
    if (e.is_regular_file() && e.file_size() > 0)
      files.push_back(e.path().lexically_relative(pristine).generic_string());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() > 10);
  std::set<std::string> hit;
  for (int round = 0; round < 40; ++round) {
    // Every file once, then random ones.
    const std::string& target =
        round < static_cast<int>(files.size()) ? files[round] : files[rng() % files.size()];
    hit.insert(target);
    const fs::path dir = tmp / ("round-" + std::to_string(round));
    testing::CopyTree(pristine, dir);
    const uint64_t offset = rng();
    const auto mask = static_cast<uint8_t>(1 + rng() % 255);
    FlipByte(dir / target, offset, mask);
    const auto r = Verify(dir);
    INFO("round " << round << ": flipped a byte of " << target << "\n" << testing::FindingsText(r));
    CHECK(r.exit_code != 0);
    if (target == "custody.jsonl") {
      bool named = false;
      for (const auto& f : r.findings) named |= f.path == "custody.jsonl" && f.seq.has_value();
      CHECK(named);
    } else if (target == "manifest.sha256") {
      CHECK(r.exit_code == 1);
      CHECK(HasFinding(r, "signature_mismatch", "manifest.sha256.p7s"));
    } else if (target == "manifest.sha256.p7s") {
      bool named = false;
      for (const auto& f : r.findings) named |= f.path == "manifest.sha256.p7s";
      CHECK(named);
    } else {
      CHECK(r.exit_code == 1);
      CHECK(HasFinding(r, "changed", target));
    }
    fs::remove_all(dir);
  }
  CHECK(hit.size() == files.size());
}

TEST_CASE("a flipped byte in the ingested backup is caught and named", "[reports][verify]") {
  std::mt19937_64 rng(77);
  TempDir tmp;
  const auto c = testing::BuildSealedCase(tmp.path(), /*sign=*/true);
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(c.backup_dir)) {
    if (e.is_regular_file() && e.file_size() > 0)
      files.push_back(e.path().lexically_relative(c.backup_dir).generic_string());
  }
  const std::string backup = fs::canonical(c.backup_dir).string();
  for (int round = 0; round < 12; ++round) {
    const std::string target = files[rng() % files.size()];
    const std::string original = ReadAllText(c.backup_dir / target);
    FlipByte(c.backup_dir / target, rng(), static_cast<uint8_t>(1 + rng() % 255));
    const auto r = Verify(c.case_dir);
    INFO(target << "\n" << testing::FindingsText(r));
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "evidence_changed", backup + "/" + target));
    CHECK(r.findings.size() == 1);
    WriteAllText(c.backup_dir / target, original);
  }
  CHECK(Verify(c.case_dir).exit_code == 0);

  WriteAllText(c.backup_dir / "new-file", "x");
  auto r = Verify(c.case_dir);
  CHECK(r.exit_code == 1);
  CHECK(HasFinding(r, "evidence_extra", backup + "/new-file"));
  fs::remove(c.backup_dir / "new-file");

  const std::string victim = files.front();
  fs::rename(c.backup_dir / victim, tmp / "moved-away");
  r = Verify(c.case_dir);
  CHECK(r.exit_code == 1);
  CHECK(HasFinding(r, "evidence_missing", backup + "/" + victim));
  fs::rename(tmp / "moved-away", c.backup_dir / victim);

  // The backup moved: unreachable is a structure finding (a skipped check is not a pass) …
  fs::rename(c.backup_dir, tmp / "elsewhere");
  r = Verify(c.case_dir);
  INFO(testing::FindingsText(r));
  CHECK(r.exit_code == 3);
  CHECK(HasFinding(r, "evidence_unreachable"));
  // … and --evidence E-01=DIR checks it where it is now.
  auto o = testing::TrustingOptions();
  o.evidence["E-01"] = tmp / "elsewhere";
  r = Verify(c.case_dir, o);
  INFO(testing::FindingsText(r));
  CHECK(r.exit_code == 0);
  o.evidence["E-09"] = tmp / "elsewhere";
  CHECK(HasFinding(Verify(c.case_dir, o), "evidence_unknown"));
}

TEST_CASE("deleted, added and linked files are named", "[reports][verify]") {
  TempDir tmp;
  const fs::path dir = FreshCopy(tmp);
  SECTION("deleted") {
    fs::remove(dir / "report" / "report.html");
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "missing", "report/report.html"));
  }
  SECTION("added") {
    WriteAllText(dir / "exports" / "calls.csv", "planted");
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "extra", "exports/calls.csv"));
    CHECK(r.findings.size() == 1);
  }
  SECTION("added next to the excluded names") {
    WriteAllText(dir / "custody.jsonl.bak", "x");
    WriteAllText(dir / "sub" / "manifest.sha256", "x");
    const auto r = Verify(dir);
    CHECK(HasFinding(r, "extra", "custody.jsonl.bak"));
    CHECK(HasFinding(r, "extra", "sub/manifest.sha256"));
  }
  SECTION("a symlink") {
    fs::create_symlink("../case.json", dir / "report" / "link.json");
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "special_file", "report/link.json"));
  }
  SECTION("a listed file replaced by a symlink") {
    fs::remove(dir / "report" / "report.html");
    fs::create_symlink("report.json", dir / "report" / "report.html");
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "special_file", "report/report.html"));
    CHECK(HasFinding(r, "unreadable", "report/report.html"));
  }
  SECTION("a hash list deleted") {
    fs::remove(dir / "evidence" / "E-01.sha256");
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "missing", "evidence/E-01.sha256"));
    CHECK(HasFinding(r, "evidence_unchecked", "evidence/E-01.sha256"));
  }
}

TEST_CASE("custody edits are caught and named by seq", "[reports][verify]") {
  TempDir tmp;
  const fs::path dir = FreshCopy(tmp);
  const fs::path log = dir / "custody.jsonl";
  auto lines = SplitLines(ReadAllText(log));
  const json manifest = json::parse(ReadAllText(dir / "manifest.json"));
  const int64_t head_seq = manifest["custody"]["head_seq"];
  REQUIRE(lines.size() == static_cast<size_t>(head_seq) + 2);

  SECTION("content edited") {
    const auto pos = lines[1].find("\"location\":\"Lab 2, bench 3\"");
    REQUIRE(pos != std::string::npos);
    lines[1].replace(pos, 27, "\"location\":\"Lab 9, bench 3\"");
    WriteAllText(log, LinesText(lines));
    const auto r = Verify(dir);
    INFO(testing::FindingsText(r));
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "custody_entry_hash", "custody.jsonl", 1));
    CHECK(HasFinding(r, "custody_prefix", "custody.jsonl", head_seq));
  }
  SECTION("whitespace only") {
    lines[0].insert(lines[0].find(':') + 1, " ");
    WriteAllText(log, LinesText(lines));
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "custody_not_canonical", "custody.jsonl", 0));
  }
  SECTION("keys reordered") {
    nlohmann::ordered_json o;
    const json e = json::parse(lines[2]);
    std::vector<std::string> keys;
    for (const auto& [k, v] : e.items()) keys.push_back(k);
    std::reverse(keys.begin(), keys.end());
    for (const auto& k : keys) o[k] = e[k];
    lines[2] = o.dump();
    WriteAllText(log, LinesText(lines));
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "custody_not_canonical", "custody.jsonl", 2));
  }
  SECTION("tail cut below the pinned head") {
    lines.resize(2);
    WriteAllText(log, LinesText(lines));
    const auto r = Verify(dir);
    INFO(testing::FindingsText(r));
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "custody_truncated", "custody.jsonl", head_seq));
  }
  SECTION("the lines after the seal cut") {
    lines.pop_back();
    WriteAllText(log, LinesText(lines));
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "seal_unrecorded", "custody.jsonl"));
  }
  SECTION("the whole log rewritten consistently: only the pinned head exposes it") {
    std::string prev(kZeroSha256);
    for (size_t i = 0; i < lines.size(); ++i) {
      json e = json::parse(lines[i]);
      if (i == 1) e["location"] = "somewhere else";
      e["prev_sha256"] = prev;
      e.erase("entry_sha256");
      e["entry_sha256"] = *EntrySha256(e);
      prev = e["entry_sha256"];
      lines[i] = *CanonicalJson(e);
    }
    WriteAllText(log, LinesText(lines));
    auto chain = VerifyCustodyChain(log);
    REQUIRE(chain);
    CHECK(chain->findings.empty());  // internally consistent …
    const auto r = Verify(dir);
    INFO(testing::FindingsText(r));
    CHECK(r.exit_code == 1);  // … but not the log that was sealed
    CHECK(HasFinding(r, "custody_prefix", "custody.jsonl", head_seq));
    CHECK(HasFinding(r, "custody_head", "custody.jsonl", head_seq));
  }
  SECTION("lines appended after the seal are fine and listed") {
    auto appended = CustodyLog::Open(log, {"2026-0042", {{"name", "Clerk"}}});
    REQUIRE(appended);
    REQUIRE((*appended)->Append(
        "transferred", {{"from_custodian", "Examiner One"}, {"to_custodian", "Evidence store"}}));
    const auto r = Verify(dir);
    INFO(testing::FindingsText(r));
    CHECK(r.exit_code == 0);
    REQUIRE(r.after_seal.size() == 2);
    CHECK(r.after_seal[1].second == "transferred");
  }
}

TEST_CASE("re-signing with another key is a trust failure", "[reports][verify]") {
  TempDir tmp;
  const fs::path dir = FreshCopy(tmp);
  const auto& pki = testing::Pki();
  auto resign = [&](const fs::path& cert, const fs::path& key) {
    std::string out;
    REQUIRE(testing::RunBash(
                dir,
                "openssl cms -sign -binary -outform DER -md sha256 -in manifest.sha256 -signer " +
                    testing::ShellQuote(cert.string()) + " -inkey " +
                    testing::ShellQuote(key.string()) + " -out manifest.sha256.p7s",
                &out) == 0);
  };
  SECTION("a key from another lab") {
    resign(pki.rogue_pem, pki.rogue_key);
    const auto r = Verify(dir);
    INFO(testing::FindingsText(r));
    CHECK(r.exit_code == 2);
    CHECK(r.signature.matches);
    CHECK_FALSE(r.signature.trusted);
    CHECK(HasFinding(r, "signer_not_anchored", "manifest.sha256.p7s"));
    CHECK(HasFinding(r, "signer_unexpected", "manifest.sha256.p7s"));
    CHECK(HasFinding(r, "signature_unrecorded", "manifest.sha256.p7s"));
    for (const auto& f : r.findings) CHECK(f.kind == FindingClass::kTrust);
  }
  SECTION("another examiner of the same lab") {
    resign(pki.examiner2_pem, pki.examiner2_key);
    const auto r = Verify(dir);
    INFO(testing::FindingsText(r));
    CHECK(r.exit_code == 2);
    CHECK(r.signature.trusted);
    CHECK(HasFinding(r, "signer_unexpected", "manifest.sha256.p7s"));
    CHECK(HasFinding(r, "signature_unrecorded", "manifest.sha256.p7s"));
  }
  SECTION("the signature removed") {
    fs::remove(dir / "manifest.sha256.p7s");
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);  // manifest.json promised a signer
    CHECK(HasFinding(r, "signature_missing", "manifest.sha256.p7s"));
  }
}

TEST_CASE("trust comes only from --trust", "[reports][verify]") {
  TempDir tmp;
  const fs::path dir = FreshCopy(tmp);
  VerifyOptions none;
  none.progress = core::Progress::Mode::kQuiet;
  auto r = Verify(dir, none);
  CHECK(r.exit_code == 2);
  CHECK(HasFinding(r, "signer_not_anchored"));
  r = Verify(dir, testing::TrustingOptions(testing::Pki().rogue_ca_pem));
  CHECK(r.exit_code == 2);
  CHECK(HasFinding(r, "signer_not_anchored"));
  // A trust anchor inside the case folder is refused outright.
  fs::copy_file(testing::Pki().ca_pem, dir / "lab-root.pem");
  auto bad = VerifyCase(dir, testing::TrustingOptions(dir / "lab-root.pem"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("never from the case folder") != std::string::npos);
}

TEST_CASE("structure findings and the lowest code winning", "[reports][verify]") {
  TempDir tmp;
  SECTION("manifest.sha256 missing: 3") {
    const fs::path dir = FreshCopy(tmp);
    fs::remove(dir / "manifest.sha256");
    const auto r = Verify(dir);
    INFO(testing::FindingsText(r));
    CHECK(r.exit_code == 3);
    CHECK(HasFinding(r, "manifest_missing", "manifest.sha256"));
  }
  SECTION("a malformed line: structure, and the signature no longer matches: 1 wins") {
    const fs::path dir = FreshCopy(tmp);
    std::string list = ReadAllText(dir / "manifest.sha256");
    WriteAllText(dir / "manifest.sha256", list + "not a line\n");
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "manifest_malformed", "manifest.sha256"));
    CHECK(HasFinding(r, "signature_mismatch"));
  }
  SECTION("manifest.json unknown schema") {
    const fs::path dir = FreshCopy(tmp);
    std::string m = ReadAllText(dir / "manifest.json");
    m.replace(m.find("mfx-manifest/1"), 14, "mfx-manifest/9");
    WriteAllText(dir / "manifest.json", m);
    const auto r = Verify(dir);
    CHECK(r.exit_code == 1);
    CHECK(HasFinding(r, "unknown_schema", "manifest.json"));
    CHECK(HasFinding(r, "changed", "manifest.json"));
  }
  SECTION("not a case at all") {
    const auto r = Verify(tmp / "nothing-here");
    CHECK(r.exit_code == 3);
  }
  SECTION("unsigned and unreachable: 2; unsigned, unreachable and changed: 1") {
    const auto c = testing::BuildSealedCase(tmp / "u", /*sign=*/false);
    fs::remove_all(c.backup_dir);
    auto r = Verify(c.case_dir);
    INFO(testing::FindingsText(r));
    CHECK(r.exit_code == 2);
    CHECK(HasFinding(r, "unsigned"));
    CHECK(HasFinding(r, "evidence_unreachable"));
    WriteAllText(c.case_dir / "report" / "report.html", "changed");
    r = Verify(c.case_dir);
    CHECK(r.exit_code == 1);
  }
  SECTION("report_generated outputs that differ from the sealed files") {
    const fs::path dir = FreshCopy(tmp);
    auto lines = SplitLines(ReadAllText(dir / "custody.jsonl"));
    const json manifest = json::parse(ReadAllText(dir / "manifest.json"));
    std::map<std::string, std::string> listed;
    for (const auto& f : manifest["files"]) listed[f["path"]] = f["sha256"];
    std::vector<Finding> findings;
    std::vector<CustodyEntry> entries;
    for (size_t i = 0; i < lines.size(); ++i) {
      CustodyEntry e;
      e.seq = static_cast<int64_t>(i);
      e.value = json::parse(lines[i]);
      e.event = e.value["event"];
      entries.push_back(e);
    }
    SealedCaseView view{dir, &manifest, &listed, &entries, manifest["custody"]["head_seq"]};
    CheckReportConsistency(view, findings);
    CHECK(findings.empty());
    listed["report/report.html"] = std::string(64, '0');
    listed.erase("exports/messages.csv");
    CheckReportConsistency(view, findings);
    CHECK(findings.size() == 2);
  }
}

TEST_CASE("verify --record appends verified or verification_failed after the seal", "[reports][verify]") {
  TempDir tmp;
  const fs::path dir = FreshCopy(tmp);
  auto o = testing::TrustingOptions();
  o.record = true;
  auto r = Verify(dir, o);
  CHECK(r.exit_code == 0);
  CHECK(r.recorded);
  auto lines = SplitLines(ReadAllText(dir / "custody.jsonl"));
  json last = json::parse(lines.back());
  CHECK(last["event"] == "verified");
  CHECK(last["seq"] == r.recorded_seq);
  CHECK(last["detail"]["exit"] == 0);
  CHECK(last["actor"]["role"] == "verifier");
  CHECK(Verify(dir).exit_code == 0);  // recording does not break the seal

  WriteAllText(dir / "exports" / "planted.csv", "x");
  r = Verify(dir, o);
  CHECK(r.exit_code == 1);
  CHECK(r.recorded);
  last = json::parse(SplitLines(ReadAllText(dir / "custody.jsonl")).back());
  CHECK(last["event"] == "verification_failed");
  CHECK(last["detail"]["codes"]["extra"] == 1);
}

TEST_CASE("mfx verify on the command line", "[reports][verify][cli]") {
  TempDir tmp;
  const fs::path dir = FreshCopy(tmp);
  const std::string mfx = testing::ShellQuote(MFX_BINARY);
  const std::string trust = " --trust " + testing::ShellQuote(testing::Pki().ca_pem.string());
  const std::string case_arg = " --case " + testing::ShellQuote(dir.string());
  std::string out;
  CHECK(testing::RunCommand(mfx + " verify" + case_arg + trust + " --json 2>/dev/null", &out) == 0);
  json j = json::parse(out);
  CHECK(j["exit"] == 0);
  CHECK(testing::RunCommand(mfx + " verify" + case_arg + trust, &out) == 0);
  CHECK(out.find("result:     OK") != std::string::npos);

  CHECK(testing::RunCommand(mfx + " verify" + case_arg + " --json 2>/dev/null", &out) == 2);
  CHECK(json::parse(out)["exit"] == 2);

  WriteAllText(dir / "report" / "report.html", "tampered");
  CHECK(testing::RunCommand(mfx + " verify" + case_arg + trust + " --json 2>/dev/null", &out) == 1);
  j = json::parse(out);
  CHECK(j["exit"] == 1);
  bool named = false;
  for (const auto& f : j["findings"]) {
    named |= f["code"] == "changed" && f["path"] == "report/report.html" &&
             f["expected"].get<std::string>().size() == 64;
  }
  CHECK(named);

  CHECK(testing::RunCommand(mfx + " verify" + case_arg + " --evidence nonsense", &out) == 64);
  CHECK(testing::RunCommand(mfx + " verify --bogus", &out) == 64);
  CHECK(testing::RunCommand(mfx + " verify" + case_arg + " --trust " +
                                testing::ShellQuote((dir / "case.json").string()),
                            &out) == 64);
  CHECK(testing::RunCommand(mfx + " verify --help", &out) == 0);
}

}  // namespace
}  // namespace mfx::reports
