// Installed apps: generated backups and the committed sample against the Info.plist /
// Manifest.plist values and the files the generator wrote; storeCohort in ms and in s; damaged
// metadata.
#include <catch2/catch.hpp>

#include <ctime>
#include <map>
#include <set>

#include "core/memory_env.h"
#include "core/plist.h"
#include "tests/parsers/artifact_test_helpers.h"

using namespace mfx;
using namespace mfx::testing;
using namespace mfx::testing::artifacts;
using nlohmann::json;
using Kind = parsers::ParserIssue::Kind;

namespace {

// The text of <key>K</key><string>V</string> in an XML plist (first occurrence), or null. The
// generator's iTunesMetadata is XML; reading it here with a string search keeps the expectation
// independent of mfx's plist decoder.
json XmlString(const std::string& xml, const std::string& key) {
  const std::string k = "<key>" + key + "</key>";
  size_t at = xml.find(k);
  if (at == std::string::npos) return json();
  at = xml.find("<string>", at + k.size());
  const size_t end = xml.find("</string>", at);
  if (at == std::string::npos || end == std::string::npos) return json();
  return xml.substr(at + 8, end - at - 8);
}

std::string IsoFromUnix(int64_t s) {
  std::time_t t = static_cast<std::time_t>(s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Expected App records from the generator's record.
json ExpectedApps(const json& record) {
  const json& info = record.at("info_plist").at("values");
  const json& manifest = record.at("manifest_plist").at("values");
  std::map<std::string, json> apps;
  std::vector<std::string> order;
  auto get = [&](const std::string& bundle) -> json& {
    if (!apps.count(bundle)) {
      order.push_back(bundle);
      apps[bundle] = json{{"bundle_id", bundle}, {"name", nullptr}, {"version", nullptr}, {"vendor", nullptr},
                          {"apple_id", nullptr}, {"source_app", nullptr}, {"seen_in", json::array()},
                          {"installed", nullptr}, {"purchased", nullptr}, {"time", nullptr}, {"app", "Apps"}};
    }
    return apps[bundle];
  };
  auto seen = [&](json& a, const char* where, json source) {
    if (std::find(a["seen_in"].begin(), a["seen_in"].end(), where) == a["seen_in"].end()) a["seen_in"].push_back(where);
    if (!a.contains("source")) a["source"] = std::move(source);
  };
  for (const auto& [bundle, entry] : info.at("Applications").items()) {
    json& a = get(bundle);
    const auto hex = HexDecode(entry.at("iTunesMetadata").at("data_hex").get<std::string>());
    REQUIRE(hex);
    const std::string xml(hex->begin(), hex->end());
    a["name"] = XmlString(xml, "itemName");
    a["version"] = XmlString(xml, "bundleShortVersionString");
    a["vendor"] = XmlString(xml, "artistName");
    a["apple_id"] = XmlString(xml, "AppleID");
    a["source_app"] = XmlString(xml, "sourceApp");
    a["purchased"] = XmlString(xml, "purchaseDate");
    const std::string cohort = XmlString(xml, "storeCohort").get<std::string>();
    const size_t d = cohort.find("date=") + 5;
    const int64_t ms = std::stoll(cohort.substr(d, cohort.find('&', d) - d));
    REQUIRE(ms > 100'000'000'000);  // the generator writes milliseconds
    a["installed"] = IsoFromUnix(ms / 1000);
    a["time"] = a["installed"];
    seen(a, "Info.plist", {{"domain", "BackupRoot"}, {"path", "Info.plist"}, {"table", nullptr},
                           {"rowid", "Applications/" + bundle}});
  }
  const json& installed = info.at("Installed Applications");
  for (size_t i = 0; i < installed.size(); ++i) {
    seen(get(installed[i]), "Info.plist", {{"domain", "BackupRoot"}, {"path", "Info.plist"}, {"table", nullptr},
                                           {"rowid", "Installed Applications/" + std::to_string(i)}});
  }
  for (const auto& [bundle, entry] : manifest.at("Applications").items()) {
    if (entry.value("ContainerContentClass", "") != "Data/Application") continue;
    seen(get(bundle), "Manifest.plist", {{"domain", "BackupRoot"}, {"path", "Manifest.plist"}, {"table", nullptr},
                                         {"rowid", "Applications/" + bundle}});
  }
  // A container's provenance is its first file (byte order of relative paths).
  std::map<std::string, std::string> domains;
  for (const auto& f : record.at("files")) {
    const std::string domain = f.at("domain");
    if (f.at("kind") != "file" || !domain.starts_with("AppDomain-")) continue;
    const std::string path = f.at("relative_path");
    auto [it, fresh] = domains.emplace(domain, path);
    if (!fresh && path < it->second) it->second = path;
  }
  for (const auto& [domain, path] : domains) {
    seen(get(domain.substr(10)), "backup domains",
         {{"domain", domain}, {"path", path}, {"table", nullptr}, {"rowid", nullptr}});
  }
  json out = json::array();
  for (const auto& b : order) out.push_back(apps[b]);
  return out;
}

void CheckApps(const json& record, const ParseResult& r) {
  const auto& apps = Records(r, "apps");
  const json expected = ExpectedApps(record);
  RequireSame(expected, apps);
  CHECK(apps.size() == expected.size());
  for (const auto& a : apps) {
    const auto& s = a["source"];
    INFO(s.dump());
    CHECK(s["table"].is_null());
    if (s["domain"] == "BackupRoot") {
      CHECK(s["file_id"] == "");
      CHECK(s["rowid"].is_string());
      if (s["rowid"].get<std::string>().starts_with("Applications/") && s["path"] == "Info.plist") {
        CHECK(s["decode_chain"] == "iTunesMetadata → plist");
      }
    } else {
      CHECK(s["domain"].get<std::string>().starts_with("AppDomain-"));
    }
  }
}

}  // namespace

TEST_CASE("apps: generated backups match the plists and files the generator wrote", "[parsers][apps]") {
  for (auto [style, encrypt] : {std::pair{"ios17", false}, {"ios9", false}, {"ios17", true}}) {
    DYNAMIC_SECTION(style << (encrypt ? " encrypted" : " plain")) {
      const Generated& g = GetGenerated(style, encrypt);
      CheckApps(g.backup.record, g.parsed);
      CHECK(g.parsed.Run("apps")->issues.empty());
    }
  }
}

TEST_CASE("apps: the committed samples", "[parsers][apps]") {
  for (const char* name : {"ios17-plain", "ios9-plain"}) {
    DYNAMIC_SECTION(name) {
      const GeneratedBackup s = LoadSample(name);
      CheckApps(s.record, ParseBackup(s.dir, s.password_file, {"apps"}));
    }
  }
}

TEST_CASE("apps: storeCohort in s or ms, purchase dates, damaged metadata", "[parsers][apps]") {
  auto metadata = [](const std::string& cohort, const core::PlistValue& purchase) {
    core::PlistDict md;
    md["itemName"] = std::string("Seconds App");
    md["storeCohort"] = cohort;
    if (!purchase.is_null()) md["purchaseDate"] = purchase;
    return *core::WritePlist(core::PlistValue(md), false);
  };
  core::PlistDict apps;
  // 1587474000 = 2020-04-21T13:00:00Z (date -u -d @1587474000).
  apps["com.example.seconds"] = core::PlistValue(core::PlistDict{
      {"iTunesMetadata", metadata("10|date=1587474000&sf=143441", core::PlistValue())}});
  apps["com.example.millis"] = core::PlistValue(core::PlistDict{
      {"iTunesMetadata", metadata("10|date=1587474000123&sf=143441", core::PlistValue())}});
  // No storeCohort date: time falls back to the purchase date (a plist date here).
  apps["com.example.purchased"] = core::PlistValue(core::PlistDict{
      {"iTunesMetadata", metadata("10|sf=143441", core::PlistValue(core::PlistDate{700000000.0}))}});
  apps["com.example.damaged"] = core::PlistValue(core::PlistDict{{"iTunesMetadata", Bytes{'b', 'p', 'l', 'i', 's', 't'}}});
  core::PlistDict info;
  info["Applications"] = core::PlistValue(apps);
  info["Installed Applications"] = core::PlistArray{std::string("com.example.seconds"), int64_t{7}};
  core::MemoryEnv env;
  env.Add("BackupRoot/Info.plist", *core::WritePlist(core::PlistValue(info), true));
  env.Add("AppDomain-com.example.sideloaded/Documents/a.txt", Bytes{'a'});
  env.Add("AppDomainGroup-group.com.example/x", Bytes{'x'});
  auto r = ParseEnv(env, {}, {"apps"});
  std::map<std::string, json> by_bundle;
  for (const auto& a : Records(r, "apps")) by_bundle[a["bundle_id"]] = json(a);
  REQUIRE(by_bundle.size() == 5);
  CHECK(by_bundle["com.example.seconds"]["time"] == "2020-04-21T13:00:00Z");
  CHECK(by_bundle["com.example.seconds"]["raw_times"]["time"]["encoding"] == "unix_s");
  CHECK(by_bundle["com.example.millis"]["time"] == "2020-04-21T13:00:00.123Z");
  CHECK(by_bundle["com.example.millis"]["raw_times"]["time"]["encoding"] == "unix_ms");
  CHECK(by_bundle["com.example.purchased"]["installed"].is_null());
  CHECK(by_bundle["com.example.purchased"]["time"] == "2023-03-08T20:26:40Z");
  CHECK(by_bundle["com.example.damaged"]["name"].is_null());
  CHECK(by_bundle["com.example.sideloaded"]["seen_in"] == json::array({"backup domains"}));
  CHECK(by_bundle["com.example.sideloaded"]["source"]["domain"] == "AppDomain-com.example.sideloaded");
  const auto corrupt = Issues(r, "apps", Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 2);
  CHECK(corrupt[0]->rowid == "Applications/com.example.damaged/iTunesMetadata");
  CHECK(corrupt[1]->rowid == "Installed Applications/1");
}
