"""--bulk-bytes N --bulk-files K: K extra pseudo-random files totalling exactly N bytes, streamed
in 1 MiB chunks from an AES-CTR keystream (never held in memory as a whole)."""

from .. import crypto, util
from .spec import ContentResult, FileSpec

NAME = "bulk"
DOMAIN = "AppDomain-com.example.bulk"
CHUNK = 1 << 20


def _producer(key, size):
    def gen():
        stream = crypto.CtrStream(key)
        left = size
        while left:
            n = min(CHUNK, left)
            yield stream.read(n)
            left -= n
    return gen


def build(ctx):
    if ctx.bulk_files <= 0 and ctx.bulk_bytes <= 0:
        return ContentResult()
    k = max(1, ctx.bulk_files)
    rng = ctx.rng(NAME)
    weights = [rng.randrange(50, 150) for _ in range(k)]
    total_w = sum(weights)
    sizes = [ctx.bulk_bytes * w // total_w for w in weights]
    sizes[-1] += ctx.bulk_bytes - sum(sizes)
    files = []
    for i, size in enumerate(sizes, 1):
        key = util.sub_rng(ctx.seed, "bulk-data", i).randbytes(32)
        files.append(FileSpec(domain=DOMAIN, path=f"Documents/bulk/bulk-{i:05d}.bin",
                              data=_producer(key, size), size_hint=size, tags=("bulk",),
                              **ctx.times(rng)))
    return ContentResult(files=files, expected={"files": k, "bytes": ctx.bulk_bytes})
