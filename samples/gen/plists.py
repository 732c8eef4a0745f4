"""Info.plist, Manifest.plist and Status.plist contents (FORMATS.md 1.2-1.4)."""

import plistlib
import struct
import zlib

from . import util

APPS = [
    # bundle id, name, artist, version, container class
    ("com.example.notesapp", "Sample Notes", "Example Apps Ltd", "3.2.1"),
    ("com.example.fixtures", "Fixture Box", "Example Apps Ltd", "1.0"),
    ("com.example.bulk", "Bulk Data", "Example Apps Ltd", "0.9"),
]
GROUPS = ["group.com.example.shared"]


def _png_1x1(rgb=(0x33, 0x66, 0x99)) -> bytes:
    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" + bytes(rgb), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _itunes_metadata(bundle, name, artist, version, install_unix, ident) -> bytes:
    md = {
        "itemName": name,
        "artistName": artist,
        "bundleShortVersionString": version,
        "bundleVersion": version,
        "softwareVersionBundleId": bundle,
        "genre": "Utilities",
        "itemId": 1000000000 + sum(bundle.encode()),
        "releaseDate": "2023-01-10T08:00:00Z",
        "sourceApp": "com.apple.AppStore",
        # iLEAPP reads the install date from the first 10 digits after "date=" (Unix seconds).
        "storeCohort": f"10|date={install_unix}000&sf=143441&pgtp=Search&prpg=Search&ctxt=Search",
        "is-purchased-redownload": False,
        "com.apple.iTunesStore.downloadInfo": {
            "accountInfo": {"AppleID": ident["AppleID"], "DSPersonID": 20000000001,
                            "FirstName": "Sample", "LastName": "User"},
            "purchaseDate": util.iso_z(install_unix),
        },
    }
    return plistlib.dumps(md, fmt=plistlib.FMT_XML)


def app_install_times(base_time):
    return {bundle: base_time - (i + 1) * 86400 * 37 for i, (bundle, *_rest) in enumerate(APPS)}


def info_plist(style, ident, base_time) -> dict:
    installs = app_install_times(base_time)
    apps = {}
    for bundle, name, artist, version in APPS:
        apps[bundle] = {
            "iTunesMetadata": _itunes_metadata(bundle, name, artist, version, installs[bundle],
                                               ident),
            "PlaceholderIcon": _png_1x1(),
            "ApplicationSINF": b"\x00\x00\x00\x0csinf" + bytes(4),
        }
    udid = ident["UniqueDeviceID"]
    d = {
        "Applications": apps,
        "Build Version": ident["BuildVersion"],
        "Device Name": ident["DeviceName"],
        "Display Name": ident["DeviceName"],
        "GUID": ident["GUID"],
        "ICCID": ident["ICCID"],
        "IMEI": ident["IMEI"],
        "Installed Applications": [a[0] for a in APPS],
        "Last Backup Date": util.plist_date(base_time),
        "MEID": ident["MEID"],
        "Phone Number": ident["PhoneNumber"],
        "Product Name": ident["ProductName"],
        "Product Type": ident["ProductType"],
        "Product Version": ident["ProductVersion"],
        "Serial Number": ident["SerialNumber"],
        "Target Identifier": udid.lower(),
        "Target Type": "Device",
        "Unique Identifier": udid.upper() if style == "ios17" else udid.lower(),
        "iTunes Files": {"IC-Info.sidb": b"\x00" * 8},
        "iTunes Settings": {},
        "iTunes Version": ident["iTunesVersion"],
    }
    if "IMEI2" in ident:
        d["IMEI 2"] = ident["IMEI2"]
    return d


def manifest_plist(style, ident, base_time, encrypted_flag, keybag_blob, manifest_key) -> dict:
    apps = {}
    bundle_root = ("/private/var/containers/Bundle/Application/" if style == "ios17"
                   else "/var/mobile/Containers/Bundle/Application/")
    for bundle, *_ in APPS:
        apps[bundle] = {
            "CFBundleIdentifier": bundle,
            "Path": f"{bundle_root}{util.rand_uuid(util.sub_rng(ident['UniqueDeviceID'], bundle))}/"
                    f"{bundle.rsplit('.', 1)[-1]}.app",
            "ContainerContentClass": "Data/Application",
        }
    for group in GROUPS:
        apps[group] = {"CFBundleIdentifier": group, "ContainerContentClass": "Shared/AppGroup"}
    d = {
        "Applications": apps,
        "Date": util.plist_date(base_time),
        "IsEncrypted": bool(encrypted_flag),
        "Lockdown": {
            "BuildVersion": ident["BuildVersion"],
            "DeviceName": ident["DeviceName"],
            "ProductType": ident["ProductType"],
            "ProductVersion": ident["ProductVersion"],
            "SerialNumber": ident["SerialNumber"],
            "UniqueDeviceID": ident["UniqueDeviceID"],
            "com.apple.Accessibility": {
                "ClosedCaptioningEnabledByiTunes": False,
                "InvertDisplayEnabledByiTunes": False,
                "MonoAudioEnabledByiTunes": False,
                "SpeakAutoCorrectionsEnabledByiTunes": False,
                "VoiceOverTouchEnabledByiTunes": False,
                "ZoomTouchEnabledByiTunes": False,
            },
            "com.apple.MobileDeviceCrashCopy": {"ShouldSubmit": False},
            "com.apple.TerminalFlashr": {},
            "com.apple.mobile.data_sync": {
                "Notes": {"AccountNames": ["iCloud"], "Sources": ["https://www.example.com/notes"]},
            },
            "com.apple.mobile.iTunes.accessories": {},
        },
        "SystemDomainsVersion": "24.0",
        "Version": "10.0" if style == "ios17" else "9.1",
        "WasPasscodeSet": True,
    }
    if keybag_blob is not None:
        d["BackupKeyBag"] = keybag_blob
    if manifest_key is not None:
        d["ManifestKey"] = manifest_key
    return d


def status_plist(style, ident, base_time, snapshot_state) -> dict:
    return {
        "BackupState": "new",
        "Date": util.plist_date(base_time),
        "IsFullBackup": False,
        "SnapshotState": snapshot_state,
        "UUID": ident["BackupUUID"],
        "Version": "3.3" if style == "ios17" else "2.4",
    }
