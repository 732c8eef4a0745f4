#pragma once
// Installed apps (FORMATS §1.2, §1.3, §5.2): one App record per bundle id found in
//   - Info.plist "Installed Applications" (array) and "Applications" (dict bundle → {iTunesMetadata
//     (a nested plist), PlaceholderIcon, ApplicationSINF});
//   - Manifest.plist "Applications" (bundle → {CFBundleIdentifier, Path, ContainerContentClass});
//     app groups and plug-in containers listed there are not apps and are left out;
//   - the set of AppDomain-<bundle> domains in the backup.
// seen_in names where the app was found ("Info.plist", "Manifest.plist", "backup domains").
// time = the install date (iTunesMetadata storeCohort "date=", Unix ms or s) when present, else the
// purchase date, else null. The root plists come through "BackupRoot/" (parsers/backup/backup.h).
//
// source: the first place the app was found — Info.plist "Applications/<bundle>" (decode chain
// "iTunesMetadata → plist" when its metadata was read), Info.plist "Installed Applications/<i>",
// Manifest.plist "Applications/<bundle>" (table null, rowid = key path), or for an app known only
// from its container the domain "AppDomain-<bundle>" with path "" and rowid null.

#include "parsers/parser_module.h"

namespace mfx::parsers::apps {

ParserModule AppsParser();

}  // namespace mfx::parsers::apps
