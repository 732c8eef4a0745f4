"""Wi-Fi known networks (FORMATS.md 5.20), both layouts.

ios17: SystemPreferencesDomain com.apple.wifi.known-networks.plist at the domain root (iOS 14+):
keys wifi.network.ssid.<SSID> -> {SSID (data), AddedAt, JoinedByUserAt, JoinedBySystemAt,
UpdatedAt, SupportedSecurityTypes, BSSList, __OSSpecific__}; plus SystemConfiguration/
com.apple.wifi.plist in its iOS 14+ form (settings only, no "List of known networks": no records).
ios9: SystemConfiguration/com.apple.wifi.plist with "List of known networks" (SSID_STR, BSSID,
lastJoined, lastAutoJoined, WiFiNetworkPasswordModificationDate).

Traps: the system join later than the user join (time = the later one), a network with only a
system join, no __OSSpecific__ BSSID (the BSSList entry associated last is the BSSID), a non-ASCII
SSID, sub-second plist dates (multiples of 1/64 s), SupportedSecurityTypes as an integer and as a
string. Plist dates are written as UTC.
"""

import datetime
import plistlib

from . import pim_common as pc
from .spec import ContentResult, FileSpec

NAME = "wifi"
DOMAIN = "SystemPreferencesDomain"
KNOWN = "com.apple.wifi.known-networks.plist"
LEGACY = "SystemConfiguration/com.apple.wifi.plist"


def _date(unix_exact):
    """(naive UTC datetime for plistlib, the Cocoa float plistlib stores, export ISO string)."""
    whole = int(unix_exact)
    micros = round((unix_exact - whole) * 1_000_000)
    dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=whole, microseconds=micros)
    raw = (dt - datetime.datetime(2001, 1, 1)).total_seconds()
    return dt, raw, pc.cocoa_iso(raw)


def _raw(v):
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def build(ctx):
    rng = ctx.rng(NAME)
    base = ctx.base_time
    joined = base - 86400 * 3
    files, expected = [], []

    def rec(key, ssid, bssid, bssids, security, dates):
        """dates: field -> (dt, raw, iso) for added, joined_by_user, joined_by_system, updated,
        password_modified."""
        r = {"app": "Wi-Fi", "ssid": ssid, "bssid": bssid, "bssids": bssids, "security": security,
             "deleted": False, "source": pc.source(DOMAIN, KNOWN if ctx.style == "ios17" else LEGACY,
                                                   None, key)}
        raw = {}
        for f in ("added", "joined_by_user", "joined_by_system", "updated", "password_modified"):
            d = dates.get(f)
            r[f] = d[2] if d else None
            if d:
                raw[f] = {"raw": _raw(d[1]), "encoding": "plist_date"}
        joins = [dates[f] for f in ("joined_by_user", "joined_by_system") if dates.get(f)]
        last = max(joins, key=lambda d: d[1]) if joins else None
        r["time"] = last[2] if last else None
        if last:
            raw["time"] = {"raw": _raw(last[1]), "encoding": "plist_date"}
        r["raw_times"] = {k: raw[k] for k in ["time"] + [f for f in raw if f != "time"]}
        expected.append(r)

    if ctx.style == "ios17":
        d_ex = {"added": _date(joined - 86400 * 90), "joined_by_user": _date(joined),
                "updated": _date(joined)}
        cafe_user = _date(base - 86400 * 20 + pc.frac64(rng))
        cafe_sys = _date(base - 3600 * 5 + pc.frac64(rng))
        d_cafe = {"added": _date(base - 86400 * 20), "joined_by_user": cafe_user,
                  "joined_by_system": cafe_sys, "updated": _date(base - 3600 * 5 + 30),
                  "password_modified": _date(base - 86400 * 20 + 2)}
        d_lab = {"added": _date(base - 86400 * 7), "joined_by_system": _date(base - 86400 + pc.frac64(rng))}
        known = {
            "wifi.network.ssid.ExampleNet": {
                "SSID": b"ExampleNet", "AddedAt": d_ex["added"][0],
                "JoinedByUserAt": d_ex["joined_by_user"][0], "UpdatedAt": d_ex["updated"][0],
                "SupportedSecurityTypes": 8, "__OSSpecific__": {"BSSID": "02:00:5e:10:00:01"},
            },
            "wifi.network.ssid.Café ☕": {
                "SSID": "Café ☕".encode("utf-8"), "AddedAt": d_cafe["added"][0],
                "JoinedByUserAt": cafe_user[0], "JoinedBySystemAt": cafe_sys[0],
                "UpdatedAt": d_cafe["updated"][0], "SupportedSecurityTypes": "WPA2 Personal",
                "BSSList": [
                    {"BSSID": "2:0:5e:10:0:a", "Channel": 6, "LastAssociatedAt": cafe_user[0]},
                    {"BSSID": "02:00:5e:10:00:0b", "Channel": 36, "LastAssociatedAt": cafe_sys[0]},
                ],
                "__OSSpecific__": {"WiFiNetworkPasswordModificationDate": d_cafe["password_modified"][0],
                                   "networkUsage": 1234.5},
            },
            "wifi.network.ssid.HiddenLab": {
                "SSID": b"HiddenLab", "AddedAt": d_lab["added"][0],
                "JoinedBySystemAt": d_lab["joined_by_system"][0], "Hidden": True,
                "SupportedSecurityTypes": "WPA3 Personal",
            },
        }
        rec("wifi.network.ssid.ExampleNet", "ExampleNet", "02:00:5e:10:00:01", [], "8", d_ex)
        rec("wifi.network.ssid.Café ☕", "Café ☕", "02:00:5e:10:00:0b",
            ["2:0:5e:10:0:a", "02:00:5e:10:00:0b"], "WPA2 Personal", d_cafe)
        rec("wifi.network.ssid.HiddenLab", "HiddenLab", None, [], "WPA3 Personal", d_lab)
        files.append(FileSpec(domain=DOMAIN, path=KNOWN, data=plistlib.dumps(known, fmt=plistlib.FMT_BINARY),
                              tags=("plist", "wifi"), **ctx.times(rng)))
        # The iOS 14+ com.apple.wifi.plist: settings only, the network list moved out.
        settings = {"AllowEnable": 1, "JoinMode": "Preferred", "Version": 21,
                    "deviceUpdatedDate": _date(base - 86400 * 30)[0]}
        files.append(FileSpec(domain=DOMAIN, path=LEGACY, data=plistlib.dumps(settings, fmt=plistlib.FMT_BINARY),
                              tags=("plist", "wifi"), **ctx.times(rng)))
    else:
        d_ex = {"joined_by_user": _date(joined)}
        d_office = {"joined_by_user": _date(base - 86400 * 10 + pc.frac64(rng)),
                    "joined_by_system": _date(base - 86400 + pc.frac64(rng)),
                    "password_modified": _date(base - 86400 * 60)}
        legacy = {"List of known networks": [
            {"SSID_STR": "ExampleNet", "BSSID": "02:00:5e:10:00:01", "lastJoined": d_ex["joined_by_user"][0]},
            {"SSID_STR": "Office 5G", "SSID": b"Office 5G", "BSSID": "02:00:5e:10:00:22",
             "lastJoined": d_office["joined_by_user"][0], "lastAutoJoined": d_office["joined_by_system"][0],
             "SecurityMode": "WPA2 Personal",
             "WiFiNetworkPasswordModificationDate": d_office["password_modified"][0]},
        ]}
        rec("List of known networks/0", "ExampleNet", "02:00:5e:10:00:01", ["02:00:5e:10:00:01"], None, d_ex)
        rec("List of known networks/1", "Office 5G", "02:00:5e:10:00:22", ["02:00:5e:10:00:22"],
            "WPA2 Personal", d_office)
        files.append(FileSpec(domain=DOMAIN, path=LEGACY, data=plistlib.dumps(legacy, fmt=plistlib.FMT_BINARY),
                              tags=("plist", "wifi"), **ctx.times(rng)))
    return ContentResult(files=files, expected={"records": {"wifi_networks": expected}})
