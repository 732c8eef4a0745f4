// report/report.json (the report model) against what it summarises, read independently: counts
// and rows from artifacts.sqlite with SQL, hashes recomputed from the files, the custody head from
// custody.jsonl, identities from case.json / evidence/<id>.json and the generator's record.
#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "core/file_util.h"
#include "reports/record_schema.h"
#include "reports/report_model.h"
#include "tests/reports/report_model_fixtures.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
using testing::ReadAllText;
using testing::ReadJsonFile;
using testing::SplitLines;
using testing::TempDir;
namespace fs = std::filesystem;

std::string Sha256Of(const fs::path& p) {
  auto h = core::HashFileHex(p);
  REQUIRE(h);
  return *h;
}

TEST_CASE("report.json states the case database's counts, hashes and custody head",
          "[reports][model]") {
  const auto& c = testing::SharedAnalyzedCase();
  const fs::path db = c.case_dir / "artifacts.sqlite";
  const json m = ReadJsonFile(c.case_dir / "report" / "report.json");
  CHECK(m["schema"] == "mfx-report/1");
  CHECK(m["report_id"] == "2026-0042-R");
  CHECK(m["revision"] == 1);
  CHECK(m["display_zone"] == "Europe/Berlin");
  CHECK(m["generated"].get<std::string>().back() == 'Z');
  CHECK(m["tool"]["name"] == "mfx");
  CHECK(m["case"]["case_number"] == "2026-0042");
  CHECK(m["case"]["examiner"] == "Examiner One");
  CHECK(m["authority"]["basis"] == "none recorded");

  // Counts per kind = SELECT count(*); every kind with records has a table.
  int64_t total = 0;
  std::set<std::string> with_records;
  for (const KindInfo& k : AllKinds()) {
    const int64_t n = testing::QueryInt(db, "SELECT count(*) FROM \"" + k.kind + "\"");
    if (n == 0) {
      CHECK_FALSE(m["findings"]["counts"].contains(k.kind));
      continue;
    }
    with_records.insert(k.kind);
    INFO(k.kind);
    CHECK(m["findings"]["counts"][k.kind] == n);
    total += n;
  }
  CHECK(m["findings"]["total"] == total);
  CHECK(with_records.count("messages"));
  CHECK(with_records.count("contacts"));
  CHECK(with_records.count("calls"));
  std::set<std::string> tables;
  for (const json& t : m["tables"]) {
    const std::string kind = t["kind"];
    tables.insert(kind);
    INFO(kind);
    CHECK(t["total"] == m["findings"]["counts"][kind]);
    CHECK(t["shown"] == t["rows"].size());
    CHECK(t["cap"] == kDefaultTableCap);
    CHECK(t["columns"].size() == 7);
    CHECK(t["export"] == "exports/" + kind + ".csv");
    CHECK(t["export_sha256"] == Sha256Of(c.case_dir / "exports" / (kind + ".csv")));
    for (const json& row : t["rows"]) REQUIRE(row.size() == 7);
  }
  CHECK(tables == with_records);

  // Integrity: database hash, exhibit hash-list hash, custody head = the last line before
  // report_generated.
  CHECK(m["integrity"]["case_db"]["path"] == "artifacts.sqlite");
  CHECK(m["integrity"]["case_db"]["sha256"] == Sha256Of(db));
  REQUIRE(m["integrity"]["exhibits"].size() == 1);
  CHECK(m["integrity"]["exhibits"][0]["id"] == "E-01");
  CHECK(m["integrity"]["exhibits"][0]["hash_list_sha256"] == Sha256Of(c.case_dir / "evidence" / "E-01.sha256"));
  std::vector<json> events;
  for (const auto& l : SplitLines(ReadAllText(c.case_dir / "custody.jsonl"))) events.push_back(json::parse(l));
  const auto gen = std::find_if(events.begin(), events.end(),
                                [](const json& e) { return e["event"] == "report_generated"; });
  REQUIRE(gen != events.end());
  const json& before = *(gen - 1);
  CHECK(m["integrity"]["custody_head"]["seq"] == before["seq"]);
  CHECK(m["integrity"]["custody_head"]["sha256"] == before["entry_sha256"]);
  CHECK(m["integrity"]["custody_chain_ok"] == true);
  CHECK(m["custody"].size() == static_cast<size_t>(gen - events.begin()));
  // report_generated names report.json with the hash of the file as sealed.
  bool listed = false;
  for (const json& o : (*gen)["detail"]["outputs"]) {
    if (o["path"] == "report/report.json") {
      listed = true;
      CHECK(o["sha256"] == Sha256Of(c.case_dir / "report" / "report.json"));
    }
  }
  CHECK(listed);
  bool verified_after_parsing = false;
  for (const json& v : m["integrity"]["verifications"]) {
    verified_after_parsing |= v["event"] == "hash_verified" && v["result"] == "match";
  }
  CHECK(verified_after_parsing);
  REQUIRE(m["registration"].size() == 1);
  CHECK(m["registration"][0]["event"] == "evidence_registered");

  // Device identity as the generator wrote it into Info.plist.
  REQUIRE(m["evidence"].size() == 1);
  const json& dev = m["evidence"][0]["device"];
  const json& gen_dev = c.backup.record["device"];
  for (const char* f : {"udid", "serial_number", "imei", "product_type"}) {
    INFO(f);
    if (gen_dev.contains(f) && gen_dev[f].is_string()) CHECK(dev[f] == gen_dev[f]);
  }
  const json case_json = ReadJsonFile(c.case_dir / "case.json");
  CHECK(m["evidence"][0]["hash_list_sha256"] == case_json["evidence"][0]["hash_list_sha256"]);

  // Processing: one entry per parser run, inputs with their hashes.
  CHECK(static_cast<int64_t>(m["processing"]["parsers"].size()) == testing::QueryInt(db, "SELECT count(*) FROM runs"));
  const std::string tz = m["processing"]["timezone_statement"];
  CHECK(tz.find("Europe/Berlin") != std::string::npos);
  CHECK(tz.find("UTC") != std::string::npos);
  CHECK(tz.find("floating") != std::string::npos);
  CHECK(m["limitations"].size() >= 3);
}

TEST_CASE("report.json rows carry the database's text exactly, with UTC and local times",
          "[reports][model]") {
  const auto& c = testing::SharedAnalyzedCase();
  const fs::path db_path = c.case_dir / "artifacts.sqlite";
  const json m = ReadJsonFile(c.case_dir / "report" / "report.json");
  auto db = core::SqliteDb::OpenReadOnly(db_path);
  REQUIRE(db);
  auto zone = core::TimeZone::Load("Europe/Berlin");
  REQUIRE(zone);
  for (const json& t : m["tables"]) {
    const std::string kind = t["kind"];
    INFO(kind);
    int64_t prev_us = INT64_MIN;
    bool untimed_seen = false;
    for (const json& row : t["rows"]) {
      auto st = (*db)->Prepare("SELECT time, time_us, src_domain || '/' || src_path, src_table, src_rowid, deleted FROM \"" +
                               kind + "\" WHERE id = " + row[0].get<std::string>());
      REQUIRE(st);
      auto have = st->Step();
      REQUIRE(have);
      REQUIRE(*have);
      if (st->IsNull(1)) {
        CHECK(row[1] == "");
        untimed_seen = true;
      } else {
        CHECK_FALSE(untimed_seen);  // timed rows first, in time order
        CHECK(row[1] == std::string(st->Text(0)));
        CHECK(st->Int(1) >= prev_us);
        prev_us = st->Int(1);
        const std::string local = row[2];
        if (local.find("floating") == std::string::npos) CHECK(local == zone->FormatLocal(st->Int(1)));
      }
      const std::string source = row[5];
      CHECK(source.rfind(std::string(st->Text(2)), 0) == 0);
      if (!st->IsNull(3)) CHECK(source.find(" · " + std::string(st->Text(3)) + " · row ") != std::string::npos);
      CHECK(row[6] == (st->Int(5) ? "deleted (recovered)" : "intact"));
    }
  }
  // Message text appears whole in the content cell.
  auto st = (*db)->Prepare("SELECT id, text FROM messages WHERE text IS NOT NULL ORDER BY id");
  REQUIRE(st);
  std::map<std::string, std::string> texts;
  while (*st->Step()) texts[std::to_string(st->Int(0))] = std::string(st->Text(1));
  REQUIRE_FALSE(texts.empty());
  size_t checked = 0;
  for (const json& t : m["tables"]) {
    if (t["kind"] != "messages") continue;
    for (const json& row : t["rows"]) {
      const auto it = texts.find(row[0]);
      if (it == texts.end()) continue;
      CHECK(row[4].get<std::string>().find(it->second) != std::string::npos);
      ++checked;
    }
  }
  CHECK(checked == texts.size());
}

TEST_CASE("tables above the cap say how many are shown and where the full list is",
          "[reports][model]") {
  TempDir tmp;
  testing::SyntheticOptions o;
  o.messages = 12;
  o.contacts = 3;
  auto c = testing::MakeSyntheticCase(tmp / "CASE", o);
  // A CSV export of messages beside the database, as `analyze` writes it before the reports.
  testing::WriteAllText(c.case_dir / "exports" / "messages.csv", "kind,text\n");
  ReportContext ctx{*c.folder, c.db(), core::TimeZone::Utc(), "2026-0042-R", 1};
  ReportModelOptions options;
  options.table_cap = 5;
  auto m = BuildReportModel(ctx, options);
  REQUIRE(m);
  bool saw_messages = false, saw_contacts = false;
  for (const json& t : (*m)["tables"]) {
    if (t["kind"] == "messages") {
      saw_messages = true;
      CHECK(t["total"] == 12);
      CHECK(t["shown"] == 5);
      CHECK(t["rows"].size() == 5);
      const std::string sha = Sha256Of(c.case_dir / "exports" / "messages.csv");
      CHECK(t["note"] == "5 of 12 shown; full list exports/messages.csv, SHA-256 " + sha);
    }
    if (t["kind"] == "contacts") {
      saw_contacts = true;
      CHECK(t["shown"] == 3);
      CHECK(t["note"].is_null());
      CHECK(t["export"].is_null());  // no contacts.csv in this case folder
    }
  }
  CHECK(saw_messages);
  CHECK(saw_contacts);
  // No exhibit, no consent: both stated as limitations.
  const std::string limits = (*m)["limitations"].dump();
  CHECK(limits.find("No consent") != std::string::npos);
}

TEST_CASE("report.json is rebuilt for a new revision and reused within one", "[reports][model]") {
  TempDir tmp;
  testing::SyntheticOptions o;
  o.messages = 3;
  auto c = testing::MakeSyntheticCase(tmp / "CASE", o);
  ReportContext ctx{*c.folder, c.db(), core::TimeZone::Utc(), "2026-0042-R", 1};
  bool wrote = false;
  auto first = ReportModelForRevision(ctx, true, &wrote);
  REQUIRE(first);
  CHECK(wrote);
  auto again = ReportModelForRevision(ctx, true, &wrote);
  REQUIRE(again);
  CHECK_FALSE(wrote);
  CHECK((*again)["generated"] == (*first)["generated"]);
  ReportContext next{*c.folder, c.db(), core::TimeZone::Utc(), "2026-0042-R", 2};
  auto second = ReportModelForRevision(next, true, &wrote);
  REQUIRE(second);
  CHECK(wrote);
  CHECK((*second)["revision"] == 2);
}

TEST_CASE("report outputs refuse a guarded secret, also across buffer boundaries", "[reports][model]") {
  TempDir tmp;
  testing::SyntheticOptions o;
  o.messages = 2;
  auto c = testing::MakeSyntheticCase(tmp / "CASE", o);
  const std::string password = "correct horse battery staple";
  c.folder->GuardSecret(core::SecretBytes(AsBytes(password)));
  ReportContext ctx{*c.folder, c.db(), core::TimeZone::Utc(), "2026-0042-R", 1};
  {
    auto out = ReportOutput::Create(ctx, "report/probe.txt");
    REQUIRE(out);
    out->Write(std::string((size_t{1} << 20) - 10, 'x'));  // the secret straddles the first flush
    out->Write(password);
    out->Write("tail");
    auto closed = out->Close();
    REQUIRE_FALSE(closed);
    CHECK(closed.error().message.find("secret") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(c.case_dir / "report" / "probe.txt"));
  CHECK_FALSE(fs::exists(c.case_dir / "report" / "probe.txt.tmp-mfx"));
  // Without the secret, the same writer succeeds.
  auto ok = ReportOutput::Create(ctx, "report/probe.txt");
  REQUIRE(ok);
  ok->Write("nothing secret here");
  REQUIRE(ok->Close());
  CHECK(ReadAllText(c.case_dir / "report" / "probe.txt") == "nothing secret here");
}

TEST_CASE("an encrypted backup's password appears in no report output", "[reports][model]") {
  TempDir tmp;
  testing::GenerateOptions gen;
  gen.encrypt = true;
  gen.password = "pw-of-the-backup-81722";
  const auto c = testing::AnalyzeGenerated(tmp.path(), "html,csv,jsonl,case,kml", "UTC", gen);
  for (const auto& e : fs::recursive_directory_iterator(c.case_dir)) {
    if (!e.is_regular_file()) continue;
    INFO(e.path().string());
    CHECK(ReadAllText(e.path()).find(gen.password) == std::string::npos);
  }
  const json m = ReadJsonFile(c.case_dir / "report" / "report.json");
  CHECK(m["evidence"][0]["encryption"]["was_encrypted"] == true);
}

}  // namespace
}  // namespace mfx::reports

namespace mfx::reports {
namespace {

bool Has(const std::vector<Finding>& f, const std::string& code) {
  return std::any_of(f.begin(), f.end(), [&](const Finding& x) { return x.code == code; });
}

TEST_CASE("CheckReportModelConsistency finds what report.json states wrongly", "[reports][model][verify]") {
  const auto& shared = testing::SharedAnalyzedCase();
  {
    std::vector<Finding> findings;
    CheckReportModelConsistency(shared.case_dir, findings);
    std::string text;
    for (const auto& f : findings) text += FindingToText(f) + "\n";
    INFO(text);
    CHECK(findings.empty());
  }
  testing::TempDir tmp;
  const fs::path copy = tmp / "CASE";
  testing::CopyTree(shared.case_dir, copy);
  const fs::path rj = copy / "report" / "report.json";
  auto edit = [&](const std::function<void(json&)>& change) {
    json m = testing::ReadJsonFile(rj);
    change(m);
    testing::WriteAllText(rj, m.dump(2));
    std::vector<Finding> findings;
    CheckReportModelConsistency(copy, findings);
    return findings;
  };
  const json original = testing::ReadJsonFile(rj);
  CHECK(Has(edit([](json& m) { m["integrity"]["case_db"]["sha256"] = std::string(64, '0'); }), "report_db_hash"));
  testing::WriteAllText(rj, original.dump(2));
  CHECK(Has(edit([](json& m) { m["integrity"]["exhibits"][0]["hash_list_sha256"] = std::string(64, '1'); }),
            "report_exhibit_hash"));
  testing::WriteAllText(rj, original.dump(2));
  CHECK(Has(edit([](json& m) { m["integrity"]["custody_head"]["sha256"] = std::string(64, '2'); }),
            "report_custody_head"));
  testing::WriteAllText(rj, original.dump(2));
  CHECK(Has(edit([](json& m) { m["findings"]["counts"]["messages"] = m["findings"]["counts"]["messages"].get<int64_t>() + 1; }),
            "report_count"));
  testing::WriteAllText(rj, original.dump(2));
  CHECK(Has(edit([](json& m) { m["evidence"][0]["device"]["udid"] = "0000"; }), "report_device"));
  testing::WriteAllText(rj, original.dump(2));
  // case.jsonld with another device serial.
  std::string ld = testing::ReadAllText(copy / "report" / "case.jsonld");
  const std::string serial = original["evidence"][0]["device"].value("serial_number", "");
  if (!serial.empty()) {
    for (size_t at = ld.find(serial); at != std::string::npos; at = ld.find(serial, at + 1)) ld[at] = ld[at] == 'X' ? 'Y' : 'X';
    testing::WriteAllText(copy / "report" / "case.jsonld", ld);
    std::vector<Finding> findings;
    CheckReportModelConsistency(copy, findings);
    CHECK(Has(findings, "report_jsonld_device"));
  }
}

}  // namespace
}  // namespace mfx::reports
