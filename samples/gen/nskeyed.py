"""NSKeyedArchiver binary plists, just enough for MBFile (FORMATS.md 1.6).

Layout written: {$archiver: NSKeyedArchiver, $version: 100000, $top: {root: UID(1)},
$objects: ["$null", <MBFile dict>, <referenced objects...>, <class dicts...>]}.
The root MBFile dict is always at index 1, like every real row seen; readers should still follow
the UID.
"""

import plistlib


class Archive:
    def __init__(self):
        self.objects = ["$null"]
        self._classes = {}

    def add(self, obj) -> plistlib.UID:
        self.objects.append(obj)
        return plistlib.UID(len(self.objects) - 1)

    def reserve(self) -> plistlib.UID:
        return self.add(None)

    def set(self, uid: plistlib.UID, obj):
        self.objects[uid.data] = obj

    def class_uid(self, classes) -> plistlib.UID:
        key = tuple(classes)
        if key not in self._classes:
            self._classes[key] = self.add({"$classname": classes[0], "$classes": list(classes)})
        return self._classes[key]

    def dumps(self, root: plistlib.UID) -> bytes:
        doc = {
            "$archiver": "NSKeyedArchiver",
            "$version": 100000,
            "$top": {"root": root},
            "$objects": self.objects,
        }
        return plistlib.dumps(doc, fmt=plistlib.FMT_BINARY, sort_keys=False)


def mbfile(relative_path: str, ints: dict, encryption_key: bytes = None, target: str = None,
           xattrs: dict = None, digest: bytes = None, nsdata_indirection: bool = False) -> bytes:
    """Archive one MBFile.

    ints: the integer fields in the order to store them (Mode, Size, ProtectionClass, Birth, ...);
    a field left out of the dict is absent from the archive (e.g. ProtectionClass).
    encryption_key: 44 bytes (u32 LE class + wrapped key) -> EncryptionKey UID ->
    {NS.data, $class NSMutableData}; with nsdata_indirection NS.data is itself a UID -> data.
    xattrs: name -> bytes, stored as ExtendedAttributes UID -> data holding a binary plist dict.
    """
    ar = Archive()
    root = ar.reserve()
    d = {}
    d["RelativePath"] = ar.add(relative_path)
    for k, v in ints.items():
        d[k] = int(v)
    if encryption_key is not None:
        if nsdata_indirection:
            inner = ar.add(bytes(encryption_key))
            ek = {"NS.data": inner}
        else:
            ek = {"NS.data": bytes(encryption_key)}
        ek_uid = ar.add(ek)
        ek["$class"] = ar.class_uid(["NSMutableData", "NSData", "NSObject"])
        d["EncryptionKey"] = ek_uid
    if target is not None:
        d["Target"] = ar.add(target)
    if xattrs:
        nested = plistlib.dumps({k: bytes(v) for k, v in xattrs.items()},
                                fmt=plistlib.FMT_BINARY)
        d["ExtendedAttributes"] = ar.add(nested)
    if digest is not None:
        d["Digest"] = ar.add(bytes(digest))
    d["$class"] = ar.class_uid(["MBFile", "NSObject"])
    ar.set(root, d)
    return ar.dumps(root)
