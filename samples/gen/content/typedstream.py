"""A typedstream (NSArchiver) encoder for sms.db message.attributedBody blobs.

Written from the byte-level facts of FORMATS.md 5.3 and the NeXT typedstream conventions, and
independent of mfx's decoder: it keeps its own shared-string and object tables and derives every
back-reference from them, so the reference bytes shift with the archive's contents exactly as
Apple's do (0x95 for NSObject under an NSMutableAttributedString root, 0x94 under an
NSAttributedString root).

Layout written (the form seen in real blobs):
    04 0B "streamtyped" 81 E8 03                      header: version 4, signature, system 1000
    group "@": NS(Mutable)AttributedString            root object, class chain down to NSObject
        group "@": NS(Mutable)String  { group "+": length, UTF-8 bytes }
        per attribute run: group "iI": dictionary number, run length in UTF-16 units
                           group "@": NSDictionary { group "i": count, then "@" key, "@" value … }
    86                                                end of the root object

Integers: -110..127 in one byte; 0x81 + int16 LE; 0x82 + int32 LE (so text lengths >= 128 take
three bytes and lengths >= 32768 five). 0x84 = new, 0x85 = nil, 0x86 = end of object; a
reference is the integer (index - 110), i.e. 0x92 for entry 0 of its table.
"""

import struct

NEW, NIL, END = 0x84, 0x85, 0x86
OBJ_REPLACEMENT = "\ufffc"  # U+FFFC: an inline attachment's place in the text

MUTABLE_ROOT = [(b"NSMutableAttributedString", 0), (b"NSAttributedString", 0), (b"NSObject", 0)]
PLAIN_ROOT = [(b"NSAttributedString", 0), (b"NSObject", 0)]
MUTABLE_STRING = [(b"NSMutableString", 1), (b"NSString", 1), (b"NSObject", 0)]
PLAIN_STRING = [(b"NSString", 1), (b"NSObject", 0)]
DICTIONARY = [(b"NSDictionary", 0), (b"NSObject", 0)]
NUMBER = [(b"NSNumber", 0), (b"NSValue", 0), (b"NSObject", 0)]


class _Writer:
    def __init__(self):
        self.out = bytearray()
        self.strings = []   # shared strings: type encodings, class names, C strings
        self.objects = []   # object table: objects, classes and C strings, in registration order

    def integer(self, v: int):
        if -110 <= v <= 127:
            self.out.append(v & 0xFF)
        elif -32768 <= v <= 32767:
            self.out += b"\x81" + struct.pack("<h", v)
        else:
            self.out += b"\x82" + struct.pack("<i", v)

    def reference(self, index: int):
        self.integer(index - 110)

    def shared_string(self, s: bytes):
        if s in self.strings:
            self.reference(self.strings.index(s))
            return
        self.out.append(NEW)
        self.integer(len(s))
        self.out += s
        self.strings.append(s)

    def cls(self, chain):
        """A class and its superclasses; a class written before is a reference."""
        if not chain:
            self.out.append(NIL)
            return
        name, version = chain[0]
        key = ("class", name)
        if key in self.objects:
            self.reference(self.objects.index(key))
            return
        self.out.append(NEW)
        self.objects.append(key)
        self.shared_string(name)
        self.integer(version)
        self.cls(chain[1:])

    def types(self, encoding: bytes):
        self.shared_string(encoding)

    def obj(self, chain, body):
        self.out.append(NEW)
        self.objects.append(("object", len(self.objects)))
        self.cls(chain)
        body()
        self.out.append(END)

    # --- values ---------------------------------------------------------------------------

    def string_object(self, chain, text: str):
        def body():
            self.types(b"+")
            data = text.encode("utf-8")
            self.integer(len(data))
            self.out += data
        self.types(b"@")
        self.obj(chain, body)

    def number_object(self, objc_type: bytes, value: int):
        def body():
            self.types(b"*")
            key = ("cstring", objc_type)
            if key in self.objects:
                self.reference(self.objects.index(key))
            else:
                self.out.append(NEW)
                self.shared_string(objc_type)
                self.objects.append(key)
            self.types(objc_type)
            self.integer(value)
        self.types(b"@")
        self.obj(NUMBER, body)

    def dictionary_object(self, items):
        def body():
            self.types(b"i")
            self.integer(len(items))
            for key, value in items:
                self.string_object(PLAIN_STRING, key)
                kind = value[0]
                if kind == "number":
                    self.number_object(value[1], value[2])
                else:
                    self.string_object(PLAIN_STRING, value[1])
        self.types(b"@")
        self.obj(DICTIONARY, body)


def _runs(text: str):
    """Attribute runs: each U+FFFC alone, the text between in one run (empty text: one run)."""
    runs, cur = [], ""
    for ch in text:
        if ch == OBJ_REPLACEMENT:
            if cur:
                runs.append(cur)
            runs.append(ch)
            cur = ""
        else:
            cur += ch
    if cur or not runs:
        runs.append(cur)
    return runs


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def encode_attributed_body(text: str, mutable: bool = True, transfer_guids=(), rtl: bool = False,
                           declared_length=None):
    """The attributedBody blob of a message with this text, and the offset of the text's first
    byte in it.

    transfer_guids: one file-transfer GUID per U+FFFC, in order (stored as "at_<part>_<GUID>").
    rtl adds the base writing direction attribute (as on right-to-left messages).
    declared_length overrides the length the stream declares for the text (a damaged blob: the
    ExtraData case of FORMATS.md 5.3)."""
    w = _Writer()
    w.out += b"\x04"
    w.integer(11)
    w.out += b"streamtyped"
    w.integer(1000)
    text_at = []

    def string_body():
        w.types(b"+")
        data = text.encode("utf-8")
        w.integer(len(data) if declared_length is None else declared_length)
        text_at.append(len(w.out))
        w.out += data

    def root_body():
        w.types(b"@")
        w.obj(MUTABLE_STRING if mutable else PLAIN_STRING, string_body)
        guids = iter(transfer_guids)
        for n, run in enumerate(_runs(text), 1):
            w.types(b"iI")
            w.integer(n)
            w.integer(utf16_len(run))
            items = []
            if rtl:
                items.append(("__kIMBaseWritingDirectionAttributeName", ("number", b"q", -1)))
            if run == OBJ_REPLACEMENT:
                items.append(("__kIMFileTransferGUIDAttributeName",
                              ("string", f"at_{n - 1}_{next(guids)}")))
            items.append(("__kIMMessagePartAttributeName", ("number", b"i", n - 1)))
            w.dictionary_object(items)

    w.types(b"@")
    w.obj(MUTABLE_ROOT if mutable else PLAIN_ROOT, root_body)
    return bytes(w.out), text_at[0]
