"""Media: JPEG-looking camera-roll files with assetsd xattrs (binary, non-UTF-8 values, like
the real com.apple.assetsd.* ones) and a ~300 KB audio file that crosses read buffers."""

import struct

from .. import crypto, util
from .spec import ContentResult, FileSpec

NAME = "media"


def _jpeg(rng, body_len):
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00"
    comment = b"mfx synthetic sample image"
    com = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    body = bytearray(rng.randbytes(body_len))
    # Keep the fake scan data free of 0xFF so it has no accidental markers.
    for i, b in enumerate(body):
        if b == 0xFF:
            body[i] = 0xFE
    return b"\xff\xd8" + app0 + com + b"\xff\xda" + bytes(body) + b"\xff\xd9"


def _assetsd_xattrs(rng, created_unix, uuid):
    return {
        "com.apple.assetsd.UUID": uuid.encode("ascii"),
        # 3600 s east of UTC as u32 LE: 10 0E 00 00 (FORMATS.md 1.6)
        "com.apple.assetsd.timeZoneOffset": struct.pack("<i", 3600),
        "com.apple.assetsd.timeZoneName": b"Europe/Paris",
        # Cocoa seconds as a little-endian double: binary, not UTF-8
        "com.apple.assetsd.customCreationDate": struct.pack("<d",
                                                            created_unix - util.COCOA_EPOCH),
        "com.apple.assetsd.addedDate": struct.pack("<d", created_unix - util.COCOA_EPOCH + 5),
        "com.apple.assetsd.avalanche.type": b"\x00",
        "com.apple.assetsd.dbRebuildUuid": b"\xff\xfe\x80" + rng.randbytes(13),
        "com.apple.assetsd.originalFilename": None,  # filled in by caller
    }


def build(ctx):
    rng = ctx.rng(NAME)
    files, expected = [], {}

    photos = []
    for n, body_len in ((1, 24000), (2, 15000)):
        t = ctx.times(rng)
        uuid = util.rand_uuid(rng)
        x = _assetsd_xattrs(rng, t["birth"], uuid)
        name = f"IMG_{n:04d}.JPG"
        x["com.apple.assetsd.originalFilename"] = name.encode()
        tags = ("jpeg",) + (("missing-blob",) if n == 2 else ())
        files.append(FileSpec(domain="CameraRollDomain", path=f"Media/DCIM/100APPLE/{name}",
                              data=_jpeg(rng, body_len), xattrs=x, tags=tags, **t))
        photos.append({"relative_path": f"Media/DCIM/100APPLE/{name}", "uuid": uuid,
                       "created": util.iso_z(t["birth"])})
    expected["photos"] = {"domain": "CameraRollDomain", "files": photos}

    # ~300 KB, odd length: an MP4/M4A-looking file ("ftyp" at offset 4).
    total = 307213
    ftyp = struct.pack(">I", 28) + b"ftypM4A " + struct.pack(">I", 0) + b"M4A mp42isom"
    mdat_hdr = struct.pack(">I", total - len(ftyp)) + b"mdat"
    stream = crypto.CtrStream(rng.randbytes(32))
    audio = ftyp + mdat_hdr + stream.read(total - len(ftyp) - len(mdat_hdr))
    assert len(audio) == total
    files.append(FileSpec(domain="MediaDomain", path="Media/Recordings/20240301 101500.m4a",
                          data=audio, tags=("large",), **ctx.times(rng)))
    return ContentResult(files=files, expected=expected)
