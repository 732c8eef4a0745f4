#pragma once
// Safari history and bookmarks (FORMATS §5.7, §5.9; §6: History.db is in encrypted backups only).
//
// History.db, matched by relativePath across domains: iOS 9 AppDomain-com.apple.mobilesafari and
// iOS 14 HomeDomain "Library/Safari/History.db"; iOS 17+ also "Library/Safari/Profiles/<UUID>/
// History.db" per profile (profile = <UUID>). One WebHistory record per history_visits row, joined
// to history_items: url, title (of the visit), visit_count, load_successful, origin.
// time = history_visits.visit_time: Cocoa seconds, except on iOS ≥ 26 where it may be Unix seconds
// (see ParseVisitTime in the .cpp). source.rowid = history_visits.id.
//
// Bookmarks.db (HomeDomain "Library/Safari/Bookmarks.db"): one Bookmark per bookmarks row —
// "folder" (type 1), "reading_list" (a leaf whose extra_attributes plist has com.apple.ReadingList,
// or that sits in the com.apple.ReadingList folder), "bookmark" (other leaves). folder = the title
// of the parent row. Reading-list items: time = DateAdded, preview_text, last_viewed.
// source.rowid = bookmarks.id.

#include "core/time.h"
#include "parsers/parser_module.h"

namespace mfx::parsers::safari {

ParserModule SafariParser();

// history_visits.visit_time under the given iOS major version (0 = unknown). Exposed for tests.
core::Timestamp VisitTime(double raw, int ios_major);

}  // namespace mfx::parsers::safari
