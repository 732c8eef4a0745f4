// custody.jsonl: canonical form (golden bytes written by hand from CUSTODY.md §3.2), the chain
// (re-checked by Python's json module, an independent implementation), the writing rules and the
// secret guards.
#include <atomic>
#include <cctype>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "reports/custody_log.h"
#include "tests/reports/case_fixtures.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
using testing::ReadAllText;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteAllText;

CustodyIdentity TestIdentity() {
  return {"2026-0042",
          {{"name", "Examiner One"}, {"id", "EX-1"}, {"role", "examiner"}, {"org", "Lab"}}};
}

std::unique_ptr<CustodyLog> OpenLog(const std::filesystem::path& p) {
  auto log = CustodyLog::Open(p, TestIdentity());
  REQUIRE(log);
  return std::move(*log);
}

// Python's json module re-derives every line: canonical form, entry hash, prev link, seq.
const char* kPythonChainCheck = R"PY(
import json, hashlib, re, sys
prev = "0" * 64
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"", "no final newline"
for i, raw in enumerate(lines[:-1]):
    line = raw.decode("utf-8")
    e = json.loads(line)
    dump = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert dump(e) == line, ("not canonical", i)
    h = e.pop("entry_sha256")
    assert hashlib.sha256(dump(e).encode("utf-8")).hexdigest() == h, ("entry hash", i)
    assert e["seq"] == i and e["prev_sha256"] == prev, ("link", i)
    assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", e["event_id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["time"]), e["time"]
    assert re.fullmatch(r"[+-]\d\d:\d\d", e["time_offset"])
    assert e["schema"] == "mfx-custody/1" and e["tool"]["name"] == "mfx"
    assert e["clock"]["source"] == "host" and e["clock"]["ntp_synced"] in (True, False, None)
    for k in ("case_number", "actor", "hashes", "detail", "evidence_id", "root_evidence_id", "from_custodian",
              "to_custodian", "location", "purpose", "authority_ref", "item", "changes"):
        assert k in e, ("missing", k, i)
    prev = h
print(len(lines) - 1)
)PY";

int PythonCheck(const std::filesystem::path& log, std::string* out) {
  const auto script = log.parent_path() / "check_chain.py";
  WriteAllText(script, kPythonChainCheck);
  return testing::RunCommand(
      "python3 " + testing::ShellQuote(script.string()) + " " + testing::ShellQuote(log.string()),
      out);
}

TEST_CASE("canonical JSON equals hand-written golden bytes", "[reports][custody]") {
  json v = json::object();
  v["zeta"] = -42;
  v["alpha"] = std::string(
      "quote\" backslash\\ slash/ tab\t nl\n cr\r bs\b ff\f ctl\x01 us\x1f del\x7f é 👋");
  v["b_list"] = json::array({1, true, nullptr, "x", json::object(), json::array()});
  v["b2"] = 2;
  v["a10"] = int64_t{9007199254740992};
  v["a9"] = {{"z", 0}, {"a", int64_t{-9007199254740992}}};
  // Keys bytewise: "a10" < "a9" < "alpha" < "b2" < "b_list" < "zeta" ('1' < '9' < 'l', '2' < '_').
  const std::string expected =
      std::string(R"({"a10":9007199254740992,"a9":{"a":-9007199254740992,"z":0},)") +
      R"("alpha":"quote\" backslash\\ slash/ tab\t nl\n cr\r bs\b ff\f ctl\u0001 us\u001f del)" +
      "\x7f" + R"( é 👋","b2":2,"b_list":[1,true,null,"x",{},[]],"zeta":-42})";
  auto got = CanonicalJson(v);
  REQUIRE(got);
  CHECK(*got == expected);
}

TEST_CASE("canonical JSON refuses what has no canonical form", "[reports][custody]") {
  CHECK_FALSE(CanonicalJson(json{{"duration", 1.5}}));
  CHECK_FALSE(CanonicalJson(json{{"big", int64_t{9007199254740993}}}));
  CHECK_FALSE(CanonicalJson(json{{"big", uint64_t{18446744073709551615u}}}));
  CHECK_FALSE(CanonicalJson(json{{"Upper", 1}}));
  CHECK_FALSE(CanonicalJson(json{{"with space", 1}}));
  CHECK_FALSE(CanonicalJson(json{{"path/key", 1}}));
  CHECK_FALSE(CanonicalJson(json{{"s", std::string("bad \xff utf8")}}));
  CHECK(CanonicalJson(json{{"ok_1", int64_t{-9007199254740992}}}));
  // After sanitising, invalid UTF-8 becomes U+FFFD and is accepted.
  auto clean = CanonicalJson(SanitizeJsonStrings(json{{"s", std::string("bad \xff utf8")}}));
  REQUIRE(clean);
  CHECK(*clean == "{\"s\":\"bad \xEF\xBF\xBD utf8\"}");
}

TEST_CASE("entry_sha256 of a hand-written line equals sha256sum of its bytes",
          "[reports][custody]") {
  TempDir tmp;
  // Written by hand in canonical form (sorted keys, no spaces), without entry_sha256.
  const std::string body =
      R"({"actor":{"cert_sha256":null,"id":"EX-1","name":"Examiner One","org":"Lab","role":"examiner"},)"
      R"("authority_ref":null,"case_number":"2026-0042","changes":null,"clock":{"ntp_synced":true,"source":"host"},)"
      R"("detail":{"files":18234},"event":"note","event_id":"urn:uuid:6f1c1f8e-3c55-4d3f-9a53-2b2f4a0b9c11",)"
      R"("evidence_id":null,"from_custodian":null,"hashes":[],"item":null,"location":"Lab 2",)"
      R"("prev_sha256":"0000000000000000000000000000000000000000000000000000000000000000",)"
      R"("purpose":null,"root_evidence_id":null,"schema":"mfx-custody/1","seq":0,)"
      R"("time":"2026-03-14T09:41:07.512Z","time_offset":"+01:00","to_custodian":null,)"
      R"("tool":{"build":"abc","name":"mfx","version":"0.1.0"}})";
  WriteAllText(tmp / "body", body);
  std::string out;
  REQUIRE(testing::RunCommand("sha256sum " + testing::ShellQuote((tmp / "body").string()), &out) ==
          0);
  const std::string tool_hash = out.substr(0, 64);
  const json parsed = json::parse(body);
  auto canonical = CanonicalJson(parsed);
  REQUIRE(canonical);
  CHECK(*canonical == body);
  json with_hash = parsed;
  with_hash["entry_sha256"] = "ignored";
  auto h = EntrySha256(with_hash);
  REQUIRE(h);
  CHECK(*h == tool_hash);
  // The stored line is body with entry_sha256 inserted in key order, and it verifies.
  const std::string line = body.substr(0, body.find(R"("event":)")) + R"("entry_sha256":")" +
                           tool_hash + "\"," + body.substr(body.find(R"("event":)")) + "\n";
  WriteAllText(tmp / "custody.jsonl", line);
  auto chain = VerifyCustodyChain(tmp / "custody.jsonl");
  REQUIRE(chain);
  CHECK(chain->findings.empty());
  REQUIRE(chain->entries.size() == 1);
  CHECK(chain->entries[0].entry_sha256 == tool_hash);
}

TEST_CASE("appended events form a chain that Python re-derives", "[reports][custody]") {
  TempDir tmp;
  const auto path = tmp / "custody.jsonl";
  auto log = OpenLog(path);
  CHECK(std::filesystem::file_size(path) == 0);
  auto h0 = log->Append("case_created", {{"detail", {{"host", {{"name", "bench-3"}}}}}});
  REQUIRE(h0);
  CHECK(h0->seq == 0);
  auto h1 = log->Append(
      "evidence_registered",
      {{"evidence_id", "E-01"},
       {"root_evidence_id", "E-01"},
       {"hashes", json::array({HashRef("evidence/E-01.sha256", std::string(64, 'a'))})},
       {"detail",
        {{"files", 18234}, {"bytes", int64_t{5120339968}}, {"name", "Jürgen's \"iPhone\" 👋"}}}});
  REQUIRE(h1);
  auto h2 =
      log->Append("note", {{"detail", {{"text", std::string("invalid \xc3\x28 utf8\ttab")}}}});
  REQUIRE(h2);
  auto h3 = log->Append("transferred",
                        {{"from_custodian", "A"}, {"to_custodian", "B"}, {"purpose", "storage"}});
  REQUIRE(h3);
  CHECK(h3->seq == 3);
  CHECK(h3->lines == 4);
  CHECK(h3->bytes == std::filesystem::file_size(path));

  std::string out;
  INFO(ReadAllText(path));
  REQUIRE(PythonCheck(path, &out) == 0);
  CHECK(out == "4\n");
  auto chain = VerifyCustodyChain(path);
  REQUIRE(chain);
  CHECK(chain->findings.empty());
  CHECK(chain->entries.size() == 4);
  CHECK(chain->entries[3].entry_sha256 == h3->sha256);

  auto head = log->Head();
  REQUIRE(head);
  CHECK(head->seq == 3);
  CHECK(head->sha256 == h3->sha256);
  REQUIRE(testing::RunCommand("sha256sum " + testing::ShellQuote(path.string()), &out) == 0);
  CHECK(head->prefix_sha256 == out.substr(0, 64));

  // A second CustodyLog on the same file continues the chain.
  auto again = OpenLog(path);
  auto h4 = again->Append("note");
  REQUIRE(h4);
  CHECK(h4->seq == 4);
  REQUIRE(PythonCheck(path, &out) == 0);
}

TEST_CASE("appends refuse after a torn or broken last line and never repair",
          "[reports][custody]") {
  TempDir tmp;
  const auto path = tmp / "custody.jsonl";
  auto log = OpenLog(path);
  REQUIRE(log->Append("case_created"));
  REQUIRE(log->Append("note"));
  const std::string good = ReadAllText(path);

  SECTION("torn tail") {
    WriteAllText(path, good + R"({"schema":"mfx-custody/1","seq":2,"prev)");
    const std::string before = ReadAllText(path);
    auto r = log->Append("note");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kIntegrity);
    CHECK(r.error().message.find("torn") != std::string::npos);
    CHECK(ReadAllText(path) == before);
    CHECK_FALSE(log->Head());
  }
  SECTION("edited last line") {
    std::string edited = good;
    const auto pos = edited.rfind("\"event\":\"note\"");
    REQUIRE(pos != std::string::npos);
    edited.replace(pos, 14, "\"event\":\"nope\"");
    WriteAllText(path, edited);
    auto r = log->Append("note");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kIntegrity);
    CHECK(ReadAllText(path) == edited);
  }
  SECTION("whitespace added to the last line") {
    std::string edited = good;
    const auto pos = edited.rfind("\"event\":");
    edited.insert(pos + 8, " ");
    WriteAllText(path, edited);
    CHECK_FALSE(log->Append("note"));
    CHECK(ReadAllText(path) == edited);
  }
}

TEST_CASE("concurrent appenders on one file keep one chain", "[reports][custody]") {
  TempDir tmp;
  const auto path = tmp / "custody.jsonl";
  OpenLog(path)->Append("case_created");
  std::atomic<int> failures{0};
  auto worker = [&](int who) {
    auto log = OpenLog(path);  // its own descriptor: flock serialises across descriptors
    for (int i = 0; i < 30; ++i) {
      if (!log->Append("note", {{"detail", {{"writer", who}, {"i", i}}}})) ++failures;
    }
  };
  std::thread a(worker, 1), b(worker, 2);
  a.join();
  b.join();
  CHECK(failures == 0);
  std::string out;
  REQUIRE(PythonCheck(path, &out) == 0);
  CHECK(out == "61\n");
}

TEST_CASE("custody refuses fields that name secrets and values it was told are secret",
          "[reports][custody]") {
  TempDir tmp;
  auto log = OpenLog(tmp / "custody.jsonl");
  for (const json& bad :
       {json{{"detail", {{"password", "x"}}}}, json{{"detail", {{"backup_password", "x"}}}},
        json{{"detail", {{"Passphrase", "x"}}}}, json{{"detail", {{"private_key", "x"}}}},
        json{{"detail", {{"class_keys", json::array()}}}}, json{{"detail", {{"kek_hex", "x"}}}},
        json{{"detail", {{"key", "x"}}}},
        json{{"changes", {{"what", "temp"}, {"temp_password", "x"}}}},
        json{{"detail", {{"list", json::array({json{{"secret", 1}}})}}}}}) {
    INFO(bad.dump());
    auto r = log->Append("temp_password_set", bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
  }
  // State about keys is fine.
  CHECK(log->Append(
      "decryption_opened",
      {{"detail",
        {{"keybag", "unlocked"}, {"was_passcode_set", true}, {"key_file_used", false}}}}));

  const std::string password =
      testing::ReadAllText(testing::LoadSample("ios17-encrypted").password_file);
  const std::string pw = password.substr(0, password.find('\n'));
  SecretGuard guard;
  REQUIRE(guard.Add(core::SecretBytes::FromString(pw)));
  const auto kek =
      HexDecode(testing::LoadSample("ios17-encrypted").record["kek_hex"].get<std::string>());
  REQUIRE(kek);
  REQUIRE(guard.Add(core::SecretBytes(*kek)));
  log->set_secret_guard(&guard);
  CHECK_FALSE(
      log->Append("note", {{"detail", {{"text", "the examiner typed " + pw + " by mistake"}}}}));
  std::string upper_hex = HexEncode(*kek);
  for (char& c : upper_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK_FALSE(log->Append("note", {{"detail", {{"text", "k=" + HexEncode(*kek)}}}}));
  CHECK_FALSE(log->Append("note", {{"detail", {{"text", upper_hex}}}}));
  CHECK(log->Append("note", {{"detail", {{"text", "nothing secret"}}}}));
  CHECK(ReadAllText(tmp / "custody.jsonl").find(pw) == std::string::npos);
  // Too short to guard without false positives: documented, not guarded.
  CHECK_FALSE(guard.Add(core::SecretBytes::FromString("1234")));
}

TEST_CASE("custody refuses unknown, stamped and malformed fields", "[reports][custody]") {
  TempDir tmp;
  auto log = OpenLog(tmp / "custody.jsonl");
  CHECK_FALSE(log->Append("note", {{"seq", 5}}));
  CHECK_FALSE(log->Append("note", {{"time", "2020-01-01T00:00:00.000Z"}}));
  CHECK_FALSE(log->Append("note", {{"tool", "other"}}));
  CHECK_FALSE(log->Append("note", {{"entry_sha256", "x"}}));
  CHECK_FALSE(log->Append("note", {{"whatever", 1}}));
  CHECK_FALSE(log->Append("note", {{"detail", {{"ratio", 0.5}}}}));
  CHECK_FALSE(log->Append("note", {{"hashes", "not an array"}}));
  CHECK_FALSE(log->Append("Bad-Event"));
  CHECK_FALSE(log->Append(""));
  CHECK(log->Append("note"));
  CHECK(SplitLines(ReadAllText(tmp / "custody.jsonl")).size() == 1);
}

// Rewrites line `seq` of the log with f(parsed event) serialised by `dump`.
void EditLine(const std::filesystem::path& path, size_t seq,
              const std::function<std::string(const std::string&)>& f) {
  auto lines = SplitLines(ReadAllText(path));
  REQUIRE(seq < lines.size());
  lines[seq] = f(lines[seq]);
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  WriteAllText(path, text);
}

std::string Recompute(json e) {
  e.erase("entry_sha256");
  e["entry_sha256"] = *EntrySha256(e);
  return *CanonicalJson(e);
}

bool ChainFinding(const CustodyChainReport& r, const std::string& code, int64_t seq) {
  for (const auto& f : r.findings) {
    if (f.code == code && f.seq == seq && f.path == kCustodyFileName) return true;
  }
  return false;
}

TEST_CASE("the chain checker names the line of every kind of edit", "[reports][custody]") {
  TempDir tmp;
  const auto path = tmp / "custody.jsonl";
  {
    auto log = OpenLog(path);
    for (int i = 0; i < 6; ++i) REQUIRE(log->Append("note", {{"detail", {{"i", i}}}}));
  }
  const std::string pristine = ReadAllText(path);
  auto check = [&] {
    auto r = VerifyCustodyChain(path);
    REQUIRE(r);
    return *r;
  };
  REQUIRE(check().findings.empty());

  SECTION("content edited, hash left alone") {
    EditLine(path, 2, [](const std::string& l) {
      std::string s = l;
      s.replace(s.find("\"i\":2"), 5, "\"i\":7");
      return s;
    });
    const auto r = check();
    CHECK(ChainFinding(r, "custody_entry_hash", 2));
    CHECK(r.findings.size() == 1);
  }
  SECTION("content edited and its hash recomputed: the next link breaks") {
    EditLine(path, 2, [](const std::string& l) {
      json e = json::parse(l);
      e["detail"]["i"] = 7;
      return Recompute(e);
    });
    const auto r = check();
    CHECK(ChainFinding(r, "custody_prev_link", 3));
    CHECK(r.findings.size() == 1);
  }
  SECTION("whitespace only") {
    EditLine(path, 4, [](const std::string& l) { return l.substr(0, 1) + " " + l.substr(1); });
    const auto r = check();
    CHECK(ChainFinding(r, "custody_not_canonical", 4));
    CHECK(r.findings.size() == 1);  // same content, same hash: only the form is wrong
  }
  SECTION("keys reordered") {
    EditLine(path, 1, [](const std::string& l) {
      nlohmann::ordered_json o;
      json e = json::parse(l);
      std::vector<std::string> keys;
      for (const auto& [k, v] : e.items()) keys.push_back(k);
      for (auto it = keys.rbegin(); it != keys.rend(); ++it) o[*it] = e[*it];
      return o.dump();
    });
    const auto r = check();
    CHECK(ChainFinding(r, "custody_not_canonical", 1));
    CHECK(r.findings.size() == 1);
  }
  SECTION("a line deleted") {
    auto lines = SplitLines(pristine);
    lines.erase(lines.begin() + 3);
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    WriteAllText(path, text);
    const auto r = check();
    CHECK(ChainFinding(r, "custody_seq", 3));
    CHECK(ChainFinding(r, "custody_prev_link", 3));
  }
  SECTION("two lines swapped") {
    auto lines = SplitLines(pristine);
    std::swap(lines[1], lines[2]);
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    WriteAllText(path, text);
    const auto r = check();
    CHECK(ChainFinding(r, "custody_seq", 1));
    CHECK(ChainFinding(r, "custody_seq", 2));
  }
  SECTION("torn tail") {
    WriteAllText(path, pristine.substr(0, pristine.size() - 10));
    const auto r = check();
    CHECK(ChainFinding(r, "custody_torn_tail", 5));
    CHECK(r.torn_tail);
  }
  SECTION("not JSON") {
    EditLine(path, 0, [](const std::string&) { return std::string("garbage"); });
    const auto r = check();
    CHECK(ChainFinding(r, "custody_unparseable", 0));
  }
}

}  // namespace
}  // namespace mfx::reports
