// CaseFolder: case.json, case_created, evidence registration (hash lists checked with the stock
// sha256sum), re-registration, consent records, scratch.
#include <sys/stat.h>
#include <future>

#include <nlohmann/json.hpp>

#include "reports/case_folder.h"
#include "tests/reports/case_fixtures.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
using testing::ReadAllText;
using testing::SplitLines;
using testing::TempDir;
namespace fs = std::filesystem;

std::vector<json> Events(const fs::path& case_dir) {
  std::vector<json> out;
  for (const auto& l : SplitLines(ReadAllText(case_dir / "custody.jsonl")))
    out.push_back(json::parse(l));
  return out;
}

RegisterOptions Quiet() {
  RegisterOptions o;
  o.progress = core::Progress::Mode::kQuiet;
  return o;
}

// tmp/backup: a copy of the plain iOS 17 sample; tmp/CASE: a new case with it registered as E-01.
std::unique_ptr<CaseFolder> CaseWithCopiedSample(const TempDir& tmp) {
  testing::CopyTree(testing::LoadSample("ios17-plain").dir, tmp / "backup");
  auto folder = CaseFolder::CreateOrOpen(tmp / "CASE", testing::TestCaseOptions());
  REQUIRE(folder);
  REQUIRE((*folder)->RegisterIngestedBackup(*testing::OpenPlainBackup(tmp / "backup"), Quiet()));
  return std::move(*folder);
}

TEST_CASE("a new case writes case.json and case_created", "[reports][case]") {
  TempDir tmp;
  const auto dir = tmp / "CASE";
  {
    auto folder = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
    REQUIRE(folder);
    CHECK((*folder)->created());
    CHECK((*folder)->case_number() == "2026-0042");
  }
  const json c = json::parse(ReadAllText(dir / "case.json"));
  CHECK(c["schema"] == "mfx-case/1");
  CHECK(c["case_number"] == "2026-0042");
  CHECK(c["examiner"]["name"] == "Examiner One");
  CHECK(c["examiner"]["id"] == "EX-1");
  CHECK(c["agency"]["name"] == "MFX Test Lab");
  CHECK(c["evidence"].empty());
  CHECK(fs::is_directory(dir / "evidence"));
  const auto events = Events(dir);
  REQUIRE(events.size() == 1);
  const json& e = events[0];
  CHECK(e["event"] == "case_created");
  CHECK(e["seq"] == 0);
  CHECK(e["case_number"] == "2026-0042");
  CHECK(e["actor"]["name"] == "Examiner One");
  CHECK(e["location"] == "Lab 2, bench 3");
  CHECK(e["tool"]["name"] == "mfx");
  CHECK(!e["detail"]["host"]["os"].get<std::string>().empty());
  CHECK(!e["detail"]["host"]["name"].get<std::string>().empty());
  CHECK(e["detail"]["utc_offset"].get<std::string>().size() == 6);
  CHECK(e["detail"]["libraries"].contains("openssl"));
  CHECK(e["detail"]["libraries"].contains("sqlite"));
  CHECK(e["detail"].contains("tzdata"));
  CHECK(e["clock"]["source"] == "host");
}

TEST_CASE("reopening a case: matching number, conflicting number, changed examiner",
          "[reports][case]") {
  TempDir tmp;
  const auto dir = tmp / "CASE";
  REQUIRE(CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions()));
  SECTION("same number, nothing new: no event") {
    auto f = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
    REQUIRE(f);
    CHECK_FALSE((*f)->created());
    CHECK(Events(dir).size() == 1);
  }
  SECTION("no number given: the stored one") {
    CaseOptions o;
    auto f = CaseFolder::CreateOrOpen(dir, o);
    REQUIRE(f);
    CHECK((*f)->case_number() == "2026-0042");
  }
  SECTION("another number is refused") {
    auto f = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions("2026-9999"));
    REQUIRE_FALSE(f);
    CHECK(f.error().code == ErrorCode::kInvalidArgument);
    CHECK(f.error().message.find("2026-0042") != std::string::npos);
  }
  SECTION("a new examiner is recorded") {
    CaseOptions o = testing::TestCaseOptions();
    o.examiner = "Examiner Two";
    REQUIRE(CaseFolder::CreateOrOpen(dir, o));
    const auto events = Events(dir);
    REQUIRE(events.size() == 2);
    CHECK(events[1]["event"] == "case_updated");
    CHECK(events[1]["detail"]["changes"]["examiner"]["from"] == "Examiner One");
    CHECK(events[1]["detail"]["changes"]["examiner"]["to"] == "Examiner Two");
    CHECK(events[1]["actor"]["name"] == "Examiner Two");
    CHECK(json::parse(ReadAllText(dir / "case.json"))["examiner"]["name"] == "Examiner Two");
  }
  SECTION("a case in use by another CaseFolder is refused") {
    auto first = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
    REQUIRE(first);
    auto scratch = (*first)->ScratchDir();
    REQUIRE(scratch);
    testing::WriteAllText(*scratch / "copy.db", "working copy");
    auto second = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
    REQUIRE_FALSE(second);
    CHECK(second.error().message.find("in use") != std::string::npos);
    CHECK(fs::exists(*scratch / "copy.db"));  // the refused open left the first one's scratch alone
  }
  SECTION("a case whose custody log vanished is refused") {
    fs::remove(dir / "custody.jsonl");
    auto f = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
    REQUIRE_FALSE(f);
    CHECK(f.error().code == ErrorCode::kIntegrity);
  }
}

TEST_CASE("a non-empty folder that is not a case is refused; no number means the folder name",
          "[reports][case]") {
  TempDir tmp;
  testing::WriteAllText(tmp / "stuff" / "file.txt", "x");
  CHECK_FALSE(CaseFolder::CreateOrOpen(tmp / "stuff", testing::TestCaseOptions()));
  CaseOptions o;
  auto f = CaseFolder::CreateOrOpen(tmp / "Case-17", o);
  REQUIRE(f);
  CHECK((*f)->case_number() == "Case-17");
  CHECK(json::parse(ReadAllText(tmp / "Case-17" / "case.json"))["case_number_source"] ==
        "folder_name");
}

TEST_CASE("registering a sample backup writes a hash list sha256sum agrees with",
          "[reports][case]") {
  TempDir tmp;
  const auto sample = testing::LoadSample("ios17-plain");
  const auto dir = tmp / "CASE";
  auto folder = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
  REQUIRE(folder);
  auto backup = testing::OpenPlainBackup(sample.dir);
  auto item = (*folder)->RegisterIngestedBackup(*backup, Quiet());
  REQUIRE(item);
  CHECK(item->id == "E-01");
  CHECK(item->root_id == "E-01");
  CHECK(item->kind == "ingested");
  CHECK(item->hash_list == "evidence/E-01.sha256");
  CHECK_FALSE(item->already_registered);
  CHECK(item->location == fs::canonical(sample.dir).string());

  // The same list, made by find + LC_ALL=C sort + sha256sum (no mfx code involved).
  std::string expected;
  REQUIRE(testing::RunCommand(
              "cd " + testing::ShellQuote(sample.dir.string()) +
                  " && find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 sha256sum --",
              &expected) == 0);
  const std::string list = ReadAllText(dir / "evidence/E-01.sha256");
  CHECK(list == expected);
  CHECK(item->files == SplitLines(list).size());
  uint64_t bytes = 0;
  for (auto& e : fs::recursive_directory_iterator(sample.dir)) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  CHECK(item->bytes == bytes);
  std::string out;
  CHECK(testing::RunCommand("cd " + testing::ShellQuote(sample.dir.string()) +
                                " && sha256sum --strict --quiet -c " +
                                testing::ShellQuote((dir / "evidence/E-01.sha256").string()),
                            &out) == 0);
  REQUIRE(testing::RunCommand(
              "sha256sum " + testing::ShellQuote((dir / "evidence/E-01.sha256").string()), &out) ==
          0);
  CHECK(item->hash_list_sha256 == out.substr(0, 64));

  const json ej = json::parse(ReadAllText(dir / "evidence/E-01.json"));
  CHECK(ej["schema"] == "mfx-evidence/1");
  CHECK(ej["id"] == "E-01");
  CHECK(ej["location"] == item->location);
  CHECK(ej["hash_list_sha256"] == item->hash_list_sha256);
  CHECK(ej["identity"]["udid"] == sample.record["device"]["UniqueDeviceID"]);
  CHECK(ej["encryption"]["was_encrypted"] == false);
  CHECK(ej["registered_seq"] == 1);

  const auto events = Events(dir);
  REQUIRE(events.size() == 2);
  const json& reg = events[1];
  CHECK(reg["event"] == "evidence_registered");
  CHECK(reg["evidence_id"] == "E-01");
  CHECK(reg["hashes"][0]["of"] == "evidence/E-01.sha256");
  CHECK(reg["hashes"][0]["value"] == item->hash_list_sha256);
  CHECK(reg["detail"]["files"] == item->files);
  CHECK(reg["detail"]["identity"]["udid"] == sample.record["device"]["UniqueDeviceID"]);

  const json c = json::parse(ReadAllText(dir / "case.json"));
  REQUIRE(c["evidence"].size() == 1);
  CHECK(c["evidence"][0]["hash_list_sha256"] == item->hash_list_sha256);

  SECTION("the same backup again is recognised, not duplicated") {
    auto again = (*folder)->RegisterIngestedBackup(*backup, Quiet());
    REQUIRE(again);
    CHECK(again->id == "E-01");
    CHECK(again->already_registered);
    CHECK((*folder)->evidence().size() == 1);
    CHECK_FALSE(fs::exists(dir / "evidence/E-02.sha256"));
    const auto ev = Events(dir);
    REQUIRE(ev.size() == 3);
    CHECK(ev[2]["event"] == "hash_verified");
    CHECK(ev[2]["detail"]["result"] == "match");
  }
  SECTION("another backup becomes E-02") {
    auto other = testing::OpenPlainBackup(testing::LoadSample("ios9-plain").dir);
    auto second = (*folder)->RegisterIngestedBackup(*other, Quiet());
    REQUIRE(second);
    CHECK(second->id == "E-02");
    CHECK((*folder)->NextEvidenceId() == "E-03");
    CHECK(json::parse(ReadAllText(dir / "case.json"))["evidence"].size() == 2);
  }
  SECTION("reopening keeps the exhibits") {
    folder->reset();
    auto reopened = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
    REQUIRE(reopened);
    REQUIRE((*reopened)->evidence().size() == 1);
    CHECK((*reopened)->evidence()[0].hash_list_sha256 == item->hash_list_sha256);
    auto again = (*reopened)->RegisterIngestedBackup(*backup, Quiet());
    REQUIRE(again);
    CHECK(again->already_registered);
  }
}

TEST_CASE("a changed backup at a registered location is a mismatch and a new exhibit",
          "[reports][case]") {
  TempDir tmp;
  auto folder = CaseWithCopiedSample(tmp);
  testing::WriteAllText(tmp / "backup" / "Status.plist.extra", "new");
  auto second = folder->RegisterIngestedBackup(*testing::OpenPlainBackup(tmp / "backup"), Quiet());
  REQUIRE(second);
  CHECK(second->id == "E-02");
  const auto events = Events(tmp / "CASE");
  REQUIRE(events.size() == 4);
  CHECK(events[2]["event"] == "hash_mismatch");
  CHECK(events[2]["evidence_id"] == "E-01");
  CHECK(events[3]["event"] == "evidence_registered");
}

TEST_CASE("re-hashing an exhibit after parsing records hash_verified or hash_mismatch",
          "[reports][case]") {
  TempDir tmp;
  testing::CopyTree(testing::LoadSample("ios17-plain").dir, tmp / "backup");
  auto folder = CaseFolder::CreateOrOpen(tmp / "CASE", testing::TestCaseOptions());
  REQUIRE(folder);
  auto item = (*folder)->RegisterIngestedBackup(*testing::OpenPlainBackup(tmp / "backup"), Quiet());
  REQUIRE(item);
  auto all = (*folder)->ReverifyEvidence("E-01", {}, "after parsing", Quiet());
  REQUIRE(all);
  CHECK(all->ok());
  CHECK(all->checked == item->files);
  auto events = Events(tmp / "CASE");
  CHECK(events.back()["event"] == "hash_verified");
  CHECK(events.back()["detail"]["what"] == "after parsing");
  CHECK(events.back()["seq"] == all->event_seq);

  testing::WriteAllText(tmp / "backup" / "Manifest.db", "changed");
  auto some = (*folder)->ReverifyEvidence("E-01", {"Manifest.db", "Info.plist", "no/such/file"},
                                          "after parsing", Quiet());
  REQUIRE(some);
  CHECK_FALSE(some->ok());
  CHECK(some->checked == 2);
  CHECK(some->mismatched == std::vector<std::string>{"Manifest.db"});
  CHECK(some->unlisted == std::vector<std::string>{"no/such/file"});
  events = Events(tmp / "CASE");
  CHECK(events.back()["event"] == "hash_mismatch");
  CHECK(events.back()["detail"]["mismatched"][0] == "Manifest.db");
  CHECK_FALSE((*folder)->ReverifyEvidence("E-07"));
}

TEST_CASE("the re-hash runs on another thread while events are recorded, its event after them",
          "[reports][case]") {
  // analyze re-hashes the files the parsers opened while it finishes the case database and
  // records `parsed`; the hash_verified / hash_mismatch event must still come after `parsed`.
  TempDir tmp;
  auto folder = CaseWithCopiedSample(tmp);
  testing::WriteAllText(tmp / "backup" / "Info.plist", "changed after parsing");
  auto plan =
      folder->PlanRehash("E-01", {"Manifest.db", "Info.plist", "no/such/file", "Manifest.db"});
  REQUIRE(plan);
  CHECK(plan->todo == std::vector<std::string>{"Info.plist", "Manifest.db"});
  auto hashes =
      std::async(std::launch::async, [&] { return CaseFolder::RunRehash(*plan, Quiet()); });
  REQUIRE(folder->RecordEvent("parsed", {{"evidence_id", "E-01"}}));
  auto got = hashes.get();
  REQUIRE(got);
  auto result = folder->RecordRehash(*plan, *got, "files opened by the parsers, after parsing");
  REQUIRE(result);
  CHECK(result->checked == 2);
  CHECK(result->mismatched == std::vector<std::string>{"Info.plist"});
  CHECK(result->unlisted == std::vector<std::string>{"no/such/file"});
  const auto events = Events(tmp / "CASE");
  REQUIRE(events.size() >= 2);
  CHECK(events[events.size() - 2]["event"] == "parsed");
  CHECK(events.back()["event"] == "hash_mismatch");
  CHECK(events.back()["seq"] == result->event_seq);
  CHECK(events.back()["detail"]["files_asked"] == 4);
  CHECK_FALSE(folder->PlanRehash("E-07"));
}

TEST_CASE("a backup inside the case (or containing it) is refused", "[reports][case]") {
  TempDir tmp;
  auto folder = CaseFolder::CreateOrOpen(tmp / "CASE", testing::TestCaseOptions());
  REQUIRE(folder);
  testing::CopyTree(testing::LoadSample("ios17-plain").dir, tmp / "CASE" / "inside");
  auto r = (*folder)->RegisterIngestedBackup(*testing::OpenPlainBackup(tmp / "CASE" / "inside"),
                                             Quiet());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidArgument);

  testing::CopyTree(testing::LoadSample("ios17-plain").dir, tmp / "outer");
  auto inner = CaseFolder::CreateOrOpen(tmp / "outer" / "CASE", testing::TestCaseOptions());
  REQUIRE(inner);
  CHECK_FALSE((*inner)->RegisterIngestedBackup(*testing::OpenPlainBackup(tmp / "outer"), Quiet()));
}

TEST_CASE("the scratch folder is private and removed", "[reports][case]") {
  TempDir tmp;
  const auto dir = tmp / "CASE";
  {
    auto folder = CaseFolder::CreateOrOpen(dir, testing::TestCaseOptions());
    REQUIRE(folder);
    auto scratch = (*folder)->ScratchDir();
    REQUIRE(scratch);
    CHECK(*scratch == dir / ".scratch");
    struct stat st {};
    REQUIRE(::stat(scratch->c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    testing::WriteAllText(*scratch / "sms.db", "copy");
    REQUIRE((*folder)->RemoveScratch());
    CHECK_FALSE(fs::exists(*scratch));
    REQUIRE((*folder)->ScratchDir());
    testing::WriteAllText(dir / ".scratch" / "x", "copy");
  }
  CHECK_FALSE(fs::exists(dir / ".scratch"));  // the destructor removed it
}

TEST_CASE("a consent record and its form are copied, hashed and summarised", "[reports][case]") {
  TempDir tmp;
  auto folder = CaseFolder::CreateOrOpen(tmp / "CASE", testing::TestCaseOptions());
  REQUIRE(folder);
  testing::WriteAllText(
      tmp / "consent.json",
      R"({"consent_id": "CF-77", "scope": {"kinds": ["messages", "calls"]}, "given_by": "Owner"})");
  testing::WriteAllText(tmp / "form.pdf", "%PDF-1.4 fake form");
  auto s = (*folder)->AddConsentRecord(tmp / "consent.json", tmp / "form.pdf");
  REQUIRE(s);
  CHECK(s->record_path == "consent/CF-77.json");
  CHECK(s->form_path == "consent/CF-77-form.pdf");
  CHECK(ReadAllText(tmp / "CASE" / s->form_path) == "%PDF-1.4 fake form");
  const json c = json::parse(ReadAllText(tmp / "CASE" / "case.json"));
  REQUIRE(c["consent"].size() == 1);
  CHECK(c["consent"][0]["record_sha256"] == s->record_sha256);
  CHECK(c["consent"][0]["form_sha256"] == s->form_sha256);
  const auto events = Events(tmp / "CASE");
  CHECK(events.back()["event"] == "consent_recorded");
  CHECK(events.back()["authority_ref"] == "CF-77");
  CHECK(events.back()["hashes"].size() == 2);
  CHECK_FALSE((*folder)->AddConsentRecord(tmp / "consent.json"));  // same id twice

  testing::WriteAllText(tmp / "bad.json", R"({"consent_id": "../x"})");
  CHECK_FALSE((*folder)->AddConsentRecord(tmp / "bad.json"));
  testing::WriteAllText(tmp / "pw.json", R"({"consent_id": "CF-78", "temp_password": "hunter2"})");
  CHECK_FALSE((*folder)->AddConsentRecord(tmp / "pw.json"));
}

}  // namespace
}  // namespace mfx::reports
