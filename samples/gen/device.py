"""Synthetic device identity per style.  No real personal data: fictional 555-01xx numbers,
example.com addresses, random serials/UDIDs/IMEIs from the seeded RNG."""

from . import util

STYLES = {
    # Manifest.db era (Finder/iTunes on a recent iOS)
    "ios17": {
        "ProductType": "iPhone15,2",
        "ProductName": "iPhone 14 Pro",
        "ProductVersion": "17.3",
        "BuildVersion": "21D50",
        "DeviceName": "mfx Sample iPhone",
        "base_time": 1710408413,          # 2024-03-14T09:26:53Z
        "iTunesVersion": "12.13.1.3",
    },
    # Manifest.mbdb era
    "ios9": {
        "ProductType": "iPhone4,1",
        "ProductName": "iPhone 4S",
        "ProductVersion": "9.3.6",
        "BuildVersion": "13G37",
        "DeviceName": "mfx Sample iPhone 4S",
        "base_time": 1495273590,          # 2017-05-20T09:46:30Z
        "iTunesVersion": "12.6.0.100",
    },
}


def make_identity(style: str, rng) -> dict:
    s = STYLES[style]
    ident = {k: v for k, v in s.items() if k != "base_time"}
    if style == "ios17":
        # 25-character UDID with a hyphen (A12+ devices).  Info.plist has it upper case in
        # Unique Identifier and lower case in Target Identifier, like the real iOS 14 manifest.
        udid = "00008120-00" + util.rand_hex(rng, 14, upper=True)
    else:
        udid = util.rand_hex(rng, 40)  # 40 lowercase hex characters
    imei_body = "35" + util.rand_digits(rng, 12)
    imei = util.luhn_complete(imei_body)
    imei2 = util.luhn_complete("35" + util.rand_digits(rng, 12))
    ident.update({
        "UniqueDeviceID": udid,
        "SerialNumber": "MFX" + util.rand_hex(rng, 9, upper=True),
        "IMEI": imei,
        "MEID": imei[:14],
        "ICCID": util.luhn_complete("8901410" + util.rand_digits(rng, 12)),
        "PhoneNumber": "+1 (202) 555-01%02d" % rng.randrange(100),
        "GUID": util.rand_hex(rng, 32, upper=True),
        "AppleID": "sample.user@example.com",
        "BackupUUID": util.rand_uuid(rng),
    })
    if style == "ios17":
        ident["IMEI2"] = imei2
    return ident
