#pragma once
// Voicemail: HomeDomain Library/Voicemail/voicemail.db (FORMATS §5.6). Mixed epochs: date is Unix
// seconds, trashed_date Cocoa seconds. The audio Library/Voicemail/<ROWID>.amr becomes backup_path
// when the backup holds it. Rows of the iOS 15+ table deleted are reported too (source.table
// "deleted").

#include "parsers/parser_module.h"

namespace mfx::parsers::voicemail {

ParserModule VoicemailParser();

}  // namespace mfx::parsers::voicemail
