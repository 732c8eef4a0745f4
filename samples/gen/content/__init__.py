"""Content modules.  Each module has NAME and build(ctx) -> spec.ContentResult.

To add artifact content (an sms.db, contacts, ...), write a new module here and append it to
DEFAULT_MODULES; nothing in the container code changes.
"""

from . import base_files, bulk, databases, media
from . import accounts, calendar, calls, contacts, voicemail
from . import sms, whatsapp

from . import notes, photos, safari, wifi

DEFAULT_MODULES = [base_files, databases, media, bulk, contacts, calls, voicemail, calendar, accounts, sms, whatsapp, safari, notes, photos, wifi]


def collect(ctx, modules=None):
    """Run the modules; returns (list of FileSpec, {module NAME: expected})."""
    files, expected = [], {}
    for mod in modules or DEFAULT_MODULES:
        res = mod.build(ctx)
        files.extend(res.files)
        if res.expected:
            expected[mod.NAME] = res.expected
    return files, expected
