#pragma once
// NSKeyedArchiver decoding: resolves the UID graph of an archive into a plain PlistValue tree.
//
// An archive is a plist {$archiver: "NSKeyedArchiver", $version: 100000, $top: {root: UID},
// $objects: [...]}. Decoding replaces each UID by the object it names, recursively (UIDs can
// point at UIDs: the pyiosbackup vector's EncryptionKey has NS.data → UID → data), and maps the
// Foundation classes to plain values:
//   NSString / NSMutableString {NS.string}            → string
//   NSData / NSMutableData {NS.data}                  → data
//   NSDate {NS.time}                                  → date
//   NSArray / NSMutableArray / NSSet {NS.objects}     → array
//   NSDictionary / NSMutableDictionary {NS.keys, NS.objects} → dict (keys must decode to strings)
//   "$null"                                           → null
// Any other object becomes a dict of its decoded members plus "$class" = its class name.
//
// Hostile input: cycles, out-of-range UIDs, depth beyond 128 and expansion beyond 2M values are
// kCorrupt errors naming the object index; nothing recurses or expands without bound.

#include <string_view>

#include "core/plist.h"

namespace mfx::core {

// Decodes $top[top_key] of an already parsed archive.
Result<PlistValue> DecodeKeyedArchive(const PlistValue& archive, std::string_view top_key = "root");

// Parses the plist bytes, then decodes.
Result<PlistValue> DecodeKeyedArchiveBytes(ByteSpan bytes, std::string_view what,
                                           std::string_view top_key = "root");

}  // namespace mfx::core
