// Wi-Fi known networks: generated backups of both layouts against the generator's record, the
// three real images checked by hand, damaged entries, and UTC-only plist dates.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "core/time.h"

#include "core/memory_env.h"
#include "core/plist.h"
#include "tests/mapped_env.h"
#include "tests/parsers/artifact_test_helpers.h"

using namespace mfx;
using namespace mfx::testing;
using namespace mfx::testing::artifacts;
using nlohmann::json;
using Kind = parsers::ParserIssue::Kind;

namespace {

constexpr const char* kKnown = "SystemPreferencesDomain/com.apple.wifi.known-networks.plist";
constexpr const char* kLegacy = "SystemPreferencesDomain/SystemConfiguration/com.apple.wifi.plist";

struct Net {
  const char* key;
  const char* ssid;
  const char* bssid;
  const char* user;    // JoinedByUserAt, nullptr when absent
  const char* system;  // JoinedBySystemAt
  const char* time;    // the later one
  const char* security;
  size_t bss_count;
};

// Real device plist dates are arbitrary doubles; libplist 2.2 (plist_get_date_val) hands them to
// core/plist.cpp as whole seconds + truncated microseconds, so the last digit can be one below the
// nearest microsecond that python3 prints (e.g. NETGEAR-345 JoinedByUserAt: stored double
// 694435909.102875 − ε → …49.102874 here, …49.102875 in plistlib). Within 1 µs is the same moment.
bool SameMoment(const json& actual, const char* expected) {
  if (expected == nullptr) return actual.is_null();
  if (!actual.is_string()) return false;
  auto a = core::ParseIsoTime(actual.get<std::string>());
  auto e = core::ParseIsoTime(expected);
  return a && e && a->unix_micros && e->unix_micros && std::llabs(*a->unix_micros - *e->unix_micros) <= 1;
}

void CheckNets(const std::vector<nlohmann::ordered_json>& actual, const std::vector<Net>& want) {
  REQUIRE(actual.size() == want.size());
  for (const Net& w : want) {
    INFO(w.key);
    const nlohmann::ordered_json* r = nullptr;
    for (const auto& a : actual) {
      if (a["source"]["rowid"] == w.key) r = &a;
    }
    REQUIRE(r != nullptr);
    CHECK((*r)["ssid"] == w.ssid);
    CHECK((*r)["bssid"] == w.bssid);
    INFO((*r)["joined_by_user"] << " " << (*r)["joined_by_system"] << " " << (*r)["time"]);
    CHECK(SameMoment((*r)["joined_by_user"], w.user));
    CHECK(SameMoment((*r)["joined_by_system"], w.system));
    CHECK(SameMoment((*r)["time"], w.time));
    CHECK((*r)["security"] == w.security);
    CHECK((*r)["bssids"].size() == w.bss_count);
    CHECK((*r)["source"]["path"] == "com.apple.wifi.known-networks.plist");
  }
}

}  // namespace

TEST_CASE("wifi: generated backups match the generator's record", "[parsers][wifi]") {
  for (auto [style, encrypt] : {std::pair{"ios17", false}, {"ios9", false}, {"ios17", true}}) {
    DYNAMIC_SECTION(style << (encrypt ? " encrypted" : " plain")) {
      const Generated& g = GetGenerated(style, encrypt);
      const auto& nets = Records(g.parsed, "wifi_networks");
      RequireSame(Expected(g.backup, "wifi", "wifi_networks"), nets);
      CHECK(nets.size() == (std::string(style) == "ios17" ? 3u : 2u));
      CheckPlistProvenance(nets, false);
      CHECK(g.parsed.Run("wifi")->issues.empty());
    }
  }
}

TEST_CASE("wifi: the three real images, checked by hand", "[parsers][wifi][realdata]") {
  MFX_REQUIRE_REALDATA();
  // Expected values: python3 plistlib.load of each com.apple.wifi.known-networks.plist (naive
  // datetimes in UTC), per key: SSID, __OSSpecific__.BSSID, JoinedByUserAt, JoinedBySystemAt,
  // SupportedSecurityTypes, len(BSSList); time = max(JoinedByUserAt, JoinedBySystemAt). None of the
  // three SystemConfiguration/com.apple.wifi.plist files has "List of known networks" ('List of
  // known networks' in p → False); belkasoft's com.apple.wifi-networks.plist.backup has an empty one.
  const auto base = Corpus();
  SECTION("josh_ios15_ffs") {
    const auto root = base / "appleWifiPlist.appleWifiKnownNetworks.josh_ios15_ffs/filesystem2/preferences";
    MappedEnv env;
    env.Map(kKnown, root / "com.apple.wifi.known-networks.plist");
    env.Map(kLegacy, root / "SystemConfiguration/com.apple.wifi.plist");
    auto r = ParseEnv(env, {}, {"wifi"});
    CheckNets(Records(r, "wifi_networks"),
              {{"wifi.network.ssid.Matt_Foley", "Matt_Foley", "6a:22:32:98:f4:df",
                "2023-04-15T13:53:47.472469Z", "2023-05-20T19:55:03.073186Z", "2023-05-20T19:55:03.073186Z",
                "WPA2 Personal", 9}});
    const auto& n = Records(r, "wifi_networks")[0];
    CHECK(SameMoment(n["added"], "2023-04-15T13:53:47.476017Z"));
    CHECK(n["raw_times"]["time"]["encoding"] == "plist_date");
    CHECK(r.Run("wifi")->issues.empty());
    CheckPlistProvenance(Records(r, "wifi_networks"), false);
  }
  SECTION("belkasoft_ctf6_ios_device1") {
    const auto root = base / "appleWifiPlist.appleWifiKnownNetworks.belkasoft_ctf6_ios_device1/private/var/preferences";
    MappedEnv env;
    env.Map(kKnown, root / "com.apple.wifi.known-networks.plist");
    env.Map(kLegacy, root / "SystemConfiguration/com.apple.wifi.plist");
    env.Map("SystemPreferencesDomain/SystemConfiguration/com.apple.wifi-networks.plist.backup",
            root / "SystemConfiguration/com.apple.wifi-networks.plist.backup");
    auto r = ParseEnv(env, {}, {"wifi"});
    CheckNets(Records(r, "wifi_networks"),
              {{"wifi.network.ssid.TWR9", "TWR9", "80:69:1a:6a:e3:93", "2023-08-24T21:51:11Z",
                "2024-01-21T22:38:29Z", "2024-01-21T22:38:29Z", "WPA2 Personal", 1},
               {"wifi.network.ssid.UCPLPublicWireless", "UCPLPublicWireless", "36:56:ee:50:83:97",
                "2024-04-03T07:26:18Z", nullptr, "2024-04-03T07:26:18Z", "Open", 1}});
    CHECK(r.Run("wifi")->inputs.size() == 3);
    CHECK(r.Run("wifi")->issues.empty());
  }
  SECTION("mvs_ios_2023") {
    const auto root = base / "appleWifiPlist.appleWifiKnownNetworks.mvs_ios_2023/private/var/preferences";
    MappedEnv env;
    env.Map(kKnown, root / "com.apple.wifi.known-networks.plist");
    env.Map(kLegacy, root / "SystemConfiguration/com.apple.wifi.plist");
    auto r = ParseEnv(env, {}, {"wifi"});
    CheckNets(Records(r, "wifi_networks"),
              {{"wifi.network.ssid.Hotel Bonaventure", "Hotel Bonaventure", "92:2a:a8:4b:fd:6e",
                "2022-12-15T22:43:20.831478Z", nullptr, "2022-12-15T22:43:20.831478Z", "OWE Transition", 3},
               {"wifi.network.ssid.NETGEAR-345", "NETGEAR-345", "52:14:d7:e9:20:ad", "2023-01-03T10:51:49.102875Z",
                "2023-01-03T13:12:37.158712Z", "2023-01-03T13:12:37.158712Z", "WPA2 Personal", 10},
               {"wifi.network.ssid.ChamplainPSK", "ChamplainPSK", "18:64:72:8b:41:10", "2022-11-28T17:46:24.222535Z",
                "2022-11-29T17:49:25.821116Z", "2022-11-29T17:49:25.821116Z", "WPA2 Personal", 20},
               {"wifi.network.ssid.Spinner Place", "Spinner Place", "44:1e:98:43:cd:c", "2022-11-21T00:40:40.382164Z",
                "2023-01-06T21:37:07.647824Z", "2023-01-06T21:37:07.647824Z", "OWE Transition", 2},
               {"wifi.network.ssid.Airport-Frankfurt", "Airport-Frankfurt", "0:e1:6d:b3:8f:7c",
                "2023-01-05T10:20:18.434148Z", "2023-01-05T12:21:29.708467Z", "2023-01-05T12:21:29.708467Z",
                "OWE Transition", 2}});
    CHECK(r.Run("wifi")->issues.empty());
  }
}

TEST_CASE("wifi: plist dates are UTC whatever the host zone", "[parsers][wifi]") {
  // An XML plist (dates as ISO text) and a binary one, read under a far-off TZ.
  const char* old_tz = std::getenv("TZ");
  const std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "Pacific/Kiritimati", 1);
  tzset();
  core::MemoryEnv env;
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
      "<key>List of known networks</key><array><dict><key>SSID_STR</key><string>Home</string>"
      "<key>BSSID</key><string>02:00:5e:00:00:01</string>"
      "<key>lastJoined</key><date>2017-05-17T09:46:30Z</date></dict></array></dict></plist>";
  env.Add(kLegacy, Bytes(xml.begin(), xml.end()));
  auto r = ParseEnv(env, {}, {"wifi"});
  if (old_tz) setenv("TZ", saved.c_str(), 1);
  else unsetenv("TZ");
  tzset();
  const auto& nets = Records(r, "wifi_networks");
  REQUIRE(nets.size() == 1);
  CHECK(nets[0]["time"] == "2017-05-17T09:46:30Z");
  CHECK(nets[0]["source"]["rowid"] == "List of known networks/0");
  CHECK(nets[0]["source"]["table"].is_null());
}

TEST_CASE("wifi: a damaged entry is reported and skipped, the rest survives", "[parsers][wifi]") {
  core::PlistDict known;
  core::PlistDict good;
  good["SSID"] = Bytes{'O', 'k'};
  good["JoinedByUserAt"] = core::PlistDate{700000000.0};  // 2023-03-08T20:26:40Z
  known["wifi.network.ssid.Ok"] = core::PlistValue(good);
  known["wifi.network.ssid.Broken"] = core::PlistValue(std::string("not a dict"));
  auto bytes = core::WritePlist(core::PlistValue(known), true);
  REQUIRE(bytes);
  core::MemoryEnv env;
  env.Add(kKnown, *bytes);
  env.Add(kLegacy, Bytes{'b', 'p', 'l', 'i', 's', 't', '0', '0', 0xFF});  // damaged file
  auto r = ParseEnv(env, {}, {"wifi"});
  const auto& nets = Records(r, "wifi_networks");
  REQUIRE(nets.size() == 1);
  CHECK(nets[0]["ssid"] == "Ok");
  CHECK(nets[0]["time"] == "2023-03-08T20:26:40Z");
  const auto corrupt = Issues(r, "wifi", Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 2);
  CHECK(corrupt[0]->input == kKnown);
  CHECK(corrupt[0]->rowid == "wifi.network.ssid.Broken");
  CHECK(corrupt[1]->input == kLegacy);
  CHECK(r.Run("wifi")->status == parsers::ParserRun::Status::kPartial);
}
