"""Helpers shared by the PIM content modules (contacts, calls, voicemail, accounts, calendar):
the export forms of times and sources that the expected records are written in.

Expected records follow CONTRACT.md "Records": times are ISO 8601 UTC with 'Z', whole seconds
without a fraction, otherwise 3 digits when the value is a whole number of milliseconds, else 6.
Fractional test values are multiples of 1/64 s so every step of the conversion is exact.
"""

from fractions import Fraction

from .. import util


def iso_micros(unix_micros: int) -> str:
    secs, frac = divmod(unix_micros, 1_000_000)
    base = util.iso_z(secs)[:-1]
    if frac == 0:
        return base + "Z"
    if frac % 1000 == 0:
        return f"{base}.{frac // 1000:03d}Z"
    return f"{base}.{frac:06d}Z"


def unix_iso(unix_seconds) -> str:
    """Unix seconds (int, or an exact float) as the export string."""
    return iso_micros(int(Fraction(unix_seconds) * 1_000_000))


def cocoa_iso(cocoa_seconds):
    """Cocoa seconds as the export string; 0 and None mean "not set" (null)."""
    if cocoa_seconds is None or cocoa_seconds == 0:
        return None
    return unix_iso(Fraction(cocoa_seconds) + util.COCOA_EPOCH)


def raw_text(value) -> str:
    """A raw time value as the export keeps it (integers as digits, floats in shortest form)."""
    return repr(value) if isinstance(value, float) else str(value)


def source(domain, path, table, rowid):
    return {"domain": domain, "path": path, "table": table, "rowid": rowid}


def frac64(rng) -> float:
    """A random exact fraction of a second (k/64)."""
    return rng.randrange(1, 64) / 64.0
