#pragma once
// Photos library metadata (FORMATS §5.11): CameraRollDomain "Media/PhotoData/Photos.sqlite".
//
// One Photo per row of the asset table — ZGENERICASSET (≤ iOS 13) or ZASSET (iOS 14+): filename,
// directory, media_type (ZKIND 0 photo, 1 video), time = ZDATECREATED, added, modified, hidden,
// trashed (ZTRASHEDSTATE ≠ 0) + trashed_time, favorite, uuid, coordinates, albums, and from
// ZADDITIONALASSETATTRIBUTES (columns checked one by one: they drift) original_filename,
// timezone_offset_s, timezone_name, creator_bundle_id.
//   - ZLATITUDE/ZLONGITUDE of -180.0 mean "no location": both null. iOS 9 has no such columns, only
//     the ZLOCATIONDATA blob, whose format is not proven here: coordinates are null and a warning
//     says so.
//   - albums: titles of ZGENERICALBUM rows linked through the many-to-many table Z_<album ent>ASSETS
//     (iOS 9 Z_15ASSETS(Z_15ALBUMS, Z_22ASSETS); later Z_26/27/28ASSETS), found through
//     Z_PRIMARYKEY and PRAGMA table_info, never by hard-coded numbers.
//   - backup_path = "CameraRollDomain/Media/<ZDIRECTORY>/<ZFILENAME>" when the backup manifest lists
//     that file (its payload may still be missing from the folder: the backup reader reports that).
// Times: Cocoa seconds. source.rowid = the asset table's Z_PK.

#include "parsers/parser_module.h"

namespace mfx::parsers::photos {

ParserModule PhotosParser();

}  // namespace mfx::parsers::photos
