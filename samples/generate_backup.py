#!/usr/bin/python3
"""Generate a synthetic iTunes/Finder-style iPhone backup and the record of what was written.

Independent of the mfx C++ code; see samples/README.md for the options, the samples and the
record format.  Uses only the Python 3 standard library and python3-cryptography.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean when tests run the generator
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gen import traps, writer  # noqa: E402
from gen.content.spec import SCALE_KINDS  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Write a synthetic iPhone backup folder (Manifest.db or Manifest.mbdb era).")
    p.add_argument("--out", required=True, help="backup root to create (must be empty or new)")
    p.add_argument("--record", required=True, help="JSON record of everything written")
    p.add_argument("--style", choices=("ios17", "ios9"), default="ios17")
    p.add_argument("--encrypt", action="store_true", help="encrypt the backup")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--password", help="backup password (synthetic samples only)")
    g.add_argument("--password-file", help="file whose first line is the password")
    p.add_argument("--dpic", type=int, default=10_000_000,
                   help="DPIC, PBKDF2-SHA256 rounds of the iOS 10.2+ first stage (ios17)")
    p.add_argument("--iter", type=int, default=10_000, dest="iterations",
                   help="ITER, PBKDF2-SHA1 rounds")
    p.add_argument("--manifest-key-class", type=int, default=3,
                   help="protection class of the ManifestKey (ios17 encrypted; default 3)")
    p.add_argument("--seed", default="mfx", help="seed for every random choice")
    p.add_argument("--trap", action="append", default=[], metavar="NAME",
                   help="apply a tolerance trap (repeatable): " + ", ".join(sorted(traps.TRAPS)))
    p.add_argument("--bulk-bytes", type=int, default=0, help="extra random bytes in total")
    p.add_argument("--bulk-files", type=int, default=0, help="number of extra random files")
    p.add_argument("--scale", action="append", default=[], metavar="KIND=N", type=_scale_item,
                   help="N rows of KIND in total, the fixed sample rows plus synthetic ones "
                        "(repeatable; for benchmarks): " + ", ".join(SCALE_KINDS))
    return p.parse_args(argv)


def _scale_item(text):
    kind, sep, n = text.partition("=")
    if not sep or kind not in SCALE_KINDS or not n.isdigit():
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected KIND=N with KIND one of {', '.join(SCALE_KINDS)}")
    return kind, int(n)


def read_password_file(path):
    with open(path, "rb") as f:
        first = f.read().split(b"\n", 1)[0]
    if first.endswith(b"\r"):
        first = first[:-1]
    return first.decode("utf-8")


def main(argv=None):
    a = parse_args(argv)
    password = a.password
    if a.password_file:
        password = read_password_file(a.password_file)
    opts = writer.Options(out=a.out, record=a.record, style=a.style, encrypt=a.encrypt,
                          password=password, dpic=a.dpic, iterations=a.iterations, seed=a.seed,
                          traps=a.trap, bulk_bytes=a.bulk_bytes, bulk_files=a.bulk_files,
                          manifest_key_class=a.manifest_key_class, scale=dict(a.scale))
    try:
        rec = writer.generate(opts)
    except writer.GenerationError as e:
        print(f"generate_backup: {e}", file=sys.stderr)
        return 2
    c = rec["counts"]
    print(f"{a.out}: {rec['style']} {rec['manifest_kind']}, "
          f"{'encrypted' if rec['encrypted'] else 'plaintext'}, {c['rows']} rows "
          f"({c['files']} files, {c['dirs']} dirs, {c['symlinks']} symlinks), "
          f"{c['plaintext_bytes']} plaintext bytes"
          + (f", traps: {' '.join(rec['traps'])}" if rec["traps"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
