// report/case.jsonld: the CASE/UCO rules the core validator skips (SHACL-SPARQL in UCO), checked
// here on the JSON — every node with an @id ending in a UUIDv5, no blank nodes, no shared facets,
// typed times, decimal coordinates, "SHA256" hashes, inline context — then conformance to the
// CASE 1.4.0 shapes with the shared case-validate tooling (rdflib → Turtle, rdf-validate-shacl).
#include <map>
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "core/file_util.h"
#include "reports/case_jsonld.h"
#include "reports/record_schema.h"
#include "tests/reports/report_model_fixtures.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
using testing::ReadAllText;
using testing::ReadJsonFile;
using testing::ShellQuote;
using testing::TempDir;
namespace fs = std::filesystem;

const std::regex kUuidV5Iri("^kb:[a-z0-9-]+-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
const std::regex kIsoTime("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$");
const std::regex kDecimal("^-?[0-9]+(\\.[0-9]+)?$");

struct Walk {
  std::map<std::string, json> nodes;                 // @id → node (every object with @type)
  std::map<std::string, int> facet_uses;             // facet @id → objects carrying it
  std::map<std::string, int> types;                  // @type → nodes
  std::vector<std::string> problems;
  int datetimes = 0, decimals = 0, hashes = 0;
};

bool HasType(const json& node, const std::string& type) {
  const json& t = node["@type"];
  if (t.is_string()) return t == type;
  for (const json& e : t) {
    if (e == type) return true;
  }
  return false;
}

void Visit(const json& v, const std::string& property, Walk& w) {
  if (v.is_array()) {
    for (const json& e : v) Visit(e, property, w);
    return;
  }
  if (v.is_string()) {
    if (std::regex_match(v.get<std::string>(), kIsoTime)) w.problems.push_back(property + ": untyped time " + v.dump());
    return;
  }
  if (v.is_number_float()) {
    w.problems.push_back(property + ": bare float " + v.dump() + " (would be xsd:double)");
    return;
  }
  if (!v.is_object()) return;
  if (v.contains("@value")) {
    const std::string type = v.value("@type", "");
    const std::string value = v["@value"].is_string() ? v["@value"].get<std::string>() : v["@value"].dump();
    if (type == "xsd:dateTime") {
      ++w.datetimes;
      if (!std::regex_match(value, kIsoTime)) w.problems.push_back(property + ": bad dateTime " + value);
    } else if (type == "xsd:decimal") {
      ++w.decimals;
      if (!std::regex_match(value, kDecimal)) w.problems.push_back(property + ": bad decimal " + value);
    }
    if ((property == "uco-location:latitude" || property == "uco-location:longitude") && type != "xsd:decimal") {
      w.problems.push_back(property + " is not xsd:decimal");
    }
    return;
  }
  if (property == "uco-location:latitude" || property == "uco-location:longitude") {
    w.problems.push_back(property + " is not a typed literal");
  }
  if (!v.contains("@type")) {
    // A reference: {"@id": …} only.
    if (v.size() != 1 || !v.contains("@id")) w.problems.push_back(property + ": object without @type " + v.dump().substr(0, 120));
    else if (v["@id"].get<std::string>().rfind("_:", 0) == 0) w.problems.push_back("blank node reference");
    return;
  }
  if (!v.contains("@id") || !v["@id"].is_string()) {
    w.problems.push_back("node without @id: " + v.dump().substr(0, 160));
    return;
  }
  const std::string id = v["@id"];
  if (!std::regex_match(id, kUuidV5Iri)) w.problems.push_back("IRI does not end in a UUIDv5: " + id);
  if (w.nodes.count(id)) w.problems.push_back("node defined twice: " + id);
  w.nodes[id] = v;
  if (v["@type"].is_string()) ++w.types[v["@type"]];
  else for (const json& t : v["@type"]) ++w.types[t];
  if (HasType(v, "uco-types:Hash")) {
    ++w.hashes;
    if (v["uco-types:hashMethod"] != "SHA256") w.problems.push_back(id + ": hashMethod " + v["uco-types:hashMethod"].dump());
    const json& hv = v["uco-types:hashValue"];
    if (hv.value("@type", "") != "xsd:hexBinary" || !std::regex_match(hv.value("@value", ""), std::regex("^[0-9a-f]{64}$"))) {
      w.problems.push_back(id + ": hashValue " + hv.dump());
    }
  }
  for (const auto& [k, child] : v.items()) {
    if (k == "@id" || k == "@type") continue;
    if (k == "uco-core:hasFacet") {
      for (const json& f : child.is_array() ? child : json::array({child})) {
        if (f.is_object() && f.contains("@id")) ++w.facet_uses[f["@id"].get<std::string>()];
      }
    }
    Visit(child, k, w);
  }
}

Walk WalkGraph(const json& doc) {
  Walk w;
  REQUIRE(doc.is_object());
  REQUIRE(doc["@context"].is_object());
  REQUIRE(doc["@graph"].is_array());
  for (const json& node : doc["@graph"]) {
    if (!node.contains("@type")) w.problems.push_back("top-level node without @type");
    Visit(node, "@graph", w);
  }
  for (const auto& [id, n] : w.facet_uses) {
    if (n != 1) w.problems.push_back("facet shared by " + std::to_string(n) + " objects: " + id);
  }
  // Every reference points at a node of this graph (or at an ontology term).
  std::function<void(const json&)> refs = [&](const json& v) {
    if (v.is_array()) {
      for (const json& e : v) refs(e);
    } else if (v.is_object()) {
      if (v.size() == 1 && v.contains("@id") && !w.nodes.count(v["@id"].get<std::string>())) {
        w.problems.push_back("dangling reference " + v["@id"].get<std::string>());
      }
      for (const auto& [k, c] : v.items()) refs(c);
    }
  };
  refs(doc["@graph"]);
  return w;
}

std::string Problems(const Walk& w) {
  std::string s;
  for (size_t i = 0; i < w.problems.size() && i < 20; ++i) s += w.problems[i] + "\n";
  return s;
}

// The npm packages of the shared case-validate tool, installed once into the build tree.
fs::path CaseValidateDir() {
  const fs::path dir = testing::BuildTreeDir() / "case-validate";
  if (!fs::exists(dir / "node_modules" / "rdf-validate-shacl") || !fs::exists(dir / "node_modules" / "@zazuko" / "env-node")) {
    fs::create_directories(dir);
    std::string out;
    const int rc = testing::RunCommand("npm install --no-audit --no-fund --loglevel=error --prefix " +
                                           ShellQuote(dir.string()) + " rdf-validate-shacl@0.6.5 @zazuko/env-node@3.0.0 2>&1",
                                       &out);
    INFO(out);
    REQUIRE(rc == 0);
  }
  // The tool itself stays in ../shared; a link beside node_modules lets Node resolve its imports
  // there (--preserve-symlinks-main).
  const fs::path link = dir / "validate.mjs";
  std::error_code ec;
  fs::remove(link, ec);
  fs::create_symlink(testing::SharedDir() / "tools" / "case-validate" / "validate.mjs", link);
  return dir;
}

// rdflib (Debian python3-rdflib) JSON-LD → Turtle, then validate.mjs against case-1.4.0.ttl.
void ExpectConforms(const fs::path& jsonld) {
  const fs::path shapes = testing::SharedDir() / "ontology" / "case-1.4.0.ttl";
  if (!fs::exists(shapes) || !fs::exists(testing::SharedDir() / "tools" / "case-validate" / "validate.mjs")) {
    WARN("SKIPPED: CASE validation needs " << shapes.string() << " and ../shared/tools/case-validate");
    return;
  }
  const fs::path ttl = jsonld.string() + ".ttl";
  std::string out;
  int rc = testing::RunCommand(std::string(MFX_PYTHON) +
                                   " -c 'import sys, rdflib; g = rdflib.Graph(); g.parse(sys.argv[1], format=\"json-ld\"); "
                                   "g.serialize(destination=sys.argv[2], format=\"turtle\"); print(len(g))' " +
                                   ShellQuote(jsonld.string()) + " " + ShellQuote(ttl.string()) + " 2>&1",
                               &out);
  INFO(out);
  REQUIRE(rc == 0);
  const fs::path dir = CaseValidateDir();
  rc = testing::RunCommand("cd " + ShellQuote(dir.string()) + " && node --preserve-symlinks-main validate.mjs " +
                               ShellQuote(shapes.string()) + " " + ShellQuote(ttl.string()) + " 2>&1",
                           &out);
  INFO(out);
  CHECK(out.find("conforms: true") != std::string::npos);
  CHECK(rc == 0);
}

TEST_CASE("case.jsonld follows the rules the core validator skips", "[reports][case]") {
  const auto& c = testing::SharedAnalyzedCase();
  const fs::path file = c.case_dir / "report" / "case.jsonld";
  const json doc = ReadJsonFile(file);
  const std::string kb = doc["@context"]["kb"];
  CHECK(kb.rfind("urn:mfx:case:", 0) == 0);
  CHECK(kb.find("example.org") == std::string::npos);
  const Walk w = WalkGraph(doc);
  INFO(Problems(w));
  CHECK(w.problems.empty());
  CHECK(w.datetimes > 0);
  CHECK(w.hashes > 0);
  // Records as observables, one per row of the case database.
  const fs::path db = c.case_dir / "artifacts.sqlite";
  auto count = [&](const char* t) { return w.types.count(t) ? w.types.at(t) : 0; };
  CHECK(count("uco-observable:Message") + count("uco-observable:SMSMessage") ==
        testing::QueryInt(db, "SELECT count(*) FROM messages"));
  CHECK(count("uco-observable:Contact") == testing::QueryInt(db, "SELECT count(*) FROM contacts"));
  CHECK(count("uco-observable:Call") == testing::QueryInt(db, "SELECT count(*) FROM calls"));
  CHECK(count("uco-observable:URLVisit") == testing::QueryInt(db, "SELECT count(*) FROM web_history"));
  int64_t records = 0;
  for (const KindInfo& k : AllKinds()) records += testing::QueryInt(db, "SELECT count(*) FROM \"" + k.kind + "\"");
  CHECK(count("uco-observable:TableFieldFacet") == records);
  CHECK(count("uco-location:LatLongCoordinatesFacet") ==
        testing::QueryInt(db, "SELECT (SELECT count(*) FROM photos WHERE latitude IS NOT NULL) + "
                              "(SELECT count(*) FROM messages WHERE latitude IS NOT NULL) + "
                              "(SELECT count(*) FROM calendar_events WHERE latitude IS NOT NULL)"));
  CHECK(count("case-investigation:Investigation") == 1);
  CHECK(count("case-investigation:ProvenanceRecord") == 1);
  CHECK(count("case-investigation:Examiner") == 1);
  CHECK(count("uco-observable:MobileDevice") == 1);
  CHECK(count("uco-tool:ConfiguredTool") == testing::QueryInt(db, "SELECT count(*) FROM runs"));
  // Every record is Contained_Within a File.
  int contained = 0;
  for (const auto& [id, n] : w.nodes) {
    if (HasType(n, "uco-observable:ObservableRelationship") && n["uco-core:kindOfRelationship"] == "Contained_Within") {
      const std::string source = n["uco-core:source"]["@id"], target = n["uco-core:target"]["@id"];
      REQUIRE(w.nodes.count(target));
      REQUIRE(w.nodes.count(source));
      if (HasType(w.nodes.at(source), "uco-observable:SIMCard")) {
        CHECK(HasType(w.nodes.at(target), "uco-observable:MobileDevice"));
        continue;
      }
      CHECK(HasType(w.nodes.at(target), "uco-observable:File"));
      ++contained;
    }
  }
  CHECK(contained >= records);
  // Hashes of the exhibit's hash list and of the case database, as the files are.
  const std::string text = ReadAllText(file);
  CHECK(text.find(*core::HashFileHex(c.case_dir / "evidence" / "E-01.sha256")) != std::string::npos);
  CHECK(text.find(*core::HashFileHex(db)) != std::string::npos);
  // The device and its identifiers from Info.plist.
  const json m = ReadJsonFile(c.case_dir / "report" / "report.json");
  const std::string udid = m["evidence"][0]["device"].value("udid", "");
  if (!udid.empty()) CHECK(text.find("\"mfx:uniqueDeviceID\":\"" + udid + "\"") != std::string::npos);
}

TEST_CASE("case.jsonld conforms to the CASE 1.4.0 shapes", "[reports][case][validate]") {
  const auto& c = testing::SharedAnalyzedCase();
  ExpectConforms(c.case_dir / "report" / "case.jsonld");
}

TEST_CASE("case.jsonld of deleted, located and hostile records conforms too; IRIs do not depend "
          "on database ids",
          "[reports][case][validate]") {
  TempDir tmp;
  testing::SyntheticOptions o;
  o.messages = 200;  // deleted (every 97th), shared locations (every 41st), three services
  o.chats = 7;
  o.contacts = 5;
  o.calls = 6;
  o.photos = 7;
  o.extra_texts = {"<script>alert(1)</script> \"quoted\" \\ back\nslash 2024-03-14T09:26:53Z ümlaut 👋"};
  auto c = testing::MakeSyntheticCase(tmp / "CASE", o);
  testing::WriteReports(c, {"case"});
  const fs::path file = c.case_dir / "report" / "case.jsonld";
  const json doc = ReadJsonFile(file);
  const Walk w = WalkGraph(doc);
  // The text that looks like a time is message text, which the walk reports as an untyped time:
  // it is the only one allowed.
  std::vector<std::string> problems;
  for (const auto& p : w.problems) {
    if (p.find("uco-observable:messageText") == std::string::npos) problems.push_back(p);
  }
  INFO(Problems(w));
  CHECK(problems.empty());
  CHECK(w.types.at("uco-observable:RecoveredObjectFacet") ==
        testing::QueryInt(c.db(), "SELECT count(*) FROM messages WHERE deleted = 1"));
  ExpectConforms(file);

  // The same records with other case-database ids (parsers run in parallel): the same IRIs.
  std::set<std::string> before;
  for (const auto& [id, n] : w.nodes) before.insert(id);
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(c.db().c_str(), &db) == SQLITE_OK);
    for (const char* t : {"messages", "contacts", "calls", "photos"}) {
      const std::string sql = std::string("UPDATE ") + t + " SET id = -id; UPDATE " + t +
                              " SET id = 100000 + id;";  // reversed order, new numbers
      REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    sqlite3_close(db);
  }
  fs::remove(c.case_dir / "report" / "report.json");
  testing::WriteReports(c, {"case"});
  const Walk again = WalkGraph(ReadJsonFile(file));
  std::set<std::string> after;
  for (const auto& [id, n] : again.nodes) after.insert(id);
  std::vector<std::string> differ;
  std::set_symmetric_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(differ));
  // Only the reporting action (new generation time → same IRI, new content) may differ; no IRI.
  CHECK(differ.empty());
}

TEST_CASE("UuidV5 matches RFC 4122 (Python's uuid.uuid5)", "[reports][case]") {
  // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org'))"
  CHECK(UuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  std::string out;
  REQUIRE(testing::RunCommand(std::string(MFX_PYTHON) +
                                  " -c \"import uuid; print(uuid.uuid5(uuid.UUID('6ba7b811-9dad-11d1-80b4-00c04fd430c8'), "
                                  "'urn:mfx:case-uco ümlaut'))\"",
                              &out) == 0);
  CHECK(UuidV5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "urn:mfx:case-uco ümlaut") + "\n" == out);
}

}  // namespace
}  // namespace mfx::reports
