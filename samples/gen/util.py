"""Small helpers shared by the generator modules: fileID, deterministic RNG streams, times."""

import datetime
import hashlib
import random

COCOA_EPOCH = 978307200  # Unix seconds at 2001-01-01T00:00:00Z


def file_id(domain: str, relative_path: str) -> str:
    """fileID = lowercase hex SHA-1 of UTF-8 (domain + "-" + relativePath) (FORMATS.md 1.8)."""
    return hashlib.sha1(f"{domain}-{relative_path}".encode("utf-8")).hexdigest()


def sub_rng(seed, *labels) -> random.Random:
    """An independent deterministic random stream for (seed, labels).

    Seeding random.Random with a str hashes it with SHA-512 (seed version 2), which is stable across
    runs and platforms.  Separate streams keep e.g. the keybag identical when content is added.
    """
    return random.Random("|".join([str(seed)] + [str(x) for x in labels]))


def iso_z(unix_seconds) -> str:
    """ISO 8601 UTC with Z, whole seconds when the value is whole."""
    dt = datetime.datetime.fromtimestamp(unix_seconds, tz=datetime.timezone.utc)
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def plist_date(unix_seconds: int) -> datetime.datetime:
    """A naive datetime in UTC: Python 3.11 plistlib writes naive datetimes as UTC."""
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=unix_seconds)


def luhn_complete(digits: str) -> str:
    """Append the Luhn check digit (IMEI, ICCID)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


def rand_digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def rand_hex(rng: random.Random, n_chars: int, upper: bool = False) -> str:
    s = rng.randbytes((n_chars + 1) // 2).hex()[:n_chars]
    return s.upper() if upper else s


def rand_uuid(rng: random.Random) -> str:
    h = rng.randbytes(16).hex().upper()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def to_json_value(value):
    """Plist value -> JSON value for the record: dates as ISO 8601 Z, data as {"data_hex": ...}."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, (bytes, bytearray)):
        return {"data_hex": bytes(value).hex()}
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return value
