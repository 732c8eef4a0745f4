#pragma once
// Decoders for the two manifest eras: Manifest.db (iOS 10+: SQLite Files rows with an
// NSKeyedArchiver MBFile each) and Manifest.mbdb (iOS ≤ 9: a binary record stream).
//
// Both keep going past damage: a row or record that cannot be decoded is reported in `problems`
// (naming the rowid or record number and byte offset) and the rest is still returned.

#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/sqlite_db.h"
#include "parsers/backup/manifest_entry.h"

namespace mfx::parsers::backup {

struct ManifestReadResult {
  std::vector<ManifestEntry> entries;
  std::vector<std::string> problems;  // one line each, for the report
};

// Decodes one Files.file blob into `entry` (fields other than domain/path/fileID/flags).
Status DecodeMbFile(ByteSpan blob, ManifestEntry& entry);

// Reads every Files row of an opened (plaintext) Manifest.db.
Result<ManifestReadResult> ReadManifestDb(const core::SqliteDb& db);

// Parses Manifest.mbdb bytes. Fails only when the header is wrong; a truncated or impossible
// record stops the walk with a problem line (there is no index to resynchronise on).
Result<ManifestReadResult> ParseMbdb(ByteSpan bytes);

}  // namespace mfx::parsers::backup
