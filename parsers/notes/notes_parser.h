#pragma once
// Apple Notes (FORMATS §5.10).
//
// NoteStore.sqlite (AppDomainGroup-group.com.apple.notes): ZICCLOUDSYNCINGOBJECT holds notes,
// folders and accounts, told apart by Z_ENT resolved through Z_PRIMARYKEY (ICNote, ICFolder,
// ICAccount — never hard-coded numbers). One Note per ICNote row: title ZTITLE1, snippet, folder
// (ZTITLE2 of the ZFOLDER row), account (ZNAME of the account row; the account column drifts —
// ZACCOUNT2/4/7 — and is picked as the one that points at ICAccount rows), created/modified (the
// ZCREATIONDATE*/ZMODIFICATIONDATE* column that is non-NULL on note rows), locked
// (ZISPASSWORDPROTECTED: listed, text null, never decoded), marked_for_deletion
// (ZMARKEDFORDELETION: kept and marked). text = ZICNOTEDATA.ZDATA → gzip → protobuf note_text
// (note_body.h); the decode chain names the offset of note_text in the decompressed bytes.
// source.rowid = ZICCLOUDSYNCINGOBJECT.Z_PK.
//
// Legacy notes.sqlite (HomeDomain Library/Notes, iOS ≤ 8 stores that survive upgrades): ZNOTE
// (ZTITLE, ZSUMMARY, ZCREATIONDATE, ZMODIFICATIONDATE, ZBODY → ZNOTEBODY.ZCONTENT as HTML →
// text), folder = ZSTORE.ZNAME, account = ZACCOUNT.ZNAME when those tables exist.
// source.rowid = ZNOTE.Z_PK.
//
// Times: Cocoa seconds (0/NULL = not set).

#include <string>
#include <string_view>

#include "parsers/parser_module.h"

namespace mfx::parsers::notes {

ParserModule NotesParser();

// The text of a legacy note body: tags removed (<br>, </div>, </p>, </li> become line breaks),
// character references decoded. Exposed for tests.
std::string HtmlToText(std::string_view html);

}  // namespace mfx::parsers::notes
