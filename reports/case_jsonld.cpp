#include "reports/case_jsonld.h"

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/crypto.h"
#include "core/sqlite_db.h"
#include "reports/record_schema.h"
#include "reports/report_model.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;

// RFC 4122 name spaces; mfx's own is the v5 UUID of its URL in the URL name space.
constexpr std::string_view kUrlNamespace = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

const std::string& MfxNamespace() {
  static const std::string ns = UuidV5(kUrlNamespace, "urn:mfx:case-uco");
  return ns;
}

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

json Ref(const std::string& iri) { return {{"@id", iri}}; }

json DateTime(const std::string& iso) { return {{"@type", "xsd:dateTime"}, {"@value", iso}}; }

// xsd:decimal text: fixed notation (never an exponent), shortest that round-trips.
json Decimal(double v) {
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return {{"@type", "xsd:decimal"}, {"@value", std::string(buf, r.ptr)}};
}

json Sha256Hash(const std::string& iri, const std::string& hex) {
  return {{"@id", iri},
          {"@type", "uco-types:Hash"},
          {"uco-types:hashMethod", "SHA256"},
          {"uco-types:hashValue", {{"@type", "xsd:hexBinary"}, {"@value", hex}}}};
}

bool IsIsoUtc(const std::string& s) {
  return s.size() >= 20 && s[4] == '-' && s[10] == 'T' && s.back() == 'Z';
}

// Inline context (CASE-Examples prefixes); "kb" is this case's own name space.
json Context(const std::string& case_uuid) {
  return {{"kb", "urn:mfx:case:" + case_uuid + ":"},
          {"mfx", "urn:mfx:ontology:"},
          {"co", "http://purl.org/co/"},
          {"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
          {"rdfs", "http://www.w3.org/2000/01/rdf-schema#"},
          {"xsd", "http://www.w3.org/2001/XMLSchema#"},
          {"case-investigation", "https://ontology.caseontology.org/case/investigation/"},
          {"uco-action", "https://ontology.unifiedcyberontology.org/uco/action/"},
          {"uco-configuration", "https://ontology.unifiedcyberontology.org/uco/configuration/"},
          {"uco-core", "https://ontology.unifiedcyberontology.org/uco/core/"},
          {"uco-identity", "https://ontology.unifiedcyberontology.org/uco/identity/"},
          {"uco-location", "https://ontology.unifiedcyberontology.org/uco/location/"},
          {"uco-observable", "https://ontology.unifiedcyberontology.org/uco/observable/"},
          {"uco-role", "https://ontology.unifiedcyberontology.org/uco/role/"},
          {"uco-tool", "https://ontology.unifiedcyberontology.org/uco/tool/"},
          {"uco-types", "https://ontology.unifiedcyberontology.org/uco/types/"}};
}

// The writer: one node per call, each on its own line inside "@graph".
class Graph {
 public:
  Graph(ReportOutput& out, std::string case_uuid) : out_(out), case_uuid_(std::move(case_uuid)) {}

  std::string Iri(std::string_view type, std::string_view key) const {
    return "kb:" + std::string(type) + "-" + UuidV5(case_uuid_, std::string(type) + "\n" + std::string(key));
  }

  void Begin() {
    out_.Write("{\"@context\":" + Context(case_uuid_).dump() + ",\n\"@graph\":[\n");
  }
  void Emit(const json& node) {
    std::string text = Dump(node);
    if (!first_) out_.Write(",\n");
    first_ = false;
    out_.Write(text);
  }
  // A node whose last property is a long list of IRIs, streamed: `node` is written without its
  // closing brace, then `property`: [IRIs from next()] }.
  template <class Next>
  Status EmitWithList(const json& node, const char* property, Next&& next) {
    std::string head = Dump(node);
    head.pop_back();  // '}'
    if (!first_) out_.Write(",\n");
    first_ = false;
    out_.Write(head);
    out_.Write(std::string(node.empty() ? "" : ",") + "\"" + property + "\":[");
    bool first = true;
    std::string iri;
    for (;;) {
      MFX_ASSIGN_OR_RETURN(bool have, next(iri));
      if (!have) break;
      out_.Write(first ? "{\"@id\":\"" : ",{\"@id\":\"");
      out_.Write(iri);
      out_.Write("\"}");
      first = false;
    }
    out_.Write("]}");
    return {};
  }
  void End() { out_.Write("\n]}\n"); }
  // A node written in pieces by the caller (who keeps nlohmann's sorted key order), for nodes
  // with lists too long to hold as a json value.
  void BeginRawNode() {
    if (!first_) out_.Write(",\n");
    first_ = false;
  }
  void Write(std::string_view text) { out_.Write(text); }
  static std::string Dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  // Top-level objects the investigation lists (records are added by a second pass).
  std::vector<std::string> top;

 private:
  ReportOutput& out_;
  std::string case_uuid_;
  bool first_ = true;
};

json Relationship(const std::string& iri, const char* type, const std::string& source,
                  const std::string& target, const char* kind) {
  return {{"@id", iri},
          {"@type", type},
          {"uco-core:source", Ref(source)},
          {"uco-core:target", Ref(target)},
          {"uco-core:kindOfRelationship", kind},
          {"uco-core:isDirectional", true}};
}

std::string ContactPhoneScope(std::string label) {
  for (auto& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::set<std::string> kScopes = {"home", "work", "school", "mobile", "main",
                                                "home fax", "work fax", "pager"};
  if (label == "iphone" || label == "cell") return "mobile";
  return kScopes.count(label) ? label : std::string();
}

std::string ContactEmailScope(std::string label) {
  for (auto& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (label == "icloud") return "cloud";
  static const std::set<std::string> kScopes = {"home", "work", "school", "cloud"};
  return kScopes.count(label) ? label : std::string();
}

std::vector<std::string> ListOf(const std::string& text) {
  std::vector<std::string> out;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const json& e : j) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

// A row of a kind's table as column name → text / number (NULL absent). The values are kept by
// column position and overwritten in place row after row (no per-row map nodes or string
// allocations once the strings have grown); names find their position through an index built on
// the first row. A Row serves one statement: start a fresh Row for the next one.
struct Row {
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int, NameHash, std::equal_to<>> index;
  std::vector<int> type;  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL
  std::vector<std::string> text;  // TEXT/BLOB (valid UTF-8) and INTEGER (decimal)
  std::vector<double> real;
  std::vector<int64_t> integer;

  int At(std::string_view c) const {
    const auto it = index.find(c);
    return it == index.end() ? -1 : it->second;
  }
  const std::string& Text(std::string_view c) const {
    static const std::string kNone;
    const int i = At(c);
    if (i < 0 || type[i] == SQLITE_NULL || type[i] == SQLITE_FLOAT) return kNone;
    return text[i];
  }
  std::optional<double> Real(std::string_view c) const {
    const int i = At(c);
    if (i < 0) return std::nullopt;
    if (type[i] == SQLITE_FLOAT) return real[i];
    if (type[i] == SQLITE_INTEGER) return static_cast<double>(integer[i]);
    return std::nullopt;
  }
  std::optional<int64_t> Int(std::string_view c) const {
    const int i = At(c);
    return i >= 0 && type[i] == SQLITE_INTEGER ? std::optional<int64_t>(integer[i]) : std::nullopt;
  }
};

void ReadRow(const core::Statement& st, Row& row) {
  const int n = st.ColumnCount();
  if (row.index.empty()) {
    for (int i = 0; i < n; ++i) row.index.emplace(std::string(st.ColumnName(i)), i);
    row.type.assign(static_cast<size_t>(n), SQLITE_NULL);
    row.text.resize(static_cast<size_t>(n));
    row.real.assign(static_cast<size_t>(n), 0);
    row.integer.assign(static_cast<size_t>(n), 0);
  }
  for (int i = 0; i < n; ++i) {
    const int type = st.ColumnType(i);
    row.type[i] = type;
    switch (type) {
      case SQLITE_NULL:
        break;
      case SQLITE_INTEGER: {
        row.integer[i] = st.Int(i);
        char buf[24];
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, row.integer[i]);
        row.text[i].assign(buf, end);
        break;
      }
      case SQLITE_FLOAT:
        row.real[i] = st.Real(i);
        break;
      default: {
        const std::string_view v = st.Text(i);
        if (IsValidUtf8(v)) {
          row.text[i].assign(v);
        } else {
          row.text[i] = SanitizeUtf8(v);
        }
        break;
      }
    }
  }
}

std::string SourceFile(const Row& r) {
  const std::string d = r.Text("src_domain"), p = r.Text("src_path");
  return d.empty() ? p : (p.empty() ? d : d + "/" + p);
}

// The stable key of a record (see case_jsonld.h).
std::string RecordKey(const std::string& kind, const Row& r) {
  return kind + "\n" + SourceFile(r) + "\n" + r.Text("src_table") + "\n" + r.Text("src_rowid") + "\n" +
         r.Text("deleted") + "\n" + r.Text("occ");
}

const char* RecordType(const std::string& kind) {
  static const std::map<std::string, const char*> kTypes = {
      {"messages", "message"},          {"contacts", "contact"},
      {"calls", "call"},                {"web_history", "url-visit"},
      {"bookmarks", "browser-bookmark"}, {"notes", "note"},
      {"calendar_events", "calendar-entry"}, {"photos", "photo-file"},
      {"wifi_networks", "wireless-network"}, {"apps", "application"},
      {"accounts", "digital-account"},  {"voicemails", "voicemail"},
      {"device_info", "device-record"}};
  const auto it = kTypes.find(kind);
  return it == kTypes.end() ? "record" : it->second;
}

// The SELECT that gives every row its occurrence number among equal keys (case_jsonld.h).
// `inner` is what the numbering subquery carries: "*" or the columns `columns` and `where` need
// (the window sorts every row it carries, so fewer columns make it much cheaper).
std::string RowsSql(const std::string& kind, const std::string& columns, const std::string& where,
                    const std::string& inner = "*") {
  return "SELECT " + columns + " FROM (SELECT " + inner +
         ", row_number() OVER (PARTITION BY src_domain, "
         "src_path, src_table, src_rowid, deleted ORDER BY parser, id) - 1 AS occ FROM \"" +
         kind + "\")" + (where.empty() ? "" : " WHERE " + where) + " ORDER BY parser, id";
}

// Rows in (parser, id) order with occ 0: what RowsSql gives when no two rows share a key.
std::string RowsSqlUnique(const std::string& kind, const std::string& columns,
                          const std::string& where) {
  return "SELECT " + columns + " FROM (SELECT *, 0 AS occ FROM \"" + kind + "\")" +
         (where.empty() ? "" : " WHERE " + where) + " ORDER BY parser, id";
}

// The IRI key columns of RecordKey, and what the record-IRI passes select.
constexpr const char* kKeyColumns = "src_domain, src_path, src_table, src_rowid, deleted, occ";
constexpr const char* kKeyInner = "id, parser, src_domain, src_path, src_table, src_rowid, deleted";

class CaseWriter {
 public:
  CaseWriter(const ReportContext& ctx, const json& model, const core::SqliteDb& db, Graph& g)
      : ctx_(ctx), model_(model), db_(db), g_(g) {}

  Status Write() {
    g_.Begin();
    People();
    Authorizations();
    Devices();
    Tools();
    Exhibits();
    MFX_RETURN_IF_ERROR(InputFiles());
    MFX_RETURN_IF_ERROR(Records());
    MFX_RETURN_IF_ERROR(Actions());
    MFX_RETURN_IF_ERROR(Investigation());
    g_.End();
    return {};
  }

 private:
  std::string Emit(json node) {
    const std::string iri = node["@id"].get<std::string>();
    g_.Emit(node);
    return iri;
  }
  void Top(const std::string& iri) { g_.top.push_back(iri); }

  std::string Org(const std::string& name) {
    const auto it = orgs_.find(name);
    if (it != orgs_.end()) return it->second;
    const std::string iri = g_.Iri("organization", name);
    Emit({{"@id", iri}, {"@type", "uco-identity:Organization"}, {"uco-core:name", name}});
    Top(iri);
    orgs_[name] = iri;
    return iri;
  }

  std::string App(const std::string& name) {
    if (name.empty()) return {};
    const auto it = apps_.find(name);
    if (it != apps_.end()) return it->second;
    const std::string iri = g_.Iri("application", "app\n" + name);
    Emit({{"@id", iri},
          {"@type", json::array({"uco-observable:Application", "uco-observable:Software"})},
          {"uco-core:name", name}});
    Top(iri);
    apps_[name] = iri;
    return iri;
  }

  // A handle as stored (phone number, e-mail, WhatsApp JID) → its account node.
  std::string Account(const std::string& handle, const std::string& app = {}) {
    if (handle.empty()) return {};
    const auto it = accounts_.find(handle);
    if (it != accounts_.end()) return it->second;
    const std::string key = "account\n" + handle;
    const std::string iri = g_.Iri("account", key);
    json facets = json::array({{{"@id", g_.Iri("account-facet", key)},
                                {"@type", "uco-observable:AccountFacet"},
                                {"uco-observable:accountIdentifier", handle}}});
    json node = {{"@id", iri}};
    const bool jid = handle.find("@s.whatsapp.net") != std::string::npos ||
                     handle.find("@g.us") != std::string::npos || handle.find("@lid") != std::string::npos;
    if (jid) {
      node["@type"] = "uco-observable:ApplicationAccount";
      json f = {{"@id", g_.Iri("application-account-facet", key)},
                {"@type", "uco-observable:ApplicationAccountFacet"}};
      if (const std::string a = App(app.empty() ? "WhatsApp" : app); !a.empty()) {
        f["uco-observable:application"] = Ref(a);
      }
      facets.push_back(f);
    } else if (handle.find('@') != std::string::npos) {
      node["@type"] = "uco-observable:EmailAccount";
      facets.push_back({{"@id", g_.Iri("email-account-facet", key)},
                        {"@type", "uco-observable:EmailAccountFacet"},
                        {"uco-observable:emailAddress", Ref(EmailAddress(handle))}});
    } else {
      node["@type"] = "uco-observable:PhoneAccount";
      facets.push_back({{"@id", g_.Iri("phone-account-facet", key)},
                        {"@type", "uco-observable:PhoneAccountFacet"},
                        {"uco-observable:phoneNumber", handle}});
    }
    node["uco-core:hasFacet"] = facets;
    Emit(node);
    Top(iri);
    accounts_[handle] = iri;
    return iri;
  }

  std::string EmailAddress(const std::string& address) {
    const auto it = emails_.find(address);
    if (it != emails_.end()) return it->second;
    const std::string key = "email\n" + address;
    const std::string iri = g_.Iri("email-address", key);
    Emit({{"@id", iri},
          {"@type", "uco-observable:EmailAddress"},
          {"uco-core:hasFacet", json::array({{{"@id", g_.Iri("email-address-facet", key)},
                                              {"@type", "uco-observable:EmailAddressFacet"},
                                              {"uco-observable:addressValue", address}}})}});
    Top(iri);
    emails_[address] = iri;
    return iri;
  }

  std::string Url(const std::string& url) {
    const auto it = urls_.find(url);
    if (it != urls_.end()) return it->second;
    const std::string key = "url\n" + url;
    const std::string iri = g_.Iri("url", key);
    Emit({{"@id", iri},
          {"@type", "uco-observable:URL"},
          {"uco-core:hasFacet", json::array({{{"@id", g_.Iri("url-facet", key)},
                                              {"@type", "uco-observable:URLFacet"},
                                              {"uco-observable:fullValue", url}}})}});
    Top(iri);
    urls_[url] = iri;
    return iri;
  }

  // A file of the backup, by "domain/relativePath"; the hash when the parsers' inputs hold it.
  std::string File(const std::string& path, const std::string& sha256 = {}, int64_t size = -1) {
    const auto it = files_.find(path);
    if (it != files_.end()) return it->second;
    const std::string key = "file\n" + path;
    const std::string iri = g_.Iri("file", key);
    const size_t slash = path.rfind('/');
    json ff = {{"@id", g_.Iri("file-facet", key)},
               {"@type", "uco-observable:FileFacet"},
               {"uco-observable:fileName", slash == std::string::npos ? path : path.substr(slash + 1)},
               {"uco-observable:filePath", path},
               {"uco-observable:isDirectory", false}};
    if (size >= 0) ff["uco-observable:sizeInBytes"] = size;
    json facets = json::array({ff});
    if (!sha256.empty()) {
      json cd = {{"@id", g_.Iri("content-data-facet", key)},
                 {"@type", "uco-observable:ContentDataFacet"},
                 {"uco-observable:hash", json::array({Sha256Hash(g_.Iri("hash", key), sha256)})}};
      if (size >= 0) cd["uco-observable:sizeInBytes"] = size;
      facets.push_back(cd);
    }
    Emit({{"@id", iri}, {"@type", "uco-observable:File"}, {"uco-core:hasFacet", facets}});
    Top(iri);
    files_[path] = iri;
    if (!exhibit_folder_.empty()) {
      const std::string rel = g_.Iri("relationship", "contained\n" + key);
      Emit(Relationship(rel, "uco-observable:ObservableRelationship", iri, exhibit_folder_, "Contained_Within"));
      Top(rel);
    }
    return iri;
  }

  // A file of the case folder itself (hash list, case database, consent record).
  std::string CaseFile(const std::string& rel, const std::string& sha256, int64_t size) {
    const std::string key = "case-file\n" + rel;
    const std::string iri = g_.Iri("file", key);
    json ff = {{"@id", g_.Iri("file-facet", key)},
               {"@type", "uco-observable:FileFacet"},
               {"uco-observable:fileName", rel.substr(rel.rfind('/') == std::string::npos ? 0 : rel.rfind('/') + 1)},
               {"uco-observable:filePath", rel},
               {"uco-observable:isDirectory", false}};
    json cd = {{"@id", g_.Iri("content-data-facet", key)},
               {"@type", "uco-observable:ContentDataFacet"},
               {"uco-observable:hash", json::array({Sha256Hash(g_.Iri("hash", key), sha256)})}};
    if (size >= 0) {
      ff["uco-observable:sizeInBytes"] = size;
      cd["uco-observable:sizeInBytes"] = size;
    }
    Emit({{"@id", iri}, {"@type", "uco-observable:File"}, {"uco-core:hasFacet", json::array({ff, cd})}});
    Top(iri);
    return iri;
  }

  void People() {
    const json& c = model_["case"];
    const std::string name = Str(c, "examiner");
    const std::string key = "examiner\n" + name + "\n" + Str(c, "examiner_id");
    examiner_ = g_.Iri("person", key);
    json person = {{"@id", examiner_}, {"@type", "uco-identity:Person"}};
    if (!name.empty()) {
      person["uco-core:name"] = name;
      const size_t sp = name.rfind(' ');
      json facet = {{"@id", g_.Iri("simple-name-facet", key)}, {"@type", "uco-identity:SimpleNameFacet"}};
      if (sp == std::string::npos) {
        facet["uco-identity:familyName"] = name;
      } else {
        facet["uco-identity:givenName"] = name.substr(0, sp);
        facet["uco-identity:familyName"] = name.substr(sp + 1);
      }
      person["uco-core:hasFacet"] = json::array({facet});
    }
    if (!Str(c, "examiner_id").empty()) person["uco-core:description"] = "Examiner ID " + Str(c, "examiner_id");
    Top(Emit(person));
    role_ = g_.Iri("examiner-role", key);
    Top(Emit({{"@id", role_},
              {"@type", "case-investigation:Examiner"},
              {"uco-core:name", Str(c, "examiner_role").empty() ? "examiner" : Str(c, "examiner_role")}}));
    const std::string rel = g_.Iri("relationship", "has-role\n" + key);
    Top(Emit(Relationship(rel, "uco-core:Relationship", examiner_, role_, "Has_Role")));
    if (!Str(c, "agency").empty()) {
      agency_ = Org(Str(c, "agency"));
      const std::string member = g_.Iri("relationship", "member-of\n" + key);
      Top(Emit(Relationship(member, "uco-core:Relationship", examiner_, agency_, "Member_Of")));
    }
  }

  void Authorizations() {
    for (const json& k : model_["authority"]["consents"]) {
      const std::string id = Str(k, "id");
      const std::string key = "consent\n" + id;
      const std::string iri = g_.Iri("authorization", key);
      json a = {{"@id", iri},
                {"@type", "case-investigation:Authorization"},
                {"case-investigation:authorizationType", "consent"},
                {"case-investigation:authorizationIdentifier", id}};
      const json& s = k["summary"];
      for (const char* f : {"given_time", "given", "time", "signed_time"}) {
        if (IsIsoUtc(Str(s, f))) {
          a["uco-core:startTime"] = DateTime(Str(s, f));
          break;
        }
      }
      const json w = s.is_object() ? s.value("withdrawal", json()) : json();
      if (IsIsoUtc(Str(w, "time"))) a["uco-core:endTime"] = DateTime(Str(w, "time"));
      if (k.value("withdrawn", false)) a["uco-core:description"] = "withdrawn";
      Top(Emit(a));
      authorizations_.push_back(iri);
      for (const auto& [path_key, sha_key] : {std::pair{"record_path", "record_sha256"}, std::pair{"form_path", "form_sha256"}}) {
        const std::string path = Str(k, path_key), sha = Str(k, sha_key);
        if (path.empty() || sha.empty()) continue;
        std::error_code ec;
        const auto size = std::filesystem::file_size(ctx_.folder.Path(path), ec);
        const std::string file = CaseFile(path, sha, ec ? -1 : static_cast<int64_t>(size));
        const std::string rel = g_.Iri("relationship", "documents\n" + key + "\n" + path);
        Top(Emit(Relationship(rel, "uco-core:Relationship", file, iri, "Documents")));
      }
    }
  }

  void Devices() {
    const std::string apple = Org("Apple");
    for (const json& e : model_["evidence"]) {
      const json& d = e["device"];
      const std::string udid = Str(d, "udid");
      const std::string key = "device\n" + (udid.empty() ? "exhibit " + Str(e, "id") : udid);
      const std::string iri = g_.Iri("mobile-device", key);
      device_of_[Str(e, "id")] = iri;
      if (devices_.count(iri)) continue;
      devices_.insert(iri);
      json device_facet = {{"@id", g_.Iri("device-facet", key)},
                           {"@type", "uco-observable:DeviceFacet"},
                           {"uco-observable:deviceType", "Smart_Phone"},
                           {"uco-observable:manufacturer", Ref(apple)}};
      std::string model = Str(d, "product_name");
      if (model.empty()) model = Str(d, "product_type");
      if (!model.empty()) device_facet["uco-observable:model"] = model;
      if (!Str(d, "serial_number").empty()) device_facet["uco-observable:serialNumber"] = Str(d, "serial_number");
      json facets = json::array({device_facet});
      json imeis = json::array();
      for (const char* f : {"imei", "imei2"}) {
        if (!Str(d, f).empty()) imeis.push_back(Str(d, f));
      }
      json mobile = {{"@id", g_.Iri("mobile-device-facet", key)}, {"@type", "uco-observable:MobileDeviceFacet"}};
      if (!imeis.empty()) mobile["uco-observable:IMEI"] = imeis;
      if (!Str(d, "device_name").empty()) mobile["uco-observable:bluetoothDeviceName"] = Str(d, "device_name");
      facets.push_back(mobile);
      json apple_facet = {{"@id", g_.Iri("apple-device-facet", key)},
                          {"@type", json::array({"mfx:AppleDeviceFacet", "uco-core:Facet"})}};
      for (const auto& [field, prop] :
           {std::pair{"udid", "mfx:uniqueDeviceID"}, std::pair{"product_type", "mfx:productType"},
            std::pair{"build_version", "mfx:buildVersion"}, std::pair{"device_name", "mfx:deviceName"},
            std::pair{"meid", "mfx:MEID"}}) {
        if (!Str(d, field).empty()) apple_facet[prop] = Str(d, field);
      }
      facets.push_back(apple_facet);
      json node = {{"@id", iri}, {"@type", "uco-observable:MobileDevice"}, {"uco-core:hasFacet", facets}};
      if (!Str(d, "device_name").empty()) node["uco-core:name"] = Str(d, "device_name");
      Top(Emit(node));
      if (!Str(d, "ios_version").empty()) {
        const std::string os = g_.Iri("operating-system", key);
        Top(Emit({{"@id", os},
                  {"@type", json::array({"uco-observable:OperatingSystem", "uco-observable:Software"})},
                  {"uco-core:name", "iOS"},
                  {"uco-core:hasFacet", json::array({{{"@id", g_.Iri("software-facet", key)},
                                                      {"@type", "uco-observable:SoftwareFacet"},
                                                      {"uco-observable:manufacturer", Ref(apple)},
                                                      {"uco-observable:version", Str(d, "ios_version")}}})}}));
        const std::string rel = g_.Iri("relationship", "os\n" + key);
        Top(Emit(Relationship(rel, "uco-observable:ObservableRelationship", iri, os, "Has_Operating_System")));
      }
      if (!Str(d, "iccid").empty()) {
        const std::string sim = g_.Iri("sim-card", key);
        Top(Emit({{"@id", sim},
                  {"@type", "uco-observable:SIMCard"},
                  {"uco-core:hasFacet", json::array({{{"@id", g_.Iri("sim-card-facet", key)},
                                                      {"@type", "uco-observable:SIMCardFacet"},
                                                      {"uco-observable:ICCID", Str(d, "iccid")}}})}}));
        const std::string rel = g_.Iri("relationship", "sim\n" + key);
        Top(Emit(Relationship(rel, "uco-observable:ObservableRelationship", sim, iri, "Contained_Within")));
      }
      if (!Str(d, "phone_number").empty()) {
        const std::string number = Str(d, "phone_number");
        const std::string akey = "account\n" + number;
        const std::string acc = g_.Iri("account", akey);
        Top(Emit({{"@id", acc},
                  {"@type", json::array({"uco-observable:MobileAccount", "uco-observable:PhoneAccount"})},
                  {"uco-core:hasFacet",
                   json::array({{{"@id", g_.Iri("account-facet", akey)},
                                 {"@type", "uco-observable:AccountFacet"},
                                 {"uco-observable:accountIdentifier", number}},
                                {{"@id", g_.Iri("mobile-account-facet", akey)},
                                 {"@type", "uco-observable:MobileAccountFacet"},
                                 {"uco-observable:MSISDN", number}},
                                {{"@id", g_.Iri("phone-account-facet", akey)},
                                 {"@type", "uco-observable:PhoneAccountFacet"},
                                 {"uco-observable:phoneNumber", number}}})}}));
        accounts_[number] = acc;
        if (owner_account_.empty()) owner_account_ = acc;
        const std::string rel = g_.Iri("relationship", "has-account\n" + key);
        Top(Emit(Relationship(rel, "uco-observable:ObservableRelationship", iri, acc, "Has_Account")));
      }
    }
  }

  void Tools() {
    const json& tool = model_["tool"];
    tool_ = g_.Iri("tool", "mfx\n" + Str(tool, "version") + "\n" + Str(tool, "build"));
    Top(Emit({{"@id", tool_},
              {"@type", "uco-tool:Tool"},
              {"uco-core:name", Str(tool, "name")},
              {"uco-tool:version", Str(tool, "version") + " (" + Str(tool, "build") + ")"},
              {"uco-tool:toolType", "Extraction"}}));
    for (const json& p : model_["processing"]["parsers"]) {
      const std::string name = Str(p, "name");
      const std::string key = "parser\n" + name + "\n" + Str(p, "version");
      const std::string iri = g_.Iri("configured-tool", key);
      const std::string conf = g_.Iri("configuration", key);
      json entries = json::array();
      int n = 0;
      for (const auto& [item, value] : {std::pair{std::string("parser"), name},
                                        std::pair{std::string("parser_version"), Str(p, "version")},
                                        std::pair{std::string("tool"), "mfx " + Str(tool, "version")},
                                        std::pair{std::string("tool_build"), Str(tool, "build")}}) {
        entries.push_back({{"@id", g_.Iri("configuration-entry", key + "\n" + std::to_string(n++))},
                           {"@type", "uco-configuration:ConfigurationEntry"},
                           {"uco-configuration:itemName", item},
                           {"uco-configuration:itemValue", value}});
      }
      Top(Emit({{"@id", conf}, {"@type", "uco-configuration:Configuration"}, {"uco-configuration:configurationEntry", entries}}));
      Top(Emit({{"@id", iri},
                {"@type", "uco-tool:ConfiguredTool"},
                {"uco-core:name", "mfx parser " + name},
                {"uco-tool:version", Str(p, "version")},
                {"uco-tool:toolType", "Analysis"},
                {"uco-configuration:usesConfiguration", Ref(conf)},
                {"uco-configuration:isConfigurationOf", Ref(tool_)}}));
      parsers_[name] = iri;
    }
    std::string host;
    for (const json& e : model_["evidence"]) {
      if (host.empty()) host = Str(e, "host");
    }
    if (!host.empty()) {
      host_ = g_.Iri("computer", "host\n" + host);
      Top(Emit({{"@id", host_}, {"@type", "uco-observable:Computer"}, {"uco-core:name", host}}));
    }
  }

  void Exhibits() {
    for (const json& e : model_["evidence"]) {
      const std::string id = Str(e, "id");
      const std::string key = "exhibit\n" + id;
      const std::string folder = g_.Iri("file", key);
      json ff = {{"@id", g_.Iri("file-facet", key)},
                 {"@type", "uco-observable:FileFacet"},
                 {"uco-observable:filePath", Str(e, "location")},
                 {"uco-observable:isDirectory", true}};
      Top(Emit({{"@id", folder},
                {"@type", "uco-observable:File"},
                {"uco-core:name", "backup folder of exhibit " + id},
                {"uco-core:hasFacet", json::array({ff})}}));
      if (exhibit_folder_.empty()) exhibit_folder_ = folder;
      const std::string hash_list = CaseFile(Str(e, "hash_list"), Str(e, "hash_list_sha256"), -1);
      const std::string rel = g_.Iri("relationship", "hash-list\n" + key);
      Top(Emit(Relationship(rel, "uco-observable:ObservableRelationship", hash_list, folder, "Characterizes")));
      const std::string device = device_of_[id];
      const std::string prov = g_.Iri("provenance-record", key);
      json objects = json::array({Ref(folder), Ref(hash_list)});
      if (!device.empty()) objects.push_back(Ref(device));
      json pr = {{"@id", prov},
                 {"@type", "case-investigation:ProvenanceRecord"},
                 {"case-investigation:exhibitNumber", id},
                 {"case-investigation:rootExhibitNumber", json::array({Str(e, "root_id")})},
                 {"uco-core:description",
                  Str(e, "kind") == "acquired" ? "iOS logical backup acquired by mfx into " + Str(e, "location")
                                               : "iOS backup folder ingested from " + Str(e, "location")},
                 {"uco-core:object", objects}};
      Top(Emit(pr));
      // Registration (ingested) or acquisition (acquired).
      const std::string action = g_.Iri("investigative-action", "register\n" + key);
      json a = {{"@id", action},
                {"@type", "case-investigation:InvestigativeAction"},
                {"uco-core:name", Str(e, "kind") == "acquired" ? "acquisition" : "evidence registration"},
                {"uco-action:performer", Ref(role_)},
                {"uco-action:instrument", json::array({Ref(tool_)})},
                {"uco-action:object", json::array({Ref(folder)})},
                {"uco-action:result", json::array({Ref(hash_list), Ref(prov)})},
                {"uco-action:actionStatus", "Success"}};
      if (!device.empty()) a["uco-action:object"].push_back(Ref(device));
      if (IsIsoUtc(Str(e, "registered"))) {
        a["uco-action:startTime"] = DateTime(Str(e, "registered"));
        a["uco-action:endTime"] = DateTime(Str(e, "registered"));
      }
      for (const json& ev : model_["acquisition"]) {
        if (Str(ev, "evidence_id") != id || !IsIsoUtc(Str(ev, "time"))) continue;
        if (Str(ev, "event") == "acquisition_started") a["uco-action:startTime"] = DateTime(Str(ev, "time"));
        if (Str(ev, "event") == "acquisition_completed") a["uco-action:endTime"] = DateTime(Str(ev, "time"));
        if (Str(ev, "event") == "acquisition_failed") a["uco-action:actionStatus"] = "Fail";
      }
      if (!host_.empty()) a["uco-action:environment"] = Ref(host_);
      if (!authorizations_.empty()) a["uco-action:instrument"].push_back(Ref(authorizations_.front()));
      Top(Emit(a));
    }
  }

  Status InputFiles() {
    MFX_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT parser, path, sha256, size FROM run_inputs ORDER BY rowid"));
    for (;;) {
      MFX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      const std::string path = SanitizeUtf8(st.Text(1));
      const std::string iri = File(path, SanitizeUtf8(st.Text(2)), st.Int(3));
      parser_inputs_[SanitizeUtf8(st.Text(0))].push_back(iri);
    }
    return {};
  }

  // ---- records ----

  void Location(const std::string& record, const std::string& key, double lat, double lon,
                const std::string& app, const std::string& time) {
    const std::string loc = g_.Iri("location", key);
    Emit({{"@id", loc},
          {"@type", "uco-location:Location"},
          {"uco-core:hasFacet", json::array({{{"@id", g_.Iri("lat-long-coordinates-facet", key)},
                                              {"@type", "uco-location:LatLongCoordinatesFacet"},
                                              {"uco-location:latitude", Decimal(lat)},
                                              {"uco-location:longitude", Decimal(lon)}}})}});
    const std::string entry = g_.Iri("geo-location-entry", key);
    json f = {{"@id", g_.Iri("geo-location-entry-facet", key)},
              {"@type", "uco-observable:GeoLocationEntryFacet"},
              {"uco-observable:location", Ref(loc)}};
    if (!app.empty()) f["uco-observable:application"] = Ref(App(app));
    if (!time.empty()) f["uco-observable:observableCreatedTime"] = DateTime(time);
    Emit({{"@id", entry}, {"@type", "uco-observable:GeoLocationEntry"}, {"uco-core:hasFacet", json::array({f})}});
    Emit(Relationship(g_.Iri("relationship", "derived\n" + key), "uco-observable:ObservableRelationship", entry,
                      record, "Derived_From"));
  }

  Status Records() {
    for (const KindInfo& k : AllKinds()) {
      MFX_ASSIGN_OR_RETURN(int64_t n, db_.QueryInt("SELECT count(*) FROM \"" + k.kind + "\""));
      if (n == 0) continue;
      MFX_ASSIGN_OR_RETURN(auto parsers,
                           db_.Prepare("SELECT DISTINCT parser FROM \"" + k.kind + "\""));
      KindFacts& facts = kinds_[k.kind];
      for (;;) {
        MFX_ASSIGN_OR_RETURN(bool have, parsers.Step());
        if (!have) break;
        facts.parsers.insert(std::string(parsers.Text(0)));
      }
      // Occurrence numbers need the window sort only when two rows share a key (rare).
      MFX_ASSIGN_OR_RETURN(int64_t dups,
                           db_.QueryInt("SELECT EXISTS (SELECT 1 FROM \"" + k.kind +
                                        "\" GROUP BY src_domain, src_path, src_table, "
                                        "src_rowid, deleted HAVING count(*) > 1)"));
      facts.duplicate_keys = dups != 0;
      MFX_ASSIGN_OR_RETURN(auto st,
                           db_.Prepare(facts.duplicate_keys ? RowsSql(k.kind, "*", "")
                                                            : RowsSqlUnique(k.kind, "*", "")));
      Row r;
      for (;;) {
        MFX_ASSIGN_OR_RETURN(bool have, st.Step());
        if (!have) break;
        ReadRow(st, r);
        Record(k, r);
      }
    }
    Threads();
    UrlHistories();
    return {};
  }

  void Record(const KindInfo& k, const Row& r) {
    const std::string key = RecordKey(k.kind, r);
    const char* type_name = RecordType(k.kind);
    const std::string iri = g_.Iri(type_name, key);
    const std::string app = r.Text("app");
    const std::string time = r.Text("time");
    json facets = json::array();
    json node = {{"@id", iri}};
    auto t = [&](const char* c) { return r.Text(c); };
    auto set_time = [&](json& f, const char* prop, const char* column) {
      const std::string v = t(column);
      if (IsIsoUtc(v)) f[prop] = DateTime(v);
    };
    if (k.kind == "messages") {
      node["@type"] = t("service") == "SMS" ? "uco-observable:SMSMessage" : "uco-observable:Message";
      json f = {{"@id", g_.Iri("message-facet", key)}, {"@type", "uco-observable:MessageFacet"}};
      if (!app.empty()) f["uco-observable:application"] = Ref(App(app));
      if (!t("text").empty()) f["uco-observable:messageText"] = t("text");
      const std::string party = Account(t("party"), app);
      const std::vector<std::string> participants = ListOf(t("chat_participants"));
      if (t("direction") == "incoming") {
        if (!party.empty()) f["uco-observable:from"] = Ref(party);
        if (!owner_account_.empty()) f["uco-observable:to"] = json::array({Ref(owner_account_)});
      } else if (t("direction") == "outgoing") {
        if (!owner_account_.empty()) f["uco-observable:from"] = Ref(owner_account_);
        json to = json::array();
        if (!party.empty()) {
          to.push_back(Ref(party));
        } else {
          for (const auto& p : participants) to.push_back(Ref(Account(p, app)));
        }
        if (!to.empty()) f["uco-observable:to"] = to;
      }
      set_time(f, "uco-observable:sentTime", "time");
      if (!t("guid").empty()) f["uco-observable:messageID"] = t("guid");
      if (!t("message_type").empty()) f["uco-observable:messageType"] = t("message_type");
      const std::string chat = t("chat").empty() ? t("party") : t("chat");
      if (!chat.empty()) {
        f["uco-observable:sessionID"] = chat;
        auto& th = threads_[chat];
        if (th.name.empty()) th.name = t("chat_name");
        th.app = app;
        th.messages.push_back(iri);
        if (!t("party").empty()) th.participants.insert(t("party"));
        for (const auto& p : participants) th.participants.insert(p);
      }
      facets.push_back(f);
    } else if (k.kind == "contacts") {
      node["@type"] = "uco-observable:Contact";
      json f = {{"@id", g_.Iri("contact-facet", key)}, {"@type", "uco-observable:ContactFacet"}};
      for (const auto& [col, prop] :
           {std::pair{"first_name", "uco-observable:firstName"}, std::pair{"last_name", "uco-observable:lastName"},
            std::pair{"middle_name", "uco-observable:middleName"}, std::pair{"nickname", "uco-observable:nickname"},
            std::pair{"display_name", "uco-observable:displayName"}, std::pair{"note", "uco-observable:contactNote"}}) {
        if (!t(col).empty()) f[prop] = t(col);
      }
      if (!app.empty()) f["uco-observable:sourceApplication"] = Ref(App(app));
      if (!t("src_rowid").empty()) f["uco-observable:contactID"] = t("src_rowid");
      const auto phones = ListOf(t("phones")), labels = ListOf(t("phone_labels"));
      json cp = json::array();
      for (size_t i = 0; i < phones.size(); ++i) {
        json p = {{"@id", g_.Iri("contact-phone", key + "\n" + std::to_string(i))},
                  {"@type", "uco-observable:ContactPhone"},
                  {"uco-observable:contactPhoneNumber", Ref(Account(phones[i]))}};
        const std::string scope = ContactPhoneScope(i < labels.size() ? labels[i] : "");
        if (!scope.empty()) p["uco-observable:contactPhoneScope"] = scope;
        cp.push_back(p);
      }
      if (!cp.empty()) f["uco-observable:contactPhone"] = cp;
      const auto emails = ListOf(t("emails")), elabels = ListOf(t("email_labels"));
      json ce = json::array();
      for (size_t i = 0; i < emails.size(); ++i) {
        json e = {{"@id", g_.Iri("contact-email", key + "\n" + std::to_string(i))},
                  {"@type", "uco-observable:ContactEmail"},
                  {"uco-observable:emailAddress", Ref(EmailAddress(emails[i]))}};
        const std::string scope = ContactEmailScope(i < elabels.size() ? elabels[i] : "");
        if (!scope.empty()) e["uco-observable:contactEmailScope"] = scope;
        ce.push_back(e);
      }
      if (!ce.empty()) f["uco-observable:contactEmail"] = ce;
      if (!t("organization").empty()) node["uco-core:description"] = "Organization: " + t("organization");
      facets.push_back(f);
    } else if (k.kind == "calls") {
      node["@type"] = "uco-observable:Call";
      json f = {{"@id", g_.Iri("call-facet", key)}, {"@type", "uco-observable:CallFacet"}};
      if (!app.empty()) f["uco-observable:application"] = Ref(App(app));
      f["uco-observable:callType"] = t("direction") + " " + t("call_type") +
                                     (r.Int("answered") ? (*r.Int("answered") ? " answered" : " not answered") : "");
      set_time(f, "uco-observable:startTime", "time");
      set_time(f, "uco-observable:endTime", "end_time");
      if (const auto d = r.Real("duration_s"); d && std::isfinite(*d)) {
        f["uco-observable:duration"] = static_cast<int64_t>(std::llround(*d));
      }
      const std::string party = Account(t("party"), app);
      if (t("direction") == "incoming") {
        if (!party.empty()) f["uco-observable:from"] = Ref(party);
        if (!owner_account_.empty()) f["uco-observable:to"] = json::array({Ref(owner_account_)});
      } else {
        if (!owner_account_.empty()) f["uco-observable:from"] = Ref(owner_account_);
        if (!party.empty()) f["uco-observable:to"] = json::array({Ref(party)});
      }
      facets.push_back(f);
    } else if (k.kind == "web_history") {
      node["@type"] = "uco-observable:URLVisit";
      json f = {{"@id", g_.Iri("url-visit-facet", key)}, {"@type", "uco-observable:URLVisitFacet"}};
      if (!t("url").empty()) f["uco-observable:url"] = Ref(Url(t("url")));
      if (!app.empty()) f["uco-observable:browserInformation"] = Ref(App(app));
      set_time(f, "uco-observable:visitTime", "time");
      if (!t("title").empty()) node["uco-core:name"] = t("title");
      facets.push_back(f);
      if (!t("url").empty()) {
        auto& h = histories_[app][t("url")];
        if (h.title.empty()) h.title = t("title");
        if (IsIsoUtc(time)) {
          if (h.first.empty() || time < h.first) h.first = time;
          if (h.last.empty() || time > h.last) h.last = time;
        }
        ++h.visits;
      }
    } else if (k.kind == "bookmarks") {
      node["@type"] = "uco-observable:BrowserBookmark";
      json f = {{"@id", g_.Iri("browser-bookmark-facet", key)}, {"@type", "uco-observable:BrowserBookmarkFacet"}};
      if (!app.empty()) f["uco-observable:application"] = Ref(App(app));
      if (!t("url").empty()) f["uco-observable:urlTargeted"] = {{"@type", "xsd:anyURI"}, {"@value", t("url")}};
      if (!t("folder").empty()) f["uco-observable:bookmarkPath"] = t("folder");
      set_time(f, "uco-observable:accessedTime", "last_viewed");
      if (!t("title").empty()) node["uco-core:name"] = t("title");
      facets.push_back(f);
    } else if (k.kind == "notes") {
      node["@type"] = "uco-observable:Note";
      json f = {{"@id", g_.Iri("note-facet", key)}, {"@type", "uco-observable:NoteFacet"}};
      if (!app.empty()) f["uco-observable:application"] = Ref(App(app));
      if (!t("text").empty()) f["uco-observable:text"] = t("text");
      set_time(f, "uco-observable:observableCreatedTime", "time");
      set_time(f, "uco-observable:modifiedTime", "modified");
      if (!t("title").empty()) node["uco-core:name"] = t("title");
      facets.push_back(f);
    } else if (k.kind == "calendar_events") {
      node["@type"] = "uco-observable:CalendarEntry";
      json f = {{"@id", g_.Iri("calendar-entry-facet", key)}, {"@type", "uco-observable:CalendarEntryFacet"}};
      if (!app.empty()) f["uco-observable:application"] = Ref(App(app));
      if (!t("title").empty()) f["uco-observable:subject"] = t("title");
      // Floating events are wall-clock times stored as if UTC: not instants, so not xsd:dateTime
      // with a zone; their stored text goes into the description instead.
      if (r.Int("floating").value_or(0) == 0) {
        set_time(f, "uco-observable:startTime", "time");
        set_time(f, "uco-observable:endTime", "end");
      } else {
        node["uco-core:description"] = "floating (no zone): starts " + time + " as stored, ends " + t("end");
      }
      set_time(f, "uco-observable:observableCreatedTime", "created");
      set_time(f, "uco-observable:modifiedTime", "modified");
      if (r.Int("all_day").value_or(0) != 0) f["uco-observable:eventType"] = "all-day";
      facets.push_back(f);
    } else if (k.kind == "photos") {
      node["@type"] = "uco-observable:File";
      json f = {{"@id", g_.Iri("file-facet", key)}, {"@type", "uco-observable:FileFacet"}};
      if (!t("filename").empty()) f["uco-observable:fileName"] = t("filename");
      if (!t("directory").empty()) f["uco-observable:filePath"] = t("directory") + "/" + t("filename");
      set_time(f, "uco-observable:observableCreatedTime", "time");
      set_time(f, "uco-observable:modifiedTime", "modified");
      facets.push_back(f);
    } else if (k.kind == "wifi_networks") {
      node["@type"] = "uco-observable:WirelessNetworkConnection";
      json f = {{"@id", g_.Iri("wireless-network-connection-facet", key)},
                {"@type", "uco-observable:WirelessNetworkConnectionFacet"}};
      if (!t("ssid").empty()) f["uco-observable:ssid"] = t("ssid");
      if (!t("bssid").empty()) f["uco-observable:baseStation"] = t("bssid");
      facets.push_back(f);
    } else if (k.kind == "apps") {
      node["@type"] = json::array({"uco-observable:Application", "uco-observable:Software"});
      json f = {{"@id", g_.Iri("application-facet", key)},
                {"@type", "uco-observable:ApplicationFacet"},
                {"uco-observable:applicationIdentifier", t("bundle_id")}};
      if (!t("version").empty()) f["uco-observable:version"] = t("version");
      if (!t("name").empty()) node["uco-core:name"] = t("name");
      facets.push_back(f);
    } else if (k.kind == "accounts") {
      node["@type"] = "uco-observable:DigitalAccount";
      json f = {{"@id", g_.Iri("account-facet", key)}, {"@type", "uco-observable:AccountFacet"}};
      if (!t("identifier").empty()) f["uco-observable:accountIdentifier"] = t("identifier");
      // UCO's AccountTypeVocab names system account kinds (ldap, unix, …); iOS account types
      // ("iCloud", "Gmail") go into the description instead.
      if (!t("account_type").empty()) node["uco-core:description"] = "Account type: " + t("account_type");
      if (const auto a = r.Int("active")) f["uco-observable:isActive"] = *a != 0;
      facets.push_back(f);
      json d = {{"@id", g_.Iri("digital-account-facet", key)}, {"@type", "uco-observable:DigitalAccountFacet"}};
      if (!t("username").empty()) d["uco-observable:displayName"] = t("username");
      facets.push_back(d);
    } else if (k.kind == "voicemails") {
      node["@type"] = "uco-observable:Audio";
      json f = {{"@id", g_.Iri("audio-facet", key)}, {"@type", "uco-observable:AudioFacet"}, {"uco-observable:audioType", "voicemail"}};
      if (const auto d = r.Real("duration_s"); d && std::isfinite(*d)) {
        f["uco-observable:duration"] = static_cast<int64_t>(std::llround(*d));
      }
      facets.push_back(f);
      if (!t("party").empty()) node["uco-core:description"] = "Voicemail from " + t("party") + (time.empty() ? "" : " at " + time);
    } else {
      node["@type"] = "uco-observable:ObservableObject";
      std::string desc;
      for (const FieldColumn& fc : k.fields) {
        const std::string v = t(fc.name.c_str());
        if (!v.empty()) desc += (desc.empty() ? "" : "; ") + fc.name + ": " + v;
      }
      node["uco-core:name"] = k.kind;
      if (!desc.empty()) node["uco-core:description"] = desc;
    }
    // Where the record came from: the row of the source database (or the plist key path).
    json tf = {{"@id", g_.Iri("table-field-facet", key)}, {"@type", "uco-observable:TableFieldFacet"}};
    if (!t("src_table").empty()) tf["uco-observable:tableName"] = t("src_table");
    if (const auto rowid = r.Int("src_rowid")) {
      tf["uco-observable:recordRowID"] = *rowid;
    } else if (!t("src_rowid").empty()) {
      tf["uco-observable:recordRowID"] = t("src_rowid");
    }
    facets.push_back(tf);
    if (r.Int("deleted").value_or(0) != 0) {
      facets.push_back({{"@id", g_.Iri("recovered-object-facet", key)},
                        {"@type", "uco-observable:RecoveredObjectFacet"},
                        {"uco-observable:contentRecoveredStatus", "recovered"}});
    }
    node["uco-core:hasFacet"] = facets;
    g_.Emit(node);
    const std::string file = File(SourceFile(r));
    Emit(Relationship(g_.Iri("relationship", "contained\n" + key), "uco-observable:ObservableRelationship", iri,
                      file, "Contained_Within"));
    const auto lat = r.Real("latitude"), lon = r.Real("longitude");
    if (lat && lon && std::isfinite(*lat) && std::isfinite(*lon) && std::fabs(*lat) <= 90 && std::fabs(*lon) <= 180) {
      Location(iri, key, *lat, *lon, app, IsIsoUtc(time) ? time : std::string());
    }
  }

  void Threads() {
    for (const auto& [chat, th] : threads_) {
      const std::string key = "thread\n" + chat;
      const std::string iri = g_.Iri("message-thread", key);
      json participants = json::array();
      for (const auto& p : th.participants) participants.push_back(Ref(Account(p, th.app)));
      if (!owner_account_.empty()) participants.push_back(Ref(owner_account_));
      json elements = json::array();
      for (const auto& m : th.messages) elements.push_back(Ref(m));
      // Built by moves: a long thread's element list is not copied.
      json thread = {
          {"@id", g_.Iri("thread", key)},
          {"@type", "uco-types:Thread"},
          {"co:size",
           {{"@type", "xsd:nonNegativeInteger"}, {"@value", std::to_string(th.messages.size())}}}};
      thread["co:element"] = std::move(elements);
      json f = {{"@id", g_.Iri("message-thread-facet", key)},
                {"@type", "uco-observable:MessageThreadFacet"}};
      f["uco-observable:messageThread"] = std::move(thread);
      if (!participants.empty()) f["uco-observable:participant"] = std::move(participants);
      json node = {{"@id", iri},
                   {"@type", "uco-observable:MessageThread"},
                   {"uco-core:name", th.name.empty() ? chat : th.name},
                   {"uco-core:description", "chat " + chat},
                   {"uco-core:hasFacet", json::array()}};
      node["uco-core:hasFacet"].push_back(std::move(f));
      Top(Emit(std::move(node)));
    }
  }

  // One URLHistory node per browser, written entry by entry (a browser history can hold tens of
  // thousands of URLs; as one json value, with its copies, it took hundreds of MB). The text is
  // what dumping the whole node would give: keys in nlohmann's sorted order.
  void UrlHistories() {
    for (const auto& [app, urls] : histories_) {
      const std::string key = "url-history\n" + app;
      // The URL nodes first, as building the entries did.
      for (const auto& [url, h] : urls) Url(url);
      json f = {{"@id", g_.Iri("url-history-facet", key)},
                {"@type", "uco-observable:URLHistoryFacet"}};
      if (!app.empty()) f["uco-observable:browserInformation"] = Ref(App(app));
      const std::string iri = g_.Iri("url-history", key);
      const json head = {{"@id", iri}, {"@type", "uco-observable:URLHistory"}};
      std::string text = Graph::Dump(head);
      text.pop_back();  // '}'
      text += ",\"uco-core:hasFacet\":[";
      std::string facet = Graph::Dump(f);
      facet.pop_back();  // '}'
      text += facet + ",\"uco-observable:urlHistoryEntry\":[";
      g_.BeginRawNode();
      g_.Write(text);
      bool first = true;
      for (const auto& [url, h] : urls) {
        json e = {{"@id", g_.Iri("url-history-entry", key + "\n" + url)},
                  {"@type", "uco-observable:URLHistoryEntry"},
                  {"uco-observable:url", Ref(Url(url))},
                  {"uco-observable:visitCount", h.visits}};
        if (!h.title.empty()) e["uco-observable:pageTitle"] = h.title;
        if (!h.first.empty()) e["uco-observable:firstVisit"] = DateTime(h.first);
        if (!h.last.empty()) e["uco-observable:lastVisit"] = DateTime(h.last);
        if (!first) g_.Write(",");
        first = false;
        g_.Write(Graph::Dump(e));
      }
      g_.Write("]}],\"uco-core:name\":" +
               Graph::Dump(json((app.empty() ? std::string("browser") : app) + " history")) + "}");
      Top(iri);
    }
  }

  // What Records() learnt of each kind with records.
  struct KindFacts {
    std::set<std::string> parsers;  // the parser column's values
    bool duplicate_keys = false;    // two rows share a RecordKey but for occ
  };

  // IRIs of the records (all, or one parser's), in (parser, id) order, recomputed from the
  // stable keys so the big lists are streamed rather than held. `kinds` (from Records()) skips
  // the kinds a parser has no records in.
  class RecordIris {
   public:
    RecordIris(const core::SqliteDb& db, const Graph& g, std::string parser,
               const std::map<std::string, KindFacts>& kinds)
        : db_(db), g_(g), parser_(std::move(parser)), kinds_(kinds) {}
    Result<bool> operator()(std::string& iri) {
      for (;;) {
        if (!st_) {
          if (kind_ >= AllKinds().size()) return false;
          const KindInfo& k = AllKinds()[kind_];
          const auto facts = kinds_.find(k.kind);
          if (facts == kinds_.end() ||
              (!parser_.empty() && !facts->second.parsers.count(parser_))) {
            ++kind_;
            continue;
          }
          const std::string where = parser_.empty() ? "" : "parser = ?";
          MFX_ASSIGN_OR_RETURN(auto st,
                               db_.Prepare(facts->second.duplicate_keys
                                               ? RowsSql(k.kind, kKeyColumns, where, kKeyInner)
                                               : RowsSqlUnique(k.kind, kKeyColumns, where)));
          if (!parser_.empty()) st.Bind(1, parser_);
          st_.emplace(std::move(st));
          row_ = Row();  // a Row serves one statement
        }
        MFX_ASSIGN_OR_RETURN(bool have, st_->Step());
        if (!have) {
          st_.reset();
          ++kind_;
          continue;
        }
        ReadRow(*st_, row_);
        const std::string& kind = AllKinds()[kind_].kind;
        iri = g_.Iri(RecordType(kind), RecordKey(kind, row_));
        return true;
      }
    }

   private:
    const core::SqliteDb& db_;
    const Graph& g_;
    std::string parser_;
    const std::map<std::string, KindFacts>& kinds_;
    size_t kind_ = 0;
    std::optional<core::Statement> st_;
    Row row_;
  };

  Status Actions() {
    // Parsing: one action per parser that produced records or ran on inputs.
    std::string parsed_time;
    for (const json& c : model_["custody"]) {
      if (Str(c, "event") == "parsed" && IsIsoUtc(Str(c, "time"))) parsed_time = Str(c, "time");
    }
    const std::string db_file = CaseFile("artifacts.sqlite", Str(model_["integrity"]["case_db"], "sha256"),
                                         model_["integrity"]["case_db"].value("bytes", int64_t{-1}));
    for (const json& p : model_["processing"]["parsers"]) {
      const std::string name = Str(p, "name");
      const std::string status = Str(p, "status");
      const std::string iri = g_.Iri("investigative-action", "parse\n" + name);
      json a = {{"@id", iri},
                {"@type", "case-investigation:InvestigativeAction"},
                {"uco-core:name", "parsing: " + name},
                {"uco-action:performer", Ref(role_)},
                {"uco-action:instrument", json::array({Ref(parsers_[name])})},
                {"uco-action:actionStatus", status == "ok" || status == "no input" ? "Success"
                                            : status == "failed"                   ? "Fail"
                                                                                   : "Error"}};
      if (!Str(p, "error").empty()) a["uco-core:description"] = Str(p, "error");
      json objects = json::array();
      for (const auto& f : parser_inputs_[name]) objects.push_back(Ref(f));
      if (!objects.empty()) a["uco-action:object"] = objects;
      if (!parsed_time.empty()) a["uco-action:endTime"] = DateTime(parsed_time);
      if (!host_.empty()) a["uco-action:environment"] = Ref(host_);
      Top(iri);
      std::string parser_name;
      {
        // The records of this parser carry "<name>/<version>" in the case database.
        parser_name = name + "/" + Str(p, "version");
      }
      bool db_first = true;
      RecordIris records(db_, g_, parser_name, kinds_);
      MFX_RETURN_IF_ERROR(g_.EmitWithList(a, "uco-action:result", [&](std::string& out) -> Result<bool> {
        if (db_first) {
          db_first = false;
          out = db_file;
          return true;
        }
        return records(out);
      }));
    }
    // Reporting.
    const std::string report = g_.Iri("investigative-action", "report\n" + Str(model_, "report_id") + "\n" +
                                                               Str(model_, "revision"));
    json a = {{"@id", report},
              {"@type", "case-investigation:InvestigativeAction"},
              {"uco-core:name", "reporting: " + Str(model_, "report_id") + " revision " + Str(model_, "revision")},
              {"uco-action:performer", Ref(role_)},
              {"uco-action:instrument", json::array({Ref(tool_)})},
              {"uco-action:object", json::array({Ref(db_file)})},
              {"uco-action:actionStatus", "Success"}};
    if (IsIsoUtc(Str(model_, "generated"))) a["uco-action:startTime"] = DateTime(Str(model_, "generated"));
    if (!host_.empty()) a["uco-action:environment"] = Ref(host_);
    Top(Emit(a));
    return {};
  }

  Status Investigation() {
    const json& c = model_["case"];
    json node = {{"@id", g_.Iri("investigation", "case\n" + Str(c, "case_number"))},
                 {"@type", "case-investigation:Investigation"},
                 {"uco-core:name", Str(c, "case_number")}};
    if (!Str(c, "description").empty()) node["uco-core:description"] = Str(c, "description");
    if (IsIsoUtc(Str(c, "created"))) node["uco-core:startTime"] = DateTime(Str(c, "created"));
    json auth = json::array();
    for (const auto& a : authorizations_) auth.push_back(Ref(a));
    if (!auth.empty()) node["case-investigation:relevantAuthorization"] = auth;
    size_t i = 0;
    RecordIris records(db_, g_, "", kinds_);
    return g_.EmitWithList(node, "uco-core:object", [&](std::string& out) -> Result<bool> {
      if (i < g_.top.size()) {
        out = g_.top[i++];
        return true;
      }
      return records(out);
    });
  }

  struct Thread {
    std::string name;
    std::string app;
    std::vector<std::string> messages;
    std::set<std::string> participants;
  };
  struct History {
    std::string title, first, last;
    int64_t visits = 0;
  };

  const ReportContext& ctx_;
  const json& model_;
  const core::SqliteDb& db_;
  Graph& g_;
  std::string examiner_, role_, agency_, tool_, host_, owner_account_, exhibit_folder_;
  std::vector<std::string> authorizations_;
  std::map<std::string, std::string> orgs_, apps_, device_of_, parsers_;
  std::unordered_map<std::string, std::string> accounts_, emails_, urls_, files_;
  std::set<std::string> devices_;
  std::map<std::string, std::vector<std::string>> parser_inputs_;
  std::map<std::string, Thread> threads_;
  std::map<std::string, std::map<std::string, History>> histories_;
  std::map<std::string, KindFacts> kinds_;  // the kinds with records (Records())
};

}  // namespace

std::string UuidV5(std::string_view ns, std::string_view name) {
  uint8_t ns_bytes[16] = {};
  size_t j = 0;
  for (size_t i = 0; i < ns.size() && j < 32; ++i) {
    const char c = ns[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) continue;
    ns_bytes[j / 2] = static_cast<uint8_t>(ns_bytes[j / 2] | (j % 2 == 0 ? v << 4 : v));
    ++j;
  }
  // One hasher per thread, reused (Finish re-initialises it): a case.jsonld asks for millions.
  thread_local core::Hasher h(core::HashAlgorithm::kSha1);
  h.Update(ByteSpan(ns_bytes, 16));
  h.Update(AsBytes(name));
  Bytes d = h.Finish();
  d[6] = static_cast<uint8_t>((d[6] & 0x0F) | 0x50);
  d[8] = static_cast<uint8_t>((d[8] & 0x3F) | 0x80);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 0x0F];
  }
  return out;
}

std::string CaseUuid(const json& case_json) {
  return UuidV5(MfxNamespace(), Str(case_json, "case_number") + "\n" + Str(case_json, "created"));
}

Result<std::vector<std::string>> WriteCaseJsonLd(const ReportContext& ctx, const json& model) {
  MFX_ASSIGN_OR_RETURN(auto db, core::SqliteDb::OpenReadOnly(ctx.case_db, "case database"));
  MFX_ASSIGN_OR_RETURN(auto out, ReportOutput::Create(ctx, kCaseJsonLdPath));
  Graph g(out, CaseUuid(ctx.folder.case_json()));
  CaseWriter writer(ctx, model, *db, g);
  MFX_RETURN_IF_ERROR(writer.Write());
  MFX_ASSIGN_OR_RETURN(std::string rel, out.Close());
  return std::vector<std::string>{rel};
}

}  // namespace mfx::reports
