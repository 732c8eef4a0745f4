"""mfx sample backup generator (independent Python implementation of the backup format).

Container code (keybag, crypto, manifests, plists, writer) lives in this package; the files that
go into a backup come from content modules in ``gen.content``.  Nothing here reads or shares
code with the C++ reader: the only source is the format reference FORMATS.md, sections 1 and 2.
"""
