"""The content-layer interface.

A content module is a Python module with NAME (str) and build(ctx) -> ContentResult.  It only
describes files; the container code (writer) decides fileIDs, inodes, encryption, manifests and
the record.  New artifact content (SMS, contacts, ...) is added as a new module listed in
gen/content/__init__.py, without touching the container code.
"""

from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Union

from .. import util

KINDS = ("file", "dir", "symlink")
# --scale KIND=N: the record kinds a content module can scale up with synthetic rows.
SCALE_KINDS = ("messages", "contacts", "calls", "visits", "photos")
DEFAULT_MODE = {"file": 0o100644, "dir": 0o40755, "symlink": 0o120755}

# bytes, or a zero-argument callable returning an iterable of byte chunks (streamed to disk).
Data = Union[bytes, Callable[[], Iterable[bytes]], None]


@dataclass
class FileSpec:
    domain: str
    path: str                      # relativePath; '' for the domain root
    kind: str = "file"             # file | dir | symlink
    data: Data = None              # file content (files only)
    size_hint: Optional[int] = None  # plaintext size of a producer, when known in advance
    mode: Optional[int] = None     # POSIX mode incl. type bits; default from kind
    protection_class: Optional[int] = None  # default: 3 for files, 0 for dirs and symlinks
    birth: Optional[int] = None    # Unix seconds; defaults are derived from the seed
    mtime: Optional[int] = None
    ctime: Optional[int] = None
    atime: Optional[int] = None
    uid: int = 501                 # mobile
    gid: int = 501
    target: Optional[str] = None   # symlinks: absolute device path
    xattrs: dict = field(default_factory=dict)  # name -> bytes (ios17 ExtendedAttributes,
                                                # ios9 mbdb properties)
    digest: bool = False           # ios17: store MBFile Digest (SHA-1 of the plaintext)
    tags: tuple = ()               # free labels, e.g. "sqlite", "trap:missing-blob"
    auto_parents: bool = True      # writer adds missing parent dir rows and the domain root

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.domain}/{self.path}: bad kind {self.kind}")
        if self.kind == "symlink" and not self.target:
            raise ValueError(f"{self.domain}/{self.path}: symlink without target")
        if self.kind == "file" and self.data is None:
            self.data = b""
        if self.mode is None:
            self.mode = DEFAULT_MODE[self.kind]
        if self.protection_class is None:
            self.protection_class = 3 if self.kind == "file" else 0

    @property
    def key(self):
        return (self.domain, self.path)

    @property
    def file_id(self) -> str:
        return util.file_id(self.domain, self.path)

    def chunks(self):
        """Iterate the plaintext in chunks."""
        if isinstance(self.data, (bytes, bytearray)):
            yield bytes(self.data)
        elif self.data is not None:
            yield from self.data()


@dataclass
class ContentResult:
    files: list = field(default_factory=list)
    expected: dict = field(default_factory=dict)   # goes into record["expected"][module NAME]


@dataclass
class Context:
    seed: str
    style: str                     # ios17 | ios9
    base_time: int                 # Unix seconds of the backup; file times precede it
    bulk_bytes: int = 0
    bulk_files: int = 0
    scale: dict = field(default_factory=dict)  # --scale: kind -> rows wanted in total

    def rng(self, *labels):
        return util.sub_rng(self.seed, "content", *labels)

    def extra_rows(self, kind, fixed):
        """How many synthetic rows of a --scale kind to add to the module's `fixed` rows (0 when
        the kind is not scaled). The synthetic rows come from ctx.rng(module, "scale") only, so the
        fixed rows, and the whole backup without --scale, stay byte-identical."""
        return max(0, self.scale.get(kind, 0) - fixed) if kind in self.scale else 0

    def times(self, rng, max_age_days=400):
        """A plausible (birth, mtime, ctime, atime) before base_time."""
        birth = self.base_time - rng.randrange(30 * 86400, max_age_days * 86400)
        mtime = birth + rng.randrange(0, self.base_time - birth - 3600)
        ctime = mtime + rng.randrange(0, 600)
        atime = ctime + rng.randrange(0, 1800)
        return dict(birth=birth, mtime=mtime, ctime=ctime, atime=atime)
