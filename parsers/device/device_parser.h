#pragma once
// Device identity: one DeviceInfo record per backup, from the host-written root Info.plist
// completed by Manifest.plist Lockdown (FORMATS §1.2–1.3, §5.1). Both plists reach the parser
// through the backup view's "BackupRoot/" pseudo-domain (parsers/backup/backup.h).
//
// time = Info.plist "Last Backup Date" (Manifest.plist "Date" when Info.plist is absent).
// source = the plist the identity came from, table null, rowid "" (the root dict).

#include "parsers/parser_module.h"

namespace mfx::parsers::device {

ParserModule DeviceParser();

}  // namespace mfx::parsers::device
