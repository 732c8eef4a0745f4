"""Generic files of varied shapes: exact small sizes, plists, empty file, non-ASCII names,
symlinks, a keychain-backup.plist placeholder, explicit directories."""

import plistlib

from .. import util
from .spec import ContentResult, FileSpec

NAME = "base_files"

FIXTURES = "AppDomain-com.example.fixtures"
NOTES_APP = "AppDomain-com.example.notesapp"
GROUP = "AppDomainGroup-group.com.example.shared"


def build(ctx):
    rng = ctx.rng(NAME)
    files = []

    def add(**kw):
        times = ctx.times(rng)
        for k, v in times.items():
            kw.setdefault(k, v)
        spec = FileSpec(**kw)
        files.append(spec)
        return spec

    # --- exact sizes around the AES block size and a page ---
    trap_tags = {16: ("flags-zero",), 4096: ("zero-length-blob",)}
    for size, pclass in ((1, 1), (15, 2), (16, 3), (17, 4), (4096, 3)):
        add(domain=FIXTURES, path=f"Documents/size-{size:05d}.bin",
            data=rng.randbytes(size), protection_class=pclass,
            tags=("size",) + trap_tags.get(size, ()))
    add(domain=FIXTURES, path="Documents/empty.bin", data=b"", protection_class=4,
        tags=("empty",))

    # --- non-ASCII names (NFC), with UTF-8 text inside ---
    add(domain=NOTES_APP, path="Documents/café ☕.txt",
        data="Café order: one flat white ☕, one croissant 🥐.\n".encode("utf-8"),
        xattrs={"com.apple.TextEncoding": b"utf-8;134217984"}, digest=True, tags=("text",))
    add(domain=NOTES_APP, path="Documents/שלום עולם.txt",
        data="שלום עולם — synthetic Hebrew sample text.\n".encode("utf-8"), tags=("text",))
    add(domain=NOTES_APP, path="Documents/日本語のメモ.txt",
        data="これは合成されたサンプルのメモです。\n".encode("utf-8"), tags=("text",))

    # --- plists: binary and XML ---
    settings = {
        "SampleEnabled": True,
        "SampleCount": 42,
        "LastOpened": util.plist_date(ctx.base_time - 7200),
        "Nickname": "Sample User",
        "Blob": bytes(range(16)),
    }
    add(domain="HomeDomain", path="Library/Preferences/com.example.settings.plist",
        data=plistlib.dumps(settings, fmt=plistlib.FMT_BINARY), protection_class=4,
        digest=True, tags=("plist", "bplist"))
    legacy = {"Version": 2, "Servers": ["mail.example.com", "www.example.com"],
              "Owner": "sample.user@example.com"}
    add(domain="HomeDomain", path="Library/Preferences/com.example.legacy.plist",
        data=plistlib.dumps(legacy, fmt=plistlib.FMT_XML), protection_class=4,
        tags=("plist", "xmlplist"))
    add(domain="HomeDomain", path="Library/Logs/empty.log", data=b"", tags=("empty",))
    add(domain=GROUP, path="Library/Preferences/group.com.example.shared.plist",
        data=plistlib.dumps({"SharedFlag": True, "SharedName": "example"},
                            fmt=plistlib.FMT_BINARY), protection_class=4, tags=("plist",))
    add(domain=NOTES_APP, path="Library/Preferences/com.example.notesapp.plist",
        data=plistlib.dumps({"FixtureRuns": 3, "Theme": "dark"}, fmt=plistlib.FMT_XML),
        tags=("plist", "xmlplist"))

    # --- Wi-Fi known networks: written by wifi.py (with its expected records). The times draw
    #     stays, so the seeded times of the files below are unchanged.
    ctx.times(rng)
    add(domain="SystemPreferencesDomain", path="SystemConfiguration/preferences.plist",
        data=plistlib.dumps({"System": {"System": {"ComputerName": "mfx Sample iPhone"}}},
                            fmt=plistlib.FMT_XML), protection_class=4, tags=("plist",))

    # --- keychain-backup.plist: structure only, no items yet (a later content module) ---
    add(domain="KeychainDomain", path="keychain-backup.plist",
        data=plistlib.dumps({"genp": [], "inet": [], "cert": [], "keys": []},
                            fmt=plistlib.FMT_BINARY), protection_class=1, tags=("keychain",))

    add(domain="RootDomain", path="Library/Caches/locationd/clients.plist",
        data=plistlib.dumps({"com.example.notesapp": {"Authorization": 2,
                                                      "BundleId": "com.example.notesapp"}},
                            fmt=plistlib.FMT_BINARY), protection_class=4, uid=0, gid=0,
        tags=("plist",))

    # --- symlinks (absolute device-path targets) ---
    add(domain="HomeDomain", path="Library/Carrier Bundle.bundle", kind="symlink",
        target="/private/var/mobile/Library/Carrier Bundles/iPhone/Example_US.bundle")
    add(domain="RootDomain", path="Library/Preferences/com.example.root-link.plist",
        kind="symlink", uid=0, gid=0,
        target="/private/var/mobile/Library/Preferences/com.example.settings.plist")

    # --- explicit directories, some with a non-zero protection class ---
    add(domain="HomeDomain", path="Library/Notes", kind="dir", protection_class=3)
    add(domain="CameraRollDomain", path="Media/PhotoData", kind="dir", protection_class=4)

    return ContentResult(files=files)
