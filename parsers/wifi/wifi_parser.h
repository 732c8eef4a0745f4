#pragma once
// Wi-Fi known networks (FORMATS §5.20), both layouts, which can coexist in one backup:
//   - iOS 14+: SystemPreferencesDomain "com.apple.wifi.known-networks.plist" at the domain root
//     (also accepted under SystemConfiguration/): a dict keyed "wifi.network.ssid.<SSID>" →
//     {SSID (data), AddedAt, JoinedByUserAt, JoinedBySystemAt, UpdatedAt, SupportedSecurityTypes,
//     BSSList [{BSSID, LastAssociatedAt, …}], __OSSpecific__ {BSSID,
//     WiFiNetworkPasswordModificationDate, …}};
//   - ≤ iOS 13: SystemPreferencesDomain "SystemConfiguration/com.apple.wifi.plist": array
//     "List of known networks" of dicts {SSID_STR, BSSID, lastJoined, lastAutoJoined, …}. In iOS 14+
//     the same file still exists without that array; it then yields nothing. The same layout in
//     SystemConfiguration/com.apple.wifi-networks.plist(.backup) is read too.
// time = the last join, the later of the user- and the system-initiated one (JoinedByUserAt /
// JoinedBySystemAt; lastJoined / lastAutoJoined). Plist dates are UTC (never host-local).
// source: table null, rowid = the key path ("wifi.network.ssid.Home", "List of known networks/3").

#include "parsers/parser_module.h"

namespace mfx::parsers::wifi {

ParserModule WifiParser();

}  // namespace mfx::parsers::wifi
