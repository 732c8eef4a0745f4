#include "parsers/wifi/wifi_parser.h"

#include "core/plist.h"

namespace mfx::parsers::wifi {
namespace {

using core::PlistValue;

constexpr uint64_t kMaxPlist = 64ull << 20;
constexpr std::string_view kSsidKeyPrefix = "wifi.network.ssid.";

OptTime Date(const PlistValue& dict, std::string_view key) {
  const PlistValue* v = dict.Find(key);
  if (v == nullptr) return std::nullopt;
  if (auto d = v->AsDate()) return core::FromPlistDate(d->cocoa_seconds);
  return std::nullopt;
}

OptString Text(const PlistValue& dict, std::string_view key) {
  const PlistValue* v = dict.Find(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* s = v->AsString()) return *s;
  if (const auto* d = v->AsData()) return std::string(AsString(*d));  // SSIDs are bytes, not always UTF-8
  if (auto i = v->AsInt()) return std::to_string(*i);
  return std::nullopt;
}

// The later of two moments (either may be absent or without an instant).
OptTime Later(const OptTime& a, const OptTime& b) {
  const bool ha = a && a->has_instant();
  const bool hb = b && b->has_instant();
  if (ha && hb) return *a->unix_micros >= *b->unix_micros ? a : b;
  if (ha) return a;
  if (hb) return b;
  return std::nullopt;
}

void ParseKnownNetworks(const ParserInput& in, const PlistValue& root, ParserContext& ctx) {
  for (const auto& [key, net] : *root.AsDict()) {
    if (!key.starts_with("wifi.network.")) continue;  // not a network entry
    if (!net.is_dict()) {
      ctx.Corrupt(in, "", key, "network entry is a " + std::string(net.TypeName()) + ", not a dict");
      continue;
    }
    WifiNetwork r;
    r.app = "Wi-Fi";
    r.source = in.PlistSource(key);
    r.ssid = Text(net, "SSID");
    if (!r.ssid && key.starts_with(kSsidKeyPrefix)) r.ssid = key.substr(kSsidKeyPrefix.size());
    r.added = Date(net, "AddedAt");
    r.joined_by_user = Date(net, "JoinedByUserAt");
    r.joined_by_system = Date(net, "JoinedBySystemAt");
    r.updated = Date(net, "UpdatedAt");
    r.security = Text(net, "SupportedSecurityTypes");
    r.time = Later(r.joined_by_user, r.joined_by_system);
    OptTime latest_bss;
    OptString latest_bssid;
    if (const PlistValue* list = net.Find("BSSList"); list && list->AsArray()) {
      for (const PlistValue& bss : *list->AsArray()) {
        OptString bssid = bss.is_dict() ? Text(bss, "BSSID") : std::nullopt;
        if (!bssid) continue;
        r.bssids.push_back(*bssid);
        OptTime at = Date(bss, "LastAssociatedAt");
        if (at && at->has_instant() && (!latest_bss || *at->unix_micros > *latest_bss->unix_micros)) {
          latest_bss = at;
          latest_bssid = bssid;
        }
      }
    }
    if (const PlistValue* os = net.Find("__OSSpecific__"); os && os->is_dict()) {
      r.bssid = Text(*os, "BSSID");
      r.password_modified = Date(*os, "WiFiNetworkPasswordModificationDate");
    }
    // __OSSpecific__ BSSID is the access point of the last association; without it, the BSSList
    // entry associated last.
    if (!r.bssid) r.bssid = latest_bssid;
    ctx.sink().Add(std::move(r));
  }
}

void ParseLegacy(const ParserInput& in, const PlistValue& root, ParserContext& ctx) {
  const PlistValue* list = root.Find("List of known networks");
  if (list == nullptr) return;  // iOS 14+ keeps the file but not the list
  if (list->AsArray() == nullptr) {
    ctx.Corrupt(in, "", "List of known networks", "not an array (" + std::string(list->TypeName()) + ")");
    return;
  }
  const auto& nets = *list->AsArray();
  for (size_t i = 0; i < nets.size(); ++i) {
    const std::string key = "List of known networks/" + std::to_string(i);
    const PlistValue& net = nets[i];
    if (!net.is_dict()) {
      ctx.Corrupt(in, "", key, "network entry is a " + std::string(net.TypeName()) + ", not a dict");
      continue;
    }
    WifiNetwork r;
    r.app = "Wi-Fi";
    r.source = in.PlistSource(key);
    r.ssid = Text(net, "SSID_STR");
    if (!r.ssid) r.ssid = Text(net, "SSID");
    r.bssid = Text(net, "BSSID");
    if (r.bssid) r.bssids.push_back(*r.bssid);
    // lastJoined: a join the user made or confirmed; lastAutoJoined: the system's auto-join.
    r.joined_by_user = Date(net, "lastJoined");
    r.joined_by_system = Date(net, "lastAutoJoined");
    r.password_modified = Date(net, "WiFiNetworkPasswordModificationDate");
    r.security = Text(net, "SecurityMode");
    r.time = Later(r.joined_by_user, r.joined_by_system);
    ctx.sink().Add(std::move(r));
  }
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput& in : inputs.all()) {
    auto bytes = core::ReadAll(*in.file, kMaxPlist);
    if (!bytes) {
      ctx.Corrupt(in, "", "", bytes.error().message);
      continue;
    }
    auto root = core::ParsePlist(*bytes, in.domain + "/" + in.path);
    if (!root) {
      ctx.Corrupt(in, "", "", root.error().message);
      continue;
    }
    if (!root->is_dict()) {
      ctx.Corrupt(in, "", "", "top level is a " + std::string(root->TypeName()) + ", not a dict");
      continue;
    }
    if (in.spec->name == "known") ParseKnownNetworks(in, *root, ctx);
    else ParseLegacy(in, *root, ctx);
  }
  return {};
}

}  // namespace

ParserModule WifiParser() {
  return ParserModule{
      "wifi",
      "1.0",
      "Wi-Fi",
      {
          {"known", "SystemPreferencesDomain", "com.apple.wifi.known-networks.plist", InputSpec::Kind::kFile},
          {"known", "SystemPreferencesDomain", "SystemConfiguration/com.apple.wifi.known-networks.plist",
           InputSpec::Kind::kFile},
          {"legacy", "SystemPreferencesDomain", "SystemConfiguration/com.apple.wifi.plist", InputSpec::Kind::kFile},
          // Same layout, seen beside the others in iOS 14–16 (FORMATS §5.20; belkasoft_ctf6 .backup).
          {"legacy", "SystemPreferencesDomain", "SystemConfiguration/com.apple.wifi-networks.plist",
           InputSpec::Kind::kFile},
          {"legacy", "SystemPreferencesDomain", "SystemConfiguration/com.apple.wifi-networks.plist.backup",
           InputSpec::Kind::kFile},
      },
      Parse,
  };
}

}  // namespace mfx::parsers::wifi
